import Catalog
import ContentLibrary
import Delivery
import Domain
import Enrollment
import Foundation
import GRDB
import HTTPTypes
import NIOCore
import PlayerWeb
import RegistrySync
import Societies
import SocietyAPI
import Storage
import Testing

/// Launch URLs, session origins and package files, over real HTTP on loopback.
@Suite("The player over HTTP", .serialized)
struct PlayerHTTPTests {
    @Test("a launch URL opens once: a redirect to the session's own origin, then a page in the learner's language")
    func singleUse() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        let url = try world.launch()
        let first = try await HTTP.get(url)
        #expect(first.status == 303)
        let location = try #require(first.headers["location"])
        #expect(location.range(of: #"^http://[0-9a-f]{32}\.localhost:\d+/$"#, options: .regularExpression) != nil, "\(location)")
        let sessions = try world.database.count("SELECT COUNT(*) FROM player_session")
        let zh = try await HTTP.get(url, headers: ["Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"])
        #expect(zh.status == 410)
        #expect(zh.text.contains("链接已使用"))
        let en = try await HTTP.get(url, headers: ["Accept-Language": "en-GB,en;q=0.9"])
        #expect(en.status == 410)
        #expect(en.text.contains("Link already used"))
        #expect(en.headers["content-language"] == "en")
        // Nothing changed: no second session.
        #expect(try world.database.count("SELECT COUNT(*) FROM player_session") == sessions)
        let unknown = try await HTTP.get(world.base + "/launch/not-a-token", headers: ["Accept-Language": "en"])
        #expect(unknown.status == 404)
        #expect(unknown.text.contains("not issued by the platform"))
    }

    @Test("a society launches its own members over the API, and only them")
    func societyLaunches() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        _ = try world.world.societies.add(id: "ces", name: "Society ces", kind: .national)
        _ = try world.world.societies.authorize(id: "ces")
        let tokens = TokenService(database: world.database)
        let cces = try tokens.issue(societyID: "cces", actor: "t").token
        let ces = try tokens.issue(societyID: "ces", actor: "t").token
        let body = Data(#"{"course": "\#(PlayerWorld.golf12Course)", "mode": "browse"}"#.utf8)
        let created = try await HTTP.call(world.base + "/v1/engineers/zhangsan/launches", method: "POST",
                                          headers: ["Authorization": "Bearer \(cces)", "Content-Type": "application/json"], body: body)
        #expect(created.status == 201, "\(created.text)")
        let ticket = try #require(created.json as? [String: Any])
        #expect(ticket["mode"] as? String == "browse")
        let url = try #require(ticket["url"] as? String)
        #expect(url.hasPrefix(world.base + "/launch/"))
        #expect(try await HTTP.get(url).status == 303)
        let foreign = try await HTTP.call(world.base + "/v1/engineers/zhangsan/launches", method: "POST",
                                          headers: ["Authorization": "Bearer \(ces)", "Content-Type": "application/json"], body: body)
        #expect(foreign.status == 404)
        let detail = (foreign.json as? [String: Any])?["detail"] as? String
        #expect(detail?.hasPrefix("engineer 'zhangsan' is not a member of society") == true, "\(foreign.text)")
        let anonymous = try await HTTP.call(world.base + "/v1/engineers/zhangsan/launches", method: "POST", body: body)
        #expect(anonymous.status == 401)
    }

    @Test("an expired link, a withdrawn enrollment, a retired course: a clear page, nothing changes")
    func refusals() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12], engineers: ["zhangsan", "lisi"])
        let expired = try world.launch(lifetime: 0.05)
        try await Task.sleep(for: .milliseconds(200))
        let late = try await HTTP.get(expired, headers: ["Accept-Language": "zh-CN"])
        #expect(late.status == 410)
        #expect(late.text.contains("链接已过期"))

        let beforeWithdrawal = try world.launch(engineer: "lisi")
        _ = try EnrollmentService(database: world.database).withdraw(engineerID: "lisi", courseID: PlayerWorld.golf12Course, actor: "t")
        let withdrawn = try await HTTP.get(beforeWithdrawal, headers: ["Accept-Language": "en"])
        #expect(withdrawn.status == 410)
        #expect(withdrawn.text.contains("withdrawn"))
        #expect(throws: DeliveryError.self) { try world.launch(engineer: "lisi") }

        let session = try await world.session()
        let beforeRetirement = try world.launch()
        _ = try CatalogService(database: world.database).retire(PlayerWorld.golf12Course, reason: "规范已更新", actor: "t")
        let retired = try await HTTP.get(beforeRetirement, headers: ["Accept-Language": "zh-CN"])
        #expect(retired.status == 410)
        #expect(retired.text.contains("课程已下架"))
        // A session opened before the retirement ends with it.
        let page = try await world.onSession(session, "/", headers: ["Accept-Language": "en"])
        #expect(page.status == 410)
        let sessions = try world.database.count("SELECT COUNT(*) FROM player_session")
        #expect(sessions == 1)
    }

    @Test("package files: media types, a strong ETag, 304, byte ranges, and no way out of the package")
    func files() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        let token = try await world.session()
        let source = Paths.fixture(PlayerWorld.golf12)
        let page = try await world.onSession(token, "/content/shared/launchpage.html")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(page.body == (try Data(contentsOf: URL(fileURLWithPath: source + "/shared/launchpage.html"))))
        let etag = try #require(page.headers["etag"])
        #expect(try await world.onSession(token, "/content/shared/launchpage.html", headers: ["If-None-Match": etag]).status == 304)
        let image = try Data(contentsOf: URL(fileURLWithPath: source + "/HavingFun/fun.jpg"))
        let range = try await world.onSession(token, "/content/HavingFun/fun.jpg", headers: ["Range": "bytes=100-199"])
        #expect(range.status == 206)
        #expect(range.headers["content-type"] == "image/jpeg")
        #expect(range.headers["content-range"] == "bytes 100-199/\(image.count)")
        #expect(range.body == image[100..<200])
        let tail = try await world.onSession(token, "/content/HavingFun/fun.jpg", headers: ["Range": "bytes=-10"])
        #expect(tail.body == image.suffix(10))
        #expect(try await world.onSession(token, "/content/HavingFun/fun.jpg", headers: ["Range": "bytes=\(image.count)-"]).status == 416)
        for hostile in ["/content/..%2F..%2Fetc%2Fpasswd", "/content/shared%2F..%2F..%2Fimsmanifest.xml", "/content/shared%5Claunchpage.html",
                        "/content/shared/launchpage.html%00.txt", "/content/%2Fetc%2Fpasswd", "/content/shared/", "/content/shared",
                        "/content//shared/launchpage.html", "/content/%2E/imsmanifest.xml", "/content/%2E%2E/%2E%2E/etc/passwd"] {
            let answer = try await world.onSession(token, hostile)
            #expect(answer.status == 404, "\(hostile): \(answer.status)")
        }
        // The platform origin never serves a session's files; an unknown session's origin serves nothing.
        #expect(try await HTTP.get(world.base + "/content/shared/launchpage.html").status == 404)
        #expect(try await world.onSession(String(repeating: "0", count: 32), "/content/shared/launchpage.html").status == 401)
    }

    @Test("a package file in memory is answered below the router exactly as the router answers it, in the order asked, until the session ends")
    func cachedFiles() async throws {
        // The session is trusted for 5 s: under a loaded machine, the routed answer alone has
        // taken more than the default second, and the cached answers below would find it expired.
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12], sessionCheck: .seconds(5))
        let token = try await world.session()
        let host = "\(token).localhost:\(world.port)"
        let page = "/content/shared/launchpage.html"
        let source = try Data(contentsOf: URL(fileURLWithPath: Paths.fixture(PlayerWorld.golf12) + "/shared/launchpage.html"))
        // Nothing is in memory before the router has read the session, its files and the bytes.
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: host, path: page)) == nil)
        let routed = try await world.onSession(token, page)
        #expect(routed.status == 200 && routed.body == source)
        let cached = try #require(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: host, path: page + "?x=1")))
        #expect(cached.0.status == .ok && Data(cached.1.readableBytesView) == source)
        let etag = try #require(routed.headers["etag"])
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: host, path: page, headerFields: [.ifNoneMatch: etag]))?.0.status == .notModified)
        // Ranges, HEAD, other hosts and unknown files are the router's.
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: host, path: page, headerFields: [.range: "bytes=0-9"])) == nil)
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .head, scheme: nil, authority: host, path: page)) == nil)
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: "localhost:\(world.port)", path: page)) == nil)
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: host, path: "/content/nothing.html")) == nil)

        // On one keep-alive connection, cached answers wait for a routed one asked before them.
        let answers = try await HTTP.pipelined(port: world.port, [
            (host, page, [:]), (host, "/player/view", [:]), (host, page, [:]), (host, page, ["If-None-Match": etag]),
            (host, "/content/nothing.html", [:]), (host, page, [:]),
        ])
        #expect(answers.map(\.status) == [200, 200, 200, 304, 404, 200])
        #expect(answers[1].json is [String: Any])
        for index in [0, 2, 5] {
            #expect(answers[index].body == source)
            // The same fields, Date included (its value is the second's).
            #expect(answers[index].headers.filter { $0.key != "connection" }.mapValues { _ in "" }
                == routed.headers.filter { $0.key != "connection" }.mapValues { _ in "" }, "answer \(index)")
            #expect(answers[index].headers.filter { !["connection", "date"].contains($0.key) }
                == routed.headers.filter { !["connection", "date"].contains($0.key) }, "answer \(index)")
        }
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let dated = try #require(format.date(from: answers[0].headers["date"] ?? ""), "\(answers[0].headers)")
        #expect(abs(dated.timeIntervalSinceNow) < 5)
        let metrics = try await HTTP.get(world.base + "/metrics").text
        #expect(metrics.contains("ecba_http_requests_total{route=\"player:/content\",status=\"200\"} 4"), "\(metrics)")
        #expect(metrics.contains("ecba_http_requests_total{route=\"player:/content\",status=\"304\"} 1"), "\(metrics)")

        // An ended session's files stop within the session check's lifetime (5 s here), cached or not.
        #expect(try await world.onSession(token, "/player/exit", method: "POST").status == 204)
        try await Task.sleep(for: .milliseconds(5100))
        #expect(world.site.cachedAnswer(to: HTTPRequest(method: .get, scheme: nil, authority: host, path: page)) == nil)
        let ended = try await HTTP.pipelined(port: world.port, [(host, page, [:]), (host, page, [:])])
        #expect(ended.map(\.status) == [401, 401])
    }

    @Test("the server checks every commit again: a value the data model refuses stores nothing")
    func serverValidates() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        let token = try await world.session()
        let opened = try await world.onSession(token, "/player/runtime/open", method: "POST", body: Data(#"{"activity":"item_1"}"#.utf8))
        #expect(opened.status == 200)
        let opening = try #require(opened.json as? [String: Any])
        let attempt = try #require(opening["attemptID"] as? Int)
        let values = try #require(opening["values"] as? [String: String])
        #expect(values["cmi.core.entry"] == "ab-initio")
        #expect(values["cmi.core.student_id"] == "zhangsan")
        #expect(values["cmi.core.lesson_status"] == "not attempted")
        func commit(_ sets: [[String]], terminate: Bool = false) async throws -> HTTP.Answer {
            let body = try JSONSerialization.data(withJSONObject: ["attemptID": attempt, "sets": sets, "terminate": terminate])
            return try await world.onSession(token, "/player/runtime/commit", method: "POST", body: body)
        }
        for bad in [["cmi.core.lesson_status", "done"], ["cmi.core.score.raw", "101"], ["cmi.core.student_id", "someone"],
                    ["cmi.core.session_time", "1:00"], ["cmi.objectives.1.id", "skips-0"], ["cmi.nothing", "x"]] {
            let answer = try await commit([["cmi.core.lesson_location", "7"], bad])
            #expect(answer.status == 400, "\(bad)")
        }
        let stored = try world.database.count("SELECT COUNT(*) FROM runtime_value")
        #expect(stored == 0)
        let passed = try await commit([["cmi.core.lesson_location", "7"], ["cmi.core.score.raw", "80"], ["cmi.core.lesson_status", "passed"],
                                       ["cmi.core.session_time", "00:10:00"], ["cmi.core.exit", "suspend"]], terminate: true)
        #expect(passed.status == 200)
        // The answer is what the platform decides, not an echo of every value.
        #expect(passed.json as? [String: String] == ["cmi.core.lesson_status": "passed"])
        // Passed: the result went through the statement store to progress and credits.
        #expect(try world.standing(PlayerWorld.golf12Course) == ("completed", 4))
        let again = try await world.onSession(token, "/player/runtime/open", method: "POST", body: Data(#"{"activity":"item_1"}"#.utf8))
        let resumed = try #require((again.json as? [String: Any])?["values"] as? [String: String])
        #expect(resumed["cmi.core.entry"] == "resume")
        #expect(resumed["cmi.core.lesson_location"] == "7")
        #expect(resumed["cmi.core.total_time"] == "0000:10:00.00")
        // Another session's token cannot commit to this attempt.
        let other = try await world.session()
        let foreign = try await world.onSession(other, "/player/runtime/commit", method: "POST",
                                                body: try JSONSerialization.data(withJSONObject: ["attemptID": attempt, "sets": [["cmi.core.lesson_location", "1"]], "terminate": false]))
        #expect(foreign.status == 200 || foreign.status == 401 || foreign.status == 400)
    }
}

/// A learner in headless Chromium takes Rustici's golf run-time courses through `ecba launch`.
@Suite("Taking a course in a real browser", .serialized)
struct PlayerBrowserTests {
    @Test("SCORM 1.2: page through, answer the quiz right, pass; credits, credits status and the transcript")
    func scorm12Passes() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        let seen = try await world.learner(try world.launch(), mode: "pass")
        #expect(seen["tree"] as? [String] == ["passed"], "\(seen)")
        #expect(seen["lang"] as? String == "zh-CN")
        #expect(try world.standing(PlayerWorld.golf12Course) == ("completed", 4))
        let status = try await CLI.runDetached(["credits", "status", "zhangsan", "--database", world.world.store.path])
        #expect(status.status == 0)
        #expect(status.stdout.contains("4"), "\(status.stdout)")
        let transcript = try await CLI.runDetached(["transcript", "zhangsan", "--format", "json", "--database", world.world.store.path])
        #expect(transcript.stdout.contains("com.scorm.golfsamples.runtime.basicruntime.12"))
        // The society's report and its registry see it like any other completion.
        let year = String(Calendar(identifier: .gregorian).component(.year, from: Date()))
        let report = try await CLI.runDetached(["report", "society", "cces", "--period", year, "--detail", "--database", world.world.store.path])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("zhangsan") && report.stdout.contains(PlayerWorld.golf12Course), "\(report.stdout)")
        let registry = LocalRegistry(token: "registry-token")
        let server = await registry.start()
        let tokenFile = world.world.store.folder.appendingPathComponent("registry.token")
        try Data("registry-token\n".utf8).write(to: tokenFile)
        let sync = SyncService(database: world.database, policy: SyncPolicy(batchSize: 10, backoffBase: 0.1, timeout: 5))
        let queued = try sync.setRegistry(RegistryConfig(societyID: "cces", url: "http://127.0.0.1:\(server.port)/records",
                                                         tokenFile: tokenFile.path, format: .json), actor: "t")
        #expect(queued == 1)
        let delivered = try await sync.run(untilDone: true)
        #expect(delivered.delivered == 1)
        #expect(registry.appliedRecords.count == 1)
        await server.stop()
    }

    @Test("SCORM 1.2: wrong answers fail the attempt and award nothing")
    func scorm12Fails() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        let seen = try await world.learner(try world.launch(), mode: "fail", language: "en")
        #expect(seen["tree"] as? [String] == ["failed"], "\(seen)")
        #expect(seen["lang"] as? String == "en")
        #expect(try world.standing(PlayerWorld.golf12Course) == ("active", 0))
    }

    @Test("SCORM 1.2: suspend half-way, close the window, relaunch: the course resumes at the same page")
    func scorm12Resumes() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf12])
        let left = try await world.learner(try world.launch(), mode: "suspend", pages: 4) {
            try world.database.text("SELECT state FROM attempt") == "suspended"
        }
        let page = try #require(left["page"] as? String)
        #expect(page.hasSuffix("/content/Playing/RulesOfGolf.html"), "\(page)")
        #expect(try world.database.text("SELECT state FROM attempt") == "suspended")
        let back = try await world.learner(try world.launch(), mode: "resume")
        #expect((back["alerts"] as? [String])?.first?.contains("resume") == true, "\(back)")
        #expect((back["page"] as? String)?.hasSuffix("/content/Playing/RulesOfGolf.html") == true, "\(back)")
    }

    @Test("SCORM 2004: suspend half-way, close the window, relaunch: entry resume, the same page")
    func scorm2004Resumes() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf2004])
        let left = try await world.learner(try world.launch(PlayerWorld.golf2004Course), mode: "suspend", pages: 6) {
            try world.database.text("SELECT state FROM attempt") == "suspended"
        }
        let page = try #require(left["page"] as? String)
        #expect(page.hasSuffix("/content/Etiquette/Distracting.html"), "\(page)")
        #expect(try world.database.text("SELECT state FROM attempt") == "suspended")
        let back = try await world.learner(try world.launch(PlayerWorld.golf2004Course), mode: "resume")
        #expect((back["page"] as? String)?.hasSuffix("/content/Etiquette/Distracting.html") == true, "\(back)")
        let location = try world.database.text("SELECT value FROM runtime_value WHERE element = 'cmi.location'")
        #expect(location == "6")
    }

    @Test("SCORM 2004 3rd edition: page through, pass the quiz; completed and passed, credits awarded")
    func scorm2004Passes() async throws {
        let world = try await PlayerWorld(packages: [PlayerWorld.golf2004])
        let seen = try await world.learner(try world.launch(PlayerWorld.golf2004Course), mode: "pass")
        #expect(seen["tree"] as? [String] == ["passed"], "\(seen)")
        #expect(try world.standing(PlayerWorld.golf2004Course) == ("completed", 4))
        let values = try world.database.peek("SELECT element, value FROM runtime_value").reduce(into: [String: String]()) { $0[$1.text(0) ?? ""] = $1.text(1) }
        #expect(values["cmi.completion_status"] == "completed")
        #expect(values["cmi.success_status"] == "passed")
    }
}
