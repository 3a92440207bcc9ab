import ContentStore
import Credentials
import Crypto
import Domain
import Foundation
import Storage

/// Why a delivery operation was refused. The code says what happened; the CLI and the HTTP layer
/// phrase it for their users (the player in the learner's language).
public struct DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// No current enrollment of the engineer in the course.
        case notEnrolled
        /// The enrollment was withdrawn.
        case withdrawn
        /// The enrolled version was retired from the catalog.
        case retired
        /// No such launchable activity in the enrolled version.
        case unknownActivity
        /// The launch URL was never issued.
        case unknownLaunch
        /// The launch URL was opened before: it is single-use.
        case launchUsed
        /// The launch URL's time ran out.
        case launchExpired
        /// The player session is unknown, over or expired.
        case sessionInvalid
        /// A run-time value broke the data model's rules (the message names it).
        case invalidRuntimeData
        /// The course's format has no player yet.
        case unsupportedFormat
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The modes a course can be launched in (cmi5 section 10; SCORM's cmi.mode).
public enum LaunchMode: String, Sendable, Codable, CaseIterable {
    /// Progress counts.
    case normal
    /// Looking around: nothing is recorded as completed.
    case browse
    /// Revisiting: nothing changes.
    case review
}

/// A launch URL, as `ecba launch` prints it and `POST /v1/engineers/{id}/launches` returns it.
public struct LaunchTicket: Sendable, Codable, Equatable {
    public var url: String
    public var expiresAt: Date
    public var engineerID: String
    public var courseID: String
    public var version: Int
    public var activity: String?
    public var mode: LaunchMode
    public var registration: String
    /// cmi5 courses: the session id (cmi5 9.6.3.1) the first AU launched from this URL will have.
    public var session: String?
}

/// Opening the player: `launch` mints a single-use, expiring launch token for an engineer's
/// current enrollment; `redeem` (the player opening the URL) turns it into a player session.
public struct LaunchService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// A launch URL under `baseURL` (`<base>/launch/<token>`), valid for `lifetime` seconds.
    /// `societyID`, when set (the society API), limits engineers to that society's members.
    public func launch(
        engineerID: String, courseID: String, activity: String? = nil, mode: LaunchMode = .normal,
        baseURL: String, lifetime: TimeInterval = 300, actor: String, societyID: String? = nil
    ) throws(DeliveryError) -> LaunchTicket {
        let token = Self.randomToken(bytes: 32)
        let now = clock()
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return try run { tx in
            let sql = tx.sql
            if let societyID, try sql.firstRow("SELECT 1 FROM society_membership WHERE engineer_id = ? AND society_id = ?",
                                               [.text(engineerID), .text(societyID)]) == nil {
                throw DeliveryError(.notEnrolled, "engineer '\(engineerID)' is not a member of society '\(societyID)'")
            }
            guard let enrollmentID = try sql.firstRow("""
                SELECT id FROM enrollment WHERE engineer_id = ? AND course_id = ? AND status != 'withdrawn' ORDER BY id DESC LIMIT 1
                """, [.text(engineerID), .text(courseID)])?.int64(0),
                let context = try DeliveryStore.enrollmentContext(enrollmentID, on: sql)
            else {
                let withdrawn = try sql.firstRow("SELECT 1 FROM enrollment WHERE engineer_id = ? AND course_id = ? AND status = 'withdrawn'",
                                                 [.text(engineerID), .text(courseID)]) != nil
                throw withdrawn ? DeliveryError(.withdrawn, "the enrollment of '\(engineerID)' in \(courseID) was withdrawn")
                    : DeliveryError(.notEnrolled, "engineer '\(engineerID)' is not enrolled in \(courseID)")
            }
            if context.retired { throw DeliveryError(.retired, "\(courseID) v\(context.version) was retired from the catalog") }
            if let activity {
                let activities = try DeliveryStore.launchable(submissionID: context.submissionID, on: sql)
                guard activities.contains(activity) else {
                    throw DeliveryError(.unknownActivity, "\(courseID) v\(context.version) has no launchable activity '\(activity)'")
                }
            }
            let expires = now.addingTimeInterval(lifetime)
            let cmi5Session = context.format == .cmi5 ? UUID().uuidString.lowercased() : nil
            try DeliveryStore.insertLaunchToken(hash: SecretHash.of(token), enrollmentID: enrollmentID, activity: activity, mode: mode.rawValue,
                                                cmi5Session: cmi5Session, at: now, expires: expires, createdBy: actor, on: sql)
            try tx.audit(AuditRecord(actor: actor, action: "delivery.launch", subject: "engineer:\(engineerID)",
                                     details: ["course": courseID, "activity": activity ?? "", "mode": mode.rawValue]))
            return LaunchTicket(url: "\(base)/launch/\(token)", expiresAt: expires, engineerID: engineerID, courseID: courseID,
                                version: context.version, activity: activity, mode: mode, registration: context.registration,
                                session: cmi5Session)
        }
    }

    /// A new player session.
    public struct Session: Sendable, Equatable {
        /// The session's token: 32 lower-case hex digits, the first label of its origin.
        public var token: String
        public var expiresAt: Date
    }

    /// Opens a launch URL once: checks it and the enrollment, marks it used, starts a session
    /// valid for `lifetime` seconds. A refusal changes nothing.
    public func redeem(_ token: String, lifetime: TimeInterval = 12 * 3600) throws(DeliveryError) -> Session {
        let now = clock()
        let sessionToken = Self.randomToken(bytes: 16, hex: true)
        return try run { tx in
            let sql = tx.sql
            let hash = SecretHash.of(token)
            guard let launch = try DeliveryStore.launchToken(hash: hash, on: sql) else {
                throw DeliveryError(.unknownLaunch, "this launch link is not one the platform issued")
            }
            if launch.redeemedAt != nil { throw DeliveryError(.launchUsed, "this launch link was opened already; launch the course again") }
            if launch.expiresAt < now { throw DeliveryError(.launchExpired, "this launch link has expired; launch the course again") }
            guard let context = try DeliveryStore.enrollmentContext(launch.enrollmentID, on: sql) else {
                throw DeliveryError(.notEnrolled, "the enrollment no longer exists")
            }
            if context.status == .withdrawn { throw DeliveryError(.withdrawn, "the enrollment in \(context.courseID) was withdrawn") }
            if context.retired { throw DeliveryError(.retired, "\(context.courseID) v\(context.version) was retired from the catalog") }
            guard try DeliveryStore.redeem(hash: hash, at: now, on: sql) else {
                throw DeliveryError(.launchUsed, "this launch link was opened already; launch the course again")
            }
            let expires = now.addingTimeInterval(lifetime)
            _ = try DeliveryStore.insertSession(hash: SecretHash.of(sessionToken), enrollmentID: launch.enrollmentID, mode: launch.mode,
                                                firstActivity: launch.activity, cmi5Session: launch.cmi5Session, at: now, expires: expires, on: sql)
            try tx.audit(AuditRecord(actor: "engineer:\(context.engineerID)", action: "delivery.session", subject: "engineer:\(context.engineerID)",
                                     details: ["course": context.courseID, "mode": launch.mode]))
            return Session(token: sessionToken, expiresAt: expires)
        }
    }

    // MARK: Helpers

    /// Random bytes as base64url (launch tokens) or lower-case hex (session tokens, which name a host).
    static func randomToken(bytes count: Int, hex: Bool = false) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        if hex { return bytes.lowercaseHex }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func run<T>(_ body: @Sendable (StoreTransaction) throws -> T) throws(DeliveryError) -> T {
        try database.delivering(at: clock(), body)
    }
}

extension AppDatabase {
    /// One delivery use case in one transaction: a `DeliveryError` thrown by the rule rolls back
    /// and comes out as it is; anything else is `.storage`.
    package func delivering<T>(at date: Date, _ body: @Sendable (StoreTransaction) throws -> T) throws(DeliveryError) -> T {
        do {
            return try transaction(at: date, body)
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError(.storage, "\(error)")
        }
    }
}
