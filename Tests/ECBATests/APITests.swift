import Catalog
import Credentials
import Domain
import Enrollment
import Foundation
import Societies
@testable import SocietyAPI
import Storage
import Testing
import Transcripts
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The society API on a loopback port, with TranscriptWorld's data: cces (zhang, li) and ces
/// (wang), a token for each, a signing key.
final class APIWorld {
    let setting: TranscriptWorld
    let cces: String
    let ces: String
    let port: Int
    let server: Task<Void, any Error>

    var database: AppDatabase { setting.world.store.database }
    var base: String { "http://127.0.0.1:\(port)" }

    init(rate: Double = 1000, maxBody: Int = 1 << 20) async throws {
        setting = try TranscriptWorld()
        let tokens = TokenService(database: setting.world.store.database)
        cces = try tokens.issue(societyID: "cces", actor: "t").token
        ces = try tokens.issue(societyID: "ces", actor: "t").token
        let keys = KeyDirectory(setting.world.store.folder.appendingPathComponent("keys"))
        _ = try KeyService(database: setting.world.store.database, directory: keys).generate(.edDSA, actor: "t")
        let api = SocietyAPI(
            database: setting.world.store.database,
            configuration: APIConfiguration(host: "127.0.0.1", port: 0, maxBodyBytes: maxBody, requestsPerSecond: rate, burst: rate, keys: keys)
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        server = Task { try await api.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    deinit { server.cancel() }

    typealias Answer = HTTP.Answer

    func call(_ path: String, method: String = "GET", token: String?, headers: [String: String] = [:], body: Data? = nil) async throws -> Answer {
        var all = headers
        if let token { all["Authorization"] = "Bearer \(token)" }
        return try await HTTP.call(base + path, method: method, headers: all, body: body)
    }

    /// An xAPI statement: `engineer` passed `activity` of `course`.
    static func statement(id: String = UUID().uuidString.lowercased(), engineer: String, course: String, activity: String, verb: String = "passed", score: Double? = 0.9) -> [String: Any] {
        var statement: [String: Any] = [
            "id": id,
            "actor": ["objectType": "Agent", "account": ["homePage": "https://learning.ecba.org.cn", "name": engineer]],
            "verb": ["id": "http://adlnet.gov/expapi/verbs/\(verb)"],
            "object": ["objectType": "Activity", "id": ActivityIRI.make(courseID: course, activity: activity)],
            "timestamp": "2026-08-01T10:00:00Z",
        ]
        if let score { statement["result"] = ["score": ["scaled": score]] }
        return statement
    }
}

@Suite("The society API over loopback HTTP", .serialized)
struct APITests {
    @Test("health, metrics, the report as JSON and CSV, the catalog")
    func basics() async throws {
        let world = try await APIWorld()
        let health = try await world.call("/health", token: nil)
        #expect(health.status == 200 && health.text == "{\"status\":\"ok\"}")
        let json = try await world.call("/v1/report?period=2026", token: world.cces)
        #expect(json.status == 200 && json.headers["content-type"] == "application/json")
        let rows = try #require((json.json as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.map { $0["engineer_id"] as? String } == ["zhang", "li"] && rows.first?["met"] as? Bool == true)
        let csv = try await world.call("/v1/report?period=2026", token: world.cces, headers: ["Accept": "text/csv"])
        #expect(csv.status == 200 && csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(csv.text.hasPrefix("member_number,engineer_id,") && csv.text.contains("C-2,li,李四,cces,2026-01-01,2026-12-31"))
        let detail = try await world.call("/v1/report?period=2026&detail=true", token: world.cces, headers: ["Accept": "text/csv"])
        #expect(detail.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 4)
        let catalog = try await world.call("/v1/catalog", token: world.ces)
        #expect(catalog.status == 200 && (catalog.json as? [[String: Any]])?.count == 2)
        let course = try await world.call("/v1/catalog/cces/ethics", token: world.ces)
        #expect(course.status == 200 && course.text.contains("工程伦理"))
        let metrics = try await world.call("/metrics", token: nil)
        #expect(metrics.text.contains("ecba_http_requests_total{route=\"/v1/report\",status=\"200\"}"))
    }

    @Test("the changes feed: a client that keeps its cursor never misses or re-reads a change while completions arrive")
    func changesFeed() async throws {
        let world = try await APIWorld()
        let enrollments = EnrollmentService(database: world.database, clock: world.setting.world.clock.now)
        let progress = ProgressService(database: world.database, clock: world.setting.world.clock.now)
        let engineers = EngineerService(database: world.database, clock: world.setting.world.clock.now)
        var cursor = ""
        var seen: [String] = []
        for round in 0..<6 {
            // New completions arrive between pages.
            let id = "new\(round)"
            _ = try engineers.add(id: id, name: "新\(round)", societyID: round % 2 == 0 ? "cces" : "ces", memberNumber: "N-\(round)", actor: "t")
            _ = try enrollments.enroll(engineerID: id, courseID: "cces/ethics", actor: "t")
            _ = try progress.record(engineerID: id, courseID: "cces/ethics", activity: "l1", outcome: .completed, at: TranscriptWorld.day("2026-09-01"), actor: "t")
            let page = try await world.call("/v1/transcripts/changes?limit=1" + (cursor.isEmpty ? "" : "&cursor=\(cursor)"), token: world.cces)
            #expect(page.status == 200)
            let object = try #require(page.json as? [String: Any])
            seen += (object["changes"] as? [[String: Any]] ?? []).compactMap { $0["idempotencyKey"] as? String }
            cursor = try #require(object["nextCursor"] as? String)
        }
        while true {
            let page = try await world.call("/v1/transcripts/changes?limit=2&cursor=\(cursor)", token: world.cces)
            let object = try #require(page.json as? [String: Any])
            let changes = object["changes"] as? [[String: Any]] ?? []
            seen += changes.compactMap { $0["idempotencyKey"] as? String }
            cursor = try #require(object["nextCursor"] as? String)
            if changes.isEmpty { break }
        }
        // cces: zhang 2, li 1, new0, new2, new4 = 6 changes, each once; nothing of ces's members.
        #expect(seen.count == 6 && Set(seen).count == 6)
        // A revocation is a change too.
        try world.database.transaction(at: Date()) { tx in _ = try tx.revokeAward(enrollmentID: 3, reason: "voided") }
        let after = try await world.call("/v1/transcripts/changes?cursor=\(cursor)", token: world.cces)
        let changes = try #require((after.json as? [String: Any])?["changes"] as? [[String: Any]])
        #expect(changes.count == 1 && changes.first?["status"] as? String == "revoked" && changes.first?["version"] as? Int == 2)
        let bad = try await world.call("/v1/transcripts/changes?cursor=bm9wZQ", token: world.cces)
        #expect(bad.status == 400 && bad.problemCode == "invalid-cursor")
    }

    @Test("transcripts: JSON or the signed CLR for a member; anyone else is a 404 like an unknown id")
    func transcripts() async throws {
        let world = try await APIWorld()
        let json = try await world.call("/v1/engineers/zhang/transcript", token: world.cces)
        #expect(json.status == 200 && ((json.json as? [String: Any])?["records"] as? [Any])?.count == 2)
        let clr = try await world.call("/v1/engineers/zhang/transcript", token: world.cces, headers: ["Accept": "application/vc+jwt"])
        #expect(clr.status == 200 && clr.headers["content-type"] == "application/vc+jwt")
        let keys = try KeyService(database: world.database, directory: KeyDirectory(world.setting.world.store.folder.appendingPathComponent("keys"))).jwks()
        #expect(CredentialVerifier(keys: keys).verifyTranscript(clr.text).valid)
        let other = try await world.call("/v1/engineers/wang/transcript", token: world.cces)
        let unknown = try await world.call("/v1/engineers/nobody/transcript", token: world.cces)
        #expect(other.status == 404 && unknown.status == 404 && other.problemCode == "not-found" && unknown.problemCode == "not-found")
        #expect(other.text.replacingOccurrences(of: "wang", with: "X") == unknown.text.replacingOccurrences(of: "nobody", with: "X"))
    }

    @Test("xAPI: POST and PUT statements under the store rules, scoped to the society's members")
    func statements() async throws {
        let world = try await APIWorld()
        _ = try EnrollmentService(database: world.database).enroll(engineerID: "li", courseID: "cces/design", actor: "t")
        let statement = APIWorld.statement(engineer: "li", course: "cces/design", activity: "quiz")
        let body = try JSONSerialization.data(withJSONObject: statement)
        let headers = ["X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"]
        let missingVersion = try await world.call("/xapi/statements", method: "POST", token: world.cces, body: body)
        #expect(missingVersion.status == 400 && missingVersion.problemCode == "xapi-version")
        let posted = try await world.call("/xapi/statements", method: "POST", token: world.cces, headers: headers, body: body)
        #expect(posted.status == 200 && (posted.json as? [String]) == [statement["id"] as? String ?? ""] && posted.headers["x-experience-api-version"] == "1.0.3")
        #expect(try world.database.awards(of: "li").count == 2)
        // The same statement again: a no-op. The same id with other content: 409.
        let again = try await world.call("/xapi/statements", method: "POST", token: world.cces, headers: headers, body: body)
        #expect(again.status == 200)
        var changed = statement
        changed["result"] = ["score": ["scaled": 0.5]]
        let conflict = try await world.call("/xapi/statements", method: "POST", token: world.cces, headers: headers, body: try JSONSerialization.data(withJSONObject: changed))
        #expect(conflict.status == 409 && conflict.problemCode == "conflict")
        // PUT with statementId.
        let id = UUID().uuidString.lowercased()
        var put = APIWorld.statement(engineer: "zhang", course: "cces/design", activity: "quiz", verb: "completed", score: nil)
        put.removeValue(forKey: "id")
        let putAnswer = try await world.call("/xapi/statements?statementId=\(id)", method: "PUT", token: world.cces, headers: headers, body: try JSONSerialization.data(withJSONObject: put))
        #expect(putAnswer.status == 204)
        // Another society's member is unknown to this token: the statement is kept (an LRS stores
        // every valid statement), unmatched, and earns him nothing.
        _ = try EnrollmentService(database: world.database).enroll(engineerID: "wang", courseID: "cces/design", actor: "t")
        let foreign = APIWorld.statement(engineer: "wang", course: "cces/design", activity: "quiz")
        let kept = try await world.call("/xapi/statements", method: "POST", token: world.cces, headers: headers, body: try JSONSerialization.data(withJSONObject: foreign))
        #expect(kept.status == 200)
        #expect(try world.database.awards(of: "wang").count == 1)
        let unmatched = try StatementService(database: world.database).unmatched(limit: 5)
        #expect(unmatched.statements.map(\.id) == [foreign["id"] as? String ?? ""] && unmatched.statements.first?.reason == "unknown-actor")
    }
}

@Suite("The society API under attack", .serialized)
struct APIAttackTests {
    @Test("tokens: missing, garbled, another society's, revoked, and a withdrawn society; nothing leaks")
    func tokens() async throws {
        let world = try await APIWorld()
        for token in [nil, "", "garbage", "ecba_000000000000_" + String(repeating: "a", count: 64), world.cces + "x", String(world.cces.dropLast())] as [String?] {
            let answer = try await world.call("/v1/report", token: token)
            #expect(answer.status == 401 && answer.problemCode == "unauthorized" && !answer.text.contains("zhang"), "\(token ?? "nil")")
        }
        // ces's token sees ces's members only.
        let report = try await world.call("/v1/report?period=2026", token: world.ces, headers: ["Accept": "text/csv"])
        #expect(report.text.contains("wang") && !report.text.contains("zhang") && !report.text.contains("li,"))
        let transcript = try await world.call("/v1/engineers/zhang/transcript", token: world.ces)
        #expect(transcript.status == 404 && !transcript.text.contains("张三"))
        let changes = try await world.call("/v1/transcripts/changes", token: world.ces)
        #expect(!changes.text.contains("zhang"))
        // Revoked: refused on the very next request.
        let tokens = TokenService(database: world.database)
        let id = String(world.ces.split(separator: "_")[1])
        try tokens.revoke(societyID: "ces", tokenID: id, actor: "t")
        let revoked = try await world.call("/v1/report", token: world.ces)
        #expect(revoked.status == 401 && revoked.text.contains("revoked"))
        // A withdrawn society: its still-valid token is refused at once.
        _ = try world.setting.world.societies.withdraw(id: "cces", reason: "left", actor: "t")
        let withdrawn = try await world.call("/v1/report", token: world.cces)
        #expect(withdrawn.status == 403 && withdrawn.problemCode == "society-not-authorized")
    }

    @Test("path tricks, SQL-looking input, oversized bodies and floods are refused without leaking")
    func hostileInput() async throws {
        let world = try await APIWorld(rate: 1000, maxBody: 2048)
        for path in [
            "/v1/engineers/..%2F..%2Fetc%2Fpasswd/transcript", "/v1/engineers/zhang%00/transcript", "/v1/engineers/%27%20OR%201%3D1%20--/transcript",
            "/v1/catalog/..%2F..%2F/etc", "/v1/../v1/engineers/wang/transcript", "/v1/catalog/cces/ethics%27%3B%20DROP%20TABLE%20engineer%3B--",
        ] {
            let answer = try await world.call(path, token: world.cces)
            #expect(answer.status == 404 && !answer.text.contains("王五") && !answer.text.lowercased().contains("sqlite"), "\(path): \(answer.status) \(answer.text)")
        }
        for query in ["period=2026'%3B%20DROP%20TABLE%20engineer%3B--", "period=99999"] {
            let answer = try await world.call("/v1/report?\(query)", token: world.cces)
            #expect(answer.status == 400 && answer.problemCode == "invalid-period")
        }
        let limit = try await world.call("/v1/transcripts/changes?limit=1%20OR%201=1", token: world.cces)
        #expect(limit.status == 400 && limit.problemCode == "invalid-limit")
        #expect(try EngineerService(database: world.database).show("zhang").engineer.name == "张三")
        let big = Data(repeating: UInt8(ascii: " "), count: 4096)
        let oversized = try await world.call("/xapi/statements", method: "POST", token: world.cces, headers: ["X-Experience-API-Version": "1.0.3"], body: big)
        #expect(oversized.status == 413 && oversized.problemCode == "body-too-large")
        let unknownRoute = try await world.call("/v1/secrets", token: world.cces)
        #expect(unknownRoute.status == 404 && unknownRoute.headers["content-type"] == "application/problem+json")
    }

    @Test("a token over its rate gets 429 with Retry-After")
    func rateLimit() async throws {
        let world = try await APIWorld(rate: 2)
        // Eight at once: one after another, on a loaded machine (CI building beside the tests),
        // they came slower than the bucket refills and none was refused.
        let (url, bearer) = (world.base + "/v1/catalog", "Bearer \(world.cces)")
        let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let answer = try await HTTP.call(url, method: "GET", headers: ["Authorization": bearer], body: nil)
                    return (answer.status, answer.headers["retry-after"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let statuses = answers.map(\.0)
        let retryAfter = answers.first { $0.0 == 429 }?.1
        #expect(statuses.filter { $0 == 200 }.count >= 2 && statuses.contains(429) && statuses.allSatisfy { $0 == 200 || $0 == 429 })
        #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        // Another token has its own budget.
        #expect(try await world.call("/v1/catalog", token: world.ces).status == 200)
    }
}

@Suite("Streaming a report to a client that goes away")
struct ReportStreamTests {
    @Test("a stream left with permits taken ends cleanly, and a producer of a cancelled stream stops")
    func abandoned() async throws {
        var stream: ReportStreamProbe? = ReportStreamProbe()
        try stream?.produce(chunks: 2)
        stream?.cancel()
        #expect(throws: (any Error).self) { try stream?.produce(chunks: 1) }
        stream = nil   // DispatchSemaphore trapped here when deallocated below its initial count
    }
}
