import Delivery
import Domain
import Enrollment
import Foundation
import Storage

/// One AU launch session (cmi5 9.6.3.1), as the LRS checks its statements.
public struct CMI5Session: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A cmi5 AU session: the session rules apply.
        case cmi5
        /// A Tin Can launch: its auth token is in the launch URL; its statements need only be its learner's.
        case tincan
    }

    public var id: String
    public var kind: Kind = .cmi5
    public var playerSessionID: Int64?
    public var enrollmentID: Int64
    public var auIdentifier: String
    /// The activity id the platform generated for the AU (never the publisher's).
    public var activityID: String
    /// The AU's id in the course structure.
    public var publisherID: String
    public var registration: String
    /// The launched learner's Agent, as JSON.
    public var actor: String
    public var mode: LaunchMode
    public var launchedAt: Date
    public var expiresAt: Date
    public var fetchedAt: Date?
    public var initializedAt: Date?
    public var terminatedAt: Date?
    public var abandonedAt: Date?
    /// "passed" or "failed" once the session judged the AU.
    public var judged: String?
    public var lastStatementAt: Date?

    /// Neither terminated nor abandoned.
    public var isOpen: Bool { terminatedAt == nil && abandonedAt == nil }
}

/// The SQL of `cmi5_session` (v14), on the kernel's connection of the caller's transaction or
/// read, for both databases.
enum CMI5Store {
    static let names = [
        "id", "player_session_id", "enrollment_id", "au_identifier", "activity_id", "publisher_id", "registration", "actor", "mode",
        "launched_at", "expires_at", "fetched_at", "initialized_at", "terminated_at", "abandoned_at", "judged", "last_statement_at", "kind",
    ]
    static let columns = names.joined(separator: ", ")

    static func session(from row: SQLRow) -> CMI5Session {
        func date(_ index: Int) -> Date? { row.text(index).flatMap(Date.init(iso8601:)) }
        return CMI5Session(
            id: row.text(0) ?? "", playerSessionID: row.int64(1), enrollmentID: row.int64(2) ?? 0, auIdentifier: row.text(3) ?? "",
            activityID: row.text(4) ?? "", publisherID: row.text(5) ?? "", registration: row.text(6) ?? "", actor: row.text(7) ?? "",
            mode: row.text(8).flatMap(LaunchMode.init(rawValue:)) ?? .normal, launchedAt: date(9) ?? .distantPast,
            expiresAt: date(10) ?? .distantPast, fetchedAt: date(11), initializedAt: date(12), terminatedAt: date(13), abandonedAt: date(14),
            judged: row.text(15), lastStatementAt: date(16)
        ).with(kind: row.text(17).flatMap(CMI5Session.Kind.init(rawValue:)) ?? .cmi5)
    }

    /// A new session; `authHash` is set for a Tin Can launch, whose token needs no fetch.
    static func insert(_ session: CMI5Session, fetchHash: String, authHash: String? = nil, on sql: any SQLConnection) throws {
        try sql.execute("""
            INSERT INTO cmi5_session (id, kind, player_session_id, enrollment_id, au_identifier, activity_id, publisher_id, registration, actor,
                mode, fetch_hash, fetched_at, auth_hash, launched_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(session.id), .text(session.kind.rawValue), session.playerSessionID.map(SQLValue.integer) ?? .null,
                  .integer(session.enrollmentID), .text(session.auIdentifier), .text(session.activityID), .text(session.publisherID),
                  .text(session.registration), .text(session.actor), .text(session.mode.rawValue), .text(fetchHash),
                  SQLValue(authHash == nil ? nil : session.launchedAt.iso8601), SQLValue(authHash), .text(session.launchedAt.iso8601),
                  .text(session.expiresAt.iso8601)])
    }

    static func session(id: String, on sql: any SQLConnection) throws -> CMI5Session? {
        try sql.firstRow("SELECT \(columns) FROM cmi5_session WHERE id = ?", [.text(id)]).map(session(from:))
    }

    /// The session of a fetch token, with whether it was fetched already.
    static func session(fetchHash: String, on sql: any SQLConnection) throws -> CMI5Session? {
        try sql.firstRow("SELECT \(columns) FROM cmi5_session WHERE fetch_hash = ?", [.text(fetchHash)]).map(session(from:))
    }

    /// The session an auth token names, when it was handed out on that player session's origin.
    static func session(id: String, playerTokenHash: String, on sql: any SQLConnection) throws -> (CMI5Session, authHash: String?)? {
        try sql.firstRow("""
            SELECT \(names.map { "c." + $0 }.joined(separator: ", ")), c.auth_hash
            FROM cmi5_session c JOIN player_session p ON p.id = c.player_session_id
            WHERE c.id = ? AND p.token_hash = ?
            """, [.text(id), .text(playerTokenHash)]).map { (session(from: $0), $0.text(18)) }
    }

    static func markFetched(id: String, authHash: String, at now: Date, on sql: any SQLConnection) throws -> Bool {
        try sql.execute("UPDATE cmi5_session SET fetched_at = ?, auth_hash = ? WHERE id = ? AND fetched_at IS NULL",
                        [.text(now.iso8601), .text(authHash), .text(id)]) == 1
    }

    /// The sessions of an enrollment that are neither terminated nor abandoned.
    static func open(enrollmentID: Int64, on sql: any SQLConnection) throws -> [CMI5Session] {
        try sql.rows("""
            SELECT \(columns) FROM cmi5_session
            WHERE enrollment_id = ? AND kind = 'cmi5' AND terminated_at IS NULL AND abandoned_at IS NULL ORDER BY launched_at
            """, [.integer(enrollmentID)]).map(session(from:))
    }

    /// Open sessions whose time ran out.
    static func expired(before now: Date, on sql: any SQLConnection) throws -> [CMI5Session] {
        try sql.rows("""
            SELECT \(columns) FROM cmi5_session
            WHERE kind = 'cmi5' AND terminated_at IS NULL AND abandoned_at IS NULL AND expires_at < ? ORDER BY launched_at
            """, [.text(now.iso8601)]).map(session(from:))
    }

    static func update(_ session: CMI5Session, on sql: any SQLConnection) throws {
        try sql.execute("""
            UPDATE cmi5_session SET initialized_at = ?, terminated_at = ?, abandoned_at = ?, judged = ?, last_statement_at = ? WHERE id = ?
            """, [SQLValue(session.initializedAt?.iso8601), SQLValue(session.terminatedAt?.iso8601), SQLValue(session.abandonedAt?.iso8601),
                  SQLValue(session.judged), SQLValue(session.lastStatementAt?.iso8601), .text(session.id)])
    }

    /// Whether a statement with this verb about the activity counts in the registration (not
    /// voided); the index rows still pending are moved in first.
    static func stated(verb: String, activityID: String, registration: String, in tx: StoreTransaction) throws -> Bool {
        try tx.writePendingIndexRows()
        return try tx.sql.firstRow("""
            SELECT 1 FROM xapi_statement s WHERE s.verb = ? AND s.voided_by IS NULL
                AND \(StatementIndex.registration.contains("s"))
                AND \(StatementIndex.activity.contains("s"))
            """, [.text(verb), .text(registration), .text(activityID)]) != nil
    }
}

extension CMI5Session {
    func with(kind: Kind) -> CMI5Session {
        var copy = self
        copy.kind = kind
        return copy
    }
}
