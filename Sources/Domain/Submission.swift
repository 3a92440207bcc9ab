import Foundation

/// Where a submission stands in the committee's review.
public enum SubmissionStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case approved
    case rejected
}

/// One imported version of a course, awaiting or past review.
public struct Submission: Codable, Sendable, Equatable {
    public var id: Int64
    /// The course this is a version of: `SOCIETY/IDENTIFIER`.
    public var courseID: String
    public var societyID: String
    /// 1 for the first version of a course, then 2, 3...
    public var version: Int
    public var status: SubmissionStatus
    public var submittedAt: Date
    /// Where the package was imported from, as the user named it.
    public var source: String
    public var package: CoursePackage
    /// Warnings found on import (a stored submission never has errors).
    public var diagnostics: [Diagnostic]

    public init(
        id: Int64,
        courseID: String,
        societyID: String,
        version: Int,
        status: SubmissionStatus,
        submittedAt: Date,
        source: String,
        package: CoursePackage,
        diagnostics: [Diagnostic]
    ) {
        self.id = id
        self.courseID = courseID
        self.societyID = societyID
        self.version = version
        self.status = status
        self.submittedAt = submittedAt
        self.source = source
        self.package = package
        self.diagnostics = diagnostics
    }
}
