import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A registry that keeps records in memory, implementing docs/registry-contract.md: it checks the
/// bearer token, applies a batch all at once, and applies a key it has seen as a no-op. For the
/// demo and for societies reading the contract in code; not for production.
public final class LocalRegistry: Sendable {
    public let token: String
    private let applied = Mutex<[String: String]>([:])
    private let deliveries = Mutex<Int>(0)

    public init(token: String) { self.token = token }

    /// Record keys applied, each once, with the status they carried.
    public var appliedRecords: [String: String] { applied.withLock { $0 } }
    /// Batches received (a repeated batch counts again; its records do not).
    public var batches: Int { deliveries.withLock { $0 } }

    public func run(port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        try await application(port: port, onRunning: onRunning).run()
    }

    func application(port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol & Service {
        let router = Router(context: BasicRequestContext.self)
        router.post("/records") { [self] request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(token)" else { return Response(status: .unauthorized) }
            let body = try await request.body.collect(upTo: 16 << 20)
            let data = Data(body.getBytes(at: body.readerIndex, length: body.readableBytes) ?? [])
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let records = object["records"] as? [[String: Any]] else {
                return Response(status: .badRequest)
            }
            deliveries.withLock { $0 += 1 }
            applied.withLock { applied in
                for record in records {
                    guard let key = record["idempotencyKey"] as? String, applied[key] == nil else { continue }
                    applied[key] = record["status"] as? String ?? "?"
                }
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        var logger = Logger(label: "ecba.local-registry")
        logger.logLevel = .warning
        return Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger
        )
    }
}
