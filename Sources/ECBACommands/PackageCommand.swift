import ArgumentParser
import CoursePackages
import Domain

struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package",
        abstract: "Inspect course packages without touching the database.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Read and validate packages exactly as 'ecba import' does, and report what was found.",
            discussion: Help.prose("""
                Use it before submitting: it prints the format, version, activity tree and every
                diagnostic. Exit code 1 when any package would be rejected. No database is opened.
                """)
        )

        @Flag(name: .long, help: "Print machine-readable JSON on standard output.") var json = false
        @Flag(name: .long, help: "Print the activity tree too.") var tree = false
        @OptionGroup var packages: PackagePathsOption

        func run() throws {
            let paths = try packages.resolved()
            let reader = PackageReader()
            var results: [PackageReadResult] = []
            reader.forEachBatch(of: paths) { batch in
                for result in batch {
                    results.append(result)
                    if !json {
                        Console.out(Rendering.check(result, tree: tree))
                    }
                }
            }
            if json {
                try Console.json(results.map { CheckJSON(source: $0.source, accepted: $0.isAccepted, format: $0.format, formatVersion: $0.formatVersion, package: $0.package, diagnostics: $0.diagnostics) })
            }
            let rejected = results.filter { !$0.isAccepted }.count
            if rejected > 0 {
                throw Console.fail("\(rejected) of \(results.count) package(s) would be rejected")
            }
        }
    }
}

struct CheckJSON: Encodable {
    var source: String
    var accepted: Bool
    var format: PackageFormat?
    var formatVersion: String?
    var package: CoursePackage?
    var diagnostics: [Diagnostic]
}
