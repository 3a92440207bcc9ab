import Domain
import Enrollment
import Foundation
import Storage

/// Who reads statements, and so which ones it may see: a society's credential sees what its
/// society's credentials stored and what is about its members; with `statements/read/mine`
/// only what it stored itself. The platform (the CLI) sees everything.
public struct StatementReader: Sendable {
    public var societyID: String?
    /// The authority (Agent JSON) whose statements alone are visible, for `read/mine`.
    public var onlyAuthority: String?

    public init(societyID: String?, onlyAuthority: String? = nil) {
        self.societyID = societyID
        self.onlyAuthority = onlyAuthority
    }

    public static let platform = StatementReader(societyID: nil)
}

/// The statement resource's GET parameters (xAPI-Communication.md 2.1.3).
public struct StatementQuery: Sendable {
    public enum Format: String, Sendable { case exact, ids, canonical }

    public var agent: String?
    public var verb: String?
    public var activity: String?
    public var registration: String?
    public var relatedActivities = false
    public var relatedAgents = false
    public var since: String?
    public var until: String?
    public var limit = 0
    public var format = Format.exact
    public var ascending = false
    /// Where a `more` page starts (an opaque cursor the LRS gave).
    public var cursor: Int64?

    /// The parameters the LRS knows; any other is a 400, as a misspelt filter would silently
    /// return everything.
    public static let parameters: Set<String> = ["agent", "verb", "activity", "registration", "related_activities", "related_agents", "since",
                                                 "until", "limit", "format", "attachments", "ascending", "more"]

    /// Parses the query string's parameters (already percent-decoded).
    public init(_ parameters: [String: String]) throws(LRSError) {
        if let unknown = parameters.keys.first(where: { !Self.parameters.contains($0) }) {
            throw LRSError(.badRequest, "unknown parameter '\(unknown)'")
        }
        if let agent = parameters["agent"] {
            guard let key = XAPIAgent.key(json: agent) else { throw LRSError(.badRequest, "'agent' must be an Agent or identified Group as JSON") }
            self.agent = key
        }
        if let verb = parameters["verb"] {
            guard XAPIIRI.isIRI(verb) else { throw LRSError(.badRequest, "'verb' must be an IRI") }
            self.verb = verb
        }
        if let activity = parameters["activity"] {
            guard XAPIIRI.isIRI(activity) else { throw LRSError(.badRequest, "'activity' must be an IRI") }
            self.activity = activity
        }
        if let registration = parameters["registration"] {
            guard let uuid = UUID(uuidString: registration) else { throw LRSError(.badRequest, "'registration' must be a UUID") }
            self.registration = uuid.uuidString.lowercased()
        }
        relatedActivities = try Self.flag(parameters, "related_activities")
        relatedAgents = try Self.flag(parameters, "related_agents")
        ascending = try Self.flag(parameters, "ascending")
        _ = try Self.flag(parameters, "attachments")
        for name in ["since", "until"] {
            guard let text = parameters[name] else { continue }
            guard let date = Self.timestamp(text) else { throw LRSError(.badRequest, "'\(name)' must be an ISO 8601 timestamp") }
            if name == "since" { since = date.iso8601 } else { until = date.iso8601 }
        }
        if let text = parameters["limit"] {
            guard let number = Int(text), number >= 0 else { throw LRSError(.badRequest, "'limit' must be a non-negative integer") }
            limit = number
        }
        if let text = parameters["format"] {
            guard let format = Format(rawValue: text) else { throw LRSError(.badRequest, "'format' is ids, exact or canonical") }
            self.format = format
        }
        if let more = parameters["more"] {
            guard let value = Int64(more), value > 0 else { throw LRSError(.badRequest, "'more' is not a cursor this LRS gave") }
            cursor = value
        }
    }

    static func flag(_ parameters: [String: String], _ name: String) throws(LRSError) -> Bool {
        guard let text = parameters[name] else { return false }
        switch text {
        case "true": return true
        case "false": return false
        default: throw LRSError(.badRequest, "'\(name)' is true or false")
        }
    }


    static func timestamp(_ text: String) -> Date? {
        if let date = Date(iso8601: text) { return date }
        return try? Date(text, strategy: .iso8601)
    }
}

/// One page of a statement query: the statements (as JSON text, in order) and the cursor of
/// the next page, if there is one.
public struct StatementPage: Sendable {
    public var statements: [String]
    public var next: Int64?
    /// The newest `stored` of the page (xAPI 2.0's Last-Modified); nil for an empty page.
    public var lastStored: Date?
}
