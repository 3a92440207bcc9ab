import Crypto
import Domain
import Foundation

/// One xAPI 1.0.3 statement, checked for structure and reduced to what the platform uses.
/// The body is kept as received (evidence); `signature` identifies its content for the store
/// rules (it ignores `stored`, `authority`, `version` and how `timestamp` is written).
struct XAPIStatement {
    /// Lower-case UUID; generated when the statement had none.
    var id: String
    var idWasGiven: Bool
    var verb: String
    var actor: Actor
    var objectID: String
    /// `StatementRef` for voiding statements.
    var objectType: String?
    var registration: UUID?
    var score: Double?
    var durationSeconds: Int?
    var timestamp: Date?
    var signature: String
    /// The statement as received with `id` (if generated) and `stored` to be added by the store.
    var object: [String: Any]

    enum Actor: Hashable {
        case mbox(String)
        case account(homePage: String, name: String)
        /// `mbox_sha1sum` or `openid`: valid xAPI, but the platform cannot map it to an engineer.
        case other(String)
    }

    static let voided = "http://adlnet.gov/expapi/verbs/voided"

    /// Verbs that change progress; all others are kept as evidence only.
    static let outcomes: [String: ProgressOutcome] = [
        "http://adlnet.gov/expapi/verbs/completed": .completed,
        "http://adlnet.gov/expapi/verbs/passed": .passed,
        "http://adlnet.gov/expapi/verbs/failed": .failed,
    ]

    struct Invalid: Error {
        var message: String
    }

    /// Checks one statement's structure (xAPI-Data.md 2.2-2.4).
    init(_ value: Any) throws(Invalid) {
        guard var object = value as? [String: Any] else { throw Invalid(message: "a statement must be a JSON object") }
        if let given = object["id"] {
            guard let text = given as? String, let uuid = UUID(uuidString: text) else { throw Invalid(message: "'id' must be a UUID") }
            id = uuid.uuidString.lowercased()
            idWasGiven = true
        } else {
            id = UUID().uuidString.lowercased()
            idWasGiven = false
            object["id"] = id
        }
        guard let actor = object["actor"] as? [String: Any] else { throw Invalid(message: "'actor' is required and must be an object") }
        let identifiers = ["mbox", "mbox_sha1sum", "openid", "account"].filter { actor[$0] != nil }
        guard identifiers.count == 1 else {
            throw Invalid(message: "an agent needs exactly one of mbox, mbox_sha1sum, openid, account (found \(identifiers.count))")
        }
        switch identifiers[0] {
        case "mbox":
            guard let mbox = actor["mbox"] as? String, mbox.hasPrefix("mailto:"), mbox.count > 7 else {
                throw Invalid(message: "'actor.mbox' must be a mailto: IRI")
            }
            self.actor = .mbox(String(mbox.dropFirst(7)).lowercased())
        case "account":
            guard let account = actor["account"] as? [String: Any], let home = account["homePage"] as? String,
                  let name = account["name"] as? String else {
                throw Invalid(message: "'actor.account' needs homePage and name")
            }
            self.actor = .account(homePage: home, name: name)
        default:
            self.actor = .other(identifiers[0])
        }
        guard let verb = object["verb"] as? [String: Any], let verbID = verb["id"] as? String, !verbID.isEmpty else {
            throw Invalid(message: "'verb.id' is required")
        }
        self.verb = verbID
        guard let target = object["object"] as? [String: Any], let targetID = target["id"] as? String, !targetID.isEmpty else {
            throw Invalid(message: "'object.id' is required")
        }
        objectID = targetID
        objectType = target["objectType"] as? String
        if verbID == Self.voided {
            guard objectType == "StatementRef", UUID(uuidString: targetID) != nil else {
                throw Invalid(message: "a voiding statement's object must be a StatementRef with a statement id")
            }
            objectID = targetID.lowercased()
        }
        if let context = object["context"] as? [String: Any], let registration = context["registration"] {
            guard let text = registration as? String, let uuid = UUID(uuidString: text) else {
                throw Invalid(message: "'context.registration' must be a UUID")
            }
            self.registration = uuid
        }
        if let result = object["result"] as? [String: Any] {
            if let score = result["score"] as? [String: Any], let scaled = score["scaled"] {
                guard let number = (scaled as? NSNumber)?.doubleValue, (-1...1).contains(number) else {
                    throw Invalid(message: "'result.score.scaled' must be a number from -1 to 1")
                }
                self.score = number
            }
            if let duration = result["duration"] {
                guard let text = duration as? String, let seconds = Durations.seconds(iso8601: text) else {
                    throw Invalid(message: "'result.duration' must be an ISO 8601 duration")
                }
                durationSeconds = seconds
            }
        }
        var canonical = object
        canonical["id"] = id
        for ignored in ["stored", "authority", "version"] { canonical.removeValue(forKey: ignored) }
        if let stamp = object["timestamp"] {
            guard let text = stamp as? String, let date = Self.parseTimestamp(text) else {
                throw Invalid(message: "'timestamp' must be an ISO 8601 date-time")
            }
            timestamp = date
            canonical["timestamp"] = date.timeIntervalSince1970
        }
        guard let data = try? JSONSerialization.data(withJSONObject: canonical, options: [.sortedKeys]) else {
            throw Invalid(message: "the statement cannot be serialised")
        }
        signature = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        self.object = object
    }

    static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The body to store: as received, `id` filled in, `stored` set by us.
    func body(stored: Date) -> String {
        var object = object
        object["stored"] = stored.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a JSON array of statements, a single statement, or one statement per line.
    static func parseBatch(_ data: Data) throws(Invalid) -> [Any] {
        let first = data.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }
        if first == UInt8(ascii: "[") {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw Invalid(message: "the file starts like a JSON array but is not valid JSON")
            }
            return array
        }
        if let single = try? JSONSerialization.jsonObject(with: data), single is [String: Any] {
            return [single]
        }
        var statements: [Any] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
            guard let value = try? JSONSerialization.jsonObject(with: Data(line)) else {
                throw Invalid(message: "line \(lineNumber) is not a JSON statement")
            }
            statements.append(value)
        }
        return statements
    }
}
