#!/usr/bin/env bash
# Regenerates tests/corpus/client-lines.tsv: the lines real clients print against real failures. Run by hand as root
# (it makes its own network and mount namespace; nothing leaves it), NOT in the test suite: it takes minutes.
#   tests/corpus/New-ClientCorpus.sh [out.tsv]
# The failures are served by servers.py on 127.0.0.1 inside the namespace; dropped SYNs and ICMP host-unreachable are
# nft rules on two more loopback addresses; names under .invalid meet a DNS stub that answers NXDOMAIN, then no
# resolver at all. Each client's error lines are kept as printed (stack frames and traceback headers dropped).
# Columns: truth is the error the failure made (not read from the patterns; write-after-close makes one of three, as
# the RST races the client's writes and reads); keys is the answer a right explanation of the line gives: the truth,
# or for write-after-close the one the line's own words name, or where corpus-meanings.tsv lists the wording, each error
# it can stand for ("-": the line says nothing about the error). Clients absent here are recorded in the header.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/client-lines.tsv}
if [ -z "${CORPUS_IN_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "run as root: it makes a network namespace" >&2; exit 1; }
  exec unshare --net --mount env CORPUS_IN_NS=1 bash "$0" "$out"
fi

work=$(mktemp -d /tmp/corpus.XXXXXX)
ip link set lo up
echo 'nameserver 127.0.0.1' > "$work/resolv.conf"
mount --bind "$work/resolv.conf" /etc/resolv.conf
nft -f - <<'NFT'
table inet corpus {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 127.13.0.3 drop
    ip daddr 127.13.0.4 reject with icmp type host-unreachable
  }
}
NFT
head -c $((8 << 20)) /dev/zero > "$work/body"
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' > "$work/request"

# Build the compiled clients once.
missing=()
if command -v go >/dev/null; then (cd "$here/clients" && GOFLAGS=-mod=mod go build -o "$work/go_client" main.go) || missing+=(go); else missing+=(go); fi
if command -v javac >/dev/null; then javac -d "$work/java" "$here/clients/JavaClient.java" || missing+=(java); else missing+=(java); fi
dotnet build "$here/clients/dotnet/DotnetClient.csproj" -c Release -o "$work/dotnet" -v q --nologo >/dev/null || missing+=(dotnet)

/usr/bin/python3 "$here/servers.py" --dns --seconds 1200 > "$work/servers.out" 2>&1 &
servers=$!
for _ in $(seq 50); do grep -q ready "$work/servers.out" 2>/dev/null && break; sleep 0.1; done
trap 'kill $servers 2>/dev/null; rm -rf "$work"' EXIT

ver() { "$@" 2>&1 | head -1 | tr -d '\r'; }
declare -A version=(
  [curl]="$(curl --version | head -1 | cut -d' ' -f1-2)"
  [python]="Python $(/usr/bin/python3 -c 'import sys;print(sys.version.split()[0])')"
  [requests]="requests $(/usr/bin/python3 -c 'import requests,urllib3;print(requests.__version__, "urllib3", urllib3.__version__)' 2>/dev/null)"
  [node]="node $(node --version)"
  [go]="$(ver go version | cut -d' ' -f3)"
  [java]="$(ver java -version)"
  [dotnet]=".NET $(dotnet --list-runtimes | grep NETCore.App | tail -1 | cut -d' ' -f2)"
  [redis]="$(ver redis-cli --version)"
  [psql]="$(ver psql --version)"
  [socat]="$(socat -V 2>/dev/null | sed -n 2p | cut -d' ' -f1-3)"
  [nc]="netcat-openbsd $(dpkg-query -W -f '${Version}' netcat-openbsd 2>/dev/null)"
)

# client id | version key | runtime the line must be named as | command (H, P, and POST= set for write-after-close)
clients=(
  "curl|curl|curl|curl -sS --connect-timeout 2 -m 3 \${POST:+--data-binary @$work/body} http://\$H:\$P/"
  "python-urllib|python|Python|/usr/bin/python3 $here/clients/py_client.py urllib \$H \$P \$POST"
  "python-http.client|python|Python|/usr/bin/python3 $here/clients/py_client.py httpclient \$H \$P \$POST"
  "python-socket|python|Python|/usr/bin/python3 $here/clients/py_client.py socket \$H \$P \$POST"
  "python-asyncio|python|Python|/usr/bin/python3 $here/clients/py_client.py asyncio \$H \$P \$POST"
  "python-requests|requests|Python|/usr/bin/python3 $here/clients/py_client.py requests \$H \$P \$POST"
  "node-http|node|Node.js|node $here/clients/node_client.js http \$H \$P \$POST"
  "node-fetch|node|Node.js|node $here/clients/node_client.js fetch \$H \$P \$POST"
  "node-net|node|Node.js|node $here/clients/node_client.js net \$H \$P \$POST"
  "go-net/http|go|Go|$work/go_client http \$H \$P \$POST"
  "go-net|go|Go|$work/go_client net \$H \$P \$POST"
  "java-HttpURLConnection|java|Java|java -cp $work/java JavaClient url \$H \$P \$POST"
  "java-HttpClient|java|Java|java -cp $work/java JavaClient httpclient \$H \$P \$POST"
  "java-Socket|java|Java|java -cp $work/java JavaClient socket \$H \$P \$POST"
  "dotnet-HttpClient|dotnet|.NET|$work/dotnet/DotnetClient httpclient \$H \$P \$POST"
  "dotnet-TcpClient|dotnet|.NET|$work/dotnet/DotnetClient socket \$H \$P \$POST"
  "redis-cli|redis|redis-cli|timeout 4 redis-cli -h \$H -p \$P \${POST:+-x SET k} \${POST:-PING} < \$IN"
  "psql|psql|PostgreSQL|psql -X -w \"host=\$H port=\$P connect_timeout=2 user=corpus dbname=corpus sslmode=disable\" -c 'select 1'"
  "socat|socat|socat|socat -T2 - TCP:\$H:\$P,connect-timeout=2 < \$IN"
  "nc|nc|netcat|nc -v -w 2 \$H \$P < \$IN"
)
# failure | host | port | POST | truth | how it is made
failures=(
  "refused|127.0.0.1|18001||ECONNREFUSED|nothing listens on 127.0.0.1:18001: the SYN is answered with RST"
  "reset-after-request|127.0.0.1|18002||ECONNRESET|servers.py reads the request, then closes with SO_LINGER 0 (RST)"
  "fin-no-answer|127.0.0.1|18003||EOF|servers.py reads the request, then closes (FIN) without answering"
  "write-after-close|127.0.0.1|18004|post|EPIPE/ECONNRESET/EOF|servers.py closes (FIN) as it accepts; the client writes 8 MiB (its data draws RST)"
  "silent-server|127.0.0.1|18005||ETIMEDOUT|servers.py accepts and never answers; the client's own 2 s timeout ends it"
  "dropped-syn|127.13.0.3|80||ETIMEDOUT|nft drops every packet to 127.13.0.3 in the namespace; the client's 2 s connect timeout ends it"
  "icmp-unreachable|127.13.0.4|80||EHOSTUNREACH|nft answers SYNs to 127.13.0.4 with ICMP host-unreachable"
  "name-nxdomain|nowhere.invalid|80||EAI_NONAME|the namespace's resolver (servers.py DNS stub) answers NXDOMAIN for nowhere.invalid"
  "name-no-resolver|nowhere.invalid|80||EAI_AGAIN|the namespace's resolver 127.0.0.1:53 is down (port closed)"
)

# Wordings that stand for several errors: the expected answer is each of them (tab: ERE on the line, keys).
meanings=$here/corpus-meanings.tsv

keep_lines() { # error lines as a log keeps them: no stack frames, no traceback headers, no source echo
  tr -d '\r' | grep -v -E '^\s*$|^Traceback \(most recent call last\):|^During handling of the above exception|^The above exception was the direct cause' \
    | grep -E '^[^[:space:]]|^ ---> ' | awk '!seen[$0]++'
}
named_by_words() { # write-after-close: which of its three errors the line's words name
  if grep -qiE 'broken pipe|EPIPE' <<< "$1"; then echo EPIPE; elif grep -qiE 'reset' <<< "$1"; then echo ECONNRESET; else echo EOF; fi
}

add_line() { # line client version failure how truth runtime: one corpus row, its expected answer set as the header says
  local line=$1 truth=$6 keys=$6 ere wider
  [ "$4" = write-after-close ] && keys=$(named_by_words "$line")
  while IFS=$'\t' read -r ere wider; do
    [[ -z "$ere" || "$ere" == \#* ]] && continue
    if grep -qE -- "$ere" <<< "$line"; then keys=$wider; break; fi
  done < "$meanings"
  local runtime=$7  # a bare "Error: <strerror>" (redis-cli's) could be any program's: its runtime cannot be told
  grep -qE '^Error: (Connection reset by peer|Broken pipe|Connection timed out)$' <<< "$line" && runtime=
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$line" "$2" "$3" "$4" "$5" "$truth" "$keys" "$runtime" >> "$out"
}

printf '# Lines real clients printed against real failures, made by tests/corpus/New-ClientCorpus.sh on %s (%s).\n' "$(date -u +%F)" "$(uname -sr)" > "$out"
printf 'line\tclient\tversion\tfailure\thow\ttruth\tkeys\truntime\n' >> "$out"
# The proxies first, while the DNS stub still answers.
source "$here/proxies.sh"
run_nginx
run_haproxy

for f in "${failures[@]}"; do
  IFS='|' read -r failure H P POST truth how <<< "$f"
  [ "$failure" = name-no-resolver ] && { kill $servers; wait $servers 2>/dev/null; /usr/bin/python3 "$here/servers.py" --seconds 1200 > "$work/servers.out" 2>&1 & servers=$!; sleep 0.5; }
  for c in "${clients[@]}"; do
    IFS='|' read -r client vkey runtime cmd <<< "$c"
    case " ${missing[*]} " in *" ${client%%-*} "*) continue;; esac
    IN=$work/request; [ -n "$POST" ] && IN=$work/body
    export H P POST IN  # the command reads them
    timeout 15 bash -c "$cmd" > "$work/out" 2>&1
    keep_lines < "$work/out" | head -8 | while IFS= read -r line; do
      add_line "$line" "$client" "${version[$vkey]}" "$failure" "$how" "$truth" "$runtime"
    done
  done
done
[ ${#missing[@]} -gt 0 ] && sed -i "2i # Not available here, so absent: ${missing[*]}" "$out"
echo "wrote $(grep -vc '^#' "$out") lines to $out" >&2
