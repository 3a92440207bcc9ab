import Foundation

/// A credential that can be secured as a VC-JWT.
public protocol JWTSecurable: Codable, Sendable {
    var id: String { get }
    var issuer: Profile { get }
    var validFrom: String { get }
    var validUntil: String? { get }
    var subjectID: String { get }
}

extension AchievementCredential: JWTSecurable {
    public var subjectID: String { credentialSubject.id }
}

extension ClrCredential: JWTSecurable {
    public var subjectID: String { credentialSubject.id }
}

/// The registered claims of a VC-JWT (Open Badges 3.0 §8.2): `iss` = issuer.id, `jti` = id,
/// `nbf` = validFrom, `sub` = credentialSubject.id, `exp` = validUntil.
public struct VCJWTClaims: Codable, Sendable, Equatable {
    public var iss: String?
    public var jti: String?
    public var nbf: Int64?
    public var sub: String?
    public var exp: Int64?
}

/// VC-JWT: the payload is the credential itself, its members at the top level, plus the
/// registered claims (no `vc` wrapper).
public enum VCJWT {
    public static func sign<Credential: JWTSecurable>(_ credential: Credential, kid: String, key: PrivateSigningKey) throws(CredentialError) -> String {
        guard let validFrom = CredentialDate.parse(credential.validFrom) else {
            throw .malformed("validFrom '\(credential.validFrom)' is not an ISO 8601 date-time")
        }
        var claims = VCJWTClaims(iss: credential.issuer.id, jti: credential.id, nbf: CredentialDate.seconds(validFrom), sub: credential.subjectID)
        if let until = credential.validUntil {
            guard let date = CredentialDate.parse(until) else { throw .malformed("validUntil '\(until)' is not an ISO 8601 date-time") }
            claims.exp = CredentialDate.seconds(date)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload: Data
        do { payload = try encoder.encode(Payload(credential: credential, claims: claims)) } catch {
            throw .malformed("encoding the credential failed: \(error)")
        }
        return try CompactJWS.sign(payload: payload, kid: kid, key: key)
    }

    struct Payload<Credential: Encodable>: Encodable {
        var credential: Credential
        var claims: VCJWTClaims

        func encode(to encoder: any Encoder) throws {
            try credential.encode(to: encoder)
            try claims.encode(to: encoder)
        }
    }
}

/// Credential dates: ISO 8601 in UTC, whole seconds (`2026-11-30T08:00:00Z`).
public enum CredentialDate {
    public static func format(_ date: Date) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds(date))).formatted(.iso8601)
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
    }

    public static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
}
