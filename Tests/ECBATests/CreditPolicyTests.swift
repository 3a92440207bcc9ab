import Catalog
import Domain
import Enrollment
import Foundation
import Storage
import Testing

@Suite("Credit policies: every primitive and the shipped policies, by hand-computed figures")
struct CreditPolicyTests {
    static func day(_ text: String) -> Date { CreditPolicy.day(text) ?? .distantPast }

    static func item(_ id: Int64, _ hours: Double, _ subject: SubjectCategory, _ date: String, keywords: [String] = [], title: String = "课程") -> CreditItem {
        CreditItem(awardID: id, courseID: "c/\(id)", title: title, hours: hours, subject: subject, keywords: keywords, completedAt: day(date))
    }

    @Test("ECBA default: 90 a year, professional at least 2/3 of 90 = 60")
    func ecbaDefault() {
        let meets = CreditEvaluator.status(.ecbaDefault, items: [
            Self.item(1, 60, .professional, "2026-03-01"), Self.item(2, 30, .public, "2026-11-30"),
        ], containing: Self.day("2026-06-01"))
        #expect(meets.met && meets.total == 90 && meets.short == 0)
        // 90 in total but only 50 professional: short by 10 in the category.
        let short = CreditEvaluator.status(.ecbaDefault, items: [
            Self.item(1, 50, .professional, "2026-03-01"), Self.item(2, 40, .public, "2026-04-01"),
        ], containing: Self.day("2026-06-01"))
        #expect(!short.met && short.short == 0)
        #expect(short.categories.first { $0.name == "professional" }?.short == 10)
        #expect(short.explanation.contains { $0.contains("professional: 50 of at least 60: short by 10.") })
    }

    @Test("calendar-year periods: an award counts only in the year its activity ended")
    func calendarYear() {
        let status = CreditEvaluator.status(.ecbaDefault, items: [
            Self.item(1, 10, .professional, "2025-12-31"), Self.item(2, 20, .professional, "2026-01-01"), Self.item(3, 5, .public, "2027-01-01"),
        ], containing: Self.day("2026-07-01"))
        #expect(status.items.map(\.courseID) == ["c/2"] && status.total == 20)
        #expect(status.periodStart == Self.day("2026-01-01") && status.periodEnd == Self.day("2027-01-01"))
    }

    @Test("anchored cycles run before and after the anchor")
    func cycles() {
        let period = CreditPolicy.engineersAustralia.period
        #expect(period.containing(Self.day("2026-06-01")) == DateInterval(start: Self.day("2024-01-01"), end: Self.day("2027-01-01")))
        #expect(period.containing(Self.day("2027-01-01")) == DateInterval(start: Self.day("2027-01-01"), end: Self.day("2030-01-01")))
        #expect(period.containing(Self.day("2023-05-01")) == DateInterval(start: Self.day("2021-01-01"), end: Self.day("2024-01-01")))
    }

    @Test("US PDH: 学时 convert at 0.75, ethics by keyword at least 1, carry-over 14 toward the total only")
    func usPDH() {
        let items = [
            // 2025: 40 学时 technical = 30 PDH, 15 above the total: 14 carry (the cap).
            Self.item(1, 40, .professional, "2025-05-01"),
            // 2026: 1 学时 ethics = 0.75 PDH (short of 1), 2 学时 technical = 1.5 PDH.
            Self.item(2, 1, .public, "2026-02-01", keywords: ["工程伦理"]),
            Self.item(3, 2, .professional, "2026-03-01"),
        ]
        let status = CreditEvaluator.status(.usPDH, items: items, containing: Self.day("2026-06-01"))
        #expect(status.carriedOver == 14)
        #expect(status.total == 0.75 + 1.5 + 14)
        #expect(status.short == 0)
        let ethics = status.categories.first { $0.name == "ethics" }
        #expect(ethics?.counted == 0.75 && ethics?.short == 0.25)
        #expect(!status.met)   // total met with the carry-over, ethics not: carry-over never counts toward ethics
        // Only technical hours carry: an ethics-heavy previous year carries nothing.
        let ethicsYear = CreditEvaluator.status(.usPDH, items: [Self.item(4, 40, .public, "2025-05-01", keywords: ["ethics"])], containing: Self.day("2026-06-01"))
        #expect(ethicsYear.carriedOver == 0)
    }

    @Test("Engineers Australia: 150 h over 3 years, three minimums, first matching category wins")
    func engineersAustralia() {
        let items = [
            Self.item(1, 80, .professional, "2024-03-01"),                                   // 60 h practice
            Self.item(2, 16, .professional, "2025-03-01", keywords: ["风险评估"]),             // 12 h risk
            Self.item(3, 24, .public, "2026-03-01", title: "工程项目管理"),                     // 18 h management
            Self.item(4, 100, .professional, "2026-09-01"),                                  // 75 h practice
        ]
        let status = CreditEvaluator.status(.engineersAustralia, items: items, containing: Self.day("2025-01-01"))
        #expect(status.total == 165 && status.met)
        let counted = Dictionary(uniqueKeysWithValues: status.categories.map { ($0.name, $0.counted) })
        #expect(counted == ["risk-management": 12, "business-management": 18, "area-of-practice": 135])
        let missingRisk = CreditEvaluator.status(.engineersAustralia, items: [items[0], items[2], items[3]], containing: Self.day("2025-01-01"))
        #expect(!missingRisk.met && missingRisk.categories.first { $0.name == "risk-management" }?.short == 10)
    }

    @Test("category caps and awards no category matches")
    func capsAndOther() throws {
        let policy = CreditPolicy(
            name: "capped", title: "capped", unit: "学时", conversions: ["学时": 1], period: .calendarYear, total: 50,
            categories: [CreditPolicy.Category(name: "public", subjects: [.public], maximum: 10)]
        )
        let status = CreditEvaluator.status(policy, items: [
            Self.item(1, 25, .public, "2026-01-10"), Self.item(2, 30, .professional, "2026-02-10"),
        ], containing: Self.day("2026-06-01"))
        let publicTotal = try #require(status.categories.first { $0.name == "public" })
        #expect(publicTotal.earned == 25 && publicTotal.counted == 10 && publicTotal.capped == 15)
        #expect(status.categories.first { $0.name == "other" }?.counted == 30)
        #expect(status.total == 40 && status.short == 10)
        #expect(status.explanation.contains { $0.contains("capped at 10; 15 not counted") })
    }

    @Test("the policies/ files are the shipped policies; bad policies are refused with the reason")
    func files() throws {
        for policy in CreditPolicy.shipped {
            let data = try Data(contentsOf: Paths.repositoryRoot.appendingPathComponent("policies/\(policy.name).json"))
            #expect(try JSONDecoder().decode(CreditPolicy.self, from: data) == policy)
        }
        let world = try CatalogWorld()
        let credits = CreditService(database: world.store.database, clock: world.clock.now)
        let bad = [
            #"{"name":"x","title":"x","unit":"h","conversions":{"h":1},"period":{"kind":"calendar-year"},"total":1,"categories":[]}"#,
            #"{"name":"x","title":"x","unit":"h","conversions":{"学时":1},"period":{"kind":"weekly"},"total":1,"categories":[]}"#,
            #"{"name":"ecba-default","title":"x","unit":"h","conversions":{"学时":1},"period":{"kind":"calendar-year"},"total":1,"categories":[]}"#,
            #"{"title":"x"}"#,
        ]
        for text in bad { #expect(throws: ServiceError.self) { try credits.add(Data(text.utf8), actor: "t") } }
        let example = try String(contentsOf: Paths.repositoryRoot.appendingPathComponent("policies/README.md"), encoding: .utf8)
        let json = try #require(example.components(separatedBy: "```json\n").last?.components(separatedBy: "```").first)
        let added = try credits.add(Data(json.utf8), actor: "t")
        let count = try credits.policies().count
        #expect(added.name == "province-cycle" && count == 4)
    }
}

@Suite("Credit status through the service")
struct CreditServiceTests {
    @Test("status uses the society's policy, counts only standing awards, and explains itself")
    func serviceStatus() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let engineers = EngineerService(database: world.store.database, clock: world.clock.now)
        let enrollments = EnrollmentService(database: world.store.database, clock: world.clock.now)
        let progress = ProgressService(database: world.store.database, clock: world.clock.now)
        let credits = CreditService(database: world.store.database, clock: world.clock.now)
        _ = try engineers.add(id: "zhang", name: "张三", societyID: "cces", memberNumber: "1", actor: "t")
        try world.publish(samplePackage("ethics", titles: [LocalizedText(language: "zh", value: "工程伦理")], hours: 8, category: .public))
        try world.publish(samplePackage("steel", titles: [LocalizedText(language: "zh", value: "钢结构设计")], hours: 40, category: .professional))
        for course in ["cces/ethics", "cces/steel"] {
            _ = try enrollments.enroll(engineerID: "zhang", courseID: course, actor: "t")
            _ = try progress.record(engineerID: "zhang", courseID: course, activity: "l1", outcome: .completed, at: CreditPolicyTests.day("2026-05-01"), actor: "t")
        }
        let ecba = try credits.status(engineerID: "zhang", containing: CreditPolicyTests.day("2026-01-01"))
        #expect(ecba.policy == "ecba-default" && ecba.total == 48 && !ecba.met && ecba.short == 42)
        try credits.setSocietyPolicy("cces", policy: "us-pdh", actor: "t")
        let pdh = try credits.status(engineerID: "zhang", containing: CreditPolicyTests.day("2026-01-01"))
        #expect(pdh.policy == "us-pdh" && pdh.total == 36 && pdh.met)
        #expect(pdh.categories.first { $0.name == "ethics" }?.counted == 6)
        #expect(throws: ServiceError.self) { try credits.setSocietyPolicy("cces", policy: "nope", actor: "t") }
        #expect(throws: ServiceError.self) { try credits.status(engineerID: "nobody") }
    }
}
