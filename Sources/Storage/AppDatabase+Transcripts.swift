import Domain
import Foundation
import GRDB

/// A published course version as transcripts and reports show it.
public struct CourseVersionInfo: Sendable, Equatable {
    public var publicationID: Int64
    public var courseID: String
    public var version: Int
    public var title: String
    public var description: String?
    public var providerSocietyID: String
    public var providerSocietyName: String
    public var keywords: [String]
}

/// One row of a society report as it streams from the database: a member, and one of the
/// member's standing awards (nil fields for a member without any in the range).
public struct MemberAwardRow: Sendable {
    public var memberNumber: String
    public var engineerID: String
    public var engineerName: String
    public var award: Award?

    public struct Award: Sendable {
        public var id: Int64
        public var recordVersion: Int
        public var credentialID: String
        public var publicationID: Int64
        public var hours: Double
        public var category: SubjectCategory
        /// As stored: ISO 8601 UTC with milliseconds (sorts as text).
        public var awardedAt: String
        public var passed: Bool
        public var score: Double?

        public var completedAt: Date? { Date(iso8601: awardedAt) }
    }
}

extension AppDatabase {
    /// Every published course version, by publication id (a few thousand at most).
    public func courseVersions() throws(StorageError) -> [Int64: CourseVersionInfo] {
        try read("reading course versions") { db in
            var keywords: [Int64: [String]] = [:]
            let keywordRows = try Row.fetchCursor(db, sql: """
                SELECT p.id, t.value FROM publication p JOIN submission_text t ON t.submission_id = p.submission_id AND t.kind = 'keyword'
                ORDER BY p.id, t.position
                """)
            while let row = try keywordRows.next() {
                keywords[row[0], default: []].append(row[1])
            }
            var result: [Int64: CourseVersionInfo] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT p.id, p.course_id, p.version, s.display_title,
                    (SELECT value FROM submission_text t WHERE t.submission_id = s.id AND t.kind = 'description' ORDER BY position LIMIT 1),
                    c.society_id, so.name
                FROM publication p JOIN submission s ON s.id = p.submission_id JOIN course c ON c.id = p.course_id JOIN society so ON so.id = c.society_id
                """)
            while let row = try rows.next() {
                let id: Int64 = row[0]
                result[id] = CourseVersionInfo(
                    publicationID: id, courseID: row[1], version: row[2], title: row[3], description: row[4],
                    providerSocietyID: row[5], providerSocietyName: row[6], keywords: keywords[id] ?? []
                )
            }
            return result
        }
    }

    /// The engineer's transcript records completed in [from, before), oldest first; revoked ones
    /// only when asked.
    public func transcriptRecords(engineerID: String, from: Date, before: Date, includeRevoked: Bool = false) throws(StorageError) -> [TranscriptRecord] {
        let versions = try courseVersions()
        return try read("reading the transcript of \(engineerID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.*, e.name,
                        -- Learning started at enrollment or at the first result, whichever came first.
                        min(en.enrolled_at, coalesce((SELECT min(p.at) FROM progress_event p WHERE p.enrollment_id = en.id), en.enrolled_at)) AS started_at
                    FROM credit_award a JOIN engineer e ON e.id = a.engineer_id
                    JOIN enrollment en ON en.id = a.enrollment_id
                    WHERE a.engineer_id = ? AND a.awarded_at >= ? AND a.awarded_at < ? AND (? OR a.revoked_at IS NULL)
                    ORDER BY a.awarded_at, a.id
                    """,
                arguments: [engineerID, from.iso8601, before.iso8601, includeRevoked]
            ).map { row in
                let award = try Self.award(from: row)
                guard let publicationID: Int64 = row["publication_id"], let course = versions[publicationID],
                      let credentialID = award.credentialID, let startedAt = Date(iso8601: row["started_at"])
                else { throw StorageError(.invalidData, "credit award \(award.id) is unreadable") }
                return TranscriptRecord(
                    recordID: award.id, recordVersion: award.recordVersion, status: award.revokedAt == nil ? .active : .revoked,
                    credentialID: credentialID, engineerID: award.engineerID, engineerName: row["name"], courseID: course.courseID,
                    courseVersion: course.version, title: course.title, description: course.description,
                    providerSocietyID: course.providerSocietyID, providerSocietyName: course.providerSocietyName,
                    category: award.category, hours: award.hours, unit: "学时", startedAt: startedAt, completedAt: award.awardedAt,
                    result: award.result
                )
            }
        }
    }

    /// Streams a society's members in member-number order, each with their standing awards
    /// completed in [from, before) in time order (one row per award; one row with `award` nil
    /// for a member without any). Rows are read one at a time: memory stays flat.
    public func forEachMemberAward(
        societyID: String, from: Date, before: Date, _ body: (MemberAwardRow) throws -> Void
    ) throws(StorageError) {
        // `read` runs the closure synchronously on this thread, before it returns: `body` never
        // escapes nor runs concurrently.
        nonisolated(unsafe) let body = body
        try read("reading the awards of \(societyID)'s members") { db in
            let statement = try db.makeStatement(sql: """
                SELECT m.member_number, m.engineer_id, e.name, a.id, a.record_version, a.credential_id, a.publication_id,
                    a.hours, a.category, a.awarded_at, a.result, a.score
                FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
                LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL AND a.awarded_at >= ? AND a.awarded_at < ?
                WHERE m.society_id = ?
                ORDER BY m.member_number, a.awarded_at, a.id
                """)
            let cursor = try Row.fetchCursor(statement, arguments: [from.iso8601, before.iso8601, societyID])
            while let row = try cursor.next() {
                var item = MemberAwardRow(memberNumber: row[0], engineerID: row[1], engineerName: row[2], award: nil)
                if let id: Int64 = row[3] {
                    guard let category = SubjectCategory(rawValue: row[8]) else {
                        throw StorageError(.invalidData, "credit award \(id) has an unknown category")
                    }
                    item.award = MemberAwardRow.Award(
                        id: id, recordVersion: row[4], credentialID: row[5], publicationID: row[6], hours: row[7], category: category,
                        awardedAt: row[9], passed: row[10] == "passed", score: row[11]
                    )
                }
                try body(item)
            }
        }
    }
}

extension StoreTransaction {
    public func insertSigningKey(_ key: SigningKeyRecord) throws {
        try db.execute(
            sql: "INSERT INTO signing_key (kid, alg, public_jwk, created_at, not_after, retired_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [key.kid, key.algorithm, key.publicJWK, key.createdAt.iso8601, key.notAfter.iso8601, key.retiredAt?.iso8601]
        )
    }

    /// Retires every key still signing (before a new one takes over).
    public func retireSigningKeys() throws -> [String] {
        let kids = try String.fetchAll(db, sql: "SELECT kid FROM signing_key WHERE retired_at IS NULL ORDER BY created_at, rowid")
        try db.execute(sql: "UPDATE signing_key SET retired_at = ? WHERE retired_at IS NULL", arguments: [stamp])
        return kids
    }

    public func signingKeys() throws -> [SigningKeyRecord] {
        try AppDatabase.signingKeys(db)
    }
}

extension AppDatabase {
    /// Every signing key, oldest first.
    public func signingKeys() throws(StorageError) -> [SigningKeyRecord] {
        try read("reading signing keys") { db in try Self.signingKeys(db) }
    }

    static func signingKeys(_ db: Database) throws -> [SigningKeyRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM signing_key ORDER BY created_at, rowid").map { row in
            guard let created = Date(iso8601: row["created_at"]), let notAfter = Date(iso8601: row["not_after"]) else {
                throw StorageError(.invalidData, "signing key \(row["kid"] as String? ?? "?") is unreadable")
            }
            return SigningKeyRecord(
                kid: row["kid"], algorithm: row["alg"], publicJWK: row["public_jwk"], createdAt: created, notAfter: notAfter,
                retiredAt: (row["retired_at"] as String?).flatMap(Date.init(iso8601:))
            )
        }
    }
}
