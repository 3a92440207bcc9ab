import Foundation

/// What an engineer has done in one activity so far.
public struct ActivityState: Codable, Sendable, Equatable {
    public var completed: Bool
    /// Nil until a pass or a fail is recorded; a later pass overrides a fail.
    public var passed: Bool?
    /// The best scaled score (0-1) recorded.
    public var bestScore: Double?

    public init(completed: Bool = false, passed: Bool? = nil, bestScore: Double? = nil) {
        self.completed = completed
        self.passed = passed
        self.bestScore = bestScore
    }
}

extension ActivityState {
    /// Folds one result in: a pass sticks (a later fail does not undo it), the best score is kept.
    public mutating func apply(_ outcome: ProgressOutcome, score: Double?) {
        switch outcome {
        case .completed: completed = true
        case .passed: passed = true
        case .failed: if passed != true { passed = false }
        }
        if let score { bestScore = max(bestScore ?? score, score) }
    }
}

/// One recorded result: `completed`, `passed` or `failed`, with an optional scaled score.
public enum ProgressOutcome: String, Codable, Sendable, CaseIterable {
    case completed
    case passed
    case failed
}

/// When an activity, and a course, count as done: as each package format defines it.
///
/// - SCORM 1.2 (`masteryscore`): with a mastery score, the score must reach it (or a pass be
///   recorded without a score); without one, completed or passed.
/// - SCORM 2004: completed, and when the activity has a mastery threshold
///   (`minNormalizedMeasure`), also satisfied: score at or above it, or a pass without a score.
/// - cmi5 (`moveOn`): Passed, Completed, CompletedAndPassed, CompletedOrPassed, NotApplicable
///   (done from the start); a pass below `masteryScore` is refused when recorded, so the
///   recorded pass decides.
/// - ECBA, Common Cartridge, IMS CP, Tin Can: completed or passed; with a mastery threshold, passed at it.
public enum CompletionRule {
    /// Whether a recorded pass counts: at or above the mastery threshold when a score is given.
    static func passes(_ state: ActivityState, mastery: Double?) -> Bool {
        if let mastery, let score = state.bestScore { return score >= mastery }
        return state.passed == true
    }

    public static func isSatisfied(_ activity: Activity, format: PackageFormat, state: ActivityState) -> Bool {
        let mastery = activity.masteryThreshold
        switch format {
        case .scorm2004:
            guard state.completed else { return false }
            return mastery == nil || passes(state, mastery: mastery)
        case .cmi5:
            // A cmi5 pass is checked against masteryScore when it is recorded (a pass below it is
            // refused), so a recorded pass is the AU's judgement; a score does not make a failure
            // a pass, and a waiver (recorded as completed and passed) needs no score.
            let passed = state.passed == true
            switch activity.moveOn ?? "CompletedOrPassed" {
            case "Passed": return passed
            case "Completed": return state.completed
            case "CompletedAndPassed": return state.completed && passed
            case "NotApplicable": return true
            default: return state.completed || passed
            }
        case .scorm12, .ecba, .commonCartridge, .imscp, .tincan:
            if mastery != nil { return passes(state, mastery: mastery) }
            return state.completed || state.passed == true
        }
    }

    /// The activities a course needs done: required launchable activities; SCORM assets only
    /// when the package has no SCO (assets cannot report).
    public static func requiredActivities(_ package: CoursePackage) -> [Activity] {
        let launchable = package.activities.flattened.filter { $0.isLaunchable && $0.isRequired }
        let tracked = launchable.filter { $0.kind != .asset }
        return tracked.isEmpty ? launchable : tracked
    }
}

/// Credit hours awarded for completing a course, dated at the completion time.
public struct CreditAward: Codable, Sendable, Equatable {
    public var id: Int64
    public var engineerID: String
    public var courseID: String
    public var enrollmentID: Int64
    public var hours: Double
    public var category: SubjectCategory
    public var awardedAt: Date
    /// Set when the award was taken back (e.g. the completing statement was voided).
    public var revokedAt: Date?
    public var revokedReason: String?
    /// The result at completion.
    public var result: AwardResult
    /// The transcript record's version: 1 when awarded, one more on every change (a revocation).
    public var recordVersion: Int
    /// The id of the credential that attests it (stable across re-issues).
    public var credentialID: String?

    public init(
        id: Int64, engineerID: String, courseID: String, enrollmentID: Int64, hours: Double, category: SubjectCategory,
        awardedAt: Date, revokedAt: Date? = nil, revokedReason: String? = nil, result: AwardResult = AwardResult(passed: false, score: nil),
        recordVersion: Int = 1, credentialID: String? = nil
    ) {
        self.result = result
        self.recordVersion = recordVersion
        self.credentialID = credentialID
        self.id = id
        self.engineerID = engineerID
        self.courseID = courseID
        self.enrollmentID = enrollmentID
        self.hours = hours
        self.category = category
        self.awardedAt = awardedAt
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
    }
}

/// How a course was completed: passed (an activity with a mastery score was passed) or completed,
/// and the mean best score of the scored activities.
public struct AwardResult: Codable, Sendable, Equatable {
    public var passed: Bool
    /// 0-1.
    public var score: Double?

    public init(passed: Bool, score: Double?) {
        self.passed = passed
        self.score = score
    }

    /// From the activity states at completion.
    public init(states: some Collection<ActivityState>) {
        passed = states.contains { $0.passed == true }
        let scores = states.compactMap(\.bestScore)
        score = scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)
    }
}
