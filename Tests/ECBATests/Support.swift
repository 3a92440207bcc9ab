import ContentStore
import Dispatch
import Foundation
import PostgresStorage
import Storage
import Synchronization

/// Paths of the repository and the shared fixtures, read in place.
enum Paths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/packages")
    static let courses = repositoryRoot.appendingPathComponent("courses")

    static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }
    static func course(_ relative: String) -> String { courses.appendingPathComponent(relative).path }
}

/// The database the suite's services run on. By default each test world gets a real SQLite file;
/// with `ECBA_TEST_DATABASE=postgresql` (and `ECBA_TEST_POSTGRESQL` naming a server) each gets a
/// new database on that PostgreSQL server instead, so the same tests prove the same behaviour on
/// both (the README's test command runs the suite both ways). Tests about SQLite itself (its
/// files, migrations, copies from it) make their own SQLite files and run the same either way.
enum TestDatabase {
    static let onPostgres = ProcessInfo.processInfo.environment["ECBA_TEST_DATABASE"] == "postgresql"

    /// The folders a test world's database keeps beside it, by its `--database` value: the CLI
    /// under test gets them as `ECBA_CONTENT` and `ECBA_KEYS` (a PostgreSQL database has no
    /// file to keep them beside, so a real deployment names them too).
    static let folders = Mutex<[String: (content: String, keys: String)]>([:])
}

extension TestDatabase {
    /// Opens a test world's database again (another connection, as another process would).
    static func open(_ path: String) throws -> AppDatabase {
        guard PostgresLocation.isURL(path) else { return try AppDatabase(path: path) }
        return try Synchronously.run { () async throws -> AppDatabase in
            AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: path), stamp: Date().iso8601, connections: 1))
        }
    }
}

/// A real database for one test: an SQLite file in a fresh temporary folder, or (the suite on
/// PostgreSQL) a new database on the test server with its folders in one; removed at the end.
final class TemporaryDatabase {
    let folder: URL
    /// The `--database` value: the SQLite file's path or the PostgreSQL database's URL.
    let path: String
    /// The content store's folder and the signing keys' folder.
    let contentRoot: String
    let keysFolder: String
    let database: AppDatabase
    private let postgresName: String?

    /// Which database: the suite's (`TestDatabase`), or SQLite whatever the suite runs on, for
    /// the tests of SQLite itself.
    enum Kind { case suite, sqlite }

    init(_ kind: Kind = .suite) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard TestDatabase.onPostgres, kind == .suite else {
            path = folder.appendingPathComponent("ecba.sqlite").path
            contentRoot = ContentStore.defaultRoot(forDatabase: path)
            keysFolder = path + ".keys"
            postgresName = nil
            database = try AppDatabase(path: path)
            return
        }
        let name = "ecba_t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let url = try PostgresServer.createDatabase(name)
        path = url
        postgresName = name
        let folders = (content: folder.appendingPathComponent("content").path, keys: folder.appendingPathComponent("keys").path)
        contentRoot = folders.content
        keysFolder = folders.keys
        TestDatabase.folders.withLock { $0[url] = folders }
        database = try Synchronously.run { () async throws -> AppDatabase in
            AppDatabase(server: try await PostgresDatabase.open(try PostgresLocation(url: url), stamp: Date().iso8601, connections: 4))
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
        if let postgresName {
            TestDatabase.folders.withLock { $0[path] = nil }
            PostgresServer.dropDatabase(postgresName)
        }
    }
}

extension AppDatabase {
    /// A test's look below the services, on either database: every row of a query.
    func peek(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
        try reading("test") { connection in try connection.rows(sql, arguments) }
    }

    /// The first column of the first row as an integer (a count), 0 when there is none.
    func count(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int {
        Int(try peek(sql, arguments).first?.int64(0) ?? 0)
    }

    /// The first column of the first row as text.
    func text(_ sql: String, _ arguments: [SQLValue] = []) throws -> String? {
        try peek(sql, arguments).first?.text(0)
    }

    /// The first column of every row as text.
    func texts(_ sql: String, _ arguments: [SQLValue] = []) throws -> [String] {
        try peek(sql, arguments).compactMap { $0.text(0) }
    }

    /// The rows whose foreign keys name no row (`PRAGMA foreign_key_check`), as "table rowid →
    /// parent": the statement store writes without SQLite looking its references up
    /// (`ReferenceChecks.vouchedFor`), and this is the check that it never needed to. None on a
    /// server database, which looks every reference up as it is written.
    func danglingReferences() throws -> [String] {
        try reading("test") { connection in
            guard connection.dialect == .sqlite else { return [] }
            return try connection.rows("PRAGMA foreign_key_check", []).map { row in
                "\(row.text(0) ?? "?") \(row.int64(1).map(String.init) ?? "?") → \(row.text(2) ?? "?")"
            }
        }
    }

    /// A test's change below the services (a clock moved back, a row lost), in one transaction.
    func change(_ sql: String, _ arguments: [SQLValue] = []) throws {
        try transaction(at: Date()) { tx in _ = try tx.sql.execute(sql, arguments) }
    }
}

/// The value at `path` in a JSON text (a stored statement's body, read by a test).
func jsonValue(_ text: String?, _ path: [String]) -> Any? {
    var value: Any? = text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
    for key in path { value = (value as? [String: Any])?[key] }
    return value
}

/// The first value `probe` gives that is not nil, polling for up to `seconds`: for what a browser
/// sends as it leaves a page (a keepalive commit), which lands after the browser is gone.
func eventually<T>(within seconds: Double = 20, _ probe: () throws -> T?) async throws -> T? {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if let value = try probe() { return value }
        if Date() > deadline { return nil }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// Runs async work to completion from synchronous test code (a world's setup and teardown), on
/// a thread of its own: never waiting for the concurrency pool, whose few threads (two, on two
/// cores) may all be running tests that wait the same way. (A dispatch queue is no such thread:
/// on Linux it shares the pool's width, and two waiting tests starved it.)
enum Synchronously {
    final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
        private let condition = NSCondition()
        private var jobs: [UnownedJob] = []

        init() {
            let thread = Thread { [self] in
                while true {
                    condition.lock()
                    while jobs.isEmpty { condition.wait() }
                    let job = jobs.removeFirst()
                    condition.unlock()
                    job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            thread.name = "ecba-tests.synchronously"
            thread.start()
        }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    static let executor = ThreadExecutor()

    /// Starts `body` on that thread without waiting for it; a failure is ignored.
    static func start(_ body: @escaping @Sendable () async throws -> Void) {
        Task(executorPreference: executor) { try? await body() }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        guard let outcome = result.withLock({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
}

/// Runs the built `ecba` executable, as a user would.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL {
        // The test bundle sits in the build folder beside the `ecba` binary.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: folder.appendingPathComponent("ecba").path) {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("ecba")
    }

    /// `run` on a thread of its own, for async tests: waiting for a process must not hold one of
    /// the few cooperative threads that the in-process server's requests need (on two cores, two
    /// tests waiting on browsers would starve the server the browsers are talking to).
    static func runDetached(
        _ arguments: [String], environment: [String: String] = [:], program: URL = executable
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try run(arguments, environment: environment, program: program) })
            }.start()
        }
    }

    /// Runs `ecba` (or another program) and collects its output.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil, input: Data? = nil, program: URL = executable
    ) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "ECBA_DATABASE")
        // A test world's PostgreSQL database: its folders, as a deployment names them.
        let named = arguments.firstIndex(of: "--database").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? environment["ECBA_DATABASE"]
        if let named, let folders = TestDatabase.folders.withLock({ $0[named] }) {
            env["ECBA_CONTENT"] = folders.content
            env["ECBA_KEYS"] = folders.keys
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try process.run()
        if let stdin, let input {
            try stdin.fileHandleForWriting.write(contentsOf: input)
            try stdin.fileHandleForWriting.close()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
