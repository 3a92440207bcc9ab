import Delivery
import Domain
import Foundation
import HTTPTypes
import NIOCore
import Synchronization

/// A package file as the player serves it: the file, its quoted ETag and the headers every
/// answer for it carries, built once when the submission's file list is first read (building
/// and checking seven header fields cost a small file's answer a tenth of its time).
struct ServedFile: Sendable {
    let file: PackageFile
    let etag: String
    let headers: HTTPFields

    init(_ file: PackageFile) {
        self.file = file
        etag = "\"\(file.sha256)\""
        var headers = HTTPFields()
        headers[.contentType] = file.mediaType
        headers[.eTag] = etag
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "private, max-age=3600"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        self.headers = headers
    }
}

/// What serving a session's files keeps in memory, so that a page's dozens of small files cost
/// no database read and no disk read each:
/// - which submission a session plays, re-read after `sessionLifetime` (a withdrawal, a
///   retirement or an ended session takes effect within it);
/// - each submission's file list (it never changes once stored);
/// - the bytes of small objects, by SHA-256 (content-addressed: never stale), up to a budget.
final class ContentCache: Sendable {
    struct SessionEntry {
        var submissionID: Int64
        var checkedAt: ContinuousClock.Instant
    }

    let sessionLifetime: Duration
    let smallObjectBytes: Int
    let objectBudget: Int
    private let sessions = Mutex<[String: SessionEntry]>([:])
    private let fileLists = Mutex<[Int64: [String: ServedFile]]>([:])
    private let objects = Mutex<(bytes: [String: ByteBuffer], order: [String], total: Int)>(([:], [], 0))

    init(sessionLifetime: Duration = .seconds(1), smallObjectBytes: Int = 256 << 10, objectBudget: Int = 64 << 20) {
        self.sessionLifetime = sessionLifetime
        self.smallObjectBytes = smallObjectBytes
        self.objectBudget = objectBudget
    }

    func submission(of token: String) -> Int64? {
        let now = ContinuousClock.now
        return sessions.withLock { entries in
            guard let entry = entries[token], now - entry.checkedAt < sessionLifetime else { return nil }
            return entry.submissionID
        }
    }

    func remember(session token: String, submissionID: Int64) {
        sessions.withLock { entries in
            if entries.count > 100_000 { entries.removeAll(keepingCapacity: true) }
            entries[token] = SessionEntry(submissionID: submissionID, checkedAt: .now)
        }
    }

    func files(of submissionID: Int64) -> [String: ServedFile]? {
        fileLists.withLock { $0[submissionID] }
    }

    func remember(files: [String: ServedFile], of submissionID: Int64) {
        fileLists.withLock { lists in
            if lists.count >= 256 { lists.removeAll(keepingCapacity: true) }
            lists[submissionID] = files
        }
    }

    func object(_ sha256: String) -> ByteBuffer? {
        objects.withLock { $0.bytes[sha256] }
    }

    /// Keeps a small object's bytes; the oldest go first when over budget.
    func remember(object sha256: String, bytes: ByteBuffer) {
        guard bytes.readableBytes <= smallObjectBytes else { return }
        objects.withLock { cache in
            guard cache.bytes[sha256] == nil else { return }
            cache.bytes[sha256] = bytes
            cache.order.append(sha256)
            cache.total += bytes.readableBytes
            while cache.total > objectBudget, !cache.order.isEmpty {
                let oldest = cache.order.removeFirst()
                cache.total -= cache.bytes.removeValue(forKey: oldest)?.readableBytes ?? 0
            }
        }
    }
}
