import ContentStore
import Credentials
import Crypto
import Domain
import Enrollment
import Foundation
import GRDB
@testable import LRS
import Storage
import Synchronization
import Testing

/// The LRS over loopback HTTP: its credentials, the statement resource's rules and queries, the
/// document resources, and Rustici's own `tincan` client end to end.
@Suite("The learning record store over HTTP", .serialized)
struct LRSTests {
    let version = ["X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"]

    /// A world with an LRS credential of each society.
    struct LRSWorld {
        let api: APIWorld
        let cces: (key: String, secret: String)
        let ces: (key: String, secret: String)

        init(ccesScopes: [LRSScope] = [.all]) async throws {
            api = try await APIWorld()
            let service = LRSCredentialService(database: api.database)
            let a = try service.issue(societyID: "cces", name: "CCES tool", scopes: ccesScopes, actor: "t")
            let b = try service.issue(societyID: "ces", name: "CES tool", scopes: [.all], actor: "t")
            cces = (a.0.key, a.secret)
            ces = (b.0.key, b.secret)
        }

        func call(_ path: String, method: String = "GET", as credential: (key: String, secret: String)?, headers: [String: String] = [:],
                  body: Data? = nil) async throws -> HTTP.Answer {
            var all = headers
            if let credential { all["Authorization"] = "Basic " + Data("\(credential.key):\(credential.secret)".utf8).base64EncodedString() }
            return try await HTTP.call(api.base + path, method: method, headers: all, body: body)
        }

        func statementCount() throws -> Int { try api.database.count("SELECT COUNT(*) FROM xapi_statement") }
    }

    static func statement(id: String? = nil, mbox: String = "mailto:ada@example.org", verb: String = "experienced",
                          activity: String = "http://example.org/course/1", extra: [String: Any] = [:]) -> [String: Any] {
        var statement: [String: Any] = [
            "actor": ["objectType": "Agent", "mbox": mbox, "name": "Ada"],
            "verb": ["id": "http://adlnet.gov/expapi/verbs/\(verb)", "display": ["en-US": verb, "zh-CN": "体验"]],
            "object": ["id": activity, "definition": ["name": ["en-US": "Course", "zh-CN": "课程"]]],
        ]
        if let id { statement["id"] = id }
        for (key, value) in extra { statement[key] = value }
        return statement
    }

    static func encode(_ value: Any) throws -> Data { try JSONSerialization.data(withJSONObject: value) }

    static func query(_ parameters: [String: String]) -> String {
        var components = URLComponents()
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
    }

    @Test("credentials: Basic key/secret; a wrong secret, a revoked key and no version header are refused; About needs neither")
    func credentials() async throws {
        let world = try await LRSWorld()
        let about = try await world.call("/xapi/about", as: nil)
        #expect(about.status == 200 && ((about.json as? [String: Any])?["version"] as? [String])?.contains("2.0.0") == true)
        let about10 = try await world.call("/xapi/about", as: nil, headers: version)
        #expect(((about10.json as? [String: Any])?["version"] as? [String]) == ["1.0.0", "1.0.1", "1.0.2", "1.0.3"])
        #expect(try await world.call("/xapi/statements", as: world.cces, headers: version).status == 200)
        let noVersion = try await world.call("/xapi/statements", as: world.cces)
        #expect(noVersion.status == 400 && noVersion.problemCode == "xapi-version")
        #expect(try await world.call("/xapi/statements", as: world.cces, headers: ["X-Experience-API-Version": "0.95"]).status == 400)
        let wrong = try await world.call("/xapi/statements", as: (world.cces.key, "nope"), headers: version)
        #expect(wrong.status == 401 && wrong.headers["www-authenticate"]?.hasPrefix("Basic") == true)
        #expect(wrong.headers["x-experience-api-version"] == "1.0.3" && noVersion.headers["x-experience-api-version"] == "1.0.3")
        #expect(try await world.call("/xapi/statements", as: nil, headers: version).status == 401)
        try LRSCredentialService(database: world.api.database).revoke(key: world.cces.key, actor: "t")
        let revoked = try await world.call("/xapi/statements", as: world.cces, headers: version)
        #expect(revoked.status == 401 && revoked.text.contains("revoked"))
        // The society API token is an LRS credential too (every scope).
        #expect(try await world.api.call("/xapi/statements", token: world.api.cces, headers: version).status == 200)
        // The secret is stored hashed only.
        let stored = try world.api.database.texts("SELECT secret_hash FROM lrs_credential")
        #expect(!stored.contains(world.ces.secret) && stored.allSatisfy { $0.count == 64 })
    }

    @Test("POST assigns ids in order and stores every valid statement; PUT takes statementId; a conflict or bad input stores nothing")
    func storing() async throws {
        let world = try await LRSWorld()
        let given = UUID().uuidString.lowercased()
        let posted = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version,
                                          body: try Self.encode([Self.statement(), Self.statement(id: given), Self.statement()]))
        let ids = try #require(posted.json as? [String])
        #expect(posted.status == 200 && ids.count == 3 && ids[1] == given && Set(ids).count == 3)
        #expect(posted.headers["x-experience-api-version"] == "1.0.3")
        // Stored as the LRS returns it: id, stored, authority (this credential), version, timestamp.
        let got = try await world.call("/xapi/statements?statementId=\(ids[0])", as: world.cces, headers: version)
        let statement = try #require(got.json as? [String: Any])
        #expect(statement["id"] as? String == ids[0] && statement["stored"] != nil && statement["timestamp"] != nil && statement["version"] as? String == "1.0.0")
        #expect(((statement["authority"] as? [String: Any])?["account"] as? [String: Any])?["name"] as? String == world.cces.key)
        #expect(got.headers["x-experience-api-consistent-through"] != nil)
        let head = try await world.call("/xapi/statements?statementId=\(ids[0])", method: "HEAD", as: world.cces, headers: version)
        #expect(head.status == 200 && head.body.isEmpty)
        // PUT: 204; the same again: 204 (no change); other content under the id: 409, nothing stored.
        let putID = UUID().uuidString.lowercased()
        #expect(try await world.call("/xapi/statements?statementId=\(putID)", method: "PUT", as: world.cces, headers: version,
                                     body: try Self.encode(Self.statement())).status == 204)
        #expect(try await world.call("/xapi/statements?statementId=\(putID)", method: "PUT", as: world.cces, headers: version,
                                     body: try Self.encode(Self.statement())).status == 204)
        let before = try world.statementCount()
        let conflict = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version,
                                            body: try Self.encode([Self.statement(), Self.statement(id: putID, verb: "attempted")]))
        #expect(conflict.status == 409)
        for bad in [Data("{not json".utf8), try Self.encode([Self.statement(), ["actor": ["mbox": "mailto:x@y.z"], "verb": ["id": "x:y"]]]),
                    try Self.encode([Self.statement(id: given.uppercased())])] {
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version, body: bad)
            #expect(answer.status == 400 || answer.status == 200, "\(answer.text)")
        }
        #expect(try await world.call("/xapi/statements?statementId=\(UUID().uuidString)", method: "PUT", as: world.cces, headers: version,
                                     body: try Self.encode(Self.statement(id: UUID().uuidString))).status == 400)
        #expect(try await world.call("/xapi/statements", method: "PUT", as: world.cces, headers: version, body: try Self.encode(Self.statement())).status == 400)
        #expect(try world.statementCount() == before)
        // A credential that may only read its own cannot write; one that may only write cannot read.
        let writer = try LRSCredentialService(database: world.api.database).issue(societyID: "cces", name: "w", scopes: [.statementsWrite], actor: "t")
        #expect(try await world.call("/xapi/statements", as: (writer.0.key, writer.secret), headers: version).status == 403)
        let reader = try LRSCredentialService(database: world.api.database).issue(societyID: "cces", name: "r", scopes: [.statementsReadMine], actor: "t")
        #expect(try await world.call("/xapi/statements", method: "POST", as: (reader.0.key, reader.secret), headers: version,
                                     body: try Self.encode(Self.statement())).status == 403)
        let mine = try await world.call("/xapi/statements", as: (reader.0.key, reader.secret), headers: version)
        #expect(((mine.json as? [String: Any])?["statements"] as? [Any])?.isEmpty == true)
    }

    @Test("POSTs at once are stored together, each all or nothing: a conflicting one alone is refused and leaves nothing")
    func groupCommit() async throws {
        let world = try await LRSWorld()
        let taken = UUID().uuidString.lowercased()
        #expect(try await world.call("/xapi/statements?statementId=\(taken)", method: "PUT", as: world.cces, headers: version,
                                     body: try Self.encode(Self.statement())).status == 204)
        let before = try world.statementCount()
        // Twelve requests at once: the writer stores those that wait together in one transaction.
        let batches: [[String]] = (0..<12).map { _ in (0..<20).map { _ in UUID().uuidString.lowercased() } }
        let answers = try await withThrowingTaskGroup(of: (Int, HTTP.Answer).self) { group in
            for (index, ids) in batches.enumerated() {
                var statements = ids.map { Self.statement(id: $0, mbox: "mailto:learner\(index)@example.org") }
                // The seventh also sends the stored id with other content: a 409 for it alone.
                if index == 6 { statements.append(Self.statement(id: taken, verb: "attempted")) }
                let body = try Self.encode(statements)
                var headers = version
                headers["Authorization"] = "Basic " + Data("\(world.cces.key):\(world.cces.secret)".utf8).base64EncodedString()
                let url = world.api.base + "/xapi/statements"
                group.addTask { [headers] in (index, try await HTTP.call(url, method: "POST", headers: headers, body: body)) }
            }
            return try await group.reduce(into: [Int: HTTP.Answer]()) { $0[$1.0] = $1.1 }
        }
        for (index, ids) in batches.enumerated() {
            let answer = try #require(answers[index])
            if index == 6 {
                #expect(answer.status == 409, "\(answer.text)")
            } else {
                #expect(answer.status == 200 && answer.json as? [String] == ids, "\(answer.text)")
            }
        }
        #expect(try world.statementCount() == before + 11 * 20)
        for id in batches[6] {
            #expect(try await world.call("/xapi/statements?statementId=\(id)", as: world.cces, headers: version).status == 404)
        }
        #expect(try await world.call("/xapi/statements?statementId=\(batches[5][19])", as: world.cces, headers: version).status == 200)
        // /metrics counts them: 13 requests (the PUT, the twelve) with 242 statements, in 1 to 13 transactions.
        let metrics = try await world.call("/metrics", as: nil).text
        func counter(_ name: String) -> Int? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
        }
        #expect(counter("ecba_lrs_statement_requests_total") == 13 && counter("ecba_lrs_statements_received_total") == 242)
        #expect((1...13).contains(counter("ecba_lrs_statement_transactions_total") ?? 0), "\(metrics)")
        #expect(try world.api.database.danglingReferences() == [])
    }

    @Test("a group with a failing request is undone and stored again request by request: the others kept, the failing one leaving nothing")
    func regroup() async throws {
        let temporary = try TemporaryDatabase()
        let database = temporary.database
        let writer = StatementWriter(database: database)
        func request(_ ids: [String], verb: String = "experienced") throws -> StatementWriter.Request {
            let lines = ids.map { id in
                #"{"id":"\#(id)","actor":{"mbox":"mailto:ada@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)"},"object":{"id":"https://example.org/a"}}"#
            }
            return StatementWriter.Request(batch: try StatementService.parse(Data(lines.joined(separator: "\n").utf8)), attachments: [],
                                           authority: .platform, societyID: nil, actor: "lrs")
        }
        func waitUntil(_ condition: () -> Bool) async throws {
            #expect(try await eventually(within: 60) { condition() ? true : nil } == true)
        }
        let taken = UUID().uuidString.lowercased()
        _ = try await writer.store(try request([taken]))
        // Another transaction holds the database (SQLite's one writer; on PostgreSQL a lock on the
        // statement table) while one request is being written and eleven queue behind it.
        let holding = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        let blocker = Thread {
            try? database.transaction(at: Date()) { tx in
                if tx.sql.dialect != .sqlite { try tx.sql.execute("LOCK TABLE xapi_statement IN EXCLUSIVE MODE", []) }
                holding.store(true, ordering: .sequentiallyConsistent)
                release.wait()
            }
        }
        blocker.start()
        try await waitUntil { holding.load(ordering: .sequentiallyConsistent) }
        let batches: [[String]] = (0..<12).map { _ in (0..<20).map { _ in UUID().uuidString.lowercased() } }
        let answers = try await withThrowingTaskGroup(of: (Int, Result<StatementImport, LRSError>).self) { group in
            for (index, ids) in batches.enumerated() {
                // The seventh also sends the stored id with other content: a conflict for it alone.
                let sent = try index == 6 ? request(ids + [taken], verb: "attempted") : request(ids)
                group.addTask {
                    do throws(LRSError) { return (index, .success(try await writer.store(sent))) } catch { return (index, .failure(error)) }
                }
                // The first is taken alone, then the other eleven wait together.
                if index == 0 { try await waitUntil { writer.figures.transactions == 2 } }
            }
            try await waitUntil { writer.figures.waiting == 11 }
            release.signal()
            return try await group.reduce(into: [Int: Result<StatementImport, LRSError>]()) { $0[$1.0] = $1.1 }
        }
        for index in 0..<12 {
            let answer = try #require(answers[index])
            switch answer {
            case .success(let stored): #expect(index != 6 && stored.stored == 20 && stored.ids == batches[index], "\(index)")
            case .failure(let error): #expect(index == 6 && error.code == .conflict, "\(index): \(error)")
            }
        }
        let figures = writer.figures
        #expect(figures.transactions == 3 && figures.requests == 13 && figures.regrouped == 1 && figures.waiting == 0, "\(figures)")
        #expect(try database.count("SELECT COUNT(*) FROM xapi_statement") == 1 + 11 * 20)
        let refused = batches[6].map { "'\($0)'" }.joined(separator: ",")
        #expect(try database.count("SELECT COUNT(*) FROM xapi_statement WHERE id IN (\(refused))") == 0)
        #expect(try database.danglingReferences() == [])
    }

    @Test("on SQLite the writer's index rows wait, in one row per batch, until enough gather or something reads the indexes; a rollback leaves none, a reopened file finds them")
    func pendingIndexRows() async throws {
        let temporary = try TemporaryDatabase(.sqlite)
        let database = temporary.database
        // Each statement: its actor and the platform (its authority) as agents, its object as an activity.
        let writer = StatementWriter(database: database, pendingIndexRowsLimit: 30)
        func request(_ ids: [String], actor: String = "ada", object: String = "https://example.org/a", verb: String = "experienced") throws -> StatementWriter.Request {
            let lines = ids.map { id in
                #"{"id":"\#(id)","actor":{"mbox":"mailto:\#(actor)@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)"},"object":{"id":"\#(object)"}}"#
            }
            return StatementWriter.Request(batch: try StatementService.parse(Data(lines.joined(separator: "\n").utf8)), attachments: [],
                                           authority: .platform, societyID: nil, actor: "lrs")
        }
        func ids(_ count: Int) -> [String] { (0..<count).map { _ in UUID().uuidString.lowercased() } }
        func pending(_ database: AppDatabase) throws -> (batches: Int, rows: Int) {
            let rows = try database.peek("SELECT count(*), coalesce(sum(rows), 0) FROM xapi_statement_index_pending")
            return (Int(rows.first?.int64(0) ?? -1), Int(rows.first?.int64(1) ?? -1))
        }
        func indexRows(_ database: AppDatabase) throws -> Int {
            try database.count("SELECT (SELECT count(*) FROM xapi_statement_agent) + (SELECT count(*) FROM xapi_statement_activity)")
        }
        func found(_ database: AppDatabase, agent: String, activity: String? = nil) throws -> [String] {
            var parameters = ["agent": #"{"mbox":"mailto:\#(agent)@example.org"}"#, "format": "ids", "ascending": "true"]
            if let activity { parameters["activity"] = activity }
            let page = try LRSStatements(database: database).query(try StatementQuery(parameters), reader: .platform, version: "1.0.3", languages: [])
            return page.statements.compactMap { text in
                (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["id"] as? String
            }
        }

        let first = ids(4), second = ids(3)
        _ = try await writer.store(try request(first))
        _ = try await writer.store(try request(second, actor: "bob", object: "https://example.org/b"))
        // Two batches wait (12 and 9 rows); the indexes hold none of them yet.
        #expect(try pending(database) == (2, 21))
        #expect(try indexRows(database) == 0)

        // A conflicting batch is rolled back with its pending row.
        await #expect(throws: LRSError.self) { try await writer.store(try request(ids(2) + [first[0]], verb: "attempted")) }
        #expect(try pending(database) == (2, 21))

        // A reader moves them in first and finds every statement, each index's rows in key order.
        #expect(try found(database, agent: "ada") == first)
        #expect(try found(database, agent: "bob", activity: "https://example.org/b") == second)
        #expect(try found(database, agent: "bob", activity: "https://example.org/a") == [])
        #expect(try pending(database) == (0, 0))
        #expect(try indexRows(database) == 21)
        let agentRows = try database.peek("SELECT agent_id, statement_rowid FROM xapi_statement_agent").map { [$0.int64(0) ?? 0, $0.int64(1) ?? 0] }
        #expect(agentRows == agentRows.sorted { $0.lexicographicallyPrecedes($1) } && Set(agentRows.map { $0[0] }).count == 3)

        // Once 30 rows wait, the group that reached them moves them in.
        _ = try await writer.store(try request(ids(6), actor: "cy"))
        #expect(try pending(database) == (1, 18))
        let third = ids(5)
        _ = try await writer.store(try request(third, actor: "cy"))
        #expect(try pending(database) == (0, 0))
        #expect(try indexRows(database) == 21 + 33)

        // Rows waiting when the process ends are found by the next one.
        let last = ids(2)
        _ = try await writer.store(try request(last, actor: "dee"))
        #expect(try pending(database) == (1, 6))
        let reopened = try AppDatabase(path: temporary.path)
        #expect(try found(reopened, agent: "dee") == last)
        #expect(try pending(reopened) == (0, 0))
        #expect(try found(reopened, agent: "cy").suffix(5) == third[...])
        #expect(try reopened.danglingReferences() == [])

        // A key another writer added meanwhile keeps its one id: the writer, which knew the whole
        // key table, reads the keys added since instead of giving it a second.
        let imported = UUID().uuidString.lowercased()
        _ = try StatementService(database: database).importStatements(
            Data(#"{"id":"\#(imported)","actor":{"mbox":"mailto:eve@example.org"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://example.org/e"}}"#.utf8),
            actor: "t")
        let posted = ids(1)
        _ = try await writer.store(try request(posted, actor: "eve", object: "https://example.org/e"))
        #expect(try database.count("SELECT count(*) FROM xapi_agent_key WHERE key = 'mbox:mailto:eve@example.org'") == 1)
        #expect(try database.count("SELECT count(*) FROM xapi_activity_key WHERE key = 'https://example.org/e'") == 1)
        #expect(try found(database, agent: "eve", activity: "https://example.org/e") == [imported] + posted)
    }

    @Test("what the writer learned from earlier POSTs is dropped when anything else writes: another connection, or this one")
    func writerMemory() async throws {
        let world = try await LRSWorld()
        let database = world.api.database
        func actor(_ engineer: String) -> [String: Any] {
            ["objectType": "Agent", "account": ["homePage": "https://learning.ecba.org.cn", "name": engineer]]
        }
        func post(_ engineer: String, course: String = "cces/ethics", activity: String = "l1", registration: String? = nil) async throws -> String {
            let id = UUID().uuidString.lowercased()
            var extra: [String: Any] = ["actor": actor(engineer)]
            if let registration { extra["context"] = ["registration": registration] }
            let statement = Self.statement(id: id, activity: ActivityIRI.make(courseID: course, activity: activity), extra: extra)
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version, body: try Self.encode([statement]))
            #expect(answer.status == 200, "\(answer.text)")
            return id
        }
        func stored(_ id: String) throws -> (engineer: String?, enrollment: Int64?, unmatched: String?) {
            let rows = try database.peek("SELECT engineer_id, enrollment_id, unmatched FROM xapi_statement WHERE id = ?", [.text(id)])
            guard let row = rows.first else { return (nil, nil, "(not stored)") }
            return (row.text(0), row.int64(1), row.text(2))
        }
        // An engineer the platform does not know yet: stored unmatched, and remembered as unknown.
        #expect(try stored(try await post("zhao")).unmatched == "unknown-actor")
        // Another connection (as another process would) adds the engineer to the society.
        let other = try TestDatabase.open(database.path)
        _ = try EngineerService(database: other).add(id: "zhao", name: "赵六", societyID: "cces", memberNumber: "C-9", actor: "t")
        #expect(try stored(try await post("zhao")) == ("zhao", nil, "unknown-activity"))
        // An enrollment the writer has seen, withdrawn through this process's own connection.
        let registration = try EnrollmentService(database: database).enroll(engineerID: "li", courseID: "cces/design", actor: "t")
            .enrollment.registration.uuidString.lowercased()
        let before = try stored(try await post("li", course: "cces/design", activity: "quiz", registration: registration))
        #expect(before.engineer == "li" && before.enrollment != nil && before.unmatched == nil)
        _ = try EnrollmentService(database: database).withdraw(engineerID: "li", courseID: "cces/design", actor: "t")
        #expect(try stored(try await post("li", course: "cces/design", activity: "quiz", registration: registration)) == ("li", nil, "unknown-activity"))
    }

    /// A multipart/mixed statement request: the statements, then each part as given.
    static func multipart(_ statements: Any, parts: [(headers: [String: String], body: Data)], boundary: String = "ecba-test-7f3a") throws -> Data {
        var body = Data("--\(boundary)\r\nContent-Type: application/json\r\n\r\n".utf8)
        body.append(try encode(statements))
        for part in parts {
            body.append(Data("\r\n--\(boundary)\r\n".utf8))
            for (name, value) in part.headers.sorted(by: { $0.key < $1.key }) { body.append(Data("\(name): \(value)\r\n".utf8)) }
            body.append(Data("\r\n".utf8))
            body.append(part.body)
        }
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return body
    }

    static func attachment(_ content: Data, usage: String = "http://example.org/attachment/notes", type: String = "text/plain", fileUrl: String? = nil) -> [String: Any] {
        var attachment: [String: Any] = [
            "usageType": usage, "display": ["en-US": "Notes", "zh-CN": "笔记"], "contentType": type, "length": content.count,
            "sha2": SHA256.hash(data: content).hexString,
        ]
        if let fileUrl { attachment["fileUrl"] = fileUrl }
        return attachment
    }

    @Test("attachments: multipart/mixed parts by SHA-2, fileUrl with JSON, attachments=true; a hash that lies or a missing or excess part stores nothing")
    func attachments() async throws {
        let world = try await LRSWorld()
        let multipart = ["X-Experience-API-Version": "1.0.3", "Content-Type": "multipart/mixed; boundary=ecba-test-7f3a"]
        let notes = Data("学时 notes: line 1\r\n--not a boundary\r\n\u{0}\u{1}binary".utf8)
        let hash = SHA256.hash(data: notes).hexString
        let part = (headers: ["Content-Type": "text/plain", "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": hash], body: notes)
        // With its bytes as a part: stored, and answered again with attachments=true.
        let id = UUID().uuidString.lowercased()
        let posted = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: multipart,
                                          body: try Self.multipart([Self.statement(id: id, extra: ["attachments": [Self.attachment(notes)]])], parts: [part]))
        #expect(posted.status == 200, "\(posted.text)")
        let plain = try await world.call("/xapi/statements?statementId=\(id)", as: world.cces, headers: version)
        #expect(plain.headers["content-type"] == "application/json")
        let full = try await world.call("/xapi/statements?statementId=\(id)&attachments=true", as: world.cces, headers: version)
        let contentType = try #require(full.headers["content-type"])
        #expect(contentType.hasPrefix("multipart/mixed; boundary="))
        let boundary = String(contentType.dropFirst("multipart/mixed; boundary=".count))
        let sections = full.text.components(separatedBy: "--\(boundary)")
        #expect(sections.count == 4 && sections[3].hasPrefix("--"), "\(sections.count)")  // preamble, JSON, the part, the close
        #expect(sections[1].contains("Content-Type: application/json") && sections[1].contains("\"id\":\"\(id)\""))
        #expect(sections[2].contains("X-Experience-API-Hash: \(hash)") && sections[2].contains("Content-Transfer-Encoding: binary"))
        #expect(full.body.range(of: Data("\r\n\r\n".utf8) + notes + Data("\r\n--\(boundary)--".utf8)) != nil)
        let page = try await world.call("/xapi/statements?attachments=true&limit=5", as: world.cces, headers: version)
        #expect(page.headers["content-type"]?.hasPrefix("multipart/mixed") == true && page.body.range(of: notes) != nil)
        // A fileUrl needs no part, and goes as plain JSON.
        #expect(try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version, body: try Self.encode(
            Self.statement(extra: ["attachments": [Self.attachment(Data("elsewhere".utf8), fileUrl: "https://files.example.org/a.pdf")]]))).status == 200)

        let before = try world.statementCount()
        let kept = try world.api.database.count("SELECT COUNT(*) FROM xapi_attachment")
        #expect(kept == 1)
        let other = Data("other bytes".utf8)
        let lying = (headers: part.headers, body: Data("学时 notes, changed".utf8))
        var refused: [(String, [String: String], Data)] = [
            ("statement 1's attachment|no part for an attachment without fileUrl, as JSON (statements count from 1)", version, try Self.encode(Self.statement(extra: ["attachments": [Self.attachment(other)]]))),
            ("fileUrl|no part for an attachment without fileUrl", multipart, try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(other)]]), parts: [])),
            ("does not have the SHA-2|a part whose content is not its hash", multipart, try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [lying])),
            ("not an attachment of any statement|a part no statement names", multipart, try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [
                part, (headers: ["Content-Type": "text/plain", "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": SHA256.hash(data: other).hexString], body: other),
            ])),
            ("no X-Experience-API-Hash|a part without X-Experience-API-Hash", multipart, try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [
                (headers: ["Content-Type": "text/plain", "Content-Transfer-Encoding": "binary"], body: notes),
            ])),
            ("binary|a part in base64", multipart, try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [
                (headers: ["Content-Type": "text/plain", "Content-Transfer-Encoding": "base64", "X-Experience-API-Hash": hash], body: notes),
            ])),
            ("boundary parameter|no boundary parameter", ["X-Experience-API-Version": "1.0.3", "Content-Type": "multipart/mixed"],
             try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [part])),
            ("no line '--ecba-test-7f3a'|a boundary the body does not use", multipart,
             try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [part], boundary: "another")),
            ("not multipart/form-data|multipart/form-data", ["X-Experience-API-Version": "1.0.3", "Content-Type": "multipart/form-data; boundary=ecba-test-7f3a"],
             try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [part])),
            ("Attachment object|an attachment that is not an object", version, try Self.encode(Self.statement(extra: ["attachments": ["notes"]]))),
            ("must be an array|attachments that are not an array", version, try Self.encode(Self.statement(extra: ["attachments": Self.attachment(notes, fileUrl: "https://x.example/a")]))),
            ("attachments[0].usageType' must be an absolute IRI|a usageType that is not an IRI", version, try Self.encode(Self.statement(extra: ["attachments": [Self.attachment(notes, usage: "notes", fileUrl: "https://x.example/a")]]))),
        ]
        var noLength = Self.attachment(notes, fileUrl: "https://x.example/a")
        noLength["length"] = "27"
        refused.append(("attachments[0].length' must be|a length that is not an integer", version, try Self.encode(Self.statement(extra: ["attachments": [noLength]]))))
        var firstNotJSON = try Self.multipart(Self.statement(extra: ["attachments": [Self.attachment(notes)]]), parts: [part])
        firstNotJSON.replaceSubrange(firstNotJSON.range(of: Data("application/json".utf8))!, with: Data("text/plain".utf8))
        refused.append(("first part|a first part that is not JSON", multipart, firstNotJSON))
        for (what, headers, body) in refused {
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: headers, body: body)
            let reason = what.split(separator: "|")[0]
            #expect(answer.status == 400 && answer.text.contains(reason), "\(what): \(answer.status) \(answer.text)")
        }
        #expect(try world.statementCount() == before)
        #expect(try world.api.database.count("SELECT COUNT(*) FROM xapi_attachment") == kept)
    }

    /// A JWS over `payload` with `header`, signed by the PEM key.
    static func jws(_ payload: Data, header: [String: Any], key: PrivateSigningKey) throws -> Data {
        let input = Base64URL.encode(try encode(header)) + "." + Base64URL.encode(payload)
        return Data((input + "." + Base64URL.encode(try key.sign(Data(input.utf8)))).utf8)
    }

    @Test("signed statements: RS256 with its x5c certificate stored; another payload, another key, HS256 or the wrong content type refused")
    func signedStatements() async throws {
        let world = try await LRSWorld()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("signed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The signer's key and self-signed certificate, and a stranger's certificate, by OpenSSL.
        for name in ["signer", "stranger"] {
            let made = try await CLI.runDetached(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name)", "-days", "1",
                                                  "-keyout", folder.appendingPathComponent("\(name).key").path, "-outform", "DER",
                                                  "-out", folder.appendingPathComponent("\(name).der").path],
                                                 program: URL(fileURLWithPath: "/usr/bin/openssl"))
            try #require(made.status == 0, "openssl: \(made.stderr)")
        }
        let key = try PrivateSigningKey(pem: try String(contentsOf: folder.appendingPathComponent("signer.key"), encoding: .utf8), algorithm: .rs256)
        let certificate = try Data(contentsOf: folder.appendingPathComponent("signer.der")).base64EncodedString()
        let stranger = try Data(contentsOf: folder.appendingPathComponent("stranger.der")).base64EncodedString()
        let multipart = ["X-Experience-API-Version": "1.0.3", "Content-Type": "multipart/mixed; boundary=ecba-test-7f3a"]

        func signed(_ statement: [String: Any], payload: [String: Any]? = nil, header: [String: Any], type: String = "application/octet-stream") throws -> Data {
            let signature = try Self.jws(try Self.encode(payload ?? statement), header: header, key: key)
            var sent = statement
            sent["attachments"] = [Self.attachment(signature, usage: "http://adlnet.gov/expapi/attachments/signature", type: type)]
            return try Self.multipart(sent, parts: [(headers: ["Content-Type": type, "Content-Transfer-Encoding": "binary",
                                                               "X-Experience-API-Hash": SHA256.hash(data: signature).hexString], body: signature)])
        }
        let id = UUID().uuidString.lowercased()
        let good = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: multipart,
                                        body: try signed(Self.statement(id: id), header: ["alg": "RS256", "x5c": [certificate]]))
        #expect(good.status == 200, "\(good.text)")
        let noCertificate = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: multipart,
                                                 body: try signed(Self.statement(), header: ["alg": "RS256"]))
        #expect(noCertificate.status == 200, "\(noCertificate.text)")
        let before = try world.statementCount()
        let cases: [(String, Data)] = [
            ("not the statement that was sent|a payload that is another statement", try signed(Self.statement(verb: "passed"), payload: Self.statement(verb: "failed"), header: ["alg": "RS256"])),
            ("does not verify|a certificate of another key", try signed(Self.statement(), header: ["alg": "RS256", "x5c": [stranger]])),
            ("uses HS256|HS256", try signed(Self.statement(), header: ["alg": "HS256"])),
            ("octet-stream|a signature that is not application/octet-stream", try signed(Self.statement(), header: ["alg": "RS256"], type: "text/plain")),
        ]
        for (what, body) in cases {
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: multipart, body: body)
            let reason = what.split(separator: "|")[0]
            #expect(answer.status == 400 && answer.text.contains(reason), "\(what): \(answer.status) \(answer.text)")
        }
        // Not a JWS at all, though its part is what its hash says.
        let garbage = Data("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl".utf8)
        var statement = Self.statement()
        statement["attachments"] = [Self.attachment(garbage, usage: "http://adlnet.gov/expapi/attachments/signature", type: "application/octet-stream")]
        let notJWS = try Self.multipart(statement, parts: [(headers: ["Content-Type": "application/octet-stream", "Content-Transfer-Encoding": "binary",
                                                                      "X-Experience-API-Hash": SHA256.hash(data: garbage).hexString], body: garbage)])
        let refused = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: multipart, body: notJWS)
        #expect(refused.status == 400 && refused.text.contains("payload"), "\(refused.text)")
        #expect(try world.statementCount() == before)
    }

    @Test("a stored statement is answered with the bytes SQLite's json_set gave: minified, LRS fields set in place or appended")
    func outputAsJSONSet() throws {
        let queue = try DatabaseQueue()
        let authority = #"{ "objectType": "Agent", "account": {"homePage": "https://ecba.example", "name": "key-1"} }"#
        let bodies = [
            #"{"id":"a","actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://example.org/v"},"object":{"id":"http://example.org/o"}}"#,
            "{\n  \"id\" : \"b\",\n\t\"actor\": {\"name\": \"Zoë \\\"Z\\\" \\u00e9\\/\", \"mbox\": \"mailto:z@example.org\"},\r\n \"verb\": {\"id\": \"http://example.org/v\", \"display\": {\"zh-CN\": \"完成 了\"}},\n \"object\": {\"id\": \"http://example.org/o\"}, \"result\": {\"score\": {\"scaled\": 0.5e0, \"raw\": -1}, \"success\": true, \"extensions\": {\"http://x/y\": [1, [2, {}], null, \"}]\"]}} }",
            #"{"stored":"1999-01-01T00:00:00Z","timestamp":"2026-01-02T03:04:05.678+08:00","authority":{"mbox":"mailto:liar@example.org"},"version":"1.0.3","id":"c"}"#,
            #"{ "id" : "d", "version" : "2.0.0", "context": {"registration": "x", "extensions": {"stored": "not the top level"}} }"#,
        ]
        for body in bodies {
            for version in ["1.0.3", "2.0.0"] {
                for authorityText in [authority, nil] {
                    let stored = "2026-12-06T01:02:03.456Z"
                    let expected = try queue.read { db in
                        try String.fetchOne(db, sql: """
                            SELECT json_set(?1, '$.stored', ?2, '$.authority', json(COALESCE(?3, '\(StatementAuthority.platform.agent)')),
                                   '$.version', COALESCE(json_extract(?1, '$.version'), '\(version.hasPrefix("2.") ? "2.0.0" : "1.0.0")'),
                                   '$.timestamp', COALESCE(json_extract(?1, '$.timestamp'), ?2))
                            """, arguments: [body, stored, authorityText])
                    }
                    #expect(StatementOutput.render(body: body, stored: stored, authority: authorityText, version: version) == expected)
                }
            }
        }
    }

    @Test("queries: agent, verb, activity (related), registration, since/until, limit with more, ascending, formats; voided ones apart")
    func queries() async throws {
        let world = try await LRSWorld()
        let registration = UUID().uuidString.lowercased()
        let parent = "http://example.org/course"
        var sent: [String] = []
        for index in 0..<5 {
            let statement = Self.statement(mbox: index < 4 ? "mailto:ada@example.org" : "mailto:bob@example.org", verb: index % 2 == 0 ? "experienced" : "answered",
                                           activity: "http://example.org/course/\(index)",
                                           extra: ["context": ["registration": registration, "contextActivities": ["parent": [["id": parent]]]]])
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version, body: try Self.encode(statement))
            sent += try #require(answer.json as? [String])
        }
        func ids(_ parameters: [String: String], as credential: (key: String, secret: String)? = nil) async throws -> (ids: [String], more: String) {
            let answer = try await world.call("/xapi/statements?" + Self.query(parameters), as: credential ?? world.cces, headers: version)
            #expect(answer.status == 200, "\(parameters): \(answer.text)")
            let object = try #require(answer.json as? [String: Any])
            let statements = try #require(object["statements"] as? [[String: Any]])
            return (statements.compactMap { $0["id"] as? String }, object["more"] as? String ?? "")
        }
        let ada = #"{"mbox":"mailto:ada@example.org"}"#
        #expect(try await ids([:]).ids == sent.reversed())
        #expect(try await ids(["agent": ada]).ids == Array(sent[0..<4].reversed()))
        #expect(try await ids(["agent": ada, "verb": "http://adlnet.gov/expapi/verbs/answered"]).ids == [sent[3], sent[1]])
        #expect(try await ids(["activity": "http://example.org/course/2"]).ids == [sent[2]])
        #expect(try await ids(["activity": parent]).ids.isEmpty)
        #expect(try await ids(["activity": parent, "related_activities": "true"]).ids.count == 5)
        #expect(try await ids(["registration": registration, "ascending": "true"]).ids == sent)
        #expect(try await ids(["registration": UUID().uuidString]).ids.isEmpty)
        #expect(try await ids(["since": "2000-01-01T00:00:00Z", "until": "2999-01-01T00:00:00Z"]).ids.count == 5)
        #expect(try await ids(["until": "2000-01-01T00:00:00Z"]).ids.isEmpty)
        // Paging: two at a time, following `more`, gives everything once, in order.
        var page = try await ids(["limit": "2"])
        var all = page.ids
        while !page.more.isEmpty {
            let answer = try await world.call(page.more, as: world.cces, headers: version)
            let object = try #require(answer.json as? [String: Any])
            page = (((object["statements"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }, object["more"] as? String ?? "")
            all += page.ids
        }
        #expect(all == sent.reversed())
        // Formats: ids drops names and displays; canonical keeps the reader's language only.
        let idsFormat = try await world.call("/xapi/statements?statementId=\(sent[0])&format=ids", as: world.cces, headers: version)
        #expect(!idsFormat.text.contains("Ada") && !idsFormat.text.contains("display") && idsFormat.text.contains("ada@example.org"))
        let canonical = try await world.call("/xapi/statements?statementId=\(sent[0])&format=canonical", as: world.cces,
                                             headers: version.merging(["Accept-Language": "zh-CN"]) { $1 })
        #expect(canonical.text.contains("课程") && !canonical.text.contains("\"Course\""))
        // Voiding: the target leaves queries and statementId, and is found by voidedStatementId.
        let voiding = Self.statement(verb: "voided", extra: ["object": ["objectType": "StatementRef", "id": sent[1]]])
        let voided = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version, body: try Self.encode(voiding))
        let voidingID = try #require((voided.json as? [String])?.first)
        #expect(voided.status == 200)
        #expect(try await world.call("/xapi/statements?statementId=\(sent[1])", as: world.cces, headers: version).status == 404)
        #expect(try await world.call("/xapi/statements?voidedStatementId=\(sent[1])", as: world.cces, headers: version).status == 200)
        // The voided one matches no more, but the voiding statement that targets it does (xAPI-Communication 2.1.4).
        #expect(try await ids(["agent": ada, "verb": "http://adlnet.gov/expapi/verbs/answered"]).ids == [voidingID, sent[3]])
        // Bad parameters are a 400, not an unfiltered answer.
        for bad in [["agent": "ada"], ["limit": "-1"], ["since": "yesterday"], ["format": "pretty"], ["verbs": "x:y"], ["registration": "r"]] {
            #expect(try await world.call("/xapi/statements?" + Self.query(bad), as: world.cces, headers: version).status == 400, "\(bad)")
        }
        #expect(try await world.call("/xapi/statements?statementId=\(sent[0])&verb=x:y", as: world.cces, headers: version).status == 400)
        // Another society's credential sees none of it.
        #expect(try await ids([:], as: world.ces).ids.isEmpty)
        #expect(try await world.call("/xapi/statements?statementId=\(sent[0])", as: world.ces, headers: version).status == 404)
        // Activities and Agents.
        let activity = try await world.call("/xapi/activities?activityId=" + Self.query(["": "http://example.org/course/0"]).dropFirst(1), as: world.cces, headers: version)
        #expect(activity.status == 200 && activity.text.contains("课程"), "\(activity.text)")
        let person = try await world.call("/xapi/agents?" + Self.query(["agent": #"{"mbox":"mailto:ada@example.org","name":"Ada"}"#]), as: world.cces, headers: version)
        #expect((person.json as? [String: Any])?["objectType"] as? String == "Person")
    }

    @Test("State and profiles: ETags, If-Match and If-None-Match (412), a profile overwritten blind (409), JSON merge on POST, since, delete")
    func documents() async throws {
        let world = try await LRSWorld()
        let state = "/xapi/activities/state?" + Self.query(["activityId": "http://example.org/a", "agent": #"{"mbox":"mailto:ada@example.org"}"#, "stateId": "s"])
        #expect(try await world.call(state, as: world.cces, headers: version).status == 404)
        let put = try await world.call(state, method: "PUT", as: world.cces, headers: version, body: Data(#"{"page":1}"#.utf8))
        let etag = try #require(put.headers["etag"])
        #expect(put.status == 204)
        #expect(try await world.call(state, method: "POST", as: world.cces, headers: version, body: Data(#"{"note":"x"}"#.utf8)).status == 204)
        let merged = try await world.call(state, as: world.cces, headers: version)
        #expect(Self.pageAndNote(merged) == "1 x")
        #expect(merged.headers["etag"] != etag)
        #expect(try await world.call(state, method: "PUT", as: world.cces, headers: version.merging(["If-Match": etag]) { $1 }, body: Data("{}".utf8)).status == 412)
        #expect(try await world.call(state, method: "PUT", as: world.cces, headers: version.merging(["If-None-Match": "*"]) { $1 }, body: Data("{}".utf8)).status == 412)
        #expect(try await world.call(state, method: "POST", as: world.cces, headers: ["X-Experience-API-Version": "1.0.3", "Content-Type": "text/plain"],
                                     body: Data("plain".utf8)).status == 400)
        #expect(Self.pageAndNote(try await world.call(state, as: world.cces, headers: version)) == "1 x")
        let list = "/xapi/activities/state?" + Self.query(["activityId": "http://example.org/a", "agent": #"{"mbox":"mailto:ada@example.org"}"#])
        #expect(try await world.call(list, as: world.cces, headers: version).json as? [String] == ["s"])
        #expect(try await world.call(list + "&since=2999-01-01T00:00:00Z", as: world.cces, headers: version).json as? [String] == [])
        // Another society's credential does not see it, and cannot overwrite it.
        #expect(try await world.call(state, as: world.ces, headers: version).status == 404)
        #expect(try await world.call(state, method: "PUT", as: world.ces, headers: version, body: Data("{}".utf8)).status == 403)
        #expect(try await world.call(list, method: "DELETE", as: world.cces, headers: version).status == 204)
        #expect(try await world.call(state, as: world.cces, headers: version).status == 404)
        // Profiles: a second PUT without a precondition is a conflict; with the ETag it replaces.
        let profile = "/xapi/activities/profile?" + Self.query(["activityId": "http://example.org/a", "profileId": "p"])
        let first = try await world.call(profile, method: "PUT", as: world.cces, headers: ["X-Experience-API-Version": "1.0.3", "Content-Type": "application/xml"],
                                         body: Data("<p/>".utf8))
        #expect(first.status == 204)
        #expect(try await world.call(profile, method: "PUT", as: world.cces, headers: version, body: Data("{}".utf8)).status == 409)
        let replaced = try await world.call(profile, method: "PUT", as: world.cces, headers: version.merging(["If-Match": first.headers["etag"] ?? ""]) { $1 },
                                            body: Data(#"{"v":2}"#.utf8))
        #expect(replaced.status == 204)
        let read = try await world.call(profile, as: world.cces, headers: version)
        #expect(read.text == #"{"v":2}"# && read.headers["content-type"] == "application/json")
        let agentProfile = "/xapi/agents/profile?" + Self.query(["agent": #"{"mbox":"mailto:ada@example.org"}"#, "profileId": "prefs"])
        #expect(try await world.call(agentProfile, method: "PUT", as: world.cces, headers: version.merging(["If-None-Match": "*"]) { $1 },
                                     body: Data(#"{"lang":"zh-CN"}"#.utf8)).status == 204)
        #expect(try await world.call(agentProfile, as: world.cces, headers: version).text == #"{"lang":"zh-CN"}"#)
        #expect(try await world.call("/xapi/agents/profile?profileId=prefs", as: world.cces, headers: version).status == 400)
        // Scopes: a statements-only credential keeps no State.
        let writer = try LRSCredentialService(database: world.api.database).issue(societyID: "cces", name: "w", scopes: [.statementsWrite], actor: "t")
        #expect(try await world.call(state, method: "PUT", as: (writer.0.key, writer.secret), headers: version, body: Data("{}".utf8)).status == 403)
    }

    @Test("the Alternate Request Syntax: a form POSTed with ?method= is the request it stands for; 2.0, extra parameters or no content are refused")
    func alternateRequestSyntax() async throws {
        let world = try await LRSWorld()
        func form(_ fields: [String: String]) -> Data {
            var components = URLComponents()
            components.queryItems = fields.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            return Data((components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").utf8)
        }
        let formType = ["Content-Type": "application/x-www-form-urlencoded"]
        let authorization = "Basic " + Data("\(world.cces.key):\(world.cces.secret)".utf8).base64EncodedString()
        let id = UUID().uuidString.lowercased()
        let statement = String(decoding: try Self.encode(Self.statement()), as: UTF8.self)
        // PUT as a form: the headers (Authorization, the version) are form fields too.
        let put = try await HTTP.call(world.api.base + "/xapi/statements?method=PUT", method: "POST", headers: formType,
                                      body: form(["statementId": id, "content": statement, "Authorization": authorization,
                                                  "X-Experience-API-Version": "1.0.3"]))
        #expect(put.status == 204, "\(put.text)")
        let get = try await world.call("/xapi/statements?method=GET", method: "POST", as: world.cces, headers: version.merging(formType) { $1 },
                                       body: form(["statementId": id]))
        #expect(get.status == 200 && (get.json as? [String: Any])?["id"] as? String == id, "\(get.text)")
        let refusals: [(String, [String: String], Data)] = [
            ("/xapi/statements?method=PUT&statementId=\(id)", version.merging(formType) { $1 }, form(["content": statement])),
            ("/xapi/statements?method=PUT", version.merging(formType) { $1 }, form(["statementId": UUID().uuidString])),
            ("/xapi/statements?method=GET", ["X-Experience-API-Version": "2.0.0"].merging(formType) { $1 }, form(["limit": "1"])),
            ("/xapi/statements?method=PUT", version, try Self.encode(Self.statement())),
        ]
        for (path, headers, body) in refusals {
            let answer = try await world.call(path, method: "POST", as: world.cces, headers: headers, body: body)
            #expect(answer.status == 400, "\(path): \(answer.text)")
        }
        #expect(try world.statementCount() == 1)
    }

    @Test("Rustici's tincan client saves, retrieves, queries with paging, voids, and keeps State and profiles")
    func tincanClient() async throws {
        let world = try await LRSWorld()
        let script = Paths.repositoryRoot.appendingPathComponent("Tests/LRS/tincan_client.py").path
        let python = try #require(LRSTests.pythonWithTincan(), "no python3 with the 'tincan' module (.ci/run installs it: pip install tincan)")
        let result = try await CLI.runDetached([script, world.api.base + "/xapi/", world.cces.key, world.cces.secret], program: URL(fileURLWithPath: python))
        try #require(result.status == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data((result.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        #expect((seen["assigned_id"] as? String).flatMap(UUID.init(uuidString:)) != nil)
        let retrieved = try #require(seen["retrieved"] as? [String: Any])
        #expect(retrieved["has_stored"] as? Bool == true && retrieved["authority"] as? String == world.cces.key)
        let batch = try #require(seen["batch_ids"] as? [String])
        #expect(seen["pages"] as? [[String]] == [[batch[2], batch[1]], [batch[0]]])
        #expect(seen["voided_found"] as? Bool == true && seen["voided_as_plain"] as? Bool == false)
        #expect(seen["state"] as? [String: Int] == ["page": 3] && seen["state_ids"] as? [String] == ["bookmark"] && seen["state_after_delete"] as? Int == 404)
        #expect(seen["activity_profile"] as? String == "<settings/>" && seen["agent_profile"] as? [String: String] == ["language": "zh-CN"])
    }

    /// "page note" of a merged State document with exactly those two members.
    static func pageAndNote(_ answer: HTTP.Answer) -> String? {
        guard let object = answer.json as? [String: Any], object.count == 2, let page = object["page"] as? Int, let note = object["note"] as? String else { return nil }
        return "\(page) \(note)"
    }

    /// The first python3 that can import `tincan`.
    static func pythonWithTincan() -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        return (path + ["/usr/bin/python3"]).first { candidate in
            FileManager.default.isExecutableFile(atPath: candidate)
                && (try? CLI.run(["-c", "import tincan"], program: URL(fileURLWithPath: candidate)).status) == 0
        }
    }

    @Test("the CLI issues, lists and revokes credentials, and lists unmatched statements")
    func commandLine() async throws {
        let world = try await LRSWorld()
        let database = world.api.database.path
        let issued = try CLI.run(["lrs", "credentials", "issue", "cces", "--name", "Authoring", "--scope", "statements/write", "--scope", "state",
                                  "--json", "--database", database])
        #expect(issued.status == 0, "\(issued.stderr)")
        let key = try #require((try JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: String])?["key"])
        let listed = try CLI.run(["lrs", "credentials", "list", "--society", "cces", "--database", database])
        #expect(listed.stdout.contains(key) && listed.stdout.contains("statements/write state") && !listed.stdout.contains(world.cces.secret))
        #expect(try CLI.run(["lrs", "credentials", "issue", "cces", "--name", "x", "--scope", "everything", "--database", database]).status != 0)
        #expect(try CLI.run(["lrs", "credentials", "revoke", key, "--database", database]).status == 0)
        #expect(try CLI.run(["lrs", "credentials", "revoke", key, "--database", database]).status != 0)
        _ = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: version, body: try Self.encode(Self.statement()))
        let unmatched = try CLI.run(["progress", "unmatched", "--json", "--database", database])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(unmatched.stdout.utf8)) as? [String: Any])
        #expect(report["total"] as? Int == 1)
        #expect(((report["statements"] as? [[String: Any]])?.first?["reason"] as? String) == "unknown-actor")
    }
}
