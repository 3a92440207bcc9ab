import Foundation
import NIOCore
import PostgresNIO
import Storage

/// `ecba database copy --to postgresql://...`: an SQLite platform into an empty PostgreSQL
/// database, in one PostgreSQL transaction. The target gets the PostgreSQL schema's migrations,
/// then every table's rows from one SQLite snapshot (by `COPY`), its identity sequences set past
/// the highest ids SQLite handed out, and each table is read back and compared with the source:
/// the same count and the same checksum (`TableDigest`) or nothing is committed. A target that
/// holds any row, or tables the platform did not make, is refused untouched.
public enum DatabaseCopy {
    public struct TableResult: Codable, Sendable, Equatable {
        public var table: String
        public var rows: Int64
        /// The rows' order-independent checksum, the same on both sides.
        public var checksum: String
    }

    public struct Report: Codable, Sendable {
        public var source: String
        public var target: String
        /// The schema migrations the copy applied to the target first.
        public var migrations: [String]
        public var tables: [TableResult]
        public var rows: Int64
        public var seconds: Double
    }

    /// How far the copy of a table is, for a progress line: after each page.
    public struct Progress: Sendable {
        public var table: String
        public var rows: Int64
        public var total: Int64
    }

    /// Rows per page read from SQLite and sent in one `COPY` write.
    static let pageSize = 5_000

    public static func copy(from database: AppDatabase, to location: PostgresLocation, stamp: String,
                            progress: @Sendable (Progress) -> Void = { _ in }) async throws(ServiceError) -> Report {
        let started = Date()
        let snapshot = try TableSnapshot(database)
        let session = try await PostgresSession.connect(location)
        do {
            try await session.execute("BEGIN ISOLATION LEVEL SERIALIZABLE", "starting the copy's transaction")
            try await session.execute("SET CONSTRAINTS ALL DEFERRED", "deferring foreign keys")
            let report = try await copy(snapshot, into: session, stamp: stamp, progress: progress)
            try await session.execute("COMMIT", "committing the copy")
            // The planner's statistics now: a copied platform is queried at once (a report), and
            // autovacuum would analyse the new tables only later. The copy is committed by then:
            // a failure here loses only what autovacuum gathers anyway.
            try? await session.execute("ANALYZE", "gathering the planner's statistics")
            await session.close()
            return Report(source: database.path, target: location.description, migrations: report.migrations, tables: report.tables,
                          rows: report.tables.reduce(0) { $0 + $1.rows }, seconds: Date().timeIntervalSince(started))
        } catch {
            try? await session.execute("ROLLBACK", "rolling back")
            await session.close()
            throw error
        }
    }

    private static func copy(_ snapshot: TableSnapshot, into session: PostgresSession, stamp: String,
                             progress: @Sendable (Progress) -> Void) async throws(ServiceError) -> (migrations: [String], tables: [TableResult]) {
        let target = session.location
        let before = try await targetColumns(session)
        if before["schema_migration"] == nil, !before.isEmpty {
            throw ServiceError(.conflict, "\(target) is not empty: it holds tables that ecba did not make (\(before.keys.sorted().prefix(5).joined(separator: ", "))); copy into a new, empty database")
        }
        let pending = try await PostgresMigrations.pending(session)
        try await PostgresMigrations.apply(pending, stamp: stamp, session)
        let columns = try await targetColumns(session)
        // Same tables and columns on both sides, before a row moves.
        for table in snapshot.tables {
            guard let theirs = columns[table.name] else {
                throw ServiceError(.conflict, "\(target) has no table \(table.name): its schema is older than this SQLite database's")
            }
            let ours = Set(table.columns.map(\.name))
            let missing = ours.subtracting(theirs.map(\.name)).sorted()
            let extra = Set(theirs.map(\.name)).subtracting(ours).subtracting(["rowid"]).sorted()
            guard missing.isEmpty, extra.isEmpty else {
                throw ServiceError(.conflict, "table \(table.name) differs between the two schemas (only in SQLite: \(missing.joined(separator: ", ")); only in PostgreSQL: \(extra.joined(separator: ", ")))")
            }
        }
        var holding: [String] = []
        for name in columns.keys.sorted() where name != "schema_migration" {
            var any = false
            try await session.rows("SELECT EXISTS (SELECT 1 FROM \(quoted(name)))", "reading \(name)") { row in any = try row.decode(Bool.self) }
            if any { holding.append(name) }
        }
        guard holding.isEmpty else {
            throw ServiceError(.conflict, "\(target) is not empty: \(holding.prefix(5).joined(separator: ", ")) hold rows; a copy goes into an empty database only")
        }

        var results: [TableResult] = []
        for table in snapshot.tables {
            let withRowid = columns[table.name]?.contains(where: { $0.name == "rowid" }) ?? false
            let names = table.columns.map(\.name)
            // What goes across: the columns, after the rowid where PostgreSQL keeps one.
            let copiedColumns = (withRowid ? ["rowid"] : []) + names
            let types = (withRowid ? [SQLColumnType.integer] : []) + table.columns.map(\.type)
            let total = try await snapshot.count(table)
            var digest = TableDigest()
            // PostgresNIO puts the names into `COPY "table"("column", ...)` as they are.
            guard ([table.name] + copiedColumns).allSatisfy(isPlainName) else {
                throw ServiceError(.storage, "table \(table.name) has a name that needs quoting; the copy takes plain names only")
            }
            do {
                try await session.connection.copyFrom(table: table.name, columns: copiedColumns,
                                                      logger: session.logger) { writer in
                    var after: [SQLValue]?
                    repeat {
                        let page = try await snapshot.page(of: table, columns: names, withRowid: withRowid, after: after, limit: pageSize)
                        var buffer = ByteBuffer()
                        for row in page.rows {
                            digest.add(row)
                            CopyText.append(row, to: &buffer)
                        }
                        if buffer.readableBytes > 0 { try await writer.write(buffer) }
                        after = page.key
                        progress(Progress(table: table.name, rows: digest.rows, total: total))
                    } while after != nil
                }
            } catch {
                throw PostgresSession.failure(error, "copying table \(table.name)")
            }
            var copied = TableDigest()
            let selected = copiedColumns.map(quoted).joined(separator: ", ")
            try await session.rows("SELECT \(selected) FROM \(quoted(table.name))", "reading back table \(table.name)") { row in
                copied.add(try values(row, types))
            }
            guard copied == digest else {
                throw ServiceError(.storage, "table \(table.name) did not arrive intact: \(digest.rows) rows sent (checksum \(digest)), \(copied.rows) read back (checksum \(copied)); nothing was committed")
            }
            results.append(TableResult(table: table.name, rows: digest.rows, checksum: digest.description))
        }
        try await advanceSequences(session, sequences: try await snapshot.sequences())
        // SQLite's search index is not a table that moves: PostgreSQL's is built from the copied texts.
        do {
            try CatalogSearchIndex.addCurrentPublications(on: PostgresSQLConnection(session))
        } catch {
            throw ServiceError.wrap(error, "indexing the catalog for search")
        }
        return (pending.map(\.identifier), results)
    }

    /// Every identity column's sequence set past the highest id in its table and the highest SQLite
    /// ever handed out there (`AUTOINCREMENT` never hands out a deleted row's id again).
    private static func advanceSequences(_ session: PostgresSession, sequences: [String: Int64]) async throws(ServiceError) {
        var identities: [(table: String, column: String)] = []
        try await session.rows(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1",
            "reading identity columns"
        ) { row in
            let (table, column) = try row.decode((String, String).self)
            identities.append((table, column))
        }
        for (table, column) in identities {
            var highest: Int64 = sequences[table] ?? 0
            try await session.rows("SELECT coalesce(max(\(quoted(column))), 0) FROM \(quoted(table))", "reading \(table)'s highest id") { row in
                highest = max(highest, try row.decode(Int64.self))
            }
            guard highest > 0 else { continue }
            try await session.execute(
                "SELECT setval(pg_get_serial_sequence('\(quoted(table))', '\(column)'), \(highest))", "advancing \(table).\(column)'s sequence"
            )
        }
    }

    /// The target's tables and their columns, in the current schema.
    static func targetColumns(_ session: PostgresSession) async throws(ServiceError) -> [String: [(name: String, type: String, nullable: Bool)]] {
        var tables: [String: [(name: String, type: String, nullable: Bool)]] = [:]
        try await session.rows(
            """
            SELECT t.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text
            FROM information_schema.tables t LEFT JOIN information_schema.columns c
              ON c.table_schema = t.table_schema AND c.table_name = t.table_name
            WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            ORDER BY t.table_name, c.ordinal_position
            """,
            "reading the target's tables"
        ) { row in
            let (table, column, type, nullable) = try row.decode((String, String?, String?, String?).self)
            var list = tables[table] ?? []
            if let column, let type { list.append((column, type, nullable == "YES")) }
            tables[table] = list
        }
        return tables
    }

    /// A row read back from PostgreSQL as SQLite's values, by the SQLite columns' types.
    static func values(_ row: PostgresRow, _ types: [SQLColumnType]) throws -> [SQLValue] {
        var values: [SQLValue] = []
        values.reserveCapacity(types.count)
        for (cell, type) in zip(row, types) {
            switch type {
            case .integer: values.append(try cell.decode(Int64?.self).map(SQLValue.integer) ?? .null)
            case .real: values.append(try cell.decode(Double?.self).map(SQLValue.real) ?? .null)
            case .text: values.append(try cell.decode(String?.self).map(SQLValue.text) ?? .null)
            case .blob: values.append(try cell.decode(ByteBuffer?.self).map { SQLValue.blob(Array($0.readableBytesView)) } ?? .null)
            }
        }
        return values
    }

    /// Letters, digits and underscores, not starting with a digit.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    static func quoted(_ name: String) -> String { TableSnapshot.quoted(name) }
}

/// Rows in `COPY ... FROM STDIN`'s text format: tab-separated, `\N` for null, backslash escapes,
/// bytea as `\\x` and hex.
///
/// On the path of every row a server import sends (statement bodies are most of the bytes):
/// text goes into the buffer in runs between the bytes that need escaping and integers as their
/// digits, never a byte or a `String` at a time (writing byte by byte was a third of an
/// import's CPU on PostgreSQL, measured with perf).
enum CopyText {
    static func append(_ row: some Sequence<SQLValue>, to buffer: inout ByteBuffer) {
        var first = true
        for value in row {
            if !first { buffer.writeInteger(UInt8(ascii: "\t")) }
            first = false
            switch value {
            case .null: buffer.writeStaticString("\\N")
            case .integer(let integer): writeDigits(integer, to: &buffer)
            case .real(let real):
                if real.isInfinite { buffer.writeString(real < 0 ? "-Infinity" : "Infinity") } else { buffer.writeString("\(real)") }
            case .text(let text): escape(text, to: &buffer)
            case .blob(let bytes):
                buffer.writeStaticString("\\\\x")
                let digits: StaticString = "0123456789abcdef"
                digits.withUTF8Buffer { hex in
                    for byte in bytes {
                        buffer.writeInteger(hex[Int(byte >> 4)])
                        buffer.writeInteger(hex[Int(byte & 0x0F)])
                    }
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// The integer in decimal, as `String(integer)` spells it.
    private static func writeDigits(_ integer: Int64, to buffer: inout ByteBuffer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            // The magnitude as UInt64: Int64.min has none as an Int64.
            var rest = integer.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if integer < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: digits[start...])))
        }
    }

    private static func escape(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { bytes in
            var run = 0
            for (at, byte) in bytes.enumerated() {
                let escaped: StaticString
                switch byte {
                case UInt8(ascii: "\\"): escaped = "\\\\"
                case UInt8(ascii: "\n"): escaped = "\\n"
                case UInt8(ascii: "\r"): escaped = "\\r"
                case UInt8(ascii: "\t"): escaped = "\\t"
                default: continue
                }
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[run..<at])))
                buffer.writeStaticString(escaped)
                run = at + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[run...])))
        }
    }
}
