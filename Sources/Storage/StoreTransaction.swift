import Domain
import Foundation
import GRDB

/// The write side of one database transaction.
///
/// A service gets one from `AppDatabase.transaction(at:_:)`, reads the state it decides on and
/// makes every change of one use case through it (including the audit line), so the rule and
/// the change see the same data and commit together or not at all. The rules themselves live in
/// the services; this type only knows SQL.
public struct StoreTransaction {
    let db: Database
    /// The connection, for the stores of features that own their tables (their SQL runs in
    /// this same transaction).
    public var database: Database { db }
    /// The time stamped on everything this transaction writes.
    public let now: Date
    /// `now` as stored (ISO 8601, UTC), formatted once.
    public let stamp: String

    init(db: Database, now: Date) {
        self.db = db
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
    /// and is rethrown unchanged. SQLite failures come out as `ServiceError`.
    public func transaction<T>(at date: Date, _ body: @Sendable (StoreTransaction) throws -> T) throws -> T {
        do {
            return try sqliteWriter("writing").write { db in try body(StoreTransaction(db: db, now: date)) }
        } catch let error as DatabaseError {
            throw ServiceError.wrap(error, "database")
        }
    }
}

extension StoreTransaction {
    /// Runs `body` in a savepoint of this transaction: what it changed is kept if it returns,
    /// and undone (the rest of the transaction kept) if it throws; the error is rethrown. For
    /// several independent changes in one transaction, each all or nothing (the LRS's grouped
    /// POSTs).
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
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

    /// Where the database stands as this connection sees it: the rows this connection has
    /// changed so far and SQLite's `data_version`, which moves when any other connection
    /// commits. Two equal marks mean nothing was written in between (by this process or another),
    /// so what a caller learned from the database then still holds.
    public func writeMark() throws -> WriteMark {
        WriteMark(dataVersion: try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0, changes: Int64(db.totalChangesCount))
    }
}

/// See `StoreTransaction.writeMark()`.
public struct WriteMark: Sendable, Equatable {
    let dataVersion: Int64
    let changes: Int64
}
