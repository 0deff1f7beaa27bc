#!/usr/bin/env bash
# Gateway overhead benchmark. The same upstream endpoint, user-service's GET /.well-known/jwks.json, is reached
#   direct             straight at user-service,
#   gateway (auth+rl)  through the Tradewind gateway, JWT authentication and rate limiting on
#                      (route in Benchmarks/gateway-routes.json),
#   nginx proxy_pass   through nginx as a plain reverse proxy with upstream keepalive,
# and each is measured with wrk on 127.0.0.1. Every request carries the same Authorization header.
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

ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD='bench admin password'
TARGET_ADDED_P50_US=150

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '\ngateway benchmark FAILED: %s\n' "$*" >&2; exit 1; }

for knob in DURATION WARMUP THREADS CONNECTIONS READY_TIMEOUT; do
    [[ ${!knob} =~ ^[0-9]+$ ]] || die "$knob must be a whole number of seconds or a count (got '${!knob}')"
done
((DURATION > 0 && THREADS > 0 && READY_TIMEOUT > 0)) || die "DURATION, THREADS and READY_TIMEOUT must be positive"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS), as wrk requires"
[[ $SKIP_BUILD == [01] && $UPSTREAM_ONLY == [01] && $KEEP_WORK == [01] ]] \
    || die "SKIP_BUILD, UPSTREAM_ONLY and KEEP_WORK take 0 or 1"
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
fi
pick_port NGINX_PORT 18082

DIRECT_URL="http://127.0.0.1:$USER_PORT/.well-known/jwks.json"
GATEWAY_URL="http://127.0.0.1:${GATEWAY_PORT:-0}/api/bench/jwks.json"
NGINX_URL="http://127.0.0.1:$NGINX_PORT/.well-known/jwks.json"

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

    start_bg gateway "$WORK/gateway.log" env \
        PORT="$GATEWAY_PORT" HOST=127.0.0.1 REGISTRY_URL=none \
        USER_SERVICE_URL="http://127.0.0.1:$USER_PORT" \
        JWKS_URL="http://127.0.0.1:$USER_PORT/.well-known/jwks.json" \
        GATEWAY_ROUTES_FILE="$ROUTES_FILE" LOG_LEVEL=warning \
        "$BIN/gateway"
    GATEWAY_PID=$LAST_PID
    wait_ready gateway "$GATEWAY_PID" "http://127.0.0.1:$GATEWAY_PORT/health/ready" "$WORK/gateway.log"

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

    server {
        listen 127.0.0.1:$NGINX_PORT;

        location / {
            proxy_pass http://tradewind_user;
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
# Every path must answer 200 before anything is measured.

check_200() { # NAME URL
    local name=$1 url=$2 code body="$WORK/check-$1.body"
    code=$(curl -s --noproxy '*' --max-time 5 -o "$body" -w '%{http_code}' \
        -H "Authorization: Bearer $TOKEN" "$url" || true)
    [[ $code == 200 ]] || die "$name: GET $url answered $code, not 200: $(head -c 500 "$body" 2>/dev/null)"
    say "$name answers 200: $url"
}
check_200 direct "$DIRECT_URL"
if ((!UPSTREAM_ONLY)); then check_200 gateway "$GATEWAY_URL"; fi
check_200 nginx "$NGINX_URL"

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

declare -A RPS P50 P99 NON2XX SOCKERR
run_wrk() { # NAME URL
    local name=$1 url=$2 out="$WORK/wrk-$1.txt" parsed
    local -a args=(-t"$THREADS" -c"$CONNECTIONS" -H "Authorization: Bearer $TOKEN")
    if ((WARMUP > 0)); then
        say "$name: warm-up ${WARMUP}s"
        run_logged "$WORK/wrk-$name-warmup.txt" wrk "${args[@]}" -d"${WARMUP}s" "$url" \
            || die "wrk warm-up against $url failed: $(cat "$WORK/wrk-$name-warmup.txt")"
    fi
    say "$name: measuring ${DURATION}s, $THREADS threads, $CONNECTIONS connections: $url"
    run_logged "$out" wrk "${args[@]}" -d"${DURATION}s" --latency "$url" || die "wrk against $url failed: $(cat "$out")"
    parsed=$(parse_wrk "$out") || die "could not read wrk's output for $name: $(cat "$out")"
    read -r "RPS[$name]" "P50[$name]" "P99[$name]" "NON2XX[$name]" "SOCKERR[$name]" <<<"$parsed"
}

run_wrk direct "$DIRECT_URL"
GATEWAY_PEAK_RSS_MB=
if ((!UPSTREAM_ONLY)); then
    run_wrk gateway "$GATEWAY_URL"
    alive "$GATEWAY_PID" || die "the gateway exited during its run (see $WORK/gateway.log)"
    GATEWAY_PEAK_RSS_MB=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$GATEWAY_PID/status")
fi
run_wrk nginx "$NGINX_URL"

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

declare -A LABELS=([direct]="direct" [gateway]="gateway (auth+rl)" [nginx]="nginx proxy_pass")
printf '\nwrk -t%s -c%s -d%ss on 127.0.0.1, %s CPU cores shared by wrk and the servers; %s, %s\n\n' \
    "$THREADS" "$CONNECTIONS" "$DURATION" "$(nproc)" "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')" \
    "$(wrk -v 2>&1 | head -n 1 | awk '{print "wrk " $2}')"
printf '%-20s %10s %11s %11s %9s %9s\n' path req/s p50 p99 non-2xx sock-err
for name in direct gateway nginx; do
    if [[ -z ${RPS[$name]:-} ]]; then
        printf '%-20s %10s\n' "${LABELS[$name]}" "skipped (UPSTREAM_ONLY=1)"
        continue
    fi
    printf '%-20s %10.0f %11s %11s %9d %9d\n' "${LABELS[$name]}" "${RPS[$name]}" \
        "$(fmt_latency "${P50[$name]}")" "$(fmt_latency "${P99[$name]}")" "${NON2XX[$name]}" "${SOCKERR[$name]}"
done
echo
if ((!UPSTREAM_ONLY)); then
    printf 'gateway/nginx throughput: %s   gateway/direct: %s   nginx/direct: %s\n' \
        "$(ratio "${RPS[gateway]}" "${RPS[nginx]}")" "$(ratio "${RPS[gateway]}" "${RPS[direct]}")" \
        "$(ratio "${RPS[nginx]}" "${RPS[direct]}")"
    printf 'added p50: gateway %s, nginx %s\n' \
        "$(added "${P50[gateway]}" "${P50[direct]}")" "$(added "${P50[nginx]}" "${P50[direct]}")"
    printf 'gateway peak RSS: %s MB\n' "$GATEWAY_PEAK_RSS_MB"
    throughput_ok=$(awk -v g="${RPS[gateway]}" -v n="${RPS[nginx]}" 'BEGIN { print (g >= n ? "met" : "NOT met") }')
    latency_ok=$(awk -v g="${P50[gateway]}" -v d="${P50[direct]}" -v t="$TARGET_ADDED_P50_US" \
        'BEGIN { print (g - d <= t ? "met" : "NOT met") }')
    printf 'targets: gateway throughput >= nginx: %s; gateway added p50 <= %s us: %s\n' \
        "$throughput_ok" "$TARGET_ADDED_P50_US" "$latency_ok"
else
    printf 'nginx/direct throughput: %s\n' "$(ratio "${RPS[nginx]}" "${RPS[direct]}")"
    printf 'added p50: nginx %s\n' "$(added "${P50[nginx]}" "${P50[direct]}")"
fi
bad=0
for name in direct gateway nginx; do
    [[ -n ${RPS[$name]:-} ]] || continue
    if ((NON2XX[$name] > 0 || SOCKERR[$name] > 0)); then
        printf 'WARNING: %s had %d non-2xx responses and %d socket errors: its figures include failures (see %s)\n' \
            "${LABELS[$name]}" "${NON2XX[$name]}" "${SOCKERR[$name]}" "$WORK/wrk-$name.txt" >&2
        bad=1
    fi
done
if ((bad)); then KEEP_WORK=1; fi
