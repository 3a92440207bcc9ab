import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Storage

/// One connection to a PostgreSQL database, with the platform's errors: what the copy, the
/// migrations and the schema checks run their SQL on.
public struct PostgresSession: Sendable {
    public let connection: PostgresConnection
    public let location: PostgresLocation
    let logger: Logger

    public static func connect(_ location: PostgresLocation, logger: Logger = Logger(label: "ecba.postgres")) async throws(ServiceError) -> PostgresSession {
        let configuration: PostgresConnection.Configuration
        if let folder = location.socketFolder {
            configuration = .init(unixSocketPath: folder + "/.s.PGSQL.\(location.port)", username: location.user, password: location.password,
                                  database: location.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch location.tls {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            } catch {
                throw ServiceError(.storage, "cannot set up TLS for \(location): \(error)")
            }
            configuration = .init(host: location.host, port: location.port, username: location.user, password: location.password,
                                  database: location.database, tls: tls)
        }
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            return PostgresSession(connection: connection, location: location, logger: logger)
        } catch {
            throw Self.failure(error, "cannot connect to \(location)")
        }
    }

    public func close() async {
        try? await connection.close()
    }

    /// Runs one SQL statement and discards its rows.
    public func execute(_ sql: String, _ context: @autoclosure () -> String) async throws(ServiceError) {
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            throw Self.failure(error, context())
        }
    }

    /// Runs one query and hands each row to `body`, streaming.
    public func rows(_ sql: String, _ context: @autoclosure () -> String, _ body: (PostgresRow) throws -> Void) async throws(ServiceError) {
        do {
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) { try body(row) }
        } catch {
            throw Self.failure(error, context())
        }
    }

    /// Runs several statements, one at a time: `sql` split at each `;` that ends a line (the
    /// extended protocol takes one statement per query; the platform's SQL has no `;` at the end of
    /// a line inside a statement).
    public func executeScript(_ sql: String, _ context: String) async throws(ServiceError) {
        for statement in sql.components(separatedBy: ";\n") {
            let text = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            try await execute(text.hasSuffix(";") ? String(text.dropLast()) : text, context)
        }
    }

    /// A PostgreSQL error as the platform's: the server's message and detail, or the connection's
    /// failure (PostgresNIO's own description hides both).
    static func failure(_ error: any Error, _ context: String) -> ServiceError {
        if let known = error as? ServiceError { return known }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let detail = psql.serverInfo?[.detail].map { " (\($0))" } ?? ""
                let state = psql.serverInfo?[.sqlState].map { " [SQLSTATE \($0)]" } ?? ""
                return ServiceError(.storage, "\(context): \(message)\(detail)\(state)")
            }
            let underlying = psql.underlying.map { ": \($0)" } ?? ""
            return ServiceError(.storage, "\(context): \(psql.code)\(underlying)")
        }
        return ServiceError(.storage, "\(context): \(error)")
    }
}

extension PostgresMigrations {
    /// The migrations not yet applied to the session's database (all of them on an empty one).
    static func pending(_ session: PostgresSession) async throws(ServiceError) -> [(identifier: String, sql: String)] {
        var applied: Set<String> = []
        var exists = false
        try await session.rows("SELECT to_regclass('schema_migration') IS NOT NULL", "reading the schema's migrations") { row in
            exists = try row.decode(Bool.self)
        }
        if exists {
            try await session.rows("SELECT identifier FROM schema_migration", "reading the schema's migrations") { row in
                applied.insert(try row.decode(String.self))
            }
        }
        let known = Set(all.map(\.identifier))
        if let unknown = applied.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError(.conflict, "\(session.location) has the schema migration '\(unknown)', which this version of ecba does not know: it is newer")
        }
        return all.filter { !applied.contains($0.identifier) }
    }

    /// Applies the pending migrations in a transaction of their own; returns their identifiers.
    @discardableResult
    public static func migrate(_ session: PostgresSession, stamp: String) async throws(ServiceError) -> [String] {
        try await session.execute("BEGIN", "starting the migrations' transaction")
        do {
            let pending = try await pending(session)
            try await apply(pending, stamp: stamp, session)
            try await session.execute("COMMIT", "committing the migrations")
            return pending.map(\.identifier)
        } catch {
            try? await session.execute("ROLLBACK", "rolling back the migrations")
            throw error
        }
    }

    /// Applies the pending migrations in the session's open transaction, stamped `stamp`.
    static func apply(_ pending: [(identifier: String, sql: String)], stamp: String, _ session: PostgresSession) async throws(ServiceError) {
        guard !pending.isEmpty else { return }
        try await session.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (identifier text COLLATE \"C\" PRIMARY KEY, applied_at text COLLATE \"C\" NOT NULL)",
            "creating the migrations table"
        )
        for migration in pending {
            try await session.executeScript(migration.sql, "migration \(migration.identifier)")
            try await session.execute(
                "INSERT INTO schema_migration (identifier, applied_at) VALUES ('\(migration.identifier)', '\(stamp)')",
                "recording migration \(migration.identifier)"
            )
        }
        // What SQL cannot compute (the texts folded as SQLite's tokenizers fold them) is
        // written again by the platform's own code, in the same transaction.
        if pending.contains(where: { rebuildingSearch.contains($0.identifier) }) {
            do {
                let connection = PostgresSQLConnection(session)
                try connection.execute("DELETE FROM catalog_search", [])
                try CatalogSearchIndex.addCurrentPublications(on: connection)
            } catch {
                throw ServiceError.wrap(error, "rebuilding the catalog's search table")
            }
        }
    }

    /// The migrations after which the catalog's search rows are written again.
    static let rebuildingSearch: Set<String> = ["postgresql-catalog-search-match"]
}
