import ContentStore
import Credentials
import Crypto
import Enrollment
import Foundation
import Storage

/// An attachment's bytes as the LRS keeps them: by SHA-2 (the hash the statements name), once
/// however many statements name it.
public struct AttachmentContent: Sendable, Equatable {
    public var sha2: String
    public var contentType: String
    public var content: Data

    public init(sha2: String, contentType: String, content: Data) {
        self.sha2 = sha2
        self.contentType = contentType
        self.content = content
    }
}

/// A statement request's body as xAPI allows it (xAPI-Communication 1.5.2): JSON alone, or
/// `multipart/mixed` with the statements in the first part and each attachment's bytes in a part
/// of its own, named by its SHA-2. Everything is checked before anything is stored: the parts'
/// headers and hashes, that every attachment without a `fileUrl` has its bytes and every part is
/// an attachment of the statements, and each signature (xAPI-Data 2.6).
public struct StatementUpload: Sendable {
    /// The statements' JSON (one object or an array).
    public var statements: Data
    /// The attachment bytes sent with them, checked.
    public var attachments: [AttachmentContent]

    public static let signatureUsage = "http://adlnet.gov/expapi/attachments/signature"

    public init(statements: Data, attachments: [AttachmentContent] = []) {
        self.statements = statements
        self.attachments = attachments
    }

    /// Reads and checks a body sent with `contentType` (nil: JSON).
    public init(contentType: String?, body: Data) throws(LRSError) {
        let mediaType = contentType.map(MultipartMixed.mediaType) ?? "application/json"
        switch mediaType {
        case "application/json":
            statements = body
            attachments = []
        case "multipart/mixed":
            guard let boundary = contentType.flatMap(MultipartMixed.boundary) else {
                throw LRSError(.badRequest, "a multipart/mixed Content-Type needs its boundary parameter")
            }
            let parts = try MultipartMixed.parse(body, boundary: boundary)
            guard let first = parts.first, first.mediaType == "application/json" else {
                throw LRSError(.badRequest, "the first part of a multipart/mixed statement request holds the statements as application/json")
            }
            statements = first.body
            attachments = []
            for (index, part) in parts.enumerated().dropFirst() {
                guard let hash = part.headers["x-experience-api-hash"]?.lowercased(), !hash.isEmpty else {
                    throw LRSError(.badRequest, "part \(index + 1) has no X-Experience-API-Hash header (the SHA-2 of its content)")
                }
                guard part.headers["content-transfer-encoding"]?.lowercased() == "binary" else {
                    throw LRSError(.badRequest, "part \(index + 1) needs 'Content-Transfer-Encoding: binary'")
                }
                guard let actual = Self.sha2(part.body, like: hash) else {
                    throw LRSError(.badRequest, "part \(index + 1)'s X-Experience-API-Hash is not a SHA-256, SHA-384 or SHA-512 in hex")
                }
                guard actual == hash else {
                    throw LRSError(.badRequest, "part \(index + 1)'s content does not have the SHA-2 its X-Experience-API-Hash says (\(hash))")
                }
                attachments.append(AttachmentContent(sha2: hash, contentType: part.headers["content-type"] ?? "application/octet-stream", content: part.body))
            }
        default:
            throw LRSError(.badRequest, "statements are sent as application/json, or as multipart/mixed with attachments (not \(mediaType))")
        }
        try Self.check(statements: statements, attachments: attachments)
    }

    /// The hex SHA-2 of `data` with the digest size `hex` has (64, 96 or 128 digits).
    static func sha2(_ data: Data, like hex: String) -> String? {
        switch hex.utf8.count {
        case 64: SHA256.hash(data: data).hexString
        case 96: SHA384.hash(data: data).hexString
        case 128: SHA512.hash(data: data).hexString
        default: nil
        }
    }

    /// Each attachment of the statements without a `fileUrl` has its part, each part is an
    /// attachment of the statements, and each signature holds. Statements whose JSON is not
    /// what the store expects are left to the store, which says why.
    static func check(statements: Data, attachments: [AttachmentContent]) throws(LRSError) {
        let sent = Dictionary(attachments.map { ($0.sha2, $0) }, uniquingKeysWith: { first, _ in first })
        // Most statements have no attachments: no second parse for them.
        guard !attachments.isEmpty || statements.range(of: Data("\"attachments\"".utf8)) != nil else { return }
        guard let parsed = try? JSONSerialization.jsonObject(with: statements, options: [.fragmentsAllowed]) else { return }
        let list = (parsed as? [Any]) ?? [parsed]
        var declared = Set<String>()
        for (offset, item) in list.enumerated() {
            // Statements are numbered from 1 in every answer, as the store's problems and the parts are.
            let index = offset + 1
            guard let statement = item as? [String: Any], let entries = statement["attachments"] as? [Any] else { continue }
            for case let entry as [String: Any] in entries {
                guard let hash = (entry["sha2"] as? String)?.lowercased() else { continue }
                declared.insert(hash)
                let part = sent[hash]
                if entry["fileUrl"] == nil, part == nil {
                    throw LRSError(.badRequest, "statement \(index)'s attachment \(hash) has no fileUrl and its content was not sent (multipart/mixed, a part with X-Experience-API-Hash: \(hash))")
                }
                if entry["usageType"] as? String == signatureUsage {
                    guard (entry["contentType"] as? String).map(MultipartMixed.mediaType) == "application/octet-stream" else {
                        throw LRSError(.badRequest, "statement \(index)'s signature attachment must have contentType application/octet-stream")
                    }
                    guard let part else { throw LRSError(.badRequest, "statement \(index)'s signature was not sent (its JWS, as a part)") }
                    try verifySignature(part.content, of: statement, index: index)
                }
            }
        }
        if let excess = attachments.first(where: { !declared.contains($0.sha2) }) {
            throw LRSError(.badRequest, "a part (X-Experience-API-Hash: \(excess.sha2)) is not an attachment of any statement sent")
        }
    }

    /// xAPI-Data 2.6: the JWS's payload is the statement as it was before the signature was
    /// attached; RS256, RS384 or RS512; with an `x5c` certificate, its key must verify it.
    static func verifySignature(_ content: Data, of statement: [String: Any], index: Int) throws(LRSError) {
        let jws: CompactJWS
        do { jws = try CompactJWS(String(decoding: content, as: UTF8.self)) } catch {
            throw LRSError(.badRequest, "statement \(index)'s signature is not a JWS in compact serialization: \(error)")
        }
        guard CertificateSignature.algorithms.contains(jws.header.alg) else {
            throw LRSError(.badRequest, "statement \(index)'s signature uses \(jws.header.alg); xAPI allows RS256, RS384 and RS512")
        }
        guard let payload = try? JSONSerialization.jsonObject(with: jws.payload) as? [String: Any] else {
            throw LRSError(.badRequest, "statement \(index)'s signature payload is not a statement in JSON")
        }
        guard NSDictionary(dictionary: unsigned(payload)).isEqual(to: unsigned(statement)) else {
            throw LRSError(.badRequest, "statement \(index)'s signature payload is not the statement that was sent")
        }
        if let certificate = jws.header.x5c?.first {
            guard let der = Data(base64Encoded: certificate) else {
                throw LRSError(.badRequest, "statement \(index)'s signature names an x5c certificate that is not base64 DER")
            }
            let valid: Bool
            do { valid = try CertificateSignature.isValid(jws, certificate: der) } catch {
                throw LRSError(.badRequest, "statement \(index)'s signature: \(error)")
            }
            guard valid else { throw LRSError(.badRequest, "statement \(index)'s signature does not verify with its x5c certificate") }
        }
    }

    /// A statement as its signer saw it: without the signature attachment (and without
    /// `attachments` when that was all), without what the LRS sets, its duration to the hundredth.
    static func unsigned(_ statement: [String: Any]) -> [String: Any] {
        var copy = statement
        for field in ["stored", "authority"] { copy.removeValue(forKey: field) }
        if var result = copy["result"] as? [String: Any], let duration = result["duration"] as? String,
           let hundredths = XAPIDuration.hundredths(duration) {
            result["duration"] = hundredths
            copy["result"] = result
        }
        if let entries = copy["attachments"] as? [[String: Any]] {
            let kept = entries.filter { $0["usageType"] as? String != signatureUsage }
            copy["attachments"] = kept.isEmpty ? nil : kept
        }
        return copy
    }

    // MARK: Storage

    /// Keeps the attachments' bytes in the caller's transaction (`xapi_attachment`; a hash already
    /// kept is left as it is).
    public static func save(_ attachments: [AttachmentContent], in tx: StoreTransaction) throws {
        for attachment in attachments {
            try tx.sql.execute("""
                INSERT INTO xapi_attachment (sha2, content_type, length, content) VALUES (?, ?, ?, ?)
                ON CONFLICT (sha2) DO NOTHING
                """, [.text(attachment.sha2), .text(attachment.contentType), .integer(Int64(attachment.content.count)), .blob([UInt8](attachment.content))])
        }
    }

    /// The kept attachments that the statements (JSON texts) name, once each, in the order named.
    public static func attachments(of statements: [String], on sql: any SQLConnection) throws -> [AttachmentContent] {
        var hashes: [String] = []
        var seen = Set<String>()
        for text in statements where text.contains("\"attachments\"") {
            guard let statement = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let entries = statement["attachments"] as? [[String: Any]] else { continue }
            for entry in entries {
                guard let hash = (entry["sha2"] as? String)?.lowercased(), seen.insert(hash).inserted else { continue }
                hashes.append(hash)
            }
        }
        return try hashes.compactMap { hash in
            try sql.firstRow("SELECT content_type, content FROM xapi_attachment WHERE sha2 = ?", [.text(hash)])
                .map { AttachmentContent(sha2: hash, contentType: $0.text(0) ?? "", content: Data($0.blob(1) ?? [])) }
        }
    }
}
