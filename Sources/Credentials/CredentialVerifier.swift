import Domain
import Foundation

/// One check made while verifying, and what it found.
public struct VerificationCheck: Codable, Sendable, Equatable {
    /// Which credential: `transcript`, or `course <humanCode>` for an embedded one.
    public var credential: String
    public var check: String
    public var passed: Bool
    public var detail: String
}

public struct VerificationReport: Codable, Sendable, Equatable {
    public var valid: Bool
    public var credentialID: String?
    public var subject: String?
    /// Embedded course credentials that verified.
    public var courses: Int
    public var checks: [VerificationCheck]

    public var failures: [VerificationCheck] { checks.filter { !$0.passed } }
}

/// Verifies a CLR transcript issued as a VC-JWT, and every course credential inside it, against
/// a JWK set: encoding, header, key, signature, structure, claims and dates.
public struct CredentialVerifier: Sendable {
    public let keys: JWKSet
    public let now: Date

    public init(keys: JWKSet, now: Date = Date()) {
        self.keys = keys
        self.now = now
    }

    public func verifyTranscript(_ token: String) -> VerificationReport {
        var log = Log(label: "transcript")
        var report = VerificationReport(valid: false, credentialID: nil, subject: nil, courses: 0, checks: [])
        guard let clr: ClrCredential = verify(token, types: ["VerifiableCredential", "ClrCredential"], contexts: CredentialContext.clrCredential, log: &log) else {
            report.checks = log.checks
            return report
        }
        report.credentialID = clr.id
        report.subject = clr.credentialSubject.id
        for (index, enveloped) in clr.credentialSubject.verifiableCredential.enumerated() {
            var inner = Log(label: "course credential \(index + 1)")
            guard enveloped.type == "EnvelopedVerifiableCredential", let jwt = enveloped.jwt else {
                inner.fail("envelope", "verifiableCredential[\(index)] is not an EnvelopedVerifiableCredential with a 'data:application/vc+jwt,' id")
                log.checks += inner.checks
                continue
            }
            if let course: AchievementCredential = verify(jwt, types: ["VerifiableCredential", "AchievementCredential"], contexts: CredentialContext.achievementCredential, log: &inner) {
                inner.label = "course \(course.credentialSubject.achievement.humanCode)"
                inner.relabel()
                inner.expect(course.issuer.id == clr.issuer.id, "issuer", "issued by the transcript's issuer", "issuer '\(course.issuer.id)' is not the transcript's '\(clr.issuer.id)'")
                inner.expect(course.credentialSubject.id == clr.credentialSubject.id, "subject", "about the transcript's subject", "subject '\(course.credentialSubject.id)' is not the transcript's '\(clr.credentialSubject.id)'")
                if inner.checks.allSatisfy(\.passed) { report.courses += 1 }
            }
            log.checks += inner.checks
        }
        report.checks = log.checks
        report.valid = log.checks.allSatisfy(\.passed)
        return report
    }

    /// Verifies one VC-JWT; returns the credential when it could be read and trusted far enough
    /// to look inside (signature valid, structure readable).
    func verify<Credential: JWTSecurable>(_ token: String, types: [String], contexts: [String], log: inout Log) -> Credential? {
        let jws: CompactJWS
        do { jws = try CompactJWS(token) } catch {
            log.fail("encoding", error.description)
            return nil
        }
        log.pass("encoding", "three base64url parts without padding")
        guard let algorithm = SigningAlgorithm(rawValue: jws.header.alg) else {
            log.fail("header", "alg '\(jws.header.alg)' is refused; only RS256 and EdDSA are accepted")
            return nil
        }
        if let typ = jws.header.typ, typ != "JWT" {
            log.fail("header", "typ '\(typ)' is not 'JWT'")
            return nil
        }
        if let crit = jws.header.crit {
            log.fail("header", "crit names parameters this verifier does not understand: \(crit.joined(separator: ", "))")
            return nil
        }
        guard let kid = jws.header.kid else {
            log.fail("header", "no 'kid': the key cannot be found in the JWK set")
            return nil
        }
        log.pass("header", "alg \(algorithm.rawValue), kid \(kid)")
        guard let jwk = keys.key(kid) else {
            log.fail("key", "kid '\(kid)' is not in the JWK set")
            return nil
        }
        let key: PublicVerificationKey
        do { key = try PublicVerificationKey(jwk) } catch {
            log.fail("key", error.description)
            return nil
        }
        guard key.algorithm == algorithm else {
            log.fail("key", "the header says \(algorithm.rawValue) but key '\(kid)' is for \(key.algorithm.rawValue)")
            return nil
        }
        log.pass("key", "key '\(kid)' (\(jwk.kty)) found in the JWK set")
        guard key.isValidSignature(jws.signature, for: jws.signingInput) else {
            log.fail("signature", "the signature does not match the header and payload for key '\(kid)': the token was altered or signed with another key")
            return nil
        }
        log.pass("signature", "\(algorithm.rawValue) signature valid")

        let credential: Credential
        let claims: VCJWTClaims
        do {
            credential = try JSONDecoder().decode(Credential.self, from: jws.payload)
            claims = try JSONDecoder().decode(VCJWTClaims.self, from: jws.payload)
        } catch let error as DecodingError {
            log.fail("structure", "the payload is not \(types.last ?? "a credential"): \(error.readableDescription)")
            return nil
        } catch {
            log.fail("structure", "the payload is not JSON: \(error)")
            return nil
        }
        guard let context = (try? JSONDecoder().decode(ContextAndType.self, from: jws.payload)) else {
            log.fail("structure", "@context or type is missing")
            return nil
        }
        if Array(context.context.prefix(contexts.count)) != contexts {
            log.fail("structure", "@context must start with \(contexts.joined(separator: ", ")), found \(context.context.joined(separator: ", "))")
        } else if !types.allSatisfy(context.type.contains) {
            log.fail("structure", "type must include \(types.joined(separator: ", ")), found \(context.type.joined(separator: ", "))")
        } else {
            log.pass("structure", "\(types.last ?? "credential") with the required contexts and types")
        }

        guard let validFrom = CredentialDate.parse(credential.validFrom) else {
            log.fail("dates", "validFrom '\(credential.validFrom)' is not a date-time")
            return credential
        }
        var validUntil: Date?
        if let text = credential.validUntil {
            guard let date = CredentialDate.parse(text) else {
                log.fail("dates", "validUntil '\(text)' is not a date-time")
                return credential
            }
            validUntil = date
        }
        var mismatches: [String] = []
        if claims.iss != credential.issuer.id { mismatches.append("iss '\(claims.iss ?? "missing")' is not issuer.id '\(credential.issuer.id)'") }
        if claims.jti != credential.id { mismatches.append("jti '\(claims.jti ?? "missing")' is not id '\(credential.id)'") }
        if claims.sub != credential.subjectID { mismatches.append("sub '\(claims.sub ?? "missing")' is not credentialSubject.id '\(credential.subjectID)'") }
        if claims.nbf != CredentialDate.seconds(validFrom) { mismatches.append("nbf \(claims.nbf.map(String.init) ?? "missing") is not validFrom \(credential.validFrom)") }
        if claims.exp != validUntil.map(CredentialDate.seconds) { mismatches.append("exp \(claims.exp.map(String.init) ?? "missing") does not match validUntil \(credential.validUntil ?? "(none)")") }
        if mismatches.isEmpty { log.pass("claims", "iss, jti, sub, nbf and exp match the credential") } else { log.fail("claims", mismatches.joined(separator: "; ")) }

        if validFrom > now {
            log.fail("dates", "not valid before \(credential.validFrom)")
        } else if let validUntil, validUntil <= now {
            log.fail("dates", "expired at \(credential.validUntil ?? "")")
        } else {
            log.pass("dates", "valid from \(credential.validFrom)\(credential.validUntil.map { " until \($0)" } ?? "")")
        }
        if let notBefore = jwk.notBefore, validFrom < notBefore {
            log.fail("key validity", "signed for \(credential.validFrom), before key '\(kid)' was valid (\(CredentialDate.format(notBefore)))")
        } else if let notAfter = jwk.notAfter, validFrom >= notAfter {
            log.fail("key validity", "signed for \(credential.validFrom), after key '\(kid)' expired (\(CredentialDate.format(notAfter)))")
        } else {
            log.pass("key validity", "signed while key '\(kid)' was valid")
        }
        return credential
    }

    struct ContextAndType: Decodable {
        var context: [String]
        var type: [String]
        enum CodingKeys: String, CodingKey {
            case context = "@context"
            case type
        }
    }

    struct Log {
        var label: String
        var checks: [VerificationCheck] = []

        init(label: String) { self.label = label }

        mutating func pass(_ check: String, _ detail: String) {
            checks.append(VerificationCheck(credential: label, check: check, passed: true, detail: detail))
        }

        mutating func fail(_ check: String, _ detail: String) {
            checks.append(VerificationCheck(credential: label, check: check, passed: false, detail: detail))
        }

        mutating func expect(_ condition: Bool, _ check: String, _ passed: String, _ failed: String) {
            if condition { pass(check, passed) } else { fail(check, failed) }
        }

        mutating func relabel() {
            for index in checks.indices { checks[index].credential = label }
        }
    }
}
