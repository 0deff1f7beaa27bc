import TradewindRuntime

/// The cargo service's tables. The integration events each change causes go to the runtime's outbox, in the same
/// transaction as the change, and its relay publishes them.
public enum CargoSchema {
    public static let migrator = Migrator([
        Migration(version: 1, name: "create locations, voyages, cargos, handling events and cargo events") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                "CREATE TABLE locations (unlocode TEXT PRIMARY KEY, name TEXT NOT NULL)",
                "CREATE TABLE voyages (number TEXT PRIMARY KEY, movements TEXT NOT NULL)",
                """
                CREATE TABLE cargos (
                    tracking_id TEXT PRIMARY KEY,
                    origin TEXT NOT NULL REFERENCES locations (unlocode),
                    spec_origin TEXT NOT NULL REFERENCES locations (unlocode),
                    spec_destination TEXT NOT NULL REFERENCES locations (unlocode),
                    spec_deadline \(timestamp) NOT NULL,
                    itinerary TEXT,
                    calculated_at \(timestamp) NOT NULL,
                    version INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE handling_events (
                    id TEXT PRIMARY KEY,
                    tracking_id TEXT NOT NULL REFERENCES cargos (tracking_id),
                    type TEXT NOT NULL,
                    location TEXT NOT NULL REFERENCES locations (unlocode),
                    voyage TEXT REFERENCES voyages (number),
                    completion_time \(timestamp) NOT NULL,
                    registration_time \(timestamp) NOT NULL
                )
                """,
                "CREATE INDEX handling_events_cargo ON handling_events (tracking_id, completion_time)",
                """
                CREATE TABLE cargo_events (
                    id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    tracking_id TEXT NOT NULL,
                    occurred_at \(timestamp) NOT NULL,
                    payload TEXT NOT NULL,
                    published_at \(timestamp)
                )
                """,
                "CREATE INDEX cargo_events_unpublished ON cargo_events (published_at, occurred_at)",
            ]
        },
        Outbox.migration(version: 2),
        Migration(version: 3, name: "events move to the outbox") { _ in ["DROP TABLE cargo_events"] },
        Migration(version: 4, name: "booking references") { _ in
            ["ALTER TABLE cargos ADD COLUMN reference TEXT", "CREATE UNIQUE INDEX cargos_reference ON cargos (reference)"]
        },
        SubscriberDirectory.migration(version: 5),
        Outbox.aggregateIndexMigration(version: 6),
        Outbox.waitingOnlyIndexesMigration(version: 7),
    ])
}
