import ContentLibrary
import ContentStore
import Credentials
import Crypto
import Domain
import Enrollment
import Foundation
import Storage

/// What the player shows for a session: the course, its activity tree with each activity's
/// status, and where to start.
public struct PlayerView: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var identifier: String
        public var title: String
        public var depth: Int
        /// Nil for a folder of activities.
        public var launchURL: String?
        /// not-attempted, incomplete, suspended, completed, passed, failed.
        public var status: String
    }

    public var courseID: String
    public var version: Int
    public var title: String
    public var engineerName: String
    public var format: String
    public var mode: LaunchMode
    public var items: [Item]
    /// The activity to open first: the one launched, else the suspended one, else the first
    /// not yet done, else the first.
    public var start: String?
    /// How the learner may move (the organisation's control mode): pick from the tree
    /// (`choice`), previous / next (`flow`), never back (`forwardOnly`).
    public var choice: Bool
    public var flow: Bool
    public var forwardOnly: Bool
}

/// A player session and its enrollment, for the run-times other than SCORM's (cmi5).
public struct PlayerSessionContext: Sendable, Equatable {
    public var sessionID: Int64
    public var enrollmentID: Int64
    public var engineerID: String
    public var courseID: String
    public var version: Int
    public var submissionID: Int64
    public var registration: String
    public var mode: LaunchMode
    public var expiresAt: Date
    public var format: PackageFormat?
}

/// What the run-time hands the content when an activity opens: the attempt and its data model.
public struct RuntimeOpening: Sendable, Codable, Equatable {
    public var attemptID: Int64
    public var edition: SCORMEdition
    public var values: [String: String]
}

/// A player session's view of its enrollment: the tree, the package's files, and the SCORM
/// run-time (open an attempt, commit its values, terminate), whose results reach progress and
/// credits as xAPI statements through `StatementService`, the path every result takes.
public struct PlayerService: Sendable {
    let database: AppDatabase
    let store: ContentStore
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, store: ContentStore, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.store = store
        self.clock = clock
    }

    struct Resolved: Sendable {
        var session: DeliveryStore.SessionRow
        var context: DeliveryStore.EnrollmentContext
    }

    /// The session of a token, if it is current (and its enrollment can still be taken).
    func resolve(_ token: String, on sql: any SQLConnection) throws -> Resolved {
        guard let session = try DeliveryStore.session(hash: SecretHash.of(token), on: sql), session.endedAt == nil,
              session.expiresAt > clock()
        else { throw DeliveryError(.sessionInvalid, "this player session is over; launch the course again") }
        guard let context = try DeliveryStore.enrollmentContext(session.enrollmentID, on: sql) else {
            throw DeliveryError(.sessionInvalid, "the enrollment no longer exists")
        }
        if context.status == .withdrawn { throw DeliveryError(.withdrawn, "the enrollment in \(context.courseID) was withdrawn") }
        if context.retired { throw DeliveryError(.retired, "\(context.courseID) v\(context.version) was retired") }
        return Resolved(session: session, context: context)
    }

    // MARK: The tree

    public func view(session token: String) throws(DeliveryError) -> PlayerView {
        try reading { sql in
            let resolved = try resolve(token, on: sql)
            let context = resolved.context
            guard let submission = try AppDatabase.submission(id: context.submissionID, on: sql) else {
                throw DeliveryError(.sessionInvalid, "the course version is gone")
            }
            let attempts = try DeliveryStore.latestAttempts(enrollmentID: context.enrollmentID, on: sql)
            let states = try ProgressStore.activityStates(enrollmentID: context.enrollmentID, on: sql)
            var items: [PlayerView.Item] = []
            /// Adds the activities' rows depth first; returns their statuses, for the parent's
            /// rollup (SCORM's default rules: done when every child is done, started when any is).
            @discardableResult
            func walk(_ activities: [Activity], depth: Int) -> [String] {
                var statuses: [String] = []
                for activity in activities {
                    let row = items.count
                    items.append(PlayerView.Item(identifier: activity.identifier, title: activity.title, depth: depth,
                                                 launchURL: activity.launchURL, status: ""))
                    let status: String
                    if activity.isLaunchable {
                        let state = states[activity.identifier]
                        status = Self.status(state, attempt: attempts[activity.identifier],
                                             done: state.map { CompletionRule.isSatisfied(activity, format: submission.package.format, state: $0) } ?? false)
                        walk(activity.children, depth: depth + 1)
                    } else {
                        status = Self.rollup(walk(activity.children, depth: depth + 1))
                    }
                    items[row].status = status
                    statuses.append(status)
                }
                return statuses
            }
            walk(submission.package.activities, depth: 0)
            let launchable = items.filter { $0.launchURL != nil }
            let start = resolved.session.firstActivity
                ?? launchable.first { $0.status == "suspended" }?.identifier
                ?? launchable.first { !["completed", "passed"].contains($0.status) }?.identifier
                ?? launchable.first?.identifier
            return PlayerView(
                courseID: context.courseID, version: context.version, title: submission.package.displayTitle, engineerName: context.engineerName,
                format: submission.package.format.rawValue, mode: LaunchMode(rawValue: resolved.session.mode) ?? .normal, items: items,
                start: start, choice: submission.package.effectiveControlMode.choice, flow: submission.package.effectiveControlMode.flow,
                forwardOnly: submission.package.effectiveControlMode.forwardOnly
            )
        }
    }

    /// A folder's status from its children's: completed when all are done (passed when all
    /// passed), failed when any failed and the rest are done, in progress when any was started.
    static func rollup(_ children: [String]) -> String {
        guard !children.isEmpty else { return "not-attempted" }
        let done: Set<String> = ["completed", "passed"]
        if children.allSatisfy({ $0 == "passed" }) { return "passed" }
        if children.allSatisfy(done.contains) { return "completed" }
        if children.contains("failed"), children.allSatisfy({ done.contains($0) || $0 == "failed" }) { return "failed" }
        return children.allSatisfy { $0 == "not-attempted" } ? "not-attempted" : "incomplete"
    }

    static func status(_ state: ActivityState?, attempt: DeliveryStore.AttemptRow?, done: Bool) -> String {
        if let state {
            if state.passed == true { return "passed" }
            if done || state.completed { return "completed" }
            if state.passed == false { return "failed" }
        }
        switch attempt?.state {
        case "suspended": return "suspended"
        case "new", "ended": return "incomplete"
        default: return "not-attempted"
        }
    }

    // MARK: Files

    /// The submission a current session plays (for serving its files from a cache).
    public func submissionID(session token: String) throws(DeliveryError) -> Int64 {
        try reading { sql in try resolve(token, on: sql).context.submissionID }
    }

    /// Every file of a submission, by path (a submission's files never change).
    public func files(submissionID: Int64) throws(DeliveryError) -> [String: PackageFile] {
        try reading { sql in
            var files: [String: PackageFile] = [:]
            for file in try SubmissionFileStore.files(submissionID: submissionID, on: sql) { files[file.path] = file }
            return files
        }
    }

    /// Where the store keeps a file's bytes.
    public func location(of file: PackageFile) -> String {
        store.objectPath(file.sha256)
    }

    // MARK: The SCORM run-time

    /// Opens (or resumes) the attempt of one activity: the data model's values as the content
    /// will read them.
    public func open(session token: String, activity identifier: String) throws(DeliveryError) -> RuntimeOpening {
        let now = clock()
        return try writing { tx in
            let sql = tx.sql
            let resolved = try resolve(token, on: sql)
            let (activity, edition, format) = try activityOf(resolved, identifier, on: sql)
            var attempt = try DeliveryStore.latestAttempts(enrollmentID: resolved.context.enrollmentID, on: sql)[identifier]
            var entry = "ab-initio"
            if let current = attempt, current.state == "suspended" {
                entry = "resume"
            } else if attempt == nil || attempt?.state == "ended" {
                attempt = try DeliveryStore.insertAttempt(enrollmentID: resolved.context.enrollmentID, activity: identifier,
                                                          number: (attempt?.number ?? 0) + 1, at: now, on: sql)
            } else {
                entry = ""
            }
            guard let attempt else { throw DeliveryError(.storage, "no attempt") }
            let stored = try DeliveryStore.values(attemptID: attempt.id, on: sql)
            let mode = LaunchMode(rawValue: resolved.session.mode) ?? .normal
            var values = SCORMValues(edition: edition, values: stored)
            Self.initialize(&values, activity: activity, context: resolved.context, mode: mode, entry: entry,
                            totalSeconds: attempt.totalSeconds, format: format)
            return RuntimeOpening(attemptID: attempt.id, edition: edition, values: values.values)
        }
    }

    /// A commit from the content: `sets` in the order the content made them, checked again
    /// under the data model's rules (one bad value refuses the whole commit, nothing stored);
    /// with `terminate`, the session time is added to the total and the attempt suspended or
    /// ended. Results are then recorded as xAPI statements. Answers the values the platform
    /// evaluates (status and success), not every value: the content already has the rest.
    public func commit(
        session token: String, attemptID: Int64, sets: [[String]], terminate: Bool
    ) throws(DeliveryError) -> [String: String] {
        let now = clock()
        return try writing { tx in
            let sql = tx.sql
            let resolved = try resolve(token, on: sql)
            guard let (enrollmentID, attempt) = try DeliveryStore.attempt(id: attemptID, on: sql), enrollmentID == resolved.context.enrollmentID else {
                throw DeliveryError(.sessionInvalid, "attempt \(attemptID) is not one of this session's")
            }
            guard attempt.state != "ended" else { throw DeliveryError(.invalidRuntimeData, "the attempt has ended") }
            let (activity, edition, format) = try activityOf(resolved, attempt.activity, on: sql)
            let mode = LaunchMode(rawValue: resolved.session.mode) ?? .normal
            var values = SCORMValues(edition: edition, values: try DeliveryStore.values(attemptID: attemptID, on: sql))
            Self.initialize(&values, activity: activity, context: resolved.context, mode: mode, entry: "", totalSeconds: attempt.totalSeconds,
                            format: format)
            var changed: [String: String] = [:]
            for pair in sets {
                guard pair.count == 2 else { throw DeliveryError(.invalidRuntimeData, "a set is an [element, value] pair") }
                let code = values.set(pair[0], pair[1])
                guard code == 0 else {
                    throw DeliveryError(.invalidRuntimeData, "SetValue('\(pair[0])', '\(pair[1].prefix(80))') is refused with error \(code); nothing was stored")
                }
                changed[pair[0]] = pair[1]
            }
            Self.evaluate(&values, activity: activity, mode: mode)
            var evaluated: [String: String] = [:]
            for element in Self.evaluatedElements(edition) {
                if let value = values[element] { changed[element] = value; evaluated[element] = value }
            }
            var total = attempt.totalSeconds
            var state = attempt.state
            if terminate {
                let session = edition == .scorm12 ? values["cmi.core.session_time"].flatMap(SCORMTime.seconds(timespan12:))
                    : values["cmi.session_time"].flatMap(SCORMTime.seconds(interval:))
                total += session ?? 0
                let exit = values[edition == .scorm12 ? "cmi.core.exit" : "cmi.exit"] ?? ""
                state = exit == "suspend" ? "suspended" : "ended"
                // The session time is added once; the next session starts without one.
                changed.removeValue(forKey: edition == .scorm12 ? "cmi.core.session_time" : "cmi.session_time")
                try DeliveryStore.clearSessionValues(attemptID: attemptID, on: sql)
                changed.removeValue(forKey: "cmi.core.exit")
                changed.removeValue(forKey: "cmi.exit")
            } else if state == "suspended" {
                state = "new"
            }
            try DeliveryStore.storeValues(changed, attemptID: attemptID, on: sql)
            try DeliveryStore.updateAttempt(id: attemptID, state: state, totalSeconds: total, at: now, on: sql)
            // The results go through the statement store in this same transaction: the values and
            // the progress, completion and credits they imply commit together, or neither does.
            let results = mode == .normal ? Self.results(values, attemptID: attemptID, activity: activity, context: resolved.context, at: now) : []
            if !results.isEmpty {
                try record(try JSONEncoder().encode(results), engineerID: resolved.context.engineerID, in: tx)
            }
            return evaluated
        }
    }

    /// Ends the session (the learner pressed Exit): its token stops working.
    public func end(session token: String) throws(DeliveryError) {
        let now = clock()
        try writing { tx in
            let resolved = try resolve(token, on: tx.sql)
            try DeliveryStore.endSession(id: resolved.session.id, at: now, on: tx.sql)
        }
    }

    /// A current session as other run-times (cmi5) need it, on the connection of the caller's
    /// transaction: refuses an ended or expired session, a withdrawn or retired enrollment.
    public func context(session token: String, on sql: any SQLConnection) throws -> PlayerSessionContext {
        let resolved = try resolve(token, on: sql)
        let context = resolved.context
        return PlayerSessionContext(
            sessionID: resolved.session.id, enrollmentID: context.enrollmentID, engineerID: context.engineerID, courseID: context.courseID,
            version: context.version, submissionID: context.submissionID, registration: context.registration,
            mode: LaunchMode(rawValue: resolved.session.mode) ?? .normal, expiresAt: resolved.session.expiresAt, format: context.format
        )
    }

    /// The cmi5 session id `ecba launch` minted for the session's first AU launch, handed out once.
    public func takeCMI5Session(_ context: PlayerSessionContext, on sql: any SQLConnection) throws -> String? {
        try DeliveryStore.takeCMI5Session(sessionID: context.sessionID, on: sql)
    }

    func activityOf(_ resolved: Resolved, _ identifier: String, on sql: any SQLConnection) throws -> (Activity, SCORMEdition, PackageFormat) {
        guard let activity = try DeliveryStore.activity(submissionID: resolved.context.submissionID, identifier: identifier, on: sql),
              activity.isLaunchable, let format = resolved.context.format
        else { throw DeliveryError(.unknownActivity, "no launchable activity '\(identifier)' in this course") }
        return (activity, format == .scorm12 ? .scorm12 : .scorm2004, format)
    }

    /// The values the platform owns, set on every open and commit: who, the mode and credit,
    /// entry, total time, and the manifest's rules; defaults for what content has not set.
    static func initialize(_ values: inout SCORMValues, activity: Activity, context: DeliveryStore.EnrollmentContext, mode: LaunchMode,
                           entry: String, totalSeconds: Double, format: PackageFormat) {
        let credit = mode == .normal ? "credit" : "no-credit"
        func preset(_ element: String, _ value: String) { if values[element] == nil { values.setByPlatform(element, value) } }
        switch values.edition {
        case .scorm12:
            values.setByPlatform("cmi.core.student_id", context.engineerID)
            values.setByPlatform("cmi.core.student_name", context.engineerName)
            values.setByPlatform("cmi.core.credit", credit)
            values.setByPlatform("cmi.core.lesson_mode", mode == .normal ? "normal" : mode.rawValue)
            values.setByPlatform("cmi.core.entry", entry)
            values.setByPlatform("cmi.core.total_time", SCORMTime.timespan12(totalSeconds))
            values.setByPlatform("cmi.launch_data", activity.launchData ?? "")
            values.setByPlatform("cmi.comments_from_lms", "")
            values.setByPlatform("cmi.student_data.mastery_score", activity.masteryThreshold.map { Self.number($0 * 100) } ?? "")
            values.setByPlatform("cmi.student_data.max_time_allowed", activity.timeLimitSeconds.map { SCORMTime.timespan12(Double($0)) } ?? "")
            values.setByPlatform("cmi.student_data.time_limit_action", activity.timeLimitAction ?? "")
            preset("cmi.core.lesson_location", "")
            preset("cmi.core.lesson_status", "not attempted")
            preset("cmi.core.score.raw", "")
            preset("cmi.core.score.min", "")
            preset("cmi.core.score.max", "")
            preset("cmi.suspend_data", "")
            preset("cmi.comments", "")
            preset("cmi.student_preference.audio", "0")
            preset("cmi.student_preference.language", "")
            preset("cmi.student_preference.speed", "0")
            preset("cmi.student_preference.text", "0")
        case .scorm2004:
            values.setByPlatform("cmi._version", "1.0")
            values.setByPlatform("cmi.learner_id", context.engineerID)
            values.setByPlatform("cmi.learner_name", context.engineerName)
            values.setByPlatform("cmi.credit", credit)
            values.setByPlatform("cmi.mode", mode.rawValue)
            values.setByPlatform("cmi.entry", entry)
            values.setByPlatform("cmi.total_time", SCORMTime.interval(totalSeconds))
            values.setByPlatform("cmi.launch_data", activity.launchData ?? "")
            if let threshold = activity.completionThreshold { values.setByPlatform("cmi.completion_threshold", Self.number(threshold)) }
            if let mastery = activity.masteryThreshold, format == .scorm2004 { values.setByPlatform("cmi.scaled_passing_score", Self.number(mastery)) }
            if let limit = activity.timeLimitSeconds { values.setByPlatform("cmi.max_time_allowed", SCORMTime.interval(Double(limit))) }
            values.setByPlatform("cmi.time_limit_action", activity.timeLimitAction ?? "continue,no message")
            preset("cmi.completion_status", "unknown")
            preset("cmi.success_status", "unknown")
            preset("cmi.location", "")
            preset("cmi.suspend_data", "")
            preset("cmi.learner_preference.audio_level", "1")
            preset("cmi.learner_preference.language", "")
            preset("cmi.learner_preference.delivery_speed", "1")
            preset("cmi.learner_preference.audio_captioning", "0")
            preset("adl.nav.request", "_none_")
        }
    }

    static func evaluatedElements(_ edition: SCORMEdition) -> [String] {
        edition == .scorm12 ? ["cmi.core.lesson_status"] : ["cmi.completion_status", "cmi.success_status"]
    }

    /// What the LMS decides when the content leaves it open: SCORM 1.2 passed/failed from the
    /// raw score against the mastery score (credit mode); SCORM 2004 completion from
    /// progress_measure against completion_threshold, success from score.scaled against
    /// scaled_passing_score.
    static func evaluate(_ values: inout SCORMValues, activity: Activity, mode: LaunchMode) {
        switch values.edition {
        case .scorm12:
            guard mode == .normal, let mastery = values["cmi.student_data.mastery_score"].flatMap(Double.init),
                  let raw = values["cmi.core.score.raw"].flatMap(Double.init) else { return }
            values.setByPlatform("cmi.core.lesson_status", raw >= mastery ? "passed" : "failed")
        case .scorm2004:
            if let threshold = values["cmi.completion_threshold"].flatMap(Double.init),
               let measure = values["cmi.progress_measure"].flatMap(Double.init) {
                values.setByPlatform("cmi.completion_status", measure >= threshold ? "completed" : "incomplete")
            }
            if let passing = values["cmi.scaled_passing_score"].flatMap(Double.init),
               let scaled = values["cmi.score.scaled"].flatMap(Double.init) {
                values.setByPlatform("cmi.success_status", scaled >= passing ? "passed" : "failed")
            }
        }
    }

    /// The attempt's results as xAPI statements (ADL's SCORM profile verbs), one id per attempt
    /// and verb, so a result sent twice is stored once.
    static func results(_ values: SCORMValues, attemptID: Int64, activity: Activity, context: DeliveryStore.EnrollmentContext,
                        at now: Date) -> [ResultStatement] {
        var verbs: [String] = []
        var score: Double?
        switch values.edition {
        case .scorm12:
            let status = values["cmi.core.lesson_status"] ?? ""
            if status == "completed" || status == "passed" { verbs.append("completed") }
            if status == "passed" || status == "failed" { verbs.append(status) }
            if let raw = values["cmi.core.score.raw"].flatMap(Double.init) {
                let min = values["cmi.core.score.min"].flatMap(Double.init) ?? 0
                let max = values["cmi.core.score.max"].flatMap(Double.init) ?? 100
                score = max > min ? Swift.min(1, Swift.max(0, (raw - min) / (max - min))) : nil
            }
        case .scorm2004:
            if values["cmi.completion_status"] == "completed" { verbs.append("completed") }
            if let success = values["cmi.success_status"], success == "passed" || success == "failed" { verbs.append(success) }
            score = values["cmi.score.scaled"].flatMap(Double.init)
        }
        let object = ActivityIRI.make(courseID: context.courseID, activity: activity.identifier)
        return verbs.map { verb in
            var result: ResultStatement.Result?
            if verb != "completed" || score != nil {
                result = ResultStatement.Result(score: score.map { ["scaled": $0] }, success: verb == "completed" ? nil : verb == "passed",
                                                completion: verb == "completed" ? true : nil)
            }
            return ResultStatement(
                id: Self.statementID(attemptID: attemptID, verb: verb),
                actor: .init(name: context.engineerName, account: .init(homePage: ActorMapping.defaultHomePage, name: context.engineerID)),
                verb: .init(id: "http://adlnet.gov/expapi/verbs/\(verb)", display: ["en-US": verb]),
                object: .init(id: object, definition: .init(name: ["und": activity.title])),
                context: .init(registration: context.registration),
                result: result,
                timestamp: now.iso8601)
        }
    }

    /// A result as the xAPI statement recorded for it (encoded, then stored like any content's).
    struct ResultStatement: Encodable {
        struct Actor: Encodable {
            struct Account: Encodable { var homePage: String; var name: String }
            var objectType = "Agent"
            var name: String
            var account: Account
        }
        struct Verb: Encodable { var id: String; var display: [String: String] }
        struct Object: Encodable {
            struct Definition: Encodable { var type = "http://adlnet.gov/expapi/activities/lesson"; var name: [String: String] }
            var objectType = "Activity"
            var id: String
            var definition: Definition
        }
        struct Context: Encodable {
            struct Activities: Encodable { var category = [["id": "https://w3id.org/xapi/scorm"]] }
            var registration: String
            var contextActivities = Activities()
        }
        struct Result: Encodable {
            var score: [String: Double]?
            var success: Bool?
            var completion: Bool?
        }
        var id: String
        var actor: Actor
        var verb: Verb
        var object: Object
        var context: Context
        var result: Result?
        var timestamp: String
    }

    static func statementID(attemptID: Int64, verb: String) -> String {
        var bytes = Array(SHA256.hash(data: Data("ecba-scorm-attempt:\(attemptID):\(verb)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.lowercaseHex
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// Stores the results through the statement store, as any content's statements are.
    func record(_ data: Data, engineerID: String, in tx: StoreTransaction) throws {
        let result = try StatementService(database: database, clock: clock).importStatements(data, actor: "player:\(engineerID)", in: tx)
        if let problem = (result.problems + result.unmatched).first(where: { $0.kind != .conflict }) {
            throw DeliveryError(.storage, "the results were not recorded: \(problem.message)")
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// A read on a snapshot (no write lock: files are served from here). A `DeliveryError`
    /// thrown by `body` comes out as it is.
    func reading<T>(_ body: (any SQLConnection) throws -> T) throws(DeliveryError) -> T {
        let outcome: Result<T, DeliveryError>
        do {
            outcome = try database.reading("player") { sql in
                do { return .success(try body(sql)) } catch let error as DeliveryError { return .failure(error) }
            }
        } catch {
            throw DeliveryError(.storage, error.message)
        }
        return try outcome.get()
    }

    func writing<T: Sendable>(_ body: @Sendable (StoreTransaction) throws -> T) throws(DeliveryError) -> T {
        try database.delivering(at: clock(), body)
    }

}
