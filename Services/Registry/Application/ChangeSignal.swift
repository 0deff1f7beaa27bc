import Foundation
import Synchronization

/// Readers blocked until the next change or their deadline, as Consul's blocking queries are: the catalog's and
/// the key/value store's. A reader takes ``generation`` before it looks and waits only while it is unchanged, so a
/// change between its look and its wait is never missed.
final class ChangeSignal: Sendable {
    private struct State {
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        var generation = 0
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Counts changes.
    var generation: Int { state.withLock { $0.generation } }

    /// Whether the registry is shutting down: waits end at once.
    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Returns at the first change after `seen`, at `deadline`, or when closed; at once if one of them is past.
    func wait(ifStill seen: Int, until deadline: ContinuousClock.Instant) async {
        let id = UUID()
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { state in
                guard state.generation == seen, !state.isClosed, ContinuousClock.now < deadline else { return false }
                state.waiters[id] = continuation
                return true
            }
            guard waiting else { return continuation.resume() }
            Task { [weak self] in
                try? await Task.sleep(until: deadline)
                self?.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// Something changed: wakes every waiter.
    func signal() { wakeAll { $0.generation += 1 } }

    /// Wakes every waiter, and answers later waits at once.
    func close() { wakeAll { $0.isClosed = true } }

    private func wakeAll(_ change: (inout State) -> Void) {
        let woken = state.withLock { state in
            change(&state)
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }
}
