import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import Storage

/// The platform's data on PostgreSQL behind `AppDatabase` (`--database postgresql://...`): a
/// pool of connections (one for a command, several for `ecba serve`), each transaction on one
/// taken from the pool and given back when it ends, on the storage kernel's
/// `PostgresSQLConnection`. Opening applies the PostgreSQL schema's pending migrations, as
/// opening an SQLite file applies SQLite's.
public final class PostgresDatabase: SQLServer, @unchecked Sendable {
    /// Every connection, and those not lent to a transaction now (guarded by `idle`'s lock).
    private let sessions: [PostgresSession]
    private var free: [Int]
    private let idle = NSCondition()

    public var name: String { sessions[0].location.description }

    private init(sessions: [PostgresSession]) {
        self.sessions = sessions
        free = Array(sessions.indices)
    }

    /// A connection for one transaction: waits while all are lent.
    private func borrow() -> Int {
        idle.lock()
        defer { idle.unlock() }
        while free.isEmpty { idle.wait() }
        return free.removeLast()
    }

    private func giveBack(_ index: Int) {
        idle.lock()
        free.append(index)
        idle.signal()
        idle.unlock()
    }

    /// Connects (`connections` of them: as many as transactions may run at once) and migrates.
    public static func open(_ location: PostgresLocation, stamp: String, connections: Int = 1) async throws(ServiceError) -> PostgresDatabase {
        let sessions = try await connect(location, count: connections)
        do {
            try await PostgresMigrations.migrate(sessions[0], stamp: stamp)
        } catch {
            for session in sessions { await session.close() }
            throw error
        }
        return PostgresDatabase(sessions: sessions)
    }

    private static func connect(_ location: PostgresLocation, count: Int) async throws(ServiceError) -> [PostgresSession] {
        var sessions: [PostgresSession] = []
        do {
            for _ in 0..<max(1, count) { sessions.append(try await PostgresSession.connect(location)) }
        } catch {
            for session in sessions { await session.close() }
            throw error
        }
        return sessions
    }

    /// Connects to a read-only copy of the platform's database (a streaming replica): nothing is
    /// migrated there (it follows its primary); its schema must be this version's, neither
    /// behind nor ahead.
    public static func openReplica(_ location: PostgresLocation, connections: Int = 1) async throws(ServiceError) -> PostgresDatabase {
        let sessions = try await connect(location, count: connections)
        do throws(ServiceError) {
            let pending = try await PostgresMigrations.pending(sessions[0])
            guard pending.isEmpty else {
                throw ServiceError(.conflict, "the read database \(location) lacks the schema migrations \(pending.map(\.identifier).joined(separator: ", ")): it must be a replica of the platform's database, caught up with it", field: "readDatabase")
            }
        } catch {
            for session in sessions { await session.close() }
            throw error
        }
        return PostgresDatabase(sessions: sessions)
    }

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        // A snapshot, as an SQLite reader sees one.
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Times a write transaction is run when PostgreSQL keeps giving it up for a concurrent one.
    static let attempts = 8

    /// Serializable by default: the rules decide on what they read, and no other transaction may
    /// change it meanwhile; `.snapshot` is REPEATABLE READ, where the rules claim what they
    /// decide on and a unique violation means a concurrent transaction stored the key first (see
    /// `WriteIsolation`). When PostgreSQL gives a transaction up for a concurrent one (it kept
    /// nothing), `body` runs again from the start, after a short random pause, up to `attempts`
    /// times; so a body does nothing outside the database that may not be done twice.
    public func write<T>(_ isolation: WriteIsolation, _ body: (any SQLConnection) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                switch isolation {
                case .serializable: return try transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", body)
                case .snapshot: return try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ", restartOnUniqueViolation: true, body)
                }
            } catch let concurrent as PostgresConcurrencyFailure {
                guard attempt < Self.attempts else {
                    throw ServiceError(.conflict, "the change met \(Self.attempts) concurrent changes in a row and was given up: \(concurrent.failure.message)")
                }
                // A random pause that doubles with each attempt (2 ms, 4 ms, ... 256 ms at most):
                // two transactions that keep meeting soon run one after the other.
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.002) * Double(1 << attempt))
                attempt += 1
            }
        }
    }

    private func transaction<T>(_ begin: String, restartOnUniqueViolation: Bool = false, _ body: (any SQLConnection) throws -> T) throws -> T {
        let lent = borrow()
        defer { giveBack(lent) }
        let connection = PostgresSQLConnection(sessions[lent], restartOnUniqueViolation: restartOnUniqueViolation)
        try connection.execute(begin, [])
        do {
            let result = try body(connection)
            try connection.settle()
            try connection.execute("COMMIT", [])
            return result
        } catch {
            _ = connection.unread.settle()
            _ = try? connection.execute("ROLLBACK", [])
            throw error
        }
    }

    /// Closes every connection: waits for each on a thread that may wait; on an event loop (the
    /// last reference to the database let go by a server's channel) it only asks, since waiting
    /// there would stall that loop and NIO refuses it, and the connection is kept until closed.
    public func close() {
        for session in sessions {
            let connection = session.connection
            let closed: EventLoopFuture<Void> = connection.close()
            if MultiThreadedEventLoopGroup.currentEventLoop == nil {
                try? closed.wait()
            } else {
                closed.whenComplete { _ in withExtendedLifetime(connection) {} }
            }
        }
    }
}
