import Catalog
import ContentLibrary
import ContentStore
import CoursePackages
import Domain
import Foundation
import GRDB
import Storage
import Testing

/// Every file of every imported package kept once, by hash; verify and gc over it.
@Suite("The content store")
struct ContentStoreTests {
    let golf12 = Paths.fixture("scorm12/rustici-golf__via-jcputney-elearning-module-parser/RuntimeBasicCalls_SCORM12")
    let cmi5Zip = Paths.fixture("cmi5/catapult-course-examples/multi_au_framed.zip")

    struct World {
        let world: CatalogWorld
        let importer: ImportService
        var store: ContentStore { get throws { try ContentStore(root: world.store.contentRoot) } }
        var content: ContentService { get throws { ContentService(database: world.store.database, store: try store) } }

        init() throws {
            world = try CatalogWorld()
            importer = ImportService(database: world.store.database, contentRoot: world.store.contentRoot, clock: world.clock.now)
        }

        func objectCount() throws -> Int { try store.objects().count }

        func files(_ submissionID: Int64) throws -> [PackageFile] {
            try world.store.database.reading("test") { sql in try SubmissionFileStore.files(submissionID: submissionID, on: sql) }
        }
    }

    /// Every regular file under `folder`, relative, to its bytes.
    func tree(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder))
        for case let relative as String in enumerator {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue {
                result[relative] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + relative))
            }
        }
        return result
    }

    @Test("import keeps every file of a folder and of a zip, byte for byte, once per distinct file")
    func keepsEveryFile() throws {
        let world = try World()
        let outcomes = try world.importer.importPackages([golf12, cmi5Zip], societyID: "cces", actor: "t")
        #expect(outcomes.map(\.status) == [.submitted, .submitted])
        let source = try tree(golf12)
        let files = try world.files(try #require(outcomes[0].submissionID))
        #expect(Set(files.map(\.path)) == Set(source.keys))
        let store = try world.store
        for file in files {
            let stored = try Data(contentsOf: URL(fileURLWithPath: store.objectPath(file.sha256)))
            #expect(stored == source[file.path], "\(file.path)")
            #expect(UInt64(stored.count) == file.size)
        }
        #expect(files.first { $0.path == "shared/launchpage.html" }?.mediaType == "text/html")
        #expect(files.first { $0.path.hasSuffix(".jpg") }?.mediaType == "image/jpeg")
        // The zip's entries are in the store too, named by their hash.
        let zipFiles = try world.files(try #require(outcomes[1].submissionID))
        #expect(zipFiles.contains { $0.path == "cmi5.xml" })
        #expect(zipFiles.allSatisfy { store.contains($0.sha256) })
        // One copy per distinct file.
        let distinct = Set((files + zipFiles).map(\.sha256))
        #expect(try world.objectCount() == distinct.count)
    }

    @Test("re-importing adds nothing; a new version that changes one file adds one file")
    func deduplicates() throws {
        let world = try World()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-content-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(atPath: golf12, toPath: scratch.path)
        _ = try world.importer.importPackages([scratch.path], societyID: "cces", actor: "t")
        let before = try world.objectCount()
        let again = try world.importer.importPackages([scratch.path], societyID: "cces", actor: "t")
        #expect(again.map(\.status) == [.unchanged])
        #expect(try world.objectCount() == before)

        let page = scratch.appendingPathComponent("Playing/Playing.html")
        try (try String(contentsOf: page, encoding: .utf8) + "\n<!-- v2 -->").write(to: page, atomically: true, encoding: .utf8)
        let second = try world.importer.importPackages([scratch.path], societyID: "cces", actor: "t")
        #expect(second.first?.status == .submitted)
        #expect(second.first?.version == 2)
        #expect(try world.objectCount() == before + 1)
        // Both versions list all their files; they share every object but one.
        let v1 = try world.files(try #require(again.first?.submissionID))
        let v2 = try world.files(try #require(second.first?.submissionID))
        #expect(v1.count == v2.count)
        #expect(Set(v1.map(\.sha256)).symmetricDifference(Set(v2.map(\.sha256))).count == 2)
    }

    @Test("a folder and its zip keep the same objects")
    func folderAndZipAgree() throws {
        let world = try World()
        let zip = world.world.store.folder.appendingPathComponent("golf.zip")
        // Python's zipfile (deflate), a second writer of zips besides the test's own builder.
        let script = """
            import os, sys, zipfile
            root, out = sys.argv[1], sys.argv[2]
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for folder, _, names in os.walk(root):
                    for name in names:
                        path = os.path.join(folder, name)
                        z.write(path, os.path.relpath(path, root))
            """
        let made = try CLI.run(["-c", script, golf12, zip.path], program: URL(fileURLWithPath: "/usr/bin/python3"))
        #expect(made.status == 0, "\(made.stderr)")
        let store = try world.store
        let byFolder = PackageReader(store: store).read(golf12)
        let before = try world.objectCount()
        let byZip = PackageReader(store: store).read(zip.path)
        #expect(byFolder.isAccepted && byZip.isAccepted)
        #expect(byFolder.files == byZip.files)
        #expect(byFolder.package?.contentHash == byZip.package?.contentHash)
        #expect(try world.objectCount() == before)
    }

    @Test("a rejected import leaves only what gc removes; gc spares what is referenced and young")
    func garbage() throws {
        let world = try World()
        _ = try world.importer.importPackages([golf12], societyID: "cces", actor: "t")
        let kept = try world.objectCount()
        // A zip whose files were all written before its manifest was found to be unusable.
        let rejected = try world.importer.importPackages([Paths.fixture("imscp/pyslet-unittests/data_imscpv1p2/package_1.zip")], societyID: "cces", actor: "t")
        #expect(rejected.map(\.status) == [.rejected])
        let leftover = try world.objectCount() - kept
        #expect(leftover > 0)
        // A writer that never finished.
        let writer = try world.store.newObject()
        try Data("half".utf8).withUnsafeBytes { try writer.write($0) }
        let content = try world.content
        // Young files are spared by the default grace period.
        #expect(try content.collectGarbage(remove: false).items.isEmpty)
        let listed = try content.collectGarbage(grace: 0, remove: false)
        #expect(listed.items.count == leftover + 1)
        #expect(listed.kept == kept)
        #expect(try world.objectCount() == kept + leftover)
        let removed = try content.collectGarbage(grace: 0, remove: true)
        #expect(removed.items.count == leftover + 1)
        #expect(try world.objectCount() == kept)
        #expect(try content.verify().isIntact)
        withExtendedLifetime(writer) {}
    }

    @Test("verify names each missing and damaged file with its submissions; ecba content verify exits 1")
    func verify() throws {
        let world = try World()
        let outcomes = try world.importer.importPackages([golf12], societyID: "cces", actor: "t")
        let files = try world.files(try #require(outcomes.first?.submissionID))
        let store = try world.store
        #expect(try world.content.verify().isIntact)
        let damaged = try #require(files.first { $0.path == "shared/launchpage.html" })
        let missing = try #require(files.first { $0.path.hasSuffix(".jpg") })
        let damagedPath = store.objectPath(damaged.sha256)
        chmod(damagedPath, 0o644)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: damagedPath))
        try FileManager.default.removeItem(atPath: store.objectPath(missing.sha256))
        let report = try world.content.verify()
        #expect(!report.isIntact)
        #expect(Set(report.problems.map(\.sha256)) == [damaged.sha256, missing.sha256])
        #expect(report.problems.first { $0.sha256 == missing.sha256 }?.state == .missing)
        #expect(report.problems.first { $0.sha256 == damaged.sha256 }?.holders.map(\.path) == ["shared/launchpage.html"])

        let cli = try CLI.run(["content", "verify", "--database", world.world.store.path])
        #expect(cli.status == 1)
        #expect(cli.stdout.contains("damaged: \(damaged.sha256)"))
        #expect(cli.stdout.contains("missing: \(missing.sha256)"))
        #expect(cli.stdout.contains("shared/launchpage.html"))
        #expect(cli.stderr.contains("2 stored file(s) missing or damaged"))
    }

    @Test("ecba import --content keeps files where it is told; gc lists unless --delete")
    func commandLine() throws {
        let temporary = try TemporaryDatabase()
        let content = temporary.folder.appendingPathComponent("elsewhere").path
        let env = ["ECBA_DATABASE": temporary.path, "ECBA_CONTENT": content]
        #expect(try CLI.run(["society", "add", "cces", "--name", "学会", "--kind", "national"], environment: env).status == 0)
        #expect(try CLI.run(["society", "authorize", "cces"], environment: env).status == 0)
        #expect(try CLI.run(["import", golf12, "--society", "cces"], environment: env).status == 0)
        #expect(FileManager.default.fileExists(atPath: content + "/objects"))
        #expect(!FileManager.default.fileExists(atPath: temporary.path + ".content"))
        let rejected = try CLI.run(["import", Paths.fixture("imscp/pyslet-unittests/data_imscpv1p2/package_1.zip"), "--society", "cces"], environment: env)
        #expect(rejected.status == 1)
        let dryRun = try CLI.run(["content", "gc", "--grace", "0", "--json"], environment: env)
        #expect(dryRun.status == 0)
        let listed = try JSONSerialization.jsonObject(with: Data(dryRun.stdout.utf8)) as? [String: Any]
        let items = try #require(listed?["items"] as? [[String: Any]])
        #expect(!items.isEmpty)
        #expect(listed?["removed"] as? Bool == false)
        #expect(items.allSatisfy { FileManager.default.fileExists(atPath: $0["path"] as? String ?? "") })
        let deleted = try CLI.run(["content", "gc", "--grace", "0", "--delete"], environment: env)
        #expect(deleted.status == 0)
        #expect(deleted.stdout.contains("removed"))
        #expect(items.allSatisfy { !FileManager.default.fileExists(atPath: $0["path"] as? String ?? "") })
        let verify = try CLI.run(["content", "verify"], environment: env)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("a submission from before the content store is named by verify and gets its files when imported again")
    func legacySubmission() throws {
        let world = try World()
        let first = try world.importer.importPackages([golf12], societyID: "cces", actor: "t")
        let id = try #require(first.first?.submissionID)
        // As v11 finds a database of earlier versions: submissions without file lists.
        try world.world.store.database.change("DELETE FROM submission_file")
        #expect(try world.content.verify().submissionsWithoutFiles == [id])
        let again = try world.importer.importPackages([golf12], societyID: "cces", actor: "t")
        #expect(again.map(\.status) == [.unchanged])
        #expect(try world.files(id).count == (try tree(golf12)).count)
        #expect(try world.content.verify().submissionsWithoutFiles.isEmpty)
    }
}
