import Domain
import Foundation
import GRDB
import Storage

/// The SQL of the registry tables (`society_registry`, `sync_outbox`, `sync_attempt`), which this
/// module owns, on the connections the storage kernel lends. The outbox is filled in the
/// transaction of each change that calls for a delivery (`RegistryOutbox.swift`), and here when a
/// society sets its registry.
extension StoreTransaction {
    /// Sets (or replaces) a society's registry, and queues every standing record of its members
    /// that this registry has not had yet.
    func setRegistry(_ config: RegistryConfig) throws -> Int {
        try database.execute(
            sql: """
                INSERT INTO society_registry (society_id, url, token_file, format, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (society_id) DO UPDATE SET url = excluded.url, token_file = excluded.token_file,
                    format = excluded.format, updated_at = excluded.updated_at
                """,
            arguments: [config.societyID, config.url, config.tokenFile, config.format.rawValue, stamp]
        )
        try database.execute(
            sql: """
                INSERT INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
                SELECT m.society_id, a.id, a.record_version, 'pending', ?, ?
                FROM society_membership m JOIN credit_award a ON a.engineer_id = m.engineer_id
                WHERE m.society_id = ? AND a.revoked_at IS NULL
                ON CONFLICT DO NOTHING
                """,
            arguments: [stamp, stamp, config.societyID]
        )
        return database.changesCount
    }

    /// Claims up to `limit` due rows of the society for `runID` until `leaseUntil`, after marking
    /// rows whose record has a newer version as superseded. Returns them with their records.
    func claimOutbox(societyID: String, runID: String, leaseUntil: Date, limit: Int) throws -> [OutboxItem] {
        try database.execute(
            sql: """
                UPDATE sync_outbox SET status = 'superseded', claimed_by = NULL, claimed_until = NULL
                WHERE society_id = ? AND status = 'pending'
                  AND record_version < (SELECT a.record_version FROM credit_award a WHERE a.id = sync_outbox.award_id)
                """,
            arguments: [societyID]
        )
        let ids = try Int64.fetchAll(
            database,
            sql: """
                UPDATE sync_outbox SET claimed_by = ?, claimed_until = ?
                WHERE id IN (
                    SELECT id FROM sync_outbox
                    WHERE society_id = ? AND status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                    ORDER BY id LIMIT ?
                )
                RETURNING id
                """,
            arguments: [runID, leaseUntil.iso8601, societyID, stamp, stamp, limit]
        )
        guard !ids.isEmpty else { return [] }
        return try Row.fetchAll(
            database,
            sql: """
                SELECT o.id AS outbox_id, o.attempts, o.record_version, a.id AS award_id, a.revoked_at, a.engineer_id, m.member_number,
                    p.course_id, p.version AS course_version, s.display_title, a.hours, a.category, a.awarded_at, a.credential_id
                FROM sync_outbox o JOIN credit_award a ON a.id = o.award_id
                JOIN society_membership m ON m.engineer_id = a.engineer_id AND m.society_id = o.society_id
                JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id
                WHERE o.id IN (\(ids.map(String.init).joined(separator: ",")))
                ORDER BY o.id
                """
        ).map { row in
            OutboxItem(
                outboxID: row["outbox_id"], attempts: row["attempts"],
                record: try AppDatabase.registryRecord(row, status: (row["revoked_at"] as String?) == nil ? .active : .revoked)
            )
        }
    }

    /// Marks claimed rows delivered (only while this run still holds them).
    func markDelivered(_ ids: [Int64], runID: String) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        try database.execute(
            sql: """
                UPDATE sync_outbox SET status = 'delivered', delivered_at = ?, claimed_by = NULL, claimed_until = NULL, last_error = NULL
                WHERE claimed_by = ? AND id IN (\(ids.map(String.init).joined(separator: ",")))
                """,
            arguments: [stamp, runID]
        )
        return database.changesCount
    }

    /// After a failed attempt: one more attempt counted, the next one not before `next`, or
    /// parked as failed when `park` (a dead letter, with its last error).
    func markFailed(_ ids: [Int64], runID: String, error: String, next: Date, countAttempt: Bool, maxAttempts: Int) throws {
        guard !ids.isEmpty else { return }
        try database.execute(
            sql: """
                UPDATE sync_outbox SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL,
                    status = CASE WHEN attempts + ? >= ? THEN 'failed' ELSE 'pending' END
                WHERE claimed_by = ? AND id IN (\(ids.map(String.init).joined(separator: ",")))
                """,
            arguments: [countAttempt ? 1 : 0, error, next.iso8601, countAttempt ? 1 : 0, maxAttempts, runID]
        )
    }

    func recordAttempt(
        societyID: String, runID: String, outboxIDs: [Int64], httpStatus: Int?, error: String?, durationMilliseconds: Double, payload: String
    ) throws {
        try database.execute(
            sql: """
                INSERT INTO sync_attempt (society_id, run_id, at, outbox_ids, records, http_status, error, duration_ms, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [societyID, runID, stamp, outboxIDs.map(String.init).joined(separator: ","), outboxIDs.count, httpStatus, error,
                        durationMilliseconds, payload]
        )
    }

    /// Releases claims whose holder is gone (its process ended), so their rows are sent again.
    func releaseClaims(heldBy runIDs: [String]) throws -> Int {
        guard !runIDs.isEmpty else { return 0 }
        try database.execute(
            sql: "UPDATE sync_outbox SET claimed_by = NULL, claimed_until = NULL WHERE status = 'pending' AND claimed_by IN (\(runIDs.map { _ in "?" }.joined(separator: ",")))",
            arguments: StatementArguments(runIDs)
        )
        return database.changesCount
    }

    /// Re-queues parked rows (all of a society's, or the given ones).
    func requeueFailed(societyID: String?, ids: [Int64]) throws -> Int {
        var sql = "UPDATE sync_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL WHERE status = 'failed'"
        var arguments: StatementArguments = [stamp]
        if let societyID {
            sql += " AND society_id = ?"
            arguments += [societyID]
        }
        if !ids.isEmpty { sql += " AND id IN (\(ids.map(String.init).joined(separator: ",")))" }
        try database.execute(sql: sql, arguments: arguments)
        return database.changesCount
    }
}

extension AppDatabase {
    func registries() throws(ServiceError) -> [RegistryConfig] {
        try read("reading registries") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM society_registry ORDER BY society_id").map { row in
                guard let format = RegistryFormat(rawValue: row["format"]) else {
                    throw ServiceError(.storage, "the registry of \(row["society_id"] as String? ?? "?") has an unknown format")
                }
                return RegistryConfig(societyID: row["society_id"], url: row["url"], tokenFile: row["token_file"], format: format)
            }
        }
    }

    /// Runs holding claims that have not expired, for the liveness check.
    func activeClaimHolders(at date: Date) throws(ServiceError) -> [String] {
        try read("reading outbox claims") { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT claimed_by FROM sync_outbox WHERE status = 'pending' AND claimed_until > ?", arguments: [date.iso8601]
            )
        }
    }

    /// The earliest time a pending row of the society may be tried again.
    func nextAttempt(societyID: String) throws(ServiceError) -> Date? {
        try read("reading the outbox of \(societyID)") { db in
            try String.fetchOne(
                db, sql: "SELECT min(max(next_attempt_at, coalesce(claimed_until, ''))) FROM sync_outbox WHERE society_id = ? AND status = 'pending'",
                arguments: [societyID]
            ).flatMap(Date.init(iso8601:))
        }
    }

    func syncStatus(at date: Date) throws(ServiceError) -> [SocietySyncStatus] {
        let configs = try registries()
        let stamp = date.iso8601
        return try read("reading sync status") { db in
            try configs.map { config in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT CASE WHEN status = 'pending' AND next_attempt_at <= ? THEN 'due' WHEN status = 'pending' THEN 'waiting' ELSE status END AS state,
                        count(*) AS n
                    FROM sync_outbox WHERE society_id = ? GROUP BY state
                    """, arguments: [stamp, config.societyID]) {
                    counts[row["state"]] = row["n"]
                }
                let next = try String.fetchOne(
                    db, sql: "SELECT min(next_attempt_at) FROM sync_outbox WHERE society_id = ? AND status = 'pending'", arguments: [config.societyID]
                ).flatMap(Date.init(iso8601:))
                let last = try Row.fetchOne(
                    db, sql: "SELECT * FROM sync_attempt WHERE society_id = ? ORDER BY id DESC LIMIT 1", arguments: [config.societyID]
                ).flatMap { row -> SocietySyncStatus.Attempt? in
                    guard let at = Date(iso8601: row["at"]) else { return nil }
                    return SocietySyncStatus.Attempt(
                        at: at, records: row["records"], httpStatus: row["http_status"], error: row["error"], durationMilliseconds: row["duration_ms"]
                    )
                }
                let failures = try Row.fetchAll(db, sql: """
                    SELECT o.id, o.award_id, o.record_version, o.attempts, o.last_error FROM sync_outbox o
                    WHERE o.society_id = ? AND o.status = 'failed' ORDER BY o.id LIMIT 100
                    """, arguments: [config.societyID]).map { row in
                    SocietySyncStatus.Failure(
                        outboxID: row["id"], recordID: row["award_id"], version: row["record_version"], attempts: row["attempts"],
                        lastError: row["last_error"] ?? ""
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
        try read("reading sync attempts") { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_attempt WHERE society_id = ?", arguments: [societyID]) ?? 0
        }
    }

    /// The payloads sent to a society's registry, oldest first.
    func syncAttemptPayloads(societyID: String) throws(ServiceError) -> [String] {
        try read("reading sync attempts") { db in
            try String.fetchAll(db, sql: "SELECT payload FROM sync_attempt WHERE society_id = ? ORDER BY id", arguments: [societyID])
        }
    }
}
