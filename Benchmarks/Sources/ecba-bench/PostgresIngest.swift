import Foundation

/// xAPI ingest on PostgreSQL (issue 15): for each shape of the mixes benchmark, COUNT statements
/// imported by `ecba progress import --database postgresql://...` (the release binary, as a user
/// runs it) from one connection, and from four processes at once (the statements split by
/// engineer); next to psql `COPY`ing the same rows (what the import wrote to the statement, its
/// three index tables and their keys, progress events and activity states) into the same tables of a fresh copy
/// of the platform, from one connection and from four. Each database is a fresh copy of the
/// enrolled platform (`ecba database copy`).
func postgresIngestBenchmark(server: String, count: Int, only: Set<Int>?) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") else {
        print("needs the psql command line (apt-get install postgresql-client)")
        exit(2)
    }
    let ecba = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ecba").path
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (shapes, templates) = try IngestShape.selected(only, templatesIn: folder)
    var databases: [String] = []
    defer { for name in databases { _ = try? measure("/usr/bin/psql", ["-X", "-q", "-d", server, "-c", "DROP DATABASE \(name) WITH (FORCE)"]) } }
    /// A new database holding a copy of `template`; its URL.
    func copy(_ template: String) throws -> String {
        guard var components = URLComponents(string: server) else { throw CocoaError(.fileReadUnknown) }
        let name = "ecba_bench_" + UUID().uuidString.prefix(8).lowercased()
        components.path = "/" + name
        guard let url = components.string else { throw CocoaError(.fileReadUnknown) }
        _ = try measure("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server, "-c", "CREATE DATABASE \(name)"])
        databases.append(name)
        _ = try measure(ecba, ["database", "copy", "--database", template, "--to", url])
        return url
    }
    let tables = ["xapi_agent_key", "xapi_activity_key", "xapi_registration_key", "xapi_statement", "xapi_statement_agent", "xapi_statement_activity", "xapi_statement_registration", "progress_event", "activity_progress"]
    print("\(count) statements per shape into PostgreSQL; a cmi5 course of 12 AUs (one with masteryScore 0.8)")
    print("shape                                                              connections        COPY rows/s    ecba st/s   ratio")
    for shape in shapes {
        guard let template = templates[shape.engineers] else { continue }
        let (statements, rows) = try writeStatements(shape, count: count, registrations: template.registrations, in: folder)
        try? FileManager.default.removeItem(at: rows)
        let parts = try splitByEngineer(statements, into: 4, folder: folder)
        // One connection, then four processes at once, each on a fresh copy.
        let single = try copy(template.path)
        let one = try measureAll([(ecba, ["progress", "import", statements.path, "--database", single])])
        let four = try copy(template.path)
        let many = try measureAll(parts.map { (ecba, ["progress", "import", $0.path, "--database", four]) })
        // What the import wrote, dumped from the first database, COPYed into fresh copies.
        var dumps: [String: URL] = [:]
        var copied = 0
        for table in tables {
            let file = folder.appendingPathComponent("\(table).copy")
            _ = try measure("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", single, "-c", "\\copy \(table) TO '\(file.path)'"])
            dumps[table] = file
            copied += try lineCount(file.path)
        }
        let copyOne = try copy(template.path)
        let script = folder.appendingPathComponent("copy.sql")
        try tables.map { "\\copy \($0) FROM '\(dumps[$0]?.path ?? "")'" }.joined(separator: "\n").write(to: script, atomically: true, encoding: .utf8)
        let baselineOne = try measureAll([("/usr/bin/psql", ["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", copyOne, "-f", script.path])])
        let copyFour = try copy(template.path)
        let scripts = try quarterScripts(from: single, folder: folder)
        let baselineFour = try measureAll(scripts.map { ("/usr/bin/psql", ["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", copyFour, "-f", $0.path]) })
        for (connections, baseline, seconds) in [(1, baselineOne, one), (4, baselineFour, many)] {
            // Rates per statement: COPY moves `copied` rows for `count` statements.
            print(String(format: "%@ %d %17.0f rows/s %9.0f st/s  %5.2f   (COPY %.1f s for %d rows; ecba %.1f s)",
                         shape.name.padding(toLength: 66, withPad: " ", startingAt: 0), connections, Double(copied) / baseline,
                         Double(count) / seconds, baseline / seconds, baseline, copied, seconds))
        }
        for file in Array(dumps.values) + parts + [statements] { try? FileManager.default.removeItem(at: file) }
        }
}

/// Wall seconds until every process has ended (all started at once); any failure throws.
func measureAll(_ commands: [(program: String, arguments: [String])]) throws -> Double {
    let start = ContinuousClock.now
    // Their standard error is kept: a failing psql or import says why.
    let pids = try commands.map { try spawn($0.program, $0.arguments, silencingErrors: false) }
    var failed = false
    for pid in pids {
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        if status != 0 { failed = true }
    }
    if failed { throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(commands.first?.program ?? "") failed"]) }
    return milliseconds(ContinuousClock.now - start) / 1000
}

/// The statements split into `parts` files by engineer (each engineer's statements in one file).
func splitByEngineer(_ statements: URL, into parts: Int, folder: URL) throws -> [URL] {
    let urls = (0..<parts).map { folder.appendingPathComponent("part-\($0).ndjson") }
    var buffers = Array(repeating: [UInt8](), count: parts)
    for line in try String(contentsOf: statements, encoding: .utf8).split(separator: "\n") {
        // The engineer's number is in the actor: mailto:eN@ or "name":"eN".
        let engineer = line.firstMatch(of: /(?:mailto:e|"name":"e)([0-9]+)/).flatMap { Int($0.1) } ?? 0
        buffers[engineer % parts] += line.utf8
        buffers[engineer % parts].append(0x0A)
    }
    for (url, buffer) in zip(urls, buffers) { try Data(buffer).write(to: url) }
    return urls
}

/// Four psql scripts, each COPYing a quarter of the statements with their own index rows and
/// progress events, and a quarter of the activity states (by enrollment): each part holds every
/// row its foreign keys name, so the four commit independently.
func quarterScripts(from database: String, folder: URL) throws -> [URL] {
    let parts: [(table: String, rows: (Int) -> String)] = [
        ("xapi_agent_key", { "SELECT * FROM xapi_agent_key WHERE id % 4 = \($0)" }),
        ("xapi_activity_key", { "SELECT * FROM xapi_activity_key WHERE id % 4 = \($0)" }),
        ("xapi_registration_key", { "SELECT * FROM xapi_registration_key WHERE id % 4 = \($0)" }),
        ("xapi_statement", { "SELECT * FROM xapi_statement WHERE rowid % 4 = \($0)" }),
        ("xapi_statement_agent", { "SELECT * FROM xapi_statement_agent WHERE statement_rowid % 4 = \($0)" }),
        ("xapi_statement_activity", { "SELECT * FROM xapi_statement_activity WHERE statement_rowid % 4 = \($0)" }),
        ("xapi_statement_registration", { "SELECT * FROM xapi_statement_registration WHERE statement_rowid % 4 = \($0)" }),
        ("progress_event", { "SELECT e.* FROM progress_event e JOIN xapi_statement s ON s.id = e.statement_id WHERE s.rowid % 4 = \($0)" }),
        ("activity_progress", { "SELECT * FROM activity_progress WHERE enrollment_id % 4 = \($0)" }),
    ]
    return try (0..<4).map { part in
        var script = ""
        for (table, rows) in parts {
            let file = folder.appendingPathComponent("\(table)-\(part).copy")
            _ = try measure("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", "\\copy (\(rows(part))) TO '\(file.path)'"])
            script += "\\copy \(table) FROM '\(file.path)'\n"
        }
        let url = folder.appendingPathComponent("copy-\(part).sql")
        try script.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
