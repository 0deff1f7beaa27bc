#!/usr/bin/env bash
# `tradewind new context` from end to end, in a scratch copy of the repository: generates a context that keeps its
# data in its own database, consumes the order context's OrderPlaced and publishes an event of its own, and a second
# context that consumes that event; builds them, runs their generated tests, the layering and service-set consistency
# tests and the deployment validators, then starts the whole stack with `tradewind up`, reaches the new contexts'
# APIs through the gateway with a token, and sees the OrderPlaced of a checkout recorded by the first and the event
# the first published about it recorded by the second.
#
# Usage (from the repository root, after `swift build --build-tests`):  bash Deploy/ci/new-context-check.sh
#
# The scratch copy builds into this checkout's .build (--scratch-path), so the dependencies are not compiled again;
# the repository's own modules are, from the copy's sources. Run it after every other step that uses .build.
set -euo pipefail

ROOT=$(pwd)
NAME=${NEW_CONTEXT_NAME:-Payment}
# Its stack name and URL path, as the generator derives them from NAME.
STACK_NAME=${NEW_CONTEXT_STACK_NAME:-payment}
API_PATH=${NEW_CONTEXT_PATH:-payments}
EVENT=${NAME}Recorded
# The second context, which follows the first one's event, and its URL path.
FOLLOWER=${NEW_CONTEXT_FOLLOWER:-Receipt}
FOLLOWER_PATH=${NEW_CONTEXT_FOLLOWER_PATH:-receipts}
SCRATCH=$(mktemp -d /tmp/tradewind-new-context.XXXXXX)
UP_PID=""
say() { printf '==> %s\n' "$*"; }
fail() { printf 'new context check FAILED: %s\n' "$*" >&2; exit 1; }
cleanup() {
    if [ -n "$UP_PID" ] && kill -0 "$UP_PID" 2>/dev/null; then
        kill -INT "$UP_PID" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$UP_PID" 2>/dev/null || true
    fi
    rm -rf "$SCRATCH"
}
trap cleanup EXIT

[ -x "$ROOT/.build/debug/tradewind" ] || fail "build first: $ROOT/.build/debug/tradewind is missing"
say "scratch copy in $SCRATCH"
git ls-files --cached --others --exclude-standard | tar -cf - -T - | tar -C "$SCRATCH" -xf -
[ ! -f Package.resolved ] || cp Package.resolved "$SCRATCH/"
cd "$SCRATCH"

say "tradewind new context $NAME --with-database --consumes Order.OrderPlaced --publishes $EVENT"
"$ROOT/.build/debug/tradewind" new context "$NAME" --with-database --consumes Order.OrderPlaced --publishes "$EVENT"
say "tradewind new context $FOLLOWER --consumes $NAME.$EVENT"
"$ROOT/.build/debug/tradewind" new context "$FOLLOWER" --consumes "$NAME.$EVENT"
# A second run is refused and changes nothing.
tree_digest() { find . -path ./.build -prune -o \( -type f -o -type l \) -print0 | sort -z | xargs -0 md5sum | md5sum; }
before=$(tree_digest)
if "$ROOT/.build/debug/tradewind" new context "$NAME" >/dev/null 2>&1; then fail "a second run with the same name was not refused"; fi
[ "$before" = "$(tree_digest)" ] || fail "the refused second run changed files"

say "build (the repository's .build as scratch path)"
swift build --build-tests --scratch-path "$ROOT/.build"
BIN=$(swift build --scratch-path "$ROOT/.build" --show-bin-path)

# OrderedJSONTests reads the edited route table back byte for byte: the edit kept the file's layout.
say "the generated tests, the layering, service-set consistency and route table tests"
SUITES=()
for context in "$NAME" "$FOLLOWER"; do SUITES+=("${context}Tests" "${context}UseCaseTests" "${context}RepositoryTests" "${context}APITests"); done
SUITES+=(LayeringTests ServiceInventoryTests OrderedJSONTests)
swift test --skip-build --scratch-path "$ROOT/.build" --filter "$(IFS='|'; echo "${SUITES[*]}")" 2>&1 | tee "$SCRATCH/test.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "tests failed"
for suite in "${SUITES[@]}"; do
    grep -q "Suite $suite passed" "$SCRATCH/test.log" || fail "the suite $suite did not run"
done
grep -q "Test aStored${NAME}IsAnnouncedOnce(_:) .*passed" "$SCRATCH/test.log" || fail "the publisher's outbox test did not run"
if [ -n "${TRADEWIND_TEST_POSTGRES_URL:-}" ]; then
    # With PostgreSQL the repository tests run once per database: two cases.
    grep -qE "RoundTripNewestFirst\(_:\) with 2 test cases passed" "$SCRATCH/test.log" \
        || fail "the generated repository tests did not run on PostgreSQL"
    grep -qE "aStored${NAME}IsAnnouncedOnce\(_:\) with 2 test cases passed" "$SCRATCH/test.log" \
        || fail "the publisher's outbox test did not run on PostgreSQL"
fi
if [ -x "$ROOT/../shared/tools/check-architecture" ]; then "$ROOT/../shared/tools/check-architecture" . || fail "layering violations"; fi

say "deployment validators"
bash Deploy/validate.sh || fail "the deployment files do not validate with the new context"

say "tradewind up, a checkout, and the new context through the gateway"
OFFSET=$(( 20000 + $$ % 5000 ))
GATEWAY="http://127.0.0.1:$((8080 + OFFSET))"
BCRYPT_COST=4 "$BIN/tradewind" up --port-offset "$OFFSET" >"$SCRATCH/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 240); do
    grep -q "stack ready in" "$SCRATCH/up.log" && break
    kill -0 "$UP_PID" 2>/dev/null || { cat "$SCRATCH/up.log"; fail "tradewind up exited"; }
    sleep 0.5
done
curl -sf "$GATEWAY/health/ready" >/dev/null || { cat "$SCRATCH/up.log"; fail "the gateway did not become ready"; }
python3 "$ROOT/Deploy/ci/order-flow.py" "$GATEWAY" --label "new contexts $NAME, $FOLLOWER" --consumer "$API_PATH" \
    --relayed-to "$FOLLOWER_PATH:$EVENT" || { tail -50 "$SCRATCH/up.log"; fail "the checkout did not reach the new contexts"; }
say "contract fuzzing: schemathesis against the new service's API"
# Its address, from the table `tradewind up` prints ("  payment: http://127.0.0.1:PORT  (health: …").
SERVICE_URL=$(sed -n "s|^  $STACK_NAME: \(http://127.0.0.1:[0-9]*\) .*|\1|p" "$SCRATCH/up.log" | head -1)
[ -n "$SERVICE_URL" ] || fail "tradewind up did not list $STACK_NAME"
EMAIL="fuzz-$$@example.com"
curl -sf -X POST "$GATEWAY/api/users" -H 'content-type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"fuzzing password $$\",\"displayName\":\"Fuzz\"}" >/dev/null || fail "could not register a user to fuzz with"
TOKEN=$(curl -sf -X POST "$GATEWAY/api/oauth/token" -d grant_type=password -d "username=$EMAIL" --data-urlencode "password=fuzzing password $$" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') || fail "no token to fuzz with"
CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance
python3 -m schemathesis.cli run "Services/$NAME/Interface/openapi.yaml" --url "$SERVICE_URL" --max-examples 30 --seed 1 --checks "$CHECKS" \
    -H "Authorization: Bearer $TOKEN" || { tail -30 "$SCRATCH/up.log"; fail "schemathesis found contract violations in the new context"; }
say "new context check passed"
