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

    /// The engineer's awards for the course that still stand.
    public func standingAwards(engineerID: String, courseID: String) throws -> [CreditAward] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM credit_award WHERE engineer_id = ? AND course_id = ? AND revoked_at IS NULL ORDER BY id",
            arguments: [engineerID, courseID]
        ).map(AppDatabase.award(from:))
    }

    /// Marks the enrollment completed at `date` (the completion time, not the recording time).
    public func completeEnrollment(_ id: Int64, at date: Date) throws {
        try db.execute(sql: "UPDATE enrollment SET status = 'completed', ended_at = ? WHERE id = ? AND status = 'active'", arguments: [date.iso8601, id])
    }

    public func insertAward(
        engineerID: String, courseID: String, enrollmentID: Int64, hours: Double, category: SubjectCategory, at date: Date, result: AwardResult
    ) throws -> CreditAward {
        try db.execute(
            sql: """
                INSERT INTO credit_award (engineer_id, course_id, enrollment_id, hours, category, awarded_at, credential_id, changed_at, result, score,
                    publication_id)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT publication_id FROM enrollment WHERE id = ?3))
                """,
            arguments: [engineerID, courseID, enrollmentID, hours, category.rawValue, date.iso8601, CredentialID.make(), stamp,
                        result.passed ? "passed" : "completed", result.score]
        )
        return CreditAward(
            id: db.lastInsertedRowID, engineerID: engineerID, courseID: courseID, enrollmentID: enrollmentID, hours: hours,
            category: category, awardedAt: date, result: result
        )
    }
}

extension AppDatabase {
    /// The engineer's awards, oldest first, revoked ones included.
    public func awards(of engineerID: String) throws(ServiceError) -> [CreditAward] {
        try read("reading awards of \(engineerID)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM credit_award WHERE engineer_id = ? ORDER BY awarded_at, id", arguments: [engineerID])
                .map(Self.award(from:))
        }
    }

    public static func award(from row: Row) throws -> CreditAward {
        guard let category = SubjectCategory(rawValue: row["category"]), let awardedAt = Date(iso8601: row["awarded_at"]) else {
            throw ServiceError(.storage, "credit award \(row["id"] as Int64? ?? 0) is unreadable")
        }
        return CreditAward(
            id: row["id"], engineerID: row["engineer_id"], courseID: row["course_id"], enrollmentID: row["enrollment_id"],
            hours: row["hours"], category: category, awardedAt: awardedAt,
            revokedAt: (row["revoked_at"] as String?).flatMap(Date.init(iso8601:)), revokedReason: row["revoked_reason"],
            result: AwardResult(passed: row["result"] == "passed", score: row["score"]), recordVersion: row["record_version"],
            credentialID: row["credential_id"]
        )
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
