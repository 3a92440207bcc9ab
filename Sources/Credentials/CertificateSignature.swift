import Crypto
import Foundation
import _CryptoExtras

/// RS256, RS384 and RS512 signatures (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) checked with the key of
/// an X.509 certificate, as a JWS names its signer in `x5c`.
public enum CertificateSignature {
    public static let algorithms: Set<String> = ["RS256", "RS384", "RS512"]

    /// Whether `jws` is signed by the key of the certificate `der` (DER bytes).
    public static func isValid(_ jws: CompactJWS, certificate der: Data) throws(CredentialError) -> Bool {
        guard let info = subjectPublicKeyInfo(ofCertificate: [UInt8](der)) else {
            throw .malformed("the x5c certificate is not an X.509 certificate in DER")
        }
        let key: _RSA.Signing.PublicKey
        do { key = try _RSA.Signing.PublicKey(derRepresentation: info) } catch { throw .key("the x5c certificate's key is not an RSA key") }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: jws.signature)
        switch jws.header.alg {
        case "RS256": return key.isValidSignature(signature, for: SHA256.hash(data: jws.signingInput), padding: .insecurePKCS1v1_5)
        case "RS384": return key.isValidSignature(signature, for: SHA384.hash(data: jws.signingInput), padding: .insecurePKCS1v1_5)
        case "RS512": return key.isValidSignature(signature, for: SHA512.hash(data: jws.signingInput), padding: .insecurePKCS1v1_5)
        default: throw .malformed("alg '\(jws.header.alg)' is not one of RS256, RS384, RS512")
        }
    }

    /// The DER of a certificate's SubjectPublicKeyInfo (RFC 5280 4.1): Certificate is a SEQUENCE
    /// whose first element, tbsCertificate, holds [0] version (optional), serialNumber,
    /// signature, issuer, validity, subject, subjectPublicKeyInfo. Nil for anything else.
    static func subjectPublicKeyInfo(ofCertificate bytes: [UInt8]) -> [UInt8]? {
        guard let certificate = element(bytes, at: 0), certificate.tag == 0x30,
              let tbs = element(bytes, at: certificate.contentStart), tbs.tag == 0x30 else { return nil }
        var position = tbs.contentStart
        if let first = element(bytes, at: position), first.tag == 0xA0 { position = first.end }  // [0] version
        for _ in 0..<5 {  // serialNumber, signature, issuer, validity, subject
            guard let skipped = element(bytes, at: position), skipped.end <= tbs.end else { return nil }
            position = skipped.end
        }
        guard let info = element(bytes, at: position), info.tag == 0x30, info.end <= tbs.end else { return nil }
        return Array(bytes[position..<info.end])
    }

    /// One DER element at `offset`: its tag, where its content starts and where it ends; nil
    /// when the length runs past the bytes or is not DER's definite form.
    static func element(_ bytes: [UInt8], at offset: Int) -> (tag: UInt8, contentStart: Int, end: Int)? {
        guard offset + 2 <= bytes.count else { return nil }
        let tag = bytes[offset]
        var length = Int(bytes[offset + 1])
        var start = offset + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), start + count <= bytes.count else { return nil }
            length = bytes[start..<(start + count)].reduce(0) { $0 << 8 | Int($1) }
            start += count
        }
        guard length <= bytes.count - start else { return nil }
        return (tag, start, start + length)
    }
}
