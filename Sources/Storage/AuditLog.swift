import Domain
import Foundation

/// The audit log's SQL, written once for both databases (the kernel's first store on
/// `SQLConnection`): every transaction appends its lines through `StoreTransaction.audit`;
/// `AuditService` reads them.
public enum AuditLog {
    private static let detailsEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Appends a line stamped `stamp` (the transaction's time, as stored).
    public static func append(_ record: AuditRecord, at stamp: String, on connection: any SQLConnection) throws {
        // JSONEncoder, not JSONSerialization: the same text, at a fraction of the cost on Linux.
        let details = try detailsEncoder.encode(record.details)
        try connection.execute(
            "INSERT INTO audit (at, actor, action, subject, reason, details) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(stamp), .text(record.actor), .text(record.action), .text(record.subject), SQLValue(record.reason),
             .text(String(decoding: details, as: UTF8.self))]
        )
    }

    /// Lines oldest first. `subject` matches a typed subject (`society:cces`) or the bare id
    /// after the colon (`cces`); `since` is inclusive.
    public static func entries(since: Date?, subject: String?, limit: Int?, on connection: any SQLConnection) throws -> [AuditEntry] {
        var clauses: [String] = []
        var arguments: [SQLValue] = []
        if let since {
            clauses.append("at >= ?")
            arguments.append(.text(since.iso8601))
        }
        if let subject {
            let colon = connection.dialect.position(of: "':'", in: "subject")
            clauses.append(subject.contains(":") ? "subject = ?" : "substr(subject, \(colon) + 1) = ?")
            arguments.append(.text(subject))
        }
        var sql = "SELECT id, at, actor, action, subject, reason, details FROM audit"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY id"
        if let limit {
            sql += " LIMIT ?"
            arguments.append(SQLValue(limit))
        }
        return try connection.rows(sql, arguments).map { row in
            let id = row.int64(0) ?? 0
            guard let at = row.text(1).flatMap(Date.init(iso8601:)) else {
                throw ServiceError(.storage, "audit line \(id) has a bad date")
            }
            let details = (try? JSONSerialization.jsonObject(with: Data((row.text(6) ?? "{}").utf8))) as? [String: String] ?? [:]
            return AuditEntry(
                id: id, at: at, actor: row.text(2) ?? "", action: row.text(3) ?? "", subject: row.text(4) ?? "", reason: row.text(5), details: details
            )
        }
    }
}
