import Domain
import Enrollment
import Foundation
import Storage

/// The statement resource of the LRS: POST and PUT go through the statement store
/// (`StatementService`: every valid statement stored, progress from the ones about an
/// enrollment), each request parsed here and stored by `StatementWriter` (group commit) or in a
/// cmi5 session's own transaction; GET reads one statement or pages through a query, as the
/// reader may see them.
public struct LRSStatements: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date
    /// Statements per page when the query asks for no limit (or more than this).
    public static let pageLimit = 500

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// A request's statements parsed and checked; a refused batch is a 400 in the store's words.
    public static func parse(_ upload: StatementUpload) throws(LRSError) -> StatementService.ParsedBatch {
        do { return try StatementService.parse(upload.statements) } catch {
            throw LRSError(.badRequest, error.message)
        }
    }

    /// The same in the caller's transaction (cmi5 sessions check their rules and store in one).
    public static func store(_ upload: StatementUpload, authority: StatementAuthority, societyID: String?, actor: String, service: StatementService,
                             in tx: StoreTransaction) throws -> StatementImport {
        try store(try parse(upload), attachments: upload.attachments, authority: authority, societyID: societyID, actor: actor, service: service, in: tx)
    }

    /// A batch parsed before (`parse`), stored in the caller's transaction.
    public static func store(_ batch: StatementService.ParsedBatch, attachments: [AttachmentContent], authority: StatementAuthority, societyID: String?,
                      actor: String, service: StatementService, in tx: StoreTransaction) throws -> StatementImport {
        var memory = StatementService.StoreMemory()
        return try store(batch, attachments: attachments, authority: authority, societyID: societyID, actor: actor, service: service, memory: &memory, in: tx)
    }

    /// The same with what earlier batches taught the store (`StatementWriter`); a refused batch
    /// throws, and its caller rolls it back and forgets `memory`. `deferringIndexRows`: see
    /// `StatementService.importStatements`.
    static func store(_ batch: StatementService.ParsedBatch, attachments: [AttachmentContent], authority: StatementAuthority, societyID: String?,
                      actor: String, service: StatementService, memory: inout StatementService.StoreMemory, deferringIndexRows: Bool = false,
                      in tx: StoreTransaction) throws -> StatementImport {
        let result: StatementImport
        do {
            result = try service.importStatements(batch, mapping: ActorMapping(societyID: societyID), authority: authority, actor: actor, memory: &memory,
                                                  deferringIndexRows: deferringIndexRows, in: tx)
        } catch let error as ServiceError where error.code == .invalidArgument {
            // The batch refused as a whole (an id twice in it): the store's own words.
            throw LRSError(.badRequest, error.message)
        }
        // A batch is all or nothing: a conflict or a refused voiding rolls it all back.
        if let conflict = result.problems.first(where: { $0.kind == .conflict }) {
            throw LRSError(.conflict, "statement \(conflict.id): \(conflict.message); nothing of the batch was stored")
        }
        if let problem = result.problems.first {
            throw LRSError(.badRequest, "statement \(problem.index) (\(problem.id)): \(problem.message); nothing of the batch was stored")
        }
        if !attachments.isEmpty {
            try StatementUpload.save(attachments, in: tx)
            try memory.settle(in: tx)
        }
        return result
    }

    /// One statement by id; `voided` asks for a voided one (`voidedStatementId`), which a plain
    /// `statementId` does not find.
    public func statement(id: String, voided: Bool, reader: StatementReader, format: StatementQuery.Format, version: String,
                          languages: [String]) throws(LRSError) -> (statement: String, stored: Date?) {
        guard let uuid = UUID(uuidString: id) else { throw LRSError(.badRequest, "a statement id is a UUID") }
        let found: (body: String, authority: String?, isVoided: Bool, stored: String)?
        do {
            found = try database.reading("reading a statement") { sql in
                let visible = reader.condition("s")
                return try sql.firstRow("""
                    SELECT s.body, s.authority, CASE WHEN s.voided_by IS NULL THEN 0 ELSE 1 END, s.stored FROM xapi_statement s
                    WHERE \(visible.sql) AND s.id = ?
                    """, visible.arguments + [.text(uuid.uuidString.lowercased())])
                    .map { ($0.text(0) ?? "{}", $0.text(1), $0.int64(2) == 1, $0.text(3) ?? "") }
            }
        } catch { throw LRSError(.storage, "\(error)") }
        guard let found, found.isVoided == voided else {
            throw LRSError(.notFound, voided ? "no voided statement \(id)" : "no statement \(id)")
        }
        let text = StatementOutput.render(body: found.body, stored: found.stored, authority: found.authority, version: version)
        return (StatementFormat.apply(format, to: text, languages: languages), Date(iso8601: found.stored))
    }

    /// A page of the statements the query selects, newest stored first (or oldest, with
    /// `ascending`); voided statements are left out.
    public func query(_ query: StatementQuery, reader: StatementReader, version: String, languages: [String]) throws(LRSError) -> StatementPage {
        let limit = query.limit == 0 ? Self.pageLimit : min(query.limit, Self.pageLimit)
        // What the reader may be answered: not voided, visible, in the time window, past the cursor.
        let visible = reader.condition("s")
        var window = ["s.voided_by IS NULL", visible.sql]
        var windowArguments = visible.arguments
        if let since = query.since {
            window.append("s.stored > ?")
            windowArguments.append(.text(since))
        }
        if let until = query.until {
            window.append("s.stored <= ?")
            windowArguments.append(.text(until))
        }
        if let cursor = query.cursor {
            window.append(query.ascending ? "s.rowid > ?" : "s.rowid < ?")
            windowArguments.append(.integer(cursor))
        }
        // The filters, on a statement of the given alias.
        @Sendable func filters(_ alias: String) -> (conditions: [String], arguments: [SQLValue]) {
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let agent = query.agent {
                conditions.append(StatementIndex.agent.contains(alias, related: query.relatedAgents))
                arguments.append(.text(agent))
            }
            if let activity = query.activity {
                conditions.append(StatementIndex.activity.contains(alias, related: query.relatedActivities))
                arguments.append(.text(activity))
            }
            if let verb = query.verb {
                conditions.append("\(alias).verb = ?")
                arguments.append(.text(verb))
            }
            if let registration = query.registration {
                conditions.append(StatementIndex.registration.contains(alias))
                arguments.append(.text(registration))
            }
            return (conditions, arguments)
        }
        let columns = "s.rowid, s.body, s.authority, s.stored"
        let order = "ORDER BY 1 \(query.ascending ? "ASC" : "DESC") LIMIT ?"
        let direct = filters("s")
        let rows: [(rowid: Int64, body: String, authority: String?, stored: String)]
        do {
            rows = try database.readingStatementIndexes("querying statements") { [window, windowArguments] sql in
                var statement = "SELECT \(columns) FROM xapi_statement s WHERE \((window + direct.conditions).joined(separator: " AND "))"
                var arguments = windowArguments + direct.arguments
                if !direct.conditions.isEmpty {
                    // xAPI-Communication 2.1.4: a filtered query also answers the statements whose object
                    // is a StatementRef to a statement the filters match (a voided one included), such as
                    // the voiding statement of a match. Merged in rowid order: the first arm stops at the
                    // limit; the second reads only statements that target one (the partial index; without
                    // INDEXED BY, SQLite scans the whole table in rowid order to feed the merge), then sorts
                    // those.
                    let target = filters("t")
                    statement += """

                        UNION SELECT \(columns) FROM xapi_statement s \(sql.dialect.indexedBy("xapi_statement_targets"))
                        WHERE \(window.joined(separator: " AND ")) AND s.targets IS NOT NULL
                          AND EXISTS (SELECT 1 FROM xapi_statement t WHERE t.id = s.targets AND \(target.conditions.joined(separator: " AND ")))
                        """
                    arguments += windowArguments + target.arguments
                }
                arguments.append(.integer(Int64(limit + 1)))
                return try sql.rows(statement + "\n" + order, arguments).map { ($0.int64(0) ?? 0, $0.text(1) ?? "{}", $0.text(2), $0.text(3) ?? "") }
            }
        } catch { throw LRSError(.storage, "\(error)") }
        let page = rows.prefix(limit)
        return StatementPage(statements: page.map {
                                 StatementFormat.apply(query.format, to: StatementOutput.render(body: $0.body, stored: $0.stored, authority: $0.authority, version: version),
                                                       languages: languages)
                             },
                             next: rows.count > limit ? page.last?.rowid : nil, lastStored: page.map(\.stored).max().flatMap { Date(iso8601: $0) })
    }

    /// The kept attachments the statements (as answered) name, for `attachments=true`.
    public func attachments(of statements: [String]) throws(LRSError) -> [AttachmentContent] {
        do {
            return try database.reading("reading attachments") { sql in try StatementUpload.attachments(of: statements, on: sql) }
        } catch { throw LRSError(.storage, "\(error)") }
    }

    /// The Activity as the statements the reader may see define it (xAPI-Communication 2.5): the
    /// definitions of the newest 1,000 statements about it that carry one, merged, the newer over
    /// the older; language maps merged tag by tag. (Bounded: an AU of a popular course is the
    /// object of millions of statements, nearly all repeating one definition.)
    public func activity(id: String, reader: StatementReader) throws(LRSError) -> String {
        let definitions: [String]
        do {
            definitions = try database.readingStatementIndexes("reading an activity") { sql in
                // The inner walk goes down the activity index in rowid order and stops at the limit.
                let visible = reader.condition("s")
                let definition = sql.dialect.json("s.body", ["object", "definition"])
                return try sql.rows("""
                    SELECT definition FROM (
                        SELECT \(definition) AS definition, s.rowid AS position FROM xapi_statement s
                        WHERE \(visible.sql) AND \(StatementIndex.activity.contains("s"))
                          AND \(definition) IS NOT NULL
                        ORDER BY s.rowid DESC LIMIT 1000) AS newest
                    GROUP BY definition ORDER BY MAX(position)
                    """, visible.arguments + [.text(id)]).compactMap { $0.text(0) }
            }
        } catch { throw LRSError(.storage, "\(error)") }
        var merged: [String: Any] = [:]
        for text in definitions {
            guard let definition = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { continue }
            for (key, value) in definition {
                if var map = merged[key] as? [String: Any], let newer = value as? [String: Any], ["name", "description", "extensions"].contains(key) {
                    map.merge(newer) { _, new in new }
                    merged[key] = map
                } else {
                    merged[key] = value
                }
            }
        }
        var object: [String: Any] = ["objectType": "Activity", "id": id]
        if !merged.isEmpty { object["definition"] = merged }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

extension StatementReader {
    /// The statements (of the given alias) this reader may see, as a condition and its arguments:
    /// a society's own and those about its members; with `read/mine` only its own authority's.
    func condition(_ alias: String) -> (sql: String, arguments: [SQLValue]) {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let societyID {
            conditions.append("(\(alias).society_id = ? OR \(alias).engineer_id IN (SELECT engineer_id FROM society_membership WHERE society_id = ?))")
            arguments += [.text(societyID), .text(societyID)]
        }
        if let onlyAuthority {
            conditions.append("\(alias).authority = ?")
            arguments.append(.text(onlyAuthority))
        }
        return (conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND "), arguments)
    }
}
