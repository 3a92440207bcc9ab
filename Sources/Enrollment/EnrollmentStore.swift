import Domain
import Foundation
import Storage

/// Enrollments (`enrollment`, read with their publication's version and package), beside
/// `EnrollmentService` and `ProgressService`, which own when one starts and ends: each query
/// written once on the storage kernel.
public enum EnrollmentStore {
    /// What `enrollment(from:)` reads.
    static let select = """
        SELECT e.id, e.engineer_id, e.course_id, p.version, p.submission_id, e.registration, e.status, e.enrolled_at, e.ended_at
        FROM enrollment e JOIN publication p ON p.id = e.publication_id
        """

    public static func enrollment(id: Int64, on sql: any SQLConnection) throws -> Enrollment? {
        try sql.firstRow(select + " WHERE e.id = ?", [.integer(id)]).map(enrollment(from:))
    }

    /// The enrollment an xAPI `context.registration` names.
    static func enrollment(registration: UUID, on sql: any SQLConnection) throws -> Enrollment? {
        try sql.firstRow(select + " WHERE e.registration = ?", [.text(registration.uuidString.lowercased())]).map(enrollment(from:))
    }

    /// The engineer's active enrollment in the course, if any.
    static func active(engineerID: String, courseID: String, on sql: any SQLConnection) throws -> Enrollment? {
        try newest(engineerID: engineerID, courseID: courseID, statusCondition: "e.status = 'active'", on: sql)
    }

    /// The engineer's newest enrollment in the course that is not withdrawn, if any.
    public static func current(engineerID: String, courseID: String, on sql: any SQLConnection) throws -> Enrollment? {
        try newest(engineerID: engineerID, courseID: courseID, statusCondition: "e.status <> 'withdrawn'", on: sql)
    }

    private static func newest(engineerID: String, courseID: String, statusCondition: String, on sql: any SQLConnection) throws -> Enrollment? {
        try sql.firstRow(
            select + " WHERE e.engineer_id = ? AND e.course_id = ? AND \(statusCondition) ORDER BY e.id DESC LIMIT 1",
            [.text(engineerID), .text(courseID)]
        ).map(enrollment(from:))
    }

    /// The engineer's enrollments that are not withdrawn, newest first.
    static func current(engineerID: String, on sql: any SQLConnection) throws -> [Enrollment] {
        try sql.rows(select + " WHERE e.engineer_id = ? AND e.status <> 'withdrawn' ORDER BY e.id DESC", [.text(engineerID)]).map(enrollment(from:))
    }

    /// The current enrollments (`current(engineerID:)`) of each of these engineers, newest
    /// first; an engineer with none is absent.
    static func current(engineerIDs: some Collection<String>, on sql: any SQLConnection) throws -> [String: [Enrollment]] {
        var found: [String: [Enrollment]] = [:]
        for part in SQLPlaceholders.parts(engineerIDs) {
            try sql.query(
                select + " WHERE e.engineer_id IN (\(SQLPlaceholders.list(part.count))) AND e.status <> 'withdrawn' ORDER BY e.id DESC",
                part.map(SQLValue.text)
            ) { row in
                let enrollment = try enrollment(from: row)
                found[enrollment.engineerID, default: []].append(enrollment)
            }
        }
        return found
    }

    /// The enrollments of these registrations, whatever their status.
    static func enrollments(registrations: some Collection<UUID>, on sql: any SQLConnection) throws -> [Enrollment] {
        var found: [Enrollment] = []
        for part in SQLPlaceholders.parts(registrations) {
            try sql.query(
                select + " WHERE e.registration IN (\(SQLPlaceholders.list(part.count)))", part.map { .text($0.uuidString.lowercased()) }
            ) { row in found.append(try enrollment(from: row)) }
        }
        return found
    }

    /// All the engineer's enrollments, newest first.
    static func all(of engineerID: String, on sql: any SQLConnection) throws -> [Enrollment] {
        try sql.rows(select + " WHERE e.engineer_id = ? ORDER BY e.id DESC", [.text(engineerID)]).map(enrollment(from:))
    }

    /// Enrolls the engineer in a publication now, under a new registration UUID.
    static func insert(engineerID: String, courseID: String, publicationID: Int64, registration: UUID, in tx: StoreTransaction) throws -> Enrollment {
        guard let id = try tx.sql.firstRow(
            "INSERT INTO enrollment (engineer_id, course_id, publication_id, registration, status, enrolled_at) VALUES (?, ?, ?, ?, 'active', ?) RETURNING id",
            [.text(engineerID), .text(courseID), .integer(publicationID), .text(registration.uuidString.lowercased()), .text(tx.stamp)]
        )?.int64(0), let enrollment = try enrollment(id: id, on: tx.sql) else {
            throw ServiceError(.storage, "the new enrollment of \(engineerID) in \(courseID) vanished")
        }
        return enrollment
    }

    /// Ends an active enrollment now with `status` (withdrawn or completed).
    static func end(_ id: Int64, status: EnrollmentStatus, in tx: StoreTransaction) throws {
        let ended = try tx.sql.execute(
            "UPDATE enrollment SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'", [.text(status.rawValue), .text(tx.stamp), .integer(id)]
        )
        guard ended == 1 else { throw ServiceError(.conflict, "enrollment \(id) is not active") }
    }

    /// Marks an active enrollment completed at `date` (the completion time, not the recording time).
    static func complete(_ id: Int64, at date: Date, on sql: any SQLConnection) throws {
        try sql.execute("UPDATE enrollment SET status = 'completed', ended_at = ? WHERE id = ? AND status = 'active'", [.text(date.iso8601), .integer(id)])
    }

    /// Puts a completed enrollment back to active (its completion no longer holds).
    static func reopen(_ id: Int64, on sql: any SQLConnection) throws {
        try sql.execute("UPDATE enrollment SET status = 'active', ended_at = NULL WHERE id = ? AND status = 'completed'", [.integer(id)])
    }

    static func enrollment(from row: SQLRow) throws -> Enrollment {
        guard let id = row.int64(0), let engineerID = row.text(1), let courseID = row.text(2), let version = row.int64(3),
              let submissionID = row.int64(4), let registration = row.text(5).flatMap(UUID.init(uuidString:)),
              let status = row.text(6).flatMap(EnrollmentStatus.init(rawValue:)), let enrolledAt = row.text(7).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "enrollment \(row.int64(0) ?? 0) is unreadable")
        }
        return Enrollment(
            id: id, engineerID: engineerID, courseID: courseID, version: Int(version), submissionID: submissionID, registration: registration,
            status: status, enrolledAt: enrolledAt, endedAt: row.text(8).flatMap(Date.init(iso8601:))
        )
    }
}
