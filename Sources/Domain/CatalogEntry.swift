import Foundation

/// A published course version as the catalog lists it.
public struct CatalogSummary: Codable, Sendable, Equatable {
    public var courseID: String
    public var version: Int
    public var societyID: String
    public var title: String
    public var format: PackageFormat
    public var creditHours: Double?
    public var category: SubjectCategory?
    public var languages: [String]
    public var publishedAt: Date
    /// In search results, where the words matched: `title`, `title-or-keywords` or `anywhere`
    /// (results come in that order); nil outside search results.
    public var matchedIn: String?
    /// In search results, the length of the text the words matched in (shorter ranks first
    /// within a tier); 0 outside search results.
    public var matchedLength: Int

    public init(
        courseID: String, version: Int, societyID: String, title: String, format: PackageFormat, creditHours: Double?,
        category: SubjectCategory?, languages: [String], publishedAt: Date, matchedIn: String? = nil, matchedLength: Int = 0
    ) {
        self.courseID = courseID
        self.version = version
        self.societyID = societyID
        self.title = title
        self.format = format
        self.creditHours = creditHours
        self.category = category
        self.languages = languages
        self.publishedAt = publishedAt
        self.matchedIn = matchedIn
        self.matchedLength = matchedLength
    }
}

/// One published version with everything `catalog show` prints.
public struct CatalogEntry: Codable, Sendable, Equatable {
    public var courseID: String
    public var version: Int
    public var publishedAt: Date
    /// Set when the course was retired from the catalog.
    public var retiredAt: Date?
    public var retiredReason: String?
    /// Whether new enrollments get this version (the newest published, not retired).
    public var isCurrent: Bool
    public var submission: Submission
    public var decision: ReviewDecision?

    public init(
        courseID: String, version: Int, publishedAt: Date, retiredAt: Date?, retiredReason: String?, isCurrent: Bool,
        submission: Submission, decision: ReviewDecision?
    ) {
        self.courseID = courseID
        self.version = version
        self.publishedAt = publishedAt
        self.retiredAt = retiredAt
        self.retiredReason = retiredReason
        self.isCurrent = isCurrent
        self.submission = submission
        self.decision = decision
    }
}

/// Filters of `catalog search` and `catalog list`; nil means any.
public struct CatalogFilter: Sendable, Equatable {
    public var societyID: String?
    public var category: SubjectCategory?
    public var minHours: Double?
    public var maxHours: Double?
    public var format: PackageFormat?
    /// A BCP 47 tag; `zh` also matches `zh-CN`.
    public var language: String?
    public var limit: Int

    public init(
        societyID: String? = nil, category: SubjectCategory? = nil, minHours: Double? = nil, maxHours: Double? = nil,
        format: PackageFormat? = nil, language: String? = nil, limit: Int = 20
    ) {
        self.societyID = societyID
        self.category = category
        self.minHours = minHours
        self.maxHours = maxHours
        self.format = format
        self.language = language
        self.limit = limit
    }
}
