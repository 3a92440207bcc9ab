import ArgumentParser
import Catalog
import Domain
import Enrollment
import Foundation

struct ProgressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Record engineers' progress in course activities.",
        subcommands: [Record.self]
    )

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a result by hand (e.g. offline training).",
            discussion: """
                Completion follows the package: SCORM 1.2 masteryscore, SCORM 2004 completion and
                minNormalizedMeasure, cmi5 moveOn and masteryScore; other formats need completed or
                passed (at the mastery threshold when there is one). The course is complete when
                every required activity is done; that awards its credit hours in its category,
                dated at the result's time (--at), once per engineer, course and calendar year.

                Example:
                  ecba progress record zhangsan cces/cces.engineering-ethics --activity l1 --passed --score 0.9 --duration PT45M
                """
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
