import ContentStore
import Domain
import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#endif

/// Why a content operation failed.
public struct ContentError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The store's folder cannot be created or read.
        case storeUnavailable
        /// The database could not be read.
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The upkeep of the content store against the database: `verify` reads every referenced object
/// back, `collectGarbage` finds (and removes) what nothing references.
public struct ContentService: Sendable {
    let database: AppDatabase
    public let store: ContentStore
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, store: ContentStore, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.store = store
        self.clock = clock
    }

    /// Opens the store at `root`, or beside the database file when nil (a server database has no
    /// file to keep it beside: there the folder must be named).
    public static func openStore(root: String?, database: AppDatabase) throws(ContentError) -> ContentStore {
        guard let folder = root ?? database.file.map(ContentStore.defaultRoot(forDatabase:)) else {
            throw ContentError(.storeUnavailable, "the database \(database.path) is on a server, with no folder beside it: name the content store's folder")
        }
        do {
            return try ContentStore(root: folder)
        } catch {
            throw ContentError(.storeUnavailable, error.message)
        }
    }

    /// A referenced object that is not as recorded, with every file of every submission that
    /// holds it.
    public struct Problem: Sendable, Codable, Equatable {
        public enum State: String, Sendable, Codable {
            case missing
            case damaged
        }

        public var sha256: String
        public var state: State
        public var reason: String?
        public var holders: [ObjectReference]
    }

    public struct VerifyReport: Sendable, Codable, Equatable {
        /// Distinct objects read back.
        public var objectsChecked: Int
        public var bytesChecked: UInt64
        public var problems: [Problem]
        /// Submissions stored before the content store existed: nothing of theirs can be served
        /// until their package is imported again.
        public var submissionsWithoutFiles: [Int64]

        public var isIntact: Bool { problems.isEmpty }
    }

    /// Re-hashes every object a submission references; `progress` is told (checked, total)
    /// every so often.
    public func verify(progress: (Int, Int) -> Void = { _, _ in }) throws(ContentError) -> VerifyReport {
        let (references, legacy) = try reading { sql in
            (try SubmissionFileStore.references(on: sql), try SubmissionFileStore.submissionsWithoutFiles(on: sql))
        }
        var byHash: [(String, UInt64, [ObjectReference])] = []
        for reference in references {
            if let last = byHash.last, last.0 == reference.sha256 {
                byHash[byHash.count - 1].2.append(reference)
            } else {
                byHash.append((reference.sha256, reference.size, [reference]))
            }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        var problems: [Problem] = []
        var bytes: UInt64 = 0
        for (index, (sha256, size, holders)) in byHash.enumerated() {
            switch store.check(sha256, size: size, buffer: buffer) {
            case .intact:
                bytes += size
            case .missing:
                problems.append(Problem(sha256: sha256, state: .missing, reason: nil, holders: holders))
            case .damaged(let reason):
                problems.append(Problem(sha256: sha256, state: .damaged, reason: reason, holders: holders))
            }
            if index % 256 == 255 { progress(index + 1, byHash.count) }
        }
        progress(byHash.count, byHash.count)
        return VerifyReport(objectsChecked: byHash.count, bytesChecked: bytes, problems: problems, submissionsWithoutFiles: legacy)
    }

    /// What garbage collection found, and whether it removed it.
    public struct GarbageReport: Sendable, Codable, Equatable {
        public struct Item: Sendable, Codable, Equatable {
            /// The object's hash, or nil for a staging file a writer never finished.
            public var sha256: String?
            public var path: String
            public var size: UInt64
        }

        public var items: [Item]
        public var bytes: UInt64
        /// Objects kept because a submission references them.
        public var kept: Int
        public var removed: Bool
    }

    /// Objects no submission references and staging files no writer finished, older than
    /// `grace` (an import that is writing or about to commit has touched what it uses within
    /// it); removed only when `remove` is true.
    public func collectGarbage(grace: TimeInterval = 3600, remove: Bool) throws(ContentError) -> GarbageReport {
        let cutoff = clock().addingTimeInterval(-grace)
        // The disk first, then the references: an object an import references after this read
        // was touched by it, so it is younger than the cutoff and spared.
        let onDisk: [ContentStore.StoredObject]
        let stale: [String]
        do {
            onDisk = try store.objects()
            stale = try store.staleStaging(olderThan: cutoff)
        } catch {
            throw ContentError(.storeUnavailable, error.message)
        }
        let referenced = try reading { sql in try SubmissionFileStore.referencedHashes(on: sql) }
        var items: [GarbageReport.Item] = []
        var kept = 0
        for object in onDisk {
            if referenced.contains(object.sha256) {
                kept += 1
            } else if object.modified < cutoff {
                items.append(.init(sha256: object.sha256, path: store.objectPath(object.sha256), size: object.size))
            }
        }
        items.sort { $0.path < $1.path }
        for path in stale.sorted() {
            var info = stat()
            let size = stat(path, &info) == 0 ? UInt64(max(0, info.st_size)) : 0
            items.append(.init(sha256: nil, path: path, size: size))
        }
        if remove {
            for item in items {
                do {
                    try store.remove(path: item.path)
                } catch {
                    throw ContentError(.storeUnavailable, error.message)
                }
            }
        }
        return GarbageReport(items: items, bytes: items.reduce(0) { $0 + $1.size }, kept: kept, removed: remove)
    }

    private func reading<T>(_ body: (any SQLConnection) throws -> T) throws(ContentError) -> T {
        do {
            return try database.reading("reading the content index", body)
        } catch {
            throw ContentError(.storage, error.message)
        }
    }
}
