/// The JWS algorithms the platform signs with: RS256 (the VC-JWT conformance minimum) and EdDSA (Ed25519).
public enum SigningAlgorithm: String, Codable, Sendable, CaseIterable {
    case rs256 = "RS256"
    case edDSA = "EdDSA"
}
