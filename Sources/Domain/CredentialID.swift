import Foundation

/// Credential ids: `urn:uuid:` and a random (version 4) UUID, lower case, assigned once per award.
public enum CredentialID {
    public static func make() -> String { "urn:uuid:" + UUID().uuidString.lowercased() }
}
