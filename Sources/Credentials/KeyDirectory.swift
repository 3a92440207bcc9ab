import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where private signing keys live: one PEM file per key id, readable by the owner only
/// (directory 0700, files 0600), outside the database.
public struct KeyDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// Key ids are file names: letters, digits, '-', '_' and '.', not starting with '.'.
    public static func isValidKeyID(_ kid: String) -> Bool {
        !kid.isEmpty && kid.utf8.count <= 64 && kid.first != "." && kid.utf8.allSatisfy {
            Base64URL.isAlphabet($0) || $0 == UInt8(ascii: ".")
        }
    }

    func file(_ kid: String) throws(CredentialError) -> URL {
        guard Self.isValidKeyID(kid) else { throw .key("'\(kid)' is not a valid key id") }
        return url.appendingPathComponent(kid + ".pem")
    }

    /// Writes a new key; never overwrites one.
    public func store(_ key: PrivateSigningKey, kid: String) throws(CredentialError) {
        let path = try file(kid).path
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .key("cannot create the key directory \(url.path): \(error.localizedDescription)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .key("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(key.pem.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw .key("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a key, refusing a file others can read (as ssh does).
    public func load(_ kid: String, algorithm: SigningAlgorithm) throws(CredentialError) -> PrivateSigningKey {
        let path = try file(kid).path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .key("the private key of '\(kid)' is not in \(url.path) (\(String(cString: strerror(errno)))); point --keys at the directory that holds it")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .key("\(path) can be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'")
        }
        guard let data = FileManager.default.contents(atPath: path), let pem = String(data: data, encoding: .utf8) else {
            throw .key("cannot read \(path)")
        }
        return try PrivateSigningKey(pem: pem, algorithm: algorithm)
    }
}
