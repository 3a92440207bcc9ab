import Foundation

/// One completed course on an engineer's transcript: a credit award as a record that a registry
/// keeps (`recordID` + `recordVersion`; a newer version is a correction, e.g. a revocation).
public struct TranscriptRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case active, revoked
    }

    public var recordID: Int64
    public var recordVersion: Int
    public var status: Status
    public var credentialID: String
    public var engineerID: String
    public var engineerName: String
    public var courseID: String
    public var courseVersion: Int
    public var title: String
    public var description: String?
    public var providerSocietyID: String
    public var providerSocietyName: String
    public var category: SubjectCategory
    public var hours: Double
    public var unit: String
    public var startedAt: Date
    public var completedAt: Date
    public var result: AwardResult

    public init(
        recordID: Int64, recordVersion: Int, status: Status, credentialID: String, engineerID: String, engineerName: String,
        courseID: String, courseVersion: Int, title: String, description: String?, providerSocietyID: String, providerSocietyName: String,
        category: SubjectCategory, hours: Double, unit: String, startedAt: Date, completedAt: Date, result: AwardResult
    ) {
        self.recordID = recordID
        self.recordVersion = recordVersion
        self.status = status
        self.credentialID = credentialID
        self.engineerID = engineerID
        self.engineerName = engineerName
        self.courseID = courseID
        self.courseVersion = courseVersion
        self.title = title
        self.description = description
        self.providerSocietyID = providerSocietyID
        self.providerSocietyName = providerSocietyName
        self.category = category
        self.hours = hours
        self.unit = unit
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.result = result
    }
}

/// The public half of a platform signing key, as the database keeps it.
public struct SigningKeyRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Signs new credentials.
        case active
        /// Replaced by a newer key: published for verification, never used to sign.
        case retired
        /// Past its end of validity: published, never used to sign.
        case expired
    }

    public var kid: String
    public var algorithm: String
    /// The JWK (JSON) published in the JWK set.
    public var publicJWK: String
    public var createdAt: Date
    public var notAfter: Date
    public var retiredAt: Date?

    public init(kid: String, algorithm: String, publicJWK: String, createdAt: Date, notAfter: Date, retiredAt: Date?) {
        self.kid = kid
        self.algorithm = algorithm
        self.publicJWK = publicJWK
        self.createdAt = createdAt
        self.notAfter = notAfter
        self.retiredAt = retiredAt
    }

    public func state(at date: Date) -> State {
        if retiredAt != nil { return .retired }
        return date >= notAfter ? .expired : .active
    }
}
