import Hummingbird
import Logging
import ServiceLifecycle

/// A server started in-process (the demo, tests) that stops gracefully: open connections finish,
/// the listener closes, nothing is cancelled mid-request and nothing is logged as an error.
public final class RunningServer: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    /// The bound port.
    public let port: Int

    init(group: ServiceGroup, task: Task<Void, any Error>, port: Int) {
        self.group = group
        self.task = task
        self.port = port
    }

    /// Starts `application` in a service group of its own (no signal handlers) and returns once
    /// it listens.
    static func start<App: ApplicationProtocol & Service>(
        _ make: (@escaping @Sendable (Int) async -> Void) -> App, logger: Logger
    ) async -> RunningServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = make { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return RunningServer(group: group, task: task, port: port)
    }

    /// Stops accepting, lets requests in flight finish, and waits until the server is down.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

extension SocietyAPI {
    /// Serves in-process until `stop()`.
    public func start() async -> RunningServer {
        await RunningServer.start({ onRunning in application(onRunning: onRunning) }, logger: logger)
    }
}

extension LocalRegistry {
    /// Serves in-process until `stop()`.
    public func start(port: Int = 0) async -> RunningServer {
        var logger = Logger(label: "ecba.local-registry")
        logger.logLevel = .warning
        return await RunningServer.start({ onRunning in application(port: port, onRunning: onRunning) }, logger: logger)
    }
}
