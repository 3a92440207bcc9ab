import Domain
import Foundation

extension StoreTransaction {
    public func society(_ id: String) throws -> Society? {
        try AppDatabase.society(id, on: sql)
    }

    /// Inserts a new society; a taken id is a conflict.
    public func insertSociety(_ society: Society) throws {
        if try sql.firstRow("SELECT 1 FROM society WHERE id = ?", [.text(society.id)]) != nil {
            throw ServiceError(.conflict, "society '\(society.id)' already exists")
        }
        try sql.execute(
            "INSERT INTO society (id, name, kind, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(society.id), .text(society.name), .text(society.kind.rawValue), .text(society.status.rawValue), .text(stamp), .text(stamp)]
        )
    }

    /// Sets a society's status; a missing society is `notFound`.
    public func updateSocietyStatus(_ id: String, to status: SocietyStatus) throws {
        let changed = try sql.execute("UPDATE society SET status = ?, updated_at = ? WHERE id = ?", [.text(status.rawValue), .text(stamp), .text(id)])
        if changed == 0 {
            throw ServiceError(.notFound, "no society '\(id)'")
        }
    }

    /// The society's open application, if any.
    public func openApplication(of societyID: String) throws -> SocietyApplication? {
        try AppDatabase.applications(of: societyID, on: sql).last { $0.outcome == nil }
    }

    /// Opens an application now; returns its id.
    public func insertApplication(of societyID: String) throws -> Int64 {
        guard let id = try sql.firstRow(
            "INSERT INTO society_application (society_id, applied_at) VALUES (?, ?) RETURNING id", [.text(societyID), .text(stamp)]
        )?.int64(0) else {
            throw ServiceError(.storage, "the new application of \(societyID) has no id")
        }
        return id
    }

    public func insertStep(_ step: SocietyApplication.Step, applicationID: Int64) throws {
        try sql.execute(
            "INSERT INTO society_application_step (application_id, stage, decision, comment, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(applicationID), .text(step.stage.rawValue), .text(step.decision.rawValue), .text(step.comment), .text(step.actor), .text(step.at.iso8601)]
        )
    }

    public func closeApplication(_ applicationID: Int64, outcome: SocietyApplication.Outcome) throws {
        try sql.execute("UPDATE society_application SET outcome = ? WHERE id = ?", [.text(outcome.rawValue), .integer(applicationID)])
    }
}

extension AppDatabase {
    /// Every application of a society, oldest first, with its steps.
    public func applications(of societyID: String) throws(ServiceError) -> [SocietyApplication] {
        try reading("reading applications of \(societyID)") { connection in try Self.applications(of: societyID, on: connection) }
    }

    /// The applications' SQL, written once for both databases.
    static func applications(of societyID: String, on connection: any SQLConnection) throws -> [SocietyApplication] {
        try connection.rows("SELECT id, applied_at, outcome FROM society_application WHERE society_id = ? ORDER BY id", [.text(societyID)]).map { row in
            let id = row.int64(0) ?? 0
            let steps = try connection.rows(
                "SELECT stage, decision, comment, actor, at FROM society_application_step WHERE application_id = ? ORDER BY at, rowid", [.integer(id)]
            ).map { step in
                guard let stage = step.text(0).flatMap(ApplicationStage.init(rawValue:)), let decision = step.text(1).flatMap(StepDecision.init(rawValue:)),
                      let at = step.text(4).flatMap(Date.init(iso8601:)) else {
                    throw ServiceError(.storage, "a step of application \(id) is unreadable")
                }
                return SocietyApplication.Step(stage: stage, decision: decision, comment: step.text(2) ?? "", actor: step.text(3) ?? "", at: at)
            }
            guard let appliedAt = row.text(1).flatMap(Date.init(iso8601:)) else {
                throw ServiceError(.storage, "application \(id) has a bad date")
            }
            return SocietyApplication(
                id: id, societyID: societyID, appliedAt: appliedAt, steps: steps, outcome: row.text(2).flatMap(SocietyApplication.Outcome.init(rawValue:))
            )
        }
    }

    public func society(_ id: String) throws(ServiceError) -> Society? {
        try reading("reading society \(id)") { connection in try Self.society(id, on: connection) }
    }

    /// The one query of a society by id, for reads and transactions alike.
    static func society(_ id: String, on connection: any SQLConnection) throws -> Society? {
        try connection.firstRow("SELECT id, name, kind, status FROM society WHERE id = ?", [.text(id)]).map(society(from:))
    }

    public func societies() throws(ServiceError) -> [Society] {
        try reading("listing societies") { connection in
            try connection.rows("SELECT id, name, kind, status FROM society ORDER BY id").map(Self.society(from:))
        }
    }

    /// A society from `id, name, kind, status`.
    static func society(from row: SQLRow) throws -> Society {
        guard let kind = row.text(2).flatMap(SocietyKind.init(rawValue:)), let status = row.text(3).flatMap(SocietyStatus.init(rawValue:)) else {
            throw ServiceError(.storage, "society '\(row.text(0) ?? "?")' has an unknown kind or status")
        }
        return Society(id: row.text(0) ?? "", name: row.text(1) ?? "", kind: kind, status: status)
    }
}

extension Date {
    /// Foundation's spelling of the stored format, for what the platform's own code leaves to it.
    private static let storedStyle = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true)
        .timeZone(separator: .omitted)

    /// ISO 8601 with fractional seconds, UTC: sorts as text. `YYYY-MM-DDTHH:MM:SS.sssZ`, exactly
    /// as Foundation's `.iso8601` style with fractional seconds writes it (milliseconds cut, not
    /// rounded; the tests compare the two), without its formatter: every stored row carries one.
    public var iso8601: String {
        let sinceReference = timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        guard whole.isFinite, abs(whole) < 1e11 else {
            return formatted(Self.storedStyle)
        }
        let millis = min(999, Int(((sinceReference - whole) * 1000).rounded(.down)))
        let seconds = Int(whole) + 978_307_200
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilCalendar.date(days: days)
        // Foundation's calendar is Julian before 1582: those years are left to it.
        guard (1_600...9_999).contains(year) else {
            return formatted(Self.storedStyle)
        }
        return String(unsafeUninitializedCapacity: 24) { output in
            func put(_ value: Int, at start: Int, digits: Int) {
                var value = value
                for index in stride(from: start + digits - 1, through: start, by: -1) {
                    output[index] = UInt8(48 + value % 10)
                    value /= 10
                }
            }
            put(year, at: 0, digits: 4)
            output[4] = UInt8(ascii: "-")
            put(month, at: 5, digits: 2)
            output[7] = UInt8(ascii: "-")
            put(day, at: 8, digits: 2)
            output[10] = UInt8(ascii: "T")
            put(secondOfDay / 3_600, at: 11, digits: 2)
            output[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, at: 14, digits: 2)
            output[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, at: 17, digits: 2)
            output[19] = UInt8(ascii: ".")
            put(millis, at: 20, digits: 3)
            output[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    public init?(iso8601 text: String) {
        if let date = Self.parseStamp(text) {
            self = date
            return
        }
        guard let date = try? Date(text, strategy: Self.storedStyle) else {
            return nil
        }
        self = date
    }
}

extension Date {
    /// The format the platform writes, `YYYY-MM-DDTHH:MM:SS.sssZ`, parsed without Foundation's
    /// general parser (which costs microseconds a call); nil for anything else.
    static func parseStamp(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parseStamp(bytes: $0) }
    }

    /// The same, over the UTF-8 bytes of the text (e.g. straight from SQLite's buffer).
    public static func parseStamp(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        do {
            guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ start: Int, _ count: Int) -> Int? {
                var value = 0
                for index in start..<(start + count) {
                    let digit = Int(bytes[index]) - 48
                    guard digit >= 0, digit <= 9 else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2), let millis = number(20, 3),
                  (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
            else { return nil }
            let seconds = CivilCalendar.days(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
            return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(millis) / 1_000)
        }
    }
}
