import ArgumentParser
import Catalog
import Domain

extension SocietyKind: ExpressibleByArgument {}

struct SocietyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "society",
        abstract: "Register and authorise member societies (charter Art. 8, 16-17).",
        discussion: "Only an authorised society may submit course packages or pull reports.",
        subcommands: [Add.self, Authorize.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a society (not yet authorised).",
            discussion: "Example: ecba society add cces --name 中国土木工程学会 --kind national"
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "Short id: letters, digits, '.', '_' or '-' (e.g. cces).") var id: String
        @Option(help: "Full name of the society.") var name: String
        @Option(help: "One of: \(SocietyKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: SocietyKind

        func run() throws {
            let service = SocietyService(database: try options.open())
            let society: Society
            do { society = try service.add(id: id, name: name, kind: kind) } catch { throw Console.fail(error) }
            if options.json { try Console.json(society) } else { Console.out("added society \(society.id) (\(society.name)), status registered") }
        }
    }

    struct Authorize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorise a society to submit courses and pull reports.",
            discussion: """
                A shortcut for set-up scripts and the demo: it grants authorisation directly. The
                charter's full procedure (Art. 16: application, Secretariat review, Review Committee,
                Presidium) arrives with the review capability.
                """
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The society's id.") var id: String

        func run() throws {
            let service = SocietyService(database: try options.open())
            let society: Society
            do { society = try service.authorize(id: id) } catch { throw Console.fail(error) }
            if options.json { try Console.json(society) } else { Console.out("society \(society.id) is authorised") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List societies and their status.")

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
}
