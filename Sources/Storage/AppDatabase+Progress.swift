import Domain
import Foundation

extension StoreTransaction {
    /// The state of every activity of an enrollment with any progress, by identifier.
    public func activityStates(enrollmentID: Int64) throws -> [String: ActivityState] {
        try AppDatabase.activityStates(enrollmentID: enrollmentID, on: sql)
    }

    /// Records one result and, when it changed, the activity's new state (`newlySatisfied`
    /// stamps the time it became done). A result that changes nothing (a second 'completed')
    /// is kept as an event only.
    public func recordProgress(
        enrollmentID: Int64, activity: String, outcome: ProgressOutcome, score: Double?, durationSeconds: Int?,
        at date: Date, source: String, statementID: String? = nil, state: ActivityState, stateChanged: Bool = true, newlySatisfied: Bool
    ) throws {
        let at = date.iso8601
        try sql.executeUnread(
            """
            INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(enrollmentID), .text(activity), .text(outcome.rawValue), score.map(SQLValue.real) ?? .null, SQLValue(durationSeconds),
             .text(at), .text(source), SQLValue(statementID)]
        )
        guard stateChanged || newlySatisfied else { return }
        try sql.executeUnread(
            """
            INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (enrollment_id, activity_identifier) DO UPDATE SET completed = excluded.completed,
                passed = excluded.passed, best_score = excluded.best_score,
                satisfied_at = coalesce(activity_progress.satisfied_at, excluded.satisfied_at), updated_at = excluded.updated_at
            """,
            [.integer(enrollmentID), .text(activity), .integer(state.completed ? 1 : 0), state.passed.map { .integer($0 ? 1 : 0) } ?? .null,
             state.bestScore.map(SQLValue.real) ?? .null, newlySatisfied ? .text(at) : .null, .text(stamp)]
        )
    }

    /// Marks the enrollment completed at `date` (the completion time, not the recording time).
    public func completeEnrollment(_ id: Int64, at date: Date) throws {
        try sql.execute("UPDATE enrollment SET status = 'completed', ended_at = ? WHERE id = ? AND status = 'active'", [.text(date.iso8601), .integer(id)])
    }
}

extension AppDatabase {
    /// An enrollment's activity states by identifier (activities with any result).
    public func activityStates(enrollmentID: Int64) throws(ServiceError) -> [String: ActivityState] {
        try reading("reading progress of enrollment \(enrollmentID)") { sql in try Self.activityStates(enrollmentID: enrollmentID, on: sql) }
    }

    public static func activityStates(enrollmentID: Int64, on sql: any SQLConnection) throws -> [String: ActivityState] {
        var states: [String: ActivityState] = [:]
        try sql.query("SELECT activity_identifier, completed, passed, best_score FROM activity_progress WHERE enrollment_id = ?", [.integer(enrollmentID)]) { row in
            guard let identifier = row.text(0) else { return }
            states[identifier] = ActivityState(completed: (row.int64(1) ?? 0) != 0, passed: row.int64(2).map { $0 != 0 }, bestScore: row.double(3))
        }
        return states
    }
}
