import Crypto
import Domain
import Foundation
import Societies
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// How deliveries are paced.
public struct SyncPolicy: Sendable {
    public var batchSize: Int
    /// After this many attempts a record is parked as failed (a dead letter).
    public var maxAttempts: Int
    /// The first retry waits about this long; each further one twice as long, up to `backoffCap`,
    /// with jitter (between half and all of it).
    public var backoffBase: TimeInterval
    public var backoffCap: TimeInterval
    public var timeout: TimeInterval

    public init(batchSize: Int = 100, maxAttempts: Int = 10, backoffBase: TimeInterval = 2, backoffCap: TimeInterval = 600, timeout: TimeInterval = 30) {
        self.batchSize = batchSize
        self.maxAttempts = maxAttempts
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.timeout = timeout
    }

    /// The wait before attempt `attempt + 1`, jittered.
    public func backoff(afterAttempt attempt: Int) -> TimeInterval {
        let full = min(backoffCap, backoffBase * pow(2, Double(max(0, attempt - 1))))
        return Double.random(in: (full / 2)...max(full / 2, full))
    }
}

/// What one `sync run` did.
public struct SyncRunSummary: Codable, Sendable, Equatable {
    public var delivered = 0
    public var attempts = 0
    public var failedAttempts = 0
    /// Records parked as failed during this run.
    public var parked = 0
    public var superseded = 0
    /// Societies skipped, and why (e.g. an unreadable token file).
    public var skipped: [String: String] = [:]
}

/// Registry sync: transcript record versions go from the outbox (written in the same transaction
/// as the change, by triggers) to each society's registry, in batches, at least once on the wire
/// and exactly once in effect (each record carries a key stable per record version).
public struct SyncService: Sendable {
    let database: AppDatabase
    let client: any RegistryClient
    let policy: SyncPolicy
    let clock: @Sendable () -> Date
    /// `host/pid/uuid`: who holds a claim, and whether that process still lives.
    public let runID: String

    public init(database: AppDatabase, client: any RegistryClient = HTTPRegistryClient(), policy: SyncPolicy = SyncPolicy(), clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.client = client
        self.policy = policy
        self.clock = clock
        runID = "\(Self.hostName)/\(getpid())/\(UUID().uuidString.lowercased())"
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Sets a society's registry and queues its members' standing records for it.
    public func setRegistry(_ config: RegistryConfig, actor: String) throws(ServiceError) -> Int {
        guard let url = URL(string: config.url), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw ServiceError(.invalidArgument, "the registry URL '\(config.url)' is not an http(s) URL", field: "url")
        }
        _ = try Self.token(config.tokenFile)
        return try database.perform(at: clock()) { tx in
            guard let society = try SocietyStore.society(config.societyID, on: tx.sql) else { throw ServiceError(.notFound, "no society '\(config.societyID)'") }
            guard society.status == .authorized else {
                throw ServiceError(.notAuthorized, "society '\(config.societyID)' is \(society.status.rawValue); only an authorised society has a registry")
            }
            let queued = try tx.setRegistry(config)
            try tx.audit(AuditRecord(
                actor: actor, action: "society.set-registry", subject: "society:\(config.societyID)",
                details: ["url": config.url, "format": config.format.rawValue, "queued": String(queued)]
            ))
            return queued
        }
    }

    /// Reads a bearer token from its file (first line, trimmed).
    static func token(_ path: String) throws(ServiceError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError(.invalidArgument, "cannot read the registry token file '\(path)'")
        }
        let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw ServiceError(.invalidArgument, "the registry token file '\(path)' holds no usable token")
        }
        return token
    }

    /// How often a run waiting only on rows another run holds looks again (seconds).
    static let heldElsewherePoll: TimeInterval = 0.25

    /// Delivers what is due, society by society, batch by batch. With `untilDone`, waits for
    /// records scheduled later (backoff, Retry-After) until every one is delivered or parked.
    public func run(societyID: String? = nil, untilDone: Bool = false, progress: @Sendable (String) -> Void = { _ in }) async throws(ServiceError) -> SyncRunSummary {
        var summary = SyncRunSummary()
        try releaseDeadClaims()
        let configs = try database.registries().filter { societyID == nil || $0.societyID == societyID }
        if let societyID, configs.isEmpty { throw ServiceError(.notFound, "society '\(societyID)' has no registry", remedy: .setRegistry) }
        for config in configs {
            let token: String
            do { token = try Self.token(config.tokenFile) } catch {
                summary.skipped[config.societyID] = error.message
                progress("\(config.societyID): skipped: \(error.message)")
                continue
            }
            guard let url = URL(string: config.url) else {
                summary.skipped[config.societyID] = "bad URL"
                continue
            }
            while true {
                let now = clock()
                let items = try database.perform(at: now) { tx in
                    try tx.claimOutbox(
                        societyID: config.societyID, runID: runID, leaseUntil: now.addingTimeInterval(policy.timeout + 60), limit: policy.batchSize
                    )
                }
                if items.isEmpty {
                    guard untilDone, let next = try database.nextAttempt(societyID: config.societyID, at: clock()) else { break }
                    // Rows another run holds are looked at again soon: it delivers them, or dies and is found so.
                    let due = next.due.map { $0.timeIntervalSince(clock()) } ?? .infinity
                    let wait = min(max(0.005, next.heldElsewhere ? min(due, Self.heldElsewherePoll) : due), policy.backoffCap)
                    if next.heldElsewhere { try releaseDeadClaims() }
                    try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                    continue
                }
                try await deliver(items, config: config, url: url, token: token, summary: &summary, progress: progress)
            }
        }
        return summary
    }

    func deliver(
        _ items: [OutboxItem], config: RegistryConfig, url: URL, token: String, summary: inout SyncRunSummary, progress: @Sendable (String) -> Void
    ) async throws(ServiceError) {
        let body = Self.body(items.map(\.record), format: config.format)
        let ids = items.map(\.outboxID)
        let batchKey = SHA256.hash(data: Data(items.map(\.record.idempotencyKey).joined(separator: "\n").utf8))
            .map { String(format: "%02x", $0) }.joined()
        let started = ContinuousClock.now
        let answer = await client.deliver(RegistryDelivery(
            url: url, token: token, contentType: config.format == .json ? "application/json" : "text/csv; charset=utf-8",
            idempotencyKey: "batch-" + batchKey, body: body, timeout: policy.timeout
        ))
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        summary.attempts += 1
        let payload = String(decoding: body, as: UTF8.self)
        let now = clock()
        switch answer {
        case .accepted(let status):
            let marked = try database.perform(at: now) { tx in
                let marked = try tx.markDelivered(ids, runID: runID)
                try tx.recordAttempt(
                    societyID: config.societyID, runID: runID, outboxIDs: ids, httpStatus: status, error: nil, durationMilliseconds: milliseconds,
                    payload: payload
                )
                return marked
            }
            summary.delivered += marked
            progress("\(config.societyID): delivered \(marked) record(s) (HTTP \(status), \(Int(milliseconds)) ms)")
        case .refused, .unreachable:
            summary.failedAttempts += 1
            let (status, error, retryAfter): (Int?, String, TimeInterval?) = switch answer {
            case .refused(let status, let retryAfter, let message): (status, "HTTP \(status)" + (message.isEmpty ? "" : ": \(message)"), retryAfter)
            case .unreachable(let reason): (nil, reason, nil)
            case .accepted: (nil, "", nil)
            }
            let attempt = (items.map(\.attempts).max() ?? 0) + 1
            let wait = max(retryAfter ?? 0, policy.backoff(afterAttempt: attempt))
            let parked = try database.perform(at: now) { tx in
                try tx.markFailed(ids, runID: runID, error: error, next: now.addingTimeInterval(wait), countAttempt: true, maxAttempts: policy.maxAttempts)
                try tx.recordAttempt(
                    societyID: config.societyID, runID: runID, outboxIDs: ids, httpStatus: status, error: error, durationMilliseconds: milliseconds,
                    payload: payload
                )
                return attempt >= policy.maxAttempts ? ids.count : 0
            }
            summary.parked += parked
            progress("\(config.societyID): \(items.count) record(s) not delivered (\(error)); "
                     + (parked > 0 ? "parked as failed after \(attempt) attempts" : "next attempt in \(String(format: "%.1f", wait)) s"))
        }
    }

    /// The batch as the registry contract says (docs/registry-contract.md).
    static func body(_ records: [RegistryRecord], format: RegistryFormat) -> Data {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(["records": records])) ?? Data()
        case .csv:
            var text = CSVText.row([
                "idempotency_key", "record_id", "version", "status", "engineer_id", "member_number", "course_id", "course_version",
                "course_title", "hours", "unit", "category", "completed_at", "credential_id",
            ])
            for record in records {
                text += CSVText.row([
                    record.idempotencyKey, String(record.recordId), String(record.version), record.status.rawValue, record.engineer.id,
                    record.engineer.memberNumber, record.course.id, String(record.course.version), record.course.title, String(record.hours),
                    record.unit, record.category.rawValue, record.completedAt, record.credentialId,
                ])
            }
            return Data(text.utf8)
        }
    }

    /// Claims held by runs of this host whose process has ended are released at once (a run
    /// killed mid-batch); claims of other hosts wait for their lease to end.
    func releaseDeadClaims() throws(ServiceError) {
        let holders = try database.activeClaimHolders(at: clock())
        let dead = holders.filter { holder in
            let parts = holder.split(separator: "/")
            guard parts.count == 3, parts[0] == Self.hostName, let pid = Int32(parts[1]), pid != getpid() else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        guard !dead.isEmpty else { return }
        _ = try database.perform(at: clock()) { tx in try tx.releaseClaims(heldBy: dead) }
    }

    public func status() throws(ServiceError) -> [SocietySyncStatus] {
        try database.syncStatus(at: clock())
    }

    /// Re-queues parked records (of one society, or the given outbox ids), audited.
    public func retry(societyID: String?, ids: [Int64], actor: String) throws(ServiceError) -> Int {
        try database.perform(at: clock()) { tx in
            let count = try tx.requeueFailed(societyID: societyID, ids: ids)
            try tx.audit(AuditRecord(
                actor: actor, action: "sync.retry", subject: societyID.map { "society:\($0)" } ?? "sync",
                details: ["requeued": String(count), "ids": ids.map(String.init).joined(separator: " ")]
            ))
            return count
        }
    }
}
