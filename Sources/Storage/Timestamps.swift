import Domain
import Foundation

// The stored time format: every row's stamp, written and parsed without Foundation's formatters.

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
