import Domain
import Foundation
import GRDB

extension StoreTransaction {
    /// The publication new enrollments of `courseID` get, or nil when none is published.
    public func currentPublication(of courseID: String) throws -> (id: Int64, version: Int, submissionID: Int64)? {
        try Row.fetchOne(
            db,
            sql: "SELECT p.id, p.version, p.submission_id FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?",
            arguments: [courseID]
        ).map { ($0["id"], $0["version"], $0["submission_id"]) }
    }

    /// Records an approved submission's publication (not yet current): its id, course and version.
    public func insertPublication(submissionID: Int64) throws -> (id: Int64, courseID: String, version: Int) {
        guard let row = try Row.fetchOne(db, sql: "SELECT course_id, version FROM submission WHERE id = ?", arguments: [submissionID]) else {
            throw ServiceError(.notFound, "no submission \(submissionID)")
        }
        let courseID: String = row["course_id"]
        let version: Int = row["version"]
        try db.execute(
            sql: "INSERT INTO publication (course_id, version, submission_id, published_at) VALUES (?, ?, ?, ?)",
            arguments: [courseID, version, submissionID, stamp]
        )
        return (db.lastInsertedRowID, courseID, version)
    }

    /// Makes a publication the one new enrollments of its course get, in place of `replacing`;
    /// the search index follows (the replaced version's rows out, this one's in).
    public func makeCurrent(publicationID: Int64, submissionID: Int64, courseID: String, replacing: Int64?) throws {
        if let replacing { try unindex(publicationID: replacing) }
        try db.execute(sql: "UPDATE course SET current_publication_id = ? WHERE id = ?", arguments: [publicationID, courseID])
        try index(publicationID: publicationID, submissionID: submissionID)
    }

    /// Takes the course's current version out of the catalog: no new enrollments, not listed or
    /// found. Returns the retired version, or nil when nothing was published.
    public func retire(courseID: String, reason: String) throws -> Int? {
        guard let current = try currentPublication(of: courseID) else { return nil }
        let publicationID = current.id
        try db.execute(
            sql: "UPDATE publication SET retired_at = ?, retired_reason = ? WHERE id = ?",
            arguments: [stamp, reason, publicationID]
        )
        try db.execute(sql: "UPDATE course SET current_publication_id = NULL WHERE id = ?", arguments: [courseID])
        try unindex(publicationID: publicationID)
        return current.version
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
    /// Current publications matching the filter, by course id.
    public func catalog(_ filter: CatalogFilter = CatalogFilter()) throws(ServiceError) -> [CatalogSummary] {
        try read("listing the catalog") { db in
            let (clauses, arguments) = Self.whereClauses(filter)
            var sql = Self.summarySelect() + " WHERE " + (["1"] + clauses).joined(separator: " AND ") + " ORDER BY c.id"
            var all = arguments
            if filter.limit > 0 {
                sql += " LIMIT ?"
                all += [filter.limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: all).map(Self.summary(from:))
        }
    }

    /// How many matches of a tier are ranked: the newest ones. A tier with fewer matches is
    /// ranked in full; a very common word stops reading early instead of ranking every row.
    static let rankedPerTier = 200

    /// Ranked full-text search over current publications, or nil when the query holds nothing
    /// searchable (only punctuation or white space).
    ///
    /// Results come tier by tier (every word in the title; in the title or keywords; anywhere).
    /// Within a tier, among its `rankedPerTier` newest matches, the shorter the text the words
    /// were found in, the better (the words are more of what it is about), then the newest.
    /// The FTS index drives every statement, newest publication first, so a query stops reading
    /// as soon as it has enough rows. (bm25 would need each phrase's document frequency, which
    /// for a trigram phrase means reading its whole doclist: 50 ms for a common word at 50,000
    /// courses, see BENCHMARKS.md.)
    public func searchCatalog(_ text: String, filter: CatalogFilter = CatalogFilter()) throws(ServiceError) -> [CatalogSummary]? {
        let query = CatalogSearchIndex.query(text)
        guard !query.isEmpty else { return nil }
        return try read("searching the catalog") { db in
            let wanted = filter.limit > 0 ? filter.limit : Int.max
            var results: [CatalogSummary] = []
            var seen = Set<String>()
            let (clauses, filterArguments) = Self.whereClauses(filter)
            // The driving index holds the long terms when there are any; the other one filters.
            let (driver, driverTerms, other, otherTerms) = query.trigram.isEmpty
                ? ("catalog_fts_short", query.short, "catalog_fts", query.trigram)
                : ("catalog_fts", query.trigram, "catalog_fts_short", query.short)
            for tier in CatalogSearchIndex.Tier.allCases where results.count < wanted {
                var arguments: StatementArguments = [CatalogSearchIndex.Query.expression(driverTerms, tier: tier)]
                var conditions = ["\(driver) MATCH ?"]
                if !otherTerms.isEmpty {
                    // `+` keeps the IN list away from the driver's index: otherwise SQLite would
                    // re-run the driver's MATCH once per row of the other index.
                    conditions.append("+\(driver).rowid IN (SELECT rowid FROM \(other) WHERE \(other) MATCH ?)")
                    arguments += [CatalogSearchIndex.Query.expression(otherTerms, tier: tier)]
                }
                arguments += filterArguments
                var sql = """
                    SELECT c.id AS course_id, c.society_id, p.version, p.published_at, s.display_title, s.format, s.credit_hours,
                        s.category, s.languages, \(tier.lengthExpression(driver)) AS matched_length, '\(tier.label)' AS matched_in
                    FROM \(driver) CROSS JOIN publication p ON p.id = \(driver).rowid
                    JOIN course c ON c.id = p.course_id AND c.current_publication_id = p.id
                    JOIN submission s ON s.id = p.submission_id
                    WHERE \((conditions + clauses).joined(separator: " AND "))
                    ORDER BY \(driver).rowid DESC
                    """
                if wanted != Int.max {
                    sql += " LIMIT ?"
                    arguments += [max(Self.rankedPerTier, wanted) + seen.count]
                }
                let tierResults = try Row.fetchAll(db, sql: sql, arguments: arguments)
                    .map(Self.summary(from:))
                    .filter { !seen.contains($0.courseID) }
                    .enumerated()
                    .sorted { ($0.element.matchedLength, $0.offset) < ($1.element.matchedLength, $1.offset) }
                    .map(\.element)
                for result in tierResults.prefix(wanted - results.count) {
                    results.append(result)
                    seen.insert(result.courseID)
                }
            }
            return results
        }
    }

    /// A course's published version (the current one when `version` is nil), with its decision.
    public func catalogEntry(courseID: String, version: Int? = nil) throws(ServiceError) -> CatalogEntry? {
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
                throw ServiceError(.storage, "publication of \(courseID) is unreadable")
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
    public func catalogCount() throws(ServiceError) -> Int {
        try read("counting the catalog") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM course WHERE current_publication_id IS NOT NULL") ?? 0
        }
    }

    private static func summarySelect() -> String {
        """
        SELECT c.id AS course_id, c.society_id, p.version, p.published_at, s.display_title, s.format, s.credit_hours,
            s.category, s.languages, 0 AS matched_length, NULL AS matched_in
        FROM course c JOIN publication p ON p.id = c.current_publication_id JOIN submission s ON s.id = p.submission_id
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
            throw ServiceError(.storage, "catalog entry '\(row["course_id"] as String? ?? "?")' is unreadable")
        }
        let languages: String = row["languages"]
        return CatalogSummary(
            courseID: row["course_id"], version: row["version"], societyID: row["society_id"], title: row["display_title"],
            format: format, creditHours: row["credit_hours"],
            category: (row["category"] as String?).flatMap(SubjectCategory.init(rawValue:)),
            languages: languages.split(separator: ",").map(String.init), publishedAt: publishedAt, matchedIn: row["matched_in"],
            matchedLength: row["matched_length"]
        )
    }
}

extension AppDatabase {
    /// The baseline the catalog's indexes avoid: a LIKE over every current version's texts,
    /// every term a substring, counting the matches (a LIKE cannot rank, so it must see them
    /// all). Used only by the search benchmark, to compare in the same run.
    public func likeScanBaseline(_ query: String) throws(ServiceError) -> Int {
        try read("scanning the catalog") { db in
            let terms = query.split(whereSeparator: \.isWhitespace).map { "%\($0)%" }
            let clause = terms.map { _ in "EXISTS (SELECT 1 FROM submission_text x WHERE x.submission_id = p.submission_id AND x.value LIKE ?)" }
                .joined(separator: " AND ")
            let sql = "SELECT COUNT(*) FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE \(clause)"
            return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(terms)) ?? 0
        }
    }
}
