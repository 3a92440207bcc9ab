import Domain
import Foundation
import GRDB

extension StoreTransaction {
    /// Members serving now, by id.
    public func servingMembers() throws -> [CommitteeMember] {
        try Row.fetchAll(db, sql: "SELECT * FROM committee_membership WHERE left_at IS NULL ORDER BY member_id")
            .map(AppDatabase.member(from:))
    }

    public func servingMember(_ id: String) throws -> CommitteeMember? {
        try Row.fetchOne(db, sql: "SELECT * FROM committee_membership WHERE member_id = ? AND left_at IS NULL", arguments: [id])
            .map(AppDatabase.member(from:))
    }

    /// Starts a period of membership now.
    public func addMember(id: String, name: String) throws {
        try db.execute(
            sql: "INSERT INTO committee_membership (member_id, name, joined_at) VALUES (?, ?, ?)",
            arguments: [id, name, stamp]
        )
    }

    /// Ends the member's current period now.
    public func endMembership(_ id: String) throws {
        try db.execute(
            sql: "UPDATE committee_membership SET left_at = ? WHERE member_id = ? AND left_at IS NULL",
            arguments: [stamp, id]
        )
    }
}

extension AppDatabase {
    /// Periods of membership, serving members first; past periods only when asked.
    public func committeeMembers(includingPast: Bool = false) throws(ServiceError) -> [CommitteeMember] {
        try read("reading the committee") { db in
            let filter = includingPast ? "" : "WHERE left_at IS NULL"
            return try Row.fetchAll(
                db, sql: "SELECT * FROM committee_membership \(filter) ORDER BY left_at IS NOT NULL, member_id, joined_at"
            ).map(Self.member(from:))
        }
    }

    static func member(from row: Row) throws -> CommitteeMember {
        guard let joined = Date(iso8601: row["joined_at"]) else {
            throw ServiceError(.storage, "committee member '\(row["member_id"] as String? ?? "?")' has a bad date")
        }
        return CommitteeMember(
            id: row["member_id"], name: row["name"], joinedAt: joined,
            leftAt: (row["left_at"] as String?).flatMap(Date.init(iso8601:))
        )
    }
}
