import Foundation
import Catalog
import Domain
import Enrollment
import GRDB
import Logging
import LRS
import NIOCore
import PostgresNIO
@testable import PostgresStorage
import RegistrySync
import Societies
import Storage
import Synchronization
import Testing

/// The PostgreSQL server the tests use: `ECBA_TEST_POSTGRESQL`, a URL whose user may create
/// databases (`.ci/run` starts a cluster on loopback and sets it). Each test gets a database of
/// its own, dropped at the end.
enum PostgresServer {
    static let url = ProcessInfo.processInfo.environment["ECBA_TEST_POSTGRESQL"]
    static var available: Bool { url != nil }
    /// A streaming replica of that server (`.ci/run` starts one): `ECBA_TEST_POSTGRESQL_REPLICA`.
    static let replicaURL = ProcessInfo.processInfo.environment["ECBA_TEST_POSTGRESQL_REPLICA"]
    static var replicaAvailable: Bool { url != nil && replicaURL != nil }

    /// The URL of the database of `url` on the replica.
    static func onReplica(_ url: String) throws -> String {
        let replica = try PostgresLocation(url: try #require(replicaURL))
        var database = try #require(URLComponents(string: url))
        database.host = replica.host
        database.port = replica.port
        return try #require(database.string)
    }

    /// Waits until the replica has replayed everything the primary had written when called.
    static func awaitReplica(_ primary: String, _ replica: String) async throws {
        let target = try await rows(primary, "SELECT pg_current_wal_lsn()::text").first?.first ?? nil
        for _ in 0..<300 {
            if let replayed = try? await rows(replica, "SELECT pg_last_wal_replay_lsn() >= '\(target ?? "0/0")'::pg_lsn"), replayed == [["true"]] { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the replica did not catch up in 30 s")
    }

    /// The URL of a database named `name` on the test server.
    static func databaseURL(_ name: String) throws -> String {
        let admin = try PostgresLocation(url: try #require(url))
        return "postgresql://\(admin.user)\(admin.password.map { ":\($0)" } ?? "")@\(admin.host):\(admin.port)/\(name)?sslmode=\(admin.tls.rawValue)"
            + (admin.socketFolder.map { "&host=\($0)" } ?? "")
    }

    /// Creates a new, empty database from synchronous code (a test world's setup); its URL.
    static func createDatabase(_ name: String) throws -> String {
        try Synchronously.run {
            try await withSession(try #require(url)) { session in try await session.execute("CREATE DATABASE \(name)", "creating \(name)") }
        }
        return try databaseURL(name)
    }

    /// Drops a database `createDatabase` made, closing what is still connected to it; without
    /// waiting. (A DROP waits until every backend of the cluster has taken note, and one may be
    /// serving an async test, such as a COPY, whose next step needs the very thread that would
    /// wait here.)
    static func dropDatabase(_ name: String) {
        Synchronously.start {
            try await withSession(try #require(url)) { session in try await session.execute("DROP DATABASE \(name) WITH (FORCE)", "dropping \(name)") }
        }
    }

    /// Runs `body` with the URL of a new, empty database.
    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let admin = try PostgresLocation(url: try #require(url))
        let name = "ecba_test_" + UUID().uuidString.prefix(8).lowercased()
        let session = try await PostgresSession.connect(admin)
        try await session.execute("CREATE DATABASE \(name)", "creating \(name)")
        var location = admin
        location.database = name
        let target = "postgresql://\(admin.user)\(admin.password.map { ":\($0)" } ?? "")@\(admin.host):\(admin.port)/\(name)?sslmode=\(admin.tls.rawValue)"
            + (admin.socketFolder.map { "&host=\($0)" } ?? "")
        do {
            try await body(target)
        } catch {
            try? await session.execute("DROP DATABASE \(name) WITH (FORCE)", "dropping \(name)")
            await session.close()
            throw error
        }
        try await session.execute("DROP DATABASE \(name) WITH (FORCE)", "dropping \(name)")
        await session.close()
    }

    /// Runs `body` with the demo's platform (an SQLite file) and a new database it was copied into.
    static func withCopiedDemo(_ body: (DemoPlatform, String) async throws -> Void) async throws {
        let demo = try DemoPlatform()
        defer { demo.remove() }
        try await withDatabase { url in
            let copy = try await CLI.runDetached(["database", "copy", "--database", demo.path, "--to", url])
            #expect(copy.status == 0, "\(copy.stderr)")
            try await body(demo, url)
        }
    }

    /// Runs `body` with a session on `url`, closed however `body` ends (PostgresNIO asserts that
    /// every connection is closed before it goes).
    static func withSession<T>(_ url: String, _ body: (PostgresSession) async throws -> T) async throws -> T {
        let session = try await PostgresSession.connect(try PostgresLocation(url: url))
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// The rows of a query, each value as text (null as nil), in PostgreSQL.
    static func rows(_ url: String, _ sql: String) async throws -> [[String?]] {
        var rows: [[String?]] = []
        try await withSession(url) { session in try await session.rows(sql, "test query") { row in
            rows.append(try row.map { cell -> String? in
                guard cell.bytes != nil else { return nil }
                switch cell.dataType {
                case .int2, .int4, .int8: return String(try cell.decode(Int64.self))
                case .float4, .float8: return String(try cell.decode(Double.self))
                case .bool: return String(try cell.decode(Bool.self))
                default: return try cell.decode(String.self)
                }
            })
        } }
        return rows
    }
}

/// A platform with the demo's story in it (societies, votes, courses, enrollments, statements,
/// credits), in a temporary folder.
struct DemoPlatform {
    let path: String

    init() throws {
        let result = try CLI.run(["demo", "--keep"], in: Paths.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("Database kept at ") })
        path = String(line.dropFirst("Database kept at ".count))
    }

    func remove() {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
    }
}

@Suite("PostgreSQL", .serialized, .enabled(if: PostgresServer.available, "needs ECBA_TEST_POSTGRESQL (.ci/run starts a server)"))
struct PostgresTests {
    @Test("the PostgreSQL migrations give every SQLite table with the same columns, types and nullability")
    func schemasAgree() async throws {
        let sqlite = try TemporaryDatabase(.sqlite)
        let ours = try TableSnapshot(sqlite.database).tables
        try await PostgresServer.withDatabase { url in
            let theirs = try await PostgresServer.withSession(url) { session in
                try await PostgresMigrations.migrate(session, stamp: "2026-12-05T00:00:00Z")
                #expect(try await PostgresMigrations.pending(session).isEmpty)
                return try await DatabaseCopy.targetColumns(session)
            }
            #expect(Set(theirs.keys) == Set(ours.map(\.name)).union(["schema_migration", "catalog_search"]))
            let types: [SQLColumnType: String] = [.integer: "bigint", .real: "double precision", .text: "text", .blob: "bytea"]
            for table in ours {
                let columns = (theirs[table.name] ?? []).filter { $0.name != "rowid" }
                #expect(columns.map(\.name) == table.columns.map(\.name), "\(table.name)")
                for (sqliteColumn, postgresColumn) in zip(table.columns, columns) {
                    #expect(types[sqliteColumn.type] == postgresColumn.type, "\(table.name).\(sqliteColumn.name)")
                    let notNull = sqliteColumn.notNull || table.primaryKey.contains(sqliteColumn.name)
                    #expect(notNull == !postgresColumn.nullable, "\(table.name).\(sqliteColumn.name)")
                }
            }
        }
    }

    @Test("v20 on PostgreSQL keeps every index row of the statements, now by its key's id, each key stored once per kind")
    func statementIndexKeys() async throws {
        try await PostgresServer.withDatabase { url in
            try await PostgresServer.withSession(url) { session in
                try await session.execute("BEGIN", "starting v19")
                let v19 = PostgresMigrations.all.prefix { $0.identifier != "v20-statement-index-keys" }
                try await PostgresMigrations.apply(Array(v19), stamp: "2026-12-05T00:00:00Z", session)
                try await session.executeScript(MigrationTests.v19IndexRows, "v19's rows")
                try await session.execute("COMMIT", "committing v19")
                #expect(try await PostgresMigrations.migrate(session, stamp: "2026-12-06T00:00:00Z") == ["v20-statement-index-keys", "v21-statement-index-pending"])
            }
            #expect(try await PostgresServer.rows(url, MigrationTests.indexRowsByKey) == MigrationTests.indexRowsAfterV20.map { [$0] })
            let keys = try await PostgresServer.rows(url, "SELECT (SELECT count(*) FROM xapi_agent_key), (SELECT count(*) FROM xapi_activity_key), (SELECT count(*) FROM xapi_registration_key)")
            #expect(keys == [["2", "2", "2"]])
        }
    }

    @Test("ecba database copy moves the demo's platform into PostgreSQL: same rows, ids go on from SQLite's, a second copy is refused")
    func copy() async throws {
        let demo = try DemoPlatform()
        defer { demo.remove() }
        try await PostgresServer.withDatabase { url in
            let result = try await CLI.runDetached(["database", "copy", "--database", demo.path, "--to", url, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try JSONDecoder().decode(DatabaseCopy.Report.self, from: Data(result.stdout.utf8))
            #expect(report.migrations == PostgresMigrations.all.map(\.identifier))

            let source = try DatabaseQueue(path: demo.path)
            let counts = try await source.read { db in
                try Dictionary(uniqueKeysWithValues: report.tables.map { ($0.table, try Int64.fetchOne(db, sql: "SELECT count(*) FROM \($0.table)") ?? -1) })
            }
            #expect(report.tables.count == counts.count && report.tables.allSatisfy { counts[$0.table] == $0.rows })
            #expect(report.tables.first { $0.table == "xapi_statement" }?.rows == 98)
            for table in report.tables {
                let copied = try await PostgresServer.rows(url, "SELECT count(*) AS n FROM \(table.table)")
                #expect(copied.first?.first == String(table.rows), "\(table.table)")
            }
            // Values as they were: credits (reals), statements with their rowids and Chinese text.
            let credits = "SELECT id, engineer_id, hours, category, awarded_at, revoked_at, record_version FROM credit_award ORDER BY id"
            let sqliteCredits = try await source.read { db in
                try Row.fetchAll(db, sql: credits).map { row in
                    row.databaseValues.map { value -> String? in
                        if value.isNull { return nil }
                        if let real = Double.fromDatabaseValue(value), case .double = value.storage { return String(real) }
                        return String.fromDatabaseValue(value) ?? Int64.fromDatabaseValue(value).map(String.init)
                    }
                }
            }
            let postgresCredits = try await PostgresServer.rows(url, credits)
            #expect(sqliteCredits.count == 12)
            #expect(postgresCredits.map { $0.map { $0.map { Double($0).map { String($0) } ?? $0 } } }
                == sqliteCredits.map { $0.map { $0.map { Double($0).map { String($0) } ?? $0 } } })
            let statements = "SELECT rowid, id, body FROM xapi_statement ORDER BY rowid"
            let sqliteStatements = try await source.read { db in
                try Row.fetchAll(db, sql: statements).map { [String($0[0] as Int64), $0[1] as String, $0[2] as String] }
            }
            let postgresStatements = try await PostgresServer.rows(url, statements).map { $0.compactMap { $0 } }
            #expect(postgresStatements == sqliteStatements)
            let titles = try await PostgresServer.rows(url, "SELECT value FROM submission_text WHERE value LIKE '%工程伦理%'")
            #expect(!titles.isEmpty)
            // SQLite's search index does not move: PostgreSQL's is built, a row per current publication.
            let searchable = try await PostgresServer.rows(url, """
                SELECT (SELECT count(*) FROM catalog_search), (SELECT count(*) FROM course WHERE current_publication_id IS NOT NULL),
                    (SELECT count(*) FROM catalog_search s JOIN course c ON c.current_publication_id = s.publication_id)
                """)
            #expect(searchable == [["11", "11", "11"]])

            // An id PostgreSQL hands out goes on from the highest SQLite ever did.
            let highest = try await source.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit'") ?? 0 }
            let next = try await PostgresServer.rows(
                url, "INSERT INTO audit (at, actor, action, subject, details) VALUES ('2027-01-01T00:00:00Z', 't', 't', 't', '{}') RETURNING id"
            )
            #expect(next.first?.first == String(highest + 1))

            // Into a database that holds rows: refused, nothing changed.
            let again = try await CLI.runDetached(["database", "copy", "--database", demo.path, "--to", url])
            #expect(again.status == 1)
            #expect(again.stderr.contains("is not empty") && again.stderr.contains("hold rows"), "\(again.stderr)")
            #expect(try await PostgresServer.rows(url, "SELECT count(*) FROM audit").first?.first == String((counts["audit"] ?? 0) + 1))
        }
    }

    @Test("a copy that fails part-way leaves the target as it was: no schema, no rows")
    func copyIsAllOrNothing() async throws {
        let demo = try DemoPlatform()
        defer { demo.remove() }
        // A text PostgreSQL cannot hold (a NUL character) in a table copied late.
        let source = try DatabaseQueue(path: demo.path)
        try await source.write { db in
            try db.execute(sql: """
                UPDATE activity_progress SET updated_at = CAST(? AS TEXT)
                WHERE (enrollment_id, activity_identifier) = (SELECT enrollment_id, activity_identifier FROM activity_progress LIMIT 1)
                """,
                           arguments: [Data("2026-11-15\u{0}T00:00:00Z".utf8)])
        }
        try await PostgresServer.withDatabase { url in
            let result = try await CLI.runDetached(["database", "copy", "--database", demo.path, "--to", url])
            #expect(result.status == 1)
            #expect(result.stderr.contains("activity_progress.updated_at holds a text that is not plain UTF-8"), "\(result.stderr)")
            let tables = try await PostgresServer.rows(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            #expect(tables.first?.first == "0")
        }
    }

    @Test("a database with tables of another application is refused untouched")
    func foreignTablesRefused() async throws {
        let sqlite = try TemporaryDatabase(.sqlite)
        try await PostgresServer.withDatabase { url in
            _ = try await PostgresServer.rows(url, "SELECT 1 AS one FROM (SELECT 1) x")
            try await PostgresServer.withSession(url) { session in try await session.execute("CREATE TABLE invoices (id bigint)", "create") }
            let result = try await CLI.runDetached(["database", "copy", "--database", sqlite.path, "--to", url])
            #expect(result.status == 1)
            #expect(result.stderr.contains("tables that ecba did not make (invoices)"), "\(result.stderr)")
            let tables = try await PostgresServer.rows(url, "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()")
            #expect(tables == [["invoices"]])
        }
    }
}

@Suite("PostgreSQL URLs and the copy's pieces")
struct PostgresLocationTests {
    @Test("libpq's URLs: user, password, host, port, database, sslmode, a socket folder; bad ones named")
    func urls() throws {
        let full = try PostgresLocation(url: "postgresql://ecba:s%40cret@db.internal:6543/platform?sslmode=require", environment: [:])
        #expect(full.user == "ecba" && full.password == "s@cret" && full.host == "db.internal" && full.port == 6543)
        #expect(full.database == "platform" && full.tls == .require)
        #expect(full.description == "postgresql://ecba@db.internal:6543/platform")
        let socket = try PostgresLocation(url: "postgres:///ecba?host=/var/run/postgresql", environment: ["USER": "ops", "PGPASSWORD": "p"])
        #expect(socket.socketFolder == "/var/run/postgresql" && socket.user == "ops" && socket.password == "p" && socket.port == 5432)
        #expect(socket.tls == .prefer && socket.database == "ecba")
        #expect(throws: ServiceError.self) { try PostgresLocation(url: "mysql://x/y", environment: [:]) }
        #expect(throws: ServiceError.self) { try PostgresLocation(url: "postgresql://h/db?sslmode=verify-full", environment: [:]) }
        #expect(throws: ServiceError.self) { try PostgresLocation(url: "postgresql://h:99999/db", environment: [:]) }
        do {
            _ = try PostgresLocation(url: "postgresql://u:hunter2@h/db?application_name=x", environment: [:])
            Issue.record("an unknown parameter was accepted")
        } catch {
            #expect(error.message.contains("application_name") && !error.message.contains("hunter2"))
        }
        #expect(PostgresLocation.redacted("postgresql://u:hunter2@h/db") == "postgresql://u:***@h/db")
    }

    @Test("COPY's text format escapes what it must, and the checksum ignores order but not values")
    func copyTextAndDigest() {
        var buffer = ByteBuffer()
        CopyText.append([.integer(-7), .real(0.1), .text("a\tb\\c\nd\r工"), .null, .blob([0x00, 0xff, 0x10])], to: &buffer)
        #expect(String(buffer: buffer) == "-7\t0.1\ta\\tb\\\\c\\nd\\r工\t\\N\t\\\\x00ff10\n")
        // Integers at their bounds, and text escaped at its ends, between runs, or not at all.
        var more = ByteBuffer()
        let texts = ["\\", "\n工程\t", "{\"a\":\"b\\\\c\"}", "", String(repeating: "学时", count: 500)]
        CopyText.append([.integer(0), .integer(Int64.min), .integer(Int64.max), .integer(10)] + texts.map(SQLValue.text), to: &more)
        let escaped = texts.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") }
        #expect(String(buffer: more) == (["0", String(Int64.min), String(Int64.max), "10"] + escaped).joined(separator: "\t") + "\n")
        var one = TableDigest()
        var two = TableDigest()
        let rows: [[SQLValue]] = [[.integer(1), .text("a")], [.integer(2), .text("b")], [.integer(3), .null]]
        rows.forEach { one.add($0) }
        rows.reversed().forEach { two.add($0) }
        #expect(one == two && one.rows == 3)
        var three = TableDigest()
        [[.integer(1), .text("a")], [.integer(2), .text("b")], [.integer(3), .text("")]].forEach { (row: [SQLValue]) in three.add(row) }
        #expect(three != one)
        var four = TableDigest()
        [[.integer(1), .text("a")], [.integer(2), .text("b")], [.real(3), .null]].forEach { (row: [SQLValue]) in four.add(row) }
        #expect(four != one)
    }
}

@Suite("PostgreSQL in CI")
struct PostgresInCITests {
    @Test("CI runs the PostgreSQL tests: a server is configured whenever CI is set")
    func configuredInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(PostgresServer.available, "CI must start PostgreSQL and set ECBA_TEST_POSTGRESQL (.ci/run does)")
            #expect(PostgresServer.replicaAvailable, "CI must start a replica and set ECBA_TEST_POSTGRESQL_REPLICA (.ci/run does)")
        }
    }
}

@Suite("The storage kernel: one SQL, two databases")
struct SQLKernelTests {
    @Test("placeholders are numbered for PostgreSQL outside quotes only")
    func placeholders() {
        #expect(SQLPlaceholders.numbered("SELECT '?', \"a?\", ?, 'it''s ?', ? FROM t WHERE x = ?")
            == "SELECT '?', \"a?\", $1, 'it''s ?', $2 FROM t WHERE x = $3")
        #expect(SQLPlaceholders.numbered("SELECT 1") == "SELECT 1")
    }

    /// The same calls on both connections, returning the same values.
    static func exercise(_ connection: any SQLConnection) throws -> [[SQLValue]] {
        let types = connection.dialect == .sqlite ? ("INTEGER", "REAL", "TEXT", "BLOB", ") STRICT") : ("bigint", "double precision", "text COLLATE \"C\"", "bytea", ")")
        try connection.execute("CREATE TABLE kernel_probe (i \(types.0) PRIMARY KEY, r \(types.1), t \(types.2), b \(types.3)\(types.4)", [])
        let rows: [[SQLValue]] = [
            [.integer(1), .real(0.1), .text("工程 ✓ 'quoted' ?"), .blob([0x00, 0xff, 0x7f])],
            [.integer(Int64.max), .real(-2.5e-300), .text(""), .null],
            [.integer(-3), .null, .null, .blob([])],
        ]
        for row in rows {
            #expect(try connection.execute("INSERT INTO kernel_probe (i, r, t, b) VALUES (?, ?, ?, ?)", row) == 1)
        }
        #expect(try connection.execute("UPDATE kernel_probe SET t = ? WHERE i < ?", [.text("x"), .integer(0)]) == 1)
        // A failed statement aborts a PostgreSQL transaction (SQLite's goes on): one that may
        // fail runs in a savepoint, on both.
        try connection.execute("SAVEPOINT probe", [])
        #expect(throws: (any Error).self) { try connection.execute("INSERT INTO kernel_probe (i) VALUES (?)", [.integer(1)]) }
        try connection.execute("ROLLBACK TO SAVEPOINT probe", [])
        try connection.execute("RELEASE SAVEPOINT probe", [])
        // Bulk rows (`appendRows`: multi-row INSERTs on SQLite, COPY on PostgreSQL) read back as
        // given, whatever their bytes; a key stored twice fails them as an INSERT would (on a
        // server, by the next call that waits).
        try connection.execute("CREATE TABLE kernel_append (i \(types.0) PRIMARY KEY, r \(types.1), t \(types.2)\(types.4)", [])
        let appended: [[SQLValue]] = [
            [.integer(1), .real(0.25), .text("tab\tline\nreturn\rback\\slash \\N 工程")], [.integer(2), .null, .text("")],
            [.integer(3), .real(-1e300), .null], [.integer(4), .real(1.0 / 3.0), .text("\\N")],
        ] + (5...200).map { [.integer(Int64($0)), .real(Double($0) / 7), .text("row \($0)")] }
        try connection.appendRows(into: "kernel_append", columns: ["i", "r", "t"], values: appended.flatMap { $0 })
        #expect(try connection.rows("SELECT i, r, t FROM kernel_append ORDER BY i", []).map(\.values) == appended)
        try connection.execute("SAVEPOINT append", [])
        #expect(throws: (any Error).self) {
            try connection.appendRows(into: "kernel_append", columns: ["i", "r", "t"], values: [.integer(300), .null, .null, .integer(7), .null, .null])
            try connection.settle()
        }
        try connection.execute("ROLLBACK TO SAVEPOINT append", [])
        try connection.execute("RELEASE SAVEPOINT append", [])
        #expect(try connection.firstRow("SELECT count(*) FROM kernel_append", [])?.values == [.integer(200)])
        let aggregate = try connection.firstRow("SELECT count(*), sum(i), max(t) FROM kernel_probe WHERE i < ?", [.integer(100)])
        // max() by bytes on both (PostgreSQL's column is COLLATE "C"): 工 (E5) after x.
        #expect(aggregate?.values == [.integer(2), .integer(-2), .text("工程 ✓ 'quoted' ?")])
        // A stream longer than PostgreSQL's fetch batch, read in place, in order, with its arguments bound.
        var streamed: [String] = []
        var sum = 0.0
        try connection.stream("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            SELECT i, 'x' || i, i * 0.5, NULL FROM n ORDER BY i
            """, [.integer(4_321)]) { row in
            streamed.append(row.string(1))
            sum += row.double(2)
            #expect(row.isNull(3) && !row.isNull(0) && row.withText(1) { $0.first } == UInt8(ascii: "x"))
        }
        #expect(streamed.count == 4_321 && streamed.first == "x1" && streamed.last == "x4321" && sum == 0.5 * 4_321 * 4_322 / 2)
        #expect(throws: (any Error).self) { try connection.stream("SELECT i FROM kernel_probe", []) { _ in throw CancellationError() } }
        return try connection.rows("SELECT i, r, t, b FROM kernel_probe ORDER BY i", []).map(\.values)
    }

    @Test("values, counts and errors alike on SQLite and PostgreSQL", .enabled(if: PostgresServer.available))
    func sameOnBoth() async throws {
        let sqlite = try TemporaryDatabase(.sqlite)
        let fromSQLite = try sqlite.database.transaction(at: Date()) { tx in try Self.exercise(tx.sql) }
        #expect(fromSQLite.count == 3 && fromSQLite[0][2] == .text("x") && fromSQLite[1][2] == .text("工程 ✓ 'quoted' ?") && fromSQLite[2][3] == .null)
        try await PostgresServer.withDatabase { url in
            let fromPostgres = try await PostgresServer.withSession(url) { session in
                try Self.onPostgres(session) { connection in
                    try connection.execute("BEGIN", [])
                    defer { _ = try? connection.execute("ROLLBACK", []) }
                    return try Self.exercise(connection)
                }
            }
            #expect(fromPostgres == fromSQLite)
        }
    }

    @Test("the audit log and the societies read the same on a copied platform in PostgreSQL; the log appends there", .enabled(if: PostgresServer.available))
    func auditOnBoth() async throws {
        let demo = try DemoPlatform()
        defer { demo.remove() }
        let database = try AppDatabase(path: demo.path)
        let since = try #require(Date(iso8601: "2026-11-15T08:00:00Z"))
        let queries: [(since: Date?, subject: String?, limit: Int?)] = [(nil, nil, nil), (nil, "cces", nil), (nil, "society:cces", nil), (since, nil, 7), (nil, "zhangsan", 3)]
        let fromSQLite = try queries.map { try database.audit(since: $0.since, subject: $0.subject, limit: $0.limit) }
        #expect(fromSQLite[1].count > 3 && fromSQLite[1] == fromSQLite[2] && fromSQLite[3].count == 7 && fromSQLite[4].count == 3)
        try await PostgresServer.withDatabase { url in
            let copy = try await CLI.runDetached(["database", "copy", "--database", demo.path, "--to", url])
            #expect(copy.status == 0, "\(copy.stderr)")
            // The same through the CLI with --database postgresql://: byte for byte.
            let commands = [["audit", "--json"], ["audit", "--subject", "cces"], ["audit", "--since", "2026-11-15", "--json"],
                            ["society", "list"], ["society", "list", "--json"], ["society", "show", "cces"], ["society", "show", "ces", "--json"]]
            for arguments in commands {
                let onSQLite = try await CLI.runDetached(arguments + ["--database", demo.path])
                let onPostgres = try await CLI.runDetached(arguments + ["--database", url])
                #expect(onSQLite.status == 0 && onPostgres.status == 0, "\(onPostgres.stderr)")
                #expect(onPostgres.stdout == onSQLite.stdout, "\(arguments)")
            }
            let (fromPostgres, appended) = try await PostgresServer.withSession(url) { session in
                try Self.onPostgres(session) { connection in
                    let read = try queries.map { try AuditLog.entries(since: $0.since, subject: $0.subject, limit: $0.limit, on: connection) }
                    try AuditLog.append(AuditRecord(actor: "ops", action: "database.copy", subject: "society:cces", details: ["to": "postgresql"]),
                                        at: "2027-01-02T03:04:05.000Z", on: connection)
                    return (read, try AuditLog.entries(since: nil, subject: "cces", limit: nil, on: connection).last)
                }
            }
            #expect(fromPostgres == fromSQLite)

            #expect(appended?.action == "database.copy" && appended?.details == ["to": "postgresql"] && appended?.id == (fromSQLite[0].last?.id ?? 0) + 1)
        }
    }

    @Test("reports, credit standings, transcripts and keys read the same on a copied platform in PostgreSQL", .enabled(if: PostgresServer.available))
    func reportsOnBoth() async throws {
        try await PostgresServer.withCopiedDemo { demo, url in
            let commands = [
                ["report", "society", "cces"], ["report", "society", "cces", "--detail"], ["report", "society", "cces", "--format", "json"],
                ["report", "society", "cces", "--detail", "--format", "json", "--period", "2026"], ["report", "society", "ces"],
                ["credits", "status", "zhangsan"], ["credits", "status", "lisi", "--json"], ["policy", "list"],
                ["transcript", "zhangsan"], ["transcript", "zhangsan", "--format", "csv", "--bom"], ["transcript", "lisi", "--period", "2026"],
                ["keys", "list", "--json", "--keys", demo.path + ".keys"], ["keys", "jwks", "--keys", demo.path + ".keys"],
            ]
            for arguments in commands {
                let onSQLite = try await CLI.runDetached(arguments + ["--database", demo.path])
                let onPostgres = try await CLI.runDetached(arguments + ["--database", url])
                #expect(onSQLite.status == onPostgres.status && onPostgres.stderr == onSQLite.stderr, "\(arguments): \(onPostgres.stderr)")
                // A JSON transcript says when it was made: the two runs may fall in different seconds.
                let made = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"generatedAt\" : ") } }
                #expect(made(onPostgres.stdout) == made(onSQLite.stdout) && !onPostgres.stdout.isEmpty, "\(arguments)")
            }
            // A signed transcript from PostgreSQL verifies; without a key folder it is refused, naming the option.
            let folder = URL(fileURLWithPath: demo.path).deletingLastPathComponent()
            let clr = folder.appendingPathComponent("from-postgres.jwt").path
            let issued = try await CLI.runDetached(["transcript", "zhangsan", "--format", "clr", "--keys", demo.path + ".keys", "--output", clr, "--database", url])
            #expect(issued.status == 0, "\(issued.stderr)")
            let verified = try await CLI.runDetached(["verify", clr, "--keys", demo.path + ".keys", "--database", url])
            #expect(verified.status == 0 && verified.stdout.contains("valid: transcript"), "\(verified.stdout)\(verified.stderr)")
            let unsigned = try await CLI.runDetached(["transcript", "zhangsan", "--format", "clr", "--database", url])
            #expect(unsigned.status == 1 && unsigned.stderr.contains("no folder of private signing keys was given (--keys)"), "\(unsigned.stderr)")
            // The society API's changes feed (no command prints it) reads the same records in the same order.
            let sqlite = try AppDatabase(path: demo.path)
            let postgres = AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z"))
            for (after, limit) in [(Int64(0), 100), (0, 3), (4, 2)] {
                let expected = try sqlite.transcriptChanges(societyID: "cces", after: after, limit: limit)
                let found = try postgres.transcriptChanges(societyID: "cces", after: after, limit: limit)
                #expect(found.map(\.seq) == expected.map(\.seq) && found.map(\.record) == expected.map(\.record) && !expected.isEmpty)
            }
        }
    }

    @Test("the committee, societies, tokens, enrollment, progress and credits write on PostgreSQL as on SQLite", .enabled(if: PostgresServer.available))
    func writesOnBoth() async throws {
        try await PostgresServer.withCopiedDemo { demo, url in
            let course = "bjast/bjast.technical-information-retrieval"
            // Statements as content sends them: the demo's again under new ids (stored, changing no
            // credit twice), two from people the platform does not know (kept, listed), a voiding.
            let folder = URL(fileURLWithPath: demo.path).deletingLastPathComponent()
            var lines = try String(contentsOf: folder.appendingPathComponent("statements.ndjson"), encoding: .utf8).split(separator: "\n").map(String.init)
            lines = lines.enumerated().map { index, line in
                line.replacing(/"id":"[0-9a-f-]{36}"/, with: "\"id\":\"00000000-0000-4000-8000-\(String(format: "%012d", index))\"", maxReplacements: 1)
            }
            lines.append(lines[0].replacing("00000000-0000-4000-8000-000000000000", with: "00000000-0000-4000-8000-999999999990")
                .replacing("zhangsan@example.cn", with: "stranger@example.org"))
            lines.append(lines[1].replacing("00000000-0000-4000-8000-000000000001", with: "00000000-0000-4000-8000-999999999991")
                .replacing("zhangsan@example.cn", with: "other@example.org"))
            lines.append(#"{"id":"00000000-0000-4000-8000-999999999992","actor":{"mbox":"mailto:zhangsan@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"00000000-0000-4000-8000-000000000003"}}"#)
            let statements = folder.appendingPathComponent("more.ndjson").path
            let cmi5Package = Paths.fixtures.appendingPathComponent("cmi5/catapult-course-examples/multi_au_framed.zip").path
            let cmi5Course = "ces/https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed"
            try (lines.joined(separator: "\n") + "\n").write(toFile: statements, atomically: true, encoding: .utf8)
            // The same story on both databases: what each command prints must agree (an
            // enrollment's registration is a new UUID each time, so its line is left out).
            let story: [[String]] = [
                ["society", "add", "xs", "--name", "X学会", "--kind", "national"], ["society", "apply", "xs"],
                ["society", "add", "xs", "--name", "again", "--kind", "national"],
                ["committee", "add-member", "m9", "--name", "委员九"], ["committee", "remove-member", "m9"],
                ["review", "vote", "11", "approve", "--member", "liu", "--comment", "好"],
                ["review", "vote", "11", "approve", "--member", "yang", "--comment", "好"],
                ["review", "vote", "11", "approve", "--member", "zhao", "--comment", "好"],
                ["review", "vote", "11", "approve", "--member", "chen", "--comment", "好"],
                ["engineer", "add", "wang", "--name", "王五", "--society", "cces", "--member-number", "C-99"],
                ["enroll", "wang", course], ["enroll", "wang", course],
                ["progress", "record", "wang", course, "--activity", "l1", "--completed", "--at", "2026-11-20T08:00:00Z"],
                ["progress", "record", "wang", course, "--activity", "l2", "--completed", "--at", "2026-11-20T09:00:00Z"],
                ["progress", "record", "wang", course, "--activity", "l3", "--completed", "--at", "2026-11-20T10:00:00Z"],
                ["society", "set-registry", "ces", "--url", "http://127.0.0.1:9/records", "--token-file", "/nonexistent/token"],
                ["progress", "import", statements], ["progress", "import", statements], ["progress", "unmatched", "--json"],
                // A cmi5 course: imported (its files into a content store of each database's own), approved, waived, swept.
                ["import", cmi5Package, "--society", "ces", "--credit-hours", "2", "--category", "professional", "--content", "CONTENT"],
            ] + ["wang", "li", "zhang", "liu", "chen", "yang"].map { ["review", "vote", "14", "approve", "--member", $0, "--comment", "好"] } + [
                ["enroll", "wang", cmi5Course],
                ["progress", "waive", "wang", cmi5Course, "--activity", cmi5Course.dropFirst(4) + "/quiz", "--reason", "Tested Out"],
                ["progress", "waive", "wang", cmi5Course, "--activity", cmi5Course.dropFirst(4) + "/quiz", "--reason", "Tested Out"],
                ["progress", "abandon", "--expired"], ["credits", "status", "wang", "--json"],
                ["credits", "status", "zhangsan"], ["catalog", "list"], ["catalog", "show", course], ["catalog", "search", "检索"], ["catalog", "search", "安全", "--json"], ["review", "list"], ["review", "show", "11"], ["committee", "list", "--all"],
                ["submission", "show", "12"], ["engineer", "show", "wang"], ["credits", "status", "wang", "--json"],
                ["report", "society", "cces", "--detail"], ["society", "show", "xs"], ["audit", "--subject", "submission:11"],
            ]
            let contentStore = { (database: String) in [folder.appendingPathComponent(database).path] }
            for arguments in story {
                let on = { (name: String) in arguments.flatMap { $0 == "CONTENT" ? contentStore(name) : [$0] } }
                let onSQLite = try await CLI.runDetached(on("sqlite.content") + ["--database", demo.path])
                let onPostgres = try await CLI.runDetached(on("postgresql.content") + ["--database", url])
                // Lines that name a registration or the time of a change made in this run differ,
                // and so do the ids (UUIDs) of new credit records and of the statements the platform writes.
                let stamped = /registration |\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/
                let kept = { (text: String) in
                    text.split(separator: "\n").filter { !$0.contains(stamped) }.map { $0.replacing(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, with: "UUID") }
                }
                #expect(onSQLite.status == onPostgres.status && kept(onPostgres.stderr) == kept(onSQLite.stderr), "\(arguments): \(onPostgres.stderr)")
                if arguments.first != "audit" && arguments.first != "engineer" {
                    #expect(kept(onPostgres.stdout) == kept(onSQLite.stdout), "\(arguments)")
                }
            }
            // The statements went in: the strangers' are listed, the demo's again changed no credit.
            let unmatched = try await CLI.runDetached(["progress", "unmatched", "--database", url])
            #expect(unmatched.stdout.contains("stranger@example.org") && unmatched.stdout.contains("2 of 2"), "\(unmatched.stdout)")
            let counted = try await PostgresServer.rows(url, "SELECT count(*), count(voided_by) FROM xapi_statement")
            #expect(counted == [[String(98 * 2 + 3 + 1), "1"]])
            // An activity provider's credential: issued, listed, used, revoked.
            let issued = try await CLI.runDetached(["lrs", "credentials", "issue", "ces", "--name", "authoring tool", "--scope", "statements/write", "--json", "--database", url])
            #expect(issued.status == 0, "\(issued.stderr)")
            let credential = try JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: Any]
            let key = try #require(credential?["key"] as? String, "\(issued.stdout)")
            let secret = try #require(credential?["secret"] as? String)
            let postgres = AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z"))
            #expect(try LRSCredentialService(database: postgres).authenticate(key: key, secret: secret).societyID == "ces")
            let revoked = try await CLI.runDetached(["lrs", "credentials", "revoke", key, "--database", url])
            #expect(revoked.status == 0, "\(revoked.stderr)")
            let listed = try await CLI.runDetached(["lrs", "credentials", "list", "--society", "ces", "--database", url])
            #expect(listed.stdout.contains(key) && listed.stdout.contains("authoring tool"), "\(listed.stdout)")
            #expect(throws: LRSError.self) { try LRSCredentialService(database: postgres).authenticate(key: key, secret: secret) }
            // The cmi5 course went in and its quiz was waived once (the second waiver refused on both).
            let waived = try await PostgresServer.rows(url, "SELECT count(*) FROM xapi_statement WHERE verb = 'https://w3id.org/xapi/adl/verbs/waived'")
            #expect(waived == [["1"]])
            // The settlement published the course once, and its search row went in with it.
            let published = try await PostgresServer.rows(url, "SELECT count(*) FROM publication WHERE submission_id = 11")
            let indexed = try await PostgresServer.rows(url, "SELECT count(*) FROM catalog_search s JOIN publication p ON p.id = s.publication_id WHERE p.submission_id = 11")
            #expect(published == [["1"]] && indexed == [["1"]])
            // A server database has no folder beside it for the content store: it must be named.
            let noContent = try await CLI.runDetached(["content", "verify", "--database", url])
            #expect(noContent.status == 1 && noContent.stderr.contains("pass --content DIR or set ECBA_CONTENT"), "\(noContent.stderr)")
        }
    }

    @Test("on PostgreSQL, concurrent votes settle a review once and concurrent results award the credit once", .enabled(if: PostgresServer.available))
    func settlementAndAwardOnceUnderConcurrency() async throws {
        try await PostgresServer.withCopiedDemo { demo, url in
            // The four outstanding members vote at once: each sees the others' votes or is run again.
            let votes = try await withThrowingTaskGroup(of: CLI.Result.self) { group in
                for member in ["liu", "yang", "zhao", "chen"] {
                    group.addTask { try await CLI.runDetached(["review", "vote", "11", "approve", "--member", member, "--comment", "ok", "--database", url]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(votes.allSatisfy { $0.status == 0 }, "\(votes.map(\.stderr))")
            #expect(votes.filter { $0.stdout.contains("published version 1") }.count == 1, "\(votes.map(\.stdout))")
            let course = "bjast/bjast.technical-information-retrieval"
            for arguments in [["engineer", "add", "wang", "--name", "王五"], ["enroll", "wang", course]] {
                let done = try await CLI.runDetached(arguments + ["--database", url])
                #expect(done.status == 0, "\(done.stderr)")
            }
            // Every activity's result at once, each twice: the last one completes the course, once.
            let results = try await withThrowingTaskGroup(of: CLI.Result.self) { group in
                for activity in ["l1", "l2", "l3", "l1", "l2", "l3"] {
                    group.addTask { try await CLI.runDetached(["progress", "record", "wang", course, "--activity", activity, "--completed", "--database", url]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
            let rows = try await PostgresServer.rows(url, """
                SELECT (SELECT count(*) FROM publication WHERE submission_id = 11), (SELECT count(*) FROM review WHERE submission_id = 11 AND decided_at IS NOT NULL),
                    (SELECT count(*) FROM credit_award WHERE engineer_id = 'wang'), (SELECT count(*) FROM progress_event e JOIN enrollment n ON n.id = e.enrollment_id WHERE n.engineer_id = 'wang'),
                    (SELECT count(*) FROM audit WHERE action = 'review.decide' AND subject = 'submission:11')
                """)
            #expect(rows == [["1", "1", "1", "6", "1"]])
        }
    }

    /// Adds an engineer (`engineer add` arguments), enrolls them in `course`, and answers the
    /// course's launchable lessons in order.
    static func enrolledLessons(_ url: String, engineer: [String], course: String) async throws -> [String] {
        for arguments in [["engineer", "add"] + engineer, ["enroll", engineer[0], course]] {
            let done = try await CLI.runDetached(arguments + ["--database", url])
            #expect(done.status == 0, "\(done.stderr)")
        }
        return try await PostgresServer.rows(url, """
            SELECT a.identifier FROM activity a JOIN publication p ON p.submission_id = a.submission_id JOIN course c ON c.current_publication_id = p.id
            WHERE c.id = '\(course)' AND a.launch_url IS NOT NULL ORDER BY a.position
            """).compactMap { $0.first ?? nil }
    }

    /// A statement about a visitor the platform does not know (stored, unmatched).
    static func visitorStatement(id: String, visit: Int) -> String {
        #"{"id":"\#(id)","actor":{"mbox":"mailto:visitor\#(visit % 40)@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://example.org/activities/\#(visit)"}}"#
    }

    /// The statements as a file beside the demo platform's database; its path.
    static func statementFile(_ lines: [String], named name: String, beside demo: DemoPlatform) throws -> String {
        let file = URL(fileURLWithPath: demo.path).deletingLastPathComponent().appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// `ecba progress import FILE --json` of each file, all at once.
    static func importAtOnce(_ files: [String], url: String) async throws -> [CLI.Result] {
        try await withThrowingTaskGroup(of: CLI.Result.self) { group in
            for file in files { group.addTask { try await CLI.runDetached(["progress", "import", file, "--json", "--database", url]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("four imports of the same statements at once on PostgreSQL: each id stored once, each result recorded once, the credit awarded once",
          .enabled(if: PostgresServer.available))
    func concurrentIngest() async throws {
        try await PostgresServer.withCopiedDemo { demo, url in
            let course = "bjast/bjast.work-safety-law"
            let lessons = try await Self.enrolledLessons(url, engineer: ["wang", "--name", "王五", "--email", "Wang@Example.cn"], course: course)
            #expect(!lessons.isEmpty)
            // Each lesson experienced and completed by wang (mbox in another case, no
            // registration, platform IRIs), and statements about people the platform does not know,
            // in chunks of several hundred so that the four runs' chunks overlap.
            var lines: [String] = []
            for (index, lesson) in lessons.enumerated() {
                let object = ActivityIRI.make(courseID: course, activity: lesson)
                for (offset, verb) in ["experienced", "completed"].enumerated() {
                    let id = String(format: "00000000-0000-4000-8000-%012d", index * 2 + offset)
                    let result = verb == "completed" ? #","result":{"completion":true}"# : ""
                    lines.append(#"{"id":"\#(id)","actor":{"mbox":"mailto:wang@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)"},"object":{"id":"\#(object)"}\#(result)}"#)
                }
            }
            for index in 0..<600 {
                lines.append(Self.visitorStatement(id: String(format: "00000000-0000-4000-9000-%012d", index), visit: index))
            }
            lines.shuffle()
            let file = try Self.statementFile(lines, named: "concurrent.ndjson", beside: demo)
            let runs = try await Self.importAtOnce(Array(repeating: file, count: 4), url: url)
            #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
            let results = try runs.map { try #require(JSONSerialization.jsonObject(with: Data($0.stdout.utf8)) as? [String: Any], "\($0.stdout)") }
            let stored = results.map { $0["stored"] as? Int ?? -1 }, unchanged = results.map { $0["unchanged"] as? Int ?? -1 }
            // Every statement was stored by exactly one of the runs; the others found it stored.
            #expect(stored.reduce(0, +) == lines.count, "\(stored)")
            #expect(zip(stored, unchanged).allSatisfy { $0 + $1 == lines.count }, "\(stored) \(unchanged) \(runs.map { $0.stdout.prefix(600) })")
            #expect(results.map { ($0["awards"] as? [Any])?.count ?? -1 }.reduce(0, +) == 1)
            let rows = try await PostgresServer.rows(url, """
                SELECT (SELECT count(*) FROM xapi_statement WHERE id LIKE '00000000-0000-4000-_000-%'),
                    (SELECT count(*) FROM progress_event e JOIN enrollment n ON n.id = e.enrollment_id WHERE n.engineer_id = 'wang'),
                    (SELECT count(*) FROM activity_progress p JOIN enrollment n ON n.id = p.enrollment_id WHERE n.engineer_id = 'wang' AND p.completed = 1),
                    (SELECT count(*) FROM credit_award WHERE engineer_id = 'wang'),
                    (SELECT count(*) FROM xapi_statement_agent a JOIN xapi_statement s ON s.rowid = a.statement_rowid WHERE s.id LIKE '00000000-0000-4000-9000-%' AND a.direct = 1),
                    (SELECT count(*) FROM xapi_agent_key WHERE key LIKE 'mbox:mailto:visitor%@example.org'),
                    (SELECT count(*) FROM xapi_activity_key WHERE key LIKE 'https://example.org/activities/%')
                """)
            // The keys the four runs met at once, each stored once.
            #expect(rows == [["\(lines.count)", "\(lessons.count)", "\(lessons.count)", "1", "600", "40", "600"]])
        }
    }

    @Test("imports at once that each complete another lesson of one enrollment: the course completes and is credited once",
          .enabled(if: PostgresServer.available))
    func concurrentLessons() async throws {
        try await PostgresServer.withCopiedDemo { demo, url in
            let course = "bjast/bjast.work-safety-law"
            let lessons = try await Self.enrolledLessons(url, engineer: ["li", "--name", "李四", "--email", "li@example.cn"], course: course)
            #expect(lessons.count >= 2)
            // One file per lesson: a few hundred statements about visitors (a longer transaction),
            // then li's completion of that lesson. Each import alone sees the other lessons not
            // done; only imports that run one after the other on each other's results complete
            // the course (`ProgressStore.claim`).
            var files: [String] = []
            for (index, lesson) in lessons.enumerated() {
                var lines: [String] = []
                for visit in 0..<300 {
                    lines.append(Self.visitorStatement(id: String(format: "00000000-0000-4000-9%03d-%012d", index, visit), visit: visit))
                }
                let object = ActivityIRI.make(courseID: course, activity: lesson)
                let id = String(format: "00000000-0000-4000-8000-%012d", index)
                lines.append(#"{"id":"\#(id)","actor":{"mbox":"mailto:li@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"\#(object)"},"result":{"completion":true}}"#)
                files.append(try Self.statementFile(lines, named: "lesson-\(index).ndjson", beside: demo))
            }
            let runs = try await Self.importAtOnce(files, url: url)
            #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
            let rows = try await PostgresServer.rows(url, """
                SELECT (SELECT count(*) FROM activity_progress p JOIN enrollment n ON n.id = p.enrollment_id WHERE n.engineer_id = 'li' AND p.completed = 1),
                    (SELECT status FROM enrollment WHERE engineer_id = 'li'),
                    (SELECT count(*) FROM credit_award WHERE engineer_id = 'li'),
                    (SELECT count(*) FROM xapi_statement WHERE id LIKE '00000000-0000-4000-%')
                """)
            #expect(rows == [["\(lessons.count)", "completed", "1", "\(lessons.count * 301)"]])
        }
    }

    @Test("two servers' LRS writers POSTing the same statements at once: each request answered, each id stored once", .enabled(if: PostgresServer.available))
    func concurrentLRSWriters() async throws {
        try await PostgresServer.withDatabase { url in
            let servers = [
                AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z")),
                AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z")),
            ]
            let writers = servers.map { StatementWriter(database: $0) }
            // Twenty requests of 100 statements each, every one sent to both servers at the same time
            // (a client that retried against the other instance behind a load balancer). The two
            // transactions meet: PostgreSQL gives one of them up, and its writer runs it again.
            for request in 0..<20 {
                let lines = (0..<100).map { index in
                    let id = UUID().uuidString.lowercased()
                    return #"{"id":"\#(id)","actor":{"mbox":"mailto:learner\#(index % 7)@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://example.org/activities/\#(request)"}}"#
                }
                let sent = StatementWriter.Request(batch: try StatementService.parse(Data(lines.joined(separator: "\n").utf8)), attachments: [],
                                                   authority: .platform, societyID: nil, actor: "lrs")
                let answers = await withTaskGroup(of: Result<StatementImport, LRSError>.self) { group in
                    for writer in writers {
                        group.addTask {
                            do throws(LRSError) { return .success(try await writer.store(sent)) } catch { return .failure(error) }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                let imports = answers.compactMap { try? $0.get() }
                #expect(imports.count == 2, "request \(request): \(answers)")
                #expect(imports.map(\.stored).reduce(0, +) == 100 && imports.allSatisfy { $0.stored + $0.unchanged == 100 }, "request \(request)")
            }
            #expect(try await PostgresServer.rows(url, "SELECT count(*), count(DISTINCT id) FROM xapi_statement") == [["2000", "2000"]])
        }
    }

    @Test("index rows still waiting in an SQLite file copied to PostgreSQL are moved in by its first query, which finds every statement",
          .enabled(if: PostgresServer.available))
    func copiedPendingIndexRows() async throws {
        let source = try TemporaryDatabase(.sqlite)
        let ids = (0..<5).map { _ in UUID().uuidString.lowercased() }
        let lines = ids.map { id in
            #"{"id":"\#(id)","actor":{"mbox":"mailto:ada@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://example.org/a"}}"#
        }
        _ = try await StatementWriter(database: source.database).store(StatementWriter.Request(
            batch: try StatementService.parse(Data(lines.joined(separator: "\n").utf8)), attachments: [], authority: .platform, societyID: nil, actor: "lrs"))
        #expect(try source.database.count("SELECT count(*) FROM xapi_statement_index_pending") == 1)
        try await PostgresServer.withDatabase { url in
            let copy = try await CLI.runDetached(["database", "copy", "--database", source.path, "--to", url])
            #expect(copy.status == 0, "\(copy.stderr)")
            #expect(try await PostgresServer.rows(url, "SELECT count(*) FROM xapi_statement_index_pending") == [["1"]])
            let postgres = AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z"))
            let query = try StatementQuery(["agent": #"{"mbox":"mailto:ada@example.org"}"#, "activity": "https://example.org/a", "format": "ids", "ascending": "true"])
            let page = try LRSStatements(database: postgres).query(query, reader: .platform, version: "1.0.3", languages: [])
            let found = page.statements.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String }
            #expect(found == ids)
            #expect(try await PostgresServer.rows(url, """
                SELECT (SELECT count(*) FROM xapi_statement_index_pending), (SELECT count(*) FROM xapi_statement_agent), (SELECT count(*) FROM xapi_statement_activity)
                """) == [["0", "10", "5"]])
        }
    }

    @Test("two sync workers on one PostgreSQL deliver every record once, claiming disjoint batches", .enabled(if: PostgresServer.available))
    func twoSyncWorkers() async throws {
        let registry = try FakeRegistry(timeoutDelay: 2)
        defer { registry.stop() }
        try await PostgresServer.withCopiedDemo { demo, url in
            let tokenFile = URL(fileURLWithPath: demo.path).deletingLastPathComponent().appendingPathComponent("registry.token").path
            try "\(registry.token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let course = "bjast/bjast.work-safety-law"
            let lessons = try await PostgresServer.rows(url, """
                SELECT a.identifier FROM activity a JOIN publication p ON p.submission_id = a.submission_id JOIN course c ON c.current_publication_id = p.id
                WHERE c.id = '\(course)' AND a.launch_url IS NOT NULL ORDER BY a.position
                """).compactMap { $0.first ?? nil }
            #expect(!lessons.isEmpty)
            // Eight ces members complete the course, four at a time.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 1...8 {
                    group.addTask {
                        let id = String(format: "w%02d", index)
                        var steps = [["engineer", "add", id, "--name", "工程师\(index)", "--society", "ces", "--member-number", "E-\(index)"], ["enroll", id, course]]
                        steps += lessons.map { ["progress", "record", id, course, "--activity", $0, "--completed"] }
                        for step in steps {
                            let done = try await CLI.runDetached(step + ["--database", url])
                            #expect(done.status == 0, "\(step): \(done.stderr)")
                        }
                    }
                    if index % 4 == 0 { try await group.waitForAll() }
                }
            }
            let set = try await CLI.runDetached(["society", "set-registry", "ces", "--url", registry.url, "--token-file", tokenFile, "--database", url])
            #expect(set.status == 0, "\(set.stderr)")
            // Their records and the standing ones of the demo's ces members.
            let queued = try await PostgresServer.rows(url, "SELECT count(*) FROM sync_outbox WHERE society_id = 'ces' AND status = 'pending'")
            let count = Int(queued.first?.first.flatMap { $0 } ?? "") ?? 0
            #expect(count > 8)
            registry.configure(script: Array(repeating: .slow, count: 4))
            async let first = CLI.runDetached(["sync", "run", "--until-done", "--batch-size", "2", "--backoff", "0.05", "--database", url])
            async let second = CLI.runDetached(["sync", "run", "--until-done", "--batch-size", "2", "--backoff", "0.05", "--database", url])
            let (one, two) = try await (first, second)
            #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
            let received = registry.snapshot.received
            #expect(received.count == count && received.values.allSatisfy { $0 == 1 }, "\(received)")
            let delivered = try await PostgresServer.rows(url, "SELECT status, count(*) FROM sync_outbox WHERE society_id = 'ces' GROUP BY status")
            #expect(delivered == [["delivered", "\(count)"]])
            // Both workers sent some: the claims were disjoint, not one worker waiting out the other.
            let runs = try await PostgresServer.rows(url, "SELECT count(DISTINCT run_id) FROM sync_attempt WHERE society_id = 'ces'")
            #expect(runs == [["2"]], "\(one.stdout)\(two.stdout)")
        }
    }

    @Test("catalog search on PostgreSQL: the same results, tiers and ranking lengths as SQLite's FTS5, for every kind of query", .enabled(if: PostgresServer.available))
    func searchOnBoth() async throws {
        let setting = try CatalogSearchTests(on: .sqlite)
        let world = setting.world
        let fr = { (value: String) in LocalizedText(language: "fr", value: value) }
        try world.publish(samplePackage(
            "elec", titles: [fr("Électricité et Sécurité des Réseaux"), LocalizedText(language: "en", value: "GRID_SAFETY 100% (Ω-rated)")],
            descriptions: [fr("Ωmega: défauts, protections; 安全 d'abord")], keywords: [fr("RÉSEAU")], hours: 3, category: .professional
        ))
        let sqlite = world.store.database
        let queries = ["工程伦理", "职业责任", "生产管理", "安全", "伦理", "法", "桥梁", "全生", "ETHIC", "fundamental", "AI", "BIM", "BIM 技术",
                       "ethics 诚信", "ethics 施工", "安全 管理", "职业道德", "safety", "électricité", "ÉLECTRICITÉ", "elec", "é", "e", "Ré",
                       "réseau", "RESEAU", "ω", "Ωmega", "100%", "grid_safety", "_s", "%", "d'abord", "\"ethics\" OR *", "NEAR(a b)", "安全 d'", "p"]
        let filters = [CatalogFilter(), CatalogFilter(societyID: "ces"), CatalogFilter(category: .public), CatalogFilter(minHours: 5),
                       CatalogFilter(format: .cmi5), CatalogFilter(language: "fr"), CatalogFilter(limit: 1), CatalogFilter(limit: 2)]
        try await PostgresServer.withDatabase { url in
            let location = try PostgresLocation(url: url)
            _ = try await DatabaseCopy.copy(from: sqlite, to: location, stamp: "2026-12-06T00:00:00.000Z")
            let postgres = AppDatabase(server: try await PostgresDatabase.open(location, stamp: "2026-12-06T00:00:00.000Z"))
            var found = 0
            for query in queries {
                for filter in filters {
                    let expected = try sqlite.searchCatalog(query, filter: filter)
                    found += expected?.count ?? 0
                    #expect(try postgres.searchCatalog(query, filter: filter) == expected, "\(query) \(filter)")
                }
            }
            #expect(found > 100)
            // Publishing and retiring keep PostgreSQL's search rows as they keep SQLite's index.
            let catalog = CatalogService(database: postgres, clock: world.clock.now)
            _ = try catalog.retire("cces/elec", reason: "superseded", actor: "t")
            #expect(try postgres.searchCatalog("réseau")?.isEmpty == true)
        }
    }

    @Test("--read-database: reports, the catalog and transcripts read from a streaming replica, every change goes to the primary",
          .enabled(if: PostgresServer.replicaAvailable, "needs ECBA_TEST_POSTGRESQL_REPLICA (.ci/run starts a replica)"))
    func readReplica() async throws {
        try await PostgresServer.withCopiedDemo { demo, url in
            let replica = try PostgresServer.onReplica(url)
            try await PostgresServer.awaitReplica(url, replica)
            let both = ["--database", url, "--read-database", replica]
            for arguments in [["report", "society", "cces", "--detail"], ["catalog", "list"], ["catalog", "search", "安全"], ["transcript", "zhangsan", "--format", "csv"],
                              ["catalog", "show", "cces/cces.engineering-ethics"]] {
                let onPrimary = try await CLI.runDetached(arguments + ["--database", url])
                let throughReplica = try await CLI.runDetached(arguments + both)
                #expect(throughReplica.status == 0 && throughReplica.stdout == onPrimary.stdout && !onPrimary.stdout.isEmpty, "\(arguments): \(throughReplica.stderr)")
            }
            // With the replica held back, a change reaches the primary and the lagging reads do not see it yet.
            _ = try await PostgresServer.rows(replica, "SELECT pg_wal_replay_pause()::text")
            do {
                let retired = try await CLI.runDetached(["catalog", "retire", "cces/cces.engineering-ethics", "--reason", "superseded"] + both)
                #expect(retired.status == 0, "\(retired.stderr)")
                let lagging = try await CLI.runDetached(["catalog", "list"] + both)
                let current = try await CLI.runDetached(["catalog", "list", "--database", url])
                #expect(lagging.stdout.contains("cces/cces.engineering-ethics") && !current.stdout.contains("cces/cces.engineering-ethics"))
                // What must not lag reads the primary even so.
                let show = try await CLI.runDetached(["review", "list"] + both)
                #expect(show.status == 0)
            }
            _ = try await PostgresServer.rows(replica, "SELECT pg_wal_replay_resume()::text")
            try await PostgresServer.awaitReplica(url, replica)
            let caughtUp = try await CLI.runDetached(["catalog", "list"] + both)
            #expect(caughtUp.status == 0 && !caughtUp.stdout.contains("cces/cces.engineering-ethics"))
            // A replica belongs to a server database; the primary's own URL is no replica of an SQLite file.
            let sqlite = try await CLI.runDetached(["catalog", "list", "--database", demo.path, "--read-database", replica])
            #expect(sqlite.status == 1 && sqlite.stderr.contains("an SQLite file has none"), "\(sqlite.stderr)")
        }
    }

    @Test("a pool of connections: as many transactions at once as connections, each on its own; a further one waits its turn", .enabled(if: PostgresServer.available))
    func pool() async throws {
        try await PostgresServer.withDatabase { url in
            let database = try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z", connections: 3)
            defer { database.close() }
            // Three transactions that each wait, inside, until all three are inside: only three connections make that possible.
            let inside = DispatchGroup()
            for _ in 0..<3 { inside.enter() }
            let pids = Mutex<[Int64]>([])
            let done = DispatchGroup()
            for _ in 0..<3 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    _ = try? database.read { sql in
                        let pid = try sql.firstRow("SELECT pg_backend_pid()")?.int64(0) ?? 0
                        pids.withLock { $0.append(pid) }
                        inside.leave()
                        _ = inside.wait(timeout: .now() + 20)
                    }
                }.start()
            }
            #expect(done.wait(timeout: .now() + 30) == .success)
            #expect(Set(pids.withLock { $0 }).count == 3)
            // A fourth transaction while three are lent waits, then runs on a connection given back.
            let writes = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<4 {
                    group.addTask { try database.write { sql in try sql.firstRow("SELECT pg_backend_pid()")?.int64(0) ?? 0 } }
                }
                return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
            }
            #expect(writes.isSubset(of: Set(pids.withLock { $0 })))
        }
    }

    @Test("statements sent without waiting: a failure undoes the transaction, or only its savepoint, and is named as the cause", .enabled(if: PostgresServer.available))
    func unreadFailures() async throws {
        let sqlite = try TemporaryDatabase(.sqlite)
        try await PostgresServer.withDatabase { url in
            let postgres = AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z"))
            for database in [sqlite.database, postgres] {
                _ = try database.transaction(at: Date()) { tx in try tx.sql.execute("CREATE TABLE t (a bigint PRIMARY KEY)", []) }
                let values = { try database.reading("t") { sql in try sql.rows("SELECT a FROM t ORDER BY a").compactMap { $0.int64(0) } } }
                // The duplicate is found at the commit at the latest: nothing of the transaction stays.
                #expect(throws: (any Error).self) {
                    try database.transaction(at: Date()) { tx in
                        try tx.sql.executeUnread("INSERT INTO t (a) VALUES (1)", [])
                        try tx.sql.executeUnread("INSERT INTO t (a) VALUES (1)", [])
                    }
                }
                #expect(try values().isEmpty)
                // A later call that waits reports the earlier failure, not the aborted transaction it met.
                do {
                    try database.transaction(at: Date()) { tx in
                        try tx.sql.executeUnread("INSERT INTO t (a) VALUES (2)", [])
                        try tx.sql.executeUnread("INSERT INTO t (a) VALUES (2)", [])
                        _ = try tx.sql.rows("SELECT a FROM t")
                    }
                    Issue.record("the duplicate was not reported")
                } catch {
                    #expect("\(error)".contains("duplicate key") || "\(error)".contains("UNIQUE constraint failed"), "\(error)")
                }
                // In a savepoint, only the savepoint's part is undone.
                try database.transaction(at: Date()) { tx in
                    try tx.sql.executeUnread("INSERT INTO t (a) VALUES (10)", [])
                    _ = try? tx.savepoint { try tx.sql.executeUnread("INSERT INTO t (a) VALUES (10)", []) }
                    try tx.sql.executeUnread("INSERT INTO t (a) VALUES (11)", [])
                }
                #expect(try values() == [10, 11])
            }
        }
    }

    @Test("xAPI documents on PostgreSQL as on SQLite: ETags, If-Match, JSON merge, ids, a society's own, delete", .enabled(if: PostgresServer.available))
    func documentsOnBoth() async throws {
        let sqlite = try TemporaryDatabase(.sqlite)
        try await PostgresServer.withDatabase { url in
            let postgres = AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: "2026-12-06T00:00:00.000Z"))
            let clock = { @Sendable in Date(timeIntervalSince1970: 1_780_000_000) }
            var logs: [[String]] = []
            for database in [sqlite.database, postgres] {
                _ = try SocietyService(database: database).add(id: "cces", name: "cces", kind: .national)
                let documents = LRSDocuments(database: database, clock: clock)
                let key = DocumentKey(kind: .state, activity: "https://example.org/a", agent: "mbox:mailto:a@example.org", documentID: "s1")
                let none = DocumentPrecondition(ifMatch: nil, ifNoneMatch: nil)
                var log: [String] = []
                func attempt(_ body: () throws -> String) {
                    do { log.append(try body()) } catch let error as LRSError { log.append("refused: \(error.code.rawValue)") } catch { log.append("\(error)") }
                }
                attempt { try documents.put(key, content: Data(#"{"a":1}"#.utf8), contentType: "application/json", merge: false, precondition: none, societyID: "cces") }
                attempt { try documents.put(key, content: Data(#"{"b":2}"#.utf8), contentType: "application/json", merge: true, precondition: none, societyID: "cces") }
                attempt { String(decoding: try documents.get(key, societyID: "cces")?.content ?? Data(), as: UTF8.self) }
                attempt { try documents.put(key, content: Data("x".utf8), contentType: "text/plain", merge: false,
                                            precondition: DocumentPrecondition(ifMatch: "\"nope\"", ifNoneMatch: nil), societyID: "cces") }
                attempt { try documents.put(DocumentKey(kind: .state, activity: key.activity, agent: key.agent, documentID: "s2"), content: Data([0, 255, 7]),
                                            contentType: "application/octet-stream", merge: false, precondition: none, societyID: nil) }
                attempt { try documents.ids(DocumentKey(kind: .state, activity: key.activity, agent: key.agent), since: nil, societyID: nil).joined(separator: ",") }
                attempt { try documents.ids(DocumentKey(kind: .state, activity: key.activity, agent: key.agent), since: clock().addingTimeInterval(-1), societyID: "cces").joined(separator: ",") }
                attempt { try documents.get(DocumentKey(kind: .state, activity: key.activity, agent: key.agent, documentID: "s2"), societyID: nil)?.content.map(String.init).joined(separator: " ") ?? "none" }
                attempt { try documents.get(key, societyID: "ces") == nil ? "hidden" : "seen" }
                attempt { try documents.delete(DocumentKey(kind: .state, activity: key.activity, agent: key.agent), precondition: none, societyID: nil); return "deleted" }
                attempt { try documents.ids(DocumentKey(kind: .state, activity: key.activity, agent: key.agent), since: nil, societyID: nil).joined(separator: ",") }
                logs.append(log)
            }
            #expect(logs[0] == logs[1] && logs[0].count == 11, "\(logs)")
            #expect(logs[0][2] == #"{"a":1,"b":2}"# && logs[0][3] == "refused: precondition-failed" && logs[0][7] == "0 255 7", "\(logs[0])")
        }
    }

    /// Runs synchronous kernel code, which waits for PostgreSQL's answers on the calling thread (the event loop answers them).
    static func onPostgres<T>(_ session: PostgresSession, _ body: (PostgresSQLConnection) throws -> T) throws -> T {
        try body(PostgresSQLConnection(session))
    }
}
