/// Why the learning record store refused a request. The HTTP layer maps each code to its
/// status (xAPI-Communication.md); the message says what to change.
public struct LRSError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A malformed parameter or body (400).
        case badRequest = "bad-request"
        /// The credential may not do this (403).
        case forbidden
        /// No such statement or document (404).
        case notFound = "not-found"
        /// The request conflicts with what is stored: a statement id with other content, a
        /// document changed without a precondition (409).
        case conflict
        /// If-Match / If-None-Match did not hold (412).
        case preconditionFailed = "precondition-failed"
        /// Unknown, revoked or wrong key/secret (401).
        case unauthorized
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
