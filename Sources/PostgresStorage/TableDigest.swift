import Crypto
import Storage

/// A checksum of a table's rows that does not depend on their order: the sum, modulo 2^256, of
/// each row's SHA-256 over a typed encoding of its values. Both databases' rows are read into
/// `SQLValue`s and summed the same way, so equal digests mean the same multiset of rows, value
/// for value (texts by their UTF-8 bytes, reals by their bits), read back in whatever order.
public struct TableDigest: Sendable, Equatable, CustomStringConvertible {
    /// Four 64-bit limbs, least significant first.
    private var limbs: [UInt64] = [0, 0, 0, 0]
    public private(set) var rows: Int64 = 0
    /// Scratch space for a row's encoding, kept between rows (not part of the digest).
    private var encoding: [UInt8] = []

    public init() {}

    public mutating func add(_ row: some Collection<SQLValue>) {
        encoding.removeAll(keepingCapacity: true)
        for value in row {
            switch value {
            case .null: encoding.append(0)
            case .integer(let integer):
                encoding.append(1)
                withUnsafeBytes(of: integer.littleEndian) { encoding.append(contentsOf: $0) }
            case .real(let real):
                encoding.append(2)
                withUnsafeBytes(of: real.bitPattern.littleEndian) { encoding.append(contentsOf: $0) }
            case .text(let text):
                encoding.append(3)
                withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { encoding.append(contentsOf: $0) }
                encoding.append(contentsOf: text.utf8)
            case .blob(let bytes):
                encoding.append(4)
                withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { encoding.append(contentsOf: $0) }
                encoding.append(contentsOf: bytes)
            }
        }
        let words = SHA256.hash(data: encoding).withUnsafeBytes { digest in
            (0..<4).map { UInt64(littleEndian: digest.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
        var carry: UInt64 = 0
        for at in 0..<4 {
            let (partial, overflow1) = limbs[at].addingReportingOverflow(words[at])
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            limbs[at] = sum
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        rows += 1
    }

    /// The digest in hex, most significant limb first.
    public var description: String {
        limbs.reversed().map { limb in
            let hex = String(limb, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// The same rows counted and summed (the scratch buffer left out).
    public static func == (lhs: TableDigest, rhs: TableDigest) -> Bool {
        lhs.rows == rhs.rows && lhs.limbs == rhs.limbs
    }
}
