# The lab scenarios tests/Lab.Tests.ps1 runs through their front doors, side by side (one run each),
# and what each must end with. Data only: read at discovery (the Describe's -ForEach) and at run time.
@{
    Runs = @(
        @{ Name = 'ConnectNoRoute'; Run = 'Test-TcpRefused -Scenario ConnectNoRoute'; Final = 'Connect Error ENETUNREACH' }
        @{ Name = 'ConnectHostUnreachable'; Run = 'Test-TcpRefused -Scenario ConnectHostUnreachable'; Final = 'Connect Error EHOSTUNREACH' }
        @{ Name = 'ConnectTimeout'; Run = 'Test-TcpRefused -Scenario ConnectTimeout'; Final = 'Connect Error ETIMEDOUT'; MinMs = 2900 }
        @{ Name = 'PeerHostCrash (Send)'; Run = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Send'; Final = 'Receive Error ETIMEDOUT'; MinMs = 2900 }
        @{ Name = 'PeerHostCrash (Idle)'; Run = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Idle'; Final = 'Receive TimedOut '; MinMs = 1900 }
        @{ Name = 'PeerHostCrashKeepalive'; Run = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Keepalive'; Final = 'Receive Error ETIMEDOUT'; MinMs = 2500 }
        @{ Name = 'PeerReboot'; Run = 'Invoke-PeerCrash -Mode Reboot'; Final = 'Send Error EPIPE' }
        @{ Name = 'IcmpUnreachableEstablished'; Run = 'Invoke-PeerCrash -Mode IcmpUnreachable'; Final = 'Receive Error EHOSTUNREACH'; MinMs = 2900 }
        @{ Name = 'AcceptOverflowReset'; Run = 'Test-TcpRefused -Scenario AcceptOverflowReset'; Final = 'Receive Error ECONNRESET' }
        @{ Name = 'HalfOpenSynRecv'; Run = 'Test-TcpRefused -Scenario HalfOpenSynRecv'; Final = 'Send Error EPIPE' }
        @{ Name = 'EphemeralPortExhaustion'; Run = 'Test-TcpRefused -Scenario EphemeralPortExhaustion'; Final = 'Connect Error EADDRNOTAVAIL' }
        @{ Name = 'MiddleboxIdleReset'; Run = 'Invoke-PeerCrash -Mode MiddleboxReset'; Final = 'Send Error EPIPE' }
        @{ Name = 'MiddleboxIdleDrop'; Run = 'Invoke-PeerCrash -Mode MiddleboxDrop'; Final = 'Send Error EPIPE' }
        @{ Name = 'MtuBlackhole'; Run = 'Invoke-PeerCrash -Mode MtuBlackhole'; Final = 'Receive Error ETIMEDOUT'; MinMs = 2900 }
        @{ Name = 'MtuBlackholeProbing'; Run = 'Invoke-PeerCrash -Mode MtuBlackholeProbing'; Final = 'Receive Success '; MinMs = 2900 }
    )
}
