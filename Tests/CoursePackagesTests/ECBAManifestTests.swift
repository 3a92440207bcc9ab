@testable import CoursePackages
import Domain
import Foundation
import Testing

@Suite("ECBA manifest and sidecar")
struct ECBAManifestTests {
    static let courses = Fixtures.repositoryRoot.appendingPathComponent("courses")

    @Test("the embedded XSD equals importers/ecba/ecba-course-1.0.xsd")
    func embeddedSchemaMatchesImportersFolder() throws {
        let file = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("importers/ecba/\(ECBASchema.fileName)"), encoding: .utf8)
        #expect(file == ECBASchema.xsd)
        #expect(PackageReader.ecbaSchema != nil)
    }

    @Test("every shipped course imports without a diagnostic")
    func shippedCourses() throws {
        var packages: [String] = []
        for society in try FileManager.default.contentsOfDirectory(atPath: Self.courses.path).sorted() where !society.hasSuffix(".md") {
            for course in try FileManager.default.contentsOfDirectory(atPath: Self.courses.appendingPathComponent(society).path).sorted() {
                packages.append(Self.courses.appendingPathComponent(society).appendingPathComponent(course).path)
            }
        }
        #expect(packages.count >= 12)
        var formats: [PackageFormat: Int] = [:]
        for path in packages {
            let result = PackageReader().read(path)
            #expect(result.isAccepted, "\(path): \(result.diagnostics)")
            #expect(result.diagnostics.isEmpty, "\(path): \(result.diagnostics)")
            if let package = result.package {
                formats[package.format, default: 0] += 1
                #expect(package.creditHours != nil && package.category != nil && package.developingSociety != nil)
            }
        }
        #expect((formats[.scorm12] ?? 0) + (formats[.scorm2004] ?? 0) >= 2)
        #expect(formats[.commonCartridge] ?? 0 >= 1)
        #expect(formats[.ecba] ?? 0 >= 8)
    }

    @Test("an ECBA manifest maps every field")
    func ecbaFields() throws {
        let package = try #require(PackageReader().read(Self.courses.appendingPathComponent("cces/engineering-ethics").path).package)
        #expect(package.format == .ecba)
        #expect(package.identifier == "cces.engineering-ethics")
        #expect(package.creditHours == 8)
        #expect(package.category == .public)
        #expect(package.titles.map(\.language) == ["zh-CN", "en"])
        #expect(package.displayTitle == "工程伦理与职业责任")
        #expect(package.typicalLearningTime == "PT8H")
        let quiz = try #require(package.activities.flattened.first { $0.identifier == "q1" })
        #expect(quiz.kind == .assessment && quiz.masteryThreshold == 0.8 && quiz.timeLimitSeconds == 1_800)
    }

    @Test("a sidecar adds credit hours, category and Chinese titles to SCORM")
    func sidecar() throws {
        let result = PackageReader().read(Self.courses.appendingPathComponent("cces/bim-fundamentals").path)
        let package = try #require(result.package)
        #expect(package.format == .scorm2004 && package.formatVersion == "2004 4th Edition")
        #expect(package.hasSidecar && package.creditHours == 16 && package.category == .professional)
        #expect(package.activities.first?.launchURL == "sco/intro.html")
        #expect(package.activities.last?.masteryThreshold == 0.8)
    }

    @Test("schema violations are coded errors with a line", arguments: [
        ("<creditHours>-3</creditHours>", "creditHours"),
        ("<category>optional</category>", "category"),
    ])
    func schemaViolations(_ field: String, _ name: String) throws {
        let scratch = try ScratchFolder()
        try scratch.write("c/l.html", "x")
        try scratch.write("c/ecba-course.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <course xmlns="urn:ecba:xsd:course:v1" identifier="c1">
              <title lang="zh-CN">课程</title>
              \(field)
              <activities><lesson identifier="l" href="l.html"><title>一</title></lesson></activities>
            </course>
            """)
        let result = PackageReader().read(scratch.url.appendingPathComponent("c").path)
        #expect(result.errorCodes.contains(.schemaInvalid))
        #expect(result.diagnostics.contains { $0.code == .schemaInvalid && $0.line == 4 && $0.message.contains(name) })
    }

    @Test("command-line credit hours and category override the package")
    func overrides() throws {
        let path = Fixtures.path("scorm12/rustici-golf__via-jcputney-elearning-module-parser/ContentPackagingSingleSCO_SCORM12")
        let result = PackageReader().read(path, overrides: PackageOverrides(creditHours: 2.5, category: .public))
        #expect(result.package?.creditHours == 2.5)
        #expect(result.notableCodes.isEmpty && result.diagnostics.isEmpty)
    }
}

@Suite("Launch URLs and durations")
struct LaunchURLTests {
    @Test("xml:base, href and parameters compose", arguments: [
        (["base/", "sco"], "a b.html", "?x=1", "base/sco/a%20b.html?x=1"),
        ([nil, nil], "page.html?mode=1", "&x=2", "page.html?mode=1&x=2"),
        (["res/"], "..\\shared\\p.html", nil, "shared/p.html"),
        ([nil], "%E8%8B%B1%E5%9B%BD.xml", nil, "%E8%8B%B1%E5%9B%BD.xml"),
        (["http://cdn.example/"], "x.html", "#top", "http://cdn.example/x.html#top"),
    ] as [([String?], String, String?, String)])
    func compose(_ bases: [String?], _ href: String, _ parameters: String?, _ expected: String) {
        #expect(LaunchURL.compose(bases: bases, href: href, parameters: parameters).url == expected)
    }

    @Test("plain relative paths (the short way) and the cases next to them that need the full rules", arguments: [
        ("lessons/m0l0.html", nil, "lessons/m0l0.html", false),
        ("sco/l1.html", "?lesson=1", "sco/l1.html?lesson=1", false),
        (".hidden/a..b.html", nil, ".hidden/a..b.html", false),
        ("a/./b.html", nil, "a/b.html", true),
        ("a/x/../b.html", nil, "a/b.html", true),
        ("a//b.html", nil, "a/b.html", false),
        ("/a/b.html", nil, "a/b.html", false),
        ("dir/", nil, "dir", false),
        ("a/.../b.html", "#p2", "a/.../b.html#p2", false),
    ] as [(String, String?, String, Bool)])
    func plainPaths(_ href: String, _ parameters: String?, _ expected: String, _ normalized: Bool) {
        let launch = LaunchURL.compose(bases: [nil], href: href, parameters: parameters)
        #expect(launch.url == expected)
        #expect(launch.wasNormalized == normalized)
        #expect(launch.packagePath == String(expected.prefix { $0 != "?" && $0 != "#" }))
    }

    @Test("percent escapes decode to UTF-8; malformed ones are kept as written")
    func percentEscapes() {
        #expect(PercentEncoding.decode("%E8%8B%B1%E5%9B%BD.xml") == "英国.xml")
        #expect(PercentEncoding.decode("100%zz.html") == nil)
        #expect(LaunchURL.compose(bases: [], href: "100%zz.html", parameters: nil).url == "100%25zz.html")
        #expect(PercentEncoding.encodePath("a b/课.html") == "a%20b/%E8%AF%BE.html")
    }

    @Test("an href that climbs out of the package is flagged")
    func escapes() {
        let launch = LaunchURL.compose(bases: [], href: "../../etc/passwd", parameters: nil)
        #expect(launch.escapesPackage && launch.packagePath == nil)
    }

    @Test("durations parse", arguments: [("PT1H30M", 5_400), ("P1DT2H", 93_600), ("PT45.5S", 46)] as [(String, Int)])
    func iso(_ text: String, _ seconds: Int) {
        #expect(Durations.seconds(iso8601: text) == seconds)
    }

    @Test("CMI timespans parse")
    func cmi() {
        #expect(Durations.seconds(cmiTimespan: "02:30:00") == 9_000)
        #expect(Durations.seconds(cmiTimespan: "0000:00:30.5") == 31)
        #expect(Durations.seconds(cmiTimespan: "1:99:00") == nil)
    }
}

@Suite("Documentation")
struct DocumentationTests {
    @Test("importers/README.md documents every diagnostic code")
    func everyCodeDocumented() throws {
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("importers/README.md"), encoding: .utf8)
        for code in DiagnosticCode.all {
            #expect(readme.contains("`\(code.rawValue)`"), "\(code) is not documented")
        }
        #expect(Set(DiagnosticCode.all).count == DiagnosticCode.all.count)
    }
}
