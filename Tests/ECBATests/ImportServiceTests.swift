import Catalog
import CoursePackages
import Domain
import Foundation
import Societies
import Storage
import Testing

@Suite("Importing packages into submissions")
struct ImportServiceTests {
    let store: TemporaryDatabase
    let societies: SocietyService
    let importer: ImportService

    init() throws {
        store = try TemporaryDatabase()
        societies = SocietyService(database: store.database)
        importer = ImportService(database: store.database, contentRoot: store.contentRoot)
        _ = try societies.add(id: "cces", name: "中国土木工程学会", kind: .national)
        _ = try societies.authorize(id: "cces")
    }

    @Test("a tree of 75 activities (more than one multi-row insert) reads back exactly as stored")
    func largeActivityTree() throws {
        let modules = (1...5).map { module in
            Activity(
                identifier: "m\(module)", title: "模块 \(module)", kind: .aggregation,
                children: (1...14).map { lesson in
                    Activity(
                        identifier: "m\(module)-l\(lesson)", title: "第\(lesson)讲", kind: lesson == 14 ? .assessment : .sco,
                        launchURL: "m\(module)/l\(lesson).html?x=1", isRequired: lesson % 3 != 0,
                        masteryThreshold: lesson == 14 ? 0.8 : nil, completionThreshold: lesson == 1 ? 0.5 : nil,
                        timeLimitSeconds: lesson == 14 ? 1_800 : nil, moveOn: lesson == 14 ? "Passed" : nil
                    )
                }
            )
        }
        let package = samplePackage("big", titles: [LocalizedText(language: "zh", value: "大课")], activities: modules)
        guard case .created(let created) = try store.database.insertSubmission(package, societyID: "cces", source: "t", diagnostics: [], at: Date()) else {
            Issue.record("the package was not stored")
            return
        }
        let stored = try #require(try store.database.submission(id: created.id))
        #expect(stored.package.activities == modules)
        #expect(stored.package.activities.flattened.count == 75)
    }

    @Test("the schema is migrated, in WAL mode")
    func schema() throws {
        let store = try TemporaryDatabase(.sqlite)
        #expect(try store.database.appliedMigrations() == [
            "v1-societies-and-submissions", "v2-committee-catalog-audit", "v3-engineers-and-enrollments", "v4-xapi-statements", "v5-credit-policies",
            "v6-transcript-records-and-signing-keys", "v7-registry-sync", "v8-api-tokens-and-change-feed",
            "v9-lean-progress-events", "v10-cheaper-bulk-rows", "v11-submission-files", "v12-delivery", "v13-learning-record-store", "v14-cmi5-sessions", "v15-xapi-attachments", "v16-statement-targets",
            "v17-statement-registration-rows", "v18-activity-progress-by-key", "v19-credit-consequences-in-code", "v20-statement-index-keys",
            "v21-statement-index-pending",
        ])
        #expect(try store.database.journalMode() == "wal")
    }

    @Test("only an authorised society may submit")
    func authorisation() throws {
        _ = try societies.add(id: "newbie", name: "New Society", kind: .local)
        #expect(throws: ServiceError.self) {
            try importer.importPackages([Paths.course("cces/engineering-ethics")], societyID: "newbie", actor: "t")
        }
        #expect(throws: ServiceError.self) {
            try importer.importPackages([Paths.course("cces/engineering-ethics")], societyID: "nobody", actor: "t")
        }
        #expect(try store.database.counts().submissions == 0)
    }

    @Test("a bad package in a batch stores nothing and does not stop the others")
    func batchWithBadPackage() throws {
        let outcomes = try importer.importPackages([
            Paths.course("cces/engineering-ethics"),
            Paths.fixture("broken/jcputney-elearning-module-parser-fixtures/MalformedXml_SCORM12"),
            Paths.course("cces/construction-safety"),
        ], societyID: "cces", actor: "t")
        #expect(outcomes.map(\.status) == [.submitted, .rejected, .submitted])
        #expect(outcomes[1].diagnostics.map(\.code) == [.xmlMalformed])
        let counts = try store.database.counts()
        #expect(counts.courses == 2 && counts.submissions == 2)
        let stored = try importer.submission(id: try #require(outcomes[0].submissionID))
        #expect(stored.status == .pending && stored.version == 1)
        #expect(stored.package.activities == outcomes[0].package?.activities)
        #expect(stored.package.titles == outcomes[0].package?.titles)
        #expect(stored.package.creditHours == 8 && stored.package.category == .public)
    }

    @Test("re-importing the same content is a no-op; changed content is the next version; each new version is audited, by its importer")
    func versions() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-course-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Paths.course("cces/design-codes")), to: scratch)
        let first = try importer.importPackages([scratch.path], societyID: "cces", actor: "t")
        let again = try importer.importPackages([scratch.path], societyID: "cces", actor: "t")
        #expect(first[0].status == .submitted && again[0].status == .unchanged)
        #expect(again[0].submissionID == first[0].submissionID)
        try Data("<html>revised</html>".utf8).write(to: scratch.appendingPathComponent("lessons/l1.html"))
        let revised = try importer.importPackages([scratch.path], societyID: "cces", actor: "t")
        #expect(revised[0].status == .submitted && revised[0].version == 2)
        #expect(revised[0].courseID == first[0].courseID)
        #expect(try store.database.counts().submissions == 2)
        // One audit line per submission created (the unchanged import changed nothing), in its transaction.
        let imports = try AuditService(database: store.database).entries().filter { $0.action == "submission.import" }
        #expect(imports.map(\.subject).sorted() == [first[0], revised[0]].compactMap { $0.submissionID.map { "submission:\($0)" } }.sorted())
        #expect(imports.allSatisfy { $0.actor == "t" && $0.details["society"] == "cces" && $0.details["course"] == first[0].courseID })
        #expect(Set(imports.compactMap { $0.details["version"] }) == ["1", "2"] && imports.allSatisfy { $0.details["source"] == scratch.path })
    }

    @Test("warnings are kept with the submission; CLI overrides are stored")
    func warningsAndOverrides() throws {
        let path = Paths.fixture("broken/jcputney-elearning-module-parser-fixtures/ItemWithNonExistentResourceId_SCORM12")
        let outcome = try importer.importPackages([path], societyID: "cces", actor: "t", overrides: PackageOverrides(creditHours: 3, category: .professional))[0]
        let stored = try importer.submission(id: try #require(outcome.submissionID))
        #expect(stored.diagnostics.map(\.code) == [.danglingReference])
        #expect(stored.diagnostics[0].line == 20 && stored.diagnostics[0].elementPath != nil)
        #expect(stored.package.creditHours == 3 && stored.package.category == .professional)
        #expect(stored.package.format == .scorm12)
    }

    @Test("the whole courses/ folder imports clean")
    func shippedCourses() throws {
        var all: [ImportOutcome] = []
        for society in ["cces", "ces", "cmes", "bjast"] {
            if society != "cces" {
                _ = try societies.add(id: society, name: society, kind: .national)
                _ = try societies.authorize(id: society)
            }
            let folder = Paths.courses.appendingPathComponent(society)
            let packages = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0).path }
            all += try importer.importPackages(packages, societyID: society, actor: "t")
        }
        #expect(all.count >= 12)
        #expect(all.allSatisfy { $0.status == .submitted && $0.diagnostics.isEmpty })
    }

    @Test("a batch larger than one read-ahead batch keeps its order and reports progress in order")
    func largeBatchOrder() throws {
        let courses = ["cces/engineering-ethics", "cces/construction-safety", "cces/design-codes", "cces/bim-fundamentals"].map(Paths.course)
        let paths = Array(repeating: courses, count: 20).flatMap { $0 }
        var reported: [Int] = []
        let outcomes = try importer.importPackages(paths, societyID: "cces", actor: "t") { index, _ in reported.append(index) }
        #expect(outcomes.map(\.source) == paths)
        #expect(reported == Array(0..<paths.count))
        #expect(outcomes.prefix(4).allSatisfy { $0.status == .submitted })
        #expect(outcomes.dropFirst(4).allSatisfy { $0.status == .unchanged })
        #expect(try store.database.counts().submissions == 4)
    }

    @Test("society ids and names are validated; duplicates conflict")
    func societyRules() throws {
        #expect(throws: ServiceError.self) { try societies.add(id: "bad id!", name: "x", kind: .local) }
        #expect(throws: ServiceError.self) { try societies.add(id: "ok", name: "  ", kind: .local) }
        do {
            _ = try societies.add(id: "cces", name: "again", kind: .local)
            Issue.record("a duplicate society was added")
        } catch {
            #expect(error.code == .conflict)
        }
        #expect(try societies.list().map(\.id) == ["cces"])
    }
}
