import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PlayerWeb

/// Sends every request whose Host is a player session's origin (`<token>.<public host>`) to
/// the player, before any route of the platform origin can see it.
struct PlayerHost: RouterMiddleware {
    typealias Context = APIContext
    let site: PlayerSite
    let metrics: Metrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = site.address.sessionToken(inHost: request.head.authority) else {
            return try await next(request, context)
        }
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await site.respond(to: request, session: token, context: context)
        } catch {
            logger.error("player request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = request.uri.path.hasPrefix("/content/") ? "player:/content" : "player:\(request.uri.path)"
        metrics.record(route: route, status: Int(response.status.code), seconds: seconds)
        return response
    }
}
