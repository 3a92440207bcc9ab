import Domain
import Foundation
import GRDB

/// Engineers and their memberships, written once for both databases.
extension AppDatabase {
    /// The columns `engineer(from:)` reads, each after `prefix` (a table alias and a dot).
    static func engineerColumns(_ prefix: String = "") -> String {
        ["id", "name", "email", "registration_number"].map { prefix + $0 }.joined(separator: ", ")
    }
    static let engineerByEmail = "SELECT \(engineerColumns()) FROM engineer WHERE lower(email) = lower(?) AND email IS NOT NULL"
    static let membershipColumns = "engineer_id, society_id, member_number, since"
}

extension StoreTransaction {
    public func engineer(_ id: String) throws -> Engineer? {
        try AppDatabase.engineer(id, on: sql)
    }

    /// The engineer with this e-mail address (case-insensitive), if any.
    ///
    /// `email IS NOT NULL` lets SQLite use the partial index `engineer_email`; without it every
    /// lookup scanned the table (1.6 ms each at 20,000 engineers: most of a statement import).
    public func engineer(email: String) throws -> Engineer? {
        try sql.firstRow(AppDatabase.engineerByEmail, [.text(email)]).map(AppDatabase.engineer(from:))
    }

    /// The id of the engineer with this id or e-mail address (case-insensitive), if there is
    /// one: the statement store's lookup of each new actor, prepared once per connection and
    /// read through SQLite's C API (preparing it per actor cost a tenth of a statement import).
    public func engineerID(id: String? = nil, email: String? = nil) throws -> String? {
        var lookup = try BoundStatement(sql, email == nil ? "SELECT id FROM engineer WHERE id = ?"
                                            : "SELECT id FROM engineer WHERE lower(email) = lower(?) AND email IS NOT NULL")
        lookup.bind(email ?? id)
        return try lookup.firstRow { $0.text(0) } ?? nil
    }

    /// The engineer with this national registration number, if any.
    public func engineer(registrationNumber: String) throws -> Engineer? {
        try sql.firstRow("SELECT \(AppDatabase.engineerColumns()) FROM engineer WHERE registration_number = ?", [.text(registrationNumber)])
            .map(AppDatabase.engineer(from:))
    }

    /// The engineer a society knows under `memberNumber`, if any.
    public func engineer(societyID: String, memberNumber: String) throws -> Engineer? {
        try sql.firstRow(
            """
            SELECT \(AppDatabase.engineerColumns("e.")) FROM engineer e JOIN society_membership m ON m.engineer_id = e.id
            WHERE m.society_id = ? AND m.member_number = ?
            """,
            [.text(societyID), .text(memberNumber)]
        ).map(AppDatabase.engineer(from:))
    }

    public func insertEngineer(_ engineer: Engineer) throws {
        try sql.execute(
            "INSERT INTO engineer (id, name, email, registration_number, created_at) VALUES (?, ?, ?, ?, ?)",
            [.text(engineer.id), .text(engineer.name), SQLValue(engineer.email), SQLValue(engineer.registrationNumber), .text(stamp)]
        )
    }

    /// The engineer's membership of `societyID`, if any.
    public func membership(engineerID: String, societyID: String) throws -> SocietyMembership? {
        try sql.firstRow(
            "SELECT \(AppDatabase.membershipColumns) FROM society_membership WHERE engineer_id = ? AND society_id = ?", [.text(engineerID), .text(societyID)]
        ).map(AppDatabase.membership(from:))
    }

    public func insertMembership(engineerID: String, societyID: String, memberNumber: String) throws {
        try sql.execute(
            "INSERT INTO society_membership (engineer_id, society_id, member_number, since) VALUES (?, ?, ?, ?)",
            [.text(engineerID), .text(societyID), .text(memberNumber), .text(stamp)]
        )
    }
}

extension AppDatabase {
    public func engineer(_ id: String) throws(ServiceError) -> Engineer? {
        try reading("reading engineer \(id)") { connection in try Self.engineer(id, on: connection) }
    }

    static func engineer(_ id: String, on connection: any SQLConnection) throws -> Engineer? {
        try connection.firstRow("SELECT \(engineerColumns()) FROM engineer WHERE id = ?", [.text(id)]).map(engineer(from:))
    }

    public func memberships(of engineerID: String) throws(ServiceError) -> [SocietyMembership] {
        try reading("reading memberships of \(engineerID)") { connection in
            try connection.rows("SELECT \(Self.membershipColumns) FROM society_membership WHERE engineer_id = ? ORDER BY society_id", [.text(engineerID)])
                .map(Self.membership(from:))
        }
    }

    /// How many engineers a society has as members.
    public func memberCount(of societyID: String) throws(ServiceError) -> Int {
        try reading("counting members of \(societyID)") { connection in
            Int(try connection.firstRow("SELECT count(*) FROM society_membership WHERE society_id = ?", [.text(societyID)])?.int64(0) ?? 0)
        }
    }

    /// A row selected by `engineerColumns`.
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
