import CSQLiteConfig
import CSQLitePageCache
import CSQLiteWAL
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The platform's SQLite database: WAL, foreign keys on, versioned migrations.
///
/// Every service writes through `write`, which is one transaction: all or nothing.
public final class AppDatabase: Sendable {
    /// Where the platform's data is: an SQLite file (GRDB's pool) or a server database.
    enum Engine: Sendable {
        case sqlite(any DatabaseWriter)
        case server(any SQLServer)
    }

    let engine: Engine
    /// Checkpoints an SQLite file's WAL beside the writer (nil for a server database).
    let checkpointer: WALCheckpointer?
    /// Whether the SQLite writer's connection looks up foreign keys now (`ReferenceChecks`).
    let writerForeignKeys = ForeignKeySetting()
    /// The SQLite writer's transactions that wrote index rows only (`writingOnlyIndexRows`).
    let writerIndexRowMoves = IndexRowMoves()
    /// A read-only copy of a server database that may lag behind it (a streaming replica), for
    /// the reads that may (`reading(_:mayLag:_:)`).
    let replica: (any SQLServer)?
    /// The database file, or the server database's URL without its password.
    public let path: String

    /// Whether a `--database` value is a server database's URL (postgresql://), not a file name.
    public static func isServerURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// The database file's path; nil for a server database, which has no file (nor anything a
    /// file keeps beside it: the content store, signing keys).
    public var file: String? {
        if case .sqlite = engine { return path }
        return nil
    }

    /// Opens a server database (PostgreSQL, through `PostgresStorage`), migrated by its opener;
    /// with `replica`, the reads that may lag go there.
    public init(server: any SQLServer, replica: (any SQLServer)? = nil) {
        engine = .server(server)
        checkpointer = nil
        self.replica = replica
        path = server.name
    }

    deinit {
        checkpointer?.close()
        if case .server(let server) = engine { server.close() }
        replica?.close()
    }

    /// GRDB's pool, for what only an SQLite file has (its migrator, its journal mode, a
    /// snapshot of its tables); a server database refuses, naming what was asked. Writes go
    /// through `transaction`: between two, the writer's connection may have foreign keys off.
    func sqliteWriter(_ context: String) throws(ServiceError) -> any DatabaseWriter {
        switch engine {
        case .sqlite(let writer): return writer
        case .server(let server):
            throw ServiceError(.storage, "\(context) reads an SQLite file; \(server.name) is a server database")
        }
    }

    /// GRDB's pool of an SQLite database (migration tests reach below the stores).
    var writer: any DatabaseWriter {
        get throws(ServiceError) { try sqliteWriter("GRDB's pool") }
    }

    /// Runs `body` in one read-only transaction on the storage kernel's connection, on either
    /// database. `mayLag`: what it reads may be a little behind the latest commit (a report, the
    /// catalog, a transcript), so it goes to the replica when there is one.
    public func reading<T>(_ context: String, mayLag: Bool = false, _ body: (any SQLConnection) throws -> T) throws(ServiceError) -> T {
        do {
            if mayLag, let replica { return try replica.read(body) }
            switch engine {
            case .sqlite(let writer): return try writer.read { db in try body(SQLiteConnection(db)) }
            case .server(let server): return try server.read(body)
            }
        } catch {
            throw ServiceError.wrap(error, context)
        }
    }

    /// SQLite's process-wide settings, made once before the first connection opens: connections
    /// without SQLite's own mutex (GRDB runs each on its serial queue, so the mutex only cost
    /// time: 6% of a statement insert), no memory statistics (a global mutex per allocation), and
    /// statement and savepoint journals kept in memory up to `statementJournalSpill`, SQLite's
    /// page cache behind `CSQLitePageCache`'s layer; then the write-ahead log written in large
    /// writes (`CSQLiteWAL`'s VFS, made the default). Had anything opened SQLite before, SQLite
    /// refuses the four settings and stays as it was, serialised, with its own page cache; the
    /// VFS is registered either way.
    private static let sqliteConfigured: Bool = {
        let multithread = ecba_sqlite_config_multithread()
        let memstatus = ecba_sqlite_config_memstatus_off()
        let journal = ecba_sqlite_config_statement_journal_spill(statementJournalSpill)
        let pageCache = ecba_sqlite_config_page_cache()
        // After the settings: registering a VFS initialises SQLite, which settings must precede.
        let log = ecba_sqlite_register_wal_buffer()
        return multithread == SQLITE_OK && memstatus == SQLITE_OK && journal == SQLITE_OK && pageCache == SQLITE_OK && log == SQLITE_OK
    }()

    /// Bytes of a statement or savepoint journal held in memory before it spills to a temporary
    /// file (SQLite's default is 64 KiB). SQLite copies every page a savepoint (or a statement
    /// that may fail halfway, such as a multi-row INSERT) changes to its journal first: when the
    /// LRS's group commit stored each request in a savepoint, with the default those copies went
    /// to a file in /var/tmp, a write per page, 60% of the writer's writes (measured: 4.5 page
    /// copies per statement POSTed, next to 3 WAL frames; requests now go without one unless a
    /// request of their group fails). Only the writer journals, one transaction at a time. SQLite
    /// allocates the journal in chunks of this size: 64 MiB chunks were mapped and faulted in
    /// afresh for every savepoint (as slow as the file), 8 MiB stay in the writer's heap and hold
    /// a request of a few hundred statements.
    static let statementJournalSpill: Int32 = 8 << 20

    /// WAL pages at which the writer checkpoints itself (see `WALCheckpointer`).
    static let walCeiling = 65_536

    /// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
    public convenience init(path: String) throws(ServiceError) {
        try self.init(path: path, migratingUpTo: nil)
    }

    /// Opens the database migrated up to `target` (tests of a migration start from the schema before it).
    init(path: String, migratingUpTo target: String?) throws(ServiceError) {
        // A server's URL is not a file name (it would make folders named after it).
        if Self.isServerURL(path) {
            throw ServiceError(.invalidArgument, "a postgresql:// URL names a server database, not an SQLite file", field: "database")
        }
        _ = Self.sqliteConfigured
        self.path = path
        replica = nil
        checkpointer = WALCheckpointer(path: path)
        let writer: any DatabaseWriter
        do {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Page cache (SQLite's default is 2 MiB), allocated as used: 64 MiB per reader, and
                // 256 MiB for the one writer, because large imports insert into random places of the
                // statement indexes and a cache smaller than them is spilled to the WAL again and
                // again (measured on 1,000,000 statements: 46.8 s with 64 MiB, 38.6 s with 256 MiB).
                try db.execute(sql: db.configuration.readonly ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -262144")
                // Checkpoints run beside the writer (`WALCheckpointer`, at most one every 250 ms
                // after commits). The writer's own, which waits for the disk, is a ceiling: at 65,536
                // pages (256 MiB of WAL) rather than SQLite's 1,000, since every checkpoint of a
                // busy WAL copies the same hot index pages back into the file again (measured
                // with 10 clients POSTing batches of 100, before the checkpointer: 5,700-5,900
                // statements/s at 1,000 pages, 7,300-8,000 at 16,384, 8,100 at 65,536).
                if !db.configuration.readonly { try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCeiling)") }
            }
            writer = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw ServiceError(.storage, "cannot open database '\(path)': \(error)")
        }
        do {
            if let target { try Self.migrator.migrate(writer, upTo: target) } else { try Self.migrator.migrate(writer) }
        } catch {
            throw ServiceError(.storage, "cannot migrate database '\(path)': \(error)")
        }
        engine = .sqlite(writer)
    }

    /// Runs `body` on a read-only snapshot of the SQLite file.
    func read<T>(_ context: String, _ body: @Sendable (Database) throws -> T) throws(ServiceError) -> T {
        do {
            return try sqliteWriter(context).read(body)
        } catch {
            throw ServiceError.wrap(error, context)
        }
    }

    /// The applied migrations, oldest first.
    public func appliedMigrations() throws(ServiceError) -> [String] {
        try read("reading migrations") { db in try Self.migrator.appliedMigrations(db) }
    }

    /// The journal mode in force ("wal" for a pool).
    public func journalMode() throws(ServiceError) -> String {
        try read("reading journal mode") { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}

/// `PRAGMA foreign_keys` of the SQLite writer's connection, changed only when a transaction needs
/// the other setting: a change makes SQLite prepare every statement of the connection again (its
/// plan includes the reference checks or not), so the LRS writer's transactions, one after
/// another with references vouched for, kept paying a prepare of each of their statements
/// (measured: 3% of the writer's time). Touched only on the writer's serial queue.
final class ForeignKeySetting: Sendable {
    private let enabled = Mutex(true)

    /// Sets it to `on` unless it is so already; outside a transaction (SQLite ignores it inside).
    func set(_ on: Bool, on db: Database) throws {
        try enabled.withLock { enabled in
            guard enabled != on else { return }
            try db.execute(sql: on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF")
            enabled = on
        }
    }
}
