import Domain
import Foundation
import Storage

/// Reads the audit log that every change writes in its own transaction.
public struct AuditService: Sendable {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    /// Lines oldest first; `subject` is `kind:id` or a bare id (`cces`, `12`, `cces/ethics`).
    public func entries(since: Date? = nil, subject: String? = nil, limit: Int? = nil) throws(ServiceError) -> [AuditEntry] {
        try database.audit(since: since, subject: subject, limit: limit)
    }
}
