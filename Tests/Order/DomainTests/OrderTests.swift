import Foundation
import OrderDomain
import Testing
import TradewindKernel

@Suite struct OrderTests {
    let euro = Currency("EUR")!
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func address(destination: String = "SESTO") throws -> ShippingAddress {
        try ShippingAddress(name: "Ada", street: "Storgatan 1", city: "Stockholm", postalCode: "111 22", country: "se", destination: destination)
    }

    func order(status: OrderStatus = .pending) throws -> Order {
        try Order(id: OrderID(rawValue: UUID()), customer: "user-1", lines: [
            try OrderLine(sku: "AUD-1", name: "Headphones", unitPrice: Money(minorUnits: 12900, currency: euro), quantity: 2),
            try OrderLine(sku: "BOK-1", name: "DDD", unitPrice: Money(minorUnits: 5490, currency: euro), quantity: 1),
        ], address: try address(), status: status, createdAt: now, updatedAt: now)
    }

    @Test func totalsAreMoneyInOneCurrency() throws {
        #expect(try order().total == Money(minorUnits: 31290, currency: euro))
        #expect(throws: OrderError.emptyCart) { try Order(id: OrderID(rawValue: UUID()), customer: "u", lines: [], address: try address(), createdAt: now, updatedAt: now) }
        #expect(throws: OrderError.self) {
            try Order(id: OrderID(rawValue: UUID()), customer: "u", lines: [
                try OrderLine(sku: "A-1", name: "A", unitPrice: Money(minorUnits: 1, currency: euro), quantity: 1),
                try OrderLine(sku: "B-1", name: "B", unitPrice: Money(minorUnits: 1, currency: Currency("USD")!), quantity: 1),
            ], address: try address(), createdAt: now, updatedAt: now)
        }
        #expect(throws: OrderError.self) { try OrderLine(sku: "A-1", name: "A", unitPrice: Money(minorUnits: 1, currency: euro), quantity: 0) }
    }

    @Test func addressesAreValidated() throws {
        #expect(try address().country == "SE")
        #expect(throws: OrderError.self) { try address(destination: "Stockholm") }
        #expect(throws: OrderError.self) { try ShippingAddress(name: " ", street: "s", city: "c", postalCode: "p", country: "SE", destination: "SESTO") }
        #expect(throws: OrderError.self) { try ShippingAddress(name: "n", street: "s", city: "c", postalCode: "p", country: "SWE", destination: "SESTO") }
    }

    @Test func everyTransitionIsAllowedOrRefusedAsTheLifecycleSays() throws {
        let allowed: [OrderStatus: Set<OrderStatus>] = [
            .pending: [.stockReserved, .cancelled, .failed], .stockReserved: [.confirmed, .cancelled, .failed],
            .confirmed: [.shipped, .cancelled, .failed], .shipped: [.inTransit, .delivered], .inTransit: [.delivered],
            .delivered: [], .cancelled: [], .failed: [],
        ]
        for from in OrderStatus.allCases {
            #expect(from.successors == allowed[from], "\(from)")
            for to in [OrderStatus.stockReserved, .confirmed, .cancelled, .failed] {
                var subject = try order(status: from)
                let attempt: () throws -> [OrderEvent] = {
                    switch to {
                    case .stockReserved: try subject.stockReserved(at: now)
                    case .confirmed: try subject.confirm(at: now)
                    case .cancelled: try subject.cancel(at: now)
                    default: try subject.fail("out of stock", at: now)
                    }
                }
                if allowed[from]!.contains(to) {
                    let events = try attempt()
                    #expect(subject.status == to)
                    let announced: [OrderEvent] = switch to {
                    case .confirmed: [.confirmed(subject.id)]
                    case .failed: [.failed(subject.id, reason: "out of stock")]
                    default: []  // a held reservation is internal; a cancellation is announced once the stock is back
                    }
                    #expect(events == announced, "\(from) → \(to)")
                } else {
                    #expect(throws: OrderError.transitionNotAllowed(from: from, to: to)) { _ = try attempt() }
                    #expect(subject.status == from)
                }
            }
        }
    }

    @Test func shippingRecordsTheTrackingIDAndFreightEventsMoveTheOrderOn() throws {
        var subject = try order(status: .confirmed)
        #expect(try subject.ship(trackingID: "ABC12345", at: now) == [.shipped(subject.id, trackingID: "ABC12345")])
        #expect(subject.trackingID == "ABC12345")
        #expect(subject.freightReported(FreightStatus(transport: .inPort, lastLocation: "CNHKG", misdirected: false), claimed: false, at: now) == [])
        #expect(subject.status == .shipped)
        _ = subject.freightReported(FreightStatus(transport: .onboardCarrier, lastLocation: "CNHKG", misdirected: false), claimed: false, at: now)
        #expect(subject.status == .inTransit)
        _ = subject.freightReported(FreightStatus(transport: .inPort, lastLocation: "AUMEL", misdirected: true), claimed: false, at: now)
        #expect(subject.freight?.misdirected == true)
        #expect(subject.freightReported(FreightStatus(transport: .claimed, lastLocation: "SESTO", misdirected: false), claimed: true, at: now)
                == [.delivered(subject.id)])
        #expect(subject.status == .delivered)
        #expect(subject.freightReported(FreightStatus(transport: .claimed, lastLocation: "SESTO", misdirected: false), claimed: true, at: now) == [],
                "a repeated claim delivers nothing twice")
        #expect(throws: OrderError.transitionNotAllowed(from: .delivered, to: .cancelled)) { _ = try subject.cancel(at: now) }
        var pending = try order()
        #expect(throws: OrderError.transitionNotAllowed(from: .pending, to: .shipped)) { _ = try pending.ship(trackingID: "X", at: now) }
    }

    @Test func placingAnnouncesTheOrderAndReturningStockAnnouncesHowItEnded() throws {
        let template = try order()
        let (placed, events) = try Order.place(template.id, customer: "u1", lines: template.lines, address: try address(), at: now)
        #expect(events == [.placed(placed)])
        var cancelled = placed
        #expect(try cancelled.cancel(at: now) == [])
        #expect(try cancelled.stockReturned(reason: "unused", at: now) == [.cancelled(placed.id)])
        #expect(cancelled.status == .cancelled)
        var failing = try order(status: .confirmed)
        #expect(try failing.stockReturned(reason: "no freight route", at: now) == [.failed(failing.id, reason: "no freight route")])
        #expect(failing.status == .failed && failing.failureReason == "no freight route")
    }

    @Test func goodsThatLeftBeforeTheCancellationShipTheOrderAfterAll() throws {
        var cancelledBeforeConfirming = try order(status: .cancelled)
        #expect(try cancelledBeforeConfirming.shipAfterAll(trackingID: "ABC123", confirmationAnnounced: false, at: now)
                == [.confirmed(cancelledBeforeConfirming.id), .shipped(cancelledBeforeConfirming.id, trackingID: "ABC123")])
        #expect(cancelledBeforeConfirming.status == .shipped && cancelledBeforeConfirming.trackingID == "ABC123")
        var cancelledWhileBooking = try order(status: .cancelled)
        #expect(try cancelledWhileBooking.shipAfterAll(trackingID: "ABC124", confirmationAnnounced: true, at: now)
                == [.shipped(cancelledWhileBooking.id, trackingID: "ABC124")])
        var givingUp = try order(status: .confirmed)
        #expect(try givingUp.shipAfterAll(trackingID: "ABC125", confirmationAnnounced: false, at: now) == [.shipped(givingUp.id, trackingID: "ABC125")])
        for status in [OrderStatus.pending, .stockReserved, .failed, .delivered] {
            var subject = try order(status: status)
            #expect(throws: OrderError.transitionNotAllowed(from: status, to: .shipped)) {
                _ = try subject.shipAfterAll(trackingID: "ABC126", confirmationAnnounced: true, at: now)
            }
        }
    }
}
