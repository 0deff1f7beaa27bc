#!/usr/bin/env bash
# Test fixtures: builds local stand-ins for the public base images that Deploy/docker/Dockerfile and
# docker-compose.yml name (the service images themselves start from scratch), for a machine that cannot pull from Docker Hub (CI here). Each is made from Debian
# bookworm packages with debootstrap and `docker import`, and keeps the contract Tradewind relies on:
#
#   tradewind-ci/swift:6.3.1           for swift:6.3.1-noble: the Swift toolchain that `swift` resolves to on this
#                                      machine, in /usr as in the official image, the libraries it loads, git, and
#                                      the same `insteadOf` package mirror as this machine (so `swift package
#                                      resolve` works offline)
#   tradewind-ci/postgres:15           for postgres:16.9-alpine: Debian's server behind an entrypoint that honours
#                                      POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA and the scripts in
#                                      /docker-entrypoint-initdb.d (postgres-entrypoint.sh)
#   tradewind-ci/prometheus:2          for prom/prometheus: Debian's Prometheus, same entrypoint, user and paths
#
# They are never tagged under the official names: Deploy/ci/compose.base-images.yaml points the build and the
# compose services at them. Each image carries the hash of its recipe as a label; an image whose recipe did not
# change is kept, and the debootstrap result is cached under $TRADEWIND_CI_CACHE (default
# /var/cache/tradewind-ci), so only the first run on a machine pays for it.
#
#   bash Deploy/ci/base-images/build.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TRADEWIND_CI_CACHE:-/var/cache/tradewind-ci}
suite=bookworm
say() { printf 'base-images: %s\n' "$*"; }
die() { printf 'base-images: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot need it)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed"
docker info >/dev/null 2>&1 || die "no Docker engine answers"

# The Debian mirror this machine's apt uses (DEBIAN_MIRROR overrides it).
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || die "cannot tell which Debian mirror apt uses; set DEBIAN_MIRROR"

swift_bin=$(readlink -f "$(command -v swift)") || die "no swift on PATH"
toolchain=$(cd "$(dirname "$swift_bin")/.." && pwd)   # the toolchain's usr/
swift_version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -1)
[ -n "$swift_version" ] || die "cannot read the Swift version"

# Packages per image, beyond debootstrap's minbase.
swift_packages="binutils ca-certificates git gcc libc6-dev libcurl4 libedit2 libncurses6 libsqlite3-0 \
libstdc++-12-dev libxml2 libz3-4 pkg-config tzdata unzip zlib1g-dev libpython3.11"
postgres_packages="postgresql-15 postgresql-client-15 tzdata"
prometheus_packages="prometheus ca-certificates wget"

mirror_rules=$(git config --system --get-regexp '^url\..*\.insteadof$' || true)
mirror_root=$(printf '%s\n' "$mirror_rules" | awk 'NR == 1 {sub(/^url\./, "", $1); sub(/\.insteadof$/, "", $1); print $1}')

# What decides an image's content; bump an image's revision when its recipe below changes in another way.
declare -A revision=([swift]=1 [postgres]=2 [prometheus]=1)
recipe_hash() {  # recipe_hash NAME
    {
        echo "$1 $suite ${revision[$1]}"
        case "$1" in
            swift) echo "$swift_packages $swift_version"; stat -c '%s %Y' "$swift_bin"; printf '%s\n' "$mirror_rules"
                   if [ -n "$mirror_root" ]; then find "$mirror_root" -mindepth 2 -maxdepth 2 | sort; fi ;;
            postgres) echo "$postgres_packages"; cat "$here/postgres-entrypoint.sh" ;;
            prometheus) echo "$prometheus_packages" ;;
        esac
    } | sha256sum | cut -c1-16
}

image_is_current() {  # image_is_current IMAGE HASH
    [ "$(docker image inspect -f '{{ index .Config.Labels "org.tradewind.ci.recipe" }}' "$1" 2>/dev/null)" = "$2" ]
}

minbase() {  # minbase DIR: a fresh copy of the cached debootstrap --variant=minbase tree
    local tarball="$cache/$suite-minbase.tar"
    if [ ! -s "$tarball" ]; then
        say "debootstrap --variant=minbase $suite (once per machine, about a minute)"
        mkdir -p "$cache"
        local tree; tree=$(mktemp -d "$cache/minbase.XXXXXX")
        debootstrap --variant=minbase "$suite" "$tree" "$mirror" >"$cache/debootstrap.log" 2>&1 \
            || { tail -20 "$cache/debootstrap.log" >&2; die "debootstrap"; }
        tar -C "$tree" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
        rm -rf "$tree"
    fi
    tar -C "$1" -xf "$tarball"
}

chroot_install() {  # chroot_install DIR PACKAGES...: apt-get inside the tree, never starting a service
    local dir=$1; shift
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"; chmod 755 "$dir/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    mkdir -p "$dir/etc/postgresql-common"
    echo 'create_main_cluster = false' >"$dir/etc/postgresql-common/createcluster.conf"
    local apt=(chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get -o APT::Sandbox::User=root -qq)
    { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "$@"; } >"$dir.apt.log" 2>&1 \
        || { tail -20 "$dir.apt.log" >&2; die "apt-get install $*"; }
    rm -f "$dir.apt.log"
    chroot "$dir" apt-get clean
    rm -rf "$dir/var/lib/apt/lists/"* "$dir/usr/share/doc" "$dir/usr/share/man" "$dir/usr/share/info" \
        "$dir/usr/sbin/policy-rc.d" "$dir/etc/resolv.conf"
}

import() {  # import DIR IMAGE HASH [DOCKERFILE-INSTRUCTION]...
    local dir=$1 image=$2 hash=$3; shift 3
    # The recipe label goes on last, after the whole tree arrived: a broken import must not look current.
    local id
    id=$(tar -C "$dir" -c . | docker import -) || die "docker import $image"
    {
        echo "FROM $id"
        printf '%s\n' "$@"
        echo 'LABEL org.opencontainers.image.description="Tradewind CI stand-in (test fixture)"'
        echo "LABEL org.tradewind.ci.recipe=$hash"
    } | docker build -q -t "$image" - >/dev/null 2>&1 || die "labelling $image"
    say "$image ready ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}'))"
}

build_image() {  # build_image NAME IMAGE
    local name=$1 image=$2 hash dir
    hash=$(recipe_hash "$name")
    if image_is_current "$image" "$hash"; then say "$image is current"; return; fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tradewind-base-$name.XXXXXX")
    minbase "$dir"
    case "$name" in
    swift)
        # shellcheck disable=SC2086
        chroot_install "$dir" $swift_packages
        say "copying the toolchain from $toolchain"
        tar -C "$toolchain" -c . | tar -C "$dir/usr" -x
        if [ -n "$mirror_root" ]; then
            say "copying the package mirror $mirror_root"
            mkdir -p "$dir$mirror_root"
            tar -C "$mirror_root" -c . | tar -C "$dir$mirror_root" -x
            printf '%s\n' "$mirror_rules" | while read -r key value; do
                chroot "$dir" git config --system --add "$key" "$value"
            done
        fi
        import "$dir" "$image" "$hash" 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            'CMD ["/bin/bash"]'
        ;;
    postgres)
        # The postgres user has uid and gid 70, as in the official (Alpine) image: the Kubernetes manifests run it so.
        chroot "$dir" groupadd --system --gid 70 postgres
        chroot "$dir" useradd --system --uid 70 --gid 70 --home-dir /var/lib/postgresql --shell /bin/bash postgres
        # shellcheck disable=SC2086
        chroot_install "$dir" $postgres_packages
        install -m 755 "$here/postgres-entrypoint.sh" "$dir/usr/local/bin/docker-entrypoint.sh"
        # /run, not /var/run: in the tree /var/run is a symbolic link to /run, which outside the chroot is the host's.
        mkdir -p "$dir/docker-entrypoint-initdb.d" "$dir/var/lib/postgresql/data" "$dir/run/postgresql"
        chroot "$dir" chown -R postgres:postgres /var/lib/postgresql /run/postgresql
        chmod 3777 "$dir/run/postgresql"
        import "$dir" "$image" "$hash" \
            'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            'ENV PGDATA=/var/lib/postgresql/data' 'VOLUME /var/lib/postgresql/data' \
            'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]' \
            'STOPSIGNAL SIGINT' 'EXPOSE 5432'
        ;;
    prometheus)
        # shellcheck disable=SC2086
        chroot_install "$dir" $prometheus_packages
        mkdir -p "$dir/prometheus" "$dir/etc/prometheus"
        chown 65534:65534 "$dir/prometheus"
        import "$dir" "$image" "$hash" 'USER 65534:65534' 'WORKDIR /prometheus' \
            'ENTRYPOINT ["/usr/bin/prometheus"]' 'VOLUME /prometheus' 'EXPOSE 9090' \
            'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
        ;;
    esac
    rm -rf "$dir"
}

images=${*:-swift postgres prometheus}
for name in $images; do
    case "$name" in
        swift) build_image swift "tradewind-ci/swift:$swift_version" ;;
        postgres) build_image postgres tradewind-ci/postgres:15 ;;
        prometheus) build_image prometheus tradewind-ci/prometheus:2 ;;
        *) die "unknown image $name (swift, postgres, prometheus)" ;;
    esac
done
