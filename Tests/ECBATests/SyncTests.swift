import Catalog
import Domain
import Enrollment
import Foundation
import Storage
import Testing
@testable import RegistrySync

/// TranscriptWorld plus twenty more cces members with one completed course each: 23 standing
/// records for cces (zhang 2, li 1, e01...e20), and a registry token file.
final class SyncWorld {
    let setting: TranscriptWorld
    let registry: FakeRegistry
    let tokenFile: String

    var database: AppDatabase { setting.world.store.database }

    init(timeoutDelay: TimeInterval = 1.5) throws {
        setting = try TranscriptWorld()
        registry = try FakeRegistry(timeoutDelay: timeoutDelay)
        tokenFile = setting.world.store.folder.appendingPathComponent("registry.token").path
        try "\(registry.token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let database = setting.world.store.database
        let engineers = EngineerService(database: database, clock: setting.world.clock.now)
        let enrollments = EnrollmentService(database: database, clock: setting.world.clock.now)
        let progress = ProgressService(database: database, clock: setting.world.clock.now)
        for index in 1...20 {
            let id = String(format: "e%02d", index)
            _ = try engineers.add(id: id, name: "工程师\(index)", societyID: "cces", memberNumber: "C-1\(index)", actor: "t")
            _ = try enrollments.enroll(engineerID: id, courseID: "cces/ethics", actor: "t")
            _ = try progress.record(engineerID: id, courseID: "cces/ethics", activity: "l1", outcome: .completed, at: TranscriptWorld.day("2026-07-01"), actor: "t")
        }
    }

    deinit { registry.stop() }

    func service(_ policy: SyncPolicy = SyncPolicy(batchSize: 3, maxAttempts: 60, backoffBase: 0.01, backoffCap: 0.2, timeout: 0.5)) -> SyncService {
        SyncService(database: database, policy: policy)
    }

    func setRegistry() throws -> Int {
        try service().setRegistry(RegistryConfig(societyID: "cces", url: registry.url, tokenFile: tokenFile, format: .json), actor: "t")
    }

    /// The key of every current record version of cces's members.
    func keys() throws -> Set<String> {
        var keys = Set<String>()
        for engineer in ["zhang", "li"] + (1...20).map({ String(format: "e%02d", $0) }) {
            for award in try database.awards(of: engineer) {
                keys.insert(RegistryRecord.key(credentialID: award.credentialID ?? "", version: award.recordVersion))
            }
        }
        return keys
    }
}

@Suite("Registry sync: outbox, delivery, retries, dead letters", .serialized)
struct SyncTests {
    @Test("with half of all calls failing in every way, every record ends delivered and applied exactly once")
    func halfFailing() async throws {
        let world = try SyncWorld()
        #expect(try world.setRegistry() == 23)
        // wang is a ces member: nothing of his goes to cces's registry.
        world.registry.configure(
            script: [.applyThenDrop, .serverError, .timeout, .drop, .tooManyRequests, .slow, .ok], failureShare: 0.5
        )
        let summary = try await world.service().run(untilDone: true)
        let state = world.registry.snapshot
        let expected = try world.keys()
        #expect(summary.delivered == 23 && summary.parked == 0)
        #expect(Set(state.applied.keys) == expected && state.applied.values.allSatisfy { $0 == 1 })
        // Some batches arrived more than once (applied, then the answer was lost): no effect.
        #expect(state.received.values.contains { $0 > 1 })
        #expect(summary.failedAttempts >= 5 && state.unauthorized == 0)
        // Every attempt is recorded, with its answer.
        let statuses = try world.service().status()
        let cces = try #require(statuses.first)
        #expect(cces.delivered == 23 && cces.due == 0 && cces.waiting == 0 && cces.failed == 0)
        #expect(try world.database.syncAttemptCount(societyID: "cces") == summary.attempts)
        // Every request the registry saw was an attempt (an attempt can fail before it is read).
        #expect(summary.attempts >= state.requests && state.requests > 0)

        // A revocation is a new record version: sent once more, as revoked.
        try world.database.transaction(at: Date()) { tx in _ = try tx.revokeAward(enrollmentID: 3, reason: "voided statement") }
        world.registry.configure(failureShare: 0)
        let again = try await world.service().run(untilDone: true)
        #expect(again.delivered == 1)
        let revoked = try #require(try world.database.awards(of: "li").first)
        let key = RegistryRecord.key(credentialID: revoked.credentialID ?? "", version: 2)
        #expect(world.registry.snapshot.applied[key] == 1 && world.registry.snapshot.statuses[key] == "revoked")
        // Nothing is pending: a further run sends nothing.
        let idle = try await world.service().run(untilDone: true)
        #expect(idle.attempts == 0)
    }

    @Test("after the registry is set, a new award and a newcomer's standing records are queued with the change that calls for them")
    func queuedWithTheChange() async throws {
        let world = try SyncWorld()
        #expect(try world.setRegistry() == 23)
        _ = try await world.service().run(untilDone: true)
        let database = world.database
        let clock = world.setting.world.clock
        let engineers = EngineerService(database: database, clock: clock.now)
        let enrollments = EnrollmentService(database: database, clock: clock.now)
        let progress = ProgressService(database: database, clock: clock.now)
        // A new cces member's first award, and a ces engineer with an award who then joins cces
        // through its roster (matched by e-mail).
        _ = try engineers.add(id: "e21", name: "工程师21", societyID: "cces", memberNumber: "C-121", actor: "t")
        _ = try engineers.add(id: "zhao", name: "赵六", email: "zhao@example.cn", societyID: "ces", memberNumber: "E-2", actor: "t")
        for id in ["e21", "zhao"] {
            _ = try enrollments.enroll(engineerID: id, courseID: "cces/ethics", actor: "t")
            _ = try progress.record(engineerID: id, courseID: "cces/ethics", activity: "l1", outcome: .completed, at: TranscriptWorld.day("2026-08-01"), actor: "t")
        }
        // The changes are stamped on the world's clock: the sync service runs on it too.
        let sync = SyncService(database: database, policy: SyncPolicy(batchSize: 3, maxAttempts: 5, backoffBase: 0.01, backoffCap: 0.2, timeout: 10),
                               clock: clock.now)
        #expect(try sync.status().first?.due == 1)
        let roster = try engineers.importRoster(Array("member_number,name,email\nC-122,赵六,zhao@example.cn\n".utf8), societyID: "cces", actor: "cces")
        #expect(roster.linked == ["zhao"])
        let summary = try await sync.run(untilDone: true)
        #expect(summary.delivered == 2)
        let applied = world.registry.snapshot.applied
        for id in ["e21", "zhao"] {
            let award = try #require(try database.awards(of: id).first)
            #expect(applied[RegistryRecord.key(credentialID: award.credentialID ?? "", version: 1)] == 1)
        }
        #expect(applied.count == 25)
    }

    @Test("Retry-After is respected: the next attempt waits at least that long")
    func retryAfter() async throws {
        let world = try SyncWorld()
        _ = try world.setRegistry()
        world.registry.configure(script: [.tooManyRequests])
        let started = Date()
        let summary = try await world.service(SyncPolicy(batchSize: 100, maxAttempts: 5, backoffBase: 0.01, timeout: 2)).run(untilDone: true)
        #expect(summary.delivered == 23 && summary.attempts == 2)
        #expect(Date().timeIntervalSince(started) >= 1)
    }

    @Test("after too many attempts records are parked as failed with their last error; retry re-queues them")
    func deadLetters() async throws {
        let world = try SyncWorld()
        _ = try world.setRegistry()
        world.registry.configure(script: Array(repeating: .serverError, count: 3))
        let policy = SyncPolicy(batchSize: 100, maxAttempts: 3, backoffBase: 0.01, timeout: 1)
        let summary = try await world.service(policy).run(untilDone: true)
        #expect(summary.delivered == 0 && summary.parked == 23 && summary.attempts == 3)
        let status = try #require(try world.service().status().first)
        #expect(status.failed == 23 && status.failures.first?.lastError.hasPrefix("HTTP 500") == true && status.failures.first?.attempts == 3)
        #expect(status.lastAttempt?.httpStatus == 500)
        #expect(try world.service().retry(societyID: "cces", ids: [], actor: "t") == 23)
        let retried = try await world.service(policy).run(untilDone: true)
        #expect(retried.delivered == 23 && world.registry.snapshot.applied.count == 23)
    }

    @Test("two runs at once never send the same record")
    func concurrentRuns() async throws {
        let world = try SyncWorld()
        _ = try world.setRegistry()
        world.registry.configure(script: Array(repeating: .slow, count: 40))
        let policy = SyncPolicy(batchSize: 2, maxAttempts: 5, backoffBase: 0.01, timeout: 2)
        let (runner, other) = (world.service(policy), world.service(policy))
        async let first = runner.run()
        async let second = other.run()
        let (one, two) = try await (first, second)
        #expect(one.delivered + two.delivered == 23)
        #expect(world.registry.snapshot.received.values.allSatisfy { $0 == 1 } && world.registry.snapshot.received.count == 23)
    }

    @Test("a bad token is refused by the registry and retried, never logged; a missing token file skips the society")
    func tokens() async throws {
        let world = try SyncWorld()
        _ = try world.setRegistry()
        try "wrong-token\n".write(toFile: world.tokenFile, atomically: true, encoding: .utf8)
        let refused = try await world.service(SyncPolicy(batchSize: 100, maxAttempts: 2, backoffBase: 0.01, timeout: 1)).run(untilDone: true)
        #expect(refused.parked == 23 && world.registry.snapshot.unauthorized == 2)
        let payloads = try world.database.syncAttemptPayloads(societyID: "cces").joined()
        #expect(!payloads.contains("wrong-token") && !payloads.contains(world.registry.token))
        try FileManager.default.removeItem(atPath: world.tokenFile)
        let skipped = try await world.service().run()
        #expect(skipped.skipped["cces"]?.contains("cannot read the registry token file") == true)
        // Only an authorised society gets a registry; the URL must be http(s).
        #expect(throws: ServiceError.self) {
            _ = try world.service().setRegistry(RegistryConfig(societyID: "cces", url: "file:///etc/passwd", tokenFile: world.tokenFile, format: .json), actor: "t")
        }
    }
}

@Suite("Registry payloads")
struct RegistryPayloadTests {
    @Test("JSON and CSV bodies carry every field of the contract; CSV quotes as RFC 4180 asks")
    func bodies() throws {
        let record = RegistryRecord(
            idempotencyKey: "urn:uuid:1#v2", recordId: 7, version: 2, status: .revoked, engineer: .init(id: "zhang", memberNumber: "C-1"),
            course: .init(id: "cces/design", version: 1, title: "结构设计, \"实务\""), hours: 60, unit: "学时", category: .professional,
            completedAt: "2026-03-01T00:00:00Z", credentialId: "urn:uuid:1"
        )
        let json = try #require(try JSONSerialization.jsonObject(with: SyncService.body([record], format: .json)) as? [String: [[String: Any]]])
        let sent = try #require(json["records"]?.first)
        #expect(Set(sent.keys) == ["idempotencyKey", "recordId", "version", "status", "engineer", "course", "hours", "unit", "category", "completedAt", "credentialId"])
        #expect(sent["status"] as? String == "revoked" && (sent["engineer"] as? [String: String])?["memberNumber"] == "C-1")
        let csv = String(decoding: SyncService.body([record], format: .csv), as: UTF8.self)
        #expect(csv == "idempotency_key,record_id,version,status,engineer_id,member_number,course_id,course_version,course_title,hours,unit,category,completed_at,credential_id\r\n"
                + "urn:uuid:1#v2,7,2,revoked,zhang,C-1,cces/design,1,\"结构设计, \"\"实务\"\"\",60.0,学时,professional,2026-03-01T00:00:00Z,urn:uuid:1\r\n")
        #expect(HTTPRegistryClient.retryAfter("120") == 120 && HTTPRegistryClient.retryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_767_225_600)   // 2026-01-01T00:00:00Z
        #expect(HTTPRegistryClient.retryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now: now) == 30)
    }
}

@Suite("Registry sync from the command line", .serialized)
struct SyncCLITests {
    @Test("kill -9 of 'sync run' mid-batch, then a rerun: nothing lost, nothing applied twice")
    func killMidBatch() throws {
        let world = try SyncWorld()
        let base = ["--database", world.setting.world.store.path]
        let set = try CLI.run(["society", "set-registry", "cces", "--url", world.registry.url, "--token-file", world.tokenFile] + base)
        #expect(set.status == 0 && set.stdout.contains("23 record(s) queued"), "\(set.stderr)")
        // The first batch is applied, and its answer never comes: the run is killed waiting for it.
        world.registry.configure(script: [.applyThenStall])
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["sync", "run", "--batch-size", "5", "--timeout", "60"] + base
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while world.registry.snapshot.applied.count < 5 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(world.registry.snapshot.applied.count == 5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let status = try CLI.run(["sync", "status", "--json"] + base)
        #expect(status.status == 0 && status.stdout.contains("\"delivered\" : 0"))
        let rerun = try CLI.run(["sync", "run", "--until-done", "--batch-size", "5", "--timeout", "5", "--backoff", "0.05"] + base)
        #expect(rerun.status == 0 && rerun.stdout.contains("delivered 23 record(s)"), "\(rerun.stdout) \(rerun.stderr)")
        let state = world.registry.snapshot
        #expect(state.applied.count == 23 && state.applied.values.allSatisfy { $0 == 1 })
        // The killed batch went out twice; the registry applied it once.
        #expect(state.received.values.filter { $0 == 2 }.count == 5)
        let final = try CLI.run(["sync", "status"] + base)
        #expect(final.stdout.contains("cces") && final.stdout.contains(" 23 "))
    }
}
