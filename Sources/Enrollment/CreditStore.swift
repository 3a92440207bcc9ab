import Domain
import Foundation
import GRDB
import RegistrySync
import Storage

/// The SQL of credit records and policies (`credit_award`, `credit_policy`, a society's chosen
/// policy), which this module owns, on the connections the storage kernel lends. A credit record
/// is only ever written here, and every write of one also writes what follows from it in the same
/// transaction: the changes feed's line (`transcript_change`, read by the society API) and the
/// registry outbox's rows (`RegistrySync`).
extension StoreTransaction {
    /// The engineer's awards for the course that still stand.
    public func standingAwards(engineerID: String, courseID: String) throws -> [CreditAward] {
        try Row.fetchAll(
            database, sql: "SELECT * FROM credit_award WHERE engineer_id = ? AND course_id = ? AND revoked_at IS NULL ORDER BY id",
            arguments: [engineerID, courseID]
        ).map(CreditAward.init(row:))
    }

    /// Awards `hours` for the enrollment's completion at `date`: version 1 of a new credit record.
    public func insertAward(
        engineerID: String, courseID: String, enrollmentID: Int64, hours: Double, category: SubjectCategory, at date: Date, result: AwardResult
    ) throws -> CreditAward {
        let credentialID = CredentialID.make()
        try database.execute(
            sql: """
                INSERT INTO credit_award (engineer_id, course_id, enrollment_id, hours, category, awarded_at, credential_id, changed_at, result, score,
                    publication_id)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT publication_id FROM enrollment WHERE id = ?3))
                """,
            arguments: [engineerID, courseID, enrollmentID, hours, category.rawValue, date.iso8601, credentialID, stamp,
                        result.passed ? "passed" : "completed", result.score]
        )
        let award = CreditAward(
            id: database.lastInsertedRowID, engineerID: engineerID, courseID: courseID, enrollmentID: enrollmentID, hours: hours,
            category: category, awardedAt: date, result: result, recordVersion: 1, credentialID: credentialID
        )
        try recordChanged(award)
        return award
    }

    /// Takes back the enrollment's standing award, visibly (revoked, with the reason, as the
    /// record's next version); returns it.
    public func revokeAward(enrollmentID: Int64, reason: String) throws -> CreditAward? {
        guard let row = try Row.fetchOne(
            database, sql: "SELECT * FROM credit_award WHERE enrollment_id = ? AND revoked_at IS NULL", arguments: [enrollmentID]
        ) else { return nil }
        var award = try CreditAward(row: row)
        award.revokedAt = now
        award.revokedReason = reason
        award.recordVersion += 1
        try database.execute(
            sql: "UPDATE credit_award SET revoked_at = ?, revoked_reason = ?, record_version = ?, changed_at = ? WHERE id = ?",
            arguments: [stamp, reason, award.recordVersion, stamp, award.id]
        )
        try recordChanged(award)
        return award
    }

    /// What follows from a new version of a credit record: its line in the changes feed and its
    /// delivery to the registries of the engineer's societies.
    private func recordChanged(_ award: CreditAward) throws {
        try database.execute(
            sql: "INSERT INTO transcript_change (award_id, record_version, status, changed_at) VALUES (?, ?, ?, ?)",
            arguments: [award.id, award.recordVersion, award.revokedAt == nil ? "active" : "revoked", stamp]
        )
        try queueRecordForRegistries(awardID: award.id, engineerID: award.engineerID, recordVersion: award.recordVersion)
    }

    func policyBody(_ name: String) throws -> String? {
        try String.fetchOne(database, sql: "SELECT body FROM credit_policy WHERE name = ?", arguments: [name])
    }

    /// Adds or replaces a policy.
    func savePolicy(name: String, body: String) throws {
        try database.execute(
            sql: "INSERT INTO credit_policy (name, body, added_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, added_at = excluded.added_at",
            arguments: [name, body, stamp]
        )
    }

    func setSocietyPolicy(_ societyID: String, policy: String?) throws {
        try database.execute(sql: "UPDATE society SET policy_name = ?, updated_at = ? WHERE id = ?", arguments: [policy, stamp, societyID])
        if database.changesCount == 0 { throw ServiceError(.notFound, "no society '\(societyID)'") }
    }
}

extension AppDatabase {
    /// The engineer's awards, oldest first, revoked ones included.
    public func awards(of engineerID: String) throws(ServiceError) -> [CreditAward] {
        try read("reading awards of \(engineerID)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM credit_award WHERE engineer_id = ? ORDER BY awarded_at, id", arguments: [engineerID])
                .map(CreditAward.init(row:))
        }
    }

    /// Added policies' JSON bodies by name.
    func policyBodies() throws(ServiceError) -> [(name: String, body: String)] {
        try read("reading policies") { db in
            try Row.fetchAll(db, sql: "SELECT name, body FROM credit_policy ORDER BY name").map { ($0["name"], $0["body"]) }
        }
    }

    /// The policy each of the engineer's societies set, in society order (nil where none).
    func societyPolicies(of engineerID: String) throws(ServiceError) -> [(societyID: String, policy: String?)] {
        try read("reading policies of \(engineerID)'s societies") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT s.id, s.policy_name FROM society_membership m JOIN society s ON s.id = m.society_id WHERE m.engineer_id = ? ORDER BY s.id",
                arguments: [engineerID]
            ).map { ($0["id"], $0["policy_name"]) }
        }
    }

    func societyPolicy(_ societyID: String) throws(ServiceError) -> String? {
        try read("reading the policy of \(societyID)") { db in
            try String.fetchOne(db, sql: "SELECT policy_name FROM society WHERE id = ?", arguments: [societyID])
        }
    }

    /// The engineer's standing awards as credit items: hours, subject, the course's title and keywords.
    func creditItems(of engineerID: String) throws(ServiceError) -> [CreditItem] {
        try read("reading credits of \(engineerID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.course_id, a.hours, a.category, a.awarded_at, s.display_title, p.submission_id
                    FROM credit_award a JOIN enrollment e ON e.id = a.enrollment_id JOIN publication p ON p.id = e.publication_id
                    JOIN submission s ON s.id = p.submission_id
                    WHERE a.engineer_id = ? AND a.revoked_at IS NULL ORDER BY a.awarded_at, a.id
                    """,
                arguments: [engineerID]
            ).map { row in
                guard let subject = SubjectCategory(rawValue: row["category"]), let at = Date(iso8601: row["awarded_at"]) else {
                    throw ServiceError(.storage, "credit award \(row["id"] as Int64? ?? 0) is unreadable")
                }
                let keywords = try String.fetchAll(
                    db, sql: "SELECT value FROM submission_text WHERE submission_id = ? AND kind = 'keyword' ORDER BY position",
                    arguments: [row["submission_id"] as Int64]
                )
                return CreditItem(
                    awardID: row["id"], courseID: row["course_id"], title: row["display_title"], hours: row["hours"],
                    subject: subject, keywords: keywords, completedAt: at
                )
            }
        }
    }
}

extension CreditAward {
    /// A `credit_award` row (`SELECT *`), as the credit record it is.
    public init(row: Row) throws {
        guard let category = SubjectCategory(rawValue: row["category"]), let awardedAt = Date(iso8601: row["awarded_at"]) else {
            throw ServiceError(.storage, "credit award \(row["id"] as Int64? ?? 0) is unreadable")
        }
        self.init(
            id: row["id"], engineerID: row["engineer_id"], courseID: row["course_id"], enrollmentID: row["enrollment_id"],
            hours: row["hours"], category: category, awardedAt: awardedAt,
            revokedAt: (row["revoked_at"] as String?).flatMap(Date.init(iso8601:)), revokedReason: row["revoked_reason"],
            result: AwardResult(passed: row["result"] == "passed", score: row["score"]), recordVersion: row["record_version"],
            credentialID: row["credential_id"]
        )
    }
}
