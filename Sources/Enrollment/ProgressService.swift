import Domain
import Foundation
import Storage

/// What recording one result led to.
public struct ProgressReport: Codable, Sendable {
    public var enrollment: Enrollment
    public var activity: String
    public var state: ActivityState
    /// Whether the activity now counts as done under its package's rule.
    public var satisfied: Bool
    /// Required activities still to do, by identifier.
    public var outstanding: [String]
    /// Set when this result completed the course and earned credit hours.
    public var award: CreditAward?
    /// Set when the course was completed but earned nothing (and why).
    public var noAwardReason: String?
}

/// Progress, completion and credit awards. Completion is evaluated at once on every recorded
/// result, never by a periodic job; completing a course awards its approved credit hours in its
/// category, dated at the completion time, once per engineer, course and calendar year.
public struct ProgressService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// Records a result for one activity of the engineer's current enrollment in the course
    /// (manual entry, e.g. offline training). `at` is when it happened (default: now).
    public func record(
        engineerID: String, courseID: String, activity activityID: String, outcome: ProgressOutcome, score: Double? = nil,
        duration: String? = nil, at: Date? = nil, actor: String
    ) throws(ServiceError) -> ProgressReport {
        if let score, !(0...1).contains(score) {
            throw ServiceError(.invalidArgument, "score \(score) is not a scaled score from 0 to 1", field: "score")
        }
        let seconds = duration.flatMap { Durations.seconds(iso8601: $0) }
        if let duration, seconds == nil {
            throw ServiceError(.invalidArgument, "duration '\(duration)' is not an ISO 8601 duration such as PT45M", field: "duration")
        }
        let now = clock()
        let when = at ?? now
        guard when <= now else { throw ServiceError(.invalidArgument, "a result cannot be recorded in the future") }
        return try database.perform(at: now) { tx in
            guard let enrollment = try EnrollmentStore.current(engineerID: engineerID, courseID: courseID, on: tx.sql) else {
                throw ServiceError(.notFound, "'\(engineerID)' is not enrolled in '\(courseID)'", remedy: .enroll)
            }
            guard let submission = try tx.submission(enrollment.submissionID) else {
                throw ServiceError(.storage, "the enrolled version of '\(courseID)' is missing")
            }
            let package = submission.package
            guard let activity = package.activities.flattened.first(where: { $0.identifier == activityID }), activity.isLaunchable else {
                let known = CompletionRule.requiredActivities(package).map(\.identifier).joined(separator: ", ")
                throw ServiceError(.notFound, "'\(courseID)' version \(enrollment.version) has no launchable activity '\(activityID)' (required: \(known))")
            }
            var states = try ProgressStore.activityStatesToChange(enrollmentID: enrollment.id, in: tx)
            return try Self.apply(
                ProgressResult(activity: activity, outcome: outcome, score: score, durationSeconds: seconds, at: when),
                enrollment: enrollment, package: package, required: CompletionRule.requiredActivities(package), states: &states,
                source: "manual", statementID: nil, auditActor: actor, tx
            )
        }
    }

    /// A cmi5 waiver (the platform's `waived` statement, cmi5 9.3.7) in the caller's
    /// transaction: the AU counts as having met its moveOn criteria, recorded as completed and
    /// passed (without a score) from that statement; completion and credits follow as for any
    /// result.
    public static func waive(enrollmentID: Int64, activity identifier: String, statementID: String, at date: Date,
                             _ tx: StoreTransaction) throws -> ProgressReport {
        guard let enrollment = try EnrollmentStore.enrollment(id: enrollmentID, on: tx.sql), let submission = try tx.submission(enrollment.submissionID) else {
            throw ServiceError(.notFound, "enrollment \(enrollmentID) is gone")
        }
        let package = submission.package
        guard let activity = package.activities.flattened.first(where: { $0.identifier == identifier && $0.isLaunchable }) else {
            throw ServiceError(.notFound, "\(enrollment.courseID) v\(enrollment.version) has no assignable unit '\(identifier)'")
        }
        let required = CompletionRule.requiredActivities(package)
        var states = try ProgressStore.activityStatesToChange(enrollmentID: enrollment.id, in: tx)
        var report = try apply(ProgressResult(activity: activity, outcome: .completed, score: nil, durationSeconds: nil, at: date),
                               enrollment: enrollment, package: package, required: required, states: &states, source: "cmi5-waived",
                               statementID: statementID, auditActor: nil, tx)
        let award = report.award
        report = try apply(ProgressResult(activity: activity, outcome: .passed, score: nil, durationSeconds: nil, at: date),
                           enrollment: report.enrollment, package: package, required: required, states: &states, source: "cmi5-waived",
                           statementID: statementID, auditActor: nil, tx)
        if report.award == nil { report.award = award }
        return report
    }

    /// One result on its way into an enrollment.
    struct ProgressResult {
        var activity: Activity
        var outcome: ProgressOutcome
        var score: Double?
        var durationSeconds: Int?
        var at: Date
    }

    /// Records a result, folds it into the activity's state and evaluates completion, in the
    /// caller's transaction. Shared by manual entry and xAPI statements. `states` is the
    /// enrollment's current activity states (updated here; a batch keeps it between calls) and
    /// `required` the package's required activities. `auditActor` writes a `progress.record`
    /// line (statements are their own record, so they pass nil).
    static func apply(
        _ result: ProgressResult, enrollment: Enrollment, package: CoursePackage, required: [Activity],
        states: inout [String: ActivityState], source: String, statementID: String?, auditActor: String?,
        writes: ProgressWrites? = nil, _ tx: StoreTransaction
    ) throws -> ProgressReport {
        let activity = result.activity
        let engineerID = enrollment.engineerID
        let courseID = enrollment.courseID
        if result.outcome == .passed, package.format == .cmi5, let mastery = activity.masteryThreshold, let score = result.score, score < mastery {
            throw ServiceError(.invalidArgument, "cmi5: a pass needs a score of at least the masteryScore \(mastery); \(score) is below it")
        }
        var state = states[activity.identifier] ?? ActivityState()
        let wasSatisfied = CompletionRule.isSatisfied(activity, format: package.format, state: state)
        let before = state
        state.apply(result.outcome, score: result.score)
        let satisfied = CompletionRule.isSatisfied(activity, format: package.format, state: state)
        // The states hold every activity with a row: a first result always changes the
        // (default) state, so an unchanged state has its row.
        let rowExists = states[activity.identifier] != nil
        try ProgressStore.record(
            enrollmentID: enrollment.id, activity: activity.identifier, outcome: result.outcome, score: result.score,
            durationSeconds: result.durationSeconds, at: result.at, source: source, statementID: statementID, state: state,
            stateChanged: state != before || !rowExists, newlySatisfied: satisfied && !wasSatisfied,
            rowExists: rowExists, writes: writes, in: tx
        )
        states[activity.identifier] = state
        if let actor = auditActor {
            try tx.audit(AuditRecord(
                actor: actor, action: "progress.record", subject: "engineer:\(engineerID)",
                details: ["course": courseID, "activity": activity.identifier, "outcome": result.outcome.rawValue,
                          "score": result.score.map { String($0) } ?? "-"]
            ))
        }
        // By index, not `filter`: that copied every required activity for every statement.
        var outstanding: [String] = []
        for at in required.indices
        where !CompletionRule.isSatisfied(required[at], format: package.format, state: states[required[at].identifier] ?? ActivityState()) {
            outstanding.append(required[at].identifier)
        }
        var report = ProgressReport(
            enrollment: enrollment, activity: activity.identifier, state: state, satisfied: satisfied, outstanding: outstanding
        )
        guard outstanding.isEmpty, enrollment.status == .active else { return report }
        let when = result.at
        let actor = auditActor ?? statementID.map { "xapi:\($0)" } ?? engineerID
        try EnrollmentStore.complete(enrollment.id, at: when, on: tx.sql)
        report.enrollment.status = .completed
        report.enrollment.endedAt = when
        try tx.audit(AuditRecord(
            actor: actor, action: "enrollment.complete", subject: "engineer:\(engineerID)",
            details: ["course": courseID, "version": String(enrollment.version), "completed": when.formatted(.iso8601)]
        ))
        guard let hours = package.creditHours, let category = package.category else {
            report.noAwardReason = "the course has no approved credit hours or category"
            return report
        }
        let year = Calendar.utcGregorian.component(.year, from: when)
        if let earlier = try tx.standingAwards(engineerID: engineerID, courseID: courseID)
            .first(where: { Calendar.utcGregorian.component(.year, from: $0.awardedAt) == year }) {
            report.noAwardReason = "credit for '\(courseID)' was already awarded in \(year) (award \(earlier.id)); re-taking a course earns once a year"
            return report
        }
        let award = try tx.insertAward(engineerID: engineerID, courseID: courseID, enrollmentID: enrollment.id, hours: hours, category: category, at: when,
            result: AwardResult(states: states.values)
        )
        try tx.audit(AuditRecord(
            actor: actor, action: "credit.award", subject: "engineer:\(engineerID)",
            details: ["course": courseID, "hours": String(hours), "category": category.rawValue, "award": String(award.id)]
        ))
        report.award = award
        return report
    }

    /// Re-folds an enrollment's state from the events that still count (after a voiding). If the
    /// course is no longer complete, the enrollment reopens and its award is revoked, visibly.
    /// Returns the revoked award, if any.
    static func refold(enrollmentID: Int64, reason: String, actor: String, _ tx: StoreTransaction) throws -> CreditAward? {
        guard let enrollment = try EnrollmentStore.enrollment(id: enrollmentID, on: tx.sql), let submission = try tx.submission(enrollment.submissionID) else {
            return nil
        }
        let package = submission.package
        let activities = Dictionary(package.activities.flattened.map { ($0.identifier, $0) }, uniquingKeysWith: { first, _ in first })
        var states: [String: (state: ActivityState, satisfiedAt: Date?)] = [:]
        for event in try ProgressStore.countingEvents(enrollmentID: enrollmentID, on: tx.sql) {
            guard let activity = activities[event.activity] else { continue }
            var entry = states[event.activity] ?? (ActivityState(), nil)
            entry.state.apply(event.outcome, score: event.score)
            if entry.satisfiedAt == nil, CompletionRule.isSatisfied(activity, format: package.format, state: entry.state) {
                entry.satisfiedAt = event.at
            }
            states[event.activity] = entry
        }
        try ProgressStore.replaceActivityStates(enrollmentID: enrollmentID, states, in: tx)
        let complete = CompletionRule.requiredActivities(package).allSatisfy { states[$0.identifier]?.satisfiedAt != nil }
        guard enrollment.status == .completed, !complete else { return nil }
        try EnrollmentStore.reopen(enrollmentID, on: tx.sql)
        let revoked = try tx.revokeAward(enrollmentID: enrollmentID, reason: reason)
        try tx.audit(AuditRecord(
            actor: actor, action: revoked == nil ? "enrollment.reopen" : "credit.revoke", subject: "engineer:\(enrollment.engineerID)",
            reason: reason, details: ["course": enrollment.courseID, "award": revoked.map { String($0.id) } ?? "-"]
        ))
        return revoked
    }

    /// The engineer's credit awards, oldest first (revoked ones included, marked).
    public func awards(engineerID: String) throws(ServiceError) -> [CreditAward] {
        try database.awards(of: engineerID)
    }
}
