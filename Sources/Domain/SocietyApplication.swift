import Foundation

/// The three steps of an authorisation (Art. 16), in order.
public enum ApplicationStage: String, Codable, Sendable, CaseIterable {
    /// The Secretariat's preliminary review.
    case secretariat
    /// The Review Committee's review.
    case reviewCommittee = "review-committee"
    /// The Presidium's approval.
    case presidium

    public var next: ApplicationStage? {
        switch self {
        case .secretariat: .reviewCommittee
        case .reviewCommittee: .presidium
        case .presidium: nil
        }
    }

    public var body: String {
        switch self {
        case .secretariat: "the Secretariat"
        case .reviewCommittee: "the Review Committee"
        case .presidium: "the Presidium"
        }
    }
}

public enum StepDecision: String, Codable, Sendable, CaseIterable {
    case approve
    case reject
}

/// One society's application for authorisation and the decision of each stage.
public struct SocietyApplication: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var stage: ApplicationStage
        public var decision: StepDecision
        public var comment: String
        public var actor: String
        public var at: Date

        public init(stage: ApplicationStage, decision: StepDecision, comment: String, actor: String, at: Date) {
            self.stage = stage
            self.decision = decision
            self.comment = comment
            self.actor = actor
            self.at = at
        }
    }

    public enum Outcome: String, Codable, Sendable {
        case authorized
        case rejected
    }

    public var id: Int64
    public var societyID: String
    public var appliedAt: Date
    public var steps: [Step]
    /// Nil while the application is open.
    public var outcome: Outcome?

    public init(id: Int64, societyID: String, appliedAt: Date, steps: [Step], outcome: Outcome?) {
        self.id = id
        self.societyID = societyID
        self.appliedAt = appliedAt
        self.steps = steps
        self.outcome = outcome
    }

    /// The stage whose decision is awaited, or nil once closed.
    public var awaiting: ApplicationStage? {
        guard outcome == nil else { return nil }
        guard let last = steps.last else { return .secretariat }
        return last.stage.next
    }
}
