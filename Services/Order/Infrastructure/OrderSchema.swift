import TradewindRuntime

public enum OrderSchema {
    public static let migrator = Migrator([
        Migration(version: 1, name: "create orders and checkout processes") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                """
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    customer TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    request TEXT NOT NULL,
                    lines TEXT NOT NULL,
                    address TEXT NOT NULL,
                    total_amount BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    failure_reason TEXT,
                    tracking_id TEXT,
                    freight TEXT,
                    created_at \(timestamp) NOT NULL,
                    updated_at \(timestamp) NOT NULL,
                    version INTEGER NOT NULL,
                    UNIQUE (customer, idempotency_key)
                )
                """,
                "CREATE INDEX orders_customer_created ON orders (customer, created_at, id)",
                "CREATE INDEX orders_tracking ON orders (tracking_id)",
                """
                CREATE TABLE checkout_processes (
                    order_id TEXT PRIMARY KEY REFERENCES orders (id),
                    step TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at \(timestamp) NOT NULL,
                    failure TEXT
                )
                """,
                "CREATE INDEX checkout_processes_due ON checkout_processes (step, next_attempt_at)",
            ]
        },
        Outbox.migration(version: 2),
        Inbox.migration(version: 3),
        Migration(version: 4, name: "index orders by status for the administrators' listing") { _ in
            ["CREATE INDEX orders_status_created ON orders (status, created_at, id)"]
        },
        Migration(version: 5, name: "checkout processes keep the trace of the order's request") { _ in
            ["ALTER TABLE checkout_processes ADD COLUMN trace_context TEXT"]
        },
        // The worker asks for due processes several times a second; finished ones accumulate without bound and
        // must not be scanned each time.
        Migration(version: 6, name: "index only the checkout processes still running") { _ in
            ["CREATE INDEX checkout_processes_running ON checkout_processes (next_attempt_at) WHERE step <> 'done'"]
        },
        SubscriberDirectory.migration(version: 7),
        Outbox.aggregateIndexMigration(version: 8),
        Outbox.waitingOnlyIndexesMigration(version: 9),
        // Every checkout step changes `step` and `next_attempt_at`, and every save sets a status, so each index on
        // them takes a new entry per step: keep only those a query uses, holding only the rows it looks for.
        Migration(version: 10, name: "drop the checkout index the running-only one replaced; index only tracked orders") { _ in
            [
                "DROP INDEX checkout_processes_due",
                "DROP INDEX orders_tracking",
                "CREATE INDEX orders_tracking ON orders (tracking_id) WHERE tracking_id IS NOT NULL",
            ]
        },
    ])
}
