import Credentials
import Domain
import Enrollment
import Foundation
import Storage

/// An engineer's completed courses for a period (or for all time).
public struct Transcript: Sendable, Equatable {
    public var engineerID: String
    public var engineerName: String
    /// Nil for all time; else [start, end).
    public var period: DateInterval?
    public var generatedAt: Date
    public var records: [TranscriptRecord]
}

/// Transcripts: the records, rendered as JSON or CSV, or issued as a signed CLR 2.0 credential.
public struct TranscriptService: Sendable {
    let database: AppDatabase
    let keys: KeyService
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, keys: KeyService, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.keys = keys
        self.clock = clock
    }

    /// The engineer's standing records completed in `period` (all when nil).
    public func transcript(engineerID: String, period: DateInterval? = nil) throws(ServiceError) -> Transcript {
        guard let engineer = try database.reading("reading engineer \(engineerID)", { sql in try EngineerStore.engineer(engineerID, on: sql) }) else {
            throw ServiceError(.notFound, "no engineer '\(engineerID)'")
        }
        let from = period?.start ?? .distantPast, before = period?.end ?? .distantFuture
        let records = try database.transcriptRecords(engineerID: engineerID, from: from, before: before)
        return Transcript(engineerID: engineer.id, engineerName: engineer.name, period: period, generatedAt: clock(), records: records)
    }

    /// Issues the transcript as a CLR 2.0 `ClrCredential` secured as a VC-JWT, holding one
    /// VC-JWT `AchievementCredential` per course, all signed with the current key.
    public func clr(engineerID: String, period: DateInterval? = nil, validUntil: Date? = nil) throws(ServiceError) -> String {
        let transcript = try transcript(engineerID: engineerID, period: period)
        let (kid, key) = try keys.signer()
        let issued = CredentialDate.format(transcript.generatedAt)
        let until = validUntil.map(CredentialDate.format)
        let subject = Issuer.engineer(transcript.engineerID)
        var achievements: [Achievement] = []
        var enveloped: [EnvelopedCredential] = []
        for record in transcript.records {
            let achievement = Self.achievement(record)
            let credential = AchievementCredential(
                id: record.credentialID, issuer: Issuer.profile, name: "\(record.title): \(Figure.text(record.hours)) \(record.unit)",
                validFrom: issued, validUntil: until,
                credentialSubject: AchievementSubject(
                    id: subject, achievement: achievement, creditsEarned: record.hours,
                    activityStartDate: CredentialDate.format(record.startedAt), activityEndDate: CredentialDate.format(record.completedAt),
                    result: [AchievementResult(
                        status: "Completed", value: record.result.score.map { Figure.text($0) },
                        resultDescription: record.result.score == nil ? nil : achievement.id + "#score"
                    )]
                )
            )
            do { enveloped.append(EnvelopedCredential(jwt: try VCJWT.sign(credential, kid: kid, key: key))) } catch {
                throw ServiceError(.storage, "signing the credential of record \(record.recordID) failed: \(error)")
            }
            achievements.append(achievement)
        }
        let periodText = transcript.period.map { " for \(CreditPolicy.dayString($0.start)) to \(CreditPolicy.dayString($0.end.addingTimeInterval(-1)))" } ?? ""
        let clr = ClrCredential(
            id: "urn:uuid:" + UUID().uuidString.lowercased(), issuer: Issuer.profile,
            name: "Continuing-education transcript of \(transcript.engineerName)\(periodText)",
            description: "\(transcript.records.count) completed course(s), \(Figure.text(transcript.records.reduce(0) { $0 + $1.hours })) 学时",
            validFrom: issued, validUntil: until,
            credentialSubject: ClrSubject(id: subject, verifiableCredential: enveloped, achievement: achievements)
        )
        do { return try VCJWT.sign(clr, kid: kid, key: key) } catch {
            throw ServiceError(.storage, "signing the transcript failed: \(error)")
        }
    }

    static func achievement(_ record: TranscriptRecord) -> Achievement {
        let id = Issuer.courseVersion(record.courseID, record.courseVersion)
        return Achievement(
            id: id, name: record.title, description: record.description ?? record.title,
            criteria: Criteria(narrative: "Complete every required activity of version \(record.courseVersion) of the course, as its package defines completion."),
            creditsAvailable: record.hours, humanCode: record.courseID, version: String(record.courseVersion),
            fieldOfStudy: record.category.rawValue, creator: Profile(id: Issuer.base + "/societies/" + record.providerSocietyID, name: record.providerSocietyName),
            tag: [record.unit, record.category.rawValue],
            resultDescription: record.result.score == nil ? nil : [ResultDescription(id: id + "#score", name: "Mean best score of the scored activities (0-1)", resultType: "ScaledScore")]
        )
    }
}
