import CartContracts
import Foundation
import OrderApplication
import OrderDomain
import Synchronization
import TradewindKernel
import TradewindRuntime

/// The customer's cart through the cart context's published API (`CartContracts.Client`). Anything but the cart
/// itself means the cart is unavailable.
///
/// Carts are read in batches (`CallBatcher`) with this service's own token and its `carts:read` scope: the orders
/// placed while a read is in flight share the next one. A cart service without the batch operation (an older
/// version during a rolling upgrade), or one that refuses this service's token or scope (no machine credentials
/// configured, or an operator who withholds `carts:read`), is asked once per order instead, with the customer's own
/// token, and not asked for a batch again for a minute.
public struct CartClient: CartContents {
    struct Read: Sendable {
        let customer: String
        let token: String
    }

    private let reads: CallBatcher<Read, Result<[CartLineSnapshot], OrderError>>

    public init(client: ServiceClient, maximumBatch: Int = 100, batchRetryAfter: Duration = .seconds(60)) {
        // Reading carts changes nothing, so a batch read is repeated on another instance like a GET would be.
        let transport = ServiceClientTransport(client, service: CartContract.service, idempotentOperations: [Operations.GetCartsOfUsers.id])
        let serverURL = ServiceClientTransport.serverURL(for: CartContract.service)
        let cart = Client(serverURL: serverURL, configuration: .tradewind, transport: transport)
        let batchesRefused = RefusalMemory(lasting: batchRetryAfter)
        let readOne: @Sendable (Read) async -> Result<[CartLineSnapshot], OrderError> = { read in
            let onBehalf = Client(serverURL: serverURL, configuration: .tradewind, transport: transport,
                                  middlewares: [ForwardedAuthorization(bearerToken: read.token)])
            do {
                guard case .ok(let ok) = try await onBehalf.getCart() else { return .failure(.cartUnavailable) }
                return Self.lines(of: try ok.body.json)
            } catch {
                return .failure(.cartUnavailable)
            }
        }
        reads = CallBatcher(maximumBatch: maximumBatch, operation: "read carts (batch)") { batch in
            if !batchesRefused.isRefusing {
                let customers = batch.map(\.customer)
                let answer: [Components.Schemas.UserCart]?
                do {
                    switch try await cart.getCartsOfUsers(body: .json(.init(users: customers))) {
                    case .ok(let ok): answer = try ok.body.json.carts
                    case .unauthorized, .forbidden, .default(statusCode: 404, _), .default(statusCode: 405, _): answer = nil
                    // A customer the cart service would not name (a subject from another issuer, say) must not fail
                    // the others: each is asked alone.
                    case .unprocessableContent: return await batch.concurrentMap(readOne)
                    default: return batch.map { _ in .failure(.cartUnavailable) }
                    }
                } catch {
                    // An unknown route may be answered without a problem document.
                    guard [404, 405].contains(ServiceClientTransport.unreadAnswerStatus(of: error)) else {
                        return batch.map { _ in .failure(.cartUnavailable) }
                    }
                    answer = nil
                }
                if let answer {
                    return customers.indices.map { index in
                        index < answer.count && answer[index].user == customers[index] ? Self.lines(of: answer[index].cart) : .failure(.cartUnavailable)
                    }
                }
                batchesRefused.note()
            }
            return await batch.concurrentMap(readOne)
        }
    }

    public func lines(ofCustomer customer: String, token: String) async throws -> [CartLineSnapshot] {
        try await reads.call(Read(customer: customer, token: token)).get()
    }

    /// The cart's lines; one the order cannot take (an unknown currency) is an unavailable cart.
    private static func lines(of cart: Components.Schemas.Cart) -> Result<[CartLineSnapshot], OrderError> {
        Result {
            try cart.lines.map { line in
                guard let currency = Currency(line.unitPriceNow.currency) else { throw OrderError.cartUnavailable }
                return CartLineSnapshot(sku: line.sku, name: line.name, unitPrice: Money(minorUnits: line.unitPriceNow.amount, currency: currency),
                                        quantity: line.quantity, available: line.available)
            }
        }.mapError { _ in .cartUnavailable }
    }
}

/// When a batch operation was last refused, so it is not asked for again until `lasting` has passed.
private final class RefusalMemory: Sendable {
    private let lasting: Duration
    private let refusedAt = Mutex<ContinuousClock.Instant?>(nil)

    init(lasting: Duration) { self.lasting = lasting }

    var isRefusing: Bool {
        refusedAt.withLock { refusedAt in refusedAt.map { ContinuousClock.now - $0 < lasting } ?? false }
    }

    func note() { refusedAt.withLock { $0 = .now } }
}

private extension Array where Element: Sendable {
    /// `transform` of every element, run side by side, in the elements' order.
    func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) async -> T) async -> [T] {
        await withTaskGroup(of: (Int, T).self) { group in
            for (index, element) in enumerated() { group.addTask { (index, await transform(element)) } }
            var results = [T?](repeating: nil, count: count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }
}
