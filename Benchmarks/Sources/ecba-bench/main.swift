// ecba-bench: in-process benchmarks of the services (a process per query would measure process
// start-up, not the query). Usage: ecba-bench search [VERSIONS] [REPEATS]
import Catalog
import Domain
import Enrollment
import Foundation
import Societies
import Storage

/// A deterministic generator, so every run searches the same catalog.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Chinese roots; the vocabulary is every two-root compound (3,600 words, e.g. 桥梁检测).
let roots = [
    "工程", "安全", "伦理", "结构", "设计", "施工", "管理", "桥梁", "隧道", "电力", "储能", "光伏", "机械", "制造", "智能",
    "质量", "检测", "规范", "标准", "材料", "混凝土", "钢结构", "风险", "评估", "项目", "法律", "法规", "信息", "检索", "数字",
    "孪生", "自动化", "控制", "系统", "网络", "数据", "环境", "节能", "低碳", "职业", "责任", "道德", "防火", "抗震", "地基",
    "给排水", "暖通", "电气", "照明", "通信", "交通", "道路", "港口", "水利", "冶金", "化工", "矿山", "核电", "风电", "电网",
]
let english = """
    engineering safety ethics structural design construction management bridge tunnel power storage solar mechanical
    manufacturing intelligent quality inspection code standard materials concrete steel risk assessment project law
    regulation information retrieval digital twin automation control systems network data environment energy carbon
    professional duty fire seismic foundation water HVAC electrical lighting telecom traffic road port hydraulic
    geotechnical surveying welding corrosion fatigue fracture vibration acoustics thermal combustion turbine boiler
    pipeline pressure vessel crane elevator scaffold excavation drilling blasting mining metallurgy casting forging
    machining robotics sensor actuator embedded software firmware cybersecurity cloud analytics statistics reliability
    maintenance lifecycle procurement contract claims scheduling estimating budgeting leadership communication negotiation
    sustainability recycling wastewater drainage irrigation dam levee coastal offshore railway airport highway pavement
    asphalt masonry timber glass facade insulation ventilation plumbing substation transformer switchgear relay protection
    grid battery inverter photovoltaic wind hydropower nuclear radiation chemical polymer composite nanomaterial biomedical
    """.split(whereSeparator: \.isWhitespace).map(String.init)

/// Words drawn with Zipf's law (weight 1/rank), as words are in real text: a few very common,
/// most rare.
struct Zipf {
    let words: [String]
    let cumulative: [Double]

    init(_ words: [String]) {
        self.words = words
        var total = 0.0
        cumulative = words.indices.map { rank in
            total += 1 / Double(rank + 1)
            return total
        }
    }

    func draw(_ random: inout SplitMix64) -> String {
        let target = Double(random.next() % 1_000_000) / 1_000_000 * (cumulative.last ?? 1)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return words[low]
    }

    func draw(_ random: inout SplitMix64, _ count: Int) -> [String] { (0..<count).map { _ in draw(&random) } }
}

let chineseWords: Zipf = {
    var random = SplitMix64(state: 7)
    var compounds = roots.flatMap { first in roots.filter { $0 != first }.map { first + $0 } }
    for index in compounds.indices.reversed() {
        compounds.swapAt(index, Int(random.next() % UInt64(index + 1)))
    }
    return Zipf(compounds)
}()
let englishWords: Zipf = {
    var random = SplitMix64(state: 11)
    var words = english
    for index in words.indices.reversed() {
        words.swapAt(index, Int(random.next() % UInt64(index + 1)))
    }
    return Zipf(words)
}()

func clockNow() -> Date { Date() }

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func searchBenchmark(versions: Int, repeats: Int) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let keep = ProcessInfo.processInfo.environment["ECBA_BENCH_KEEP"] != nil
    defer { if keep { print("database kept at \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) } }
    let path = folder.appendingPathComponent("bench.sqlite").path
    let database = try AppDatabase(path: path)
    let societies = SocietyService(database: database)
    let ids = ["cces", "ces", "cmes", "bjast", "csae"]
    for id in ids {
        _ = try societies.add(id: id, name: id, kind: .national)
        _ = try societies.authorize(id: id)
    }

    // The catalog: `versions` courses, each submitted through the importer's storage path and
    // published through the same transaction step an approval uses.
    var random = SplitMix64(state: 2026)
    let clock = ContinuousClock()
    let buildStart = clock.now
    let batch = 1000
    for start in stride(from: 0, to: versions, by: batch) {
        var bySociety: [String: [SubmissionDraft]] = [:]
        for index in start..<min(versions, start + batch) {
            let society = ids[index % ids.count]
            let zhTitle = chineseWords.draw(&random, 2 + Int(random.next() % 3)).joined()
            let enTitle = englishWords.draw(&random, 3 + Int(random.next() % 3)).joined(separator: " ").capitalized
            let package = CoursePackage(
                identifier: "course-\(index)", format: [.ecba, .scorm12, .scorm2004, .commonCartridge, .cmi5][index % 5], formatVersion: "1.0",
                titles: [LocalizedText(language: "zh-CN", value: zhTitle), LocalizedText(language: "en", value: enTitle)],
                descriptions: [
                    LocalizedText(language: "zh-CN", value: chineseWords.draw(&random, 12 + Int(random.next() % 12)).joined() + "。"),
                    LocalizedText(language: "en", value: englishWords.draw(&random, 15 + Int(random.next() % 15)).joined(separator: " ") + "."),
                ],
                keywords: chineseWords.draw(&random, 3).map { LocalizedText(language: "zh-CN", value: $0) },
                activities: [Activity(identifier: "l1", title: "第一讲", kind: .webcontent, launchURL: "l1.html")],
                creditHours: Double(1 + random.next() % 24), category: random.next() % 3 == 0 ? .public : .professional,
                developingSociety: society, licence: "CC BY 4.0", languages: ["zh-CN", "en"], contentHash: "h\(index)",
                manifestPath: "ecba-course.xml"
            )
            bySociety[society, default: []].append(SubmissionDraft(package: package, source: "bench", diagnostics: []))
        }
        var submitted: [Int64] = []
        for (society, drafts) in bySociety {
            for outcome in try database.insertSubmissions(drafts, societyID: society, at: clockNow()) {
                if case .created(let submission) = outcome { submitted.append(submission.id) }
            }
        }
        let published = submitted
        try database.transaction(at: clockNow()) { tx in
            for id in published { _ = try CatalogService.publish(submissionID: id, in: tx) }
        }
    }
    let buildTime = clock.now - buildStart
    let catalog = CatalogService(database: database)
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print("catalog: \(try catalog.count()) published versions, built in \(String(format: "%.1f", milliseconds(buildTime) / 1000)) s, database \(size / 1_048_576) MiB")

    // Queries from the generated vocabulary (rank 1 is the most common word): common, middling
    // and rare words, two-character roots (which sit inside many compounds), mixed-language and
    // filtered queries.
    let zh = chineseWords.words
    let en = englishWords.words
    let queries: [(String, CatalogFilter)] = [
        (zh[0], CatalogFilter()),
        (zh[9], CatalogFilter()),
        (zh[99], CatalogFilter()),
        (zh[999], CatalogFilter()),
        ("安全", CatalogFilter()),
        ("桥梁", CatalogFilter(category: .professional)),
        (en[0], CatalogFilter()),
        (en[19], CatalogFilter()),
        ("\(en[0]) \(en[1])", CatalogFilter()),
        ("\(zh[4]) \(en[4])", CatalogFilter()),
        ("光伏", CatalogFilter(societyID: "ces", minHours: 4, maxHours: 12)),
        (en[2], CatalogFilter(language: "en")),
        (zh[49], CatalogFilter(format: .cmi5)),
        ("AI", CatalogFilter()),
    ]
    print("\nquery (first 20 results, ranked)  hits  median ms   p95 ms | LIKE scan median ms")
    var allMedians: [Double] = []
    var allScans: [Double] = []
    for (query, filter) in queries {
        var times: [Double] = []
        var hits = 0
        for _ in 0..<repeats {
            let start = clock.now
            hits = try catalog.search(query, filter: filter).count
            times.append(milliseconds(clock.now - start))
        }
        // Baseline: what the issue rules out, a LIKE over every current version's texts.
        var scans: [Double] = []
        for _ in 0..<max(3, repeats / 10) {
            let start = clock.now
            _ = try database.likeScanBaseline(query)
            scans.append(milliseconds(clock.now - start))
        }
        allMedians.append(median(times))
        allScans.append(median(scans))
        let label = query + (filter == CatalogFilter() ? "" : " (+filters)")
        print(label.padding(toLength: 32, withPad: " ", startingAt: 0), String(format: "%6d  %9.2f  %7.2f | %9.2f", hits, median(times), percentile(times, 0.95), median(scans)))
    }
    print(String(format: "\nmedian over the %d queries: %.2f ms (LIKE scan: %.2f ms)", queries.count, median(allMedians), median(allScans)))
}

func peakMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Ingest benchmark (issue 4): N statements for E engineers enrolled in one course, fed to
/// StatementService (the code path of 'ecba progress import'), next to the sqlite3 command line
/// importing the same rows (id, actor, verb, object, registration, timestamp, body) from CSV.
func statementsBenchmark(count: Int, engineers engineerCount: Int) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("bench.sqlite").path
    let database = try AppDatabase(path: path)
    _ = try SocietyService(database: database).add(id: "cces", name: "cces", kind: .national)
    _ = try SocietyService(database: database).authorize(id: "cces")
    let activities = (1...12).map { Activity(identifier: "l\($0)", title: "第\($0)讲", kind: .sco, launchURL: "l\($0).html", masteryThreshold: $0 == 12 ? 0.8 : nil) }
    let package = CoursePackage(
        identifier: "course", format: .scorm2004, formatVersion: "2004 4th Edition", titles: [LocalizedText(language: "zh-CN", value: "基准课程")],
        activities: activities, creditHours: 12, category: .professional, languages: ["zh-CN"], contentHash: "h", manifestPath: "imsmanifest.xml"
    )
    guard case .created(let submission) = try database.insertSubmission(package, societyID: "cces", source: "bench", diagnostics: [], at: Date()) else { return }
    try database.transaction(at: Date()) { tx in _ = try CatalogService.publish(submissionID: submission.id, in: tx) }
    let engineers = EngineerService(database: database)
    let enrollments = EnrollmentService(database: database)
    var registrations: [String] = []
    for index in 0..<engineerCount {
        _ = try engineers.add(id: "e\(index)", name: "工程师\(index)", email: "e\(index)@example.cn", actor: "bench")
        registrations.append(try enrollments.enroll(engineerID: "e\(index)", courseID: "cces/course", actor: "bench").enrollment.registration.uuidString.lowercased())
    }

    // The statement file (one per line) and the same rows as CSV for sqlite3, written in pieces
    // so that generating them does not set the process's peak memory.
    let statementsFile = folder.appendingPathComponent("statements.ndjson")
    let rowsFile = folder.appendingPathComponent("rows.csv")
    guard FileManager.default.createFile(atPath: statementsFile.path, contents: nil),
          FileManager.default.createFile(atPath: rowsFile.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: folder.path])
    }
    let ndjsonHandle = try FileHandle(forWritingTo: statementsFile)
    let csvHandle = try FileHandle(forWritingTo: rowsFile)
    var random = SplitMix64(state: 42)
    var ndjson: [UInt8] = []
    var csv: [UInt8] = []
    let piece = 16 << 20
    ndjson.reserveCapacity(piece + 4096)
    csv.reserveCapacity(piece + 4096)
    let verbs = ["experienced", "experienced", "experienced", "progressed", "completed", "completed", "passed", "failed"]
    let start = Date(timeIntervalSince1970: 1_767_225_600)   // 2026-01-01
    for index in 0..<count {
        let engineer = Int(random.next() % UInt64(engineerCount))
        let activity = 1 + Int(random.next() % 12)
        let verb = verbs[Int(random.next() % UInt64(verbs.count))]
        let id = UUID().uuidString.lowercased()
        let object = ActivityIRI.make(courseID: "cces/course", activity: "l\(activity)")
        let stamp = start.addingTimeInterval(Double(index) * 20).formatted(.iso8601)
        let score = verb == "passed" || verb == "failed" ? #","result":{"score":{"scaled":\#(Double(random.next() % 100) / 100)},"duration":"PT12M"}"# : ""
        let line = #"{"id":"\#(id)","actor":{"objectType":"Agent","mbox":"mailto:e\#(engineer)@example.cn"},"verb":{"id":"http://adlnet.gov/expapi/verbs/\#(verb)"},"object":{"objectType":"Activity","id":"\#(object)"}\#(score),"context":{"registration":"\#(registrations[engineer])"},"timestamp":"\#(stamp)"}"#
        ndjson += line.utf8
        ndjson.append(0x0A)
        csv += "\(id),mailto:e\(engineer)@example.cn,http://adlnet.gov/expapi/verbs/\(verb),\(object),\(registrations[engineer]),\(stamp),\"".utf8
        for byte in line.utf8 {
            csv.append(byte)
            if byte == UInt8(ascii: "\"") { csv.append(byte) }   // RFC 4180: a quote inside a quoted field is doubled
        }
        csv += "\"\n".utf8
        if ndjson.count >= piece || index == count - 1 {
            try ndjsonHandle.write(contentsOf: ndjson)
            ndjson.removeAll(keepingCapacity: true)
        }
        if csv.count >= piece || index == count - 1 {
            try csvHandle.write(contentsOf: csv)
            csv.removeAll(keepingCapacity: true)
        }
    }
    try ndjsonHandle.close()
    try csvHandle.close()
    ndjson = []
    csv = []
    let size = (try FileManager.default.attributesOfItem(atPath: statementsFile.path)[.size] as? Int) ?? 0
    print("\(count) statements for \(engineerCount) engineers, \(size / 1_048_576) MiB of NDJSON")

    // Baseline: the sqlite3 command line importing the same rows into a table of the same columns.
    let baselineDB = folder.appendingPathComponent("baseline.sqlite").path
    let clock = ContinuousClock()
    let baselineSeconds = try sqliteImportSeconds(rowsFile, into: baselineDB)

    // The floor: SQLite itself writing the same statements and progress events into a copy of
    // the platform's database (its schema, indexes, foreign keys and pragmas), set-based, with no
    // parsing, rules or per-row calls. (Activity states are not even updated.)
    let floorDB = folder.appendingPathComponent("floor.sqlite").path
    try runSQLite(path, script: "VACUUM INTO '\(floorDB)';")
    let outcomes = "('http://adlnet.gov/expapi/verbs/completed','http://adlnet.gov/expapi/verbs/passed','http://adlnet.gov/expapi/verbs/failed')"
    let activity = "replace(s.object, '\(ActivityIRI.make(courseID: "cces/course", activity: ""))', '')"
    let floorStart = clock.now
    try runSQLite(floorDB, script: """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA foreign_keys = ON;
        PRAGMA cache_size = -262144;
        ATTACH '\(baselineDB)' AS b;
        BEGIN;
        INSERT INTO xapi_statement (id, signature, body, stored, verb, engineer_id, enrollment_id, activity_identifier)
            SELECT s.id, lower(hex(randomblob(32))), s.body, '2026-11-30T00:00:00.000Z', s.verb, e.engineer_id, e.id, \(activity)
            FROM b.statement s JOIN enrollment e ON e.registration = s.registration ORDER BY s.rowid;
        INSERT INTO progress_event (enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id)
            SELECT e.id, \(activity), replace(s.verb, 'http://adlnet.gov/expapi/verbs/', ''), NULL, NULL, s.timestamp, 'xapi', s.id
            FROM b.statement s JOIN enrollment e ON e.registration = s.registration WHERE s.verb IN \(outcomes) ORDER BY s.rowid;
        COMMIT;
        """)
    let floorSeconds = milliseconds(clock.now - floorStart) / 1000
    let floorRows = try runSQLite(floorDB, script: "SELECT count(*) FROM xapi_statement;")
    // A leaner store still: each statement kept once under a unique 16-byte id, nothing else
    // (no progress events, no foreign keys, no text ids): what a redesigned schema could reach.
    let leanDB = folder.appendingPathComponent("lean.sqlite").path
    let leanStart = clock.now
    try runSQLite(leanDB, script: """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA cache_size = -262144;
        CREATE TABLE statement (key INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, signature BLOB NOT NULL, body TEXT NOT NULL,
            stored TEXT NOT NULL, verb TEXT NOT NULL, actor TEXT, activity TEXT) STRICT;
        ATTACH '\(baselineDB)' AS b;
        BEGIN;
        INSERT INTO statement (id, signature, body, stored, verb, actor, activity)
            SELECT randomblob(16), randomblob(32), s.body, '2026-11-30T00:00:00.000Z', s.verb, s.actor, s.object FROM b.statement s ORDER BY s.rowid;
        COMMIT;
        """)
    let leanSeconds = milliseconds(clock.now - leanStart) / 1000

    let service = StatementService(database: database)
    let peakBefore = peakMiB()
    let ingestStart = clock.now
    let data = try Data(contentsOf: statementsFile)
    let result = try service.importStatements(data, actor: "bench")
    let ingestSeconds = milliseconds(clock.now - ingestStart) / 1000
    let again = clock.now
    let replay = try service.importStatements(data, actor: "bench")
    let replaySeconds = milliseconds(clock.now - again) / 1000

    print(String(format: "sqlite3 .import (baseline)      %8.2f s  %9.0f rows/s", baselineSeconds, Double(count) / baselineSeconds))
    print(String(format: "sqlite3 set-based into the platform's tables (floor) %6.2f s  %9.0f statements/s  (%@ rows)", floorSeconds, Double(count) / floorSeconds, floorRows.trimmingCharacters(in: .whitespacesAndNewlines)))
    print(String(format: "sqlite3 set-based into one lean table (16-byte ids)  %6.2f s  %9.0f statements/s", leanSeconds, Double(count) / leanSeconds))
    print(String(format: "ecba progress import (first)    %8.2f s  %9.0f statements/s  (%.2f of sqlite3's rate, %.2f of the floor's)", ingestSeconds, Double(count) / ingestSeconds, baselineSeconds / ingestSeconds, floorSeconds / ingestSeconds))
    print(String(format: "ecba progress import (again)    %8.2f s  %9.0f statements/s  (all unchanged)", replaySeconds, Double(count) / replaySeconds))
    print("stored \(result.stored), reported \(result.problems.count), courses completed \(result.awards.count); again: \(replay.unchanged) unchanged")
    print(String(format: "peak memory of ecba-bench: %.0f MiB (before the imports: %.0f MiB)", peakMiB(), peakBefore))
}

/// Runs a script through the sqlite3 command line on `path`; returns what it printed.
@discardableResult
func runSQLite(_ path: String, script: String) throws -> String {
    let sqlite = Process()
    sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    sqlite.arguments = ["-bail", path]
    let input = Pipe()
    let output = Pipe()
    sqlite.standardInput = input
    sqlite.standardOutput = output
    try sqlite.run()
    input.fileHandleForWriting.write(Data(script.utf8))
    try input.fileHandleForWriting.close()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    sqlite.waitUntilExit()
    guard sqlite.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: path]) }
    return String(decoding: printed, as: UTF8.self)
}

/// CPU seconds (user and system, all threads) this process has used so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
}

/// CPU seconds of the calling thread (where a file import's store runs: GRDB's writer runs
/// the transaction on the thread that asks for it), less noisy on a shared VM than wall time.
func threadCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(1 /* RUSAGE_THREAD, which Glibc does not import */, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "search":
    let versions = arguments.dropFirst().first.flatMap(Int.init) ?? 50_000
    let repeats = arguments.dropFirst(2).first.flatMap(Int.init) ?? 50
    try searchBenchmark(versions: versions, repeats: repeats)
case "statements":
    let count = arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
    let engineers = arguments.dropFirst(2).first.flatMap(Int.init) ?? 10_000
    try statementsBenchmark(count: count, engineers: engineers)
case "lrs-post":
    try await lrsPostBenchmark(count: arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000,
                               readEvery: arguments.dropFirst(2).first.flatMap(Int.init) ?? 0)
case "statement-mixes":
    // Each shape in a process of its own; an optional list of shape numbers (1-6, e.g. "1,4")
    // runs only those, one after the other in this process.
    let only = arguments.dropFirst(2).first.map { Set($0.split(separator: ",").compactMap { Int($0) }) }
    try ingestMixesBenchmark(count: arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000, only: only)
case "postgres-ingest":
    guard let server = ProcessInfo.processInfo.environment["ECBA_BENCH_POSTGRESQL"] else {
        print("set ECBA_BENCH_POSTGRESQL to a postgresql:// URL of a user who may create databases")
        exit(2)
    }
    let only = arguments.dropFirst(2).first.map { Set($0.split(separator: ",").compactMap { Int($0) }) }
    try postgresIngestBenchmark(server: server, count: arguments.dropFirst().first.flatMap(Int.init) ?? 200_000, only: only)
case "report":
    let engineers = arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
    let completions = arguments.dropFirst(2).first.flatMap(Int.init) ?? 2_000_000
    try reportBenchmark(engineers: engineers, completions: completions)
case "report-data":
    let rest = Array(arguments.dropFirst())
    guard rest.count == 3, let engineers = Int(rest[1]), let completions = Int(rest[2]) else { exit(2) }
    try generateReportData(path: rest[0], engineers: engineers, completions: completions)
default:
    print("usage: ecba-bench search [VERSIONS (50000)] [REPEATS PER QUERY (50)]")
    print("       ecba-bench statements [COUNT (1000000)] [ENGINEERS (10000)]")
    print("       ecba-bench statement-mixes [COUNT (1000000)] [SHAPES, e.g. 1,4, in one process (all six, a process each)]")
    print("       ecba-bench lrs-post [COUNT (1000000)] [A READER'S GET EVERY MS (none)]")
    print("       ECBA_BENCH_POSTGRESQL=URL ecba-bench postgres-ingest [COUNT (200000)] [SHAPES (all six)]")
    print("       ecba-bench report [ENGINEERS (100000)] [COMPLETIONS (2000000)]")
    exit(2)
}
