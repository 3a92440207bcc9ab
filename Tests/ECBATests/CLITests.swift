import Catalog
import Domain
import Enrollment
import Foundation
import Storage
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

    @Test("--paths-from reads package paths from a file or standard input, after the PATH arguments")
    func pathsFrom() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = folder.appendingPathComponent("packages.txt")
        let safety = Paths.course("ces/power-work-safety")
        let ethics = Paths.course("cces/engineering-ethics")
        let bad = Paths.fixture("broken/jcputney-elearning-module-parser-fixtures/MalformedXml_SCORM12")
        try Data("\(ethics)\r\n\n\(bad)\n".utf8).write(to: list)

        let fromFile = try CLI.run(["package", "check", safety, "--paths-from", list.path, "--json"])
        #expect(fromFile.status == 1)
        let checked = try #require(try JSONSerialization.jsonObject(with: Data(fromFile.stdout.utf8)) as? [[String: Any]])
        #expect(checked.map { $0["source"] as? String } == [safety, ethics, bad])
        #expect(checked.map { $0["accepted"] as? Bool } == [true, true, false])

        let store = try TemporaryDatabase()
        let db = ["--database", store.path]
        #expect(try CLI.run(["society", "add", "cces", "--name", "中国土木工程学会", "--kind", "national"] + db).status == 0)
        #expect(try CLI.run(["society", "authorize", "cces"] + db).status == 0)
        let fromStdin = try CLI.run(["import", "--paths-from", "-", "--society", "cces", "--json"] + db, input: Data("\(ethics)\n\(safety)\n".utf8))
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fromStdin.stdout.utf8)) as? [String: Any])
        #expect((report["summary"] as? [String: Any])?["submitted"] as? Int == 2)

        let missing = try CLI.run(["package", "check", "--paths-from", folder.appendingPathComponent("nope.txt").path])
        #expect(missing.status == 1 && missing.stderr.contains("cannot read the path list"))
        let none = try CLI.run(["package", "check"])
        #expect(none.status != 0 && none.stderr.contains("--paths-from"))
    }

    @Test("the demo authorises, votes, reports, signs and verifies a transcript, and prints the catalog")
    func demo() throws {
        let result = try CLI.run(["demo"], in: Paths.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("-> approved") && result.stdout.contains("-> rejected"))
        #expect(result.stdout.contains("no quorum, stays open"))
        #expect(result.stdout.contains("== 11. The catalog"))
        // Over HTTP with a society token, then one sync to a local registry.
        #expect(result.stdout.contains("(Accept: text/csv) -> HTTP 200") && result.stdout.contains("8 record(s) queued"))
        #expect(result.stdout.contains("ecba sync run: delivered 8 record(s)") && result.stdout.contains("the registry applied 8 record(s), each once"))
        // The society reports: zhangsan meets the policy, lisi is 68 short.
        #expect(result.stdout.contains("C-2026-0001,zhangsan,张三,cces,") && result.stdout.contains(",ecba-default,学时,90,90,0,76,76,60,0,14,14,,0,0,yes,0"))
        #expect(result.stdout.contains("E-2026-0042,lisi,李四,ces,") && result.stdout.contains(",ecba-default,学时,90,22,0,8,8,60,52,14,14,,0,0,no,68"))
        #expect(result.stdout.contains("ecba verify zhangsan-transcript.jwt: valid, 8 course credential(s)"))
        #expect(result.stdout.contains("98 unchanged, 0 stored"))
        #expect(result.stdout.contains("zhangsan 张三: 90 of 90 学时") && result.stdout.contains("-> meets the policy"))
        #expect(result.stdout.contains("lisi 李四: 22 of 90 学时; professional 8 (short 52)") && result.stdout.contains("-> does not meet it"))
        #expect(result.stdout.contains("zhangsan (张三, cces #C-2026-0001) enrolled in cces/cces.engineering-ethics v1"))
        #expect(result.stdout.contains("工程伦理与职业责任"))
        // It ends with a launch URL of a real SCORM course, and its servers stop without an error line.
        #expect(result.stdout.range(of: #"http://localhost:8080/launch/[A-Za-z0-9_-]{43}"#, options: .regularExpression) != nil)
        #expect(result.stdout.contains("cces/com.scorm.golfsamples.runtime.basicruntime.12 v1 published"))
        #expect(!result.stderr.contains("error"), "\(result.stderr)")
        let json = try CLI.run(["demo", "--json"], in: Paths.repositoryRoot)
        let catalog = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(catalog.count == 10)
        #expect(!FileManager.default.fileExists(atPath: Paths.repositoryRoot.appendingPathComponent("ecba.sqlite").path))
    }

    @Test("--help teaches, and bad input is a one-line reason")
    func helpAndErrors() throws {
        let help = try CLI.run(["import", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--credit-hours") && help.stdout.contains("Examples"))
        let bad = try CLI.run(["import", "x", "--society", "s", "--credit-hours", "-1"])
        #expect(bad.status != 0 && bad.stderr.contains("credit-hours"))
    }

    @Test("a service's refusal names no command or option; the CLI adds its own")
    func refusalsPhrasedByTheShell() throws {
        let store = try TemporaryDatabase()
        let database = store.database
        do {
            _ = try EnrollmentService(database: database).enroll(engineerID: "nobody", courseID: "cces/x", actor: "t")
            Issue.record("enrolled an engineer who does not exist")
        } catch {
            #expect(error.code == .notFound && error.remedy == .addEngineer && error.message == "no engineer 'nobody'")
        }
        do {
            _ = try CatalogService(database: database).list(CatalogFilter(minHours: 5, maxHours: 1))
            Issue.record("listed with the least hours above the most")
        } catch {
            #expect(error.code == .invalidArgument && error.field == "min-hours" && !error.message.contains("--"))
        }
        let env = ["ECBA_DATABASE": store.path]
        let enroll = try CLI.run(["enroll", "nobody", "cces/x"], environment: env)
        #expect(enroll.status != 0 && enroll.stderr.contains("no engineer 'nobody'; add one with 'ecba engineer add'"), "\(enroll.stderr)")
        let hours = try CLI.run(["catalog", "list", "--min-hours", "5", "--max-hours", "1"], environment: env)
        #expect(hours.status != 0 && hours.stderr.contains("(--min-hours)"), "\(hours.stderr)")
    }

    @Test("committee, review, catalog and audit from the command line")
    func reviewFlow() throws {
        let store = try TemporaryDatabase()
        let env = ["ECBA_DATABASE": store.path, "ECBA_ACTOR": "tester"]
        func ecba(_ arguments: String...) throws -> CLI.Result { try CLI.run(arguments, environment: env) }
        #expect(try ecba("society", "add", "cces", "--name", "中国土木工程学会", "--kind", "national").status == 0)
        #expect(try ecba("society", "apply", "cces").status == 0)
        for stage in ["secretariat", "review-committee", "presidium"] {
            #expect(try ecba("society", "review", "cces", "--stage", stage, "approve", "--comment", "同意").status == 0)
        }
        #expect(try ecba("society", "show", "cces").stdout.contains("Status: authorized"))
        #expect(try ecba("import", Paths.course("cces/engineering-ethics"), Paths.course("cces/construction-safety"), "--society", "cces").status == 0)
        let even = try ecba("committee", "add-member", "a", "--name", "甲")
        #expect(even.status == 0 && even.stderr.isEmpty)
        let warned = try ecba("committee", "add-member", "b", "--name", "乙")
        #expect(warned.stderr.contains("warning") && warned.stderr.contains("Art. 12"))
        #expect(try ecba("committee", "add-member", "c", "--name", "丙").status == 0)

        let stranger = try ecba("review", "vote", "1", "approve", "--member", "nobody", "--comment", "x")
        #expect(stranger.status == 1 && stranger.stderr.contains("not a serving member"))
        #expect(try ecba("review", "vote", "2", "approve", "--member", "a", "--comment", "ok").status == 0)
        let noQuorum = try ecba("review", "decide", "2", "--json")
        #expect(noQuorum.status == 2 && noQuorum.stdout.contains("no-quorum"))
        for member in ["a", "b", "c"] {
            _ = try ecba("review", "vote", "1", "approve", "--member", member, "--comment", "内容准确")
        }
        let show = try ecba("review", "show", "1")
        #expect(show.stdout.contains("Decision: approved by committee"))

        let search = try ecba("catalog", "search", "伦理", "--json")
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]])
        #expect(hits.map { $0["courseID"] as? String } == ["cces/cces.engineering-ethics"])
        #expect(try ecba("catalog", "show", "cces/cces.engineering-ethics").stdout.contains("Licence:"))
        let retired = try ecba("catalog", "retire", "cces/cces.engineering-ethics", "--reason", "内容过时")
        #expect(retired.status == 0)
        #expect(try ecba("catalog", "list").stdout.contains("the catalog is empty"))
        let audit = try ecba("audit", "--subject", "cces/cces.engineering-ethics", "--json")
        let lines = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [[String: Any]])
        #expect(lines.map { $0["action"] as? String } == ["catalog.publish", "catalog.retire"])
        #expect(lines.last?["actor"] as? String == "tester")
        #expect(try ecba("audit", "--since", "yesterday").status == 1)
        let punctuation = try ecba("catalog", "search", "!!!")
        #expect(punctuation.status == 1 && punctuation.stderr.contains("no letters"))
    }

    @Test("engineer import reports refused rows by file and line; enroll twice says nothing changed")
    func engineersAndEnrollment() throws {
        let store = try TemporaryDatabase()
        let env = ["ECBA_DATABASE": store.path, "ECBA_ACTOR": "tester"]
        func ecba(_ arguments: String...) throws -> CLI.Result { try CLI.run(arguments, environment: env) }
        _ = try ecba("society", "add", "cces", "--name", "中国土木工程学会", "--kind", "national")
        _ = try ecba("society", "authorize", "cces")
        let roster = store.folder.appendingPathComponent("roster.csv")
        try Data("会员编号,姓名,邮箱\nC-1,张三,zhang@example.cn\nC-2,李四,broken\n".utf8).write(to: roster)
        let imported = try ecba("engineer", "import", roster.path, "--society", "cces")
        #expect(imported.status == 1)
        #expect(imported.stdout.contains("1 engineer(s) created"))
        #expect(imported.stderr.contains("roster.csv:3: "))
        let shown = try ecba("engineer", "show", "cces-C-1", "--json")
        #expect(shown.status == 0 && shown.stdout.contains("zhang@example.cn"))

        _ = try ecba("import", Paths.course("cces/engineering-ethics"), "--society", "cces")
        for member in ["a", "b", "c"] { _ = try ecba("committee", "add-member", member, "--name", member) }
        for member in ["a", "b", "c"] { _ = try ecba("review", "vote", "1", "approve", "--member", member, "--comment", "ok") }
        let first = try ecba("enroll", "cces-C-1", "cces/cces.engineering-ethics")
        #expect(first.status == 0 && first.stdout.contains("enrolled in cces/cces.engineering-ethics version 1"))
        let twice = try ecba("enroll", "cces-C-1", "cces/cces.engineering-ethics")
        #expect(twice.status == 0 && twice.stdout.contains("nothing changed"))
        let unknown = try ecba("progress", "record", "cces-C-1", "cces/cces.engineering-ethics", "--activity", "nope", "--completed")
        #expect(unknown.status == 1 && unknown.stderr.contains("no launchable activity 'nope'"))
        let recorded = try ecba("progress", "record", "cces-C-1", "cces/cces.engineering-ethics", "--activity", "l1", "--completed", "--duration", "PT45M")
        #expect(recorded.status == 0 && recorded.stdout.contains("still to do"), "\(recorded.stderr)")
        #expect(try ecba("engineer", "show", "cces-C-1").stdout.contains("Credits:      none yet"))
        #expect(try ecba("withdraw", "cces-C-1", "cces/cces.engineering-ethics").status == 0)
        #expect(try ecba("withdraw", "cces-C-1", "cces/cces.engineering-ethics").status == 1)
    }
}
