import Foundation

/// A professional engineer member (专业工程师会员) who enrolls and earns credits.
public struct Engineer: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Also how xAPI `mbox` actors are matched to the engineer; unique when set.
    public var email: String?
    /// A national registration number (e.g. 注册工程师证书编号), when known.
    public var registrationNumber: String?

    public init(id: String, name: String, email: String? = nil, registrationNumber: String? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.registrationNumber = registrationNumber
    }
}

/// An engineer's membership of a society, under the society's own member number.
public struct SocietyMembership: Codable, Sendable, Equatable {
    public var engineerID: String
    public var societyID: String
    public var memberNumber: String
    public var since: Date

    public init(engineerID: String, societyID: String, memberNumber: String, since: Date) {
        self.engineerID = engineerID
        self.societyID = societyID
        self.memberNumber = memberNumber
        self.since = since
    }
}

public enum EnrollmentStatus: String, Codable, Sendable, CaseIterable {
    case active
    case completed
    case withdrawn
}

/// An engineer's enrollment in one published version of a course.
public struct Enrollment: Codable, Sendable, Equatable {
    public var id: Int64
    public var engineerID: String
    public var courseID: String
    /// The version enrolled in; later versions do not change it.
    public var version: Int
    public var submissionID: Int64
    /// The xAPI `context.registration` of everything the engineer does in this enrollment.
    public var registration: UUID
    public var status: EnrollmentStatus
    public var enrolledAt: Date
    public var endedAt: Date?

    public init(
        id: Int64, engineerID: String, courseID: String, version: Int, submissionID: Int64, registration: UUID,
        status: EnrollmentStatus, enrolledAt: Date, endedAt: Date?
    ) {
        self.id = id
        self.engineerID = engineerID
        self.courseID = courseID
        self.version = version
        self.submissionID = submissionID
        self.registration = registration
        self.status = status
        self.enrolledAt = enrolledAt
        self.endedAt = endedAt
    }
}
