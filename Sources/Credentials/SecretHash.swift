import Crypto
import Domain
import Foundation

/// How every secret the platform issues is kept (API tokens, LRS secrets, launch and cmi5 tokens):
/// only its SHA-256, in lowercase hex, and compared without stopping at the first difference.
public enum SecretHash {
    public static func of(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).lowercaseHex
    }

    /// True when `secret` hashes to `stored`; every byte is compared whatever the first difference.
    public static func matches(_ secret: String, stored: String) -> Bool {
        constantTimeEqual(of(secret), stored)
    }

    /// Compares every byte whatever the first difference (hashes have a fixed length).
    private static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8), b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
