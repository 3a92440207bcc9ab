import Domain
import Foundation
import Storage

/// A submission with its review, for `review list`.
public struct ReviewSummary: Codable, Sendable {
    public var submission: Submission
    /// Nil until the committee first acts on the submission.
    public var review: Review?
}

/// Everything `review show` prints: the submission, its review, and what it changes against
/// the published version of the course.
public struct ReviewDetail: Codable, Sendable {
    public var submission: Submission
    public var review: Review?
    /// Why it cannot be approved, if it cannot (no credit hours, error diagnostics).
    public var approvalBlockers: [String]
    /// Against the course's current published version; nil for a course not yet published.
    public var changes: VersionChanges?
}

/// What a vote or an early decision led to.
public struct ReviewOutcome: Codable, Sendable {
    public var submissionID: Int64
    public var tally: Tally
    /// What the rule says now.
    public var resolution: Resolution
    /// Set when the review was closed by this action.
    public var decision: ReviewDecision?
    /// Set when the approval published a version.
    public var publishedVersion: Int?
    /// The version it superseded for new enrollments.
    public var supersededVersion: Int?
}

/// The Academic Committee's review of submissions under the charter's rule (Art. 8, 31):
/// valid with at least 2/3 of the members voting, approved with at least 3/4 of the voters.
///
/// A review opens when the committee first acts on a submission (a vote or `decide`); its
/// electorate is the membership at that moment. A member may change their vote until the
/// decision. The review closes by itself as soon as no outstanding vote can change the outcome,
/// or early with `decide`. Approval publishes the version in the same transaction.
public struct ReviewService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    /// Who is recorded as deciding when the rule settles a review by itself.
    public static let automaticDecider = "committee"

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    public func list(status: SubmissionStatus? = nil) throws(ServiceError) -> [ReviewSummary] {
        try database.reading("listing reviews") { sql in try ReviewStore.reviews(status: status, on: sql) }.map { ReviewSummary(submission: $0.submission, review: $0.review) }
    }

    public func show(_ submissionID: Int64) throws(ServiceError) -> ReviewDetail {
        guard let submission = try database.submission(id: submissionID) else { throw ServiceError(.notFound, "no submission \(submissionID)", remedy: .listReviews) }
        let review = try database.reading("reading review of submission \(submissionID)") { sql in try ReviewStore.review(of: submissionID, on: sql) }
        let published = try database.reading("reading catalog entry \(submission.courseID)", mayLag: true) { sql in
            try CatalogStore.entry(courseID: submission.courseID, version: nil, on: sql)
        }
        var changes: VersionChanges?
        if let published, published.version != submission.version {
            changes = VersionChanges(published: published.submission.package, version: published.version, submitted: submission.package)
        }
        return ReviewDetail(submission: submission, review: review, approvalBlockers: Self.approvalBlockers(submission), changes: changes)
    }

    /// Records `memberID`'s vote (replacing an earlier one), then closes the review if the
    /// outcome is settled.
    public func vote(_ submissionID: Int64, memberID: String, choice: VoteChoice, comment: String) throws(ServiceError) -> ReviewOutcome {
        let comment = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        return try database.perform(at: clock()) { tx in
            let submission = try Self.pendingSubmission(submissionID, tx)
            guard try CommitteeStore.servingMember(memberID, on: tx.sql) != nil else {
                throw ServiceError(.notAuthorized, "'\(memberID)' is not a serving member of the Academic Committee; only members vote")
            }
            if choice == .approve, let blocker = Self.approvalBlockers(submission).first {
                throw ServiceError(.conflict, "submission \(submissionID) cannot be approved: \(blocker)")
            }
            let review = try Self.openReview(submissionID, tx)
            guard review.electorate.contains(memberID) else {
                throw ServiceError(.notAuthorized, """
                    '\(memberID)' joined the committee after the review of submission \(submissionID) opened \
                    (\(review.openedAt.map(Self.stamp) ?? "earlier")); it counts the membership of that moment
                    """)
            }
            try ReviewStore.castVote(on: submissionID, memberID: memberID, choice: choice, comment: comment, in: tx)
            guard let updated = try ReviewStore.review(of: submissionID, on: tx.sql) else { throw ServiceError(.storage, "the review of \(submissionID) vanished") }
            try tx.audit(AuditRecord(
                actor: memberID, action: "review.vote", subject: "submission:\(submissionID)", reason: comment.isEmpty ? nil : comment,
                details: ["choice": choice.rawValue, "course": submission.courseID, "version": String(submission.version),
                          "tally": Self.describe(updated.tally)]
            ))
            let outstanding = try Self.outstandingVoters(updated, tx)
            guard let settled = ResolutionRule.settled(updated.tally, outstanding: outstanding) else {
                return ReviewOutcome(submissionID: submissionID, tally: updated.tally, resolution: ResolutionRule.evaluate(updated.tally))
            }
            let reason = "settled under Art. 31: \(Self.describe(updated.tally)); no outstanding vote (\(outstanding)) can change it"
            return try Self.close(submission, tally: updated.tally, resolution: settled, by: Self.automaticDecider, reason: reason, tx)
        }
    }

    /// Closes the review now: approved if the rule holds at this moment, rejected if a quorum
    /// voted without 3/4 agreeing; without a quorum it stays open and says so.
    public func decide(_ submissionID: Int64, actor: String, reason: String? = nil) throws(ServiceError) -> ReviewOutcome {
        try database.perform(at: clock()) { tx in
            let submission = try Self.pendingSubmission(submissionID, tx)
            let review = try Self.openReview(submissionID, tx)
            let tally = review.tally
            let resolution = ResolutionRule.evaluate(tally)
            let rule = resolution == .noQuorum ? "no quorum under Art. 31" : "decided early under Art. 31"
            let because = [reason, "\(rule): \(Self.describe(tally))"].compactMap(\.self).joined(separator: "; ")
            guard resolution != .noQuorum else {
                try tx.audit(AuditRecord(
                    actor: actor, action: "review.no-quorum", subject: "submission:\(submissionID)", reason: because,
                    details: ["tally": Self.describe(tally)]
                ))
                return ReviewOutcome(submissionID: submissionID, tally: tally, resolution: .noQuorum)
            }
            return try Self.close(submission, tally: tally, resolution: resolution, by: actor, reason: because, tx)
        }
    }

    /// Closes the review, and publishes on approval, all in the caller's transaction.
    private static func close(
        _ submission: Submission, tally: Tally, resolution: Resolution, by actor: String, reason: String, _ tx: StoreTransaction
    ) throws -> ReviewOutcome {
        var outcome: SubmissionStatus = resolution == .approved ? .approved : .rejected
        var reason = reason
        if outcome == .approved, let blocker = approvalBlockers(submission).first {
            outcome = .rejected
            reason += "; cannot be approved: \(blocker)"
        }
        try ReviewStore.decide(submission.id, outcome: outcome, by: actor, reason: reason, in: tx)
        try tx.audit(AuditRecord(
            actor: actor, action: "review.decide", subject: "submission:\(submission.id)", reason: reason,
            details: ["outcome": outcome.rawValue, "course": submission.courseID, "version": String(submission.version), "tally": describe(tally)]
        ))
        let decision = ReviewDecision(outcome: outcome, decidedAt: tx.now, decidedBy: actor, reason: reason, tally: tally)
        var result = ReviewOutcome(submissionID: submission.id, tally: tally, resolution: resolution, decision: decision)
        if outcome == .approved {
            let publication = try CatalogService.publish(submissionID: submission.id, in: tx)
            var details = ["version": String(publication.version), "submission": String(submission.id), "current": String(publication.isCurrent)]
            if let old = publication.supersededVersion { details["supersedes"] = String(old) }
            try tx.audit(AuditRecord(
                actor: actor, action: "catalog.publish", subject: "course:\(submission.courseID)",
                reason: "approved by the Academic Committee (submission \(submission.id))", details: details
            ))
            result.publishedVersion = publication.version
            result.supersededVersion = publication.supersededVersion
        }
        return result
    }

    /// Why a submission cannot be approved; empty when it can.
    public static func approvalBlockers(_ submission: Submission) -> [String] {
        var blockers: [String] = []
        if submission.package.creditHours == nil {
            blockers.append("it has no credit hours (import it again with them, in an ecba-course.xml sidecar or as the import's credit hours)")
        }
        if submission.diagnostics.hasErrors {
            blockers.append("it has error diagnostics")
        }
        return blockers
    }

    private static func pendingSubmission(_ id: Int64, _ tx: StoreTransaction) throws -> Submission {
        guard let submission = try tx.submission(id) else {
            throw ServiceError(.notFound, "no submission \(id)", remedy: .listReviews)
        }
        guard submission.status == .pending else {
            throw ServiceError(.conflict, "submission \(id) was already decided: \(submission.status.rawValue)")
        }
        return submission
    }

    /// The submission's review, opened now with the serving members if it was not open yet.
    private static func openReview(_ id: Int64, _ tx: StoreTransaction) throws -> Review {
        if let review = try ReviewStore.review(of: id, on: tx.sql) { return review }
        let electorate = try CommitteeStore.servingMembers(on: tx.sql).map(\.id)
        guard !electorate.isEmpty else {
            throw ServiceError(.conflict, "the Academic Committee has no members", remedy: .addCommitteeMember)
        }
        try ReviewStore.open(id, electorate: electorate, in: tx)
        guard let review = try ReviewStore.review(of: id, on: tx.sql) else { throw ServiceError(.storage, "the review of \(id) did not open") }
        return review
    }

    /// Members of the electorate who still serve and have not voted.
    private static func outstandingVoters(_ review: Review, _ tx: StoreTransaction) throws -> Int {
        let voted = Set(review.votes.map(\.memberID))
        let serving = Set(try CommitteeStore.servingMembers(on: tx.sql).map(\.id))
        return review.electorate.filter { !voted.contains($0) && serving.contains($0) }.count
    }

    static func describe(_ tally: Tally) -> String {
        let quorum = ResolutionRule.quorum(members: tally.electorate)
        return "\(tally.votes) of \(tally.electorate) members voted (quorum \(quorum)), \(tally.approvals) approve, "
            + "\(tally.rejections) reject (\(ResolutionRule.approvalsNeeded(votes: tally.votes)) approvals needed)"
    }

    private static func stamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
