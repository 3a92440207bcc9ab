import ArgumentParser
import Catalog
import Domain
import Foundation
import Storage

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the platform's story on a fresh temporary database.",
        discussion: """
            Registers and authorises the societies whose folders are under courses/, imports every
            package there for its society, and prints the submissions awaiting the committee.
            Nothing outside the temporary folder is touched; pass --keep to keep the database.
            """
    )

    @Option(help: "The folder of shipped course packages, one subfolder per society.") var courses = "courses"
    @Flag(help: "Keep the temporary database and print its path.") var keep = false
    @Flag(name: .long, help: "Print machine-readable JSON on standard output.") var json = false

    /// The societies the shipped courses come from.
    static let societies: [(id: String, name: String, kind: SocietyKind)] = [
        ("cces", "中国土木工程学会 China Civil Engineering Society", .national),
        ("ces", "中国电工技术学会 China Electrotechnical Society", .national),
        ("cmes", "中国机械工程学会 Chinese Mechanical Engineering Society", .national),
        ("bjast", "北京市科学技术协会工程师继续教育中心 Beijing Engineers CPD Centre", .local),
    ]

    func run() throws {
        let coursesURL = URL(fileURLWithPath: courses)
        guard FileManager.default.fileExists(atPath: coursesURL.path) else {
            throw Console.fail("no course folder '\(courses)'; run the demo from the repository root or pass --courses PATH")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
        let databasePath = folder.appendingPathComponent("ecba.sqlite").path
        let database: AppDatabase
        do { database = try AppDatabase(path: databasePath) } catch { throw Console.fail(error.message) }

        let societies = SocietyService(database: database)
        let importer = ImportService(database: database)
        say("== 1. The Secretariat registers and authorises the societies")
        for society in Self.societies {
            do {
                _ = try societies.add(id: society.id, name: society.name, kind: society.kind)
                _ = try societies.authorize(id: society.id)
            } catch { throw Console.fail(error) }
            say("   \(society.id): \(society.name) (authorised)")
        }

        say("\n== 2. Societies submit their course packages (\(courses)/<society>/<package>)")
        var rejected = 0
        for society in Self.societies {
            let packages = Self.packages(in: coursesURL.appendingPathComponent(society.id))
            guard !packages.isEmpty else { continue }
            do {
                let outcomes = try importer.importPackages(packages, societyID: society.id)
                for outcome in outcomes {
                    say(Rendering.outcome(outcome, position: "   [\(society.id)]"))
                    if outcome.status == .rejected { rejected += 1 }
                }
            } catch { throw Console.fail(error) }
        }

        say("\n== 3. Submissions awaiting the Academic Committee's review")
        let submissions: [Submission]
        do { submissions = try importer.submissions(status: .pending) } catch { throw Console.fail(error) }
        if json {
            try Console.json(submissions)
        } else {
            Console.out(Rendering.submissionTable(submissions))
        }
        if keep { say("\nDatabase kept at \(databasePath)") }
        if rejected > 0 {
            throw Console.fail("\(rejected) shipped course package(s) were rejected")
        }
    }

    /// Narration goes to standard error under --json so standard output stays parseable.
    private func say(_ text: String) {
        if json { Console.err(text) } else { Console.out(text) }
    }

    /// Package folders and archives directly inside `folder`, sorted.
    static func packages(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") && $0 != "README.md" }.map { folder.appendingPathComponent($0).path }
    }
}
