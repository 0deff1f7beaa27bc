import TradewindRuntime

/// The registry's tables: the key/value store. The service catalog lives in memory (instances register again
/// after a restart); the store's keys and its index must not be lost.
public enum RegistrySchema {
    public static let migrator = Migrator([
        Migration(version: 1, name: "create the key/value store") { _ in
            [
                """
                CREATE TABLE kv_entries (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    flags BIGINT NOT NULL,
                    create_index BIGINT NOT NULL,
                    modify_index BIGINT NOT NULL
                )
                """,
                // `index`: the last write's; `deleted`: the last delete's. Consul's index starts at 1.
                "CREATE TABLE kv_state (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
                "INSERT INTO kv_state (name, value) VALUES ('index', 1), ('deleted', 0)",
            ]
        },
    ])
}
