import Foundation

/// The JOSE header of a VC-JWT: `alg`, `kid` naming a key of the issuer's JWK set, `typ` "JWT".
public struct JOSEHeader: Codable, Sendable, Equatable {
    public var alg: String
    public var kid: String?
    public var typ: String?
    /// Header parameters that must be understood (RFC 7515 §4.1.11); the platform understands none.
    public var crit: [String]?
    /// The signer's X.509 certificate chain, base64 DER, its own first (RFC 7515 §4.1.6): what
    /// xAPI's signed statements may carry.
    public var x5c: [String]?

    public init(alg: String, kid: String?, typ: String? = "JWT") {
        self.alg = alg
        self.kid = kid
        self.typ = typ
        crit = nil
    }
}

/// A JWS in compact serialization, split and decoded but not yet trusted.
public struct CompactJWS: Sendable {
    public let header: JOSEHeader
    public let payload: Data
    public let signature: Data
    /// `BASE64URL(header) '.' BASE64URL(payload)`, what the signature covers.
    public let signingInput: Data

    /// Signs `payload` with `key` under `kid`; returns the compact serialization.
    public static func sign(payload: Data, kid: String, key: PrivateSigningKey) throws(CredentialError) -> String {
        let header = JOSEHeader(alg: key.algorithm.rawValue, kid: kid)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerData: Data
        do { headerData = try encoder.encode(header) } catch { throw .malformed("encoding the JOSE header failed: \(error)") }
        let signingInput = Base64URL.encode(headerData) + "." + Base64URL.encode(payload)
        let signature = try key.sign(Data(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Splits and decodes a compact JWS; every encoding problem is named.
    public init(_ token: String) throws(CredentialError) {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformed("a compact JWS has three base64url parts separated by '.', this has \(parts.count)")
        }
        for (index, name) in ["header", "payload", "signature"].enumerated() where Base64URL.decode(parts[index]) == nil {
            throw .malformed("the \(name) is not base64url without padding (RFC 7515 §2)")
        }
        let headerData = Base64URL.decode(parts[0]) ?? Data()
        do { header = try JSONDecoder().decode(JOSEHeader.self, from: headerData) } catch {
            throw .malformed("the JOSE header is not a JSON object with a string 'alg'")
        }
        payload = Base64URL.decode(parts[1]) ?? Data()
        signature = Base64URL.decode(parts[2]) ?? Data()
        signingInput = Data(trimmed.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
    }
}
