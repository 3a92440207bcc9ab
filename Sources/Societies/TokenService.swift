import Credentials
import Domain
import Foundation
import Storage

/// A society's API tokens: `ecba_<id>_<secret>` (12 and 64 hex digits). The secret is shown once, at issue; only its
/// SHA-256 is stored, and presented tokens are compared in constant time.
public struct TokenService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    public struct Issued: Sendable, Equatable {
        public var id: String
        /// The whole token: shown once, never stored.
        public var token: String
    }

    /// Who a valid token speaks for.
    public struct Caller: Sendable, Equatable {
        public var tokenID: String
        public var societyID: String
    }

    public enum Refusal: Error, Sendable, Equatable {
        /// No token, or not one of ours (malformed, unknown, wrong secret).
        case invalid
        case revoked
        /// The society is no longer authorised (withdrawn, removed).
        case societyNotAuthorized(SocietyStatus)
    }

    public func issue(societyID: String, actor: String) throws(ServiceError) -> Issued {
        var idBytes = [UInt8](repeating: 0, count: 6)
        var secretBytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in idBytes.indices { idBytes[index] = generator.next() }
        for index in secretBytes.indices { secretBytes[index] = generator.next() }
        let id = idBytes.map { String(format: "%02x", $0) }.joined()
        let secret = secretBytes.map { String(format: "%02x", $0) }.joined()
        try database.perform(at: clock()) { tx in
            guard let society = try SocietyStore.society(societyID, on: tx.sql) else { throw ServiceError(.notFound, "no society '\(societyID)'") }
            guard society.status == .authorized else {
                throw ServiceError(.notAuthorized, "society '\(societyID)' is \(society.status.rawValue); tokens are for authorised societies")
            }
            try SocietyStore.insertToken(id: id, societyID: societyID, secretHash: SecretHash.of(secret), in: tx)
            try tx.audit(AuditRecord(actor: actor, action: "token.issue", subject: "society:\(societyID)", details: ["token": id]))
        }
        return Issued(id: id, token: "ecba_\(id)_\(secret)")
    }

    public func revoke(societyID: String, tokenID: String, actor: String) throws(ServiceError) {
        try database.perform(at: clock()) { tx in
            guard try SocietyStore.revokeToken(id: tokenID, societyID: societyID, in: tx) else {
                throw ServiceError(.notFound, "society '\(societyID)' has no active token '\(tokenID)'")
            }
            try tx.audit(AuditRecord(actor: actor, action: "token.revoke", subject: "society:\(societyID)", details: ["token": tokenID]))
        }
    }

    public func tokens(societyID: String) throws(ServiceError) -> [StoredToken] {
        try database.reading("reading the tokens of \(societyID)") { sql in try SocietyStore.tokens(of: societyID, on: sql) }
    }

    /// Checks a presented token on every request: well formed, known, the secret's hash equal in
    /// constant time, not revoked, and its society still authorised.
    public func authenticate(_ presented: String) throws(ServiceError) -> Result<Caller, Refusal> {
        let parts = presented.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ecba", parts[1].count == 12, parts[1].allSatisfy(\.isHexDigit), parts[2].count == 64,
              parts[2].allSatisfy(\.isHexDigit) else {
            return .failure(.invalid)
        }
        let found = try database.reading("reading a token") { sql in
            try SocietyStore.token(id: String(parts[1]), on: sql).map { ($0, try SocietyStore.society($0.societyID, on: sql)) }
        }
        guard let (stored, society) = found else { return .failure(.invalid) }
        guard SecretHash.matches(String(parts[2]), stored: stored.secretHash) else { return .failure(.invalid) }
        if stored.revokedAt != nil { return .failure(.revoked) }
        guard let society else { return .failure(.invalid) }
        guard society.status == .authorized else { return .failure(.societyNotAuthorized(society.status)) }
        return .success(Caller(tokenID: stored.id, societyID: stored.societyID))
    }
}
