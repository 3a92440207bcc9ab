import Foundation
import Pipeline
import Synchronization
import Testing

@Suite("OrderedParallelMap: ordered results from worker threads, bounded read-ahead")
struct OrderedParallelMapTests {
    @Test("results come out in index order although workers finish out of order")
    func ordered() {
        let map = OrderedParallelMap(count: 200, workers: 4, window: 8) { index in
            // Later indexes of each group of 4 finish first.
            usleep(UInt32((3 - index % 4) * 300))
            return index * index
        }
        defer { map.stop() }
        var seen: [Int] = []
        while let value = map.next() { seen.append(value) }
        #expect(seen == (0..<200).map { $0 * $0 })
        #expect(map.next() == nil)
    }

    @Test("workers never compute more than the window ahead of the consumer")
    func windowBoundsReadAhead() {
        let started = Atomic<Int>(0)
        let map = OrderedParallelMap(count: 100, workers: 3, window: 5) { index in
            started.add(1, ordering: .sequentiallyConsistent)
            return index
        }
        defer { map.stop() }
        var taken = 0
        while let value = map.next() {
            #expect(value == taken)
            taken += 1
            usleep(200)  // a slow consumer: the workers catch up and must wait
            #expect(started.load(ordering: .sequentiallyConsistent) <= taken + 5)
        }
        #expect(taken == 100)
    }

    @Test("nextIfReady takes only what is computed; stop ends the stream early")
    func nextIfReadyAndStop() {
        let gate = Atomic<Bool>(false)
        let map = OrderedParallelMap(count: 50, workers: 2, window: 10) { index in
            if index == 3 { while !gate.load(ordering: .sequentiallyConsistent) { usleep(100) } }
            return index
        }
        var batch: [Int] = []
        while batch.count < 3 { if let value = map.next() { batch.append(value) } }
        #expect(batch == [0, 1, 2])
        #expect(map.nextIfReady() == nil)  // index 3 is held back
        gate.store(true, ordering: .sequentiallyConsistent)
        #expect(map.next() == 3)
        map.stop()
        #expect(map.next() == nil)
        #expect(map.nextIfReady() == nil)
    }

    @Test("one item, or no workers: computed on the consumer's thread, none started")
    func inline() {
        let consumer = pthread_self()
        let map = OrderedParallelMap(count: 1, workers: 4, window: 4) { _ in pthread_equal(pthread_self(), consumer) != 0 }
        #expect(map.next() == true)
        #expect(map.next() == nil)
        let none = OrderedParallelMap(count: 3, workers: 0, window: 1) { index in index }
        #expect([none.next(), none.next(), none.next(), none.next()] == [0, 1, 2, nil])
    }
}
