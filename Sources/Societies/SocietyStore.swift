import Domain
import Foundation
import Storage

/// A society's API token as stored: never the secret, only its SHA-256.
public struct StoredToken: Sendable, Equatable {
    public var id: String
    public var societyID: String
    public var secretHash: String
    public var createdAt: Date
    public var revokedAt: Date?
}

/// The society register (`society`, `society_application`, `society_application_step`,
/// `api_token`), beside `SocietyService` and `TokenService`, which own the charter's procedure
/// and the token rules: each query written once on the storage kernel. Other features read a
/// society through `society(_:on:)`.
public enum SocietyStore {
    /// The one query of a society by id, for reads and transactions alike.
    public static func society(_ id: String, on sql: any SQLConnection) throws -> Society? {
        try sql.firstRow("SELECT id, name, kind, status FROM society WHERE id = ?", [.text(id)]).map(society(from:))
    }

    static func societies(on sql: any SQLConnection) throws -> [Society] {
        try sql.rows("SELECT id, name, kind, status FROM society ORDER BY id").map(society(from:))
    }

    /// Inserts a new society; a taken id is a conflict.
    static func insert(_ society: Society, in tx: StoreTransaction) throws {
        if try tx.sql.firstRow("SELECT 1 FROM society WHERE id = ?", [.text(society.id)]) != nil {
            throw ServiceError(.conflict, "society '\(society.id)' already exists")
        }
        try tx.sql.execute(
            "INSERT INTO society (id, name, kind, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(society.id), .text(society.name), .text(society.kind.rawValue), .text(society.status.rawValue), .text(tx.stamp), .text(tx.stamp)]
        )
    }

    /// Sets a society's status; a missing society is `notFound`.
    static func updateStatus(_ id: String, to status: SocietyStatus, in tx: StoreTransaction) throws {
        let changed = try tx.sql.execute("UPDATE society SET status = ?, updated_at = ? WHERE id = ?", [.text(status.rawValue), .text(tx.stamp), .text(id)])
        if changed == 0 {
            throw ServiceError(.notFound, "no society '\(id)'")
        }
    }

    /// Every application of a society, oldest first, with its steps.
    static func applications(of societyID: String, on sql: any SQLConnection) throws -> [SocietyApplication] {
        try sql.rows("SELECT id, applied_at, outcome FROM society_application WHERE society_id = ? ORDER BY id", [.text(societyID)]).map { row in
            let id = row.int64(0) ?? 0
            let steps = try sql.rows(
                "SELECT stage, decision, comment, actor, at FROM society_application_step WHERE application_id = ? ORDER BY at, rowid", [.integer(id)]
            ).map { step in
                guard let stage = step.text(0).flatMap(ApplicationStage.init(rawValue:)), let decision = step.text(1).flatMap(StepDecision.init(rawValue:)),
                      let at = step.text(4).flatMap(Date.init(iso8601:)) else {
                    throw ServiceError(.storage, "a step of application \(id) is unreadable")
                }
                return SocietyApplication.Step(stage: stage, decision: decision, comment: step.text(2) ?? "", actor: step.text(3) ?? "", at: at)
            }
            guard let appliedAt = row.text(1).flatMap(Date.init(iso8601:)) else {
                throw ServiceError(.storage, "application \(id) has a bad date")
            }
            return SocietyApplication(
                id: id, societyID: societyID, appliedAt: appliedAt, steps: steps, outcome: row.text(2).flatMap(SocietyApplication.Outcome.init(rawValue:))
            )
        }
    }

    /// The society's open application, if any.
    static func openApplication(of societyID: String, on sql: any SQLConnection) throws -> SocietyApplication? {
        try applications(of: societyID, on: sql).last { $0.outcome == nil }
    }

    /// Opens an application now; returns its id.
    static func insertApplication(of societyID: String, in tx: StoreTransaction) throws -> Int64 {
        guard let id = try tx.sql.firstRow(
            "INSERT INTO society_application (society_id, applied_at) VALUES (?, ?) RETURNING id", [.text(societyID), .text(tx.stamp)]
        )?.int64(0) else {
            throw ServiceError(.storage, "the new application of \(societyID) has no id")
        }
        return id
    }

    static func insertStep(_ step: SocietyApplication.Step, applicationID: Int64, on sql: any SQLConnection) throws {
        try sql.execute(
            "INSERT INTO society_application_step (application_id, stage, decision, comment, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
            [.integer(applicationID), .text(step.stage.rawValue), .text(step.decision.rawValue), .text(step.comment), .text(step.actor), .text(step.at.iso8601)]
        )
    }

    static func closeApplication(_ applicationID: Int64, outcome: SocietyApplication.Outcome, on sql: any SQLConnection) throws {
        try sql.execute("UPDATE society_application SET outcome = ? WHERE id = ?", [.text(outcome.rawValue), .integer(applicationID)])
    }

    /// A society from `id, name, kind, status`.
    static func society(from row: SQLRow) throws -> Society {
        guard let kind = row.text(2).flatMap(SocietyKind.init(rawValue:)), let status = row.text(3).flatMap(SocietyStatus.init(rawValue:)) else {
            throw ServiceError(.storage, "society '\(row.text(0) ?? "?")' has an unknown kind or status")
        }
        return Society(id: row.text(0) ?? "", name: row.text(1) ?? "", kind: kind, status: status)
    }

    // MARK: API tokens

    private static let tokenColumns = "id, society_id, secret_hash, created_at, revoked_at"

    static func insertToken(id: String, societyID: String, secretHash: String, in tx: StoreTransaction) throws {
        try tx.sql.execute(
            "INSERT INTO api_token (id, society_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
            [.text(id), .text(societyID), .text(secretHash), .text(tx.stamp)]
        )
    }

    /// Revokes a society's token; false when it has no such token (or it is revoked already).
    static func revokeToken(id: String, societyID: String, in tx: StoreTransaction) throws -> Bool {
        try tx.sql.execute(
            "UPDATE api_token SET revoked_at = ? WHERE id = ? AND society_id = ? AND revoked_at IS NULL",
            [.text(tx.stamp), .text(id), .text(societyID)]
        ) > 0
    }

    static func token(id: String, on sql: any SQLConnection) throws -> StoredToken? {
        try sql.firstRow("SELECT \(tokenColumns) FROM api_token WHERE id = ?", [.text(id)]).map(token(from:))
    }

    static func tokens(of societyID: String, on sql: any SQLConnection) throws -> [StoredToken] {
        try sql.rows("SELECT \(tokenColumns) FROM api_token WHERE society_id = ? ORDER BY created_at, id", [.text(societyID)]).map(token(from:))
    }

    static func token(from row: SQLRow) throws -> StoredToken {
        guard let id = row.text(0), let societyID = row.text(1), let hash = row.text(2), let created = row.text(3).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "token \(row.text(0) ?? "?") is unreadable")
        }
        return StoredToken(id: id, societyID: societyID, secretHash: hash, createdAt: created, revokedAt: row.text(4).flatMap(Date.init(iso8601:)))
    }
}
