import Credentials
import Domain
import Foundation
import Storage

/// The platform's signing keys: private halves in a key directory (0600), public halves in the
/// database, published as a JWK set. One key signs at a time; rotation retires it, and retired
/// keys stay published so every transcript they signed still verifies.
public struct KeyService: Sendable {
    let database: AppDatabase
    /// Where the private halves are; without it, keys are listed and published but none is made
    /// nor signs.
    let directory: KeyDirectory?
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, directory: KeyDirectory?, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.directory = directory
        self.clock = clock
    }

    /// Days a new key signs for unless told otherwise (two years).
    public static let defaultValidityDays = 730

    /// Creates the first signing key; refused while a key is active (use `rotate`).
    public func generate(_ algorithm: SigningAlgorithm, validityDays: Int = defaultValidityDays, actor: String) throws(ServiceError) -> SigningKeyRecord {
        let now = clock()
        if let active = try keys().first(where: { $0.state(at: now) == .active }) {
            throw ServiceError(.conflict, "key '\(active.kid)' is active; rotating replaces it", remedy: .rotateSigningKey)
        }
        return try create(algorithm, validityDays: validityDays, actor: actor, rotating: false).key
    }

    /// Creates a new key (of the current key's algorithm unless told) and retires the others.
    public func rotate(_ algorithm: SigningAlgorithm? = nil, validityDays: Int = defaultValidityDays, actor: String) throws(ServiceError) -> (key: SigningKeyRecord, retired: [String]) {
        let now = clock()
        let current = try keys().last(where: { $0.state(at: now) == .active })
        let chosen = algorithm ?? current.flatMap { SigningAlgorithm(rawValue: $0.algorithm) } ?? .rs256
        return try create(chosen, validityDays: validityDays, actor: actor, rotating: true)
    }

    func create(_ algorithm: SigningAlgorithm, validityDays: Int, actor: String, rotating: Bool) throws(ServiceError) -> (key: SigningKeyRecord, retired: [String]) {
        guard (1...3650).contains(validityDays) else { throw ServiceError(.invalidArgument, "a key is valid for 1 to 3650 days", field: "valid-days") }
        let now = clock()
        let notAfter = now.addingTimeInterval(TimeInterval(validityDays) * 86_400)
        let kid = Self.newKeyID(now)
        let directory = try privateKeys()
        let key: PrivateSigningKey
        let jwk: JWK
        do {
            key = try PrivateSigningKey.generate(algorithm)
            jwk = try key.publicJWK(kid: kid, notBefore: now, notAfter: notAfter)
            try directory.store(key, kid: kid)
        } catch {
            throw ServiceError(.storage, error.description)
        }
        let record = SigningKeyRecord(
            kid: kid, algorithm: algorithm.rawValue, publicJWK: String(decoding: Self.encode(jwk), as: UTF8.self), createdAt: now,
            notAfter: notAfter, retiredAt: nil
        )
        do {
            return try database.perform(at: now) { tx in
                let retired = rotating ? try tx.retireSigningKeys() : []
                try tx.insertSigningKey(record)
                try tx.audit(AuditRecord(
                    actor: actor, action: rotating ? "key.rotate" : "key.generate", subject: "key:\(kid)",
                    details: ["alg": algorithm.rawValue, "notAfter": CredentialDate.format(notAfter), "retired": retired.joined(separator: " ")]
                ))
                return (record, retired)
            }
        } catch {
            // The database refused: the new private key must not linger unpublished.
            try? FileManager.default.removeItem(at: directory.url.appendingPathComponent(kid + ".pem"))
            throw error
        }
    }

    /// The folder of private keys, for what makes or uses one.
    func privateKeys() throws(ServiceError) -> KeyDirectory {
        guard let directory else { throw ServiceError(.invalidArgument, "no folder of private signing keys was given", field: "keys") }
        return directory
    }

    public func keys() throws(ServiceError) -> [SigningKeyRecord] {
        try database.signingKeys()
    }

    /// Every key, current and retired: what verifiers need.
    public func jwks() throws(ServiceError) -> JWKSet {
        var set: [JWK] = []
        for key in try keys() {
            guard let jwk = try? JSONDecoder().decode(JWK.self, from: Data(key.publicJWK.utf8)) else {
                throw ServiceError(.storage, "the public key of '\(key.kid)' is unreadable")
            }
            set.append(jwk)
        }
        return JWKSet(keys: set)
    }

    /// The key that signs now, with its private half.
    public func signer() throws(ServiceError) -> (kid: String, key: PrivateSigningKey) {
        let now = clock()
        let all = try keys()
        guard let current = all.last(where: { $0.retiredAt == nil }) else {
            throw ServiceError(.notFound, "no signing key", remedy: .generateSigningKey)
        }
        guard current.state(at: now) == .active else {
            throw ServiceError(.conflict, "signing key '\(current.kid)' expired on \(CredentialDate.format(current.notAfter))", remedy: .rotateSigningKey)
        }
        guard let algorithm = SigningAlgorithm(rawValue: current.algorithm) else {
            throw ServiceError(.storage, "signing key '\(current.kid)' has an unknown algorithm '\(current.algorithm)'")
        }
        let directory = try privateKeys()
        do { return (current.kid, try directory.load(current.kid, algorithm: algorithm)) } catch {
            throw ServiceError(.notFound, error.description)
        }
    }

    static func newKeyID(_ date: Date) -> String {
        let day = CredentialDate.format(date).prefix(10).replacingOccurrences(of: "-", with: "")
        let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return "ecba-\(day)-\(random)"
    }

    static func encode(_ jwk: JWK) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(jwk)) ?? Data()
    }
}
