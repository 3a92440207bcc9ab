import GRDB
import GRDBSQLite

/// The kernel's connection on SQLite: GRDB's connection (inside the transaction or read GRDB
/// lent), its cached statements bound and stepped through SQLite's C API, values read with
/// their exact bytes (as `TableSnapshot` does).
public struct SQLiteConnection: SQLConnection {
    let db: Database

    public init(_ db: Database) {
        self.db = db
    }

    public var dialect: SQLDialect { .sqlite }

    /// Tells SQLite to copy bound text and blobs (the C macro SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try step(sql, arguments) { _ in }
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    public func query(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        try step(sql, arguments) { handle in
            let width = sqlite3_column_count(handle)
            var values: [SQLValue] = []
            values.reserveCapacity(Int(width))
            for column in 0..<width { values.append(Self.value(handle, column)) }
            try body(SQLRow(values))
        }
    }

    public func stream(_ sql: String, _ arguments: [SQLValue], _ body: (SQLCursorRow) throws -> Void) throws {
        try step(sql, arguments) { handle in try body(SQLCursorRow(.statement(handle))) }
    }

    /// Binds `arguments` to the cached statement of `sql` and steps it to the end, handing each
    /// row's statement to `row` to read its columns; the statement is reset after.
    func step(_ sql: String, _ arguments: [SQLValue], _ row: (OpaquePointer) throws -> Void) throws {
        let handle = try prepared(sql, arguments)
        defer { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, sql) }
            try row(handle)
        }
    }

    private func prepared(_ sql: String, _ arguments: [SQLValue]) throws -> OpaquePointer {
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == arguments.count else {
            throw DatabaseError(resultCode: .SQLITE_RANGE, message: "\(arguments.count) argument(s) for \(expected) parameter(s)", sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let integer): code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real): code = sqlite3_bind_double(handle, index, real)
            case .text(let text):
                var text = text
                code = text.withUTF8 { bytes in sqlite3_bind_text(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient) }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), Self.transient) }
            }
            guard code == SQLITE_OK else { throw failure(code, sql) }
        }
        return handle
    }

    private func failure(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }

    /// A column's value; a text with invalid UTF-8 repaired (U+FFFD), as Swift strings are.
    static func value(_ handle: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .text(textBytes(handle, column) { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// A text column's bytes, all of them (GRDB stops at the first NUL byte).
    static func textBytes<T>(_ handle: OpaquePointer, _ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_text(handle, column) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeBufferPointer(start: bytes, count: count))
    }
}
