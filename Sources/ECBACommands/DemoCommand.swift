import ArgumentParser
import PlayerWeb
import Delivery
import CoursePackages
import ContentStore
import ContentLibrary
import Catalog
import Domain
import Enrollment
import Credentials
import Foundation
import Logging
import RegistrySync
import Societies
import SocietyAPI
import Storage
import Transcripts
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the platform's story on a fresh temporary database.",
        discussion: Help.prose("""
            Registers the societies whose folders are under courses/ and takes them through the
            charter's authorisation (Art. 16), appoints a seven-member Academic Committee, imports
            every package for its society, has the committee vote on each (most approved, one
            rejected, one left without a quorum), enrolls two engineers, feeds their progress as
            xAPI statements, prints their credit status and their societies' credit reports,
            issues a signed CLR transcript and verifies it, and prints the catalog and a search.
            Nothing outside the temporary folder is touched; pass --keep to keep the database.
            """)
    )

    @Option(help: "The folder of shipped course packages, one subfolder per society.") var courses = "courses"
    @Flag(help: "Keep the temporary database and print its path.") var keep = false
    @Flag(help: "At the end, keep serving the player (and the society API) until interrupted, so the demo's SCORM course can be taken in a browser.")
    var serve = false
    @Option(help: "The port --serve listens on.") var port = 8080
    @Option(help: "The real SCORM course the demo ends with.") var scorm = "demo/golf-runtime-scorm12"
    @Flag(name: .long, help: "Print machine-readable JSON on standard output.") var json = false

    /// The societies the shipped courses come from.
    static let societies: [(id: String, name: String, kind: SocietyKind)] = [
        ("cces", "中国土木工程学会 China Civil Engineering Society", .national),
        ("ces", "中国电工技术学会 China Electrotechnical Society", .national),
        ("cmes", "中国机械工程学会 Chinese Mechanical Engineering Society", .national),
        ("bjast", "北京市科学技术协会工程师继续教育中心 Beijing Engineers CPD Centre", .local),
    ]

    func run() throws {
        let coursesURL = URL(fileURLWithPath: courses)
        guard FileManager.default.fileExists(atPath: coursesURL.path) else {
            throw Console.fail("no course folder '\(courses)'; run the demo from the repository root or pass --courses PATH")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !keep && !serve { try? FileManager.default.removeItem(at: folder) } }
        let databasePath = folder.appendingPathComponent("ecba.sqlite").path
        let database: AppDatabase
        do { database = try AppDatabase(path: databasePath) } catch { throw Console.fail(error.message) }

        let societies = SocietyService(database: database)
        let importer = ImportService(database: database)
        let committee = CommitteeService(database: database)
        let reviews = ReviewService(database: database)
        let catalog = CatalogService(database: database)

        say("== 1. Societies apply; the Secretariat, the Review Committee and the Presidium approve (Art. 16)")
        for society in Self.societies {
            do {
                _ = try societies.add(id: society.id, name: society.name, kind: society.kind, actor: "secretariat")
                _ = try societies.apply(id: society.id, actor: society.id)
                _ = try societies.review(id: society.id, stage: .secretariat, decision: .approve, comment: "申请材料齐全", actor: "secretariat")
                _ = try societies.review(id: society.id, stage: .reviewCommittee, decision: .approve, comment: "符合授权条件", actor: "review-committee")
                _ = try societies.review(id: society.id, stage: .presidium, decision: .approve, comment: "同意授权", actor: "presidium")
            } catch { throw Console.fail(error) }
            say("   \(society.id): \(society.name) (authorised)")
        }

        say("\n== 2. The Secretariat appoints the Academic Committee (Art. 8, 12)")
        for member in Self.committee {
            do { _ = try committee.addMember(id: member.id, name: member.name, actor: "secretariat") } catch { throw Console.fail(error) }
        }
        say("   \(Self.committee.map { "\($0.id) \($0.name)" }.joined(separator: ", ")): quorum \(ResolutionRule.quorum(members: Self.committee.count)) of \(Self.committee.count)")

        say("\n== 3. Societies submit their course packages (\(courses)/<society>/<package>)")
        var rejected = 0
        var submitted: [(folder: String, id: Int64)] = []
        for society in Self.societies {
            let packages = Self.packages(in: coursesURL.appendingPathComponent(society.id))
            guard !packages.isEmpty else { continue }
            do {
                let outcomes = try importer.importPackages(packages, societyID: society.id, actor: "demo")
                for outcome in outcomes {
                    say(Rendering.outcome(outcome, position: "   [\(society.id)]"))
                    if outcome.status == .rejected { rejected += 1 }
                    if let id = outcome.submissionID { submitted.append((URL(fileURLWithPath: outcome.source).lastPathComponent, id)) }
                }
            } catch { throw Console.fail(error) }
        }

        say("\n== 4. The Academic Committee votes (Art. 31: 2/3 vote, 3/4 of voters approve)")
        for (folder, id) in submitted {
            let plan = Self.votes[folder] ?? Self.defaultVotes
            do {
                var last: ReviewOutcome?
                for (member, vote) in zip(Self.committee, plan) {
                    last = try reviews.vote(id, memberID: member.id, choice: vote.choice, comment: vote.comment)
                    if last?.decision != nil { break }
                }
                if last?.decision == nil {
                    last = try reviews.decide(id, actor: "chair", reason: "会期结束")
                }
                guard let outcome = last else { continue }
                let verdict = outcome.decision.map { "\($0.outcome.rawValue)" } ?? "no quorum, stays open"
                say("   #\(id) \(folder): \(Rendering.tally(outcome.tally)) -> \(verdict)")
            } catch { throw Console.fail(error) }
        }

        say("\n== 5. Engineers join their societies and enroll")
        let engineers = EngineerService(database: database)
        let enrollment = EnrollmentService(database: database)
        for engineer in Self.engineers {
            do {
                _ = try engineers.add(
                    id: engineer.id, name: engineer.name, email: engineer.email, societyID: engineer.society,
                    memberNumber: engineer.member, actor: engineer.society
                )
                for course in engineer.courses {
                    let outcome = try enrollment.enroll(engineerID: engineer.id, courseID: course, actor: engineer.id)
                    say("   \(engineer.id) (\(engineer.name), \(engineer.society) #\(engineer.member)) enrolled in \(course) v\(outcome.enrollment.version)")
                }
            } catch { throw Console.fail(error) }
        }

        say("\n== 6. Course content reports progress as xAPI statements")
        let statementsFile = folder.appendingPathComponent("statements.ndjson")
        let statementService = StatementService(database: database)
        let credits = CreditService(database: database)
        do {
            let lines = try Self.statementLines(engineers: engineers, catalog: catalog)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: statementsFile)
            let result = try statementService.importStatements(Data(contentsOf: statementsFile), actor: "demo-content")
            say("   \(statementsFile.lastPathComponent): \(result.received) statements, \(result.stored) stored, \(result.awards.count) course(s) completed")
            // Content retries a request: the same statements again change nothing.
            let again = try statementService.importStatements(Data(contentsOf: statementsFile), actor: "demo-content")
            say("   sent again: \(again.unchanged) unchanged, \(again.stored) stored (the store is idempotent)")
        } catch let error as ServiceError {
            throw Console.fail(error)
        }

        say("\n== 7. Credit status under the ECBA default policy (90 学时 a year, professional at least 2/3)")
        for engineer in Self.engineers {
            let status: CreditStatus
            do { status = try credits.status(engineerID: engineer.id) } catch { throw Console.fail(error) }
            let categories = status.categories.map { "\($0.name) \(Rendering.hours($0.counted))" + ($0.short > 0 ? " (short \(Rendering.hours($0.short)))" : "") }
            say("   \(engineer.id) \(engineer.name): \(Rendering.hours(status.total)) of \(Rendering.hours(status.totalRequired)) 学时; "
                + categories.joined(separator: ", ") + " -> " + (status.met ? "meets the policy" : "does not meet it"))
        }

        say("\n== 8. Societies pull their credit reports (ecba report society ID)")
        let reports = ReportService(database: database, credits: credits)
        for society in ["cces", "ces"] {
            var writer = BufferedWriter(MemorySink())
            do {
                _ = try reports.write(society: society, containing: Date(), detail: false, format: .csv, to: &writer)
            } catch { throw Console.fail(error) }
            let csv = String(decoding: (writer.sink as? MemorySink)?.data ?? Data(), as: UTF8.self)
            for line in csv.split(separator: "\r\n") { say("   " + line) }
        }

        say("\n== 9. A signed transcript (CLR 2.0, one Open Badges 3.0 credential per course), verified")
        let keys = KeyService(database: database, directory: KeyDirectory(folder.appendingPathComponent("ecba.sqlite.keys")))
        let transcripts = TranscriptService(database: database, keys: keys)
        let transcriptFile = folder.appendingPathComponent("zhangsan-transcript.jwt")
        do {
            let key = try keys.generate(.rs256, actor: "secretariat")
            say("   ecba keys generate --alg RS256: key \(key.kid)")
            try Data((try transcripts.clr(engineerID: "zhangsan") + "\n").utf8).write(to: transcriptFile)
            say("   ecba transcript zhangsan --format clr --output \(transcriptFile.lastPathComponent)")
            let report = CredentialVerifier(keys: try keys.jwks()).verifyTranscript(String(decoding: try Data(contentsOf: transcriptFile), as: UTF8.self))
            say("   ecba verify \(transcriptFile.lastPathComponent): " + (report.valid
                ? "valid, \(report.courses) course credential(s), \(report.checks.count) checks passed"
                : "INVALID: \(report.failures.map(\.detail).joined(separator: "; "))"))
            guard report.valid else { throw Console.fail("the demo's transcript did not verify") }
        } catch let error as ServiceError {
            throw Console.fail(error)
        }

        say("\n== 10. A society over HTTP (ecba serve), and registry sync to its registry")
        let keyFolder = folder.appendingPathComponent("ecba.sqlite.keys")
        let outcome: Result<[String], ServiceError> = Blocking.wait {
            do { return .success(try await Self.overHTTP(database: database, folder: folder, keys: KeyDirectory(keyFolder))) } catch let error as ServiceError {
                return .failure(error)
            } catch {
                return .failure(ServiceError(.storage, "\(error)"))
            }
        }
        switch outcome {
        case .success(let lines): for line in lines { say("   " + line) }
        case .failure(let error): throw Console.fail(error)
        }

        say("\n== 11. The catalog")
        let entries: [CatalogSummary]
        let found: [CatalogSummary]
        do {
            entries = try catalog.list(CatalogFilter(limit: 0))
            found = try catalog.search("安全")
        } catch { throw Console.fail(error) }
        if json {
            try Console.json(entries)
        } else {
            Console.out(Rendering.catalogTable(entries))
            Console.out("\n== 12. ecba catalog search 安全")
            Console.out(Rendering.catalogTable(found))
        }
        if rejected > 0 {
            throw Console.fail("\(rejected) shipped course package(s) were rejected")
        }
        try takeInBrowser(database: database, databasePath: databasePath, folder: folder, importer: importer, reviews: reviews)
        if keep && !serve { say("\nDatabase kept at \(databasePath)") }
    }

    /// The last act: a real SCORM course, published, enrolled, launched; with --serve, served
    /// until interrupted.
    func takeInBrowser(database: AppDatabase, databasePath: String, folder: URL, importer: ImportService, reviews: ReviewService) throws {
        say("\n== 13. An engineer takes a real SCORM course in the browser (\(scorm))")
        guard FileManager.default.fileExists(atPath: scorm) else {
            throw Console.fail("no SCORM course at '\(scorm)'; run the demo from the repository root or pass --scorm PATH")
        }
        let base = "http://localhost:\(port)"
        let ticket: LaunchTicket
        do {
            let outcome = try importer.importPackages([scorm], societyID: "cces", actor: "demo", overrides: PackageOverrides(creditHours: 2, category: .professional))
            guard let submission = outcome.first?.submissionID, let course = outcome.first?.courseID else {
                throw Console.fail("the demo's SCORM course was rejected: \(outcome.first?.diagnostics.map(\.message).joined(separator: "; ") ?? "")")
            }
            for member in Self.committee {
                if try reviews.vote(submission, memberID: member.id, choice: .approve, comment: "运行时示例课程").decision != nil { break }
            }
            _ = try EnrollmentService(database: database).enroll(engineerID: "lisi", courseID: course, actor: "demo")
            ticket = try LaunchService(database: database).launch(engineerID: "lisi", courseID: course, baseURL: base, lifetime: 3600, actor: "demo")
        } catch let error as ServiceError {
            throw Console.fail(error)
        } catch let error as DeliveryError {
            throw Console.fail(error.message)
        }
        say("   \(ticket.courseID) v\(ticket.version) published; 李四 enrolled; ecba launch lisi \(ticket.courseID):")
        say("   \(ticket.url)")
        guard serve else {
            say("   (run 'ecba demo --serve' to take it: page through, pass the quiz, and watch 李四's credits move)")
            return
        }
        let store: ContentStore
        do { store = try ContentService.openStore(root: nil, database: database) } catch { throw Console.fail(error.message) }
        var logger = Logger(label: "ecba.demo")
        logger.logLevel = .warning
        let api = SocietyAPI(
            database: database,
            configuration: APIConfiguration(port: port, keys: KeyDirectory(folder.appendingPathComponent("ecba.sqlite.keys")),
                                            player: PlayerSite(database: database, store: store, address: PlayerAddress(publicURL: base))),
            logger: logger
        )
        say("   serving the player on \(base) until Ctrl-C; open the URL above in a browser, then in another terminal:")
        say("   ecba credits status lisi --database \(databasePath)")
        let outcome: String? = Blocking.wait {
            do {
                try await api.run()
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let outcome { throw Console.fail("the server stopped: \(outcome)") }
        say("   stopped; the database is kept at \(databasePath)")
    }

    /// Issues cces a token, serves the API on a free loopback port, pulls cces's report with the
    /// token, starts a local registry, points cces at it and runs one sync.
    static func overHTTP(database: AppDatabase, folder: URL, keys: KeyDirectory) async throws -> [String] {
        var lines: [String] = []
        let issued = try TokenService(database: database).issue(societyID: "cces", actor: "secretariat")
        lines.append("ecba society token issue cces: token \(issued.id) (shown once; only its hash is stored)")
        var logger = Logger(label: "ecba.demo")
        logger.logLevel = .warning
        let api = SocietyAPI(database: database, configuration: APIConfiguration(port: 0, keys: keys), logger: logger)
        let server = await api.start()
        let port = server.port
        let year = Calendar.utcGregorian.component(.year, from: Date())
        guard let url = URL(string: "http://127.0.0.1:\(port)/v1/report?period=\(year)") else { return lines }
        var request = URLRequest(url: url)
        request.setValue("Bearer \(issued.token)", forHTTPHeaderField: "Authorization")
        request.setValue("text/csv", forHTTPHeaderField: "Accept")
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        lines.append("GET http://127.0.0.1:\(port)/v1/report?period=\(year) (Accept: text/csv) -> HTTP \(status)")
        for row in String(decoding: data, as: UTF8.self).split(separator: "\r\n").prefix(3) { lines.append("  " + row.prefix(110)) }

        let registry = LocalRegistry(token: "demo-registry-token")
        let registryServer = await registry.start()
        let registryURL = "http://127.0.0.1:\(registryServer.port)/records"
        let tokenFile = folder.appendingPathComponent("cces-registry.token")
        try Data("demo-registry-token\n".utf8).write(to: tokenFile)
        let sync = SyncService(database: database, policy: SyncPolicy(batchSize: 5, backoffBase: 0.1, timeout: 5))
        let queued = try sync.setRegistry(RegistryConfig(societyID: "cces", url: registryURL, tokenFile: tokenFile.path, format: .json), actor: "cces")
        lines.append("ecba society set-registry cces --url \(registryURL): \(queued) record(s) queued")
        let summary = try await sync.run(untilDone: true)
        lines.append("ecba sync run: delivered \(summary.delivered) record(s) in \(summary.attempts) batch(es); the registry applied "
                     + "\(registry.appliedRecords.count) record(s), each once")
        await registryServer.stop()
        await server.stop()
        return lines
    }

    /// The Academic Committee of the demo: seven members, an odd number as Art. 12 asks.
    static let committee: [(id: String, name: String)] = [
        ("wang", "王建国"), ("li", "李敏"), ("zhang", "张伟"), ("liu", "刘洋"), ("chen", "陈静"), ("yang", "杨帆"), ("zhao", "赵磊"),
    ]

    /// Engineers of the demo and the courses they enroll in.
    static let engineers: [(id: String, name: String, email: String, society: String, member: String, courses: [String])] = [
        ("zhangsan", "张三", "zhangsan@example.cn", "cces", "C-2026-0001", [
            "cces/cces.engineering-ethics", "cces/cces.construction-safety", "cces/cces.bim-fundamentals", "cces/cces.design-codes-gb50010",
            "ces/ces.solar-pv-design", "ces/ces.battery-energy-storage", "cmes/cmes.intelligent-manufacturing", "bjast/bjast.work-safety-law",
        ]),
        ("lisi", "李四", "lisi@example.cn", "ces", "E-2026-0042", [
            "cces/cces.engineering-ethics", "bjast/bjast.work-safety-law", "ces/ces.power-work-safety", "cmes/cmes.machinery-safety",
        ]),
    ]

    /// What course content would send for the demo's engineers: for every required activity of
    /// every enrollment, 'experienced', then 'completed' and (with a mastery threshold) 'passed'
    /// with a score, each with the enrollment's registration, over the past weeks of this year.
    static func statementLines(engineers: EngineerService, catalog: CatalogService) throws(ServiceError) -> [String] {
        var lines: [String] = []
        let now = Date()
        let yearStart = CreditPolicy.ecbaDefault.period.containing(now).start
        var step = 0.0
        for engineer in Self.engineers {
            for enrollment in try engineers.show(engineer.id).enrollments.reversed() {
                let package = try catalog.show(enrollment.courseID, version: enrollment.version).submission.package
                for activity in CompletionRule.requiredActivities(package) {
                    step += 1
                    let when = max(yearStart, now.addingTimeInterval(-86_400 * 20 + step * 600))
                    let object = ActivityIRI.make(courseID: enrollment.courseID, activity: activity.identifier)
                    var verbs: [(String, String)] = [("experienced", ""), ("completed", #","result":{"completion":true,"duration":"PT40M"}"#)]
                    if let mastery = activity.masteryThreshold {
                        verbs.append(("passed", #","result":{"success":true,"score":{"scaled":\#(min(1, mastery + 0.1))}}"#))
                    }
                    for (offset, (verb, result)) in verbs.enumerated() {
                        let stamp = when.addingTimeInterval(Double(offset) * 60).formatted(.iso8601)
                        lines.append(#"{"id":"\#(UUID().uuidString.lowercased())","actor":{"objectType":"Agent","name":"\#(engineer.name)","mbox":"mailto:\#(engineer.email)"},"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)","display":{"en-US":"\#(verb)"}},"object":{"objectType":"Activity","id":"\#(object)","definition":{"name":{"zh-CN":"\#(activity.title)"}}}\#(result),"context":{"registration":"\#(enrollment.registration.uuidString.lowercased())","platform":"ECBA demo content"},"timestamp":"\#(stamp)"}"#)
                    }
                }
            }
        }
        return lines
    }

    typealias PlannedVote = (choice: VoteChoice, comment: String)

    /// Most courses: six approvals settle it (6 of 7 cannot fall below 3/4).
    static let defaultVotes: [PlannedVote] = Array(repeating: (.approve, "内容准确，学时合理"), count: 7)

    /// The exceptions: one rejection, one review that never reaches a quorum.
    static let votes: [String: [PlannedVote]] = [
        "project-management": [
            (.approve, "结构清晰"), (.reject, "案例陈旧，与现行规范不符"), (.reject, "学时偏高"),
            (.approve, "可以接受"), (.reject, "缺少考核环节"),
        ],
        "information-retrieval": [(.approve, "实用"), (.approve, "同意"), (.reject, "与公需科目定位不符")],
    ]

    /// Narration goes to standard error under --json so standard output stays parseable.
    private func say(_ text: String) {
        if json { Console.err(text) } else { Console.out(text) }
    }

    /// Package folders and archives directly inside `folder`, sorted.
    static func packages(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") && $0 != "README.md" }.map { folder.appendingPathComponent($0).path }
    }
}
