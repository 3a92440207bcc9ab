import Foundation
import HTTPTypes
import Hummingbird

/// An error as an RFC 9457 problem document, with a stable `code` clients can switch on.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// Stable, kebab-case: `unauthorized`, `not-found`, `rate-limited`, ...
    public let code: String
    public let detail: String
    var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    public static let typeBase = "https://learning.ecba.org.cn/problems/"

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let document: [String: Any] = [
            "type": Self.typeBase + code, "title": status.reasonPhrase, "status": status.code, "detail": detail, "code": code,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(.unauthorized, "unauthorized", detail)
        problem.headers[.wwwAuthenticate] = "Bearer realm=\"ecba\""
        return problem
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, "not-found", "no \(what)") }
}
