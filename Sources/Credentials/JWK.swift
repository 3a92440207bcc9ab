import Foundation

/// A public JSON Web Key (RFC 7517): RSA (`n`, `e`) or an Ed25519 OKP key (RFC 8037, `crv`, `x`).
///
/// `nbf` and `exp` are extension members (NumericDate, as in JWT) stating when the key may sign;
/// JOSE libraries ignore members they do not know, and `ecba verify` checks a token's signing
/// time against them.
public struct JWK: Codable, Sendable, Equatable {
    public var kty: String
    public var kid: String
    public var alg: String
    public var use: String?
    public var n: String?
    public var e: String?
    public var crv: String?
    public var x: String?
    public var nbf: Int64?
    public var exp: Int64?

    public init(kty: String, kid: String, alg: String, use: String? = "sig", n: String? = nil, e: String? = nil, crv: String? = nil, x: String? = nil, nbf: Int64? = nil, exp: Int64? = nil) {
        self.kty = kty
        self.kid = kid
        self.alg = alg
        self.use = use
        self.n = n
        self.e = e
        self.crv = crv
        self.x = x
        self.nbf = nbf
        self.exp = exp
    }

    public var algorithm: SigningAlgorithm? { SigningAlgorithm(rawValue: alg) }
    public var notBefore: Date? { nbf.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    public var notAfter: Date? { exp.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
}

/// A JWK set (RFC 7517 §5): the issuer's published public keys, current and retired.
public struct JWKSet: Codable, Sendable, Equatable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }

    public func key(_ kid: String) -> JWK? { keys.first { $0.kid == kid } }

    /// Compact JSON with keys in a fixed order.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return (try? encoder.encode(self)) ?? Data("{\"keys\":[]}".utf8)
    }

    public static func decode(_ data: Data) throws(CredentialError) -> JWKSet {
        do { return try JSONDecoder().decode(JWKSet.self, from: data) } catch {
            throw CredentialError.malformed("not a JWK set: \(error)")
        }
    }
}
