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
    private let permits: DispatchSemaphore
    private let cancelled = Flag()

    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    init(window: Int = 8) {
        (chunks, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, throwing: (any Error).self)
        permits = DispatchSemaphore(value: window)
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
