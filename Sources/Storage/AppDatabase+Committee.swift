import Domain
import Foundation

extension StoreTransaction {
    /// Members serving now, by id.
    public func servingMembers() throws -> [CommitteeMember] {
        try sql.rows("SELECT \(AppDatabase.memberColumns) FROM committee_membership WHERE left_at IS NULL ORDER BY member_id")
            .map(AppDatabase.member(from:))
    }

    public func servingMember(_ id: String) throws -> CommitteeMember? {
        try sql.firstRow("SELECT \(AppDatabase.memberColumns) FROM committee_membership WHERE member_id = ? AND left_at IS NULL", [.text(id)])
            .map(AppDatabase.member(from:))
    }

    /// Starts a period of membership now.
    public func addMember(id: String, name: String) throws {
        try sql.execute("INSERT INTO committee_membership (member_id, name, joined_at) VALUES (?, ?, ?)", [.text(id), .text(name), .text(stamp)])
    }

    /// Ends the member's current period now.
    public func endMembership(_ id: String) throws {
        try sql.execute("UPDATE committee_membership SET left_at = ? WHERE member_id = ? AND left_at IS NULL", [.text(stamp), .text(id)])
    }
}

extension AppDatabase {
    static let memberColumns = "member_id, name, joined_at, left_at"

    /// Periods of membership, serving members first; past periods only when asked.
    public func committeeMembers(includingPast: Bool = false) throws(ServiceError) -> [CommitteeMember] {
        try reading("reading the committee") { sql in
            let filter = includingPast ? "" : "WHERE left_at IS NULL"
            return try sql.rows(
                "SELECT \(Self.memberColumns) FROM committee_membership \(filter) ORDER BY left_at IS NOT NULL, member_id, joined_at"
            ).map(Self.member(from:))
        }
    }

    static func member(from row: SQLRow) throws -> CommitteeMember {
        guard let id = row.text(0), let name = row.text(1), let joined = row.text(2).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "committee member '\(row.text(0) ?? "?")' is unreadable")
        }
        return CommitteeMember(id: id, name: name, joinedAt: joined, leftAt: row.text(3).flatMap(Date.init(iso8601:)))
    }
}
