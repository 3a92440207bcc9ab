import Domain
import Foundation
import Storage

/// The SQL of the delivery tables (v12): launch tokens, player sessions, attempts and their
/// run-time values, written once for both databases. Every function runs on the connection of a
/// transaction (or read) its caller holds. On SQLite the kernel prepares each text once per
/// connection: preparing it again on every player commit (SQLite's parser) cost more than
/// running it.
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

    static func enrollmentContext(_ enrollmentID: Int64, on sql: any SQLConnection) throws -> EnrollmentContext? {
        try sql.firstRow("""
            SELECT e.id, e.engineer_id, g.name, e.course_id, p.version, p.submission_id, e.registration, e.status,
                   CASE WHEN p.retired_at IS NOT NULL OR c.current_publication_id IS NULL THEN 1 ELSE 0 END, s.format
            FROM enrollment e
            JOIN engineer g ON g.id = e.engineer_id
            JOIN publication p ON p.id = e.publication_id
            JOIN submission s ON s.id = p.submission_id
            JOIN course c ON c.id = e.course_id
            WHERE e.id = ?
            """, [.integer(enrollmentID)]).map { row in
            EnrollmentContext(
                enrollmentID: row.int64(0) ?? 0, engineerID: row.text(1) ?? "", engineerName: row.text(2) ?? "", courseID: row.text(3) ?? "",
                version: Int(row.int64(4) ?? 0), submissionID: row.int64(5) ?? 0, registration: row.text(6) ?? "",
                status: row.text(7).flatMap(EnrollmentStatus.init(rawValue:)) ?? .withdrawn, retired: row.int64(8) == 1,
                format: row.text(9).flatMap(PackageFormat.init(rawValue:))
            )
        }
    }

    /// One activity of a submission by identifier (no children), as the run-time needs it on
    /// every commit: reading the whole package each time cost more than the commit itself.
    static func activity(submissionID: Int64, identifier: String, on sql: any SQLConnection) throws -> Activity? {
        try sql.firstRow("""
            SELECT identifier, title, kind, launch_url, required, mastery_threshold, completion_threshold, time_limit_seconds, move_on,
                launch_data, time_limit_action, entitlement_key
            FROM activity WHERE submission_id = ? AND identifier = ?
            """, [.integer(submissionID), .text(identifier)]).map { row in
            Activity(identifier: row.text(0) ?? "", title: row.text(1) ?? "", kind: row.text(2).flatMap(ActivityKind.init(rawValue:)) ?? .other,
                     launchURL: row.text(3), isRequired: row.int64(4) == 1, masteryThreshold: row.double(5), completionThreshold: row.double(6),
                     timeLimitSeconds: row.int64(7).map { Int($0) }, moveOn: row.text(8), launchData: row.text(9), timeLimitAction: row.text(10),
                     entitlementKey: row.text(11))
        }
    }

    /// The identifiers of a submission's activities that can be launched.
    static func launchable(submissionID: Int64, on sql: any SQLConnection) throws -> Set<String> {
        Set(try sql.rows("SELECT identifier FROM activity WHERE submission_id = ? AND launch_url IS NOT NULL", [.integer(submissionID)])
            .compactMap { $0.text(0) })
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
                                  expires: Date, createdBy: String, on sql: any SQLConnection) throws {
        try sql.execute("""
            INSERT INTO launch_token (token_hash, enrollment_id, activity_identifier, mode, created_at, expires_at, created_by, cmi5_session)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(hash), .integer(enrollmentID), SQLValue(activity), .text(mode), .text(now.iso8601), .text(expires.iso8601), .text(createdBy),
                  SQLValue(cmi5Session)])
    }

    static func launchToken(hash: String, on sql: any SQLConnection) throws -> LaunchTokenRow? {
        try sql.firstRow("""
            SELECT enrollment_id, activity_identifier, mode, expires_at, redeemed_at, cmi5_session FROM launch_token WHERE token_hash = ?
            """, [.text(hash)]).map { row in
            LaunchTokenRow(enrollmentID: row.int64(0) ?? 0, activity: row.text(1), mode: row.text(2) ?? "normal",
                           expiresAt: row.text(3).flatMap(Date.init(iso8601:)) ?? .distantPast, redeemedAt: row.text(4).flatMap(Date.init(iso8601:)),
                           cmi5Session: row.text(5))
        }
    }

    /// Marks a token used; false when another redemption got there first.
    static func redeem(hash: String, at now: Date, on sql: any SQLConnection) throws -> Bool {
        try sql.execute("UPDATE launch_token SET redeemed_at = ? WHERE token_hash = ? AND redeemed_at IS NULL", [.text(now.iso8601), .text(hash)]) == 1
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
                              expires: Date, on sql: any SQLConnection) throws -> Int64 {
        try sql.firstRow("""
            INSERT INTO player_session (token_hash, enrollment_id, mode, first_activity, started_at, expires_at, cmi5_session)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [.text(hash), .integer(enrollmentID), .text(mode), SQLValue(firstActivity), .text(now.iso8601), .text(expires.iso8601),
                  SQLValue(cmi5Session)])?.int64(0) ?? 0
    }

    static func session(hash: String, on sql: any SQLConnection) throws -> SessionRow? {
        try sql.firstRow("""
            SELECT id, enrollment_id, mode, first_activity, expires_at, ended_at, cmi5_session FROM player_session WHERE token_hash = ?
            """, [.text(hash)]).map { row in
            SessionRow(id: row.int64(0) ?? 0, enrollmentID: row.int64(1) ?? 0, mode: row.text(2) ?? "normal", firstActivity: row.text(3),
                       expiresAt: row.text(4).flatMap(Date.init(iso8601:)) ?? .distantPast, endedAt: row.text(5).flatMap(Date.init(iso8601:)),
                       cmi5Session: row.text(6))
        }
    }

    /// Hands out the session's pre-minted cmi5 session id once (its first AU launch).
    static func takeCMI5Session(sessionID: Int64, on sql: any SQLConnection) throws -> String? {
        let id = try sql.firstRow("SELECT cmi5_session FROM player_session WHERE id = ?", [.integer(sessionID)])?.text(0)
        try sql.execute("UPDATE player_session SET cmi5_session = NULL WHERE id = ?", [.integer(sessionID)])
        return id
    }

    static func endSession(id: Int64, at now: Date, on sql: any SQLConnection) throws {
        try sql.execute("UPDATE player_session SET ended_at = ? WHERE id = ? AND ended_at IS NULL", [.text(now.iso8601), .integer(id)])
    }

    // MARK: Attempts

    struct AttemptRow: Sendable, Equatable {
        var id: Int64
        var activity: String
        var number: Int
        var state: String
        var totalSeconds: Double
        var updatedAt: Date

        /// From the columns id, activity_identifier, number, state, total_seconds, updated_at
        /// starting at `first`.
        init(_ row: SQLRow, from first: Int = 0) {
            id = row.int64(first) ?? 0
            activity = row.text(first + 1) ?? ""
            number = Int(row.int64(first + 2) ?? 0)
            state = row.text(first + 3) ?? "new"
            totalSeconds = row.double(first + 4) ?? 0
            updatedAt = row.text(first + 5).flatMap(Date.init(iso8601:)) ?? .distantPast
        }

        init(id: Int64, activity: String, number: Int, state: String, totalSeconds: Double, updatedAt: Date) {
            self.id = id
            self.activity = activity
            self.number = number
            self.state = state
            self.totalSeconds = totalSeconds
            self.updatedAt = updatedAt
        }
    }

    /// The newest attempt of each activity of the enrollment.
    static func latestAttempts(enrollmentID: Int64, on sql: any SQLConnection) throws -> [String: AttemptRow] {
        var result: [String: AttemptRow] = [:]
        try sql.query("""
            SELECT a.id, a.activity_identifier, a.number, a.state, a.total_seconds, a.updated_at FROM attempt a
            WHERE a.enrollment_id = ? AND a.number = (SELECT MAX(number) FROM attempt b
                WHERE b.enrollment_id = a.enrollment_id AND b.activity_identifier = a.activity_identifier)
            """, [.integer(enrollmentID)]) { row in
            let attempt = AttemptRow(row)
            result[attempt.activity] = attempt
        }
        return result
    }

    static func attempt(id: Int64, on sql: any SQLConnection) throws -> (enrollmentID: Int64, row: AttemptRow)? {
        try sql.firstRow("SELECT enrollment_id, id, activity_identifier, number, state, total_seconds, updated_at FROM attempt WHERE id = ?",
                         [.integer(id)]).map { row in (row.int64(0) ?? 0, AttemptRow(row, from: 1)) }
    }

    static func insertAttempt(enrollmentID: Int64, activity: String, number: Int, at now: Date, on sql: any SQLConnection) throws -> AttemptRow {
        let id = try sql.firstRow("""
            INSERT INTO attempt (enrollment_id, activity_identifier, number, state, started_at, updated_at) VALUES (?, ?, ?, 'new', ?, ?)
            RETURNING id
            """, [.integer(enrollmentID), .text(activity), .integer(Int64(number)), .text(now.iso8601), .text(now.iso8601)])?.int64(0) ?? 0
        return AttemptRow(id: id, activity: activity, number: number, state: "new", totalSeconds: 0, updatedAt: now)
    }

    static func updateAttempt(id: Int64, state: String, totalSeconds: Double, at now: Date, on sql: any SQLConnection) throws {
        try sql.execute("UPDATE attempt SET state = ?, total_seconds = ?, updated_at = ? WHERE id = ?",
                        [.text(state), .real(totalSeconds), .text(now.iso8601), .integer(id)])
    }

    static func values(attemptID: Int64, on sql: any SQLConnection) throws -> [String: String] {
        var values: [String: String] = [:]
        try sql.query("SELECT element, value FROM runtime_value WHERE attempt_id = ?", [.integer(attemptID)]) { row in
            if let element = row.text(0) { values[element] = row.text(1) ?? "" }
        }
        return values
    }

    /// Forgets the values that belong to one session only (session time and exit), at its end.
    static func clearSessionValues(attemptID: Int64, on sql: any SQLConnection) throws {
        try sql.execute("""
            DELETE FROM runtime_value WHERE attempt_id = ? AND element IN ('cmi.core.session_time', 'cmi.session_time', 'cmi.core.exit', 'cmi.exit')
            """, [.integer(attemptID)])
    }

    static func storeValues(_ values: [String: String], attemptID: Int64, on sql: any SQLConnection) throws {
        for (element, value) in values {
            try sql.executeUnread("""
                INSERT INTO runtime_value (attempt_id, element, value) VALUES (?, ?, ?)
                ON CONFLICT (attempt_id, element) DO UPDATE SET value = excluded.value
                """, [.integer(attemptID), .text(element), .text(value)])
        }
    }
}
