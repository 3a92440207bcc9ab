import ArgumentParser
import Catalog
import Domain

extension PackageFormat: ExpressibleByArgument {}

/// Filters shared by `catalog list` and `catalog search`.
struct CatalogFilterOptions: ParsableArguments {
    @Option(help: "Only courses of this society.") var society: String?
    @Option(help: "Only professional or public subjects.") var category: SubjectCategory?
    @Option(name: .customLong("min-hours"), help: "At least this many credit hours.") var minHours: Double?
    @Option(name: .customLong("max-hours"), help: "At most this many credit hours.") var maxHours: Double?
    @Option(help: "Only this package format: \(PackageFormat.allCases.map(\.rawValue).joined(separator: ", ")).") var format: PackageFormat?
    @Option(help: "Only courses with text in this language (BCP 47; 'zh' also matches zh-CN).") var language: String?
    @Option(help: "At most this many results (0: all).") var limit = 20

    var filter: CatalogFilter {
        CatalogFilter(
            societyID: society, category: category, minHours: minHours, maxHours: maxHours, format: format, language: language,
            limit: limit
        )
    }
}

struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Published course versions: list, search, show, retire.",
        discussion: Help.prose("""
            A course enters the catalog when the Academic Committee approves a version of it. The
            newest approved version is the one new enrollments get; engineers already enrolled keep
            the version they enrolled in.
            """),
        subcommands: [List.self, Search.self, Show.self, Retire.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the courses in the catalog, by course id.")

        @OptionGroup var options: GlobalOptions
        @OptionGroup var filters: CatalogFilterOptions

        func run() throws {
            let service = CatalogService(database: try options.open())
            let entries: [CatalogSummary]
            do { entries = try service.list(filters.filter) } catch { throw Console.fail(error) }
            if options.json { try Console.json(entries); return }
            Console.out(entries.isEmpty ? "the catalog is empty (or nothing matches the filters)" : Rendering.catalogTable(entries))
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Full-text search over titles, descriptions and keywords, in every language.",
            discussion: Help.prose("""
                Every word of the query must match. A word of three or more characters matches
                anywhere inside the text, in any script ('工程伦理' inside a longer title, 'ethic'
                inside 'Ethics'); a one- or two-character Chinese word matches as written ('安全'),
                and a short Latin word matches the start of a word ('AI'). Results are ranked:
                title matches first, then keywords, then descriptions.

                Examples:
                  ecba catalog search 工程伦理
                  ecba catalog search 安全 --category public
                  ecba catalog search "BIM 施工" --society cces --min-hours 4
                """)
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "What to look for.") var query: String
        @OptionGroup var filters: CatalogFilterOptions

        func run() throws {
            let service = CatalogService(database: try options.open())
            let entries: [CatalogSummary]
            do { entries = try service.search(query, filter: filters.filter) } catch { throw Console.fail(error) }
            if options.json { try Console.json(entries); return }
            Console.out(entries.isEmpty ? "nothing in the catalog matches '\(query)'" : Rendering.catalogTable(entries))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a published course: activities, credit hours, category, society, licence, and the decision that published it."
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The course id, SOCIETY/IDENTIFIER.") var course: String
        @Option(help: "A specific version (default: the current one).") var version: Int?

        func run() throws {
            let service = CatalogService(database: try options.open())
            let entry: CatalogEntry
            do { entry = try service.show(course, version: version) } catch { throw Console.fail(error) }
            if options.json { try Console.json(entry); return }
            Console.out(Rendering.catalogDetail(entry))
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retire",
            abstract: "Take a course out of the catalog.",
            discussion: Help.prose("""
                No new enrollments; engineers already enrolled keep their version. The course stays
                readable with 'catalog show COURSE --version N'. A newly approved version publishes it again.
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The course id, SOCIETY/IDENTIFIER.") var course: String
        @Option(help: "Why, for the audit log.") var reason: String

        func run() throws {
            let service = CatalogService(database: try options.open())
            let version: Int
            do { version = try service.retire(course, reason: reason, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(["course": course, "retiredVersion": String(version)]); return }
            Console.out("retired \(course) version \(version)")
        }
    }
}
