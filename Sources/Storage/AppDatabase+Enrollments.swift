import Domain
import Foundation

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
        try sql.firstRow(
            AppDatabase.enrollmentSelect + " WHERE e.engineer_id = ? AND e.course_id = ? AND \(statusCondition) ORDER BY e.id DESC LIMIT 1",
            [.text(engineerID), .text(courseID)]
        ).map(AppDatabase.enrollment(from:))
    }

    /// Enrolls the engineer in a publication now, under a new registration UUID.
    public func insertEnrollment(engineerID: String, courseID: String, publicationID: Int64, registration: UUID) throws -> Enrollment {
        guard let id = try sql.firstRow(
            "INSERT INTO enrollment (engineer_id, course_id, publication_id, registration, status, enrolled_at) VALUES (?, ?, ?, ?, 'active', ?) RETURNING id",
            [.text(engineerID), .text(courseID), .integer(publicationID), .text(registration.uuidString.lowercased()), .text(stamp)]
        )?.int64(0), let row = try sql.firstRow(AppDatabase.enrollmentSelect + " WHERE e.id = ?", [.integer(id)]) else {
            throw ServiceError(.storage, "the new enrollment of \(engineerID) in \(courseID) vanished")
        }
        return try AppDatabase.enrollment(from: row)
    }

    /// Ends an enrollment now with `status` (withdrawn or completed).
    public func endEnrollment(_ id: Int64, status: EnrollmentStatus) throws {
        let ended = try sql.execute(
            "UPDATE enrollment SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'", [.text(status.rawValue), .text(stamp), .integer(id)]
        )
        guard ended == 1 else { throw ServiceError(.conflict, "enrollment \(id) is not active") }
    }

    /// The engineer's enrollments that are not withdrawn, newest first.
    public func currentEnrollments(engineerID: String) throws -> [Enrollment] {
        try sql.rows(AppDatabase.enrollmentSelect + " WHERE e.engineer_id = ? AND e.status <> 'withdrawn' ORDER BY e.id DESC", [.text(engineerID)])
            .map(AppDatabase.enrollment(from:))
    }
}

extension AppDatabase {
    /// What `enrollment(from:)` reads.
    static let enrollmentSelect = """
        SELECT e.id, e.engineer_id, e.course_id, p.version, p.submission_id, e.registration, e.status, e.enrolled_at, e.ended_at
        FROM enrollment e JOIN publication p ON p.id = e.publication_id
        """

    /// The engineer's enrollments, newest first.
    public func enrollments(of engineerID: String) throws(ServiceError) -> [Enrollment] {
        try reading("reading enrollments of \(engineerID)") { sql in
            try sql.rows(Self.enrollmentSelect + " WHERE e.engineer_id = ? ORDER BY e.id DESC", [.text(engineerID)]).map(Self.enrollment(from:))
        }
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
