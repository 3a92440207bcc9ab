import Domain
import Foundation

/// `--period`: a year (the policy period containing 1 January of it) or a day (the period containing it).
enum PeriodOption {
    static func date(_ text: String?) throws -> Date? {
        guard let text else { return nil }
        guard let parsed = CreditPolicy.periodDay(text) else {
            throw Console.fail("--period '\(text)' is not a year (YYYY) or a date (YYYY-MM-DD)")
        }
        return parsed
    }
}
