import Crypto
import Domain
import Foundation

/// One xAPI 1.0.3 statement, checked for structure and reduced to what the platform uses,
/// ready for the store. The body is kept as received (evidence); `signature` identifies its
/// content for the store rules (it ignores `stored`, `authority`, `version` and how
/// `timestamp` is written).
struct XAPIStatement: Sendable {
    /// Lower-case UUID; generated when the statement had none.
    var id: String
    var verb: String
    var actor: Actor
    var objectID: String
    /// The statement its object refers to, when the object is a StatementRef.
    var targets: String?
    var registration: UUID?
    /// The registration as stored and indexed (lower case), written once where it is parsed.
    var registrationText: String?
    var score: Double?
    var durationSeconds: Int?
    var timestamp: Date?
    var signature: String
    /// The body to store: the statement's own text as received when it carried its id;
    /// otherwise serialised with the generated `id`. (`stored` is its own column.)
    var body: String
    /// The agents (by `Agent.key`) and activity ids the statement names, `direct` for its actor
    /// and object, for the LRS's queries (`agent`, `activity`, `related_agents`, `related_activities`).
    var agents: [(key: String, direct: Bool)] = []
    var activities: [(id: String, direct: Bool)] = []

    enum Actor: Hashable, Sendable {
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

    /// Checks one statement against every statement rule (`XAPIValidation`, xAPI-Data 2.2-2.6 and 4) and
    /// reduces it to what the store uses; `received` is its text as sent.
    init(_ value: JSONValue, received: String?) throws(Invalid) {
        guard value.isObject else { throw Invalid(message: "a statement must be a JSON object") }
        let timestamp = try XAPIValidation.statement(value)
        // xAPI-Data 2.4.6.2: context activities are kept (and answered) as arrays, even one sent alone.
        let normalized = Self.withContextActivityArrays(value)
        var object = normalized ?? value
        let idWasGiven: Bool
        if let given = value["id"]?.string, let uuid = Self.uuid(given) {
            id = uuid.text
            idWasGiven = true
        } else {
            id = UUID().uuidString.lowercased()
            idWasGiven = false
            object = object.setting("id", to: .string(id))
        }
        let actor = value["actor"] ?? .null
        if let mbox = actor["mbox"]?.string {
            self.actor = .mbox(String(mbox.dropFirst(7)).lowercased())
        } else if let home = actor["account"]?["homePage"]?.string, let name = actor["account"]?["name"]?.string {
            self.actor = .account(homePage: home, name: name)
        } else {
            // mbox_sha1sum, openid, or an anonymous Group: valid xAPI no engineer is known by.
            self.actor = .other(["mbox_sha1sum", "openid"].first { actor[$0] != nil } ?? "an anonymous group")
        }
        verb = value["verb"]?["id"]?.string ?? ""
        let target = value["object"] ?? .null
        switch target["objectType"]?.string ?? "Activity" {
        case "Activity": objectID = target["id"]?.string ?? ""
        case "StatementRef":
            objectID = target["id"]?.string.flatMap { Self.uuid($0)?.text } ?? ""
            targets = objectID
        default: objectID = ""
        }
        if verb == Self.voided, target["objectType"]?.string != "StatementRef" {
            throw Invalid(message: "a voiding statement's object must be a StatementRef with a statement id")
        }
        let registration = value["context"]?["registration"]?.string.flatMap { Self.uuid($0) }
        self.registration = registration?.value
        registrationText = registration?.text
        score = value["result"]?["score"]?["scaled"]?.number
        durationSeconds = value["result"]?["duration"]?.string.flatMap { Durations.seconds(iso8601: $0) }
        var canonical = object.setting("id", to: .string(id)).removing(["stored", "authority", "version"])
        // xAPI-Data 4.6: durations compare to the hundredth of a second.
        if let duration = value["result"]?["duration"]?.string, let hundredths = XAPIDuration.hundredths(duration), let result = canonical["result"] {
            canonical = canonical.setting("result", to: result.setting("duration", to: .string(hundredths)))
        }
        if let timestamp {
            self.timestamp = timestamp
            canonical = canonical.setting("timestamp", to: .number(timestamp.timeIntervalSince1970))
        }
        (agents, activities) = Self.named(in: value)
        signature = CanonicalJSON.hex(SHA256.hash(data: CanonicalJSON.bytes(canonical)))
        if idWasGiven, normalized == nil, let received {
            body = received
        } else {
            body = String(decoding: CanonicalJSON.bytes(object), as: UTF8.self)
        }
    }

    /// The statement with each context activity given alone put in an array (its own context and
    /// a SubStatement's); nil when every one already is.
    static func withContextActivityArrays(_ statement: JSONValue) -> JSONValue? {
        func arrays(_ holder: JSONValue) -> JSONValue? {
            guard case .object(let lists)? = holder["context"]?["contextActivities"],
                  lists.contains(where: { if case .object = $0.value { true } else { false } }),
                  let context = holder["context"] else { return nil }
            let fixed = JSONValue.object(lists.map { entry in
                if case .object = entry.value { (entry.key, .array([entry.value])) } else { entry }
            })
            return holder.setting("context", to: context.setting("contextActivities", to: fixed))
        }
        var result = arrays(statement)
        let current = result ?? statement
        if current["object"]?["objectType"]?.string == "SubStatement", let sub = current["object"], let fixed = arrays(sub) {
            result = current.setting("object", to: fixed)
        }
        return result
    }

    /// An agent's or identified group's inverse functional identifier as one string
    /// (`mbox:mailto:…`, `mbox_sha1sum:…`, `openid:…`, `account:<homePage> <name>`); nil without one.
    static func agentKey(_ agent: JSONValue) -> String? {
        if let mbox = agent["mbox"]?.string { return "mbox:" + mbox }
        if let sha = agent["mbox_sha1sum"]?.string { return "mbox_sha1sum:" + sha.lowercased() }
        if let openid = agent["openid"]?.string { return "openid:" + openid }
        if let home = agent["account"]?["homePage"]?.string, let name = agent["account"]?["name"]?.string { return "account:\(home) \(name)" }
        return nil
    }

    /// The agents and activities a statement names: its actor and object directly; its
    /// context's instructor and team, its context activities and a sub-statement's
    /// actor and object as related. (The authority is the LRS's, added when stored.)
    static func named(in statement: JSONValue) -> (agents: [(key: String, direct: Bool)], activities: [(id: String, direct: Bool)]) {
        var agents: [(key: String, direct: Bool)] = []
        var activities: [(id: String, direct: Bool)] = []
        func agent(_ value: JSONValue?, direct: Bool) {
            guard let value else { return }
            if let key = agentKey(value) { agents.append((key, direct)) }
            if case .array(let members)? = value["member"] {
                for member in members { if let key = agentKey(member) { agents.append((key, direct)) } }
            }
        }
        func object(_ value: JSONValue?, direct: Bool) {
            guard let value else { return }
            switch value["objectType"]?.string ?? "Activity" {
            case "Activity": if let id = value["id"]?.string { activities.append((id, direct)) }
            case "Agent", "Group": agent(value, direct: direct)
            case "SubStatement":
                agent(value["actor"], direct: false)
                object(value["object"], direct: false)
                context(value["context"])
            default: break
            }
        }
        func context(_ value: JSONValue?) {
            guard let value else { return }
            agent(value["instructor"], direct: false)
            agent(value["team"], direct: false)
            if let groups = value["contextActivities"], case .object(let members) = groups {
                for (_, member) in members {
                    switch member {
                    case .array(let list): for item in list { if let id = item["id"]?.string { activities.append((id, false)) } }
                    case .object: if let id = member["id"]?.string { activities.append((id, false)) }
                    default: break
                    }
                }
            }
        }
        agent(statement["actor"], direct: true)
        object(statement["object"], direct: true)
        context(statement["context"])
        var seenAgents = Set<String>()
        var seenActivities = Set<String>()
        // Direct first, so that a key named both ways is kept as direct.
        agents = agents.sorted { $0.direct && !$1.direct }.filter { seenAgents.insert($0.key).inserted }
        activities = activities.sorted { $0.direct && !$1.direct }.filter { seenActivities.insert($0.id).inserted }
        return (agents, activities)
    }

    /// A UUID in its 36-character form (either case), and that form in lower case; nil for
    /// anything else. (Foundation's parser goes through `sscanf`, a cost per statement; this one
    /// allocates only the lower-case text.)
    static func uuid(_ text: String) -> (value: UUID, text: String)? {
        var text = text
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var valid = true
        let lower = text.withUTF8 { bytes -> String in
            guard bytes.count == 36 else { valid = false; return "" }
            return String(unsafeUninitializedCapacity: 36) { output in
                withUnsafeMutableBytes(of: &raw) { raw in
                    var nibble = 0
                    for index in 0..<36 {
                        let byte = bytes[index]
                        if index == 8 || index == 13 || index == 18 || index == 23 {
                            guard byte == UInt8(ascii: "-") else { valid = false; return 0 }
                            output[index] = byte
                            continue
                        }
                        let value: UInt8
                        switch byte {
                        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
                        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
                        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
                        default: valid = false; return 0
                        }
                        output[index] = value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
                        raw[nibble / 2] |= nibble % 2 == 0 ? value << 4 : value
                        nibble += 1
                    }
                    return 36
                }
            }
        }
        guard valid else { return nil }
        return (UUID(uuid: raw), lower)
    }

    /// An ISO 8601 date-time with a time zone. Whole seconds in the common spellings
    /// (`YYYY-MM-DDTHH:MM:SS` then `Z`, `±HH:MM`, `±HHMM` or `±HH`, ordinary values) are read
    /// from the bytes: Foundation's parser cost a fifteenth of all parsing. Fractions, years
    /// before 1600 (Foundation's calendar is Julian before 1582) and anything else
    /// goes to Foundation, whose result the fast path reproduces exactly (the tests compare them).
    static func parseTimestamp(_ text: String) -> Date? {
        var text = text
        if let date = text.withUTF8({ fastTimestamp($0) }) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    private static func fastTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                let digit = Int(bytes[index]) &- 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2),
              year >= 1600, (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        guard day <= (month == 2 && leap ? 29 : monthDays[month - 1]) else { return nil }
        // Whole seconds only: with a fraction, Foundation's arithmetic differs from a plain
        // sum in the last bit about once in 10,000 (measured), so those are left to it.
        let position = 19
        var offset = 0
        switch bytes[position] {
        case UInt8(ascii: "Z"):
            guard position + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[position] == UInt8(ascii: "+") ? 1 : -1
            let rest = bytes.count - position - 1
            guard let hours = number(position + 1, 2), hours < 24 else { return nil }
            var minutes = 0
            switch rest {
            case 2: break
            case 4: guard let value = number(position + 3, 2) else { return nil }; minutes = value
            case 5:
                guard bytes[position + 3] == UInt8(ascii: ":"), let value = number(position + 4, 2) else { return nil }
                minutes = value
            default: return nil
            }
            guard minutes < 60 else { return nil }
            offset = sign * (hours * 3_600 + minutes * 60)
        default: return nil
        }
        let seconds = CivilCalendar.days(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Date(timeIntervalSinceReferenceDate: Double(seconds - 978_307_200))
    }

    /// A batch as found in the input: statements already parsed (a JSON array, or one
    /// statement over several lines), or the byte ranges of one statement per line, parsed later
    /// (in parallel) by `parseLine`.
    enum Batch {
        case values([(value: JSONValue, text: String)])
        case lines([(range: Range<Int>, line: Int)])
    }

    /// Splits the input: a JSON array of statements, a single statement, or one per line.
    static func split(_ data: Data) throws(Invalid) -> Batch {
        let result: Result<Batch, Invalid> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let first = bytes.firstIndex { !isSpace($0) && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
            guard let first else { return .success(.lines([])) }
            if bytes[first] == UInt8(ascii: "[") {
                do throws(JSONValue.ParseError) {
                    let body = UnsafeBufferPointer(rebasing: bytes[first...])
                    return .success(.values(try JSONValue.parseArrayElements(body).map { ($0.value, text(body, $0.range)) }))
                } catch {
                    return .failure(Invalid(message: "the file starts like a JSON array but is not valid JSON at byte \(error.offset + first): \(error.message)"))
                }
            }
            var lines: [(range: Range<Int>, line: Int)] = []
            var lineStart = first
            var lineNumber = 1 + bytes[..<first].count(where: { $0 == 0x0A })
            while lineStart < bytes.count {
                let lineEnd = lineFeed(in: bytes, from: lineStart) ?? bytes.count
                if bytes[lineStart..<lineEnd].contains(where: { !isSpace($0) }) { lines.append((lineStart..<lineEnd, lineNumber)) }
                lineStart = lineEnd + 1
                lineNumber += 1
            }
            // One statement over several lines is a single statement, not one per line.
            if lines.count > 1, bytes[lines[0].range].last(where: { !isSpace($0) }) != UInt8(ascii: "}"),
               let single = try? JSONValue.parse(UnsafeBufferPointer(rebasing: bytes[first...])), single.isObject {
                return .success(.values([(single, text(UnsafeBufferPointer(rebasing: bytes[first...]), 0..<(bytes.count - first)))]))
            }
            return .success(.lines(lines))
        }
        return try result.get()
    }

    /// The offset of the first line feed in `bytes` at or after `start`, found by memchr (the
    /// generic search compared byte by byte: a few per cent of a file import's time).
    private static func lineFeed(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count,
              let found = memchr(base + start, 0x0A, bytes.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Parses the statement on one line of `data`.
    static func parseLine(_ data: Data, _ range: Range<Int>, line: Int) throws(Invalid) -> (value: JSONValue, text: String) {
        let result: Result<(value: JSONValue, text: String), Invalid> = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let slice = UnsafeBufferPointer(rebasing: bytes[range])
            do throws(JSONValue.ParseError) {
                return .success((try JSONValue.parse(slice), text(slice, 0..<slice.count)))
            } catch {
                return .failure(Invalid(message: "line \(line) is not a JSON statement: \(error.message)"))
            }
        }
        return try result.get()
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// The text of `range` without surrounding white space.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[lower..<upper]), as: UTF8.self)
    }
}

/// Agents as the LRS names them in its indexes and its document keys.
public enum XAPIAgent {
    /// The key of an Agent or identified Group given as JSON (the `agent` parameter of the
    /// statement query and the document resources); nil when it is not JSON with exactly one
    /// inverse functional identifier.
    public static func key(json text: String) -> String? {
        guard let value = try? JSONValue.parse(Array(text.utf8)), value.isObject else { return nil }
        let identifiers = ["mbox", "mbox_sha1sum", "openid", "account"].filter { value[$0] != nil }
        guard identifiers.count == 1 else { return nil }
        if let mbox = value["mbox"] { guard let text = mbox.string, text.hasPrefix("mailto:") else { return nil } }
        return XAPIStatement.agentKey(value)
    }
}

/// Durations as xAPI compares them (xAPI-Data 4.6): to the hundredth of a second.
public enum XAPIDuration {
    /// A duration with its seconds cut to hundredths (`PT1.2345S` is `PT1.23S`); nil when it
    /// has no finer fraction.
    public static func hundredths(_ duration: String) -> String? {
        guard duration.hasSuffix("S"), let dot = duration.lastIndex(where: { $0 == "." || $0 == "," }) else { return nil }
        let fraction = duration[duration.index(after: dot)..<duration.index(before: duration.endIndex)]
        guard fraction.count > 2, fraction.allSatisfy(\.isASCII) else { return nil }
        return String(duration[...dot]) + fraction.prefix(2) + "S"
    }
}

/// IRIs as xAPI uses them (RFC 3987): a scheme, a colon, and no spaces.
public enum XAPIIRI {
    /// A scheme (a letter, then letters, digits, `+`, `-`, `.`), a colon, and no space; on the
    /// UTF-8 bytes (every statement names several IRIs).
    public static func isIRI(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let first = bytes.first, (first | 0x20) >= 97, (first | 0x20) <= 122 else { return false }
            var index = 1
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                let byte = bytes[index]
                let letter = (byte | 0x20) >= 97 && (byte | 0x20) <= 122
                guard letter || (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") else {
                    return false
                }
                index += 1
            }
            guard index < bytes.count else { return false }
            return !bytes.contains(0x20)
        }
    }
}
