import CMI5
import ContentStore
import Delivery
import NIOFoundationCompat
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Storage

/// Where the player lives: launch URLs on the platform's own origin, each session on an origin
/// of its own, `<session token>.<host>`, so that one attempt's content (untrusted code from a
/// society) shares no origin (no storage, no cookies, no scripting access) with another attempt,
/// another course, or the society API.
public struct PlayerAddress: Sendable {
    /// The platform's public URL: `http://localhost:8080`, `https://learn.example.org`.
    public var publicURL: String

    /// The public URL's host (`localhost`), under which sessions are named.
    public let host: String
    /// `.<host>` in bytes, matched against every request's Host.
    let sessionSuffix: [UInt8]

    public init(publicURL: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        host = URLComponents(string: self.publicURL)?.host?.lowercased() ?? "localhost"
        sessionSuffix = Array(("." + host).utf8)
    }

    var components: URLComponents? { URLComponents(string: publicURL) }

    /// The origin of a session: same scheme and port, host `<token>.<host>`.
    public func sessionOrigin(_ token: String) -> String {
        guard var parts = components else { return "http://\(token).localhost" }
        parts.host = "\(token).\(host)"
        parts.path = ""
        return parts.string ?? "http://\(token).localhost"
    }

    /// The session token a request's `Host` names, when it is a session origin.
    /// It runs on every request, so it works on the bytes (Character properties cost more than
    /// serving a small file).
    public func sessionToken(inHost header: String?) -> String? {
        guard let header else { return nil }
        var bytes = Array(header.utf8)
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")), bytes.last != UInt8(ascii: "]") { bytes.removeSubrange(colon...) }
        guard bytes.count == 32 + sessionSuffix.count else { return nil }
        for (offset, byte) in sessionSuffix.enumerated() where Self.lowercased(bytes[32 + offset]) != byte { return nil }
        let label = bytes[..<32]
        guard label.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return nil }
        return String(decoding: label, as: UTF8.self)
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}

/// The player over HTTP: the launch redirect on the platform origin, and on each session's
/// origin the player page, its scripts, the run-time endpoints and the package's files.
public struct PlayerSite: Sendable {
    let launches: LaunchService
    let player: PlayerService
    public let address: PlayerAddress
    /// cmi5 launches, fetch URLs and AU sessions (the LRS checks AUs' statements through it).
    public let cmi5: CMI5Service
    let fileIO = FileIO()
    let cache: ContentCache

    /// `sessionCheck`: how long the site trusts that a session plays its submission before it
    /// reads the session again (an ended or withdrawn session's files stop within it).
    public init(database: AppDatabase, store: ContentStore, address: PlayerAddress, sessionCheck: Duration = .seconds(1)) {
        launches = LaunchService(database: database)
        player = PlayerService(database: database, store: store)
        cmi5 = CMI5Service(database: database, player: player)
        self.address = address
        cache = ContentCache(sessionLifetime: sessionCheck)
    }

    // MARK: The platform origin

    /// `GET /launch/{token}`: a session, then a redirect to its origin; or a page that says
    /// why not, in the learner's language, and nothing changed.
    public func launch(_ token: String, request: Request) async throws -> Response {
        let language = PlayerText.language(request.headers[.acceptLanguage])
        do {
            let session = try await blocking { () throws(DeliveryError) in try launches.redeem(token) }
            var headers = HTTPFields()
            headers[.location] = address.sessionOrigin(session.token) + "/"
            headers[.cacheControl] = "no-store"
            headers[.referrerPolicy] = "no-referrer"
            return Response(status: .seeOther, headers: headers)
        } catch let error as DeliveryError {
            return Self.page(PlayerText.refusal(error.code, language: language), status: Self.status(error.code), language: language)
        }
    }

    // MARK: A session's origin

    /// Every request to a session origin: nothing here needs more than the session token in
    /// the Host, and nothing else of the platform is reachable from it.
    public func respond(to request: Request, session token: String, context: some RequestContext) async throws -> Response {
        let path = request.uri.path
        // Worked out only for the answers that need it (not for package files).
        lazy var language = PlayerText.language(request.headers[.acceptLanguage])
        do {
            switch (request.method, path) {
            case (.get, "/"):
                let view = try await blocking { () throws(DeliveryError) in try player.view(session: token) }
                return Self.html(PlayerPage.render(view, language: language), language: language)
            case (.get, "/player/view"):
                let view = try await blocking { () throws(DeliveryError) in try player.view(session: token) }
                return Self.json(view)
            case (.get, "/player/scorm-runtime.js"), (.get, "/player/player.js"), (.get, "/player/player.css"):
                return try Self.asset(String(path.dropFirst("/player/".count)))
            case (.get, "/player/datamodel/1.2.json"):
                return Self.json(SCORMDataModel.scorm12)
            case (.get, "/player/datamodel/2004.json"):
                return Self.json(SCORMDataModel.scorm2004)
            case (.post, "/player/runtime/open"):
                let body = try await Self.decode(OpenRequest.self, from: request)
                let opening = try await blocking { () throws(DeliveryError) in try player.open(session: token, activity: body.activity) }
                return Self.json(opening)
            case (.post, "/player/runtime/commit"):
                let body = try await Self.decode(CommitRequest.self, from: request)
                let values = try await blocking { () throws(DeliveryError) in
                    try player.commit(session: token, attemptID: body.attemptID, sets: body.sets, terminate: body.terminate)
                }
                return Self.json(values)
            case (.post, "/player/cmi5/launch"):
                let body = try await Self.decode(OpenRequest.self, from: request)
                let origin = address.sessionOrigin(token)
                let launch = try await blocking { () throws(DeliveryError) in
                    try cmi5.launch(session: token, activity: body.activity, origin: origin)
                }
                return Self.json(launch)
            case (.post, "/player/tincan/launch"):
                let body = try await Self.decode(OpenRequest.self, from: request)
                let origin = address.sessionOrigin(token)
                let launch = try await blocking { () throws(DeliveryError) in
                    try cmi5.launchTinCan(session: token, activity: body.activity, origin: origin)
                }
                return Self.json(launch)
            case (.get, "/player/returned"):
                // cmi5's returnURL: where an AU sends its frame when it exits.
                return Self.page(PlayerText.returned(language), status: .ok, language: language)
            case (.post, "/player/exit"):
                try await blocking { () throws(DeliveryError) in try player.end(session: token) }
                return Response(status: .noContent)
            default:
                if path.hasPrefix("/cmi5/fetch/") {
                    // cmi5 8.2: POST only (a GET could be cached); every answer is 200 JSON.
                    guard request.method == .post else {
                        return Response(status: .methodNotAllowed, headers: [.allow: "POST", .cacheControl: "no-store"])
                    }
                    let fetchToken = String(path.dropFirst("/cmi5/fetch/".count))
                    let answer = await (try? blocking { () throws(DeliveryError) in cmi5.fetch(fetchToken) })
                        ?? .error(code: 3, text: "the platform could not answer")
                    var response = Self.json(RawJSON(text: answer.json))
                    response.headers[.cacheControl] = "no-store"
                    return response
                }
                if request.method == .get || request.method == .head, path.hasPrefix("/content/") {
                    return try await content(path, request: request, session: token, context: context)
                }
                return Self.page(PlayerText.notFound(language), status: .notFound, language: language)
            }
        } catch let error as DeliveryError {
            if path.hasPrefix("/player/runtime") || path.hasPrefix("/player/cmi5") || path.hasPrefix("/player/tincan") || path == "/player/view" {
                return Self.json(["error": error.code.rawValue, "message": error.message], status: Self.status(error.code))
            }
            return Self.page(PlayerText.refusal(error.code, language: language), status: Self.status(error.code), language: language)
        }
    }

    struct OpenRequest: Decodable { var activity: String }
    struct CommitRequest: Decodable {
        var attemptID: Int64
        var sets: [[String]]
        var terminate: Bool
    }

    // MARK: Package files

    /// What a request for a package file gets, decided from the submission's file list and the
    /// request's headers alone; both ways of answering (the router's, and `cachedAnswer` below the
    /// router) act on it, so they cannot disagree.
    enum ContentDecision {
        case notFound
        case notModified(HTTPFields)
        case rangeNotSatisfiable(HTTPFields)
        /// `headers` carry Content-Range and Content-Length.
        case partial(HTTPFields, ClosedRange<Int>, PackageFile)
        /// `headers` carry Content-Length.
        case whole(HTTPFields, PackageFile)
    }

    /// A file of the session's package, byte for byte as stored: its media type, a strong ETag
    /// (its SHA-256), single byte ranges, `nosniff`. Paths are matched exactly against the
    /// submission's file list after percent-decoding; `..`, backslashes, NUL, empty segments and
    /// folders never match (there is no directory listing).
    static func decide(_ rawPath: some StringProtocol, headers requestHeaders: HTTPFields, files: [String: ServedFile]) -> ContentDecision {
        guard let path = packagePath(rawPath), let served = files[path] else { return .notFound }
        let file = served.file
        var headers = served.headers
        if let match = requestHeaders[.ifNoneMatch], match.split(separator: ",").contains(where: {
            let tag = $0.trimmingCharacters(in: .whitespaces)
            return tag == served.etag || tag == "*"
        }) {
            headers[.contentLength] = "0"
            return .notModified(headers)
        }
        let size = Int(file.size)
        if let rangeHeader = requestHeaders[.range], requestHeaders[.ifRange].map({ $0 == served.etag }) ?? true {
            guard let range = byteRange(rangeHeader, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                headers[.contentLength] = "0"
                return .rangeNotSatisfiable(headers)
            }
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            return .partial(headers, range, file)
        }
        headers[.contentLength] = String(size)
        return .whole(headers, file)
    }

    /// The answer to a package file request when everything it needs is already in memory (the
    /// session's submission checked within `ContentCache.sessionLifetime`, its file list, and the
    /// file's bytes or a 304): what the channel handler below the router sends without a
    /// task, a thread-pool hop or the router. Nil means "ask the router", which reads what is
    /// missing and fills the cache.
    public func cachedAnswer(to head: HTTPRequest) -> (HTTPResponse, ByteBuffer)? {
        guard head.method == .get, let target = head.path, target.utf8.starts(with: Self.contentPrefix),
              let token = address.sessionToken(inHost: head.authority),
              let submissionID = cache.submission(of: token), let files = cache.files(of: submissionID)
        else { return nil }
        let rawPath = target.firstIndex(where: { $0 == "?" || $0 == "#" }).map { target[..<$0] } ?? target[...]
        switch Self.decide(rawPath, headers: head.headerFields, files: files) {
        case .notModified(let headers):
            return (HTTPResponse(status: .notModified, headerFields: headers), ByteBuffer())
        case .whole(let headers, let file):
            if file.size == 0 { return (HTTPResponse(status: .ok, headerFields: headers), ByteBuffer()) }
            guard let bytes = cache.object(file.sha256) else { return nil }
            return (HTTPResponse(status: .ok, headerFields: headers), bytes)
        case .notFound, .rangeNotSatisfiable, .partial:
            return nil
        }
    }

    static let contentPrefix = Array("/content/".utf8)
    /// How much of a large file one read takes (Hummingbird's default is 128 KiB): a video's
    /// stream or a seek's range costs fewer reads and writes.
    static let chunkBytes = 1 << 20

    func content(_ rawPath: String, request: Request, session token: String, context: some RequestContext) async throws -> Response {
        let submissionID: Int64
        if let cached = cache.submission(of: token) {
            submissionID = cached
        } else {
            submissionID = try await blocking { () throws(DeliveryError) in try player.submissionID(session: token) }
            cache.remember(session: token, submissionID: submissionID)
        }
        let files: [String: ServedFile]
        if let cached = cache.files(of: submissionID) {
            files = cached
        } else {
            files = try await blocking { () throws(DeliveryError) in try player.files(submissionID: submissionID) }.mapValues(ServedFile.init)
            cache.remember(files: files, of: submissionID)
        }
        switch Self.decide(rawPath, headers: request.headers, files: files) {
        case .notFound:
            let language = PlayerText.language(request.headers[.acceptLanguage])
            return Self.page(PlayerText.notFound(language), status: .notFound, language: language)
        case .notModified(let headers):
            return Response(status: .notModified, headers: headers)
        case .rangeNotSatisfiable(let headers):
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .partial(let headers, let range, let file):
            if request.method == .head { return Response(status: .partialContent, headers: headers) }
            let body = try await fileIO.loadFile(path: player.location(of: file), range: range, context: context, chunkLength: Self.chunkBytes)
            return Response(status: .partialContent, headers: headers, body: body)
        case .whole(let headers, let file):
            let size = Int(file.size)
            if request.method == .head || size == 0 { return Response(status: .ok, headers: headers) }
            guard size <= cache.smallObjectBytes else {
                let body = try await fileIO.loadFile(path: player.location(of: file), context: context, chunkLength: Self.chunkBytes)
                return Response(status: .ok, headers: headers, body: body)
            }
            if let bytes = cache.object(file.sha256) {
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
            }
            let location = player.location(of: file)
            let bytes = try await NIOThreadPool.singleton.runIfActive { () throws -> ByteBuffer in
                ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: location)))
            }
            guard bytes.readableBytes == size else { throw HTTPError(.internalServerError) }
            cache.remember(object: file.sha256, bytes: bytes)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
        }
    }

    /// `/content/a%20b/c.html` → `a b/c.html`; nil for anything that is not a plain relative
    /// path once decoded.
    static func packagePath(_ raw: some StringProtocol) -> String? {
        let encoded = raw.dropFirst("/content/".count)
        guard !encoded.isEmpty else { return nil }
        let decoded: String
        if encoded.utf8.contains(UInt8(ascii: "%")) {
            guard let text = String(encoded).removingPercentEncoding else { return nil }
            decoded = text
        } else {
            decoded = String(encoded)
        }
        if decoded.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0 }) || decoded.utf8.first == UInt8(ascii: "/") { return nil }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        return decoded
    }

    /// A single range of `bytes=a-b`, `bytes=a-` or `bytes=-n`, within `size`; nil when unsatisfiable.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int(first), start < size else { return nil }
        if last.isEmpty { return start...(size - 1) }
        guard let end = Int(last), end >= start else { return nil }
        return start...min(end, size - 1)
    }

    // MARK: Responses

    static func status(_ code: DeliveryError.Code) -> HTTPResponse.Status {
        switch code {
        case .launchUsed, .launchExpired, .withdrawn, .retired: .gone
        case .unknownLaunch, .unknownActivity, .notEnrolled: .notFound
        case .sessionInvalid: .unauthorized
        case .invalidRuntimeData, .unsupportedFormat: .badRequest
        case .storage: .internalServerError
        }
    }

    /// The headers every player page carries: no framing by other origins, no referrer.
    static func pageHeaders(_ type: String, language: PlayerText.Language) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentLanguage] = language.rawValue
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        headers[.contentSecurityPolicy] = "frame-ancestors 'self'"
        return headers
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, language: PlayerText.Language) -> Response {
        Response(status: status, headers: pageHeaders("text/html; charset=utf-8", language: language),
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func page(_ message: PlayerText.Message, status: HTTPResponse.Status, language: PlayerText.Language) -> Response {
        html(PlayerPage.message(message, language: language), status: status, language: language)
    }

    /// JSON text already written.
    struct RawJSON: Encodable {
        var text: String
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        if let raw = value as? RawJSON {
            return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: raw.text)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func asset(_ name: String) throws -> Response {
        guard let text = PlayerAssets.text(name) else { throw HTTPError(.notFound) }
        var headers = HTTPFields()
        headers[.contentType] = name.hasSuffix(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let body = try await request.body.collect(upTo: 4 << 20)
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            throw DeliveryError(.invalidRuntimeData, "the request body is not the JSON expected: \(error)")
        }
    }

    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(DeliveryError) -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { () throws -> T in try body() }
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options") ?? .contentType
    static let referrerPolicy = HTTPField.Name("Referrer-Policy") ?? .contentType
}
