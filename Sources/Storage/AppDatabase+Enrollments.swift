import Domain
import Foundation
import GRDB

extension StoreTransaction {
    /// The engineer's active enrollment in the course, if any.
    public func activeEnrollment(engineerID: String, courseID: String) throws -> Enrollment? {
        try newestEnrollment(engineerID: engineerID, courseID: courseID, statusCondition: "e.status = 'active'")
    }

    /// The engineer's newest enrollment in the course that is not withdrawn, if any.
    public func currentEnrollment(engineerID: String, courseID: String) throws -> Enrollment? {
        try newestEnrollment(engineerID: engineerID, courseID: courseID, statusCondition: "e.status <> 'withdrawn'")
    }

    private func newestEnrollment(engineerID: String, courseID: String, statusCondition: String) throws -> Enrollment? {
        try Row.fetchOne(
            db,
            sql: AppDatabase.enrollmentSelect + " WHERE e.engineer_id = ? AND e.course_id = ? AND \(statusCondition) ORDER BY e.id DESC LIMIT 1",
            arguments: [engineerID, courseID]
        ).map(AppDatabase.enrollment(from:))
    }

    /// Enrolls the engineer in a publication now, under a new registration UUID.
    public func insertEnrollment(engineerID: String, courseID: String, publicationID: Int64, registration: UUID) throws -> Enrollment {
        try db.execute(
            sql: "INSERT INTO enrollment (engineer_id, course_id, publication_id, registration, status, enrolled_at) VALUES (?, ?, ?, ?, 'active', ?)",
            arguments: [engineerID, courseID, publicationID, registration.uuidString.lowercased(), stamp]
        )
        let id = db.lastInsertedRowID
        guard let row = try Row.fetchOne(db, sql: AppDatabase.enrollmentSelect + " WHERE e.id = ?", arguments: [id]) else {
            throw ServiceError(.storage, "enrollment \(id) vanished")
        }
        return try AppDatabase.enrollment(from: row)
    }

    /// Ends an enrollment now with `status` (withdrawn or completed).
    public func endEnrollment(_ id: Int64, status: EnrollmentStatus) throws {
        try db.execute(
            sql: "UPDATE enrollment SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'",
            arguments: [status.rawValue, stamp, id]
        )
        guard db.changesCount == 1 else { throw ServiceError(.conflict, "enrollment \(id) is not active") }
    }
}

extension AppDatabase {
    static let enrollmentSelect = """
        SELECT e.*, p.version, p.submission_id FROM enrollment e JOIN publication p ON p.id = e.publication_id
        """

    /// The engineer's enrollments, newest first.
    public func enrollments(of engineerID: String) throws(ServiceError) -> [Enrollment] {
        try read("reading enrollments of \(engineerID)") { db in
            try Row.fetchAll(db, sql: Self.enrollmentSelect + " WHERE e.engineer_id = ? ORDER BY e.id DESC", arguments: [engineerID])
                .map(Self.enrollment(from:))
        }
    }

    static func enrollment(from row: Row) throws -> Enrollment {
        guard let registration = UUID(uuidString: row["registration"]), let status = EnrollmentStatus(rawValue: row["status"]),
              let enrolledAt = Date(iso8601: row["enrolled_at"]) else {
            throw ServiceError(.storage, "enrollment \(row["id"] as Int64? ?? 0) is unreadable")
        }
        return Enrollment(
            id: row["id"], engineerID: row["engineer_id"], courseID: row["course_id"], version: row["version"],
            submissionID: row["submission_id"], registration: registration, status: status, enrolledAt: enrolledAt,
            endedAt: (row["ended_at"] as String?).flatMap(Date.init(iso8601:))
        )
    }
}

extension StoreTransaction {
    /// The engineer's enrollments that are not withdrawn, newest first.
    public func currentEnrollments(engineerID: String) throws -> [Enrollment] {
        try Row.fetchAll(
            db.cachedStatement(sql: AppDatabase.enrollmentSelect + " WHERE e.engineer_id = ? AND e.status <> 'withdrawn' ORDER BY e.id DESC"),
            arguments: [engineerID]
        ).map(AppDatabase.enrollment(from:))
    }
}
