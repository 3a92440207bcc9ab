import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a registry answered to one delivery.
public enum RegistryAnswer: Sendable, Equatable {
    /// 2xx: the whole batch is applied.
    case accepted(status: Int)
    /// Any other status; `retryAfter` from a `Retry-After` header (seconds or an HTTP date).
    case refused(status: Int, retryAfter: TimeInterval?, message: String)
    /// No answer: a timeout, a refused or dropped connection.
    case unreachable(String)
}

/// One POST of a batch to a registry.
public struct RegistryDelivery: Sendable {
    public var url: URL
    public var token: String
    public var contentType: String
    /// One key for the batch (derived from its records' keys); each record carries its own too.
    public var idempotencyKey: String
    public var body: Data
    public var timeout: TimeInterval
}

public protocol RegistryClient: Sendable {
    func deliver(_ delivery: RegistryDelivery) async -> RegistryAnswer
}

/// The registry over HTTP(S), through URLSession.
public struct HTTPRegistryClient: RegistryClient {
    public init() {}

    public func deliver(_ delivery: RegistryDelivery) async -> RegistryAnswer {
        var request = URLRequest(url: delivery.url, timeoutInterval: delivery.timeout)
        request.httpMethod = "POST"
        request.setValue("Bearer \(delivery.token)", forHTTPHeaderField: "Authorization")
        request.setValue(delivery.contentType, forHTTPHeaderField: "Content-Type")
        request.setValue(delivery.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = delivery.body
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = delivery.timeout
        configuration.timeoutIntervalForResource = delivery.timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .unreachable("not an HTTP answer") }
            if (200..<300).contains(http.statusCode) { return .accepted(status: http.statusCode) }
            let message = String(decoding: data.prefix(300), as: UTF8.self)
            return .refused(status: http.statusCode, retryAfter: Self.retryAfter(http.value(forHTTPHeaderField: "Retry-After")), message: message)
        } catch {
            return .unreachable((error as? URLError).map { "\($0.code)" } ?? error.localizedDescription)
        }
    }

    /// `Retry-After` as seconds, or as an HTTP date (RFC 9110 §10.2.3).
    static func retryAfter(_ value: String?, now: Date = Date()) -> TimeInterval? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
    }
}
