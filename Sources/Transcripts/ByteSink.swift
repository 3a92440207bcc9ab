import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a streamed document goes: a file, standard output, or (later) an HTTP response body.
public protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(SinkError)
}

/// A write that failed (a full disk, a closed pipe): kept apart from the service's own errors.
public struct SinkError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Buffers output and hands it to a sink in 64 KiB writes.
public struct BufferedWriter {
    public private(set) var sink: any ByteSink
    var buffer: [UInt8] = []
    let capacity = 1 << 16

    public init(_ sink: any ByteSink) {
        self.sink = sink
        buffer.reserveCapacity(capacity + 4096)
    }

    public mutating func append(_ text: String) throws(SinkError) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= capacity { try flush() }
    }

    public mutating func append(bytes: some Sequence<UInt8>) throws(SinkError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Appends without checking the buffer's size (call `flushIfFull` at row ends).
    mutating func appendRaw(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }

    mutating func appendRaw(byte: UInt8) { buffer.append(byte) }

    mutating func appendRaw(bytes: some Collection<UInt8>) { buffer.append(contentsOf: bytes) }

    mutating func flushIfFull() throws(SinkError) {
        if buffer.count >= capacity { try flush() }
    }

    public mutating func flush() throws(SinkError) {
        guard !buffer.isEmpty else { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        var failure: SinkError?
        pending.withUnsafeBytes { raw in
            do throws(SinkError) { try sink.write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// A file descriptor: standard output, or a file opened for writing.
public struct FileDescriptorSink: ByteSink {
    public let descriptor: Int32
    let name: String

    public init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    public static var standardOutput: FileDescriptorSink { FileDescriptorSink(descriptor: STDOUT_FILENO, name: "standard output") }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(SinkError) {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress?.advanced(by: offset), bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SinkError("writing to \(name) failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}

/// Collects bytes in memory (tests, and small documents).
public struct MemorySink: ByteSink {
    public var data = Data()
    public init() {}
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(SinkError) { data.append(contentsOf: bytes) }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif
