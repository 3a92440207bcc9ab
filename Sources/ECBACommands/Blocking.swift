import Dispatch
import Synchronization

/// Runs async work to completion from a synchronous command. The calling thread (the main
/// thread of the `ecba` process) waits; the work runs on the concurrency pool, so it cannot
/// deadlock on the thread that waits.
enum Blocking {
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        while true {
            done.wait()
            if let value = result.withLock({ $0 }) { return value }
        }
    }
}
