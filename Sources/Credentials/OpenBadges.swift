import Foundation

/// The JSON-LD contexts, in the order the specifications require.
public enum CredentialContext {
    public static let vc2 = "https://www.w3.org/ns/credentials/v2"
    public static let clr2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
    public static let ob3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    public static let achievementCredential = [vc2, ob3]
    public static let clrCredential = [vc2, clr2, ob3]
}

/// An issuer or a creator (Open Badges 3.0 `Profile`).
public struct Profile: Codable, Sendable, Equatable {
    public var id: String
    public var type: [String]
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        type = ["Profile"]
        self.name = name
    }
}

public struct Criteria: Codable, Sendable, Equatable {
    public var narrative: String
    public init(narrative: String) { self.narrative = narrative }
}

/// What a result's value means (here: the mean best score of scored activities, 0-1).
public struct ResultDescription: Codable, Sendable, Equatable {
    public var id: String
    public var type: [String]
    public var name: String
    public var resultType: String

    public init(id: String, name: String, resultType: String) {
        self.id = id
        type = ["ResultDescription"]
        self.name = name
        self.resultType = resultType
    }
}

/// A course as an Open Badges 3.0 `Achievement` (`achievementType` `Course`).
public struct Achievement: Codable, Sendable, Equatable {
    public var id: String
    public var type: [String]
    public var achievementType: String
    public var name: String
    public var description: String
    public var criteria: Criteria
    /// Credit hours the course carries, in the platform's unit (学时, see `tag`).
    public var creditsAvailable: Double
    /// The course id (a code people quote).
    public var humanCode: String
    /// The approved version of the course.
    public var version: String
    /// The subject category: professional (专业科目) or public (公需科目).
    public var fieldOfStudy: String
    /// The developing (provider) society.
    public var creator: Profile
    /// The credit unit and the category, as tags.
    public var tag: [String]
    public var resultDescription: [ResultDescription]?

    public init(
        id: String, name: String, description: String, criteria: Criteria, creditsAvailable: Double, humanCode: String, version: String,
        fieldOfStudy: String, creator: Profile, tag: [String], resultDescription: [ResultDescription]?
    ) {
        self.id = id
        type = ["Achievement"]
        achievementType = "Course"
        self.name = name
        self.description = description
        self.criteria = criteria
        self.creditsAvailable = creditsAvailable
        self.humanCode = humanCode
        self.version = version
        self.fieldOfStudy = fieldOfStudy
        self.creator = creator
        self.tag = tag
        self.resultDescription = resultDescription
    }
}

/// An Open Badges 3.0 `Result`.
public struct AchievementResult: Codable, Sendable, Equatable {
    public var type: [String]
    public var status: String
    public var value: String?
    public var resultDescription: String?

    public init(status: String, value: String?, resultDescription: String?) {
        type = ["Result"]
        self.status = status
        self.value = value
        self.resultDescription = resultDescription
    }
}

public struct AchievementSubject: Codable, Sendable, Equatable {
    public var id: String
    public var type: [String]
    public var achievement: Achievement
    public var creditsEarned: Double
    public var activityStartDate: String?
    public var activityEndDate: String
    public var result: [AchievementResult]

    public init(id: String, achievement: Achievement, creditsEarned: Double, activityStartDate: String?, activityEndDate: String, result: [AchievementResult]) {
        self.id = id
        type = ["AchievementSubject"]
        self.achievement = achievement
        self.creditsEarned = creditsEarned
        self.activityStartDate = activityStartDate
        self.activityEndDate = activityEndDate
        self.result = result
    }
}

/// One completed course: an Open Badges 3.0 `AchievementCredential`.
public struct AchievementCredential: Codable, Sendable, Equatable {
    public var context: [String]
    public var id: String
    public var type: [String]
    public var issuer: Profile
    public var name: String
    public var validFrom: String
    public var validUntil: String?
    public var credentialSubject: AchievementSubject

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type, issuer, name, validFrom, validUntil, credentialSubject
    }

    public init(id: String, issuer: Profile, name: String, validFrom: String, validUntil: String?, credentialSubject: AchievementSubject) {
        context = CredentialContext.achievementCredential
        self.id = id
        type = ["VerifiableCredential", "AchievementCredential"]
        self.issuer = issuer
        self.name = name
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.credentialSubject = credentialSubject
    }
}

/// A credential secured as a VC-JWT and embedded by value (VC Data Model 2.0 §4.13):
/// `id` is `data:application/vc+jwt,` followed by the compact JWS.
public struct EnvelopedCredential: Codable, Sendable, Equatable {
    public static let prefix = "data:application/vc+jwt,"

    public var context: String
    public var id: String
    public var type: String

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type
    }

    public init(jwt: String) {
        context = CredentialContext.vc2
        id = Self.prefix + jwt
        type = "EnvelopedVerifiableCredential"
    }

    /// The compact JWS inside, if `id` is a `vc+jwt` data URL.
    public var jwt: String? { id.hasPrefix(Self.prefix) ? String(id.dropFirst(Self.prefix.count)) : nil }
}

public struct ClrSubject: Codable, Sendable, Equatable {
    public var id: String
    public var type: [String]
    public var verifiableCredential: [EnvelopedCredential]
    public var achievement: [Achievement]

    public init(id: String, verifiableCredential: [EnvelopedCredential], achievement: [Achievement]) {
        self.id = id
        type = ["ClrSubject"]
        self.verifiableCredential = verifiableCredential
        self.achievement = achievement
    }
}

/// A transcript: a 1EdTech CLR 2.0 `ClrCredential` holding one signed `AchievementCredential` per course.
public struct ClrCredential: Codable, Sendable, Equatable {
    public var context: [String]
    public var id: String
    public var type: [String]
    public var issuer: Profile
    public var name: String
    public var description: String?
    public var validFrom: String
    public var validUntil: String?
    public var credentialSubject: ClrSubject

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, type, issuer, name, description, validFrom, validUntil, credentialSubject
    }

    public init(id: String, issuer: Profile, name: String, description: String?, validFrom: String, validUntil: String?, credentialSubject: ClrSubject) {
        context = CredentialContext.clrCredential
        self.id = id
        type = ["VerifiableCredential", "ClrCredential"]
        self.issuer = issuer
        self.name = name
        self.description = description
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.credentialSubject = credentialSubject
    }
}
