#!/usr/bin/env bash
# Gateway overhead benchmark. Three kinds of traffic, each sent to the same upstream along each path:
#   GET        user-service's GET /.well-known/jwks.json,
#   POST 16K   a 16 KiB body POSTed to an upstream that reads and drops it (an nginx server block),
#   many keys  the GET, from KEYS distinct client addresses (X-Forwarded-For from a trusted proxy), so that the
#              gateway's rate limiter tracks that many buckets,
# and the paths are
#   direct             straight at the upstream,
#   gateway            through the Tradewind gateway, JWT authentication and rate limiting on
#                      (routes in Benchmarks/gateway-routes.json),
#   gateway (baseline) the same through another gateway binary, BASELINE_GATEWAY (e.g. a build of an earlier
#                      commit), when given,
#   nginx proxy_pass   through nginx as a plain reverse proxy with upstream keepalive,
# each measured with wrk on 127.0.0.1. Every request carries the same Authorization header.
#
# Run from the repository root:  bash Benchmarks/gateway.sh
# Environment knobs and how to read the output: Benchmarks/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUTES_FILE="$ROOT/Benchmarks/gateway-routes.json"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
READY_TIMEOUT=${READY_TIMEOUT:-60}
SKIP_BUILD=${SKIP_BUILD:-0}
UPSTREAM_ONLY=${UPSTREAM_ONLY:-0}
KEEP_WORK=${KEEP_WORK:-0}
KEYS=${KEYS:-10000}
POST_BYTES=${POST_BYTES:-16384}
BASELINE_GATEWAY=${BASELINE_GATEWAY:-}

ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD='bench admin password'
TARGET_ADDED_P50_US=150
TARGET_RSS_MB=60

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '\ngateway benchmark FAILED: %s\n' "$*" >&2; exit 1; }

for knob in DURATION WARMUP THREADS CONNECTIONS READY_TIMEOUT KEYS POST_BYTES; do
    [[ ${!knob} =~ ^[0-9]+$ ]] || die "$knob must be a whole number of seconds or a count (got '${!knob}')"
done
((DURATION > 0 && THREADS > 0 && READY_TIMEOUT > 0)) || die "DURATION, THREADS and READY_TIMEOUT must be positive"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS), as wrk requires"
[[ $SKIP_BUILD == [01] && $UPSTREAM_ONLY == [01] && $KEEP_WORK == [01] ]] \
    || die "SKIP_BUILD, UPSTREAM_ONLY and KEEP_WORK take 0 or 1"
((KEYS > 0 && KEYS <= 16777216)) || die "KEYS must be between 1 and 16777216"
[[ -z $BASELINE_GATEWAY || -x $BASELINE_GATEWAY ]] || die "BASELINE_GATEWAY=$BASELINE_GATEWAY is not an executable file"
[[ -z $BASELINE_GATEWAY || $UPSTREAM_ONLY == 0 ]] || die "BASELINE_GATEWAY needs the gateways to be started: it cannot be combined with UPSTREAM_ONLY=1"
[[ $(uname -s) == Linux ]] || die "Linux only: the gateway's peak memory is read from /proc"

# ---------------------------------------------------------------------------------------------------------------
# Tools: wrk and nginx (installed from Debian's packages when running as root), curl, awk.

find_nginx() {
    NGINX=${NGINX:-}
    [[ -n $NGINX ]] || NGINX=$(command -v nginx || true)
    [[ -n $NGINX ]] || NGINX=/usr/sbin/nginx
    [[ -x $NGINX ]]
}

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
find_nginx || missing+=(nginx)
if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing ${missing[*]} with apt-get"
        apt-get update -qq >&2 || die "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 \
            || die "apt-get install ${missing[*]} failed"
        NGINX=
        command -v wrk >/dev/null 2>&1 || die "wrk still not found after installing it"
        find_nginx || die "nginx still not found after installing it"
    else
        die "missing: ${missing[*]}. Install them first (Debian/Ubuntu: sudo apt-get install -y nginx-light wrk, or nginx wrk), or run this script as root to have it install them"
    fi
fi
for tool in curl awk sed; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

# ---------------------------------------------------------------------------------------------------------------
# Scratch directory and clean-up: every process started here is stopped on exit, failure or Ctrl-C.

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-gateway-bench.XXXXXX")
PIDS=()

alive() { # running and not a zombie
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $state && $state != Z ]]
}

stop_all() {
    local pid child i
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do
        for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then
            # Its children (nginx's workers) would outlive a KILLed parent: take them first.
            local -a children=()
            read -r -a children < <(cat /proc/"$pid"/task/*/children 2>/dev/null) || true
            for child in ${children[@]+"${children[@]}"}; do kill -KILL "$child" 2>/dev/null || true; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    PIDS=()
}

cleanup() {
    local rc=$? log
    trap - EXIT INT TERM
    stop_all
    if ((rc != 0)) && [[ -z $(ls -A "$WORK" 2>/dev/null) ]]; then
        rm -rf "$WORK" # failed before anything was written
    elif ((rc != 0)); then
        for log in "$WORK"/*.log; do
            [[ -s $log ]] || continue
            printf '\n--- last lines of %s ---\n' "$log" >&2
            tail -n 15 "$log" >&2
        done
        printf '\nLogs and wrk output kept in %s\n' "$WORK" >&2
    elif ((KEEP_WORK)); then
        printf 'Logs and wrk output kept in %s\n' "$WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg NAME LOG COMMAND...: runs COMMAND in the background with $WORK as its working directory (so nothing
# lands in the repository); LAST_PID is the command's own PID, since the subshell execs it.
start_bg() {
    local name=$1 log=$2
    shift 2
    (cd "$WORK" && exec "$@") >"$log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    say "started $name (pid $LAST_PID, log $log)"
}

# run_logged OUT COMMAND...: runs COMMAND with its output in OUT, in the background so that a signal to this script
# stops it at once (bash would otherwise wait for a foreground command before running its traps).
run_logged() {
    local out=$1 pid rc=0 p
    shift
    "$@" >"$out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    local -a keep=()
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    PIDS=(${keep[@]+"${keep[@]}"})
    return "$rc"
}

http_code() { # URL [curl options...]: the status code, 000 when nothing answers
    local url=$1
    shift
    curl -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "$@" "$url" || true
}

wait_ready() { # NAME PID URL LOG: until URL answers 200 (any answer with ANY=1)
    local name=$1 pid=$2 url=$3 log=$4 code deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        code=$(http_code "$url")
        [[ $code == 200 || (${ANY:-0} == 1 && $code != 000) ]] && return 0
        alive "$pid" || die "$name exited during start-up (see $log)"
        ((SECONDS < deadline)) || die "$name did not answer $url within ${READY_TIMEOUT}s (last status $code; see $log)"
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------------------------------------------
# Ports: the defaults, or the next free ones above them; a port given in the environment must be free.

TAKEN=()
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() { # VAR DEFAULT: sets VAR
    local var=$1 default=$2 given=${!1:-} p t
    if [[ -n $given ]]; then
        if ! [[ $given =~ ^[0-9]+$ ]] || ((given < 1 || given > 65535)); then
            die "$var must be a port number (got '$given')"
        fi
        ! port_in_use "$given" || die "$var=$given is already in use"
        p=$given
    else
        for ((p = default; p < default + 200; p++)); do
            for t in ${TAKEN[@]+"${TAKEN[@]}"}; do [[ $t == "$p" ]] && continue 2; done
            port_in_use "$p" || break
        done
        ((p < default + 200)) || die "no free port found from $default up for $var"
    fi
    TAKEN+=("$p")
    printf -v "$var" '%s' "$p"
}

if ((UPSTREAM_ONLY)); then
    USER_PORT=${USER_PORT:-18081}
    [[ $USER_PORT =~ ^[0-9]+$ ]] || die "USER_PORT must be a port number (got '$USER_PORT')"
    TAKEN+=("$USER_PORT")
else
    pick_port USER_PORT 18081
    pick_port GATEWAY_PORT 18080
    [[ -z $BASELINE_GATEWAY ]] || pick_port BASELINE_PORT 18083
fi
pick_port NGINX_PORT 18082
pick_port ECHO_PORT 18084

DIRECT_URL="http://127.0.0.1:$USER_PORT/.well-known/jwks.json"
NGINX_URL="http://127.0.0.1:$NGINX_PORT/.well-known/jwks.json"
ECHO_URL="http://127.0.0.1:$ECHO_PORT/echo"
NGINX_ECHO_URL="http://127.0.0.1:$NGINX_PORT/echo"

# ---------------------------------------------------------------------------------------------------------------
# user-service and gateway (release builds), or, with UPSTREAM_ONLY=1, an upstream that is already running.

GATEWAY_PID=
if ((UPSTREAM_ONLY)); then
    say "UPSTREAM_ONLY=1: no Swift build, no user-service or gateway started; using the upstream on port $USER_PORT"
    TOKEN=${TOKEN:-upstream-only-placeholder}
    code=$(http_code "$DIRECT_URL")
    [[ $code == 200 ]] || die "nothing answers 200 at $DIRECT_URL (got $code); UPSTREAM_ONLY=1 needs a running upstream there"
else
    command -v swift >/dev/null 2>&1 || die "swift is not on PATH (the benchmark builds and runs the release binaries)"
    [[ -f $ROUTES_FILE ]] || die "missing $ROUTES_FILE"
    cd "$ROOT"
    if ((SKIP_BUILD)); then
        say "SKIP_BUILD=1: using the existing release binaries"
    else
        say "building user-service and gateway (release)"
        swift build -c release --product user-service >&2 || die "swift build --product user-service failed"
        swift build -c release --product gateway >&2 || die "swift build --product gateway failed"
    fi
    BIN=$(swift build -c release --show-bin-path) || die "swift build --show-bin-path failed"
    for product in user-service gateway; do
        [[ -x $BIN/$product ]] || die "$BIN/$product not found (build it, or run without SKIP_BUILD=1)"
    done

    start_bg user-service "$WORK/user-service.log" env \
        PORT="$USER_PORT" HOST=127.0.0.1 REGISTRY_URL=none \
        DATABASE_URL="sqlite://$WORK/user.sqlite" KEY_DIRECTORY="$WORK/keys" \
        ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" \
        BCRYPT_COST=4 ACCESS_TOKEN_TTL_SECONDS=86400 LOG_LEVEL=warning \
        "$BIN/user-service"
    USER_PID=$LAST_PID
    wait_ready user-service "$USER_PID" "http://127.0.0.1:$USER_PORT/health/ready" "$WORK/user-service.log"

    start_gateway() { # NAME BINARY PORT
        start_bg "$1" "$WORK/$1.log" env \
            PORT="$3" HOST=127.0.0.1 REGISTRY_URL=none \
            USER_SERVICE_URL="http://127.0.0.1:$USER_PORT" ECHO_SERVICE_URL="http://127.0.0.1:$ECHO_PORT" \
            JWKS_URL="http://127.0.0.1:$USER_PORT/.well-known/jwks.json" TRUSTED_PROXIES=127.0.0.1/32 \
            GATEWAY_ROUTES_FILE="$ROUTES_FILE" LOG_LEVEL=warning \
            "$2"
        wait_ready "$1" "$LAST_PID" "http://127.0.0.1:$3/health/ready" "$WORK/$1.log"
    }
    start_gateway gateway "$BIN/gateway" "$GATEWAY_PORT"
    GATEWAY_PID=$LAST_PID
    if [[ -n $BASELINE_GATEWAY ]]; then
        start_gateway baseline "$BASELINE_GATEWAY" "$BASELINE_PORT"
        BASELINE_PID=$LAST_PID
    fi

    say "signing in as $ADMIN_EMAIL"
    response=$(curl -s --noproxy '*' --max-time 10 \
        --data-urlencode grant_type=password \
        --data-urlencode "username=$ADMIN_EMAIL" \
        --data-urlencode "password=$ADMIN_PASSWORD" \
        "http://127.0.0.1:$USER_PORT/oauth/token") || die "POST /oauth/token did not answer"
    TOKEN=$(sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$response")
    [[ -n $TOKEN ]] || die "no access_token in the token response: $response"
fi

# ---------------------------------------------------------------------------------------------------------------
# nginx: a plain proxy_pass to user-service, keepalive to the upstream, everything under $WORK.

mkdir -p "$WORK/nginx"
# When started as root, nginx's workers drop to an unprivileged user and must be able to reach the temp paths.
[[ $(id -u) -ne 0 ]] || chmod 711 "$WORK"
cat >"$WORK/nginx.conf" <<EOF
worker_processes auto;
daemon off;
error_log $WORK/nginx-error.log warn;
pid $WORK/nginx.pid;

events {
    worker_connections 1024;
}

http {
    access_log off;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;

    upstream tradewind_user {
        server 127.0.0.1:$USER_PORT;
        keepalive 64;
    }

    upstream tradewind_echo {
        server 127.0.0.1:$ECHO_PORT;
        keepalive 64;
    }

    # The POST upstream: reads each body, drops it, answers 200.
    server {
        listen 127.0.0.1:$ECHO_PORT;
        client_max_body_size 1m;
        client_body_buffer_size 64k;
        location /echo {
            return 200 "ok\n";
        }
    }

    server {
        listen 127.0.0.1:$NGINX_PORT;

        location / {
            proxy_pass http://tradewind_user;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }

        location /echo {
            client_max_body_size 1m;
            client_body_buffer_size 64k;
            proxy_pass http://tradewind_echo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
NGINX_ARGS=(-p "$WORK/nginx/" -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf")
"$NGINX" -t -q "${NGINX_ARGS[@]}" >"$WORK/nginx-check.log" 2>&1 \
    || die "nginx rejected the generated configuration: $(cat "$WORK/nginx-check.log")"
start_bg nginx "$WORK/nginx.log" "$NGINX" "${NGINX_ARGS[@]}"
NGINX_PID=$LAST_PID
ANY=1 wait_ready nginx "$NGINX_PID" "$NGINX_URL" "$WORK/nginx-error.log"

# ---------------------------------------------------------------------------------------------------------------
# The three kinds of traffic (wrk Lua scripts) and the rows: SCENARIO.PATH.

cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = string.rep("x", $POST_BYTES)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF
cat >"$WORK/keys.lua" <<EOF
local counter = 0
request = function()
  counter = counter + 1
  local i = counter % $KEYS
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  return wrk.format()
end
EOF
head -c "$POST_BYTES" /dev/zero | tr '\0' x >"$WORK/post.body"

SCENARIOS=(get post keys)
((!UPSTREAM_ONLY)) || SCENARIOS=(get)
declare -A SCENARIO_LABEL=([get]="GET" [post]="POST $((POST_BYTES / 1024))K" [keys]="$KEYS keys")
declare -A SCENARIO_SCRIPT=([get]="" [post]="$WORK/post.lua" [keys]="$WORK/keys.lua")
PATHS=(direct)
((UPSTREAM_ONLY)) || PATHS+=(gateway)
[[ -z $BASELINE_GATEWAY ]] || PATHS+=(baseline)
PATHS+=(nginx)
declare -A PATH_LABEL=([direct]="direct" [gateway]="gateway" [baseline]="gateway (baseline)" [nginx]="nginx proxy_pass")
declare -A URL=(
    [get.direct]="$DIRECT_URL" [get.nginx]="$NGINX_URL"
    [post.direct]="$ECHO_URL" [post.nginx]="$NGINX_ECHO_URL"
    [keys.direct]="$DIRECT_URL" [keys.nginx]="$NGINX_URL"
)
for gateway in gateway baseline; do
    if [[ $gateway == gateway ]]; then port=${GATEWAY_PORT:-0}; else port=${BASELINE_PORT:-0}; fi
    URL[get.$gateway]="http://127.0.0.1:$port/api/bench/jwks.json"
    URL[post.$gateway]="http://127.0.0.1:$port/api/echo"
    URL[keys.$gateway]="http://127.0.0.1:$port/api/keys/jwks.json"
done

# Every row must answer 200 before anything is measured.
check_200() { # ROW
    local row=$1 url=${URL[$1]} code body="$WORK/check-$1.body"
    local -a extra=()
    [[ ${row%%.*} != post ]] || extra=(-X POST -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/post.body")
    code=$(curl -s --noproxy '*' --max-time 5 -o "$body" -w '%{http_code}' \
        -H "Authorization: Bearer $TOKEN" ${extra[@]+"${extra[@]}"} "$url" || true)
    [[ $code == 200 ]] || die "$row: $url answered $code, not 200: $(head -c 500 "$body" 2>/dev/null)"
    say "$row answers 200: $url"
}
for scenario in "${SCENARIOS[@]}"; do
    for path in "${PATHS[@]}"; do check_200 "$scenario.$path"; done
done

# ---------------------------------------------------------------------------------------------------------------
# wrk runs and parsing.

# Prints "REQUESTS_PER_SECOND P50_US P99_US NON_2XX SOCKET_ERRORS" from wrk --latency output.
parse_wrk() {
    awk '
        function to_us(text,   value, unit) {
            value = text + 0; unit = text; sub(/^[0-9.]+/, "", unit)
            if (unit == "us") return value
            if (unit == "ms") return value * 1000
            if (unit == "s")  return value * 1000000
            if (unit == "m")  return value * 60000000
            if (unit == "h")  return value * 3600000000
            return -1
        }
        /^Requests\/sec:/              { rps = $2 }
        $1 == "50%"                    { p50 = to_us($2) }
        $1 == "99%"                    { p99 = to_us($2) }
        /Non-2xx or 3xx responses:/    { non2xx = $NF }
        /Socket errors:/               { errors = ($4 + 0) + ($6 + 0) + ($8 + 0) + ($10 + 0) }
        END {
            if (rps == "" || p50 == "" || p99 == "" || p50 < 0 || p99 < 0) exit 1
            printf "%s %.0f %.0f %d %d\n", rps, p50, p99, non2xx + 0, errors + 0
        }' "$1"
}

# CPU time (user + system, in clock ticks) used so far by the processes serving a path; the proxy's CPU per request
# shows where a throughput difference comes from when everything shares the same cores.
proxy_pids() { # PATH
    case $1 in
    gateway) echo "$GATEWAY_PID" ;;
    baseline) echo "$BASELINE_PID" ;;
    nginx) echo "$NGINX_PID" "$(cat /proc/"$NGINX_PID"/task/*/children 2>/dev/null)" ;;
    esac
}
cpu_ticks() { # PID...
    local pid total=0 fields
    for pid in "$@"; do
        fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
    done
    echo "$total"
}
TICKS_PER_SECOND=$(getconf CLK_TCK)

declare -A RPS P50 P99 NON2XX SOCKERR CPU_US
run_wrk() { # ROW
    local row=$1 url=${URL[$1]} out="$WORK/wrk-$1.txt" parsed script=${SCENARIO_SCRIPT[${1%%.*}]}
    local -a args=(-t"$THREADS" -c"$CONNECTIONS" -H "Authorization: Bearer $TOKEN")
    [[ -z $script ]] || args+=(-s "$script")
    if ((WARMUP > 0)); then
        say "$row: warm-up ${WARMUP}s"
        run_logged "$WORK/wrk-$row-warmup.txt" wrk "${args[@]}" -d"${WARMUP}s" "$url" \
            || die "wrk warm-up against $url failed: $(cat "$WORK/wrk-$row-warmup.txt")"
    fi
    say "$row: measuring ${DURATION}s, $THREADS threads, $CONNECTIONS connections: $url"
    local -a pids=()
    read -r -a pids <<<"$(proxy_pids "${row#*.}")" || true
    local before=0 after=0
    ((${#pids[@]} == 0)) || before=$(cpu_ticks "${pids[@]}")
    run_logged "$out" wrk "${args[@]}" -d"${DURATION}s" --latency "$url" || die "wrk against $url failed: $(cat "$out")"
    ((${#pids[@]} == 0)) || after=$(cpu_ticks "${pids[@]}")
    parsed=$(parse_wrk "$out") || die "could not read wrk's output for $row: $(cat "$out")"
    read -r "RPS[$row]" "P50[$row]" "P99[$row]" "NON2XX[$row]" "SOCKERR[$row]" <<<"$parsed"
    CPU_US[$row]=$(awk -v t=$((after - before)) -v hz="$TICKS_PER_SECOND" -v rps="${RPS[$row]}" -v d="$DURATION" -v n=${#pids[@]} \
        'BEGIN { if (n == 0 || rps <= 0) print "-"; else printf "%.0f", t / hz * 1e6 / (rps * d) }')
}

peak_rss_mb() { # PID...: the sum of the processes' peak resident memory, in MB
    local pid total=0 kb
    for pid in "$@"; do
        kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        total=$((total + ${kb:-0}))
    done
    awk -v kb="$total" 'BEGIN { printf "%.0f", kb / 1024 }'
}

for scenario in "${SCENARIOS[@]}"; do
    for path in "${PATHS[@]}"; do run_wrk "$scenario.$path"; done
done
GATEWAY_PEAK_RSS_MB=''
BASELINE_PEAK_RSS_MB=''
if ((!UPSTREAM_ONLY)); then
    alive "$GATEWAY_PID" || die "the gateway exited during its runs (see $WORK/gateway.log)"
    GATEWAY_PEAK_RSS_MB=$(peak_rss_mb "$GATEWAY_PID")
    if [[ -n $BASELINE_GATEWAY ]]; then
        alive "$BASELINE_PID" || die "the baseline gateway exited during its runs (see $WORK/baseline.log)"
        BASELINE_PEAK_RSS_MB=$(peak_rss_mb "$BASELINE_PID")
    fi
fi
NGINX_WORKERS=()
read -r -a NGINX_WORKERS < <(cat /proc/"$NGINX_PID"/task/*/children 2>/dev/null) || true
NGINX_PEAK_RSS_MB=$(peak_rss_mb "$NGINX_PID" ${NGINX_WORKERS[@]+"${NGINX_WORKERS[@]}"})

# ---------------------------------------------------------------------------------------------------------------
# Report.

fmt_latency() { # microseconds -> "412 us" / "2.31 ms" / "1.20 s"
    awk -v us="$1" 'BEGIN {
        if (us < 1000) printf "%.0f us", us
        else if (us < 1000000) printf "%.2f ms", us / 1000
        else printf "%.2f s", us / 1000000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; printf "%s%.0f us", (d >= 0 ? "+" : "-"), (d >= 0 ? d : -d) }'; }
at_least() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { print (a >= r * b ? "met" : "NOT met") }'; }

printf '\nwrk -t%s -c%s -d%ss on 127.0.0.1, %s CPU cores shared by wrk and the servers; %s, %s\n\n' \
    "$THREADS" "$CONNECTIONS" "$DURATION" "$(nproc)" "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')" \
    "$(wrk -v 2>&1 | head -n 1 | awk '{print "wrk " $2}')"
printf '%-12s %-20s %10s %11s %11s %9s %9s %14s\n' traffic path req/s p50 p99 non-2xx sock-err 'proxy cpu/req'

for scenario in "${SCENARIOS[@]}"; do
    for path in "${PATHS[@]}"; do
        row=$scenario.$path
        cpu=${CPU_US[$row]}
        [[ $cpu == - ]] || cpu="$cpu us"
        printf '%-12s %-20s %10.0f %11s %11s %9d %9d %14s\n' "${SCENARIO_LABEL[$scenario]}" "${PATH_LABEL[$path]}" "${RPS[$row]}" \
            "$(fmt_latency "${P50[$row]}")" "$(fmt_latency "${P99[$row]}")" "${NON2XX[$row]}" "${SOCKERR[$row]}" "$cpu"
    done
done
echo
for scenario in "${SCENARIOS[@]}"; do
    line="${SCENARIO_LABEL[$scenario]}: throughput"
    for path in "${PATHS[@]}"; do
        [[ $path != direct && $path != nginx ]] || continue
        line+=" ${PATH_LABEL[$path]}/nginx $(ratio "${RPS[$scenario.$path]}" "${RPS[$scenario.nginx]}"),"
    done
    line+=" nginx/direct $(ratio "${RPS[$scenario.nginx]}" "${RPS[$scenario.direct]}"); added p50:"
    for path in "${PATHS[@]}"; do
        [[ $path != direct ]] || continue
        line+=" ${PATH_LABEL[$path]} $(added "${P50[$scenario.$path]}" "${P50[$scenario.direct]}"),"
    done
    printf '%s\n' "${line%,}"
done
rss="peak RSS: nginx ${NGINX_PEAK_RSS_MB} MB (master and workers)"
[[ -z $GATEWAY_PEAK_RSS_MB ]] || rss+=", gateway ${GATEWAY_PEAK_RSS_MB} MB"
[[ -z $BASELINE_PEAK_RSS_MB ]] || rss+=", gateway (baseline) ${BASELINE_PEAK_RSS_MB} MB"
printf '%s\n' "$rss"
if ((!UPSTREAM_ONLY)); then
    latency_ok=$(awk -v g="${P50[get.gateway]}" -v d="${P50[get.direct]}" -v t="$TARGET_ADDED_P50_US" \
        'BEGIN { print (g - d <= t ? "met" : "NOT met") }')
    rss_ok=$(awk -v m="$GATEWAY_PEAK_RSS_MB" -v t="$TARGET_RSS_MB" 'BEGIN { print (m <= t ? "met" : "NOT met") }')
    printf 'targets: GET >= 1.0x nginx %s; POST >= 0.9x nginx %s; %s keys >= 0.9x nginx %s; added p50 on GET <= %s us %s; gateway RSS <= %s MB %s\n' \
        "$(at_least "${RPS[get.gateway]}" "${RPS[get.nginx]}" 1.0)" "$(at_least "${RPS[post.gateway]}" "${RPS[post.nginx]}" 0.9)" \
        "$KEYS" "$(at_least "${RPS[keys.gateway]}" "${RPS[keys.nginx]}" 0.9)" "$TARGET_ADDED_P50_US" "$latency_ok" "$TARGET_RSS_MB" "$rss_ok"
fi
bad=0
for row in "${!RPS[@]}"; do
    if ((NON2XX[$row] > 0 || SOCKERR[$row] > 0)); then
        printf 'WARNING: %s had %d non-2xx responses and %d socket errors: its figures include failures (see %s)\n' \
            "$row" "${NON2XX[$row]}" "${SOCKERR[$row]}" "$WORK/wrk-$row.txt" >&2
        bad=1
    fi
done
if ((bad)); then KEEP_WORK=1; fi
