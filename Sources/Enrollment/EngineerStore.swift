import Domain
import Foundation
import Storage

/// Engineers and their society memberships (`engineer`, `society_membership`), beside
/// `EngineerService`, which owns the rules of who may be added and matched: each query written
/// once on the storage kernel, for reads and transactions alike.
public enum EngineerStore {
    /// The columns `engineer(from:)` reads, each after `prefix` (a table alias and a dot).
    static func columns(_ prefix: String = "") -> String {
        ["id", "name", "email", "registration_number"].map { prefix + $0 }.joined(separator: ", ")
    }
    static let membershipColumns = "engineer_id, society_id, member_number, since"

    public static func engineer(_ id: String, on sql: any SQLConnection) throws -> Engineer? {
        try sql.firstRow("SELECT \(columns()) FROM engineer WHERE id = ?", [.text(id)]).map(engineer(from:))
    }

    /// The engineer with this e-mail address (case-insensitive), if any.
    ///
    /// `email IS NOT NULL` lets SQLite use the partial index `engineer_email`; without it every
    /// lookup scanned the table (1.6 ms each at 20,000 engineers: most of a statement import).
    static func engineer(email: String, on sql: any SQLConnection) throws -> Engineer? {
        try sql.firstRow("SELECT \(columns()) FROM engineer WHERE lower(email) = lower(?) AND email IS NOT NULL", [.text(email)])
            .map(engineer(from:))
    }

    /// The id of the engineer with this id or e-mail address (case-insensitive), if there is
    /// one: the statement store's lookup of each new actor, prepared once per connection and
    /// read through SQLite's C API (preparing it per actor cost a tenth of a statement import).
    /// The id lookup by e-mail. `email IS NOT NULL` lets SQLite use the partial index
    /// `engineer_email` (a test reads the plan).
    static let idByEmail = "SELECT id FROM engineer WHERE lower(email) = lower(?) AND email IS NOT NULL"

    static func engineerID(id: String? = nil, email: String? = nil, on sql: any SQLConnection) throws -> String? {
        var lookup = try BoundStatement(sql, email == nil ? "SELECT id FROM engineer WHERE id = ?" : idByEmail)
        lookup.bind(email ?? id)
        return try lookup.firstRow { $0.text(0) } ?? nil
    }

    /// The ids of the engineers with these e-mail addresses (case-insensitive), by the address as
    /// given: the lookup of a chunk's actors on a server database, one query per thousand.
    static func engineerIDs(emails: some Collection<String>, on sql: any SQLConnection) throws -> [String: String] {
        var found: [String: String] = [:]
        for part in SQLPlaceholders.parts(emails) {
            try sql.query(
                "SELECT e.id, v.k FROM (VALUES \(Array(repeating: "(?)", count: part.count).joined(separator: ", "))) v(k) "
                    + "JOIN engineer e ON lower(e.email) = lower(v.k) AND e.email IS NOT NULL",
                part.map(SQLValue.text)
            ) { row in if let id = row.text(0), let email = row.text(1) { found[email] = id } }
        }
        return found
    }

    /// Which of these ids are engineers'.
    static func existingIDs(_ ids: some Collection<String>, on sql: any SQLConnection) throws -> Set<String> {
        var found = Set<String>()
        for part in SQLPlaceholders.parts(ids) {
            try sql.query("SELECT id FROM engineer WHERE id IN (\(SQLPlaceholders.list(part.count)))", part.map(SQLValue.text)) { row in
                if let id = row.text(0) { found.insert(id) }
            }
        }
        return found
    }

    /// Which of these engineers are members of the society.
    static func members(of societyID: String, among engineerIDs: some Collection<String>, on sql: any SQLConnection) throws -> Set<String> {
        var found = Set<String>()
        for part in SQLPlaceholders.parts(engineerIDs) {
            try sql.query(
                "SELECT engineer_id FROM society_membership WHERE society_id = ? AND engineer_id IN (\(SQLPlaceholders.list(part.count)))",
                [.text(societyID)] + part.map(SQLValue.text)
            ) { row in if let id = row.text(0) { found.insert(id) } }
        }
        return found
    }

    /// The engineer with this national registration number, if any.
    static func engineer(registrationNumber: String, on sql: any SQLConnection) throws -> Engineer? {
        try sql.firstRow("SELECT \(columns()) FROM engineer WHERE registration_number = ?", [.text(registrationNumber)]).map(engineer(from:))
    }

    /// The engineer a society knows under `memberNumber`, if any.
    static func engineer(societyID: String, memberNumber: String, on sql: any SQLConnection) throws -> Engineer? {
        try sql.firstRow(
            """
            SELECT \(columns("e.")) FROM engineer e JOIN society_membership m ON m.engineer_id = e.id
            WHERE m.society_id = ? AND m.member_number = ?
            """,
            [.text(societyID), .text(memberNumber)]
        ).map(engineer(from:))
    }

    static func insert(_ engineer: Engineer, in tx: StoreTransaction) throws {
        try tx.sql.execute(
            "INSERT INTO engineer (id, name, email, registration_number, created_at) VALUES (?, ?, ?, ?, ?)",
            [.text(engineer.id), .text(engineer.name), SQLValue(engineer.email), SQLValue(engineer.registrationNumber), .text(tx.stamp)]
        )
    }

    /// The engineer's membership of `societyID`, if any.
    static func membership(engineerID: String, societyID: String, on sql: any SQLConnection) throws -> SocietyMembership? {
        try sql.firstRow(
            "SELECT \(membershipColumns) FROM society_membership WHERE engineer_id = ? AND society_id = ?", [.text(engineerID), .text(societyID)]
        ).map(membership(from:))
    }

    /// Whether the engineer is a member of the society. The LRS asks it for every statement a
    /// society's credential sends: SQLite's connection keeps the statement prepared.
    public static func isMember(engineerID: String, societyID: String, on sql: any SQLConnection) throws -> Bool {
        try sql.firstRow("SELECT 1 FROM society_membership WHERE engineer_id = ? AND society_id = ?", [.text(engineerID), .text(societyID)]) != nil
    }

    static func insertMembership(engineerID: String, societyID: String, memberNumber: String, in tx: StoreTransaction) throws {
        try tx.sql.execute(
            "INSERT INTO society_membership (engineer_id, society_id, member_number, since) VALUES (?, ?, ?, ?)",
            [.text(engineerID), .text(societyID), .text(memberNumber), .text(tx.stamp)]
        )
    }

    static func memberships(of engineerID: String, on sql: any SQLConnection) throws -> [SocietyMembership] {
        try sql.rows("SELECT \(membershipColumns) FROM society_membership WHERE engineer_id = ? ORDER BY society_id", [.text(engineerID)])
            .map(membership(from:))
    }

    /// A row selected by `columns`.
    static func engineer(from row: SQLRow) -> Engineer {
        Engineer(id: row.text(0) ?? "", name: row.text(1) ?? "", email: row.text(2), registrationNumber: row.text(3))
    }

    /// A row selected by `membershipColumns`.
    static func membership(from row: SQLRow) throws -> SocietyMembership {
        guard let engineerID = row.text(0), let societyID = row.text(1), let number = row.text(2), let since = row.text(3).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "a membership of '\(row.text(0) ?? "?")' has a bad date")
        }
        return SocietyMembership(engineerID: engineerID, societyID: societyID, memberNumber: number, since: since)
    }
}
