import Foundation
import Storage

/// Paths of the repository and the shared fixtures, read in place.
enum Paths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/packages")
    static let courses = repositoryRoot.appendingPathComponent("courses")

    static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }
    static func course(_ relative: String) -> String { courses.appendingPathComponent(relative).path }
}

/// A real SQLite file in a fresh temporary folder, removed at the end.
final class TemporaryDatabase {
    let folder: URL
    let path: String
    let database: AppDatabase

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("ecba.sqlite").path
        database = try AppDatabase(path: path)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
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
