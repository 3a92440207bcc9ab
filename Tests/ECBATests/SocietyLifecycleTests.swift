import Catalog
import CoursePackages
import Domain
import Foundation
import Societies
import Storage
import Testing

@Suite("Society lifecycle (Art. 16-20, 36)")
struct SocietyLifecycleTests {
    @Test("authorisation goes through the three stages in order, each recorded")
    func authorisation() throws {
        let world = try CatalogWorld(societies: [])
        let societies = world.societies
        _ = try societies.add(id: "cmes", name: "中国机械工程学会", kind: .national)
        #expect(throws: ServiceError.self) { try societies.review(id: "cmes", stage: .secretariat, decision: .approve, comment: "x", actor: "sec") }
        let application = try societies.apply(id: "cmes", actor: "cmes")
        #expect(application.awaiting == .secretariat)
        #expect(throws: ServiceError.self) { try societies.apply(id: "cmes", actor: "cmes") }
        do {
            _ = try societies.review(id: "cmes", stage: .presidium, decision: .approve, comment: "skip", actor: "presidium")
            Issue.record("a stage was skipped")
        } catch {
            #expect(error.code == .conflict && error.message.contains("Secretariat"))
        }
        #expect(throws: ServiceError.self) { try societies.review(id: "cmes", stage: .secretariat, decision: .approve, comment: " ", actor: "sec") }
        _ = try societies.review(id: "cmes", stage: .secretariat, decision: .approve, comment: "材料齐全", actor: "secretariat")
        let mid = try societies.review(id: "cmes", stage: .reviewCommittee, decision: .approve, comment: "符合条件", actor: "review-committee")
        #expect(mid.society.status == .registered && mid.application.awaiting == .presidium)
        let done = try societies.review(id: "cmes", stage: .presidium, decision: .approve, comment: "同意", actor: "presidium")
        #expect(done.society.status == .authorized && done.application.outcome == .authorized)
        let shown = try societies.show(id: "cmes")
        #expect(shown.applications.count == 1 && shown.applications[0].steps.map(\.stage) == [.secretariat, .reviewCommittee, .presidium])
        #expect(try world.audit.entries(subject: "cmes").map(\.action) == [
            "society.register", "society.apply", "society.review", "society.review", "society.review", "society.authorize",
        ])
        #expect(throws: ServiceError.self) { try societies.apply(id: "cmes", actor: "cmes") }
    }

    @Test("a rejection at any stage closes the application; the society may apply again")
    func rejection() throws {
        let world = try CatalogWorld(societies: [])
        _ = try world.societies.add(id: "loc", name: "某市工程师学会", kind: .local)
        _ = try world.societies.apply(id: "loc", actor: "loc")
        _ = try world.societies.review(id: "loc", stage: .secretariat, decision: .approve, comment: "ok", actor: "secretariat")
        let rejected = try world.societies.review(id: "loc", stage: .reviewCommittee, decision: .reject, comment: "材料不全", actor: "rc")
        #expect(rejected.application.outcome == .rejected && rejected.society.status == .registered)
        #expect(throws: ServiceError.self) { try world.societies.review(id: "loc", stage: .presidium, decision: .approve, comment: "x", actor: "p") }
        let again = try world.societies.apply(id: "loc", actor: "loc")
        #expect(again.awaiting == .secretariat)
        #expect(try world.societies.show(id: "loc").applications.count == 2)
    }

    @Test("a withdrawn or removed society cannot submit; its published courses stay")
    func leaving() throws {
        let world = try CatalogWorld(societies: ["cces", "ces"])
        try world.appoint(3)
        try world.publish(samplePackage("kept", titles: [LocalizedText(language: "zh", value: "保留的课程")]), society: "ces")
        let importer = ImportService(database: world.store.database, contentRoot: world.store.contentRoot)
        _ = try world.societies.withdraw(id: "ces", reason: "会员大会决议退出", actor: "ces")
        do {
            _ = try importer.importPackages([Paths.course("cces/engineering-ethics")], societyID: "ces", actor: "t")
            Issue.record("a withdrawn society submitted a course")
        } catch {
            #expect(error.code == .notAuthorized)
        }
        #expect(try world.catalog.list().map(\.courseID) == ["ces/kept"])
        #expect(throws: ServiceError.self) { try world.societies.withdraw(id: "ces", reason: nil, actor: "ces") }
        #expect(throws: ServiceError.self) { try world.societies.authorize(id: "ces") }

        #expect(throws: ServiceError.self) { try world.societies.remove(id: "cces", reason: "", actor: "presidium") }
        let removed = try world.societies.remove(id: "cces", reason: "违反章程第二十条", actor: "presidium")
        #expect(removed.status == .removed)
        #expect(throws: ServiceError.self) { try importer.importPackages([Paths.course("cces/engineering-ethics")], societyID: "cces", actor: "t") }
        let lines = try world.audit.entries(subject: "cces")
        #expect(lines.last?.action == "society.remove" && lines.last?.reason == "违反章程第二十条" && lines.last?.actor == "presidium")
        // Rejoining goes through the procedure again.
        #expect(try world.societies.apply(id: "cces", actor: "cces").awaiting == .secretariat)
    }
}
