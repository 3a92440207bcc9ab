import ArgumentParser
import Foundation
import PostgresStorage
import Storage

/// `ecba database copy`: the platform's database itself.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database",
        abstract: "The platform's database: copy an SQLite platform into PostgreSQL.",
        discussion: Help.prose("""
            SQLite (one file, --database) is the platform's embedded database, right for one \
            society or a pilot. A national platform runs on PostgreSQL; 'ecba database copy' moves \
            an SQLite platform there.
            """),
        subcommands: [Copy.self]
    )

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy an SQLite platform into an empty PostgreSQL database, checking every table.",
            discussion: Help.prose("""
                Creates the platform's schema in the target (its PostgreSQL migrations), copies \
                every table from one consistent snapshot of the SQLite file, sets each id \
                sequence past the highest id SQLite handed out, then reads every table back and \
                compares its row count and checksum with the source. Everything happens in one \
                PostgreSQL transaction: if anything differs or fails, nothing is left in the \
                target. The SQLite file is only read, and may stay in use meanwhile (what is \
                written after the copy starts is not copied).

                The target must be empty: a database that holds any row, or tables ecba did not \
                make, is refused untouched. Create one first (createdb ecba). The catalog's \
                search index is not copied: it is rebuilt from the catalog.

                The URL is libpq's: postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with \
                ?sslmode=disable|prefer|require (default prefer) and ?host=/path/to/socket-folder \
                for a Unix socket; PGPASSWORD gives the password when the URL has none. Progress \
                goes to standard error; --json prints each table's rows and checksum.

                Examples:
                  ecba database copy --database ecba.sqlite --to postgresql://ecba@db.internal/ecba
                  PGPASSWORD=secret ecba database copy --to 'postgresql://ecba@127.0.0.1:5432/ecba?sslmode=disable' --json
                """)
        )

        @OptionGroup var options: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("The PostgreSQL database to copy into (a postgresql:// URL).", valueName: "url"))
        var to: String

        func run() throws {
            let location: PostgresLocation
            do {
                location = try PostgresLocation(url: to)
            } catch {
                throw Console.fail(error.message)
            }
            let path = options.databasePath
            guard !PostgresLocation.isURL(path) else {
                throw Console.fail("the copy reads an SQLite platform; --database names a PostgreSQL one")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw Console.fail("there is no platform database at '\(path)' to copy (give its file with --database)")
            }
            let database = try options.open()
            let stamp = Date().formatted(.iso8601)
            let result = Blocking.wait { () async -> Result<DatabaseCopy.Report, ServiceError> in
                do throws(ServiceError) {
                    return .success(try await DatabaseCopy.copy(from: database, to: location, stamp: stamp, progress: Self.report))
                } catch {
                    return .failure(error)
                }
            }
            let report: DatabaseCopy.Report
            switch result {
            case .success(let value): report = value
            case .failure(let error): throw Console.fail(error.message)
            }
            if options.json {
                try Console.json(report)
            } else {
                let width = report.tables.map(\.table.count).max() ?? 0
                for table in report.tables {
                    Console.out(table.table.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(table.rows).leftPadded(10) + "  " + table.checksum)
                }
                let migrations = report.migrations.isEmpty ? "" : " (schema: \(report.migrations.joined(separator: ", ")))"
                Console.out("copied \(report.rows) row(s) in \(report.tables.count) table(s) to \(report.target) in "
                    + String(format: "%.1f", report.seconds) + " s; every table's count and checksum match\(migrations)")
            }
        }

        /// A progress line on standard error: each table when done, and every 100,000 rows of a large one.
        @Sendable static func report(_ progress: DatabaseCopy.Progress) {
            if progress.rows == progress.total || progress.rows % 100_000 == 0 {
                Console.err("\(progress.table): \(progress.rows) of \(progress.total) row(s)")
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
