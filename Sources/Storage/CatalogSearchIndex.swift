import Foundation

/// How catalog text is indexed and how a query is turned into FTS5 `MATCH` expressions.
///
/// Two FTS5 tables cover every query length without scanning the table:
/// - `catalog_fts` uses the trigram tokenizer: any term of three or more characters matches as
///   a substring, in any script and case-insensitively (`工程伦理` inside a longer title).
/// - `catalog_fts_short` holds terms written by `shortTerms(of:)`: every CJK character and every
///   pair of adjacent CJK characters, plus whole words of other scripts. A one- or two-character
///   query (`安全`, `AI`) matches there: CJK as the exact unigram or bigram, other scripts as a
///   word prefix.
/// A query's terms (split on white space) must all match.
///
/// On PostgreSQL the same texts and short terms are kept in the table `catalog_search`, one row
/// per current publication.
public enum CatalogSearchIndex {
    /// Terms of at least this many Unicode scalars go to the trigram index.
    static let trigramMinimum = 3

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xAC00...0xD7AF, 0x20000...0x3134F: true
        default: false
        }
    }

    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// The short-query terms of `text`, space separated, for `catalog_fts_short`.
    static func shortTerms(of text: String) -> String {
        var terms: [String] = []
        var word = String.UnicodeScalarView()
        var previousCJK: Unicode.Scalar?
        func flushWord() {
            if !word.isEmpty { terms.append(String(word)) }
            word = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if isCJK(scalar) {
                flushWord()
                terms.append(String(scalar))
                if let previous = previousCJK {
                    var pair = String.UnicodeScalarView()
                    pair.append(previous)
                    pair.append(scalar)
                    terms.append(String(pair))
                }
                previousCJK = scalar
            } else {
                previousCJK = nil
                if isWordCharacter(scalar) { word.append(scalar) } else { flushWord() }
            }
        }
        flushWord()
        return terms.joined(separator: " ")
    }

    /// Where a result's words matched, best first: results are ranked by tier, then by bm25.
    public enum Tier: CaseIterable, Sendable {
        /// Every word in a title.
        case title
        /// Every word in a title or the keywords.
        case titleOrKeywords
        /// Every word somewhere, descriptions included.
        case anywhere

        /// How results name the tier (`matchedIn`).
        public var label: String {
            switch self {
            case .title: "title"
            case .titleOrKeywords: "title-or-keywords"
            case .anywhere: "anywhere"
            }
        }

        /// The length of the text the tier's words were found in, in `table`'s row.
        /// (`prefix` names PostgreSQL's columns of the same texts: `short_` for the short terms.)
        func lengthExpression(_ table: String, prefix: String = "") -> String {
            switch self {
            case .title: "length(\(table).\(prefix)title)"
            case .titleOrKeywords: "length(\(table).\(prefix)title) + length(\(table).\(prefix)keywords)"
            case .anywhere: "length(\(table).\(prefix)title) + length(\(table).\(prefix)keywords) + length(\(table).\(prefix)description)"
            }
        }

        /// The FTS5 column filter of the tier, nil for all columns.
        var columns: String? {
            switch self {
            case .title: "title"
            case .titleOrKeywords: "title keywords"
            case .anywhere: nil
            }
        }
    }

    /// A query split into the terms of each index: for `catalog_fts` (three or more
    /// characters) and for `catalog_fts_short` (shorter: CJK runs exactly, words as prefixes).
    /// Both empty when nothing is searchable.
    public struct Query: Sendable {
        struct ShortTerm: Sendable, Equatable {
            var text: String
            /// A word of another script, matched as the start of a word.
            var prefix: Bool
        }

        var trigram: [String] = []
        var short: [ShortTerm] = []

        public var isEmpty: Bool { trigram.isEmpty && short.isEmpty }

        /// The terms as FTS5 phrases (quoted, so no query text is read as syntax).
        var trigramPhrases: [String] { trigram.map(quoted) }
        var shortPhrases: [String] { short.map { quoted($0.text) + ($0.prefix ? "*" : "") } }

        /// The `MATCH` expression of `phrases` within the tier's columns.
        static func expression(_ phrases: [String], tier: Tier) -> String {
            let all = phrases.joined(separator: " AND ")
            guard let columns = tier.columns else { return all }
            return "{\(columns)} : (\(all))"
        }
    }

    public static func query(_ text: String) -> Query {
        var query = Query()
        for term in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            // Punctuation alone says nothing to search for.
            guard term.unicodeScalars.contains(where: { isCJK($0) || isWordCharacter($0) }) else { continue }
            if term.unicodeScalars.count >= trigramMinimum {
                query.trigram.append(term)
            } else {
                query.short += shortQueryTerms(term)
            }
        }
        return query
    }

    /// A one- or two-scalar term as short-index terms: CJK runs exactly, words as prefixes.
    private static func shortQueryTerms(_ term: String) -> [Query.ShortTerm] {
        var result: [Query.ShortTerm] = []
        var cjk = String.UnicodeScalarView()
        var word = String.UnicodeScalarView()
        func flush() {
            if !cjk.isEmpty { result.append(.init(text: String(cjk), prefix: false)) }
            if !word.isEmpty { result.append(.init(text: String(word), prefix: true)) }
            cjk = String.UnicodeScalarView()
            word = String.UnicodeScalarView()
        }
        for scalar in term.unicodeScalars {
            if isCJK(scalar) {
                if !word.isEmpty { flush() }
                cjk.append(scalar)
            } else if isWordCharacter(scalar) {
                if !cjk.isEmpty { flush() }
                word.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// An FTS5 string: double quotes doubled, so no query text is read as syntax.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension CatalogSearchIndex {
    /// Indexes a publication's texts (from its submission's) for search.
    public static func add(publicationID: Int64, submissionID: Int64, on sql: any SQLConnection) throws {
        var columns: [String: [String]] = [:]
        for row in try sql.rows("SELECT kind, value FROM submission_text WHERE submission_id = ? ORDER BY kind, position", [.integer(submissionID)]) {
            if let kind = row.text(0), let value = row.text(1) { columns[kind, default: []].append(value) }
        }
        let texts = ["title", "description", "keyword"].map { (columns[$0] ?? []).joined(separator: "\n") }
        let values = [SQLValue.integer(publicationID)] + texts.map(SQLValue.text)
        let short = [SQLValue.integer(publicationID)] + texts.map { .text(shortTerms(of: $0)) }
        switch sql.dialect {
        case .sqlite:
            try sql.execute("INSERT INTO catalog_fts (rowid, title, description, keywords) VALUES (?, ?, ?, ?)", values)
            try sql.execute("INSERT INTO catalog_fts_short (rowid, title, description, keywords) VALUES (?, ?, ?, ?)", short)
        case .postgresql:
            let match = texts.map { SQLValue.text(folded($0)) } + texts.map { .text(" " + foldedWord(shortTerms(of: $0)) + " ") }
            try sql.execute(
                """
                INSERT INTO catalog_search (publication_id, title, description, keywords, short_title, short_description, short_keywords,
                    match_title, match_description, match_keywords, match_short_title, match_short_description, match_short_keywords)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                values + short.dropFirst() + match
            )
        }
    }

    /// Takes a publication out of search.
    public static func remove(publicationID: Int64, on sql: any SQLConnection) throws {
        switch sql.dialect {
        case .sqlite:
            try sql.execute("DELETE FROM catalog_fts WHERE rowid = ?", [.integer(publicationID)])
            try sql.execute("DELETE FROM catalog_fts_short WHERE rowid = ?", [.integer(publicationID)])
        case .postgresql:
            try sql.execute("DELETE FROM catalog_search WHERE publication_id = ?", [.integer(publicationID)])
        }
    }

    /// Indexes every current publication (after a copy, which moves the tables and not SQLite's
    /// index); returns how many.
    @discardableResult
    public static func addCurrentPublications(on sql: any SQLConnection) throws -> Int {
        let current = try sql.rows("SELECT p.id, p.submission_id FROM course c JOIN publication p ON p.id = c.current_publication_id ORDER BY p.id")
        for row in current {
            guard let publication = row.int64(0), let submission = row.int64(1) else { continue }
            try add(publicationID: publication, submissionID: submission, on: sql)
        }
        return current.count
    }
}

extension CatalogSearchIndex {
    /// Text as FTS5's tokenizers compare it without case: each character's simple lowercase
    /// (one character for one; a character whose lowercase is longer stays as it is).
    static func folded(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let lower = scalar.properties.lowercaseMapping.unicodeScalars
            if lower.count == 1, let single = lower.first { result.append(single) } else { result.append(scalar) }
        }
        return String(result)
    }

    /// Folded, and Latin letters without their diacritics, as the short index's tokenizer
    /// (`unicode61 remove_diacritics 2`) compares words.
    static func foldedWord(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in folded(text).unicodeScalars {
            if (0x00C0...0x024F).contains(scalar.value) || (0x1E00...0x1EFF).contains(scalar.value),
               let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.first {
                result.append(base)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// A LIKE pattern's literal text: `\`, `%` and `_` escaped (PostgreSQL's default escape).
    static func likeLiteral(_ text: String) -> String {
        var result = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// The conditions and arguments of a tier on PostgreSQL's `catalog_search` (as `table`): every term in
    /// one of the tier's columns (trigram terms as substrings of the folded texts, short terms as
    /// whole short terms or, for words, their starts).
    /// How one tier's matches are found: `source` is the FROM clause that yields the matching
    /// publications as `publication p`, `conditions` (with `arguments`) the match itself,
    /// `length` the length of the texts matched in (the ranking's measure) and `order` the
    /// newest-first order the index reads in, so a LIMIT stops early.
    public struct Match: Sendable {
        public var source: String
        public var conditions: [String]
        public var arguments: [SQLValue]
        public var length: String
        public var order: String
    }

    /// The match of `query` within `tier` on a database of `dialect`.
    public static func match(_ query: Query, tier: Tier, dialect: SQLDialect) -> Match {
        switch dialect {
        case .sqlite:
            // The driving index holds the long terms when there are any; the other one filters.
            let (driver, driverTerms, other, otherTerms) = query.trigram.isEmpty
                ? ("catalog_fts_short", query.shortPhrases, "catalog_fts", query.trigramPhrases)
                : ("catalog_fts", query.trigramPhrases, "catalog_fts_short", query.shortPhrases)
            var arguments: [SQLValue] = [.text(Query.expression(driverTerms, tier: tier))]
            var conditions = ["\(driver) MATCH ?"]
            if !otherTerms.isEmpty {
                // `+` keeps the IN list away from the driver's index: otherwise SQLite would
                // re-run the driver's MATCH once per row of the other index.
                conditions.append("+\(driver).rowid IN (SELECT rowid FROM \(other) WHERE \(other) MATCH ?)")
                arguments.append(.text(Query.expression(otherTerms, tier: tier)))
            }
            return Match(source: "\(driver) CROSS JOIN publication p ON p.id = \(driver).rowid", conditions: conditions, arguments: arguments,
                         length: tier.lengthExpression(driver), order: "\(driver).rowid DESC")
        case .postgresql:
            // One table holds both indexes' texts; the length ranked by is the driving index's,
            // as on SQLite (the short terms' when the query has no long term).
            let (conditions, arguments) = postgresConditions(query, tier: tier, table: "x")
            return Match(source: "catalog_search x JOIN publication p ON p.id = x.publication_id", conditions: conditions, arguments: arguments,
                         length: tier.lengthExpression("x", prefix: query.trigram.isEmpty ? "short_" : ""), order: "x.publication_id DESC")
        }
    }

    static func postgresConditions(_ query: Query, tier: Tier, table: String) -> (conditions: [String], arguments: [SQLValue]) {
        let columns: [String]
        switch tier {
        case .title: columns = ["title"]
        case .titleOrKeywords: columns = ["title", "keywords"]
        case .anywhere: columns = ["title", "keywords", "description"]
        }
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        func add(_ prefix: String, _ pattern: String) {
            conditions.append("(" + columns.map { "\(table).\(prefix)\($0) LIKE ?" }.joined(separator: " OR ") + ")")
            arguments += Array(repeating: .text(pattern), count: columns.count)
        }
        for term in query.trigram { add("match_", "%" + likeLiteral(folded(term)) + "%") }
        for term in query.short { add("match_short_", "% " + likeLiteral(foldedWord(term.text)) + (term.prefix ? "%" : " %")) }
        return (conditions, arguments)
    }
}

