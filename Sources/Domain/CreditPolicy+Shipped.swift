import Foundation

extension CreditPolicy {
    /// The policies every installation has; `policies/*.json` holds the same as files (a test
    /// keeps them equal) to copy from.
    public static let shipped: [CreditPolicy] = [ecbaDefault, usPDH, engineersAustralia]

    /// MOHRSS Order No. 25: 90 学时 a calendar year, professional subjects at least 2/3.
    public static let ecbaDefault = CreditPolicy(
        name: "ecba-default", title: "ECBA default: 90 学时 a calendar year, at least 2/3 professional", unit: "学时",
        conversions: ["学时": 1], period: .calendarYear, total: 90,
        categories: [
            Category(name: "professional", subjects: [.professional], minimum: .fraction(2.0 / 3.0)),
            Category(name: "public", subjects: [.public]),
        ]
    )

    /// A US state board in the NCEES model (Texas): 15 PDH a year, at least 1 in ethics, up to
    /// 14 carried over, never toward ethics. 1 学时 (45 minutes) = 0.75 PDH.
    public static let usPDH = CreditPolicy(
        name: "us-pdh", title: "US state board (Texas style): 15 PDH a year, 1 ethics, carry-over 14 not toward ethics", unit: "PDH",
        conversions: ["学时": 0.75, "PDH": 1, "contact-hour": 1, "CEU": 10, "semester-hour": 45, "quarter-hour": 30],
        period: .calendarYear, total: 15,
        categories: [
            Category(name: "ethics", keywords: ["ethic", "伦理", "职业道德"], minimum: .hours(1)),
            Category(name: "technical"),
        ],
        carryOver: CarryOver(maximum: 14, categories: ["technical"])
    )

    /// Engineers Australia: 150 hours over 3 years, at least 50 in the area of practice, 10 in
    /// risk management, 15 in business and management. 1 学时 (45 minutes) = 0.75 hours.
    public static let engineersAustralia = CreditPolicy(
        name: "engineers-australia", title: "Engineers Australia style: 150 h over 3 years, 50 practice, 10 risk, 15 management",
        unit: "hours", conversions: ["学时": 0.75, "hours": 1],
        period: .cycle(years: 3, anchor: CreditPolicy.day("2024-01-01") ?? .distantPast), total: 150,
        categories: [
            Category(name: "risk-management", keywords: ["risk", "风险", "safety", "安全"], minimum: .hours(10)),
            Category(name: "business-management", keywords: ["management", "管理", "project", "项目"], minimum: .hours(15)),
            Category(name: "area-of-practice", subjects: [.professional], minimum: .hours(50)),
        ]
    )
}
