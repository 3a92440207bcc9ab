import Foundation

/// Drops values on a thread of its own, so that freeing them costs the thread that used them
/// nothing: the database writer hands over each chunk of statements it has stored, and the
/// parsed texts, arrays and strings of thousands of statements are freed here while it stores
/// the next (measured: freeing took a tenth of the statement store's thread in a file import,
/// with glibc's `free` consolidating its heap for the largest).
///
/// A value handed over is released here once; if others still hold it, the last of them frees it
/// wherever it lets go, as without this. One thread for the process, started on first use, not
/// Dispatch's pool: a pool whose threads are all blocked would keep the memory. What waits here
/// is bounded by what the producers keep making: freeing is cheaper than parsing or storing.
public final class Discard: @unchecked Sendable {
    // Unchecked: `values` is guarded by `waiting`.
    /// The process's one discarding thread.
    public static let shared = Discard()

    private let waiting = NSCondition()
    private var values: [any Sendable] = []

    private init() {
        Thread.detachNewThread { [self] in run() }
    }

    /// Hands `value` over, to be released on the discarding thread.
    public func drop(_ value: consuming some Sendable) {
        // Moved, never copied: a copy's release here, after the discarding thread has released
        // its own, would free the value on this thread.
        let boxed: any Sendable = consume value
        waiting.lock()
        values.append(consume boxed)
        waiting.signal()
        waiting.unlock()
    }

    private func run() {
        Thread.current.name = "ecba.discard"
        while true {
            waiting.lock()
            while values.isEmpty { waiting.wait() }
            var taken: [any Sendable] = []
            swap(&taken, &values)
            waiting.unlock()
            // Released here, outside the lock: producers never wait for the freeing.
            taken.removeAll()
        }
    }
}
