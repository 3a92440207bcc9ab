import CSQLitePageCache
import Foundation
import GRDB
import GRDBSQLite
@testable import Storage
import Testing

/// SQLite's page cache runs behind a layer that skips a truncation with nothing to remove
/// (Sources/CSQLitePageCache): whatever it skips, no page at or beyond the limit may stay. The
/// tests drive the installed cache as SQLite's pager does (fetch, unpin, move a page to the lock
/// page's number and back, truncate), then a database through it.
@Suite("SQLite's page cache, truncations with nothing to remove skipped")
struct PageCacheTests {
    /// The lock page's number with 4 KiB pages, where SQLite's b-tree parks a page while it swaps two.
    private let parkKey: UInt32 = 0x4000_0000 / 4096 + 1

    /// The page cache methods SQLite uses, once a platform database has configured SQLite.
    private func methods() throws -> sqlite3_pcache_methods2 {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-pagecache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try AppDatabase(path: folder.appendingPathComponent("platform.sqlite").path)
        let installed = try #require(ecba_page_cache_methods())
        return installed.assumingMemoryBound(to: sqlite3_pcache_methods2.self).pointee
    }

    /// A cache of 4 KiB pages holding pages `keys`, unpinned.
    private struct Cache {
        let methods: sqlite3_pcache_methods2
        let cache: OpaquePointer

        init(_ methods: sqlite3_pcache_methods2, keys: ClosedRange<UInt32>) throws {
            self.methods = methods
            cache = try #require(methods.xCreate?(4096, 64, 1))
            methods.xCachesize?(cache, 1_000)
            for key in keys { try add(key) }
        }

        func add(_ key: UInt32) throws {
            let page = try #require(methods.xFetch?(cache, key, 2))
            methods.xUnpin?(cache, page, 0)
        }

        func contains(_ key: UInt32) -> Bool {
            guard let page = methods.xFetch?(cache, key, 0) else { return false }
            methods.xUnpin?(cache, page, 0)
            return true
        }

        /// Moves page `from` to number `to`, as the pager does (pinned while it moves).
        func move(_ from: UInt32, to: UInt32) throws {
            let page = try #require(methods.xFetch?(cache, from, 0))
            methods.xRekey?(cache, page, from, to)
            methods.xUnpin?(cache, page, 0)
        }

        func truncate(_ limit: UInt32) { methods.xTruncate?(cache, limit) }
        var count: Int32 { methods.xPagecount?(cache) ?? -1 }
        func destroy() { methods.xDestroy?(cache) }
    }

    @Test("a page left at the lock page's number is removed by the next truncation")
    func parkedPageRemoved() throws {
        let cache = try Cache(try methods(), keys: 1...10)
        defer { cache.destroy() }
        try cache.move(10, to: parkKey)
        #expect(cache.count == 10)
        cache.truncate(11)
        #expect(cache.count == 9)
        #expect(!cache.contains(parkKey))
        #expect(cache.contains(9))
    }

    @Test("a page parked and moved back: a truncation above every page removes nothing, one below removes the pages from its limit")
    func parkedAndBack() throws {
        let cache = try Cache(try methods(), keys: 1...10)
        defer { cache.destroy() }
        try cache.move(10, to: parkKey)
        try cache.move(9, to: 10)
        try cache.move(parkKey, to: 9)
        cache.truncate(11)
        #expect(cache.count == 10)
        #expect((1...10).allSatisfy { cache.contains($0) })
        cache.truncate(6)
        #expect(cache.count == 5)
        #expect(cache.contains(5))
        #expect(!(6...10).contains { cache.contains($0) })
    }

    @Test("pages fetched or moved beyond the others, and one fetched at the lock page's number, are removed by a truncation below them")
    func highPagesRemoved() throws {
        let cache = try Cache(try methods(), keys: 1...10)
        defer { cache.destroy() }
        try cache.add(20)
        cache.truncate(15)
        #expect(cache.count == 10)
        #expect(!cache.contains(20))
        try cache.move(3, to: 30)
        cache.truncate(25)
        #expect(cache.count == 9)
        #expect(!cache.contains(30))
        try cache.add(parkKey)
        cache.truncate(11)
        #expect(!cache.contains(parkKey))
        #expect(cache.count == 9)
        // A limit of 0 empties the cache.
        cache.truncate(0)
        #expect(cache.count == 0)
    }

    @Test("a database through the cache: indexes split again and again, transactions rolled back after growing the file, every row read back whole")
    func databaseThroughTheCache() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-pagecache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try AppDatabase(path: folder.appendingPathComponent("platform.sqlite").path)
        try database.transaction(at: Date()) { tx in
            _ = try tx.sql.execute("CREATE TABLE cache_probe (n INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL)", [])
        }
        var kept = 0
        for round in 0..<12 {
            let rolledBack = round % 3 == 2
            do {
                try database.transaction(at: Date()) { tx in
                    for n in 0..<1_500 {
                        let number = Int64(round * 1_500 + n)
                        // Random keys: the unique index's pages split all over it (pages swapped).
                        try tx.sql.execute("INSERT INTO cache_probe (n, key, payload) VALUES (?, ?, ?)",
                                           [.integer(number), .text(UUID().uuidString), .text(String(repeating: "p", count: 300) + "\(number)")])
                    }
                    if rolledBack { throw ServiceError(.conflict, "rolled back on purpose") }
                }
            } catch let error as ServiceError where rolledBack && error.message.contains("on purpose") {}
            if !rolledBack { kept += 1_500 }
        }
        let (rows, payloads, check) = try database.read("cache probe") { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM cache_probe") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM cache_probe WHERE payload = ? || n", arguments: [String(repeating: "p", count: 300)]) ?? -1,
             try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "")
        }
        #expect(rows == kept)
        #expect(payloads == kept)
        #expect(check == "ok")
    }
}
