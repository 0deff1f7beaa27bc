import TradewindRuntime

/// The product service's tables. Stock can never go negative or below what is reserved: the conditional updates
/// guarantee it, and CHECK constraints stand behind them.
public enum ProductSchema {
    public static let migrator = Migrator([
        Migration(version: 1, name: "create categories, products, stock and reservations") { dialect in
            let timestamp = dialect == .postgres ? "TIMESTAMPTZ" : "REAL"
            return [
                """
                CREATE TABLE categories (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    slug TEXT NOT NULL UNIQUE,
                    parent_id TEXT REFERENCES categories (id),
                    version INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE products (
                    id TEXT PRIMARY KEY,
                    sku TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    price_amount BIGINT NOT NULL CHECK (price_amount >= 0),
                    price_currency TEXT NOT NULL,
                    category_id TEXT NOT NULL REFERENCES categories (id),
                    attributes TEXT NOT NULL,
                    image_urls TEXT NOT NULL,
                    active INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    created_at \(timestamp) NOT NULL,
                    updated_at \(timestamp) NOT NULL
                )
                """,
                "CREATE INDEX products_name_id ON products (name, id)",
                "CREATE INDEX products_price_id ON products (price_amount, id)",
                "CREATE INDEX products_created_id ON products (created_at, id)",
                "CREATE INDEX products_category ON products (category_id)",
                """
                CREATE TABLE stock (
                    sku TEXT PRIMARY KEY REFERENCES products (sku),
                    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
                    reserved INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand)
                )
                """,
                """
                CREATE TABLE reservations (
                    order_id TEXT PRIMARY KEY,
                    status TEXT NOT NULL,
                    created_at \(timestamp) NOT NULL,
                    expires_at \(timestamp) NOT NULL
                )
                """,
                "CREATE INDEX reservations_held_expiry ON reservations (status, expires_at)",
                """
                CREATE TABLE reservation_lines (
                    order_id TEXT NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
                    sku TEXT NOT NULL REFERENCES stock (sku),
                    quantity INTEGER NOT NULL CHECK (quantity > 0),
                    PRIMARY KEY (order_id, sku)
                )
                """,
            ]
        },
    ])
}
