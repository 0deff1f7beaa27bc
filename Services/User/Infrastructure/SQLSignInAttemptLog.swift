import Foundation
import SQLKit
import TradewindRuntime
import UserDomain

/// Sign-in attempts in the user service's database, which every replica shares. Each attempt is committed before
/// the count is read, so concurrent attempts on any replicas each count every attempt committed before them.
public struct SQLSignInAttemptLog: SignInAttemptLog {
    let store: any SQLStore

    public init(store: any SQLStore) { self.store = store }

    public func record(_ attempt: SignInAttempt, keys: [String], window: TimeInterval) async throws -> [String: SignInAttemptCount] {
        let since = attempt.at.addingTimeInterval(-window)
        try await store.transaction { database in
            for key in keys {
                try await database.insert(into: "sign_in_attempts")
                    .columns("id", "throttle_key", "attempted_at")
                    .values(SQLBind(attempt.id), SQLBind(key), SQLBind(attempt.at))
                    .run()
            }
            // Attempts older than the window count for nothing: the table holds at most one window of attempts.
            try await database.delete(from: "sign_in_attempts").where("attempted_at", .lessThanOrEqual, SQLBind(since)).run()
        }
        return try await store.read { database in
            var counts: [String: SignInAttemptCount] = [:]
            for key in keys {
                guard let row = try await database.select()
                    .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "attempts")
                    .column(SQLFunction("MIN", args: SQLColumn("attempted_at")), as: "oldest")
                    .from("sign_in_attempts")
                    .where("throttle_key", .equal, key)
                    .where("attempted_at", .greaterThan, SQLBind(since))
                    .first()
                else { continue }
                let attempts = try row.decode(column: "attempts", as: Int.self)
                guard attempts > 0 else { continue }
                counts[key] = SignInAttemptCount(attempts: attempts, oldest: try row.decode(column: "oldest", as: Date.self))
            }
            return counts
        }
    }

    public func forget(_ attempt: SignInAttempt, keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await store.transaction { database in
            try await database.delete(from: "sign_in_attempts")
                .where("id", .equal, SQLBind(attempt.id))
                .where("throttle_key", .in, keys)
                .run()
        }
    }

    public func forgetAll(key: String) async throws {
        try await store.transaction { database in
            try await database.delete(from: "sign_in_attempts").where("throttle_key", .equal, SQLBind(key)).run()
        }
    }
}
