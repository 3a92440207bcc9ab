import Catalog
import ContentLibrary
import ContentStore
import CoursePackages
import Credentials
import Delivery
import Domain
import Enrollment
import Foundation
import GRDB
import PlayerWeb
import SocietyAPI
import Storage
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A platform with published courses, engineers enrolled in them, and `ecba serve`'s server
/// (society API and player) on a loopback port; sessions are at `<token>.localhost:<port>`.
final class PlayerWorld: @unchecked Sendable {
    let world: CatalogWorld
    let port: Int
    let server: Task<Void, any Error>
    let store: ContentStore
    /// The server's player (its content cache is the one the server answers from).
    let site: PlayerSite
    var database: AppDatabase { world.store.database }
    var base: String { "http://localhost:\(port)" }

    static let golf12 = "scorm12/rustici-golf__via-jcputney-elearning-module-parser/RuntimeBasicCalls_SCORM12"
    static let golf2004 = "scorm2004/rustici-golf__via-jcputney-elearning-module-parser/RuntimeBasicCalls_SCORM20043rdEdition"
    static let golf12Course = "cces/com.scorm.golfsamples.runtime.basicruntime.12"
    static let golf2004Course = "cces/com.scorm.golfsamples.runtime.basicruntime.20043rd"

    /// Imports and publishes `packages` (paths) for cces with 4 学时 each, and enrolls
    /// `engineers` in every one.
    /// `sessionCheck`: the site's (`PlayerSite`).
    init(packages: [String] = [PlayerWorld.golf12, PlayerWorld.golf2004], engineers: [String] = ["zhangsan"],
         sessionCheck: Duration = .seconds(1)) async throws {
        world = try CatalogWorld()
        let database = world.store.database
        store = try ContentStore(root: world.store.contentRoot)
        try world.appoint(3)
        let importer = ImportService(database: database, contentRoot: world.store.contentRoot, clock: world.clock.now)
        let outcomes = try importer.importPackages(packages.map { $0.hasPrefix("/") ? $0 : Paths.fixture($0) }, societyID: "cces", actor: "t", overrides: PackageOverrides(creditHours: 4, category: .professional))
        for outcome in outcomes {
            let id = try #require(outcome.submissionID, "\(outcome.source): \(outcome.diagnostics)")
            try world.approveByAll(id)
        }
        let people = EngineerService(database: database)
        let enrollments = EnrollmentService(database: database)
        for (index, engineer) in engineers.enumerated() {
            _ = try people.add(id: engineer, name: "学员\(index + 1)", societyID: "cces", memberNumber: "C-\(index + 1)", actor: "t")
            for outcome in outcomes { _ = try enrollments.enroll(engineerID: engineer, courseID: try #require(outcome.courseID), actor: "t") }
        }
        let port = try Self.freePort()
        self.port = port
        let keys = KeyDirectory(world.store.folder.appendingPathComponent("keys"))
        let site = PlayerSite(database: database, store: store, address: PlayerAddress(publicURL: "http://localhost:\(port)"), sessionCheck: sessionCheck)
        self.site = site
        let api = SocietyAPI(database: database, configuration: APIConfiguration(host: "127.0.0.1", port: port, keys: keys, player: site))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        server = Task { try await api.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        _ = await iterator.next()
    }

    deinit { server.cancel() }

    /// A port nothing listens on now (bound once to port 0 and released).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw DeliveryError(.storage, "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func launch(_ course: String = PlayerWorld.golf12Course, engineer: String = "zhangsan", lifetime: TimeInterval = 300) throws -> String {
        try LaunchService(database: database).launch(engineerID: engineer, courseID: course, baseURL: base, lifetime: lifetime, actor: "t").url
    }

    /// Opens a launch URL: the session token from the redirect.
    func session(_ course: String = PlayerWorld.golf12Course, engineer: String = "zhangsan") async throws -> String {
        let answer = try await HTTP.get(try launch(course, engineer: engineer))
        #expect(answer.status == 303)
        let location = try #require(answer.headers["location"])
        return String(try #require(URL(string: location)?.host).prefix(32))
    }

    /// A request to a session's origin (Host `<token>.localhost`) over loopback.
    func onSession(_ token: String, _ path: String, method: String = "GET", headers: [String: String] = [:], body: Data? = nil) async throws -> HTTP.Answer {
        var all = headers
        all["Host"] = "\(token).localhost:\(port)"
        return try await HTTP.call("http://127.0.0.1:\(port)\(path)", method: method, headers: all, body: body)
    }

    /// Runs `golf_learner.py` in headless Chromium (Debian's chromium, chromium-driver and
    /// python3-selenium): the JSON line it prints.
    /// With `leavingUntil`, the browser stays open after the learner leaves the page until the
    /// probe sees what the page sent on its way out (or a minute has passed).
    func learner(_ url: String, mode: String, pages: Int = 3, language: String = "zh-CN",
                 leavingUntil stored: (() throws -> Bool)? = nil) async throws -> [String: Any] {
        let result = try await Browser.run("golf_learner.py", [url, mode, String(pages), language], leavingUntil: stored)
        // The script's own words first: without Chromium, its driver or Selenium (.ci/run installs
        // them) it says which is missing, and there is no JSON to read.
        try #require(result.status == 0, "learner \(mode): \(result.stdout.prefix(3000)) \(result.stderr.suffix(2000))")
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    /// What the database holds for the engineer's course: enrollment status and standing awards.
    func standing(_ course: String, engineer: String = "zhangsan") throws -> (status: String, hours: Double) {
        let status = try database.text("SELECT status FROM enrollment WHERE engineer_id = ? AND course_id = ? ORDER BY id DESC", [.text(engineer), .text(course)])
        let hours = try database.peek("SELECT COALESCE(SUM(hours), 0) FROM credit_award WHERE engineer_id = ? AND course_id = ? AND revoked_at IS NULL",
                                      [.text(engineer), .text(course)]).first?.double(0)
        return (status ?? "", hours ?? 0)
    }
}

/// The browser scripts of `Tests/Browser`, run with Debian's python3 and Selenium.
enum Browser {
    /// Runs a script. With `leavingUntil`, the script (told by LEAVE_UNTIL) keeps the browser
    /// open after leaving its page until the probe holds, at most a minute: what a page sends on
    /// its way out is the server's to finish, however loaded the machine is, and a browser that
    /// quits first may take the request with it.
    static func run(_ script: String, _ arguments: [String], leavingUntil stored: (() throws -> Bool)? = nil) async throws -> CLI.Result {
        let path = Paths.repositoryRoot.appendingPathComponent("Tests/Browser/\(script)").path
        let done = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-left-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: done) }
        var environment = ["SE_OFFLINE": "true"]
        if stored != nil { environment["LEAVE_UNTIL"] = done.path }
        async let running = CLI.runDetached([path] + arguments, environment: environment, program: URL(fileURLWithPath: "/usr/bin/python3"))
        if let stored {
            _ = try await eventually(within: 60) { try stored() ? true : nil }
            try Data().write(to: done)
        }
        return try await running
    }
}

/// HTTP over loopback without following redirects (the API's tests and the player's).
enum HTTP {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var problemCode: String? { (json as? [String: Any])?["code"] as? String }
    }

    static func get(_ url: String, headers: [String: String] = [:]) async throws -> Answer {
        try await call(url, headers: headers)
    }

    /// One request on a connection of its own (`Connection: close`), on a thread of its own so
    /// that waiting never holds a cooperative thread the in-process server needs. A plain
    /// client, not URLSession: Foundation's on Linux waits forever on a 401 that carries
    /// `WWW-Authenticate: Basic` (the LRS's), and follows redirects the tests want to see.
    /// `localhost` and `*.localhost` (the player's session origins) connect to 127.0.0.1.
    static func call(_ url: String, method: String = "GET", headers: [String: String] = [:], body: Data? = nil) async throws -> Answer {
        let target = try #require(URLComponents(string: url))
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try exchange(target, method: method, headers: headers, body: body) })
            }.start()
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func exchange(_ url: URLComponents, method: String, headers: [String: String], body: Data?) throws -> Answer {
        let host = url.host ?? "127.0.0.1"
        let port = UInt16(url.port ?? 80)
        let socket = try connect(host, port: port)
        defer { close(socket) }
        var path = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
        if let query = url.percentEncodedQuery { path += "?" + query }
        var fields = headers
        if !fields.keys.contains(where: { $0.lowercased() == "host" }) { fields["Host"] = "\(host):\(port)" }
        fields["Connection"] = "close"
        if let body { fields["Content-Length"] = String(body.count) } else if method != "GET" && method != "HEAD" { fields["Content-Length"] = "0" }
        try send(socket, requestBytes(method, path, fields: fields, body: body))
        let received = try receiveAll(socket)
        var rest = received[...]
        return try answer(from: &rest, method: method)
    }

    /// GET requests on one keep-alive connection, all sent before any answer is read (HTTP/1.1
    /// pipelining; the last says `Connection: close`): the answers, in the order they came.
    static func pipelined(port: Int, _ requests: [(host: String, path: String, headers: [String: String])]) async throws -> [Answer] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result {
                    let socket = try connect("127.0.0.1", port: UInt16(port))
                    defer { close(socket) }
                    var bytes = Data()
                    for (index, request) in requests.enumerated() {
                        var fields = request.headers
                        fields["Host"] = request.host
                        if index == requests.count - 1 { fields["Connection"] = "close" }
                        bytes.append(requestBytes("GET", request.path, fields: fields, body: nil))
                    }
                    try send(socket, bytes)
                    var rest = try receiveAll(socket)[...]
                    var answers: [Answer] = []
                    while !rest.isEmpty { answers.append(try answer(from: &rest, method: "GET")) }
                    return answers
                })
            }.start()
        }
    }

    static func connect(_ host: String, port: UInt16) throws -> Int32 {
        let address = host == "localhost" || host.hasSuffix(".localhost") ? "127.0.0.1" : host
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var peer = sockaddr_in()
        peer.sin_family = sa_family_t(AF_INET)
        peer.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &peer.sin_addr) == 1 else {
            close(socket)
            throw Failure(description: "not an IPv4 address: \(address)")
        }
        let connected = withUnsafePointer(to: &peer) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect \(address):\(port): \(errno)")
        }
        return socket
    }

    static func requestBytes(_ method: String, _ path: String, fields: [String: String], body: Data?) -> Data {
        var request = Data("\(method) \(path) HTTP/1.1\r\n".utf8)
        for (name, value) in fields { request.append(Data("\(name): \(value)\r\n".utf8)) }
        request.append(Data("\r\n".utf8))
        if let body { request.append(body) }
        return request
    }

    static func send(_ socket: Int32, _ request: Data) throws {
        try request.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let count = Glibc.send(socket, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard count > 0 else { throw Failure(description: "send: \(errno)") }
                sent += count
            }
        }
    }

    /// Everything the server sends until it closes the connection.
    static func receiveAll(_ socket: Int32) throws -> Data {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else { throw Failure(description: "recv: \(errno) after \(received.count) bytes") }
            received.append(contentsOf: buffer[0..<count])
        }
        return received
    }

    /// The first answer in `data`, which loses its bytes: the body is Content-Length long, chunked,
    /// or (neither) everything left.
    static func answer(from data: inout Data.SubSequence, method: String) throws -> Answer {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { throw Failure(description: "no HTTP head in \(data.count) bytes") }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = head.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line \(head.first ?? "")") }
        var answerHeaders: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            answerHeaders[name] = answerHeaders[name].map { "\($0), \(value)" } ?? value
        }
        var content: Data
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) {
            content = Data()
            data = data[split.upperBound...]
        } else if let length = answerHeaders["content-length"].flatMap({ Int($0) }) {
            guard split.upperBound + length <= data.endIndex else { throw Failure(description: "short body: \(length) expected") }
            content = Data(data[split.upperBound..<(split.upperBound + length)])
            data = data[(split.upperBound + length)...]
        } else if answerHeaders["transfer-encoding"]?.lowercased().contains("chunked") == true {
            content = try dechunk(Data(data[split.upperBound...]))
            data = data[data.endIndex...]
        } else {
            content = Data(data[split.upperBound...])
            data = data[data.endIndex...]
        }
        return Answer(status: status, headers: answerHeaders, body: content)
    }

    static func dechunk(_ data: Data) throws -> Data {
        var output = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { throw Failure(description: "bad chunk") }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw Failure(description: "bad chunk size") }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard start + size <= data.endIndex else { throw Failure(description: "short chunk") }
            output.append(data[start..<(start + size)])
            index = start + size + 2
        }
        return output
    }
}
