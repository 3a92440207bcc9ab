import Foundation
import GRDB
import GRDBSQLite
@testable import Storage
import Testing

/// The write-ahead log's frames gather in the writer's buffer and reach the file in large
/// writes (Sources/CSQLiteWAL): every committed transaction must be in the log file when its
/// commit returns, whatever the transaction looked like. Each test copies the database and its
/// log while the writer still has them open (what a crash leaves) and opens the copy, which
/// SQLite recovers from the log alone.
@Suite("SQLite's WAL, written in large writes")
struct WALBufferTests {
    /// A platform database whose checkpoints are stopped, so that the log alone holds the commits,
    /// with an empty table `wal_probe (n, payload)`.
    private func openedWithoutCheckpoints() throws -> (AppDatabase, folder: URL, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-walbuffer-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("platform.sqlite").path
        let database = try AppDatabase(path: path)
        database.checkpointer?.close()
        try database.transaction(at: Date()) { tx in
            _ = try tx.sql.execute("CREATE TABLE wal_probe (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)", [])
        }
        return (database, folder, path)
    }

    /// `read` on the database and its log as a crash would leave them, copied and opened (and so
    /// recovered) elsewhere; with the copy's `PRAGMA integrity_check`.
    private func afterCrash<T>(_ path: String, in folder: URL, _ read: (Database) throws -> T) throws -> (T, check: String) {
        let copy = folder.appendingPathComponent("after-crash-\(UUID().uuidString).sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        let queue = try DatabaseQueue(path: copy)
        defer { try? queue.close() }
        return try queue.read { db in (try read(db), try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "") }
    }

    private func vfsName(_ database: AppDatabase) throws -> String {
        try database.read("vfs name") { db in
            var name: UnsafeMutablePointer<CChar>?
            let code = withUnsafeMutablePointer(to: &name) { sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_VFSNAME, $0) }
            defer { sqlite3_free(name) }
            guard code == SQLITE_OK, let name else { return "" }
            return String(cString: name)
        }
    }

    @Test("each commit is in the log file when it returns: small, large and one-page transactions survive a crash right after")
    func commitsReachTheFile() throws {
        let (database, folder, path) = try openedWithoutCheckpoints()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try vfsName(database).hasPrefix("ecba-wal-buffer/"))
        var expected = 0
        // One row, a few pages, then transactions of far more than one buffer (124 KiB) of frames.
        for (round, rows) in [1, 1, 30, 400, 2_000, 1, 7_000, 3].enumerated() {
            let first = expected
            try database.transaction(at: Date()) { tx in
                for n in 0..<rows {
                    let key = Int64(first + n)
                    try tx.sql.execute("INSERT INTO wal_probe (n, payload) VALUES (?, ?)",
                                       [.integer(key), .text(String(repeating: "\(round)-\(n);", count: 8))])
                }
            }
            expected += rows
            let (count, check) = try afterCrash(path, in: folder) { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM wal_probe") ?? -1 }
            #expect(count == expected, "after transaction \(round) of \(rows) rows")
            #expect(check == "ok")
        }
    }

    @Test("a transaction larger than the page cache, which rewrites pages it spilled to the log, commits whole")
    func spilledPagesRewritten() throws {
        let (database, folder, path) = try openedWithoutCheckpoints()
        defer { try? FileManager.default.removeItem(at: folder) }
        try database.transaction(at: Date()) { tx in
            // Ten pages of cache: the inserts spill to the log before the commit, and the update
            // changes those pages again, so their frames are rewritten in place and the
            // transaction's checksums written again at the commit.
            try tx.sql.execute("PRAGMA cache_size = 10", [])
            for n in 0..<5_000 {
                try tx.sql.execute("INSERT INTO wal_probe (n, payload) VALUES (?, ?)", [.integer(Int64(n)), .text(String(repeating: "a", count: 100))])
            }
            try tx.sql.execute("UPDATE wal_probe SET payload = 'b' || n", [])
            try tx.sql.execute("PRAGMA cache_size = -262144", [])
        }
        // Read back by the writer's own connection: it finds in the log what it wrote there.
        let seen = try database.read("reading back") { db in try String.fetchOne(db, sql: "SELECT payload FROM wal_probe WHERE n = 4321") }
        #expect(seen == "b4321")
        let ((count, wrong), check) = try afterCrash(path, in: folder) { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM wal_probe") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM wal_probe WHERE payload <> 'b' || n") ?? -1)
        }
        #expect(count == 5_000)
        #expect(wrong == 0)
        #expect(check == "ok")
    }

    @Test("another connection sees each commit as soon as it returns")
    func otherConnectionsSeeCommits() throws {
        let (database, folder, path) = try openedWithoutCheckpoints()
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = try DatabaseQueue(path: path)
        defer { try? other.close() }
        for round in 1...20 {
            try database.transaction(at: Date()) { tx in
                for n in 0..<(round * 37) {
                    try tx.sql.execute("INSERT INTO wal_probe (payload) VALUES (?)", [.text("\(round).\(n)")])
                }
            }
            let count = try other.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM wal_probe") }
            #expect(count == 37 * round * (round + 1) / 2)
        }
    }
}
