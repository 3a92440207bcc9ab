import ArgumentParser
import Catalog
import Domain

extension VoteChoice: ExpressibleByArgument {}

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The Academic Committee's review of submissions (charter Art. 8, 31).",
        discussion: Help.prose("""
            The rule (Art. 31, bounds included): a decision is valid when at least 2/3 of the
            members vote, and approves when at least 3/4 of those voting approve. A review opens
            with its first vote; its electorate is the committee at that moment. Members may change
            their vote until the decision. The review closes by itself as soon as no outstanding vote
            can change the outcome; 'decide' closes it early. Approval publishes the version in the
            catalog at once. A submission without credit hours cannot be approved.
            """),
        subcommands: [List.self, Show.self, Vote.self, Decide.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List submissions with their review tally, newest first.")

        @OptionGroup var options: GlobalOptions
        @Option(help: "Only pending, approved or rejected submissions.") var status: SubmissionStatus?

        func run() throws {
            let service = ReviewService(database: try options.open())
            let reviews: [ReviewSummary]
            do { reviews = try service.list(status: status) } catch { throw Console.fail(error) }
            if options.json { try Console.json(reviews); return }
            Console.out(Rendering.reviewTable(reviews))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a submission for review: metadata, activities, diagnostics, votes, and changes against the published version."
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The submission number.") var submission: Int64

        func run() throws {
            let service = ReviewService(database: try options.open())
            let detail: ReviewDetail
            do { detail = try service.show(submission) } catch { throw Console.fail(error) }
            if options.json { try Console.json(detail); return }
            Console.out(Rendering.reviewDetail(detail))
        }
    }

    struct Vote: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vote",
            abstract: "Cast or change a member's vote.",
            discussion: "Example: ecba review vote 3 --member zhang approve --comment \"内容准确，学时合理\""
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The submission number.") var submission: Int64
        @Argument(help: "approve or reject.") var choice: VoteChoice
        @Option(help: "The voting member's id.") var member: String
        @Option(help: "Why: kept with the vote and in the audit log.") var comment: String

        func run() throws {
            let service = ReviewService(database: try options.open())
            let outcome: ReviewOutcome
            do { outcome = try service.vote(submission, memberID: member, choice: choice, comment: comment) } catch { throw Console.fail(error) }
            if options.json { try Console.json(outcome); return }
            Console.out("\(member) votes \(choice.rawValue) on submission \(submission)")
            Console.out(Rendering.reviewOutcome(outcome))
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decide",
            abstract: "Close a review early under the rule as it stands.",
            discussion: Help.prose("""
                Approved if the rule holds now, rejected if a quorum voted without 3/4 approving.
                Without a quorum nothing is decided: the review stays open, and the command exits 2.
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The submission number.") var submission: Int64
        @Option(help: "Why it is closed early, for the record.") var reason: String?

        func run() throws {
            let service = ReviewService(database: try options.open())
            let outcome: ReviewOutcome
            do { outcome = try service.decide(submission, actor: actor.name, reason: reason) } catch { throw Console.fail(error) }
            if options.json { try Console.json(outcome) } else { Console.out(Rendering.reviewOutcome(outcome)) }
            if outcome.resolution == .noQuorum { throw ExitCode(2) }
        }
    }
}
