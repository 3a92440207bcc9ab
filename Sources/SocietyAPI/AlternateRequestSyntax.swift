import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// xAPI 1.0.3's Alternate Request Syntax (xAPI-Communication 1.3): a POST to an LRS resource
/// with only `?method=GET|HEAD|PUT|POST|DELETE`, carrying the request's headers
/// (`Authorization`, `X-Experience-API-Version`, `Content-Type`, `If-Match`, `If-None-Match`),
/// its parameters and its `content` as an HTML form, for clients that cannot send other methods
/// or headers across origins. It is translated into the request it stands for before routing,
/// so every rule of the resource applies to it unchanged. xAPI 2.0 removed it: a request that
/// speaks 2.0 is refused.
struct AlternateRequestSyntax<Next: HTTPResponder>: HTTPResponder where Next.Context == APIContext {
    let next: Next
    let maxBodyBytes: Int

    static var methods: [String: HTTPRequest.Method] { ["GET": .get, "HEAD": .head, "PUT": .put, "POST": .post, "DELETE": .delete] }
    /// Form fields that are headers of the request they stand for.
    static var headerFields: [String: HTTPField.Name] {
        ["authorization": .authorization, "x-experience-api-version": LRSRoutes.versionHeader, "content-type": .contentType,
         "if-match": .ifMatch, "if-none-match": .ifNoneMatch]
    }

    func respond(to request: Request, context: APIContext) async throws -> Response {
        guard request.uri.path.hasPrefix("/xapi/"), let query = request.uri.query,
              query.split(separator: "&").contains(where: { $0.hasPrefix("method=") }) else {
            return try await next.respond(to: request, context: context)
        }
        do {
            return try await next.respond(to: try await translated(request), context: context)
        } catch let refusal as Refusal {
            var response = try Problem(.badRequest, "alternate-request-syntax", refusal.message).response(from: request, context: context)
            response.headers[LRSRoutes.versionHeader] = LRSRoutes.answered(request.headers)
            return response
        }
    }

    struct Refusal: Error {
        var message: String
    }

    /// The request a POST in the alternate syntax stands for; a Refusal for one that breaks its rules.
    func translated(_ request: Request) async throws -> Request {
        let query = LRSRoutes.parameters(request)
        guard request.method == .post else { throw Refusal(message: "the Alternate Request Syntax is a POST") }
        guard query.count == 1, let name = query["method"], let method = Self.methods[name.uppercased()] else {
            throw Refusal(message: "with the Alternate Request Syntax the query is only ?method=GET, HEAD, PUT, POST or DELETE")
        }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else {
            throw Refusal(message: "the Alternate Request Syntax sends an HTML form (application/x-www-form-urlencoded)")
        }
        let form = LRSRoutes.formFields(String(buffer: try await request.body.collect(upTo: maxBodyBytes)))
        var head = request.head
        head.method = method
        head.headerFields[.contentType] = nil
        head.headerFields[.contentLength] = nil
        var parameters: [(String, String)] = []
        var content: String?
        for (key, value) in form {
            if let header = Self.headerFields[key.lowercased()] {
                head.headerFields[header] = value
            } else if key == "content" {
                content = value
            } else if key.lowercased() != "content-length" {
                parameters.append((key, value))
            }
        }
        if LRSRoutes.answered(head.headerFields) == "2.0.0" {
            throw Refusal(message: "xAPI 2.0 has no Alternate Request Syntax; send the request itself")
        }
        if method == .put || method == .post {
            guard let content else { throw Refusal(message: "a PUT or POST in the Alternate Request Syntax carries its body as the form field 'content'") }
            if head.headerFields[.contentType] == nil { head.headerFields[.contentType] = "application/json" }
            head.headerFields[.contentLength] = String(content.utf8.count)
        }
        var components = URLComponents()
        components.queryItems = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        head.path = request.uri.path + (encoded.isEmpty ? "" : "?" + encoded)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer(string: content ?? "")))
    }
}
