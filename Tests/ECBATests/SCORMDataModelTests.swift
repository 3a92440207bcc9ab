@testable import Delivery
import Foundation
import Testing

/// The SCORM data model's rules, element by element: the same cases (Tests/Runtime/datamodel-cases.json)
/// run against the browser's interpreter under node's test runner, and against the server's here.
@Suite("The SCORM data model")
struct SCORMDataModelTests {
    struct Cases: Decodable {
        struct Case: Decodable {
            var edition: String
            var name: String
            var calls: [[Value]]
        }
        var cases: [Case]
    }

    enum Value: Decodable {
        case text(String)
        case number(Int)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
        }
        var text: String { if case .text(let value) = self { value } else { "" } }
        var number: Int { if case .number(let value) = self { value } else { -1 } }
    }

    static let casesFile = Paths.repositoryRoot.appendingPathComponent("Tests/Runtime/datamodel-cases.json")

    @Test("the browser's run-time passes every case (node --test)")
    func browserInterpreter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = JSONEncoder()
        try encoder.encode(SCORMDataModel.scorm12).write(to: folder.appendingPathComponent("1.2.json"))
        try encoder.encode(SCORMDataModel.scorm2004).write(to: folder.appendingPathComponent("2004.json"))
        let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/node" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        let program = try #require(node, "node is needed for the run-time tests")
        let result = try CLI.run(["--test", Paths.repositoryRoot.appendingPathComponent("Tests/Runtime/datamodel.test.js").path],
                                 environment: ["ECBA_MODEL_DIR": folder.path], program: URL(fileURLWithPath: program))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("# fail 0"), "\(result.stdout)")
        #expect(!result.stdout.contains("# pass 0"))
    }

    @Test("the server's check of every SetValue gives the same codes")
    func serverInterpreter() throws {
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: Self.casesFile))
        #expect(cases.cases.count >= 10)
        var checked = 0
        for testCase in cases.cases {
            let edition: SCORMEdition = testCase.edition == "1.2" ? .scorm12 : .scorm2004
            var values = SCORMValues(edition: edition)
            for call in testCase.calls where call.first?.text == "set" {
                let code = values.set(call[1].text, call[2].text)
                #expect(code == call[3].number, "\(testCase.name): SetValue(\(call[1].text), \(call[2].text))")
                checked += 1
            }
        }
        #expect(checked > 80)
    }

    @Test("time formats convert both ways")
    func times() {
        #expect(SCORMTime.seconds(interval: "PT1H30M5.25S") == 5405.25)
        #expect(SCORMTime.seconds(interval: SCORMTime.interval(5405.25)) == 5405.25)
        #expect(SCORMTime.seconds(timespan12: SCORMTime.timespan12(3723.5)) == 3723.5)
        #expect(SCORMTime.timespan12(600) == "0000:10:00.00")
        #expect(SCORMTime.seconds(interval: "PT") == nil)
        #expect(SCORMTime.isTime2004("2026-12-01T10:15:30Z"))
        #expect(!SCORMTime.isTime2004("1969-12-31"))
    }

    @Test("a folder's status rolls up from its children's")
    func rollup() {
        #expect(PlayerService.rollup(["passed", "passed"]) == "passed")
        #expect(PlayerService.rollup(["passed", "completed"]) == "completed")
        #expect(PlayerService.rollup(["failed", "completed"]) == "failed")
        #expect(PlayerService.rollup(["completed", "not-attempted"]) == "incomplete")
        #expect(PlayerService.rollup(["not-attempted", "not-attempted"]) == "not-attempted")
        #expect(PlayerService.rollup(["suspended"]) == "incomplete")
    }
}
