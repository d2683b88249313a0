# Runs SocketProbe.Peer inside PowerShell, for a machine where SocketProbe finds no dotnet muxer
# (DotNetHost.PeerCommandAsync starts it with -File and the peer's arguments). Nothing here is built
# from a path or a value: the peer's arguments arrive in $args, the program beside this file.
Add-Type -LiteralPath (Join-Path $PSScriptRoot 'SocketProbe.Peer.dll')
exit [SocketProbe.Peer.Program]::Main([string[]]$args)
