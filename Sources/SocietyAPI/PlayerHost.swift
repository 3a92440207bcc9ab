import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PlayerWeb

/// Sends every request whose Host is a player session's origin (`<token>.<public host>`) to
/// the player, before any route of the platform origin can see it; but the LRS's resources
/// (`/xapi/…`), which a session's cmi5 AU reaches as its endpoint on its own origin, with the
/// session named in the context (only that session's cmi5 auth tokens are taken there).
struct PlayerHost: RouterMiddleware {
    typealias Context = APIContext
    let site: PlayerSite
    let metrics: Metrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = site.address.sessionToken(inHost: request.head.authority) else {
            return try await next(request, context)
        }
        if request.uri.path.hasPrefix("/xapi/") {
            var context = context
            context.playerSession = token
            return try await next(Self.collapsingSlashes(request), context)
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

    /// The request with `//` in its path read as `/`: cmi5.js appends `/agents/profile` to an
    /// endpoint that ends in `/` (as cmi5's own example endpoint does).
    static func collapsingSlashes(_ request: Request) -> Request {
        guard let full = request.head.path, let query = full.firstIndex(of: "?") ?? Optional(full.endIndex),
              full[..<query].contains("//") else { return request }
        var path = String(full[..<query])
        while path.contains("//") { path = path.replacingOccurrences(of: "//", with: "/") }
        var head = request.head
        head.path = path + full[query...]
        return Request(head: head, body: request.body)
    }
}
