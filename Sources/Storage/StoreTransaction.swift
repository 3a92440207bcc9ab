import Domain
import Foundation
import GRDB
import Synchronization

/// The write side of one database transaction.
///
/// A service gets one from `AppDatabase.transaction(at:_:)`, reads the state it decides on and
/// makes every change of one use case through it (including the audit line), so the rule and
/// the change see the same data and commit together or not at all. The rules themselves live in
/// the services; this type only knows SQL.
public struct StoreTransaction {
    /// The connection the transaction runs on: GRDB's on SQLite, the kernel's on a server.
    enum Connection {
        case sqlite(Database)
        case server(any SQLConnection)
    }

    let connection: Connection
    /// The SQLite writer's transactions that wrote index rows only (nil on a server database).
    let indexRowMoves: IndexRowMoves?

    /// This transaction's connection as the storage kernel's, for SQL written for both databases.
    public var sql: any SQLConnection {
        switch connection {
        case .sqlite(let db): SQLiteConnection(db)
        case .server(let server): server
        }
    }
    /// The time stamped on everything this transaction writes.
    public let now: Date
    /// `now` as stored (ISO 8601, UTC), formatted once.
    public let stamp: String

    init(_ connection: Connection, now: Date, indexRowMoves: IndexRowMoves? = nil) {
        self.connection = connection
        self.indexRowMoves = indexRowMoves
        self.now = now
        self.stamp = now.iso8601
    }

    /// Appends a line to the audit log, stamped with this transaction's time.
    public func audit(_ record: AuditRecord) throws {
        try AuditLog.append(record, at: stamp, on: sql)
    }
}

extension AppDatabase {
    /// Runs `body` in one write transaction stamped `date`; anything it throws rolls it all back
    /// and is rethrown unchanged. SQLite failures come out as `ServiceError`. `isolation` applies
    /// to a server database (see `WriteIsolation`), `references` to SQLite (see `ReferenceChecks`).
    public func transaction<T>(at date: Date, isolation: WriteIsolation = .serializable, references: ReferenceChecks = .each,
                               _ body: @Sendable (StoreTransaction) throws -> T) throws -> T {
        do {
            switch engine {
            case .sqlite(let writer):
                let result: T = try writer.writeWithoutTransaction { db in
                    try writerForeignKeys.set(references == .each, on: db)
                    var value: T?
                    try db.inTransaction {
                        value = try body(StoreTransaction(.sqlite(db), now: date, indexRowMoves: writerIndexRowMoves))
                        return .commit
                    }
                    guard let value else { throw ServiceError(.storage, "the transaction ended without its result") }
                    return value
                }
                checkpointer?.committed()
                return result
            case .server(let server): return try server.write(isolation) { connection in try body(StoreTransaction(.server(connection), now: date)) }
            }
        } catch let error as DatabaseError {
            throw ServiceError.wrap(error, "database")
        }
    }
}

/// A failure that undoes the whole transaction, which the database then runs again from the
/// start (PostgreSQL giving a serializable transaction up for a concurrent one). It is not one
/// change's failure: code that keeps a transaction going past a failed savepoint (the LRS's
/// grouped POSTs) rethrows it rather than answering it as that change's.
public protocol TransactionRestart: Error {}

extension StoreTransaction {
    /// Runs `body` in a savepoint of this transaction: what it changed is kept if it returns,
    /// and undone (the rest of the transaction kept) if it throws; the error is rethrown. For
    /// several independent changes in one transaction, each all or nothing (the LRS's grouped
    /// POSTs). A `TransactionRestart` undoes the whole transaction, whoever catches it.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        guard case .sqlite(let db) = connection else { return try serverSavepoint(body) }
        var outcome: Result<T, any Error> = .failure(CancellationError())
        try db.inSavepoint {
            do {
                outcome = .success(try body())
                return .commit
            } catch {
                outcome = .failure(error)
                return .rollback
            }
        }
        return try outcome.get()
    }

    /// A savepoint in SQL (PostgreSQL's are named; one name serves nested ones, each released
    /// or rolled back to the innermost).
    private func serverSavepoint<T>(_ body: () throws -> T) throws -> T {
        try sql.execute("SAVEPOINT ecba_savepoint", [])
        let result: T
        do {
            result = try body()
            try sql.settle()
        } catch {
            try sql.execute("ROLLBACK TO SAVEPOINT ecba_savepoint", [])
            try sql.execute("RELEASE SAVEPOINT ecba_savepoint", [])
            throw error
        }
        try sql.execute("RELEASE SAVEPOINT ecba_savepoint", [])
        return result
    }

    /// Where the database stands as this connection sees it: the rows this connection has
    /// changed so far and SQLite's `data_version`, which moves when any other connection
    /// commits. Two equal marks mean nothing was written in between (by this process or another),
    /// so what a caller learned from the database then still holds.
    /// On a server database there is no such mark: it is nil, and a caller learns again.
    public func writeMark() throws -> WriteMark? {
        guard case .sqlite(let db) = connection else { return nil }
        return WriteMark(dataVersion: try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0, changes: Int64(db.totalChangesCount))
    }
}

/// See `StoreTransaction.writeMark()`.
public struct WriteMark: Sendable, Equatable {
    let dataVersion: Int64
    let changes: Int64
}

extension StoreTransaction {
    /// Runs `body`, which writes nothing but rows of the statement indexes (moving in the rows
    /// that wait, for a reader), and records the marks before and after it: what a writer learned
    /// about engineers, enrollments and states before then still holds after
    /// (`onlyIndexRowsWritten(from:to:)`), where any other write in between makes it start over.
    public func writingOnlyIndexRows<T>(_ body: () throws -> T) throws -> T {
        guard let moves = indexRowMoves, let before = try writeMark() else { return try body() }
        let result = try body()
        if let after = try writeMark() { moves.record(from: before, to: after) }
        return result
    }

    /// Whether everything written between the marks `from` and `to` was written by
    /// `writingOnlyIndexRows`, by this writer.
    public func onlyIndexRowsWritten(from: WriteMark, to: WriteMark) -> Bool {
        indexRowMoves?.span(from: from, to: to) ?? false
    }
}

/// The SQLite writer's last run of transactions that wrote index rows only, as the marks before
/// the first and after the last: two readers that both found rows waiting each move them in, the
/// second none, and the writer's memory holds across both. A write of anything else breaks the
/// run: the next index-only transaction starts a new one from its own mark, and a writer's mark
/// from before the other write matches neither end.
final class IndexRowMoves: Sendable {
    private let run = Mutex<(from: WriteMark, to: WriteMark)?>(nil)

    func record(from: WriteMark, to: WriteMark) {
        run.withLock { run in
            if let known = run, known.to == from {
                run = (known.from, to)
            } else {
                run = (from, to)
            }
        }
    }

    func span(from: WriteMark, to: WriteMark) -> Bool {
        run.withLock { run in run.map { $0.from == from && $0.to == to } ?? false }
    }
}
