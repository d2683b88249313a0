# Sourced by New-ClientCorpus.sh inside its namespace, while servers.py and its DNS stub run: nginx and HAProxy proxy
# to each failing server, curl or nc asks through them, and the proxies' own log lines join the corpus.
# Needs: $work, $here, add_line (line client version failure how truth). Each proxy is stopped by its PID.

proxy_run() { # failure truth how port [client command]: one request through a proxy, on a fresh connection
  local cmd=${5:-"curl -sS -m 3 http://127.0.0.1:$4/"}
  timeout 6 bash -c "$cmd" > /dev/null 2>&1
  sleep 0.3 # the proxy writes its log line as the request ends
}

nginx_lines() { # new [error]/[warn]/[info] lines of nginx's error log since the last call
  local n; n=$(wc -l < "$work/nginx/error.log")
  tail -n +$(( ${nginx_seen:-0} + 1 )) "$work/nginx/error.log" | grep -E '\[(error|warn|info|crit|alert|emerg)\]' | grep -v -E 'using inherited|signal process' 
  nginx_seen=$n
}

run_nginx() {
  command -v nginx >/dev/null || { missing+=(nginx); return; }
  local v; v=$(nginx -v 2>&1 | cut -d' ' -f3)
  mkdir -p "$work/nginx"
  # port | upstream | failure | truth | how
  local blocks=(
    "18101|127.0.0.1:18001|refused|ECONNREFUSED|nginx proxies to 127.0.0.1:18001, where nothing listens"
    "18102|127.0.0.1:18002|reset-after-request|ECONNRESET|nginx proxies to servers.py, which resets after the request"
    "18103|127.0.0.1:18003|fin-no-answer|EOF|nginx proxies to servers.py, which closes (FIN) after the request"
    "18105|127.0.0.1:18005|silent-server|ETIMEDOUT|nginx proxies to servers.py, which never answers (proxy_read_timeout 1s)"
    "18106|127.13.0.3:80|dropped-syn|ETIMEDOUT|nginx proxies to 127.13.0.3, whose packets nft drops (proxy_connect_timeout 1s)"
    "18107|127.13.0.4:80|icmp-unreachable|EHOSTUNREACH|nginx proxies to 127.13.0.4, which nft answers with ICMP host-unreachable"
  )
  {
    echo "worker_processes 1; error_log $work/nginx/error.log info; pid $work/nginx/nginx.pid;"
    echo "events { worker_connections 64; }"
    echo "http { access_log off; proxy_connect_timeout 1s; proxy_read_timeout 1s; proxy_send_timeout 1s;"
    echo "  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;"
    echo "  resolver 127.0.0.1 valid=1s ipv6=off; resolver_timeout 1s;"
    for b in "${blocks[@]}"; do IFS='|' read -r port up _ <<< "$b"; echo "  server { listen 127.0.0.1:$port; location / { proxy_pass http://$up; } }"; done
    echo "  server { listen 127.0.0.1:18108; location / { set \$u nowhere.invalid; proxy_pass http://\$u; } }"
    echo "  upstream pair { server 127.0.0.1:18001 max_fails=1 fail_timeout=30s; server 127.0.0.2:18001 max_fails=1 fail_timeout=30s; }"
    echo "  server { listen 127.0.0.1:18109; location / { proxy_pass http://pair; } }"
    echo "  server { listen 127.0.0.1:18110; location / { proxy_pass http://127.0.0.1:18005; } }"
    echo "}"
  } > "$work/nginx/nginx.conf"
  nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' & local pid=$!
  for _ in $(seq 30); do [ -s "$work/nginx/nginx.pid" ] && break; sleep 0.1; done
  nginx_lines > /dev/null
  for b in "${blocks[@]}"; do
    IFS='|' read -r port up failure truth how <<< "$b"
    proxy_run "$failure" "$truth" "$how" "$port"
    nginx_lines > "$work/new"; while IFS= read -r l; do add_line "$l" nginx "nginx $v" "$failure" "$how" "$truth" nginx; done < "$work/new"
  done
  proxy_run x x x 18108
  nginx_lines > "$work/new"; while IFS= read -r l; do add_line "$l" nginx "nginx $v" name-nxdomain "nginx proxies to \$u = nowhere.invalid, asking its resolver (the namespace's NXDOMAIN stub) at request time" EAI_NONAME nginx; done < "$work/new"
  proxy_run x x x 18109; proxy_run x x x 18109
  nginx_lines > "$work/new"; while IFS= read -r l; do add_line "$l" nginx "nginx $v" refused "nginx's upstream pair (two addresses where nothing listens, max_fails=1), asked twice" ECONNREFUSED nginx; done < "$work/new"
  proxy_run x x x 18110 "curl -sS -m 0.5 http://127.0.0.1:18110/"
  nginx_lines > "$work/new"; while IFS= read -r l; do add_line "$l" nginx "nginx $v" client-abort "curl gives up after 0.5 s while nginx waits for a silent upstream" EOF nginx; done < "$work/new"
  proxy_run x x x 18110 "printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc' | nc -q 0 127.0.0.1 18110"
  nginx_lines > "$work/new"; while IFS= read -r l; do add_line "$l" nginx "nginx $v" client-abort "a client sends 3 of its 1000 body bytes, then closes" EOF nginx; done < "$work/new"
  kill "$pid"; wait "$pid" 2>/dev/null
  # Startup: a static proxy_pass name is resolved when the configuration is read.
  sed 's|proxy_pass http://127.0.0.1:18001;|proxy_pass http://nowhere.invalid;|' "$work/nginx/nginx.conf" > "$work/nginx/bad.conf"
  nginx -t -c "$work/nginx/bad.conf" 2>&1 | grep -E '\[emerg\]' | while IFS= read -r l; do
    add_line "$l" nginx "nginx $v" name-nxdomain "nginx -t with proxy_pass http://nowhere.invalid (the namespace's resolver answers NXDOMAIN)" EAI_NONAME nginx; done
}

run_haproxy() {
  command -v haproxy >/dev/null || { missing+=(haproxy); return; }
  local v; v=$(haproxy -v | head -1 | cut -d' ' -f1-3)
  mkdir -p "$work/haproxy"
  # port (http; tcp is port+100) | server | failure | truth | how
  local backs=(
    "18201|127.0.0.1:18001|refused|ECONNREFUSED|HAProxy's server is 127.0.0.1:18001, where nothing listens"
    "18202|127.0.0.1:18002|reset-after-request|ECONNRESET|HAProxy's server is servers.py, which resets after the request"
    "18203|127.0.0.1:18003|fin-no-answer|EOF|HAProxy's server is servers.py, which closes (FIN) after the request"
    "18205|127.0.0.1:18005|silent-server|ETIMEDOUT|HAProxy's server never answers (timeout server 1s)"
    "18206|127.13.0.3:80|dropped-syn|ETIMEDOUT|HAProxy's server is 127.13.0.3, whose packets nft drops (timeout connect 1s)"
    "18207|127.13.0.4:80|icmp-unreachable|EHOSTUNREACH/ETIMEDOUT|HAProxy's server is 127.13.0.4, which nft answers with ICMP host-unreachable (HAProxy's non-blocking connect waits on: its timeout connect 1s may end it)"
  )
  {
    printf 'global\n  log stdout format raw local0\ndefaults\n  log global\n  timeout connect 1s\n  timeout client 2s\n  timeout server 1s\n  timeout http-request 1s\n  retries 0\n'
    for b in "${backs[@]}"; do
      IFS='|' read -r port srv _ <<< "$b"
      printf 'frontend h%s\n  bind 127.0.0.1:%s\n  mode http\n  option httplog\n  default_backend bh%s\nbackend bh%s\n  mode http\n  server s %s\n' "$port" "$port" "$port" "$port" "$srv"
      printf 'frontend t%s\n  bind 127.0.0.1:%s\n  mode tcp\n  option tcplog\n  default_backend bt%s\nbackend bt%s\n  mode tcp\n  server s %s\n' "$port" $((port + 100)) "$port" "$port" "$srv"
    done
  } > "$work/haproxy/haproxy.cfg"
  haproxy -db -f "$work/haproxy/haproxy.cfg" > "$work/haproxy/log" 2>&1 & local pid=$!
  sleep 0.5
  local seen=0
  hap_lines() { local n; n=$(wc -l < "$work/haproxy/log"); tail -n +$((seen + 1)) "$work/haproxy/log" | grep -v -E '^\[(NOTICE|WARNING)\]|^Proxy .* started'; seen=$n; }
  hap_lines > /dev/null
  for b in "${backs[@]}"; do
    IFS='|' read -r port srv failure truth how <<< "$b"
    proxy_run "$failure" "$truth" "$how" "$port"
    hap_lines > "$work/new"; while IFS= read -r l; do add_line "$l" haproxy-http "$v" "$failure" "$how (mode http)" "$truth" HAProxy; done < "$work/new"
    proxy_run "$failure" "$truth" "$how" $((port + 100)) "nc -w 3 127.0.0.1 $((port + 100)) < $work/request"
    hap_lines > "$work/new"; while IFS= read -r l; do add_line "$l" haproxy-tcp "$v" "$failure" "$how (mode tcp)" "$truth" HAProxy; done < "$work/new"
  done
  proxy_run x x x 18205 "nc -w 3 127.0.0.1 18205 < /dev/null"  # a client that sends nothing: timeout http-request
  hap_lines > "$work/new"; while IFS= read -r l; do add_line "$l" haproxy-http "$v" client-silent "a client connects to HAProxy (mode http) and sends nothing (timeout http-request 1s)" ETIMEDOUT HAProxy; done < "$work/new"
  proxy_run x x x 18205 "curl -sS -m 0.5 http://127.0.0.1:18205/; sleep 1"
  hap_lines > "$work/new"; while IFS= read -r l; do add_line "$l" haproxy-http "$v" client-abort "curl gives up after 0.5 s while HAProxy waits for a silent server (without option abortonclose HAProxy notices at its timeout server)" EOF/ETIMEDOUT HAProxy; done < "$work/new"
  kill "$pid"; wait "$pid" 2>/dev/null
  printf 'defaults\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\nbackend b\n  server s nowhere.invalid:80\n' > "$work/haproxy/bad.cfg"
  haproxy -c -f "$work/haproxy/bad.cfg" 2>&1 | grep -E '^\[ALERT\]' | head -1 | while IFS= read -r l; do
    add_line "$l" haproxy "$v" name-nxdomain "haproxy -c with server nowhere.invalid:80 (the namespace's resolver answers NXDOMAIN)" EAI_NONAME HAProxy; done
}
