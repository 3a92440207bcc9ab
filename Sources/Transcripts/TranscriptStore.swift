import Domain
import Enrollment
import Foundation
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
/// It reads the streamed row in place (on SQLite, no copy until a `String` is asked for), so it
/// is valid only inside the callback that receives it.
public struct MemberAwardRow {
    let row: SQLCursorRow

    /// Changes exactly when the member changes (rows come grouped by member).
    public var memberKey: Int64 { row.int64(0) }
    public var memberNumber: String { row.string(1) }
    public var engineerID: String { row.string(2) }
    public var engineerName: String { row.string(3) }
    public var hasAward: Bool { !row.isNull(4) }
    public var awardID: Int64 { row.int64(4) }
    public var publicationID: Int64 { row.int64(5) }
    public var hours: Double { row.double(6) }
    public var category: SubjectCategory? {
        switch row.int64(7) {
        case 1: .professional
        case 2: .public
        default: nil
        }
    }
    /// When the activity ended (the award's date).
    public var completedAt: Date? { row.withText(8) { Date.parseStamp(bytes: $0) } }
    /// The award's date as stored (ISO 8601, UTC), lent to `body`; its first 10 bytes are the day.
    public func withCompletedAtText<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R { try row.withText(8, body) }
    /// Detail reports only (0 in summary rows).
    public var recordVersion: Int64 { row.int64(9) }
    public var passed: Bool { row.int64(10) == 1 }
    /// The credential id, lent to `body` (detail reports only).
    public func withCredentialID<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R { try row.withText(11, body) }
}

extension AppDatabase {
    /// Every published course version, by publication id (a few thousand at most).
    public func courseVersions() throws(ServiceError) -> [Int64: CourseVersionInfo] {
        try reading("reading course versions", mayLag: true) { connection in
            var keywords: [Int64: [String]] = [:]
            try connection.query("""
                SELECT p.id, t.value FROM publication p JOIN submission_text t ON t.submission_id = p.submission_id AND t.kind = 'keyword'
                ORDER BY p.id, t.position
                """, []) { row in
                keywords[row.int64(0) ?? 0, default: []].append(row.text(1) ?? "")
            }
            var result: [Int64: CourseVersionInfo] = [:]
            try connection.query("""
                SELECT p.id, p.course_id, p.version, s.display_title,
                    (SELECT value FROM submission_text t WHERE t.submission_id = s.id AND t.kind = 'description' ORDER BY position LIMIT 1),
                    c.society_id, so.name
                FROM publication p JOIN submission s ON s.id = p.submission_id JOIN course c ON c.id = p.course_id JOIN society so ON so.id = c.society_id
                """, []) { row in
                guard let id = row.int64(0), let courseID = row.text(1), let version = row.int64(2), let title = row.text(3),
                      let providerID = row.text(5), let providerName = row.text(6) else {
                    throw ServiceError(.storage, "publication \(row.int64(0) ?? 0) is unreadable")
                }
                result[id] = CourseVersionInfo(
                    publicationID: id, courseID: courseID, version: Int(version), title: title, description: row.text(4),
                    providerSocietyID: providerID, providerSocietyName: providerName, keywords: keywords[id] ?? []
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
        try reading("reading the transcript of \(engineerID)", mayLag: true) { connection in
            // Learning started at enrollment or at the first result, whichever came first.
            let startedAt = connection.dialect.least(
                "en.enrolled_at", "coalesce((SELECT min(pe.at) FROM progress_event pe WHERE pe.enrollment_id = en.id), en.enrolled_at)"
            )
            let columns = CreditAward.columnCount
            return try connection.rows(
                """
                SELECT \(CreditAward.columns("a.")), e.name, p.course_id, p.version, s.display_title,
                    (SELECT value FROM submission_text t WHERE t.submission_id = s.id AND t.kind = 'description' ORDER BY position LIMIT 1),
                    c.society_id, so.name, \(startedAt)
                FROM credit_award a JOIN engineer e ON e.id = a.engineer_id
                JOIN enrollment en ON en.id = a.enrollment_id
                JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id
                JOIN course c ON c.id = p.course_id JOIN society so ON so.id = c.society_id
                WHERE a.engineer_id = ? AND a.awarded_at >= ? AND a.awarded_at < ? AND (? = 1 OR a.revoked_at IS NULL)
                ORDER BY a.awarded_at, a.id
                """,
                [.text(engineerID), .text(from.iso8601), .text(before.iso8601), .integer(includeRevoked ? 1 : 0)]
            ).map { row in
                let award = try CreditAward(row)
                guard let credentialID = award.credentialID, let name = row.text(columns), let courseID = row.text(columns + 1),
                      let version = row.int64(columns + 2), let title = row.text(columns + 3), let providerID = row.text(columns + 5),
                      let providerName = row.text(columns + 6), let startedAt = row.text(columns + 7).flatMap(Date.init(iso8601:)) else {
                    throw ServiceError(.storage, "credit award \(award.id) is unreadable")
                }
                return TranscriptRecord(
                    recordID: award.id, recordVersion: award.recordVersion, status: award.revokedAt == nil ? .active : .revoked,
                    credentialID: credentialID, engineerID: award.engineerID, engineerName: name, courseID: courseID,
                    courseVersion: Int(version), title: title, description: row.text(columns + 4),
                    providerSocietyID: providerID, providerSocietyName: providerName,
                    category: award.category, hours: award.hours, unit: "学时", startedAt: startedAt, completedAt: award.awardedAt,
                    result: award.result
                )
            }
        }
    }

    /// Streams a society's members in member-number order, each with their standing awards
    /// completed in [from, before) in time order (one row per award; one row without an award
    /// for a member without any). Rows are read one at a time as the database produces them,
    /// through a covering index: memory stays flat and no award needs a table lookup. `detail`
    /// adds the record version, result and credential id.
    public func forEachMemberAward(
        societyID: String, from: Date, before: Date, detail: Bool = false, _ body: (MemberAwardRow) throws -> Void
    ) throws(ServiceError) {
        let detailColumns = detail ? "a.record_version, a.result = 'passed', a.credential_id" : "0, 0, NULL"
        try reading("reading the awards of \(societyID)'s members", mayLag: true) { connection in
            // A key that changes with the member: SQLite's rowid; PostgreSQL has none, and ranks.
            let memberKey = connection.dialect == .sqlite ? "m.rowid" : "dense_rank() OVER (ORDER BY m.member_number)"
            try connection.stream("""
                SELECT \(memberKey), m.member_number, m.engineer_id, e.name, a.id, a.publication_id, a.hours,
                    CASE a.category WHEN 'professional' THEN 1 WHEN 'public' THEN 2 END, a.awarded_at, \(detailColumns)
                FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
                LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL AND a.awarded_at >= ? AND a.awarded_at < ?
                WHERE m.society_id = ?
                ORDER BY m.member_number, a.awarded_at
                """, [.text(from.iso8601), .text(before.iso8601), .text(societyID)]) { row in
                try body(MemberAwardRow(row: row))
            }
        }
    }
}

/// One member of a society with their standing hours per subject, in a period and (when asked)
/// in the one before it, as summed by the database. Valid only inside the callback that receives it.
public struct MemberTotalsRow {
    let row: SQLCursorRow
    let withPrevious: Bool

    public var memberNumber: String { row.string(0) }
    public var engineerID: String { row.string(1) }
    public var engineerName: String { row.string(2) }

    /// Hours of standing awards in the subject, in the period (or the previous one); 0 when none.
    public func hours(_ subject: SubjectCategory, previous: Bool = false) -> Double {
        let index = SubjectCategory.allCases.firstIndex(of: subject) ?? 0
        let column = 3 + (withPrevious ? index * 2 + (previous ? 1 : 0) : index)
        return previous && !withPrevious ? 0 : row.double(column)
    }
}

extension AppDatabase {
    /// Streams a society's members in member-number order with their standing hours summed per
    /// subject for `period` and, when given, `previous` (the period before it). One row per
    /// member, summed inside the database over the covering index: for policies whose
    /// categories depend only on the subject, this is all a summary needs.
    public func forEachMemberTotals(
        societyID: String, period: DateInterval, previous: DateInterval?, _ body: (MemberTotalsRow) throws -> Void
    ) throws(ServiceError) {
        var columns: [String] = []
        var arguments: [SQLValue] = []
        for subject in SubjectCategory.allCases {
            for part in previous == nil ? [""] : [" AND a.awarded_at >= ?", " AND a.awarded_at < ?"] {
                columns.append("coalesce(sum(CASE WHEN a.category = '\(subject.rawValue)'\(part) THEN a.hours END), 0)")
                if !part.isEmpty { arguments.append(.text(period.start.iso8601)) }
            }
        }
        arguments += [.text((previous?.start ?? period.start).iso8601), .text(period.end.iso8601), .text(societyID)]
        let sums = columns.joined(separator: ", ")
        // One engineer per member number: min() names the group's only one, grouped by the member
        // number alone, so SQLite keeps walking its index in order (grouping by more columns
        // added a sort of every member).
        try reading("reading the totals of \(societyID)'s members", mayLag: true) { connection in
            try connection.stream("""
                SELECT m.member_number, min(m.engineer_id), min(e.name), \(sums)
                FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
                LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL AND a.awarded_at >= ? AND a.awarded_at < ?
                WHERE m.society_id = ?
                GROUP BY m.member_number
                ORDER BY m.member_number
                """, arguments) { row in
                try body(MemberTotalsRow(row: row, withPrevious: previous != nil))
            }
        }
    }
}

extension StoreTransaction {
    public func insertSigningKey(_ key: SigningKeyRecord) throws {
        try sql.execute(
            "INSERT INTO signing_key (kid, alg, public_jwk, created_at, not_after, retired_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(key.kid), .text(key.algorithm), .text(key.publicJWK), .text(key.createdAt.iso8601), .text(key.notAfter.iso8601),
             SQLValue(key.retiredAt?.iso8601)]
        )
    }

    /// Retires every key still signing (before a new one takes over).
    public func retireSigningKeys() throws -> [String] {
        let kids = try sql.rows("SELECT kid FROM signing_key WHERE retired_at IS NULL ORDER BY created_at, kid").compactMap { $0.text(0) }
        try sql.execute("UPDATE signing_key SET retired_at = ? WHERE retired_at IS NULL", [.text(stamp)])
        return kids
    }

    public func signingKeys() throws -> [SigningKeyRecord] {
        try AppDatabase.signingKeys(on: sql)
    }
}

extension AppDatabase {
    /// Every signing key, oldest first.
    public func signingKeys() throws(ServiceError) -> [SigningKeyRecord] {
        try reading("reading signing keys") { connection in try Self.signingKeys(on: connection) }
    }

    static func signingKeys(on connection: any SQLConnection) throws -> [SigningKeyRecord] {
        // Keys made in the same instant (a rotation under a test's clock): the retired one first,
        // as rotation retires before it inserts.
        try connection.rows(
            "SELECT kid, alg, public_jwk, created_at, not_after, retired_at FROM signing_key ORDER BY created_at, retired_at IS NULL, kid"
        ).map { row in
            guard let kid = row.text(0), let algorithm = row.text(1), let jwk = row.text(2),
                  let created = row.text(3).flatMap(Date.init(iso8601:)), let notAfter = row.text(4).flatMap(Date.init(iso8601:)) else {
                throw ServiceError(.storage, "signing key \(row.text(0) ?? "?") is unreadable")
            }
            return SigningKeyRecord(
                kid: kid, algorithm: algorithm, publicJWK: jwk, createdAt: created, notAfter: notAfter,
                retiredAt: row.text(5).flatMap(Date.init(iso8601:))
            )
        }
    }
}
