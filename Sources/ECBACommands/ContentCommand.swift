import ArgumentParser
import ContentLibrary
import ContentStore
import Foundation

/// `ecba content verify|gc`: the upkeep of the content store.
struct ContentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content",
        abstract: "Check and clean the content store that keeps every file of every imported package.",
        discussion: Help.prose("""
            Import keeps each distinct file once, named by its SHA-256, in the content store \
            (--content, default the database's path with .content appended). What the player \
            serves for a published version is read from there, byte for byte as approved.
            """),
        subcommands: [Verify.self, GarbageCollect.self]
    )

    static func open(_ options: GlobalOptions, _ content: ContentOption) throws -> ContentService {
        let root = try content.root(database: options.databasePath)
        let database = try options.open()
        do {
            return ContentService(database: database, store: try ContentService.openStore(root: root, database: database))
        } catch {
            throw Console.fail(error.message)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-hash every stored file that a submission references; name each missing or damaged one.",
            discussion: Help.prose("""
                Exit code 1 when any file is missing or damaged; each is named with every \
                submission and path that holds it. Submissions imported before the content store \
                existed are listed too: import their package again to keep its files.

                Examples:
                  ecba content verify
                  ecba content verify --json
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var content: ContentOption

        func run() throws {
            let service = try ContentCommand.open(options, content)
            let report: ContentService.VerifyReport
            do {
                report = try service.verify { checked, total in
                    if total > 1000, checked < total { Console.err("checked \(checked) of \(total) file(s)") }
                }
            } catch {
                throw Console.fail(error.message)
            }
            if options.json {
                try Console.json(report)
            } else {
                for problem in report.problems {
                    Console.out("\(problem.state.rawValue): \(problem.sha256)\(problem.reason.map { " (\($0))" } ?? "")")
                    for holder in problem.holders {
                        Console.out("    submission #\(holder.submissionID) \(holder.courseID) v\(holder.version): \(holder.path)")
                    }
                }
                if !report.submissionsWithoutFiles.isEmpty {
                    let ids = report.submissionsWithoutFiles.map { "#\($0)" }.joined(separator: ", ")
                    Console.out("\(report.submissionsWithoutFiles.count) submission(s) have no kept files (imported before the content store): \(ids)")
                }
                Console.out("\(report.objectsChecked) file(s) checked, \(report.bytesChecked) bytes intact; \(report.problems.count) missing or damaged")
            }
            if !report.isIntact {
                throw Console.fail("\(report.problems.count) stored file(s) missing or damaged")
            }
        }
    }

    struct GarbageCollect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "List (or with --delete, remove) stored files that no submission references.",
            discussion: Help.prose("""
                Such files are left by imports that were rejected or failed after their files \
                were written, and by writers that never finished (a killed import). Files touched \
                within the grace period are spared, so an import running meanwhile keeps what it \
                is about to reference. Without --delete nothing is removed.

                Examples:
                  ecba content gc
                  ecba content gc --delete
                  ecba content gc --delete --grace 0
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var content: ContentOption
        @Flag(help: "Remove the files listed (otherwise only list them).") var delete = false
        @Option(help: "Spare files written or used in the last SECONDS seconds.") var grace: Double = 3600

        func validate() throws {
            guard grace >= 0 else { throw ValidationError("--grace must be 0 or more seconds") }
        }

        func run() throws {
            let service = try ContentCommand.open(options, content)
            let report: ContentService.GarbageReport
            do {
                report = try service.collectGarbage(grace: grace, remove: delete)
            } catch {
                throw Console.fail(error.message)
            }
            if options.json { try Console.json(report); return }
            for item in report.items {
                Console.out("\(delete ? "removed" : "would remove") \(item.sha256 ?? "unfinished write") \(item.size) bytes")
            }
            let verb = delete ? "removed" : "would be removed (run with --delete to remove them)"
            Console.out("\(report.items.count) file(s), \(report.bytes) bytes \(verb); \(report.kept) referenced file(s) kept")
        }
    }
}
