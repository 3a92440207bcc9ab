@testable import CoursePackages
import Domain
import Foundation
import Testing
import XMLKit
import ZIPFoundation

@Suite("Hostile XML")
struct HostileXMLTests {
    @Test("an external entity (XXE) is refused before anything is read")
    func externalEntity() throws {
        let scratch = try ScratchFolder()
        let secret = try scratch.write("secret.txt", "TOP SECRET")
        try scratch.write("pkg/imsmanifest.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE manifest [ <!ENTITY xxe SYSTEM "file://\(secret.path)"> ]>
            <manifest identifier="x" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"><metadata><schema>&xxe;</schema></metadata></manifest>
            """)
        let result = PackageReader().read(scratch.url.appendingPathComponent("pkg").path)
        #expect(result.errorCodes == [.xmlEntity])
        #expect(!result.diagnostics.description.contains("TOP SECRET"))
    }

    @Test("billion laughs is refused without expansion")
    func billionLaughs() throws {
        var entities = "<!ENTITY lol \"lol\">"
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">"
        }
        let document = "<?xml version=\"1.0\"?><!DOCTYPE lolz [\(entities)]><lolz>&lol9;</lolz>"
        #expect(throws: XMLParseError.self) { try SafeXMLParser.parse(Data(document.utf8)) }
        do {
            _ = try SafeXMLParser.parse(Data(document.utf8))
        } catch {
            #expect(error.kind == .entityDeclaration)
        }
    }

    @Test("a network DTD is never fetched and a plain DOCTYPE only warns")
    func plainDoctype() throws {
        let scratch = try ScratchFolder()
        try scratch.write("pkg/index.html", "<html></html>")
        let manifest = minimalSCORM12.replacingOccurrences(
            of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE manifest SYSTEM \"http://127.0.0.1:9/never.dtd\">"
        )
        try scratch.write("pkg/imsmanifest.xml", manifest)
        let result = PackageReader().read(scratch.url.appendingPathComponent("pkg").path)
        #expect(result.isAccepted)
        #expect(result.notableCodes == [.doctypeIgnored])
    }

    @Test("depth, size and element caps hold")
    func limits() throws {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        #expect(throws: XMLParseError.self) { try SafeXMLParser.parse(Data(deep.utf8), limits: XMLLimits(maxBytes: 1 << 20, maxDepth: 64, maxElements: 1_000)) }
        let wide = "<r>" + String(repeating: "<a/>", count: 2_000) + "</r>"
        #expect(throws: XMLParseError.self) { try SafeXMLParser.parse(Data(wide.utf8), limits: XMLLimits(maxBytes: 1 << 20, maxDepth: 64, maxElements: 1_000)) }
        #expect(throws: XMLParseError.self) { try SafeXMLParser.parse(Data(wide.utf8), limits: XMLLimits(maxBytes: 100, maxDepth: 64, maxElements: 10_000)) }
    }

    @Test("malformed XML names the line")
    func malformed() throws {
        do {
            _ = try SafeXMLParser.parse(Data("<a>\n<b>\n</a>".utf8))
            Issue.record("malformed XML was accepted")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.line >= 2)
        }
    }
}

@Suite("Hostile archives")
struct HostileArchiveTests {
    func importZip(_ build: (inout ZipBuilder) -> Void, limits: PackageLimits = .default) throws -> (PackageReadResult, ScratchFolder) {
        let scratch = try ScratchFolder()
        var builder = ZipBuilder()
        build(&builder)
        let zip = scratch.url.appendingPathComponent("package.zip")
        try builder.write(to: zip)
        return (PackageReader(limits: limits).read(zip.path), scratch)
    }

    @Test("a valid archive imports")
    func validArchive() throws {
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add("index.html", "<html></html>")
        }
        #expect(result.isAccepted, "\(result.diagnostics)")
        #expect(result.notableCodes.isEmpty)
    }

    @Test("entry names that escape the folder are refused", arguments: ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "a\\..\\evil.txt", "C:/evil.txt"])
    func unsafeNames(_ name: String) throws {
        let (result, scratch) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(name, "owned")
        }
        #expect(result.errorCodes == [.zipUnsafePath])
        #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("evil.txt").path))
        #expect(!FileManager.default.fileExists(atPath: scratch.url.deletingLastPathComponent().appendingPathComponent("evil.txt").path))
    }

    @Test("a NUL byte in a name is refused")
    func nulName() throws {
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(rawName: Array("index.html".utf8) + [0] + Array(".txt".utf8), "x")
        }
        #expect(result.errorCodes == [.zipUnsafePath])
    }

    @Test("symbolic links are refused")
    func symlink() throws {
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(ZipBuilder.Entry(name: Array("index.html".utf8), data: Array("/etc/passwd".utf8), unixMode: 0o120777))
        }
        #expect(result.errorCodes == [.zipSymlink])
    }

    @Test("encrypted entries are refused")
    func encrypted() throws {
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(ZipBuilder.Entry(name: Array("index.html".utf8), data: Array("garbled".utf8), flags: 0x0001))
        }
        #expect(result.errorCodes == [.zipEncrypted])
    }

    @Test("declared inflated size over the cap is refused before extraction")
    func declaredBomb() throws {
        let limits = PackageLimits(maxEntries: 100, maxInflatedBytes: 10_000, xml: .default)
        let (result, _) = try importZip({ zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(ZipBuilder.Entry(name: Array("index.html".utf8), data: Array("x".utf8), declaredSize: 4_000_000_000))
        }, limits: limits)
        #expect(result.errorCodes == [.zipLimit])
    }

    @Test("an entry whose recorded size lies is refused")
    func lyingSize() throws {
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(ZipBuilder.Entry(name: Array("index.html".utf8), data: Array(repeating: 65, count: 8_000), declaredSize: 10))
        }
        #expect(result.errorCodes == [.zipCorrupt])
    }

    @Test("a deflate bomb whose headers lie is stopped while it inflates")
    func streamingBomb() throws {
        let scratch = try ScratchFolder()
        let url = scratch.url.appendingPathComponent("bomb.zip")
        let archive = try Archive(url: url, accessMode: .create)
        try archive.addEntry(with: "imsmanifest.xml", type: .file, uncompressedSize: Int64(minimalSCORM12.utf8.count),
                             compressionMethod: .deflate) { position, size in
            Data(Array(minimalSCORM12.utf8)[Int(position)..<Int(position) + size])
        }
        let inflated = 4 << 20
        try archive.addEntry(with: "index.html", type: .file, uncompressedSize: Int64(inflated), compressionMethod: .deflate) { _, size in
            Data(count: size)
        }
        // Rewrite every recorded uncompressed size of index.html to 1 byte.
        var bytes = [UInt8](try Data(contentsOf: url))
        let name = Array("index.html".utf8)
        for offset in 0..<(bytes.count - 4) {
            let signature = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            if signature == 0x0403_4B50, Array(bytes[(offset + 30)..<(offset + 30 + name.count)]) == name {
                bytes.replaceSubrange((offset + 22)..<(offset + 26), with: [1, 0, 0, 0])
            }
            if signature == 0x0201_4B50, Array(bytes[(offset + 46)..<(offset + 46 + name.count)]) == name {
                bytes.replaceSubrange((offset + 24)..<(offset + 28), with: [1, 0, 0, 0])
            }
        }
        try Data(bytes).write(to: url)
        #expect(try Data(contentsOf: url).count < 100_000)
        let limits = PackageLimits(maxEntries: 100, maxInflatedBytes: 1 << 20, xml: .default)
        let result = PackageReader(limits: limits).read(url.path)
        #expect(result.errorCodes == [.zipLimit], "\(result.diagnostics)")
    }

    /// A zip of the minimal manifest and `index.html` holding `inflated` zero bytes, deflated.
    func deflatedZeros(_ inflated: Int, in scratch: ScratchFolder) throws -> URL {
        let url = scratch.url.appendingPathComponent("zeros.zip")
        let archive = try Archive(url: url, accessMode: .create)
        try archive.addEntry(with: "imsmanifest.xml", type: .file, uncompressedSize: Int64(minimalSCORM12.utf8.count),
                             compressionMethod: .deflate) { position, size in
            Data(Array(minimalSCORM12.utf8)[Int(position)..<Int(position) + size])
        }
        try archive.addEntry(with: "index.html", type: .file, uncompressedSize: Int64(inflated), compressionMethod: .deflate) { _, size in
            Data(count: size)
        }
        return url
    }

    @Test("an archive that declares more than 100 times its size is refused before extraction")
    func compressionRatio() throws {
        let scratch = try ScratchFolder()
        let url = try deflatedZeros(4 << 20, in: scratch)
        var limits = PackageLimits.default
        limits.ratioFloorBytes = 1 << 20
        let result = PackageReader(limits: limits).read(url.path)
        #expect(result.errorCodes == [.zipLimit], "\(result.diagnostics)")
        #expect(result.diagnostics.contains { $0.message.contains("100 times its size") })
        // The same archive under the default floor (64 MiB) is an ordinary small package.
        #expect(PackageReader().read(url.path).isAccepted)
    }

    @Test("a deflate stream that breaks off or is damaged ends in ZIP-CORRUPT", arguments: ["truncated", "damaged"])
    func brokenDeflate(_ damage: String) throws {
        let scratch = try ScratchFolder()
        let url = try deflatedZeros(256 << 10, in: scratch)
        // index.html's raw deflate stream, cut out of the archive ZIPFoundation wrote.
        let bytes = [UInt8](try Data(contentsOf: url))
        let name = Array("index.html".utf8)
        let signature: [UInt8] = [0x50, 0x4B, 3, 4]
        let found = (0..<(bytes.count - 30)).first { (offset: Int) -> Bool in
            Array(bytes[offset..<(offset + 4)]) == signature && Array(bytes[(offset + 30)..<(offset + 30 + name.count)]) == name
        }
        let header = try #require(found)
        func le16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        let compressedSize = le16(header + 18) | le16(header + 20) << 16
        let dataStart = header + 30 + le16(header + 26) + le16(header + 28)
        var stream = Array(bytes[dataStart..<(dataStart + compressedSize)])
        if damage == "truncated" {
            stream.removeLast(stream.count / 2)
        } else {
            // Block type 3 is reserved: zlib reports "invalid block type".
            stream[0] = 0xFF
        }
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            zip.add(ZipBuilder.Entry(name: name, data: stream, method: 8, declaredSize: 256 << 10))
        }
        #expect(result.errorCodes == [.zipCorrupt], "\(result.diagnostics)")
    }

    @Test("the fuzzed archive that once hung the importer ends in a coded error")
    func fuzzedHang() throws {
        let result = PackageReader().read(Fixtures.packages.appendingPathComponent("broken/fuzz-truncated-deflate-hang.zip").path)
        #expect(result.errorCodes == [.zipLimit], "\(result.diagnostics)")
    }

    @Test("too many entries are refused")
    func tooManyEntries() throws {
        let limits = PackageLimits(maxEntries: 5, maxInflatedBytes: 1 << 20, xml: .default)
        let (result, _) = try importZip({ zip in
            zip.add("imsmanifest.xml", minimalSCORM12)
            for index in 0..<10 { zip.add("f\(index).html", "x") }
        }, limits: limits)
        #expect(result.errorCodes == [.zipLimit])
    }

    @Test("GBK names, UTF-8 names without the flag, __MACOSX and ._ files")
    func legacyNames() throws {
        // 课程 in GBK.
        let gbk: [UInt8] = [0xBF, 0xCE, 0xB3, 0xCC]
        let manifest = minimalSCORM12.replacingOccurrences(of: "href=\"index.html\"", with: "href=\"%E8%AF%BE%E7%A8%8B.html\"")
        let (result, _) = try importZip { zip in
            zip.add("imsmanifest.xml", manifest)
            zip.add(rawName: gbk + Array(".html".utf8), "<html></html>")
            zip.add("英国.xml", "<x/>", utf8Flag: false)
            zip.add("__MACOSX/._imsmanifest.xml", "junk")
            zip.add("._index.html", "junk")
        }
        #expect(result.isAccepted, "\(result.diagnostics)")
        #expect(result.notableCodes == [.zipNameEncoding])
        #expect(result.firstLaunchable?.launchURL == "%E8%AF%BE%E7%A8%8B.html")
    }

    @Test("the pyslet archive decodes its UTF-8 name without the flag and skips __MACOSX")
    func pysletArchive() throws {
        var warnings: [Diagnostic] = []
        let files = try PackageOpener(limits: .default).open(
            Fixtures.path("imscp/pyslet-unittests/data_imscpv1p2/package_1.zip"),
            displayName: "package_1.zip", warnings: &warnings
        )
        #expect(Set(files.files.keys) == ["imsmanifest.xml", "英国.xml"])
        #expect(warnings.map(\.code) == [.zipNameEncoding])
        #expect((files.rootPath ?? "").hasPrefix(FileManager.default.temporaryDirectory.path))
    }

    @Test("a manifest inside one wrapping folder is found, with a warning")
    func wrappedFolder() throws {
        let (result, _) = try importZip { zip in
            zip.add("course/imsmanifest.xml", minimalSCORM12)
            zip.add("course/index.html", "<html></html>")
        }
        #expect(result.isAccepted)
        #expect(result.notableCodes == [.wrappedFolder])
        #expect(result.package?.manifestPath == "course/imsmanifest.xml")
    }

    @Test("a file that is not a zip is reported, not crashed on")
    func notAZip() throws {
        let scratch = try ScratchFolder()
        let url = try scratch.write("bogus.zip", "this is not a zip archive")
        let result = PackageReader().read(url.path)
        #expect(result.errorCodes == [.zipCorrupt])
        let missing = PackageReader().read(scratch.url.appendingPathComponent("nope").path)
        #expect(missing.errorCodes == [.packageUnreadable])
    }

    @Test("a symbolic link inside a package folder is refused, not followed")
    func folderSymlink() throws {
        let scratch = try ScratchFolder()
        try scratch.write("pkg/imsmanifest.xml", minimalSCORM12)
        try scratch.write("pkg/index.html", "<html></html>")
        try FileManager.default.createSymbolicLink(atPath: scratch.url.appendingPathComponent("pkg/passwd").path, withDestinationPath: "/etc/passwd")
        let result = PackageReader().read(scratch.url.appendingPathComponent("pkg").path)
        #expect(result.errorCodes == [.packageSymlink])
    }

    @Test("the extraction folder is removed after reading")
    func extractionCleanedUp() throws {
        let scratch = try ScratchFolder()
        var builder = ZipBuilder()
        builder.add("imsmanifest.xml", minimalSCORM12)
        builder.add("index.html", "x")
        let zip = scratch.url.appendingPathComponent("p.zip")
        try builder.write(to: zip)
        var warnings: [Diagnostic] = []
        var root: String?
        do {
            let files = try PackageOpener(limits: .default).open(zip.path, displayName: "p.zip", warnings: &warnings)
            root = files.rootPath
            #expect(FileManager.default.fileExists(atPath: (files.rootPath ?? "") + "/index.html"))
        }
        let extracted = try #require(root)
        #expect(!FileManager.default.fileExists(atPath: extracted))
    }
}
