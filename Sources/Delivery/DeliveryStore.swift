import Domain
import Foundation
import GRDB
import Storage

/// The SQL of the delivery tables (v12): launch tokens, player sessions, attempts and their
/// run-time values. Every function runs on the connection of a transaction (or read) its caller
/// holds. What a player commit runs is prepared once per connection (`cachedStatement`): preparing
/// it again on every commit (SQLite's parser and GRDB's authorizer) cost more than running it.
enum DeliveryStore {
    /// What a launch or a session is about: the enrollment, its version and whether it can be taken.
    struct EnrollmentContext: Sendable {
        var enrollmentID: Int64
        var engineerID: String
        var engineerName: String
        var courseID: String
        var version: Int
        var submissionID: Int64
        var registration: String
        var status: EnrollmentStatus
        var retired: Bool
        var format: PackageFormat?
    }

    static func enrollmentContext(_ enrollmentID: Int64, in db: Database) throws -> EnrollmentContext? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT e.id, e.engineer_id, g.name, e.course_id, p.version, p.submission_id, e.registration, e.status,
                   p.retired_at IS NOT NULL OR c.current_publication_id IS NULL AS retired, s.format
            FROM enrollment e
            JOIN engineer g ON g.id = e.engineer_id
            JOIN publication p ON p.id = e.publication_id
            JOIN submission s ON s.id = p.submission_id
            JOIN course c ON c.id = e.course_id
            WHERE e.id = ?
            """), arguments: [enrollmentID]).map { row in
            EnrollmentContext(
                enrollmentID: row[0], engineerID: row[1], engineerName: row[2], courseID: row[3], version: row[4], submissionID: row[5],
                registration: row[6], status: EnrollmentStatus(rawValue: row[7]) ?? .withdrawn, retired: row[8],
                format: PackageFormat(rawValue: row[9])
            )
        }
    }

    /// One activity of a submission by identifier (no children), as the run-time needs it on
    /// every commit: reading the whole package each time cost more than the commit itself.
    static func activity(submissionID: Int64, identifier: String, in db: Database) throws -> Activity? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT identifier, title, kind, launch_url, required, mastery_threshold, completion_threshold, time_limit_seconds, move_on,
                launch_data, time_limit_action, entitlement_key
            FROM activity WHERE submission_id = ? AND identifier = ?
            """), arguments: [submissionID, identifier]).map { row in
            Activity(identifier: row[0], title: row[1], kind: ActivityKind(rawValue: row[2]) ?? .other, launchURL: row[3], isRequired: row[4],
                     masteryThreshold: row[5], completionThreshold: row[6], timeLimitSeconds: row[7], moveOn: row[8],
                     launchData: row[9], timeLimitAction: row[10], entitlementKey: row[11])
        }
    }

    // MARK: Launch tokens

    struct LaunchTokenRow: Sendable {
        var enrollmentID: Int64
        var activity: String?
        var mode: String
        var expiresAt: Date
        var redeemedAt: Date?
        var cmi5Session: String?
    }

    static func insertLaunchToken(hash: String, enrollmentID: Int64, activity: String?, mode: String, cmi5Session: String?, at now: Date,
                                  expires: Date, createdBy: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO launch_token (token_hash, enrollment_id, activity_identifier, mode, created_at, expires_at, created_by, cmi5_session)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [hash, enrollmentID, activity, mode, now.iso8601, expires.iso8601, createdBy, cmi5Session])
    }

    static func launchToken(hash: String, in db: Database) throws -> LaunchTokenRow? {
        try Row.fetchOne(db, sql: """
            SELECT enrollment_id, activity_identifier, mode, expires_at, redeemed_at, cmi5_session FROM launch_token WHERE token_hash = ?
            """, arguments: [hash]).map { row in
            LaunchTokenRow(enrollmentID: row[0], activity: row[1], mode: row[2], expiresAt: Date(iso8601: row[3]) ?? .distantPast,
                           redeemedAt: (row[4] as String?).flatMap(Date.init(iso8601:)), cmi5Session: row[5])
        }
    }

    /// Marks a token used; false when another redemption got there first.
    static func redeem(hash: String, at now: Date, in db: Database) throws -> Bool {
        try db.execute(sql: "UPDATE launch_token SET redeemed_at = ? WHERE token_hash = ? AND redeemed_at IS NULL", arguments: [now.iso8601, hash])
        return db.changesCount == 1
    }

    // MARK: Sessions

    struct SessionRow: Sendable {
        var id: Int64
        var enrollmentID: Int64
        var mode: String
        var firstActivity: String?
        var expiresAt: Date
        var endedAt: Date?
        var cmi5Session: String?
    }

    static func insertSession(hash: String, enrollmentID: Int64, mode: String, firstActivity: String?, cmi5Session: String?, at now: Date,
                              expires: Date, in db: Database) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO player_session (token_hash, enrollment_id, mode, first_activity, started_at, expires_at, cmi5_session)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [hash, enrollmentID, mode, firstActivity, now.iso8601, expires.iso8601, cmi5Session])
        return db.lastInsertedRowID
    }

    static func session(hash: String, in db: Database) throws -> SessionRow? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT id, enrollment_id, mode, first_activity, expires_at, ended_at, cmi5_session FROM player_session WHERE token_hash = ?
            """), arguments: [hash]).map { row in
            SessionRow(id: row[0], enrollmentID: row[1], mode: row[2], firstActivity: row[3], expiresAt: Date(iso8601: row[4]) ?? .distantPast,
                       endedAt: (row[5] as String?).flatMap(Date.init(iso8601:)), cmi5Session: row[6])
        }
    }

    /// Hands out the session's pre-minted cmi5 session id once (its first AU launch).
    static func takeCMI5Session(sessionID: Int64, in db: Database) throws -> String? {
        let id = try String.fetchOne(db, sql: "SELECT cmi5_session FROM player_session WHERE id = ?", arguments: [sessionID])
        try db.execute(sql: "UPDATE player_session SET cmi5_session = NULL WHERE id = ?", arguments: [sessionID])
        return id
    }

    static func endSession(id: Int64, at now: Date, in db: Database) throws {
        try db.execute(sql: "UPDATE player_session SET ended_at = ? WHERE id = ? AND ended_at IS NULL", arguments: [now.iso8601, id])
    }

    // MARK: Attempts

    struct AttemptRow: Sendable, Equatable {
        var id: Int64
        var activity: String
        var number: Int
        var state: String
        var totalSeconds: Double
        var updatedAt: Date
    }

    /// The newest attempt of each activity of the enrollment.
    static func latestAttempts(enrollmentID: Int64, in db: Database) throws -> [String: AttemptRow] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT a.id, a.activity_identifier, a.number, a.state, a.total_seconds, a.updated_at FROM attempt a
            WHERE a.enrollment_id = ? AND a.number = (SELECT MAX(number) FROM attempt b
                WHERE b.enrollment_id = a.enrollment_id AND b.activity_identifier = a.activity_identifier)
            """, arguments: [enrollmentID])
        var result: [String: AttemptRow] = [:]
        for row in rows {
            let attempt = AttemptRow(id: row[0], activity: row[1], number: row[2], state: row[3], totalSeconds: row[4],
                                     updatedAt: Date(iso8601: row[5]) ?? .distantPast)
            result[attempt.activity] = attempt
        }
        return result
    }

    static func attempt(id: Int64, in db: Database) throws -> (enrollmentID: Int64, row: AttemptRow)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT enrollment_id, id, activity_identifier, number, state, total_seconds, updated_at FROM attempt WHERE id = ?"),
                         arguments: [id]).map { row in
            (row[0], AttemptRow(id: row[1], activity: row[2], number: row[3], state: row[4], totalSeconds: row[5],
                                updatedAt: Date(iso8601: row[6]) ?? .distantPast))
        }
    }

    static func insertAttempt(enrollmentID: Int64, activity: String, number: Int, at now: Date, in db: Database) throws -> AttemptRow {
        try db.execute(sql: """
            INSERT INTO attempt (enrollment_id, activity_identifier, number, state, started_at, updated_at) VALUES (?, ?, ?, 'new', ?, ?)
            """, arguments: [enrollmentID, activity, number, now.iso8601, now.iso8601])
        return AttemptRow(id: db.lastInsertedRowID, activity: activity, number: number, state: "new", totalSeconds: 0, updatedAt: now)
    }

    static func updateAttempt(id: Int64, state: String, totalSeconds: Double, at now: Date, in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE attempt SET state = ?, total_seconds = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [state, totalSeconds, now.iso8601, id])
    }

    static func values(attemptID: Int64, in db: Database) throws -> [String: String] {
        var values: [String: String] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT element, value FROM runtime_value WHERE attempt_id = ?"), arguments: [attemptID]) {
            values[row[0]] = row[1]
        }
        return values
    }

    /// Forgets the values that belong to one session only (session time and exit), at its end.
    static func clearSessionValues(attemptID: Int64, in db: Database) throws {
        try db.cachedStatement(sql: """
            DELETE FROM runtime_value WHERE attempt_id = ? AND element IN ('cmi.core.session_time', 'cmi.session_time', 'cmi.core.exit', 'cmi.exit')
            """).execute(arguments: [attemptID])
    }

    static func storeValues(_ values: [String: String], attemptID: Int64, in db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO runtime_value (attempt_id, element, value) VALUES (?, ?, ?)
            ON CONFLICT (attempt_id, element) DO UPDATE SET value = excluded.value
            """)
        for (element, value) in values {
            try upsert.execute(arguments: [attemptID, element, value])
        }
    }
}
