import TradewindRuntime

/// The user service's tables. Timestamps are native (`TIMESTAMPTZ`) on PostgreSQL and epoch seconds on SQLite;
/// SQLKit binds `Date` to each, so the repositories are written once.
public enum UserSchema {
    public static let migrator = Migrator([
        Migration(version: 1, name: "create users, refresh tokens and service clients") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    roles TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at \(timestamp) NOT NULL,
                    updated_at \(timestamp) NOT NULL,
                    version INTEGER NOT NULL
                )
                """,
                "CREATE INDEX users_created_at_id ON users (created_at, id)",
                """
                CREATE TABLE refresh_tokens (
                    id TEXT PRIMARY KEY,
                    family_id TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    token_hash TEXT NOT NULL UNIQUE,
                    issued_at \(timestamp) NOT NULL,
                    expires_at \(timestamp) NOT NULL,
                    rotated_at \(timestamp),
                    revoked_at \(timestamp)
                )
                """,
                "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
                "CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)",
                """
                CREATE TABLE service_clients (
                    client_id TEXT PRIMARY KEY,
                    secret_hash TEXT NOT NULL,
                    roles TEXT NOT NULL
                )
                """,
            ]
        },
        Migration(version: 2, name: "machine client scopes and shared sign-in attempts") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                "ALTER TABLE service_clients ADD COLUMN scopes TEXT NOT NULL DEFAULT ''",
                """
                CREATE TABLE sign_in_attempts (
                    id TEXT NOT NULL,
                    throttle_key TEXT NOT NULL,
                    attempted_at \(timestamp) NOT NULL,
                    PRIMARY KEY (id, throttle_key)
                )
                """,
                "CREATE INDEX sign_in_attempts_key_time ON sign_in_attempts (throttle_key, attempted_at)",
                "CREATE INDEX sign_in_attempts_time ON sign_in_attempts (attempted_at)",
            ]
        },
    ])
}
