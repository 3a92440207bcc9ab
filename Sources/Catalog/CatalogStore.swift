import Domain
import Foundation
import Storage

/// The catalog's reads that need the committee's decision beside the publication (which the
/// review store owns), written once on the storage kernel for `CatalogService` and
/// `ReviewService`.
enum CatalogStore {
    /// A course's published version (the current one when `version` is nil), with its decision.
    static func entry(courseID: String, version: Int?, on sql: any SQLConnection) throws -> CatalogEntry? {
        let columns = "p.id, p.version, p.submission_id, p.published_at, p.retired_at, p.retired_reason, c.current_publication_id"
        let found = try version.map {
            try sql.firstRow(
                "SELECT \(columns) FROM publication p JOIN course c ON c.id = p.course_id WHERE p.course_id = ? AND p.version = ?",
                [.text(courseID), .integer(Int64($0))]
            )
        } ?? sql.firstRow("SELECT \(columns) FROM course c JOIN publication p ON p.id = c.current_publication_id WHERE c.id = ?", [.text(courseID)])
        guard let row = found else { return nil }
        guard let id = row.int64(0), let version = row.int64(1), let submissionID = row.int64(2),
              let submission = try AppDatabase.submission(id: submissionID, on: sql), let publishedAt = row.text(3).flatMap(Date.init(iso8601:)) else {
            throw ServiceError(.storage, "publication of \(courseID) is unreadable")
        }
        return CatalogEntry(
            courseID: courseID, version: Int(version), publishedAt: publishedAt,
            retiredAt: row.text(4).flatMap(Date.init(iso8601:)), retiredReason: row.text(5),
            isCurrent: row.int64(6) == id,
            submission: submission, decision: try ReviewStore.review(of: submissionID, on: sql)?.decision
        )
    }
}
