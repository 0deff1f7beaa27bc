#!/usr/bin/env bash
# Entrypoint of the PostgreSQL stand-in (test fixture, see build.sh): what Tradewind relies on of the official
# postgres image's entrypoint, for Debian's server.
#   - started as root: prepares PGDATA and the socket directory, then runs itself again as the postgres user
#     (uid 70, as in the Alpine image); started as that user (Kubernetes' runAsUser), it uses what it is given;
#   - an empty PGDATA is initialised with POSTGRES_USER (default postgres) and POSTGRES_PASSWORD (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), connections from other hosts use POSTGRES_HOST_AUTH_METHOD (default
#     scram-sha-256), POSTGRES_DB is created, and /docker-entrypoint-initdb.d/*.sh (run when executable, sourced
#     otherwise) and *.sql are applied once, against a server that listens on the socket only;
#   - then the server runs in the foreground, listening on every address.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
mkdir -p "$PGDATA"
if [ "$(id -u)" = 0 ]; then
    mkdir -p /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
chmod 700 "$PGDATA" 2>/dev/null || true

export POSTGRES_USER=${POSTGRES_USER:-postgres}
export POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        echo "postgres: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust) to initialise the database" >&2
        exit 1
    fi
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
        --auth-local=trust --auth-host="$auth" --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-} >/dev/null
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    printf 'host all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >/dev/null
    psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    if [ "$POSTGRES_DB" != postgres ]; then
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    shopt -s nullglob
    for file in /docker-entrypoint-initdb.d/*; do
        case "$file" in
            *.sh)
                if [ -x "$file" ]; then echo "postgres: running $file"; "$file"
                else echo "postgres: sourcing $file"; # shellcheck disable=SC1090
                    . "$file"; fi ;;
            *.sql) echo "postgres: running $file"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$file" ;;
            *) echo "postgres: ignoring $file" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "postgres: initialised $PGDATA"
fi

exec "$@"
