/// The votes on one resolution, counted against the electorate fixed when it opened.
public struct Tally: Codable, Sendable, Equatable {
    /// Members entitled to vote: the committee's membership when the review opened.
    public var electorate: Int
    public var approvals: Int
    public var rejections: Int

    public init(electorate: Int, approvals: Int, rejections: Int) {
        self.electorate = electorate
        self.approvals = approvals
        self.rejections = rejections
    }

    public var votes: Int { approvals + rejections }
}

/// What the rule says about a tally at one moment.
public enum Resolution: String, Codable, Sendable, Equatable {
    /// Quorum reached and at least 3/4 of the voters agree.
    case approved
    /// Quorum reached, fewer than 3/4 agree.
    case rejected
    /// Fewer than 2/3 of the members voted: no valid resolution yet.
    case noQuorum = "no-quorum"
}

/// The charter's rule for committee resolutions (Art. 31, and Art. 28 for the Alliance):
/// valid when at least 2/3 of the members vote, adopted when at least 3/4 of the voters agree.
/// "以上" includes the bound, so both comparisons are `>=`, done in integers (no rounding).
public enum ResolutionRule {
    /// Votes needed for a quorum in an electorate of `members`: ⌈2n/3⌉.
    public static func quorum(members: Int) -> Int { (2 * members + 2) / 3 }

    /// Approvals needed among `votes` voters: ⌈3v/4⌉.
    public static func approvalsNeeded(votes: Int) -> Int { (3 * votes + 3) / 4 }

    public static func evaluate(_ tally: Tally) -> Resolution {
        guard tally.electorate > 0, tally.votes > 0, 3 * tally.votes >= 2 * tally.electorate else { return .noQuorum }
        return 4 * tally.approvals >= 3 * tally.votes ? .approved : .rejected
    }

    /// The resolution if no vote still to come can change it, else nil.
    ///
    /// `outstanding` is how many members of the electorate may still vote. Every way they could
    /// vote or abstain is considered, so a settled outcome needs a quorum already.
    public static func settled(_ tally: Tally, outstanding: Int) -> Resolution? {
        let now = evaluate(tally)
        guard now != .noQuorum else { return nil }
        for extra in 0...max(0, outstanding) {
            for approving in 0...extra {
                let future = Tally(
                    electorate: tally.electorate,
                    approvals: tally.approvals + approving,
                    rejections: tally.rejections + extra - approving
                )
                if evaluate(future) != now { return nil }
            }
        }
        return now
    }
}
