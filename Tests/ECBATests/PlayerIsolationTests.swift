import Delivery
import Foundation
import GRDB
import Storage
import Testing

/// Package content is untrusted code: a hostile package of the tests' own, in a real browser,
/// tries to reach another attempt, another course's files and the society API. (In the browser
/// suite, so that one Chromium runs at a time.)
extension PlayerBrowserTests {
    static func manifest(_ identifier: String, launch: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <manifest identifier="\(identifier)" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
            xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
          <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
          <organizations default="o"><organization identifier="o"><title>\(identifier)</title>
            <item identifier="\(identifier)_item" identifierref="r"><title>\(identifier)</title></item>
          </organization></organizations>
          <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="\(launch)"/></resources>
        </manifest>
        """
    }

    /// The hostile SCO: a real SCORM 1.2 SCO whose script also tries everything it can reach.
    static let hostilePage = """
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>hostile</title></head><body>
        <p id="out">working</p>
        <script>
        var api = window.parent.API;
        api.LMSInitialize('');
        var platform = location.protocol + '//' + location.host.split('.').slice(1).join('.');
        var results = {};
        async function attempt(name, body) {
          try {
            var outcome = await body();
            results[name] = outcome.ok === false ? 'blocked: ' + outcome.status : 'reached: ' + String(outcome.text || outcome).slice(0, 80);
          } catch (error) { results[name] = 'blocked: ' + error.name; }
        }
        function post(path, body) {
          return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        }
        (async function () {
          await attempt('society API report', async () => (await fetch(platform + '/v1/report')).text());
          await attempt('society API catalog with credentials', async () => (await fetch(platform + '/v1/catalog', { credentials: 'include' })).text());
          await attempt('platform launch route', async () => (await fetch(platform + '/launch/x')).text());
          await attempt('another course file', async () => { var r = await fetch('/content/secret.html'); return r.ok ? r.text() : r; });
          await attempt('another course activity', async () => { var r = await post('/player/runtime/open', { activity: 'test.secret_item' }); return r.ok ? r.text() : r; });
          for (var id = 1; id <= 6; id++) {
            await attempt('commit to attempt ' + id, async () => {
              var r = await post('/player/runtime/commit', { attemptID: id, sets: [['cmi.core.lesson_location', 'owned']], terminate: false });
              return r.ok ? { text: 'stored in attempt ' + id } : r;
            });
          }
          await attempt('frame the platform origin and read it', () => new Promise(function (resolve, reject) {
            var frame = document.createElement('iframe');
            frame.src = platform + '/health';
            frame.onload = function () { try { resolve(frame.contentDocument.body.innerText); } catch (error) { reject(error); } };
            document.body.appendChild(frame);
            setTimeout(function () { reject(new Error('timeout')); }, 5000);
          }));
          document.cookie = 'planted=1; domain=localhost; path=/';
          var done = document.createElement('div');
          done.id = 'done';
          done.setAttribute('data-results', JSON.stringify(results));
          document.body.appendChild(done);
        })();
        </script></body></html>
        """

    @Test("a hostile SCO reaches nothing outside its own attempt, even knowing another session's URL")
    func hostilePackage() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-hostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let hostile = scratch.appendingPathComponent("hostile")
        let secret = scratch.appendingPathComponent("secret")
        for folder in [hostile, secret] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try Self.manifest("test.hostile", launch: "index.html").write(to: hostile.appendingPathComponent("imsmanifest.xml"), atomically: true, encoding: .utf8)
        try Self.hostilePage.write(to: hostile.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try Self.manifest("test.secret", launch: "secret.html").write(to: secret.appendingPathComponent("imsmanifest.xml"), atomically: true, encoding: .utf8)
        try "<html><body>the secret answer is 42</body></html>".write(to: secret.appendingPathComponent("secret.html"), atomically: true, encoding: .utf8)

        let world = try await PlayerWorld(packages: [secret.path, hostile.path], engineers: ["lisi", "zhangsan"])
        // lisi is taking the secret course: a session with an attempt and a value in it.
        let secretSession = try await world.session("cces/test.secret", engineer: "lisi")
        let opened = try await world.onSession(secretSession, "/player/runtime/open", method: "POST", body: Data(#"{"activity":"test.secret_item"}"#.utf8))
        let secretAttempt = try #require((opened.json as? [String: Any])?["attemptID"] as? Int)
        let seeded = try JSONSerialization.data(withJSONObject: ["attemptID": secretAttempt, "sets": [["cmi.core.lesson_location", "secret-location"]], "terminate": false])
        #expect(try await world.onSession(secretSession, "/player/runtime/commit", method: "POST", body: seeded).status == 200)

        let result = try await Browser.run("hostile_learner.py", [try world.launch("cces/test.hostile"), "http://\(secretSession).localhost:\(world.port)"])
        try #require(result.status == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data((result.stdout.split(separator: "\n").last ?? "").utf8)) as? [String: [String: String]])
        let own = try #require(report["own"])
        let leaked = try #require(report["leaked"])
        #expect(own.count == 12, "\(own)")
        for (name, outcome) in own {
            // Its own attempt is the one commit it may make.
            if name.hasPrefix("commit to attempt"), outcome.hasPrefix("reached") { continue }
            #expect(outcome.hasPrefix("blocked"), "\(name): \(outcome)")
        }
        #expect(own.values.filter { $0.hasPrefix("reached") }.count <= 1, "\(own)")
        // What stopped each: the same-origin policy for other origins, the session's own scope here.
        #expect(own["society API report"] == "blocked: TypeError")
        #expect(own["another course file"] == "blocked: 404")
        #expect(own["another course activity"] == "blocked: 404")
        #expect(own["commit to attempt \(secretAttempt)"] == "blocked: 401")
        #expect(own["frame the platform origin and read it"] == "blocked: TypeError")  // a cross-origin frame has no contentDocument
        #expect(leaked["frame another session and read it"] == "blocked: TypeError")
        #expect(leaked.count == 3)
        for (name, outcome) in leaked { #expect(outcome.hasPrefix("blocked"), "\(name): \(outcome)") }
        // lisi's attempt is as lisi left it.
        let values = try world.database.texts("SELECT value FROM runtime_value WHERE attempt_id = ? AND element = 'cmi.core.lesson_location'",
                                              [.integer(Int64(secretAttempt))])
        #expect(values == ["secret-location"])
    }

    @Test("closing the window sends what the content set and never committed")
    func closingSends() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-leave-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Self.manifest("test.leave", launch: "index.html")
            .write(to: scratch.appendingPathComponent("imsmanifest.xml"), atomically: true, encoding: .utf8)
        // Sets two values, commits nothing, never finishes.
        try """
            <!DOCTYPE html><html><body><script>
            var api = window.parent.API;
            api.LMSInitialize('');
            api.LMSSetValue('cmi.core.lesson_location', 'page-7');
            api.LMSSetValue('cmi.suspend_data', 'answers=3,1,4');
            var ready = document.createElement('p'); ready.id = 'ready'; document.body.appendChild(ready);
            </script></body></html>
            """.write(to: scratch.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        let world = try await PlayerWorld(packages: [scratch.path])
        func stored() throws -> [String: String] {
            try world.database.peek("SELECT element, value FROM runtime_value").reduce(into: [String: String]()) { $0[$1.text(0) ?? ""] = $1.text(1) }
        }
        let result = try await Browser.run("open_and_leave.py", [try world.launch("cces/test.leave"), "ready"]) {
            let values = try stored()
            return values["cmi.core.lesson_location"] != nil && values["cmi.suspend_data"] != nil
        }
        try #require(result.status == 0, "\(result.stdout)\(result.stderr.suffix(1500))")
        let values = try stored()
        #expect(values["cmi.core.lesson_location"] == "page-7")
        #expect(values["cmi.suspend_data"] == "answers=3,1,4")
    }
}
