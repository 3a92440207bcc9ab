import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Around every request: the body size limit, problem documents for any failure, one structured
/// log line (never a header's value, so never a token) and the metrics.
struct Gate: RouterMiddleware {
    typealias Context = APIContext
    let api: SocietyAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > api.configuration.maxBodyBytes {
                throw Problem(.contentTooLarge, "body-too-large", "request bodies are limited to \(api.configuration.maxBodyBytes) bytes")
            }
            response = try await next(request, context)
        } catch let problem as Problem {
            response = try problem.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = try Problem(.contentTooLarge, "body-too-large", "request bodies are limited to \(api.configuration.maxBodyBytes) bytes")
                .response(from: request, context: context)
        } catch let error as HTTPError {
            response = try Problem(error.status, error.status == .notFound ? "not-found" : "http-error", error.body ?? error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch {
            api.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = try Problem(.internalServerError, "internal", "the request could not be completed").response(from: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "unmatched"
        api.metrics.record(route: route, status: Int(response.status.code), seconds: seconds)
        api.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "ms": "\(Int(seconds * 1000))",
        ])
        return response
    }
}
