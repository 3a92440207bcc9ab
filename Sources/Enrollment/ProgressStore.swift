import Domain
import Foundation
import Storage

/// A result that still counts toward an enrollment (not voided), as it happened.
struct CountingEvent: Sendable {
    var activity: String
    var outcome: ProgressOutcome
    var score: Double?
    var at: Date
}

/// An enrollment's progress (`progress_event`, each result as it came, and `activity_progress`,
/// each activity's folded state), beside `ProgressService`, which owns the folding: each query
/// written once on the storage kernel.
public enum ProgressStore {
    /// The state of every activity of an enrollment with any result, by identifier.
    public static func activityStates(enrollmentID: Int64, on sql: any SQLConnection) throws -> [String: ActivityState] {
        var states: [String: ActivityState] = [:]
        try sql.query("SELECT activity_identifier, completed, passed, best_score FROM activity_progress WHERE enrollment_id = ?", [.integer(enrollmentID)]) { row in
            guard let identifier = row.text(0) else { return }
            states[identifier] = ActivityState(completed: (row.int64(1) ?? 0) != 0, passed: row.int64(2).map { $0 != 0 }, bestScore: row.double(3))
        }
        return states
    }

    /// Records one result and, when it changed, the activity's new state (`newlySatisfied`
    /// stamps the time it became done). A result that changes nothing (a second 'completed')
    /// is kept as an event only.
    static func record(
        enrollmentID: Int64, activity: String, outcome: ProgressOutcome, score: Double?, durationSeconds: Int?,
        at date: Date, source: String, statementID: String?, state: ActivityState, stateChanged: Bool, newlySatisfied: Bool,
        in tx: StoreTransaction
    ) throws {
        let at = date.iso8601
        try tx.sql.executeUnread(
            """
            INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(enrollmentID), .text(activity), .text(outcome.rawValue), score.map(SQLValue.real) ?? .null, SQLValue(durationSeconds),
             .text(at), .text(source), SQLValue(statementID)]
        )
        guard stateChanged || newlySatisfied else { return }
        try tx.sql.executeUnread(
            """
            INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (enrollment_id, activity_identifier) DO UPDATE SET completed = excluded.completed,
                passed = excluded.passed, best_score = excluded.best_score,
                satisfied_at = coalesce(activity_progress.satisfied_at, excluded.satisfied_at), updated_at = excluded.updated_at
            """,
            [.integer(enrollmentID), .text(activity), .integer(state.completed ? 1 : 0), state.passed.map { .integer($0 ? 1 : 0) } ?? .null,
             state.bestScore.map(SQLValue.real) ?? .null, newlySatisfied ? .text(at) : .null, .text(tx.stamp)]
        )
    }

    /// The enrollment's progress events that still count, in the order they happened.
    static func countingEvents(enrollmentID: Int64, on sql: any SQLConnection) throws -> [CountingEvent] {
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
    static func replaceActivityStates(enrollmentID: Int64, _ states: [String: (state: ActivityState, satisfiedAt: Date?)], in tx: StoreTransaction) throws {
        try tx.sql.execute("DELETE FROM activity_progress WHERE enrollment_id = ?", [.integer(enrollmentID)])
        for (activity, entry) in states {
            try tx.sql.execute(
                """
                INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(enrollmentID), .text(activity), .integer(entry.state.completed ? 1 : 0), entry.state.passed.map { .integer($0 ? 1 : 0) } ?? .null,
                 entry.state.bestScore.map(SQLValue.real) ?? .null, SQLValue(entry.satisfiedAt?.iso8601), .text(tx.stamp)]
            )
        }
    }
}
