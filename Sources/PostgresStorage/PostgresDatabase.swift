import Foundation
import NIOCore
import PostgresNIO
import Storage

/// The platform's data on PostgreSQL behind `AppDatabase` (`--database postgresql://...`): one
/// connection, its transactions taken in turn, each on the storage kernel's
/// `PostgresSQLConnection`. Opening applies the PostgreSQL schema's pending migrations, as
/// opening an SQLite file applies SQLite's. (Several connections for `ecba serve`, and the
/// features still on SQLite only, are issue 15's next steps.)
public final class PostgresDatabase: SQLServer {
    let session: PostgresSession
    private let turn = NSLock()

    public var name: String { session.location.description }

    private init(session: PostgresSession) {
        self.session = session
    }

    /// Connects and migrates.
    public static func open(_ location: PostgresLocation, stamp: String) async throws(ServiceError) -> PostgresDatabase {
        let session = try await PostgresSession.connect(location)
        do {
            try await PostgresMigrations.migrate(session, stamp: stamp)
        } catch {
            await session.close()
            throw error
        }
        return PostgresDatabase(session: session)
    }

    /// Connects to a read-only copy of the platform's database (a streaming replica): nothing is
    /// migrated there (it follows its primary); its schema must be this version's, neither
    /// behind nor ahead.
    public static func openReplica(_ location: PostgresLocation) async throws(ServiceError) -> PostgresDatabase {
        let session = try await PostgresSession.connect(location)
        do throws(ServiceError) {
            let pending = try await PostgresMigrations.pending(session)
            guard pending.isEmpty else {
                throw ServiceError(.conflict, "the read database \(location) lacks the schema migrations \(pending.map(\.identifier).joined(separator: ", ")): it must be a replica of the platform's database, caught up with it", field: "readDatabase")
            }
        } catch {
            await session.close()
            throw error
        }
        return PostgresDatabase(session: session)
    }

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        // A snapshot, as an SQLite reader sees one.
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Times a write transaction is run when PostgreSQL keeps giving it up for a concurrent one.
    static let attempts = 8

    /// Serializable: the rules decide on what they read, and no other transaction may change it
    /// meanwhile. When PostgreSQL gives a transaction up for a concurrent one (it kept nothing),
    /// `body` runs again from the start, after a short random pause, up to `attempts` times; so a
    /// body does nothing outside the database that may not be done twice.
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", body)
            } catch let concurrent as PostgresConcurrencyFailure {
                guard attempt < Self.attempts else {
                    throw ServiceError(.conflict, "the change met \(Self.attempts) concurrent changes in a row and was given up: \(concurrent.failure.message)")
                }
                attempt += 1
                Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.005) * Double(attempt))
            }
        }
    }

    private func transaction<T>(_ begin: String, _ body: (any SQLConnection) throws -> T) throws -> T {
        turn.lock()
        defer { turn.unlock() }
        let connection = PostgresSQLConnection(session)
        try connection.execute(begin, [])
        do {
            let result = try body(connection)
            try connection.execute("COMMIT", [])
            return result
        } catch {
            _ = try? connection.execute("ROLLBACK", [])
            throw error
        }
    }

    public func close() {
        try? session.connection.close().wait()
    }
}
