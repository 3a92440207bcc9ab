import Foundation

/// One line of the audit log: who did what to what, when and why (charter Art. 27, 32).
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    /// A committee member, an officer or body (`secretariat`, `presidium`), or `committee`.
    public var actor: String
    /// What happened, e.g. `review.vote`, `catalog.publish`, `society.withdraw`.
    public var action: String
    /// What it happened to, typed: `submission:12`, `course:cces/ethics`, `society:cces`, `member:m1`.
    public var subject: String
    public var reason: String?
    /// Facts of the event as key/value pairs (e.g. the choice and tally of a vote).
    public var details: [String: String]

    public init(id: Int64, at: Date, actor: String, action: String, subject: String, reason: String?, details: [String: String]) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.reason = reason
        self.details = details
    }
}

/// An audit line about to be written, in the same transaction as the change it records.
public struct AuditRecord: Sendable {
    public var actor: String
    public var action: String
    public var subject: String
    public var reason: String?
    public var details: [String: String]

    public init(actor: String, action: String, subject: String, reason: String? = nil, details: [String: String] = [:]) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.reason = reason
        self.details = details
    }
}
