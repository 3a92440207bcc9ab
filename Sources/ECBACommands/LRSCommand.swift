import ArgumentParser
import Foundation
import LRS

/// `ecba lrs`: the learning record store's credentials for activity providers.
struct LRSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lrs",
        abstract: "The learning record store (xAPI) of 'ecba serve': credentials for activity providers.",
        discussion: Help.prose("""
            'ecba serve' answers xAPI 1.0.3 and 2.0.0 at /xapi/ (statements, State, Activity and
            Agent Profile, Activities, Agents, About). Activity providers authenticate with HTTP
            Basic: a key and secret issued here to one society. Its statements get that credential
            as their 'authority'; it reads what its society's credentials stored and what is about
            its society's members. A society's API token (Bearer) works too, with every scope.
            """),
        subcommands: [Credentials.self]
    )

    struct Credentials: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "credentials",
            abstract: "Key/secret pairs for activity providers: issue (the secret shown once), list, revoke.",
            subcommands: [Issue.self, List.self, Revoke.self]
        )
    }

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue",
            abstract: "Issue a key and secret to a society; the secret is printed once, only its hash is kept.",
            discussion: Help.prose("""
                Scopes (xAPI's): all (the default), all/read, statements/write, statements/read,
                statements/read/mine, state, profile. Repeat --scope for several.

                Example:
                  ecba lrs credentials issue cces --name "CCES authoring tool" --scope statements/write --scope state
                """)
        )
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var society: String
        @Option(help: "What the credential is for (shown as the authority's name).") var name: String
        @Option(help: "A scope the credential has (repeatable; default: all).") var scope: [String] = []

        func run() throws {
            var scopes: [LRSScope] = []
            for text in scope.isEmpty ? ["all"] : scope {
                guard let value = LRSScope(rawValue: text) else {
                    throw Console.fail("--scope '\(text)' is not one of \(LRSScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scopes.append(value)
            }
            let service = LRSCredentialService(database: try options.open())
            let issued: (LRSCredential, secret: String)
            do { issued = try service.issue(societyID: society, name: name, scopes: scopes, actor: actor.name) } catch { throw Console.fail(error.message) }
            if options.json { try Console.json(["key": issued.0.key, "secret": issued.secret, "society": society]); return }
            Console.out("key:    \(issued.0.key)")
            Console.out("secret: \(issued.secret)")
            Console.err("credential \(issued.0.key) for \(society): keep the secret, it is not shown again")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List credentials (keys, scopes, dates; never secrets).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this society's.") var society: String?

        func run() throws {
            let service = LRSCredentialService(database: try options.open())
            let credentials: [LRSCredential]
            do { credentials = try service.list(societyID: society) } catch { throw Console.fail(error.message) }
            if options.json { try Console.json(credentials); return }
            Console.out(Table(["KEY", "SOCIETY", "NAME", "SCOPES", "CREATED", "REVOKED"], credentials.map {
                [$0.key, $0.societyID, $0.name, $0.scopes.map(\.rawValue).joined(separator: " "), $0.createdAt.formatted(.iso8601),
                 $0.revokedAt?.formatted(.iso8601) ?? "-"]
            }).render())
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a credential: refused from its next request on.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The credential's key.") var key: String

        func run() throws {
            let service = LRSCredentialService(database: try options.open())
            do { try service.revoke(key: key, actor: actor.name) } catch { throw Console.fail(error.message) }
            if options.json { try Console.json(["revoked": key]); return }
            Console.out("revoked credential \(key)")
        }
    }
}
