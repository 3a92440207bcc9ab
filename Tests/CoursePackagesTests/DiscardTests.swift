import Foundation
import Pipeline
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Discard: values released on a thread of their own")
struct DiscardTests {
    /// How many `Tracked` values were freed, and how many of them on the thread that made them.
    final class Record: Sendable {
        let freed = Atomic<Int>(0)
        let freedByMaker = Atomic<Int>(0)
        let signal = DispatchSemaphore(value: 0)
    }

    /// Made on the thread that hands it over; counts, when freed, whether that thread freed it.
    final class Tracked: Sendable {
        let record: Record
        let maker: pthread_t

        init(_ record: Record) {
            self.record = record
            maker = pthread_self()
        }

        deinit {
            if pthread_equal(maker, pthread_self()) != 0 { record.freedByMaker.add(1, ordering: .relaxed) }
            record.freed.add(1, ordering: .relaxed)
            record.signal.signal()
        }
    }

    @Test("values handed over and held by nobody else are freed, none on the thread that handed them over")
    func freedElsewhere() {
        let record = Record()
        // From eight threads at once on two cores: a thread preempted right after it hands a
        // value over must still not be the one that frees it.
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<500 {
                var batch = [Tracked(record), Tracked(record)]
                batch.append(Tracked(record))
                Discard.shared.drop(consume batch)
            }
        }
        for _ in 0..<12_000 { #expect(record.signal.wait(timeout: .now() + 60) == .success) }
        #expect(record.freed.load(ordering: .relaxed) == 12_000)
        #expect(record.freedByMaker.load(ordering: .relaxed) == 0)
    }

    @Test("a value someone still holds stays alive until they let go")
    func sharedStaysAlive() {
        let record = Record()
        let kept = [Tracked(record)]
        Discard.shared.drop(kept)
        // The discarding thread has released its reference once this later value is freed.
        Discard.shared.drop([Tracked(record)])
        #expect(record.signal.wait(timeout: .now() + 60) == .success)
        #expect(record.freed.load(ordering: .relaxed) == 1)
        #expect(kept.count == 1)
    }
}
