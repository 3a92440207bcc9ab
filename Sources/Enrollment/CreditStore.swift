import Domain
import Foundation
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
        try sql.rows(
            "SELECT \(CreditAward.columns()) FROM credit_award WHERE engineer_id = ? AND course_id = ? AND revoked_at IS NULL ORDER BY id",
            [.text(engineerID), .text(courseID)]
        ).map { try CreditAward($0) }
    }

    /// Awards `hours` for the enrollment's completion at `date`: version 1 of a new credit record.
    public func insertAward(
        engineerID: String, courseID: String, enrollmentID: Int64, hours: Double, category: SubjectCategory, at date: Date, result: AwardResult
    ) throws -> CreditAward {
        let credentialID = CredentialID.make()
        let inserted = try sql.firstRow(
            """
            INSERT INTO credit_award (engineer_id, course_id, enrollment_id, hours, category, awarded_at, credential_id, changed_at, result, score,
                publication_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT publication_id FROM enrollment WHERE id = ?))
            RETURNING id
            """,
            [.text(engineerID), .text(courseID), .integer(enrollmentID), .real(hours), .text(category.rawValue), .text(date.iso8601),
             .text(credentialID), .text(stamp), .text(result.passed ? "passed" : "completed"), result.score.map(SQLValue.real) ?? .null,
             .integer(enrollmentID)]
        )
        guard let id = inserted?.int64(0) else { throw ServiceError(.storage, "the new credit award of enrollment \(enrollmentID) has no id") }
        let award = CreditAward(
            id: id, engineerID: engineerID, courseID: courseID, enrollmentID: enrollmentID, hours: hours,
            category: category, awardedAt: date, result: result, recordVersion: 1, credentialID: credentialID
        )
        try recordChanged(award)
        return award
    }

    /// Takes back the enrollment's standing award, visibly (revoked, with the reason, as the
    /// record's next version); returns it.
    public func revokeAward(enrollmentID: Int64, reason: String) throws -> CreditAward? {
        guard let row = try sql.firstRow(
            "SELECT \(CreditAward.columns()) FROM credit_award WHERE enrollment_id = ? AND revoked_at IS NULL", [.integer(enrollmentID)]
        ) else { return nil }
        var award = try CreditAward(row)
        award.revokedAt = now
        award.revokedReason = reason
        award.recordVersion += 1
        try sql.execute(
            "UPDATE credit_award SET revoked_at = ?, revoked_reason = ?, record_version = ?, changed_at = ? WHERE id = ?",
            [.text(stamp), .text(reason), .integer(Int64(award.recordVersion)), .text(stamp), .integer(award.id)]
        )
        try recordChanged(award)
        return award
    }

    /// What follows from a new version of a credit record: its line in the changes feed and its
    /// delivery to the registries of the engineer's societies.
    private func recordChanged(_ award: CreditAward) throws {
        try sql.execute(
            "INSERT INTO transcript_change (award_id, record_version, status, changed_at) VALUES (?, ?, ?, ?)",
            [.integer(award.id), .integer(Int64(award.recordVersion)), .text(award.revokedAt == nil ? "active" : "revoked"), .text(stamp)]
        )
        try queueRecordForRegistries(awardID: award.id, engineerID: award.engineerID, recordVersion: award.recordVersion)
    }

    func policyBody(_ name: String) throws -> String? {
        try sql.firstRow("SELECT body FROM credit_policy WHERE name = ?", [.text(name)])?.text(0)
    }

    /// Adds or replaces a policy.
    func savePolicy(name: String, body: String) throws {
        try sql.execute(
            "INSERT INTO credit_policy (name, body, added_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, added_at = excluded.added_at",
            [.text(name), .text(body), .text(stamp)]
        )
    }

    func setSocietyPolicy(_ societyID: String, policy: String?) throws {
        let changed = try sql.execute("UPDATE society SET policy_name = ?, updated_at = ? WHERE id = ?", [SQLValue(policy), .text(stamp), .text(societyID)])
        if changed == 0 { throw ServiceError(.notFound, "no society '\(societyID)'") }
    }
}

extension AppDatabase {
    /// The engineer's awards, oldest first, revoked ones included.
    public func awards(of engineerID: String) throws(ServiceError) -> [CreditAward] {
        try reading("reading awards of \(engineerID)") { connection in
            try connection.rows("SELECT \(CreditAward.columns()) FROM credit_award WHERE engineer_id = ? ORDER BY awarded_at, id", [.text(engineerID)])
                .map { try CreditAward($0) }
        }
    }

    /// Added policies' JSON bodies by name.
    func policyBodies() throws(ServiceError) -> [(name: String, body: String)] {
        try reading("reading policies") { connection in
            try connection.rows("SELECT name, body FROM credit_policy ORDER BY name").map { ($0.text(0) ?? "", $0.text(1) ?? "") }
        }
    }

    /// The policy each of the engineer's societies set, in society order (nil where none).
    func societyPolicies(of engineerID: String) throws(ServiceError) -> [(societyID: String, policy: String?)] {
        try reading("reading policies of \(engineerID)'s societies") { connection in
            try connection.rows(
                "SELECT s.id, s.policy_name FROM society_membership m JOIN society s ON s.id = m.society_id WHERE m.engineer_id = ? ORDER BY s.id",
                [.text(engineerID)]
            ).map { ($0.text(0) ?? "", $0.text(1)) }
        }
    }

    func societyPolicy(_ societyID: String) throws(ServiceError) -> String? {
        try reading("reading the policy of \(societyID)") { connection in
            try connection.firstRow("SELECT policy_name FROM society WHERE id = ?", [.text(societyID)])?.text(0)
        }
    }

    /// The engineer's standing awards as credit items: hours, subject, the course's title and keywords.
    func creditItems(of engineerID: String) throws(ServiceError) -> [CreditItem] {
        try reading("reading credits of \(engineerID)") { connection in
            try connection.rows(
                """
                SELECT a.id, a.course_id, a.hours, a.category, a.awarded_at, s.display_title, p.submission_id
                FROM credit_award a JOIN enrollment e ON e.id = a.enrollment_id JOIN publication p ON p.id = e.publication_id
                JOIN submission s ON s.id = p.submission_id
                WHERE a.engineer_id = ? AND a.revoked_at IS NULL ORDER BY a.awarded_at, a.id
                """,
                [.text(engineerID)]
            ).map { row in
                guard let id = row.int64(0), let courseID = row.text(1), let hours = row.double(2), let subject = row.text(3).flatMap(SubjectCategory.init(rawValue:)),
                      let at = row.text(4).flatMap(Date.init(iso8601:)), let title = row.text(5), let submissionID = row.int64(6) else {
                    throw ServiceError(.storage, "credit award \(row.int64(0) ?? 0) is unreadable")
                }
                let keywords = try connection.rows(
                    "SELECT value FROM submission_text WHERE submission_id = ? AND kind = 'keyword' ORDER BY position", [.integer(submissionID)]
                ).compactMap { $0.text(0) }
                return CreditItem(awardID: id, courseID: courseID, title: title, hours: hours, subject: subject, keywords: keywords, completedAt: at)
            }
        }
    }
}

extension CreditAward {
    static let columnNames = [
        "id", "engineer_id", "course_id", "enrollment_id", "hours", "category", "awarded_at", "revoked_at", "revoked_reason", "result", "score",
        "record_version", "credential_id",
    ]

    /// How many columns `columns` names: a query's own columns follow them.
    public static var columnCount: Int { columnNames.count }

    /// The columns `init(_:)` reads, in its order, each name after `prefix` (a table alias and a dot).
    public static func columns(_ prefix: String = "") -> String {
        columnNames.map { prefix + $0 }.joined(separator: ", ")
    }

    /// A `credit_award` row selected by `columns`, as the credit record it is.
    public init(_ row: SQLRow) throws {
        guard let id = row.int64(0), let engineerID = row.text(1), let courseID = row.text(2), let enrollmentID = row.int64(3),
              let hours = row.double(4), let category = row.text(5).flatMap(SubjectCategory.init(rawValue:)),
              let awardedAt = row.text(6).flatMap(Date.init(iso8601:)), let recordVersion = row.int64(11) else {
            throw ServiceError(.storage, "credit award \(row.int64(0) ?? 0) is unreadable")
        }
        self.init(
            id: id, engineerID: engineerID, courseID: courseID, enrollmentID: enrollmentID, hours: hours, category: category,
            awardedAt: awardedAt, revokedAt: row.text(7).flatMap(Date.init(iso8601:)), revokedReason: row.text(8),
            result: AwardResult(passed: row.text(9) == "passed", score: row.double(10)), recordVersion: Int(recordVersion),
            credentialID: row.text(12)
        )
    }
}
