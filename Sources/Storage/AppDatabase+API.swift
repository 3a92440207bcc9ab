import Domain
import Foundation
import GRDB

/// A society's API token as stored: never the secret, only its SHA-256.
public struct StoredToken: Sendable, Equatable {
    public var id: String
    public var societyID: String
    public var secretHash: String
    public var createdAt: Date
    public var revokedAt: Date?
}

extension StoreTransaction {
    public func isMember(engineerID: String, societyID: String) throws -> Bool {
        try AppDatabase.isMember(engineerID: engineerID, societyID: societyID, db)
    }

    /// Whether the society may see a stored statement: one its own credentials stored, or one
    /// about a member of it.
    public func isStatement(_ id: String, visibleTo societyID: String) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM xapi_statement x WHERE x.id = ?1 AND (x.society_id = ?2 OR x.engineer_id IN
                               (SELECT engineer_id FROM society_membership WHERE society_id = ?2)))
                """,
            arguments: [id, societyID]
        ) ?? false
    }

    public func insertToken(id: String, societyID: String, secretHash: String) throws {
        try db.execute(
            sql: "INSERT INTO api_token (id, society_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
            arguments: [id, societyID, secretHash, stamp]
        )
    }

    /// Revokes a society's token; false when it has no such token (or it is revoked already).
    public func revokeToken(id: String, societyID: String) throws -> Bool {
        try db.execute(
            sql: "UPDATE api_token SET revoked_at = ? WHERE id = ? AND society_id = ? AND revoked_at IS NULL",
            arguments: [stamp, id, societyID]
        )
        return db.changesCount > 0
    }
}

extension AppDatabase {
    public func token(id: String) throws(ServiceError) -> StoredToken? {
        try read("reading a token") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]).map(Self.token(from:))
        }
    }

    public func tokens(of societyID: String) throws(ServiceError) -> [StoredToken] {
        try read("reading the tokens of \(societyID)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token WHERE society_id = ? ORDER BY created_at, id", arguments: [societyID])
                .map(Self.token(from:))
        }
    }

    static func token(from row: Row) throws -> StoredToken {
        guard let created = Date(iso8601: row["created_at"]) else { throw ServiceError(.storage, "token \(row["id"] as String? ?? "?") is unreadable") }
        return StoredToken(
            id: row["id"], societyID: row["society_id"], secretHash: row["secret_hash"], createdAt: created,
            revokedAt: (row["revoked_at"] as String?).flatMap(Date.init(iso8601:))
        )
    }

    public func isMember(engineerID: String, societyID: String) throws(ServiceError) -> Bool {
        try read("reading memberships") { db in try Self.isMember(engineerID: engineerID, societyID: societyID, db) }
    }

    static func isMember(engineerID: String, societyID: String, _ db: Database) throws -> Bool {
        // Prepared once per connection: the LRS asks it for every statement a society's credential sends.
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM society_membership WHERE engineer_id = ? AND society_id = ?)"),
            arguments: [engineerID, societyID]
        ) ?? false
    }

    /// Changes of the society's members' transcript records after `seq`, in order, at most
    /// `limit`, each as the record was at that change. The change log is walked in sequence
    /// order (CROSS JOIN fixes the join order; left to itself SQLite started from the members
    /// and sorted every change of the society: 180 ms a page at 200,000 awards).
    public func transcriptChanges(societyID: String, after seq: Int64, limit: Int) throws(ServiceError) -> [(seq: Int64, record: RegistryRecord)] {
        try read("reading transcript changes") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.seq, c.record_version, c.status, a.id AS award_id, a.engineer_id, m.member_number, p.course_id,
                        p.version AS course_version, s.display_title, a.hours, a.category, a.awarded_at, a.credential_id
                    FROM transcript_change c CROSS JOIN credit_award a ON a.id = c.award_id
                    CROSS JOIN society_membership m ON m.engineer_id = a.engineer_id AND m.society_id = ?
                    JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id
                    WHERE c.seq > ? ORDER BY c.seq LIMIT ?
                    """,
                arguments: [societyID, seq, limit]
            ).map { row in
                guard let status = TranscriptRecord.Status(rawValue: row["status"]) else {
                    throw ServiceError(.storage, "transcript change \(row["seq"] as Int64? ?? 0) is unreadable")
                }
                return (row["seq"], try Self.registryRecord(row, status: status))
            }
        }
    }
}

extension AppDatabase {
    /// A record version as a registry (or the changes feed) receives it, from a row with
    /// record_version, award_id, engineer_id, member_number, course_id, course_version,
    /// display_title, hours, category, awarded_at and credential_id.
    public static func registryRecord(_ row: Row, status: TranscriptRecord.Status) throws -> RegistryRecord {
        guard let category = SubjectCategory(rawValue: row["category"]), let awardedAt = Date(iso8601: row["awarded_at"]) else {
            throw ServiceError(.storage, "the record of award \(row["award_id"] as Int64? ?? 0) is unreadable")
        }
        let version: Int = row["record_version"]
        let credentialID: String = row["credential_id"]
        return RegistryRecord(
            idempotencyKey: RegistryRecord.key(credentialID: credentialID, version: version), recordId: row["award_id"], version: version,
            status: status, engineer: .init(id: row["engineer_id"], memberNumber: row["member_number"]),
            course: .init(id: row["course_id"], version: row["course_version"], title: row["display_title"]),
            hours: row["hours"], unit: "学时", category: category, completedAt: awardedAt.formatted(.iso8601), credentialId: credentialID
        )
    }
}
