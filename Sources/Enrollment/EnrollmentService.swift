import Catalog
import Domain
import Foundation
import Storage

/// What `enroll` did.
public struct EnrollmentOutcome: Codable, Sendable {
    public var enrollment: Enrollment
    /// False when the engineer was already enrolled: nothing changed.
    public var created: Bool
}

/// Enrollment in published courses. An engineer enrolls in the course's current version and
/// keeps that version even when a newer one is published.
public struct EnrollmentService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// Enrolls in the currently published version; enrolling again while enrolled is a no-op.
    public func enroll(engineerID: String, courseID: String, actor: String) throws(ServiceError) -> EnrollmentOutcome {
        try database.perform(at: clock()) { tx in
            guard try EngineerStore.engineer(engineerID, on: tx.sql) != nil else {
                throw ServiceError(.notFound, "no engineer '\(engineerID)'", remedy: .addEngineer)
            }
            if let existing = try EnrollmentStore.active(engineerID: engineerID, courseID: courseID, on: tx.sql) {
                return EnrollmentOutcome(enrollment: existing, created: false)
            }
            guard let publication = try tx.currentPublication(of: courseID) else {
                throw ServiceError(.notFound, "'\(courseID)' has no published version to enroll in", remedy: .browseCatalog)
            }
            let enrollment = try EnrollmentStore.insert(
                engineerID: engineerID, courseID: courseID, publicationID: publication.id, registration: UUID(), in: tx
            )
            try tx.audit(AuditRecord(
                actor: actor, action: "enrollment.enroll", subject: "engineer:\(engineerID)",
                details: ["course": courseID, "version": String(publication.version), "registration": enrollment.registration.uuidString.lowercased()]
            ))
            return EnrollmentOutcome(enrollment: enrollment, created: true)
        }
    }

    /// Withdraws the engineer's active enrollment; the record stays.
    public func withdraw(engineerID: String, courseID: String, actor: String, reason: String? = nil) throws(ServiceError) -> Enrollment {
        try database.perform(at: clock()) { tx in
            guard var enrollment = try EnrollmentStore.active(engineerID: engineerID, courseID: courseID, on: tx.sql) else {
                throw ServiceError(.notFound, "'\(engineerID)' has no active enrollment in '\(courseID)'")
            }
            try EnrollmentStore.end(enrollment.id, status: .withdrawn, in: tx)
            try tx.audit(AuditRecord(
                actor: actor, action: "enrollment.withdraw", subject: "engineer:\(engineerID)", reason: reason,
                details: ["course": courseID, "registration": enrollment.registration.uuidString.lowercased()]
            ))
            enrollment.status = .withdrawn
            enrollment.endedAt = tx.now
            return enrollment
        }
    }
}
