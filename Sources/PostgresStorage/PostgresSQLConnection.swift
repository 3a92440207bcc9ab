import Foundation
import Logging
import NIOCore
import PostgresNIO
import Storage
import Synchronization

/// The storage kernel's connection on PostgreSQL, for the platform's synchronous stores: each
/// call sends its query and waits for the answer on the calling thread (never an event loop;
/// the services run on threads of their own: the CLI's, NIO's thread pool in `ecba serve`).
/// `?` placeholders are numbered for PostgreSQL, and values come back as SQLite's storage
/// classes, by the result's column types.
public struct PostgresSQLConnection: SQLConnection {
    let session: PostgresSession
    /// The statements sent by `executeUnread` whose answers have not been looked at yet.
    let unread: Unread
    /// In a snapshot transaction (`WriteIsolation.snapshot`) a unique violation means that a
    /// concurrent transaction stored the key after this one's snapshot was taken: it is answered
    /// as a concurrency failure, and the transaction runs again and sees the key.
    let restartOnUniqueViolation: Bool

    public init(_ session: PostgresSession, restartOnUniqueViolation: Bool = false) {
        self.session = session
        self.restartOnUniqueViolation = restartOnUniqueViolation
        unread = Unread(restartOnUniqueViolation: restartOnUniqueViolation)
    }

    /// Answers not waited for, in the order sent: a connection answers in order, so each later
    /// call's answer comes after theirs.
    final class Unread: @unchecked Sendable {
        private let lock = NSLock()
        private var futures: [(sql: String, answer: EventLoopFuture<Void>)] = []
        let restartOnUniqueViolation: Bool

        init(restartOnUniqueViolation: Bool) {
            self.restartOnUniqueViolation = restartOnUniqueViolation
        }

        func append(_ sql: String, _ answer: EventLoopFuture<Void>) {
            lock.lock()
            futures.append((sql, answer))
            lock.unlock()
        }

        /// Drops the answers kept so far (known to be successes).
        func forget() {
            lock.lock()
            futures.removeAll(keepingCapacity: true)
            lock.unlock()
        }

        /// Waits for every answer; the first failure, as the platform's error.
        func settle() -> (any Error)? {
            lock.lock()
            let pending = futures
            futures.removeAll()
            lock.unlock()
            var first: (any Error)?
            for (sql, answer) in pending {
                do {
                    _ = try answer.wait()
                } catch {
                    if first == nil { first = PostgresSQLConnection.failure(error, sql, restartOnUniqueViolation: restartOnUniqueViolation) }
                }
            }
            return first
        }
    }

    /// Sends the statement and goes on; its answer is looked at by the next call that fails, or
    /// by `settle` before the commit.
    public func executeUnread(_ sql: String, _ arguments: [SQLValue]) throws {
        let query = PostgresQuery(unsafeSQL: SQLPlaceholders.numbered(sql), binds: Self.bindings(arguments))
        unread.append(sql, session.connection.query(query, logger: session.logger).map { _ in })
    }

    /// Waits for the answers of the statements sent without waiting; throws the first failure.
    public func settle() throws {
        if let failure = unread.settle() { throw failure }
    }

    public var dialect: SQLDialect { .postgresql }

    /// `COPY ... FROM STDIN` of the rows, in the text format, not waited for: the call returns
    /// once the copy is the connection's current command (so whatever is sent after runs after
    /// it), and its outcome is looked at as an `executeUnread` statement's is. A failure before
    /// it (which aborted the transaction, and the copy with it) is the one reported.
    public func appendRows(into table: String, columns: [String], values: [SQLValue]) throws {
        guard !columns.isEmpty, !values.isEmpty else { return }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(values.count * 32)
        for start in stride(from: 0, to: values.count, by: columns.count) {
            CopyText.append(values[start..<min(values.count, start + columns.count)], to: &buffer)
        }
        let session = session
        let data = buffer
        let copy = CopyTask.start(on: session.connection.eventLoop) {
            try await session.connection.copyFrom(table: table, columns: columns, logger: session.logger) { writer in
                CopyTask.current?.begun()
                var rest = data
                while let part = rest.readSlice(length: min(rest.readableBytes, 1 << 20)), part.readableBytes > 0 {
                    try await writer.write(part)
                }
            }
        }
        let sql = "COPY \(table)"
        if let failure = copy.failure {
            if let earlier = unread.settle() { throw earlier }
            throw Self.failure(failure, sql, restartOnUniqueViolation: restartOnUniqueViolation)
        }
        unread.append(sql, copy.outcome)
    }

    @discardableResult
    public func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        let result = try run(sql, arguments)
        return result.metadata.rows ?? 0
    }

    public func query(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        let result = try run(sql, arguments)
        for row in result.rows { try body(SQLRow(try Self.values(row))) }
    }

    /// Rows fetched from the cursor at a time: few round trips, a bounded batch in memory.
    static let streamBatch = 2_000
    /// Numbers the cursors of this process, so that a stream abandoned by a throwing callback
    /// (its cursor open until the transaction ends) never collides with the next one.
    private static let cursors = Atomic<Int>(0)

    public func stream(_ sql: String, _ arguments: [SQLValue], _ body: (SQLCursorRow) throws -> Void) throws {
        let cursor = "ecba_stream_\(Self.cursors.wrappingAdd(1, ordering: .relaxed).newValue)"
        try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", arguments)
        while true {
            let batch = try run("FETCH FORWARD \(Self.streamBatch) FROM \(cursor)", [])
            var count = 0
            for row in batch.rows {
                count += 1
                try body(SQLCursorRow(values: SQLRow(try Self.values(row))))
            }
            if count < Self.streamBatch { break }
        }
        try execute("CLOSE \(cursor)", [])
    }

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        do {
            let result = try session.connection.query(PostgresQuery(unsafeSQL: SQLPlaceholders.numbered(sql), binds: Self.bindings(arguments)), logger: session.logger).wait()
            // Everything sent before succeeded: a failure would have aborted the transaction, and
            // this statement with it. Their answers need no keeping (a large import sends
            // millions).
            unread.forget()
            return result
        } catch {
            // A statement sent earlier without waiting failed first: that is the cause (this one
            // only met the aborted transaction).
            if let earlier = unread.settle() { throw earlier }
            throw Self.failure(error, sql, restartOnUniqueViolation: restartOnUniqueViolation)
        }
    }

    static func bindings(_ arguments: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return bindings
    }

    /// A failure as the platform's error; a concurrent transaction's, as the one that is retried.
    static func failure(_ error: any Error, _ sql: String, restartOnUniqueViolation: Bool = false) -> any Error {
        let failure = PostgresSession.failure(error, "running \(sql.prefix(80))")
        if let state = (error as? PSQLError)?.serverInfo?[.sqlState],
           PostgresConcurrencyFailure.states.contains(state) || (restartOnUniqueViolation && state == PostgresConcurrencyFailure.uniqueViolation) {
            return PostgresConcurrencyFailure(failure: failure)
        }
        return failure
    }

    /// A row's values as SQLite's storage classes: whole numbers (and booleans, as 0 and 1) as
    /// integers, floating point as reals, bytea as blobs, everything else as its text.
    static func values(_ row: PostgresRow) throws -> [SQLValue] {
        var values: [SQLValue] = []
        for cell in row {
            guard cell.bytes != nil else {
                values.append(.null)
                continue
            }
            switch cell.dataType {
            case .int2, .int4, .int8: values.append(.integer(try cell.decode(Int64.self)))
            case .bool: values.append(.integer(try cell.decode(Bool.self) ? 1 : 0))
            case .float4, .float8: values.append(.real(try cell.decode(Double.self)))
            case .bytea: values.append(.blob(Array(try cell.decode(ByteBuffer.self).readableBytesView)))
            case .numeric:
                // sum() of bigints: a whole number stays an integer, as SQLite's sum() does.
                let text = "\(try cell.decode(Decimal.self))"
                values.append(Int64(text).map(SQLValue.integer) ?? Double(text).map(SQLValue.real) ?? .text(text))
            default: values.append(.text(try cell.decode(String.self)))
            }
        }
        return values
    }
}

/// A transaction PostgreSQL gave up because a concurrent one changed what it read
/// (serialization failure, SQLSTATE 40001) or because the two waited on each other (deadlock,
/// 40P01): nothing of it was kept, and running it again is the cure. `PostgresDatabase.write`
/// does so.
struct PostgresConcurrencyFailure: TransactionRestart, CustomStringConvertible {
    static let states: Set<String> = ["40001", "40P01"]
    /// unique_violation: a concurrency failure only in a snapshot transaction.
    static let uniqueViolation = "23505"
    let failure: ServiceError
    var description: String { failure.message }
}

/// Runs PostgresNIO's `copyFrom` (async only) for the storage kernel's synchronous callers: the
/// task runs on threads of its own (a Dispatch queue), never on Swift's cooperative pool, whose
/// threads such callers may be holding (a test, a service called from async code). The caller
/// waits until the copy has begun (or failed before it could), not for its end.
final class CopyTask: Sendable {
    /// The copy tasks' executor.
    final class Executor: TaskExecutor {
        static let shared = Executor()
        private let queue = DispatchQueue(label: "ecba.postgres.copy", attributes: .concurrent)

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            queue.async { job.runSynchronously(on: executor) }
        }
    }

    @TaskLocal static var current: CopyTask?

    private let started = DispatchSemaphore(value: 0)
    /// Whether the caller was let go; whether the copy began; its error if it failed before.
    private let state = Mutex<(released: Bool, begun: Bool, failure: (any Error)?)>((false, false, nil))
    /// Completed when the copy has ended: with its error, if it failed.
    let outcome: EventLoopFuture<Void>
    private let promise: EventLoopPromise<Void>

    private init(eventLoop: any EventLoop) {
        promise = eventLoop.makePromise(of: Void.self)
        outcome = promise.futureResult
    }

    /// The copy has become the connection's current command: the caller may go on.
    func begun() {
        state.withLock { $0.begun = true }
        release()
    }

    private func release() {
        let first = state.withLock { state in
            defer { state.released = true }
            return !state.released
        }
        if first { started.signal() }
    }

    /// Its error, when it failed before it began.
    var failure: (any Error)? { state.withLock { $0.failure } }

    /// Starts `body` and waits until it has begun (`begun`) or ended.
    static func start(on eventLoop: any EventLoop, _ body: @escaping @Sendable () async throws -> Void) -> CopyTask {
        let task = CopyTask(eventLoop: eventLoop)
        Task(executorPreference: Executor.shared) {
            do {
                try await $current.withValue(task) { try await body() }
                task.release()
                task.promise.succeed()
            } catch {
                task.state.withLock { state in if !state.begun { state.failure = error } }
                task.release()
                task.promise.fail(error)
            }
        }
        task.started.wait()
        return task
    }
}
