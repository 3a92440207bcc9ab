import Domain
import Foundation

public struct CountingEvent: Sendable {
    public var activity: String
    public var outcome: ProgressOutcome
    public var score: Double?
    public var at: Date
}

extension StoreTransaction {
    /// The enrollment an xAPI `context.registration` names.
    public func enrollment(registration: UUID) throws -> Enrollment? {
        try sql.firstRow(AppDatabase.enrollmentSelect + " WHERE e.registration = ?", [.text(registration.uuidString.lowercased())])
            .map(AppDatabase.enrollment(from:))
    }

    public func enrollment(id: Int64) throws -> Enrollment? {
        try sql.firstRow(AppDatabase.enrollmentSelect + " WHERE e.id = ?", [.integer(id)]).map(AppDatabase.enrollment(from:))
    }

    /// The enrollment's progress events that still count, in the order they happened.
    public func countingEvents(enrollmentID: Int64) throws -> [CountingEvent] {
        try sql.rows(
            "SELECT activity_identifier, outcome, score, at FROM progress_event WHERE enrollment_id = ? AND voided_at IS NULL ORDER BY at, id",
            [.integer(enrollmentID)]
        ).compactMap { row in
            guard let activity = row.text(0), let outcome = row.text(1).flatMap(ProgressOutcome.init(rawValue:)),
                  let at = row.text(3).flatMap(Date.init(iso8601:)) else { return nil }
            return CountingEvent(activity: activity, outcome: outcome, score: row.double(2), at: at)
        }
    }

    /// Replaces the enrollment's folded activity states (after a voiding).
    public func replaceActivityStates(enrollmentID: Int64, _ states: [String: (state: ActivityState, satisfiedAt: Date?)]) throws {
        try sql.execute("DELETE FROM activity_progress WHERE enrollment_id = ?", [.integer(enrollmentID)])
        for (activity, entry) in states {
            try sql.execute(
                """
                INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(enrollmentID), .text(activity), .integer(entry.state.completed ? 1 : 0), entry.state.passed.map { .integer($0 ? 1 : 0) } ?? .null,
                 entry.state.bestScore.map(SQLValue.real) ?? .null, SQLValue(entry.satisfiedAt?.iso8601), .text(stamp)]
            )
        }
    }

    /// Puts a completed enrollment back to active (its completion no longer holds).
    public func reopenEnrollment(_ id: Int64) throws {
        try sql.execute("UPDATE enrollment SET status = 'active', ended_at = NULL WHERE id = ? AND status = 'completed'", [.integer(id)])
    }
}

