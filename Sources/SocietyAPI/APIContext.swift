import Catalog
import Hummingbird
import Societies

/// The request context of the platform's server: who is calling, put there by the
/// authentication middleware of the route group the request went through.
struct APIContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The society whose token the request carried (set by `SocietyAuthentication`).
    var societyCaller: TokenService.Caller?
    /// Who speaks to the LRS: an LRS key/secret or a society token (set by `LRSAuthentication`).
    var lrsCaller: LRSCaller?
    /// The player session whose origin the request came to (set by `PlayerHost` for `/xapi`).
    var playerSession: String?

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The authenticated society. A route outside the authenticated group gets a 401 here: it
    /// fails closed.
    func society() throws -> TokenService.Caller {
        guard let societyCaller else { throw Problem.unauthorized("send 'Authorization: Bearer <token>' (see 'ecba society token issue')") }
        return societyCaller
    }

    /// The authenticated LRS caller; fails closed like `society()`.
    func lrs() throws -> LRSCaller {
        guard let lrsCaller else { throw LRSRoutes.unauthorized("send HTTP Basic credentials (see 'ecba lrs credentials issue')") }
        return lrsCaller
    }
}

/// Bearer-token authentication and the per-token rate limit, for every route of its group: a
/// valid token, not revoked, of an authorised society (`SocietyAPI.caller`).
struct SocietyAuthentication: RouterMiddleware {
    typealias Context = APIContext
    let api: SocietyAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.societyCaller = try await api.caller(request)
        return try await next(request, context)
    }
}
