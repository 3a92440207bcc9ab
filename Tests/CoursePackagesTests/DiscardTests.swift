import Foundation
import Pipeline
import Synchronization
import Testing

@Suite("Discard: values released on a thread of their own")
struct DiscardTests {
    /// The threads that freed `Tracked` values, and a signal for each.
    final class Record: Sendable {
        let freedOn = Mutex<[String]>([])
        let freed = DispatchSemaphore(value: 0)
    }

    /// Records, when freed, which thread freed it.
    final class Tracked: Sendable {
        let record: Record

        init(_ record: Record) { self.record = record }

        deinit {
            let name = Thread.current.name ?? ""
            record.freedOn.withLock { $0.append(name) }
            record.freed.signal()
        }
    }

    @Test("a value handed over, held by nobody else, is freed on the discarding thread, not the caller's")
    func freedElsewhere() {
        let record = Record()
        for _ in 0..<50 {
            var batch = [Tracked(record), Tracked(record)]
            batch.append(Tracked(record))
            Discard.shared.drop(consume batch)
        }
        for _ in 0..<150 { #expect(record.freed.wait(timeout: .now() + 30) == .success) }
        let names = record.freedOn.withLock { $0 }
        #expect(names.count == 150)
        #expect(names.allSatisfy { $0 == "ecba.discard" })
    }

    @Test("a value someone still holds stays alive until they let go")
    func sharedStaysAlive() {
        let record = Record()
        let kept = [Tracked(record)]
        Discard.shared.drop(kept)
        // The discarding thread has released its reference once this later value is freed.
        Discard.shared.drop([Tracked(record)])
        #expect(record.freed.wait(timeout: .now() + 30) == .success)
        #expect(record.freedOn.withLock { $0.count } == 1)
        #expect(kept.count == 1)
    }
}
