import CoursePackages
import Domain
import Foundation
import Testing

/// Every manifest of `../shared/fixtures/packages`, read in place, with its expected outcome.
struct FixtureCase: CustomTestStringConvertible, Sendable {
    var path: String
    var format: PackageFormat?
    var version: String?
    /// nil: rejected.
    var activities: Int?
    var firstLaunch: String?
    var mastery: Double?
    /// Codes other than credit-hours/category-missing, in any order.
    var codes: Set<String>

    var testDescription: String { path }
}

private let golf12 = "scorm12/rustici-golf__via-jcputney-elearning-module-parser"
private let jc12 = "scorm12/jcputney-elearning-module-parser-fixtures"
private let golf2004 = "scorm2004/rustici-golf__via-jcputney-elearning-module-parser"
private let jc2004 = "scorm2004/jcputney-elearning-module-parser-fixtures"
private let broken = "broken/jcputney-elearning-module-parser-fixtures"
private let cmi5 = "cmi5/catapult-lts-samples__via-jcputney-elearning-module-parser"
private let canvas = "cc/instructure-common-cartridge-viewer"
private let pyslet = "cc/pyslet-unittests"
private let imscp = "imscp/pyslet-unittests/data_imscpv1p2"

private func ok(
    _ path: String, _ format: PackageFormat, _ version: String, activities: Int, first: String, mastery: Double? = nil, _ codes: Set<String> = []
) -> FixtureCase {
    FixtureCase(path: path, format: format, version: version, activities: activities, firstLaunch: first, mastery: mastery, codes: codes)
}

private func rejected(_ path: String, _ format: PackageFormat?, _ version: String?, _ codes: Set<String>) -> FixtureCase {
    FixtureCase(path: path, format: format, version: version, activities: nil, firstLaunch: nil, mastery: nil, codes: codes)
}

let fixtureCases: [FixtureCase] = [
    ok("\(jc12)/ComplexNestedOrganization_SCORM12", .scorm12, "1.2", activities: 11, first: "content/module1.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(jc12)/ContentPackagingWithMetadata_SCORM12", .scorm12, "1.2", activities: 1, first: "index.html"),
    ok("\(jc12)/PrerequisitesTest_SCORM12", .scorm12, "1.2", activities: 4, first: "module1.html", mastery: 0.8),
    ok("\(golf12)/ContentPackagingOneFilePerSCO_SCORM12", .scorm12, "1.2", activities: 22, first: "Playing/Playing.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(golf12)/ContentPackagingSingleSCO_SCORM12", .scorm12, "1.2", activities: 1, first: "shared/launchpage.html"),
    ok("\(golf2004)/ContentPackagingMetadata_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "shared/launchpage.html"),
    ok("\(golf2004)/ContentPackagingSingleSCO_SCORM20042ndEdition", .scorm2004, "2004 2nd Edition", activities: 1, first: "shared/launchpage.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(golf2004)/ContentPackagingSingleSCO_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "shared/launchpage.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(golf2004)/RunTimeAdvancedCalls_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "shared/launchpage.html", mastery: 0.8, ["ECBA-W-FILE-MISSING"]),
    ok("\(golf2004)/SequencingPostTestRollup4thEd_SCORM20044thEdition", .scorm2004, "2004 4th Edition", activities: 5, first: "shared/launchpage.html?content=playing", ["ECBA-W-FILE-MISSING"]),
    ok("\(jc2004)/AdlAttributes_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "index.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(jc2004)/MinimalValid_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "index.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(broken)/InvalidMissingOrgIdentifier_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "index.html",
       ["ECBA-W-DEFAULT-ORG-MISSING", "ECBA-W-FILE-MISSING", "ECBA-W-IDENTIFIER-MISSING"]),
    ok("\(broken)/ItemWithNonExistentResourceId_SCORM12", .scorm12, "1.2", activities: 2, first: "content/item2.html", ["ECBA-W-DANGLING-REF"]),
    rejected("\(broken)/MalformedXml_SCORM12", nil, nil, ["ECBA-E-XML-MALFORMED"]),
    rejected("\(broken)/MissingLaunchUrl_SCORM12", .scorm12, "1.2", ["ECBA-E-NO-LAUNCHABLE-ACTIVITY"]),
    ok("\(cmi5)/masteryscore_framed", .cmi5, "1.0", activities: 1, first: "index.html", mastery: 0.3, ["ECBA-W-FILE-MISSING"]),
    ok("\(cmi5)/multi_au_framed", .cmi5, "1.0", activities: 8, first: "index.html?pages=1&complete=launch", ["ECBA-W-FILE-MISSING"]),
    ok("\(cmi5)/single_au_basic_framed", .cmi5, "1.0", activities: 1, first: "index.html", ["ECBA-W-FILE-MISSING"]),
    ok("\(canvas)/course-with-associated-content-assignments", .commonCartridge, "1.1", activities: 5,
       first: "i082d21cb1c9d8a6639d6f76f29cd5416/published-assignment.html"),
    // Canvas exports pages and assignments outside modules: the course is those, in manifest order.
    ok("\(canvas)/multiple-pages", .commonCartridge, "1.3", activities: 3, first: "wiki_content/first-page.html", ["ECBA-W-CC-NO-MODULES"]),
    ok("\(canvas)/single-assignment", .commonCartridge, "1.3", activities: 1,
       first: "i2102a7fa93b29226774949298626719d/assignment.html", ["ECBA-W-CC-NO-MODULES"]),
    ok("\(canvas)/single-page", .commonCartridge, "1.3", activities: 1, first: "wiki_content/our-purpose.html", ["ECBA-W-CC-NO-MODULES"]),
    ok("\(canvas)/zipped/single-page.imscc", .commonCartridge, "1.3", activities: 1, first: "wiki_content/our-purpose.html",
       ["ECBA-W-CC-NO-MODULES"]),
    // Only course settings (associated content): nothing a learner could open.
    rejected("\(canvas)/zipped/canvas_cc_gem_course.imscc", .commonCartridge, "1.1", ["ECBA-E-NO-ORGANIZATION"]),
    ok("\(pyslet)/cc1.0_sample_1", .commonCartridge, "1.0", activities: 1, first: "page_001.htm",
       ["ECBA-W-CC-NO-MODULES", "ECBA-W-SCHEMAVERSION-MISSING", "ECBA-W-TITLE-MISSING"]),
    ok("\(pyslet)/cc1.1_sample_1", .commonCartridge, "1.1", activities: 1, first: "page_001.htm",
       ["ECBA-W-CC-NO-MODULES", "ECBA-W-TITLE-MISSING"]),
    // Run-time golf samples: one SCO that calls the API.
    ok("\(golf12)/RuntimeBasicCalls_SCORM12", .scorm12, "1.2", activities: 1, first: "shared/launchpage.html"),
    ok("\(golf2004)/RuntimeBasicCalls_SCORM20043rdEdition", .scorm2004, "2004 3rd Edition", activities: 1, first: "shared/launchpage.html"),
    // Whole CATAPULT cmi5 courses, with their content and cmi5.js.
    ok("cmi5/catapult-course-examples/masteryscore_responsive.zip", .cmi5, "1.0", activities: 1, first: "index.html", mastery: 0.3),
    ok("cmi5/catapult-course-examples/multi_au_framed.zip", .cmi5, "1.0", activities: 8, first: "index.html?pages=1&complete=launch"),
    ok("cmi5/catapult-course-examples/single_au_basic_responsive.zip", .cmi5, "1.0", activities: 1, first: "index.html"),
    // A damaged deflate stream ends in a coded error (it once made the importer read forever).
    rejected("broken/fuzz-truncated-deflate-hang.zip", nil, nil, ["ECBA-E-ZIP-LIMIT"]),
    rejected("\(imscp)/package_1", .imscp, "1.1", ["ECBA-E-NO-ORGANIZATION"]),
    rejected("\(imscp)/package_1.zip", .imscp, "1.1", ["ECBA-E-NO-ORGANIZATION", "ECBA-W-ZIP-NAME-ENCODING"]),
    rejected("\(imscp)/package_3", .imscp, "1.1", ["ECBA-E-NO-ORGANIZATION"]),
    rejected("\(imscp)/英国", .imscp, "1.1", ["ECBA-E-NO-ORGANIZATION"]),
] + adlCases.map { adl in
    // Only API and DMI ship their content files; the others' live in ADL's shared depot.
    let shipsContent = ["LMSTestPackage_API", "LMSTestPackage_DMI"].contains(adl.name)
    let codes = Set((shipsContent ? [] : ["ECBA-W-FILE-MISSING"]) + adl.warnings.map(\.rawValue))
    return ok("scorm2004/adl-cts-4th-edition__via-jcputney-elearning-module-parser/\(adl.name)", .scorm2004, "2004 4th Edition",
              activities: adl.activities, first: adl.firstLaunch, mastery: adl.mastery, codes)
}

@Suite("The shared fixture corpus")
struct FixtureCorpusTests {
    @Test("each package imports or is rejected as expected", arguments: fixtureCases)
    func expectedOutcome(_ expected: FixtureCase) {
        let result = Fixtures.read(expected.path)
        #expect(result.format == expected.format)
        #expect(result.formatVersion == expected.version)
        #expect(Set(result.notableCodes.map(\.rawValue)) == expected.codes, "\(result.diagnostics)")
        if let activities = expected.activities {
            #expect(result.isAccepted)
            #expect(result.package?.activities.flattened.count == activities)
            #expect(result.firstLaunchable?.launchURL == expected.firstLaunch)
            #expect(result.firstLaunchable?.masteryThreshold == expected.mastery)
            #expect(result.package?.contentHash.count == 64)
        } else {
            #expect(!result.isAccepted)
            #expect(result.package == nil)
            #expect(!result.errorCodes.isEmpty)
        }
    }

    @Test("every manifest under the fixtures is covered by a case")
    func corpusIsCovered() throws {
        let covered = Set(fixtureCases.map(\.path))
        var missing: [String] = []
        let enumerator = try #require(FileManager.default.enumerator(atPath: Fixtures.packages.path))
        for case let relative as String in enumerator {
            let name = (relative as NSString).lastPathComponent
            if name == "imsmanifest.xml" || name == "cmi5.xml" {
                let folder = (relative as NSString).deletingLastPathComponent
                if !covered.contains(folder) { missing.append(folder) }
            } else if name.hasSuffix(".zip") || name.hasSuffix(".imscc") {
                if !covered.contains(relative) { missing.append(relative) }
            }
        }
        #expect(missing.isEmpty, "fixtures without an expected outcome: \(missing)")
        #expect(fixtureCases.count >= 90)
    }

    @Test("padded identifiers are trimmed and flagged")
    func paddedIdentifiers() throws {
        let result = Fixtures.read("scorm2004/adl-cts-4th-edition__via-jcputney-elearning-module-parser/LMSTestPackage_CM-08")
        let package = try #require(result.package)
        #expect(package.activities.flattened.allSatisfy { $0.identifier == $0.identifier.trimmingCharacters(in: .whitespaces) })
        #expect(result.diagnostics.contains { $0.code == .identifierPadded && $0.line != nil && $0.elementPath != nil })
    }

    @Test("external LOM metadata named by adlcp:location is read")
    func externalMetadata() throws {
        let package = try #require(Fixtures.read("\(golf2004)/ContentPackagingMetadata_SCORM20043rdEdition").package)
        #expect(package.titles.contains(LocalizedText(language: "en-US", value: "Golf Explained")))
        #expect(package.titles.contains { $0.language == "es" })
        #expect(package.keywords.map(\.value).contains("golf etiquette"))
        #expect(package.typicalLearningTime != nil)
        let scorm12 = try #require(Fixtures.read("\(jc12)/ContentPackagingWithMetadata_SCORM12").package)
        #expect(scorm12.keywords.map(\.value) == ["Training"])
    }

    @Test("SCORM 1.2 mastery score and time limit are normalised")
    func scorm12Rules() throws {
        let package = try #require(Fixtures.read("\(jc12)/PrerequisitesTest_SCORM12").package)
        let activities = package.activities.flattened
        #expect(activities[0].masteryThreshold == 0.8)
        #expect(activities[0].timeLimitSeconds == 9_000)
        #expect(activities[3].masteryThreshold == 0.9)
        // What the SCO is launched with: launch_data and time_limit_action.
        #expect(activities.contains { $0.launchData == "custom_data_for_module2" })
        #expect(activities.contains { $0.timeLimitAction == "exit,message" })
        let adl = try #require(Fixtures.read("\(jc2004)/AdlAttributes_SCORM20043rdEdition").package?.activities.first)
        #expect(adl.launchData == "Launch Data")
        #expect(adl.timeLimitAction == "exit,message")
    }

    @Test("SCORM 2004 completion threshold and parameters compose")
    func scorm2004Rules() throws {
        let package = try #require(Fixtures.read("scorm2004/adl-cts-4th-edition__via-jcputney-elearning-module-parser/LMSTestPackage_CO-10").package)
        let first = try #require(package.activities.first)
        #expect(first.completionThreshold == 0.40)
        #expect(first.launchURL?.hasSuffix("?tc=CO-10&act=1") == true)
    }

    @Test("SCORM 2004 control modes come from the organisation's sequencing; others move freely")
    func controlModes() throws {
        let golf = try #require(Fixtures.read("\(golf2004)/RuntimeBasicCalls_SCORM20043rdEdition").package)
        #expect(golf.controlMode == ControlMode(choice: true, flow: true, forwardOnly: false))
        let plain = try #require(Fixtures.read("\(jc2004)/MinimalValid_SCORM20043rdEdition").package)
        #expect(plain.controlMode == nil)
        #expect(plain.effectiveControlMode == .scorm2004)
        let scorm12 = try #require(Fixtures.read("\(golf12)/RuntimeBasicCalls_SCORM12").package)
        #expect(scorm12.controlMode == nil && scorm12.effectiveControlMode == .free)
        #expect(ControlMode(stored: ControlMode(choice: false, flow: true, forwardOnly: true).stored) == ControlMode(choice: false, flow: true, forwardOnly: true))
    }

    @Test("cmi5 moveOn decides what is required")
    func cmi5MoveOn() throws {
        let package = try #require(Fixtures.read("\(cmi5)/multi_au_framed").package)
        let units = package.activities.flattened
        #expect(units.allSatisfy { $0.kind == .au && $0.isRequired })
        #expect(units.last?.moveOn == "CompletedAndPassed")
        #expect(package.identifier == "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed")
    }

    @Test("a zipped package and its folder hash the same content the same way")
    func zipAndFolderAgree() throws {
        let folder = Fixtures.read("\(imscp)/package_1")
        let zip = Fixtures.read("\(imscp)/package_1.zip")
        #expect(folder.format == zip.format)
        #expect(folder.errorCodes == zip.errorCodes)
    }
}

/// ADL SCORM 2004 4th Edition conformance packages: activity count, first launch URL, mastery.
struct ADLCase: Sendable {
    var name: String
    var activities: Int
    var firstLaunch: String
    var mastery: Double?
    var warnings: [DiagnosticCode]
    init(_ name: String, activities: Int, firstLaunch: String, mastery: Double?, warnings: [DiagnosticCode]) {
        self.name = name; self.activities = activities; self.firstLaunch = firstLaunch; self.mastery = mastery; self.warnings = warnings
    }
}

let adlCases: [ADLCase] = [
        ADLCase("LMSTestPackage_API", activities: 3, firstLaunch: "resources/AssetLaunchTest.htm?tc=API&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-02b", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CM-02b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-04a", activities: 15, firstLaunch: "resources/SequencingTest.htm?tc=CM-04a&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-04d", activities: 15, firstLaunch: "resources/SequencingTest.htm?tc=CM-04d&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-07a", activities: 14, firstLaunch: "resources/SequencingTest.htm?tc=CM-07a&act=3", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-07d", activities: 18, firstLaunch: "resources/SequencingTest.htm?tc=CM-07d&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-08", activities: 2, firstLaunch: "resources/SequencingTest.htm?tc=CM-08&act=1", mastery: nil, warnings: [.identifierPadded]),
        ADLCase("LMSTestPackage_CM-09ba", activities: 4, firstLaunch: "resources/SequencingTestSingleDoTerminate.htm?tc=CM-09ba&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-09cb", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=CM-09cb&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-13", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=CM-13&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CM-16", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CM-16&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-01", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CO-01&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-03", activities: 7, firstLaunch: "resources/SequencingTest.htm?tc=CO-03&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-04c", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CO-04c&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-06", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CO-06&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-08a", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CO-08a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-10", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CO-10&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-12b", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=CO-12b&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CO-13a", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=CO-13a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CT-02", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=CT-02&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_CT-05", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=CT-05&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_DDMa", activities: 2, firstLaunch: "resources/SequencingTest.htm?tc=DDM&act=1a", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_DMI", activities: 4, firstLaunch: "resources/DMImplementationTest1.htm?tc=DMI&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_MS-03", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=MS-03&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_MS-05b", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=MS-05b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-01a", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-01a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-02a", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-02a&act=1", mastery: nil, warnings: [.identifierPadded]),
        ADLCase("LMSTestPackage_OB-03b", activities: 9, firstLaunch: "resources/SequencingTest.htm?tc=OB-03b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-05a", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=OB-05a&act=1", mastery: 1.0, warnings: []),
        ADLCase("LMSTestPackage_OB-06", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=OB-06&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-08a", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=OB-08a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-09b", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-09b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-10c", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-10c&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-11b", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-11b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-12c", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-12c&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-13c", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=OB-13c&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-15", activities: 7, firstLaunch: "resources/SequencingTest.htm?tc=OB-15&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-16c", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=OB-16c&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_OB-17b", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=OB-17b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-01ba", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-01ba&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-02b", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-02b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-04aa", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-04aa&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-04bb", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-04bb&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-05a", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-05a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-06b", activities: 5, firstLaunch: "resources/SequencingTest.htm?tc=RU-06b&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-07c", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-07c&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-09", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-09&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-12a", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=RU-12a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-13b", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-13b&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-13e", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-13e&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-14c", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=RU-14c&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-15b", activities: 6, firstLaunch: "resources/SequencingTest.htm?tc=RU-15b&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-16", activities: 8, firstLaunch: "resources/SequencingTest.htm?tc=RU-16&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-18a", activities: 8, firstLaunch: "resources/SequencingTest.htm?tc=RU-18a&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_RU-19b", activities: 5, firstLaunch: "resources/SequencingTest.htm?tc=RU-19b&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-04a", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=SX-04a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-06", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=SX-06&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-07c", activities: 4, firstLaunch: "resources/SequencingTest.htm?tc=SX-07c&act=2", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-08a", activities: 1, firstLaunch: "resources/SequencingTest.htm?tc=SX-08a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-10a", activities: 2, firstLaunch: "resources/SequencingTest.htm?tc=SX-10a&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-10d", activities: 2, firstLaunch: "resources/SequencingTest.htm?tc=SX-10d&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-11c", activities: 2, firstLaunch: "resources/SequencingTest.htm?tc=SX-11c&act=1", mastery: nil, warnings: []),
        ADLCase("LMSTestPackage_SX-12c", activities: 3, firstLaunch: "resources/SequencingTest.htm?tc=SX-12c&act=1", mastery: nil, warnings: []),
]
