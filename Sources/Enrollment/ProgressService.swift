import Catalog
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
            throw ServiceError(.invalidArgument, "--score \(score) is not a scaled score from 0 to 1")
        }
        let seconds = duration.flatMap { Durations.seconds(iso8601: $0) }
        if let duration, seconds == nil {
            throw ServiceError(.invalidArgument, "--duration '\(duration)' is not an ISO 8601 duration such as PT45M")
        }
        let now = clock()
        let when = at ?? now
        guard when <= now else { throw ServiceError(.invalidArgument, "a result cannot be recorded in the future") }
        return try database.perform(at: now) { tx in
            guard let enrollment = try tx.currentEnrollment(engineerID: engineerID, courseID: courseID) else {
                throw ServiceError(.notFound, "'\(engineerID)' is not enrolled in '\(courseID)'; enroll with 'ecba enroll'")
            }
            guard let submission = try tx.submission(enrollment.submissionID) else {
                throw ServiceError(.storage, "the enrolled version of '\(courseID)' is missing")
            }
            let package = submission.package
            guard let activity = package.activities.flattened.first(where: { $0.identifier == activityID }), activity.isLaunchable else {
                let known = CompletionRule.requiredActivities(package).map(\.identifier).joined(separator: ", ")
                throw ServiceError(.notFound, "'\(courseID)' version \(enrollment.version) has no launchable activity '\(activityID)' (required: \(known))")
            }
            var states = try tx.activityStates(enrollmentID: enrollment.id)
            var state = states[activityID] ?? ActivityState()
            let wasSatisfied = CompletionRule.isSatisfied(activity, format: package.format, state: state)
            switch outcome {
            case .completed:
                state.completed = true
            case .passed:
                if package.format == .cmi5, let mastery = activity.masteryThreshold, let score, score < mastery {
                    throw ServiceError(.invalidArgument, "cmi5: a pass needs a score of at least the masteryScore \(mastery); \(score) is below it")
                }
                state.passed = true
            case .failed:
                if state.passed != true { state.passed = false }
            }
            if let score { state.bestScore = max(state.bestScore ?? score, score) }
            let satisfied = CompletionRule.isSatisfied(activity, format: package.format, state: state)
            try tx.recordProgress(
                enrollmentID: enrollment.id, activity: activityID, outcome: outcome, score: score, durationSeconds: seconds,
                at: when, source: "manual", state: state, newlySatisfied: satisfied && !wasSatisfied
            )
            states[activityID] = state
            try tx.audit(AuditRecord(
                actor: actor, action: "progress.record", subject: "engineer:\(engineerID)",
                details: ["course": courseID, "activity": activityID, "outcome": outcome.rawValue, "score": score.map { String($0) } ?? "-"]
            ))
            let outstanding = CompletionRule.requiredActivities(package).filter { required in
                !CompletionRule.isSatisfied(required, format: package.format, state: states[required.identifier] ?? ActivityState())
            }.map(\.identifier)
            var report = ProgressReport(
                enrollment: enrollment, activity: activityID, state: state, satisfied: satisfied, outstanding: outstanding
            )
            guard outstanding.isEmpty, enrollment.status == .active else { return report }
            try tx.completeEnrollment(enrollment.id, at: when)
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
            let year = Calendar.utc.component(.year, from: when)
            if let earlier = try tx.standingAwards(engineerID: engineerID, courseID: courseID)
                .first(where: { Calendar.utc.component(.year, from: $0.awardedAt) == year }) {
                report.noAwardReason = "credit for '\(courseID)' was already awarded in \(year) (award \(earlier.id)); re-taking a course earns once a year"
                return report
            }
            let award = try tx.insertAward(engineerID: engineerID, courseID: courseID, enrollmentID: enrollment.id, hours: hours, category: category, at: when)
            try tx.audit(AuditRecord(
                actor: actor, action: "credit.award", subject: "engineer:\(engineerID)",
                details: ["course": courseID, "hours": String(hours), "category": category.rawValue, "award": String(award.id)]
            ))
            report.award = award
            return report
        }
    }

    /// The engineer's credit awards, oldest first (revoked ones included, marked).
    public func awards(engineerID: String) throws(ServiceError) -> [CreditAward] {
        try reading { () throws(StorageError) in try database.awards(of: engineerID) }
    }
}

extension Calendar {
    /// The Gregorian calendar in UTC: awards are dated and counted in UTC.
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }()
}
