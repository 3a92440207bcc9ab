import Domain
import Foundation
import Storage

/// The SQL of the Academic Committee's table (`committee_membership`): periods of membership,
/// each query written once on the storage kernel, for `CommitteeService` and the review rule
/// (who may vote, who is the electorate).
enum CommitteeStore {
    static let columns = "member_id, name, joined_at, left_at"

    /// Members serving now, by id.
    static func servingMembers(on sql: any SQLConnection) throws -> [CommitteeMember] {
        try sql.rows("SELECT \(columns) FROM committee_membership WHERE left_at IS NULL ORDER BY member_id").map(member(from:))
    }

    static func servingMember(_ id: String, on sql: any SQLConnection) throws -> CommitteeMember? {
        try sql.firstRow("SELECT \(columns) FROM committee_membership WHERE member_id = ? AND left_at IS NULL", [.text(id)]).map(member(from:))
    }

    /// Periods of membership, serving members first; past periods only when asked.
    static func members(includingPast: Bool, on sql: any SQLConnection) throws -> [CommitteeMember] {
        let filter = includingPast ? "" : "WHERE left_at IS NULL"
        return try sql.rows("SELECT \(columns) FROM committee_membership \(filter) ORDER BY left_at IS NOT NULL, member_id, joined_at").map(member(from:))
    }

    /// Starts a period of membership at the transaction's time.
    static func addMember(id: String, name: String, in tx: StoreTransaction) throws {
        try tx.sql.execute("INSERT INTO committee_membership (member_id, name, joined_at) VALUES (?, ?, ?)", [.text(id), .text(name), .text(tx.stamp)])
    }

    /// Ends the member's current period at the transaction's time.
    static func endMembership(_ id: String, in tx: StoreTransaction) throws {
        try tx.sql.execute("UPDATE committee_membership SET left_at = ? WHERE member_id = ? AND left_at IS NULL", [.text(tx.stamp), .text(id)])
    }

    static func member(from row: SQLRow) throws -> CommitteeMember {
        guard let id = row.text(0), let name = row.text(1), let joined = row.text(2).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "committee member '\(row.text(0) ?? "?")' is unreadable")
        }
        return CommitteeMember(id: id, name: name, joinedAt: joined, leftAt: row.text(3).flatMap(Date.init(iso8601:)))
    }
}
