import Enrollment
import Foundation
import Testing

@Suite("The OpenAPI document matches the running server", .serialized)
struct OpenAPITests {
    static var document: [String: Any] {
        let url = Paths.repositoryRoot.appendingPathComponent("docs/openapi.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]) ?? [:]
    }

    /// Resolves `$ref`s inside the document.
    static func resolve(_ value: [String: Any]) -> [String: Any] {
        guard let reference = value["$ref"] as? String, reference.hasPrefix("#/") else { return value }
        var node: Any = document
        for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] ?? [:] }
        return node as? [String: Any] ?? [:]
    }

    @Test("every documented route answers with a documented status and content type, with and without a token")
    func everyRoute() async throws {
        #expect(Self.document["openapi"] as? String == "3.1.0")
        let paths = try #require(Self.document["paths"] as? [String: [String: Any]])
        #expect(paths.count == 12)
        let world = try await APIWorld()
        _ = try EnrollmentService(database: world.database).enroll(engineerID: "li", courseID: "cces/design", actor: "t")
        // The State document the documented example names, so that reading it with a token succeeds.
        let state = "/xapi/activities/state?activityId=http://example.org/course&agent=%7B%22mbox%22%3A%22mailto%3Aada%40example.org%22%7D&stateId=bookmark"
        #expect(try await world.call(state, method: "PUT", token: world.cces, headers: ["X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"], body: Data("{}".utf8)).status == 204)
        var checked = 0
        for (template, operations) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, value) in operations.sorted(by: { $0.key < $1.key }) {
                let operation = try #require(value as? [String: Any])
                let parameters = (operation["parameters"] as? [[String: Any]] ?? []).map(Self.resolve)
                var path = template
                var query: [String] = []
                var headers: [String: String] = [:]
                for parameter in parameters {
                    guard let name = parameter["name"] as? String, let location = parameter["in"] as? String else { continue }
                    let example = parameter["example"].map { "\($0)" }
                    switch location {
                    case "path": path = path.replacingOccurrences(of: "{\(name)}", with: try #require(example, "\(template): \(name) needs an example"))
                    case "query":
                        if name == "statementId" { query.append("statementId=\(UUID().uuidString.lowercased())") } else if let example { query.append("\(name)=\(example == "0" ? "false" : example)") }
                    case "header": if let example { headers[name] = example }
                    default: break
                    }
                }
                let url = path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
                var body: Data?
                if operation["operationId"] as? String == "launch" {
                    headers["Content-Type"] = "application/json"
                    body = Data(#"{"course": "cces/design"}"#.utf8)
                } else if operation["requestBody"] != nil {
                    headers["Content-Type"] = "application/json"
                    var statement = APIWorld.statement(engineer: method == "post" ? "li" : "zhang", course: "cces/design", activity: "quiz")
                    if method == "put" { statement.removeValue(forKey: "id") }
                    body = try JSONSerialization.data(withJSONObject: statement)
                }
                let secured = (operation["security"] as? [Any])?.isEmpty != true
                for token in secured ? [world.cces, nil] : [nil] as [String?] {
                    let answer = try await world.call(url, method: method.uppercased(), token: token, headers: headers, body: body)
                    let responses = try #require(operation["responses"] as? [String: Any])
                    let documented = try #require(responses[String(answer.status)] as? [String: Any], "\(method) \(url): \(answer.status) is not documented")
                    let response = Self.resolve(documented)
                    if let content = response["content"] as? [String: Any] {
                        let type = answer.headers["content-type"]?.split(separator: ";").first.map(String.init) ?? ""
                        #expect(content[type] != nil, "\(method) \(url): content type \(type) is not documented for \(answer.status)")
                        if let media = content[type] as? [String: Any], let schema = (media["schema"] as? [String: Any]).map(Self.resolve),
                           let required = schema["required"] as? [String], let object = answer.json as? [String: Any] {
                            #expect(required.allSatisfy { object[$0] != nil }, "\(method) \(url): missing \(required.filter { object[$0] == nil })")
                        }
                    }
                    if secured && token != nil { #expect((200..<300).contains(answer.status), "\(method) \(url) with a token: \(answer.status) \(answer.text)") }
                    if token == nil && secured { #expect(answer.status == 401) }
                    checked += 1
                }
            }
        }
        #expect(checked == 25)
    }
}
