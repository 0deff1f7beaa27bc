import Synchronization

/// Tells a polling worker in this process that new work was committed, so it starts its next pass at once instead of
/// waiting out its poll interval. The poll stays: it finds work that other replicas committed, and retries that come
/// due. A wake that arrives while the worker is busy is not lost: the worker sees it when its pass ends.
public final class WorkSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Changes on every wake. A worker reads it before a pass and hands it to `wait(after:upTo:)` after.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiting worker; a worker in the middle of a pass goes again as soon as it ends.
    public func wake() {
        let woken = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns at once when there was a wake since `seen`, else at the next wake or after `timeout`, whichever is
    /// first, or when the task is cancelled.
    public func wait(after seen: UInt64, upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.nextWake(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    private func nextWake(after seen: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
