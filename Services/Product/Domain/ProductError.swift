/// What can go wrong in the catalog and inventory, in the domain's words; the interface maps each to a status.
public enum ProductError: Error, Equatable, Sendable {
    case invalid(field: String, reason: String)
    case categoryNotFound
    case parentCategoryNotFound
    case categoryCycle
    case slugTaken(String)
    case productNotFound
    case skuTaken(String)
    case inactiveProduct(String)
    case unknownSKU(String)
    /// The caller's copy is older than the stored one (`If-Match` did not match).
    case staleVersion(current: Int)
    case stockBelowReserved(reserved: Int)
    case insufficientStock([String])
    case reservationNotFound
    /// The order id already holds a reservation for other lines.
    case reservationMismatch
    /// The reservation cannot take this step from where it is.
    case reservationNotHeld(ReservationStatus)
    case invalidCursor
    case forbidden(String)
}
