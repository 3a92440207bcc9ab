import Domain
import Foundation

/// The byte order mark of CSV output (the quoting rules are `CSVText` in Domain).
enum CSV {
    /// The UTF-8 byte order mark spreadsheet programs in China look for.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
}

extension BufferedWriter {
    /// Appends one CSV field (and the separator before it unless it is the first).
    mutating func csvField(_ text: String, first: Bool = false) {
        if !first { appendRaw(byte: UInt8(ascii: ",")) }
        if CSVText.needsQuotes(text.utf8) { appendRaw(CSVText.field(text)) } else { appendRaw(text) }
    }

    /// Appends a field from raw UTF-8 bytes, quoted when needed.
    mutating func csvField(bytes: UnsafeBufferPointer<UInt8>) {
        if CSVText.needsQuotes(bytes) {
            appendRaw(CSVText.field(String(decoding: bytes, as: UTF8.self)))
        } else {
            appendRaw(bytes: bytes)
        }
    }

    mutating func csvEndRow() throws(SinkError) {
        appendRaw(byte: 13)
        appendRaw(byte: 10)
        try flushIfFull()
    }
}

/// Numbers as people write them: no trailing `.0`, at most four decimals.
enum Figure {
    static func text(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let rounded = (value * 10_000).rounded() / 10_000
        return String(rounded)
    }
}
