import Domain
import Foundation
import Storage

/// The Academic Committee's membership (Art. 8, 12). Changes are dated: a review counts votes
/// against the membership at the moment it opened.
public struct CommitteeService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// A membership change and what the committee looks like after it.
    public struct Change: Sendable {
        public var member: CommitteeMember
        public var serving: Int
        /// Set when the committee now has an even number of members (Art. 12 asks for an odd one).
        public var warning: String?
    }

    public func addMember(id: String, name: String, actor: String) throws(ServiceError) -> Change {
        guard isValidID(id) else {
            throw ServiceError(.invalidArgument, "member id '\(id)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw ServiceError(.invalidArgument, "a committee member needs a name", field: "name") }
        return try database.perform(at: clock()) { tx in
            if try CommitteeStore.servingMember(id, on: tx.sql) != nil {
                throw ServiceError(.conflict, "'\(id)' already serves on the Academic Committee")
            }
            try CommitteeStore.addMember(id: id, name: name, in: tx)
            let serving = try CommitteeStore.servingMembers(on: tx.sql).count
            try tx.audit(AuditRecord(actor: actor, action: "committee.add-member", subject: "member:\(id)", details: ["name": name, "serving": String(serving)]))
            return Change(member: CommitteeMember(id: id, name: name, joinedAt: tx.now), serving: serving, warning: Self.parityWarning(serving))
        }
    }

    /// Ends a member's service now. Reviews already open keep counting them in their electorate.
    public func removeMember(id: String, reason: String?, actor: String) throws(ServiceError) -> Change {
        try database.perform(at: clock()) { tx in
            guard var member = try CommitteeStore.servingMember(id, on: tx.sql) else {
                throw ServiceError(.notFound, "'\(id)' does not serve on the Academic Committee", remedy: .listCommittee)
            }
            try CommitteeStore.endMembership(id, in: tx)
            member.leftAt = tx.now
            let serving = try CommitteeStore.servingMembers(on: tx.sql).count
            try tx.audit(AuditRecord(actor: actor, action: "committee.remove-member", subject: "member:\(id)", reason: reason, details: ["serving": String(serving)]))
            return Change(member: member, serving: serving, warning: Self.parityWarning(serving))
        }
    }

    public func members(includingPast: Bool = false) throws(ServiceError) -> [CommitteeMember] {
        try database.reading("reading the committee") { sql in try CommitteeStore.members(includingPast: includingPast, on: sql) }
    }

    public static func parityWarning(_ serving: Int) -> String? {
        guard serving > 0, serving % 2 == 0 else { return nil }
        return "the Academic Committee now has \(serving) members, an even number; Art. 12 asks for an odd number"
    }
}
