import CZipInflate
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an entry's bytes could not be read out of an archive.
enum ZipEntryError: Error, Sendable, Equatable {
    /// The bytes are damaged: a local header that is not one, a deflate stream that breaks off
    /// or does not decode, a stored entry whose sizes differ, a wrong CRC-32 or size.
    case corrupt(String)
    /// The entry inflates past the size its header declares: the declared sizes are what the
    /// safety limits were checked against, so reading stops at once.
    case overrun(declared: UInt64)
    /// A compression method other than stored (0) or deflate (8).
    case unsupportedMethod(UInt16)
}

/// Reads one entry of a zip archive straight from the file, by the central directory's record:
/// its local header, then exactly `compressedSize` bytes, stored or raw deflate through zlib.
///
/// Every way out of the loop is bounded by the bytes the entry has: input ends before the
/// deflate stream does → `corrupt`, never another read of nothing (ZIPFoundation 0.9's loop
/// kept asking for input past the end of a truncated stream, forever).
struct ZipEntryReader {
    /// The archive, opened for reading.
    let descriptor: Int32
    /// The archive's size in bytes.
    let archiveSize: UInt64
    /// Bytes read and written at a time.
    let chunk: Int

    /// Streams the entry's inflated bytes to `consume` in pieces of at most `chunk` bytes and
    /// checks size and CRC-32 at the end.
    func read(
        _ entry: ZipDirectoryEntry,
        _ consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Void {
        let dataStart = try dataOffset(of: entry)
        guard dataStart + entry.compressedSize <= archiveSize else {
            throw ZipEntryError.corrupt("the entry's data runs past the end of the archive")
        }
        var crc: UInt = crc32(0, nil, 0)
        var produced: UInt64 = 0
        let counted: (UnsafeRawBufferPointer) throws -> Void = { piece in
            produced += UInt64(piece.count)
            guard produced <= entry.uncompressedSize else { throw ZipEntryError.overrun(declared: entry.uncompressedSize) }
            if let base = piece.baseAddress {
                crc = crc32(crc, base.assumingMemoryBound(to: Bytef.self), uInt(piece.count))
            }
            try consume(piece)
        }
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw ZipEntryError.corrupt("a stored entry records \(entry.compressedSize) bytes stored and \(entry.uncompressedSize) inflated")
            }
            try copyStored(from: dataStart, count: entry.compressedSize, counted)
        case 8:
            try inflate(from: dataStart, count: entry.compressedSize, counted)
        default:
            throw ZipEntryError.unsupportedMethod(entry.method)
        }
        guard produced == entry.uncompressedSize else {
            throw ZipEntryError.corrupt("the entry inflates to \(produced) bytes, its header says \(entry.uncompressedSize)")
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else {
            throw ZipEntryError.corrupt("the entry's CRC-32 does not match its contents")
        }
    }

    /// Where the entry's bytes start: after its local header's name and extra field (whose
    /// lengths may differ from the central directory's).
    private func dataOffset(of entry: ZipDirectoryEntry) throws -> UInt64 {
        var header = [UInt8](repeating: 0, count: 30)
        let got = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 30, off_t(entry.localHeaderOffset)) }
        guard got == 30, header.uint32(at: 0) == 0x0403_4B50 else {
            throw ZipEntryError.corrupt("no local header where the central directory says the entry starts")
        }
        return entry.localHeaderOffset + 30 + UInt64(header.uint16(at: 26)) + UInt64(header.uint16(at: 28))
    }

    private func copyStored(from start: UInt64, count: UInt64, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var offset = start
        var remaining = count
        while remaining > 0 {
            let want = Int(min(UInt64(chunk), remaining))
            let got = pread(descriptor, buffer.baseAddress, want, off_t(offset))
            guard got > 0 else { throw ZipEntryError.corrupt("the archive ends inside a stored entry") }
            try consume(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            offset += UInt64(got)
            remaining -= UInt64(got)
        }
    }

    private func inflate(from start: UInt64, count: UInt64, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer {
            input.deallocate()
            output.deallocate()
        }
        guard let inputBase = input.baseAddress?.assumingMemoryBound(to: Bytef.self),
              let outputBase = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        else { throw ZipEntryError.corrupt("no buffer") }
        var stream = z_stream()
        guard ecba_inflate_init_raw(&stream) == Z_OK else { throw ZipEntryError.corrupt("zlib refused to start inflating") }
        defer { inflateEnd(&stream) }
        var offset = start
        var remaining = count
        while true {
            if stream.avail_in == 0 && remaining > 0 {
                let want = Int(min(UInt64(chunk), remaining))
                let got = pread(descriptor, input.baseAddress, want, off_t(offset))
                guard got > 0 else { throw ZipEntryError.corrupt("the archive ends inside a deflated entry") }
                offset += UInt64(got)
                remaining -= UInt64(got)
                stream.next_in = inputBase
                stream.avail_in = uInt(got)
            }
            let inputBefore = stream.avail_in
            stream.next_out = outputBase
            stream.avail_out = uInt(chunk)
            let status = CZipInflate.inflate(&stream, Z_NO_FLUSH)
            let made = chunk - Int(stream.avail_out)
            if made > 0 {
                try consume(UnsafeRawBufferPointer(start: output.baseAddress, count: made))
            }
            switch status {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // No input left to give and nothing came out: the stream breaks off here.
                if stream.avail_in == 0 && remaining == 0 && made < chunk {
                    throw ZipEntryError.corrupt("the deflate stream ends before its end marker (truncated or damaged)")
                }
                if made == 0 && stream.avail_in == inputBefore {
                    throw ZipEntryError.corrupt("the deflate stream makes no progress")
                }
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw ZipEntryError.corrupt("the deflate stream is damaged (\(reason))")
            }
        }
    }
}
