import Foundation
import GRDB
@testable import Storage
import Testing

@Suite("Stored timestamps")
struct TimestampTests {
    @Test("the fast parser of the stored format agrees with Foundation's, and refuses other shapes")
    func fastParser() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // 1900-2100, millisecond resolution.
            let millis = Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator)
            let date = Date(timeIntervalSince1970: TimeInterval(millis) / 1_000)
            let text = date.iso8601
            let parsed = try #require(Date.parseStamp(text), "\(text)")
            let foundation = try Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            #expect(abs(parsed.timeIntervalSince1970 - foundation.timeIntervalSince1970) < 0.000_01, "\(text)")
            // Formatting truncates to the millisecond: the text is within 1 ms of the date.
            #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001_01, "\(text)")
            #expect(Date(iso8601: text) == parsed)
        }
        for bad in ["2026-13-01T00:00:00.000Z", "2026-01-01T24:00:00.000Z", "2026-01-01 00:00:00.000Z", "2026-01-01T00:00:00Z", "２026-01-01T00:00:00.000Z"] {
            #expect(Date.parseStamp(bad) == nil, "\(bad)")
        }
        // Other ISO 8601 shapes still parse through Foundation.
        #expect(Date(iso8601: "2026-01-01T00:00:00.5Z") != nil)
    }
}

extension TimestampTests {
    @Test("the platform's own formatter writes what Foundation's ISO 8601 style writes, to the character")
    func formatter() {
        var generator = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSinceReferenceDate: 0), Date(timeIntervalSinceReferenceDate: -0.000_1),
                     Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_107_542_399.999_9)]
        for index in 0..<5_000 {
            // 0001-9999 with any fraction, and whole milliseconds (as the platform stores them).
            let seconds = Double.random(in: -62_135_596_800...253_402_300_799, using: &generator)
            dates.append(Date(timeIntervalSince1970: index % 2 == 0 ? seconds : (seconds * 1_000).rounded(.down) / 1_000))
        }
        for date in dates {
            #expect(date.iso8601 == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
    }
}

@Suite("Statements bound through SQLite's C API")
struct BoundStatementTests {
    @Test("too few or too many values are refused before the statement runs, and it stays usable")
    func bindCount() throws {
        let store = try TemporaryDatabase(.sqlite)
        try store.database.writer.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT, b INTEGER)")
            let sql = "INSERT INTO t (a, b) VALUES (?, ?)"
            var short = try BoundStatement(SQLiteConnection(db), sql)
            short.bind("x")
            #expect(throws: DatabaseError.self) { try short.run() }
            var long = try BoundStatement(SQLiteConnection(db), sql)
            long.bind("x")
            long.bind(Int64(1))
            long.bind(Int64(2))
            #expect(throws: DatabaseError.self) { try long.run() }
            var good = try BoundStatement(SQLiteConnection(db), sql)
            good.bind("y")
            good.bind(Int64(2))
            #expect(try good.run() == 1)
            #expect(try Row.fetchAll(db, sql: "SELECT a, b FROM t").map { "\($0["a"] as String):\($0["b"] as Int)" } == ["y:2"])
        }
    }
}
