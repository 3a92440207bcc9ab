import Foundation

/// Writes zip archives byte by byte, so tests can build the hostile ones real tools refuse
/// to make: raw name bytes, encryption flags, symlink attributes, lying sizes.
struct ZipBuilder {
    struct Entry {
        var name: [UInt8]
        var data: [UInt8]
        var flags: UInt16 = 0
        /// Host byte of "version made by": 3 = Unix.
        var host: UInt8 = 3
        var unixMode: UInt32 = 0o100644
        /// 0 stored; 8 when `data` is already a raw deflate stream (then `declaredSize` is the
        /// inflated size and the CRC is of nothing known: the stream must fail before it counts).
        var method: UInt16 = 0
        var declaredSize: UInt32?
    }

    var entries: [Entry] = []

    mutating func add(_ name: String, _ text: String, utf8Flag: Bool = true) {
        entries.append(Entry(name: Array(name.utf8), data: Array(text.utf8), flags: utf8Flag ? 0x0800 : 0))
    }

    mutating func add(rawName: [UInt8], _ text: String) {
        entries.append(Entry(name: rawName, data: Array(text.utf8)))
    }

    mutating func add(_ entry: Entry) {
        entries.append(entry)
    }

    func write(to url: URL) throws {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let offset = UInt32(out.count)
            let crc = Self.crc32(entry.data)
            let size = UInt32(entry.data.count)
            let declared = entry.declaredSize ?? size
            out += le32(0x0403_4B50) + le16(20) + le16(entry.flags) + le16(entry.method) + le16(0) + le16(0x21)
            out += le32(crc) + le32(size) + le32(declared) + le16(UInt16(entry.name.count)) + le16(0)
            out += entry.name + entry.data
            central += le32(0x0201_4B50) + le16(UInt16(entry.host) << 8 | 20) + le16(20) + le16(entry.flags) + le16(entry.method)
            central += le16(0) + le16(0x21) + le32(crc) + le32(size) + le32(declared)
            central += le16(UInt16(entry.name.count)) + le16(0) + le16(0) + le16(0) + le16(0)
            central += le32(entry.unixMode << 16) + le32(offset) + entry.name
        }
        let centralOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        out += le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
        try Data(out).write(to: url)
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }
}

/// A minimal valid SCORM 1.2 manifest launching `index.html`.
let minimalSCORM12 = """
    <?xml version="1.0" encoding="UTF-8"?>
    <manifest identifier="test.course" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
        xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
      <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
      <organizations default="o"><organization identifier="o"><title>Test</title>
        <item identifier="i" identifierref="r"><title>Lesson</title></item>
      </organization></organizations>
      <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>
    </manifest>
    """
