import Domain
import Foundation
import GRDB

extension StoreTransaction {
    public func policyBody(_ name: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT body FROM credit_policy WHERE name = ?", arguments: [name])
    }

    /// Adds or replaces a policy.
    public func savePolicy(name: String, body: String) throws {
        try db.execute(
            sql: "INSERT INTO credit_policy (name, body, added_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, added_at = excluded.added_at",
            arguments: [name, body, stamp]
        )
    }

    public func setSocietyPolicy(_ societyID: String, policy: String?) throws {
        try db.execute(sql: "UPDATE society SET policy_name = ?, updated_at = ? WHERE id = ?", arguments: [policy, stamp, societyID])
        if db.changesCount == 0 { throw ServiceError(.notFound, "no society '\(societyID)'") }
    }
}

extension AppDatabase {
    /// Added policies' JSON bodies by name.
    public func policyBodies() throws(ServiceError) -> [(name: String, body: String)] {
        try read("reading policies") { db in
            try Row.fetchAll(db, sql: "SELECT name, body FROM credit_policy ORDER BY name").map { ($0["name"], $0["body"]) }
        }
    }

    /// The policy each of the engineer's societies set, in society order (nil where none).
    public func societyPolicies(of engineerID: String) throws(ServiceError) -> [(societyID: String, policy: String?)] {
        try read("reading policies of \(engineerID)'s societies") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT s.id, s.policy_name FROM society_membership m JOIN society s ON s.id = m.society_id WHERE m.engineer_id = ? ORDER BY s.id",
                arguments: [engineerID]
            ).map { ($0["id"], $0["policy_name"]) }
        }
    }

    public func societyPolicy(_ societyID: String) throws(ServiceError) -> String? {
        try read("reading the policy of \(societyID)") { db in
            try String.fetchOne(db, sql: "SELECT policy_name FROM society WHERE id = ?", arguments: [societyID])
        }
    }

    /// The engineer's standing awards as credit items: hours, subject, the course's title and keywords.
    public func creditItems(of engineerID: String) throws(ServiceError) -> [CreditItem] {
        try read("reading credits of \(engineerID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.course_id, a.hours, a.category, a.awarded_at, s.display_title, p.submission_id
                    FROM credit_award a JOIN enrollment e ON e.id = a.enrollment_id JOIN publication p ON p.id = e.publication_id
                    JOIN submission s ON s.id = p.submission_id
                    WHERE a.engineer_id = ? AND a.revoked_at IS NULL ORDER BY a.awarded_at, a.id
                    """,
                arguments: [engineerID]
            ).map { row in
                guard let subject = SubjectCategory(rawValue: row["category"]), let at = Date(iso8601: row["awarded_at"]) else {
                    throw ServiceError(.storage, "credit award \(row["id"] as Int64? ?? 0) is unreadable")
                }
                let keywords = try String.fetchAll(
                    db, sql: "SELECT value FROM submission_text WHERE submission_id = ? AND kind = 'keyword' ORDER BY position",
                    arguments: [row["submission_id"] as Int64]
                )
                return CreditItem(
                    awardID: row["id"], courseID: row["course_id"], title: row["display_title"], hours: row["hours"],
                    subject: subject, keywords: keywords, completedAt: at
                )
            }
        }
    }
}
