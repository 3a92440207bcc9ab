import ContentStore
import Crypto
import Domain
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the opener learned of one file.
struct FileFacts: Sendable {
    var size: UInt64
    /// SHA-256, lower-case hex.
    var sha256: String
}

/// A package's files, read-only for the readers: in the user's folder, in a private temporary
/// copy of an archive's safe entries, or (an archive imported with a content store) in the store
/// itself, found by their hash.
final class PackageFiles: Sendable {
    /// The folder the relative paths start from; nil when the files live in `store`.
    let rootPath: String?
    /// Every file of the package (not folders), relative with forward slashes.
    let files: [String: FileFacts]
    /// SHA-256 over the sorted (path, size, content hash) of every file, hex.
    let contentHash: String
    /// The bytes of the files the opener was asked to keep (the manifests), read while hashing:
    /// each is read once, and the manifest parsed is the one hashed.
    fileprivate let kept: [String: Data]
    /// Folder to delete when done (the private extraction folder), if any.
    private let temporaryFolder: String?
    /// The store holding every file, when the opener was given one.
    let store: ContentStore?

    init(rootPath: String?, files: [String: FileFacts], contentHash: String, kept: [String: Data], temporaryFolder: String?,
         store: ContentStore?) {
        self.rootPath = rootPath
        self.files = files
        self.contentHash = contentHash
        self.kept = kept
        self.temporaryFolder = temporaryFolder
        self.store = store
    }

    deinit {
        if let temporaryFolder {
            try? FileManager.default.removeItem(atPath: temporaryFolder)
        }
    }

    func contains(_ relativePath: String) -> Bool {
        files[relativePath] != nil
    }

    /// Where a file of the package can be read.
    func location(of relativePath: String) -> String {
        if let rootPath { return rootPath + "/" + relativePath }
        guard let store, let facts = files[relativePath] else { return "/nonexistent" }
        return store.objectPath(facts.sha256)
    }

    /// Reads a whole (small) file of the package.
    func data(of relativePath: String) throws -> Data {
        if let data = kept[relativePath] { return data }
        return try Data(contentsOf: URL(fileURLWithPath: location(of: relativePath)))
    }

    /// The file list a submission records: path, hash, size, media type, sorted by path.
    var list: [PackageFile] {
        files.map { PackageFile(path: $0.key, sha256: $0.value.sha256, size: $0.value.size, mediaType: MediaType.of($0.key)) }
            .sorted { ContentHashBuilder.precedes($0.path, $1.path) }
    }
}

extension PackageFiles {
    /// At most the first `maxBytes` bytes of a file of the package, nil when it cannot be read.
    func prefix(of relativePath: String, maxBytes: Int) -> [UInt8]? {
        if let data = kept[relativePath] { return [UInt8](data.prefix(maxBytes)) }
        let descriptor = openFile(location(of: relativePath), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, maxBytes) }
        guard count >= 0 else { return nil }
        bytes.removeSubrange(count...)
        return bytes
    }
}

/// The last component of a path, without trailing slashes (byte-wise: it runs for every file).
func lastPathComponent(_ path: String) -> Substring {
    let bytes = path.utf8
    var end = bytes.endIndex
    while bytes.distance(from: bytes.startIndex, to: end) > 1, bytes[bytes.index(before: end)] == UInt8(ascii: "/") {
        end = bytes.index(before: end)
    }
    let start = bytes[..<end].lastIndex(of: UInt8(ascii: "/")).map { bytes.index(after: $0) } ?? bytes.startIndex
    return path[start..<end]
}

/// True when the path names an XML file (a manifest given directly, whose folder is the package).
func namesXMLFile(_ path: String) -> Bool {
    lastPathComponent(path).lowercased().hasSuffix(".xml")
}

/// The folder a path is in ("." for a bare name).
func parentFolder(_ path: String) -> String {
    guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// POSIX open(2) (the opener's own `open` method hides the C function's name inside it).
func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    open(path, flags, mode)
}

/// Writes every byte of `bytes` to `descriptor`; false on an error (errno says which).
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// Skipped silently: resource forks and Finder litter that macOS adds to archives.
func isPlatformLitter(_ relativePath: String) -> Bool {
    let bytes = relativePath.utf8
    if bytes.starts(with: "__MACOSX/".utf8) || bytes.elementsEqual("__MACOSX".utf8) { return true }
    let name = bytes.lastIndex(of: UInt8(ascii: "/")).map { bytes[bytes.index(after: $0)...] } ?? bytes[...]
    return name.starts(with: "._".utf8) || name.elementsEqual(".DS_Store".utf8)
}

/// Combines per-file digests into the package's content hash; independent of file order.
/// Each file contributes its path, a NUL, its size (8 bytes, little-endian) and its SHA-256.
struct ContentHashBuilder {
    private var entries: [(path: String, size: UInt64, digest: SHA256.Digest)] = []

    mutating func add(path: String, size: UInt64, digest: SHA256.Digest) {
        entries.append((path, size, digest))
    }

    func finish() -> String {
        // All records in one buffer, hashed once: the same bytes as hashing them one by one.
        var records: [UInt8] = []
        records.reserveCapacity(entries.reduce(0) { $0 + $1.path.utf8.count + 1 + 8 + SHA256.byteCount })
        for entry in entries.sorted(by: { Self.precedes($0.path, $1.path) }) {
            records.append(contentsOf: entry.path.utf8)
            records.append(0)
            withUnsafeBytes(of: entry.size.littleEndian) { records.append(contentsOf: $0) }
            entry.digest.withUnsafeBytes { records.append(contentsOf: $0) }
        }
        var hasher = SHA256()
        records.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().hexString
    }

    /// Byte-wise order of the UTF-8 paths (memcmp on native strings).
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { left in
            b.withUTF8 { right in
                let common = min(left.count, right.count)
                if common > 0, let l = left.baseAddress, let r = right.baseAddress {
                    let order = memcmp(l, r, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        }
    }
}

/// Opens a package from a folder, a `.zip`/`.imscc` archive, or a manifest file (its folder).
struct PackageOpener {
    let limits: PackageLimits
    /// Where every file is kept (import); nil to only read the package (`package check`).
    var store: ContentStore?
    /// Which files (relative paths) to keep the bytes of while hashing them.
    var keep: (String) -> Bool = { _ in false }
    /// Bytes read at a time while hashing or extracting: below malloc's mmap threshold, so the
    /// buffer every package needs comes from the heap, not from mmap and munmap.
    let streamChunk = 64 << 10

    /// The problems found while opening; errors mean nothing usable was produced.
    struct Failure: Error {
        var diagnostics: [Diagnostic]
    }

    func open(_ path: String, displayName: String, warnings: inout [Diagnostic]) throws(Failure) -> PackageFiles {
        // POSIX rather than FileManager and URL: they cost more than hashing a small package.
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw failure(.packageUnreadable, displayName, "no such file or folder")
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            return try openFolder(path, displayName: displayName)
        }
        if namesXMLFile(path) {
            return try openFolder(parentFolder(path), displayName: displayName)
        }
        return try openArchive(URL(fileURLWithPath: path), displayName: displayName, warnings: &warnings)
    }

    // MARK: Folders

    private func openFolder(_ rootPath: String, displayName: String) throws(Failure) -> PackageFiles {
        let relativePaths: [String]
        do {
            relativePaths = try FolderWalker(maxFiles: limits.maxEntries).files(in: rootPath)
        } catch {
            switch error {
            case .unreadable(let message):
                throw failure(.packageUnreadable, displayName, message)
            case .symlink(let path):
                throw failure(.packageSymlink, displayName, "'\(path)' is a symbolic link; links are not followed")
            case .tooManyFiles:
                throw failure(.zipLimit, displayName, "the folder has more than \(limits.maxEntries) files")
            }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: streamChunk, alignment: 16)
        defer { buffer.deallocate() }
        var files: [String: FileFacts] = [:]
        files.reserveCapacity(relativePaths.count)
        var kept: [String: Data] = [:]
        var hash = ContentHashBuilder()
        for relative in relativePaths {
            let keepBytes = keep(relative)
            guard let (size, digest, bytes) = FolderWalker.hash(rootPath + "/" + relative, buffer: buffer, keep: keepBytes) else {
                throw failure(.packageUnreadable, displayName, "cannot read '\(relative)'")
            }
            files[relative] = FileFacts(size: size, sha256: digest.hexString)
            if let bytes { kept[relative] = bytes }
            hash.add(path: relative, size: size, digest: digest)
        }
        // Into the store: only the files it does not hold yet (a re-import copies nothing), each
        // checked against the hash just taken.
        if let store {
            for (relative, facts) in files {
                do {
                    try store.add(fileAt: rootPath + "/" + relative, expected: facts.sha256, buffer: buffer)
                } catch {
                    throw failure(.packageUnreadable, displayName, "cannot keep '\(relative)' in the content store: \(error.message)")
                }
            }
        }
        return PackageFiles(rootPath: rootPath, files: files, contentHash: hash.finish(), kept: kept, temporaryFolder: nil, store: store)
    }

    // MARK: Archives

    private func openArchive(_ url: URL, displayName: String, warnings: inout [Diagnostic]) throws(Failure) -> PackageFiles {
        let directory: [ZipDirectoryEntry]
        do {
            directory = try ZipCentralDirectory.read(from: url, maxEntries: limits.maxEntries)
        } catch {
            let code: DiagnosticCode = error.message.contains("limit") ? .zipLimit : .zipCorrupt
            throw failure(code, displayName, error.message)
        }
        // Check every entry before a single byte is written.
        var plan: [(index: Int, path: String?)] = []
        var declaredTotal: UInt64 = 0
        var legacyNames: [String: ZipNameDecoder.Encoding] = [:]
        for (index, entry) in directory.enumerated() {
            let (name, encoding) = ZipNameDecoder.decode(entry.nameBytes)
            if encoding == .gb18030 || encoding == .cp437 || (encoding == .utf8 && !entry.declaresUTF8), !isPlatformLitter(name) {
                legacyNames[name] = encoding
            }
            if entry.nameBytes.contains(0) {
                throw failure(.zipUnsafePath, displayName, "entry \(index + 1) has a NUL byte in its name")
            }
            guard let path = Self.safeRelativePath(name) else {
                throw failure(.zipUnsafePath, displayName, "entry '\(name)' would be written outside the package folder")
            }
            if isPlatformLitter(path) {
                plan.append((index, nil))
                continue
            }
            if entry.isEncrypted {
                throw failure(.zipEncrypted, displayName, "entry '\(path)' is encrypted")
            }
            if entry.isSymlink {
                throw failure(.zipSymlink, displayName, "entry '\(path)' is a symbolic link")
            }
            declaredTotal += entry.uncompressedSize
            guard declaredTotal <= limits.maxInflatedBytes else {
                throw failure(.zipLimit, displayName, "entries declare more than \(limits.maxInflatedBytes) bytes inflated")
            }
            plan.append((index, entry.isDirectory || path.isEmpty ? nil : path))
        }
        // Honest headers are checked here, before a byte is written; a header that lies is
        // caught while inflating (no entry may inflate past its declared size).
        var archiveInfo = stat()
        let archiveBytes = stat(url.path, &archiveInfo) == 0 ? UInt64(max(0, archiveInfo.st_size)) : 0
        if declaredTotal > limits.ratioFloorBytes, declaredTotal > archiveBytes.multipliedReportingOverflow(by: limits.maxCompressionRatio).partialValue {
            throw failure(.zipLimit, displayName,
                          "entries declare \(declaredTotal) bytes inflated from a \(archiveBytes)-byte archive, more than \(limits.maxCompressionRatio) times its size (zip bomb protection)")
        }
        if !legacyNames.isEmpty {
            let encodings = Set(legacyNames.values.map(\.rawValue)).sorted().joined(separator: ", ")
            let example = legacyNames.keys.sorted().first ?? ""
            warnings.append(Diagnostic(
                .zipNameEncoding, file: displayName,
                message: "\(legacyNames.count) entry name(s) without the UTF-8 flag were decoded as \(encodings) (e.g. '\(example)')"
            ))
        }
        return try extract(url, directory: directory, plan: plan, displayName: displayName)
    }

    private func extract(
        _ url: URL,
        directory: [ZipDirectoryEntry],
        plan: [(index: Int, path: String?)],
        displayName: String
    ) throws(Failure) -> PackageFiles {
        let descriptor = openFile(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure(.packageUnreadable, displayName, "cannot open the archive: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw failure(.packageUnreadable, displayName, "cannot read the archive's size")
        }
        // Without a store, entries go to a private temporary folder removed after reading; with
        // one, straight into the store (written once, named by their hash when whole).
        var folder: URL?
        if store == nil {
            let temporary = FileManager.default.temporaryDirectory
                .appendingPathComponent("ecba-import-\(UUID().uuidString)", isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            } catch {
                throw failure(.packageUnreadable, displayName, "cannot create a private extraction folder: \(error.localizedDescription)")
            }
            folder = temporary
        }
        // From here on the folder is owned by `PackageFiles` or removed on failure.
        let reader = ZipEntryReader(descriptor: descriptor, archiveSize: UInt64(info.st_size), chunk: streamChunk)
        var files: [String: FileFacts] = [:]
        var kept: [String: Data] = [:]
        var hash = ContentHashBuilder()
        var current = ""
        do {
            for (index, path) in plan {
                guard let path else { continue }
                current = path
                guard files[path] == nil else {
                    throw failure(.zipCorrupt, displayName, "entry '\(path)' appears twice")
                }
                let entry = directory[index]
                var bytes: Data? = keep(path) ? Data() : nil
                if bytes != nil { bytes?.reserveCapacity(Int(min(entry.uncompressedSize, 1 << 24))) }
                let digest: SHA256.Digest
                if let store {
                    let writer = try store.newObject()
                    try reader.read(entry) { piece in
                        bytes?.append(contentsOf: piece)
                        try writer.write(piece)
                    }
                    digest = try writer.commit().digest
                } else if let folder {
                    let target = folder.appendingPathComponent(path)
                    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    let output = openFile(target.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                    guard output >= 0 else {
                        throw failure(.packageUnreadable, displayName, "cannot write '\(path)' in the extraction folder")
                    }
                    defer { close(output) }
                    var hasher = SHA256()
                    try reader.read(entry) { piece in
                        hasher.update(bufferPointer: piece)
                        bytes?.append(contentsOf: piece)
                        guard writeAll(output, piece) else {
                            throw failure(.packageUnreadable, displayName, "cannot write '\(path)' in the extraction folder: \(String(cString: strerror(errno)))")
                        }
                    }
                    digest = hasher.finalize()
                } else {
                    continue
                }
                files[path] = FileFacts(size: entry.uncompressedSize, sha256: digest.hexString)
                if let bytes { kept[path] = bytes }
                hash.add(path: path, size: entry.uncompressedSize, digest: digest)
            }
        } catch let error as Failure {
            if let folder { try? FileManager.default.removeItem(at: folder) }
            throw error
        } catch let error as ContentStoreError {
            throw failure(.packageUnreadable, displayName, "cannot keep '\(current)' in the content store: \(error.message)")
        } catch let error as ZipEntryError {
            if let folder { try? FileManager.default.removeItem(at: folder) }
            switch error {
            case .corrupt(let reason):
                throw failure(.zipCorrupt, displayName, "entry '\(current)': \(reason)")
            case .overrun(let declared):
                throw failure(.zipLimit, displayName,
                              "entry '\(current)' inflates past the \(declared) bytes its header declares: the archive is damaged or built to inflate more than it admits (zip bomb protection)")
            case .unsupportedMethod(let method):
                throw failure(.zipCorrupt, displayName, "entry '\(current)' uses compression method \(method); only stored and deflate are read")
            }
        } catch {
            if let folder { try? FileManager.default.removeItem(at: folder) }
            throw failure(.zipCorrupt, displayName, "the archive cannot be extracted: \(error)")
        }
        return PackageFiles(rootPath: folder?.path, files: files, contentHash: hash.finish(), kept: kept,
                            temporaryFolder: folder?.path, store: store)
    }

    /// A relative path with forward slashes and no `.`/empty components, or nil when the name
    /// is absolute, climbs with `..`, uses backslashes or names a drive.
    static func safeRelativePath(_ name: String) -> String? {
        if name.contains("\\") || name.hasPrefix("/") || name.contains("\u{0}") { return nil }
        if name.count >= 2, name.dropFirst().first == ":" { return nil }
        var components: [Substring] = []
        for component in name.split(separator: "/", omittingEmptySubsequences: true) {
            if component == ".." { return nil }
            if component == "." { continue }
            components.append(component)
        }
        return components.joined(separator: "/")
    }

    private func failure(_ code: DiagnosticCode, _ file: String, _ message: String) -> Failure {
        Failure(diagnostics: [Diagnostic(code, file: file, message: message)])
    }
}

