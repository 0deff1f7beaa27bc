import ServiceLifecycle
import Synchronization

/// Readers waiting for one thing (an order, by its id) to change, woken when this process announces that it did.
/// A watch begins before the reader looks at the thing, so that a change announced between the look and the wait
/// is not missed: the wait then returns at once.
public final class ChangeWatchers<Key: Hashable & Sendable>: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Announced changed since the watch began or since the last wait returned.
        case changed
        /// Nothing was announced before the deadline.
        case timedOut
        /// The waiting task was cancelled or the service is shutting down: stop waiting.
        case ended
    }

    private struct Watcher {
        var changed = false
        var waiting: CheckedContinuation<Outcome, Never>?
        var deadline: Task<Void, Never>?
    }

    private let watchers = Mutex<[Key: [Int: Watcher]]>([:])
    private let lastToken = Atomic<Int>(0)

    public init() {}

    /// One reader's watch on one key.
    public struct Watch: Sendable {
        fileprivate let watchers: ChangeWatchers
        fileprivate let key: Key
        fileprivate let token: Int

        /// Returns at the next change announced since the watch began or since the last wait returned, at
        /// `deadline`, or when the reader is cancelled or the service stops.
        public func nextChange(until deadline: ContinuousClock.Instant) async -> Outcome {
            await watchers.next(key, token, until: deadline)
        }
    }

    /// Runs `body` while `key` is watched; `body` waits for the next change with the watch it is given.
    public func watching<T>(_ key: Key, _ body: (Watch) async throws -> T) async throws -> T {
        let token = lastToken.wrappingAdd(1, ordering: .relaxed).newValue
        watchers.withLock { $0[key, default: [:]][token] = Watcher() }
        defer {
            let abandoned = watchers.withLock { all -> Watcher? in
                defer { if all[key]?.isEmpty == true { all[key] = nil } }
                return all[key]?.removeValue(forKey: token)
            }
            abandoned?.deadline?.cancel()
        }
        return try await body(Watch(watchers: self, key: key, token: token))
    }

    /// Wakes the readers watching any of `keys`.
    public func announce(_ keys: some Sequence<Key>) {
        var woken: [(CheckedContinuation<Outcome, Never>, Task<Void, Never>?)] = []
        watchers.withLock { all in
            for key in keys {
                guard var watching = all[key] else { continue }
                for token in watching.keys {
                    if let waiting = watching[token]?.waiting {
                        woken.append((waiting, watching[token]?.deadline))
                        watching[token] = Watcher()
                    } else {
                        watching[token]?.changed = true
                    }
                }
                all[key] = watching
            }
        }
        for (waiting, deadline) in woken {
            deadline?.cancel()
            waiting.resume(returning: .changed)
        }
    }

    /// How many readers are watching `key` now.
    public func watchers(of key: Key) -> Int { watchers.withLock { $0[key]?.count ?? 0 } }

    fileprivate func next(_ key: Key, _ token: Int, until deadline: ContinuousClock.Instant) async -> Outcome {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                    let answer = watchers.withLock { all -> Outcome? in
                        guard var watcher = all[key]?[token] else { return .ended }
                        // Checked under the lock that the handlers below take, so that one firing now is not missed.
                        if Task.isCancelled || Task.isShuttingDownGracefully { return .ended }
                        if watcher.changed {
                            all[key]?[token]?.changed = false
                            return .changed
                        }
                        if ContinuousClock.now >= deadline { return .timedOut }
                        watcher.waiting = continuation
                        watcher.deadline = Task { [weak self] in
                            try? await Task.sleep(until: deadline, clock: .continuous)
                            if !Task.isCancelled { self?.stop(key, token, with: .timedOut) }
                        }
                        all[key]?[token] = watcher
                        return nil
                    }
                    if let answer { continuation.resume(returning: answer) }
                }
            } onCancel: {
                self.stop(key, token, with: .ended)
            }
        } onGracefulShutdown: {
            self.stop(key, token, with: .ended)
        }
    }

    /// Ends the wait of one reader, if it is waiting.
    private func stop(_ key: Key, _ token: Int, with outcome: Outcome) {
        let stopped = watchers.withLock { all -> Watcher? in
            guard let watcher = all[key]?[token], watcher.waiting != nil else { return nil }
            all[key]?[token] = Watcher(changed: watcher.changed)
            return watcher
        }
        guard let stopped, let waiting = stopped.waiting else { return }
        if outcome != .timedOut { stopped.deadline?.cancel() }
        waiting.resume(returning: outcome)
    }
}
