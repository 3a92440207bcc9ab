import CMI5
import Logging
import NIOPosix
import ServiceLifecycle

/// Abandons cmi5 sessions whose time ran out (cmi5 9.3.6: a session that ends without
/// `terminated`), every few minutes while the server runs, as `ecba progress abandon --expired`
/// does by hand.
struct SessionSweeper: Service {
    let cmi5: CMI5Service
    let logger: Logger
    var interval: Duration = .seconds(300)

    /// Returns when the server shuts down (gracefully or not): nothing to finish.
    func run() async {
        let interval = interval
        let cmi5 = cmi5
        let logger = logger
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    let abandoned = try await NIOThreadPool.singleton.runIfActive { () throws -> [String] in
                        try cmi5.abandonExpired(actor: "ecba serve")
                    }
                    if !abandoned.isEmpty { logger.info("abandoned expired cmi5 sessions", metadata: ["sessions": "\(abandoned)"]) }
                } catch {
                    logger.error("abandoning expired cmi5 sessions failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
