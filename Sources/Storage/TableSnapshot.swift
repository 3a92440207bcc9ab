import Foundation
import GRDB
import GRDBSQLite

/// One stored value as SQLite's STRICT tables hold it: the five storage classes.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A column's declared type in a STRICT table (its storage class when not null).
public enum SQLColumnType: String, Sendable, Codable {
    case integer, real, text, blob
}

/// A table of the platform's schema as a copy sees it: its columns, and how to read it in order.
public struct TableShape: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: SQLColumnType
        public var notNull: Bool
    }

    public var name: String
    public var columns: [Column]
    /// The primary key's columns, in key order; empty when the table has only SQLite's rowid.
    public var primaryKey: [String]
    /// Whether rows have a rowid (a plain table, not `WITHOUT ROWID`).
    public var hasRowid: Bool
}

/// A consistent, read-only view of every table of an SQLite platform, read in pages: what
/// `ecba database copy` reads while it writes elsewhere. Every page comes from the same
/// snapshot, however long the copy takes and whatever is written meanwhile.
///
/// Derived tables are left out: SQLite's own (`sqlite_*`), GRDB's migration list and the
/// catalog's FTS5 search index (`catalog_fts*`), which each database builds from the catalog.
public final class TableSnapshot: Sendable {
    private let snapshot: DatabaseSnapshot
    /// The tables, in the order of their creation.
    public let tables: [TableShape]

    public init(_ database: AppDatabase) throws(ServiceError) {
        guard case .sqlite(let writer) = database.engine, let pool = writer as? DatabasePool else {
            throw ServiceError(.invalidArgument, "'\(database.path)' is not an SQLite file: a snapshot of tables reads SQLite", field: "database")
        }
        do {
            snapshot = try pool.makeSnapshot()
            tables = try snapshot.read { db in try Self.shapes(db) }
        } catch {
            throw ServiceError.wrap(error, "reading the tables of '\(database.path)'")
        }
    }

    /// Whether a table is derived from others (rebuilt, never copied).
    public static func isDerived(_ name: String) -> Bool {
        name.hasPrefix("sqlite_") || name.hasPrefix("catalog_fts") || name == "grdb_migrations"
    }

    private static func shapes(_ db: Database) throws -> [TableShape] {
        let rows = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        var shapes: [TableShape] = []
        for row in rows {
            let name: String = row["name"]
            guard !isDerived(name) else { continue }
            let sql: String = row["sql"] ?? ""
            var columns: [TableShape.Column] = []
            var key: [(position: Int, name: String)] = []
            for info in try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", arguments: [name]) {
                let column: String = info["name"]
                let declared: String = info["type"]
                guard let type = SQLColumnType(rawValue: declared.lowercased()) else {
                    throw ServiceError(.storage, "column \(name).\(column) has the type '\(declared)', not one of a STRICT table's")
                }
                columns.append(TableShape.Column(name: column, type: type, notNull: (info["notnull"] as Int64) != 0))
                let position: Int = info["pk"]
                if position > 0 { key.append((position, column)) }
            }
            shapes.append(TableShape(
                name: name, columns: columns, primaryKey: key.sorted { $0.position < $1.position }.map(\.name),
                hasRowid: !sql.uppercased().contains("WITHOUT ROWID")
            ))
        }
        return shapes
    }

    /// One page of a table's rows in key order (rowid, else the primary key), after the key
    /// `after` (nil: from the start). Each row holds the values of `columns`, preceded by its
    /// rowid when `withRowid`; `key` gives the next page's `after`.
    public func page(of table: TableShape, columns: [String], withRowid: Bool, after: [SQLValue]?, limit: Int) async throws(ServiceError)
        -> (rows: [[SQLValue]], key: [SQLValue]?) {
        let keyColumns = table.hasRowid ? ["rowid"] : table.primaryKey
        let selected = (withRowid ? ["rowid"] : []) + columns
        var sql = "SELECT " + (selected + keyColumns).map(Self.quoted).joined(separator: ", ") + " FROM " + Self.quoted(table.name)
        if after != nil {
            sql += " WHERE (" + keyColumns.map(Self.quoted).joined(separator: ", ") + ") > (" + keyColumns.map { _ in "?" }.joined(separator: ", ") + ")"
        }
        sql += " ORDER BY " + keyColumns.map(Self.quoted).joined(separator: ", ") + " LIMIT \(limit)"
        let query = sql
        let name = table.name
        do {
            return try await snapshot.read { db in
                var rows: [[SQLValue]] = []
                var last: [SQLValue]?
                try SQLiteConnection(db).step(query, after ?? []) { handle in
                    var values: [SQLValue] = []
                    values.reserveCapacity(selected.count)
                    for (at, column) in selected.enumerated() { values.append(try Self.value(handle, Int32(at), table: name, column: column)) }
                    rows.append(values)
                    // The key columns follow the selected ones.
                    last = try keyColumns.indices.map { try Self.value(handle, Int32(selected.count + $0), table: name, column: keyColumns[$0]) }
                }
                return (rows, rows.count < limit ? nil : last)
            }
        } catch {
            throw ServiceError.wrap(error, "reading table \(table.name)")
        }
    }

    /// A column's value exactly: a text that is not plain UTF-8 (a NUL byte, invalid bytes) is refused, not repaired.
    private static func value(_ handle: OpaquePointer, _ column: Int32, table: String, column name: String) throws -> SQLValue {
        guard sqlite3_column_type(handle, column) == SQLITE_TEXT else { return SQLiteConnection.value(handle, column) }
        return try SQLiteConnection.textBytes(handle, column) { buffer in
            guard !buffer.contains(0), let text = String(validating: buffer, as: UTF8.self) else {
                throw ServiceError(.invalidArgument, "\(table).\(name) holds a text that is not plain UTF-8 (a NUL character or invalid bytes), which PostgreSQL cannot store: \(String(decoding: buffer.prefix(60), as: UTF8.self).debugDescription)")
            }
            return .text(text)
        }
    }

    /// The number of rows of a table.
    public func count(_ table: TableShape) async throws(ServiceError) -> Int64 {
        let sql = "SELECT count(*) FROM " + Self.quoted(table.name)
        do {
            return try await snapshot.read { db in try Int64.fetchOne(db, sql: sql) ?? 0 }
        } catch {
            throw ServiceError.wrap(error, "counting table \(table.name)")
        }
    }

    /// The highest id each `AUTOINCREMENT` table ever handed out (`sqlite_sequence`), by table:
    /// ids of deleted rows are never handed out again.
    public func sequences() async throws(ServiceError) -> [String: Int64] {
        do {
            return try await snapshot.read { db in
                guard try db.tableExists("sqlite_sequence") else { return [:] }
                var sequences: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence") { sequences[row["name"]] = row["seq"] }
                return sequences
            }
        } catch {
            throw ServiceError.wrap(error, "reading sqlite_sequence")
        }
    }

    /// A name as an SQL identifier, quoted (the same in SQLite and PostgreSQL).
    public static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
