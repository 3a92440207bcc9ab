import Foundation
import Storage

/// Where a PostgreSQL database is, from a URL as libpq writes it:
/// `postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|prefer|require`, or a Unix
/// socket's folder as `?host=/var/run/postgresql`. The password may also come from `PGPASSWORD`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS or no connection.
        case require
    }

    public var host: String
    public var port: Int
    /// The folder of the server's Unix socket (`.s.PGSQL.PORT` in it), instead of TCP.
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Whether a text names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        AppDatabase.isServerURL(text)
    }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServiceError) {
        guard Self.isURL(text), let url = URLComponents(string: text) else {
            throw ServiceError(.invalidArgument, "'\(Self.redacted(text))' is not a PostgreSQL URL (postgresql://user:password@host:port/database)",
                               field: "database")
        }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set = ["sslmode", "host", "port", "user", "password", "dbname"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError(.invalidArgument, "the PostgreSQL URL's parameter '\(unknown)' is not supported (supported: \(known.sorted().joined(separator: ", ")))",
                               field: "database")
        }
        let mode = query["sslmode"] ?? "prefer"
        guard let tls = TLSMode(rawValue: mode) else {
            throw ServiceError(.invalidArgument, "sslmode '\(mode)' is not supported (disable, prefer or require)", field: "database")
        }
        let portText = query["port"] ?? url.port.map(String.init) ?? "5432"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ServiceError(.invalidArgument, "port '\(portText)' is not a TCP port", field: "database")
        }
        let user = query["user"] ?? url.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        var database = query["dbname"] ?? String(url.path.drop(while: { $0 == "/" }))
        if database.isEmpty { database = environment["PGDATABASE"] ?? user }
        guard !database.contains("/") else {
            throw ServiceError(.invalidArgument, "'\(database)' is not a database name", field: "database")
        }
        let hostParameter = query["host"] ?? url.host ?? ""
        self.port = port
        self.user = user
        self.password = query["password"] ?? url.password ?? environment["PGPASSWORD"]
        self.database = database
        self.tls = tls
        if hostParameter.hasPrefix("/") {
            socketFolder = hostParameter
            host = "localhost"
        } else {
            socketFolder = nil
            host = hostParameter.isEmpty ? "localhost" : hostParameter
        }
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        let place = socketFolder.map { "localhost:\(port)/\(database)?host=\($0)" } ?? "\(host):\(port)/\(database)"
        return "postgresql://\(user)@\(place)"
    }

    /// A URL as given, with any password replaced by `***`, for error messages.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text) else { return "postgresql://…" }
        if url.password != nil { url.password = "***" }
        if let items = url.queryItems, items.contains(where: { $0.name == "password" }) {
            url.queryItems = items.map { $0.name == "password" ? URLQueryItem(name: "password", value: "***") : $0 }
        }
        return url.string ?? "postgresql://…"
    }
}
