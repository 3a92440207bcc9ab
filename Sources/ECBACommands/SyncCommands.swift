import ArgumentParser
import Catalog
import Domain
import Foundation
import RegistrySync
import Storage

extension RegistryFormat: ExpressibleByArgument {}

struct SetRegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-registry",
        abstract: "Where a society's registry takes its members' transcript records.",
        discussion: Help.prose("""
            The token file holds the registry's bearer token on its first line; keep it 0600. Only
            its path is stored: the token is read at each 'ecba sync run'. Every standing record of
            the society's members is queued for the registry at once; from then on every new or
            changed record is queued in the transaction that changes it. The contract a registry
            implements is docs/registry-contract.md.

            Example:
              ecba society set-registry cces --url https://registry.cces.org.cn/ecba --token-file /etc/ecba/cces.token
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var actor: ActorOption
    @Argument(help: "The society's id.") var society: String
    @Option(help: "The registry's http(s) URL; records are POSTed to it.") var url: String
    @Option(help: ArgumentHelp("A file holding the registry's bearer token.", valueName: "file")) var tokenFile: String
    @Option(help: "json (the contract's body) or csv.") var format: RegistryFormat = .json

    func run() throws {
        let service = SyncService(database: try options.open())
        let path = URL(fileURLWithPath: tokenFile).standardizedFileURL.path
        let queued: Int
        do { queued = try service.setRegistry(RegistryConfig(societyID: society, url: url, tokenFile: path, format: format), actor: actor.name) } catch {
            throw Console.fail(error)
        }
        if options.json { try Console.json(["society": society, "url": url, "queued": String(queued)]); return }
        Console.out("\(society): registry \(url) (\(format.rawValue)); \(queued) record(s) queued; run 'ecba sync run'")
    }
}

struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Deliver transcript records to societies' registries: run, status, retry.",
        discussion: Help.prose("""
            Every new or changed transcript record of a society's members waits in a durable
            outbox, written in the same transaction as the change. 'sync run' sends what is due in
            batches; each record carries an idempotency key stable per record version, so a
            registry applies a repeated delivery as a no-op. A failed batch (an error status, a
            timeout, a dropped connection) is retried with exponential backoff and jitter, not
            before its Retry-After; after --max-attempts it is parked as failed with its last
            error ('sync status' shows it, 'sync retry' re-queues it). Every attempt is recorded.
            Two runs at once never send the same record: each claims its batch first.
            """),
        subcommands: [Run.self, Status.self, Retry.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Deliver what is due (with --until-done, wait for retries until nothing is pending).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this society.") var society: String?
        @Flag(help: "Keep going until every record is delivered or parked, waiting out backoffs.") var untilDone = false
        @Option(help: "Records per request.") var batchSize = 100
        @Option(help: "Attempts before a record is parked as failed.") var maxAttempts = 10
        @Option(help: ArgumentHelp("Seconds to wait for a registry's answer.", valueName: "seconds")) var timeout = 30.0
        @Option(help: ArgumentHelp("The first retry's wait in seconds (doubling, with jitter).", valueName: "seconds")) var backoff = 2.0

        func run() throws {
            guard batchSize > 0, maxAttempts > 0, timeout > 0, backoff > 0 else {
                throw Console.fail("--batch-size, --max-attempts, --timeout and --backoff must be positive")
            }
            let service = SyncService(
                database: try options.open(),
                policy: SyncPolicy(batchSize: batchSize, maxAttempts: maxAttempts, backoffBase: backoff, timeout: timeout)
            )
            let quiet = options.json
            let (society, untilDone) = (society, untilDone)
            let outcome: Result<SyncRunSummary, ServiceError> = Blocking.wait {
                do throws(ServiceError) {
                    return .success(try await service.run(societyID: society, untilDone: untilDone) { line in if !quiet { Console.err(line) } })
                } catch {
                    return .failure(error)
                }
            }
            let summary: SyncRunSummary
            switch outcome {
            case .success(let value): summary = value
            case .failure(let error): throw Console.fail(error)
            }
            if options.json { try Console.json(summary); return }
            Console.out("delivered \(summary.delivered) record(s) in \(summary.attempts) attempt(s); \(summary.failedAttempts) failed attempt(s), "
                        + "\(summary.parked) record(s) parked" + (summary.skipped.isEmpty ? "" : "; skipped: \(summary.skipped.keys.sorted().joined(separator: ", "))"))
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Per society: due, waiting, delivered, failed (and why), the last attempt.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let service = SyncService(database: try options.open())
            let rows: [SocietySyncStatus]
            do { rows = try service.status() } catch { throw Console.fail(error) }
            if options.json { try Console.json(rows); return }
            if rows.isEmpty { Console.out("no society has a registry; see 'ecba society set-registry'"); return }
            Console.out(Table(["SOCIETY", "DUE", "WAITING", "DELIVERED", "FAILED", "SUPERSEDED", "LAST ATTEMPT"], rows.map { row in
                [row.societyID, String(row.due), String(row.waiting), String(row.delivered), String(row.failed), String(row.superseded),
                 row.lastAttempt.map { "\($0.at.formatted(.iso8601)) \($0.httpStatus.map { "HTTP \($0)" } ?? ($0.error ?? "")) \($0.records) rec" } ?? "-"]
            }).render())
            for row in rows where !row.failures.isEmpty {
                Console.out("\n\(row.societyID): parked (re-queue with 'ecba sync retry --society \(row.societyID)'):")
                for failure in row.failures {
                    Console.out("  #\(failure.outboxID) record \(failure.recordID) v\(failure.version) after \(failure.attempts) attempts: \(failure.lastError)")
                }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Re-queue parked records: all, one society's, or the given outbox ids.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Option(help: "Only this society.") var society: String?
        @Argument(help: "Outbox ids (from 'sync status').") var ids: [Int64] = []

        func run() throws {
            let service = SyncService(database: try options.open())
            let count: Int
            do { count = try service.retry(societyID: society, ids: ids, actor: actor.name) } catch {
                throw Console.fail(error)
            }
            if options.json { try Console.json(["requeued": count]); return }
            Console.out("re-queued \(count) record(s); run 'ecba sync run'")
        }
    }
}
