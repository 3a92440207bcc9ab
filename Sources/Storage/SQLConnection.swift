import Foundation

/// The SQL a connection speaks. Stores write one SQL text for both where the two agree (most
/// of it: the schemas map types one to one, see `PostgresMigrations`), and ask the dialect for
/// the few fragments where they differ.
public enum SQLDialect: Sendable, Equatable {
    case sqlite
    case postgresql

    /// The 1-based position of `needle` in `haystack`, 0 when absent (SQLite's `instr`).
    public func position(of needle: String, in haystack: String) -> String {
        switch self {
        case .sqlite: "instr(\(haystack), \(needle))"
        case .postgresql: "strpos(\(haystack), \(needle))"
        }
    }

    /// The value at `path` in the JSON text of `column`: a string or number as text, an object
    /// or array as its JSON text (the stored bodies are minified, so both databases give the same
    /// bytes), NULL when absent. The path's keys are the platform's own, never a user's.
    public func json(_ column: String, _ path: [String]) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(path.joined(separator: "."))')"
        case .postgresql: "(\(column)::json #>> '{\(path.joined(separator: ","))}')"
        }
    }

    /// An inner join that SQLite must take in the order written (its `CROSS JOIN`, which
    /// PostgreSQL does not allow with `ON`; PostgreSQL's planner orders the join itself).
    public var joinInOrder: String {
        switch self {
        case .sqlite: "CROSS JOIN"
        case .postgresql: "JOIN"
        }
    }

    /// SQLite's `INDEXED BY` hint, after a table in FROM, where its planner would choose worse;
    /// PostgreSQL's planner chooses by statistics, and takes no hint.
    public func indexedBy(_ index: String) -> String {
        switch self {
        case .sqlite: "INDEXED BY \(index)"
        case .postgresql: ""
        }
    }

    /// The smaller of two values (SQLite's two-argument `min`).
    public func least(_ first: String, _ second: String) -> String {
        switch self {
        case .sqlite: "min(\(first), \(second))"
        case .postgresql: "least(\(first), \(second))"
        }
    }
}

/// One connection of the storage kernel, lent for one transaction or one read: the same calls
/// on SQLite (`SQLiteConnection`, over GRDB's connection) and on PostgreSQL (in
/// `PostgresStorage`). SQL is written with `?` placeholders, bound in order; a PostgreSQL
/// connection numbers them (`$1`, `$2`, ...) itself. One difference the SQL cannot hide: a
/// statement that fails aborts a PostgreSQL transaction, where SQLite's goes on, so a statement
/// expected to fail (a duplicate key) runs in a savepoint or is written not to fail
/// (`ON CONFLICT DO NOTHING`).
public protocol SQLConnection {
    var dialect: SQLDialect { get }

    /// Runs one statement; returns the number of rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int

    /// Runs one statement whose outcome the caller does not read (an insert of rows nothing reads
    /// back in this transaction). A server connection may send it without waiting for the answer;
    /// a failure then surfaces at a later call or at the commit at the latest, and the
    /// transaction is rolled back as for any failure. SQLite runs it at once.
    func executeUnread(_ sql: String, _ arguments: [SQLValue]) throws

    /// Waits for the answers of what `executeUnread` sent, throwing the first failure (a savepoint
    /// looks before it is released, a transaction before it commits).
    func settle() throws

    /// Appends rows to `table` that nothing reads back before the next call that waits (the bulk
    /// of an import: statements, their index rows, progress events): `values` holds each row's
    /// values in `columns`' order, one row after another. SQLite runs multi-row INSERTs; a
    /// PostgreSQL connection streams them with `COPY`, which its server stores for about half
    /// the work of the same rows' INSERTs (no statement to parse and plan, measured with psql on
    /// 40,000 statement rows: 0.35-0.42 s against 0.82-0.84 s). A failure (a key stored twice)
    /// fails the transaction as an INSERT's would. Table and column names are the platform's own.
    func appendRows(into table: String, columns: [String], values: [SQLValue]) throws

    /// Runs one query and hands each row to `body`, in the query's order.
    func query(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws

    /// Runs one query of any size and hands each row to `body` as it comes, read in place:
    /// memory stays flat however many rows there are (SQLite steps its statement; PostgreSQL
    /// fetches from a cursor in batches, so this needs a transaction, as every kernel call has).
    func stream(_ sql: String, _ arguments: [SQLValue], _ body: (SQLCursorRow) throws -> Void) throws
}

extension SQLConnection {
    public func executeUnread(_ sql: String, _ arguments: [SQLValue]) throws {
        try execute(sql, arguments)
    }

    public func settle() throws {}

    /// INSERTs of 64 rows each (the rest one by one, so that a connection's statement cache
    /// holds two statements per table), sent without waiting where the connection can.
    public func appendRows(into table: String, columns: [String], values: [SQLValue]) throws {
        let width = columns.count
        guard width > 0 else { return }
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        let row = "(\(SQLPlaceholders.list(width)))"
        let wide = head + Array(repeating: row, count: 64).joined(separator: ", ")
        var start = 0
        while start + 64 * width <= values.count {
            try executeUnread(wide, Array(values[start..<start + 64 * width]))
            start += 64 * width
        }
        while start + width <= values.count {
            try executeUnread(head + row, Array(values[start..<start + width]))
            start += width
        }
    }

    /// Every row of a query.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try query(sql, arguments) { rows.append($0) }
        return rows
    }

    /// The first row of a query, if any.
    public func firstRow(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? {
        var first: SQLRow?
        try query(sql, arguments) { row in if first == nil { first = row } }
        return first
    }
}

/// A row of a query's result, its values by position (as selected).
public struct SQLRow: Sendable, Equatable {
    public var values: [SQLValue]

    public init(_ values: [SQLValue]) {
        self.values = values
    }

    public func text(_ column: Int) -> String? {
        guard values.indices.contains(column), case .text(let text) = values[column] else { return nil }
        return text
    }

    public func int64(_ column: Int) -> Int64? {
        guard values.indices.contains(column), case .integer(let integer) = values[column] else { return nil }
        return integer
    }

    /// A real, or an integer as a real (SQLite stores a whole REAL value as written).
    public func double(_ column: Int) -> Double? {
        guard values.indices.contains(column) else { return nil }
        switch values[column] {
        case .real(let real): return real
        case .integer(let integer): return Double(integer)
        default: return nil
        }
    }

    public func blob(_ column: Int) -> [UInt8]? {
        guard values.indices.contains(column), case .blob(let bytes) = values[column] else { return nil }
        return bytes
    }
}

extension SQLValue {
    public init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    public init(_ integer: Int?) { self = integer.map { .integer(Int64($0)) } ?? .null }
}

/// Placeholders as PostgreSQL numbers them: each `?` outside quotes becomes `$1`, `$2`, ...
public enum SQLPlaceholders {
    /// `count` placeholders separated by commas, for an IN list or a row of VALUES.
    public static func list(_ count: Int) -> String {
        count <= 0 ? "" : "?" + String(repeating: ", ?", count: count - 1)
    }

    /// `values` in parts of at most `size`, each small enough for one statement's parameters
    /// (an IN list of a thousand values stays far below both databases' limits).
    public static func parts<C: Collection>(_ values: C, size: Int = 1_000) -> [ArraySlice<C.Element>] {
        let all = Array(values)
        return stride(from: 0, to: all.count, by: size).map { all[$0..<min(all.count, $0 + size)] }
    }

    public static func numbered(_ sql: String) -> String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 8)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// How a write transaction on a server database is kept apart from concurrent ones (SQLite has
/// one writer: every transaction there runs alone).
public enum WriteIsolation: Sendable {
    /// Serializable: the rules decide on what they read, and no other transaction may change it
    /// meanwhile. The default; the database tracks every read to see that.
    case serializable
    /// One snapshot, with the rows the rules decide on claimed by a write (the enrollments whose
    /// progress changes: `ProgressStore`), so that a concurrent transaction changing them is
    /// given up and run again, and a key stored meanwhile by another (a unique violation) runs
    /// this one again. For bulk statement ingest: serializable tracking of its many reads made
    /// concurrent imports keep giving each other up.
    case snapshot
}

/// Whether the database looks up each foreign key a write transaction stores.
public enum ReferenceChecks: Sendable {
    /// Each reference is looked up as it is written, as the schema's foreign keys say. The default.
    case each
    /// The caller stores only references to rows it read or wrote in the same transaction (the
    /// statement store: the engineer, enrollment and society it looked up, the statement it has
    /// just stored), so SQLite does not look each one up again: the transaction runs with
    /// `PRAGMA foreign_keys` off, turned back on before the next transaction that checks them
    /// (the schema keeps its foreign keys for every other writer; `ForeignKeySetting`). Five
    /// lookups a statement with a result, most in large indexes: measured, 14% of the file
    /// import's store thread on 300,000 statements from 20,000 engineers. Tests check the
    /// statement store leaves no reference dangling (`PRAGMA foreign_key_check`). A server
    /// database checks them as always.
    case vouchedFor
}

/// A server database behind `AppDatabase` (PostgreSQL, in `PostgresStorage`): transactions on
/// the storage kernel's connection.
public protocol SQLServer: Sendable {
    /// The database as messages name it (its URL without a password).
    var name: String { get }
    /// One read-only transaction, seeing one snapshot.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// One write transaction: committed when `body` returns, rolled back when it throws.
    func write<T>(_ isolation: WriteIsolation, _ body: (any SQLConnection) throws -> T) throws -> T
    /// Closes the connections (the database is not used again).
    func close()
}

extension SQLServer {
    /// One serializable write transaction.
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try write(.serializable, body)
    }
}
