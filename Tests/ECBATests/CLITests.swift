import Foundation
import Testing

@Suite("The ecba command line")
struct CLITests {
    @Test("import --json works on a fixture as a user runs it, and reports rejection with exit 1")
    func importJSON() throws {
        let store = try TemporaryDatabase()
        let db = ["--database", store.path]
        #expect(try CLI.run(["society", "add", "cces", "--name", "中国土木工程学会", "--kind", "national"] + db).status == 0)
        let unauthorised = try CLI.run(["import", Paths.course("cces/engineering-ethics"), "--society", "cces"] + db)
        #expect(unauthorised.status == 1)
        #expect(unauthorised.stderr.hasPrefix("ecba: ") && unauthorised.stderr.contains("not authorised"))
        #expect(try CLI.run(["society", "authorize", "cces"] + db).status == 0)

        let good = Paths.fixture("cmi5/catapult-lts-samples__via-jcputney-elearning-module-parser/masteryscore_framed")
        let bad = Paths.fixture("broken/jcputney-elearning-module-parser-fixtures/MalformedXml_SCORM12")
        let result = try CLI.run(["import", good, bad, "--society", "cces", "--json", "--credit-hours", "2"] + db)
        #expect(result.status == 1)
        #expect(result.stderr.contains("1 of 2 package(s) rejected"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let outcomes = try #require(report["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { $0["status"] as? String } == ["submitted", "rejected"])
        let diagnostics = try #require(outcomes[1]["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["code"] as? String == "ECBA-E-XML-MALFORMED")
        #expect(diagnostics.first?["line"] as? Int != nil && diagnostics.first?["hint"] as? String != nil)
        let package = try #require(outcomes[0]["package"] as? [String: Any])
        #expect(package["format"] as? String == "cmi5" && package["creditHours"] as? Double == 2)

        let list = try CLI.run(["submission", "list", "--json"], environment: ["ECBA_DATABASE": store.path])
        #expect(list.status == 0)
        let submissions = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(submissions.count == 1)
    }

    @Test("package check reads without a database")
    func packageCheck() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLI.run(["package", "check", "--tree", Paths.course("ces/power-work-safety")], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout.contains("SCORM 1.2") && result.stdout.contains("content/test.html"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("ecba.sqlite").path))
    }

    @Test("the demo imports courses/ into a temporary database")
    func demo() throws {
        let result = try CLI.run(["demo"], in: Paths.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Submissions awaiting"))
        #expect(result.stdout.contains("工程伦理与职业责任"))
        #expect(!FileManager.default.fileExists(atPath: Paths.repositoryRoot.appendingPathComponent("ecba.sqlite").path))
    }

    @Test("--help teaches, and bad input is a one-line reason")
    func helpAndErrors() throws {
        let help = try CLI.run(["import", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--credit-hours") && help.stdout.contains("Examples"))
        let bad = try CLI.run(["import", "x", "--society", "s", "--credit-hours", "-1"])
        #expect(bad.status != 0 && bad.stderr.contains("credit-hours"))
    }
}
