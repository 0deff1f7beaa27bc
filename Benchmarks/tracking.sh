#!/usr/bin/env bash
# Cargo tracking benchmark: GET /api/tracking/{id} (the public tracking view of a routed cargo with handling
# events) through the gateway (route from Benchmarks/tracking-routes.json: public, with a rate limit too high to
# refuse), cargo service on SQLite. Prints requests/s, p50 and p99, and the cargo service's memory.
#
# Run from the repository root:  bash Benchmarks/tracking.sh      (candidate-route search times:
# swift run -c release tradewind bench routing)
# Knobs: DURATION (10), THREADS (2), CONNECTIONS (64), SKIP_BUILD (0).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
SKIP_BUILD=${SKIP_BUILD:-0}
USER_PORT=${USER_PORT:-18281}
CARGO_PORT=${CARGO_PORT:-18284}
GATEWAY_PORT=${GATEWAY_PORT:-18280}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '\ntracking benchmark FAILED: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null 2>&1 || {
    [[ $(id -u) -eq 0 ]] || die "wrk is missing (Debian: apt-get install -y wrk)"
    apt-get install -y -qq wrk >/dev/null || die "installing wrk failed"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-tracking-bench.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ ${KEEP_WORK:-0} == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if ((SKIP_BUILD == 0)); then
    say "building release binaries (user-service, cargo-service, gateway)"
    for product in user-service cargo-service gateway; do (cd "$ROOT" && swift build -c release --product "$product" >&2); done
fi
BIN=$(cd "$ROOT" && swift build -c release --show-bin-path)

start() { # name port environment...
    local name=$1 port=$2
    shift 2
    (cd "$WORK" && exec env PORT="$port" REGISTRY_URL=none LOG_LEVEL=warning "$@" "$BIN/$name" >"$WORK/$name.log" 2>&1) &
    PIDS+=($!)
    local i
    for ((i = 0; i < 300; i++)); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return 0; sleep 0.2; done
    die "$name did not become ready (log: $WORK/$name.log)"
}

start user-service "$USER_PORT" ADMIN_EMAIL=bench@example.com ADMIN_PASSWORD='bench admin password' BCRYPT_COST=4 \
    DATABASE_URL="sqlite://$WORK/user.sqlite"
JWKS="http://127.0.0.1:$USER_PORT/.well-known/jwks.json"
start cargo-service "$CARGO_PORT" JWKS_URL="$JWKS" DATABASE_URL="sqlite://$WORK/cargo.sqlite"
CARGO_PID=${PIDS[-1]}
start gateway "$GATEWAY_PORT" JWKS_URL="$JWKS" CARGO_SERVICE_URL="http://127.0.0.1:$CARGO_PORT" \
    GATEWAY_ROUTES_FILE="$ROOT/Benchmarks/tracking-routes.json"

say "booking, routing and handling a cargo to track"
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$USER_PORT/oauth/token" -d grant_type=password -d username=bench@example.com \
    --data-urlencode 'password=bench admin password' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
AUTH=(-H "authorization: Bearer $TOKEN" -H 'content-type: application/json')
DEADLINE=$(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
ID=$(curl -sf "${AUTH[@]}" -X POST "http://127.0.0.1:$CARGO_PORT/cargos" \
    -d "{\"origin\":\"CNHKG\",\"destination\":\"SESTO\",\"arrivalDeadline\":\"$DEADLINE\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["trackingId"])')
curl -sf "${AUTH[@]}" "http://127.0.0.1:$CARGO_PORT/cargos/$ID/routes" \
    | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["items"][0]))' >"$WORK/route.json"
curl -sf "${AUTH[@]}" -X PUT "http://127.0.0.1:$CARGO_PORT/cargos/$ID/itinerary" --data @"$WORK/route.json" >/dev/null
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
VOYAGE=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["legs"][0]["voyage"])' "$WORK/route.json")
curl -sf "${AUTH[@]}" -X POST "http://127.0.0.1:$CARGO_PORT/handling/events" \
    -d "{\"completionTime\":\"$NOW\",\"trackingId\":\"$ID\",\"eventType\":\"RECEIVE\",\"location\":\"CNHKG\"}" >/dev/null
curl -sf "${AUTH[@]}" -X POST "http://127.0.0.1:$CARGO_PORT/handling/events" \
    -d "{\"completionTime\":\"$NOW\",\"trackingId\":\"$ID\",\"eventType\":\"LOAD\",\"location\":\"CNHKG\",\"voyage\":\"$VOYAGE\"}" >/dev/null

URL="http://127.0.0.1:$GATEWAY_PORT/api/tracking/$ID"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL") == 200 ]] || die "$URL does not answer 200"
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$URL" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$URL" >"$WORK/wrk.txt" &
WRK=$!
sleep $((DURATION / 2))
RSS=$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$CARGO_PID/status")
wait "$WRK"

printf '\nGET /api/tracking/%s through the gateway, wrk -t%s -c%s -d%ss on 127.0.0.1 (%s cores shared)\n' "$ID" "$THREADS" "$CONNECTIONS" "$DURATION" "$(nproc)"
printf 'req/s %s   p50 %s   p99 %s   non-2xx %s   cargo-service RSS %s MB (peak %s MB)\n' \
    "$(awk '/Requests\/sec/ { printf "%d", $2 }' "$WORK/wrk.txt")" "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt")" \
    "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")" "$(awk '/Non-2xx/ { n = $5 } END { print n + 0 }' "$WORK/wrk.txt")" \
    "$RSS" "$(awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$CARGO_PID/status")"
