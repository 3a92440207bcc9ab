import Foundation
import Testing

/// xAPI's statement rules as the LRS enforces them (xAPI-Data 2.2-2.6, 4), over loopback HTTP:
/// each breach is a 400 naming the property, with nothing stored; each shape the standard
/// allows (SubStatements, anonymous Groups, Agents as objects, null extension values) is stored.
@Suite("xAPI statement rules over HTTP", .serialized)
struct StatementRulesTests {
    let headers = ["X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"]

    /// The statement of `LRSTests.statement()` with `change` applied.
    static func statement(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var statement = LRSTests.statement()
        change(&statement)
        return statement
    }

    static var activity: [String: Any] { ["id": "http://example.org/course/1"] }
    static var agent: [String: Any] { ["mbox": "mailto:ada@example.org"] }

    /// (what is wrong, the statement, the property the answer must name)
    static var refused: [(String, [String: Any], String)] { [
        ("two identifiers", statement { $0["actor"] = ["mbox": "mailto:a@example.org", "openid": "http://example.org/a"] }, "'actor'"),
        ("mbox without mailto:", statement { $0["actor"] = ["mbox": "a@example.org"] }, "'actor.mbox'"),
        ("a key in the wrong case", statement { $0["Actor"] = $0.removeValue(forKey: "actor") }, "'Actor' must be spelled 'actor'"),
        ("a property xAPI does not define", statement { $0["result"] = ["grade": "A"] }, "'result.grade' is not a property"),
        ("null outside extensions", statement { $0["result"] = ["success": NSNull()] }, "'result.success' must not be null"),
        ("success as a string", statement { $0["result"] = ["success": "true"] }, "'result.success'"),
        ("a score as a string", statement { $0["result"] = ["score": ["scaled": "0.5"]] }, "'result.score.scaled' must be a number"),
        ("raw above max", statement { $0["result"] = ["score": ["raw": 11, "min": 0, "max": 10]] }, "'result.score.raw' must not exceed 'max'"),
        ("weeks with days", statement { $0["result"] = ["duration": "P4W1D"] }, "'result.duration'"),
        ("a language tag RFC 5646 refuses", statement { $0["verb"] = ["id": "http://example.org/v", "display": ["something": "x"]] },
         "'verb.display'"),
        ("one extension singleton twice", statement { $0["verb"] = ["id": "http://example.org/v", "display": ["zh-z-aaa-z-bbb": "x"]] },
         "'verb.display'"),
        ("an interactionType in the wrong case",
         statement { $0["object"] = ["id": "http://example.org/q", "definition": ["interactionType": "Choice"]] },
         "'object.definition.interactionType'"),
        ("choices without an interactionType",
         statement { $0["object"] = ["id": "http://example.org/q", "definition": ["choices": [["id": "a"]]]] }, "'object.definition.interactionType' is required"),
        ("an extension key that is not an IRI", statement { $0["result"] = ["extensions": ["score": 1]] }, "'result.extensions'"),
        ("the unknown offset -00:00", statement { $0["timestamp"] = "2026-12-05T08:00:00-00:00" }, "'timestamp'"),
        ("version 1.1.0", statement { $0["version"] = "1.1.0" }, "'version'"),
        ("a revision about an Agent",
         statement { $0["object"] = ["objectType": "Agent", "mbox": "mailto:b@example.org"]; $0["context"] = ["revision": "2"] },
         "'context.revision'"),
        ("a team that is an Agent", statement { $0["context"] = ["team": agent] }, "'context.team'"),
        ("an anonymous Group without members", statement { $0["actor"] = ["objectType": "Group", "name": "G"] }, "'actor'"),
        ("a Group member that is a Group",
         statement { $0["actor"] = ["objectType": "Group", "member": [["objectType": "Group", "member": [agent]]]] }, "'actor.member[0]'"),
        ("a SubStatement in a SubStatement",
         statement {
             let inner: [String: Any] = ["objectType": "SubStatement", "actor": agent, "verb": ["id": "http://example.org/v"], "object": activity]
             $0["object"] = ["objectType": "SubStatement", "actor": agent, "verb": ["id": "http://example.org/v"], "object": inner]
         }, "'object.object'"),
        ("a SubStatement with an id",
         statement {
             $0["object"] = ["objectType": "SubStatement", "id": UUID().uuidString, "actor": agent, "verb": ["id": "http://example.org/v"],
                             "object": activity]
         }, "'object.id' is not a property"),
        ("a StatementRef id with too many digits",
         statement { $0["object"] = ["objectType": "StatementRef", "id": UUID().uuidString + "0"] }, "'object.id'"),
        ("an account without homePage", statement { $0["actor"] = ["account": ["name": "ada"]] }, "'actor.account.homePage' is required"),
        ("an attachment's display in a tag RFC 5646 refuses",
         statement {
             $0["attachments"] = [["usageType": "http://example.org/notes", "display": ["something": "x"], "contentType": "text/plain", "length": 1,
                                   "sha2": String(repeating: "ab", count: 32), "fileUrl": "https://example.org/notes.txt"]]
         }, "'attachments[0].display' key"),
    ] }

    @Test("each breach of xAPI's statement rules is a 400 naming the property, and nothing is stored")
    func refusals() async throws {
        let world = try await LRSTests.LRSWorld()
        for (what, statement, named) in Self.refused {
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: headers,
                                              body: LRSTests.encode([LRSTests.statement(), statement]))
            #expect(answer.status == 400, "\(what): \(answer.status) \(answer.text)")
            #expect(answer.text.contains(named), "\(what): \(answer.text)")
            #expect(try world.statementCount() == 0, "\(what): the valid statement of the batch is not stored either")
        }
    }

    @Test("SubStatements, anonymous Groups, Agents as objects and null extension values are stored; context activities come back as arrays")
    func acceptedShapes() async throws {
        let world = try await LRSTests.LRSWorld()
        let id = UUID().uuidString.lowercased()
        let accepted: [[String: Any]] = [
            Self.statement {
                $0["object"] = ["objectType": "SubStatement", "actor": Self.agent, "verb": ["id": "http://example.org/will"], "object": Self.activity,
                                "context": ["contextActivities": ["parent": Self.activity]]]
            },
            Self.statement { $0["actor"] = ["objectType": "Group", "name": "团队", "member": [Self.agent, ["mbox_sha1sum": String(repeating: "a1", count: 20)]]] },
            Self.statement { $0["object"] = ["objectType": "Agent", "account": ["homePage": "https://example.org", "name": "b"]] },
            Self.statement { $0["result"] = ["extensions": ["http://example.org/x": NSNull()], "duration": "PT16559.14S", "score": ["raw": 3]] },
            Self.statement {
                $0["id"] = id
                $0["verb"] = ["id": "http://example.org/v", "display": ["zh-Hans-CN": "看", "sr-Latn-RS": "x", "cmn": "看", "en-GB-oed": "x"]]
                $0["context"] = ["language": "zh-Hans", "contextActivities": ["grouping": Self.activity]]
                $0["timestamp"] = "2026-12-05T08:00:00.123+08:00"
            },
        ]
        let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: headers, body: LRSTests.encode(accepted))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(try world.statementCount() == accepted.count)
        let stored = try await world.call("/xapi/statements?statementId=\(id)", as: world.cces, headers: headers)
        let context = (stored.json as? [String: Any])?["context"] as? [String: Any]
        let grouping = (context?["contextActivities"] as? [String: Any])?["grouping"] as? [[String: Any]]
        #expect(grouping?.first?["id"] as? String == "http://example.org/course/1", "\(stored.text)")
    }

    @Test("HEAD answers every resource as GET does; refusals of a statement read say Consistent-Through; an activity's definitions merge")
    func reading() async throws {
        let world = try await LRSTests.LRSWorld()
        let activity = "http://example.org/meeting/7"
        let english = Self.statement { $0["object"] = ["id": activity, "definition": ["name": ["en-US": "meeting"], "type": "http://example.org/t"]] }
        let french = Self.statement { $0["object"] = ["id": activity, "definition": ["name": ["fr-FR": "réunion"]]] }
        #expect(try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: headers,
                                     body: LRSTests.encode([english, french])).status == 200)
        let merged = try await world.call("/xapi/activities?activityId=\(activity)", as: world.cces, headers: headers)
        let definition = (merged.json as? [String: Any])?["definition"] as? [String: Any]
        #expect((definition?["name"] as? [String: String]) == ["en-US": "meeting", "fr-FR": "réunion"], "\(merged.text)")
        #expect(definition?["type"] as? String == "http://example.org/t")
        let agent = "%7B%22mbox%22%3A%22mailto%3Aada%40example.org%22%7D"
        for path in ["/xapi/activities?activityId=\(activity)", "/xapi/agents?agent=\(agent)", "/xapi/statements?limit=1"] {
            let get = try await world.call(path, as: world.cces, headers: headers)
            let head = try await world.call(path, method: "HEAD", as: world.cces, headers: headers)
            #expect(get.status == 200 && head.status == 200 && head.text.isEmpty, "\(path): \(head.status)")
        }
        let refused = try await world.call("/xapi/statements?statementId=\(UUID().uuidString)&verb=http://example.org/v", as: world.cces, headers: headers)
        #expect(refused.status == 400 && refused.headers["x-experience-api-consistent-through"] != nil)
        let ids = try await world.call("/xapi/statements?format=ids&limit=1", as: world.cces, headers: headers)
        let object = (((ids.json as? [String: Any])?["statements"] as? [[String: Any]])?.first?["object"]) as? [String: Any]
        #expect(object.map { Array($0.keys) } == ["id"], "\(ids.text)")
        // An authority sent is an Agent or an OAuth pair: an anonymous Group of two, one an account.
        let pair: [String: Any] = ["objectType": "Group", "member": [["account": ["homePage": "https://example.org/oauth", "name": "app"]], Self.agent]]
        let identified: [String: Any] = ["objectType": "Group", "mbox": "mailto:g@example.org", "member": [Self.agent, Self.agent]]
        let mboxes: [String: Any] = ["objectType": "Group", "member": [Self.agent, ["mbox": "mailto:b@example.org"]]]
        for (authority, status) in [(pair, 200), (identified, 400), (mboxes, 400)] {
            let answer = try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: headers,
                                              body: LRSTests.encode(Self.statement { $0["authority"] = authority }))
            #expect(answer.status == status, "\(answer.text)")
        }
    }

    @Test("xAPI 2.0: Last-Modified is the stored time; State PUT over a document needs a precondition; durations compare to the hundredth")
    func version2() async throws {
        let world = try await LRSTests.LRSWorld()
        let v2 = ["X-Experience-API-Version": "2.0.0", "Content-Type": "application/json"]
        let id = UUID().uuidString.lowercased()
        let statement = Self.statement { $0["id"] = id; $0["result"] = ["duration": "PT1.2345S"] }
        #expect(try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: v2, body: LRSTests.encode(statement)).status == 200)
        // The same statement with its duration to the hundredth is the same statement (no 409).
        let same = Self.statement { $0["id"] = id; $0["result"] = ["duration": "PT1.23S"] }
        #expect(try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: v2, body: LRSTests.encode(same)).status == 200)
        let other = Self.statement { $0["id"] = id; $0["result"] = ["duration": "PT1.24S"] }
        #expect(try await world.call("/xapi/statements", method: "POST", as: world.cces, headers: v2, body: LRSTests.encode(other)).status == 409)
        let read = try await world.call("/xapi/statements?statementId=\(id)", as: world.cces, headers: v2)
        let stored = try #require((read.json as? [String: Any])?["stored"] as? String)
        let lastModified = try #require(read.headers["last-modified"])
        let http = DateFormatter()
        http.locale = Locale(identifier: "en_US_POSIX")
        http.timeZone = TimeZone(identifier: "GMT")
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let storedDate = try #require(ISO8601DateFormatter.fractional.date(from: stored))
        #expect(http.date(from: lastModified).map { Int($0.timeIntervalSince1970) } == Int(storedDate.timeIntervalSince1970), "\(lastModified) vs \(stored)")
        // State: 1.0.3 overwrites blind (cmi5 content does); 2.0 answers 409 without If-Match / If-None-Match.
        let agent = "%7B%22mbox%22%3A%22mailto%3Aada%40example.org%22%7D"
        let state = "/xapi/activities/state?activityId=http://example.org/course/1&agent=\(agent)&stateId=bookmark"
        #expect(try await world.call(state, method: "PUT", as: world.cces, headers: headers, body: Data(#"{"page":1}"#.utf8)).status == 204)
        let blind = try await world.call(state, method: "PUT", as: world.cces, headers: headers, body: Data(#"{"page":2}"#.utf8))
        #expect(blind.status == 204)
        #expect(try await world.call(state, method: "PUT", as: world.cces, headers: v2, body: Data(#"{"page":3}"#.utf8)).status == 409)
        let etag = try #require(blind.headers["etag"])
        #expect(try await world.call(state, method: "PUT", as: world.cces, headers: v2.merging(["If-Match": etag]) { $1 },
                                     body: Data(#"{"page":3}"#.utf8)).status == 204)
    }
}

extension ISO8601DateFormatter {
    /// `2026-12-05T08:00:00.123Z`.
    static var fractional: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
