import ContentStore
import Crypto
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
            guard let society = try tx.society(societyID) else { throw ServiceError(.notFound, "no society '\(societyID)'") }
            guard society.status == .authorized else {
                throw ServiceError(.notAuthorized, "society '\(societyID)' is \(society.status.rawValue); tokens are for authorised societies")
            }
            try tx.insertToken(id: id, societyID: societyID, secretHash: Self.hash(secret))
            try tx.audit(AuditRecord(actor: actor, action: "token.issue", subject: "society:\(societyID)", details: ["token": id]))
        }
        return Issued(id: id, token: "ecba_\(id)_\(secret)")
    }

    public func revoke(societyID: String, tokenID: String, actor: String) throws(ServiceError) {
        try database.perform(at: clock()) { tx in
            guard try tx.revokeToken(id: tokenID, societyID: societyID) else {
                throw ServiceError(.notFound, "society '\(societyID)' has no active token '\(tokenID)'")
            }
            try tx.audit(AuditRecord(actor: actor, action: "token.revoke", subject: "society:\(societyID)", details: ["token": tokenID]))
        }
    }

    public func tokens(societyID: String) throws(ServiceError) -> [StoredToken] {
        try reading { () throws(StorageError) in try database.tokens(of: societyID) }
    }

    /// Checks a presented token on every request: well formed, known, the secret's hash equal in
    /// constant time, not revoked, and its society still authorised.
    public func authenticate(_ presented: String) throws(ServiceError) -> Result<Caller, Refusal> {
        let parts = presented.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ecba", parts[1].count == 12, parts[1].allSatisfy(\.isHexDigit), parts[2].count == 64,
              parts[2].allSatisfy(\.isHexDigit) else {
            return .failure(.invalid)
        }
        guard let stored = try reading({ () throws(StorageError) in try database.token(id: String(parts[1])) }) else { return .failure(.invalid) }
        guard Self.constantTimeEqual(Self.hash(String(parts[2])), stored.secretHash) else { return .failure(.invalid) }
        if stored.revokedAt != nil { return .failure(.revoked) }
        guard let society = try reading({ () throws(StorageError) in try database.society(stored.societyID) }) else { return .failure(.invalid) }
        guard society.status == .authorized else { return .failure(.societyNotAuthorized(society.status)) }
        return .success(Caller(tokenID: stored.id, societyID: stored.societyID))
    }

    /// How every secret the platform issues is kept: its SHA-256, in hex.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// Compares every byte whatever the first difference (the lengths are fixed: 64 hex digits).
    public static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8), b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
