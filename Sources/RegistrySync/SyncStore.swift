import Domain
import Foundation
import Storage

/// The SQL of the registry tables (`society_registry`, `sync_outbox`, `sync_attempt`), which this
/// module owns, on the connections the storage kernel lends. The outbox is filled in the
/// transaction of each change that calls for a delivery (`RegistryOutbox.swift`), and here when a
/// society sets its registry.
extension StoreTransaction {
    /// Sets (or replaces) a society's registry, and queues every standing record of its members
    /// that this registry has not had yet.
    func setRegistry(_ config: RegistryConfig) throws -> Int {
        try sql.execute(
            """
            INSERT INTO society_registry (society_id, url, token_file, format, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (society_id) DO UPDATE SET url = excluded.url, token_file = excluded.token_file,
                format = excluded.format, updated_at = excluded.updated_at
            """,
            [.text(config.societyID), .text(config.url), .text(config.tokenFile), .text(config.format.rawValue), .text(stamp)]
        )
        return try sql.execute(
            """
            INSERT INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
            SELECT m.society_id, a.id, a.record_version, 'pending', ?, ?
            FROM society_membership m JOIN credit_award a ON a.engineer_id = m.engineer_id
            WHERE m.society_id = ? AND a.revoked_at IS NULL
            ON CONFLICT DO NOTHING
            """,
            [.text(stamp), .text(stamp), .text(config.societyID)]
        )
    }

    /// Claims up to `limit` due rows of the society for `runID` until `leaseUntil`, after marking
    /// rows whose record has a newer version as superseded. Returns them with their records.
    /// On PostgreSQL the claim skips rows another worker's open transaction holds (`FOR UPDATE
    /// SKIP LOCKED`), so workers sharing the database take disjoint batches without waiting; on
    /// SQLite the one writer at a time does the same.
    func claimOutbox(societyID: String, runID: String, leaseUntil: Date, limit: Int) throws -> [OutboxItem] {
        try sql.execute(
            """
            UPDATE sync_outbox SET status = 'superseded', claimed_by = NULL, claimed_until = NULL
            WHERE society_id = ? AND status = 'pending'
              AND record_version < (SELECT a.record_version FROM credit_award a WHERE a.id = sync_outbox.award_id)
            """,
            [.text(societyID)]
        )
        let lock = sql.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
        var ids: [Int64] = []
        try sql.query(
            """
            UPDATE sync_outbox SET claimed_by = ?, claimed_until = ?
            WHERE id IN (
                SELECT id FROM sync_outbox
                WHERE society_id = ? AND status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                ORDER BY id LIMIT ?\(lock)
            )
            RETURNING id
            """,
            [.text(runID), .text(leaseUntil.iso8601), .text(societyID), .text(stamp), .text(stamp), .integer(Int64(limit))]
        ) { row in if let id = row.int64(0) { ids.append(id) } }
        guard !ids.isEmpty else { return [] }
        return try sql.rows(
            """
            SELECT o.id, o.attempts, a.revoked_at, o.record_version, \(RegistryRecord.columnsAfterVersion)
            FROM sync_outbox o JOIN credit_award a ON a.id = o.award_id
            JOIN society_membership m ON m.engineer_id = a.engineer_id AND m.society_id = o.society_id
            JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id
            WHERE o.id IN (\(ids.map(String.init).joined(separator: ",")))
            ORDER BY o.id
            """
        ).map { row in
            guard let outboxID = row.int64(0), let attempts = row.int64(1) else { throw ServiceError(.storage, "an outbox row is unreadable") }
            let status: TranscriptRecord.Status = row.text(2) == nil ? .active : .revoked
            return OutboxItem(outboxID: outboxID, attempts: Int(attempts), record: try RegistryRecord(row, at: 3, status: status))
        }
    }

    /// Marks claimed rows delivered (only while this run still holds them).
    func markDelivered(_ ids: [Int64], runID: String) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try sql.execute(
            """
            UPDATE sync_outbox SET status = 'delivered', delivered_at = ?, claimed_by = NULL, claimed_until = NULL, last_error = NULL
            WHERE claimed_by = ? AND id IN (\(ids.map(String.init).joined(separator: ",")))
            """,
            [.text(stamp), .text(runID)]
        )
    }

    /// After a failed attempt: one more attempt counted, the next one not before `next`, or
    /// parked as failed when `park` (a dead letter, with its last error).
    func markFailed(_ ids: [Int64], runID: String, error: String, next: Date, countAttempt: Bool, maxAttempts: Int) throws {
        guard !ids.isEmpty else { return }
        let counted: SQLValue = .integer(countAttempt ? 1 : 0)
        try sql.execute(
            """
            UPDATE sync_outbox SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL,
                status = CASE WHEN attempts + ? >= ? THEN 'failed' ELSE 'pending' END
            WHERE claimed_by = ? AND id IN (\(ids.map(String.init).joined(separator: ",")))
            """,
            [counted, .text(error), .text(next.iso8601), counted, .integer(Int64(maxAttempts)), .text(runID)]
        )
    }

    func recordAttempt(
        societyID: String, runID: String, outboxIDs: [Int64], httpStatus: Int?, error: String?, durationMilliseconds: Double, payload: String
    ) throws {
        try sql.execute(
            """
            INSERT INTO sync_attempt (society_id, run_id, at, outbox_ids, records, http_status, error, duration_ms, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(societyID), .text(runID), .text(stamp), .text(outboxIDs.map(String.init).joined(separator: ",")), .integer(Int64(outboxIDs.count)),
             SQLValue(httpStatus), SQLValue(error), .real(durationMilliseconds), .text(payload)]
        )
    }

    /// Releases claims whose holder is gone (its process ended), so their rows are sent again.
    func releaseClaims(heldBy runIDs: [String]) throws -> Int {
        guard !runIDs.isEmpty else { return 0 }
        return try sql.execute(
            "UPDATE sync_outbox SET claimed_by = NULL, claimed_until = NULL WHERE status = 'pending' AND claimed_by IN (\(runIDs.map { _ in "?" }.joined(separator: ",")))",
            runIDs.map(SQLValue.text)
        )
    }

    /// Re-queues parked rows (all of a society's, or the given ones).
    func requeueFailed(societyID: String?, ids: [Int64]) throws -> Int {
        var text = "UPDATE sync_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL WHERE status = 'failed'"
        var arguments: [SQLValue] = [.text(stamp)]
        if let societyID {
            text += " AND society_id = ?"
            arguments.append(.text(societyID))
        }
        if !ids.isEmpty { text += " AND id IN (\(ids.map(String.init).joined(separator: ",")))" }
        return try sql.execute(text, arguments)
    }
}

extension AppDatabase {
    func registries() throws(ServiceError) -> [RegistryConfig] {
        try reading("reading registries") { sql in
            try sql.rows("SELECT society_id, url, token_file, format FROM society_registry ORDER BY society_id").map { row in
                guard let societyID = row.text(0), let url = row.text(1), let tokenFile = row.text(2), let format = row.text(3).flatMap(RegistryFormat.init(rawValue:)) else {
                    throw ServiceError(.storage, "the registry of \(row.text(0) ?? "?") is unreadable")
                }
                return RegistryConfig(societyID: societyID, url: url, tokenFile: tokenFile, format: format)
            }
        }
    }

    /// Runs holding claims that have not expired, for the liveness check.
    func activeClaimHolders(at date: Date) throws(ServiceError) -> [String] {
        try reading("reading outbox claims") { sql in
            try sql.rows("SELECT DISTINCT claimed_by FROM sync_outbox WHERE status = 'pending' AND claimed_until > ?", [.text(date.iso8601)])
                .compactMap { $0.text(0) }
        }
    }

    /// When to look at the society's pending rows again: the earliest time one of them not
    /// held by a run may be tried (backoff, Retry-After), and whether another run holds some now
    /// (it may deliver them or die; its lease ends only long after). Nil when none is pending.
    func nextAttempt(societyID: String, at date: Date) throws(ServiceError) -> (due: Date?, heldElsewhere: Bool)? {
        try reading("reading the outbox of \(societyID)") { sql in
            let now: SQLValue = .text(date.iso8601)
            guard let row = try sql.firstRow(
                """
                SELECT count(*), min(CASE WHEN claimed_until IS NULL OR claimed_until <= ? THEN next_attempt_at END),
                    count(CASE WHEN claimed_until > ? THEN 1 END)
                FROM sync_outbox WHERE society_id = ? AND status = 'pending'
                """,
                [now, now, .text(societyID)]
            ), (row.int64(0) ?? 0) > 0 else { return nil }
            return (row.text(1).flatMap(Date.init(iso8601:)), (row.int64(2) ?? 0) > 0)
        }
    }

    func syncStatus(at date: Date) throws(ServiceError) -> [SocietySyncStatus] {
        let configs = try registries()
        let stamp = date.iso8601
        return try reading("reading sync status") { sql in
            try configs.map { config in
                let society: SQLValue = .text(config.societyID)
                var counts: [String: Int] = [:]
                for row in try sql.rows("""
                    SELECT CASE WHEN status = 'pending' AND next_attempt_at <= ? THEN 'due' WHEN status = 'pending' THEN 'waiting' ELSE status END AS state,
                        count(*)
                    FROM sync_outbox WHERE society_id = ? GROUP BY state
                    """, [.text(stamp), society]) {
                    if let state = row.text(0) { counts[state] = Int(row.int64(1) ?? 0) }
                }
                let next = try sql.firstRow("SELECT min(next_attempt_at) FROM sync_outbox WHERE society_id = ? AND status = 'pending'", [society])?
                    .text(0).flatMap(Date.init(iso8601:))
                let last = try sql.firstRow(
                    "SELECT at, records, http_status, error, duration_ms FROM sync_attempt WHERE society_id = ? ORDER BY id DESC LIMIT 1", [society]
                ).flatMap { row -> SocietySyncStatus.Attempt? in
                    guard let at = row.text(0).flatMap(Date.init(iso8601:)) else { return nil }
                    return SocietySyncStatus.Attempt(
                        at: at, records: Int(row.int64(1) ?? 0), httpStatus: row.int64(2).map(Int.init), error: row.text(3),
                        durationMilliseconds: row.double(4) ?? 0
                    )
                }
                let failures = try sql.rows("""
                    SELECT o.id, o.award_id, o.record_version, o.attempts, o.last_error FROM sync_outbox o
                    WHERE o.society_id = ? AND o.status = 'failed' ORDER BY o.id LIMIT 100
                    """, [society]).map { row in
                    SocietySyncStatus.Failure(
                        outboxID: row.int64(0) ?? 0, recordID: row.int64(1) ?? 0, version: Int(row.int64(2) ?? 0), attempts: Int(row.int64(3) ?? 0),
                        lastError: row.text(4) ?? ""
                    )
                }
                return SocietySyncStatus(
                    societyID: config.societyID, url: config.url, due: counts["due"] ?? 0, waiting: counts["waiting"] ?? 0,
                    delivered: counts["delivered"] ?? 0, failed: counts["failed"] ?? 0, superseded: counts["superseded"] ?? 0,
                    nextAttemptAt: next, lastAttempt: last, failures: failures
                )
            }
        }
    }
}

extension AppDatabase {
    /// Attempts recorded for a society (tests and status).
    func syncAttemptCount(societyID: String) throws(ServiceError) -> Int {
        try reading("reading sync attempts") { sql in
            Int(try sql.firstRow("SELECT count(*) FROM sync_attempt WHERE society_id = ?", [.text(societyID)])?.int64(0) ?? 0)
        }
    }

    /// The payloads sent to a society's registry, oldest first.
    func syncAttemptPayloads(societyID: String) throws(ServiceError) -> [String] {
        try reading("reading sync attempts") { sql in
            try sql.rows("SELECT payload FROM sync_attempt WHERE society_id = ? ORDER BY id", [.text(societyID)]).compactMap { $0.text(0) }
        }
    }
}

/// The changes feed (`GET /v1/changes`): the pull counterpart of the push above, over the same
/// record versions.
extension AppDatabase {
    /// Changes of the society's members' transcript records after `seq`, in order, at most
    /// `limit`, each as the record was at that change. The change log is walked in sequence
    /// order (CROSS JOIN fixes SQLite's join order; left to itself SQLite started from the members
    /// and sorted every change of the society: 180 ms a page at 200,000 awards).
    public func transcriptChanges(societyID: String, after seq: Int64, limit: Int) throws(ServiceError) -> [(seq: Int64, record: RegistryRecord)] {
        try reading("reading transcript changes") { sql in
            let join = sql.dialect.joinInOrder
            return try sql.rows(
                """
                SELECT c.seq, c.status, c.record_version, \(RegistryRecord.columnsAfterVersion)
                FROM transcript_change c \(join) credit_award a ON a.id = c.award_id
                \(join) society_membership m ON m.engineer_id = a.engineer_id AND m.society_id = ?
                JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id
                WHERE c.seq > ? ORDER BY c.seq LIMIT ?
                """,
                [.text(societyID), .integer(seq), .integer(Int64(limit))]
            ).map { row in
                guard let seq = row.int64(0), let status = row.text(1).flatMap(TranscriptRecord.Status.init(rawValue:)) else {
                    throw ServiceError(.storage, "transcript change \(row.int64(0) ?? 0) is unreadable")
                }
                return (seq, try RegistryRecord(row, at: 2, status: status))
            }
        }
    }
}

extension RegistryRecord {
    /// What a record version reads after its `record_version` column, from `credit_award a`,
    /// `society_membership m`, `publication p` and `submission s`.
    public static let columnsAfterVersion =
        "a.id, a.engineer_id, m.member_number, p.course_id, p.version, s.display_title, a.hours, a.category, a.awarded_at, a.credential_id"

    /// A record version as a registry (or the changes feed) receives it, from a row holding the
    /// record version at `offset` and `columnsAfterVersion` after it.
    public init(_ row: SQLRow, at offset: Int, status: TranscriptRecord.Status) throws {
        guard let version = row.int64(offset), let awardID = row.int64(offset + 1), let engineerID = row.text(offset + 2),
              let memberNumber = row.text(offset + 3), let courseID = row.text(offset + 4), let courseVersion = row.int64(offset + 5),
              let title = row.text(offset + 6), let hours = row.double(offset + 7),
              let category = row.text(offset + 8).flatMap(SubjectCategory.init(rawValue:)),
              let awardedAt = row.text(offset + 9).flatMap(Date.init(iso8601:)), let credentialID = row.text(offset + 10)
        else {
            throw ServiceError(.storage, "the record of award \(row.int64(offset + 1) ?? 0) is unreadable")
        }
        self.init(
            idempotencyKey: RegistryRecord.key(credentialID: credentialID, version: Int(version)), recordId: awardID, version: Int(version),
            status: status, engineer: .init(id: engineerID, memberNumber: memberNumber),
            course: .init(id: courseID, version: Int(courseVersion), title: title),
            hours: hours, unit: "学时", category: category, completedAt: awardedAt.formatted(.iso8601), credentialId: credentialID
        )
    }
}
