import Domain
import Foundation

extension AppDatabase {
    /// Audit lines, oldest first (`AuditLog.entries`).
    public func audit(since: Date? = nil, subject: String? = nil, limit: Int? = nil) throws(ServiceError) -> [AuditEntry] {
        try reading("reading the audit log") { connection in
            try AuditLog.entries(since: since, subject: subject, limit: limit, on: connection)
        }
    }
}
