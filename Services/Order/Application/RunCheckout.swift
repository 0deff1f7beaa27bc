import Foundation
import OrderDomain
import TradewindKernel

/// The checkout process manager: reserve stock → confirm → book freight → shipped. Each step's external call is
/// idempotent per order id, and a step is recorded only after it succeeded, so a process interrupted anywhere (a
/// crash, a restart) simply repeats the steps it had not recorded. When every step succeeds at once the order is
/// stored once, shipped; a step that must wait stores what went before it. A step that fails for good — or keeps
/// failing past ``maximumAttempts`` — compensates: stock is released and the order fails with the reason. A
/// cancellation stored while the freight was being booked finds the stock committed when it comes to give it back:
/// the goods have left, so the order ships after all.
public struct RunCheckout: Sendable {
    let orders: any OrderRepository
    let stock: any StockReservations
    let freight: any FreightBooking
    let clock: any WallClock
    /// The UN/LOCODE goods ship from.
    let warehouse: String
    let freightLeadTime: TimeInterval
    public let maximumAttempts: Int
    let baseDelay: TimeInterval
    let observer: any CheckoutObserver

    public init(orders: any OrderRepository, stock: any StockReservations, freight: any FreightBooking, clock: any WallClock,
                warehouse: String, freightLeadTime: TimeInterval = 120 * 86_400, maximumAttempts: Int = 20, baseDelay: TimeInterval = 0.5,
                observer: any CheckoutObserver = UnobservedCheckout()) {
        self.orders = orders
        self.stock = stock
        self.freight = freight
        self.clock = clock
        self.warehouse = warehouse
        self.freightLeadTime = freightLeadTime
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.observer = observer
    }

    /// Advances every due process by as many steps as it can take now, up to `concurrency` processes at a time
    /// (they are independent; each waits mostly on other services, so many at once keep the CPU busy rather than
    /// the clock); returns how many processes moved. Without
    /// `startingNew` (new checkouts held), orders that reserved nothing yet stay pending and lose nothing: they
    /// start once checkouts go on again; those already under way finish.
    @discardableResult
    public func advanceDue(limit: Int = 128, concurrency: Int = 32, startingNew: Bool = true) async throws -> Int {
        let due = try await orders.dueCheckouts(at: clock.now(), limit: limit, startingNew: startingNew)
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            var moved = 0, next = 0
            while next < min(concurrency, due.count) {
                let (process, order) = due[next]
                group.addTask { try await observer.advancing(process) { try await advance(process, order: order) } }
                next += 1
            }
            while let progressed = try await group.next() {
                if progressed { moved += 1 }
                if next < due.count {
                    let (process, order) = due[next]
                    group.addTask { try await observer.advancing(process) { try await advance(process, order: order) } }
                    next += 1
                }
            }
            return moved
        }
    }

    /// Runs steps until the process is done or must wait; returns whether any step completed. The order comes read
    /// with its process: each save gives back the order as stored, so the next step goes on from it. An order
    /// changed meanwhile by someone else (a customer cancelling it) makes the save fail; the process then waits for
    /// the next round, which reads the order afresh.
    @discardableResult
    public func advance(_ start: CheckoutProcess, order: Order) async throws -> Bool {
        var process = start
        var progressed = false
        var order = order
        // Events of steps taken but not stored yet: the reservation is stored with the booking that follows it.
        var events: [OrderEvent] = []
        do {
            while process.step != .done {
                do {
                    let now = clock.now()
                    switch process.step {
                    case .reserveStock:
                        if order.status == .cancelled {
                            process.step = .releaseStock
                        } else {
                            try await stock.reserve(order.id, lines: order.lines)
                            // Nothing is left to check between holding the stock and confirming: one save records both.
                            events += try order.stockReserved(at: clock.now())
                            events += try order.confirm(at: clock.now())
                            process.step = .bookFreight
                            // Booking follows at once, and the save after it stores both steps: a process interrupted
                            // in between reserves again, which answers with the reservation already made.
                            process.attempts = 0
                            progressed = true
                            continue
                        }
                    case .confirm:
                        // Only processes stored by earlier versions, which reserved and confirmed in two saves, stop here.
                        if order.status == .cancelled {
                            process.step = .releaseStock
                        } else {
                            events += try order.confirm(at: now)
                            process.step = .bookFreight
                        }
                    case .bookFreight:
                        if order.status == .cancelled {
                            process.step = .releaseStock
                        } else {
                            let tracking = try await freight.book(order.id, from: warehouse, to: order.address.destination,
                                                                  arrivalDeadline: now.addingTimeInterval(freightLeadTime))
                            try await stock.commit(order.id)
                            events += try order.ship(trackingID: tracking, at: clock.now())
                            process.step = .done
                        }
                    case .releaseStock:
                        switch try await stock.release(order.id) {
                        case .released:
                            events += try order.stockReturned(reason: process.failure ?? "the checkout could not be completed", at: now)
                        case .alreadyCommitted where order.status == .cancelled || order.status == .confirmed:
                            // The goods left before the process came to give them back: the order ships after all,
                            // with the cargo booked for it (booking again answers with that cargo). A process that
                            // was still to reserve when the cancellation was stored had not announced its confirmation.
                            let tracking = try await freight.book(order.id, from: warehouse, to: order.address.destination,
                                                                  arrivalDeadline: now.addingTimeInterval(freightLeadTime))
                            events += try order.shipAfterAll(trackingID: tracking, confirmationAnnounced: start.step != .reserveStock, at: now)
                        case .alreadyCommitted:
                            throw StepFailure.permanent("the reservation was committed")
                        }
                        process.step = .done
                    case .done:
                        break
                    }
                    process.attempts = 0
                    process.nextAttemptAt = now
                } catch let failure as StepFailure {
                    process.attempts += 1
                    let reason: String? = switch failure {
                    case .permanent(let reason): reason
                    case .transient(let reason): process.attempts >= maximumAttempts ? "gave up after \(process.attempts) attempts: \(reason)" : nil
                    }
                    if let reason {
                        try await compensate(&process, order: &order, reason: reason, after: events)
                        events = []
                        progressed = true
                        continue
                    }
                    process.nextAttemptAt = clock.now().addingTimeInterval(backoff(process.attempts))
                    try await orders.save(order, process: process, events: events)
                    return progressed
                }
                order = try await orders.save(order, process: process, events: events)
                events = []
                progressed = true
            }
        } catch OrderError.concurrentUpdate {
            return progressed
        }
        return progressed
    }

    /// A step that cannot succeed: before any stock is held the order simply fails; afterwards the stock goes back
    /// first. `unsaved` are the events of the steps taken before it in this advance, stored with the compensation.
    private func compensate(_ process: inout CheckoutProcess, order: inout Order, reason: String, after unsaved: [OrderEvent]) async throws {
        process.attempts = 0
        process.nextAttemptAt = clock.now()
        switch process.step {
        case .reserveStock:
            // All lines or none: a failed reservation holds nothing.
            process.failure = reason
            let events = try order.fail(reason, at: clock.now())
            process.step = .done
            order = try await orders.save(order, process: process, events: unsaved + events)
        case .releaseStock:
            // The product context refuses for good to give the stock back (the reservation expired, say): releasing
            // again would be refused again, so the process ends here, keeping both reasons, rather than retrying
            // without end.
            process.failure = "\(process.failure ?? "the checkout could not be completed"); the stock was not released: \(reason)"
            let events = try order.stockReturned(reason: process.failure ?? reason, at: clock.now())
            process.step = .done
            order = try await orders.save(order, process: process, events: unsaved + events)
        case .confirm, .bookFreight, .done:
            process.failure = reason
            process.step = .releaseStock
            order = try await orders.save(order, process: process, events: unsaved)
        }
    }

    /// Exponential backoff with jitter, capped at 5 s: the calls are cheap and idempotent, and a dependency that
    /// was restarted is back within seconds, so no order waits long after it returns. With the default 20 attempts
    /// a checkout gives up (and compensates) after one to one and a half minutes of failures.
    func backoff(_ attempts: Int) -> TimeInterval {
        let ceiling = min(5, baseDelay * pow(2, Double(min(attempts - 1, 16))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}
