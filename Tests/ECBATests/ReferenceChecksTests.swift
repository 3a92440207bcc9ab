import Foundation
import Storage
import Testing

/// `ReferenceChecks` on SQLite: the writer's connection keeps its foreign-key setting between
/// transactions and changes it only when a transaction needs the other one.
struct ReferenceChecksTests {
    @Test("after transactions with references vouched for, the next one that checks them refuses a missing one, and the other way round")
    func alternating() throws {
        let store = try TemporaryDatabase(.sqlite)
        let database = store.database
        try database.transaction(at: Date()) { tx in
            try tx.sql.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT", [])
            try tx.sql.execute("CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id)) STRICT", [])
            try tx.sql.execute("INSERT INTO parent (id) VALUES (1)", [])
        }
        // The same statement text each time: a statement prepared under one setting is not run under the other.
        func insert(_ parent: Int64, _ references: ReferenceChecks) throws {
            try database.transaction(at: Date(), references: references) { tx in
                _ = try tx.sql.execute("INSERT INTO child (parent_id) VALUES (?)", [.integer(parent)])
            }
        }
        for _ in 0..<2 {
            try insert(1, .vouchedFor)
            try insert(7, .vouchedFor)
            #expect(throws: (any Error).self) { try insert(8, .each) }
            try insert(1, .each)
            #expect(throws: (any Error).self) { try insert(9, .each) }
        }
        #expect(try database.count("SELECT count(*) FROM child WHERE parent_id = 7") == 2)
        #expect(try database.count("SELECT count(*) FROM child WHERE parent_id IN (8, 9)") == 0)
        #expect(try database.count("SELECT count(*) FROM child") == 6)
    }
}
