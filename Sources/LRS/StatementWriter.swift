import Dispatch
import Enrollment
import Foundation
import Storage
import Synchronization

/// Group commit for the statement resource: the POSTs and PUTs that arrive while one
/// transaction is being written wait together, and the next transaction stores all of them, each
/// in a savepoint of its own, so each stays all or nothing (a conflict or a refused statement
/// undoes that request alone) and the commit, the dirty pages it writes and what the store looked
/// up are shared. What the store learned (engineers, enrollments, course versions, activity
/// states) is kept from one transaction to the next (`StatementService.StoreMemory`) while
/// nothing else writes.
///
/// One request alone is stored as soon as it arrives; under load, batches gather while the one
/// before them commits (measured: 10 clients POSTing batches of 100 from 20,000 engineers, see
/// BENCHMARKS.md). Requests are stored in the order they arrived, on one thread of the writer's
/// own, never on an event loop or the request thread pool.
public final class StatementWriter: Sendable {
    /// One request's statements, parsed and checked before it waits here.
    public struct Request: Sendable {
        public var batch: StatementService.ParsedBatch
        public var attachments: [AttachmentContent]
        public var authority: StatementAuthority
        public var societyID: String?
        public var actor: String

        public init(batch: StatementService.ParsedBatch, attachments: [AttachmentContent], authority: StatementAuthority, societyID: String?,
                    actor: String) {
            self.batch = batch
            self.attachments = attachments
            self.authority = authority
            self.societyID = societyID
            self.actor = actor
        }
    }

    private struct Waiting: Sendable {
        let request: Request
        let answer: CheckedContinuation<Result<StatementImport, LRSError>, Never>
    }

    private struct Queue: Sendable {
        var waiting: [Waiting] = []
        var writing = false
    }

    /// At most this many statements go into one transaction (a request is never split).
    public static let statementsPerTransaction = 5_000

    private let database: AppDatabase
    private let clock: @Sendable () -> Date
    private let queue = Mutex(Queue())
    /// Touched only by the writing thread, one transaction at a time.
    private let memory = Mutex(StatementService.StoreMemory())
    private let thread = DispatchQueue(label: "ecba.lrs.statement-writer")
    private let counts = Mutex(Figures())

    /// What the writer has done since it started, for `/metrics`: how well requests group.
    public struct Figures: Sendable, Equatable {
        /// Transactions committed (or failed whole).
        public var transactions = 0
        /// Requests stored or refused.
        public var requests = 0
        /// Statements those requests carried.
        public var statements = 0
    }

    public var figures: Figures { counts.withLock { $0 } }

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// Stores one request's statements (with the next transaction that has room); answers what
    /// `LRSStatements.store` answers, and throws what it throws.
    public func store(_ request: Request) async throws(LRSError) -> StatementImport {
        let result = await withCheckedContinuation { (answer: CheckedContinuation<Result<StatementImport, LRSError>, Never>) in
            let start = queue.withLock { queue in
                queue.waiting.append(Waiting(request: request, answer: answer))
                defer { queue.writing = true }
                return !queue.writing
            }
            if start { thread.async { self.write() } }
        }
        return try result.get()
    }

    /// Writes transaction after transaction until no request is waiting.
    private func write() {
        while true {
            let group: [Waiting] = queue.withLock { queue in
                var taken = 0
                var statements = 0
                while taken < queue.waiting.count, taken == 0 || statements + queue.waiting[taken].request.batch.count <= Self.statementsPerTransaction {
                    statements += queue.waiting[taken].request.batch.count
                    taken += 1
                }
                let group = Array(queue.waiting.prefix(taken))
                queue.waiting.removeFirst(taken)
                if group.isEmpty { queue.writing = false }
                return group
            }
            if group.isEmpty { return }
            counts.withLock { counts in
                counts.transactions += 1
                counts.requests += group.count
                counts.statements += group.reduce(0) { $0 + $1.request.batch.count }
            }
            for (waiting, result) in zip(group, store(group.map(\.request))) {
                waiting.answer.resume(returning: result)
            }
        }
    }

    /// One transaction: each request in its savepoint; their results in order.
    private func store(_ requests: [Request]) -> [Result<StatementImport, LRSError>] {
        let service = StatementService(database: database, clock: clock)
        do {
            return try database.lrs(at: clock()) { tx in
                try memory.withLock { memory in
                    var results: [Result<StatementImport, LRSError>] = []
                    for request in requests {
                        do {
                            results.append(.success(try tx.savepoint {
                                try LRSStatements.store(request.batch, attachments: request.attachments, authority: request.authority,
                                                        societyID: request.societyID, actor: request.actor, service: service, memory: &memory, in: tx)
                            }))
                        } catch let restart as any TransactionRestart {
                            // Not this request's failure: the transaction runs again, all of it.
                            memory.forget()
                            throw restart
                        } catch {
                            // Undone: what the store learned from it may no longer hold.
                            memory.forget()
                            results.append(.failure(error as? LRSError ?? LRSError(.storage, "\(error)")))
                        }
                    }
                    return results
                }
            }
        } catch {
            memory.withLock { $0.forget() }
            return requests.map { _ in .failure(error) }
        }
    }
}
