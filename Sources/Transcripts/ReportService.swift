import Credentials
import Domain
import Enrollment
import Foundation
import Societies
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

    /// Sum in SQLite when the policy allows (tests turn it off to compare with the per-award path).
    let sumsInDatabase: Bool

    public init(database: AppDatabase, credits: CreditService) {
        self.init(database: database, credits: credits, sumsInDatabase: true)
    }

    init(database: AppDatabase, credits: CreditService, sumsInDatabase: Bool) {
        self.database = database
        self.credits = credits
        self.sumsInDatabase = sumsInDatabase
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
    public func write(
        society societyID: String, containing date: Date, detail: Bool, format: ReportFormat, byteOrderMark: Bool = false,
        to writer: inout BufferedWriter
    ) throws(ServiceError) -> ReportOutcome {
        guard let society = try database.reading("reading society \(societyID)", { sql in try SocietyStore.society(societyID, on: sql) }) else {
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
        let courses = try database.courseVersions()
        var outcome = ReportOutcome(society: societyID, policy: policy.name, period: period, members: 0, rows: 0, met: 0)
        var emitter = Emitter(
            society: society, policy: policy, period: period, courses: courses, detail: detail, format: format, writer: writer
        )
        var failure: SinkError?
        do { try emitter.begin(byteOrderMark: byteOrderMark) } catch { throw ServiceError(.storage, error.message) }
        do {
            if !detail && sumsInDatabase && policy.categoriesBySubjectOnly {
                // Categories depend on the subject only: SQLite sums each member's hours per subject.
                let previous = policy.carryOver == nil ? nil : policy.period.previous(period)
                try database.forEachMemberTotals(societyID: societyID, period: period, previous: previous) { row in
                    do throws(SinkError) { try emitter.add(totals: row, previous: previous) } catch {
                        failure = error
                        throw error
                    }
                }
            } else {
                try database.forEachMemberAward(societyID: societyID, from: from, before: period.end, detail: detail) { row in
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
    struct Emitter {
        let society: Society
        let policy: CreditPolicy
        let period: DateInterval
        let courses: [Int64: Course]
        let detail: Bool
        let format: ReportFormat
        var writer: BufferedWriter
        let periodStart: String
        let periodEnd: String
        let header: [String]

        var members = 0
        var rows = 0
        var met = 0
        var currentKey: Int64?
        var member = (number: "", engineerID: "", name: "")
        /// CSV of the member's first six detail columns, made once per member.
        var memberFragment: [UInt8] = []
        /// CSV of each course version's four detail columns, made once per course version.
        var courseFragments: [Int64: [UInt8]] = [:]
        var items: [CreditItem] = []

        init(society: Society, policy: CreditPolicy, period: DateInterval, courses: [Int64: CourseVersionInfo], detail: Bool, format: ReportFormat, writer: BufferedWriter) {
            self.society = society
            self.policy = policy
            self.period = period
            self.courses = courses.mapValues(Course.init)
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
                try writer.append(CSVText.row(header))
            case .json:
                try writer.append("{\"society\":\(JSONText.string(society.id)),\"policy\":\(JSONText.string(policy.name)),"
                                  + "\"periodStart\":\"\(periodStart)\",\"periodEnd\":\"\(periodEnd)\",\"detail\":\(detail),\"rows\":[")
            }
        }

        mutating func add(_ row: MemberAwardRow) throws(SinkError) {
            let key = row.memberKey
            if key != currentKey {
                try closeMember()
                currentKey = key
                member = (row.memberNumber, row.engineerID, row.engineerName)
                memberFragment = Array(CSVText.row([member.number, member.engineerID, member.name, society.id, periodStart, periodEnd]).utf8.dropLast(2))
                members += 1
            }
            guard row.hasAward, let course = courses[row.publicationID], let category = row.category else { return }
            if !detail {
                if let completedAt = row.completedAt {
                    items.append(CreditItem(
                        awardID: row.awardID, courseID: course.courseID, title: course.title, hours: row.hours, subject: category,
                        keywords: course.keywords, completedAt: completedAt
                    ))
                }
                return
            }
            switch format {
            case .csv:
                // The hot path of large reports: bytes straight from the database's buffers and cached fragments.
                writer.appendRaw(bytes: memberFragment)
                writer.appendRaw(byte: UInt8(ascii: ","))
                writer.appendRaw(bytes: courseFragment(row.publicationID, course))
                writer.appendRaw("," + category.rawValue + "," + Figure.text(row.hours) + ",学时,")
                row.withCompletedAtText { writer.appendRaw(bytes: UnsafeBufferPointer(rebasing: $0.prefix(10))) }
                writer.appendRaw(row.passed ? ",passed," : ",completed,")
                row.withCredentialID { writer.csvField(bytes: $0) }
                writer.appendRaw("," + String(row.awardID) + "," + String(row.recordVersion))
                try writer.csvEndRow()
                rows += 1
            case .json:
                try emit([
                    member.number, member.engineerID, member.name, society.id, periodStart, periodEnd, course.courseID,
                    String(course.version), course.title, course.providerSocietyID, category.rawValue, Figure.text(row.hours), "学时",
                    row.withCompletedAtText { String(decoding: $0.prefix(10), as: UTF8.self) }, row.passed ? "passed" : "completed",
                    row.withCredentialID { String(decoding: $0, as: UTF8.self) }, String(row.awardID), String(row.recordVersion),
                ])
            }
        }

        /// A member with hours summed per subject: for the evaluator, one item per subject and
        /// period holding that sum, dated at the start of its period (the period is all it decides).
        mutating func add(totals row: MemberTotalsRow, previous: DateInterval?) throws(SinkError) {
            try closeMember()
            currentKey = Int64(members)
            member = (row.memberNumber, row.engineerID, row.engineerName)
            members += 1
            for subject in SubjectCategory.allCases {
                for part in [period] + (previous.map { [$0] } ?? []) {
                    let hours = row.hours(subject, previous: part != period)
                    guard hours > 0 else { continue }
                    items.append(CreditItem(
                        awardID: 0, courseID: "", title: "\(subject.rawValue) courses", hours: hours, subject: subject, keywords: [],
                        completedAt: part.start
                    ))
                }
            }
        }

        mutating func courseFragment(_ publicationID: Int64, _ course: Course) -> [UInt8] {
            if let cached = courseFragments[publicationID] { return cached }
            let fragment = Array(CSVText.row([course.courseID, String(course.version), course.title, course.providerSocietyID]).utf8.dropLast(2))
            courseFragments[publicationID] = fragment
            return fragment
        }

        /// A course version as rows refer to it (a class: looking one up costs one retain, not six).
        final class Course {
            let courseID: String
            let version: Int
            let title: String
            let providerSocietyID: String
            let keywords: [String]

            init(_ info: CourseVersionInfo) {
                courseID = info.courseID
                version = info.version
                title = info.title
                providerSocietyID = info.providerSocietyID
                keywords = info.keywords
            }
        }

        mutating func closeMember() throws(SinkError) {
            guard currentKey != nil, !detail else { return }
            let status = CreditEvaluator.status(policy, items: items, period: period, explain: false)
            items.removeAll(keepingCapacity: true)
            if status.met { met += 1 }
            var fields = [member.number, member.engineerID, member.name, society.id, periodStart, periodEnd, policy.name, policy.unit,
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
