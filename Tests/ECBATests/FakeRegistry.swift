import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A registry on loopback, over real sockets, that applies records by idempotency key the way
/// docs/registry-contract.md asks, and fails the calls it is told to: a 500, a timeout, a dropped
/// connection, a 429 with Retry-After, a slow answer, or an applied batch whose answer is lost.
final class FakeRegistry: Sendable {
    enum Behaviour: Sendable, Equatable, CaseIterable {
        case ok
        case serverError
        /// No answer until well after the client's timeout.
        case timeout
        /// The connection is closed without an answer.
        case drop
        case tooManyRequests
        /// Answers 200, late but within the timeout.
        case slow
        /// Applies the batch, then drops the connection: the client must send it again.
        case applyThenDrop
        /// Applies the batch, then never answers (for killing the client mid-batch).
        case applyThenStall
    }

    struct State {
        var script: [Behaviour] = []
        var failureShare = 0.0
        var random = UInt64(12345)
        /// Times each key was applied (a repeat of a known key is a no-op and not counted).
        var applied: [String: Int] = [:]
        /// Times each key arrived at all.
        var received: [String: Int] = [:]
        var requests = 0
        var unauthorized = 0
        var behaviours: [Behaviour] = []
        var statuses: [String: String] = [:]
    }

    let token: String
    let timeoutDelay: TimeInterval
    private let state = Mutex(State())
    private let listener: Int32
    let port: UInt16

    var url: String { "http://127.0.0.1:\(port)/records" }

    init(token: String = "registry-secret", timeoutDelay: TimeInterval = 2) throws {
        self.token = token
        self.timeoutDelay = timeoutDelay
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The next calls behave as scripted; after the script, `failureShare` of calls fail, the
    /// kinds of failure in turn.
    func configure(script: [Behaviour] = [], failureShare: Double = 0) {
        state.withLock {
            $0.script = script
            $0.failureShare = failureShare
        }
    }

    var snapshot: State { state.withLock { $0 } }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in handle(connection) }
            thread.start()
        }
    }

    private func nextBehaviour() -> Behaviour {
        state.withLock { state in
            state.requests += 1
            let behaviour: Behaviour
            if !state.script.isEmpty {
                behaviour = state.script.removeFirst()
            } else {
                state.random = state.random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let draw = Double(state.random >> 11) / Double(1 << 53)
                let failures: [Behaviour] = [.serverError, .timeout, .drop, .tooManyRequests, .applyThenDrop]
                behaviour = draw < state.failureShare ? failures[state.requests % failures.count] : (state.requests % 4 == 0 ? .slow : .ok)
            }
            state.behaviours.append(behaviour)
            return behaviour
        }
    }

    private func handle(_ connection: Int32) {
        defer { close(connection) }
        guard let request = Self.readRequest(connection) else { return }
        guard request.headers["authorization"] == "Bearer \(token)" else {
            state.withLock { $0.unauthorized += 1 }
            Self.respond(connection, status: 401, body: "unauthorized")
            return
        }
        switch nextBehaviour() {
        case .ok:
            apply(request.body)
            Self.respond(connection, status: 200, body: "{}")
        case .slow:
            Thread.sleep(forTimeInterval: 0.1)
            apply(request.body)
            Self.respond(connection, status: 200, body: "{}")
        case .serverError:
            Self.respond(connection, status: 500, body: "{\"error\":\"boom\"}")
        case .timeout:
            Thread.sleep(forTimeInterval: timeoutDelay)
        case .drop:
            return
        case .tooManyRequests:
            Self.respond(connection, status: 429, body: "slow down", extra: "Retry-After: 1\r\n")
        case .applyThenDrop:
            apply(request.body)
        case .applyThenStall:
            apply(request.body)
            Thread.sleep(forTimeInterval: 30)
        }
    }

    private func apply(_ body: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let records = object["records"] as? [[String: Any]] else { return }
        state.withLock { state in
            for record in records {
                guard let key = record["idempotencyKey"] as? String else { continue }
                state.received[key, default: 0] += 1
                if state.applied[key] == nil {
                    state.applied[key] = 1
                    state.statuses[key] = record["status"] as? String
                }
            }
        }
    }

    struct Request {
        var headers: [String: String]
        var body: Data
    }

    private static func readRequest(_ connection: Int32) -> Request? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var contentLength = 0
        var headers: [String: String] = [:]
        while true {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<count])
            if headerEnd == nil, let range = findHeaderEnd(buffer) {
                headerEnd = range
                let text = String(decoding: buffer[0..<range], as: UTF8.self)
                for line in text.components(separatedBy: "\r\n").dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                contentLength = Int(headers["content-length"] ?? "0") ?? 0
            }
            if let headerEnd, buffer.count >= headerEnd + 4 + contentLength {
                return Request(headers: headers, body: Data(buffer[(headerEnd + 4)..<(headerEnd + 4 + contentLength)]))
            }
        }
    }

    private static func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func respond(_ connection: Int32, status: Int, body: String, extra: String = "") {
        let text = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\(extra)\r\n\(body)"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
    }
}
