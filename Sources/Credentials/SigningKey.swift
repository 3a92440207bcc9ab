import Crypto
import Foundation
import _CryptoExtras

/// A private signing key: RSA 2048 for RS256 (PKCS #1 v1.5 with SHA-256) or Ed25519 for EdDSA.
public struct PrivateSigningKey: Sendable {
    enum Backing: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        /// The 32 raw bytes (swift-crypto's Curve25519 keys are not Sendable on every platform).
        case ed25519(Data)
    }

    let backing: Backing

    public var algorithm: SigningAlgorithm {
        switch backing {
        case .rsa: .rs256
        case .ed25519: .edDSA
        }
    }

    public static func generate(_ algorithm: SigningAlgorithm) throws(CredentialError) -> PrivateSigningKey {
        switch algorithm {
        case .rs256:
            do { return PrivateSigningKey(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))) } catch {
                throw .key("generating an RSA key failed: \(error)")
            }
        case .edDSA:
            return PrivateSigningKey(backing: .ed25519(Curve25519.Signing.PrivateKey().rawRepresentation))
        }
    }

    /// The key as PEM: PKCS #1 for RSA, PKCS #8 for Ed25519 (both read by OpenSSL).
    public var pem: String {
        switch backing {
        case .rsa(let key): key.pemRepresentation
        case .ed25519(let raw): PEM.encode(Self.ed25519PKCS8Prefix + raw, label: "PRIVATE KEY")
        }
    }

    public init(pem: String, algorithm: SigningAlgorithm) throws(CredentialError) {
        switch algorithm {
        case .rs256:
            do { backing = .rsa(try _RSA.Signing.PrivateKey(pemRepresentation: pem)) } catch {
                throw .key("not an RSA private key in PEM: \(error)")
            }
        case .edDSA:
            guard let der = PEM.decode(pem, label: "PRIVATE KEY"), der.count == Self.ed25519PKCS8Prefix.count + 32,
                  der.prefix(Self.ed25519PKCS8Prefix.count) == Self.ed25519PKCS8Prefix,
                  (try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))) != nil
            else { throw .key("not an Ed25519 private key in PKCS #8 PEM") }
            backing = .ed25519(Data(der.suffix(32)))
        }
    }

    init(backing: Backing) { self.backing = backing }

    /// The JWS signature over `signingInput` (the ASCII of `header.payload`).
    public func sign(_ signingInput: Data) throws(CredentialError) -> Data {
        switch backing {
        case .rsa(let key):
            do { return try key.signature(for: signingInput, padding: .insecurePKCS1v1_5).rawRepresentation } catch {
                throw .key("RSA signing failed: \(error)")
            }
        case .ed25519(let raw):
            do { return try Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: signingInput) } catch {
                throw .key("Ed25519 signing failed: \(error)")
            }
        }
    }

    /// The public half as a JWK.
    public func publicJWK(kid: String, notBefore: Date, notAfter: Date) throws(CredentialError) -> JWK {
        let nbf = Int64(notBefore.timeIntervalSince1970.rounded(.down))
        let exp = Int64(notAfter.timeIntervalSince1970.rounded(.down))
        switch backing {
        case .rsa(let key):
            let primitives: _RSA.Signing.PublicKey.Primitives
            do { primitives = try key.publicKey.getKeyPrimitives() } catch { throw .key("reading the RSA public key failed: \(error)") }
            return JWK(
                kty: "RSA", kid: kid, alg: SigningAlgorithm.rs256.rawValue,
                n: Base64URL.encode(primitives.modulus.drop(while: { $0 == 0 })),
                e: Base64URL.encode(primitives.publicExponent.drop(while: { $0 == 0 })), nbf: nbf, exp: exp
            )
        case .ed25519(let raw):
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else { throw .key("the Ed25519 key is unreadable") }
            return JWK(kty: "OKP", kid: kid, alg: SigningAlgorithm.edDSA.rawValue, crv: "Ed25519", x: Base64URL.encode(key.publicKey.rawRepresentation), nbf: nbf, exp: exp)
        }
    }

    /// DER of PKCS #8 `PrivateKeyInfo` for Ed25519 (RFC 8410) up to the 32 key bytes.
    static let ed25519PKCS8Prefix = Data([0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
}

/// A public key from a JWK, for verifying signatures.
public struct PublicVerificationKey: Sendable {
    enum Backing: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case ed25519(Data)
    }

    let backing: Backing
    public let algorithm: SigningAlgorithm

    public init(_ jwk: JWK) throws(CredentialError) {
        switch (jwk.kty, jwk.algorithm) {
        case ("RSA", .rs256?):
            guard let n = jwk.n.flatMap(Base64URL.decode), let e = jwk.e.flatMap(Base64URL.decode) else {
                throw .key("key '\(jwk.kid)': an RSA JWK needs base64url 'n' and 'e'")
            }
            guard n.count >= 256 else { throw .key("key '\(jwk.kid)': RSA keys shorter than 2048 bits are refused") }
            do { backing = .rsa(try _RSA.Signing.PublicKey(n: n, e: e)) } catch { throw .key("key '\(jwk.kid)': not a usable RSA key: \(error)") }
            algorithm = .rs256
        case ("OKP", .edDSA?):
            guard jwk.crv == "Ed25519", let x = jwk.x.flatMap(Base64URL.decode),
                  (try? Curve25519.Signing.PublicKey(rawRepresentation: x)) != nil
            else { throw .key("key '\(jwk.kid)': an EdDSA JWK needs crv 'Ed25519' and a 32-byte 'x'") }
            backing = .ed25519(x)
            algorithm = .edDSA
        default:
            throw .key("key '\(jwk.kid)': kty '\(jwk.kty)' with alg '\(jwk.alg)' is not supported (RSA/RS256 or OKP/EdDSA)")
        }
    }

    public func isValidSignature(_ signature: Data, for signingInput: Data) -> Bool {
        switch backing {
        case .rsa(let key):
            key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: signingInput, padding: .insecurePKCS1v1_5)
        case .ed25519(let raw):
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: signingInput) ?? false
        }
    }
}

/// PEM armour (RFC 7468).
enum PEM {
    static func encode(_ der: Data, label: String) -> String {
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    static func decode(_ pem: String, label: String) -> Data? {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex) else { return nil }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body))
    }
}
