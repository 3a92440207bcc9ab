/// What went wrong with a key or a token, in words a person can act on.
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token or document is not what it says (bad encoding, JSON, structure).
    case malformed(String)
    /// A key could not be generated, read or used.
    case key(String)

    public var description: String {
        switch self {
        case .malformed(let text), .key(let text): text
        }
    }
}
