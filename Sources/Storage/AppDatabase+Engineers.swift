import Domain
import Foundation
import GRDB

extension AppDatabase {
    static let engineerByEmail = "SELECT * FROM engineer WHERE lower(email) = lower(?) AND email IS NOT NULL"
}

extension StoreTransaction {
    public func engineer(_ id: String) throws -> Engineer? {
        try AppDatabase.engineer(id, db)
    }

    /// The engineer with this e-mail address (case-insensitive), if any.
    ///
    /// `email IS NOT NULL` lets SQLite use the partial index `engineer_email`; without it every
    /// lookup scanned the table (1.6 ms each at 20,000 engineers: most of a statement import).
    public func engineer(email: String) throws -> Engineer? {
        try Row.fetchOne(db.cachedStatement(sql: AppDatabase.engineerByEmail), arguments: [email]).map(AppDatabase.engineer(from:))
    }

    /// The id of the engineer with this id or e-mail address (case-insensitive), if there is
    /// one: the statement store's lookup of each new actor, prepared once per connection and
    /// read through SQLite's C API (preparing it per actor cost a tenth of a statement import).
    public func engineerID(id: String? = nil, email: String? = nil) throws -> String? {
        var lookup = try BoundStatement(db, email == nil ? "SELECT id FROM engineer WHERE id = ?"
                                            : "SELECT id FROM engineer WHERE lower(email) = lower(?) AND email IS NOT NULL")
        lookup.bind(email ?? id)
        return try lookup.firstRow { $0.text(0) } ?? nil
    }

    /// The engineer with this national registration number, if any.
    public func engineer(registrationNumber: String) throws -> Engineer? {
        try Row.fetchOne(db, sql: "SELECT * FROM engineer WHERE registration_number = ?", arguments: [registrationNumber])
            .map(AppDatabase.engineer(from:))
    }

    /// The engineer a society knows under `memberNumber`, if any.
    public func engineer(societyID: String, memberNumber: String) throws -> Engineer? {
        try Row.fetchOne(
            db,
            sql: "SELECT e.* FROM engineer e JOIN society_membership m ON m.engineer_id = e.id WHERE m.society_id = ? AND m.member_number = ?",
            arguments: [societyID, memberNumber]
        ).map(AppDatabase.engineer(from:))
    }

    public func insertEngineer(_ engineer: Engineer) throws {
        try db.execute(
            sql: "INSERT INTO engineer (id, name, email, registration_number, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [engineer.id, engineer.name, engineer.email, engineer.registrationNumber, stamp]
        )
    }

    /// The engineer's membership of `societyID`, if any.
    public func membership(engineerID: String, societyID: String) throws -> SocietyMembership? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM society_membership WHERE engineer_id = ? AND society_id = ?", arguments: [engineerID, societyID]
        ).map(AppDatabase.membership(from:))
    }

    public func insertMembership(engineerID: String, societyID: String, memberNumber: String) throws {
        try db.execute(
            sql: "INSERT INTO society_membership (engineer_id, society_id, member_number, since) VALUES (?, ?, ?, ?)",
            arguments: [engineerID, societyID, memberNumber, stamp]
        )
    }

}

extension AppDatabase {
    public func engineer(_ id: String) throws(ServiceError) -> Engineer? {
        try read("reading engineer \(id)") { db in try Self.engineer(id, db) }
    }

    static func engineer(_ id: String, _ db: Database) throws -> Engineer? {
        try Row.fetchOne(db, sql: "SELECT * FROM engineer WHERE id = ?", arguments: [id]).map(engineer(from:))
    }

    public func memberships(of engineerID: String) throws(ServiceError) -> [SocietyMembership] {
        try read("reading memberships of \(engineerID)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM society_membership WHERE engineer_id = ? ORDER BY society_id", arguments: [engineerID])
                .map(Self.membership(from:))
        }
    }

    /// How many engineers a society has as members.
    public func memberCount(of societyID: String) throws(ServiceError) -> Int {
        try read("counting members of \(societyID)") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM society_membership WHERE society_id = ?", arguments: [societyID]) ?? 0
        }
    }

    static func engineer(from row: Row) -> Engineer {
        Engineer(id: row["id"], name: row["name"], email: row["email"], registrationNumber: row["registration_number"])
    }

    static func membership(from row: Row) throws -> SocietyMembership {
        guard let since = Date(iso8601: row["since"]) else {
            throw ServiceError(.storage, "a membership of '\(row["engineer_id"] as String? ?? "?")' has a bad date")
        }
        return SocietyMembership(engineerID: row["engineer_id"], societyID: row["society_id"], memberNumber: row["member_number"], since: since)
    }
}
