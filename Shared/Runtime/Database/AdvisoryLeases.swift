import Logging
import PostgresNIO

/// Session advisory locks that a replica keeps for as long as it leads, on one connection of their own.
///
/// Background work (the checkout, the outbox relay) runs in passes several times a second. Taking and releasing
/// the lock around every pass cost two statements per pass, more than the work itself at low load. Here the first
/// pass that wins a lock keeps it: later passes only check that the lock's connection is still open, and run a
/// statement on it at most once per `confirmEvery` to learn of a connection that died without closing.
///
/// The lock goes with its connection. When that connection closes (the process exits, the server restarts or
/// terminates the session), PostgreSQL releases the lock and another replica takes it on its next pass; this
/// replica sees the connection closed and tries to take the lock again on a new one. A connection that fails its
/// check is closed, so the server releases the lock rather than keep it for a replica that no longer knows it
/// leads.
actor AdvisoryLeases {
    typealias Connect = @Sendable () async throws -> PostgresConnection

    private let connect: Connect
    private let confirmEvery: Duration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var opening: Task<PostgresConnection, any Error>?
    private var confirmedAt: ContinuousClock.Instant = .now
    private var held: Set<Int64> = []
    /// Keys with a pass running in this process: a second pass under the same key is turned away, as it would be
    /// by another replica.
    private var running: Set<Int64> = []
    private var isShutDown = false

    init(confirmEvery: Duration = .seconds(1), logger: Logger, connect: @escaping Connect) {
        self.connect = connect
        self.confirmEvery = confirmEvery
        self.logger = logger
    }

    /// Starts a pass under `key`: `true` when this replica leads it (it held the lock or took it now) and no other
    /// pass under it is running here. Every `true` must be followed by `endPass(key)`.
    func beginPass(_ key: Int64) async throws -> Bool {
        guard !running.contains(key) else { return false }
        running.insert(key)
        do {
            let leads = try await lead(key)
            if !leads { running.remove(key) }
            return leads
        } catch {
            running.remove(key)
            throw error
        }
    }

    func endPass(_ key: Int64) {
        running.remove(key)
    }

    /// Gives up every lock by closing their connection; later passes are turned away.
    func shutDown() async {
        isShutDown = true
        opening?.cancel()
        if let connection { try? await connection.close() }
        connection = nil
        held.removeAll()
    }

    private func lead(_ key: Int64) async throws -> Bool {
        let connection = try await liveConnection()
        if held.contains(key) { return true }
        var taken = false
        for try await (acquired) in try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger).decode(Bool.self) {
            taken = acquired
        }
        // The connection may have been replaced while the statement ran; a lock taken on the old one is gone.
        guard taken, connection === self.connection else { return false }
        held.insert(key)
        logger.info("leading background work", metadata: ["advisory_lock": "\(key)"])
        return true
    }

    /// The locks' connection, checked or opened. Throws when it cannot be reached; the pass is then skipped.
    private func liveConnection() async throws -> PostgresConnection {
        guard !isShutDown else { throw AdvisoryLeaseError.shutDown }
        if let connection, !connection.isClosed {
            if confirmedAt.duration(to: .now) < confirmEvery { return connection }
            do {
                _ = try await connection.query("SELECT 1", logger: logger)
                confirmedAt = .now
                return connection
            } catch {
                await drop(connection, because: error)
                throw error
            }
        }
        if let connection { await drop(connection, because: nil) }
        return try await openConnection()
    }

    private func openConnection() async throws -> PostgresConnection {
        if let opening { return try await opening.value }
        let task = Task { [connect] in try await connect() }
        opening = task
        defer { opening = nil }
        let fresh = try await task.value
        guard !isShutDown else {
            try? await fresh.close()
            throw AdvisoryLeaseError.shutDown
        }
        connection = fresh
        confirmedAt = .now
        return fresh
    }

    private func drop(_ lost: PostgresConnection, because error: (any Error)?) async {
        guard lost === connection else { return }
        if !held.isEmpty {
            logger.warning("advisory locks lost with their connection", metadata: ["error": "\(error.map { "\($0)" } ?? "connection closed")"])
        }
        connection = nil
        held.removeAll()
        try? await lost.close()
    }
}

enum AdvisoryLeaseError: Error, CustomStringConvertible {
    case shutDown

    var description: String { "the database store is shut down" }
}
