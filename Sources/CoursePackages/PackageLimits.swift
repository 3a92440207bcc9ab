import XMLKit

/// Safety limits for untrusted packages. Every default is documented in `importers/README.md`.
public struct PackageLimits: Sendable, Equatable {
    /// Most entries (files and folders) in one archive or folder.
    public var maxEntries: Int
    /// Most bytes all entries of an archive may inflate to, counted as they inflate.
    public var maxInflatedBytes: UInt64
    /// Most times its own size an archive may inflate to, once it inflates past
    /// `ratioFloorBytes`: real packages inflate to 1-10 times their size (video and images do
    /// not compress), a zip bomb to hundreds or thousands.
    public var maxCompressionRatio: UInt64 = 100
    /// Below this many inflated bytes the ratio is not checked (a small, very compressible
    /// archive harms nobody).
    public var ratioFloorBytes: UInt64 = 64 << 20
    /// Limits for each manifest.
    public var xml: XMLLimits

    /// 100,000 entries, 8 GiB inflated, 100 times the archive's size, and `XMLLimits.default`.
    public static let `default` = PackageLimits(maxEntries: 100_000, maxInflatedBytes: 8 << 30, xml: .default)

    public init(maxEntries: Int, maxInflatedBytes: UInt64, xml: XMLLimits) {
        self.maxEntries = maxEntries
        self.maxInflatedBytes = maxInflatedBytes
        self.xml = xml
    }
}
