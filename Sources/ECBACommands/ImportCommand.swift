import ArgumentParser
import Catalog
import CoursePackages
import Domain
import Foundation

extension SubjectCategory: ExpressibleByArgument {}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import course packages as submissions for the Academic Committee's review.",
        discussion: Help.prose("""
            Each PATH is a package folder, a .zip or .imscc archive, or a manifest file. The format
            (ECBA manifest, SCORM 1.2, SCORM 2004 2nd-4th edition, IMS Common Cartridge 1.0-1.3, cmi5,
            plain IMS CP) is told from the manifest's namespaces, never from the file name.

            Every problem is a coded diagnostic (ECBA-E-... rejects the package, ECBA-W-... only
            warns); see importers/README.md for the codes. A rejected package stores nothing and does
            not stop the rest of the batch; the exit code is 1 when any package was rejected.
            Importing the same content again is a no-op; changed content becomes a new version.
            Every file of an accepted package is kept in the content store (--content), one copy
            per distinct file; 'ecba content verify' and 'ecba content gc' look after it.

            Examples:
              ecba import courses/cces/engineering-ethics --society cces
              ecba import course.zip --society cces --credit-hours 8 --category professional --json
              find incoming -mindepth 1 -maxdepth 1 | ecba import --paths-from - --society cces
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var content: ContentOption
    @OptionGroup var packages: PackagePathsOption
    @OptionGroup var actor: ActorOption
    @Option(help: "The submitting society (must be authorised).") var society: String
    @Option(name: .customLong("credit-hours"), help: "Credit hours (学时) for every package, overriding the package's own.")
    var creditHours: Double?
    @Option(help: "Subject category for every package: professional (专业科目) or public (公需科目).")
    var category: SubjectCategory?

    func validate() throws {
        if let creditHours, !(creditHours > 0 && creditHours <= 1000) {
            throw ValidationError("--credit-hours must be more than 0 and at most 1000")
        }
    }

    func run() throws {
        let paths = try packages.resolved()
        let service = ImportService(database: try options.open(), contentRoot: try content.root(database: options.databasePath))
        let overrides = PackageOverrides(creditHours: creditHours, category: category)
        let total = paths.count
        let outcomes: [ImportOutcome]
        do {
            outcomes = try service.importPackages(paths, societyID: society, actor: actor.name, overrides: overrides) { index, outcome in
                let line = "[\(index + 1)/\(total)] \(outcome.status.rawValue) \(outcome.source)"
                if options.json {
                    if total > 1 { Console.err(line) }
                } else {
                    Console.out(Rendering.outcome(outcome, position: "[\(index + 1)/\(total)]"))
                }
            }
        } catch {
            throw Console.fail(error)
        }
        let summary = ImportSummary(outcomes)
        if options.json {
            try Console.json(ImportReport(outcomes: outcomes.map(OutcomeJSON.init), summary: summary))
        } else {
            Console.out("\(summary.submitted) submitted, \(summary.unchanged) unchanged, \(summary.rejected) rejected")
        }
        if summary.rejected > 0 {
            throw Console.fail("\(summary.rejected) of \(outcomes.count) package(s) rejected")
        }
    }
}

struct ImportSummary: Encodable {
    var submitted = 0
    var unchanged = 0
    var rejected = 0

    init(_ outcomes: [ImportOutcome]) {
        for outcome in outcomes {
            switch outcome.status {
            case .submitted: submitted += 1
            case .unchanged: unchanged += 1
            case .rejected: rejected += 1
            }
        }
    }
}

struct ImportReport: Encodable {
    var outcomes: [OutcomeJSON]
    var summary: ImportSummary
}

/// One package's outcome as scripts read it.
struct OutcomeJSON: Encodable {
    var source: String
    var status: String
    var submissionID: Int64?
    var courseID: String?
    var version: Int?
    var package: CoursePackage?
    var diagnostics: [Diagnostic]

    init(_ outcome: ImportOutcome) {
        source = outcome.source
        status = outcome.status.rawValue
        submissionID = outcome.submissionID
        courseID = outcome.courseID
        version = outcome.version
        package = outcome.package
        diagnostics = outcome.diagnostics
    }
}
