import Domain
import Foundation
import Pipeline
import Storage

/// The activity IRIs the platform assigns: `https://learning.ecba.org.cn/xapi/activities/` +
/// society / course identifier / activity identifier, each percent-encoded. Content may also
/// use the package's own activity ids when they are IRIs (e.g. cmi5 AU ids).
public enum ActivityIRI {
    public static let prefix = "https://learning.ecba.org.cn/xapi/activities/"

    public static func make(courseID: String, activity: String) -> String {
        let parts = courseID.split(separator: "/", maxSplits: 1).map(String.init) + [activity]
        return prefix + parts.map(encode).joined(separator: "/")
    }

    /// The course id and activity identifier of a platform IRI, or nil for any other IRI.
    public static func parse(_ iri: String) -> (courseID: String, activity: String)? {
        guard iri.hasPrefix(prefix) else { return nil }
        let parts = iri.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let society = parts[0].removingPercentEncoding, let course = parts[1].removingPercentEncoding,
              let activity = parts[2].removingPercentEncoding, !society.isEmpty, !course.isEmpty, !activity.isEmpty else { return nil }
        return ("\(society)/\(course)", activity)
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// How statements' actors are matched to engineers.
public struct ActorMapping: Sendable {
    /// `account.homePage` of accounts whose `name` is a platform engineer id.
    public var accountHomePage: String
    /// When set (the society API, the LRS), only members of this society are known: statements
    /// about anyone else are stored as unknown actors, and only statements the society may see
    /// (its own credentials stored them, or they are about its members) can be voided.
    public var societyID: String?

    public static let defaultHomePage = "https://learning.ecba.org.cn"

    public init(accountHomePage: String = ActorMapping.defaultHomePage, societyID: String? = nil) {
        self.accountHomePage = accountHomePage
        self.societyID = societyID
    }
}

/// One statement the store reported instead of storing (or, for a conflict, instead of replacing).
public struct StatementProblem: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The id is stored with different content (xAPI: 409 Conflict).
        case conflict
        case unknownActor = "unknown-actor"
        case unknownActivity = "unknown-activity"
        /// A voiding statement names a statement the store does not have.
        case unknownStatement = "unknown-statement"
        /// A voiding statement names another voiding statement.
        case invalidVoid = "invalid-void"
        /// A cmi5 pass below the AU's masteryScore.
        case belowMastery = "below-mastery"
    }

    /// 1-based position in the batch.
    public var index: Int
    public var id: String
    public var kind: Kind
    public var message: String
}

/// What importing a batch of statements did.
public struct StatementImport: Codable, Sendable {
    public var received: Int
    /// The batch's statement ids in order (assigned where a statement had none).
    public var ids: [String]
    public var stored: Int
    /// Same id, same content: nothing changed.
    public var unchanged: Int
    /// Ids of statements voided by this batch.
    public var voided: [String]
    /// Courses this batch completed.
    public var awards: [CreditAward]
    /// Awards taken back because the statements that earned them were voided.
    public var revoked: [CreditAward]
    /// Stored, but about no enrollment (an unknown actor or activity, a cmi5 pass below
    /// mastery): evidence that changes no progress, listed by `ecba progress unmatched`.
    public var unmatched: [StatementProblem]
    public var problems: [StatementProblem]
}

/// Who stored a statement: the LRS sets it as the statement's `authority`.
public struct StatementAuthority: Sendable {
    /// The Agent, as JSON.
    public var agent: String
    /// Its key among the statement's related agents.
    public var key: String
    /// The society whose credential it is; nil for the platform itself (the player, the CLI).
    public var societyID: String?

    public init(agent: String, key: String, societyID: String?) {
        self.agent = agent
        self.key = key
        self.societyID = societyID
    }

    /// The platform: statements of the player and of `ecba progress import`.
    public static let platform = StatementAuthority(
        agent: #"{"account":{"homePage":"https://learning.ecba.org.cn","name":"ecba"},"name":"ECBA","objectType":"Agent"}"#,
        key: "account:https://learning.ecba.org.cn ecba", societyID: nil)

    /// A society's own credential (an API token or an LRS key).
    public static func society(_ societyID: String, credential: String, name: String) -> StatementAuthority {
        let home = "https://learning.ecba.org.cn/xapi/credentials"
        let agent: JSONValue = .object([("account", .object([("homePage", .string(home)), ("name", .string(credential))])),
                                        ("name", .string(name)), ("objectType", .string("Agent"))])
        return StatementAuthority(agent: String(decoding: CanonicalJSON.bytes(agent), as: UTF8.self), key: "account:\(home) \(credential)",
                                  societyID: societyID)
    }
}

/// The xAPI 1.0.3 statement store for course content: the store rules of xAPI-Communication.md,
/// and progress from `completed`, `passed` and `failed` statements.
///
/// - A batch (a JSON array, one statement, or one per line) is checked first: invalid JSON, an
///   invalid statement or two statements with one id refuse the whole batch; nothing is stored.
/// - A stored id with the same content (ignoring `stored`, `authority`, `version` and how the
///   timestamp is written) is a no-op; with different content, a conflict reported for it.
/// - Statements are kept as received (the text of each line) with `stored` set by the platform
///   in its own column: they are evidence.
/// - A `voided` statement stops its target counting: the enrollment's progress is re-folded from
///   what still counts, and an award the target earned is revoked, visibly.
/// - Statements about unknown engineers or activities are stored (an LRS keeps every valid
///   statement) and listed as unmatched; they change no progress.
/// A batch is checked as a whole, then stored in one transaction.
public struct StatementService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    public func importStatements(_ data: Data, mapping: ActorMapping = ActorMapping(), authority: StatementAuthority = .platform,
                                 actor: String) throws(ServiceError) -> StatementImport {
        let now = clock()
        let split = try Self.split(data)
        // One transaction for the batch: all of it is stored, or none (an LRS batch is atomic):
        // an invalid statement or a second use of an id found late rolls back what came before.
        // (Measured: transactions of 10,000 or 50,000 statements were no faster, as every
        // transaction re-reads activity states.) Each attempt parses its own stream: PostgreSQL
        // runs a transaction again from the start when a concurrent one took its place, and a
        // stream the first attempt consumed would give the second nothing to store. On a server
        // database the batch runs on one snapshot (`WriteIsolation.snapshot`): the enrollments
        // whose progress it changes are claimed (`ProgressStore.claim`) and an id stored
        // meanwhile by another import runs it again; serializable tracking of a large batch's
        // reads had concurrent imports give each other up over and over.
        // Its references are to rows it has just read or written (`ReferenceChecks.vouchedFor`).
        return try database.perform(at: now, isolation: .snapshot, references: .vouchedFor) { tx in
            let stream = PreparedStream(split, data: data)
            defer { stream.stop() }
            return try Self.store(count: stream.count, next: stream.next, mapping: mapping, authority: authority, actor: actor, in: tx)
        }
    }

    /// The same, inside a transaction the caller holds, so that the statements commit together
    /// with the caller's own change (the player's run-time values and the results they imply)
    /// or not at all.
    public func importStatements(_ data: Data, mapping: ActorMapping = ActorMapping(), authority: StatementAuthority = .platform, actor: String,
                                 in tx: StoreTransaction) throws -> StatementImport {
        let stream = try Self.prepare(data)
        defer { stream.stop() }
        return try Self.store(count: stream.count, next: stream.next, mapping: mapping, authority: authority, actor: actor, in: tx)
    }

    /// A batch parsed and checked before any transaction: a server parses each request's
    /// statements while another request holds the single writer, which then only stores.
    public struct ParsedBatch: Sendable {
        let statements: [XAPIStatement]
        public var count: Int { statements.count }
    }

    /// Parses and checks a batch (the same checks as `importStatements`); nothing is stored.
    public static func parse(_ data: Data) throws(ServiceError) -> ParsedBatch {
        let stream = try prepare(data)
        defer { stream.stop() }
        var statements: [XAPIStatement] = []
        statements.reserveCapacity(stream.count)
        while let chunk = try stream.next() { statements.append(contentsOf: chunk) }
        return ParsedBatch(statements: statements)
    }

    /// What the store has learned about engineers, enrollments, course versions and activity
    /// states, kept from one transaction to the next by a caller that stores batch after batch
    /// on the one writer (the LRS's POSTs): each statement of a new batch then finds what earlier
    /// batches looked up, as the statements of one file do. It is used only while it still
    /// holds: if anything else was written since it was last updated (another service of this
    /// process, or another process), it starts empty again (`WriteMark`). A caller whose
    /// batch is rolled back after storing must `forget()` it.
    public struct StoreMemory: Sendable {
        var cache = StoreCache()
        var states: [Int64: [String: ActivityState]] = [:]
        /// Each mapping's engineers by actor (a society sees only its members).
        var engineers: [MappingKey: [XAPIStatement.Actor: String?]] = [:]
        /// Where the database stood at `settle` (nil: not settled; `.some(nil)`: settled on a
        /// database that keeps no mark, so the memory is checked by nothing and always emptied).
        var mark: WriteMark??

        /// How many index rows wait in `xapi_statement_index_pending` (nil: not known; asked).
        var pendingIndexRows: Int?

        /// Beyond this many remembered enrollments and states, memory starts again.
        static let limit = 100_000

        public init() {}

        /// Starts empty (after a rollback, or when it no longer holds).
        public mutating func forget() { self = StoreMemory() }

        mutating func takeCache(_ key: MappingKey) -> StoreCache {
            var taken = StoreCache()
            swap(&taken, &cache)
            taken.engineers = engineers.removeValue(forKey: key) ?? [:]
            return taken
        }

        mutating func takeStates() -> [Int64: [String: ActivityState]] {
            var taken: [Int64: [String: ActivityState]] = [:]
            swap(&taken, &states)
            return taken
        }

        mutating func keep(_ store: consuming Store, _ key: MappingKey) {
            engineers[key] = store.cache.engineers
            store.cache.engineers = [:]
            swap(&cache, &store.cache)
            swap(&states, &store.states)
        }

        /// Records where the database stands now that the caller's batch is stored (the store
        /// does so itself; a caller that writes more for the batch, as attachments, again).
        public mutating func settle(in tx: StoreTransaction) throws {
            mark = try tx.writeMark()
        }

        /// Empties itself unless nothing was written since `settle` but index rows a reader
        /// moved in (`readingStatementIndexes`; an empty memory, as a caller's one-off, has
        /// nothing to check).
        mutating func check(in tx: StoreTransaction) throws {
            guard let settled = mark else { return }
            let current = try tx.writeMark()
            var holds = settled != nil && settled == current
            if !holds, let from = settled, let to = current, tx.onlyIndexRowsWritten(from: from, to: to) {
                // A reader moved the waiting rows in: their number is asked again.
                holds = true
                mark = current
                pendingIndexRows = nil
            }
            if !holds || cache.enrollments.count + states.count > Self.limit {
                // Committed keys keep their ids whoever wrote since (`StatementKeys`); a server's
                // memory is not kept at all.
                let keys = settled == nil ? StatementKeys() : cache.keys
                forget()
                cache.keys = keys
            }
            if cache.keys.count > Self.limit { cache.keys = StatementKeys() }
        }

        /// Moves the index rows waiting in `xapi_statement_index_pending` into their indexes once
        /// at least `limit` wait (the caller's transaction, after its batches); answers how many
        /// moved. Their number is kept here as batches add to it, asked only when not known.
        public mutating func movePendingIndexRows(atLeast limit: Int, in tx: StoreTransaction) throws -> Int {
            let pending = try pendingIndexRows ?? tx.pendingIndexRows()
            pendingIndexRows = pending
            guard pending >= limit else { return 0 }
            let moved = try tx.writePendingIndexRows()
            pendingIndexRows = 0
            try settle(in: tx)
            return moved
        }
    }

    struct MappingKey: Hashable {
        var homePage: String
        var societyID: String?
    }

    /// Stores a batch parsed before, inside the caller's transaction, with what earlier batches
    /// learned (see `StoreMemory`). `deferringIndexRows`: on SQLite, the statements' index rows
    /// wait in `xapi_statement_index_pending` for the caller to move them in with others
    /// (`StoreTransaction.writePendingIndexRows`); each reader of the indexes moves them first.
    public func importStatements(_ batch: ParsedBatch, mapping: ActorMapping, authority: StatementAuthority, actor: String, memory: inout StoreMemory,
                                 deferringIndexRows: Bool = false, in tx: StoreTransaction) throws -> StatementImport {
        try memory.check(in: tx)
        let key = MappingKey(homePage: mapping.accountHomePage, societyID: mapping.societyID)
        var remaining: [XAPIStatement]? = batch.statements
        do {
            // What memory holds is handed to the store and back, never copied: the store's first
            // change to a dictionary it shared would copy all of it (measured: a fifth of the LRS
            // writer's time once earlier POSTs had taught it about 20,000 engineers).
            let (result, store) = try Self.store(count: batch.count, next: { () throws(ServiceError) -> [XAPIStatement]? in
                defer { remaining = nil }
                return remaining
            }, mapping: mapping, authority: authority, actor: actor, cache: memory.takeCache(key), states: memory.takeStates(),
               deferringIndexRows: deferringIndexRows && tx.sql.dialect == .sqlite, in: tx)
            let deferred = store.deferredIndexRows
            memory.keep(store, key)
            memory.pendingIndexRows = memory.pendingIndexRows.map { $0 + deferred }
            try memory.settle(in: tx)
            return result
        } catch {
            memory.forget()
            throw error
        }
    }

    /// Stored statements about no enrollment, newest first, for an operator to follow up (an
    /// engineer not yet added, a course not yet enrolled in, an actor the mapping misses).
    public func unmatched(limit: Int) throws(ServiceError) -> (statements: [UnmatchedStatement], total: Int) {
        try database.unmatchedStatements(limit: limit)
    }

    /// Statements are parsed on worker threads while the store takes the chunks before them.
    static func prepare(_ data: Data) throws(ServiceError) -> PreparedStream {
        PreparedStream(try split(data), data: data)
    }

    /// A batch's statements located (a JSON array's values, or the lines), not yet parsed.
    static func split(_ data: Data) throws(ServiceError) -> XAPIStatement.Batch {
        do { return try XAPIStatement.split(data) } catch {
            throw ServiceError(.invalidArgument, "\(error.message); nothing was stored")
        }
    }

    /// Stores the chunks `next` gives, in order, until it gives nil.
    static func store(count: Int, next: () throws(ServiceError) -> [XAPIStatement]?, mapping: ActorMapping, authority: StatementAuthority, actor: String,
                      in tx: StoreTransaction) throws -> StatementImport {
        try store(count: count, next: next, mapping: mapping, authority: authority, actor: actor, cache: StoreCache(), states: [:], in: tx).result
    }

    /// The same, starting from what is already known; answers the store too, with what it learned.
    static func store(count: Int, next: () throws(ServiceError) -> [XAPIStatement]?, mapping: ActorMapping, authority: StatementAuthority, actor: String,
                      cache: consuming StoreCache, states: consuming [Int64: [String: ActivityState]], deferringIndexRows: Bool = false,
                      in tx: StoreTransaction) throws -> (result: StatementImport, store: Store) {
        var store = Store(tx: tx, mapping: mapping, authority: authority, cache: cache)
        swap(&store.states, &states)
        var result = StatementImport(received: count, ids: [], stored: 0, unchanged: 0, voided: [], awards: [], revoked: [],
                                     unmatched: [], problems: [])
        result.ids.reserveCapacity(count)
        var seen = Set<String>(minimumCapacity: count)
        var index = 0
        while let chunk = try next() {
            if tx.sql.dialect != .sqlite { try store.prepareServerChunk(chunk) }
            // Each statement borrowed from the chunk, not copied (a copy retains and releases
            // every one of its texts), and the chunk freed on another thread once stored.
            try chunk.withUnsafeBufferPointer { statements in
                for position in statements.indices {
                    index += 1
                    let id = statements[position].id
                    guard seen.insert(id).inserted else {
                        throw ServiceError(.invalidArgument, "statement \(index): id \(id) appears twice in the batch; the batch is refused, nothing was stored")
                    }
                    result.ids.append(id)
                    try store.take(statements[position], index: index, into: &result)
                    if store.indexRows.count >= 1_000_000 {
                        try store.flushWrites()
                        try tx.writeIndexRows(&store.indexRows, keys: &store.cache.keys)
                    }
                }
            }
            Discard.shared.drop(consume chunk)
        }
        try store.flushWrites()
        if deferringIndexRows {
            store.deferredIndexRows += try tx.deferIndexRows(&store.indexRows, keys: &store.cache.keys)
        } else {
            try tx.writeIndexRows(&store.indexRows, keys: &store.cache.keys)
        }
        try tx.audit(AuditRecord(
            actor: actor, action: "xapi.import", subject: "xapi:batch",
            details: ["received": String(result.received), "stored": String(result.stored), "unchanged": String(result.unchanged),
                      "voided": String(result.voided.count), "problems": String(result.problems.count), "unmatched": String(result.unmatched.count),
                      "awards": String(result.awards.count), "revoked": String(result.revoked.count)]
        ))
        return (result, store)
    }

    /// A course version as statements about it need it; shared by reference, as every statement
    /// of a batch names one (copying the package per statement cost more than storing it).
    final class PackageEntry: Sendable {
        let package: CoursePackage
        /// Launchable activities by identifier.
        let activities: [String: Activity]
        let required: [Activity]

        init(package: CoursePackage, activities: [String: Activity], required: [Activity]) {
            self.package = package
            self.activities = activities
            self.required = required
        }
    }

    /// What a batch keeps looking up.
    struct StoreCache: Sendable {
        var engineers: [XAPIStatement.Actor: String?] = [:]
        var packages: [Int64: PackageEntry] = [:]
        var enrollments: [UUID: Enrollment] = [:]
        /// Each engineer's enrollments that are not withdrawn, newest first (for statements
        /// without a registration): looked up once per engineer and batch, not per statement.
        var current: [String: [Enrollment]] = [:]
        var platformIRIs: [String: (courseID: String, activity: String)?] = [:]
        /// The ids of the statement indexes' keys met so far.
        var keys = StatementKeys()
    }

    /// The per-batch state of the store: caches of what statements keep naming.
    struct Store {
        let tx: StoreTransaction
        let mapping: ActorMapping
        let authority: StatementAuthority
        var cache: StoreCache
        var states: [Int64: [String: ActivityState]] = [:]
        /// The index rows of the statements stored so far, written when the call ends.
        var indexRows = StatementIndexRows()
        /// How many of them were left in `xapi_statement_index_pending` (`deferringIndexRows`).
        var deferredIndexRows = 0
        /// On a server database: what the chunk being stored needs (`prepareServerChunk`).
        var server: ServerChunk?
        /// On a server database: the progress rows of the statements not yet written.
        var progress: ProgressWrites?

        /// A server database's chunk, prepared in a few round trips rather than several per
        /// statement (each one waited for is a network round trip there; on SQLite a lookup is a
        /// function call): the ids already stored, rowids reserved for the rest, and the rows
        /// not yet sent, which go in multi-row INSERTs before anything reads the table.
        struct ServerChunk {
            var stored: Set<String> = []
            var rowids: [Int64] = []
            var pending: [(rowid: Int64, row: StatementRow)] = []
        }

        init(tx: StoreTransaction, mapping: ActorMapping, authority: StatementAuthority, cache: consuming StoreCache) {
            self.tx = tx
            self.mapping = mapping
            self.authority = authority
            self.cache = StoreCache()
            swap(&self.cache, &cache)
        }

        /// The row of a statement, as the LRS keeps it.
        func row(_ statement: XAPIStatement, engineerID: String?, enrollmentID: Int64? = nil, activity: String? = nil, voids: String? = nil,
                 unmatched: StatementProblem.Kind? = nil) -> StatementRow {
            StatementRow(id: statement.id, signature: statement.signature, body: statement.body, verb: statement.verb, engineerID: engineerID,
                         enrollmentID: enrollmentID, activity: activity, voids: voids, targets: statement.targets, registration: statement.registrationText,
                         authority: authority.agent, authorityKey: authority.key, societyID: authority.societyID, unmatched: unmatched?.rawValue,
                         agents: statement.agents, activities: statement.activities)
        }

        mutating func take(_ statement: XAPIStatement, index: Int, into result: inout StatementImport) throws {
            func problem(_ kind: StatementProblem.Kind, _ message: String) {
                result.problems.append(StatementProblem(index: index, id: statement.id, kind: kind, message: message))
            }
            /// The store rule for an id that is stored already: same content, no-op; else conflict.
            func alreadyStored() throws -> Bool {
                try flushWrites()
                guard let existing = try tx.statement(statement.id) else { return false }
                if existing.signature == statement.signature {
                    result.unchanged += 1
                } else {
                    problem(.conflict, "statement \(statement.id) is already stored with different content")
                }
                return true
            }
            /// A valid statement about no enrollment: stored (an LRS keeps every valid statement)
            /// and listed as unmatched; changes no progress. A stored id is the store rule's case.
            func unmatched(_ kind: StatementProblem.Kind, engineerID: String?, _ message: @autoclosure () -> String) throws {
                if try insert(row(statement, engineerID: engineerID, unmatched: kind)) {
                    result.stored += 1
                    result.unmatched.append(StatementProblem(index: index, id: statement.id, kind: kind, message: message()))
                } else {
                    _ = try alreadyStored()
                }
            }
            if statement.verb == XAPIStatement.voided {
                if try alreadyStored() { return }
                guard let target = try tx.statement(statement.objectID),
                      try mapping.societyID.map({ try tx.isStatement(target.id, visibleTo: $0) }) ?? true
                else {
                    // xAPI-Data 2.3.2: not refused for a target the LRS does not have; kept, voiding nothing.
                    try unmatched(.unknownStatement, engineerID: try engineerID(statement.actor),
                                  "voids statement \(statement.objectID), which is not stored: it voids nothing")
                    return
                }
                guard target.verb != XAPIStatement.voided else {
                    problem(.invalidVoid, "statement \(target.id) is itself a voiding statement and cannot be voided")
                    return
                }
                let engineer = try engineerID(statement.actor)
                try insert(row(statement, engineerID: engineer, voids: target.id))
                result.stored += 1
                guard target.voidedBy == nil else { return }
                try flushWrites()
                try tx.voidStatement(target.id, by: statement.id)
                result.voided.append(target.id)
                if let enrollmentID = target.enrollmentID {
                    // The enrollment's state is rebuilt from the database: forget what the batch cached.
                    states[enrollmentID] = nil
                    cache.enrollments = cache.enrollments.filter { $0.value.id != enrollmentID }
                    cache.current = cache.current.filter { !$0.value.contains { $0.id == enrollmentID } }
                }
                if let enrollmentID = target.enrollmentID,
                   let revoked = try ProgressService.refold(
                       enrollmentID: enrollmentID, reason: "statement \(target.id) was voided by \(statement.id)",
                       actor: "xapi:\(statement.id)", tx
                   ) {
                    result.revoked.append(revoked)
                }
                return
            }
            // A stored id is found by the insert (new ids, nearly all of a batch, need no lookup);
            // a statement the store would refuse is looked up first, as a stored one is a no-op.
            guard let engineer = try engineerID(statement.actor) else {
                try unmatched(.unknownActor, engineerID: nil, "no engineer matches the actor (\(Self.describe(statement.actor)))")
                return
            }
            guard let (enrollment, package, activity) = try resolve(statement, engineerID: engineer) else {
                // Evidence within an enrollment (its registration) about something other than one
                // of its activities (a page, a question, a cmi5 block or the course): about the
                // enrollment, with no progress. A result verb about an unknown activity is listed.
                if XAPIStatement.outcomes[statement.verb] == nil, let registration = statement.registration,
                   let enrollment = try enrollment(registration: registration), enrollment.engineerID == engineer, enrollment.status != .withdrawn {
                    if try insert(row(statement, engineerID: engineer, enrollmentID: enrollment.id)) {
                        result.stored += 1
                    } else {
                        _ = try alreadyStored()
                    }
                    return
                }
                try unmatched(.unknownActivity, engineerID: engineer,
                              (statement.objectID.isEmpty ? "the statement's object is not an activity" : "'\(statement.objectID)' is not an activity")
                              + " of a course '\(engineer)' is enrolled in"
                              + (statement.registrationText.map { " (registration \($0))" } ?? ""))
                return
            }
            let outcome = XAPIStatement.outcomes[statement.verb]
            if outcome == .passed, package.package.format == .cmi5, let mastery = activity.masteryThreshold, (statement.score ?? -1) < mastery {
                try unmatched(.belowMastery, engineerID: engineer, "cmi5: 'passed' needs result.score.scaled of at least the masteryScore \(mastery)")
                return
            }
            guard try insert(row(statement, engineerID: engineer, enrollmentID: enrollment.id, activity: activity.identifier)) else {
                _ = try alreadyStored()
                return
            }
            result.stored += 1
            guard let outcome else { return }
            var current: [String: ActivityState]
            if let known = states.removeValue(forKey: enrollment.id) {
                current = known
            } else {
                try flushWrites()
                current = try ProgressStore.activityStatesToChange(enrollmentID: enrollment.id, in: tx)
            }
            let report = try ProgressService.apply(
                ProgressService.ProgressResult(
                    activity: activity, outcome: outcome, score: statement.score, durationSeconds: statement.durationSeconds,
                    at: statement.timestamp ?? tx.now
                ),
                enrollment: enrollment, package: package.package, required: package.required, states: &current, source: "xapi",
                statementID: statement.id, auditActor: nil, writes: progress, tx
            )
            states[enrollment.id] = current
            if report.enrollment.status != enrollment.status {
                cache.enrollments[report.enrollment.registration] = report.enrollment
                if let list = cache.current[report.enrollment.engineerID], let at = list.firstIndex(where: { $0.id == report.enrollment.id }) {
                    cache.current[report.enrollment.engineerID]?[at] = report.enrollment
                }
            }
            if let award = report.award { result.awards.append(award) }
        }

        /// Stores a statement's row unless its id is stored already; true when it was stored.
        @discardableResult
        mutating func insert(_ row: StatementRow) throws -> Bool {
            guard var chunk = server else { return try tx.insertStatement(row, index: &indexRows, keys: cache.keys) }
            server = nil
            defer { server = chunk }
            if chunk.stored.contains(row.id) { return false }
            if chunk.rowids.isEmpty { chunk.rowids = try tx.reserveStatementRowids(64).reversed() }
            guard let rowid = chunk.rowids.popLast() else { throw ServiceError(.storage, "no rowid was reserved for statement \(row.id)") }
            chunk.stored.insert(row.id)
            chunk.pending.append((rowid, row))
            indexRows.add(row, rowid: rowid, keys: cache.keys)
            // A chunk's rows are sent once the next chunk is prepared (`prepareServerChunk`);
            // this bound, twice a chunk, only caps what a caller's batch may hold.
            if chunk.pending.count >= 8_192 {
                try tx.insertStatements(chunk.pending)
                chunk.pending.removeAll(keepingCapacity: true)
            }
            return true
        }

        /// Sends the progress and statement rows not yet written (before anything reads
        /// `xapi_statement` or the progress tables). The statements go last: a copy returns once
        /// the server has begun it, that is, once what was sent before has run, so the largest
        /// one last is the one the server works on while the caller goes on. Between chunks
        /// (`statesFrom`) the activity states wait until that many are gathered: an engineer's
        /// activity changes again and again over a large import from few engineers, and each
        /// upsert costs the server a row version (nothing reads them before: the states of
        /// enrollments the store has written are in memory, and a voiding flushes everything).
        mutating func flushWrites(statesFrom: Int = 0) throws {
            guard var chunk = server else { return }
            if let progress, !progress.isEmpty { try ProgressStore.flush(progress, statesFrom: statesFrom, in: tx) }
            if !chunk.pending.isEmpty {
                try tx.insertStatements(chunk.pending)
                chunk.pending.removeAll(keepingCapacity: true)
                server = chunk
            }
        }

        /// Prepares a chunk on a server database: which of its ids are stored, rowids for the
        /// rest, and the engineers, enrollments and activity states its statements name, each read
        /// in one query for the chunk into the caches the statements then find them in. Then the
        /// rows of the chunk before go, not waited for: the server stores them while this one is
        /// taken. Reading first is safe: a batch names an id once, and the states read are those
        /// of enrollments this transaction has not written yet (the others are known).
        mutating func prepareServerChunk(_ statements: [XAPIStatement]) throws {
            if server == nil {
                // A result's progress event names its statement, whose row is sent later with
                // the chunk's others: the reference is checked at the commit.
                try tx.sql.execute("SET CONSTRAINTS progress_event_statement_id_fkey DEFERRED", [])
                progress = ProgressWrites()
            }
            var next = ServerChunk()
            next.stored = try tx.storedStatementIDs(statements.map(\.id))
            next.rowids = try tx.reserveStatementRowids(statements.count - next.stored.count).reversed()
            // Engineers of the actors not seen yet.
            var emails: [String] = [], names: [String] = []
            for statement in statements where cache.engineers[statement.actor] == nil {
                switch statement.actor {
                case .mbox(let email): emails.append(email)
                case .account(let home, let name) where home == mapping.accountHomePage: names.append(name)
                default: break
                }
            }
            let byEmail = try EngineerStore.engineerIDs(emails: Set(emails), on: tx.sql)
            let byName = try EngineerStore.existingIDs(Set(names), on: tx.sql)
            let members = try mapping.societyID.map { try EngineerStore.members(of: $0, among: Set(byEmail.values).union(byName), on: tx.sql) }
            for statement in statements where cache.engineers[statement.actor] == nil {
                var found: String?
                switch statement.actor {
                case .mbox(let email): found = byEmail[email]
                case .account(let home, let name): found = home == mapping.accountHomePage && byName.contains(name) ? name : nil
                case .other: found = nil
                }
                if let members, let engineer = found, !members.contains(engineer) { found = nil }
                cache.engineers[statement.actor] = .some(found)
            }
            // The current enrollments of those engineers whose statements have no registration,
            // the enrollments the registrations name, and the activity states of both.
            var engineers = Set<String>(), registrations = Set<UUID>()
            for statement in statements {
                if let registration = statement.registration {
                    if cache.enrollments[registration] == nil { registrations.insert(registration) }
                } else if let engineer = cache.engineers[statement.actor] ?? nil, cache.current[engineer] == nil {
                    engineers.insert(engineer)
                }
            }
            var enrollmentIDs = Set<Int64>()
            let current = try EnrollmentStore.current(engineerIDs: engineers, on: tx.sql)
            for engineer in engineers {
                cache.current[engineer] = current[engineer] ?? []
                enrollmentIDs.formUnion((current[engineer] ?? []).map(\.id))
            }
            for enrollment in try EnrollmentStore.enrollments(registrations: registrations, on: tx.sql) {
                cache.enrollments[enrollment.registration] = enrollment
                enrollmentIDs.insert(enrollment.id)
            }
            states.merge(try ProgressStore.activityStatesToChange(enrollmentIDs: enrollmentIDs.filter { states[$0] == nil }, in: tx)) { known, _ in known }
            try flushWrites(statesFrom: 4_096)
            server = next
        }

        mutating func engineerID(_ actor: XAPIStatement.Actor) throws -> String? {
            if let cached = cache.engineers[actor] { return cached }
            var found: String?
            switch actor {
            case .mbox(let email): found = try EngineerStore.engineerID(email: email, on: tx.sql)
            case .account(let home, let name): found = home == mapping.accountHomePage ? try EngineerStore.engineerID(id: name, on: tx.sql) : nil
            case .other: found = nil
            }
            if let society = mapping.societyID, let engineer = found, !(try EngineerStore.isMember(engineerID: engineer, societyID: society, on: tx.sql)) {
                found = nil
            }
            cache.engineers[actor] = found
            return found
        }

        mutating func package(_ submissionID: Int64) throws -> PackageEntry? {
            if let cached = cache.packages[submissionID] { return cached }
            guard let package = try tx.submission(submissionID)?.package else { return nil }
            let launchable = package.activities.flattened.filter(\.isLaunchable)
            let entry = PackageEntry(
                package: package, activities: Dictionary(launchable.map { ($0.identifier, $0) }, uniquingKeysWith: { first, _ in first }),
                required: CompletionRule.requiredActivities(package)
            )
            cache.packages[submissionID] = entry
            return entry
        }

        mutating func enrollment(registration: UUID) throws -> Enrollment? {
            if let cached = cache.enrollments[registration] { return cached }
            let found = try EnrollmentStore.enrollment(registration: registration, on: tx.sql)
            if let found { cache.enrollments[registration] = found }
            return found
        }

        /// The enrollment, package and activity a statement is about: by registration when it
        /// has one, else by the course in a platform IRI, else by the package's own activity id.
        mutating func resolve(_ statement: XAPIStatement, engineerID: String) throws -> (Enrollment, PackageEntry, Activity)? {
            let platform: (courseID: String, activity: String)?
            if let cached = cache.platformIRIs[statement.objectID] {
                platform = cached
            } else {
                platform = ActivityIRI.parse(statement.objectID)
                cache.platformIRIs[statement.objectID] = platform
            }
            var candidates: [Enrollment] = []
            if let registration = statement.registration {
                guard let enrollment = try enrollment(registration: registration), enrollment.engineerID == engineerID,
                      enrollment.status != .withdrawn else { return nil }
                candidates = [enrollment]
            } else {
                // The newest current enrollment per course is the one a statement without a
                // registration is about (as `currentEnrollment(engineerID:courseID:)` picks it).
                if cache.current[engineerID] == nil { cache.current[engineerID] = try EnrollmentStore.current(engineerID: engineerID, on: tx.sql) }
                let current = cache.current[engineerID] ?? []
                if let platform {
                    candidates = current.first { $0.courseID == platform.courseID }.map { [$0] } ?? []
                } else {
                    candidates = current
                }
            }
            for enrollment in candidates {
                if let platform, platform.courseID != enrollment.courseID { continue }
                guard let entry = try package(enrollment.submissionID) else { continue }
                if let activity = entry.activities[platform?.activity ?? statement.objectID] {
                    return (enrollment, entry, activity)
                }
            }
            return nil
        }

        static func describe(_ actor: XAPIStatement.Actor) -> String {
            switch actor {
            case .mbox(let email): "mbox mailto:\(email)"
            case .account(let home, let name): "account \(name) at \(home)"
            case .other(let kind): "\(kind), which the platform does not map"
            }
        }
    }
}
