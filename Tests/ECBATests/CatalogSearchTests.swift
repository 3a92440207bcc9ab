import Catalog
import Domain
import Foundation
import Storage
import Testing

@Suite("Catalog search: Chinese substrings, short words, mixed languages, ranking, filters")
struct CatalogSearchTests {
    let world: CatalogWorld

    init() throws {
        try self.init(on: .suite)
    }

    init(on kind: TemporaryDatabase.Kind) throws {
        world = try CatalogWorld(societies: ["cces", "ces"], on: kind)
        try world.appoint(3)
        let zh = { (value: String) in LocalizedText(language: "zh-CN", value: value) }
        let en = { (value: String) in LocalizedText(language: "en", value: value) }
        try world.publish(samplePackage(
            "ethics", titles: [zh("注册土木工程师工程伦理与职业责任"), en("Engineering Ethics for Civil Engineers")],
            descriptions: [zh("公众安全、诚信与利益冲突")], keywords: [zh("职业道德"), en("ethics")], hours: 8, category: .public
        ))
        try world.publish(samplePackage(
            "safety", titles: [zh("建筑施工安全生产管理")], descriptions: [zh("施工现场的安全管理与事故预防")],
            keywords: [zh("安全")], hours: 12, category: .professional
        ))
        try world.publish(samplePackage(
            "bim", titles: [zh("BIM 技术应用基础"), en("BIM Fundamentals")], descriptions: [en("Building information modelling in practice; mentions safety once.")],
            hours: 10, category: .professional, format: .scorm2004
        ))
        try world.publish(samplePackage(
            "grid", titles: [en("Smart Grid Protection and AI Diagnostics")], descriptions: [en("Relay protection, fault diagnosis with AI.")],
            hours: 6, category: .professional, format: .cmi5
        ), society: "ces")
        try world.publish(samplePackage(
            "law", titles: [zh("安全生产法解读")], hours: 2, category: .public
        ), society: "ces")
    }

    func ids(_ query: String, _ filter: CatalogFilter = CatalogFilter()) throws -> [String] {
        try world.catalog.search(query, filter: filter).map(\.courseID)
    }

    @Test("a Chinese word is found inside a longer title")
    func chineseSubstring() throws {
        #expect(try ids("工程伦理") == ["cces/ethics"])
        #expect(try ids("职业责任") == ["cces/ethics"])
        #expect(try ids("生产管理") == ["cces/safety"])
    }

    @Test("two- and one-character Chinese words use the short index, exactly")
    func shortChinese() throws {
        #expect(Set(try ids("安全")) == ["cces/ethics", "cces/safety", "ces/law"])
        #expect(try ids("伦理") == ["cces/ethics"])
        #expect(try ids("法") == ["ces/law"])
        #expect(try ids("桥梁").isEmpty)
        // '全生' spans two words in no title as written: only 安全生产 has it.
        #expect(Set(try ids("全生")) == ["cces/safety", "ces/law"])
    }

    @Test("English is matched case-insensitively as a substring, short words as prefixes")
    func english() throws {
        #expect(try ids("ETHIC") == ["cces/ethics"])
        #expect(try ids("fundamental") == ["cces/bim"])
        #expect(try ids("AI") == ["ces/grid"])
        #expect(try ids("BIM").contains("cces/bim"))
    }

    @Test("mixed-language queries need every word")
    func mixed() throws {
        #expect(try ids("BIM 技术") == ["cces/bim"])
        #expect(try ids("ethics 诚信") == ["cces/ethics"])
        #expect(try ids("ethics 施工").isEmpty)
        #expect(try ids("安全 管理") == ["cces/safety"])
    }

    @Test("title matches rank above keyword matches, keyword above description; shorter titles first")
    func ranking() throws {
        // 安全 is in two titles, one keyword list (safety) and one description (ethics).
        let results = try world.catalog.search("安全")
        #expect(results.map(\.courseID) == ["ces/law", "cces/safety", "cces/ethics"])
        #expect(results.map(\.matchedIn) == ["title", "title", "anywhere"])
        // 安全生产法解读 is shorter than 建筑施工安全生产管理: the word is more of what it is about.
        #expect(results[0].matchedLength < results[1].matchedLength)
        let keyword = try world.catalog.search("职业道德")
        #expect(keyword.map(\.matchedIn) == ["title-or-keywords"])
        #expect(try world.catalog.search("safety").map(\.matchedIn) == ["anywhere"])
        #expect(try world.catalog.list().allSatisfy { $0.matchedIn == nil })
    }

    @Test("filters narrow the results")
    func filters() throws {
        #expect(try ids("安全", CatalogFilter(societyID: "ces")) == ["ces/law"])
        #expect(Set(try ids("安全", CatalogFilter(category: .public))) == ["cces/ethics", "ces/law"])
        #expect(try ids("安全", CatalogFilter(minHours: 10)) == ["cces/safety"])
        #expect(try ids("安全", CatalogFilter(maxHours: 2)) == ["ces/law"])
        #expect(try ids("AI", CatalogFilter(format: .cmi5)) == ["ces/grid"])
        #expect(try ids("AI", CatalogFilter(format: .ecba)).isEmpty)
        #expect(Set(try world.catalog.list(CatalogFilter(language: "en")).map(\.courseID)) == ["cces/ethics", "cces/bim", "ces/grid"])
        #expect(try world.catalog.list(CatalogFilter(language: "zh")).count == 4)
        #expect(try world.catalog.list(CatalogFilter(limit: 2)).count == 2)
        #expect(throws: ServiceError.self) { try world.catalog.list(CatalogFilter(minHours: 5, maxHours: 1)) }
    }

    @Test("queries that are empty, punctuation or too long are refused; quotes are text")
    func badQueries() throws {
        #expect(throws: ServiceError.self) { try world.catalog.search("   ") }
        #expect(throws: ServiceError.self) { try world.catalog.search("，。!?") }
        #expect(throws: ServiceError.self) { try world.catalog.search(String(repeating: "工", count: 300)) }
        #expect(try ids("\"ethics\" OR *").isEmpty)
        #expect(try ids("NEAR(a b)").isEmpty)
    }
}
