import Synchronization
import Tracing

/// Gathers concurrent calls into batches, without a timer: a call made while fewer than `maximumInFlight` batches
/// are in flight goes out once the other tasks ready to run have had one turn, with the calls they made meanwhile (a
/// burst of calls started together goes as one batch); calls made while that many are in flight queue, and go out
/// together as soon as one of them returns.
///
/// Under light load every call is sent alone, one scheduling turn later. Under heavy load the batches
/// grow by themselves with the load, so each item pays a fraction of one round trip. This is the shape of a
/// database's group commit; it needs no timer and no tuning beyond the largest batch the other side accepts.
///
/// The batch is sent from the task of one of its callers (the first, or the first of those queued), so it
/// carries that caller's task-local values (trace, request id). With an `operation` name, it is sent inside a span of
/// that name in the sender's trace, linked to the trace of every other caller in the batch: the batch names every
/// trace it served.
public final class CallBatcher<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Sends `items` and answers one outcome per item, in the same order.
    public typealias Send = @Sendable (_ items: [Item]) async -> [Outcome]

    private enum Turn {
        case done(Outcome)
        case lead
    }

    private struct Waiter {
        let item: Item
        let context: ServiceContext?
        let continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var inFlight = 0
        var waiting: [Waiter] = []
    }

    private let maximumBatch: Int
    private let maximumInFlight: Int
    private let send: Send
    private let operation: String?
    private let tracer: (any Tracer)?
    private let state = Mutex(State())

    /// Several batches in flight let a call go out without waiting for a long batch to return, where the other side
    /// handles requests side by side; one gathers the most.
    /// `tracer` is the process's (`InstrumentationSystem.tracer`) unless a test gives its own.
    public init(maximumBatch: Int, maximumInFlight: Int = 1, operation: String? = nil, tracer: (any Tracer)? = nil, send: @escaping Send) {
        precondition(maximumBatch >= 1 && maximumInFlight >= 1, "a batch holds at least one item, and one can be in flight")
        self.maximumBatch = maximumBatch
        self.maximumInFlight = maximumInFlight
        self.operation = operation
        self.tracer = tracer
        self.send = send
    }

    /// Calls waiting for the batch in flight to return.
    public var queued: Int { state.withLock { $0.waiting.count } }

    public func call(_ item: Item) async -> Outcome {
        let turn: Turn = await withCheckedContinuation { continuation in
            let leads = state.withLock { state in
                guard state.inFlight == maximumInFlight else {
                    state.inFlight += 1
                    return true
                }
                state.waiting.append(Waiter(item: item, context: ServiceContext.current, continuation: continuation))
                return false
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .done(let outcome): return outcome
        case .lead:
            // Calls started together (a worker's burst) are queued by the time the other tasks ready to run have
            // had their turn: waiting for that turn sends a burst of 32 as 1 + 31 rather than 1 + 1 + 30.
            await Task.yield()
            return await lead(with: item)
        }
    }

    /// Sends `own` with as many waiting items as fit, answers them, and hands the next batch to the first caller
    /// still waiting (or gives up its place in flight).
    private func lead(with own: Item) async -> Outcome {
        let companions = state.withLock { state in
            let count = min(state.waiting.count, maximumBatch - 1)
            defer { state.waiting.removeFirst(count) }
            return Array(state.waiting.prefix(count))
        }
        let outcomes = await traced(companions) { await send([own] + companions.map(\.item)) }
        precondition(outcomes.count == companions.count + 1, "a batch's sender must answer one outcome per item")
        for (companion, outcome) in zip(companions, outcomes.dropFirst()) {
            companion.continuation.resume(returning: .done(outcome))
        }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.inFlight -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        return outcomes[0]
    }

    private func traced(_ companions: [Waiter], _ body: () async -> [Outcome]) async -> [Outcome] {
        guard let operation else { return await body() }
        let tracer: any LegacyTracer = tracer ?? InstrumentationSystem.legacyTracer
        let span = tracer.startAnySpan(operation, context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        defer { span.end() }
        span.attributes["batch.size"] = companions.count + 1
        for companion in companions {
            if let context = companion.context { span.addLink(SpanLink(context: context, attributes: [:])) }
        }
        return await ServiceContext.$current.withValue(span.context) { await body() }
    }
}
