import ArgumentParser
import Catalog
import ContentLibrary
import ContentStore
import Foundation
import PlayerWeb
import Logging
import Societies
import SocietyAPI
import Storage

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the society API, the learning record store and the player (HTTP) until interrupted.",
        discussion: Help.prose("""
            Routes (docs/openapi.json describes each): GET /health, GET /metrics (Prometheus),
            GET /v1/report?period=P (CSV with 'Accept: text/csv', else JSON; streamed),
            GET /v1/transcripts/changes?cursor=C&limit=N, GET /v1/engineers/ID/transcript
            (JSON, or the signed CLR with 'Accept: application/vc+jwt'), GET /v1/catalog,
            GET /v1/catalog/SOCIETY/COURSE (or /v1/catalog/SOCIETY%2FCOURSE),
            POST /v1/engineers/ID/launches. Every /v1 route needs 'Authorization: Bearer TOKEN'
            ('ecba society token issue'); a society sees only its own members.

            The learning record store (xAPI 1.0.3 and 2.0.0, docs/xapi.md) under /xapi/:
            statements, activities/state, activities/profile, agents/profile, activities,
            agents, about. It takes HTTP Basic credentials ('ecba lrs credentials issue') or a
            society token, and the X-Experience-API-Version header.

            GET /launch/TOKEN opens the player ('ecba launch'), each session on an origin of its
            own under --public-url's host. SIGINT or SIGTERM stops it gracefully.
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var content: ContentOption
    @OptionGroup var keys: KeysOption
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(help: "Largest request body, in bytes.") var maxBody = 1 << 20
    @Option(help: "Requests a second per token (bursts of twice that).") var rate = 50.0
    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp(
            "The URL learners reach this server by; player sessions get origins under its host.",
            discussion: "Defaults to $ECBA_PUBLIC_URL, else http://localhost:PORT. Each session is served from "
                + "http(s)://<session>.<host>: a host with a wildcard DNS name (and certificate) in production; "
                + "*.localhost needs nothing on one machine.",
            valueName: "url"
        )
    )
    var publicURL: String?

    func run() throws {
        let root = try content.root(database: options.databasePath)
        // On PostgreSQL, a connection for every thread that runs the services' blocking work.
        let database = try options.open(connections: ProcessInfo.processInfo.activeProcessorCount)
        let store: ContentStore
        do {
            store = try ContentService.openStore(root: root, database: database)
        } catch {
            throw Console.fail(error.message)
        }
        var logger = Logger(label: "ecba.api")
        logger.logLevel = .info
        let api = SocietyAPI(
            database: database,
            configuration: APIConfiguration(
                host: host, port: port, maxBodyBytes: maxBody, requestsPerSecond: rate, burst: rate * 2,
                keys: try keys.requiredKeyDirectory(database: options.databasePath),
                player: PlayerSite(database: database, store: store, address: PlayerAddress(publicURL: publicURL ?? Self.defaultPublicURL(port: port)))
            ),
            logger: logger
        )
        let host = host
        let outcome: String? = Blocking.wait {
            do {
                try await api.run { port in Console.err("ecba: serving on http://\(host):\(port)") }
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let outcome { throw Console.fail("the server stopped: \(outcome)") }
    }
}

extension ServeCommand {
    /// `$ECBA_PUBLIC_URL`, else `http://localhost:PORT`.
    static func defaultPublicURL(port: Int) -> String {
        ProcessInfo.processInfo.environment["ECBA_PUBLIC_URL"] ?? "http://localhost:\(port)"
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "A society's API tokens: issue (shown once), list, revoke.",
        discussion: Help.prose("""
            A token is printed once, when issued; only a hash of its secret is stored. A revoked
            token, or any token of a society that withdrew or was removed, is refused on its very
            next request.
            """),
        subcommands: [Issue.self, List.self, Revoke.self]
    )

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue a new token for an authorised society and print it once.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var society: String

        func run() throws {
            let service = TokenService(database: try options.open())
            let issued: TokenService.Issued
            do { issued = try service.issue(societyID: society, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(["id": issued.id, "token": issued.token]); return }
            Console.out(issued.token)
            Console.err("token \(issued.id) for \(society): keep it secret, it is not shown again")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a society's tokens (ids and dates, never secrets).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The society's id.") var society: String

        func run() throws {
            let service = TokenService(database: try options.open())
            let tokens: [StoredToken]
            do { tokens = try service.tokens(societyID: society) } catch { throw Console.fail(error) }
            let rows = tokens.map { ["id": $0.id, "created": $0.createdAt.formatted(.iso8601), "revoked": $0.revokedAt?.formatted(.iso8601) ?? ""] }
            if options.json { try Console.json(rows); return }
            Console.out(Table(["ID", "CREATED", "REVOKED"], rows.map { [$0["id"] ?? "", $0["created"] ?? "", $0["revoked"].flatMap { $0.isEmpty ? "-" : $0 } ?? "-"] }).render())
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke one of a society's tokens.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The society's id.") var society: String
        @Argument(help: "The token's id (the part after 'ecba_').") var tokenID: String

        func run() throws {
            let service = TokenService(database: try options.open())
            do { try service.revoke(societyID: society, tokenID: tokenID, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(["revoked": tokenID]); return }
            Console.out("revoked token \(tokenID) of \(society)")
        }
    }
}
