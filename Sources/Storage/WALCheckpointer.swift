import Foundation
import GRDB
import Synchronization

/// Copies the SQLite file's write-ahead log back into the file on a thread and a connection of
/// its own, so the writer seldom does.
///
/// A checkpoint copies the pages the WAL holds into the database file and syncs both files. Done
/// by the writer (SQLite's automatic checkpoint), the writer waits for the syncs: under the LRS's
/// group commit that was a quarter of the writer's time (measured: 35 checkpoints in a run of
/// 200,000 statements POSTed, 6.4 s of 26.7 s spent waiting on the disk). Here, after a write
/// transaction commits, a passive checkpoint starts on another connection unless one is running
/// or ended less than `interval` ago; it copies what is committed while the writer goes on, and
/// blocks neither writers nor readers. The writer keeps SQLite's own checkpoint as a ceiling
/// (`AppDatabase.walCeiling`): only the writer can start the WAL over, so under unbroken load
/// the log is still bounded, and the ceiling's checkpoint finds most pages copied already.
///
/// Best effort by design: a checkpoint that cannot run (another is running, the file is gone) is
/// tried again after the next commit; the data is in the WAL either way.
final class WALCheckpointer: Sendable {
    /// The least time from the end of one checkpoint started here to the start of the next.
    /// Shorter leaves the writer's ceiling checkpoint less to copy and sync; longer copies a page
    /// rewritten many times once (measured with 10 clients POSTing batches of 100: 8,300
    /// statements/s at 1 s, 9,550 and 12,200 at 250 ms).
    static let interval: Duration = .milliseconds(250)

    private struct State {
        var connection: DatabaseQueue?
        var running = false
        var closed = false
        var last: ContinuousClock.Instant
    }

    private let path: String
    private let state: Mutex<State>

    init(path: String) {
        self.path = path
        state = Mutex(State(last: .now))
    }

    /// Called after each write transaction commits: starts a checkpoint if one is due.
    func committed() {
        let start = state.withLock { state in
            guard !state.running, !state.closed, ContinuousClock.now - state.last >= Self.interval else { return false }
            state.running = true
            return true
        }
        // A thread of its own for each checkpoint (at most one at a time, a few a second), not
        // Dispatch's pool: in a process whose pool threads are all blocked (the test suite on
        // PostgreSQL) a queued checkpoint waited for minutes.
        if start { Thread.detachNewThread { self.checkpoint() } }
    }

    /// Closes the checkpoint connection now, or when the checkpoint under way ends.
    func close() {
        let connection = state.withLock { state in
            state.closed = true
            return state.running ? nil : state.connection.take()
        }
        try? connection?.close()
    }

    /// The number of checkpoints this has completed (tests).
    var completed: Int { completedCount.load(ordering: .relaxed) }
    private let completedCount = Atomic<Int>(0)

    private func checkpoint() {
        defer {
            let closing = state.withLock { state in
                state.running = false
                state.last = .now
                return state.closed ? state.connection.take() : nil
            }
            try? closing?.close()
        }
        guard let connection = connection() else { return }
        do {
            _ = try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            completedCount.add(1, ordering: .relaxed)
        } catch {
            // Busy (the writer's own checkpoint is running) or the file went away: the next
            // commit tries again.
        }
    }

    /// The checkpoint connection, opened on first use (a database that is only read never needs
    /// one).
    private func connection() -> DatabaseQueue? {
        let (closed, open) = state.withLock { ($0.closed, $0.connection) }
        if closed { return nil }
        if let open { return open }
        // Never create a file: one that went away (a test's folder) stays away.
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = Configuration()
        // Never wait: a busy checkpoint is simply tried again later.
        configuration.busyMode = .immediateError
        configuration.label = "ecba.sqlite.checkpoint"
        guard let opened = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        let kept = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.connection = opened
            return true
        }
        if !kept { try? opened.close() }
        return kept ? opened : nil
    }
}
