import Catalog
import Foundation

extension StatementService {
    /// Parses and checks a batch's statements in chunks, on worker threads, while the store
    /// takes the chunks before them: parsing and storing overlap, and no more than a few chunks
    /// wait in memory at a time. Chunks come out in batch order; the first invalid statement
    /// (in batch order) ends the stream with the reason that refuses the batch.
    final class PreparedStream: @unchecked Sendable {
        static let chunkSize = 4096

        private let batch: XAPIStatement.Batch
        private let data: Data
        let count: Int
        private let chunkCount: Int
        /// How many chunks may be prepared ahead of the one the store is taking.
        private let window: Int
        // Guarded by `condition`.
        private let condition = NSCondition()
        private var ready: [Int: Result<[XAPIStatement], ServiceError>] = [:]
        private var claimed = 0
        private var taken = 0
        private var stopped = false

        init(_ batch: XAPIStatement.Batch, data: Data, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.batch = batch
            self.data = data
            switch batch {
            case .values(let values): count = values.count
            case .lines(let lines): count = lines.count
            }
            chunkCount = (count + Self.chunkSize - 1) / Self.chunkSize
            let threads = max(1, min(workers, chunkCount))
            window = 2 * threads
            // A batch of one chunk (what a content's POST usually is) is parsed by the caller.
            guard chunkCount > 1 else { return }
            for _ in 0..<threads {
                Thread.detachNewThread { [self] in work() }
            }
        }

        deinit { stop() }

        /// The next chunk in batch order, or nil at the end.
        func next() throws(ServiceError) -> [XAPIStatement]? {
            if chunkCount == 1 {
                guard taken == 0 else { return nil }
                taken = 1
                return try prepare(chunk: 0).get()
            }
            condition.lock()
            defer { condition.unlock() }
            guard taken < chunkCount else { return nil }
            while ready[taken] == nil { condition.wait() }
            let result = ready.removeValue(forKey: taken)
            taken += 1
            condition.broadcast()
            switch result {
            case .success(let chunk): return chunk
            case .failure(let error): throw error
            case nil: throw ServiceError(.storage, "statement chunk \(taken) was not prepared")
            }
        }

        /// Stops the workers (the store is done, or gave up).
        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }

        private func work() {
            while true {
                condition.lock()
                while !stopped && claimed < chunkCount && claimed >= taken + window { condition.wait() }
                guard !stopped && claimed < chunkCount else {
                    condition.unlock()
                    return
                }
                let chunk = claimed
                claimed += 1
                condition.unlock()
                let result = prepare(chunk: chunk)
                condition.lock()
                ready[chunk] = result
                condition.broadcast()
                condition.unlock()
            }
        }

        private func prepare(chunk: Int) -> Result<[XAPIStatement], ServiceError> {
            let range = (chunk * Self.chunkSize)..<min(count, (chunk + 1) * Self.chunkSize)
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
