import ArgumentParser
import Catalog
import Domain
import Enrollment
import Foundation

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Credit policies: what engineers must earn, per period and category.",
        discussion: Help.prose("""
            Policies are JSON (see policies/README.md). Shipped: ecba-default (90 学时 a calendar
            year, professional at least 2/3), us-pdh (15 PDH a year, 1 ethics, carry-over 14 not
            toward ethics) and engineers-australia (150 hours over 3 years, three category minimums).
            A society picks its members' policy with 'ecba society set-policy'.
            """),
        subcommands: [Add.self, List.self, Show.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add or replace a policy from a JSON file.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The policy file.") var file: String

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw Console.fail("cannot read '\(file)'") }
            let service = CreditService(database: try options.open())
            let policy: CreditPolicy
            do { policy = try service.add(data, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(policy); return }
            Console.out("policy \(policy.name) added: \(policy.title)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the shipped and added policies.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let service = CreditService(database: try options.open())
            let policies: [CreditPolicy]
            do { policies = try service.policies() } catch { throw Console.fail(error) }
            if options.json { try Console.json(policies); return }
            Console.out(Table(["NAME", "UNIT", "TOTAL", "TITLE"], policies.map { [$0.name, $0.unit, Rendering.hours($0.total), $0.title] }).render())
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a policy as JSON (a starting point for your own).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The policy's name.") var name: String

        func run() throws {
            let service = CreditService(database: try options.open())
            let policy: CreditPolicy
            do { policy = try service.policy(name) } catch { throw Console.fail(error) }
            try Console.json(policy)
        }
    }
}

struct SetPolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-policy", abstract: "Set the credit policy a society's members are held to."
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup var actor: ActorOption
    @Argument(help: "The society's id.") var society: String
    @Argument(help: "The policy's name (see 'ecba policy list').") var policy: String

    func run() throws {
        let service = CreditService(database: try options.open())
        do { try service.setSocietyPolicy(society, policy: policy, actor: actor.name) } catch { throw Console.fail(error) }
        if options.json { try Console.json(["society": society, "policy": policy]); return }
        Console.out("members of \(society) are held to \(policy)")
    }
}

struct CreditsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits",
        abstract: "Engineers' credit standing under a policy.",
        subcommands: [Status.self]
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Explain an engineer's credits for a period: what counted, capped, carried over, met or short.",
            discussion: Help.prose("""
                --period is a year (2026: the period containing 1 January 2026) or a date
                (2026-05-01: the period containing it); the default is the current period. The
                policy is --policy, else the one the engineer's society set, else ecba-default.
                """)
        )
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The engineer's id.") var engineer: String
        @Option(help: "YYYY or YYYY-MM-DD.") var period: String?
        @Option(help: "A policy name.") var policy: String?

        func run() throws {
            let date = try PeriodOption.date(period)
            let service = CreditService(database: try options.open())
            let status: CreditStatus
            do { status = try service.status(engineerID: engineer, containing: date, policy: policy) } catch {
                throw Console.fail(error)
            }
            if options.json { try Console.json(status); return }
            Console.out("\(engineer): \(status.met ? "meets" : "does not meet") \(status.policy) for \(CreditPolicy.dayString(status.periodStart)) to \(CreditPolicy.dayString(status.periodEnd.addingTimeInterval(-1)))")
            Console.out(Table(
                ["  CATEGORY", "EARNED", "COUNTED", "CAPPED", "MINIMUM", "SHORT"],
                status.categories.map { ["  " + $0.name, Rendering.hours($0.earned), Rendering.hours($0.counted), Rendering.hours($0.capped), $0.minimum.map(Rendering.hours) ?? "-", Rendering.hours($0.short)] }
            ).render())
            Console.out("  total \(Rendering.hours(status.total)) \(status.unit) of \(Rendering.hours(status.totalRequired)) (carried over \(Rendering.hours(status.carriedOver))); short \(Rendering.hours(status.short))")
            Console.out("  Why:")
            for line in status.explanation { Console.out("    " + line) }
        }
    }
}
