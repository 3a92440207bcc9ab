import ArgumentParser
import CMI5
import Catalog
import Domain
import Enrollment
import Foundation
import Storage

struct ProgressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Record engineers' progress in course activities.",
        subcommands: [Record.self, Import.self, Unmatched.self, Abandon.self, Waive.self]
    )

    struct Abandon: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abandon",
            abstract: "End cmi5 AU sessions that will not terminate: the 'abandoned' statement, then no more of theirs.",
            discussion: Help.prose("""
                A cmi5 session ends with the AU's 'terminated'. One left open (a closed window, a \
                lost connection) is abandoned by the platform when the registration launches \
                again, and `ecba serve` abandons those whose time ran out every five minutes; this \
                does it now, for one session (its id is in 'ecba launch --json' and in \
                the 'launched' statement) or, with --expired, for every session whose time ran out. \
                The statement's duration runs from the launch to the session's last statement.

                Examples:
                  ecba progress abandon 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b
                  ecba progress abandon --expired --json
                """)
        )
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The cmi5 session id.") var session: String?
        @Flag(help: "Every open session whose time ran out, instead of one.") var expired = false

        func validate() throws {
            if (session == nil) == !expired { throw ValidationError("name one SESSION, or --expired") }
        }

        func run() throws {
            let service = CMI5Service(database: try options.open())
            let ids: [String]
            do {
                if let session { ids = [try service.abandon(session: session, actor: actor.name).id] } else { ids = try service.abandonExpired(actor: actor.name) }
            } catch { throw Console.fail(error) }
            if options.json { try Console.json(["abandoned": ids]); return }
            Console.out(ids.isEmpty ? "no open session has expired; nothing changed" : ids.map { "abandoned \($0)" }.joined(separator: "\n"))
        }
    }

    struct Waive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "waive",
            abstract: "Waive a cmi5 AU: it counts as met without being taken (the 'waived' statement).",
            discussion: Help.prose("""
                cmi5 9.3.7: the platform records 'waived' with the reason, in a session of its \
                own, once per AU and enrollment. The AU then counts as having met its moveOn; \
                blocks and the course are satisfied, and credit awarded, as when it is taken. \
                Reasons cmi5 names: Tested Out, Equivalent AU, Equivalent Outside Activity, \
                Administrative.

                Example:
                  ecba progress waive zhangsan cces/geology --activity https://example.org/au/quiz --reason "Tested Out"
                """)
        )
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The engineer's id.") var engineer: String
        @Argument(help: "The course id, SOCIETY/IDENTIFIER.") var course: String
        @Option(help: "The AU's identifier in the course structure (its id).") var activity: String
        @Option(help: "Why it is waived (the statement's reason).") var reason: String

        func run() throws {
            let service = CMI5Service(database: try options.open())
            let waiver: CMI5Waiver
            do {
                waiver = try service.waive(engineerID: engineer, courseID: course, activity: activity, reason: reason, actor: actor.name)
            } catch { throw Console.fail(error) }
            if options.json { try Console.json(waiver); return }
            Console.out("\(activity) of \(course) waived for \(engineer) (statement \(waiver.statementID))")
            for object in waiver.satisfied { Console.out("  satisfied: \(object)") }
            if let award = waiver.award {
                Console.out("  course complete: \(Rendering.hours(award.hours)) 学时 \(award.category.rawValue) awarded")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import xAPI 1.0.3 statements as course content sends them to a learning record store.",
            discussion: Help.prose("""
                FILE holds a JSON array of statements, a single statement, or one statement per line
                ('-' reads standard input). The store rules of xAPI apply:
                  - the same id with the same content is a no-op; with different content it is a
                    conflict, reported for that statement;
                  - a batch with an invalid statement or two statements with one id is refused as a
                    whole, and nothing is stored;
                  - a 'voided' statement (object: StatementRef) stops its target counting; if the
                    target completed a course, the credit award is revoked, visibly;
                  - statements about unknown engineers or activities are stored (an LRS keeps every
                    valid statement) but change no progress: 'ecba progress unmatched' lists them.
                Statements are kept as received, with 'stored' set by the platform.

                Actors: 'mbox' matches an engineer's e-mail; 'account' matches an engineer id when
                its homePage is --account-home-page. Objects: the platform's activity IRIs,
                  \(ActivityIRI.prefix)<society>/<course identifier>/<activity identifier>
                (each part percent-encoded), or the package's own activity ids when they are IRIs
                (cmi5 AU ids). 'context.registration' (from 'ecba enroll') picks the enrollment.
                The verbs completed, passed and failed change progress; all others are evidence.

                Exit code 1 when the batch was refused or a statement was reported (a conflict, a
                voiding of a statement that is not stored).
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The statements file, or - for standard input.") var file: String
        @Option(name: .customLong("account-home-page"), help: "The account homePage whose names are engineer ids.")
        var accountHomePage = ActorMapping.defaultHomePage

        func run() throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else { throw Console.fail("cannot read '\(file)'") }
                data = contents
            }
            let service = StatementService(database: try options.open())
            let result: StatementImport
            do { result = try service.importStatements(data, mapping: ActorMapping(accountHomePage: accountHomePage), actor: actor.name) } catch {
                throw Console.fail(error)
            }
            if options.json {
                try Console.json(result)
            } else {
                Console.out("\(result.received) statement(s): \(result.stored) stored, \(result.unchanged) unchanged, \(result.voided.count) voided, \(result.unmatched.count) unmatched, \(result.problems.count) reported")
                for award in result.awards {
                    Console.out("  \(award.engineerID) completed \(award.courseID): \(Rendering.hours(award.hours)) 学时 \(award.category.rawValue) awarded")
                }
                for award in result.revoked {
                    Console.out("  award \(award.id) of \(award.engineerID) for \(award.courseID) revoked: \(award.revokedReason ?? "")")
                }
                for problem in result.problems { Console.err("statement \(problem.index) (\(problem.id)): \(problem.kind.rawValue): \(problem.message)") }
                for problem in result.unmatched.prefix(20) {
                    Console.err("warning: statement \(problem.index) (\(problem.id)) changes no progress: \(problem.kind.rawValue): \(problem.message)")
                }
                if result.unmatched.count > 20 { Console.err("warning: \(result.unmatched.count - 20) more unmatched; see 'ecba progress unmatched'") }
            }
            if !result.problems.isEmpty { throw Console.fail("\(result.problems.count) statement(s) were reported, not stored") }
        }
    }

    struct Unmatched: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unmatched",
            abstract: "List stored statements that changed no progress, and why.",
            discussion: Help.prose("""
                The LRS stores every valid statement. Those whose actor is no engineer
                (unknown-actor), whose object is no activity of the engineer's enrollments
                (unknown-activity) or whose cmi5 pass is below the AU's masteryScore
                (below-mastery) are kept as evidence and listed here, newest first: add the
                engineer or the enrollment, and import the statements again to count them.
                """)
        )
        @OptionGroup var options: GlobalOptions
        @Option(help: "At most this many (newest first).") var limit = 50

        func run() throws {
            let service = StatementService(database: try options.open())
            let found: (statements: [UnmatchedStatement], total: Int)
            do { found = try service.unmatched(limit: max(0, limit)) } catch { throw Console.fail(error) }
            if options.json { try Console.json(UnmatchedList(total: found.total, statements: found.statements)); return }
            Console.out(Table(["STORED", "ID", "REASON", "ACTOR", "VERB", "OBJECT"], found.statements.map {
                [$0.stored, $0.id, $0.reason, $0.actor, $0.verb, $0.object]
            }).render())
            Console.out("\(found.statements.count) of \(found.total) unmatched statement(s)")
        }
    }

    struct UnmatchedList: Encodable {
        var total: Int
        var statements: [UnmatchedStatement]
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record a result by hand (e.g. offline training).",
            discussion: Help.prose("""
                Completion follows the package: SCORM 1.2 masteryscore, SCORM 2004 completion and
                minNormalizedMeasure, cmi5 moveOn and masteryScore; other formats need completed or
                passed (at the mastery threshold when there is one). The course is complete when
                every required activity is done; that awards its credit hours in its category,
                dated at the result's time (--at), once per engineer, course and calendar year.

                Example:
                  ecba progress record zhangsan cces/cces.engineering-ethics --activity l1 --passed --score 0.9 --duration PT45M
                """)
        )

        enum Outcome: String, EnumerableFlag {
            case completed, passed, failed
        }

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The engineer's id.") var engineer: String
        @Argument(help: "The course id, SOCIETY/IDENTIFIER.") var course: String
        @Option(help: "The activity's identifier in the package (see 'ecba catalog show').") var activity: String
        @Flag(help: "What happened.") var outcome: Outcome
        @Option(help: "Scaled score from 0 to 1.") var score: Double?
        @Option(help: "Time spent, ISO 8601 (PT45M).") var duration: String?
        @Option(help: "When it happened, ISO 8601 (default: now).") var at: String?

        func run() throws {
            var when: Date?
            if let at {
                guard let parsed = AuditCommand.parseTime(at) else { throw Console.fail("--at '\(at)' is not an ISO 8601 date-time") }
                when = parsed
            }
            let service = ProgressService(database: try options.open())
            let report: ProgressReport
            do {
                report = try service.record(
                    engineerID: engineer, courseID: course, activity: activity,
                    outcome: ProgressOutcome(rawValue: outcome.rawValue) ?? .completed, score: score, duration: duration, at: when,
                    actor: actor.name
                )
            } catch { throw Console.fail(error) }
            if options.json { try Console.json(report); return }
            Console.out("\(engineer) \(outcome.rawValue) \(activity) of \(course): \(report.satisfied ? "done" : "not done yet under the package's rule")")
            if !report.outstanding.isEmpty {
                Console.out("  still to do: \(report.outstanding.joined(separator: ", "))")
            } else if let award = report.award {
                Console.out("  course complete: \(Rendering.hours(award.hours)) 学时 \(award.category.rawValue) awarded, dated \(Rendering.stamp(award.awardedAt))")
            } else if let reason = report.noAwardReason {
                Console.out("  course complete; no credit awarded: \(reason)")
            } else {
                Console.out("  course already complete")
            }
        }
    }
}
