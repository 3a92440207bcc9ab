import Foundation
import Pipeline
import Storage

extension StatementService {
    /// Parses and checks a batch's statements in chunks, on worker threads, while the store
    /// takes the chunks before them: parsing and storing overlap, and no more than a few chunks
    /// wait in memory at a time. Chunks come out in batch order; the first invalid statement
    /// (in batch order) ends the stream with the reason that refuses the batch. A batch of one
    /// chunk (what a content's POST usually is) is parsed on the caller's thread.
    struct PreparedStream {
        static let chunkSize = 4096
        /// Worker threads: the processors this process may use, read once (on Linux each read
        /// opens the cgroup's CPU files, and every statement POST made one).
        static let workers = ProcessInfo.processInfo.activeProcessorCount

        let count: Int
        private let chunks: OrderedParallelMap<Result<[XAPIStatement], ServiceError>>

        init(_ batch: XAPIStatement.Batch, data: Data, workers: Int = Self.workers) {
            let count: Int
            switch batch {
            case .values(let values): count = values.count
            case .lines(let lines): count = lines.count
            }
            self.count = count
            let chunkCount = (count + Self.chunkSize - 1) / Self.chunkSize
            chunks = OrderedParallelMap(count: chunkCount, workers: workers, window: 2 * workers) { chunk in
                Self.prepare(batch, data: data, range: (chunk * Self.chunkSize)..<min(count, (chunk + 1) * Self.chunkSize))
            }
        }

        /// The next chunk in batch order, or nil at the end.
        func next() throws(ServiceError) -> [XAPIStatement]? {
            try chunks.next()?.get()
        }

        /// Stops the workers (the store is done, or gave up).
        func stop() {
            chunks.stop()
        }

        private static func prepare(_ batch: XAPIStatement.Batch, data: Data, range: Range<Int>) -> Result<[XAPIStatement], ServiceError> {
            var prepared: [XAPIStatement] = []
            prepared.reserveCapacity(range.count)
            for index in range {
                do throws(XAPIStatement.Invalid) {
                    let entry: (value: JSONValue, text: String)
                    switch batch {
                    case .values(let values): entry = values[index]
                    case .lines(let lines): entry = try XAPIStatement.parseLine(data, lines[index].range, line: lines[index].line)
                    }
                    prepared.append(try XAPIStatement(entry.value, received: entry.text))
                } catch {
                    return .failure(ServiceError(.invalidArgument, "statement \(index + 1): \(error.message); the batch is refused, nothing was stored"))
                }
            }
            return .success(prepared)
        }
    }
}
