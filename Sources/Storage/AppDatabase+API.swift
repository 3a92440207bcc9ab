import Domain
import Foundation

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
        try AppDatabase.isMember(engineerID: engineerID, societyID: societyID, sql)
    }

    /// Whether the society may see a stored statement: one its own credentials stored, or one
    /// about a member of it.
    public func isStatement(_ id: String, visibleTo societyID: String) throws -> Bool {
        try sql.firstRow(
            """
            SELECT 1 FROM xapi_statement x WHERE x.id = ? AND (x.society_id = ? OR x.engineer_id IN
                (SELECT engineer_id FROM society_membership WHERE society_id = ?))
            """,
            [.text(id), .text(societyID), .text(societyID)]
        ) != nil
    }

    public func insertToken(id: String, societyID: String, secretHash: String) throws {
        try sql.execute(
            "INSERT INTO api_token (id, society_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
            [.text(id), .text(societyID), .text(secretHash), .text(stamp)]
        )
    }

    /// Revokes a society's token; false when it has no such token (or it is revoked already).
    public func revokeToken(id: String, societyID: String) throws -> Bool {
        try sql.execute(
            "UPDATE api_token SET revoked_at = ? WHERE id = ? AND society_id = ? AND revoked_at IS NULL",
            [.text(stamp), .text(id), .text(societyID)]
        ) > 0
    }
}

extension AppDatabase {
    private static let tokenColumns = "id, society_id, secret_hash, created_at, revoked_at"

    public func token(id: String) throws(ServiceError) -> StoredToken? {
        try reading("reading a token") { sql in
            try sql.firstRow("SELECT \(Self.tokenColumns) FROM api_token WHERE id = ?", [.text(id)]).map(Self.token(from:))
        }
    }

    public func tokens(of societyID: String) throws(ServiceError) -> [StoredToken] {
        try reading("reading the tokens of \(societyID)") { sql in
            try sql.rows("SELECT \(Self.tokenColumns) FROM api_token WHERE society_id = ? ORDER BY created_at, id", [.text(societyID)])
                .map(Self.token(from:))
        }
    }

    static func token(from row: SQLRow) throws -> StoredToken {
        guard let id = row.text(0), let societyID = row.text(1), let hash = row.text(2), let created = row.text(3).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "token \(row.text(0) ?? "?") is unreadable")
        }
        return StoredToken(id: id, societyID: societyID, secretHash: hash, createdAt: created, revokedAt: row.text(4).flatMap(Date.init(iso8601:)))
    }

    public func isMember(engineerID: String, societyID: String) throws(ServiceError) -> Bool {
        try reading("reading memberships") { sql in try Self.isMember(engineerID: engineerID, societyID: societyID, sql) }
    }

    /// The LRS asks it for every statement a society's credential sends: SQLite's connection
    /// keeps the statement prepared.
    static func isMember(engineerID: String, societyID: String, _ sql: any SQLConnection) throws -> Bool {
        try sql.firstRow("SELECT 1 FROM society_membership WHERE engineer_id = ? AND society_id = ?", [.text(engineerID), .text(societyID)]) != nil
    }

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
