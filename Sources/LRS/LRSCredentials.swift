import ContentStore
import Credentials
import Domain
import Foundation
import Storage

/// What an LRS credential may do: the xAPI OAuth scopes (xAPI-Communication.md 4.1).
public enum LRSScope: String, Sendable, CaseIterable, Codable {
    case all
    case allRead = "all/read"
    case statementsWrite = "statements/write"
    case statementsRead = "statements/read"
    case statementsReadMine = "statements/read/mine"
    case state
    case profile
}

/// An activity provider's key/secret pair (HTTP Basic), issued to a society.
public struct LRSCredential: Sendable, Codable, Equatable {
    public var key: String
    public var societyID: String
    public var name: String
    public var scopes: [LRSScope]
    public var createdAt: Date
    public var revokedAt: Date?

    /// Whether the credential may write statements, read them (all its society may see, or only
    /// its own), keep State, or keep profiles.
    public var canWriteStatements: Bool { scopes.contains(.all) || scopes.contains(.statementsWrite) }
    public var canReadAllStatements: Bool { scopes.contains(.all) || scopes.contains(.allRead) || scopes.contains(.statementsRead) }
    public var canReadOwnStatements: Bool { canReadAllStatements || scopes.contains(.statementsReadMine) }
    public var canUseState: Bool { scopes.contains(.all) || scopes.contains(.state) }
    public var canReadState: Bool { canUseState || scopes.contains(.allRead) }
    public var canUseProfiles: Bool { scopes.contains(.all) || scopes.contains(.profile) }
    public var canReadProfiles: Bool { canUseProfiles || scopes.contains(.allRead) }
}

/// Issues, lists, revokes and checks LRS credentials. Secrets are shown once, at issue, and
/// stored as their SHA-256 only.
public struct LRSCredentialService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// A new pair for the society; the secret is in the answer and nowhere else.
    public func issue(societyID: String, name: String, scopes: [LRSScope], actor: String) throws(LRSError) -> (LRSCredential, secret: String) {
        guard !scopes.isEmpty else { throw LRSError(.badRequest, "a credential needs at least one scope") }
        let key = Self.random(bytes: 10)
        let secret = Self.random(bytes: 24)
        let now = clock()
        let credential = LRSCredential(key: key, societyID: societyID, name: name, scopes: scopes, createdAt: now, revokedAt: nil)
        try write(at: now) { tx in
            guard try tx.sql.firstRow("SELECT 1 FROM society WHERE id = ?", [.text(societyID)]) != nil else {
                throw LRSError(.notFound, "no society '\(societyID)'")
            }
            try tx.sql.execute("""
                INSERT INTO lrs_credential (key, secret_hash, society_id, name, scopes, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(key), .text(SecretHash.of(secret)), .text(societyID), .text(name), .text(scopes.map(\.rawValue).joined(separator: " ")),
                      .text(now.iso8601), .text(actor)])
            try tx.audit(AuditRecord(actor: actor, action: "lrs.credential.issue", subject: "lrs-credential:\(key)",
                                     details: ["society": societyID, "name": name, "scopes": scopes.map(\.rawValue).joined(separator: " ")]))
        }
        return (credential, secret)
    }

    public func list(societyID: String?) throws(LRSError) -> [LRSCredential] {
        do {
            return try database.reading("listing LRS credentials") { sql in
                try sql.rows(
                    "SELECT key, society_id, name, scopes, created_at, revoked_at FROM lrs_credential"
                        + (societyID == nil ? "" : " WHERE society_id = ?") + " ORDER BY created_at, key",
                    societyID.map { [.text($0)] } ?? []
                ).map(Self.credential(from:))
            }
        } catch { throw LRSError(.storage, "\(error)") }
    }

    public func revoke(key: String, actor: String) throws(LRSError) {
        let now = clock()
        try write(at: now) { tx in
            let revoked = try tx.sql.execute("UPDATE lrs_credential SET revoked_at = ? WHERE key = ? AND revoked_at IS NULL", [.text(now.iso8601), .text(key)])
            guard revoked == 1 else { throw LRSError(.notFound, "no credential '\(key)' that is not revoked already") }
            try tx.audit(AuditRecord(actor: actor, action: "lrs.credential.revoke", subject: "lrs-credential:\(key)"))
        }
    }

    /// The credential of a Basic key/secret, when both are right and it is not revoked.
    public func authenticate(key: String, secret: String) throws(LRSError) -> LRSCredential {
        let found: (LRSCredential, String)?
        do {
            found = try database.reading("checking an LRS credential") { sql in
                try sql.firstRow("SELECT key, society_id, name, scopes, created_at, revoked_at, secret_hash FROM lrs_credential WHERE key = ?", [.text(key)])
                    .map { (Self.credential(from: $0), $0.text(6) ?? "") }
            }
        } catch { throw LRSError(.storage, "\(error)") }
        guard let (credential, stored) = found, SecretHash.matches(secret, stored: stored) else {
            throw LRSError(.unauthorized, "unknown key or wrong secret")
        }
        guard credential.revokedAt == nil else { throw LRSError(.unauthorized, "this credential was revoked") }
        return credential
    }

    static func credential(from row: SQLRow) -> LRSCredential {
        LRSCredential(key: row.text(0) ?? "", societyID: row.text(1) ?? "", name: row.text(2) ?? "",
                      scopes: (row.text(3) ?? "").split(separator: " ").compactMap { LRSScope(rawValue: String($0)) },
                      createdAt: row.text(4).flatMap(Date.init(iso8601:)) ?? .distantPast, revokedAt: row.text(5).flatMap(Date.init(iso8601:)))
    }

    static func random(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.lowercaseHex
    }

    func write<T>(at date: Date, _ body: @Sendable (StoreTransaction) throws -> T) throws(LRSError) -> T {
        try database.lrs(at: date, body)
    }
}

extension AppDatabase {
    /// One LRS change in one transaction: an `LRSError` thrown by the rule rolls back and comes
    /// out as it is; anything else is `.storage`.
    public func lrs<T>(at date: Date, references: ReferenceChecks = .each, _ body: @Sendable (StoreTransaction) throws -> T) throws(LRSError) -> T {
        do {
            return try transaction(at: date, references: references, body)
        } catch let error as LRSError {
            throw error
        } catch {
            throw LRSError(.storage, "\(error)")
        }
    }
}
