import Domain
import Foundation
import Storage

/// The catalog of published course versions: listing, full-text search, retirement.
public struct CatalogService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    /// Longest query accepted, in characters.
    public static let maximumQueryLength = 256

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    public func list(_ filter: CatalogFilter = CatalogFilter()) throws(ServiceError) -> [CatalogSummary] {
        try Self.validate(filter)
        return try database.catalog(filter)
    }

    /// Ranked search over titles, descriptions and keywords in every language; every term
    /// (split on white space) must match, as a substring for three or more characters.
    public func search(_ query: String, filter: CatalogFilter = CatalogFilter()) throws(ServiceError) -> [CatalogSummary] {
        try Self.validate(filter)
        let query = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { throw ServiceError(.invalidArgument, "give some text to search for") }
        guard query.count <= Self.maximumQueryLength else {
            throw ServiceError(.invalidArgument, "the query is longer than \(Self.maximumQueryLength) characters")
        }
        let found = try database.searchCatalog(query, filter: filter)
        guard let found else { throw ServiceError(.invalidArgument, "'\(query)' has no letters, digits or CJK characters to search for") }
        return found
    }

    /// The current version of a course, or a given version (current, superseded or retired).
    public func show(_ courseID: String, version: Int? = nil) throws(ServiceError) -> CatalogEntry {
        let entry = try database.reading("reading catalog entry \(courseID)", mayLag: true) { sql in
            try CatalogStore.entry(courseID: courseID, version: version, on: sql)
        }
        guard let entry else {
            let which = version.map { "version \($0) of " } ?? ""
            throw ServiceError(.notFound, "\(which)'\(courseID)' is not in the catalog", remedy: .browseCatalog)
        }
        return entry
    }

    /// Takes a course out of the catalog: no new enrollments; engineers already enrolled keep it.
    public func retire(_ courseID: String, reason: String, actor: String) throws(ServiceError) -> Int {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ServiceError(.invalidArgument, "retiring a course needs a reason", field: "reason") }
        return try database.perform(at: clock()) { tx in
            guard let version = try tx.retire(courseID: courseID, reason: reason) else {
                throw ServiceError(.notFound, "'\(courseID)' has no published version to retire")
            }
            try tx.audit(AuditRecord(actor: actor, action: "catalog.retire", subject: "course:\(courseID)", reason: reason, details: ["version": String(version)]))
            return version
        }
    }

    public func count() throws(ServiceError) -> Int {
        try database.catalogCount()
    }

    static func validate(_ filter: CatalogFilter) throws(ServiceError) {
        if let minimum = filter.minHours, let maximum = filter.maxHours, minimum > maximum {
            throw ServiceError(.invalidArgument, "the least credit hours asked for (\(minimum)) are above the most (\(maximum))", field: "min-hours")
        }
        guard filter.limit >= 0 else { throw ServiceError(.invalidArgument, "the limit must be 0 (no limit) or more", field: "limit") }
    }
}

/// What publishing an approved submission did.
public struct PublicationOutcome: Sendable, Equatable {
    public var courseID: String
    public var version: Int
    /// Whether new enrollments now get this version.
    public var isCurrent: Bool
    /// The version it replaced for new enrollments, if any.
    public var supersededVersion: Int?
}

extension CatalogService {
    /// Publishes an approved submission, inside the caller's transaction (the committee's
    /// decision). It becomes the course's current version unless a newer one already is (an
    /// older version approved late is published but does not replace it).
    public static func publish(submissionID: Int64, in tx: StoreTransaction) throws -> PublicationOutcome {
        let publication = try tx.insertPublication(submissionID: submissionID)
        let current = try tx.currentPublication(of: publication.courseID)
        if let current, current.version > publication.version {
            return PublicationOutcome(courseID: publication.courseID, version: publication.version, isCurrent: false, supersededVersion: nil)
        }
        try tx.makeCurrent(publicationID: publication.id, submissionID: submissionID, courseID: publication.courseID, replacing: current?.id)
        return PublicationOutcome(courseID: publication.courseID, version: publication.version, isCurrent: true, supersededVersion: current?.version)
    }
}
