import HTTPTypes
import OrderDomain
import TradewindRuntime

public enum OrderProblems {
    public static func map(_ error: any Error) -> Problem? {
        guard let error = error as? OrderError else { return nil }
        switch error {
        case .invalid(let reason): return .validation(reason)
        case .emptyCart: return .validation("the cart is empty")
        case .transitionNotAllowed(let from, _): return .conflict("the order is \(from.rawValue) and can no longer change that way")
        case .orderNotFound: return .notFound("no such order")
        case .idempotencyKeyReused: return .validation("this Idempotency-Key was used for a different request")
        case .concurrentUpdate: return .conflict("the order changed at the same time; read it and try again")
        case .cartUnavailable:
            return Problem("cart-unavailable", title: "Service unavailable", status: .serviceUnavailable,
                           detail: "the cart cannot be read right now; try again shortly", headers: [.retryAfter: "2"])
        }
    }
}
