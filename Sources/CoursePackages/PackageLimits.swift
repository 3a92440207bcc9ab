import XMLKit

/// Safety limits for untrusted packages. Every default is documented in `importers/README.md`.
public struct PackageLimits: Sendable, Equatable {
    /// Most entries (files and folders) in one archive or folder.
    public var maxEntries: Int
    /// Most bytes all entries of an archive may inflate to, counted as they inflate.
    public var maxInflatedBytes: UInt64
    /// Limits for each manifest.
    public var xml: XMLLimits

    /// 100,000 entries, 8 GiB inflated, and `XMLLimits.default`.
    public static let `default` = PackageLimits(maxEntries: 100_000, maxInflatedBytes: 8 << 30, xml: .default)

    public init(maxEntries: Int, maxInflatedBytes: UInt64, xml: XMLLimits) {
        self.maxEntries = maxEntries
        self.maxInflatedBytes = maxInflatedBytes
        self.xml = xml
    }
}
