import ArgumentParser
import Catalog
import Domain

struct CommitteeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "committee",
        abstract: "Manage the Academic Committee that approves courses (charter Art. 8, 12).",
        discussion: Help.prose("""
            Membership changes are dated. A review counts votes against the membership at the
            moment it opened (its first vote), so joining or leaving later does not change the
            quorum of reviews already under way. Art. 12 asks for an odd number of members; the
            commands warn when the count becomes even.
            """),
        subcommands: [AddMember.self, RemoveMember.self, List.self]
    )

    struct AddMember: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-member",
            abstract: "Appoint a member.",
            discussion: "Example: ecba committee add-member zhang --name 张伟"
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "Member id: letters, digits, '.', '_' or '-'.") var id: String
        @Option(help: "The member's name.") var name: String

        func run() throws {
            let service = CommitteeService(database: try options.open())
            let change: CommitteeService.Change
            do { change = try service.addMember(id: id, name: name, actor: actor.name) } catch { throw Console.fail(error) }
            if let warning = change.warning { Console.err("ecba: warning: \(warning)") }
            if options.json { try Console.json(change.member); return }
            Console.out("\(change.member.id) (\(change.member.name)) joined the Academic Committee; \(change.serving) member(s) serve")
        }
    }

    struct RemoveMember: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-member",
            abstract: "End a member's service.",
            discussion: "Reviews already open keep the member in their electorate (and quorum), but the member can no longer vote."
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The member's id.") var id: String
        @Option(help: "Why, for the audit log.") var reason: String?

        func run() throws {
            let service = CommitteeService(database: try options.open())
            let change: CommitteeService.Change
            do { change = try service.removeMember(id: id, reason: reason, actor: actor.name) } catch { throw Console.fail(error) }
            if let warning = change.warning { Console.err("ecba: warning: \(warning)") }
            if options.json { try Console.json(change.member); return }
            Console.out("\(change.member.id) left the Academic Committee; \(change.serving) member(s) serve")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the serving members (--all adds past periods).")

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Include past periods of membership.") var all = false

        func run() throws {
            let service = CommitteeService(database: try options.open())
            let members: [CommitteeMember]
            do { members = try service.members(includingPast: all) } catch { throw Console.fail(error) }
            if options.json { try Console.json(members); return }
            let serving = members.filter(\.isCurrent).count
            if let warning = CommitteeService.parityWarning(serving) { Console.err("ecba: warning: \(warning)") }
            guard !members.isEmpty else { Console.out("the Academic Committee has no members; add them with 'ecba committee add-member'"); return }
            Console.out(Table(
                ["ID", "NAME", "JOINED", "LEFT"],
                members.map { [$0.id, $0.name, Rendering.stamp($0.joinedAt), $0.leftAt.map(Rendering.stamp) ?? "-"] }
            ).render())
            Console.out("\(serving) serving member(s); quorum \(ResolutionRule.quorum(members: serving)) votes")
        }
    }
}
