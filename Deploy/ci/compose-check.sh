#!/usr/bin/env bash
# The whole stack in Docker, as a user runs it: builds the seven images with docker-compose.yml (base images
# replaced by the local stand-ins of Deploy/ci/compose.base-images.yaml), starts it with fresh random secrets,
# waits for every health check, checks that every service runs its tasks on its event loops and that the services trust X-Forwarded-For from the gateway's and the storefront's real addresses,
# runs a shopper's order through the gateway's published port on 127.0.0.1 until it ships and its tracking page
# answers, crashes a service the way a crash looks to Docker (SIGKILL of its main process from the host; `docker
# kill` would count as an operator's stop) and checks that the restart policy brings it back healthy and a new
# order still ships, starts the Prometheus stand-in and checks that every
# Tradewind target is up, stops the stack with SIGTERM and checks that every container exited 0, and finally removes
# everything it started. Prints the container logs when a step fails.
#
#   bash Deploy/ci/install-docker.sh && bash Deploy/ci/base-images/build.sh   # once
#   bash Deploy/ci/compose-check.sh [--no-build]      # --no-build: run the images already built
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=1
case "${1:-}" in
    --no-build) BUILD=0 ;;
    "") ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac

PROJECT=${COMPOSE_CHECK_PROJECT:-tradewind-ci}
IMAGE_LIMIT_MB=150
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-compose.XXXXXX")
ENV_FILE=$WORK/ci.env
COMPOSE=(docker compose -p "$PROJECT" -f docker-compose.yml -f Deploy/ci/compose.base-images.yaml --env-file "$ENV_FILE")

say() { printf '\n--- %s\n' "$*"; }
fail() {
    printf '\ncompose-check FAILED: %s\n' "$*" >&2
    "${COMPOSE[@]}" --profile observability ps -a >&2 || true
    "${COMPOSE[@]}" --profile observability logs --no-color --timestamps --tail 150 >&2 || true
    exit 1
}
cleanup() {
    "${COMPOSE[@]}" --profile observability down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
seconds_since() { python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$1"; }

# --- A test env, made the way the README tells users to: fresh random secrets, never the placeholders --------------
GATEWAY_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
bash Deploy/compose/new-env.sh "$ENV_FILE" >/dev/null || fail "Deploy/compose/new-env.sh"
# A subnet of its own (the default's neighbour), so that the check runs beside a stack started with the defaults and
# shows that the services' trust in the gateway's address follows BACKEND_NETWORK.
cat >>"$ENV_FILE" <<EOF
GATEWAY_PORT=$GATEWAY_PORT
PROMETHEUS_PORT=$PROMETHEUS_PORT
BCRYPT_COST=10
BACKEND_NETWORK=${COMPOSE_CHECK_NETWORK:-172.31.241}
EOF
if grep -q '^[A-Z_]*=change-me' "$ENV_FILE"; then fail "the generated env still holds a change-me placeholder"; fi
gateway=http://127.0.0.1:$GATEWAY_PORT

# --- Build ----------------------------------------------------------------------------------------------------------
"${COMPOSE[@]}" down --volumes --remove-orphans >/dev/null 2>&1 || true
if [ "$BUILD" = 1 ]; then
    say "docker compose build"
    start=$(date +%s.%N)
    "${COMPOSE[@]}" build || fail "docker compose build"
    echo "images built in $(seconds_since "$start") s"
fi
oversized=()
for service in registry user-service product-service cart-service cargo-service order-service storefront gateway; do
    image=tradewind/$service:dev
    bytes=$(docker image inspect -f '{{.Size}}' "$image") || fail "no image $image"
    mb=$(( bytes / 1000000 ))
    printf '  %-32s %4d MB\n' "$image" "$mb"
    [ "$mb" -le "$IMAGE_LIMIT_MB" ] || oversized+=("$image ($mb MB)")
done
[ "${#oversized[@]}" -eq 0 ] || fail "images over $IMAGE_LIMIT_MB MB: ${oversized[*]}"

# --- Up -------------------------------------------------------------------------------------------------------------
say "docker compose up -d --wait"
start=$(date +%s.%N)
"${COMPOSE[@]}" up -d --no-build --wait --wait-timeout 180 || fail "the stack did not become healthy"
echo "all containers healthy $(seconds_since "$start") s after up"

# The images are linked with --static-swift-stdlib, where the runtime's executor hook cannot be looked up by name:
# every service must still run its tasks on its event loops, as the benchmarked build does (EventLoopTasks.swift).
for service in registry user-service product-service cart-service cargo-service order-service storefront gateway; do
    logs=$("${COMPOSE[@]}" logs --no-color "$service" 2>&1) || fail "docker compose logs $service"
    grep -q "tasks run on the event loops" <<<"$logs" \
        || fail "$service does not run its tasks on its event loops: $(grep -m 1 "executor" <<<"$logs" || echo "it did not say")"
done
echo "every service runs its tasks on its event loops"

# The services believe X-Forwarded-For from the two proxies of people's requests: the addresses must be the ones the
# gateway and the storefront really have.
address_of() {
    local ip
    ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$("${COMPOSE[@]}" ps -q "$1")") \
        || fail "docker inspect of $1"
    echo "${ip%% *}"
}
gateway_ip=$(address_of gateway)
storefront_ip=$(address_of storefront)
for service in user-service product-service cart-service cargo-service order-service storefront; do
    trusted=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$("${COMPOSE[@]}" ps -q "$service")" \
        | sed -n 's/^TRUSTED_PROXIES=//p') || fail "docker inspect of $service"
    [ "$trusted" = "$gateway_ip/32,$storefront_ip/32" ] \
        || fail "$service trusts X-Forwarded-For from '$trusted', but the gateway is at $gateway_ip and the storefront at $storefront_ip"
done
echo "the services trust X-Forwarded-For from the gateway's address, $gateway_ip, and the storefront's, $storefront_ip, alone"

# The administrator of the env, so that the flow can report the freight's handling as port staff would.
admin=(ADMIN_EMAIL="$(sed -n 's/^ADMIN_EMAIL=//p' "$ENV_FILE" | tail -n 1)" ADMIN_PASSWORD="$(sed -n 's/^ADMIN_PASSWORD=//p' "$ENV_FILE" | tail -n 1)")
say "an order through the gateway ($gateway)"
env "${admin[@]}" python3 Deploy/ci/order-flow.py "$gateway" --label "compose" || fail "order flow"

# The shop's pages in a real browser (Debian's chromium, headless), with screenshots kept under ci-artifacts/.
say "the storefront in chromium ($gateway)"
env "${admin[@]}" python3 Deploy/ci/browser-check.py "$gateway" --screenshots ci-artifacts/screenshots || fail "browser check"

# The checkout benchmark as Benchmarks/README.md runs it, briefly and through the published port alone: it makes its own
# product and customers, and fails unless every order ships. (The figures of a two-customer run mean nothing.)
TRADEWIND=${TRADEWIND:-.build/debug/tradewind}
[ -x "$TRADEWIND" ] || fail "no $TRADEWIND to run the checkout benchmark with: swift build --product tradewind first"
say "tradewind bench checkout, briefly ($gateway)"
env "${admin[@]}" "$TRADEWIND" bench checkout --gateway "$gateway" --user-service "$gateway/api" --cart-service "$gateway/api" \
    --customers 2 --orders 4 --baseline-seconds 1 || fail "checkout benchmark"

# --- A crash --------------------------------------------------------------------------------------------------------
victim=order-service
say "SIGKILL of $victim's main process"
container=$("${COMPOSE[@]}" ps -q "$victim")
restarts_before=$(docker inspect -f '{{.RestartCount}}' "$container")
pid=$(docker inspect -f '{{.State.Pid}}' "$container")
kill -KILL "$pid"
start=$(date +%s.%N)
state=""
for _ in $(seq 1 240); do
    state=$(docker inspect -f '{{.RestartCount}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container")
    if [ "${state%% *}" -gt "$restarts_before" ] && [ "${state#* }" = "running healthy" ]; then break; fi
    sleep 0.25
done
if ! { [ "${state%% *}" -gt "$restarts_before" ] && [ "${state#* }" = "running healthy" ]; }; then
    fail "$victim was not restarted to healthy within 60 s (restarts, status, health: $state)"
fi
echo "$victim restarted by its restart policy and healthy again $(seconds_since "$start") s after the kill"
env "${admin[@]}" python3 Deploy/ci/order-flow.py "$gateway" --label "after the crash" || fail "order flow after the crash"

# --- Observability: the Prometheus stand-in scrapes every service ----------------------------------------------------
say "Prometheus (profile observability) scrapes every Tradewind service"
"${COMPOSE[@]}" --profile observability up -d --wait --wait-timeout 60 prometheus || fail "prometheus did not start"
python3 - "http://127.0.0.1:$PROMETHEUS_PORT" <<'PY' || fail "Prometheus does not see every target up"
import sys, time, requests
base = sys.argv[1]
expected = {"registry", "user-service", "product-service", "cart-service", "cargo-service", "order-service", "storefront", "gateway"}
deadline, health = time.monotonic() + 60, {}
while time.monotonic() < deadline:
    targets = requests.get(f"{base}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
    health = {t["labels"].get("service"): (t["health"], t.get("lastError", "")) for t in targets}
    if all(health.get(name, ("",))[0] == "up" for name in expected):
        print("  " + ", ".join(f"{name} up" for name in sorted(expected)))
        sys.exit(0)
    time.sleep(1)
sys.exit(f"targets not up after 60 s: { {k: v for k, v in health.items() if v[0] != 'up'} or 'none listed' }")
PY

# --- Stop: SIGTERM, as `docker compose down` sends it --------------------------------------------------------------
# Every container must shut down gracefully and exit 0: the Tradewind services through their graceful shutdown, and
# PostgreSQL and Prometheus as they do on SIGTERM. Their exit statuses are read before `down` removes them.
say "docker compose stop: every container exits 0 on SIGTERM"
"${COMPOSE[@]}" --profile observability stop --timeout 20 || fail "docker compose stop"
containers=$("${COMPOSE[@]}" --profile observability ps -a -q) || fail "docker compose ps"
[ -n "$containers" ] || fail "no containers to inspect after docker compose stop"
# shellcheck disable=SC2086 # one container id per word
exits=$(docker inspect -f '{{.Name}} {{.State.ExitCode}}' $containers) || fail "docker inspect of the stopped containers"
printf '%s\n' "$exits" | awk '{sub(/^\//, "", $1); printf "  %-40s exit %s\n", $1, $2}'
unclean=$(printf '%s\n' "$exits" | awk '$2 != 0 {sub(/^\//, "", $1); printf "%s%s (exit %s)", separator, $1, $2; separator = ", "}')
[ -z "$unclean" ] || fail "not shut down gracefully on SIGTERM: $unclean"

# --- Down -------------------------------------------------------------------------------------------------------------
say "docker compose down --volumes"
"${COMPOSE[@]}" --profile observability down --volumes --remove-orphans --timeout 20 || fail "docker compose down"
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "containers left behind: $left"
left=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "volumes left behind: $left"
echo "nothing left running"
printf '\ncompose-check passed\n'
