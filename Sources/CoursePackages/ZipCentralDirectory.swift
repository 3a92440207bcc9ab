import Foundation

/// One entry of a zip archive's central directory, read straight from the bytes so that
/// nothing the archive claims (names, flags, types) is interpreted by anyone else first.
struct ZipDirectoryEntry: Sendable, Equatable {
    /// The entry name exactly as stored.
    var nameBytes: [UInt8]
    var flags: UInt16
    var versionMadeBy: UInt16
    var externalAttributes: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    /// 0 stored, 8 deflated; anything else is refused when the entry is read.
    var method: UInt16 = 0
    var crc32: UInt32 = 0
    /// Where the entry's local header starts.
    var localHeaderOffset: UInt64 = 0

    var isEncrypted: Bool { flags & 0x0001 != 0 }
    var declaresUTF8: Bool { flags & 0x0800 != 0 }
    var isDirectory: Bool { nameBytes.last == UInt8(ascii: "/") }

    /// Unix file type bits say symbolic link (made on Unix or macOS).
    var isSymlink: Bool {
        let host = versionMadeBy >> 8
        guard host == 3 || host == 19 else { return false }
        return (externalAttributes >> 16) & 0o170000 == 0o120000
    }
}

/// Why an archive's directory could not be read.
struct ZipFormatError: Error, Sendable {
    var message: String
}

/// Reads the central directory of a zip file (with ZIP64 sizes and counts).
enum ZipCentralDirectory {
    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let entrySignature: UInt32 = 0x0201_4B50

    /// Reads every entry, refusing directories larger than `maxDirectoryBytes` or with more
    /// than `maxEntries` entries before reading them.
    static func read(from url: URL, maxEntries: Int, maxDirectoryBytes: Int = 256 << 20) throws(ZipFormatError) -> [ZipDirectoryEntry] {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw ZipFormatError(message: "cannot open the archive: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            let tailLength = min(size, 65_557)
            try handle.seek(toOffset: size - tailLength)
            let tail = [UInt8](try handle.read(upToCount: Int(tailLength)) ?? Data())
            guard tail.count >= 22, let eocd = lastIndex(of: endOfCentralDirectorySignature, in: tail) else {
                throw ZipFormatError(message: "no end-of-central-directory record: not a zip archive")
            }
            var entryCount = UInt64(tail.uint16(at: eocd + 10))
            var directorySize = UInt64(tail.uint32(at: eocd + 12))
            var directoryOffset = UInt64(tail.uint32(at: eocd + 16))
            if entryCount == 0xFFFF || directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
                // ZIP64: the locator sits just before the classic record.
                guard eocd >= 20, tail.uint32(at: eocd - 20) == zip64LocatorSignature else {
                    throw ZipFormatError(message: "ZIP64 archive without a ZIP64 locator")
                }
                let recordOffset = tail.uint64(at: eocd - 20 + 8)
                try handle.seek(toOffset: recordOffset)
                let record = [UInt8](try handle.read(upToCount: 56) ?? Data())
                guard record.count == 56, record.uint32(at: 0) == zip64EndSignature else {
                    throw ZipFormatError(message: "damaged ZIP64 end-of-central-directory record")
                }
                entryCount = record.uint64(at: 32)
                directorySize = record.uint64(at: 40)
                directoryOffset = record.uint64(at: 48)
            }
            guard entryCount <= UInt64(maxEntries) else {
                throw ZipFormatError(message: "the archive has \(entryCount) entries, the limit is \(maxEntries)")
            }
            guard directorySize <= UInt64(maxDirectoryBytes), directoryOffset + directorySize <= size else {
                throw ZipFormatError(message: "the central directory lies outside the archive or is too large")
            }
            try handle.seek(toOffset: directoryOffset)
            let directory = [UInt8](try handle.read(upToCount: Int(directorySize)) ?? Data())
            return try parseEntries(directory, expected: Int(entryCount))
        } catch let error as ZipFormatError {
            throw error
        } catch {
            throw ZipFormatError(message: "cannot read the archive: \(error.localizedDescription)")
        }
    }

    static func parseEntries(_ bytes: [UInt8], expected: Int) throws(ZipFormatError) -> [ZipDirectoryEntry] {
        var entries: [ZipDirectoryEntry] = []
        entries.reserveCapacity(expected)
        var offset = 0
        while entries.count < expected {
            guard offset + 46 <= bytes.count, bytes.uint32(at: offset) == entrySignature else {
                throw ZipFormatError(message: "damaged central directory at entry \(entries.count + 1)")
            }
            let nameLength = Int(bytes.uint16(at: offset + 28))
            let extraLength = Int(bytes.uint16(at: offset + 30))
            let commentLength = Int(bytes.uint16(at: offset + 32))
            let end = offset + 46 + nameLength + extraLength + commentLength
            guard end <= bytes.count else {
                throw ZipFormatError(message: "damaged central directory at entry \(entries.count + 1)")
            }
            var entry = ZipDirectoryEntry(
                nameBytes: Array(bytes[(offset + 46)..<(offset + 46 + nameLength)]),
                flags: bytes.uint16(at: offset + 8),
                versionMadeBy: bytes.uint16(at: offset + 4),
                externalAttributes: bytes.uint32(at: offset + 38),
                compressedSize: UInt64(bytes.uint32(at: offset + 20)),
                uncompressedSize: UInt64(bytes.uint32(at: offset + 24)),
                method: bytes.uint16(at: offset + 10),
                crc32: bytes.uint32(at: offset + 16),
                localHeaderOffset: UInt64(bytes.uint32(at: offset + 42))
            )
            applyZip64Sizes(&entry, extra: Array(bytes[(offset + 46 + nameLength)..<(offset + 46 + nameLength + extraLength)]))
            entries.append(entry)
            offset = end
        }
        return entries
    }

    /// Replaces 0xFFFFFFFF sizes and offset by the ZIP64 extra field's values (in that order).
    private static func applyZip64Sizes(_ entry: inout ZipDirectoryEntry, extra: [UInt8]) {
        var offset = 0
        while offset + 4 <= extra.count {
            let id = extra.uint16(at: offset)
            let length = Int(extra.uint16(at: offset + 2))
            let body = offset + 4
            guard body + length <= extra.count else { return }
            if id == 0x0001 {
                var field = body
                if entry.uncompressedSize == 0xFFFF_FFFF, field + 8 <= body + length {
                    entry.uncompressedSize = extra.uint64(at: field)
                    field += 8
                }
                if entry.compressedSize == 0xFFFF_FFFF, field + 8 <= body + length {
                    entry.compressedSize = extra.uint64(at: field)
                    field += 8
                }
                if entry.localHeaderOffset == 0xFFFF_FFFF, field + 8 <= body + length {
                    entry.localHeaderOffset = extra.uint64(at: field)
                }
                return
            }
            offset = body + length
        }
    }

    private static func lastIndex(of signature: UInt32, in bytes: [UInt8]) -> Int? {
        var index = bytes.count - 22
        while index >= 0 {
            if bytes.uint32(at: index) == signature { return index }
            index -= 1
        }
        return nil
    }
}

extension [UInt8] {
    func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16
    }

    func uint64(at offset: Int) -> UInt64 {
        UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32
    }
}
