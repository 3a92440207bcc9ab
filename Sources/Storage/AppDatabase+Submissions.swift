import Domain
import Foundation
import GRDB

/// What storing an accepted package did.
public enum SubmissionInsertOutcome: Sendable, Equatable {
    /// A new version was recorded as a pending submission.
    case created(Submission)
    /// The same content was already submitted for this course: nothing changed.
    case unchanged(existingID: Int64, courseID: String, version: Int)

    /// The submission the package is now (or already was).
    public var submissionID: Int64 {
        switch self {
        case .created(let submission): submission.id
        case .unchanged(let existingID, _, _): existingID
        }
    }
}

/// An accepted package on its way into the database.
public struct SubmissionDraft: Sendable {
    public var package: CoursePackage
    /// Where it was imported from, as the user named it.
    public var source: String
    /// Its warnings (a stored submission never has errors).
    public var diagnostics: [Diagnostic]

    public init(package: CoursePackage, source: String, diagnostics: [Diagnostic]) {
        precondition(!diagnostics.hasErrors, "a package with errors is never stored")
        self.package = package
        self.source = source
        self.diagnostics = diagnostics
    }
}

extension StoreTransaction {
    /// `AppDatabase.insertSubmissions` inside a transaction the caller holds (an import writes
    /// each submission's file list in the same one).
    public func insertSubmissions(_ drafts: [SubmissionDraft], societyID: String) throws -> [SubmissionInsertOutcome] {
        try AppDatabase.insert(drafts, societyID: societyID, at: now, on: sql)
    }
}

extension AppDatabase {
    /// Records an accepted package as a pending submission of `societyID`, in one transaction:
    /// the course (on first import), the version, its texts, activities and warnings.
    /// The same content hash for the same course is a no-op.
    public func insertSubmission(
        _ package: CoursePackage,
        societyID: String,
        source: String,
        diagnostics: [Diagnostic],
        at date: Date
    ) throws(ServiceError) -> SubmissionInsertOutcome {
        let draft = SubmissionDraft(package: package, source: source, diagnostics: diagnostics)
        return try insertSubmissions([draft], societyID: societyID, at: date)[0]
    }

    /// Records several accepted packages in one transaction: the batch is committed (and so
    /// acknowledged) as a whole, or, when any statement fails, not at all. Outcomes are in the
    /// order of `drafts`. (A savepoint per package bought nothing: a failure leaves the closure
    /// and rolls the whole transaction back, and the savepoints cost 8% of the storing thread.)
    public func insertSubmissions(
        _ drafts: [SubmissionDraft],
        societyID: String,
        at date: Date
    ) throws(ServiceError) -> [SubmissionInsertOutcome] {
        guard !drafts.isEmpty else { return [] }
        return try perform(at: date) { tx in try tx.insertSubmissions(drafts, societyID: societyID) }
    }

    fileprivate static func insert(_ drafts: [SubmissionDraft], societyID: String, at date: Date, on sql: any SQLConnection) throws -> [SubmissionInsertOutcome] {
        var outcomes: [SubmissionInsertOutcome] = []
        outcomes.reserveCapacity(drafts.count)
        for draft in drafts {
            outcomes.append(try Self.insert(draft, societyID: societyID, at: date, on: sql))
        }
        return outcomes
    }

    private static func insert(_ draft: SubmissionDraft, societyID: String, at date: Date, on sql: any SQLConnection) throws -> SubmissionInsertOutcome {
        let package = draft.package
        let source = draft.source
        let diagnostics = draft.diagnostics
        let courseID = "\(societyID)/\(package.identifier)"
        if let existing = try sql.firstRow("SELECT id, version FROM submission WHERE course_id = ? AND content_hash = ?", [.text(courseID), .text(package.contentHash)]) {
            return .unchanged(existingID: existing.int64(0) ?? 0, courseID: courseID, version: Int(existing.int64(1) ?? 0))
        }
        let stamp = date.iso8601
        try sql.execute(
            "INSERT INTO course (id, society_id, identifier, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [.text(courseID), .text(societyID), .text(package.identifier), .text(stamp)]
        )
        let version = Int(try sql.firstRow("SELECT max(version) FROM submission WHERE course_id = ?", [.text(courseID)])?.int64(0) ?? 0) + 1
        guard let id = try sql.firstRow(
            """
            INSERT INTO submission (course_id, version, status, content_hash, format, format_version, display_title,
                typical_learning_time, credit_hours, category, developing_society, licence, languages, manifest_path,
                has_sidecar, source, submitted_at, control_mode)
            VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """,
            [.text(courseID), .integer(Int64(version)), .text(package.contentHash), .text(package.format.rawValue), .text(package.formatVersion),
             .text(package.displayTitle), SQLValue(package.typicalLearningTime), package.creditHours.map(SQLValue.real) ?? .null,
             SQLValue(package.category?.rawValue), SQLValue(package.developingSociety), SQLValue(package.licence),
             .text(package.languages.joined(separator: ",")), .text(package.manifestPath), .integer(package.hasSidecar ? 1 : 0), .text(source),
             .text(stamp), SQLValue(package.controlMode?.stored)]
        )?.int64(0) else {
            throw ServiceError(.storage, "the new submission of \(courseID) has no id")
        }
        try Self.insertTexts(package, submissionID: id, on: sql)
        try Self.insertActivities(package.activities, submissionID: id, on: sql)
        for (position, diagnostic) in diagnostics.enumerated() {
            try sql.execute(
                """
                INSERT INTO submission_diagnostic (submission_id, position, code, severity, file, line, element_path, message, hint)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(id), .integer(Int64(position)), .text(diagnostic.code.rawValue), .text(diagnostic.severity.rawValue), .text(diagnostic.file),
                 SQLValue(diagnostic.line), SQLValue(diagnostic.elementPath), .text(diagnostic.message), .text(diagnostic.hint)]
            )
        }
        let submission = Submission(
            id: id, courseID: courseID, societyID: societyID, version: version, status: .pending,
            submittedAt: date, source: source, package: package, diagnostics: diagnostics
        )
        return .created(submission)
    }

    private static func insertTexts(_ package: CoursePackage, submissionID: Int64, on sql: any SQLConnection) throws {
        let groups: [(String, [LocalizedText])] = [("title", package.titles), ("description", package.descriptions), ("keyword", package.keywords)]
        for (kind, texts) in groups {
            for (position, text) in texts.enumerated() {
                try sql.execute(
                    "INSERT INTO submission_text (submission_id, kind, position, language, value) VALUES (?, ?, ?, ?, ?)",
                    [.integer(submissionID), .text(kind), .integer(Int64(position)), .text(text.language), .text(text.value)]
                )
            }
        }
    }

    /// Rows per INSERT of activities: a package's activities go in a few multi-row statements
    /// (15 parameters a row, well under either database's limit) instead of one statement per row.
    static let activitiesPerInsert = 32

    /// The INSERT of `n` activity rows, for n in 1...activitiesPerInsert, written once.
    private static let activityInserts: [String] = (0...activitiesPerInsert).map { count in
        """
        INSERT INTO activity (submission_id, position, parent_position, identifier, title, kind, launch_url, required,
            mastery_threshold, completion_threshold, time_limit_seconds, move_on, launch_data, time_limit_action,
            entitlement_key)
        VALUES
        """ + Array(repeating: " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ",")
    }

    /// The tree's rows depth first, in document order, each statement run as it fills.
    private static func insertActivities(_ activities: [Activity], submissionID: Int64, on sql: any SQLConnection) throws {
        var rows = ActivityRows(sql: sql, submissionID: submissionID, remaining: activities.countActivities())
        try rows.add(activities, parent: nil)
        guard rows.values.isEmpty, rows.remaining == 0 else {
            throw ServiceError(.storage, "the activity tree changed while it was stored")
        }
    }

    private struct ActivityRows {
        let sql: any SQLConnection
        let submissionID: Int64
        var remaining: Int
        var position = 0
        /// The values of the rows not yet inserted, and how many rows the open statement holds.
        var values: [SQLValue] = []
        var rowsInStatement = 0

        init(sql: any SQLConnection, submissionID: Int64, remaining: Int) {
            self.sql = sql
            self.submissionID = submissionID
            self.remaining = remaining
        }

        mutating func add(_ activities: [Activity], parent: Int?) throws {
            for activity in activities {
                let own = position
                try add(activity, parent: parent)
                try add(activity.children, parent: own)
            }
        }

        private mutating func add(_ activity: Activity, parent: Int?) throws {
            if values.isEmpty {
                rowsInStatement = min(remaining, AppDatabase.activitiesPerInsert)
                values.reserveCapacity(rowsInStatement * 15)
            }
            values += [
                .integer(submissionID), .integer(Int64(position)), SQLValue(parent), .text(activity.identifier), .text(activity.title),
                .text(activity.kind.rawValue), SQLValue(activity.launchURL), .integer(activity.isRequired ? 1 : 0),
                activity.masteryThreshold.map(SQLValue.real) ?? .null, activity.completionThreshold.map(SQLValue.real) ?? .null,
                SQLValue(activity.timeLimitSeconds), SQLValue(activity.moveOn), SQLValue(activity.launchData), SQLValue(activity.timeLimitAction),
                SQLValue(activity.entitlementKey),
            ]
            position += 1
            remaining -= 1
            if values.count == rowsInStatement * 15 {
                try sql.execute(AppDatabase.activityInserts[rowsInStatement], values)
                values.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Submissions, newest first, optionally of one status.
    public func submissions(status: SubmissionStatus? = nil) throws(ServiceError) -> [Submission] {
        try reading("listing submissions") { sql in
            let ids = try (status.map { try sql.rows("SELECT id FROM submission WHERE status = ? ORDER BY id DESC", [.text($0.rawValue)]) }
                ?? sql.rows("SELECT id FROM submission ORDER BY id DESC")).compactMap { $0.int64(0) }
            return try ids.compactMap { try Self.submission(id: $0, on: sql) }
        }
    }

    /// One submission with its package, activities and diagnostics.
    public func submission(id: Int64) throws(ServiceError) -> Submission? {
        try reading("reading submission \(id)") { sql in try Self.submission(id: id, on: sql) }
    }

    /// How many submissions, activities and courses exist (for status output and tests).
    public func counts() throws(ServiceError) -> (courses: Int, submissions: Int, activities: Int) {
        try reading("counting") { sql in
            func count(_ table: String) throws -> Int { Int(try sql.firstRow("SELECT count(*) FROM \(table)")?.int64(0) ?? 0) }
            return (try count("course"), try count("submission"), try count("activity"))
        }
    }

    public static func submission(id: Int64, db: Database) throws -> Submission? {
        try submission(id: id, on: SQLiteConnection(db))
    }

    /// The one query of a submission, for reads and transactions on either database.
    public static func submission(id: Int64, on sql: any SQLConnection) throws -> Submission? {
        guard let row = try sql.firstRow(
            """
            SELECT s.format, s.status, s.submitted_at, c.identifier, s.format_version, s.typical_learning_time, s.credit_hours, s.category,
                s.developing_society, s.licence, s.languages, s.content_hash, s.manifest_path, s.has_sidecar, s.control_mode,
                s.course_id, c.society_id, s.version, s.source
            FROM submission s JOIN course c ON c.id = s.course_id WHERE s.id = ?
            """,
            [.integer(id)]
        ) else { return nil }
        guard let format = row.text(0).flatMap(PackageFormat.init(rawValue:)), let status = row.text(1).flatMap(SubmissionStatus.init(rawValue:)),
              let submittedAt = row.text(2).flatMap(Date.init(iso8601:)), let identifier = row.text(3), let formatVersion = row.text(4),
              let languages = row.text(10), let contentHash = row.text(11), let manifestPath = row.text(12),
              let courseID = row.text(15), let societyID = row.text(16), let version = row.int64(17), let source = row.text(18)
        else {
            throw ServiceError(.storage, "submission \(id) is unreadable (an unknown format, status or date, or a missing value)")
        }
        var package = CoursePackage(
            identifier: identifier, format: format, formatVersion: formatVersion, typicalLearningTime: row.text(5), creditHours: row.double(6),
            category: row.text(7).flatMap(SubjectCategory.init(rawValue:)), developingSociety: row.text(8), licence: row.text(9),
            languages: languages.split(separator: ",").map(String.init), contentHash: contentHash, manifestPath: manifestPath,
            hasSidecar: (row.int64(13) ?? 0) != 0, controlMode: row.text(14).map(ControlMode.init(stored:))
        )
        for text in try sql.rows("SELECT kind, language, value FROM submission_text WHERE submission_id = ? ORDER BY kind, position", [.integer(id)]) {
            let value = LocalizedText(language: text.text(1) ?? "", value: text.text(2) ?? "")
            switch text.text(0) {
            case "title": package.titles.append(value)
            case "description": package.descriptions.append(value)
            default: package.keywords.append(value)
            }
        }
        package.activities = try activityTree(submissionID: id, on: sql)
        let diagnostics = try sql.rows(
            "SELECT code, file, line, element_path, message, hint FROM submission_diagnostic WHERE submission_id = ? ORDER BY position", [.integer(id)]
        ).map { row in
            Diagnostic(
                DiagnosticCode(rawValue: row.text(0) ?? ""), file: row.text(1) ?? "", line: row.int64(2).map(Int.init),
                elementPath: row.text(3), message: row.text(4) ?? "", hint: row.text(5)
            )
        }
        return Submission(
            id: id, courseID: courseID, societyID: societyID, version: Int(version), status: status,
            submittedAt: submittedAt, source: source, package: package, diagnostics: diagnostics
        )
    }

    private static func activityTree(submissionID: Int64, on sql: any SQLConnection) throws -> [Activity] {
        let rows = try sql.rows(
            """
            SELECT position, parent_position, identifier, title, kind, launch_url, required, mastery_threshold, completion_threshold,
                time_limit_seconds, move_on, launch_data, time_limit_action, entitlement_key
            FROM activity WHERE submission_id = ? ORDER BY position
            """,
            [.integer(submissionID)]
        )
        var childrenOf: [Int?: [Int]] = [:]
        var activities: [Int: Activity] = [:]
        for row in rows {
            let position = Int(row.int64(0) ?? 0)
            childrenOf[row.int64(1).map(Int.init), default: []].append(position)
            activities[position] = Activity(
                identifier: row.text(2) ?? "", title: row.text(3) ?? "", kind: row.text(4).flatMap(ActivityKind.init(rawValue:)) ?? .other,
                launchURL: row.text(5), isRequired: (row.int64(6) ?? 0) != 0,
                masteryThreshold: row.double(7), completionThreshold: row.double(8), timeLimitSeconds: row.int64(9).map(Int.init),
                moveOn: row.text(10), launchData: row.text(11), timeLimitAction: row.text(12), entitlementKey: row.text(13)
            )
        }
        func build(_ position: Int) -> Activity? {
            guard var activity = activities[position] else { return nil }
            activity.children = (childrenOf[position] ?? []).compactMap(build)
            return activity
        }
        return (childrenOf[nil] ?? []).compactMap(build)
    }
}

extension StoreTransaction {
    /// A stored submission, or nil.
    public func submission(_ id: Int64) throws -> Submission? {
        try AppDatabase.submission(id: id, on: sql)
    }
}
