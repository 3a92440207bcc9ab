import Catalog
import Domain
import Foundation
import Societies
import Storage
import Synchronization

/// A clock that moves one second forward on every reading, so every event has its own time.
final class SteppingClock: Sendable {
    private let seconds = Mutex<Double>(1_800_000_000)

    var now: @Sendable () -> Date {
        { [self] in seconds.withLock { value in value += 1; return Date(timeIntervalSince1970: value) } }
    }

    /// The time the next reading will return.
    var next: Date { seconds.withLock { Date(timeIntervalSince1970: $0 + 1) } }
}

/// A temporary database with every catalog service on one stepping clock, and helpers that
/// create submissions through the importer's own storage path.
final class CatalogWorld {
    let store: TemporaryDatabase
    let clock = SteppingClock()
    let societies: SocietyService
    let committee: CommitteeService
    let reviews: ReviewService
    let catalog: CatalogService
    let audit: AuditService

    init(societies ids: [String] = ["cces"], on kind: TemporaryDatabase.Kind = .suite) throws {
        store = try TemporaryDatabase(kind)
        societies = SocietyService(database: store.database, clock: clock.now)
        committee = CommitteeService(database: store.database, clock: clock.now)
        reviews = ReviewService(database: store.database, clock: clock.now)
        catalog = CatalogService(database: store.database, clock: clock.now)
        audit = AuditService(database: store.database)
        for id in ids {
            _ = try societies.add(id: id, name: "Society \(id)", kind: .national)
            _ = try societies.authorize(id: id)
        }
    }

    /// Appoints members `m1`...`mN`.
    @discardableResult
    func appoint(_ count: Int, from first: Int = 1) throws -> [String] {
        try (first..<(first + count)).map { index in
            let id = "m\(index)"
            _ = try committee.addMember(id: id, name: "委员 \(index)", actor: "secretariat")
            return id
        }
    }

    /// Stores `package` as a pending submission of `society`; returns its number.
    func submit(_ package: CoursePackage, society: String = "cces") throws -> Int64 {
        let outcome = try store.database.insertSubmission(package, societyID: society, source: "test", diagnostics: [], at: clock.now())
        guard case .created(let submission) = outcome else { throw ServiceError(.conflict, "not created: \(outcome)") }
        return submission.id
    }

    /// Every serving member approves; returns the last outcome.
    @discardableResult
    func approveByAll(_ submission: Int64) throws -> ReviewOutcome? {
        var last: ReviewOutcome?
        for member in try committee.members() {
            last = try reviews.vote(submission, memberID: member.id, choice: .approve, comment: "同意")
            if last?.decision != nil { break }
        }
        return last
    }

    /// Submits and publishes a course in one go.
    @discardableResult
    func publish(_ package: CoursePackage, society: String = "cces") throws -> Int64 {
        let id = try submit(package, society: society)
        try approveByAll(id)
        return id
    }
}

/// A small package with the given texts; `hash` tells versions apart.
func samplePackage(
    _ identifier: String,
    titles: [LocalizedText],
    descriptions: [LocalizedText] = [],
    keywords: [LocalizedText] = [],
    hours: Double? = 4,
    category: SubjectCategory? = .professional,
    format: PackageFormat = .ecba,
    activities: [Activity]? = nil,
    hash: String? = nil
) -> CoursePackage {
    CoursePackage(
        identifier: identifier, format: format, formatVersion: "1.0", titles: titles, descriptions: descriptions, keywords: keywords,
        activities: activities ?? [Activity(identifier: "l1", title: "第一讲", kind: .webcontent, launchURL: "l1.html")],
        creditHours: hours, category: category, developingSociety: "cces", licence: "CC BY 4.0",
        languages: Array(Set(titles.map(\.language))).sorted(), contentHash: hash ?? "hash-\(identifier)",
        manifestPath: "ecba-course.xml", hasSidecar: false
    )
}
