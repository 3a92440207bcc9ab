import Foundation
import TextDecoding

/// Decodes zip entry names: UTF-8 when the bytes are valid UTF-8 (flag or not), else GB18030
/// (a superset of GBK, what Chinese Windows writes), else CP437 (the zip default).
enum ZipNameDecoder {
    enum Encoding: String, Sendable {
        case ascii
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
        case cp437 = "CP437"
    }

    static func decode(_ bytes: [UInt8]) -> (name: String, encoding: Encoding) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return (String(decoding: bytes, as: UTF8.self), .ascii)
        }
        if let utf8 = String(validating: bytes, as: UTF8.self) {
            return (utf8, .utf8)
        }
        if let chinese = TextDecoding.convert(bytes, from: Encoding.gb18030.rawValue) {
            return (chinese, .gb18030)
        }
        if let dos = TextDecoding.convert(bytes, from: "IBM437") {
            return (dos, .cp437)
        }
        // IBM437 maps every byte; this is only reached if iconv lacks it.
        return (String(decoding: bytes, as: UTF8.self), .cp437)
    }
}
