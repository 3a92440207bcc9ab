import Domain
import Foundation
import GRDB

extension StoreTransaction {
    /// The submission under review, or nil.
    public func submission(_ id: Int64) throws -> Submission? {
        try AppDatabase.submission(id: id, db: db)
    }

    /// The submission's review, or nil when the committee has not acted on it yet.
    public func review(of submissionID: Int64) throws -> Review? {
        try AppDatabase.review(of: submissionID, db: db)
    }

    /// Opens the review now with a fixed electorate.
    public func openReview(of submissionID: Int64, electorate: [String]) throws {
        try db.execute(sql: "INSERT INTO review (submission_id, opened_at) VALUES (?, ?)", arguments: [submissionID, stamp])
        for member in electorate {
            try db.execute(
                sql: "INSERT INTO review_electorate (submission_id, member_id) VALUES (?, ?)", arguments: [submissionID, member]
            )
        }
    }

    /// Records or replaces a member's vote.
    public func castVote(on submissionID: Int64, memberID: String, choice: VoteChoice, comment: String) throws {
        try db.execute(
            sql: """
                INSERT INTO vote (submission_id, member_id, choice, comment, cast_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (submission_id, member_id) DO UPDATE SET choice = excluded.choice, comment = excluded.comment,
                    cast_at = excluded.cast_at
                """,
            arguments: [submissionID, memberID, choice.rawValue, comment, stamp]
        )
    }

    /// Closes the review with its outcome and sets the submission's status.
    public func decide(_ submissionID: Int64, outcome: SubmissionStatus, by actor: String, reason: String) throws {
        try db.execute(
            sql: "UPDATE review SET decided_at = ?, outcome = ?, decided_by = ?, reason = ? WHERE submission_id = ? AND decided_at IS NULL",
            arguments: [stamp, outcome.rawValue, actor, reason, submissionID]
        )
        guard db.changesCount == 1 else { throw ServiceError(.conflict, "submission \(submissionID) has no open review") }
        try db.execute(sql: "UPDATE submission SET status = ? WHERE id = ?", arguments: [outcome.rawValue, submissionID])
    }
}

extension AppDatabase {
    public func review(of submissionID: Int64) throws(ServiceError) -> Review? {
        try read("reading review of submission \(submissionID)") { db in try Self.review(of: submissionID, db: db) }
    }

    /// Submissions, newest first, each with its review (nil when not opened yet).
    public func reviews(status: SubmissionStatus? = nil) throws(ServiceError) -> [(submission: Submission, review: Review?)] {
        try read("listing reviews") { db in
            var sql = "SELECT id FROM submission"
            var arguments: StatementArguments = []
            if let status {
                sql += " WHERE status = ?"
                arguments = [status.rawValue]
            }
            let ids = try Int64.fetchAll(db, sql: sql + " ORDER BY id DESC", arguments: arguments)
            return try ids.compactMap { id in
                try Self.submission(id: id, db: db).map { ($0, try Self.review(of: id, db: db)) }
            }
        }
    }

    static func review(of submissionID: Int64, db: Database) throws -> Review? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM review WHERE submission_id = ?", arguments: [submissionID]) else {
            return nil
        }
        let electorate = try String.fetchAll(
            db, sql: "SELECT member_id FROM review_electorate WHERE submission_id = ? ORDER BY member_id", arguments: [submissionID]
        )
        let votes = try Row.fetchAll(
            db, sql: "SELECT * FROM vote WHERE submission_id = ? ORDER BY member_id", arguments: [submissionID]
        ).map { vote in
            guard let choice = VoteChoice(rawValue: vote["choice"]), let castAt = Date(iso8601: vote["cast_at"]) else {
                throw ServiceError(.storage, "a vote on submission \(submissionID) is unreadable")
            }
            return Vote(memberID: vote["member_id"], choice: choice, comment: vote["comment"], castAt: castAt)
        }
        var review = Review(
            submissionID: submissionID, openedAt: Date(iso8601: row["opened_at"]), electorate: electorate, votes: votes, decision: nil
        )
        if let decidedAt = (row["decided_at"] as String?).flatMap(Date.init(iso8601:)),
           let outcome = (row["outcome"] as String?).flatMap(SubmissionStatus.init(rawValue:)) {
            review.decision = ReviewDecision(
                outcome: outcome, decidedAt: decidedAt, decidedBy: row["decided_by"] ?? "", reason: row["reason"] ?? "",
                tally: review.tally
            )
        }
        return review
    }
}
