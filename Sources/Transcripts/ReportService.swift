import Catalog
import Credentials
import Domain
import Enrollment
import Foundation
import Storage

public enum ReportFormat: String, Sendable, CaseIterable {
    case csv, json
}

/// What a report covered, for the line printed after it.
public struct ReportOutcome: Sendable, Equatable {
    public var society: String
    public var policy: String
    public var period: DateInterval
    public var members: Int
    public var rows: Int
    /// Members meeting the policy (summary reports).
    public var met: Int
}

/// Society credit reports, streamed row by row from the database: one row per member with their
/// standing under the society's policy, or (`detail`) one row per completed course.
public struct ReportService: Sendable {
    let database: AppDatabase
    let credits: CreditService

    public init(database: AppDatabase, credits: CreditService) {
        self.database = database
        self.credits = credits
    }

    public static let detailHeader = [
        "member_number", "engineer_id", "engineer_name", "society", "period_start", "period_end", "course_id", "course_version",
        "title", "provider_society", "category", "hours", "unit", "completed_at", "result", "credential_id", "record_id", "record_version",
    ]

    public static func summaryHeader(_ policy: CreditPolicy) -> [String] {
        var header = ["member_number", "engineer_id", "engineer_name", "society", "period_start", "period_end", "policy", "unit",
                      "required", "total", "carried_over"]
        for category in policy.categories {
            header += ["\(category.name)_earned", "\(category.name)_counted", "\(category.name)_minimum", "\(category.name)_short"]
        }
        return header + ["other_earned", "met", "short"]
    }

    /// Writes the report for the society's policy period containing `date`.
    public func write<Sink: ByteSink>(
        society societyID: String, containing date: Date, detail: Bool, format: ReportFormat, byteOrderMark: Bool = false,
        to writer: inout BufferedWriter<Sink>
    ) throws(ServiceError) -> ReportOutcome {
        guard let society = try reading({ () throws(StorageError) in try database.society(societyID) }) else {
            throw ServiceError(.notFound, "no society '\(societyID)'")
        }
        switch society.status {
        case .authorized: break
        case .registered: throw ServiceError(.notAuthorized, "society '\(societyID)' is not authorised; reports are for authorised societies")
        case .withdrawn: throw ServiceError(.notAuthorized, "society '\(societyID)' has withdrawn from the alliance (Art. 19); its reports are no longer produced")
        case .removed: throw ServiceError(.notAuthorized, "society '\(societyID)' was removed from the alliance (Art. 20); its reports are no longer produced")
        }
        let policy = try credits.policy(forSociety: societyID)
        let period = policy.period.containing(date)
        let from = detail || policy.carryOver == nil ? period.start : policy.period.previous(period).start
        let courses = try reading { () throws(StorageError) in try database.courseVersions() }
        var outcome = ReportOutcome(society: societyID, policy: policy.name, period: period, members: 0, rows: 0, met: 0)
        var emitter = Emitter(
            society: society, policy: policy, period: period, courses: courses, detail: detail, format: format, writer: writer
        )
        var failure: SinkError?
        do { try emitter.begin(byteOrderMark: byteOrderMark) } catch { throw ServiceError(.storage, error.message) }
        do {
            try reading { () throws(StorageError) in
                try database.forEachMemberAward(societyID: societyID, from: from, before: period.end) { row in
                    do throws(SinkError) { try emitter.add(row) } catch {
                        failure = error
                        throw error
                    }
                }
            }
        } catch {
            if let failure { throw ServiceError(.storage, failure.message) }
            throw error
        }
        do { try emitter.finish() } catch { throw ServiceError(.storage, error.message) }
        writer = emitter.writer
        outcome.members = emitter.members
        outcome.rows = emitter.rows
        outcome.met = emitter.met
        return outcome
    }

    /// Turns the stream of (member, award) rows into report rows.
    struct Emitter<Sink: ByteSink> {
        let society: Society
        let policy: CreditPolicy
        let period: DateInterval
        let courses: [Int64: CourseVersionInfo]
        let detail: Bool
        let format: ReportFormat
        var writer: BufferedWriter<Sink>
        let periodStart: String
        let periodEnd: String
        let header: [String]

        var members = 0
        var rows = 0
        var met = 0
        var current: (memberNumber: String, engineerID: String, name: String)?
        var items: [CreditItem] = []

        init(society: Society, policy: CreditPolicy, period: DateInterval, courses: [Int64: CourseVersionInfo], detail: Bool, format: ReportFormat, writer: BufferedWriter<Sink>) {
            self.society = society
            self.policy = policy
            self.period = period
            self.courses = courses
            self.detail = detail
            self.format = format
            self.writer = writer
            periodStart = CreditPolicy.dayString(period.start)
            periodEnd = CreditPolicy.dayString(period.end.addingTimeInterval(-1))
            header = detail ? ReportService.detailHeader : ReportService.summaryHeader(policy)
        }

        mutating func begin(byteOrderMark: Bool) throws(SinkError) {
            switch format {
            case .csv:
                if byteOrderMark { try writer.append(bytes: CSV.byteOrderMark) }
                try writer.append(CSV.row(header))
            case .json:
                try writer.append("{\"society\":\(JSONText.string(society.id)),\"policy\":\(JSONText.string(policy.name)),"
                                  + "\"periodStart\":\"\(periodStart)\",\"periodEnd\":\"\(periodEnd)\",\"detail\":\(detail),\"rows\":[")
            }
        }

        mutating func add(_ row: MemberAwardRow) throws(SinkError) {
            if current?.engineerID != row.engineerID {
                try closeMember()
                current = (row.memberNumber, row.engineerID, row.engineerName)
                members += 1
            }
            guard let award = row.award, let course = courses[award.publicationID] else { return }
            if detail {
                try emit([
                    row.memberNumber, row.engineerID, row.engineerName, society.id, periodStart, periodEnd, course.courseID,
                    String(course.version), course.title, course.providerSocietyID, award.category.rawValue, Figure.text(award.hours), "学时",
                    String(award.awardedAt.prefix(10)), award.passed ? "passed" : "completed", award.credentialID, String(award.id),
                    String(award.recordVersion),
                ])
            } else if let completedAt = award.completedAt {
                items.append(CreditItem(
                    awardID: award.id, courseID: course.courseID, title: course.title, hours: award.hours, subject: award.category,
                    keywords: course.keywords, completedAt: completedAt
                ))
            }
        }

        mutating func closeMember() throws(SinkError) {
            guard let member = current, !detail else { return }
            let status = CreditEvaluator.status(policy, items: items, period: period, explain: false)
            items.removeAll(keepingCapacity: true)
            if status.met { met += 1 }
            var fields = [member.memberNumber, member.engineerID, member.name, society.id, periodStart, periodEnd, policy.name, policy.unit,
                          Figure.text(status.totalRequired), Figure.text(status.total), Figure.text(status.carriedOver)]
            for category in policy.categories {
                let total = status.categories.first { $0.name == category.name }
                fields += [Figure.text(total?.earned ?? 0), Figure.text(total?.counted ?? 0), total?.minimum.map(Figure.text) ?? "",
                           Figure.text(total?.short ?? 0)]
            }
            fields += [Figure.text(status.categories.first { $0.name == "other" }?.earned ?? 0), status.met ? "yes" : "no", Figure.text(status.short)]
            try emit(fields)
        }

        mutating func emit(_ fields: [String]) throws(SinkError) {
            switch format {
            case .csv:
                for (index, field) in fields.enumerated() { writer.csvField(field, first: index == 0) }
                try writer.csvEndRow()
            case .json:
                writer.appendRaw(rows == 0 ? "\n{" : ",\n{")
                for (index, field) in fields.enumerated() {
                    if index > 0 { writer.appendRaw(byte: UInt8(ascii: ",")) }
                    writer.appendRaw(JSONText.string(header[index]))
                    writer.appendRaw(byte: UInt8(ascii: ":"))
                    writer.appendRaw(JSONText.value(field, column: header[index]))
                }
                writer.appendRaw(byte: UInt8(ascii: "}"))
                try writer.flushIfFull()
            }
            rows += 1
        }

        mutating func finish() throws(SinkError) {
            try closeMember()
            if format == .json { try writer.append("\n]}\n") }
            try writer.flush()
        }
    }
}

/// JSON text for report values: strings escaped, figures as numbers, yes/no as booleans.
enum JSONText {
    static let numericColumns: Set<String> = ["course_version", "hours", "record_id", "record_version", "required", "total", "carried_over", "short"]

    static func value(_ field: String, column: String) -> String {
        if column == "met" { return field == "yes" ? "true" : "false" }
        if field.isEmpty, column.hasSuffix("_minimum") { return "null" }
        if numericColumns.contains(column) || column.hasSuffix("_earned") || column.hasSuffix("_counted") || column.hasSuffix("_minimum")
            || column.hasSuffix("_short") {
            return field
        }
        return string(field)
    }

    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
