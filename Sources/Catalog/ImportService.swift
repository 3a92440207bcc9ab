import CoursePackages
import Domain
import Foundation
import Storage

/// What happened to one package of an import batch.
public struct ImportOutcome: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Recorded as a new pending submission.
        case submitted
        /// Same content as an earlier submission of the course: nothing changed.
        case unchanged
        /// Refused: see the error diagnostics. Nothing was stored.
        case rejected
    }

    public var source: String
    public var status: Status
    public var submissionID: Int64?
    public var courseID: String?
    public var version: Int?
    public var package: CoursePackage?
    public var diagnostics: [Diagnostic]
}

/// Turns course packages into submissions for the committee's review.
public struct ImportService: Sendable {
    let database: AppDatabase
    let societies: SocietyService
    let reader: PackageReader
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, reader: PackageReader = PackageReader(), clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.societies = SocietyService(database: database, clock: clock)
        self.reader = reader
        self.clock = clock
    }

    /// Imports each package for `societyID`. Only an authorised society may submit (Art. 16-17).
    /// A rejected package stores nothing and does not stop the others; `progress` is told of
    /// each outcome as it happens.
    public func importPackages(
        _ paths: [String],
        societyID: String,
        overrides: PackageOverrides = PackageOverrides(),
        progress: (Int, ImportOutcome) -> Void = { _, _ in }
    ) throws(ServiceError) -> [ImportOutcome] {
        let society = try societies.require(societyID)
        guard society.status == .authorized else {
            throw ServiceError(.notAuthorized, "society '\(societyID)' is \(society.status.rawValue), not authorised to submit courses")
        }
        var outcomes: [ImportOutcome] = []
        // Packages are read in parallel, a batch at a time, and stored one by one in order, so
        // progress is reported as work completes and memory stays bounded.
        var start = 0
        while start < paths.count {
            let batch = Array(paths[start..<min(start + Self.batchSize, paths.count)])
            for result in reader.read(batch, overrides: overrides) {
                let outcome = try store(result, societyID: societyID)
                progress(outcomes.count, outcome)
                outcomes.append(outcome)
            }
            start += batch.count
        }
        return outcomes
    }

    /// How many packages are read at once.
    static let batchSize = 32

    private func store(_ result: PackageReadResult, societyID: String) throws(ServiceError) -> ImportOutcome {
        let path = result.source
        guard let package = result.package, result.isAccepted else {
            return ImportOutcome(source: path, status: .rejected, package: nil, diagnostics: result.diagnostics)
        }
        let stored: SubmissionInsertOutcome
        do {
            stored = try database.insertSubmission(package, societyID: societyID, source: path, diagnostics: result.diagnostics, at: clock())
        } catch {
            throw ServiceError(error)
        }
        switch stored {
        case .created(let submission):
            return ImportOutcome(source: path, status: .submitted, submissionID: submission.id, courseID: submission.courseID,
                                 version: submission.version, package: package, diagnostics: result.diagnostics)
        case .unchanged(let existingID, let courseID, let version):
            return ImportOutcome(source: path, status: .unchanged, submissionID: existingID, courseID: courseID,
                                 version: version, package: package, diagnostics: result.diagnostics)
        }
    }

    /// Submissions, newest first.
    public func submissions(status: SubmissionStatus? = nil) throws(ServiceError) -> [Submission] {
        do {
            return try database.submissions(status: status)
        } catch {
            throw ServiceError(error)
        }
    }

    public func submission(id: Int64) throws(ServiceError) -> Submission {
        let found: Submission?
        do {
            found = try database.submission(id: id)
        } catch {
            throw ServiceError(error)
        }
        guard let found else { throw ServiceError(.notFound, "no submission \(id)") }
        return found
    }
}
