import ContentLibrary
import ContentStore
import CoursePackages
import Domain
import Foundation
import Societies
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
    /// Where every file of every package is kept; nil: `<database>.content`.
    let contentRoot: String?
    let clock: @Sendable () -> Date

    public init(
        database: AppDatabase,
        contentRoot: String? = nil,
        reader: PackageReader = PackageReader(),
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.database = database
        self.societies = SocietyService(database: database, clock: clock)
        self.reader = reader
        self.contentRoot = contentRoot
        self.clock = clock
    }

    /// Imports each package for `societyID`. Only an authorised society may submit (Art. 16-17).
    /// A rejected package stores nothing and does not stop the others; `progress` is told of
    /// each outcome as it happens.
    public func importPackages(
        _ paths: [String],
        societyID: String,
        actor: String,
        overrides: PackageOverrides = PackageOverrides(),
        progress: (Int, ImportOutcome) -> Void = { _, _ in }
    ) throws(ServiceError) -> [ImportOutcome] {
        let society = try societies.require(societyID)
        guard society.status == .authorized else {
            throw ServiceError(.notAuthorized, "society '\(societyID)' is \(society.status.rawValue), not authorised to submit courses")
        }
        let store: ContentStore
        do {
            store = try ContentService.openStore(root: contentRoot, database: database)
        } catch {
            throw ServiceError(.storage, "cannot open the content store: \(error.message)")
        }
        var reader = self.reader
        reader.store = store
        var outcomes: [ImportOutcome] = []
        // Packages are read on worker threads (their files written into the store as they are
        // read) while this thread stores what is read; each batch (whatever was read meanwhile)
        // is flushed to disk, then its rows (submissions and file lists) stored in one
        // transaction and reported, in order, once committed. A package rejected after its files
        // were written leaves only objects nothing references, which `content gc` removes.
        try reader.forEachBatch(of: paths, overrides: overrides) { (batch) throws(ServiceError) in
            let accepted = batch.filter(\.isAccepted)
            let drafts = accepted.compactMap { result in
                result.package.map { SubmissionDraft(package: $0, source: result.source, diagnostics: result.diagnostics) }
            }
            let files = accepted.map(\.files)
            var stored: [SubmissionInsertOutcome]
            do throws(ContentStoreError) {
                if !drafts.isEmpty { try store.syncToDisk() }
            } catch {
                throw ServiceError(.storage, "cannot flush the content store: \(error.message)")
            }
            stored = drafts.isEmpty ? [] : try database.perform(at: clock()) { transaction in
                let outcomes = try transaction.insertSubmissions(drafts, societyID: societyID)
                for (outcome, list) in zip(outcomes, files) {
                    try SubmissionFileStore.record(list, submissionID: outcome.submissionID, on: transaction.sql)
                }
                // Each new submission is audited with it; content already submitted changed nothing.
                for (outcome, draft) in zip(outcomes, drafts) {
                    guard case .created(let submission) = outcome else { continue }
                    try transaction.audit(AuditRecord(
                        actor: actor, action: "submission.import", subject: "submission:\(submission.id)",
                        details: ["society": societyID, "course": submission.courseID, "version": String(submission.version),
                                  "format": draft.package.format.rawValue, "source": draft.source, "contentHash": draft.package.contentHash]
                    ))
                }
                return outcomes
            }
            stored.reverse()
            for result in batch {
                let outcome: ImportOutcome
                if result.isAccepted, let package = result.package, let insert = stored.popLast() {
                    outcome = Self.outcome(insert, package: package, result: result)
                } else {
                    outcome = ImportOutcome(source: result.source, status: .rejected, package: nil, diagnostics: result.diagnostics)
                }
                progress(outcomes.count, outcome)
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    private static func outcome(_ stored: SubmissionInsertOutcome, package: CoursePackage, result: PackageReadResult) -> ImportOutcome {
        switch stored {
        case .created(let submission):
            ImportOutcome(source: result.source, status: .submitted, submissionID: submission.id, courseID: submission.courseID,
                          version: submission.version, package: package, diagnostics: result.diagnostics)
        case .unchanged(let existingID, let courseID, let version):
            ImportOutcome(source: result.source, status: .unchanged, submissionID: existingID, courseID: courseID,
                          version: version, package: package, diagnostics: result.diagnostics)
        }
    }

    /// Submissions, newest first.
    public func submissions(status: SubmissionStatus? = nil) throws(ServiceError) -> [Submission] {
        try database.submissions(status: status)
    }

    public func submission(id: Int64) throws(ServiceError) -> Submission {
        guard let found = try database.submission(id: id) else { throw ServiceError(.notFound, "no submission \(id)") }
        return found
    }
}
