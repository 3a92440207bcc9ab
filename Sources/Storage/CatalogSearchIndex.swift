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
    enum Tier: CaseIterable {
        /// Every word in a title.
        case title
        /// Every word in a title or the keywords.
        case titleOrKeywords
        /// Every word somewhere, descriptions included.
        case anywhere

        /// How results name the tier (`matchedIn`).
        var label: String {
            switch self {
            case .title: "title"
            case .titleOrKeywords: "title-or-keywords"
            case .anywhere: "anywhere"
            }
        }

        /// The length of the text the tier's words were found in, in `table`'s row.
        func lengthExpression(_ table: String) -> String {
            switch self {
            case .title: "length(\(table).title)"
            case .titleOrKeywords: "length(\(table).title) + length(\(table).keywords)"
            case .anywhere: "length(\(table).title) + length(\(table).keywords) + length(\(table).description)"
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

    /// A query split into the terms of each index: phrases for `catalog_fts` (three or more
    /// characters) and for `catalog_fts_short` (shorter). Both empty when nothing is searchable.
    struct Query {
        var trigram: [String] = []
        var short: [String] = []

        var isEmpty: Bool { trigram.isEmpty && short.isEmpty }

        /// The `MATCH` expression of `terms` within the tier's columns.
        static func expression(_ terms: [String], tier: Tier) -> String {
            let all = terms.joined(separator: " AND ")
            guard let columns = tier.columns else { return all }
            return "{\(columns)} : (\(all))"
        }
    }

    static func query(_ text: String) -> Query {
        var query = Query()
        for term in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            // Punctuation alone says nothing to search for.
            guard term.unicodeScalars.contains(where: { isCJK($0) || isWordCharacter($0) }) else { continue }
            if term.unicodeScalars.count >= trigramMinimum {
                query.trigram.append(quoted(term))
            } else {
                query.short += shortQueryTerms(term)
            }
        }
        return query
    }

    /// A one- or two-scalar term as short-index terms: CJK runs exactly, words as prefixes.
    private static func shortQueryTerms(_ term: String) -> [String] {
        var result: [String] = []
        var cjk = String.UnicodeScalarView()
        var word = String.UnicodeScalarView()
        func flush() {
            if !cjk.isEmpty { result.append(quoted(String(cjk))) }
            if !word.isEmpty { result.append(quoted(String(word)) + "*") }
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
            try sql.execute(
                """
                INSERT INTO catalog_search (publication_id, title, description, keywords, short_title, short_description, short_keywords)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                values + short.dropFirst()
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

