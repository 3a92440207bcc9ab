import Domain
import Enrollment
import Foundation
import GRDB
import GRDBSQLite
import Storage

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
/// member's standing awards (`hasAward` false for a member without any in the range).
///
/// It reads the running statement's current row in place (no copy until a `String` is asked
/// for), so it is valid only inside the callback that receives it.
public struct MemberAwardRow {
    let statement: OpaquePointer

    /// Changes exactly when the member changes (rows come grouped by member).
    public var memberKey: Int64 { sqlite3_column_int64(statement, 0) }
    public var memberNumber: String { string(1) }
    public var engineerID: String { string(2) }
    public var engineerName: String { string(3) }
    public var hasAward: Bool { sqlite3_column_type(statement, 4) != SQLITE_NULL }
    public var awardID: Int64 { sqlite3_column_int64(statement, 4) }
    public var publicationID: Int64 { sqlite3_column_int64(statement, 5) }
    public var hours: Double { sqlite3_column_double(statement, 6) }
    public var category: SubjectCategory? {
        switch sqlite3_column_int(statement, 7) {
        case 1: .professional
        case 2: .public
        default: nil
        }
    }
    /// When the activity ended (the award's date).
    public var completedAt: Date? { Date.parseStamp(bytes: text(8)) }
    /// The award's date as stored (ISO 8601, UTC); its first 10 bytes are the day.
    public var completedAtText: UnsafeBufferPointer<UInt8> { text(8) }
    /// Detail reports only (0 in summary rows).
    public var recordVersion: Int64 { sqlite3_column_int64(statement, 9) }
    public var passed: Bool { sqlite3_column_int(statement, 10) == 1 }
    public var credentialID: UnsafeBufferPointer<UInt8> { text(11) }

    func text(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let bytes = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }

    func string(_ column: Int32) -> String { String(decoding: text(column), as: UTF8.self) }
}

extension AppDatabase {
    /// Every published course version, by publication id (a few thousand at most).
    public func courseVersions() throws(ServiceError) -> [Int64: CourseVersionInfo] {
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
    public func transcriptRecords(engineerID: String, from: Date, before: Date, includeRevoked: Bool = false) throws(ServiceError) -> [TranscriptRecord] {
        // The engineer's few awards joined to their course versions (not every version loaded:
        // the API answers this per request).
        try read("reading the transcript of \(engineerID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.*, e.name, p.course_id AS version_course, p.version AS course_version, s.display_title,
                        (SELECT value FROM submission_text t WHERE t.submission_id = s.id AND t.kind = 'description' ORDER BY position LIMIT 1)
                            AS description,
                        c.society_id AS provider_id, so.name AS provider_name,
                        -- Learning started at enrollment or at the first result, whichever came first.
                        min(en.enrolled_at, coalesce((SELECT min(pe.at) FROM progress_event pe WHERE pe.enrollment_id = en.id), en.enrolled_at)) AS started_at
                    FROM credit_award a JOIN engineer e ON e.id = a.engineer_id
                    JOIN enrollment en ON en.id = a.enrollment_id
                    JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id
                    JOIN course c ON c.id = p.course_id JOIN society so ON so.id = c.society_id
                    WHERE a.engineer_id = ? AND a.awarded_at >= ? AND a.awarded_at < ? AND (? OR a.revoked_at IS NULL)
                    ORDER BY a.awarded_at, a.id
                    """,
                arguments: [engineerID, from.iso8601, before.iso8601, includeRevoked]
            ).map { row in
                let award = try CreditAward(row: row)
                guard let credentialID = award.credentialID, let startedAt = Date(iso8601: row["started_at"]) else {
                    throw ServiceError(.storage, "credit award \(award.id) is unreadable")
                }
                return TranscriptRecord(
                    recordID: award.id, recordVersion: award.recordVersion, status: award.revokedAt == nil ? .active : .revoked,
                    credentialID: credentialID, engineerID: award.engineerID, engineerName: row["name"], courseID: row["version_course"],
                    courseVersion: row["course_version"], title: row["display_title"], description: row["description"],
                    providerSocietyID: row["provider_id"], providerSocietyName: row["provider_name"],
                    category: award.category, hours: award.hours, unit: "学时", startedAt: startedAt, completedAt: award.awardedAt,
                    result: award.result
                )
            }
        }
    }

    /// Streams a society's members in member-number order, each with their standing awards
    /// completed in [from, before) in time order (one row per award; one row without an award
    /// for a member without any). Rows are read one at a time from the statement, through a
    /// covering index: memory stays flat and no award needs a table lookup. `detail` adds the
    /// record version, result and credential id.
    public func forEachMemberAward(
        societyID: String, from: Date, before: Date, detail: Bool = false, _ body: (MemberAwardRow) throws -> Void
    ) throws(ServiceError) {
        // `read` runs the closure synchronously on this thread, before it returns: `body` never
        // escapes nor runs concurrently.
        nonisolated(unsafe) let body = body
        let detailColumns = detail ? "a.record_version, a.result = 'passed', a.credential_id" : "0, 0, NULL"
        try read("reading the awards of \(societyID)'s members") { db in
            let statement = try db.makeStatement(sql: """
                SELECT m.rowid, m.member_number, m.engineer_id, e.name, a.id, a.publication_id, a.hours,
                    CASE a.category WHEN 'professional' THEN 1 WHEN 'public' THEN 2 END, a.awarded_at, \(detailColumns)
                FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
                LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL AND a.awarded_at >= ? AND a.awarded_at < ?
                WHERE m.society_id = ?
                ORDER BY m.member_number, a.awarded_at
                """)
            try statement.setArguments([from.iso8601, before.iso8601, societyID])
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            let row = MemberAwardRow(statement: handle)
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw ServiceError(.storage, "reading the awards of \(societyID)'s members: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                try body(row)
            }
        }
    }
}

/// One member of a society with their standing hours per subject, in a period and (when asked)
/// in the one before it, as summed by SQLite. Valid only inside the callback that receives it.
public struct MemberTotalsRow {
    let statement: OpaquePointer
    let withPrevious: Bool

    public var memberNumber: String { string(0) }
    public var engineerID: String { string(1) }
    public var engineerName: String { string(2) }

    /// Hours of standing awards in the subject, in the period (or the previous one); 0 when none.
    public func hours(_ subject: SubjectCategory, previous: Bool = false) -> Double {
        let index = SubjectCategory.allCases.firstIndex(of: subject) ?? 0
        let column = 3 + (withPrevious ? index * 2 + (previous ? 1 : 0) : index)
        return previous && !withPrevious ? 0 : sqlite3_column_double(statement, Int32(column))
    }

    func string(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }
}

extension AppDatabase {
    /// Streams a society's members in member-number order with their standing hours summed per
    /// subject for `period` and, when given, `previous` (the period before it). One row per
    /// member, summed inside SQLite over the covering index: for policies whose categories
    /// depend only on the subject, this is all a summary needs.
    public func forEachMemberTotals(
        societyID: String, period: DateInterval, previous: DateInterval?, _ body: (MemberTotalsRow) throws -> Void
    ) throws(ServiceError) {
        nonisolated(unsafe) let body = body
        var columns: [String] = []
        for subject in SubjectCategory.allCases {
            for part in previous == nil ? [""] : [" AND a.awarded_at >= :start", " AND a.awarded_at < :start"] {
                columns.append("total(CASE WHEN a.category = '\(subject.rawValue)'\(part) THEN a.hours END)")
            }
        }
        let sums = columns.joined(separator: ", ")
        try read("reading the totals of \(societyID)'s members") { db in
            let statement = try db.makeStatement(sql: """
                SELECT m.member_number, m.engineer_id, e.name, \(sums)
                FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
                LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL AND a.awarded_at >= :from AND a.awarded_at < :end
                WHERE m.society_id = :society
                GROUP BY m.member_number
                ORDER BY m.member_number
                """)
            try statement.setArguments([
                "from": (previous?.start ?? period.start).iso8601, "start": period.start.iso8601, "end": period.end.iso8601, "society": societyID,
            ])
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            let row = MemberTotalsRow(statement: handle, withPrevious: previous != nil)
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw ServiceError(.storage, "reading the totals of \(societyID)'s members: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                try body(row)
            }
        }
    }
}

extension StoreTransaction {
    public func insertSigningKey(_ key: SigningKeyRecord) throws {
        try database.execute(
            sql: "INSERT INTO signing_key (kid, alg, public_jwk, created_at, not_after, retired_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [key.kid, key.algorithm, key.publicJWK, key.createdAt.iso8601, key.notAfter.iso8601, key.retiredAt?.iso8601]
        )
    }

    /// Retires every key still signing (before a new one takes over).
    public func retireSigningKeys() throws -> [String] {
        let kids = try String.fetchAll(database, sql: "SELECT kid FROM signing_key WHERE retired_at IS NULL ORDER BY created_at, rowid")
        try database.execute(sql: "UPDATE signing_key SET retired_at = ? WHERE retired_at IS NULL", arguments: [stamp])
        return kids
    }

    public func signingKeys() throws -> [SigningKeyRecord] {
        try AppDatabase.signingKeys(database)
    }
}

extension AppDatabase {
    /// Every signing key, oldest first.
    public func signingKeys() throws(ServiceError) -> [SigningKeyRecord] {
        try read("reading signing keys") { db in try Self.signingKeys(db) }
    }

    static func signingKeys(_ db: Database) throws -> [SigningKeyRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM signing_key ORDER BY created_at, rowid").map { row in
            guard let created = Date(iso8601: row["created_at"]), let notAfter = Date(iso8601: row["not_after"]) else {
                throw ServiceError(.storage, "signing key \(row["kid"] as String? ?? "?") is unreadable")
            }
            return SigningKeyRecord(
                kid: row["kid"], algorithm: row["alg"], publicJWK: row["public_jwk"], createdAt: created, notAfter: notAfter,
                retiredAt: (row["retired_at"] as String?).flatMap(Date.init(iso8601:))
            )
        }
    }
}
