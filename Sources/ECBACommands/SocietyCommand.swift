import ArgumentParser
import Catalog
import Domain
import Societies

extension SocietyKind: ExpressibleByArgument {}
extension ApplicationStage: ExpressibleByArgument {}
extension StepDecision: ExpressibleByArgument {}

struct SocietyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "society",
        abstract: "Member societies: register, authorise, withdraw, remove (charter Art. 8, 16-20, 36).",
        discussion: Help.prose("""
            Only an authorised society may submit course packages or pull reports. Authorisation
            follows Art. 16:

              ecba society add cces --name 中国土木工程学会 --kind national
              ecba society apply cces
              ecba society review cces --stage secretariat approve --comment "材料齐全"
              ecba society review cces --stage review-committee approve --comment "符合条件"
              ecba society review cces --stage presidium approve --comment "同意授权"

            A society that withdraws (Art. 19) or is removed (Art. 20) can no longer submit or pull
            reports; its published courses stay in the catalog and its engineers' records are kept.
            Every change is in 'ecba audit'.
            """),
        subcommands: [Add.self, Apply.self, Review.self, Authorize.self, Withdraw.self, Remove.self, List.self, Show.self, SetPolicyCommand.self, SetRegistryCommand.self, TokenCommand.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register a society (not yet authorised).",
            discussion: "Example: ecba society add cces --name 中国土木工程学会 --kind national"
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "Short id: letters, digits, '.', '_' or '-' (e.g. cces).") var id: String
        @Option(help: "Full name of the society.") var name: String
        @Option(help: "One of: \(SocietyKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: SocietyKind
        @OptionGroup var actor: ActorOption

        func run() throws {
            let service = SocietyService(database: try options.open())
            let society: Society
            do { society = try service.add(id: id, name: name, kind: kind, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(society) } else { Console.out("added society \(society.id) (\(society.name)), status registered") }
        }
    }

    struct Authorize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "authorize",
            abstract: "Authorise a registered society directly (a shortcut for set-up scripts).",
            discussion: Help.prose("""
                A shortcut for set-up scripts and the demo: it grants authorisation at once, skipping
                the charter's procedure, and the audit log says so. The real procedure (Art. 16) is
                'ecba society apply' followed by 'ecba society review' at each of the three stages.
                A withdrawn or removed society must apply again.
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var id: String

        func run() throws {
            let service = SocietyService(database: try options.open())
            let society: Society
            do { society = try service.authorize(id: id, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(society) } else { Console.out("society \(society.id) is authorised") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List societies and their status.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let service = SocietyService(database: try options.open())
            let societies: [Society]
            do { societies = try service.list() } catch { throw Console.fail(error) }
            if options.json { try Console.json(societies); return }
            if societies.isEmpty { Console.out("no societies yet; add one with 'ecba society add'"); return }
            Console.out(Table(["ID", "STATUS", "KIND", "NAME"], societies.map { [$0.id, $0.status.rawValue, $0.kind.rawValue, $0.name] }).render())
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Open a society's application for authorisation (Art. 16).",
            discussion: "The application then awaits the Secretariat's preliminary review ('ecba society review ID --stage secretariat')."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var id: String

        func run() throws {
            let service = SocietyService(database: try options.open())
            let application: SocietyApplication
            do { application = try service.apply(id: id, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(application); return }
            Console.out("society \(id) applied (application \(application.id)); awaiting the Secretariat's preliminary review")
        }
    }

    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Record one stage's decision on an application.",
            discussion: Help.prose("""
                Stages in order: secretariat (preliminary review), review-committee, presidium
                (approval). A rejection at any stage closes the application; the Presidium's approval
                authorises the society.
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var id: String
        @Option(help: "secretariat, review-committee or presidium.") var stage: ApplicationStage
        @Argument(help: "approve or reject.") var decision: StepDecision
        @Option(help: "Why: kept with the step and in the audit log.") var comment: String

        func run() throws {
            let service = SocietyService(database: try options.open())
            let result: (society: Society, application: SocietyApplication)
            do { result = try service.review(id: id, stage: stage, decision: decision, comment: comment, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(result.application); return }
            Console.out("\(stage.body) \(decision == .approve ? "approved" : "rejected") the application of \(id)")
            Console.out("    " + Rendering.applicationState(result.application))
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "withdraw",
            abstract: "Record that a society leaves the alliance (Art. 19).",
            discussion: "It can no longer submit courses or pull reports; its courses and its engineers' records stay."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var id: String
        @Option(help: "Why, for the audit log.") var reason: String?

        func run() throws {
            let service = SocietyService(database: try options.open())
            let society: Society
            do { society = try service.withdraw(id: id, reason: reason, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(society); return }
            Console.out("society \(id) has withdrawn; it can no longer submit courses or pull reports")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a society from the alliance (Art. 20).",
            discussion: "It can no longer submit courses or pull reports; its courses and its engineers' records stay."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var id: String
        @Option(help: "Why (required, Art. 20).") var reason: String

        func run() throws {
            let service = SocietyService(database: try options.open())
            let society: Society
            do { society = try service.remove(id: id, reason: reason, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(society); return }
            Console.out("society \(id) is removed; it can no longer submit courses or pull reports")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a society, its status and its applications.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The society's id.") var id: String

        struct Output: Encodable {
            var society: Society
            var applications: [SocietyApplication]
        }

        func run() throws {
            let service = SocietyService(database: try options.open())
            let result: (society: Society, applications: [SocietyApplication])
            do { result = try service.show(id: id) } catch { throw Console.fail(error) }
            if options.json { try Console.json(Output(society: result.society, applications: result.applications)); return }
            Console.out("\(result.society.id): \(result.society.name)")
            Console.out("  Kind:   \(result.society.kind.rawValue)")
            Console.out("  Status: \(result.society.status.rawValue)")
            for application in result.applications {
                Console.out("  Application \(application.id) of \(Rendering.stamp(application.appliedAt)): \(Rendering.applicationState(application))")
                for step in application.steps {
                    Console.out("    \(step.stage.rawValue): \(step.decision.rawValue) by \(step.actor) at \(Rendering.stamp(step.at)): \(step.comment)")
                }
            }
        }
    }
}
