/// The capabilities a machine client can be granted (the `scope` of its access token). Each is checked by the
/// service that owns it; a leaked secret gives only its client's scopes, never the whole `service` role's reach.
public enum Scope {
    /// Reserve, release and commit stock (product service, `/reservations`).
    public static let reserveStock = "stock:reserve"
    /// Book, route, re-route and read cargo (cargo service, `/cargos`).
    public static let bookFreight = "freight:book"
    /// Read any signed-in user's cart (cart service, `POST /cart-reads`), to turn carts into orders in batches.
    public static let readCarts = "carts:read"

    /// Deliver the events `publisher` owns to their subscribers (`POST /events`).
    public static func publishEvents(of publisher: String) -> String { "events:publish:\(publisher)" }

    /// Scope names are printable ASCII without spaces (RFC 6749 3.3).
    public static func isWellFormed(_ scope: String) -> Bool {
        !scope.isEmpty && scope.utf8.count <= 128 && scope.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}
