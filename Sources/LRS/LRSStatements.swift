import Domain
import Enrollment
import Foundation
import GRDB
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
    /// throws, and its caller rolls it back and forgets `memory`.
    static func store(_ batch: StatementService.ParsedBatch, attachments: [AttachmentContent], authority: StatementAuthority, societyID: String?,
                      actor: String, service: StatementService, memory: inout StatementService.StoreMemory, in tx: StoreTransaction) throws -> StatementImport {
        let result: StatementImport
        do {
            result = try service.importStatements(batch, mapping: ActorMapping(societyID: societyID), authority: authority, actor: actor, memory: &memory, in: tx)
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
        let found: (String, Bool, String)?
        do {
            found = try database.read("reading a statement") { db in
                try Row.fetchOne(db, sql: """
                    SELECT \(Self.output(version)), s.voided_by IS NOT NULL, s.stored FROM xapi_statement s WHERE \(Self.visible) AND s.id = ?
                    """, arguments: [reader.societyID, reader.societyID, reader.onlyAuthority, uuid.uuidString.lowercased()])
                    .map { ($0[0], $0[1], $0[2]) }
            }
        } catch { throw LRSError(.storage, "\(error)") }
        guard let (text, isVoided, stored) = found, isVoided == voided else {
            throw LRSError(.notFound, voided ? "no voided statement \(id)" : "no statement \(id)")
        }
        return (StatementFormat.apply(format, to: text, languages: languages), Date(iso8601: stored))
    }

    /// A page of the statements the query selects, newest stored first (or oldest, with
    /// `ascending`); voided statements are left out.
    public func query(_ query: StatementQuery, reader: StatementReader, version: String, languages: [String]) throws(LRSError) -> StatementPage {
        let limit = query.limit == 0 ? Self.pageLimit : min(query.limit, Self.pageLimit)
        // What the reader may be answered: not voided, visible, in the time window, past the cursor.
        var window = ["s.voided_by IS NULL", Self.visible]
        var windowArguments: [DatabaseValue] = [reader.societyID.databaseValue, reader.societyID.databaseValue, reader.onlyAuthority.databaseValue]
        if let since = query.since {
            window.append("s.stored > ?")
            windowArguments.append(since.databaseValue)
        }
        if let until = query.until {
            window.append("s.stored <= ?")
            windowArguments.append(until.databaseValue)
        }
        if let cursor = query.cursor {
            window.append(query.ascending ? "s.rowid > ?" : "s.rowid < ?")
            windowArguments.append(cursor.databaseValue)
        }
        // The filters, on a statement of the given alias.
        func filters(_ alias: String) -> (conditions: [String], arguments: [DatabaseValue]) {
            var conditions: [String] = []
            var arguments: [DatabaseValue] = []
            if let agent = query.agent {
                conditions.append("\(alias).rowid IN (SELECT statement_rowid FROM xapi_statement_agent WHERE agent = ?\(query.relatedAgents ? "" : " AND direct = 1"))")
                arguments.append(agent.databaseValue)
            }
            if let activity = query.activity {
                conditions.append("\(alias).rowid IN (SELECT statement_rowid FROM xapi_statement_activity WHERE activity = ?\(query.relatedActivities ? "" : " AND direct = 1"))")
                arguments.append(activity.databaseValue)
            }
            if let verb = query.verb {
                conditions.append("\(alias).verb = ?")
                arguments.append(verb.databaseValue)
            }
            if let registration = query.registration {
                conditions.append("\(alias).rowid IN (SELECT statement_rowid FROM xapi_statement_registration WHERE registration = ?)")
                arguments.append(registration.databaseValue)
            }
            return (conditions, arguments)
        }
        let order = "ORDER BY 1 \(query.ascending ? "ASC" : "DESC") LIMIT ?"
        let direct = filters("s")
        var sql = "SELECT s.rowid, \(Self.output(version)), s.stored FROM xapi_statement s WHERE \((window + direct.conditions).joined(separator: " AND "))"
        var values = windowArguments + direct.arguments
        if !direct.conditions.isEmpty {
            // xAPI-Communication 2.1.4: a filtered query also answers the statements whose object is
            // a StatementRef to a statement the filters match (a voided one included), such as the
            // voiding statement of a match. Merged in rowid order: the first arm stops at the limit;
            // the second reads only statements that target one (the partial index; without
            // INDEXED BY, SQLite scans the whole table in rowid order to feed the merge), then sorts those.
            let target = filters("t")
            sql += """

                UNION SELECT s.rowid, \(Self.output(version)), s.stored FROM xapi_statement s INDEXED BY xapi_statement_targets WHERE \(window.joined(separator: " AND ")) AND s.targets IS NOT NULL
                  AND EXISTS (SELECT 1 FROM xapi_statement t WHERE t.id = s.targets AND \(target.conditions.joined(separator: " AND ")))
                """
            values += windowArguments.dropFirst(3) + target.arguments  // ?1-?3 (`visible`) are bound once, by number
        }
        values.append((limit + 1).databaseValue)
        let statement = sql + "\n" + order
        let arguments = StatementArguments(values)
        let rows: [(Int64, String, String)]
        do {
            rows = try database.read("querying statements") { db in
                try Row.fetchAll(db, sql: statement, arguments: arguments).map { ($0[0], $0[1], $0[2]) }
            }
        } catch { throw LRSError(.storage, "\(error)") }
        let page = rows.prefix(limit)
        return StatementPage(statements: page.map { StatementFormat.apply(query.format, to: $0.1, languages: languages) },
                             next: rows.count > limit ? page.last?.0 : nil, lastStored: page.map(\.2).max().flatMap { Date(iso8601: $0) })
    }

    /// The kept attachments the statements (as answered) name, for `attachments=true`.
    public func attachments(of statements: [String]) throws(LRSError) -> [AttachmentContent] {
        do {
            return try database.read("reading attachments") { db in try StatementUpload.attachments(of: statements, in: db) }
        } catch { throw LRSError(.storage, "\(error)") }
    }

    /// The Activity as the statements the reader may see define it (xAPI-Communication 2.5): the
    /// definitions of the newest 1,000 statements about it that carry one, merged, the newer over
    /// the older; language maps merged tag by tag. (Bounded: an AU of a popular course is the
    /// object of millions of statements, nearly all repeating one definition.)
    public func activity(id: String, reader: StatementReader) throws(LRSError) -> String {
        let definitions: [String]
        do {
            definitions = try database.read("reading an activity") { db in
                // The inner walk goes down the activity index in rowid order and stops at the limit.
                try String.fetchAll(db, sql: """
                    SELECT definition FROM (
                        SELECT json_extract(s.body, '$.object.definition') AS definition, s.rowid AS position FROM xapi_statement s
                        WHERE \(Self.visible) AND s.rowid IN (SELECT statement_rowid FROM xapi_statement_activity WHERE activity = ? AND direct = 1)
                          AND json_extract(s.body, '$.object.definition') IS NOT NULL
                        ORDER BY s.rowid DESC LIMIT 1000)
                    GROUP BY definition ORDER BY MAX(position)
                    """, arguments: [reader.societyID, reader.societyID, reader.onlyAuthority, id])
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

    /// The rows a reader may see: ?1/?2 its society (NULL: every row), ?3 its own authority only.
    static let visible = """
        (?1 IS NULL OR s.society_id = ?1 OR s.engineer_id IN (SELECT engineer_id FROM society_membership WHERE society_id = ?2))
        AND (?3 IS NULL OR s.authority = ?3)
        """

    /// A stored statement as the LRS returns it: `stored`, `authority`, `version` and
    /// `timestamp` (the stored time when the statement had none) set.
    static func output(_ version: String) -> String {
        """
        json_set(s.body, '$.stored', s.stored, '$.authority', json(COALESCE(s.authority, '\(StatementAuthority.platform.agent)')),
                 '$.version', COALESCE(json_extract(s.body, '$.version'), '\(version.hasPrefix("2.") ? "2.0.0" : "1.0.0")'),
                 '$.timestamp', COALESCE(json_extract(s.body, '$.timestamp'), s.stored))
        """
    }
}
