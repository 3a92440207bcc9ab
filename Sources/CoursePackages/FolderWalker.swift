import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lists and hashes a package folder with POSIX calls: Foundation's enumerator and FileHandle
/// cost more than the hashing itself on packages with many small files.
struct FolderWalker {
    enum Failure: Error {
        case unreadable(String)
        case symlink(String)
        case tooManyFiles
    }

    let maxFiles: Int

    /// Regular files below `root`, relative with `/`, skipping platform litter; symbolic links
    /// are refused, never followed.
    func files(in root: String) throws(Failure) -> [String] {
        var result: [String] = []
        try walk(root: root, relative: "", into: &result)
        return result
    }

    private func walk(root: String, relative: String, into result: inout [String]) throws(Failure) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let directory = opendir(folder) else {
            throw .unreadable(relative.isEmpty ? "the folder cannot be listed" : "'\(relative)' cannot be listed")
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = relative.isEmpty ? name : relative + "/" + name
            if isPlatformLitter(path) || name == "__MACOSX" { continue }
            // readdir's type saves a system call per file; DT_UNKNOWN (some file systems) asks lstat.
            var mode: mode_t
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): mode = S_IFREG
            case Int32(DT_DIR): mode = S_IFDIR
            case Int32(DT_LNK): mode = S_IFLNK
            default:
                var info = stat()
                guard lstat(root + "/" + path, &info) == 0 else { throw .unreadable("'\(path)' cannot be read") }
                mode = info.st_mode & S_IFMT
            }
            switch mode {
            case S_IFLNK:
                throw .symlink(path)
            case S_IFDIR:
                try walk(root: root, relative: path, into: &result)
            case S_IFREG:
                guard result.count < maxFiles else { throw .tooManyFiles }
                result.append(path)
            default:
                continue
            }
        }
    }

    /// Size and SHA-256 of a file, read in chunks through `buffer`, and its bytes when `keep`.
    static func hash(_ path: String, buffer: UnsafeMutableRawBufferPointer, keep: Bool = false) -> (UInt64, SHA256.Digest, Data?)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var hasher = SHA256()
        var size: UInt64 = 0
        var bytes: Data?
        if keep {
            var info = stat()
            bytes = Data(capacity: fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0)
        }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            bytes?.append(contentsOf: chunk)
            size += UInt64(count)
        }
        return (size, hasher.finalize(), bytes)
    }
}
