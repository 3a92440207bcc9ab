import Foundation
import Transcripts
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--output FILE` or standard output. A file is written beside its final name and renamed into
/// place when complete, so a failed run never leaves half a document under the name.
enum Output {
    static func write(_ data: Data, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(data)
            return
        }
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw Console.fail("cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    static func sink(_ path: String?) throws -> Target {
        guard let path else { return Target(sink: .standardOutput, path: nil, temporary: nil) }
        let temporary = path + ".partial-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw Console.fail("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        return Target(sink: FileDescriptorSink(descriptor: descriptor, name: path), path: path, temporary: temporary)
    }

    /// An open output; `commit` renames the finished file into place, `discard` removes it.
    struct Target {
        let sink: FileDescriptorSink
        let path: String?
        let temporary: String?
        private var closed = false

        init(sink: FileDescriptorSink, path: String?, temporary: String?) {
            self.sink = sink
            self.path = path
            self.temporary = temporary
        }

        mutating func commit() throws {
            guard let path, let temporary, !closed else { return }
            closed = true
            let synced = fsync(sink.descriptor) == 0
            closeDescriptor(sink.descriptor)
            guard synced, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw Console.fail("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        }

        mutating func discard() {
            guard let temporary, !closed else { return }
            closed = true
            closeDescriptor(sink.descriptor)
            unlink(temporary)
        }

        mutating func close() { discard() }
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
