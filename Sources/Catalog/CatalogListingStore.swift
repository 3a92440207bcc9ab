import Domain
import Foundation
import Storage

/// Publications (`course`, `publication`): which approved version of a course is current, and
/// retirement, beside `ReviewService` and `CatalogService`, which own when a version becomes
/// current. The search index follows each change in the same transaction.
extension StoreTransaction {
    /// The publication new enrollments of `courseID` get, or nil when none is published.
    public func currentPublication(of courseID: String) throws -> (id: Int64, version: Int, submissionID: Int64)? {
        guard let row = try sql.firstRow(
            "SELECT p.id, p.version, p.submission_id FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?",
            [.text(courseID)]
        ), let id = row.int64(0), let version = row.int64(1), let submissionID = row.int64(2) else { return nil }
        return (id, Int(version), submissionID)
    }

    /// Records an approved submission's publication (not yet current): its id, course and version.
    func insertPublication(submissionID: Int64) throws -> (id: Int64, courseID: String, version: Int) {
        guard let row = try sql.firstRow("SELECT course_id, version FROM submission WHERE id = ?", [.integer(submissionID)]),
              let courseID = row.text(0), let version = row.int64(1) else {
            throw ServiceError(.notFound, "no submission \(submissionID)")
        }
        guard let id = try sql.firstRow(
            "INSERT INTO publication (course_id, version, submission_id, published_at) VALUES (?, ?, ?, ?) RETURNING id",
            [.text(courseID), .integer(version), .integer(submissionID), .text(stamp)]
        )?.int64(0) else {
            throw ServiceError(.storage, "the publication of submission \(submissionID) has no id")
        }
        return (id, courseID, Int(version))
    }

    /// Makes a publication the one new enrollments of its course get, in place of `replacing`;
    /// the search index follows (the replaced version's rows out, this one's in).
    func makeCurrent(publicationID: Int64, submissionID: Int64, courseID: String, replacing: Int64?) throws {
        if let replacing { try CatalogSearchIndex.remove(publicationID: replacing, on: sql) }
        try sql.execute("UPDATE course SET current_publication_id = ? WHERE id = ?", [.integer(publicationID), .text(courseID)])
        try CatalogSearchIndex.add(publicationID: publicationID, submissionID: submissionID, on: sql)
    }

    /// Takes the course's current version out of the catalog: no new enrollments, not listed or
    /// found. Returns the retired version, or nil when nothing was published.
    func retire(courseID: String, reason: String) throws -> Int? {
        guard let current = try currentPublication(of: courseID) else { return nil }
        try sql.execute("UPDATE publication SET retired_at = ?, retired_reason = ? WHERE id = ?", [.text(stamp), .text(reason), .integer(current.id)])
        try sql.execute("UPDATE course SET current_publication_id = NULL WHERE id = ?", [.text(courseID)])
        try CatalogSearchIndex.remove(publicationID: current.id, on: sql)
        return current.version
    }
}

/// The catalog as engineers browse it: current publications listed by filter and searched by
/// text (through the search index the storage kernel maintains), for `CatalogService`.
extension AppDatabase {
    /// Current publications matching the filter, by course id.
    public func catalog(_ filter: CatalogFilter = CatalogFilter()) throws(ServiceError) -> [CatalogSummary] {
        try reading("listing the catalog", mayLag: true) { sql in
            let (clauses, arguments) = Self.whereClauses(filter)
            var text = Self.summarySelect() + " WHERE " + (["1 = 1"] + clauses).joined(separator: " AND ") + " ORDER BY c.id"
            var all = arguments
            if filter.limit > 0 {
                text += " LIMIT ?"
                all.append(.integer(Int64(filter.limit)))
            }
            return try sql.rows(text, all).map(Self.summary(from:))
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
        return try reading("searching the catalog", mayLag: true) { sql in
            let wanted = filter.limit > 0 ? filter.limit : Int.max
            var results: [CatalogSummary] = []
            var seen = Set<String>()
            let (clauses, filterArguments) = Self.whereClauses(filter)
            for tier in CatalogSearchIndex.Tier.allCases where results.count < wanted {
                let match = CatalogSearchIndex.match(query, tier: tier, dialect: sql.dialect)
                var arguments = match.arguments + filterArguments
                var text = """
                    SELECT c.id AS course_id, c.society_id, p.version, p.published_at, s.display_title, s.format, s.credit_hours,
                        s.category, s.languages, \(match.length) AS matched_length, '\(tier.label)' AS matched_in
                    FROM \(match.source)
                    JOIN course c ON c.id = p.course_id AND c.current_publication_id = p.id
                    JOIN submission s ON s.id = p.submission_id
                    WHERE \((match.conditions + clauses).joined(separator: " AND "))
                    ORDER BY \(match.order)
                    """
                if wanted != Int.max {
                    text += " LIMIT ?"
                    arguments.append(.integer(Int64(max(Self.rankedPerTier, wanted) + seen.count)))
                }
                let tierResults = try sql.rows(text, arguments)
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


    /// How many course versions are currently published.
    public func catalogCount() throws(ServiceError) -> Int {
        try reading("counting the catalog", mayLag: true) { sql in
            Int(try sql.firstRow("SELECT count(*) FROM course WHERE current_publication_id IS NOT NULL")?.int64(0) ?? 0)
        }
    }

    private static func summarySelect() -> String {
        """
        SELECT c.id AS course_id, c.society_id, p.version, p.published_at, s.display_title, s.format, s.credit_hours,
            s.category, s.languages, 0 AS matched_length, NULL AS matched_in
        FROM course c JOIN publication p ON p.id = c.current_publication_id JOIN submission s ON s.id = p.submission_id
        """
    }

    private static func whereClauses(_ filter: CatalogFilter) -> ([String], [SQLValue]) {
        var clauses: [String] = []
        var arguments: [SQLValue] = []
        func add(_ clause: String, _ value: SQLValue?) {
            guard let value else { return }
            clauses.append(clause)
            arguments.append(value)
        }
        add("c.society_id = ?", filter.societyID.map(SQLValue.text))
        add("s.category = ?", filter.category.map { .text($0.rawValue) })
        add("s.credit_hours >= ?", filter.minHours.map(SQLValue.real))
        add("s.credit_hours <= ?", filter.maxHours.map(SQLValue.real))
        add("s.format = ?", filter.format.map { .text($0.rawValue) })
        if let language = filter.language {
            // `zh` matches zh, zh-CN, zh-Hans...; the package's declared languages or its texts' tags.
            clauses.append("""
                (EXISTS (SELECT 1 FROM submission_text x WHERE x.submission_id = s.id AND (lower(x.language) = lower(?) OR lower(x.language) LIKE lower(?) || '-%'))
                 OR ',' || lower(s.languages) || ',' LIKE '%,' || lower(?) || ',%' OR ',' || lower(s.languages) || ',' LIKE '%,' || lower(?) || '-%')
                """)
            arguments += Array(repeating: .text(language), count: 4)
        }
        return (clauses, arguments)
    }

    /// A summary from `course_id, society_id, version, published_at, display_title, format,
    /// credit_hours, category, languages, matched_length, matched_in`.
    private static func summary(from row: SQLRow) throws -> CatalogSummary {
        guard let courseID = row.text(0), let societyID = row.text(1), let version = row.int64(2),
              let publishedAt = row.text(3).flatMap(Date.init(iso8601:)), let title = row.text(4),
              let format = row.text(5).flatMap(PackageFormat.init(rawValue:)) else {
            throw ServiceError(.storage, "catalog entry '\(row.text(0) ?? "?")' is unreadable")
        }
        return CatalogSummary(
            courseID: courseID, version: Int(version), societyID: societyID, title: title, format: format, creditHours: row.double(6),
            category: row.text(7).flatMap(SubjectCategory.init(rawValue:)),
            languages: (row.text(8) ?? "").split(separator: ",").map(String.init), publishedAt: publishedAt, matchedIn: row.text(10),
            matchedLength: Int(row.int64(9) ?? 0)
        )
    }
}

extension AppDatabase {
    /// The baseline the catalog's indexes avoid: a LIKE over every current version's texts,
    /// every term a substring, counting the matches (a LIKE cannot rank, so it must see them
    /// all). Used only by the search benchmark, to compare in the same run.
    public func likeScanBaseline(_ query: String) throws(ServiceError) -> Int {
        try reading("scanning the catalog") { sql in
            let terms = query.split(whereSeparator: \.isWhitespace).map { SQLValue.text("%\($0)%") }
            let clause = terms.map { _ in "EXISTS (SELECT 1 FROM submission_text x WHERE x.submission_id = p.submission_id AND x.value LIKE ?)" }
                .joined(separator: " AND ")
            let text = "SELECT COUNT(*) FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE \(clause)"
            return Int(try sql.firstRow(text, terms)?.int64(0) ?? 0)
        }
    }
}
