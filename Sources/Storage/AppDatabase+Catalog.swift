import Domain
import Foundation
import GRDB

/// What publishing an approved submission did.
public struct PublicationOutcome: Sendable, Equatable {
    public var courseID: String
    public var version: Int
    /// Whether new enrollments now get this version.
    public var isCurrent: Bool
    /// The version it replaced for new enrollments, if any.
    public var supersededVersion: Int?
}

extension StoreTransaction {
    /// The version new enrollments of `courseID` get, or nil when none is published.
    public func currentVersion(of courseID: String) throws -> (version: Int, submissionID: Int64)? {
        try Row.fetchOne(
            db,
            sql: "SELECT p.version, p.submission_id FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?",
            arguments: [courseID]
        ).map { ($0["version"], $0["submission_id"]) }
    }

    /// Publishes an approved submission. It becomes the course's current version unless a newer
    /// one is already current; the search index follows the current version.
    public func publish(submissionID: Int64) throws -> PublicationOutcome {
        guard let row = try Row.fetchOne(db, sql: "SELECT course_id, version FROM submission WHERE id = ?", arguments: [submissionID]) else {
            throw StorageError(.notFound, "no submission \(submissionID)")
        }
        let courseID: String = row["course_id"]
        let version: Int = row["version"]
        try db.execute(
            sql: "INSERT INTO publication (course_id, version, submission_id, published_at) VALUES (?, ?, ?, ?)",
            arguments: [courseID, version, submissionID, now.iso8601]
        )
        let publicationID = db.lastInsertedRowID
        let current = try Row.fetchOne(
            db,
            sql: "SELECT p.id, p.version FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?",
            arguments: [courseID]
        )
        if let current, (current["version"] as Int) > version {
            return PublicationOutcome(courseID: courseID, version: version, isCurrent: false, supersededVersion: nil)
        }
        if let current { try unindex(publicationID: current["id"]) }
        try db.execute(sql: "UPDATE course SET current_publication_id = ? WHERE id = ?", arguments: [publicationID, courseID])
        try index(publicationID: publicationID, submissionID: submissionID)
        return PublicationOutcome(courseID: courseID, version: version, isCurrent: true, supersededVersion: current?["version"])
    }

    /// Takes the course's current version out of the catalog: no new enrollments, not listed or
    /// found. Returns the retired version, or nil when nothing was published.
    public func retire(courseID: String, reason: String) throws -> Int? {
        guard let current = try Row.fetchOne(
            db,
            sql: "SELECT p.id, p.version FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?",
            arguments: [courseID]
        ) else { return nil }
        let publicationID: Int64 = current["id"]
        try db.execute(
            sql: "UPDATE publication SET retired_at = ?, retired_reason = ? WHERE id = ?",
            arguments: [now.iso8601, reason, publicationID]
        )
        try db.execute(sql: "UPDATE course SET current_publication_id = NULL WHERE id = ?", arguments: [courseID])
        try unindex(publicationID: publicationID)
        return current["version"]
    }

    private func index(publicationID: Int64, submissionID: Int64) throws {
        var columns: [String: [String]] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT kind, value FROM submission_text WHERE submission_id = ? ORDER BY kind, position", arguments: [submissionID]
        ) {
            columns[row["kind"], default: []].append(row["value"])
        }
        let title = (columns["title"] ?? []).joined(separator: "\n")
        let description = (columns["description"] ?? []).joined(separator: "\n")
        let keywords = (columns["keyword"] ?? []).joined(separator: "\n")
        try db.cachedStatement(sql: "INSERT INTO catalog_fts (rowid, title, description, keywords) VALUES (?, ?, ?, ?)").execute(
            arguments: [publicationID, title, description, keywords]
        )
        try db.cachedStatement(sql: "INSERT INTO catalog_fts_short (rowid, title, description, keywords) VALUES (?, ?, ?, ?)").execute(
            arguments: [
                publicationID, CatalogSearchIndex.shortTerms(of: title), CatalogSearchIndex.shortTerms(of: description),
                CatalogSearchIndex.shortTerms(of: keywords),
            ]
        )
    }

    private func unindex(publicationID: Int64) throws {
        try db.execute(sql: "DELETE FROM catalog_fts WHERE rowid = ?", arguments: [publicationID])
        try db.execute(sql: "DELETE FROM catalog_fts_short WHERE rowid = ?", arguments: [publicationID])
    }
}

extension AppDatabase {
    /// Column weights for bm25: a hit in a title counts most, then keywords, then descriptions.
    static let searchWeights = "10.0, 2.0, 5.0"

    /// Current publications matching the filter, by course id.
    public func catalog(_ filter: CatalogFilter = CatalogFilter()) throws(StorageError) -> [CatalogSummary] {
        try read("listing the catalog") { db in
            let (clauses, arguments) = Self.whereClauses(filter)
            var sql = Self.summarySelect(score: "NULL") + " WHERE " + (["1"] + clauses).joined(separator: " AND ") + " ORDER BY c.id"
            var all = arguments
            if filter.limit > 0 {
                sql += " LIMIT ?"
                all += [filter.limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: all).map(Self.summary(from:))
        }
    }

    /// Ranked full-text search over current publications. Returns nil when the query holds
    /// nothing searchable (only punctuation or white space).
    public func searchCatalog(_ query: String, filter: CatalogFilter = CatalogFilter()) throws(StorageError) -> [CatalogSummary]? {
        let match = CatalogSearchIndex.matchExpressions(for: query)
        guard match.trigram != nil || match.short != nil else { return nil }
        return try read("searching the catalog") { db in
            var joins = ""
            var scores: [String] = []
            var arguments: StatementArguments = []
            if let trigram = match.trigram {
                joins += " JOIN (SELECT rowid, bm25(catalog_fts, \(Self.searchWeights)) AS score FROM catalog_fts WHERE catalog_fts MATCH ?) t ON t.rowid = p.id"
                scores.append("t.score")
                arguments += [trigram]
            }
            if let short = match.short {
                joins += " JOIN (SELECT rowid, bm25(catalog_fts_short, \(Self.searchWeights)) AS score FROM catalog_fts_short WHERE catalog_fts_short MATCH ?) u ON u.rowid = p.id"
                scores.append("u.score")
                arguments += [short]
            }
            let score = scores.joined(separator: " + ")
            let (clauses, filterArguments) = Self.whereClauses(filter)
            arguments += filterArguments
            var sql = Self.summarySelect(score: score, joins: joins) + " WHERE " + (["1"] + clauses).joined(separator: " AND ")
                + " ORDER BY \(score), c.id"
            if filter.limit > 0 {
                sql += " LIMIT ?"
                arguments += [filter.limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.summary(from:))
        }
    }

    /// A course's published version (the current one when `version` is nil), with its decision.
    public func catalogEntry(courseID: String, version: Int? = nil) throws(StorageError) -> CatalogEntry? {
        try read("reading catalog entry \(courseID)") { db in
            let row: Row?
            if let version {
                row = try Row.fetchOne(
                    db,
                    sql: "SELECT p.*, c.current_publication_id FROM publication p JOIN course c ON c.id = p.course_id WHERE p.course_id = ? AND p.version = ?",
                    arguments: [courseID, version]
                )
            } else {
                row = try Row.fetchOne(
                    db,
                    sql: "SELECT p.*, c.current_publication_id FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?",
                    arguments: [courseID]
                )
            }
            guard let row else { return nil }
            let submissionID: Int64 = row["submission_id"]
            guard let submission = try Self.submission(id: submissionID, db: db), let publishedAt = Date(iso8601: row["published_at"]) else {
                throw StorageError(.invalidData, "publication of \(courseID) is unreadable")
            }
            return CatalogEntry(
                courseID: courseID, version: row["version"], publishedAt: publishedAt,
                retiredAt: (row["retired_at"] as String?).flatMap(Date.init(iso8601:)), retiredReason: row["retired_reason"],
                isCurrent: (row["current_publication_id"] as Int64?) == (row["id"] as Int64),
                submission: submission, decision: try Self.review(of: submissionID, db: db)?.decision
            )
        }
    }

    /// How many course versions are currently published.
    public func catalogCount() throws(StorageError) -> Int {
        try read("counting the catalog") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM course WHERE current_publication_id IS NOT NULL") ?? 0
        }
    }

    private static func summarySelect(score: String, joins: String = "") -> String {
        """
        SELECT c.id AS course_id, c.society_id, p.version, p.published_at, s.display_title, s.format, s.credit_hours,
            s.category, s.languages, \(score) AS score
        FROM course c JOIN publication p ON p.id = c.current_publication_id JOIN submission s ON s.id = p.submission_id\(joins)
        """
    }

    private static func whereClauses(_ filter: CatalogFilter) -> ([String], StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        func add(_ clause: String, _ value: (any DatabaseValueConvertible & Sendable)?) {
            guard let value else { return }
            clauses.append(clause)
            arguments += [value]
        }
        add("c.society_id = ?", filter.societyID)
        add("s.category = ?", filter.category?.rawValue)
        add("s.credit_hours >= ?", filter.minHours)
        add("s.credit_hours <= ?", filter.maxHours)
        add("s.format = ?", filter.format?.rawValue)
        if let language = filter.language {
            // `zh` matches zh, zh-CN, zh-Hans...; the package's declared languages or its texts' tags.
            clauses.append("""
                (EXISTS (SELECT 1 FROM submission_text x WHERE x.submission_id = s.id AND (lower(x.language) = lower(?) OR lower(x.language) LIKE lower(?) || '-%'))
                 OR ',' || lower(s.languages) || ',' LIKE '%,' || lower(?) || ',%' OR ',' || lower(s.languages) || ',' LIKE '%,' || lower(?) || '-%')
                """)
            arguments += [language, language, language, language]
        }
        return (clauses, arguments)
    }

    private static func summary(from row: Row) throws -> CatalogSummary {
        guard let format = PackageFormat(rawValue: row["format"]), let publishedAt = Date(iso8601: row["published_at"]) else {
            throw StorageError(.invalidData, "catalog entry '\(row["course_id"] as String? ?? "?")' is unreadable")
        }
        let languages: String = row["languages"]
        return CatalogSummary(
            courseID: row["course_id"], version: row["version"], societyID: row["society_id"], title: row["display_title"],
            format: format, creditHours: row["credit_hours"],
            category: (row["category"] as String?).flatMap(SubjectCategory.init(rawValue:)),
            languages: languages.split(separator: ",").map(String.init), publishedAt: publishedAt, score: row["score"]
        )
    }
}
