import Dispatch
import Foundation
import NIOCore
import Synchronization
import Transcripts

/// Carries a report written by the (synchronous) report service on its own thread into an HTTP
/// response body, a chunk at a time, with at most `window` chunks in flight: a slow client slows
/// the report down instead of filling memory, and a client that goes away stops it.
final class ReportStream: Sendable {
    let chunks: AsyncThrowingStream<ByteBuffer, any Error>
    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private let permits: Permits
    private let cancelled = Flag()

    /// A counting semaphore that may end in any state (a client that leaves mid-report leaves
    /// permits taken; DispatchSemaphore traps when deallocated below its initial value).
    final class Permits: Sendable {
        private let condition = NSCondition()
        private let count: Mutex<Int>

        init(_ count: Int) { self.count = Mutex(count) }

        func wait() {
            condition.lock()
            while count.withLock({ $0 }) == 0 { condition.wait() }
            count.withLock { $0 -= 1 }
            condition.unlock()
        }

        func signal() {
            condition.lock()
            count.withLock { $0 += 1 }
            condition.signal()
            condition.unlock()
        }
    }

    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    init(window: Int = 8) {
        (chunks, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, throwing: (any Error).self)
        permits = Permits(window)
        continuation.onTermination = { [permits, cancelled] _ in
            cancelled.set()
            permits.signal()
        }
    }

    /// The consumer took a chunk: one more may come.
    func consumed() { permits.signal() }

    func finish(throwing error: (any Error)? = nil) { continuation.finish(throwing: error) }

    /// The sink the report service writes into (on the producer thread).
    var sink: Sink { Sink(stream: self) }

    struct Sink: ByteSink {
        let stream: ReportStream

        mutating func write(_ bytes: UnsafeRawBufferPointer) throws(SinkError) {
            stream.permits.wait()
            if stream.cancelled.isSet { throw SinkError("the client went away") }
            stream.continuation.yield(ByteBuffer(bytes: bytes))
        }
    }
}

/// Drives a `ReportStream` the way the report thread and a vanishing client do (for tests).
struct ReportStreamProbe {
    let stream = ReportStream(window: 4)

    func produce(chunks: Int) throws {
        var sink = stream.sink
        let bytes: [UInt8] = [1, 2, 3]
        for _ in 0..<chunks {
            var failure: SinkError?
            bytes.withUnsafeBytes { raw in
                do throws(SinkError) { try sink.write(raw) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// The client goes away: the response body stops iterating.
    func cancel() { stream.finish(throwing: CancellationError()) }
}
