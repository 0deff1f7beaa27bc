#!/usr/bin/env bash
# Writes the env file docker-compose.yml reads (default: .env at the repository root) from
# Deploy/compose/tradewind.env.example, with every change-me placeholder replaced by a fresh random secret and a
# new ES256 signing key for the user service, and each service's registry token derived from the new registry
# secret (HMAC-SHA256, as `tradewind registry-token` makes them). Refuses to overwrite an existing file. Needs openssl.
#
#   bash Deploy/compose/new-env.sh            # then: docker compose up --build
#   bash Deploy/compose/new-env.sh other.env
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=${1:-$here/../../.env}

if [ -e "$target" ]; then
    echo "new-env: $target exists; remove it first (its database passwords are those of the existing volume)" >&2
    exit 1
fi
command -v openssl >/dev/null 2>&1 || { echo "new-env: openssl is needed" >&2; exit 1; }

# <kind>.<name>.<base64url(HMAC-SHA256(secret, "tradewind-registry/v1/<kind>:<name>"))>, kind service or reader
registry_token() {
    printf '%s.%s.%s' "$1" "$2" "$(printf 'tradewind-registry/v1/%s:%s' "$1" "$2" \
        | openssl dgst -sha256 -hmac "$3" -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')"
}

umask 077
registry_secret=
{
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
            REGISTRY_SECRET=change-me*)
                registry_secret=$(openssl rand -hex 24)
                printf 'REGISTRY_SECRET=%s\n' "$registry_secret" ;;
            *_REGISTRY_TOKEN=derived-from-registry-secret)
                [ -n "$registry_secret" ] || { echo "new-env: REGISTRY_SECRET must come before the tokens" >&2; exit 1; }
                variable=${line%%=*}
                service=$(printf '%s' "${variable%_REGISTRY_TOKEN}" | tr 'A-Z_' 'a-z-')
                printf '%s=%s\n' "$variable" "$(registry_token service "$service" "$registry_secret")" ;;
            *_SETTINGS_TOKEN=derived-from-registry-secret)
                [ -n "$registry_secret" ] || { echo "new-env: REGISTRY_SECRET must come before the tokens" >&2; exit 1; }
                variable=${line%%=*}
                service=$(printf '%s' "${variable%_SETTINGS_TOKEN}" | tr 'A-Z_' 'a-z-')
                printf '%s=%s\n' "$variable" "$(registry_token reader "$service" "$registry_secret")" ;;
            JWT_SIGNING_KEY=*)
                printf 'JWT_SIGNING_KEY="%s"\n' "$(openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt)" ;;
            [A-Z]*=change-me*)
                printf '%s=%s\n' "${line%%=*}" "$(openssl rand -hex 24)" ;;
            *)
                printf '%s\n' "$line" ;;
        esac
    done <"$here/tradewind.env.example"
} >"$target.part"
if grep -q '^[A-Z_]*=\(change-me\|derived-from\)' "$target.part"; then
    rm -f "$target.part"
    echo "new-env: a placeholder was left in; this is a bug" >&2
    exit 1
fi
mv "$target.part" "$target"
echo "new-env: wrote $target (administrator: $(sed -n 's/^ADMIN_EMAIL=//p' "$target"), password in ADMIN_PASSWORD)"
