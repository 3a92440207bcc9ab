import Domain
import Storage

/// The SQL of `submission_file`: which files each submitted package version holds. The bytes
/// are in the `ContentStore`, under each row's sha256.
public enum SubmissionFileStore {
    /// Records a submission's files, in the caller's transaction (the import's). A submission
    /// that has its list already is left as it is (re-importing the same content adds nothing);
    /// one stored before the content store existed gets it now.
    public static func record(_ files: [PackageFile], submissionID: Int64, on sql: any SQLConnection) throws {
        guard try sql.firstRow("SELECT 1 FROM submission_file WHERE submission_id = ? LIMIT 1", [.integer(submissionID)]) == nil else { return }
        for file in files {
            try sql.execute(
                "INSERT INTO submission_file (submission_id, path, sha256, size, media_type) VALUES (?, ?, ?, ?, ?)",
                [.integer(submissionID), .text(file.path), .text(file.sha256), .integer(Int64(file.size)), .text(file.mediaType)]
            )
        }
    }

    /// A submission's files, sorted by path.
    public static func files(submissionID: Int64, on sql: any SQLConnection) throws -> [PackageFile] {
        try sql.rows("SELECT path, sha256, size, media_type FROM submission_file WHERE submission_id = ? ORDER BY path", [.integer(submissionID)])
            .map(file)
    }

    /// One file of a submission by its exact path, or nil.
    public static func file(submissionID: Int64, path: String, on sql: any SQLConnection) throws -> PackageFile? {
        try sql.firstRow("SELECT path, sha256, size, media_type FROM submission_file WHERE submission_id = ? AND path = ?",
                         [.integer(submissionID), .text(path)]).map(file)
    }

    /// Every object some submission references, with its size and one holder per row, ordered
    /// by hash.
    public static func references(on sql: any SQLConnection) throws -> [ObjectReference] {
        try sql.rows("""
            SELECT f.sha256, f.size, f.submission_id, s.course_id, s.version, f.path
            FROM submission_file f JOIN submission s ON s.id = f.submission_id
            ORDER BY f.sha256, f.submission_id, f.path
            """).map { row in
            ObjectReference(sha256: row.text(0) ?? "", size: UInt64(max(0, row.int64(1) ?? 0)), submissionID: row.int64(2) ?? 0,
                            courseID: row.text(3) ?? "", version: Int(row.int64(4) ?? 0), path: row.text(5) ?? "")
        }
    }

    /// The distinct hashes referenced by any submission.
    public static func referencedHashes(on sql: any SQLConnection) throws -> Set<String> {
        Set(try sql.rows("SELECT DISTINCT sha256 FROM submission_file").compactMap { $0.text(0) })
    }

    /// Submissions without a file list (stored before v11): their packages were never kept.
    public static func submissionsWithoutFiles(on sql: any SQLConnection) throws -> [Int64] {
        try sql.rows("""
            SELECT id FROM submission s WHERE NOT EXISTS (SELECT 1 FROM submission_file f WHERE f.submission_id = s.id) ORDER BY id
            """).compactMap { $0.int64(0) }
    }

    private static func file(_ row: SQLRow) -> PackageFile {
        PackageFile(path: row.text(0) ?? "", sha256: row.text(1) ?? "", size: UInt64(max(0, row.int64(2) ?? 0)), mediaType: row.text(3) ?? "")
    }
}

/// One submission's use of an object.
public struct ObjectReference: Sendable, Equatable, Codable {
    public var sha256: String
    public var size: UInt64
    public var submissionID: Int64
    public var courseID: String
    public var version: Int
    public var path: String
}
