/// The kinds of member society the charter names (Art. 8).
public enum SocietyKind: String, Codable, Sendable, CaseIterable {
    case national
    case local
    case enterprise
    case university
    case institute
}

/// Where a society stands in the alliance (charter Art. 16-20, 36).
public enum SocietyStatus: String, Codable, Sendable, CaseIterable {
    /// Known to the platform, not yet authorised.
    case registered
    /// Authorised: may submit courses and pull reports.
    case authorized
    /// Left the alliance (Art. 19).
    case withdrawn
    /// Removed by the alliance (Art. 20).
    case removed
}

/// A member society of the alliance.
public struct Society: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var kind: SocietyKind
    public var status: SocietyStatus

    public init(id: String, name: String, kind: SocietyKind, status: SocietyStatus) {
        self.id = id
        self.name = name
        self.kind = kind
        self.status = status
    }
}
