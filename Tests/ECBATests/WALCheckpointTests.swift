import Foundation
import GRDB
@testable import Storage
import Testing

/// SQLite's write-ahead log is copied back into the database file beside the writer, by the
/// checkpointer's own connection (`WALCheckpointer`), so the writer does not wait for the disk.
@Suite("SQLite's WAL, checkpointed beside the writer")
struct WALCheckpointTests {
    @Test("a commit after the interval starts a checkpoint on another connection: the database file alone then holds what was committed")
    func checkpointBesideWriter() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("platform.sqlite").path
        let database = try AppDatabase(path: path)
        let checkpointer = try #require(database.checkpointer)
        try database.transaction(at: Date()) { tx in
            try tx.sql.execute("CREATE TABLE wal_probe (n INTEGER NOT NULL)", [])
            for n in 1...1_000 { try tx.sql.execute("INSERT INTO wal_probe (n) VALUES (?)", [.integer(Int64(n))]) }
        }
        // Far below the writer's own ceiling (65,536 pages): only the checkpointer copies them.
        // Two more checkpoints: the second began after the rows were committed.
        // Counted in rounds, not against a clock: under the whole suite on PostgreSQL the
        // concurrency pool has been starved for over a minute, so one sleep outlasted a 60 s
        // deadline and the wait ended right after the commit that started a checkpoint.
        let target = checkpointer.completed + 2
        var rounds = 0
        while checkpointer.completed < target, rounds < 240 {
            try await Task.sleep(for: WALCheckpointer.interval)
            try database.transaction(at: Date()) { _ in }
            rounds += 1
        }
        #expect(checkpointer.completed >= target)
        // The file without its WAL: the rows are in it, copied, not only logged.
        let copy = folder.appendingPathComponent("file-alone.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let alone = try DatabaseQueue(path: copy)
        let rows = try await alone.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM wal_probe") }
        #expect(rows == 1_000)
        try alone.close()
        // Closing the database closes the checkpointer's connection; a commit after finds it closed.
        // A checkpoint the loop's last commit started may still end after close(): the count is
        // read once it has had time to.
        checkpointer.close()
        try await Task.sleep(for: WALCheckpointer.interval * 2)
        let closed = checkpointer.completed
        try database.transaction(at: Date()) { _ in }
        try await Task.sleep(for: WALCheckpointer.interval)
        #expect(checkpointer.completed == closed)
    }
}
