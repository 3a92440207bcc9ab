import Dispatch
import Enrollment
import Foundation
import Storage
import Synchronization

/// Group commit for the statement resource: the POSTs and PUTs that arrive while one
/// transaction is being written wait together, and the next transaction stores all of them, so
/// the commit, the dirty pages it writes and what the store looked up are shared. Each stays all
/// or nothing: when one fails (a conflict, a refused statement), that transaction is undone and
/// the group stored again with each request in a savepoint of its own, so the failure undoes that
/// request alone. What the store learned (engineers, enrollments, course versions, activity
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

    /// On SQLite the groups' index rows wait in `xapi_statement_index_pending` until this many
    /// have gathered, then move into their indexes in key order, in the transaction of the group
    /// that reached it (and before any read of the indexes: `readingStatementIndexes`). Written a
    /// group at a time, each statement put a row at a random page of each index, and its commit
    /// wrote those pages again (measured, 200,000 statements POSTed by 10 clients from 20,000
    /// engineers: BENCHMARKS.md).
    public static let pendingIndexRowsLimit = 250_000

    private let database: AppDatabase
    private let clock: @Sendable () -> Date
    private let queue = Mutex(Queue())
    /// Touched only by the writing thread, one transaction at a time.
    private let memory = Mutex(StatementService.StoreMemory())
    private let thread = DispatchQueue(label: "ecba.lrs.statement-writer")
    private let counts = Mutex(Figures())
    private let pendingIndexRowsLimit: Int

    /// What the writer has done since it started, for `/metrics`: how well requests group.
    public struct Figures: Sendable, Equatable {
        /// Transactions committed (or failed whole).
        public var transactions = 0
        /// Requests stored or refused.
        public var requests = 0
        /// Statements those requests carried.
        public var statements = 0
        /// Transactions undone because a request failed, and stored again request by request.
        public var regrouped = 0
        /// Requests waiting for the writer now.
        public var waiting = 0
    }

    public var figures: Figures {
        var figures = counts.withLock { $0 }
        figures.waiting = queue.withLock { $0.waiting.count }
        return figures
    }

    /// `pendingIndexRowsLimit`: see `StatementWriter.pendingIndexRowsLimit` (tests set a small one).
    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init, pendingIndexRowsLimit: Int = StatementWriter.pendingIndexRowsLimit) {
        self.database = database
        self.clock = clock
        self.pendingIndexRowsLimit = pendingIndexRowsLimit
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

    /// The group's requests stored, their results in order. Together first, in one transaction
    /// without savepoints: a savepoint makes SQLite copy every page it changes before changing
    /// it, and requests nearly always succeed. If one fails, that transaction is undone and the
    /// group is stored again, each request in a savepoint of its own, so that request alone is
    /// refused (the same answers as storing them one by one, in order).
    private func store(_ requests: [Request]) -> [Result<StatementImport, LRSError>] {
        let together = store(requests, eachInSavepoint: false)
        // A request alone: its failure, undoing the transaction, is its answer.
        guard together.undone, requests.count > 1 else { return together.results }
        counts.withLock { $0.regrouped += 1 }
        return store(requests, eachInSavepoint: true).results
    }

    /// One transaction. With `eachInSavepoint`, a request that fails is undone alone; without,
    /// its failure undoes the transaction (`undone`), and every request is answered with it.
    private func store(_ requests: [Request], eachInSavepoint: Bool) -> (results: [Result<StatementImport, LRSError>], undone: Bool) {
        let service = StatementService(database: database, clock: clock)
        let undone = Mutex<LRSError?>(nil)
        do {
            // The statement store writes only references it has just read or written.
            return try database.lrs(at: clock(), references: .vouchedFor) { tx in
                try memory.withLock { memory in
                    var results: [Result<StatementImport, LRSError>] = []
                    for request in requests {
                        do {
                            func store() throws -> StatementImport {
                                try LRSStatements.store(request.batch, attachments: request.attachments, authority: request.authority,
                                                        societyID: request.societyID, actor: request.actor, service: service, memory: &memory,
                                                        deferringIndexRows: true, in: tx)
                            }
                            results.append(.success(eachInSavepoint ? try tx.savepoint(store) : try store()))
                        } catch let restart as any TransactionRestart {
                            // Not this request's failure: the transaction runs again, all of it.
                            memory.forget()
                            throw restart
                        } catch {
                            // Undone: what the store learned from it may no longer hold.
                            memory.forget()
                            let failure = error as? LRSError ?? LRSError(.storage, "\(error)")
                            guard eachInSavepoint else {
                                undone.withLock { $0 = failure }
                                throw failure
                            }
                            results.append(.failure(failure))
                        }
                    }
                    if tx.sql.dialect == .sqlite { _ = try memory.movePendingIndexRows(atLeast: pendingIndexRowsLimit, in: tx) }
                    return (results, false)
                }
            }
        } catch {
            memory.withLock { $0.forget() }
            let failure = undone.withLock { $0 }
            return (requests.map { _ in .failure(failure ?? error) }, failure != nil)
        }
    }
}
