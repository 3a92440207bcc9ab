import Foundation
import Logging
import NIOCore
import PostgresNIO
import Storage
import Synchronization

/// The storage kernel's connection on PostgreSQL, for the platform's synchronous stores: each
/// call sends its query and waits for the answer on the calling thread (never an event loop;
/// the services run on threads of their own: the CLI's, NIO's thread pool in `ecba serve`).
/// `?` placeholders are numbered for PostgreSQL, and values come back as SQLite's storage
/// classes, by the result's column types.
public struct PostgresSQLConnection: SQLConnection {
    let session: PostgresSession

    public init(_ session: PostgresSession) {
        self.session = session
    }

    public var dialect: SQLDialect { .postgresql }

    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        let result = try run(sql, arguments)
        return result.metadata.rows ?? 0
    }

    public func query(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let result = try run(sql, arguments)
        for row in result.rows { try body(SQLRow(try Self.values(row))) }
    }

    /// Rows fetched from the cursor at a time: few round trips, a bounded batch in memory.
    static let streamBatch = 2_000
    /// Numbers the cursors of this process, so that a stream abandoned by a throwing callback
    /// (its cursor open until the transaction ends) never collides with the next one.
    private static let cursors = Atomic<Int>(0)

    public func stream(_ sql: String, _ arguments: [SQLValue], _ body: (SQLCursorRow) throws -> Void) throws {
        let cursor = "ecba_stream_\(Self.cursors.wrappingAdd(1, ordering: .relaxed).newValue)"
        try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", arguments)
        while true {
            let batch = try run("FETCH FORWARD \(Self.streamBatch) FROM \(cursor)", [])
            var count = 0
            for row in batch.rows {
                count += 1
                try body(SQLCursorRow(values: SQLRow(try Self.values(row))))
            }
            if count < Self.streamBatch { break }
        }
        try execute("CLOSE \(cursor)", [])
    }

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        do {
            return try session.connection.query(PostgresQuery(unsafeSQL: SQLPlaceholders.numbered(sql), binds: bindings), logger: session.logger).wait()
        } catch {
            let failure = PostgresSession.failure(error, "running \(sql.prefix(80))")
            if let state = (error as? PSQLError)?.serverInfo?[.sqlState], PostgresConcurrencyFailure.states.contains(state) {
                throw PostgresConcurrencyFailure(failure: failure)
            }
            throw failure
        }
    }

    /// A row's values as SQLite's storage classes: whole numbers (and booleans, as 0 and 1) as
    /// integers, floating point as reals, bytea as blobs, everything else as its text.
    static func values(_ row: PostgresRow) throws -> [SQLValue] {
        var values: [SQLValue] = []
        for cell in row {
            guard cell.bytes != nil else {
                values.append(.null)
                continue
            }
            switch cell.dataType {
            case .int2, .int4, .int8: values.append(.integer(try cell.decode(Int64.self)))
            case .bool: values.append(.integer(try cell.decode(Bool.self) ? 1 : 0))
            case .float4, .float8: values.append(.real(try cell.decode(Double.self)))
            case .bytea: values.append(.blob(Array(try cell.decode(ByteBuffer.self).readableBytesView)))
            case .numeric:
                // sum() of bigints: a whole number stays an integer, as SQLite's sum() does.
                let text = "\(try cell.decode(Decimal.self))"
                values.append(Int64(text).map(SQLValue.integer) ?? Double(text).map(SQLValue.real) ?? .text(text))
            default: values.append(.text(try cell.decode(String.self)))
            }
        }
        return values
    }
}

/// A transaction PostgreSQL gave up because a concurrent one changed what it read
/// (serialization failure, SQLSTATE 40001) or because the two waited on each other (deadlock,
/// 40P01): nothing of it was kept, and running it again is the cure. `PostgresDatabase.write`
/// does so.
struct PostgresConcurrencyFailure: Error, CustomStringConvertible {
    static let states: Set<String> = ["40001", "40P01"]
    let failure: ServiceError
    var description: String { failure.message }
}
