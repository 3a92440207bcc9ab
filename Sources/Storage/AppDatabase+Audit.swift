import Domain
import Foundation
import GRDB

extension AppDatabase {
    /// Audit lines, oldest first. `subject` matches a typed subject (`society:cces`) or the bare
    /// id after the colon (`cces`); `since` is inclusive.
    public func audit(since: Date? = nil, subject: String? = nil, limit: Int? = nil) throws(ServiceError) -> [AuditEntry] {
        try read("reading the audit log") { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let since {
                clauses.append("at >= ?")
                arguments += [since.iso8601]
            }
            if let subject {
                clauses.append(subject.contains(":") ? "subject = ?" : "substr(subject, instr(subject, ':') + 1) = ?")
                arguments += [subject]
            }
            var sql = "SELECT * FROM audit"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id"
            if let limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                guard let at = Date(iso8601: row["at"]) else {
                    throw ServiceError(.storage, "audit line \(row["id"] as Int64? ?? 0) has a bad date")
                }
                let detailsText: String = row["details"]
                let details = (try? JSONSerialization.jsonObject(with: Data(detailsText.utf8))) as? [String: String] ?? [:]
                return AuditEntry(
                    id: row["id"], at: at, actor: row["actor"], action: row["action"], subject: row["subject"],
                    reason: row["reason"], details: details
                )
            }
        }
    }
}
