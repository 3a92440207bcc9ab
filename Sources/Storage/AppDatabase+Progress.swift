import Domain
import Foundation
import GRDB

extension StoreTransaction {
    /// The state of every activity of an enrollment with any progress, by identifier.
    public func activityStates(enrollmentID: Int64) throws -> [String: ActivityState] {
        try AppDatabase.activityStates(enrollmentID: enrollmentID, db: db)
    }

    /// Records one result and, when it changed, the activity's new state (`newlySatisfied`
    /// stamps the time it became done). A result that changes nothing (a second 'completed')
    /// is kept as an event only.
    public func recordProgress(
        enrollmentID: Int64, activity: String, outcome: ProgressOutcome, score: Double?, durationSeconds: Int?,
        at date: Date, source: String, statementID: String? = nil, state: ActivityState, stateChanged: Bool = true, newlySatisfied: Bool
    ) throws {
        var event = try BoundStatement(db, """
            INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        event.bind(enrollmentID)
        event.bind(activity)
        event.bind(outcome.rawValue)
        event.bind(score)
        event.bind(durationSeconds)
        let at = date.iso8601
        event.bind(at)
        event.bind(source)
        event.bind(statementID)
        try event.run()
        guard stateChanged || newlySatisfied else { return }
        var upsert = try BoundStatement(db, """
            INSERT INTO activity_progress (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (enrollment_id, activity_identifier) DO UPDATE SET completed = excluded.completed,
                passed = excluded.passed, best_score = excluded.best_score,
                satisfied_at = coalesce(activity_progress.satisfied_at, excluded.satisfied_at), updated_at = excluded.updated_at
            """)
        upsert.bind(enrollmentID)
        upsert.bind(activity)
        upsert.bind(state.completed)
        upsert.bind(state.passed)
        upsert.bind(state.bestScore)
        upsert.bind(newlySatisfied ? at : nil)
        upsert.bind(stamp)
        try upsert.run()
    }

    /// Marks the enrollment completed at `date` (the completion time, not the recording time).
    public func completeEnrollment(_ id: Int64, at date: Date) throws {
        try db.execute(sql: "UPDATE enrollment SET status = 'completed', ended_at = ? WHERE id = ? AND status = 'active'", arguments: [date.iso8601, id])
    }
}

extension AppDatabase {
    /// An enrollment's activity states by identifier (activities with any result).
    public func activityStates(enrollmentID: Int64) throws(ServiceError) -> [String: ActivityState] {
        try read("reading progress of enrollment \(enrollmentID)") { db in try Self.activityStates(enrollmentID: enrollmentID, db: db) }
    }

    public static func activityStates(enrollmentID: Int64, db: Database) throws -> [String: ActivityState] {
        var states: [String: ActivityState] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM activity_progress WHERE enrollment_id = ?"), arguments: [enrollmentID]) {
            states[row["activity_identifier"]] = ActivityState(completed: row["completed"], passed: row["passed"], bestScore: row["best_score"])
        }
        return states
    }
}
