/// One file of a package version as the platform keeps it: the content store holds its bytes
/// under `sha256`, and the submission lists it under `path`.
public struct PackageFile: Codable, Sendable, Equatable, Hashable {
    /// Relative to the package root, forward slashes, as the archive or folder named it.
    public var path: String
    /// SHA-256 of the bytes, lower-case hex.
    public var sha256: String
    public var size: UInt64
    /// How the player serves it (`MediaType.of` its name).
    public var mediaType: String

    public init(path: String, sha256: String, size: UInt64, mediaType: String) {
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.mediaType = mediaType
    }
}
