import GRDBSQLite

/// A row of a streamed query (`SQLConnection.stream`), read in place: on SQLite the running
/// statement's current row (nothing copied until a value is asked for), on PostgreSQL the row
/// as fetched. Valid only inside the callback that receives it. Columns are 0-based, in the
/// query's order; a NULL reads as 0, 0.0 or empty text (ask `isNull` where it matters).
public struct SQLCursorRow {
    enum Source {
        case statement(OpaquePointer)
        case values(SQLRow)
    }

    let source: Source

    init(_ source: Source) {
        self.source = source
    }

    /// A row already fetched (a server database's).
    public init(values row: SQLRow) {
        source = .values(row)
    }

    public func isNull(_ column: Int) -> Bool {
        switch source {
        case .statement(let handle): sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL
        case .values(let row): row.values[column] == .null
        }
    }

    public func int64(_ column: Int) -> Int64 {
        switch source {
        case .statement(let handle): sqlite3_column_int64(handle, Int32(column))
        case .values(let row): row.int64(column) ?? row.double(column).map { Int64($0) } ?? 0
        }
    }

    public func double(_ column: Int) -> Double {
        switch source {
        case .statement(let handle): sqlite3_column_double(handle, Int32(column))
        case .values(let row): row.double(column) ?? 0
        }
    }

    public func string(_ column: Int) -> String {
        switch source {
        case .statement: withText(column) { String(decoding: $0, as: UTF8.self) }
        case .values(let row): row.text(column) ?? ""
        }
    }

    /// A text column's UTF-8 bytes, lent to `body` (no copy on SQLite).
    public func withText<R>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch source {
        case .statement(let handle): return try SQLiteConnection.textBytes(handle, Int32(column), body)
        case .values(let row):
            var text = row.text(column) ?? ""
            return try text.withUTF8(body)
        }
    }
}
