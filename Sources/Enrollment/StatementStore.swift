import Domain
import Foundation
import Storage

// The statement store's SQL (`xapi_statement` and its agent, activity and registration
// indexes), beside `StatementService`, which owns the store rules: written once on the storage
// kernel, the per-row paths through `BoundStatement`.

/// A stored xAPI statement's bookkeeping (the body itself is only read back as evidence).
struct StoredStatement: Sendable, Equatable {
    var id: String
    var signature: String
    var verb: String
    var enrollmentID: Int64?
    var voids: String?
    var voidedBy: String?
}

/// What the store writes for one statement.
struct StatementRow: Sendable {
    var id: String
    var signature: String
    var body: String
    var verb: String
    var engineerID: String?
    var enrollmentID: Int64?
    var activity: String?
    var voids: String?
    /// The statement its object refers to (a StatementRef, voiding or not).
    var targets: String?
    var registration: String?
    /// The Agent (JSON) of the credential that sent it.
    var authority: String?
    /// The authority's index key (`Agent.key`), a related agent of the statement.
    var authorityKey: String?
    var societyID: String?
    /// Why it changed no progress when it did not map to an enrollment (`unknown-actor`, ...).
    var unmatched: String?
    var agents: [(key: String, direct: Bool)]
    var activities: [(id: String, direct: Bool)]

    init(id: String, signature: String, body: String, verb: String, engineerID: String? = nil, enrollmentID: Int64? = nil,
                activity: String? = nil, voids: String? = nil, targets: String? = nil, registration: String? = nil, authority: String? = nil, authorityKey: String? = nil, societyID: String? = nil,
                unmatched: String? = nil, agents: [(key: String, direct: Bool)] = [], activities: [(id: String, direct: Bool)] = []) {
        self.id = id
        self.signature = signature
        self.body = body
        self.verb = verb
        self.targets = targets
        self.engineerID = engineerID
        self.enrollmentID = enrollmentID
        self.activity = activity
        self.voids = voids
        self.registration = registration
        self.authority = authority
        self.authorityKey = authorityKey
        self.societyID = societyID
        self.unmatched = unmatched
        self.agents = agents
        self.activities = activities
    }
}

/// The agent, activity and registration index rows (`xapi_statement_agent`,
/// `xapi_statement_activity`, `xapi_statement_registration`) of the statements one store call
/// inserted, written together when it ends (`writeIndexRows`): each key's rows then go into its
/// index as one run of neighbouring entries, several rows per INSERT, rather than one B-tree
/// search and INSERT per row at a random place (measured on 200,000 statements: the store ran
/// 1.7-1.9x as fast). Nothing reads these indexes while a store call runs, so nothing can miss a
/// row that is not yet written. Gathered by the keys' ids where the store knows them, else by
/// their texts; written by their ids (`StatementKeys`), or kept to be written later
/// (`deferIndexRows`).
struct StatementIndexRows: Sendable {
    /// By key id (the keys whose ids the store knew), each statement's rowid (doubled, plus one
    /// when the statement names it directly), in the order stored.
    var agentIDs: [Int64: [Int64]] = [:]
    var activityIDs: [Int64: [Int64]] = [:]
    var registrationIDs: [Int64: [Int64]] = [:]
    /// The same by key text, for the keys whose ids are not known yet (`resolve` finds them).
    var agents: [String: [Int64]] = [:]
    var activities: [String: [Int64]] = [:]
    var registrations: [String: [Int64]] = [:]
    /// Rows gathered so far.
    var count = 0

    init() {}

    static func entry(_ rowid: Int64, _ direct: Bool) -> Int64 { rowid << 1 | (direct ? 1 : 0) }

    /// Gathers the rows of a statement stored under `rowid`: each key once (the statement's
    /// agents and activities come deduplicated; the authority is added unless the statement
    /// names it already), so the rows go in as plain INSERTs. A key `keys` knows is gathered by
    /// its id: its text is hashed once, here, and not again when the rows are written.
    mutating func add(_ row: StatementRow, rowid: Int64, keys: StatementKeys) {
        for (key, direct) in row.agents { Self.add(key, Self.entry(rowid, direct), keys.agents, &agentIDs, &agents) }
        let authority = row.authorityKey.flatMap { key in row.agents.contains { $0.key == key } ? nil : key }
        if let authority { Self.add(authority, Self.entry(rowid, false), keys.agents, &agentIDs, &agents) }
        for (id, direct) in row.activities { Self.add(id, Self.entry(rowid, direct), keys.activities, &activityIDs, &activities) }
        if let registration = row.registration { Self.add(registration, Self.entry(rowid, true), keys.registrations, &registrationIDs, &registrations) }
        count += row.agents.count + row.activities.count + (authority == nil ? 0 : 1) + (row.registration == nil ? 0 : 1)
    }

    private static func add(_ key: String, _ entry: Int64, _ known: [String: Int64], _ byID: inout [Int64: [Int64]], _ byKey: inout [String: [Int64]]) {
        if let id = known[key] { byID[id, default: []].append(entry) } else { byKey[key, default: []].append(entry) }
    }

    /// The rows of one index: by id, and by text.
    func rows(_ kind: StatementIndex) -> (byID: [Int64: [Int64]], byKey: [String: [Int64]]) {
        switch kind {
        case .agent: (agentIDs, agents)
        case .activity: (activityIDs, activities)
        case .registration: (registrationIDs, registrations)
        }
    }
}

/// The ids of the statement indexes' keys, as far as a store has met them: kept from one store
/// call to the next with the rest of what a store learns (`StatementService.StoreMemory`), so
/// that a POST finds its agents' and activities' ids without asking the database. An id, once
/// committed, stays its key's (keys are never deleted), so the ids outlive the rest of the memory
/// when another writer commits; a store whose transaction is rolled back forgets them with the
/// rest. On SQLite, once a kind's table is read whole, the ids are that table's up to
/// `complete[kind]`: a key not among them is new, and only the keys given ids since are read.
struct StatementKeys: Sendable {
    var agents: [String: Int64] = [:]
    var activities: [String: Int64] = [:]
    var registrations: [String: Int64] = [:]
    /// By kind: every key of the table with an id up to this one is in the dictionary.
    var complete: [StatementIndex: Int64] = [:]

    var count: Int { agents.count + activities.count + registrations.count }

    subscript(kind: StatementIndex) -> [String: Int64] {
        get {
            switch kind {
            case .agent: agents
            case .activity: activities
            case .registration: registrations
            }
        }
        _modify {
            switch kind {
            case .agent: yield &agents
            case .activity: yield &activities
            case .registration: yield &registrations
            }
        }
    }

    /// A table this large is not read whole: its keys are looked up.
    static let wholeTableLimit = 100_000
}

/// Index rows kept in `xapi_statement_index_pending` until they are moved into their indexes:
/// each row two little-endian 64-bit integers, the key's id shifted left by two with the index
/// (0 agent, 1 activity, 2 registration) in the low bits, then the entry as `StatementIndexRows`
/// keeps it (the statement's rowid doubled, plus one when direct).
struct PendingIndexRows: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func reserve(_ rows: Int) { bytes.reserveCapacity(rows * 16) }

    mutating func append(_ kind: StatementIndex, _ id: Int64, _ entries: [Int64]) {
        let head = id << 2 | kind.rawValue
        for entry in entries {
            withUnsafeBytes(of: head.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: entry.littleEndian) { bytes.append(contentsOf: $0) }
        }
        count += entries.count
    }

    /// Calls `row` with each row of `bytes`, in order; answers how many there were.
    static func unpack(_ bytes: [UInt8], _ row: (StatementIndex, Int64, Int64) throws -> Void) throws -> Int {
        guard bytes.count % 16 == 0 else { throw ServiceError(.storage, "a pending index entry of \(bytes.count) bytes is not whole rows of 16") }
        try bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: 16) {
                let head = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                let entry = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
                guard let kind = StatementIndex(rawValue: head & 3) else { throw ServiceError(.storage, "a pending index row names no index (\(head & 3))") }
                try row(kind, head >> 2, entry)
            }
        }
        return bytes.count / 16
    }
}

/// The statement indexes (agents, activities, registrations), for the queries that read them:
/// each a table of keys and a table of (key id, statement rowid) rows.
/// The raw value is the index's number among pending index rows (`PendingIndexRows`).
public enum StatementIndex: Int64, Sendable, CaseIterable {
    case agent = 0, activity = 1, registration = 2

    /// The table of index rows.
    var table: String {
        switch self {
        case .agent: "xapi_statement_agent"
        case .activity: "xapi_statement_activity"
        case .registration: "xapi_statement_registration"
        }
    }

    /// The table of keys: each key's text with its id.
    var keyTable: String {
        switch self {
        case .agent: "xapi_agent_key"
        case .activity: "xapi_activity_key"
        case .registration: "xapi_registration_key"
        }
    }

    /// The index rows' key id column.
    var column: String {
        switch self {
        case .agent: "agent_id"
        case .activity: "activity_id"
        case .registration: "registration_id"
        }
    }

    /// Whether the rows say if the statement names the key directly (its actor or object) or as a
    /// related one: a registration is always the statement's own.
    var direct: Bool { self != .registration }

    /// The condition that a statement (of `alias`) is among the key's rows, the key bound in its
    /// one placeholder; `related`: whether related rows count too (agents and activities). A key
    /// may have more than one id (see the migration v20). The rows still pending must have been
    /// moved in first, in the same transaction (`StoreTransaction.writePendingIndexRows`,
    /// `AppDatabase.readingStatementIndexes`).
    public func contains(_ alias: String, related: Bool = false) -> String {
        let directOnly = direct && !related ? " AND direct = 1" : ""
        return "\(alias).rowid IN (SELECT statement_rowid FROM \(table) WHERE \(column) IN (SELECT id FROM \(keyTable) WHERE key = ?)\(directOnly))"
    }
}

/// A progress event still counting (not voided), for re-folding an enrollment's state.
extension StoreTransaction {
    func statement(_ id: String) throws -> StoredStatement? {
        var lookup = try BoundStatement(sql, "SELECT id, signature, verb, enrollment_id, voids, voided_by FROM xapi_statement WHERE id = ?")
        lookup.bind(id)
        return try lookup.firstRow { row in
            StoredStatement(id: row.text(0) ?? id, signature: row.text(1) ?? "", verb: row.text(2) ?? "", enrollmentID: row.int64(3),
                            voids: row.text(4), voidedBy: row.text(5))
        }
    }

    /// Stores a statement unless its id is stored already; true when it was stored. (Trying the
    /// insert first spares the new statements of a batch, nearly all of them, a lookup.) The
    /// agents and activities it names are added to `index`, which the caller writes with
    /// `writeIndexRows` (or keeps with `deferIndexRows`) before anything reads them.
    @discardableResult
    func insertStatement(_ row: StatementRow, index: inout StatementIndexRows, keys: StatementKeys) throws -> Bool {
        let connection = sql
        let server = connection.dialect != .sqlite
        var insert = try BoundStatement(connection, server ? Self.insertStatementReturning : Self.insertStatement)
        insert.bind(row.id)
        insert.bind(row.signature)
        insert.bind(row.body)
        insert.bind(stamp)
        insert.bind(row.verb)
        insert.bind(row.engineerID)
        insert.bind(row.enrollmentID)
        insert.bind(row.activity)
        insert.bind(row.voids)
        insert.bind(row.registration)
        insert.bind(row.authority)
        insert.bind(row.societyID)
        insert.bind(row.unmatched)
        insert.bind(row.targets)
        let rowid: Int64
        if server {
            guard let returned = try insert.firstRow({ $0.int64(0) }) ?? nil else { return false }
            rowid = returned
        } else {
            guard try insert.run() == 1 else { return false }
            rowid = insert.lastInsertedRowID
        }
        index.add(row, rowid: rowid, keys: keys)
        return true
    }

    /// The ids among `ids` that are stored already (a server batch's one look instead of one
    /// insert each that might conflict).
    func storedStatementIDs(_ ids: [String]) throws -> Set<String> {
        var found = Set<String>()
        for part in SQLPlaceholders.parts(ids) {
            try sql.query("SELECT id FROM xapi_statement WHERE id IN (\(SQLPlaceholders.list(part.count)))", part.map(SQLValue.text)) { row in
                if let id = row.text(0) { found.insert(id) }
            }
        }
        return found
    }

    /// `count` rowids taken from the statement table's identity sequence in one round trip
    /// (PostgreSQL only: SQLite's rowid comes from the insert itself). The sequence is looked up
    /// once per call (materialized): called in `nextval`'s argument, the lookup ran for every
    /// row, 4% of the server's time in an import from one connection.
    func reserveStatementRowids(_ count: Int) throws -> [Int64] {
        guard count > 0 else { return [] }
        return try sql.rows(
            """
            WITH sequence AS MATERIALIZED (SELECT pg_get_serial_sequence('xapi_statement', 'rowid')::regclass AS id)
            SELECT nextval(sequence.id) FROM sequence, generate_series(1, ?)
            """, [.integer(Int64(count))]
        ).compactMap { $0.int64(0) }
    }

    /// Writes statement rows whose rowids were reserved (`appendRows`: a server streams them).
    func insertStatements(_ rows: [(rowid: Int64, row: StatementRow)]) throws {
        var values: [SQLValue] = []
        values.reserveCapacity(rows.count * 15)
        for (rowid, row) in rows {
            values += [.integer(rowid), .text(row.id), .text(row.signature), .text(row.body), .text(stamp), .text(row.verb),
                       SQLValue(row.engineerID), row.enrollmentID.map(SQLValue.integer) ?? .null, SQLValue(row.activity), SQLValue(row.voids),
                       SQLValue(row.registration), SQLValue(row.authority), SQLValue(row.societyID), SQLValue(row.unmatched),
                       SQLValue(row.targets)]
        }
        try sql.appendRows(into: "xapi_statement", columns: ["rowid"] + Self.statementColumnNames, values: values)
    }

    /// Writes the index rows gathered by `insertStatement`, and empties `index`. Each index gets
    /// its rows in the order of its keys' ids (a key new to the store has the highest, so its rows
    /// go at the end), through `appendRows` (a few thousand at a time: memory stays small). No ON
    /// CONFLICT: every row is a new statement's, and each key comes once per statement (`add`); on
    /// PostgreSQL a conflict check reads the index, and two imports at once kept giving each other
    /// up over the same index pages under serializable isolation.
    func writeIndexRows(_ index: inout StatementIndexRows, keys: inout StatementKeys) throws {
        for kind in StatementIndex.allCases { try writeIndexRows(try keyed(index.rows(kind), kind, keys: &keys), kind) }
        index = StatementIndexRows()
    }

    /// Keeps the index rows gathered by `insertStatement` in `xapi_statement_index_pending`, one
    /// row for all of them, and empties `index`: `writePendingIndexRows` moves them into their
    /// indexes later, in key order with the others gathered there (the LRS writer's groups).
    /// Answers how many rows it kept.
    @discardableResult
    func deferIndexRows(_ index: inout StatementIndexRows, keys: inout StatementKeys) throws -> Int {
        guard index.count > 0 else { return 0 }
        var entries = PendingIndexRows()
        entries.reserve(index.count)
        for kind in StatementIndex.allCases {
            for (id, rows) in try keyed(index.rows(kind), kind, keys: &keys) { entries.append(kind, id, rows) }
        }
        try sql.execute("INSERT INTO xapi_statement_index_pending (rows, entries) VALUES (?, ?)", [.integer(Int64(entries.count)), .blob(entries.bytes)])
        index = StatementIndexRows()
        return entries.count
    }

    /// How many index rows wait in `xapi_statement_index_pending`.
    public func pendingIndexRows() throws -> Int {
        Int(try sql.firstRow("SELECT coalesce(sum(rows), 0) FROM xapi_statement_index_pending")?.int64(0) ?? 0)
    }

    /// Moves every index row waiting in `xapi_statement_index_pending` into its index, each
    /// index's rows in key order (of each key, in the order stored), and empties the table;
    /// answers how many rows moved. Whoever reads the indexes in a write transaction calls this
    /// first (a read goes through `AppDatabase.readingStatementIndexes`), so that no stored
    /// statement is missing from them.
    @discardableResult
    public func writePendingIndexRows() throws -> Int {
        var kinds: [StatementIndex: [Int64: [Int64]]] = [:]
        var moved = 0
        try sql.query("SELECT entries FROM xapi_statement_index_pending ORDER BY id", []) { row in
            guard let bytes = row.blob(0) else { return }
            moved += try PendingIndexRows.unpack(bytes) { kind, id, entry in kinds[kind, default: [:]][id, default: []].append(entry) }
        }
        guard moved > 0 else { return 0 }
        for kind in StatementIndex.allCases {
            guard let rows = kinds.removeValue(forKey: kind) else { continue }
            try writeIndexRows(rows.map { (id: $0.key, entries: $0.value) }.sorted { $0.id < $1.id }, kind)
        }
        try sql.execute("DELETE FROM xapi_statement_index_pending", [])
        return moved
    }

    /// Each key's rows by its id, in the order of the ids: those gathered by id, and those
    /// gathered by text once `resolve` has found or given their ids.
    private func keyed(_ rows: (byID: [Int64: [Int64]], byKey: [String: [Int64]]), _ kind: StatementIndex,
                       keys: inout StatementKeys) throws -> [(id: Int64, entries: [Int64])] {
        var keyed: [(id: Int64, entries: [Int64])] = []
        keyed.reserveCapacity(rows.byID.count + rows.byKey.count)
        for (id, entries) in rows.byID { keyed.append((id, entries)) }
        if !rows.byKey.isEmpty {
            var missing: [String] = []
            for (key, entries) in rows.byKey {
                if let id = keys[kind][key] { keyed.append((id, entries)) } else { missing.append(key) }
            }
            if !missing.isEmpty { try resolve(missing, kind, keys: &keys) }
            for key in missing {
                guard let id = keys[kind][key], let entries = rows.byKey[key] else { throw ServiceError(.storage, "\(kind.keyTable) gave no id for \(key)") }
                keyed.append((id, entries))
            }
        }
        keyed.sort { $0.id < $1.id }
        return keyed
    }

    /// Appends index rows, keyed and in key order, to their index.
    private func writeIndexRows(_ keyed: [(id: Int64, entries: [Int64])], _ kind: StatementIndex) throws {
        guard !keyed.isEmpty else { return }
        let columns = kind.direct ? [kind.column, "statement_rowid", "direct"] : [kind.column, "statement_rowid"]
        let batch = 65_536 * columns.count
        var values: [SQLValue] = []
        values.reserveCapacity(min(batch, keyed.reduce(0) { $0 + $1.entries.count } * columns.count))
        for (id, entries) in keyed {
            for entry in entries {
                values.append(.integer(id))
                values.append(.integer(entry >> 1))
                if kind.direct { values.append(.integer(entry & 1)) }
            }
            if values.count >= batch {
                try sql.appendRows(into: kind.table, columns: columns, values: values)
                values.removeAll(keepingCapacity: true)
            }
        }
        try sql.appendRows(into: kind.table, columns: columns, values: values)
    }

    /// Finds the ids of `missing`, keys `keys` does not know yet (the lowest, where concurrent
    /// transactions of a server database gave a key two), and gives the keys the table does not
    /// hold the next ones, in the order of their texts. On SQLite, the one writer, the table is
    /// read whole instead (then only the keys given ids since), while it is small enough: every key
    /// not in it is new, and the store looks none up (measured: the lookups of the new keys of each
    /// POST were a tenth of the LRS writer's time).
    private func resolve(_ missing: [String], _ kind: StatementIndex, keys: inout StatementKeys) throws {
        var missing = missing
        if sql.dialect == .sqlite, try readKeys(kind, keys: &keys) {
            missing.removeAll { keys[kind][$0] != nil }
        } else {
            var found: [String: Int64] = [:]
            for part in SQLPlaceholders.parts(missing) {
                try sql.query("SELECT key, id FROM \(kind.keyTable) WHERE key IN (\(SQLPlaceholders.list(part.count)))", part.map(SQLValue.text)) { row in
                    if let key = row.text(0), let id = row.int64(1) { found[key] = min(found[key] ?? id, id) }
                }
            }
            keys[kind].merge(found) { $1 }
            missing.removeAll { found[$0] != nil }
        }
        guard !missing.isEmpty else { return }
        missing.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var highest: Int64 = 0
        for part in SQLPlaceholders.parts(missing, size: 500) {
            try sql.query(
                "INSERT INTO \(kind.keyTable) (key) VALUES \(Array(repeating: "(?)", count: part.count).joined(separator: ", ")) RETURNING key, id",
                part.map(SQLValue.text)
            ) { row in
                if let key = row.text(0), let id = row.int64(1) {
                    keys[kind][key] = id
                    highest = max(highest, id)
                }
            }
        }
        // The table's new highest ids, all known (SQLite: this transaction alone writes it).
        if let complete = keys.complete[kind] { keys.complete[kind] = max(complete, highest) }
    }

    /// SQLite: brings `keys` up to every key of the kind's table, reading only those with ids
    /// beyond what it holds whole; false (nothing read) when that would be more than
    /// `StatementKeys.wholeTableLimit` keys.
    private func readKeys(_ kind: StatementIndex, keys: inout StatementKeys) throws -> Bool {
        let through = keys.complete[kind] ?? 0
        let highest = try sql.firstRow("SELECT max(id) FROM \(kind.keyTable)")?.int64(0) ?? 0
        guard highest > through else {
            keys.complete[kind] = through
            return true
        }
        guard highest - through <= StatementKeys.wholeTableLimit, keys.count + Int(highest - through) <= StatementKeys.wholeTableLimit else { return false }
        try sql.query("SELECT key, id FROM \(kind.keyTable) WHERE id > ?", [.integer(through)]) { row in
            if let key = row.text(0), let id = row.int64(1) { keys[kind][key] = id }
        }
        keys.complete[kind] = highest
        return true
    }

    /// Whether the society may see a stored statement: one its own credentials stored, or one
    /// about a member of it.
    func isStatement(_ id: String, visibleTo societyID: String) throws -> Bool {
        try sql.firstRow(
            """
            SELECT 1 FROM xapi_statement x WHERE x.id = ? AND (x.society_id = ? OR x.engineer_id IN
                (SELECT engineer_id FROM society_membership WHERE society_id = ?))
            """,
            [.text(id), .text(societyID), .text(societyID)]
        ) != nil
    }

    /// Marks a statement voided and its progress events as no longer counting.
    func voidStatement(_ id: String, by voiding: String) throws {
        try sql.execute("UPDATE xapi_statement SET voided_by = ? WHERE id = ?", [.text(voiding), .text(id)])
        try sql.execute(Self.voidProgressEvents, [.text(stamp), .text(id), .text(id)])
    }

}

extension StoreTransaction {
    /// Marks a statement's progress events as no longer counting (the time, then the statement
    /// id twice), found through the statement's enrollment.
    static let voidProgressEvents = """
        UPDATE progress_event SET voided_at = ?
        WHERE enrollment_id = (SELECT enrollment_id FROM xapi_statement WHERE id = ?) AND statement_id = ?
        """

    /// The columns a stored statement's row is written with (the rowid aside), in `StatementRow`'s order.
    static let statementColumnNames = [
        "id", "signature", "body", "stored", "verb", "engineer_id", "enrollment_id", "activity_identifier", "voids", "registration", "authority",
        "society_id", "unmatched", "targets",
    ]
    static let statementColumns = statementColumnNames.joined(separator: ", ")
    /// The insert of a statement row; on a server it returns the rowid it was given (nothing when
    /// the id was stored already), where SQLite says it after.
    static let insertStatement = """
        INSERT INTO xapi_statement (\(statementColumns))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO NOTHING
        """
    static let insertStatementReturning = insertStatement + " RETURNING rowid"
}

extension AppDatabase {
    func statementCount() throws(ServiceError) -> Int {
        try reading("counting statements") { sql in Int(try sql.firstRow("SELECT count(*) FROM xapi_statement")?.int64(0) ?? 0) }
    }
}

/// A stored statement that changed no progress, and why.
public struct UnmatchedStatement: Sendable, Codable, Equatable {
    public var id: String
    public var stored: String
    /// `unknown-actor`, `unknown-activity` or `below-mastery`.
    public var reason: String
    /// The actor as sent (JSON).
    public var actor: String
    public var verb: String
    public var object: String
}

extension AppDatabase {
    /// The newest unmatched statements (at most `limit`) and how many there are in all.
    func unmatchedStatements(limit: Int) throws(ServiceError) -> (statements: [UnmatchedStatement], total: Int) {
        try reading("listing unmatched statements") { sql in
            let total = Int(try sql.firstRow("SELECT count(*) FROM xapi_statement WHERE unmatched IS NOT NULL")?.int64(0) ?? 0)
            let json = { (path: [String]) in sql.dialect.json("body", path) }
            let rows = try sql.rows("""
                SELECT id, stored, unmatched, \(json(["actor"])), coalesce(\(json(["verb", "id"])), ''), coalesce(\(json(["object", "id"])), '')
                FROM xapi_statement WHERE unmatched IS NOT NULL ORDER BY rowid DESC LIMIT ?
                """, [.integer(Int64(limit))]).map { row in
                UnmatchedStatement(id: row.text(0) ?? "", stored: row.text(1) ?? "", reason: row.text(2) ?? "", actor: row.text(3) ?? "",
                                   verb: row.text(4) ?? "", object: row.text(5) ?? "")
            }
            return (rows, total)
        }
    }
}

extension AppDatabase {
    /// Runs `body`, which reads the statement indexes, on a snapshot where every stored
    /// statement is in them: a read transaction when no index rows are pending (the check is part
    /// of the same snapshot), else a write transaction that moves them in first and reads after.
    public func readingStatementIndexes<T: Sendable>(_ context: String, at date: Date = Date(),
                                                     _ body: @Sendable (any SQLConnection) throws -> T) throws(ServiceError) -> T {
        // Empty when rows are pending (an array: `T` may itself be an optional).
        let read = try reading(context) { sql -> [T] in
            try sql.firstRow("SELECT 1 FROM xapi_statement_index_pending LIMIT 1") == nil ? [try body(sql)] : []
        }
        if let value = read.first { return value }
        // It writes only index rows, which no foreign key names: the writer's connection keeps
        // its setting (`ReferenceChecks`), as the LRS writer's transactions left it; and what
        // the LRS writer learned still holds after it (`StoreMemory`).
        return try perform(at: date, references: .vouchedFor) { tx in
            _ = try tx.writingOnlyIndexRows { try tx.writePendingIndexRows() }
            return try body(tx.sql)
        }
    }
}
