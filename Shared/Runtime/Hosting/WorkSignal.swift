import ServiceLifecycle
import Synchronization

/// Wakes a background worker as soon as there is new work for it (an order placed, an event written to the
/// outbox), instead of at its next poll: the poll interval stays the fallback for work this process did not see,
/// such as another replica's.
public final class WorkSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// There is new work: the waiting worker wakes now, or its next wait returns at once.
    public func notify() {
        let waiter = state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil as CheckedContinuation<Void, Never>?
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when notified (at once if notified since the last wait), after `timeout`, or when the task is
    /// cancelled. One worker waits on a signal at a time.
    public func wait(upTo timeout: Duration) async {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            wakeWaiter()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            wakeWaiter()
        }
        timer.cancel()
    }

    /// A worker's idle time: `interval`, cut short by `signal` when it has one, and by graceful shutdown.
    static func idle(for interval: Duration, unless signal: WorkSignal?) async {
        try? await cancelWhenGracefulShutdown {
            if let signal {
                await signal.wait(upTo: interval)
            } else {
                try await Task.sleep(for: interval)
            }
        }
    }

    private func wakeWaiter() {
        let waiter = state.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
