import Crypto
import ContentStore
import Domain
import Enrollment
import Foundation
import Storage

/// Which document resource, and the keys that name one document of it.
public struct DocumentKey: Sendable, Equatable {
    public enum Kind: String, Sendable { case state, activityProfile = "activity-profile", agentProfile = "agent-profile" }

    public var kind: Kind
    public var activity = ""
    /// `XAPIAgent.key` of the agent.
    public var agent = ""
    public var registration = ""
    /// The stateId / profileId; nil addresses all of them (GET ids, DELETE all State).
    public var documentID: String?

    public init(kind: Kind, activity: String = "", agent: String = "", registration: String = "", documentID: String? = nil) {
        self.kind = kind
        self.activity = activity
        self.agent = agent
        self.registration = registration
        self.documentID = documentID
    }
}

/// A stored document.
public struct LRSDocument: Sendable {
    public var contentType: String
    public var content: Data
    /// The quoted SHA-1 of the content.
    public var etag: String
    public var updated: Date
    /// The society whose credential wrote it (nil: the platform).
    public var societyID: String?
}

/// What a write must find first (If-Match / If-None-Match).
public struct DocumentPrecondition: Sendable {
    public var ifMatch: String?
    public var ifNoneMatch: String?
    /// xAPI 2.0 guards State as 1.0.3 guards profiles: a PUT over an existing document needs
    /// If-Match or If-None-Match. (1.0.3 State is overwritten blind, as cmi5 content expects.)
    public var guardsState: Bool

    public init(ifMatch: String?, ifNoneMatch: String?, guardsState: Bool = false) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.guardsState = guardsState
    }

    var isEmpty: Bool { ifMatch == nil && ifNoneMatch == nil }
}

/// The State, Activity Profile and Agent Profile resources: documents under their keys, with
/// the concurrency rules of xAPI-Communication.md 3.1 (ETags, If-Match, If-None-Match; a
/// profile overwritten without one is a 409) and JSON merge on POST.
public struct LRSDocuments: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    public func get(_ key: DocumentKey, societyID: String?) throws(LRSError) -> LRSDocument? {
        guard let id = key.documentID else { throw LRSError(.badRequest, "name the document") }
        do {
            return try database.reading("reading a document") { sql in try Self.document(key, id: id, societyID: societyID, on: sql) }
        } catch { throw LRSError(.storage, "\(error)") }
    }

    /// The ids of the documents under the key's other parts, changed after `since` when given.
    public func ids(_ key: DocumentKey, since: Date?, societyID: String?) throws(LRSError) -> [String] {
        do {
            return try database.reading("listing documents") { sql in
                let (visible, owner) = Self.visible(to: societyID)
                var arguments: [SQLValue] = [.text(key.kind.rawValue), .text(key.activity), .text(key.agent), .text(key.registration), .text(key.registration)]
                if let since { arguments.append(.text(since.iso8601)) }
                return try sql.rows("""
                    SELECT document_id FROM xapi_document WHERE kind = ? AND activity = ? AND agent = ? AND (? = '' OR registration = ?)
                    \(since == nil ? "" : "AND updated > ?") AND \(visible) ORDER BY document_id
                    """, arguments + owner).compactMap { $0.text(0) }
            }
        } catch { throw LRSError(.storage, "\(error)") }
    }

    /// PUT (replace) or POST (merge into a JSON object). Answers the new ETag.
    @discardableResult
    public func put(_ key: DocumentKey, content: Data, contentType: String, merge: Bool, precondition: DocumentPrecondition,
                    societyID: String?) throws(LRSError) -> String {
        guard let id = key.documentID else { throw LRSError(.badRequest, "name the document (stateId or profileId)") }
        let now = clock()
        return try database.lrs(at: now) { tx in
            let existing = try Self.document(key, id: id, societyID: nil, on: tx.sql)
            if let existing, let societyID, existing.societyID != societyID {
                throw LRSError(.forbidden, "this document belongs to another society")
            }
            try Self.check(precondition, existing: existing, guarded: (key.kind != .state || precondition.guardsState) && !merge)
            var content = content
            var type = contentType
            if merge, let existing {
                guard Self.isJSON(existing.contentType), Self.isJSON(contentType),
                      let old = try? JSONSerialization.jsonObject(with: existing.content) as? [String: Any],
                      let new = try? JSONSerialization.jsonObject(with: content) as? [String: Any]
                else { throw LRSError(.badRequest, "POST merges JSON objects only: the stored document or this one is not a JSON object") }
                content = try JSONSerialization.data(withJSONObject: old.merging(new) { _, newer in newer }, options: [.sortedKeys, .withoutEscapingSlashes])
                type = "application/json"
            } else if merge {
                guard !Self.isJSON(contentType) || (try? JSONSerialization.jsonObject(with: content)) is [String: Any] else {
                    throw LRSError(.badRequest, "a document POSTed as JSON must be a JSON object")
                }
            }
            return try Self.write(key, id: id, content: content, contentType: type, societyID: societyID, at: now, on: tx.sql)
        }
    }

    /// Writes a document as it is (no precondition, no merge), in the caller's transaction: the
    /// platform's own documents (cmi5's `LMS.LaunchData`). Answers the new ETag.
    @discardableResult
    public static func write(_ key: DocumentKey, id: String, content: Data, contentType: String, societyID: String?, at now: Date,
                             on sql: any SQLConnection) throws -> String {
        let etag = "\"\(Insecure.SHA1.hash(data: content).hexString)\""
        try sql.execute("""
            INSERT INTO xapi_document (kind, activity, agent, registration, document_id, content_type, content, etag, updated, society_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (kind, activity, agent, registration, document_id)
            DO UPDATE SET content_type = excluded.content_type, content = excluded.content, etag = excluded.etag, updated = excluded.updated
            """, [.text(key.kind.rawValue), .text(key.activity), .text(key.agent), .text(key.registration), .text(id), .text(contentType),
                  .blob(Array(content)), .text(etag), .text(now.iso8601), SQLValue(societyID)])
        return etag
    }

    /// DELETE one document, or (State, no stateId) all of the agent's for the activity.
    public func delete(_ key: DocumentKey, precondition: DocumentPrecondition, societyID: String?) throws(LRSError) {
        try database.lrs(at: clock()) { tx in
            let (visible, owner) = Self.visible(to: societyID)
            if let id = key.documentID {
                let existing = try Self.document(key, id: id, societyID: societyID, on: tx.sql)
                try Self.check(precondition, existing: existing, guarded: false)
                try tx.sql.execute("""
                    DELETE FROM xapi_document WHERE kind = ? AND activity = ? AND agent = ? AND registration = ? AND document_id = ? AND \(visible)
                    """, [.text(key.kind.rawValue), .text(key.activity), .text(key.agent), .text(key.registration), .text(id)] + owner)
            } else {
                guard key.kind == .state else { throw LRSError(.badRequest, "name the profile to delete (profileId)") }
                try tx.sql.execute("""
                    DELETE FROM xapi_document WHERE kind = 'state' AND activity = ? AND agent = ? AND (? = '' OR registration = ?) AND \(visible)
                    """, [.text(key.activity), .text(key.agent), .text(key.registration), .text(key.registration)] + owner)
            }
        }
    }

    /// Documents a society's credentials wrote are its own; the platform (no society) sees all:
    /// the condition and its argument.
    static func visible(to societyID: String?) -> (condition: String, arguments: [SQLValue]) {
        societyID.map { ("society_id = ?", [.text($0)]) } ?? ("1 = 1", [])
    }

    static func document(_ key: DocumentKey, id: String, societyID: String?, on sql: any SQLConnection) throws -> LRSDocument? {
        let (visible, owner) = visible(to: societyID)
        return try sql.firstRow("""
            SELECT content_type, content, etag, updated, society_id FROM xapi_document
            WHERE kind = ? AND activity = ? AND agent = ? AND registration = ? AND document_id = ? AND \(visible)
            """, [.text(key.kind.rawValue), .text(key.activity), .text(key.agent), .text(key.registration), .text(id)] + owner).map { row in
            LRSDocument(contentType: row.text(0) ?? "", content: Data(row.blob(1) ?? []), etag: row.text(2) ?? "",
                        updated: row.text(3).flatMap(Date.init(iso8601:)) ?? .distantPast, societyID: row.text(4))
        }
    }

    /// The concurrency rules: If-Match must name the stored ETag (or `*` with one stored),
    /// If-None-Match `*` must find none; a `guarded` document replaced with neither header is a conflict.
    static func check(_ precondition: DocumentPrecondition, existing: LRSDocument?, guarded: Bool) throws(LRSError) {
        if let ifMatch = precondition.ifMatch {
            let holds = ifMatch == "*" ? existing != nil : existing?.etag == ifMatch
            guard holds else { throw LRSError(.preconditionFailed, "If-Match \(ifMatch) does not match the stored document") }
        }
        if let ifNoneMatch = precondition.ifNoneMatch {
            let holds = ifNoneMatch == "*" ? existing == nil : existing?.etag != ifNoneMatch
            guard holds else { throw LRSError(.preconditionFailed, "If-None-Match \(ifNoneMatch): the document exists") }
        }
        if guarded, existing != nil, precondition.isEmpty {
            throw LRSError(.conflict, "the document exists: send If-Match with its ETag (or If-None-Match: * to create only)")
        }
    }

    static func isJSON(_ contentType: String) -> Bool {
        contentType.lowercased().split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) == "application/json" } ?? false
    }
}
