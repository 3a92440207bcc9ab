import ArgumentParser
import Catalog
import Domain

extension SubmissionStatus: ExpressibleByArgument {}

struct SubmissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submission",
        abstract: "List and show imported submissions awaiting review.",
        subcommands: [List.self, Show.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List submissions, newest first.")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only submissions with this status: pending, approved or rejected.") var status: SubmissionStatus?

        func run() throws {
            let service = ImportService(database: try options.open())
            let submissions: [Submission]
            do { submissions = try service.submissions(status: status) } catch { throw Console.fail(error) }
            if options.json { try Console.json(submissions); return }
            Console.out(Rendering.submissionTable(submissions))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one submission: metadata, activity tree, diagnostics.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The submission number.") var id: Int64

        func run() throws {
            let service = ImportService(database: try options.open())
            let submission: Submission
            do { submission = try service.submission(id: id) } catch { throw Console.fail(error) }
            if options.json { try Console.json(submission); return }
            Console.out(Rendering.submissionDetail(submission))
        }
    }
}
