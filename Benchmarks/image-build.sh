#!/usr/bin/env bash
# Cold image build against a plain release build, in one run on this machine.
#
#   1. `docker compose build` of all seven images from a fresh copy of the committed sources, after `docker builder
#      prune --all` (BuildKit's cache emptied) and with the seven images removed; the base images are the local
#      stand-ins (Deploy/ci/base-images), which stay: pulling a base image is not part of what is measured;
#   2. baseline: `swift build -c release --static-swift-stdlib` in the same sources, with an empty .build
#      (dependency resolution from the package mirror included): the command the Dockerfile's build stage runs,
#      outside Docker.
#
# For each: wall time, and peak memory as the highest system-wide use above the idle level measured just before it
# (MemTotal - MemAvailable, sampled every 0.5 s), which counts every compiler process and dockerd's BuildKit alike.
# Prints the ratios image build / baseline. Takes about twice a release build (40 minutes here); run it on an
# otherwise idle machine.
#
#   bash Deploy/ci/install-docker.sh && bash Deploy/ci/base-images/build.sh   # once
#   bash Benchmarks/image-build.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-image-bench.XXXXXX")
trap 'kill "${SAMPLER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

used_kib() { awk '/^MemTotal:/ {t = $2} /^MemAvailable:/ {a = $2} END {print t - a}' /proc/meminfo; }

measure() {  # measure NAME COMMAND...: runs it, records wall seconds and peak memory above idle (MiB)
    local name=$1; shift
    sync; sleep 2
    local idle; idle=$(used_kib)
    ( peak=0; while :; do u=$(used_kib); [ "$u" -gt "$peak" ] && peak=$u && echo "$peak" >"$WORK/$name.peak"; sleep 0.5; done ) &
    SAMPLER=$!
    local start; start=$(date +%s.%N)
    "$@" >"$WORK/$name.log" 2>&1 || { tail -40 "$WORK/$name.log" >&2; echo "image-build: $name failed" >&2; exit 1; }
    local end; end=$(date +%s.%N)
    kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
    local peak; peak=$(cat "$WORK/$name.peak" 2>/dev/null || echo "$idle")
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.0f\n", e - s }' >"$WORK/$name.seconds"
    echo $(( (peak - idle) / 1024 )) >"$WORK/$name.mib"
    printf '%-44s %6s s  peak %6s MiB above idle\n' "$name" "$(cat "$WORK/$name.seconds")" "$(cat "$WORK/$name.mib")"
}

echo "machine: $(nproc) cores, $(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(swift --version 2>/dev/null | head -1)"
echo "sources: $(git log -1 --format='%h %s')"

mkdir "$WORK/src"
git archive HEAD | tar -x -C "$WORK/src"

# 1. The images, from an empty BuildKit cache.
compose=(docker compose -f "$ROOT/docker-compose.yml" -f "$ROOT/Deploy/ci/compose.base-images.yaml"
         --env-file "$ROOT/Deploy/compose/tradewind.env.example" --project-directory "$WORK/src")
for service in registry user-service product-service cart-service cargo-service order-service gateway; do
    docker image rm -f "tradewind/$service:dev" >/dev/null 2>&1 || true
done
docker builder prune --all --force >/dev/null 2>&1
images() { "${compose[@]}" build; }
measure "docker compose build (7 images, cold cache)" images


# 2. Baseline: the committed sources, a fresh .build.
baseline() { cd "$WORK/src" && rm -rf .build && swift build -c release --static-swift-stdlib; }
measure "swift build -c release (baseline)" baseline

echo
awk -v bs="$(cat "$WORK/swift build -c release (baseline).seconds")" -v bm="$(cat "$WORK/swift build -c release (baseline).mib")" \
    -v is="$(cat "$WORK/docker compose build (7 images, cold cache).seconds")" \
    -v im="$(cat "$WORK/docker compose build (7 images, cold cache).mib")" \
    'BEGIN { printf "image build / baseline: wall %.2fx (target <= 1.3x), peak memory %.2fx\n", is / bs, (bm > 0 ? im / bm : 0) }'
echo
echo "image sizes:"
for service in registry user-service product-service cart-service cargo-service order-service gateway; do
    docker image inspect -f '{{.Size}}' "tradewind/$service:dev" | awk -v n="tradewind/$service:dev" '{ printf "  %-32s %4.0f MB\n", n, $1 / 1e6 }'
done
