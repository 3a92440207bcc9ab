import GRDB
import GRDBSQLite

/// A statement of the storage kernel bound value by value, for the statements a bulk import
/// runs once per record (the xAPI store's lookup and inserts, the engineer lookup).
///
/// On SQLite it is one of the connection's cached statements, bound and stepped through SQLite's
/// C API: there, GRDB's argument boxing and its per-execution observation bookkeeping cost more
/// than SQLite's own work (measured: 12.5 µs per statement insert through `execute(arguments:)`
/// against 6 µs for SQLite alone). Only for use inside a write transaction without transaction
/// observers (the platform registers none): the statement is reset after every use, so GRDB
/// finds it as it left it. On a server database the values are gathered and sent with the
/// statement when it runs.
public struct BoundStatement {
    private let handle: OpaquePointer?
    private let connection: OpaquePointer?
    /// The server connection, when not SQLite's.
    private let server: (any SQLConnection)?
    private var values: [SQLValue] = []
    private let sql: String
    private var index: Int32 = 0
    /// The first failed bind (SQLite's code), reported when the statement runs.
    private var bindFailure: Int32 = SQLITE_OK

    /// Tells SQLite to copy bound text (the C macro SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public init(_ connection: any SQLConnection, _ sql: String) throws {
        self.sql = sql
        if let sqlite = connection as? SQLiteConnection {
            let handle = try sqlite.db.cachedStatement(sql: sql).sqliteStatement
            self.handle = handle
            self.connection = sqlite.db.sqliteConnection
            server = nil
            // Every parameter is bound before a run (checkBindings), and every use ends with the
            // bindings cleared, so there is nothing to clear here.
            sqlite3_reset(handle)
        } else {
            handle = nil
            self.connection = nil
            server = connection
        }
    }

    /// Binds the next parameter (`?` in order).
    public mutating func bind(_ text: String?) {
        index += 1
        guard let handle else { return values.append(SQLValue(text)) }
        guard var text else { return check(sqlite3_bind_null(handle, index)) }
        let position = index
        check(text.withUTF8 { bytes in sqlite3_bind_text(handle, position, bytes.baseAddress, Int32(bytes.count), Self.transient) })
    }

    public mutating func bind(_ value: Int64?) {
        index += 1
        guard let handle else { return values.append(value.map(SQLValue.integer) ?? .null) }
        check(value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
    }

    public mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }

    public mutating func bind(_ value: Bool?) { bind(value.map { $0 ? Int64(1) : 0 }) }

    public mutating func bind(_ value: Double?) {
        index += 1
        guard let handle else { return values.append(value.map(SQLValue.real) ?? .null) }
        check(value.map { sqlite3_bind_double(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
    }

    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK && bindFailure == SQLITE_OK { bindFailure = code }
    }

    /// Refuses to step a statement whose binds failed or do not match its parameters (GRDB's
    /// `execute(arguments:)` checks the count too).
    private func checkBindings(_ handle: OpaquePointer) throws {
        if bindFailure != SQLITE_OK { throw failure(bindFailure) }
        let expected = sqlite3_bind_parameter_count(handle)
        guard index == expected else {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(index) values bound, \(expected) expected", sql: sql)
        }
    }

    /// Runs the statement to its end; returns how many rows it changed.
    @discardableResult
    public func run() throws -> Int {
        guard let handle else { return try server?.execute(sql, values) ?? 0 }
        try checkBindings(handle)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw failure(code) }
        if code == SQLITE_ROW { while sqlite3_step(handle) == SQLITE_ROW {} }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        return connection.map { Int(sqlite3_changes($0)) } ?? 0
    }

    /// Runs a statement whose outcome nothing reads (`SQLConnection.executeUnread`): on a server
    /// it is sent without waiting for the answer.
    public func runUnread() throws {
        guard handle == nil, let server else { return _ = try run() }
        try server.executeUnread(sql, values)
    }

    /// The first row read by `read`, or nil when there is none.
    public func firstRow<T>(_ read: (Columns) -> T) throws -> T? {
        guard let handle else { return try server?.firstRow(sql, values).map { read(Columns(source: .values($0))) } }
        try checkBindings(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return read(Columns(source: .statement(handle)))
        case SQLITE_DONE: return nil
        case let code: throw failure(code)
        }
    }

    /// The rowid SQLite gave the row the last run inserted (SQLite only: a server's INSERT says
    /// `RETURNING`).
    public var lastInsertedRowID: Int64 {
        connection.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    private func failure(_ code: Int32) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) }
        if let handle {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// The current row's columns, by position.
    public struct Columns {
        enum Source {
            case statement(OpaquePointer)
            case values(SQLRow)
        }

        let source: Source

        public func text(_ column: Int32) -> String? {
            switch source {
            case .values(let row): return row.text(Int(column))
            case .statement(let handle):
                guard sqlite3_column_type(handle, column) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, column) else { return nil }
                return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
            }
        }

        public func int64(_ column: Int32) -> Int64? {
            switch source {
            case .values(let row): return row.int64(Int(column))
            case .statement(let handle): return sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
            }
        }
    }
}
