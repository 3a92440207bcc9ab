import ArgumentParser
import Delivery
import Foundation

extension LaunchMode: ExpressibleByArgument {}

/// `ecba launch ENGINEER COURSE`: a single-use URL to the player of `ecba serve`.
struct LaunchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "launch",
        abstract: "Print a launch URL that opens an engineer's course in the player of 'ecba serve'.",
        discussion: Help.prose("""
            The URL opens or resumes the engineer's current enrollment in COURSE (SOCIETY/IDENTIFIER) \
            at the activity given, else where the learner left off. It works once and expires \
            (--expires, minutes); opening it starts a player session on an origin of its own. A \
            completed enrollment can be opened again: nothing it records changes the credit. \
            --mode browse or review records no completion. For a cmi5 course the URL's first \
            AU launch is the cmi5 session --json names ('session'), with the enrollment's \
            registration; each later AU launch is a session of its own.

            Examples:
              ecba launch zhangsan cces/cces.engineering-ethics
              ecba launch zhangsan cces/cces.bim-fundamentals --activity l2 --base-url https://learn.example.org
              ecba launch zhangsan cces/cces.bim-fundamentals --json
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var actor: ActorOption
    @Argument(help: "The engineer's platform id.") var engineer: String
    @Argument(help: "The course: SOCIETY/IDENTIFIER.") var course: String
    @Option(help: "Start at this activity (its identifier in the package).") var activity: String?
    @Option(name: .customLong("base-url"), help: ArgumentHelp("The server's public URL.", discussion: "Defaults to $ECBA_PUBLIC_URL, else http://localhost:8080.", valueName: "url"))
    var baseURL: String?
    @Option(help: "normal (progress counts), browse or review (nothing is recorded).") var mode: LaunchMode = .normal
    @Option(help: "Minutes until the URL expires.") var expires: Double = 5

    func validate() throws {
        guard expires > 0, expires <= 24 * 60 else { throw ValidationError("--expires must be more than 0 and at most 1440 minutes") }
    }

    func run() throws {
        let service = LaunchService(database: try options.open())
        let ticket: LaunchTicket
        do {
            ticket = try service.launch(engineerID: engineer, courseID: course, activity: activity, mode: mode,
                                        baseURL: baseURL ?? ServeCommand.defaultPublicURL(port: 8080), lifetime: expires * 60, actor: actor.name)
        } catch {
            throw Console.fail(error.message, code: error.code == .storage ? 1 : 2)
        }
        if options.json { try Console.json(ticket); return }
        Console.out(ticket.url)
        Console.err("\(course) v\(ticket.version) for \(engineer)\(ticket.activity.map { ", activity \($0)" } ?? ""): opens once, until \(ticket.expiresAt.formatted(.iso8601))"
                    + (ticket.session.map { "; cmi5 session \($0), registration \(ticket.registration)" } ?? ""))
    }
}
