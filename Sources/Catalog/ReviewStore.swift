import Domain
import Foundation
import Storage

/// The SQL of the committee's reviews (`review`, `review_electorate`, `vote`) and the decision
/// it writes on the submission, each query written once on the storage kernel for
/// `ReviewService`, which owns the rule (Art. 31).
enum ReviewStore {
    /// The submission's review, or nil when the committee has not acted on it yet.
    static func review(of submissionID: Int64, on sql: any SQLConnection) throws -> Review? {
        let id: SQLValue = .integer(submissionID)
        guard let row = try sql.firstRow("SELECT opened_at, decided_at, outcome, decided_by, reason FROM review WHERE submission_id = ?", [id]) else {
            return nil
        }
        let electorate = try sql.rows("SELECT member_id FROM review_electorate WHERE submission_id = ? ORDER BY member_id", [id]).compactMap { $0.text(0) }
        let votes = try sql.rows("SELECT member_id, choice, comment, cast_at FROM vote WHERE submission_id = ? ORDER BY member_id", [id]).map { vote in
            guard let member = vote.text(0), let choice = vote.text(1).flatMap(VoteChoice.init(rawValue:)),
                  let castAt = vote.text(3).flatMap(Date.init(iso8601:)) else {
                throw ServiceError(.storage, "a vote on submission \(submissionID) is unreadable")
            }
            return Vote(memberID: member, choice: choice, comment: vote.text(2) ?? "", castAt: castAt)
        }
        var review = Review(
            submissionID: submissionID, openedAt: row.text(0).flatMap(Date.init(iso8601:)), electorate: electorate, votes: votes, decision: nil
        )
        if let decidedAt = row.text(1).flatMap(Date.init(iso8601:)), let outcome = row.text(2).flatMap(SubmissionStatus.init(rawValue:)) {
            review.decision = ReviewDecision(
                outcome: outcome, decidedAt: decidedAt, decidedBy: row.text(3) ?? "", reason: row.text(4) ?? "", tally: review.tally
            )
        }
        return review
    }

    /// Submissions, newest first (of one status, when given), each with its review (nil when not
    /// opened yet).
    static func reviews(status: SubmissionStatus?, on sql: any SQLConnection) throws -> [(submission: Submission, review: Review?)] {
        let ids = try (status.map { try sql.rows("SELECT id FROM submission WHERE status = ? ORDER BY id DESC", [.text($0.rawValue)]) }
            ?? sql.rows("SELECT id FROM submission ORDER BY id DESC")).compactMap { $0.int64(0) }
        return try ids.compactMap { id in
            try AppDatabase.submission(id: id, on: sql).map { ($0, try review(of: id, on: sql)) }
        }
    }

    /// Opens the review at the transaction's time with a fixed electorate.
    static func open(_ submissionID: Int64, electorate: [String], in tx: StoreTransaction) throws {
        try tx.sql.execute("INSERT INTO review (submission_id, opened_at) VALUES (?, ?)", [.integer(submissionID), .text(tx.stamp)])
        for member in electorate {
            try tx.sql.execute("INSERT INTO review_electorate (submission_id, member_id) VALUES (?, ?)", [.integer(submissionID), .text(member)])
        }
    }

    /// Records or replaces a member's vote.
    static func castVote(on submissionID: Int64, memberID: String, choice: VoteChoice, comment: String, in tx: StoreTransaction) throws {
        try tx.sql.execute(
            """
            INSERT INTO vote (submission_id, member_id, choice, comment, cast_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (submission_id, member_id) DO UPDATE SET choice = excluded.choice, comment = excluded.comment,
                cast_at = excluded.cast_at
            """,
            [.integer(submissionID), .text(memberID), .text(choice.rawValue), .text(comment), .text(tx.stamp)]
        )
    }

    /// Closes the review with its outcome and sets the submission's status.
    static func decide(_ submissionID: Int64, outcome: SubmissionStatus, by actor: String, reason: String, in tx: StoreTransaction) throws {
        let closed = try tx.sql.execute(
            "UPDATE review SET decided_at = ?, outcome = ?, decided_by = ?, reason = ? WHERE submission_id = ? AND decided_at IS NULL",
            [.text(tx.stamp), .text(outcome.rawValue), .text(actor), .text(reason), .integer(submissionID)]
        )
        guard closed == 1 else { throw ServiceError(.conflict, "submission \(submissionID) has no open review") }
        try tx.sql.execute("UPDATE submission SET status = ? WHERE id = ?", [.text(outcome.rawValue), .integer(submissionID)])
    }
}
