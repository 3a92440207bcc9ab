import Catalog
import Domain
import Enrollment
import Foundation
import Credentials
import LRS
import Logging
import Societies
import SocietyAPI
import Storage

/// What content sends, varied one way at a time: which ids name the activity, whether the
/// registration is there, how the actor is identified, and how many statements each engineer sends.
struct IngestShape {
    var name: String
    var engineers: Int
    /// The package's own activity ids (cmi5 AU ids), else the platform's IRIs.
    var packageIDs: Bool
    var registration: Bool
    /// `account` on the platform's homePage, else `mbox`.
    var account: Bool

    static let all = [
        IngestShape(name: "platform IRIs, registration, mbox, 20,000 engineers (50 each)", engineers: 20_000, packageIDs: false, registration: true, account: false),
        IngestShape(name: "package ids, no registration, mbox, 100 engineers (10,000 each)", engineers: 100, packageIDs: true, registration: false, account: false),
        IngestShape(name: "package ids, registration, account, 100 engineers", engineers: 100, packageIDs: true, registration: true, account: true),
        IngestShape(name: "package ids, no registration, account, 20,000 engineers", engineers: 20_000, packageIDs: true, registration: false, account: true),
        IngestShape(name: "platform IRIs, no registration, mbox, 100 engineers", engineers: 100, packageIDs: false, registration: false, account: false),
        IngestShape(name: "platform IRIs, no registration, account, 20,000 engineers", engineers: 20_000, packageIDs: false, registration: false, account: true),
    ]

    /// The shapes numbered in `only` (1-6; all when nil), and one enrolled platform per engineer
    /// count among them, made in `folder` (each shape's run starts from a fresh copy of it).
    static func selected(_ only: Set<Int>?, templatesIn folder: URL) throws -> ([IngestShape], [Int: (path: String, registrations: [String])]) {
        let shapes = all.enumerated().filter { only?.contains($0.offset + 1) ?? true }.map(\.element)
        var templates: [Int: (path: String, registrations: [String])] = [:]
        for engineers in Set(shapes.map(\.engineers)).sorted() {
            templates[engineers] = try enrolledPlatform(folder.appendingPathComponent("template-\(engineers).sqlite").path, engineers: engineers)
        }
        return (shapes, templates)
    }
}

/// Ingest across the mixes (issue 14): for each shape, COUNT statements imported through
/// StatementService (the path of `ecba progress import` and the LRS), next to the sqlite3 command
/// line importing the same rows from CSV, in the same run; then statement queries by agent, verb
/// and since over what the first shape stored (the LRS's query path).
///
/// Without a list of shapes, each shape runs in a process of its own, as `ecba progress import`
/// runs one process per file and the baseline one `sqlite3` per shape; with a list (`1,4`), the
/// shapes listed run one after the other in this process (to profile one, or to measure what an
/// earlier import leaves behind in a long-lived process such as `ecba serve`).
func ingestMixesBenchmark(count: Int, only: Set<Int>? = nil) throws {
    let child = ProcessInfo.processInfo.environment[childVariable] != nil
    if !child {
        print("\(count) statements per shape; a cmi5 course of 12 AUs (one with masteryScore 0.8)")
        print(only == nil ? "each shape in a process of its own" : "shapes \(only?.sorted().map(String.init).joined(separator: ",") ?? "") in this one process")
        print("shape                                                              sqlite3 .import     ecba import   ratio   stored/unmatched")
    }
    guard let only else {
        for shape in 1...IngestShape.all.count { try runChild(["statement-mixes", String(count), String(shape)]) }
        return
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (shapes, templates) = try IngestShape.selected(only, templatesIn: folder)
    var queryDatabase: String?
    for (index, shape) in shapes.enumerated() {
        guard let template = templates[shape.engineers] else { continue }
        let path = folder.appendingPathComponent("shape-\(index).sqlite").path
        try runSQLite(template.path, script: "VACUUM INTO '\(path)';")
        let (statements, rows) = try writeStatements(shape, count: count, registrations: template.registrations, in: folder)
        let clock = ContinuousClock()
        let baselineDB = folder.appendingPathComponent("baseline-\(index).sqlite").path
        let baselineSeconds = try sqliteImportSeconds(rows, into: baselineDB)
        try? FileManager.default.removeItem(atPath: baselineDB)
        let database = try AppDatabase(path: path)
        let service = StatementService(database: database)
        let start = clock.now
        let startCPU = processCPUSeconds()
        let startStore = threadCPUSeconds()
        let result = try service.importStatements(try Data(contentsOf: statements), actor: "bench")
        let seconds = milliseconds(clock.now - start) / 1000
        let cpu = processCPUSeconds() - startCPU
        let store = threadCPUSeconds() - startStore
        print(String(format: "%@ %8.0f rows/s %11.0f st/s  %5.2f   %d/%d  (%.1f s, CPU %.1f s, store thread %.1f s)", shape.name.padding(toLength: 66, withPad: " ", startingAt: 0),
                     Double(count) / baselineSeconds, Double(count) / seconds, baselineSeconds / seconds, result.stored, result.unmatched.count,
                     seconds, cpu, store))
        try? FileManager.default.removeItem(at: statements)
        try? FileManager.default.removeItem(at: rows)
        // The queries are those of the first shape's agents (mbox), over its store.
        if shape.name == IngestShape.all[0].name { queryDatabase = path } else { try? FileManager.default.removeItem(atPath: path) }
    }
    if let queryDatabase { try queryBenchmark(queryDatabase, engineers: IngestShape.all[0].engineers) }
}

/// Set in the environment of a shape's own process: it prints its rows under its parent's heading.
private let childVariable = "ECBA_BENCH_CHILD"

/// Runs this benchmark program again with `arguments`, its output going where this one's goes;
/// throws if it fails.
private func runChild(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging([childVariable: "1"]) { _, new in new }
    fflush(nil)  // every stream: the heading before the rows
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "ecba-bench \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)"])
    }
}

/// The baseline of the ingest benchmarks: seconds the sqlite3 command line takes to `.import` the
/// statements' rows (CSV) into a new table of the same columns, in WAL mode as the platform runs.
func sqliteImportSeconds(_ rows: URL, into database: String) throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try runSQLite(database, script: """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        CREATE TABLE statement (id TEXT PRIMARY KEY NOT NULL, actor TEXT, verb TEXT, object TEXT, registration TEXT, timestamp TEXT, body TEXT) STRICT;
        .import --csv \(rows.path) statement
        """)
    return milliseconds(clock.now - start) / 1000
}

/// A platform with one published cmi5 course and `engineers` engineers enrolled in it.
func enrolledPlatform(_ path: String, engineers count: Int) throws -> (path: String, registrations: [String]) {
    let database = try AppDatabase(path: path)
    _ = try SocietyService(database: database).add(id: "cces", name: "cces", kind: .national)
    _ = try SocietyService(database: database).authorize(id: "cces")
    let activities = (1...12).map {
        Activity(identifier: "https://example.org/bench/au/\($0)", title: "第\($0)讲", kind: .au, launchURL: "au\($0).html",
                 masteryThreshold: $0 == 12 ? 0.8 : nil, moveOn: $0 == 12 ? "Passed" : "Completed")
    }
    let package = CoursePackage(
        identifier: "https://example.org/bench", format: .cmi5, formatVersion: "1.0", titles: [LocalizedText(language: "zh-CN", value: "基准课程")],
        activities: activities, creditHours: 12, category: .professional, languages: ["zh-CN"], contentHash: "h", manifestPath: "cmi5.xml"
    )
    guard case .created(let submission) = try database.insertSubmission(package, societyID: "cces", source: "bench", diagnostics: [], at: Date()) else {
        return (path, [])
    }
    try database.transaction(at: Date()) { tx in _ = try CatalogService.publish(submissionID: submission.id, in: tx) }
    let engineers = EngineerService(database: database)
    let enrollments = EnrollmentService(database: database)
    var registrations: [String] = []
    for index in 0..<count {
        // Members of the society whose LRS credentials POST in `lrs-post`: its statements map to
        // engineers there as they do from the file (a non-member's would be stored unmatched).
        _ = try engineers.add(id: "e\(index)", name: "工程师\(index)", email: "e\(index)@example.cn", societyID: "cces",
                              memberNumber: "M\(index)", actor: "bench")
        registrations.append(try enrollments.enroll(engineerID: "e\(index)", courseID: "cces/https://example.org/bench", actor: "bench")
            .enrollment.registration.uuidString.lowercased())
    }
    return (path, registrations)
}

/// The statements of a shape (one per line) and the same rows as CSV for sqlite3.
func writeStatements(_ shape: IngestShape, count: Int, registrations: [String], in folder: URL) throws -> (URL, URL) {
    let statements = folder.appendingPathComponent("statements.ndjson")
    let rows = folder.appendingPathComponent("rows.csv")
    guard FileManager.default.createFile(atPath: statements.path, contents: nil), FileManager.default.createFile(atPath: rows.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: folder.path])
    }
    let ndjsonHandle = try FileHandle(forWritingTo: statements)
    let csvHandle = try FileHandle(forWritingTo: rows)
    var random = SplitMix64(state: 7)
    var ndjson: [UInt8] = []
    var csv: [UInt8] = []
    let verbs = ["experienced", "experienced", "experienced", "progressed", "completed", "completed", "passed", "failed"]
    let start = Date(timeIntervalSince1970: 1_767_225_600)
    for index in 0..<count {
        let engineer = Int(random.next() % UInt64(shape.engineers))
        let au = 1 + Int(random.next() % 12)
        let verb = verbs[Int(random.next() % UInt64(verbs.count))]
        let id = UUID().uuidString.lowercased()
        let packageID = "https://example.org/bench/au/\(au)"
        let object = shape.packageIDs ? packageID : ActivityIRI.make(courseID: "cces/https://example.org/bench", activity: packageID)
        let stamp = start.addingTimeInterval(Double(index) * 20).formatted(.iso8601)
        let actor = shape.account ? #"{"objectType":"Agent","account":{"homePage":"https://learning.ecba.org.cn","name":"e\#(engineer)"}}"#
            : #"{"objectType":"Agent","mbox":"mailto:e\#(engineer)@example.cn"}"#
        let score = verb == "passed" || verb == "failed" ? #","result":{"score":{"scaled":\#(Double(80 + random.next() % 20) / 100)},"duration":"PT12M"}"# : ""
        let context = shape.registration ? #","context":{"registration":"\#(registrations[engineer])"}"# : ""
        let line = #"{"id":"\#(id)","actor":\#(actor),"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)"},"object":{"objectType":"Activity","id":"\#(object)"}\#(score)\#(context),"timestamp":"\#(stamp)"}"#
        ndjson += line.utf8
        ndjson.append(0x0A)
        csv += "\(id),e\(engineer),http://adlnet.gov/expapi/verbs/\(verb),\(object),\(shape.registration ? registrations[engineer] : ""),\(stamp),\"".utf8
        for byte in line.utf8 {
            csv.append(byte)
            if byte == UInt8(ascii: "\"") { csv.append(byte) }
        }
        csv += "\"\n".utf8
        if ndjson.count >= 16 << 20 || index == count - 1 {
            try ndjsonHandle.write(contentsOf: ndjson)
            ndjson.removeAll(keepingCapacity: true)
            try csvHandle.write(contentsOf: csv)
            csv.removeAll(keepingCapacity: true)
        }
    }
    try ndjsonHandle.close()
    try csvHandle.close()
    return (statements, rows)
}

/// Statement queries by agent, verb and since (the LRS's GET), over what the first shape stored:
/// each one's time, p50 and p99 of 500, next to the bare SQL of the same rows (the agent index,
/// the verb, no visibility rule, no output shaping) as the baseline of the same run.
func queryBenchmark(_ path: String, engineers: Int) throws {
    let database = try AppDatabase(path: path)
    let statements = LRSStatements(database: database)
    let total = Int(try database.reading("count") { sql in try sql.firstRow("SELECT count(*) FROM xapi_statement")?.int64(0) ?? 0 })
    var random = SplitMix64(state: 11)
    let verbs = ["experienced", "completed", "passed", "failed"]
    let clock = ContinuousClock()
    var times: [Double] = []
    var baseline: [Double] = []
    var returned = 0
    for _ in 0..<500 {
        let engineer = Int(random.next() % UInt64(engineers))
        let verb = verbs[Int(random.next() % UInt64(verbs.count))]
        let since = Date(timeIntervalSince1970: 1_767_225_600 - 86_400).formatted(.iso8601)
        let query = try StatementQuery([
            "agent": #"{"mbox":"mailto:e\#(engineer)@example.cn"}"#, "verb": "http://adlnet.gov/expapi/verbs/\(verb)", "since": since,
        ])
        let start = clock.now
        let page = try statements.query(query, reader: .platform, version: "1.0.3", languages: [])
        times.append(milliseconds(clock.now - start))
        returned += page.statements.count
        let bare = clock.now
        _ = try database.reading("bare") { sql in
            try sql.rows("""
                SELECT body FROM xapi_statement s WHERE \(StatementIndex.agent.contains("s"))
                AND verb = ? AND stored > ? ORDER BY rowid DESC LIMIT 501
                """, [.text("mbox:mailto:e\(engineer)@example.cn"), .text("http://adlnet.gov/expapi/verbs/\(verb)"), .text(since)])
        }
        baseline.append(milliseconds(clock.now - bare))
    }
    baseline.sort()
    times.sort()
    let p50 = times[times.count / 2]
    let p99 = times[Int(Double(times.count) * 0.99)]
    print(String(format: "\nquery by agent + verb + since over %d statements: p50 %.2f ms, p99 %.2f ms, max %.2f ms (500 queries, %.1f statements each)",
                 total, p50, p99, times.last ?? 0, Double(returned) / 500))
    print(String(format: "bare SQL of the same rows (baseline):                     p50 %.2f ms, p99 %.2f ms",
                 baseline[baseline.count / 2], baseline[Int(Double(baseline.count) * 0.99)]))
}

/// Statements over HTTP (issue 14): the first shape's statements POSTed in batches of 100 by 10
/// clients (`Benchmarks/lrs_post.mjs`, each with its own LRS credential) to the platform's server
/// running in this process, next to the same file imported through StatementService into a
/// fresh copy of the same platform, in the same run. With `readEvery` (milliseconds), one more
/// client GETs the newest statement that often meanwhile: each GET that finds index rows waiting
/// moves them in on the writer's connection.
func lrsPostBenchmark(count: Int, clients: Int = 10, batch: Int = 100, readEvery: Int = 0) async throws {
    let shape = IngestShape(name: "platform IRIs, registration, mbox, 20,000 engineers", engineers: 20_000, packageIDs: false, registration: true,
                            account: false)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let template = try enrolledPlatform(folder.appendingPathComponent("template.sqlite").path, engineers: shape.engineers)
    let (statements, _) = try writeStatements(shape, count: count, registrations: template.registrations, in: folder)
    // Baseline: the file, imported.
    let filePath = folder.appendingPathComponent("file.sqlite").path
    try runSQLite(template.path, script: "VACUUM INTO '\(filePath)';")
    let clock = ContinuousClock()
    let fileStart = clock.now
    _ = try StatementService(database: try AppDatabase(path: filePath)).importStatements(try Data(contentsOf: statements), actor: "bench")
    let fileSeconds = milliseconds(clock.now - fileStart) / 1000
    // Over HTTP: a fresh copy behind the server, one credential per client.
    let httpPath = folder.appendingPathComponent("http.sqlite").path
    try runSQLite(template.path, script: "VACUUM INTO '\(httpPath)';")
    let database = try AppDatabase(path: httpPath)
    let credentials = try (0..<clients).map { index in
        let issued = try LRSCredentialService(database: database).issue(societyID: "cces", name: "client \(index)", scopes: [.statementsWrite], actor: "bench")
        return "\(issued.0.key):\(issued.secret)"
    }
    let reader = try LRSCredentialService(database: database).issue(societyID: "cces", name: "reader", scopes: [.statementsRead], actor: "bench")
    var logger = Logger(label: "ecba.bench")
    logger.logLevel = .warning
    // The per-credential rate limit is lifted: it is a policy, not the cost being measured.
    let api = SocietyAPI(database: database, configuration: APIConfiguration(
        host: "127.0.0.1", port: 0, maxBodyBytes: 4 << 20, requestsPerSecond: 1_000_000, burst: 1_000_000,
        keys: KeyDirectory(folder.appendingPathComponent("keys"))), logger: logger)
    let server = await api.start()
    let node = Process()
    node.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("lrs_post.mjs").path
    node.arguments = ["node", script, "http://127.0.0.1:\(server.port)", statements.path, String(clients), String(batch), credentials.joined(separator: ","),
                      String(readEvery), "\(reader.0.key):\(reader.secret)"]
    let output = Pipe()
    node.standardOutput = output
    try node.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    node.waitUntilExit()
    await server.stop()
    guard node.terminationStatus == 0, let result = try JSONSerialization.jsonObject(with: printed) as? [String: Any],
          let posted = result["perSecond"] as? Double, let latency = result["postMs"] as? [String: Double]
    else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: script]) }
    // The index rows still waiting when the last POST was answered are moved in, as the next
    // reader would: their time counts, so that the POSTs are compared with a file import that
    // wrote all of its own.
    let settleStart = clock.now
    let settled = try database.perform(at: Date()) { tx in try tx.writePendingIndexRows() }
    let settleSeconds = milliseconds(clock.now - settleStart) / 1000
    let perSecond = Double(count) / (Double(count) / posted + settleSeconds)
    print("\(count) statements, \(shape.name)")
    print(String(format: "file import (baseline)                 %9.0f statements/s", Double(count) / fileSeconds))
    print(String(format: "POST /xapi/statements, %d clients × %d  %9.0f statements/s  (%.2f of the file's rate); per POST p50 %.1f ms, p99 %.1f ms",
                 clients, batch, perSecond, perSecond / (Double(count) / fileSeconds), latency["p50"] ?? 0, latency["p99"] ?? 0))
    print(String(format: "  of which the %d index rows still waiting after the last POST, moved in: %.2f s", settled, settleSeconds))
    if readEvery > 0, let gets = result["gets"] as? Int, let getLatency = result["getMs"] as? [String: Double] {
        print(String(format: "  meanwhile a reader GETs the newest statement every %d ms: %d GETs, p50 %.1f ms, p99 %.1f ms", readEvery, gets,
                     getLatency["p50"] ?? 0, getLatency["p99"] ?? 0))
    }
}
