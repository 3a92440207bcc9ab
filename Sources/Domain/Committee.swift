import Foundation

/// One period of membership of the Academic Committee (Art. 8, 12). A member who leaves and
/// comes back has two periods; the dates decide who may vote on which review.
public struct CommitteeMember: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var joinedAt: Date
    /// Nil while the member serves.
    public var leftAt: Date?

    public init(id: String, name: String, joinedAt: Date, leftAt: Date? = nil) {
        self.id = id
        self.name = name
        self.joinedAt = joinedAt
        self.leftAt = leftAt
    }

    public var isCurrent: Bool { leftAt == nil }
}

/// A member's vote on a submission.
public enum VoteChoice: String, Codable, Sendable, CaseIterable {
    case approve
    case reject
}

public struct Vote: Codable, Sendable, Equatable {
    public var memberID: String
    public var choice: VoteChoice
    public var comment: String
    /// When the vote was last cast or changed.
    public var castAt: Date

    public init(memberID: String, choice: VoteChoice, comment: String, castAt: Date) {
        self.memberID = memberID
        self.choice = choice
        self.comment = comment
        self.castAt = castAt
    }
}

/// The committee's decision on a submission: who decided, when and why (Art. 27, 32).
public struct ReviewDecision: Codable, Sendable, Equatable {
    public var outcome: SubmissionStatus
    public var decidedAt: Date
    /// A member or officer who closed it, or `committee` when the rule settled it automatically.
    public var decidedBy: String
    public var reason: String
    public var tally: Tally

    public init(outcome: SubmissionStatus, decidedAt: Date, decidedBy: String, reason: String, tally: Tally) {
        self.outcome = outcome
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.reason = reason
        self.tally = tally
    }
}

/// A submission's review: the electorate fixed when it opened, the votes, the decision.
public struct Review: Codable, Sendable, Equatable {
    public var submissionID: Int64
    /// Nil until the committee first acts on the submission.
    public var openedAt: Date?
    /// Member ids entitled to vote (the membership when the review opened).
    public var electorate: [String]
    public var votes: [Vote]
    public var decision: ReviewDecision?

    public init(submissionID: Int64, openedAt: Date?, electorate: [String], votes: [Vote], decision: ReviewDecision?) {
        self.submissionID = submissionID
        self.openedAt = openedAt
        self.electorate = electorate
        self.votes = votes
        self.decision = decision
    }

    public var tally: Tally {
        Tally(
            electorate: electorate.count,
            approvals: votes.count(where: { $0.choice == .approve }),
            rejections: votes.count(where: { $0.choice == .reject })
        )
    }
}
