import ArgumentParser
import Catalog
import Domain
import Foundation

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: who did what, when and why.",
        discussion: Help.prose("""
            Every vote, decision, publication, retirement, committee change and society change is
            written in the same transaction as the change itself.

            Examples:
              ecba audit --subject cces              (a society, by id)
              ecba audit --subject submission:12     (a typed subject)
              ecba audit --since 2026-11-01
            """)
    )

    @OptionGroup var options: GlobalOptions
    @Option(help: "Only lines at or after this time: YYYY-MM-DD or an ISO 8601 date-time.") var since: String?
    @Option(help: "Only lines about this subject: kind:id (society:cces, course:cces/x, submission:12, member:zhang) or a bare id.")
    var subject: String?
    @Option(help: "At most this many lines.") var limit: Int?

    func run() throws {
        var sinceDate: Date?
        if let since {
            guard let parsed = Self.parseTime(since) else {
                throw Console.fail("--since '\(since)' is not a date (YYYY-MM-DD) or an ISO 8601 date-time")
            }
            sinceDate = parsed
        }
        let service = AuditService(database: try options.open())
        let entries: [AuditEntry]
        do { entries = try service.entries(since: sinceDate, subject: subject, limit: limit) } catch { throw Console.fail(error) }
        if options.json { try Console.json(entries); return }
        guard !entries.isEmpty else { Console.out("no audit lines match"); return }
        for entry in entries {
            var line = "\(Rendering.stamp(entry.at))  \(entry.actor)  \(entry.action)  \(entry.subject)"
            if !entry.details.isEmpty { line += "  " + entry.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
            if let reason = entry.reason { line += "\n    why: \(reason)" }
            Console.out(line)
        }
    }

    static func parseTime(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: .iso8601.year().month().day()) { return date }
        return nil
    }
}
