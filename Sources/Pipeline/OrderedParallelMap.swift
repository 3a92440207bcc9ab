import Foundation

/// Computes `produce(0)`, `produce(1)`, … `produce(count - 1)` on worker threads and hands the
/// results out in index order, so a single consumer (the thread that writes to the database)
/// overlaps with the work before it. Workers never run more than `window` results ahead of the
/// consumer, which bounds memory. With one item, or no workers, the consumer computes each
/// result itself and no thread is started.
///
/// Workers hold the map until they finish: a consumer that leaves before the last result must
/// call `stop()` (`defer { map.stop() }`), or the workers wait for it for ever.
///
/// Used where the order of results is part of the contract: an import batch reports and stores
/// packages in the order given, an xAPI batch stores statements in the order sent.
public final class OrderedParallelMap<Output: Sendable>: @unchecked Sendable {
    // Unchecked: every mutable field below is guarded by `condition`.
    private let count: Int
    private let window: Int
    private let produce: @Sendable (Int) -> Output
    private let inline: Bool
    private let condition = NSCondition()
    private var ready: [Int: Output] = [:]
    private var claimed = 0
    private var taken = 0
    private var stopped = false

    /// - Parameters:
    ///   - count: how many results there are.
    ///   - workers: threads to compute them on (at most `count` are started).
    ///   - window: how many results may be computed ahead of the one the consumer takes next;
    ///     at least `workers`, so that every worker can be busy.
    ///   - produce: computes result `index`; called once per index, from any thread.
    public init(count: Int, workers: Int, window: Int, produce: @escaping @Sendable (Int) -> Output) {
        self.count = max(0, count)
        let threads = max(0, min(workers, count))
        self.window = max(window, threads, 1)
        self.produce = produce
        inline = threads == 0 || count <= 1
        guard !inline else { return }
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in work() }
        }
    }

    /// The next result in index order, waiting for it if need be; nil after the last.
    public func next() -> Output? {
        if inline {
            guard taken < count else { return nil }
            taken += 1
            return produce(taken - 1)
        }
        condition.lock()
        defer { condition.unlock() }
        while taken < count, !stopped, ready[taken] == nil { condition.wait() }
        guard taken < count, !stopped else { return nil }
        return takeLocked()
    }

    /// The next result in index order if it is already computed, without waiting; nil when it
    /// is not ready yet or after the last. Lets the consumer gather whatever is ready into one
    /// batch (one transaction) instead of waiting for a fixed number.
    public func nextIfReady() -> Output? {
        if inline { return nil }
        condition.lock()
        defer { condition.unlock() }
        guard taken < count, !stopped, ready[taken] != nil else { return nil }
        return takeLocked()
    }

    /// Stops the workers after the results they are computing; `next()` returns nil from now on.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Caller holds the lock and has checked that result `taken` is ready.
    private func takeLocked() -> Output? {
        let result = ready.removeValue(forKey: taken)
        taken += 1
        condition.broadcast()
        return result
    }

    private func work() {
        while true {
            condition.lock()
            while !stopped && claimed < count && claimed >= taken + window { condition.wait() }
            guard !stopped && claimed < count else {
                condition.unlock()
                return
            }
            let index = claimed
            claimed += 1
            condition.unlock()
            let result = produce(index)
            condition.lock()
            ready[index] = result
            condition.broadcast()
            condition.unlock()
        }
    }
}
