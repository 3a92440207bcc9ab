import Foundation

/// One standing award as a policy sees it.
public struct CreditItem: Codable, Sendable, Equatable {
    public var awardID: Int64
    public var courseID: String
    public var title: String
    public var hours: Double
    /// The unit of `hours`; the platform awards 学时.
    public var unit: String
    public var subject: SubjectCategory
    public var keywords: [String]
    /// When the activity ended (the course was completed).
    public var completedAt: Date

    public init(awardID: Int64, courseID: String, title: String, hours: Double, unit: String = "学时", subject: SubjectCategory, keywords: [String], completedAt: Date) {
        self.awardID = awardID
        self.courseID = courseID
        self.title = title
        self.hours = hours
        self.unit = unit
        self.subject = subject
        self.keywords = keywords
        self.completedAt = completedAt
    }
}

/// An engineer's standing under a policy for one period, with every figure explained.
public struct CreditStatus: Codable, Sendable, Equatable {
    public struct Counted: Codable, Sendable, Equatable {
        public var courseID: String
        public var title: String
        public var completedAt: Date
        /// In the award's unit.
        public var awarded: Double
        /// In the policy's unit, before caps.
        public var converted: Double
        /// The policy category it counted in (`other` when none matched).
        public var category: String
    }

    public struct CategoryTotal: Codable, Sendable, Equatable {
        public var name: String
        /// Converted hours earned in the category this period.
        public var earned: Double
        /// What counts after the category's cap.
        public var counted: Double
        /// Hours above the cap, not counted.
        public var capped: Double
        public var minimum: Double?
        /// How much is missing to reach the minimum (0 when met or without a minimum).
        public var short: Double
    }

    public var policy: String
    public var unit: String
    public var periodStart: Date
    /// Exclusive.
    public var periodEnd: Date
    public var items: [Counted]
    public var categories: [CategoryTotal]
    public var carriedOver: Double
    public var total: Double
    public var totalRequired: Double
    /// Every requirement (total and each category minimum) is met.
    public var met: Bool
    /// What is missing to the total (0 when met).
    public var short: Double
    /// Sentences a person can check the figures with.
    public var explanation: [String]
}

/// Evaluates a credit policy over awards (pure: the same inputs give the same status).
public enum CreditEvaluator {
    public static func status(_ policy: CreditPolicy, items: [CreditItem], containing date: Date) -> CreditStatus {
        status(policy, items: items, period: policy.period.containing(date))
    }

    /// `explain: false` skips the sentences and the per-award list (`items` stays empty), for
    /// reports over many engineers; every figure is the same.
    public static func status(_ policy: CreditPolicy, items: [CreditItem], period: DateInterval, explain: Bool = true) -> CreditStatus {
        var explanation = Explanation(enabled: explain)
        let day = { (date: Date) in CreditPolicy.dayString(date) }
        let lastDay = period.end.addingTimeInterval(-1)
        explanation.add("Policy \(policy.name) (\(policy.title)); period \(day(period.start)) to \(day(lastDay)); unit \(policy.unit).")
        let own = tally(policy, items: items, period: period, explanation: &explanation)

        var carried = 0.0
        if let carry = policy.carryOver {
            let previous = policy.period.previous(period)
            var ignored = Explanation(enabled: false)
            let before = tally(policy, items: items, period: previous, explanation: &ignored)
            let countedBefore = before.categories.reduce(0) { $0 + $1.counted }
            let eligible = before.categories.filter { carry.categories?.contains($0.name) ?? true }.reduce(0) { $0 + $1.counted }
            let excess = max(0, countedBefore - policy.total)
            carried = min(excess, eligible, carry.maximum)
            explanation.add(
                "Carry-over from \(day(previous.start)) to \(day(previous.end.addingTimeInterval(-1))): \(format(countedBefore)) counted there, "
                + "\(format(excess)) above its total of \(format(policy.total)), \(format(eligible)) of it in eligible categories"
                + "\(carry.categories.map { " (" + $0.joined(separator: ", ") + ")" } ?? ""), at most \(format(carry.maximum)): "
                + "\(format(carried)) carried over, toward the total only."
            )
        }
        let earnedTotal = own.categories.reduce(0) { $0 + $1.counted }
        let total = earnedTotal + carried
        let short = max(0, policy.total - total)
        explanation.add("Total: \(format(earnedTotal)) earned + \(format(carried)) carried = \(format(total)) of \(format(policy.total)) required: "
                           + (short == 0 ? "met." : "short by \(format(short))."))
        var met = short == 0
        for category in own.categories {
            guard let minimum = category.minimum else { continue }
            explanation.add("\(category.name): \(format(category.counted)) of at least \(format(minimum)): "
                               + (category.short == 0 ? "met." : "short by \(format(category.short))."))
            if category.short > 0 { met = false }
        }
        return CreditStatus(
            policy: policy.name, unit: policy.unit, periodStart: period.start, periodEnd: period.end, items: own.items,
            categories: own.categories, carriedOver: carried, total: total, totalRequired: policy.total, met: met, short: short,
            explanation: explanation.lines
        )
    }

    /// What one period's own awards add up to, per category, after conversion and caps.
    private static func tally(
        _ policy: CreditPolicy, items: [CreditItem], period: DateInterval, explanation: inout Explanation
    ) -> (items: [CreditStatus.Counted], categories: [CreditStatus.CategoryTotal]) {
        var counted: [CreditStatus.Counted] = []
        // Hours per policy category, by position; the last slot is `other`.
        var earned = [Double](repeating: 0, count: policy.categories.count + 1)
        var anyOther = false
        var lastConversion: (unit: String, factor: Double)?
        let inOrder = zip(items, items.dropFirst()).allSatisfy { ($0.completedAt, $0.awardID) <= ($1.completedAt, $1.awardID) }
        for item in inOrder ? items : items.sorted(by: { ($0.completedAt, $0.awardID) < ($1.completedAt, $1.awardID) }) {
            guard item.completedAt >= period.start, item.completedAt < period.end else { continue }
            let factor: Double
            if let lastConversion, lastConversion.unit == item.unit {
                factor = lastConversion.factor
            } else {
                guard let found = policy.conversions[item.unit] else {
                    explanation.add("\(item.courseID): \(format(item.hours)) \(item.unit) not counted: the policy has no conversion for \(item.unit).")
                    continue
                }
                factor = found
                lastConversion = (item.unit, found)
            }
            let converted = item.hours * factor
            let index = policy.categories.firstIndex { matches($0, item) } ?? policy.categories.count
            earned[index] += converted
            if index == policy.categories.count { anyOther = true }
            guard explanation.enabled else { continue }
            let category = index < policy.categories.count ? policy.categories[index].name : "other"
            counted.append(CreditStatus.Counted(
                courseID: item.courseID, title: item.title, completedAt: item.completedAt, awarded: item.hours, converted: converted,
                category: category
            ))
            let conversion = factor == 1 && item.unit == policy.unit ? "" : " = \(format(converted)) \(policy.unit)"
            explanation.add("\(item.courseID) (\(item.title)), completed \(CreditPolicy.dayString(item.completedAt)): "
                               + "\(format(item.hours)) \(item.unit)\(conversion), counted as \(category).")
        }
        var categories: [CreditStatus.CategoryTotal] = []
        for index in 0..<(policy.categories.count + (anyOther ? 1 : 0)) {
            let definition = index < policy.categories.count ? policy.categories[index] : nil
            let name = definition?.name ?? "other"
            let sum = earned[index]
            let kept = definition?.maximum.map { min(sum, $0) } ?? sum
            if kept < sum {
                explanation.add("\(name): \(format(sum)) earned, capped at \(format(kept)); \(format(sum - kept)) not counted.")
            }
            let minimum = definition?.minimum?.hours(ofTotal: policy.total)
            categories.append(CreditStatus.CategoryTotal(
                name: name, earned: sum, counted: kept, capped: sum - kept, minimum: minimum, short: max(0, (minimum ?? 0) - kept)
            ))
        }
        return (counted, categories)
    }

    /// Sentences, built only when wanted.
    struct Explanation {
        let enabled: Bool
        var lines: [String] = []

        mutating func add(_ line: @autoclosure () -> String) {
            if enabled { lines.append(line()) }
        }
    }

    static func matches(_ category: CreditPolicy.Category, _ item: CreditItem) -> Bool {
        if let subjects = category.subjects, !subjects.contains(item.subject) { return false }
        guard let keywords = category.keywords else { return true }
        let text = ([item.title] + item.keywords).joined(separator: "\n").lowercased()
        return keywords.contains { text.contains($0.lowercased()) }
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
