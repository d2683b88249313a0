# A real nginx (issue 24 §1, §4): started by the test on 127.0.0.1, a free ephemeral port, with its own config,
# pid, logs and temp paths in $TestDrive, stopped by PID after. nginx's documentation (ngx_http_core_module):
# keepalive_timeout "sets a timeout during which a keep-alive client connection will stay open on the server side";
# client_header_timeout "defines a timeout for reading client request header". Find-TcpIdleTimeout must tell the
# two apart: with -Send (a request answered, as a pooled connection has done) it meets keepalive_timeout; without,
# the connections never sent a request and meet client_header_timeout.
BeforeDiscovery {
    $script:NginxPath = @('/usr/sbin/nginx', (Get-Command nginx -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
        Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    $script:NginxSkip = if (-not $IsLinux) { 'the nginx test runs on Linux' }
    elseif (-not $NginxPath) { 'nginx is not installed (apt-get install nginx-light; .ci/run does)' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    if ($NginxSkip) { return }
    # The server's timers, expected in the answers below.
    $script:KeepAliveSeconds = 2
    $script:HeaderSeconds = 4

    # A free port can be taken between our look and nginx's bind: a few tries, each bounded.
    for ($try = 1; $try -le 3 -and -not $script:Nginx; $try++) {
        $script:Port = Get-ClosedLoopbackPort
        $dir = Join-Path $TestDrive "nginx$try"
        New-Item -ItemType Directory -Path $dir | Out-Null
        $config = Join-Path $dir 'nginx.conf'
        Set-Content -Path $config -Value @"
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_timeout ${KeepAliveSeconds}s;
    client_header_timeout ${HeaderSeconds}s;
    server {
        listen 127.0.0.1:$Port;
        location / { return 200 "ok\n"; }
    }
}
"@
        $start = [Diagnostics.ProcessStartInfo]::new($NginxPath)
        # -e: the error log before the config is read (else nginx tries /var/log/nginx first).
        foreach ($a in '-p', $dir, '-c', $config, '-e', (Join-Path $dir 'error.log')) { $start.ArgumentList.Add($a) }
        $start.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($start)
        $ready = $false
        for ($i = 0; $i -lt 50 -and -not $ready -and -not $process.HasExited; $i++) {
            $probe = [Net.Sockets.TcpClient]::new()
            try { $probe.Connect([Net.IPAddress]::Loopback, $Port); $ready = $true } catch { Start-Sleep -Milliseconds 100 } finally { $probe.Dispose() }
        }
        if ($ready) { $script:Nginx = $process }
        else {
            if (-not $process.HasExited) { $process.Kill($true); $null = $process.WaitForExit(5000) }
            $script:StartError = Get-Content -Raw -ErrorAction Ignore (Join-Path $dir 'error.log')
        }
    }
    if (-not $script:Nginx) { throw "nginx did not listen on 127.0.0.1 after 3 tries: $StartError" }

    # Both searches side by side (each its own connections): the suite's time is the longer one, about 4 s.
    $request = "GET / HTTP/1.1`r`nHost: x`r`n`r`n"
    $search = "Find-TcpIdleTimeout 127.0.0.1 $Port -MaxSeconds 8 -Detailed"
    $started = @(
        Start-Bounded -Script "$search -Send `"$($request.Replace("`r", '`r').Replace("`n", '`n'))`"" -TimeoutSeconds 30
        Start-Bounded -Script $search -TimeoutSeconds 30
    )
    $script:WithSend, $script:WithoutSend = foreach ($s in $started) {
        $run = Receive-Bounded $s
        $run.Finished | Should -BeTrue
        $run.Errors | Should -BeNullOrEmpty
        Split-IdleSearch $run.Output
    }
}

AfterAll {
    if ($script:Nginx -and -not $Nginx.HasExited) {
        $Nginx.Kill($true) # the master and its worker, by PID
        $null = $Nginx.WaitForExit(10000)
    }
}

Describe 'Find-TcpIdleTimeout against a real nginx (keepalive_timeout 2s, client_header_timeout 4s)' -Skip:([bool]$NginxSkip) {
    It 'with -Send (a request answered, as a pooled connection has done): about 2 s, Closed, nginx keepalive_timeout' {
        $a = Assert-ClosedAnswer $WithSend.Answer -IdleAfter Answer -Above ($KeepAliveSeconds - 1) -Below ($KeepAliveSeconds + 1) -Because 'nginx closes a keep-alive connection when keepalive_timeout ends'
        $a.ShortestDeadSeconds | Should -BeIn ($KeepAliveSeconds, ($KeepAliveSeconds + 1))
        $a.LongestAliveSeconds | Should -BeLessThan $a.ShortestDeadSeconds
        $a.Recommendation | Should -Match 'pool idle timeout'
        $a.Recommendation | Should -Match 'retry idempotent'
        ($a.ClientSettings -join "`n") | Should -Match 'PooledConnectionIdleTimeout = TimeSpan\.FromSeconds\(\d+\)'
        ($a.ClientSettings -join "`n") | Should -Match 'IdleConnTimeout'
        @($WithSend.Rows | Where-Object { $_.AnswerBytes -gt 0 }).Count | Should -Be $WithSend.Rows.Count -Because 'nginx answered every request before the idle'
    }

    It 'without -Send (connections that never sent a request): about 4 s, the first-request timer (client_header_timeout), no pool advice' {
        $a = Assert-ClosedAnswer $WithoutSend.Answer -IdleAfter Connect -Above ($HeaderSeconds - 1) -Below ($HeaderSeconds + 1) -Because 'nginx gives up on a connection that sent no request when client_header_timeout ends'
        $a.Recommendation | Should -Match 'first request'
        $a.Recommendation | Should -Match '-Send'
        $a.ClientSettings | Should -BeNullOrEmpty -Because 'no pooled connection meets a first-request timer'
        @($WithoutSend.Rows | Where-Object { $null -ne $_.AnswerBytes }).Count | Should -Be 0
    }
}
