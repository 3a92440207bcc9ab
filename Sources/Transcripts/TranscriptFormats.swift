import Credentials
import Domain
import Foundation

/// The transcript as JSON (schema: docs/transcript.schema.json) and as RFC 4180 CSV.
public enum TranscriptFormat {
    public static let schemaID = Issuer.base + "/schemas/transcript-1.json"

    public static let csvHeader = [
        "record_id", "record_version", "engineer_id", "engineer_name", "course_id", "course_version", "title",
        "provider_society", "provider_society_name", "category", "hours", "unit", "started_at", "completed_at",
        "result", "score", "credential_id",
    ]

    public static func csv(_ transcript: Transcript, byteOrderMark: Bool = false) -> Data {
        var text = CSVText.row(csvHeader)
        for record in transcript.records {
            text += CSVText.row([
                String(record.recordID), String(record.recordVersion), record.engineerID, record.engineerName, record.courseID,
                String(record.courseVersion), record.title, record.providerSocietyID, record.providerSocietyName, record.category.rawValue,
                Figure.text(record.hours), record.unit, CredentialDate.format(record.startedAt), CredentialDate.format(record.completedAt),
                record.result.passed ? "passed" : "completed", record.result.score.map(Figure.text) ?? "", record.credentialID,
            ])
        }
        return Data((byteOrderMark ? CSV.byteOrderMark : []) + Array(text.utf8))
    }

    public static func json(_ transcript: Transcript) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Document(transcript))) ?? Data()
    }

    struct Document: Encodable {
        struct Engineer: Encodable {
            var id: String
            var name: String
        }

        struct Period: Encodable {
            var start: String
            /// Exclusive.
            var end: String
        }

        struct Record: Encodable {
            var recordId: Int64
            var recordVersion: Int
            var course: Course
            var providerSociety: Society
            var category: String
            var hours: Double
            var unit: String
            var startedAt: String
            var completedAt: String
            var result: String
            var score: Double?
            var credentialId: String
        }

        struct Course: Encodable {
            var id: String
            var version: Int
            var title: String
        }

        struct Society: Encodable {
            var id: String
            var name: String
        }

        var schema = TranscriptFormat.schemaID
        var engineer: Engineer
        var period: Period?
        var generatedAt: String
        var totals: [String: Double]
        var records: [Record]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case engineer, period, generatedAt, totals, records
        }

        init(_ transcript: Transcript) {
            engineer = Engineer(id: transcript.engineerID, name: transcript.engineerName)
            period = transcript.period.map { Period(start: CredentialDate.format($0.start), end: CredentialDate.format($0.end)) }
            generatedAt = CredentialDate.format(transcript.generatedAt)
            totals = Dictionary(transcript.records.map { ($0.category.rawValue, $0.hours) }, uniquingKeysWith: +)
            records = transcript.records.map { record in
                Record(
                    recordId: record.recordID, recordVersion: record.recordVersion,
                    course: Course(id: record.courseID, version: record.courseVersion, title: record.title),
                    providerSociety: Society(id: record.providerSocietyID, name: record.providerSocietyName),
                    category: record.category.rawValue, hours: record.hours, unit: record.unit,
                    startedAt: CredentialDate.format(record.startedAt), completedAt: CredentialDate.format(record.completedAt),
                    result: record.result.passed ? "passed" : "completed", score: record.result.score, credentialId: record.credentialID
                )
            }
        }
    }
}
