import CMI5
import Delivery
import Foundation
import GRDB
import Storage
import Testing

/// cmi5 courses in the player: ADL's CATAPULT example courses (with their cmi5.js client) launched
/// by the cmi5 rules, their AUs' statements checked by the LRS on the session's origin, and the
/// platform's own statements (launched, satisfied, abandoned, waived).
@Suite("cmi5 launch and sessions", .serialized)
struct CMI5Tests {
    static let mastery = "cmi5/catapult-course-examples/masteryscore_responsive.zip"
    static let multi = "cmi5/catapult-course-examples/multi_au_framed.zip"
    static let masteryAU = "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-single-au-mastery-score-responsive/1"
    static let multiAU1 = "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed/1"

    /// The published course ids, by the package's course id (the importer keys them by it).
    static func course(_ world: PlayerWorld, containing text: String) throws -> String {
        try #require(try world.database.text("SELECT id FROM course WHERE id LIKE ?", [.text("%\(text)%")]))
    }

    static func count(_ world: PlayerWorld, verb: String? = nil) throws -> Int {
        if let verb { return try world.database.count("SELECT count(*) FROM xapi_statement WHERE verb = ?", [.text(verb)]) }
        return try world.database.count("SELECT count(*) FROM xapi_statement")
    }

    @Test("a CATAPULT course in Chromium: fetch, LMS.LaunchData, the AU's pass, the course satisfied and credited")
    func quizInBrowser() async throws {
        let world = try await PlayerWorld(packages: [Paths.fixture(Self.mastery)])
        let course = try Self.course(world, containing: "mastery-score")
        let ticket = try LaunchService(database: world.database).launch(engineerID: "zhangsan", courseID: course, baseURL: world.base, actor: "t")
        let session = try #require(ticket.session)
        let seen = try await world.cmi5Learner(ticket.url, mode: "quiz-pass")
        #expect(seen["returned"] as? Bool == true, "\(seen)")
        #expect(seen["readOnly"] as? Bool == false)
        // The AU's own query is kept, the launch parameters follow it.
        let launchURL = try #require(seen["launchURL"] as? String)
        #expect(launchURL.hasPrefix("/content/index.html?endpoint="), "\(launchURL)")
        let statuses = seen["statuses"] as? [String: String] ?? [:]
        #expect(statuses[Self.masteryAU] == "passed", "\(seen)")
        let standing = try world.standing(course)
        #expect(standing.status == "completed" && standing.hours == 4)
        let verbs = try world.database.peek("SELECT verb, body FROM xapi_statement ORDER BY rowid").filter { row in
            jsonValue(row.text(1), ["context", "extensions", "https://w3id.org/xapi/cmi5/context/extensions/sessionid"]) as? String == session
        }.compactMap { $0.text(0) }
        let short = verbs.map { String($0.split(separator: "/").last ?? "") }
        #expect(short.first == "launched" && short.dropFirst().first == "initialized" && short.last == "terminated", "\(short)")
        #expect(short.contains("passed") && short.contains("completed") && short.contains("satisfied"), "\(short)")
        // The session is closed by the AU, and its statements' authority is the session's own credential.
        let closed = try world.database.peek("SELECT terminated_at, abandoned_at, judged FROM cmi5_session WHERE id = ?", [.text(session)]).first
        #expect(closed?.text(0) != nil && closed?.values[1] == .null && closed?.text(2) == "passed")
        let authority = try world.database.text("SELECT authority FROM xapi_statement WHERE verb = ?", [.text(CMI5Vocabulary.Verb.initialized)])
        #expect(authority?.contains("cmi5:\(session)") == true)
    }

    @Test("a relaunch abandons the session the AU left open, after the learner lost the connection")
    func relaunchAbandons() async throws {
        let world = try await PlayerWorld(packages: [Paths.fixture(Self.multi)])
        let course = try Self.course(world, containing: "multi-au")
        let first = try LaunchService(database: world.database).launch(engineerID: "zhangsan", courseID: course, activity: Self.multiAU1,
                                                                        baseURL: world.base, actor: "t")
        let seen = try await world.cmi5Learner(first.url, mode: "open")
        #expect(seen["readOnly"] as? Bool == false, "\(seen)")
        let firstSession = try #require(first.session)
        #expect(try world.openSession(firstSession))
        // The learner comes back: the AU's next launch abandons the open session first.
        let token = try await world.session(course)
        let answer = try await world.onSession(token, "/player/cmi5/launch", method: "POST", body: Data(#"{"activity":"\#(Self.multiAU1)"}"#.utf8))
        #expect(answer.status == 200)
        let launch = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any] ?? [:]
        #expect(launch["abandoned"] as? [String] == [firstSession])
        #expect(try !world.openSession(firstSession))
        let abandoned = jsonValue(try world.database.text("SELECT body FROM xapi_statement WHERE verb = ?", [.text(CMI5Vocabulary.Verb.abandoned)]),
                                  ["result", "duration"]) as? String
        #expect(abandoned?.hasPrefix("PT") == true)
        // The AU's result from the first session stands: passed on launch, block-less course not yet done.
        #expect(try Self.count(world, verb: CMI5Vocabulary.Verb.passed) == 1)
    }

    @Test("the launch parameters, the fetch URL once, LMS.LaunchData read-only, and every AU session rule refused with 403")
    func sessionRules() async throws {
        let world = try await PlayerWorld(packages: [Paths.fixture(Self.mastery), Paths.fixture(Self.multi)])
        let course = try Self.course(world, containing: "mastery-score")
        let au = try await world.launchAU(course, Self.masteryAU)
        #expect(au.activityID != Self.masteryAU && au.activityID.hasPrefix("https://learning.ecba.org.cn/xapi/activities/"))
        #expect(au.endpoint == "http://\(au.token).localhost:\(world.port)/xapi/")
        #expect(au.actor.contains("\"homePage\":\"https://learning.ecba.org.cn\"") && au.actor.contains("zhangsan"))
        // Fetch: POST only, the token once; then error-code 1; an unknown one error-code 2.
        #expect(try await world.onSession(au.token, au.fetchPath).status == 405)
        let auth = try await world.fetchToken(au)
        let again = try await world.onSession(au.token, au.fetchPath, method: "POST")
        #expect(again.status == 200 && String(decoding: again.body, as: UTF8.self).contains(#""error-code":"1""#))
        let bogus = try await world.onSession(au.token, "/cmi5/fetch/nope", method: "POST")
        #expect(String(decoding: bogus.body, as: UTF8.self).contains(#""error-code":"2""#))
        // The token works on this session's origin only.
        let elsewhere = try await HTTP.call("\(world.base)/xapi/statements", headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3"])
        #expect(elsewhere.status == 401)
        // LMS.LaunchData: readable, with the context template; not writable.
        let state = "/xapi/activities/state?" + Self.query(["stateId": "LMS.LaunchData", "activityId": au.activityID, "agent": au.actor,
                                                              "registration": au.registration])
        let data = try await world.onSession(au.token, state, headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3"])
        #expect(data.status == 200)
        let launchData = try JSONSerialization.jsonObject(with: data.body) as? [String: Any] ?? [:]
        #expect(launchData["launchMode"] as? String == "Normal" && launchData["moveOn"] as? String == "CompletedOrPassed")
        #expect(launchData["masteryScore"] as? Double == 0.3 && (launchData["returnURL"] as? String)?.hasSuffix("/player/returned") == true)
        let template = launchData["contextTemplate"] as? [String: Any] ?? [:]
        #expect((template["extensions"] as? [String: Any])?[CMI5Vocabulary.Extension.sessionID] as? String == au.session)
        let overwrite = try await world.onSession(au.token, state, method: "PUT",
                                                  headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"],
                                                  body: Data("{}".utf8))
        #expect(overwrite.status == 403)
        let preferences = "/xapi/agents/profile?" + Self.query(["profileId": "cmi5LearnerPreferences", "agent": au.actor])
        #expect(try await world.onSession(au.token, preferences, headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3"]).status == 404)

        let before = try Self.count(world)
        func refused(_ statement: [String: Any], _ why: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let answer = try await world.postStatement(au, auth: auth, statement)
            #expect(answer.status == 403, "\(why): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
        }
        var early = au.statement("completed", result: ["completion": true, "duration": "PT1M"], moveOn: true)
        try await refused(early, "before initialized")
        try await refused(au.statement("initialized", actor: #"{"objectType":"Agent","account":{"homePage":"https://learning.ecba.org.cn","name":"lisi"}}"#), "wrong actor")
        try await refused(au.statement("initialized", registration: UUID().uuidString.lowercased()), "wrong registration")
        try await refused(au.statement("initialized", session: UUID().uuidString), "wrong session id")
        try await refused(au.statement("initialized", session: ""), "missing session id")
        try await refused(au.statement("initialized", grouping: false), "missing context template")
        try await refused(au.statement("initialized", object: Self.masteryAU), "publisher id as the object")
        try await refused(au.statement("launched"), "an LMS verb")
        #expect(try Self.count(world) == before)
        #expect(try await world.postStatement(au, auth: auth, au.statement("initialized")).status == 200)
        try await refused(au.statement("initialized"), "second initialized")
        try await refused(au.statement("completed", result: ["completion": true], moveOn: true), "completed without duration")
        try await refused(au.statement("completed", result: ["completion": true, "duration": "PT1M"], moveOn: false), "no moveOn category")
        try await refused(au.statement("passed", result: ["success": true, "duration": "PT1M", "score": ["scaled": 0.2]], moveOn: true), "below mastery")
        try await refused(au.statement("failed", result: ["success": false, "duration": "PT1M", "score": ["scaled": 0.9]], moveOn: true), "fail above mastery")
        try await refused(au.statement("completed", result: ["completion": true, "duration": "PT1M"], moveOn: true, defined: false), "allowed statement judging the AU")
        try await refused(["actor": au.actorObject, "verb": ["id": CMI5Vocabulary.Verb.voided],
                           "object": ["objectType": "StatementRef", "id": UUID().uuidString]], "voiding")
        try await refused(au.statement("terminated"), "terminated without duration")
        let batch = try await world.postStatements(au, auth: auth, [au.statement("experienced", object: au.activityID + "/slide/1", defined: false),
                                                                   au.statement("initialized")])
        #expect(batch.status == 403, "a batch with one refused statement stores none of it")
        #expect(try Self.count(world) == before + 1)
        early["id"] = UUID().uuidString
        #expect(try await world.postStatement(au, auth: auth, early).status == 200)
        try await refused(au.statement("completed", result: ["completion": true, "duration": "PT2M"], moveOn: true), "completed twice in a registration")
        #expect(try await world.postStatement(au, auth: auth, au.statement("terminated", result: ["duration": "PT3M"])).status == 200)
        try await refused(au.statement("experienced", object: au.activityID + "/slide/2", defined: false), "after terminated")
        // Completed is enough under CompletedOrPassed: the AU and the course are satisfied, and credited.
        #expect(try world.standing(course).hours == 4)
        #expect(try Self.count(world, verb: CMI5Vocabulary.Verb.satisfied) == 1)

        // Browse mode: a session records no completion or judgement.
        let other = try Self.course(world, containing: "multi-au")
        let browse = try await world.launchAU(other, Self.multiAU1, mode: .browse)
        let browseAuth = try await world.fetchToken(browse)
        #expect(try await world.postStatement(browse, auth: browseAuth, browse.statement("initialized")).status == 200)
        let passed = try await world.postStatement(browse, auth: browseAuth, browse.statement("passed", result: ["success": true, "duration": "PT1M"], moveOn: true))
        #expect(passed.status == 403 && String(decoding: passed.body, as: UTF8.self).contains("Browse"))
    }

    @Test("ecba launch --json names the cmi5 session; ecba progress waive and abandon write the platform's statements")
    func commands() async throws {
        let world = try await PlayerWorld(packages: [Paths.fixture(Self.multi)])
        let course = try Self.course(world, containing: "multi-au")
        let database = world.database.path
        let launched = try CLI.run(["launch", "zhangsan", course, "--json", "--base-url", world.base, "--database", database])
        #expect(launched.status == 0, "\(launched.stderr)")
        let ticket = try JSONSerialization.jsonObject(with: Data(launched.stdout.utf8)) as? [String: Any] ?? [:]
        let session = try #require(ticket["session"] as? String)
        #expect(UUID(uuidString: session) != nil && ticket["registration"] as? String != nil)
        // The launch URL's first AU launch is that session.
        let url = try #require(ticket["url"] as? String)
        let answer = try await HTTP.get(url)
        let token = try PlayerWorld.sessionToken(answer)
        let au = try await world.onSession(token, "/player/cmi5/launch", method: "POST", body: Data(#"{"activity":"\#(Self.multiAU1)"}"#.utf8))
        #expect((try JSONSerialization.jsonObject(with: au.body) as? [String: Any])?["session"] as? String == session)
        let abandon = try CLI.run(["progress", "abandon", session, "--json", "--database", database])
        #expect(abandon.status == 0 && abandon.stdout.contains(session), "\(abandon.stderr)")
        let twice = try CLI.run(["progress", "abandon", session, "--database", database])
        #expect(twice.status != 0 && twice.stderr.contains("over already"))
        #expect(try Self.count(world, verb: CMI5Vocabulary.Verb.abandoned) == 1)
        // A session whose time ran out is abandoned by --expired (as `ecba serve` does every few minutes).
        let late = try await world.launchAU(course, Self.multiAU1)
        try world.database.change("UPDATE cmi5_session SET expires_at = '2026-01-01T00:00:00.000Z' WHERE id = ?", [.text(late.session)])
        let expired = try CLI.run(["progress", "abandon", "--expired", "--json", "--database", database])
        #expect(expired.status == 0 && expired.stdout.contains(late.session), "\(expired.stdout) \(expired.stderr)")
        #expect(try Self.count(world, verb: CMI5Vocabulary.Verb.abandoned) == 2)
        // Waiving every AU satisfies the course and earns its credit; a second waiver is refused.
        let aus = try world.database.texts("""
            SELECT a.identifier FROM activity a JOIN publication p ON p.submission_id = a.submission_id
            WHERE p.course_id = ? AND a.launch_url IS NOT NULL ORDER BY a.position
            """, [.text(course)])
        #expect(aus.count == 8)
        var last = CLI.Result(status: 0, stdout: "", stderr: "")
        for au in aus {
            last = try CLI.run(["progress", "waive", "zhangsan", course, "--activity", au, "--reason", "Tested Out", "--json", "--database", database])
            #expect(last.status == 0, "\(last.stderr)")
        }
        let waiver = try JSONSerialization.jsonObject(with: Data(last.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((waiver["satisfied"] as? [String])?.count == 1 && waiver["award"] != nil, "\(last.stdout)")
        #expect(try world.standing(course).hours == 4)
        let again = try CLI.run(["progress", "waive", "zhangsan", course, "--activity", aus[0], "--reason", "Administrative", "--database", database])
        #expect(again.status != 0 && again.stderr.contains("waived already"))
        let reason = jsonValue(try world.database.text("SELECT body FROM xapi_statement WHERE verb = ?", [.text(CMI5Vocabulary.Verb.waived)]),
                               ["result", "extensions", "https://w3id.org/xapi/cmi5/result/extensions/reason"]) as? String
        #expect(reason == "Tested Out")
    }

    static func query(_ parameters: [String: String]) -> String {
        var components = URLComponents()
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}

/// An AU launched over HTTP, as a test plays its content.
struct LaunchedAU {
    var token: String
    var session: String
    var endpoint: String
    var fetchPath: String
    var actor: String
    var registration: String
    var activityID: String
    var publisherID: String

    var actorObject: Any { (try? JSONSerialization.jsonObject(with: Data(actor.utf8))) ?? [:] }

    /// A statement of this session: cmi5 defined (the cmi5 category) unless told otherwise.
    func statement(_ verb: String, result: [String: Any]? = nil, moveOn: Bool = false, object: String? = nil, defined: Bool = true,
                   actor: String? = nil, registration: String? = nil, session: String? = nil, grouping: Bool = true) -> [String: Any] {
        let verbs = ["launched": CMI5Vocabulary.Verb.launched, "initialized": CMI5Vocabulary.Verb.initialized, "completed": CMI5Vocabulary.Verb.completed,
                     "passed": CMI5Vocabulary.Verb.passed, "failed": CMI5Vocabulary.Verb.failed, "terminated": CMI5Vocabulary.Verb.terminated]
        var categories: [[String: Any]] = []
        if defined { categories.append(["id": CMI5Vocabulary.Category.cmi5]) }
        if moveOn { categories.append(["id": CMI5Vocabulary.Category.moveOn]) }
        var extensions: [String: Any] = [:]
        let sessionID = session ?? self.session
        if !sessionID.isEmpty { extensions[CMI5Vocabulary.Extension.sessionID] = sessionID }
        var contextActivities: [String: Any] = ["category": categories]
        if grouping { contextActivities["grouping"] = [["id": publisherID]] }
        var statement: [String: Any] = [
            "id": UUID().uuidString.lowercased(), "timestamp": Date().formatted(.iso8601),
            "actor": (try? JSONSerialization.jsonObject(with: Data((actor ?? self.actor).utf8))) ?? [:],
            "verb": ["id": verbs[verb] ?? "http://adlnet.gov/expapi/verbs/\(verb)"],
            "object": ["objectType": "Activity", "id": object ?? activityID],
            "context": ["registration": registration ?? self.registration, "contextActivities": contextActivities, "extensions": extensions],
        ]
        if let result { statement["result"] = result }
        return statement
    }
}

extension PlayerWorld {
    /// Runs `cmi5_learner.py` in headless Chromium: the JSON line it prints.
    func cmi5Learner(_ url: String, mode: String, language: String = "zh-CN") async throws -> [String: Any] {
        let result = try await Browser.run("cmi5_learner.py", [url, mode, language])
        try #require(result.status == 0, "cmi5 learner \(mode): \(result.stdout.suffix(4000)) \(result.stderr.suffix(2000))")
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    func openSession(_ id: String) throws -> Bool {
        try database.count("SELECT COUNT(*) FROM cmi5_session WHERE id = ? AND terminated_at IS NULL AND abandoned_at IS NULL", [.text(id)]) == 1
    }

    /// A player session launching one AU over HTTP, as the player page does.
    func launchAU(_ course: String, _ publisherID: String, mode: LaunchMode = .normal) async throws -> LaunchedAU {
        let url = try LaunchService(database: database).launch(engineerID: "zhangsan", courseID: course, mode: mode, baseURL: base, actor: "t").url
        let redirect = try await HTTP.get(url)
        let token = try Self.sessionToken(redirect)
        let answer = try await onSession(token, "/player/cmi5/launch", method: "POST", body: Data(#"{"activity":"\#(publisherID)"}"#.utf8))
        try #require(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        let launch = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any] ?? [:]
        let components = URLComponents(string: launch["url"] as? String ?? "")
        var parameters: [String: String] = [:]
        for item in components?.queryItems ?? [] { parameters[item.name] = item.value }
        let fetch = URLComponents(string: parameters["fetch"] ?? "")
        let au = LaunchedAU(token: token, session: launch["session"] as? String ?? "", endpoint: parameters["endpoint"] ?? "",
                            fetchPath: fetch?.path ?? "", actor: parameters["actor"] ?? "", registration: parameters["registration"] ?? "",
                            activityID: parameters["activityId"] ?? "", publisherID: publisherID)
        try #require(!au.session.isEmpty && !au.fetchPath.isEmpty && !au.activityID.isEmpty, "\(launch)")
        return au
    }

    /// The session token of a launch URL's redirect.
    static func sessionToken(_ redirect: HTTP.Answer) throws -> String {
        let location = try #require(redirect.headers["location"])
        let host = try #require(URL(string: location)?.host)
        return String(host.prefix(32))
    }

    /// POSTs to the AU's fetch URL: `Basic <auth-token>`.
    func fetchToken(_ au: LaunchedAU) async throws -> String {
        let answer = try await onSession(au.token, au.fetchPath, method: "POST")
        let body = try JSONSerialization.jsonObject(with: answer.body) as? [String: String] ?? [:]
        let token = try #require(body["auth-token"], "\(body)")
        return "Basic " + token
    }

    func postStatement(_ au: LaunchedAU, auth: String, _ statement: [String: Any]) async throws -> HTTP.Answer {
        try await postStatements(au, auth: auth, [statement])
    }

    func postStatements(_ au: LaunchedAU, auth: String, _ statements: [[String: Any]]) async throws -> HTTP.Answer {
        try await onSession(au.token, "/xapi/statements", method: "POST",
                            headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"],
                            body: try JSONSerialization.data(withJSONObject: statements))
    }
}

/// A Tin Can course (`tincan.xml`) in the player. The corpus has no Tin Can package, so the test
/// writes one: a page that reads the Tin Can launch parameters and reports through them, as
/// Tin Can content does.
@Suite("Tin Can launch", .serialized)
struct TinCanTests {
    static let courseID = "http://example.org/ecba-tests/tincan/safety-basics"

    static func package() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tincan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            <?xml version="1.0" encoding="utf-8"?>
            <tincan xmlns="http://projecttincan.com/tincan.xsd">
              <activities>
                <activity id="\(courseID)" type="http://adlnet.gov/expapi/activities/course">
                  <name lang="zh-CN">安全生产基础</name>
                  <description lang="zh-CN">施工现场安全的基本要求。</description>
                  <launch lang="zh-CN">index.html?lesson=1</launch>
                </activity>
              </activities>
            </tincan>
            """.write(to: folder.appendingPathComponent("tincan.xml"), atomically: true, encoding: .utf8)
        try """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>安全生产基础</title></head>
            <body><p id="lesson"></p><button id="finish" disabled>Finish</button><p id="status"></p>
            <script src="course.js"></script></body></html>
            """.write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try """
            // Tin Can launch: endpoint, auth, actor, registration, activity_id in the query.
            var q = new URLSearchParams(location.search);
            var endpoint = q.get('endpoint'), auth = q.get('auth'), actor = JSON.parse(q.get('actor'));
            var registration = q.get('registration'), activity = q.get('activity_id');
            document.getElementById('lesson').textContent = 'lesson ' + q.get('lesson');
            function statement(verb, result) {
              var s = { actor: actor, verb: { id: 'http://adlnet.gov/expapi/verbs/' + verb, display: { 'en-US': verb } },
                        object: { objectType: 'Activity', id: activity }, context: { registration: registration },
                        timestamp: new Date().toISOString() };
              if (result) s.result = result;
              return s;
            }
            function send(statements) {
              return fetch(endpoint + 'statements', { method: 'POST', body: JSON.stringify(statements),
                headers: { 'Authorization': auth, 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json' } });
            }
            send([statement('attempted')]).then(function (r) { document.getElementById('finish').disabled = !r.ok; });
            document.getElementById('finish').addEventListener('click', function () {
              send([statement('completed', { completion: true, duration: 'PT5M' }),
                    statement('passed', { success: true, score: { scaled: 0.9 } })]).then(function (r) {
                document.getElementById('status').textContent = r.ok ? 'sent' : 'refused';
              });
            });
            """.write(to: folder.appendingPathComponent("course.js"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("a Tin Can course runs in Chromium with endpoint, auth, actor, registration and activity_id, and earns its credit")
    func tinCanInBrowser() async throws {
        let folder = try Self.package()
        defer { try? FileManager.default.removeItem(at: folder) }
        let world = try await PlayerWorld(packages: [folder.path])
        let course = "cces/\(Self.courseID)"
        let url = try world.launch(course)
        let seen = try await world.cmi5Learner(url, mode: "tincan")
        #expect(seen["content"] as? String == "sent", "\(seen)")
        let launchURL = try #require(seen["launchURL"] as? String)
        #expect(launchURL.hasPrefix("/content/index.html?lesson=1&endpoint=") && launchURL.contains("&auth=Basic%20"), "\(launchURL)")
        let standing = try world.standing(course)
        #expect(standing.status == "completed" && standing.hours == 4)
        // The launch's credential is its learner's only, and works on its own session's origin only.
        let token = try await world.session(course)
        let launch = try await world.onSession(token, "/player/tincan/launch", method: "POST", body: Data(#"{"activity":"\#(Self.courseID)"}"#.utf8))
        let launched = try JSONSerialization.jsonObject(with: launch.body) as? [String: Any] ?? [:]
        let parameters = URLComponents(string: launched["url"] as? String ?? "")?.queryItems ?? []
        let auth = try #require(parameters.first { $0.name == "auth" }?.value)
        let other: [String: Any] = ["actor": ["mbox": "mailto:someone@example.org"], "verb": ["id": "http://adlnet.gov/expapi/verbs/completed"],
                                    "object": ["id": Self.courseID]]
        let refused = try await world.onSession(token, "/xapi/statements", method: "POST",
                                                headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"],
                                                body: try JSONSerialization.data(withJSONObject: [other]))
        #expect(refused.status == 403)
        let elsewhere = try await HTTP.call("\(world.base)/xapi/statements", headers: ["Authorization": auth, "X-Experience-API-Version": "1.0.3"])
        #expect(elsewhere.status == 401)
    }
}
