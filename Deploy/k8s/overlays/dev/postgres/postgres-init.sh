#!/usr/bin/env bash
# Creates one database and one login role per Tradewind service that persists data (user, product, cart, cargo,
# order, and the storefront's sessions). Each role is named like its database (user_service, product_service, ...),
# owns that database only, and PUBLIC may not connect to it, so a service cannot reach another service's data.
#
# Run by the postgres image's entrypoint on the first start of an empty data directory (mounted into
# /docker-entrypoint-initdb.d). Passwords come from the environment: USER_DB_PASSWORD, PRODUCT_DB_PASSWORD,
# CART_DB_PASSWORD, CARGO_DB_PASSWORD, ORDER_DB_PASSWORD. Running it again changes nothing but the passwords.
#
# The same script is used by the Kubernetes dev overlay (Deploy/k8s/overlays/dev/postgres/postgres-init.sh);
# Deploy/validate.sh checks that both copies are identical.
set -euo pipefail

create_database() {
    local name=$1 password=$2
    if [ -z "$password" ]; then
        echo "postgres-init: no password for ${name}; set its *_DB_PASSWORD variable" >&2
        exit 1
    fi
    psql --no-psqlrc -v ON_ERROR_STOP=1 --quiet \
        --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
        --set=name="$name" --set=password="$password" <<'SQL'
SELECT format('CREATE ROLE %I', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8''', :'name', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SELECT format('GRANT ALL ON DATABASE %I TO %I', :'name', :'name') \gexec
SQL
    echo "postgres-init: database and role ${name} ready"
}

create_database user_service "${USER_DB_PASSWORD:-}"
create_database product_service "${PRODUCT_DB_PASSWORD:-}"
create_database cart_service "${CART_DB_PASSWORD:-}"
create_database cargo_service "${CARGO_DB_PASSWORD:-}"
create_database order_service "${ORDER_DB_PASSWORD:-}"
create_database storefront_service "${STOREFRONT_DB_PASSWORD:-}"
# tradewind new context: databases
