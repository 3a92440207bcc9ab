import Domain
import Foundation
import Storage

/// How far an enrollment is: its required activities, done or not.
public struct ProgressSummary: Codable, Sendable, Equatable {
    public var enrollmentID: Int64
    public var courseID: String
    public var required: Int
    public var done: [String]
    public var outstanding: [String]
}

extension ProgressService {
    /// Progress of each of the engineer's enrollments, in the order of `enrollments`.
    public func summaries(of enrollments: [Enrollment]) throws(ServiceError) -> [ProgressSummary] {
        var result: [ProgressSummary] = []
        for enrollment in enrollments {
            let submission = try database.submission(id: enrollment.submissionID)
            guard let package = submission?.package else { continue }
            let states = try database.reading("reading progress of enrollment \(enrollment.id)") { sql in
                try ProgressStore.activityStates(enrollmentID: enrollment.id, on: sql)
            }
            let required = CompletionRule.requiredActivities(package)
            let done = required.filter { CompletionRule.isSatisfied($0, format: package.format, state: states[$0.identifier] ?? ActivityState()) }
            let doneIDs = Set(done.map(\.identifier))
            result.append(ProgressSummary(
                enrollmentID: enrollment.id, courseID: enrollment.courseID, required: required.count,
                done: done.map(\.identifier), outstanding: required.map(\.identifier).filter { !doneIDs.contains($0) }
            ))
        }
        return result
    }
}
