import ContentStore
import Credentials
import Delivery
import Domain
import Enrollment
import Foundation
import LRS
import Storage

/// What a launch hands the player: the AU's URL with its launch parameters (cmi5 8.1).
public struct CMI5Launch: Sendable, Codable, Equatable {
    public var url: String
    public var session: String
    public var registration: String
    public var activityID: String
    /// Sessions this launch abandoned (the registration's earlier ones left open).
    public var abandoned: [String]
}

/// The fetch URL's answer (cmi5 8.2): the auth token once, else an error code.
public enum CMI5FetchAnswer: Sendable, Equatable {
    case token(String)
    /// 1: used before or expired; 2: not a token the platform issued; 3: the platform failed.
    case error(code: Int, text: String)

    public var json: String {
        let object: [String: String] = switch self {
        case .token(let token): ["auth-token": token]
        case .error(let code, let text): ["error-code": String(code), "error-text": text]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// What a waiver did.
public struct CMI5Waiver: Sendable, Codable {
    public var statementID: String
    public var session: String
    public var satisfied: [String]
    public var award: CreditAward?
}

/// cmi5 as the LMS plays it: launching AUs (session, generated activity id, `LMS.LaunchData`,
/// the `launched` statement, the fetch URL and its auth token), the rules the LRS enforces on an
/// AU session's statements, and the statements the LMS writes itself (`satisfied` for blocks
/// and the course once their AUs meet moveOn, `abandoned`, `waived`). Progress and credits
/// follow from the statements through the statement store, as for every other source.
public struct CMI5Service: Sendable {
    let database: AppDatabase
    /// The player whose sessions launch AUs (nil for the operator's commands, which launch nothing).
    let player: PlayerService?
    let clock: @Sendable () -> Date
    /// How long a fetched auth token and its session last without a new launch.
    public static let sessionLifetime: TimeInterval = 12 * 3600

    public init(database: AppDatabase, player: PlayerService? = nil, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.player = player
        self.clock = clock
    }

    /// The platform's Agent for an engineer: an account on the platform, no personal data (cmi5 8.1.3).
    public static func actor(engineerID: String) -> String {
        json(["objectType": "Agent", "account": ["homePage": ActorMapping.defaultHomePage, "name": engineerID]])
    }

    /// The authority of an AU session's statements: that session's own credential.
    public static func authority(session: String) -> StatementAuthority {
        let home = "https://learning.ecba.org.cn/xapi/credentials"
        return StatementAuthority(
            agent: json(["account": ["homePage": home, "name": "cmi5:\(session)"], "name": "cmi5 session", "objectType": "Agent"]),
            key: "account:\(home) cmi5:\(session)", societyID: nil)
    }

    // MARK: Launch

    /// Launches an AU of the player session's course: abandons the registration's sessions left
    /// open, writes `LMS.LaunchData` and the `launched` statement, and answers the AU's URL under
    /// `origin` (the session's origin, where the endpoint and the fetch URL are too).
    public func launch(session token: String, activity identifier: String, origin: String) throws(DeliveryError) -> CMI5Launch {
        let now = clock()
        let fetchToken = Self.randomToken()
        return try database.delivering(at: now) { tx in
            let sql = tx.sql
            let (context, _, au, launchURL) = try launching(token, identifier, format: .cmi5, in: tx)
            var abandoned: [String] = []
            for open in try CMI5Store.open(enrollmentID: context.enrollmentID, on: sql) {
                try abandon(open, at: now, in: tx)
                abandoned.append(open.id)
            }
            let sessionID = try player?.takeCMI5Session(context, on: sql) ?? UUID().uuidString.lowercased()
            let session = CMI5Session(
                id: sessionID, playerSessionID: context.sessionID, enrollmentID: context.enrollmentID, auIdentifier: au.identifier,
                activityID: ActivityIRI.make(courseID: context.courseID, activity: au.identifier), publisherID: au.identifier,
                registration: context.registration, actor: Self.actor(engineerID: context.engineerID), mode: context.mode, launchedAt: now,
                expiresAt: min(context.expiresAt, now.addingTimeInterval(Self.sessionLifetime))
            )
            try CMI5Store.insert(session, fetchHash: SecretHash.of(fetchToken), on: sql)
            let contentURL = "\(origin)/content/\(launchURL)"
            let mode = CMI5Vocabulary.launchMode(context.mode.rawValue)
            // LMS.LaunchData (cmi5 10), under the State keys the AU will use.
            var launchData: [String: Any] = [
                "contextTemplate": Self.contextTemplate(session: sessionID, publisherID: au.identifier),
                "launchMode": mode, "moveOn": au.moveOn ?? "NotApplicable",
                "returnURL": "\(origin)/player/returned",
            ]
            if let mastery = au.masteryThreshold { launchData["masteryScore"] = mastery }
            if let parameters = au.launchData { launchData["launchParameters"] = parameters }
            if let key = au.entitlementKey { launchData["entitlementKey"] = ["courseStructure": key] }
            try LRSDocuments.write(
                DocumentKey(kind: .state, activity: session.activityID, agent: XAPIAgent.key(json: session.actor) ?? "",
                            registration: session.registration, documentID: CMI5Vocabulary.launchDataID),
                id: CMI5Vocabulary.launchDataID, content: Data(Self.json(launchData).utf8), contentType: "application/json", societyID: nil,
                at: now, on: tx.sql)
            var extensions: [String: Any] = [
                CMI5Vocabulary.Extension.sessionID: sessionID, CMI5Vocabulary.Extension.launchMode: mode,
                CMI5Vocabulary.Extension.launchURL: contentURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? contentURL,
                CMI5Vocabulary.Extension.moveOn: au.moveOn ?? "NotApplicable",
            ]
            if let mastery = au.masteryThreshold { extensions[CMI5Vocabulary.Extension.masteryScore] = mastery }
            if let parameters = au.launchData { extensions[CMI5Vocabulary.Extension.launchParameters] = parameters }
            try write(Self.statement(session, verb: CMI5Vocabulary.Verb.launched, at: now, extraExtensions: extensions), in: tx)
            try satisfy(enrollmentID: context.enrollmentID, session: sessionID, in: tx)
            let parameters: [(String, String)] = [
                ("endpoint", "\(origin)/xapi/"), ("fetch", "\(origin)/cmi5/fetch/\(fetchToken)"), ("actor", session.actor),
                ("registration", session.registration), ("activityId", session.activityID),
            ]
            let query = parameters.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
            try tx.audit(AuditRecord(actor: "engineer:\(context.engineerID)", action: "cmi5.launch", subject: "engineer:\(context.engineerID)",
                                     details: ["course": context.courseID, "au": au.identifier, "session": sessionID, "mode": context.mode.rawValue]))
            return CMI5Launch(url: contentURL + (contentURL.contains("?") ? "&" : "?") + query, session: sessionID,
                              registration: session.registration, activityID: session.activityID, abandoned: abandoned)
        }
    }

    /// Launches a Tin Can activity (the launch before cmi5): a launch credential for the player
    /// session's origin, handed to the content in its URL (`auth`), with `endpoint`, `actor`,
    /// `registration` and `activity_id`. Nothing is written for the content but the credential.
    public func launchTinCan(session token: String, activity identifier: String, origin: String) throws(DeliveryError) -> CMI5Launch {
        let now = clock()
        let secret = Self.randomToken()
        return try database.delivering(at: now) { tx in
            let (context, _, activity, launchURL) = try launching(token, identifier, format: .tincan, in: tx)
            var session = CMI5Session(
                id: UUID().uuidString.lowercased(), playerSessionID: context.sessionID, enrollmentID: context.enrollmentID,
                auIdentifier: activity.identifier, activityID: activity.identifier, publisherID: activity.identifier,
                registration: context.registration, actor: Self.actor(engineerID: context.engineerID), mode: context.mode, launchedAt: now,
                expiresAt: min(context.expiresAt, now.addingTimeInterval(Self.sessionLifetime)))
            session.kind = .tincan
            try CMI5Store.insert(session, fetchHash: SecretHash.of(Self.randomToken()), authHash: SecretHash.of(secret), on: tx.sql)
            try tx.audit(AuditRecord(actor: "engineer:\(context.engineerID)", action: "tincan.launch", subject: "engineer:\(context.engineerID)",
                                     details: ["course": context.courseID, "activity": activity.identifier, "session": session.id]))
            let auth = "Basic " + Data("\(session.id):\(secret)".utf8).base64EncodedString()
            let parameters: [(String, String)] = [
                ("endpoint", "\(origin)/xapi/"), ("auth", auth), ("actor", session.actor), ("registration", session.registration),
                ("activity_id", activity.identifier),
            ]
            let contentURL = "\(origin)/content/\(launchURL)"
            let query = parameters.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
            return CMI5Launch(url: contentURL + (contentURL.contains("?") ? "&" : "?") + query, session: session.id,
                              registration: session.registration, activityID: activity.identifier, abandoned: [])
        }
    }

    /// What a launch needs: the player session (current), its course in `format`, the
    /// launchable activity and its URL.
    func launching(_ token: String, _ identifier: String, format: PackageFormat,
                   in tx: StoreTransaction) throws -> (PlayerSessionContext, CoursePackage, Activity, String) {
        guard let player else { throw DeliveryError(.sessionInvalid, "no player serves this platform") }
        let context = try player.context(session: token, on: tx.sql)
        guard context.format == format else { throw DeliveryError(.unsupportedFormat, "this course is not a \(format.displayName) course") }
        guard let package = try tx.submission(context.submissionID)?.package,
              let activity = package.activities.flattened.first(where: { $0.identifier == identifier && $0.isLaunchable }),
              let launchURL = activity.launchURL
        else { throw DeliveryError(.unknownActivity, "no launchable activity '\(identifier)' in this course") }
        return (context, package, activity, launchURL)
    }

    // MARK: Fetch and authentication

    /// `POST` to a fetch URL: the session's auth token, once (cmi5 8.2).
    public func fetch(_ token: String) -> CMI5FetchAnswer {
        let now = clock()
        let secret = Self.randomToken()
        do {
            return try database.transaction(at: now) { tx -> CMI5FetchAnswer in
                guard let session = try CMI5Store.session(fetchHash: SecretHash.of(token), on: tx.sql) else {
                    return .error(code: 2, text: "this fetch URL is not one the platform issued")
                }
                guard session.fetchedAt == nil, session.isOpen, session.expiresAt > now,
                      try CMI5Store.markFetched(id: session.id, authHash: SecretHash.of(secret), at: now, on: tx.sql)
                else { return .error(code: 1, text: "the authorization token has already been returned, or the session is over") }
                return .token(Data("\(session.id):\(secret)".utf8).base64EncodedString())
            }
        } catch {
            return .error(code: 3, text: "the platform could not answer; launch the activity again")
        }
    }

    /// The session of an AU's `Authorization: Basic <auth-token>`, sent to the origin of the
    /// player session that launched it. A terminated session still authenticates (its late
    /// statements are refused by the rules, with the reason); an abandoned or expired one does not.
    public func authenticate(sessionID: String, secret: String, playerSession token: String) throws(LRSError) -> CMI5Session {
        let now = clock()
        let found: (CMI5Session, authHash: String?)?
        do {
            found = try database.reading("authenticating a cmi5 session") { sql in
                try CMI5Store.session(id: sessionID, playerTokenHash: SecretHash.of(token), on: sql)
            }
        } catch { throw LRSError(.storage, "\(error)") }
        guard let (session, authHash) = found, let authHash, SecretHash.matches(secret, stored: authHash) else {
            throw LRSError(.unauthorized, "not an auth token of this session; fetch one from the launch's fetch URL")
        }
        guard session.abandonedAt == nil else { throw LRSError(.unauthorized, "this AU session was abandoned; launch the activity again") }
        guard session.expiresAt > now else { throw LRSError(.unauthorized, "this AU session has expired; launch the activity again") }
        return session
    }

    // MARK: Statements of an AU session

    /// Stores an AU's batch (POST) or statement (PUT) under the session's rules, in one
    /// transaction with the session's own state: any rule broken refuses the batch (403, the
    /// reason given) and stores nothing. Blocks and the course are satisfied when the AUs are.
    public func store(_ upload: StatementUpload, session id: String) throws(LRSError) -> StatementImport {
        let data = upload.statements
        let now = clock()
        let service = StatementService(database: database, clock: clock)
        // Parsed and checked before the session's transaction (the writer is not held for it).
        let batch = try LRSStatements.parse(upload)
        return try database.lrs(at: now) { tx in
            let sql = tx.sql
            guard var session = try CMI5Store.session(id: id, on: sql) else { throw LRSError(.unauthorized, "no such AU session") }
            guard session.abandonedAt == nil else { throw LRSError(.forbidden, "this AU session was abandoned; no statement may follow (cmi5 9.3.6)") }
            let parsed = try? JSONSerialization.jsonObject(with: data)
            guard let statements = (parsed as? [[String: Any]]) ?? (parsed as? [String: Any]).map({ [$0] }) else {
                throw LRSError(.badRequest, "send a statement (a JSON object) or an array of them")
            }
            if session.kind == .tincan {
                // Tin Can has no session rules: the launch speaks for its learner only, and cannot void.
                let learner = XAPIAgent.key(json: session.actor)
                for (index, statement) in statements.enumerated() {
                    let actor = statement["actor"].flatMap { try? JSONSerialization.data(withJSONObject: $0) }
                        .flatMap { XAPIAgent.key(json: String(decoding: $0, as: UTF8.self)) }
                    if actor != learner {
                        throw LRSError(.forbidden, "statement \(index + 1): the actor must be the launched learner (the launch's 'actor'); nothing was stored")
                    }
                    if (statement["verb"] as? [String: Any])?["id"] as? String == CMI5Vocabulary.Verb.voided {
                        throw LRSError(.forbidden, "statement \(index + 1): a launched activity may not void statements; nothing was stored")
                    }
                }
                return try LRSStatements.store(batch, attachments: upload.attachments, authority: Self.authority(session: session.id), societyID: nil,
                                               actor: "tincan:\(session.id)",
                                               service: service, in: tx)
            }
            let activity = try EnrollmentStore.enrollment(id: session.enrollmentID, on: tx.sql).flatMap { try tx.submission($0.submissionID) }?.package.activities.flattened
                .first { $0.identifier == session.auIdentifier }
            let rules = CMI5Rules(facts: CMI5Rules.Facts(
                sessionID: session.id, actorKey: XAPIAgent.key(json: session.actor) ?? "", registration: session.registration,
                activityID: session.activityID, publisherID: session.publisherID, mode: session.mode.rawValue, masteryScore: activity?.masteryThreshold))
            var progress = CMI5Rules.Progress(
                initialized: session.initializedAt != nil, terminated: session.terminatedAt != nil, judged: session.judged,
                completedBefore: try CMI5Store.stated(verb: CMI5Vocabulary.Verb.completed, activityID: session.activityID,
                                                      registration: session.registration, in: tx),
                passedBefore: try CMI5Store.stated(verb: CMI5Vocabulary.Verb.passed, activityID: session.activityID,
                                                   registration: session.registration, in: tx))
            for (index, statement) in statements.enumerated() {
                if let reason = rules.check(statement, &progress) {
                    throw LRSError(.forbidden, "statement \(index + 1): \(reason); nothing of the batch was stored")
                }
            }
            let result = try LRSStatements.store(batch, attachments: upload.attachments, authority: Self.authority(session: session.id), societyID: nil,
                                                 actor: "cmi5:\(session.id)",
                                                 service: service, in: tx)
            if progress.initialized, session.initializedAt == nil { session.initializedAt = now }
            if progress.terminated, session.terminatedAt == nil { session.terminatedAt = now }
            session.judged = progress.judged
            session.lastStatementAt = now
            try CMI5Store.update(session, on: sql)
            try satisfy(enrollmentID: session.enrollmentID, session: session.id, in: tx)
            return result
        }
    }

    // MARK: Abandon and waive

    /// An operator ends a session that will not terminate: the `abandoned` statement, and no
    /// statement of the session is taken after it.
    public func abandon(session id: String, actor: String) throws(ServiceError) -> CMI5Session {
        let now = clock()
        return try database.perform(at: now) { tx in
            guard var session = try CMI5Store.session(id: id, on: tx.sql) else {
                throw ServiceError(.notFound, "no cmi5 session '\(id)' (a session is named by its launch and by its launched statement)")
            }
            guard session.kind == .cmi5 else { throw ServiceError(.invalidArgument, "\(id) is a Tin Can launch; only cmi5 sessions are abandoned") }
            guard session.isOpen else {
                throw ServiceError(.conflict, "cmi5 session \(id) is over already (\(session.terminatedAt != nil ? "terminated" : "abandoned")); nothing changed")
            }
            try abandon(session, at: now, in: tx)
            try tx.audit(AuditRecord(actor: actor, action: "cmi5.abandon", subject: "cmi5:\(id)", details: [:]))
            session.abandonedAt = now
            return session
        }
    }

    /// Abandons every open session whose time ran out; answers their ids.
    public func abandonExpired(actor: String) throws(ServiceError) -> [String] {
        let now = clock()
        return try database.perform(at: now) { tx in
            let expired = try CMI5Store.expired(before: now, on: tx.sql)
            for session in expired {
                try abandon(session, at: now, in: tx)
                try tx.audit(AuditRecord(actor: actor, action: "cmi5.abandon", subject: "cmi5:\(session.id)", details: ["reason": "expired"]))
            }
            return expired.map(\.id)
        }
    }

    /// Waives an AU of the engineer's current enrollment (cmi5 9.3.7): the `waived` statement
    /// with its reason, in a session of its own; the AU then counts as having met moveOn.
    public func waive(engineerID: String, courseID: String, activity identifier: String, reason: String, actor: String) throws(ServiceError) -> CMI5Waiver {
        let now = clock()
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw ServiceError(.invalidArgument, "a waiver needs a reason: Tested Out, Equivalent AU, Equivalent Outside Activity or Administrative", field: "reason")
        }
        return try database.perform(at: now) { tx in
            guard let enrollment = try EnrollmentStore.current(engineerID: engineerID, courseID: courseID, on: tx.sql) else {
                throw ServiceError(.notFound, "'\(engineerID)' is not enrolled in '\(courseID)'")
            }
            guard let package = try tx.submission(enrollment.submissionID)?.package, package.format == .cmi5 else {
                throw ServiceError(.invalidArgument, "'\(courseID)' is not a cmi5 course; waivers are cmi5's")
            }
            guard let au = package.activities.flattened.first(where: { $0.identifier == identifier && $0.isLaunchable }) else {
                let known = package.activities.flattened.filter(\.isLaunchable).map(\.identifier).joined(separator: ", ")
                throw ServiceError(.notFound, "'\(courseID)' has no assignable unit '\(identifier)' (its AUs: \(known))")
            }
            let registration = enrollment.registration.uuidString.lowercased()
            let activityID = ActivityIRI.make(courseID: courseID, activity: au.identifier)
            if try CMI5Store.stated(verb: CMI5Vocabulary.Verb.waived, activityID: activityID, registration: registration, in: tx) {
                throw ServiceError(.conflict, "'\(identifier)' is waived already in this enrollment; a waiver is given once (cmi5 9.3.7)")
            }
            let sessionID = UUID().uuidString.lowercased()
            let session = CMI5Session(
                id: sessionID, playerSessionID: nil, enrollmentID: enrollment.id, auIdentifier: au.identifier, activityID: activityID,
                publisherID: au.identifier, registration: registration, actor: Self.actor(engineerID: engineerID), mode: .normal,
                launchedAt: now, expiresAt: now)
            var statement = Self.statement(session, verb: CMI5Vocabulary.Verb.waived, at: now, moveOn: true)
            statement["result"] = ["success": true, "completion": true, "extensions": [CMI5Vocabulary.Extension.reason: trimmed]]
            let id = statement["id"] as? String ?? ""
            try write(statement, in: tx)
            let report = try ProgressService.waive(enrollmentID: enrollment.id, activity: au.identifier, statementID: id, at: now, tx)
            let satisfied = try satisfy(enrollmentID: enrollment.id, session: sessionID, in: tx)
            try tx.audit(AuditRecord(actor: actor, action: "cmi5.waive", subject: "engineer:\(engineerID)",
                                     details: ["course": courseID, "au": au.identifier, "reason": trimmed, "statement": id]))
            return CMI5Waiver(statementID: id, session: sessionID, satisfied: satisfied, award: report.award)
        }
    }

    // MARK: The LMS's own statements

    /// Writes `abandoned` for a session (duration: launch to its last statement) and closes it.
    func abandon(_ session: CMI5Session, at now: Date, in tx: StoreTransaction) throws {
        var statement = Self.statement(session, verb: CMI5Vocabulary.Verb.abandoned, at: now)
        let seconds = max(0, (session.lastStatementAt ?? session.launchedAt).timeIntervalSince(session.launchedAt))
        statement["result"] = ["duration": Self.duration(seconds)]
        try write(statement, in: tx)
        var closed = session
        closed.abandonedAt = now
        try CMI5Store.update(closed, on: tx.sql)
    }

    /// `satisfied` for each block and the course whose AUs all meet moveOn, once per
    /// registration; answers the objects satisfied now.
    @discardableResult
    func satisfy(enrollmentID: Int64, session sessionID: String, in tx: StoreTransaction) throws -> [String] {
        guard let enrollment = try EnrollmentStore.enrollment(id: enrollmentID, on: tx.sql), let package = try tx.submission(enrollment.submissionID)?.package else { return [] }
        let states = try ProgressStore.activityStatesToChange(enrollmentID: enrollmentID, in: tx)
        let registration = enrollment.registration.uuidString.lowercased()
        func met(_ activity: Activity) -> Bool {
            activity.isLaunchable ? CompletionRule.isSatisfied(activity, format: .cmi5, state: states[activity.identifier] ?? ActivityState())
                : activity.children.allSatisfy(met)
        }
        var objects: [(id: String, publisher: String, type: String, title: String)] = []
        func blocks(_ activities: [Activity]) {
            for activity in activities where !activity.isLaunchable {
                blocks(activity.children)
                if met(activity) {
                    objects.append((ActivityIRI.make(courseID: enrollment.courseID, activity: activity.identifier), activity.identifier,
                                    CMI5Vocabulary.ActivityType.block, activity.title))
                }
            }
        }
        blocks(package.activities)
        if package.activities.allSatisfy(met) {
            objects.append((ActivityIRI.make(courseID: enrollment.courseID, activity: package.identifier), package.identifier,
                            CMI5Vocabulary.ActivityType.course, package.displayTitle))
        }
        var satisfied: [String] = []
        let actor = Self.actor(engineerID: enrollment.engineerID)
        for object in objects where !(try CMI5Store.stated(verb: CMI5Vocabulary.Verb.satisfied, activityID: object.id, registration: registration,
                                                            in: tx)) {
            let statement: [String: Any] = [
                "id": UUID().uuidString.lowercased(), "timestamp": tx.now.formatted(.iso8601),
                "actor": Self.object(actor), "verb": Self.verb(CMI5Vocabulary.Verb.satisfied),
                "object": ["objectType": "Activity", "id": object.id,
                           "definition": ["type": object.type, "name": ["und": object.title]]],
                "context": Self.context(session: sessionID, publisherID: object.publisher, registration: registration, moveOn: false),
            ]
            try write(statement, in: tx)
            satisfied.append(object.id)
        }
        return satisfied
    }

    func write(_ statement: [String: Any], in tx: StoreTransaction) throws {
        _ = try LRSStatements.store(StatementUpload(statements: Data(Self.json(statement).utf8)), authority: .platform, societyID: nil, actor: "cmi5",
                                    service: StatementService(database: database, clock: clock), in: tx)
    }

    // MARK: Statement parts

    static func contextTemplate(session: String, publisherID: String) -> [String: Any] {
        ["contextActivities": ["grouping": [["objectType": "Activity", "id": publisherID]]],
         "extensions": [CMI5Vocabulary.Extension.sessionID: session]]
    }

    /// The context of a cmi5 defined statement the LMS writes: the template, the registration and the cmi5 category.
    static func context(session: String, publisherID: String, registration: String, moveOn: Bool,
                        extensions extra: [String: Any] = [:]) -> [String: Any] {
        var categories: [[String: Any]] = [["objectType": "Activity", "id": CMI5Vocabulary.Category.cmi5]]
        if moveOn { categories.append(["objectType": "Activity", "id": CMI5Vocabulary.Category.moveOn]) }
        var extensions: [String: Any] = [CMI5Vocabulary.Extension.sessionID: session]
        extensions.merge(extra) { _, new in new }
        return ["registration": registration, "extensions": extensions,
                "contextActivities": ["grouping": [["objectType": "Activity", "id": publisherID]], "category": categories]]
    }

    static func statement(_ session: CMI5Session, verb: String, at now: Date, moveOn: Bool = false,
                          extraExtensions: [String: Any] = [:]) -> [String: Any] {
        ["id": UUID().uuidString.lowercased(), "timestamp": now.formatted(.iso8601), "actor": object(session.actor), "verb": self.verb(verb),
         "object": ["objectType": "Activity", "id": session.activityID],
         "context": context(session: session.id, publisherID: session.publisherID, registration: session.registration, moveOn: moveOn,
                            extensions: extraExtensions)]
    }

    static func verb(_ id: String) -> [String: Any] {
        ["id": id, "display": ["en-US": CMI5Vocabulary.Verb.display[id] ?? id]]
    }

    static func object(_ json: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) ?? [:]
    }

    static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// ISO 8601 seconds, to the hundredth.
    static func duration(_ seconds: Double) -> String {
        "PT" + String(format: "%.2f", seconds) + "S"
    }

    /// A launch parameter's value, URL-encoded (cmi5 8.1): everything but unreserved characters.
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.lowercaseHex
    }
}
