#!/usr/bin/env bash
# Catalog listing benchmark: GET /api/products?limit=20 (one page of 20 products of the sample catalog) through
# the gateway (route from Benchmarks/catalog-routes.json: public, with a rate limit too high to refuse), with the
# product service on SQLite and then on PostgreSQL. Prints requests/s, p50 and p99 at CONNECTIONS connections,
# and the product service's RSS while under load and its peak.
#
# Run from the repository root:  bash Benchmarks/catalog.sh
# Knobs: DURATION (10), THREADS (2), CONNECTIONS (64), SKIP_BUILD (0), POSTGRES_URL (a server the script may
# create a database on; without it, and as root, a throwaway PostgreSQL cluster is started on 127.0.0.1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
SKIP_BUILD=${SKIP_BUILD:-0}
PRODUCT_PORT=${PRODUCT_PORT:-18182}
GATEWAY_PORT=${GATEWAY_PORT:-18180}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '\ncatalog benchmark FAILED: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null 2>&1 || {
    [[ $(id -u) -eq 0 ]] || die "wrk is missing (Debian: apt-get install -y wrk)"
    apt-get install -y -qq wrk >/dev/null || die "installing wrk failed"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-catalog-bench.XXXXXX")
PIDS=()
PGDATA_DIR=""
cleanup() {
    local pid
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ -n $PGDATA_DIR ]]; then su postgres -c "$PGBIN/pg_ctl -D $PGDATA_DIR -m fast stop" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if ((SKIP_BUILD == 0)); then
    say "building release binaries (product-service, gateway)"
    (cd "$ROOT" && swift build -c release --product product-service >&2 && swift build -c release --product gateway >&2)
fi
BIN=$(cd "$ROOT" && swift build -c release --show-bin-path)

# A PostgreSQL to run against: POSTGRES_URL, or a throwaway cluster (as root, with Debian's postgresql).
if [[ -z ${POSTGRES_URL:-} ]]; then
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -n $PGBIN && $(id -u) -eq 0 ]] || die "set POSTGRES_URL, or run as root with PostgreSQL installed (apt-get install -y postgresql)"
    PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$WORK/pg" && chown postgres: "$WORK/pg" && chmod 755 "$WORK" "$WORK/pg"
    su postgres -c "$PGBIN/initdb -D $WORK/pg/data -U postgres -A trust -E UTF8 --no-sync" >/dev/null
    su postgres -c "$PGBIN/pg_ctl -D $WORK/pg/data -l $WORK/pg/log -w -o '-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK/pg' start" >/dev/null
    PGDATA_DIR="$WORK/pg/data"
    su postgres -c "$PGBIN/createdb -h 127.0.0.1 -p $PGPORT -U postgres tradewind_products"
    PG_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/tradewind_products"
else
    PG_DATABASE_URL=$POSTGRES_URL
fi

wait_ready() {
    local url=$1 i
    for ((i = 0; i < 300; i++)); do curl -sf "$url/health/ready" >/dev/null && return 0; sleep 0.2; done
    die "$url did not become ready"
}

micros() { # "2.31ms" → 2310
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /s$/) f = 1000000; else f = 1; printf "%d", n * f }'
}

run_case() {
    local label=$1 database=$2 product_pid gateway_pid rss_load url out
    say "$label: starting product-service ($database) and the gateway"
    (cd "$WORK" && PORT=$PRODUCT_PORT REGISTRY_URL=none SEED_SAMPLE_DATA=true LOG_LEVEL=warning DATABASE_URL=$database \
        exec "$BIN/product-service" >"$WORK/product-$label.log" 2>&1) &
    product_pid=$!
    PIDS+=("$product_pid")
    (cd "$WORK" && PORT=$GATEWAY_PORT REGISTRY_URL=none LOG_LEVEL=warning PRODUCT_SERVICE_URL="http://127.0.0.1:$PRODUCT_PORT" \
        GATEWAY_ROUTES_FILE="$ROOT/Benchmarks/catalog-routes.json" exec "$BIN/gateway" >"$WORK/gateway-$label.log" 2>&1) &
    gateway_pid=$!
    PIDS+=("$gateway_pid")
    wait_ready "http://127.0.0.1:$PRODUCT_PORT"
    wait_ready "http://127.0.0.1:$GATEWAY_PORT"
    url="http://127.0.0.1:$GATEWAY_PORT/api/products?limit=20"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url") == 200 ]] || die "$url does not answer 200"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$WORK/wrk-$label.txt" &
    local wrk_pid=$!
    sleep $((DURATION / 2))
    rss_load=$(awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$product_pid/status")
    wait "$wrk_pid"
    out="$WORK/wrk-$label.txt"
    RESULTS+=("$(printf '%-22s %9s %11s %11s %9s %12s %10s' "$label" \
        "$(awk '/Requests\/sec/ { printf "%d", $2 }' "$out")" \
        "$(awk '$1 == "50%" { print $2 }' "$out")" "$(awk '$1 == "99%" { print $2 }' "$out")" \
        "$(awk '/Non-2xx/ { n = $5 } END { print n + 0 }' "$out")" "${rss_load} MB" \
        "$(awk '/VmHWM/ { printf "%d MB", $2 / 1024 }' "/proc/$product_pid/status")")")
    kill -TERM "$product_pid" "$gateway_pid" 2>/dev/null || true
    wait "$product_pid" "$gateway_pid" 2>/dev/null || true
    PIDS=()
}

RESULTS=()
run_case sqlite "sqlite://$WORK/products.sqlite"
run_case postgres "$PG_DATABASE_URL"

printf '\nGET /api/products?limit=20 through the gateway, wrk -t%s -c%s -d%ss on 127.0.0.1 (%s cores shared)\n\n' \
    "$THREADS" "$CONNECTIONS" "$DURATION" "$(nproc)"
printf '%-22s %9s %11s %11s %9s %12s %10s\n' "product database" "req/s" "p50" "p99" "non-2xx" "RSS (load)" "peak RSS"
printf '%s\n' "${RESULTS[@]}"
