import Crypto
import Domain
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the content store could not be used.
public struct ContentStoreError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func posix(_ what: String) -> ContentStoreError {
        ContentStoreError("\(what): \(String(cString: strerror(errno)))")
    }
}

/// The files of every package the platform keeps, content-addressed: one file per distinct
/// SHA-256 under `objects/ab/cdef…`, shared by every version and course that holds the same
/// bytes.
///
/// An object appears under its name only whole: bytes are written to `staging/` and renamed into
/// place once complete and hashed, so a reader never sees half a file, and an object's name is
/// the hash of its bytes (which `verify` checks). Objects are read-only (0444). The database says
/// which submission holds which object (`SubmissionFileStore`); an object nobody references is
/// garbage that `ContentService.collectGarbage` removes.
public struct ContentStore: Sendable {
    /// The store's folder.
    public let root: String

    /// `<database>.content`, beside the database file.
    public static func defaultRoot(forDatabase path: String) -> String {
        path + ".content"
    }

    /// Opens the store at `root`, creating its folders (0700: only the platform reads them).
    public init(root: String) throws(ContentStoreError) {
        self.root = root
        for folder in [root, root + "/objects", root + "/staging"] {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw ContentStoreError.posix("cannot create the content store folder '\(folder)'")
            }
        }
    }

    /// Where the object with this SHA-256 (lower-case hex) lives, whether or not it exists.
    public func objectPath(_ sha256: String) -> String {
        let bytes = Array(sha256.utf8)
        guard bytes.count > 2 else { return root + "/objects/" + sha256 }
        return root + "/objects/" + String(decoding: bytes[0..<2], as: UTF8.self) + "/" + String(decoding: bytes[2...], as: UTF8.self)
    }

    /// True when the object is stored.
    public func contains(_ sha256: String) -> Bool {
        var info = stat()
        return stat(objectPath(sha256), &info) == 0
    }

    /// Marks a stored object as just used (its modification time), so that a `gc` running
    /// meanwhile, which spares objects younger than its grace period, cannot remove an object an
    /// import is about to reference. False when the object is not stored.
    @discardableResult
    public func touch(_ sha256: String) -> Bool {
        utimes(objectPath(sha256), nil) == 0
    }

    /// A new object, written through the returned writer and named by its hash on `commit`.
    public func newObject() throws(ContentStoreError) -> ObjectWriter {
        let path = root + "/staging/" + UUID().uuidString
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ContentStoreError.posix("cannot write in the content store's staging folder") }
        return ObjectWriter(store: self, stagingPath: path, descriptor: descriptor)
    }

    /// Copies the file at `path` into the store, unless it is there already; checks that the
    /// bytes copied hash to `expected` (the file may have changed since it was hashed).
    /// Returns true when the object was added.
    @discardableResult
    public func add(fileAt path: String, expected sha256: String, buffer: UnsafeMutableRawBufferPointer) throws(ContentStoreError) -> Bool {
        if touch(sha256) { return false }
        let source = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard source >= 0 else { throw ContentStoreError.posix("cannot read '\(path)'") }
        defer { close(source) }
        let writer = try newObject()
        while true {
            let count = read(source, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ContentStoreError.posix("cannot read '\(path)'")
            }
            if count == 0 { break }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        let stored = try writer.commit(expecting: sha256)
        return stored.added
    }

    /// Flushes everything written to the store's file system to disk (`syncfs`), once per
    /// batch, before the rows that reference the new objects commit.
    public func syncToDisk() throws(ContentStoreError) {
        let descriptor = open(root + "/objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ContentStoreError.posix("cannot open the content store") }
        defer { close(descriptor) }
        #if canImport(Glibc)
        guard linuxSyncfs(descriptor) == 0 else { throw ContentStoreError.posix("cannot flush the content store to disk") }
        #else
        guard fsync(descriptor) == 0 else { throw ContentStoreError.posix("cannot flush the content store to disk") }
        #endif
    }

    /// One object on disk.
    public struct StoredObject: Sendable, Equatable {
        public var sha256: String
        public var size: UInt64
        public var modified: Date
    }

    /// Every object on disk (names that are not a SHA-256 are skipped), in no order.
    public func objects() throws(ContentStoreError) -> [StoredObject] {
        var result: [StoredObject] = []
        for prefix in try list(root + "/objects") where prefix.utf8.count == 2 {
            for rest in try list(root + "/objects/" + prefix) {
                let name = prefix + rest
                guard Self.isDigest(name) else { continue }
                var info = stat()
                guard stat(objectPath(name), &info) == 0 else { continue }
                result.append(StoredObject(sha256: name, size: UInt64(info.st_size), modified: Self.modified(info)))
            }
        }
        return result
    }

    /// Files left in `staging/` by writers that never finished (a crash, a killed import).
    public func staleStaging(olderThan cutoff: Date) throws(ContentStoreError) -> [String] {
        try list(root + "/staging").filter { name in
            var info = stat()
            return stat(root + "/staging/" + name, &info) == 0 && Self.modified(info) < cutoff
        }.map { root + "/staging/" + $0 }
    }

    /// Removes an object (or a stale staging file) by path; a missing one is no error.
    public func remove(path: String) throws(ContentStoreError) {
        if unlink(path) != 0 && errno != ENOENT {
            throw ContentStoreError.posix("cannot remove '\(path)'")
        }
    }

    /// What reading an object back found.
    public enum Check: Sendable, Equatable {
        case intact
        case missing
        /// Present, but its bytes hash to something else or its size differs.
        case damaged(String)
    }

    /// Reads the object again and compares its hash and size.
    public func check(_ sha256: String, size: UInt64, buffer: UnsafeMutableRawBufferPointer) -> Check {
        let descriptor = open(objectPath(sha256), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return errno == ENOENT ? .missing : .damaged(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var hasher = SHA256()
        var total: UInt64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .damaged(String(cString: strerror(errno)))
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            total += UInt64(count)
        }
        if total != size { return .damaged("\(total) bytes, \(size) expected") }
        let actual = hasher.finalize().hexString
        return actual == sha256 ? .intact : .damaged("its bytes hash to \(actual)")
    }

    private func list(_ folder: String) throws(ContentStoreError) -> [String] {
        guard let directory = opendir(folder) else {
            if errno == ENOENT { return [] }
            throw ContentStoreError.posix("cannot list '\(folder)'")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDigest(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    private static func modified(_ info: stat) -> Date {
        #if canImport(Glibc)
        Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        #else
        Date(timeIntervalSince1970: TimeInterval(info.st_mtimespec.tv_sec))
        #endif
    }
}

/// Writes one object: bytes go to a staging file and are hashed as they go; `commit` names the
/// file by its hash (an object already stored under that name is kept and the copy dropped).
/// A writer dropped without `commit` removes its staging file.
public final class ObjectWriter {
    private let store: ContentStore
    private let stagingPath: String
    private var descriptor: Int32
    private var hasher = SHA256()
    public private(set) var size: UInt64 = 0
    private var finished = false

    init(store: ContentStore, stagingPath: String, descriptor: Int32) {
        self.store = store
        self.stagingPath = stagingPath
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !finished { unlink(stagingPath) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ContentStoreError) {
        hasher.update(bufferPointer: bytes)
        size += UInt64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let written = posixWrite(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ContentStoreError.posix("cannot write in the content store")
            }
            offset += written
        }
    }

    /// What a commit did.
    public struct Stored: Equatable {
        public var digest: SHA256.Digest
        public var sha256: String
        public var size: UInt64
        /// False when the store held the object already.
        public var added: Bool
    }

    /// Names the object by its hash. With `expecting`, a different hash is refused and nothing
    /// is stored.
    public func commit(expecting expected: String? = nil) throws(ContentStoreError) -> Stored {
        let raw = hasher.finalize()
        let digest = raw.hexString
        close(descriptor)
        descriptor = -1
        finished = true
        if let expected, expected != digest {
            unlink(stagingPath)
            throw ContentStoreError("the file changed while it was being read (its hash is now \(digest), was \(expected))")
        }
        let target = store.objectPath(digest)
        if store.touch(digest) {
            unlink(stagingPath)
            return Stored(digest: raw, sha256: digest, size: size, added: false)
        }
        let folder = String(target[..<(target.lastIndex(of: "/") ?? target.endIndex)])
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            unlink(stagingPath)
            throw ContentStoreError.posix("cannot create '\(folder)'")
        }
        chmod(stagingPath, 0o444)
        guard rename(stagingPath, target) == 0 else {
            let error = ContentStoreError.posix("cannot move an object into place")
            unlink(stagingPath)
            throw error
        }
        return Stored(digest: raw, sha256: digest, size: size, added: true)
    }
}

#if canImport(Glibc)
/// syncfs(2): Glibc declares it only under _GNU_SOURCE, which Swift's Glibc module is not built with.
@_silgen_name("syncfs")
private func linuxSyncfs(_ descriptor: Int32) -> Int32
#endif

/// write(2), under a name the writer's own `write` does not hide.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

extension Digest {
    /// Lower-case hexadecimal.
    public var hexString: String { lowercaseHex }
}
