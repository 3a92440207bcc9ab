import CMI5
import Catalog
import Enrollment
import Foundation
import HTTPTypes
import Hummingbird
import LRS
import NIOCore
import NIOPosix
import PlayerWeb
import Societies
import Storage

/// Who speaks to the LRS: a society's activity-provider credential (HTTP Basic), its API token
/// (Bearer, every scope), or a cmi5 AU in its session (the fetched auth token, on the session's
/// origin). What it may read and the authority its statements get follow from it.
struct LRSCaller: Sendable {
    /// nil for an AU session (the platform's own content).
    var societyID: String?
    /// nil for a society API token, which may do everything.
    var credential: LRSCredential?
    var authority: StatementAuthority
    /// The AU session whose auth token was sent: its statements go through the cmi5 rules, its
    /// documents are its learner's.
    var au: CMI5Session?

    var canWriteStatements: Bool { credential?.canWriteStatements ?? true }
    var canUseState: Bool { credential?.canUseState ?? true }
    var canReadState: Bool { credential?.canReadState ?? true }
    var canUseProfiles: Bool { credential?.canUseProfiles ?? true }
    var canReadProfiles: Bool { credential?.canReadProfiles ?? true }

    /// What it may read: its society's statements, or (read/mine) its own only; nil when it may
    /// read none.
    var reader: StatementReader? {
        if au != nil { return StatementReader(societyID: nil, onlyAuthority: authority.agent) }
        guard let credential else { return StatementReader(societyID: societyID) }
        if credential.canReadAllStatements { return StatementReader(societyID: societyID) }
        if credential.canReadOwnStatements { return StatementReader(societyID: societyID, onlyAuthority: authority.agent) }
        return nil
    }
}

/// HTTP Basic (an LRS key/secret) or Bearer (a society token) on every `/xapi` route of its
/// group, and the version header xAPI requires of every request but About's.
struct LRSAuthentication: RouterMiddleware {
    typealias Context = APIContext
    let api: SocietyAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Every answer says the version it speaks, refusals included; every statement read says
        // what it is consistent through (xAPI-Communication 2.1.3), taken before it reads.
        let answered = LRSRoutes.answered(request.headers)
        let consistentThrough = (request.method == .get || request.method == .head) && request.uri.path.hasSuffix("/statements")
            ? Date().iso8601 : nil
        var response: Response
        do {
            guard let version = request.headers[LRSRoutes.versionHeader] else {
                throw Problem(.badRequest, "xapi-version", "send the header 'X-Experience-API-Version: 1.0.3' (or 2.0.0)")
            }
            guard LRSRoutes.supported(version) != nil else {
                throw Problem(.badRequest, "xapi-version", "X-Experience-API-Version \(version) is not supported; send 1.0.3 or 2.0.0")
            }
            var context = context
            context.lrsCaller = try await api.lrsCaller(request, playerSession: context.playerSession)
            response = try await next(request, context)
        } catch let problem as Problem {
            response = try problem.response(from: request, context: context)
        }
        response.headers[LRSRoutes.versionHeader] = answered
        if let consistentThrough { response.headers[LRSRoutes.consistentThrough] = consistentThrough }
        return response
    }
}

extension RouterMethods {
    /// GET, and HEAD answered as GET is without its body (xAPI-Communication 1.1): every LRS
    /// resource a client may read.
    @discardableResult
    func getAndHead(_ path: RouterPath = "", use handler: @escaping @Sendable (Request, Context) async throws -> Response) -> Self {
        get(path, use: handler)
        return head(path) { request, context in
            let full = try await handler(request, context)
            return Response(status: full.status, headers: full.headers)
        }
    }
}

/// The LRS's resources over HTTP (xAPI-Communication.md): statements, State, Activity Profile,
/// Agent Profile, Activities, Agents and About.
enum LRSRoutes {
    static let versionHeader = HTTPField.Name("X-Experience-API-Version") ?? .contentType
    static let consistentThrough = HTTPField.Name("X-Experience-API-Consistent-Through") ?? .contentType

    /// The version answered for a requested one: 1.0.x is 1.0.3, 2.0.x is 2.0.0.
    static func supported(_ version: String) -> String? {
        if version.hasPrefix("1.0") { return "1.0.3" }
        if version.hasPrefix("2.0") { return "2.0.0" }
        return nil
    }

    /// The version a request is answered in: its header's, else 1.0.3 (a request without one is
    /// refused, and answered as 1.0.3; docs/xapi.md, Peers).
    static func answered(_ headers: HTTPFields) -> String {
        headers[versionHeader].flatMap(supported) ?? "1.0.3"
    }

    /// The user and password of `Authorization: Basic …`.
    static func basic(_ header: String) -> (String, String)? {
        guard header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        return (String(pair[..<colon]), String(pair[pair.index(after: colon)...]))
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(.unauthorized, "unauthorized", detail)
        problem.headers[.wwwAuthenticate] = "Basic realm=\"ecba-lrs\""
        return problem
    }

    static func problem(_ error: LRSError) -> Problem {
        switch error.code {
        case .badRequest: Problem(.badRequest, "bad-request", error.message)
        case .forbidden: Problem(.forbidden, "forbidden", error.message)
        case .notFound: Problem(.notFound, "not-found", error.message)
        case .conflict: Problem(.conflict, "conflict", error.message)
        case .preconditionFailed: Problem(.preconditionFailed, "precondition-failed", error.message)
        case .unauthorized: unauthorized(error.message)
        case .storage: Problem(.internalServerError, "internal", "the request could not be completed")
        }
    }

    /// The query's parameters, decoded as HTML forms encode them ('+' is a space): xAPI
    /// clients build their queries that way (Python's urlencode, tincan).
    static func parameters(_ request: Request) -> [String: String] {
        Dictionary(formFields(request.uri.query ?? ""), uniquingKeysWith: { _, last in last })
    }

    /// The fields of a query or an HTML form (application/x-www-form-urlencoded), in order.
    static func formFields(_ text: String) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            guard let name = parts.first else { return nil }
            return (decode(name), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The reader's languages from Accept-Language, best first (for `format=canonical`).
    static func languages(_ request: Request) -> [String] {
        (request.headers[.acceptLanguage] ?? "").split(separator: ",").compactMap { part in
            let tag = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return tag.isEmpty || tag == "*" ? nil : tag
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

extension SocietyAPI {
    /// `/xapi/about` for anyone; every other `/xapi` route behind `LRSAuthentication`.
    func addLRS(to router: Router<APIContext>) {
        router.get("/xapi/about") { request, _ in
            // Every version without a version header; the 1.0 line to a 1.0 client, as Rustici's
            // tincan clients refuse an About that names a version they do not know.
            let asked = request.headers[LRSRoutes.versionHeader].flatMap(LRSRoutes.supported)
            var headers = HTTPFields()
            headers[LRSRoutes.versionHeader] = asked ?? "1.0.3"
            let versions = asked == "1.0.3" ? #"["1.0.0","1.0.1","1.0.2","1.0.3"]"# : #"["1.0.0","1.0.1","1.0.2","1.0.3","2.0.0"]"#
            return LRSRoutes.json(#"{"extensions":{},"version":"# + versions + "}", headers: headers)
        }
        let lrs = router.group("/xapi").add(middleware: LRSAuthentication(api: self))
        lrs.addRoutes(lrsStatementRoutes(), atPath: "/statements")
        lrs.addRoutes(documentRoutes(.state), atPath: "/activities/state")
        lrs.addRoutes(documentRoutes(.activityProfile), atPath: "/activities/profile")
        lrs.addRoutes(documentRoutes(.agentProfile), atPath: "/agents/profile")
        lrs.getAndHead("/activities") { request, context in try await activity(request, caller: try context.lrs()) }
        lrs.getAndHead("/agents") { request, context in try await person(request, caller: try context.lrs()) }
    }

    /// The LRS caller of a request: HTTP Basic key/secret, or a society's Bearer token; on a
    /// player session's origin, the cmi5 auth token of one of that session's AU launches only.
    func lrsCaller(_ request: Request, playerSession: String?) async throws -> LRSCaller {
        let header = request.headers[.authorization] ?? ""
        if let playerSession {
            guard let (sessionID, secret) = LRSRoutes.basic(header), let cmi5 = configuration.player?.cmi5 else {
                throw LRSRoutes.unauthorized("send the auth token from the launch's fetch URL (cmi5 8.2)")
            }
            let session = try await lrsBlocking { () throws(LRSError) in
                try cmi5.authenticate(sessionID: sessionID, secret: secret, playerSession: playerSession)
            }
            try throttle("cmi5:" + sessionID, what: "session")
            return LRSCaller(societyID: nil, credential: nil, authority: CMI5Service.authority(session: session.id), au: session)
        }
        if header.hasPrefix("Bearer ") {
            let caller = try await caller(request)
            return LRSCaller(societyID: caller.societyID, credential: nil,
                             authority: .society(caller.societyID, credential: "token:\(caller.tokenID)", name: "\(caller.societyID) API token"))
        }
        guard let (key, secret) = LRSRoutes.basic(header) else {
            throw LRSRoutes.unauthorized("send HTTP Basic credentials (see 'ecba lrs credentials issue')")
        }
        let service = LRSCredentialService(database: database)
        let credential = try await lrsBlocking { () throws(LRSError) in try service.authenticate(key: key, secret: secret) }
        try throttle("lrs:" + key, what: "credential")
        return LRSCaller(societyID: credential.societyID, credential: credential,
                         authority: .society(credential.societyID, credential: credential.key, name: credential.name))
    }

    func lrsBlocking<T: Sendable>(_ body: @escaping @Sendable () throws(LRSError) -> T) async throws -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive { () throws -> T in try body() }
        } catch let error as LRSError {
            throw LRSRoutes.problem(error)
        }
    }

    // MARK: Statements

    func lrsStatementRoutes() -> RouteCollection<APIContext> {
        let routes = RouteCollection(context: APIContext.self)
        routes.post { request, context in try await storeStatements(request, caller: try context.lrs(), put: false) }
        routes.put { request, context in try await storeStatements(request, caller: try context.lrs(), put: true) }
        routes.getAndHead { request, context in try await getStatements(request, caller: try context.lrs()) }
        return routes
    }

    func storeStatements(_ request: Request, caller: LRSCaller, put: Bool) async throws -> Response {
        guard caller.canWriteStatements else { throw Problem(.forbidden, "forbidden", "this credential may not write statements") }
        let received = Data(buffer: try await request.body.collect(upTo: configuration.maxBodyBytes))
        var upload: StatementUpload
        do { upload = try StatementUpload(contentType: request.headers[.contentType], body: received) } catch { throw LRSRoutes.problem(error) }
        if put {
            let data = upload.statements
            guard let id = LRSRoutes.parameters(request)["statementId"], let uuid = UUID(uuidString: id) else {
                throw Problem(.badRequest, "bad-request", "PUT needs ?statementId=<UUID>")
            }
            guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw Problem(.badRequest, "bad-request", "PUT takes one statement, a JSON object")
            }
            if let given = object["id"] as? String, UUID(uuidString: given) != uuid {
                throw Problem(.badRequest, "bad-request", "the statement's id \(given) is not statementId \(id)")
            }
            if object["id"] == nil {
                object["id"] = uuid.uuidString.lowercased()
                upload.statements = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? data
            }
        }
        let body = upload
        let result: StatementImport
        if let au = caller.au, let cmi5 = configuration.player?.cmi5 {
            result = try await lrsBlocking { () throws(LRSError) in try cmi5.store(body, session: au.id) }
        } else {
            // Parsed and checked on the thread pool; then stored with whatever other requests
            // wait for the writer at the same time (group commit).
            let batch = try await lrsBlocking { () throws(LRSError) in try LRSStatements.parse(body) }
            do {
                result = try await statementWriter.store(StatementWriter.Request(
                    batch: batch, attachments: body.attachments, authority: caller.authority, societyID: caller.societyID,
                    actor: "lrs:\(caller.societyID ?? "platform")"))
            } catch {
                throw LRSRoutes.problem(error)
            }
        }
        if put { return Response(status: .noContent) }
        let ids = (try? JSONSerialization.data(withJSONObject: result.ids)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return LRSRoutes.json(ids)
    }

    func getStatements(_ request: Request, caller: LRSCaller) async throws -> Response {
        guard let reader = caller.reader else { throw Problem(.forbidden, "forbidden", "this credential may not read statements") }
        var parameters = LRSRoutes.parameters(request)
        let version = LRSRoutes.answered(request.headers)
        let languages = LRSRoutes.languages(request)
        let statements = LRSStatements(database: database)
        let single = parameters.removeValue(forKey: "statementId").map { ($0, false) }
            ?? parameters.removeValue(forKey: "voidedStatementId").map { ($0, true) }
        if let (id, voided) = single {
            if parameters.keys.contains(where: { !["attachments", "format"].contains($0) }) {
                throw Problem(.badRequest, "bad-request", "with statementId or voidedStatementId, only attachments and format may be sent")
            }
            if parameters["voidedStatementId"] != nil {
                throw Problem(.badRequest, "bad-request", "send statementId or voidedStatementId, not both")
            }
            let format = try StatementQuery.Format(rawValue: parameters["format"] ?? "exact")
                .orThrow(Problem(.badRequest, "bad-request", "'format' is ids, exact or canonical"))
            let found = try await lrsBlocking { () throws(LRSError) in
                try statements.statement(id: id, voided: voided, reader: reader, format: format, version: version, languages: languages)
            }
            return try await statementsAnswer(found.statement, statements: [found.statement], parameters: parameters, lastModified: found.stored)
        }
        let query: StatementQuery
        do { query = try StatementQuery(parameters) } catch { throw LRSRoutes.problem(error) }
        let page = try await lrsBlocking { () throws(LRSError) in try statements.query(query, reader: reader, version: version, languages: languages) }
        var more = ""
        if let next = page.next {
            var components = URLComponents()
            components.path = "/xapi/statements"
            var items = parameters.filter { $0.key != "more" }.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            items.append(URLQueryItem(name: "more", value: String(next)))
            components.queryItems = items
            more = components.string ?? ""
        }
        let moreJSON = (try? JSONSerialization.data(withJSONObject: [more], options: [.withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() } ?? "\"\""
        let result = "{\"more\":\(moreJSON),\"statements\":[\(page.statements.joined(separator: ","))]}"
        return try await statementsAnswer(result, statements: page.statements, parameters: parameters, lastModified: page.lastStored)
    }

    /// The JSON answer; with `attachments=true`, multipart/mixed: the JSON, then the bytes of
    /// each attachment the statements name that the LRS keeps (xAPI-Communication 2.1.3).
    func statementsAnswer(_ json: String, statements: [String], parameters: [String: String], lastModified: Date?) async throws -> Response {
        // xAPI 2.0: Last-Modified is the newest `stored` answered.
        var headers = HTTPFields()
        if let lastModified { headers[.lastModified] = HTTPDate.format(Int(lastModified.timeIntervalSince1970)) }
        guard parameters["attachments"] == "true" else { return LRSRoutes.json(json, headers: headers) }
        let store = LRSStatements(database: database)
        let kept = try await lrsBlocking { () throws(LRSError) in try store.attachments(of: statements) }
        var parts = [MultipartMixed.Part(headers: ["Content-Type": "application/json"], body: Data(json.utf8))]
        for attachment in kept {
            parts.append(MultipartMixed.Part(headers: [
                "Content-Type": attachment.contentType, "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": attachment.sha2,
            ], body: attachment.content))
        }
        let (contentType, body) = MultipartMixed.render(parts)
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Documents

    func documentRoutes(_ kind: DocumentKey.Kind) -> RouteCollection<APIContext> {
        let routes = RouteCollection(context: APIContext.self)
        routes.getAndHead { request, context in try await getDocument(request, kind: kind, caller: try context.lrs()) }
        routes.put { request, context in try await putDocument(request, kind: kind, merge: false, caller: try context.lrs()) }
        routes.post { request, context in try await putDocument(request, kind: kind, merge: true, caller: try context.lrs()) }
        routes.delete { request, context in try await deleteDocument(request, kind: kind, caller: try context.lrs()) }
        return routes
    }

    /// The document key from the query: State is activityId + agent (+ registration) + stateId;
    /// Activity Profile activityId + profileId; Agent Profile agent + profileId.
    func documentKey(_ request: Request, kind: DocumentKey.Kind) throws -> DocumentKey {
        let parameters = LRSRoutes.parameters(request)
        var key = DocumentKey(kind: kind)
        if kind != .agentProfile {
            guard let activity = parameters["activityId"], XAPIIRI.isIRI(activity) else {
                throw Problem(.badRequest, "bad-request", "'activityId' (an IRI) is required")
            }
            key.activity = activity
        }
        if kind != .activityProfile {
            guard let agent = parameters["agent"], let agentKey = XAPIAgent.key(json: agent) else {
                throw Problem(.badRequest, "bad-request", "'agent' (an Agent as JSON) is required")
            }
            key.agent = agentKey
        }
        if kind == .state, let registration = parameters["registration"] {
            guard let uuid = UUID(uuidString: registration) else { throw Problem(.badRequest, "bad-request", "'registration' must be a UUID") }
            key.registration = uuid.uuidString.lowercased()
        }
        key.documentID = parameters[kind == .state ? "stateId" : "profileId"]
        return key
    }

    /// An AU reaches its own learner's State and Agent Profile and reads Activity Profiles; it
    /// cannot change or delete `LMS.LaunchData` (cmi5 10.2.1).
    func checkAUAccess(_ key: DocumentKey, caller: LRSCaller, write: Bool) throws {
        guard let au = caller.au else { return }
        if key.kind != .activityProfile, key.agent != XAPIAgent.key(json: au.actor) {
            throw Problem(.forbidden, "forbidden", "an AU reaches its own learner's documents only (the launch's actor)")
        }
        if write, key.kind == .activityProfile { throw Problem(.forbidden, "forbidden", "an AU reads activity profiles; it does not change them") }
        if write, key.kind == .state, key.documentID == nil || key.documentID == CMI5Vocabulary.launchDataID {
            throw Problem(.forbidden, "forbidden", "LMS.LaunchData is the platform's: an AU reads it and cannot change or delete it (cmi5 10.2.1)")
        }
    }

    func checkDocumentAccess(_ kind: DocumentKey.Kind, caller: LRSCaller, write: Bool) throws {
        let allowed = kind == .state ? (write ? caller.canUseState : caller.canReadState) : (write ? caller.canUseProfiles : caller.canReadProfiles)
        guard allowed else { throw Problem(.forbidden, "forbidden", "this credential may not \(write ? "change" : "read") \(kind.rawValue) documents") }
    }

    func getDocument(_ request: Request, kind: DocumentKey.Kind, caller: LRSCaller) async throws -> Response {
        try checkDocumentAccess(kind, caller: caller, write: false)
        let key = try documentKey(request, kind: kind)
        try checkAUAccess(key, caller: caller, write: false)
        let documents = LRSDocuments(database: database)
        if key.documentID == nil {
            var since: Date?
            if let text = LRSRoutes.parameters(request)["since"] {
                guard let date = try? Date(text, strategy: .iso8601) else { throw Problem(.badRequest, "bad-request", "'since' must be an ISO 8601 timestamp") }
                since = date
            }
            let after = since
            let ids = try await lrsBlocking { () throws(LRSError) in try documents.ids(key, since: after, societyID: caller.societyID) }
            let text = (try? JSONSerialization.data(withJSONObject: ids, options: [.withoutEscapingSlashes])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            return LRSRoutes.json(text)
        }
        guard let document = try await lrsBlocking({ () throws(LRSError) in try documents.get(key, societyID: caller.societyID) }) else {
            throw Problem(.notFound, "not-found", "no such document")
        }
        var headers = HTTPFields()
        headers[.contentType] = document.contentType
        headers[.eTag] = document.etag
        headers[.lastModified] = HTTPDate.format(Int(document.updated.timeIntervalSince1970))
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: document.content)))
    }

    func putDocument(_ request: Request, kind: DocumentKey.Kind, merge: Bool, caller: LRSCaller) async throws -> Response {
        try checkDocumentAccess(kind, caller: caller, write: true)
        let key = try documentKey(request, kind: kind)
        try checkAUAccess(key, caller: caller, write: true)
        guard key.documentID != nil else { throw Problem(.badRequest, "bad-request", "'\(kind == .state ? "stateId" : "profileId")' is required") }
        let content = Data(buffer: try await request.body.collect(upTo: configuration.maxBodyBytes))
        let type = request.headers[.contentType] ?? "application/octet-stream"
        let precondition = DocumentPrecondition(ifMatch: request.headers[.ifMatch], ifNoneMatch: request.headers[.ifNoneMatch],
                                                guardsState: LRSRoutes.answered(request.headers) == "2.0.0")
        let documents = LRSDocuments(database: database)
        let etag = try await lrsBlocking { () throws(LRSError) in
            try documents.put(key, content: content, contentType: type, merge: merge, precondition: precondition, societyID: caller.societyID)
        }
        return Response(status: .noContent, headers: [.eTag: etag])
    }

    func deleteDocument(_ request: Request, kind: DocumentKey.Kind, caller: LRSCaller) async throws -> Response {
        try checkDocumentAccess(kind, caller: caller, write: true)
        let key = try documentKey(request, kind: kind)
        try checkAUAccess(key, caller: caller, write: true)
        let precondition = DocumentPrecondition(ifMatch: request.headers[.ifMatch], ifNoneMatch: request.headers[.ifNoneMatch])
        let documents = LRSDocuments(database: database)
        try await lrsBlocking { () throws(LRSError) in try documents.delete(key, precondition: precondition, societyID: caller.societyID) }
        return Response(status: .noContent)
    }

    // MARK: Activities and Agents

    /// `GET /xapi/activities?activityId=`: the activity as the LRS knows it (its id, and the
    /// definition of the newest statement the caller may see that has one).
    func activity(_ request: Request, caller: LRSCaller) async throws -> Response {
        guard let id = LRSRoutes.parameters(request)["activityId"], XAPIIRI.isIRI(id) else {
            throw Problem(.badRequest, "bad-request", "'activityId' (an IRI) is required")
        }
        let reader = caller.reader ?? StatementReader(societyID: caller.societyID, onlyAuthority: caller.authority.agent)
        let statements = LRSStatements(database: database)
        let text = try await lrsBlocking { () throws(LRSError) in try statements.activity(id: id, reader: reader) }
        return LRSRoutes.json(text)
    }

    /// `GET /xapi/agents?agent=`: the Person object of an agent (its own identifiers and name).
    func person(_ request: Request, caller: LRSCaller) async throws -> Response {
        guard let text = LRSRoutes.parameters(request)["agent"], XAPIAgent.key(json: text) != nil,
              let agent = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        else { throw Problem(.badRequest, "bad-request", "'agent' (an Agent as JSON) is required") }
        var person: [String: Any] = ["objectType": "Person"]
        for key in ["name", "mbox", "mbox_sha1sum", "openid", "account"] { if let value = agent[key] { person[key] = [value] } }
        let data = (try? JSONSerialization.data(withJSONObject: person, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return LRSRoutes.json(String(decoding: data, as: UTF8.self))
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
