import Domain
import GRDB
import Storage

/// The SQL of `submission_file`: which files each submitted package version holds. The bytes
/// are in the `ContentStore`, under each row's sha256.
public enum SubmissionFileStore {
    /// Records a submission's files, in the caller's transaction (the import's). A submission
    /// that has its list already is left as it is (re-importing the same content adds nothing);
    /// one stored before the content store existed gets it now.
    public static func record(_ files: [PackageFile], submissionID: Int64, in db: Database) throws {
        var existing = try BoundStatement(db, "SELECT 1 FROM submission_file WHERE submission_id = ? LIMIT 1")
        existing.bind(submissionID)
        guard try existing.firstRow({ _ in true }) == nil else { return }
        for file in files {
            var row = try BoundStatement(db, "INSERT INTO submission_file (submission_id, path, sha256, size, media_type) VALUES (?, ?, ?, ?, ?)")
            row.bind(submissionID)
            row.bind(file.path)
            row.bind(file.sha256)
            row.bind(Int64(file.size))
            row.bind(file.mediaType)
            try row.run()
        }
    }

    /// A submission's files, sorted by path.
    public static func files(submissionID: Int64, in db: Database) throws -> [PackageFile] {
        try Row.fetchAll(db, sql: "SELECT path, sha256, size, media_type FROM submission_file WHERE submission_id = ? ORDER BY path",
                         arguments: [submissionID]).map(file)
    }

    /// One file of a submission by its exact path, or nil.
    public static func file(submissionID: Int64, path: String, in db: Database) throws -> PackageFile? {
        try Row.fetchOne(db, sql: "SELECT path, sha256, size, media_type FROM submission_file WHERE submission_id = ? AND path = ?",
                         arguments: [submissionID, path]).map(file)
    }

    /// Every object some submission references, with its size and one holder per row, ordered
    /// by hash.
    public static func references(in db: Database) throws -> [ObjectReference] {
        try Row.fetchAll(db, sql: """
            SELECT f.sha256, f.size, f.submission_id, s.course_id, s.version, f.path
            FROM submission_file f JOIN submission s ON s.id = f.submission_id
            ORDER BY f.sha256, f.submission_id, f.path
            """).map { row in
            ObjectReference(sha256: row[0], size: UInt64(max(0, row[1] as Int64)), submissionID: row[2], courseID: row[3],
                            version: row[4], path: row[5])
        }
    }

    /// The distinct hashes referenced by any submission.
    public static func referencedHashes(in db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT DISTINCT sha256 FROM submission_file"))
    }

    /// Submissions without a file list (stored before v11): their packages were never kept.
    public static func submissionsWithoutFiles(in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT id FROM submission s WHERE NOT EXISTS (SELECT 1 FROM submission_file f WHERE f.submission_id = s.id) ORDER BY id
            """)
    }

    private static func file(_ row: Row) -> PackageFile {
        PackageFile(path: row[0], sha256: row[1], size: UInt64(max(0, row[2] as Int64)), mediaType: row[3])
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
