import Catalog
import Credentials
import Delivery
import Domain
import Enrollment
import Foundation
import HTTPTypes
import Hummingbird
import LRS
import Logging
import NIOCore
import NIOPosix
import PlayerWeb
import RegistrySync
import ServiceLifecycle
import Societies
import Storage
import Transcripts

/// How the society API runs.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Request bodies above this are refused (413).
    public var maxBodyBytes: Int
    /// Per token: this many requests a second on average, bursts up to `burst`.
    public var requestsPerSecond: Double
    public var burst: Double
    /// The private signing keys, for signed transcripts.
    public var keys: KeyDirectory
    /// The player (launch URLs and session origins); nil serves the society API only.
    public var player: PlayerSite?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1 << 20, requestsPerSecond: Double = 50, burst: Double = 100,
        keys: KeyDirectory, player: PlayerSite? = nil
    ) {
        self.player = player
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.keys = keys
    }
}

/// The society API (Hummingbird 2): a thin shell over the services. Every `/v1` and `/xapi`
/// route needs `Authorization: Bearer <token>`; a society sees only its own members (anyone else
/// is a 404, so existence does not leak). Errors are RFC 9457 problem documents.
public struct SocietyAPI: Sendable {
    let database: AppDatabase
    let configuration: APIConfiguration
    let tokens: TokenService
    let limiter: RateLimiter
    let metrics = Metrics()
    let date = HTTPDate()
    let logger: Logger
    /// The LRS's POSTs and PUTs, stored by group commit.
    let statementWriter: StatementWriter

    public init(database: AppDatabase, configuration: APIConfiguration, logger: Logger = Logger(label: "ecba.api")) {
        self.database = database
        self.configuration = configuration
        statementWriter = StatementWriter(database: database)
        tokens = TokenService(database: database)
        limiter = RateLimiter(rate: configuration.requestsPerSecond, burst: configuration.burst)
        self.logger = logger
    }

    /// The application, ready to run; `onRunning` gets the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol & Service {
        var application = Application(
            responder: AlternateRequestSyntax(next: router().buildResponder(), maxBodyBytes: configuration.maxBodyBytes),
            server: .http1(configuration: .init(additionalChannelHandlers: self.channelHandlers())),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: Self.serverName),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        if let player = configuration.player {
            application.addServices(SessionSweeper(cmi5: player.cmi5, logger: logger))
        }
        return application
    }

    /// The handlers each connection gets below the router: with the player, the one that
    /// answers package files already in memory on the event loop.
    func channelHandlers() -> [any RemovableChannelHandler] {
        guard let player = configuration.player else { return [] }
        let metrics = metrics
        return [CachedContentHandler(site: player, serverName: Self.serverName, date: date) { status, seconds in
            metrics.record(route: "player:/content", status: status, seconds: seconds)
        }]
    }

    static let serverName = "ecba"

    /// Serves until SIGINT or SIGTERM (graceful shutdown) or until the task is cancelled.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onRunning: onRunning).runService()
    }

    /// The routes. Every `/v1` route is added to one group behind `SocietyAuthentication`, every
    /// `/xapi` route (but About) to one behind `LRSAuthentication`, one route collection per
    /// resource, and reads its caller from the request context (`context.society()`,
    /// `context.lrs()`), so a new route cannot forget the check.
    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        if let player = configuration.player {
            // A session origin reaches the player and nothing else; the platform origin never
            // reaches a session's files.
            router.add(middleware: PlayerHost(site: player, metrics: metrics, logger: logger))
        }
        router.add(middleware: Gate(api: self))
        if let player = configuration.player {
            router.get("/launch/:token") { request, context in
                try await player.launch(context.parameters.get("token") ?? "", request: request)
            }
        }
        router.get("/health") { _, _ in Self.json(["status": "ok"]) }
        let writer = statementWriter
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render(writer: writer.figures))))
        }
        let societies = router.group().add(middleware: SocietyAuthentication(api: self))
        societies.addRoutes(reportRoutes(), atPath: "/v1/report")
        societies.addRoutes(transcriptRoutes(), atPath: "/v1/transcripts")
        societies.addRoutes(engineerRoutes(), atPath: "/v1/engineers")
        societies.addRoutes(catalogRoutes(), atPath: "/v1/catalog")
        addLRS(to: router)
        return router
    }

    func reportRoutes() -> RouteCollection<APIContext> {
        let routes = RouteCollection(context: APIContext.self)
        routes.get { request, context in try await report(request, caller: try context.society()) }
        return routes
    }

    func transcriptRoutes() -> RouteCollection<APIContext> {
        let routes = RouteCollection(context: APIContext.self)
        routes.get("changes") { request, context in try await changes(request, caller: try context.society()) }
        return routes
    }

    func engineerRoutes() -> RouteCollection<APIContext> {
        let routes = RouteCollection(context: APIContext.self)
        routes.get(":engineer/transcript") { request, context in
            try await transcript(request, caller: try context.society(), engineerID: context.parameters.get("engineer") ?? "")
        }
        routes.post(":engineer/launches") { request, context in
            try await launch(request, caller: try context.society(), engineerID: context.parameters.get("engineer") ?? "")
        }
        return routes
    }

    func catalogRoutes() -> RouteCollection<APIContext> {
        let routes = RouteCollection(context: APIContext.self)
        routes.get { _, context in
            _ = try context.society()
            let entries = try await blocking { () throws(ServiceError) in try CatalogService(database: database).list(CatalogFilter(limit: 0)) }
            return Self.json(entries)
        }
        // A course id is SOCIETY/COURSE: one segment with the '/' percent-encoded (%2F), or two.
        // (The router wants one parameter name per position, hence 'first' and 'second'.)
        routes.get(":first") { _, context in
            _ = try context.society()
            let raw = context.parameters.get("first") ?? ""
            let id = raw.removingPercentEncoding ?? raw
            let entry = try await blocking { () throws(ServiceError) in try CatalogService(database: database).show(id) }
            return Self.json(entry)
        }
        routes.get(":first/:second") { _, context in
            _ = try context.society()
            let id = (context.parameters.get("first") ?? "") + "/" + (context.parameters.get("second") ?? "")
            let entry = try await blocking { () throws(ServiceError) in try CatalogService(database: database).show(id) }
            return Self.json(entry)
        }
        return routes
    }

    // MARK: Authentication

    /// The society a request speaks for: a valid token, not revoked, of an authorised society,
    /// within its rate limit. Checked on every request.
    func caller(_ request: Request) async throws -> TokenService.Caller {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Problem.unauthorized("send 'Authorization: Bearer <token>' (see 'ecba society token issue')")
        }
        let presented = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        let outcome = try await blocking { () throws(ServiceError) in try tokens.authenticate(presented) }
        switch outcome {
        case .success(let caller):
            try throttle(caller.tokenID, what: "token")
            return caller
        case .failure(.invalid): throw Problem.unauthorized("the token is not valid")
        case .failure(.revoked): throw Problem.unauthorized("the token has been revoked")
        case .failure(.societyNotAuthorized(let status)):
            throw Problem(.forbidden, "society-not-authorized", "the token's society is \(status.rawValue): it no longer has access")
        }
    }

    /// The per-credential token bucket: over it, a 429 with Retry-After.
    func throttle(_ key: String, what: String) throws {
        guard let wait = limiter.take(key) else { return }
        var problem = Problem(.tooManyRequests, "rate-limited", "more than \(Int(configuration.requestsPerSecond)) requests a second with this \(what)")
        problem.headers[.retryAfter] = String(Int(wait.rounded(.up)))
        throw problem
    }

    // MARK: Routes

    func report(_ request: Request, caller: TokenService.Caller) async throws -> Response {
        let date: Date
        if let period = request.uri.queryParameters.get("period") {
            guard let parsed = CreditPolicy.periodDay(period) else {
                throw Problem(.badRequest, "invalid-period", "period '\(period)' is not a year (YYYY) or a date (YYYY-MM-DD)")
            }
            date = parsed
        } else {
            date = Date()
        }
        let csv = request.headers[.accept]?.contains("text/csv") == true
        let detail = request.uri.queryParameters.get("detail") == "true"
        let stream = ReportStream()
        let service = ReportService(database: database, credits: CreditService(database: database))
        let societyID = caller.societyID
        let thread = Thread {
            var writer = BufferedWriter(stream.sink)
            do throws(ServiceError) {
                _ = try service.write(society: societyID, containing: date, detail: detail, format: csv ? .csv : .json, to: &writer)
                stream.finish()
            } catch {
                stream.finish(throwing: error)
            }
        }
        thread.start()
        let body = ResponseBody { writer in
            for try await chunk in stream.chunks {
                try await writer.write(chunk)
                stream.consumed()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: csv ? "text/csv; charset=utf-8" : "application/json"], body: body)
    }

    func changes(_ request: Request, caller: TokenService.Caller) async throws -> Response {
        let after = try ChangeCursor.decode(request.uri.queryParameters.get("cursor"))
        let limitText = request.uri.queryParameters.get("limit") ?? "100"
        guard let limit = Int(limitText), (1...1000).contains(limit) else {
            throw Problem(.badRequest, "invalid-limit", "limit must be 1 to 1000")
        }
        let changes = try await blocking { () throws(ServiceError) in
            try database.transcriptChanges(societyID: caller.societyID, after: after, limit: limit)
        }
        let last = changes.last?.seq ?? after
        return Self.json(ChangePage(changes: changes.map(\.record), nextCursor: ChangeCursor.encode(last), hasMore: changes.count == limit))
    }

    func transcript(_ request: Request, caller: TokenService.Caller, engineerID: String) async throws -> Response {
        let member = try await blocking { () throws(ServiceError) in
            try database.reading("reading memberships") { sql in try EngineerStore.isMember(engineerID: engineerID, societyID: caller.societyID, on: sql) }
        }
        guard member else { throw Problem.notFound("engineer '\(engineerID)' among the society's members") }
        let keys = KeyService(database: database, directory: configuration.keys)
        let service = TranscriptService(database: database, keys: keys)
        let accept = request.headers[.accept] ?? ""
        if accept.contains("application/vc+jwt") || request.uri.queryParameters.get("format") == "clr" {
            let token = try await blocking { () throws(ServiceError) in try service.clr(engineerID: engineerID) }
            return Response(status: .ok, headers: [.contentType: "application/vc+jwt"], body: ResponseBody(byteBuffer: ByteBuffer(string: token)))
        }
        let transcript = try await blocking { () throws(ServiceError) in try service.transcript(engineerID: engineerID) }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: TranscriptFormat.json(transcript))))
    }

    struct LaunchRequest: Decodable {
        var course: String
        var activity: String?
        var mode: LaunchMode?
        /// Minutes until the URL expires (default 5, at most 1440).
        var expiresMinutes: Double?
    }

    /// A launch URL for one of the society's members, as `ecba launch` prints it.
    func launch(_ request: Request, caller: TokenService.Caller, engineerID: String) async throws -> Response {
        let body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        guard let launch = try? JSONDecoder().decode(LaunchRequest.self, from: Data(buffer: body)) else {
            throw Problem(.badRequest, "invalid-launch", "send {\"course\": \"SOCIETY/COURSE\"} with optional activity, mode (normal, browse, review) and expiresMinutes")
        }
        let minutes = launch.expiresMinutes ?? 5
        guard minutes > 0, minutes <= 1440 else { throw Problem(.badRequest, "invalid-launch", "expiresMinutes must be more than 0 and at most 1440") }
        let base = configuration.player?.address.publicURL ?? "http://localhost:\(configuration.port)"
        let service = LaunchService(database: database)
        do {
            let ticket = try await NIOThreadPool.singleton.runIfActive { () throws -> LaunchTicket in
                try service.launch(engineerID: engineerID, courseID: launch.course, activity: launch.activity, mode: launch.mode ?? .normal,
                                   baseURL: base, lifetime: minutes * 60, actor: "api:\(caller.societyID)", societyID: caller.societyID)
            }
            var response = Self.json(ticket)
            response.status = .created
            return response
        } catch let error as DeliveryError {
            switch error.code {
            case .notEnrolled, .unknownActivity: throw Problem(.notFound, "not-found", error.message)
            case .withdrawn, .retired: throw Problem(.conflict, error.code.rawValue, error.message)
            default: throw Problem(.internalServerError, "internal", "the request could not be completed")
            }
        }
    }

    // MARK: Helpers

    /// Runs blocking database work on NIO's thread pool, off the server's event loops.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(ServiceError) -> T) async throws -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive { () throws -> T in try body() }
        } catch let error as ServiceError {
            throw Self.problem(error)
        }
    }

    static func problem(_ error: ServiceError) -> Problem {
        switch error.code {
        case .notFound: Problem(.notFound, "not-found", error.message)
        case .invalidArgument: Problem(.badRequest, "invalid-argument", error.message)
        case .conflict: Problem(.conflict, "conflict", error.message)
        case .notAuthorized: Problem(.forbidden, "forbidden", error.message)
        case .storage: Problem(.internalServerError, "internal", "the request could not be completed")
        }
    }

    static func json(_ value: some Encodable, extra: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var headers = extra
        headers[.contentType] = "application/json"
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// One page of the changes feed.
struct ChangePage: Encodable {
    var changes: [RegistryRecord]
    var nextCursor: String
    var hasMore: Bool
}

/// The feed's opaque cursor: base64url of `c1:<sequence>`.
enum ChangeCursor {
    static func encode(_ seq: Int64) -> String { Base64URL.encode(Data("c1:\(seq)".utf8)) }

    static func decode(_ text: String?) throws -> Int64 {
        guard let text, !text.isEmpty else { return 0 }
        guard let data = Base64URL.decode(text), let plain = String(data: data, encoding: .utf8), plain.hasPrefix("c1:"),
              let seq = Int64(plain.dropFirst(3)), seq >= 0
        else { throw Problem(.badRequest, "invalid-cursor", "the cursor is not one this API gave") }
        return seq
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? [])
    }
}
