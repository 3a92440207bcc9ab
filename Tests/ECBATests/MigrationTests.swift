import Domain
@testable import Enrollment
import Foundation
import GRDB
@testable import Storage
import Testing

@Suite("Migrations over existing data")
struct MigrationTests {
    /// A society, an approved and published course version and an engineer, in the v5 schema.
    static let publishedCourse = """
        INSERT INTO society (id, name, kind, status, created_at, updated_at) VALUES ('cces', 'CCES', 'national', 'authorized', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
        INSERT INTO course (id, society_id, identifier, created_at) VALUES ('cces/a', 'cces', 'a', '2026-01-01T00:00:00.000Z');
        INSERT INTO submission (id, course_id, version, status, content_hash, format, format_version, display_title, credit_hours, category,
            languages, manifest_path, has_sidecar, source, submitted_at)
            VALUES (1, 'cces/a', 1, 'approved', 'h', 'scorm12', '1.2', 'A', 8, 'professional', 'zh', 'imsmanifest.xml', 0, 's', '2026-01-01T00:00:00.000Z');
        INSERT INTO publication (id, course_id, version, submission_id, published_at) VALUES (7, 'cces/a', 1, 1, '2026-01-01T00:00:00.000Z');
        INSERT INTO engineer (id, name, created_at) VALUES ('zhang', '张三', '2026-01-01T00:00:00.000Z');
        """

    /// A database migrated up to `version` and given `sql`, then opened as the platform opens it
    /// (migrated to the latest version) for `body`; in a temporary folder removed afterwards.
    static func migrated<T>(from version: String, with sql: String, _ body: (AppDatabase) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let old = try AppDatabase(path: path, migratingUpTo: version)
        try old.writer.write { db in try db.execute(sql: sql) }
        return try body(try AppDatabase(path: path))
    }

    @Test("v6 turns existing awards into transcript records: version, credential id, result, publication")
    func transcriptRecords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let old = try AppDatabase(path: path, migratingUpTo: "v5-credit-policies")
        try old.writer.write { db in
            try db.execute(sql: """
                \(Self.publishedCourse)
                INSERT INTO enrollment (id, engineer_id, course_id, publication_id, registration, status, enrolled_at)
                    VALUES (1, 'zhang', 'cces/a', 7, 'r1', 'completed', '2026-01-02T00:00:00.000Z'),
                           (2, 'zhang', 'cces/a', 7, 'r2', 'active', '2026-01-03T00:00:00.000Z');
                INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, updated_at)
                    VALUES (1, 'l1', 1, 1, 0.8, '2026-01-05T00:00:00.000Z'), (1, 'l2', 1, NULL, 0.6, '2026-01-05T00:00:00.000Z');
                INSERT INTO credit_award (id, engineer_id, course_id, enrollment_id, hours, category, awarded_at, revoked_at, revoked_reason)
                    VALUES (1, 'zhang', 'cces/a', 1, 8, 'professional', '2026-01-05T00:00:00.000Z', NULL, NULL),
                           (2, 'zhang', 'cces/a', 2, 8, 'professional', '2025-01-05T00:00:00.000Z', '2025-02-01T00:00:00.000Z', 'voided');
                """)
        }
        let migrated = try AppDatabase(path: path)
        let awards = try migrated.awards(of: "zhang")
        let standing = try #require(awards.first { $0.id == 1 })
        let revoked = try #require(awards.first { $0.id == 2 })
        #expect(standing.recordVersion == 1 && revoked.recordVersion == 2)
        #expect(standing.result.passed && abs((standing.result.score ?? 0) - 0.7) < 1e-9)
        #expect(!revoked.result.passed && revoked.result.score == nil)
        let ids = [standing.credentialID, revoked.credentialID].compactMap { $0 }
        #expect(ids.count == 2 && Set(ids).count == 2 && ids.allSatisfy { $0.hasPrefix("urn:uuid:") && $0.count == 45 })
        let publications = try migrated.writer.read { db in try Int64.fetchAll(db, sql: "SELECT publication_id FROM credit_award ORDER BY id") }
        #expect(publications == [7, 7])
    }

    @Test("v12 keeps every activity and gives it no launch data or time limit action; the delivery tables start empty")
    func delivery() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let old = try AppDatabase(path: path, migratingUpTo: "v11-submission-files")
        try old.writer.write { db in
            try db.execute(sql: """
                \(Self.publishedCourse)
                INSERT INTO activity (submission_id, position, parent_position, identifier, title, kind, launch_url, required,
                    mastery_threshold, completion_threshold, time_limit_seconds, move_on)
                    VALUES (1, 0, NULL, 'l1', 'L1', 'sco', 'l1.html', 1, 0.8, NULL, 600, NULL);
                """)
        }
        let migrated = try AppDatabase(path: path)
        let rows = try migrated.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT identifier, time_limit_seconds, launch_data, time_limit_action FROM activity")
        }
        #expect(rows.count == 1)
        #expect(rows.first?["identifier"] == "l1")
        #expect(rows.first?["time_limit_seconds"] == 600)
        #expect((rows.first?["launch_data"] as String?) == nil)
        let empty = try migrated.writer.read { db in
            try ["launch_token", "player_session", "attempt", "runtime_value", "submission_file"].map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1 }
        }
        #expect(empty == [0, 0, 0, 0, 0])
    }

    @Test("the e-mail lookup of engineers (every mbox actor of an xAPI statement) uses its index")
    func emailLookupUsesIndex() throws {
        let store = try TemporaryDatabase(.sqlite)
        let plan = try store.database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + EngineerStore.idByEmail, arguments: ["a@b.cn"]).map { $0["detail"] as String }
        }
        #expect(plan == ["SEARCH engineer USING INDEX engineer_email (<expr>=?)"])
    }

    @Test("v9 rebuilds progress events without AUTOINCREMENT or the statement index, keeping every row and its id")
    func leanProgressEvents() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let old = try AppDatabase(path: path, migratingUpTo: "v8-api-tokens-and-change-feed")
        try old.writer.write { db in
            try db.execute(sql: """
                \(Self.publishedCourse)
                INSERT INTO enrollment (id, engineer_id, course_id, publication_id, registration, status, enrolled_at)
                    VALUES (1, 'zhang', 'cces/a', 7, 'r1', 'active', '2026-01-02T00:00:00.000Z');
                INSERT INTO xapi_statement (id, signature, body, stored, verb, engineer_id, enrollment_id, activity_identifier)
                    VALUES ('s1', 'sig', '{}', '2026-01-03T00:00:00.000Z', 'http://adlnet.gov/expapi/verbs/completed', 'zhang', 1, 'l1');
                INSERT INTO progress_event (id, enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id, voided_at)
                    VALUES (3, 1, 'l1', 'completed', NULL, 60, '2026-01-03T00:00:00.000Z', 'xapi', 's1', '2026-01-04T00:00:00.000Z'),
                           (9, 1, 'l2', 'passed', 0.9, NULL, '2026-01-05T00:00:00.000Z', 'manual', NULL, NULL);
                """)
        }
        let migrated = try AppDatabase(path: path, migratingUpTo: "v9-lean-progress-events")
        try migrated.writer.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, activity_identifier, outcome, score, duration_seconds, statement_id, voided_at FROM progress_event ORDER BY id")
            #expect(rows.map { $0["id"] as Int64 } == [3, 9])
            #expect(rows[0]["statement_id"] as String? == "s1" && rows[0]["voided_at"] as String? == "2026-01-04T00:00:00.000Z")
            #expect(rows[1]["score"] as Double? == 0.9 && rows[1]["outcome"] as String == "passed" && rows[0]["duration_seconds"] as Int? == 60)
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'progress_event'") ?? ""
            #expect(!table.contains("AUTOINCREMENT") && table.contains("CHECK (outcome IN"))
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'progress_event' ORDER BY name")
            #expect(indexes == ["progress_event_enrollment"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_sequence WHERE name = 'progress_event'") == 0)
            try db.execute(sql: "INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, at, source) VALUES (1, 'l3', 'completed', 'x', 'manual')")
            #expect(db.lastInsertedRowID == 10)
            #expect(throws: (any Error).self) {
                try db.execute(sql: "INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, at, source) VALUES (1, 'l3', 'done', 'x', 'manual')")
            }
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
    }

    @Test("v10 rebuilds texts, activities and progress events with the same rows and rules, cheaper to write")
    func cheaperBulkRows() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-migration-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let old = try AppDatabase(path: path, migratingUpTo: "v9-lean-progress-events")
        try old.writer.write { db in
            try db.execute(sql: """
                \(Self.publishedCourse)
                INSERT INTO submission_text (submission_id, kind, position, language, value)
                    VALUES (1, 'title', 0, 'zh', '甲'), (1, 'title', 1, 'en', 'A'), (1, 'keyword', 0, 'en', 'k');
                INSERT INTO activity (submission_id, position, parent_position, identifier, title, kind, launch_url, required,
                    mastery_threshold, completion_threshold, time_limit_seconds, move_on)
                    VALUES (1, 0, NULL, 'm', 'M', 'aggregation', NULL, 1, NULL, NULL, NULL, NULL),
                           (1, 1, 0, 'l1', 'L1', 'sco', 'l1.html?x=1', 1, 0.8, 0.9, 600, 'Passed');
                INSERT INTO enrollment (id, engineer_id, course_id, publication_id, registration, status, enrolled_at)
                    VALUES (1, 'zhang', 'cces/a', 7, 'r1', 'active', '2026-01-02T00:00:00.000Z');
                INSERT INTO progress_event (id, enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id, voided_at)
                    VALUES (4, 1, 'l1', 'failed', 0.2, 30, '2026-01-03T00:00:00.000Z', 'manual', NULL, NULL);
                """)
        }
        let dump = """
            SELECT submission_id, kind, position, language, value FROM submission_text ORDER BY 1, 2, 3;
            SELECT * FROM activity ORDER BY submission_id, position;
            SELECT * FROM progress_event ORDER BY id;
            """
        func rows(_ database: AppDatabase) throws -> [[String]] {
            try database.writer.read { db in
                try dump.split(separator: ";").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.map { sql in
                    try Row.fetchAll(db, sql: String(sql)).map { $0.description }
                }
            }
        }
        let before = try rows(old)
        // Pinned to v10, the migration under test (v12 adds columns to activity).
        let migrated = try AppDatabase(path: path, migratingUpTo: "v10-cheaper-bulk-rows")
        #expect(try rows(migrated) == before)
        #expect(before.map(\.count) == [3, 2, 1])
        try migrated.writer.write { db in
            for (table, rowid) in [("submission_text", false), ("activity", false), ("progress_event", true)] {
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table]) ?? ""
                #expect(!sql.contains(" IN ("), "\(table)")
                #expect(sql.contains("WITHOUT ROWID") != rowid, "\(table)")
            }
            #expect(throws: (any Error).self) {
                try db.execute(sql: "INSERT INTO submission_text (submission_id, kind, position, language, value) VALUES (1, 'subtitle', 0, 'en', 'x')")
            }
            #expect(throws: (any Error).self) {
                try db.execute(sql: "INSERT INTO activity (submission_id, position, identifier, title, kind, required) VALUES (1, 2, 'l1', 'again', 'sco', 1)")
            }
            #expect(throws: (any Error).self) {
                try db.execute(sql: "INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, at, source) VALUES (1, 'l1', 'done', 'x', 'manual')")
            }
            try db.execute(sql: "INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, at, source) VALUES (1, 'l1', 'passed', 'x', 'manual')")
            #expect(db.lastInsertedRowID == 5)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'progress_event' AND sql IS NOT NULL")
            #expect(indexes == ["progress_event_enrollment"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
    }

    @Test("the inserts an import or an xAPI batch repeats per row build no temporary table")
    func bulkInsertsBuildNoTemporaryTable() throws {
        let store = try TemporaryDatabase(.sqlite)
        let inserts = [
            "INSERT INTO submission_text (submission_id, kind, position, language, value) VALUES (?, ?, ?, ?, ?)",
            "INSERT INTO activity (submission_id, position, parent_position, identifier, title, kind, launch_url, required, mastery_threshold, completion_threshold, time_limit_seconds, move_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ]
        try store.database.writer.read { db in
            for sql in inserts {
                let parameters = StatementArguments(Array(repeating: DatabaseValue.null, count: sql.count(where: { $0 == "?" })))
                let opcodes = try Row.fetchAll(db, sql: "EXPLAIN " + sql, arguments: parameters).map { $0["opcode"] as String }
                #expect(!opcodes.contains("OpenEphemeral"), "\(sql)")
            }
        }
    }

    @Test("voiding finds the statement's progress events through its enrollment's index, not a scan")
    func voidingUsesEnrollmentIndex() throws {
        let store = try TemporaryDatabase(.sqlite)
        let plan = try store.database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + StoreTransaction.voidProgressEvents, arguments: ["t", "id", "id"]).map { $0["detail"] as String }
        }
        #expect(plan.contains("SEARCH progress_event USING INDEX progress_event_enrollment (enrollment_id=?)"), "\(plan)")
        #expect(plan.contains { $0.hasPrefix("SEARCH xapi_statement USING INDEX sqlite_autoindex_xapi_statement") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }

    @Test("v17 keeps each statement's registration as a row of the registration index, and drops the column's B-tree index")
    func statementRegistrationRows() throws {
        let (rows, indexes) = try Self.migrated(from: "v16-statement-targets", with: """
            INSERT INTO xapi_statement (id, signature, body, stored, verb, registration) VALUES
                ('s1', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v', 'r-b'),
                ('s2', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v', NULL),
                ('s3', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v', 'r-a'),
                ('s4', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v', 'r-b');
            """) { migrated in
            try migrated.writer.read { db in
                (try Row.fetchAll(db, sql: """
                    SELECT k.key, s.id FROM xapi_statement_registration r JOIN xapi_statement s ON s.rowid = r.statement_rowid
                    JOIN xapi_registration_key k ON k.id = r.registration_id ORDER BY k.key, r.statement_rowid
                    """).map { "\($0[0] as String) \($0[1] as String)" },
                 try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'xapi_statement'"))
            }
        }
        #expect(rows == ["r-a s3", "r-b s1", "r-b s4"])
        #expect(!indexes.contains("xapi_statement_registration"), "\(indexes)")
    }

    @Test("v20 keeps every index row of the statements, now by its key's id, each key stored once per kind")
    func statementIndexKeys() throws {
        let (rows, keys) = try Self.migrated(from: "v19-credit-consequences-in-code", with: Self.v19IndexRows) { migrated in
            try migrated.writer.read { db in
                (try String.fetchAll(db, sql: Self.indexRowsByKey),
                 try ["agent", "activity", "registration"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM xapi_\($0)_key") })
            }
        }
        #expect(rows == Self.indexRowsAfterV20)
        #expect(keys == [2, 2, 2])
    }

    /// Statements and their index rows as v19 kept them (the keys' texts in every row), in SQL
    /// that both databases run.
    static let v19IndexRows = """
        INSERT INTO xapi_statement (rowid, id, signature, body, stored, verb) VALUES
            (1, 's1', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v'), (2, 's2', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v'),
            (3, 's3', 'x', '{}', '2026-01-01T00:00:00.000Z', 'v');
        INSERT INTO xapi_statement_agent (agent, statement_rowid, direct) VALUES
            ('mbox:mailto:b@example.cn', 1, 1), ('mbox:mailto:a@example.cn', 1, 0), ('mbox:mailto:b@example.cn', 3, 1);
        INSERT INTO xapi_statement_activity (activity, statement_rowid, direct) VALUES
            ('https://example.cn/a', 2, 1), ('mbox:mailto:a@example.cn', 3, 0);
        INSERT INTO xapi_statement_registration (registration, statement_rowid) VALUES ('r-b', 1), ('r-a', 2), ('r-b', 3);
        """

    /// Every index row after v20, through its key's text: kind, key, statement id, direct.
    static let indexRowsByKey = """
        SELECT 'agent ' || k.key || ' ' || s.id || ' ' || a.direct FROM xapi_statement_agent a
            JOIN xapi_agent_key k ON k.id = a.agent_id JOIN xapi_statement s ON s.rowid = a.statement_rowid
        UNION ALL SELECT 'activity ' || k.key || ' ' || s.id || ' ' || a.direct FROM xapi_statement_activity a
            JOIN xapi_activity_key k ON k.id = a.activity_id JOIN xapi_statement s ON s.rowid = a.statement_rowid
        UNION ALL SELECT 'registration ' || k.key || ' ' || s.id FROM xapi_statement_registration r
            JOIN xapi_registration_key k ON k.id = r.registration_id JOIN xapi_statement s ON s.rowid = r.statement_rowid
        ORDER BY 1
        """

    static let indexRowsAfterV20 = [
        "activity https://example.cn/a s2 1", "activity mbox:mailto:a@example.cn s3 0",
        "agent mbox:mailto:a@example.cn s1 0", "agent mbox:mailto:b@example.cn s1 1", "agent mbox:mailto:b@example.cn s3 1",
        "registration r-a s2", "registration r-b s1", "registration r-b s3",
    ]

    @Test("v18 keeps every activity state, now stored by its key")
    func activityProgressByKey() throws {
        let (states, schema) = try Self.migrated(from: "v17-statement-registration-rows", with: """
            \(Self.publishedCourse)
            INSERT INTO enrollment (id, engineer_id, course_id, publication_id, registration, status, enrolled_at)
                VALUES (1, 'zhang', 'cces/a', 7, 'r1', 'active', '2026-01-02T00:00:00.000Z');
            INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
                VALUES (1, 'l2', 1, NULL, 0.6, NULL, '2026-01-05T00:00:00.000Z'),
                       (1, 'l1', 1, 1, 0.8, '2026-01-04T00:00:00.000Z', '2026-01-05T00:00:00.000Z');
            """) { migrated in
            try migrated.writer.read { db in
                (try ProgressStore.activityStates(enrollmentID: 1, on: SQLiteConnection(db)),
                 try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'activity_progress'") ?? "")
            }
        }
        #expect(states.count == 2)
        #expect(states["l1"]?.passed == true && states["l1"]?.bestScore == 0.8 && states["l2"]?.passed == nil && states["l2"]?.completed == true)
        #expect(schema.contains("WITHOUT ROWID"))
    }

    @Test("v19 leaves no triggers: what follows from a credit record's change is written by the code that owns it")
    func noTriggers() throws {
        let triggers = try Self.migrated(from: "v18-activity-progress-by-key", with: "") { migrated in
            try migrated.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'trigger'") }
        }
        #expect(triggers.isEmpty, "\(triggers)")
    }
}
