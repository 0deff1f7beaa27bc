import TradewindRuntime

public enum CartSchema {
    public static let migrator = Migrator([
        Migration(version: 1, name: "create carts") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                """
                CREATE TABLE carts (
                    id TEXT PRIMARY KEY,
                    owner_kind TEXT NOT NULL,
                    owner_key TEXT NOT NULL,
                    lines TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    updated_at \(timestamp) NOT NULL,
                    UNIQUE (owner_kind, owner_key)
                )
                """,
                "CREATE INDEX carts_updated_at ON carts (updated_at)",
            ]
        },
        Inbox.migration(version: 2),
    ])
}
