import Catalog
import Domain
@testable import Enrollment
import Foundation
import GRDB
import Storage
import Synchronization
import Testing

@Suite("xAPI statements: the store rules and progress")
struct StatementTests {
    let world: CatalogWorld
    let statements: StatementService
    let progress: ProgressService
    let registration: UUID
    let cmi5Registration: UUID

    static let au = "https://example.org/cmi5/au/safety-quiz"

    init() throws {
        world = try CatalogWorld()
        try world.appoint(3)
        statements = StatementService(database: world.store.database, clock: world.clock.now)
        progress = ProgressService(database: world.store.database, clock: world.clock.now)
        let engineers = EngineerService(database: world.store.database, clock: world.clock.now)
        let enrollments = EnrollmentService(database: world.store.database, clock: world.clock.now)
        _ = try engineers.add(id: "zhang", name: "张三", email: "zhang@example.cn", actor: "t")
        _ = try engineers.add(id: "li", name: "李四", actor: "t")
        try world.publish(samplePackage(
            "ethics", titles: [LocalizedText(language: "zh", value: "工程伦理")], hours: 8, category: .public,
            activities: [
                Activity(identifier: "l1", title: "第一讲", kind: .webcontent, launchURL: "l1.html"),
                Activity(identifier: "quiz", title: "测验", kind: .assessment, launchURL: "q.html", masteryThreshold: 0.8),
            ]
        ))
        try world.publish(samplePackage(
            "cmi5course", titles: [LocalizedText(language: "en", value: "Safety quiz")], hours: 2, format: .cmi5,
            activities: [Activity(identifier: Self.au, title: "Quiz", kind: .au, launchURL: "quiz.html", masteryThreshold: 0.7, moveOn: "Passed")]
        ))
        registration = try enrollments.enroll(engineerID: "zhang", courseID: "cces/ethics", actor: "t").enrollment.registration
        cmi5Registration = try enrollments.enroll(engineerID: "li", courseID: "cces/cmi5course", actor: "t").enrollment.registration
    }

    static func statement(
        _ id: String = UUID().uuidString, actor: String = #"{"mbox":"mailto:zhang@example.cn"}"#, verb: String,
        object: String, score: Double? = nil, registration: UUID? = nil, timestamp: String = "2026-03-01T08:00:00Z"
    ) -> String {
        var result = score.map { #","result":{"score":{"scaled":\#($0)},"duration":"PT20M"}"# } ?? ""
        if let registration { result += #","context":{"registration":"\#(registration.uuidString)"}"# }
        return #"{"id":"\#(id)","actor":\#(actor),"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)"},"object":{"id":"\#(object)"}\#(result),"timestamp":"\#(timestamp)"}"#
    }

    func run(_ lines: [String], asArray: Bool = true) throws(ServiceError) -> StatementImport {
        let text = asArray ? "[" + lines.joined(separator: ",") + "]" : lines.joined(separator: "\n")
        return try statements.importStatements(Data(text.utf8), actor: "test")
    }

    var l1: String { ActivityIRI.make(courseID: "cces/ethics", activity: "l1") }
    var quiz: String { ActivityIRI.make(courseID: "cces/ethics", activity: "quiz") }

    @Test("completed and passed statements complete the course and award its hours at the statement's time")
    func progressFromStatements() throws {
        let result = try run([
            Self.statement(verb: "experienced", object: l1),
            Self.statement(verb: "completed", object: l1),
            Self.statement(verb: "passed", object: quiz, score: 0.9, registration: registration, timestamp: "2026-03-02T09:30:00+08:00"),
        ])
        #expect(result.stored == 3 && result.problems.isEmpty)
        let award = try #require(result.awards.first)
        #expect(award.hours == 8 && award.awardedAt == Date(timeIntervalSince1970: 1_772_415_000))
        #expect(try progress.awards(engineerID: "zhang").map(\.courseID) == ["cces/ethics"])
    }

    @Test("every stored statement is indexed by its actor, its authority and its object, whatever the keys' scripts and the batch's size")
    func indexRows() throws {
        // 131 statements: two agent rows each (262, four full INSERTs of 64 and six single rows),
        // one activity row each, over keys in several scripts, and a registration row for the
        // 70 statements that name one of three registrations (one full INSERT and six single rows);
        // each key stored once, the rows by its id.
        let names = ["工程师甲", "engineer-b", "Ingénieur", "инженер", "エンジニア", "e"]
        let objects = ["https://example.org/活动/1", "https://example.org/a", "https://example.org/Z", "https://example.org/é"]
        let registrations = [UUID(), UUID(), UUID()]
        let lines = (0..<131).map { index in
            Self.statement(actor: #"{"account":{"homePage":"https://other.example","name":"\#(names[index % names.count])"}}"#,
                           verb: "experienced", object: objects[index % objects.count],
                           registration: index < 70 ? registrations[index % registrations.count] : nil)
        }
        let result = try run(lines, asArray: false)
        #expect(result.stored == 131)
        let counts = try world.store.database.reading("index rows") { sql in
            let json = { (path: [String]) in sql.dialect.json("s.body", path) }
            return try sql.firstRow("""
                SELECT (SELECT count(*) FROM xapi_statement_agent),
                       (SELECT count(*) FROM xapi_statement_agent a JOIN xapi_statement s ON s.rowid = a.statement_rowid
                         JOIN xapi_agent_key k ON k.id = a.agent_id
                         WHERE a.direct = 1 AND k.key LIKE '%' || \(json(["actor", "account", "name"])) || '%'),
                       (SELECT count(*) FROM xapi_statement_activity a JOIN xapi_statement s ON s.rowid = a.statement_rowid
                         JOIN xapi_activity_key k ON k.id = a.activity_id
                         WHERE a.direct = 1 AND k.key = \(json(["object", "id"]))),
                       (SELECT count(*) FROM xapi_statement_registration),
                       (SELECT count(*) FROM xapi_statement_registration r JOIN xapi_statement s ON s.rowid = r.statement_rowid
                         JOIN xapi_registration_key k ON k.id = r.registration_id
                         WHERE k.key = lower(\(json(["context", "registration"])))),
                       (SELECT count(*) FROM xapi_agent_key), (SELECT count(*) FROM xapi_activity_key), (SELECT count(*) FROM xapi_registration_key)
                """)
        }
        let row = try #require(counts)
        #expect(row.int64(0) == 262 && row.int64(1) == 131 && row.int64(2) == 131)
        #expect(row.int64(3) == 70 && row.int64(4) == 70)
        // Each key once: six actors and the authority, four objects, three registrations.
        #expect(row.int64(5) == 7 && row.int64(6) == 4 && row.int64(7) == 3)
    }

    @Test("the same id with the same content is a no-op, however the timestamp is written; different content is a conflict")
    func idempotency() throws {
        let id = UUID().uuidString
        let first = try run([Self.statement(id, verb: "completed", object: l1, timestamp: "2026-03-01T08:00:00Z")])
        #expect(first.stored == 1)
        let same = try run([Self.statement(id.lowercased(), verb: "completed", object: l1, timestamp: "2026-03-01T16:00:00.000+08:00")])
        #expect(same.stored == 0 && same.unchanged == 1 && same.problems.isEmpty)
        let other = UUID().uuidString
        let changed = try run([
            Self.statement(id, verb: "failed", object: l1),
            Self.statement(other, verb: "completed", object: quiz),
        ])
        #expect(changed.problems.map(\.kind) == [.conflict] && changed.problems[0].index == 1)
        #expect(changed.stored == 1)
        let stored = try #require(try world.store.database.reading("t") { sql in
            try sql.firstRow("SELECT body, stored FROM xapi_statement WHERE id = ?", [.text(id.lowercased())])
        })
        #expect(stored.text(0)?.contains("completed") == true && stored.text(1).flatMap(Date.init(iso8601:)) != nil)
    }

    @Test("a batch with duplicate ids, an invalid statement or bad JSON is refused as a whole")
    func refusedBatches() throws {
        let id = UUID().uuidString
        let cases = [
            "[" + Self.statement(id, verb: "completed", object: l1) + "," + Self.statement(id, verb: "completed", object: quiz) + "]",
            "[" + Self.statement(verb: "completed", object: l1) + #",{"verb":{"id":"x"},"object":{"id":"y"}}]"#,
            "[" + Self.statement(actor: #"{"mbox":"mailto:a@b.c","account":{"homePage":"h","name":"n"}}"#, verb: "completed", object: l1) + "]",
            "[{\"broken\": ",
        ]
        for text in cases {
            #expect(throws: ServiceError.self) { try statements.importStatements(Data(text.utf8), actor: "t") }
        }
        #expect(try world.store.database.statementCount() == 0)
    }

    @Test("a batch of many chunks: a bad statement or a repeated id near its end refuses all of it; a good one is taken in order")
    func largeBatches() throws {
        let filler = (1...9_000).map { _ in Self.statement(verb: "experienced", object: l1) }
        var invalid = filler
        invalid[8_999] = #"{"id":"not-a-uuid","actor":{"mbox":"mailto:zhang@example.cn"},"verb":{"id":"x"},"object":{"id":"y"}}"#
        var repeated = filler
        let firstID = try #require(try JSONSerialization.jsonObject(with: Data(filler[0].utf8)) as? [String: Any])["id"] as? String
        repeated[8_999] = Self.statement(try #require(firstID), verb: "completed", object: l1)
        for (lines, reason) in [(invalid, "statement 9000: 'id' must be a UUID"), (repeated, "statement 9000: id ")] {
            do {
                _ = try run(lines, asArray: false)
                Issue.record("a batch with a bad statement 9000 was taken")
            } catch {
                #expect(error.message.hasPrefix(reason) && error.message.hasSuffix("nothing was stored"), "\(error.message)")
            }
            #expect(try world.store.database.statementCount() == 0)
        }
        var good = filler
        good[0] = Self.statement(verb: "completed", object: l1, timestamp: "2026-03-01T08:00:00Z")
        good[8_998] = Self.statement(verb: "passed", object: quiz, score: 0.9, timestamp: "2026-03-05T10:00:00Z")
        let result = try run(good, asArray: false)
        #expect(result.stored == 9_000 && result.problems.isEmpty && result.received == 9_000)
        #expect(result.awards.map(\.awardedAt) == [Date(timeIntervalSince1970: 1_772_704_800)])
    }

    @Test("a file of lines: blank lines, CRLF endings and a last line without one are taken; a bad line is named by its number")
    func lineFiles() throws {
        let first = Self.statement(verb: "experienced", object: l1)
        let second = Self.statement(verb: "completed", object: l1)
        let taken = try statements.importStatements(Data(("\n\n" + first + "\r\n\n   \r\n" + second).utf8), actor: "t")
        #expect(taken.stored == 2 && taken.received == 2 && taken.problems.isEmpty)
        do {
            _ = try statements.importStatements(Data((Self.statement(verb: "experienced", object: l1) + "\n\n{\"broken\": \n").utf8), actor: "t")
            Issue.record("a file with a broken line was taken")
        } catch {
            #expect(error.message.contains("line 3 is not a JSON statement"), "\(error.message)")
        }
        #expect(try world.store.database.statementCount() == 2)
    }

    @Test("what a writer learned holds after a reader moved the waiting index rows in, on SQLite; anything else written drops it")
    func memoryAfterIndexRowsMoved() throws {
        let database = world.store.database
        let memory = Mutex(StatementService.StoreMemory())
        let service = statements
        func store(_ text: String) throws {
            let batch = try StatementService.parse(Data(text.utf8))
            _ = try database.perform(at: Date(), references: .vouchedFor) { tx in
                try memory.withLock { memory in
                    try service.importStatements(batch, mapping: ActorMapping(), authority: .platform, actor: "t", memory: &memory,
                                                 deferringIndexRows: true, in: tx)
                }
            }
        }
        // The actors the memory still knows when the next transaction checks it.
        func remembered() throws -> Int {
            try database.perform(at: Date()) { tx in
                try memory.withLock { memory in
                    try memory.check(in: tx)
                    return memory.engineers.values.reduce(0) { $0 + $1.count }
                }
            }
        }
        try store(Self.statement(verb: "experienced", object: l1))
        #expect(try database.count("SELECT count(*) FROM xapi_statement_index_pending") == (TestDatabase.onPostgres ? 0 : 1))
        // A reader of the indexes moves the waiting rows in first, on the writer's connection.
        let agentRows = try database.readingStatementIndexes("test") { sql in try sql.firstRow("SELECT count(*) FROM xapi_statement_agent", [])?.int64(0) }
        #expect(agentRows == 2)  // the actor and the platform's authority
        #expect(try database.count("SELECT count(*) FROM xapi_statement_index_pending") == 0)
        // A second reader that had found them waiting too moves none, after the first.
        #expect(try database.perform(at: Date(), references: .vouchedFor) { tx in try tx.writingOnlyIndexRows { try tx.writePendingIndexRows() } } == 0)
        // On SQLite the memory holds (a server database's is never kept); its count of waiting rows is asked again.
        #expect(try remembered() == (TestDatabase.onPostgres ? 0 : 1))
        #expect(memory.withLock { $0.pendingIndexRows } == nil)
        try store(Self.statement(verb: "completed", object: l1))
        #expect(try remembered() == (TestDatabase.onPostgres ? 0 : 1))
        // Anything else written in between, and it starts again.
        _ = try EngineerService(database: database).add(id: "wang", name: "王五", actor: "t")
        #expect(try remembered() == 0)
    }

    @Test("a statement nested deeper than 64 levels refuses the batch; 64 levels are taken")
    func nesting() throws {
        func nested(_ levels: Int) -> String {
            let extensions = String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels)
            return #"{"actor":{"mbox":"mailto:zhang@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"\#(l1)"},"context":{"extensions":{"https://example.org/x":\#(extensions)}}}"#
        }
        // The statement object, context and extensions take three levels.
        #expect(try run([nested(61)], asArray: false).stored == 1)
        do {
            _ = try run([Self.statement(verb: "experienced", object: l1), nested(200)], asArray: false)
            Issue.record("a statement nested 200 levels deep was taken")
        } catch {
            #expect(error.message.contains("statement 2") && error.message.contains("nested deeper than 64"), "\(error.message)")
        }
        #expect(try world.store.database.statementCount() == 1)
    }

    @Test("a stored statement sent again is unchanged even when it would no longer be taken; changed, it is a conflict")
    func resentAfterWithdrawal() throws {
        let id = UUID().uuidString
        let original = Self.statement(id, verb: "completed", object: l1)
        #expect(try run([original]).stored == 1)
        _ = try EnrollmentService(database: world.store.database, clock: world.clock.now).withdraw(engineerID: "zhang", courseID: "cces/ethics", actor: "t")
        let again = try run([original, Self.statement(verb: "completed", object: l1)])
        // The new one is stored (an LRS keeps every valid statement) but counts for nothing.
        #expect(again.unchanged == 1 && again.stored == 1 && again.problems.isEmpty && again.unmatched.map(\.kind) == [.unknownActivity])
        let changed = try run([Self.statement(id, verb: "completed", object: quiz)])
        #expect(changed.problems.map(\.kind) == [.conflict] && changed.unchanged == 0)
    }

    @Test("voiding the statement that completed a course takes the award back, visibly")
    func voiding() throws {
        let passID = UUID().uuidString
        let done = try run([
            Self.statement(verb: "completed", object: l1),
            Self.statement(passID, verb: "passed", object: quiz, score: 0.95),
        ])
        #expect(done.awards.count == 1)
        let voidID = UUID().uuidString
        let voiding = #"{"id":"\#(voidID)","actor":{"mbox":"mailto:zhang@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"\#(passID)"}}"#
        let result = try run([voiding])
        #expect(result.voided == [passID.lowercased()])
        let revoked = try #require(result.revoked.first)
        #expect(revoked.revokedReason?.contains(passID.lowercased()) == true)
        let awards = try progress.awards(engineerID: "zhang")
        #expect(awards.count == 1 && awards[0].revokedAt != nil)
        // Voiding a voiding statement is refused; voiding one the store does not have is kept,
        // voids nothing and is listed as unmatched (xAPI-Data 2.3.2: not refused on those grounds).
        let again = #"{"actor":{"mbox":"mailto:zhang@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"\#(voidID)"}}"#
        let unknown = #"{"actor":{"mbox":"mailto:zhang@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"\#(UUID().uuidString)"}}"#
        let odd = try run([again, unknown])
        #expect(odd.problems.map(\.kind) == [.invalidVoid])
        #expect(odd.unmatched.map(\.kind) == [.unknownStatement] && odd.stored == 1 && odd.voided.isEmpty)
        // Passing again completes the course again and earns again (the first award was revoked).
        let repass = try run([Self.statement(verb: "passed", object: quiz, score: 0.9)])
        #expect(repass.awards.count == 1)
        // Awards, revocations, voided events: every reference the store wrote names a row.
        #expect(try world.store.database.danglingReferences() == [])
    }

    @Test("unknown engineers and activities are stored as unmatched and change no progress; accounts map by homePage")
    func mapping() throws {
        let result = try run([
            Self.statement(actor: #"{"mbox":"mailto:nobody@example.cn"}"#, verb: "completed", object: l1),
            Self.statement(verb: "completed", object: ActivityIRI.make(courseID: "cces/ethics", activity: "nope")),
            Self.statement(verb: "completed", object: "https://example.org/elsewhere"),
            Self.statement(actor: #"{"account":{"homePage":"https://learning.ecba.org.cn","name":"zhang"}}"#, verb: "completed", object: l1),
            Self.statement(actor: #"{"account":{"homePage":"https://other.example","name":"zhang"}}"#, verb: "completed", object: l1),
        ], asArray: false)
        #expect(result.problems.isEmpty)
        #expect(result.unmatched.map(\.kind) == [.unknownActor, .unknownActivity, .unknownActivity, .unknownActor])
        #expect(result.unmatched.map(\.index) == [1, 2, 3, 5])
        #expect(result.stored == 5 && result.awards.isEmpty)
        let listed = try statements.unmatched(limit: 10)
        #expect(listed.total == 4 && Set(listed.statements.map(\.id)) == Set(result.unmatched.map(\.id)))
        #expect(listed.statements.map(\.reason).sorted() == ["unknown-activity", "unknown-activity", "unknown-actor", "unknown-actor"])
        let mapped = try statements.importStatements(
            Data(Self.statement(actor: #"{"account":{"homePage":"https://other.example","name":"zhang"}}"#, verb: "completed", object: l1).utf8),
            mapping: ActorMapping(accountHomePage: "https://other.example"), actor: "t"
        )
        #expect(mapped.stored == 1)
        #expect(try world.store.database.danglingReferences() == [])
    }

    @Test("cmi5: AU ids are accepted as objects; a pass below masteryScore is kept as unmatched and earns nothing")
    func cmi5() throws {
        let li = #"{"account":{"homePage":"https://learning.ecba.org.cn","name":"li"}}"#
        let low = try run([Self.statement(actor: li, verb: "passed", object: Self.au, score: 0.6, registration: cmi5Registration)])
        #expect(low.unmatched.map(\.kind) == [.belowMastery] && low.problems.isEmpty && low.awards.isEmpty)
        let good = try run([Self.statement(actor: li, verb: "passed", object: Self.au, score: 0.7, registration: cmi5Registration)])
        #expect(good.stored == 1 && good.awards.first?.hours == 2)
        // A registration that belongs to someone else does not resolve.
        let wrong = try run([Self.statement(verb: "completed", object: l1, registration: cmi5Registration)])
        #expect(wrong.unmatched.map(\.kind) == [.unknownActivity])
    }
}

@Suite("xAPI statement ids")
struct StatementIDTests {
    @Test("the UUID parser agrees with Foundation's in either case, and refuses other shapes")
    func uuidParser() throws {
        for _ in 0..<1_000 {
            let uuid = UUID()
            for text in [uuid.uuidString, uuid.uuidString.lowercased()] {
                let parsed = try #require(XAPIStatement.uuid(text), "\(text)")
                #expect(parsed.value == uuid && parsed.text == uuid.uuidString.lowercased())
            }
        }
        let good = "6f1a0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
        for bad in [String(good.dropLast()), good + "0", good.replacingOccurrences(of: "-", with: ""), "{\(good)}",
                    good.replacingOccurrences(of: "6f", with: "6g"), good.replacingOccurrences(of: "-3b4d", with: "_3b4d"), "", "６f1a0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5"] {
            #expect(XAPIStatement.uuid(bad) == nil, "\(bad)")
            #expect(UUID(uuidString: bad) == nil, "Foundation refuses \(bad) too")
        }
    }
}

@Suite("xAPI timestamps")
struct StatementTimestampTests {
    /// Foundation's reading, which the fast path must reproduce to the bit (the canonical form
    /// of a statement, and so "same id, same content", holds the parsed time).
    static func foundation(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    @Test("the byte-level reader agrees with Foundation's to the bit: whole seconds, offsets, leap days; fractions are Foundation's")
    func agreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["2024-02-29T12:00:00Z", "2000-02-29T00:00:00.5+00:00", "1970-01-01T00:00:00Z", "2026-12-31T23:59:59.999999999Z",
                     "2026-06-01T08:00:00+0800", "2026-06-01T08:00:00+08", "2026-06-01T08:00:00.123-05:30", "1600-03-01T00:00:00Z"]
        for _ in 0..<5_000 {
            let seconds = Double(Int.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            var text = String(Date(timeIntervalSince1970: seconds).formatted(.iso8601).dropLast())
            let digits = Int.random(in: 0...9, using: &generator)
            if digits > 0 { text += "." + String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) }) }
            switch Int.random(in: 0...3, using: &generator) {
            case 0: text += "Z"
            case 1: text += String(format: "%@%02d:%02d", Bool.random(using: &generator) ? "+" : "-", Int.random(in: 0...14, using: &generator), 30 * Int.random(in: 0...1, using: &generator))
            case 2: text += String(format: "+%02d%02d", Int.random(in: 0...14, using: &generator), 45 * Int.random(in: 0...1, using: &generator))
            default: text += String(format: "-%02d", Int.random(in: 1...12, using: &generator))
            }
            texts.append(text)
        }
        // Many more whole seconds at random, the only ones the fast path takes (with a fraction,
        // Foundation's sum differs from a plain one in the last bit about once in 10,000).
        for _ in 0..<20_000 {
            let seconds = Double(Int.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            texts.append(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
        }
        for text in texts {
            let fast = XAPIStatement.parseTimestamp(text)
            let expected = Self.foundation(text)
            #expect(fast != nil && fast?.timeIntervalSinceReferenceDate.bitPattern == expected?.timeIntervalSinceReferenceDate.bitPattern, "\(text)")
        }
    }

    @Test("shapes the fast path does not take are left to Foundation, which refuses or reads them as before")
    func otherShapes() {
        for text in ["2026-01-01T24:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01t00:00:00z", "2026-01-01 00:00:00Z",
                     "20260101T000000Z", "2026-01-01T00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+8:00",
                     "２026-01-01T00:00:00Z", "", "0001-01-01T00:00:00Z", "1582-10-04T00:00:00Z"] {
            #expect(XAPIStatement.parseTimestamp(text)?.timeIntervalSinceReferenceDate == Self.foundation(text)?.timeIntervalSinceReferenceDate, "\(text)")
        }
    }
}
