import Domain
import Foundation
import GRDB

extension AppDatabase {
    /// Inserts a new society; a taken id is a conflict.
    public func insertSociety(_ society: Society, at date: Date) throws(StorageError) {
        try write("adding society \(society.id)") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM society WHERE id = ?", arguments: [society.id]) == true {
                throw StorageError(.conflict, "society '\(society.id)' already exists")
            }
            try db.execute(
                sql: "INSERT INTO society (id, name, kind, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [society.id, society.name, society.kind.rawValue, society.status.rawValue, date.iso8601, date.iso8601]
            )
        }
    }

    /// Sets a society's status; a missing society is `notFound`.
    public func updateSocietyStatus(_ id: String, to status: SocietyStatus, at date: Date) throws(StorageError) {
        try write("updating society \(id)") { db in
            try db.execute(
                sql: "UPDATE society SET status = ?, updated_at = ? WHERE id = ?",
                arguments: [status.rawValue, date.iso8601, id]
            )
            if db.changesCount == 0 {
                throw StorageError(.notFound, "no society '\(id)'")
            }
        }
    }

    public func society(_ id: String) throws(StorageError) -> Society? {
        try read("reading society \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM society WHERE id = ?", arguments: [id]).map(Self.society(from:))
        }
    }

    public func societies() throws(StorageError) -> [Society] {
        try read("listing societies") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM society ORDER BY id").map(Self.society(from:))
        }
    }

    static func society(from row: Row) throws -> Society {
        guard let kind = SocietyKind(rawValue: row["kind"]), let status = SocietyStatus(rawValue: row["status"]) else {
            throw StorageError(.invalidData, "society '\(row["id"] as String? ?? "?")' has an unknown kind or status")
        }
        return Society(id: row["id"], name: row["name"], kind: kind, status: status)
    }
}

extension Date {
    /// ISO 8601 with fractional seconds, UTC: sorts as text.
    var iso8601: String {
        formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    init?(iso8601 text: String) {
        guard let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)) else {
            return nil
        }
        self = date
    }
}
