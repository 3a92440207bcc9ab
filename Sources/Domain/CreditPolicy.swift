import Foundation

/// A credit policy as data: what an engineer must earn, per period, per category.
///
/// JSON, documented in `policies/README.md` with the shipped policies as examples.
public struct CreditPolicy: Codable, Sendable, Equatable {
    /// How the periods run.
    public enum Period: Codable, Sendable, Equatable {
        /// 1 January to 31 December (UTC).
        case calendarYear
        /// Cycles of `years` years starting on `anchor` (and every `years` years before and after).
        case cycle(years: Int, anchor: Date)

        enum CodingKeys: String, CodingKey { case kind, years, anchor }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .kind) {
            case "calendar-year":
                self = .calendarYear
            case "cycle":
                let years = try container.decode(Int.self, forKey: .years)
                guard years >= 1 else { throw DecodingError.dataCorruptedError(forKey: .years, in: container, debugDescription: "years must be 1 or more") }
                let text = try container.decode(String.self, forKey: .anchor)
                guard let anchor = CreditPolicy.day(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .anchor, in: container, debugDescription: "anchor must be a date YYYY-MM-DD")
                }
                self = .cycle(years: years, anchor: anchor)
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown period kind '\(other)' (calendar-year or cycle)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .calendarYear:
                try container.encode("calendar-year", forKey: .kind)
            case .cycle(let years, let anchor):
                try container.encode("cycle", forKey: .kind)
                try container.encode(years, forKey: .years)
                try container.encode(CreditPolicy.dayString(anchor), forKey: .anchor)
            }
        }

        /// The period containing `date`.
        public func containing(_ date: Date) -> DateInterval {
            let calendar = CreditPolicy.calendar
            switch self {
            case .calendarYear:
                let year = calendar.component(.year, from: date)
                let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1)) ?? date
                let end = calendar.date(byAdding: .year, value: 1, to: start) ?? date
                return DateInterval(start: start, end: end)
            case .cycle(let years, let anchor):
                var start = anchor
                while start > date { start = calendar.date(byAdding: .year, value: -years, to: start) ?? date }
                while let next = calendar.date(byAdding: .year, value: years, to: start), next <= date { start = next }
                let end = calendar.date(byAdding: .year, value: years, to: start) ?? date
                return DateInterval(start: start, end: end)
            }
        }

        /// The period before `period`.
        public func previous(_ period: DateInterval) -> DateInterval {
            containing(period.start.addingTimeInterval(-1))
        }
    }

    /// A category's share of what must be earned: absolute hours or a fraction of the total.
    public enum Amount: Codable, Sendable, Equatable {
        case hours(Double)
        case fraction(Double)

        enum CodingKeys: String, CodingKey { case hours, fraction }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let hours = try container.decodeIfPresent(Double.self, forKey: .hours) {
                self = .hours(hours)
            } else if let fraction = try container.decodeIfPresent(Double.self, forKey: .fraction), (0...1).contains(fraction) {
                self = .fraction(fraction)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "give {\"hours\": H} or {\"fraction\": 0-1}"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .hours(let hours): try container.encode(hours, forKey: .hours)
            case .fraction(let fraction): try container.encode(fraction, forKey: .fraction)
            }
        }

        func hours(ofTotal total: Double) -> Double {
            switch self {
            case .hours(let hours): hours
            case .fraction(let fraction): fraction * total
            }
        }
    }

    /// A category of the policy and which awards fall in it.
    public struct Category: Codable, Sendable, Equatable {
        public var name: String
        /// Awards of these platform subject categories (all when absent)...
        public var subjects: [SubjectCategory]?
        /// ...and, when given, only courses with one of these keywords (case-insensitive, substring).
        public var keywords: [String]?
        public var minimum: Amount?
        /// Hours above this are not counted (shown as capped).
        public var maximum: Double?

        public init(name: String, subjects: [SubjectCategory]? = nil, keywords: [String]? = nil, minimum: Amount? = nil, maximum: Double? = nil) {
            self.name = name
            self.subjects = subjects
            self.keywords = keywords
            self.minimum = minimum
            self.maximum = maximum
        }
    }

    public struct CarryOver: Codable, Sendable, Equatable {
        /// At most this many hours above the previous period's total minimum move on.
        public var maximum: Double
        /// Only hours of these policy categories may be carried (all when absent). Carried hours
        /// count toward the total only, never toward a category's minimum.
        public var categories: [String]?

        public init(maximum: Double, categories: [String]? = nil) {
            self.maximum = maximum
            self.categories = categories
        }
    }

    public var name: String
    public var title: String
    /// The policy's unit, e.g. 学时, PDH, hours.
    public var unit: String
    /// How many policy units one unit of an award is worth; the platform awards 学时.
    public var conversions: [String: Double]
    public var period: Period
    /// The total minimum per period.
    public var total: Double
    /// Categories in order: an award counts in the first category it matches.
    public var categories: [Category]
    public var carryOver: CarryOver?

    public init(
        name: String, title: String, unit: String, conversions: [String: Double], period: Period, total: Double,
        categories: [Category], carryOver: CarryOver? = nil
    ) {
        self.name = name
        self.title = title
        self.unit = unit
        self.conversions = conversions
        self.period = period
        self.total = total
        self.categories = categories
        self.carryOver = carryOver
    }

    static var calendar: Calendar { .utcGregorian }

    /// What `--period` and `?period=` take: a year (`2026`: the day 1 January 2026) or a day.
    public static func periodDay(_ text: String) -> Date? {
        day(text.count == 4 ? text + "-01-01" : text)
    }

    public static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    public static func dayString(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Problems that make the policy unusable; empty when it is fine.
    /// True when every category is decided by the subject alone (no keywords): awards then
    /// count the same summed per subject and period as one by one.
    public var categoriesBySubjectOnly: Bool { categories.allSatisfy { $0.keywords == nil } }

    public var problems: [String] {
        var problems: [String] = []
        if name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            problems.append("name must be letters, digits, '-', '_' or '.'")
        }
        if total < 0 { problems.append("total must not be negative") }
        if conversions["学时"] == nil { problems.append("conversions must say what one 学时 (the platform's unit) is worth") }
        let names = categories.map(\.name)
        if Set(names).count != names.count { problems.append("category names must be unique") }
        for name in carryOver?.categories ?? [] where !names.contains(name) {
            problems.append("carryOver names an unknown category '\(name)'")
        }
        return problems
    }
}

extension Calendar {
    /// The Gregorian calendar in UTC: awards are dated, and periods counted, in UTC.
    public static let utcGregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }()
}
