import ArgumentParser
import Catalog
import Foundation
import PostgresStorage
import Storage

/// Options every data command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "SQLite database file, or a postgresql:// URL.",
            discussion: "Defaults to $ECBA_DATABASE, else ./ecba.sqlite. On PostgreSQL ('ecba database copy' puts a platform there) every command runs, and 'ecba serve' serves all of it: the society API, the player and the LRS. The content store (--content) and signing keys (--keys) are folders: give them (every server of one platform the same).",
            valueName: "path"
        )
    )
    var database: String?

    @Option(
        name: .customLong("read-database"),
        help: ArgumentHelp(
            "A read-only replica of a postgresql:// --database, for the reads that may lag.",
            discussion: "Defaults to $ECBA_READ_DATABASE. Reports, the catalog (list, search, show) and transcripts read there; everything else, and every change, goes to --database. A streaming replica of it (e.g. made with pg_basebackup -R).",
            valueName: "url"
        )
    )
    var readDatabase: String?

    @Flag(name: .long, help: "Print machine-readable JSON on standard output.")
    var json = false

    var databasePath: String {
        database ?? ProcessInfo.processInfo.environment["ECBA_DATABASE"] ?? "./ecba.sqlite"
    }

    /// The platform's database; on PostgreSQL with `connections` connections (as many as
    /// transactions may run at once: one for a command, more for `serve`).
    func open(connections: Int = 1) throws -> AppDatabase {
        let path = databasePath
        let replica = readDatabase ?? ProcessInfo.processInfo.environment["ECBA_READ_DATABASE"]
        guard PostgresLocation.isURL(path) else {
            if replica != nil { throw Console.fail("--read-database is a replica of a postgresql:// --database; an SQLite file has none") }
            do {
                return try AppDatabase(path: path)
            } catch {
                throw Console.fail(error.message)
            }
        }
        let stamp = Date().formatted(.iso8601)
        let opened = Blocking.wait { () async -> Result<AppDatabase, ServiceError> in
            do throws(ServiceError) {
                let server = try await PostgresDatabase.open(try PostgresLocation(url: path), stamp: stamp, connections: connections)
                guard let replica else { return .success(AppDatabase(server: server)) }
                do throws(ServiceError) {
                    return .success(AppDatabase(server: server, replica: try await PostgresDatabase.openReplica(try PostgresLocation(url: replica), connections: connections)))
                } catch {
                    server.close()
                    throw error
                }
            } catch {
                return .failure(error)
            }
        }
        switch opened {
        case .success(let database): return database
        case .failure(let error): throw Console.fail(error.message)
        }
    }
}

/// `--content PATH`: the commands that read or write package files (import, content, serve, demo).
struct ContentOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder of the content store (every file of every imported package).",
            discussion: "Defaults to $ECBA_CONTENT, else the database's path with .content appended. A postgresql:// database has no path: give the folder (every server of one platform the same, e.g. a shared mount).",
            valueName: "path"
        )
    )
    var content: String?

    /// The content store's folder; nil: beside the database file. On a postgresql:// database,
    /// which has no file to keep it beside, a folder must be given.
    func root(database: String) throws -> String? {
        if let folder = content ?? ProcessInfo.processInfo.environment["ECBA_CONTENT"] { return folder }
        guard !PostgresLocation.isURL(database) else {
            throw Console.fail("a postgresql:// database has no content store folder beside it; pass --content DIR or set ECBA_CONTENT")
        }
        return nil
    }
}

/// Writing to the terminal, and turning refusals into a one-line reason and an exit code.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints `ecba: reason` on standard error and returns the exit code to throw.
    static func fail(_ reason: String, code: Int32 = 1) -> ExitCode {
        err("ecba: \(reason)")
        return ExitCode(code)
    }

    static func fail(_ error: ServiceError) -> ExitCode {
        fail(phrase(error))
    }

    /// A service's refusal in the CLI's words: the option the input came from, and the command
    /// that puts it right (services name neither).
    static func phrase(_ error: ServiceError) -> String {
        var text = error.message
        if let field = error.field { text += " (--\(field))" }
        if let remedy = error.remedy { text += "; " + phrase(remedy) }
        return text
    }

    static func phrase(_ remedy: ServiceError.Remedy) -> String {
        switch remedy {
        case .addSociety: "add it with 'ecba society add'"
        case .applyAgain(let society): "it applies with 'ecba society apply \(society)'"
        case .setRegistry: "see 'ecba society set-registry'"
        case .addCommitteeMember: "add them with 'ecba committee add-member'"
        case .listCommittee: "see 'ecba committee list'"
        case .listReviews: "see 'ecba review list'"
        case .browseCatalog: "see 'ecba catalog list'"
        case .addEngineer: "add one with 'ecba engineer add'"
        case .enroll: "enroll with 'ecba enroll'"
        case .listPolicies: "see 'ecba policy list'"
        case .generateSigningKey: "create one with 'ecba keys generate --alg RS256'"
        case .rotateSigningKey: "run 'ecba keys rotate'"
        }
    }

    /// Pretty, key-sorted JSON with ISO 8601 dates.
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        out(String(decoding: data, as: UTF8.self))
    }
}
