import Catalog
import Domain
import Foundation
import GRDB
import Societies
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Society report benchmark (issue 5): ENGINEERS engineers, all members of one society, with
/// COMPLETIONS standing awards in 2026 spread over 40 published courses; then the `ecba` binary
/// (the user's code path, as a child process) writes the society's CSV report, next to the
/// `sqlite3` command line running the equivalent query to CSV, in the same run. A second society
/// of 1,000 of the same engineers shows that memory does not grow with the report.
func reportBenchmark(engineers engineerCount: Int, completions: Int) throws {
    // ECBA_BENCH_KEEP=DIR keeps the generated database there (for profiling); else a temporary folder.
    let kept = ProcessInfo.processInfo.environment["ECBA_BENCH_KEEP"]
    let folder = kept.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory.appendingPathComponent("ecba-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { if kept == nil { try? FileManager.default.removeItem(at: folder) } }
    let path = folder.appendingPathComponent("bench.sqlite").path
    try? FileManager.default.removeItem(atPath: path)
    let clock = ContinuousClock()
    let generation = clock.now
    // In a child process, so this one stays small: a child's peak memory (from wait4) starts from
    // its parent's when it is spawned.
    _ = try measure(URL(fileURLWithPath: CommandLine.arguments[0]).path, ["report-data", path, String(engineerCount), String(completions)])
    print("generated \(engineerCount) engineers and \(completions) completions in \(String(format: "%.1f", milliseconds(clock.now - generation) / 1000)) s")

    let ecba = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ecba").path
    guard FileManager.default.isExecutableFile(atPath: ecba) else {
        print("needs the ecba binary beside ecba-bench (swift build -c release --product ecba)")
        exit(2)
    }
    let period = (start: "2026-01-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z")
    let summarySQL = """
        SELECT m.member_number, m.engineer_id, e.name AS engineer_name, m.society_id AS society, '2026-01-01' AS period_start,
            '2026-12-31' AS period_end, 'ecba-default' AS policy, '学时' AS unit, 90 AS required, total(a.hours) AS total, 0 AS carried_over,
            total(CASE WHEN a.category = 'professional' THEN a.hours END) AS professional_earned,
            total(CASE WHEN a.category = 'professional' THEN a.hours END) AS professional_counted, 60 AS professional_minimum,
            max(0, 60 - total(CASE WHEN a.category = 'professional' THEN a.hours END)) AS professional_short,
            total(CASE WHEN a.category = 'public' THEN a.hours END) AS public_earned,
            total(CASE WHEN a.category = 'public' THEN a.hours END) AS public_counted, '' AS public_minimum, 0 AS public_short, 0 AS other_earned,
            CASE WHEN total(a.hours) >= 90 AND total(CASE WHEN a.category = 'professional' THEN a.hours END) >= 60 THEN 'yes' ELSE 'no' END AS met,
            max(0, 90 - total(a.hours)) AS short
        FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
        LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL
            AND a.awarded_at >= '\(period.start)' AND a.awarded_at < '\(period.end)'
        WHERE m.society_id = '%SOCIETY%' GROUP BY m.member_number ORDER BY m.member_number;
        """
    let detailSQL = """
        SELECT m.member_number, m.engineer_id, e.name AS engineer_name, m.society_id AS society, '2026-01-01' AS period_start,
            '2026-12-31' AS period_end, p.course_id, p.version AS course_version, s.display_title AS title, c.society_id AS provider_society,
            a.category, a.hours, '学时' AS unit, substr(a.awarded_at, 1, 10) AS completed_at, a.result, a.credential_id,
            a.id AS record_id, a.record_version
        FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
        JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL
            AND a.awarded_at >= '\(period.start)' AND a.awarded_at < '\(period.end)'
        JOIN publication p ON p.id = a.publication_id JOIN submission s ON s.id = p.submission_id JOIN course c ON c.id = p.course_id
        WHERE m.society_id = '%SOCIETY%' ORDER BY m.member_number, a.awarded_at, a.id;
        """
    try compareReports(heading: "report                       ", baseline: "sqlite3", ecba: ecba, folder: folder, prefix: "") { society, detail, output in
        let sql = (detail ? detailSQL : summarySQL).replacingOccurrences(of: "%SOCIETY%", with: society)
        let script = folder.appendingPathComponent("query.sql").path
        try ".headers on\n.mode csv\n.once \(output)\n\(sql)\n".write(toFile: script, atomically: true, encoding: .utf8)
        return (["--database", path], "/usr/bin/sqlite3", ["-bail", path, ".read \(script)"])
    }
    // ECBA_BENCH_POSTGRESQL=URL (a user who may create databases): the same reports on PostgreSQL.
    if let server = ProcessInfo.processInfo.environment["ECBA_BENCH_POSTGRESQL"] {
        // The detail query is the same SQL on both databases.
        try postgresReports(server: server, sqlitePath: path, ecba: ecba, folder: folder, period: period, detailSQL: detailSQL)
    }
}

/// The platform copied into a new PostgreSQL database by `ecba database copy`, then each report
/// from `ecba report --database postgresql://...` next to `psql` running the equivalent query to
/// CSV against the same database (fetching 2,000 rows at a time, as ecba's cursor does, so that
/// neither holds the whole result).
func postgresReports(server: String, sqlitePath: String, ecba: String, folder: URL, period: (start: String, end: String), detailSQL: String) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/psql") else {
        print("the PostgreSQL part needs the psql command line (apt-get install postgresql-client)")
        exit(2)
    }
    guard var components = URLComponents(string: server) else {
        print("ECBA_BENCH_POSTGRESQL is not a URL: \(server)")
        exit(2)
    }
    let name = "ecba_bench_" + UUID().uuidString.prefix(8).lowercased()
    components.path = "/" + name
    guard let target = components.string else { exit(2) }
    _ = try measure("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server, "-c", "CREATE DATABASE \(name)"])
    defer { _ = try? measure("/usr/bin/psql", ["-X", "-q", "-d", server, "-c", "DROP DATABASE \(name) WITH (FORCE)"]) }
    let copy = try measure(ecba, ["database", "copy", "--database", sqlitePath, "--to", target])
    print(String(format: "\ncopied into PostgreSQL (ecba database copy, then ANALYZE) in %.1f s", copy.seconds))
    let professional = "CASE WHEN a.category = 'professional' THEN a.hours END"
    let summarySQL = """
        SELECT m.member_number, min(m.engineer_id) AS engineer_id, min(e.name) AS engineer_name, m.society_id AS society,
            '2026-01-01' AS period_start, '2026-12-31' AS period_end, 'ecba-default' AS policy, '学时' AS unit, 90 AS required,
            coalesce(sum(a.hours), 0) AS total, 0 AS carried_over,
            coalesce(sum(\(professional)), 0) AS professional_earned, coalesce(sum(\(professional)), 0) AS professional_counted,
            60 AS professional_minimum, greatest(0, 60 - coalesce(sum(\(professional)), 0)) AS professional_short,
            coalesce(sum(CASE WHEN a.category = 'public' THEN a.hours END), 0) AS public_earned,
            coalesce(sum(CASE WHEN a.category = 'public' THEN a.hours END), 0) AS public_counted, '' AS public_minimum, 0 AS public_short,
            0 AS other_earned,
            CASE WHEN coalesce(sum(a.hours), 0) >= 90 AND coalesce(sum(\(professional)), 0) >= 60 THEN 'yes' ELSE 'no' END AS met,
            greatest(0, 90 - coalesce(sum(a.hours), 0)) AS short
        FROM society_membership m JOIN engineer e ON e.id = m.engineer_id
        LEFT JOIN credit_award a ON a.engineer_id = m.engineer_id AND a.revoked_at IS NULL
            AND a.awarded_at >= '\(period.start)' AND a.awarded_at < '\(period.end)'
        WHERE m.society_id = '%SOCIETY%' GROUP BY m.society_id, m.member_number ORDER BY m.member_number;
        """
    try compareReports(heading: "report on PostgreSQL         ", baseline: "psql", ecba: ecba, folder: folder, prefix: "pg-") { society, detail, output in
        let script = folder.appendingPathComponent("pg-query.sql").path
        try ((detail ? detailSQL : summarySQL).replacingOccurrences(of: "%SOCIETY%", with: society) + "\n").write(toFile: script, atomically: true, encoding: .utf8)
        return (["--database", target], "/usr/bin/psql", ["-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-v", "FETCH_COUNT=2000", "-o", output, "-d", target, "-f", script])
    }
}

/// For each report (the big society and the small one, summary and `--detail`): one warm-up
/// each, then three timed runs each, alternating, of `ecba report society` and of the baseline
/// program `baseline` gives (writing its CSV to the path it is handed); the row counts must agree.
func compareReports(
    heading: String, baseline name: String, ecba: String, folder: URL, prefix: String,
    baseline: (_ society: String, _ detail: Bool, _ output: String) throws -> (database: [String], program: String, arguments: [String])
) throws {
    print("\n\(heading)   ecba (median of 3)   peak RSS | \(name.padding(toLength: 7, withPad: " ", startingAt: 0)) (median of 3)  peak RSS | ratio   rows")
    for (society, detail) in [("cces", false), ("cces", true), ("small", false), ("small", true)] {
        let output = folder.appendingPathComponent("\(prefix)\(society)-\(detail).csv").path
        let baselineOutput = folder.appendingPathComponent("\(prefix)\(society)-\(detail)-\(name).csv").path
        let theirCommand = try baseline(society, detail, baselineOutput)
        var arguments = ["report", "society", society, "--period", "2026", "--output", output] + theirCommand.database
        if detail { arguments.append("--detail") }
        _ = try measure(ecba, arguments)
        _ = try measure(theirCommand.program, theirCommand.arguments)
        var ours: [Measurement] = []
        var theirs: [Measurement] = []
        for _ in 0..<3 {
            ours.append(try measure(ecba, arguments))
            theirs.append(try measure(theirCommand.program, theirCommand.arguments))
        }
        let rows = try lineCount(output) - 1
        let baselineRows = try lineCount(baselineOutput) - 1
        guard rows == baselineRows else {
            print("row counts differ: ecba \(rows), \(name) \(baselineRows)")
            exit(1)
        }
        let ourSeconds = median(ours.map(\.seconds)), theirSeconds = median(theirs.map(\.seconds))
        let label = "\(society) \(detail ? "--detail" : "summary")".padding(toLength: 30, withPad: " ", startingAt: 0)
        print(label, String(format: "%9.3f s %16.0f MiB | %9.3f s %15.0f MiB | %5.2fx  %d",
                            ourSeconds, ours.map(\.peakMiB).max() ?? 0, theirSeconds, theirs.map(\.peakMiB).max() ?? 0, ourSeconds / theirSeconds, rows))
    }
}

struct Measurement {
    var seconds: Double
    var peakMiB: Double
}

/// Runs a program to completion; its wall time and peak resident memory (from wait4).
func measure(_ program: String, _ arguments: [String]) throws -> Measurement {
    let start = ContinuousClock.now
    let pid = try spawn(program, arguments, silencingErrors: true)
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let seconds = milliseconds(ContinuousClock.now - start) / 1000
    guard status == 0 else {
        throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(program) \(arguments.joined(separator: " ")) failed (\(status))"])
    }
    return Measurement(seconds: seconds, peakMiB: Double(usage.ru_maxrss) / 1024)
}

/// Starts `program` with its standard output (and, when `silencingErrors`, its standard error)
/// sent to /dev/null; its pid, for the caller to wait on.
func spawn(_ program: String, _ arguments: [String], silencingErrors: Bool) throws -> pid_t {
    var pid: pid_t = 0
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    if silencingErrors { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
    guard posix_spawn(&pid, program, &actions, nil, argv, environ) == 0 else {
        throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot start \(program)"])
    }
    return pid
}

/// Counts lines reading 1 MiB at a time (loading a 400 MB report would raise this process's
/// peak memory, which the next child inherits in its wait4 figure).
func lineCount(_ path: String) throws -> Int {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var lines = 0
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
    return lines
}

/// Writes the platform's schema with courses published through the services, then engineers,
/// memberships, enrollments and awards with plain prepared statements (the services would take
/// hours for two million completions, and the report only reads them).
func generateReportData(path: String, engineers engineerCount: Int, completions: Int) throws {
    let database = try AppDatabase(path: path)
    let societies = SocietyService(database: database)
    for id in ["cces", "small"] {
        _ = try societies.add(id: id, name: "Society \(id)", kind: .national)
        _ = try societies.authorize(id: id)
    }
    var random = SplitMix64(state: 7)
    var courses: [(id: String, publication: Int64, hours: Double, category: String)] = []
    for index in 0..<40 {
        let hours = Double(2 + Int(random.next() % 7))
        let category: SubjectCategory = index % 3 == 2 ? .public : .professional
        let package = CoursePackage(
            identifier: "course-\(index)", format: .ecba, formatVersion: "1.0", titles: [LocalizedText(language: "zh-CN", value: "课程 \(index)，工程实务")],
            activities: [Activity(identifier: "l1", title: "第一讲", kind: .webcontent, launchURL: "l1.html")],
            creditHours: hours, category: category, languages: ["zh-CN"], contentHash: "h\(index)", manifestPath: "ecba-course.xml"
        )
        guard case .created(let submission) = try database.insertSubmission(package, societyID: "cces", source: "bench", diagnostics: [], at: Date()) else { continue }
        let publication = try database.transaction(at: Date()) { tx in try CatalogService.publish(submissionID: submission.id, in: tx) }
        _ = publication
        courses.append(("cces/course-\(index)", Int64(index + 1), hours, category.rawValue))
    }
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        let publications = try Row.fetchAll(db, sql: "SELECT id, course_id FROM publication")
        let publicationOf = Dictionary(uniqueKeysWithValues: publications.map { ($0["course_id"] as String, $0["id"] as Int64) })
        courses = courses.map { ($0.id, publicationOf[$0.id] ?? 0, $0.hours, $0.category) }
        let stamp = "2026-01-01T00:00:00.000Z"
        let engineer = try db.makeStatement(sql: "INSERT INTO engineer (id, name, created_at) VALUES (?, ?, ?)")
        let member = try db.makeStatement(sql: "INSERT INTO society_membership (engineer_id, society_id, member_number, since) VALUES (?, ?, ?, ?)")
        for index in 0..<engineerCount {
            let id = String(format: "e%06d", index)
            try engineer.execute(arguments: [id, "工程师\(index)", stamp])
            try member.execute(arguments: [id, "cces", String(format: "M%06d", index), stamp])
            if index < 1_000 { try member.execute(arguments: [id, "small", String(format: "S%04d", index), stamp]) }
        }
        let enrollment = try db.makeStatement(sql: """
            INSERT INTO enrollment (id, engineer_id, course_id, publication_id, registration, status, enrolled_at, ended_at)
            VALUES (?, ?, ?, ?, ?, 'completed', ?, ?)
            """)
        let award = try db.makeStatement(sql: """
            INSERT INTO credit_award (id, engineer_id, course_id, enrollment_id, hours, category, awarded_at, record_version, credential_id,
                changed_at, result, score, publication_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)
            """)
        let yearStart = 1_767_225_600.0   // 2026-01-01
        for index in 0..<completions {
            let who = String(format: "e%06d", Int(random.next() % UInt64(engineerCount)))
            let course = courses[Int(random.next() % UInt64(courses.count))]
            let completed = Date(timeIntervalSince1970: yearStart + Double(random.next() % 31_000_000))
            let completedText = completed.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            let passed = random.next() % 2 == 0
            let id = Int64(index + 1)
            try enrollment.execute(arguments: [id, who, course.id, course.publication, "r\(id)", completedText, completedText])
            try award.execute(arguments: [
                id, who, course.id, id, course.hours, course.category, completedText, "urn:uuid:" + UUID().uuidString.lowercased(), completedText,
                passed ? "passed" : "completed", passed ? Double(60 + random.next() % 41) / 100 : nil, course.publication,
            ])
        }
    }
}
