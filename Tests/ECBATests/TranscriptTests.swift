import Catalog
import Credentials
import Domain
import Enrollment
import Foundation
import Societies
import Storage
import Synchronization
import Testing
@testable import Transcripts

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let time = Mutex<Date>(Date(timeIntervalSince1970: 1_800_000_000))
    var now: @Sendable () -> Date { { [self] in time.withLock { $0 } } }
    func advance(days: Double) { time.withLock { $0 += days * 86_400 } }
}

/// Two societies, three engineers, two courses (60 学时 professional, 30 学时 public):
/// zhang (cces) completes both in 2026 and meets the ECBA default; li (cces) completes only
/// the public one; wang is a member of ces.
final class TranscriptWorld {
    let world: CatalogWorld
    let clock = ManualClock()
    let keys: KeyService
    let transcripts: TranscriptService
    let reports: ReportService

    static func day(_ text: String) -> Date { CreditPolicy.day(text) ?? .distantPast }

    init() throws {
        world = try CatalogWorld(societies: ["cces", "ces"])
        try world.appoint(3)
        let database = world.store.database
        keys = KeyService(database: database, directory: KeyDirectory(world.store.folder.appendingPathComponent("keys")), clock: clock.now)
        transcripts = TranscriptService(database: database, keys: keys, clock: clock.now)
        reports = ReportService(database: database, credits: CreditService(database: database))
        try world.publish(samplePackage(
            "design", titles: [LocalizedText(language: "zh", value: "结构设计, \"实务\"")], hours: 60, category: .professional, format: .scorm12,
            activities: [Activity(identifier: "quiz", title: "测验", kind: .sco, launchURL: "q.html", masteryThreshold: 0.8)]
        ))
        try world.publish(samplePackage("ethics", titles: [LocalizedText(language: "zh", value: "工程伦理")], hours: 30, category: .public))
        let engineers = EngineerService(database: database, clock: world.clock.now)
        _ = try engineers.add(id: "zhang", name: "张三", societyID: "cces", memberNumber: "C-1", actor: "t")
        _ = try engineers.add(id: "li", name: "李四", societyID: "cces", memberNumber: "C-2", actor: "t")
        _ = try engineers.add(id: "wang", name: "王五", societyID: "ces", memberNumber: "E-1", actor: "t")
        let enrollments = EnrollmentService(database: database, clock: world.clock.now)
        let progress = ProgressService(database: database, clock: world.clock.now)
        for (engineer, course, activity, day, score) in [
            ("zhang", "cces/design", "quiz", "2026-03-01", 0.9), ("zhang", "cces/ethics", "l1", "2026-04-01", nil),
            ("li", "cces/ethics", "l1", "2026-05-01", nil), ("wang", "cces/ethics", "l1", "2026-06-01", nil),
        ] as [(String, String, String, String, Double?)] {
            _ = try enrollments.enroll(engineerID: engineer, courseID: course, actor: "t")
            _ = try progress.record(
                engineerID: engineer, courseID: course, activity: activity, outcome: score == nil ? .completed : .passed, score: score,
                at: Self.day(day), actor: "t"
            )
        }
    }

    /// A verifier that sees the platform's keys, at the transcript clock's time.
    func verifier() throws -> CredentialVerifier { CredentialVerifier(keys: try keys.jwks(), now: clock.now()) }
}

@Suite("Transcripts: JSON, CSV, signed CLR 2.0 and verification")
struct TranscriptTests {
    let setting: TranscriptWorld

    init() throws { setting = try TranscriptWorld() }

    @Test("JSON and CSV list every completed course with its record, provider, hours, dates and credential id")
    func jsonAndCSV() throws {
        let transcript = try setting.transcripts.transcript(engineerID: "zhang")
        #expect(transcript.records.map(\.courseID) == ["cces/design", "cces/ethics"])
        let design = try #require(transcript.records.first)
        #expect(design.hours == 60 && design.category == .professional && design.courseVersion == 1 && design.providerSocietyID == "cces")
        #expect(design.result == AwardResult(passed: true, score: 0.9) && design.recordVersion == 1 && design.status == .active)
        #expect(design.credentialID.hasPrefix("urn:uuid:") && design.completedAt == TranscriptWorld.day("2026-03-01"))

        let csv = String(decoding: TranscriptFormat.csv(transcript), as: UTF8.self)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.first == TranscriptFormat.csvHeader.joined(separator: ","))
        #expect(lines.count == 4 && lines[3].isEmpty)
        // The title holds a comma and quotes: quoted, quotes doubled (RFC 4180).
        #expect(lines[1].contains(",\"结构设计, \"\"实务\"\"\",cces,Society cces,professional,60,学时,"))
        #expect(lines[1].hasSuffix(",2026-03-01T00:00:00Z,passed,0.9,\(design.credentialID)"))
        let bom = TranscriptFormat.csv(transcript, byteOrderMark: true)
        #expect(Array(bom.prefix(3)) == [0xEF, 0xBB, 0xBF] && bom.dropFirst(3) == TranscriptFormat.csv(transcript))

        let json = try #require(try JSONSerialization.jsonObject(with: TranscriptFormat.json(transcript)) as? [String: Any])
        #expect(json["$schema"] as? String == TranscriptFormat.schemaID)
        let records = try #require(json["records"] as? [[String: Any]])
        #expect(records.count == 2 && (json["totals"] as? [String: Double]) == ["professional": 60, "public": 30])
        let course = try #require(records.first?["course"] as? [String: Any])
        #expect(course["id"] as? String == "cces/design" && course["version"] as? Int == 1)
        #expect(records.first?["credentialId"] as? String == design.credentialID && records.first?["completedAt"] as? String == "2026-03-01T00:00:00Z")

        // A period narrows the list; the credential id is stable across renderings.
        let april = try setting.transcripts.transcript(engineerID: "zhang", period: DateInterval(start: TranscriptWorld.day("2026-04-01"), end: TranscriptWorld.day("2026-05-01")))
        #expect(april.records.map(\.courseID) == ["cces/ethics"])
        #expect(try setting.transcripts.transcript(engineerID: "zhang").records.first?.credentialID == design.credentialID)
        #expect(throws: ServiceError.self) { _ = try setting.transcripts.transcript(engineerID: "nobody") }
    }

    @Test("CLR: a ClrCredential holding one AchievementCredential per course, each a VC-JWT, verifies", arguments: SigningAlgorithm.allCases)
    func clr(_ algorithm: SigningAlgorithm) throws {
        _ = try setting.keys.generate(algorithm, actor: "t")
        let token = try setting.transcripts.clr(engineerID: "zhang")
        let report = try setting.verifier().verifyTranscript(token)
        #expect(report.valid, "\(report.failures)")
        #expect(report.courses == 2 && report.subject == Issuer.engineer("zhang"))

        let outer = try CompactJWS(token)
        let payload = try #require(try JSONSerialization.jsonObject(with: outer.payload) as? [String: Any])
        #expect(payload["@context"] as? [String] == CredentialContext.clrCredential)
        #expect(payload["type"] as? [String] == ["VerifiableCredential", "ClrCredential"])
        #expect(payload["iss"] as? String == Issuer.profile.id && payload["jti"] as? String == payload["id"] as? String)
        let subject = try #require(payload["credentialSubject"] as? [String: Any])
        let enveloped = try #require(subject["verifiableCredential"] as? [[String: Any]])
        #expect(enveloped.count == 2 && enveloped.allSatisfy { $0["type"] as? String == "EnvelopedVerifiableCredential" })
        let innerToken = try #require((enveloped.first?["id"] as? String)?.replacingOccurrences(of: EnvelopedCredential.prefix, with: ""))
        let inner = try #require(try JSONSerialization.jsonObject(with: CompactJWS(innerToken).payload) as? [String: Any])
        #expect(inner["type"] as? [String] == ["VerifiableCredential", "AchievementCredential"])
        #expect(inner["@context"] as? [String] == CredentialContext.achievementCredential)
        let achievementSubject = try #require(inner["credentialSubject"] as? [String: Any])
        let achievement = try #require(achievementSubject["achievement"] as? [String: Any])
        #expect(achievement["achievementType"] as? String == "Course" && achievement["creditsAvailable"] as? Double == 60)
        #expect(achievementSubject["creditsEarned"] as? Double == 60 && achievementSubject["activityEndDate"] as? String == "2026-03-01T00:00:00Z")
        let result = try #require((achievementSubject["result"] as? [[String: Any]])?.first)
        #expect(result["status"] as? String == "Completed" && result["value"] as? String == "0.9")
        let record = try #require(try setting.transcripts.transcript(engineerID: "zhang").records.first)
        #expect(inner["id"] as? String == record.credentialID && inner["jti"] as? String == record.credentialID)
    }

    @Test("the JWT parts are standard JOSE, and PyJWT verifies them with the published JWK set", arguments: SigningAlgorithm.allCases)
    func standardJOSE(_ algorithm: SigningAlgorithm) throws {
        _ = try setting.keys.generate(algorithm, actor: "t")
        let token = try setting.transcripts.clr(engineerID: "zhang")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { part in !part.isEmpty && part.allSatisfy { $0.isLetter && $0.isASCII || $0.isNumber || $0 == "-" || $0 == "_" } })
        let headerData = try #require(Base64URL.decode(parts[0]))
        let header = try #require(try JSONSerialization.jsonObject(with: headerData) as? [String: String])
        let kid = try #require(try setting.keys.keys().first?.kid)
        #expect(header == ["alg": algorithm.rawValue, "kid": kid, "typ": "JWT"])

        // An independent JOSE implementation (PyJWT) checks the signature, nbf and the claims.
        let folder = setting.world.store.folder
        try token.write(to: folder.appendingPathComponent("t.jwt"), atomically: true, encoding: .utf8)
        try setting.keys.jwks().json().write(to: folder.appendingPathComponent("jwks.json"))
        let script = """
            import json, sys, jwt
            token = open(sys.argv[1]).read().strip()
            keys = {k["kid"]: jwt.PyJWK(k) for k in json.load(open(sys.argv[2]))["keys"]}
            def check(t):
                header = jwt.get_unverified_header(t)
                claims = jwt.decode(t, key=keys[header["kid"]].key, algorithms=[header["alg"]], options={"verify_nbf": False})
                assert claims["jti"] == claims["id"] and claims["iss"] == claims["issuer"]["id"], claims
                return claims
            outer = check(token)
            inner = [check(c["id"].split(",", 1)[1]) for c in outer["credentialSubject"]["verifiableCredential"]]
            print(len(inner), " ".join(c["credentialSubject"]["achievement"]["humanCode"] for c in inner))
            """
        let python = try Python.run(script, arguments: [folder.appendingPathComponent("t.jwt").path, folder.appendingPathComponent("jwks.json").path])
        #expect(python.status == 0, "\(python.stderr)")
        #expect(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2 cces/design cces/ethics")
    }

    @Test("tampering with the payload, the signature or the header is caught and named")
    func tampered() throws {
        _ = try setting.keys.generate(.rs256, actor: "t")
        let token = try setting.transcripts.clr(engineerID: "zhang")
        let verifier = try setting.verifier()
        let parts = token.split(separator: ".").map(String.init)

        // Payload: 60 学时 become 600, the signature kept.
        let payload = String(decoding: try #require(Base64URL.decode(parts[1])), as: UTF8.self)
        #expect(payload.contains("\"creditsAvailable\":60"))
        let inflated = Base64URL.encode(Data(payload.replacingOccurrences(of: "\"creditsAvailable\":60", with: "\"creditsAvailable\":600").utf8))
        let forgedPayload = verifier.verifyTranscript([parts[0], inflated, parts[2]].joined(separator: "."))
        #expect(!forgedPayload.valid && forgedPayload.failures.map(\.check) == ["signature"])

        // Signature: one byte flipped.
        var signature = try #require(Base64URL.decode(parts[2]))
        signature[10] ^= 0x01
        let forgedSignature = verifier.verifyTranscript([parts[0], parts[1], Base64URL.encode(signature)].joined(separator: "."))
        #expect(forgedSignature.failures.map(\.check) == ["signature"])

        // Header: alg none, an unknown kid, a changed typ, and an added member (which the signature covers).
        let kid = try #require(try setting.keys.keys().first?.kid)
        let headers: [(String, String)] = [
            (#"{"alg":"none","kid":"\#(kid)","typ":"JWT"}"#, "header"),
            (#"{"alg":"RS256","kid":"someone-else","typ":"JWT"}"#, "key"),
            (#"{"alg":"EdDSA","kid":"\#(kid)","typ":"JWT"}"#, "key"),
            (#"{"alg":"RS256","kid":"\#(kid)","typ":"JWT","x":1}"#, "signature"),
        ]
        for (header, check) in headers {
            let report = verifier.verifyTranscript([Base64URL.encode(Data(header.utf8)), parts[1], parts[2]].joined(separator: "."))
            #expect(report.failures.map(\.check) == [check], "\(header): \(report.failures)")
        }
        // Not a JWS at all, and padding.
        #expect(verifier.verifyTranscript("not-a-token").failures.map(\.check) == ["encoding"])
        // Another spelling of the same signature (unused bits of its last character set) is refused.
        var respelled = Array(parts[2])
        let last = try #require(respelled.last)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let value = try #require(alphabet.firstIndex(of: last))
        respelled[respelled.count - 1] = alphabet[value ^ 1]
        #expect(Base64URL.decode(String(respelled)) == nil)
        #expect(verifier.verifyTranscript([parts[0], parts[1], String(respelled)].joined(separator: ".")).failures.map(\.check) == ["encoding"])
        #expect(verifier.verifyTranscript(parts[0] + "=." + parts[1] + "." + parts[2]).failures.map(\.check) == ["encoding"])
        // The untouched token still verifies.
        #expect(verifier.verifyTranscript(token).valid)
    }

    @Test("an expired key signs nothing; what it signed while valid still verifies; a token dated after its end fails")
    func expiredKey() throws {
        let key = try setting.keys.generate(.edDSA, validityDays: 1, actor: "t")
        let token = try setting.transcripts.clr(engineerID: "li")
        setting.clock.advance(days: 2)
        #expect(try setting.keys.keys().first?.state(at: setting.clock.now()) == .expired)
        do {
            _ = try setting.transcripts.clr(engineerID: "li")
            Issue.record("an expired key signed")
        } catch {
            #expect(error.code == .conflict && error.message.contains("expired") && error.remedy == .rotateSigningKey && !error.message.contains("keys rotate"))
        }
        #expect(try setting.verifier().verifyTranscript(token).valid)

        // A token whose validFrom lies after the key's end (e.g. a stolen key used later) fails.
        let (_, privateKey) = try signerIgnoringExpiry(key.kid)
        let late = ClrCredential(
            id: "urn:uuid:late", issuer: Issuer.profile, name: "late", description: nil, validFrom: CredentialDate.format(setting.clock.now()),
            validUntil: nil, credentialSubject: ClrSubject(id: Issuer.engineer("li"), verifiableCredential: [], achievement: [])
        )
        let report = try setting.verifier().verifyTranscript(VCJWT.sign(late, kid: key.kid, key: privateKey))
        #expect(report.failures.map(\.check) == ["key validity"])
        #expect(report.failures.first?.detail.contains("after key '\(key.kid)' expired") == true)

        // Rotating gives a signing key again.
        _ = try setting.keys.rotate(actor: "t")
        #expect(try setting.verifier().verifyTranscript(setting.transcripts.clr(engineerID: "li")).valid)
    }

    func signerIgnoringExpiry(_ kid: String) throws -> (String, PrivateSigningKey) {
        (kid, try KeyDirectory(setting.world.store.folder.appendingPathComponent("keys")).load(kid, algorithm: .edDSA))
    }

    @Test("rotation: the old key retires but stays published, so old transcripts verify; keys are 0600 in a 0700 folder")
    func rotation() throws {
        let first = try setting.keys.generate(.rs256, actor: "t")
        #expect(throws: ServiceError.self) { _ = try setting.keys.generate(.rs256, actor: "t") }
        let old = try setting.transcripts.clr(engineerID: "zhang")
        let (second, retired) = try setting.keys.rotate(.edDSA, actor: "t")
        #expect(retired == [first.kid] && second.kid != first.kid && second.algorithm == "EdDSA")
        let new = try setting.transcripts.clr(engineerID: "zhang")
        #expect(try CompactJWS(new).header.kid == second.kid && CompactJWS(old).header.kid == first.kid)
        let verifier = try setting.verifier()
        #expect(verifier.keys.keys.map(\.kid) == [first.kid, second.kid])
        #expect(verifier.verifyTranscript(old).valid && verifier.verifyTranscript(new).valid)
        #expect(try setting.keys.keys().map { $0.state(at: setting.clock.now()) } == [.retired, .active])
        // Same record, same credential id, newer validFrom.
        let oldCourse = try #require(try innerCredential(old))
        let newCourse = try #require(try innerCredential(new))
        #expect(oldCourse.id == newCourse.id)

        let folder = setting.world.store.folder.appendingPathComponent("keys")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        for kid in [first.kid, second.kid] {
            let file = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(kid + ".pem").path)
            #expect((file[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
        // A key file others can read is refused.
        let path = folder.appendingPathComponent(second.kid + ".pem").path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        do {
            _ = try setting.transcripts.clr(engineerID: "zhang")
            Issue.record("a world-readable key was used")
        } catch {
            #expect(error.message.contains("chmod 600"))
        }
        // The database holds no private key.
        let stored = try setting.keys.keys().map(\.publicJWK).joined()
        #expect(!stored.contains("\"d\"") && !stored.contains("PRIVATE"))
    }

    func innerCredential(_ token: String) throws -> AchievementCredential? {
        let clr = try JSONDecoder().decode(ClrCredential.self, from: CompactJWS(token).payload)
        guard let jwt = clr.credentialSubject.verifiableCredential.first?.jwt else { return nil }
        return try JSONDecoder().decode(AchievementCredential.self, from: CompactJWS(jwt).payload)
    }

    @Test("a revoked award leaves the transcript and becomes record version 2")
    func revocation() throws {
        let database = setting.world.store.database
        let before = try #require(try setting.transcripts.transcript(engineerID: "li").records.first)
        try database.transaction(at: Date()) { tx in _ = try tx.revokeAward(enrollmentID: 3, reason: "voided statement") }
        #expect(try setting.transcripts.transcript(engineerID: "li").records.isEmpty)
        let revoked = try #require(try database.transcriptRecords(engineerID: "li", from: .distantPast, before: .distantFuture, includeRevoked: true).first)
        #expect(revoked.recordID == before.recordID && revoked.recordVersion == 2 && revoked.status == .revoked)
        #expect(revoked.credentialID == before.credentialID)
    }
}

@Suite("Society credit reports")
struct SocietyReportTests {
    let setting: TranscriptWorld

    init() throws { setting = try TranscriptWorld() }

    func report(_ society: String, detail: Bool = false, format: ReportFormat = .csv) throws -> (String, ReportOutcome) {
        var writer = BufferedWriter(MemorySink())
        let outcome = try setting.reports.write(society: society, containing: TranscriptWorld.day("2026-06-01"), detail: detail, format: format, to: &writer)
        let data = (writer.sink as? MemorySink)?.data ?? Data()
        return (String(decoding: data, as: UTF8.self), outcome)
    }

    @Test("summary: one row per member, meeting and missing the policy, with every figure")
    func summary() throws {
        let (csv, outcome) = try report("cces")
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == ReportService.summaryHeader(.ecbaDefault).joined(separator: ","))
        // zhang: 60 professional + 30 public = 90, meets; li: 30 public, short 60 in total and 60 professional.
        #expect(lines.dropFirst().map { $0 } == [
            "C-1,zhang,张三,cces,2026-01-01,2026-12-31,ecba-default,学时,90,90,0,60,60,60,0,30,30,,0,0,yes,0",
            "C-2,li,李四,cces,2026-01-01,2026-12-31,ecba-default,学时,90,30,0,0,0,60,60,30,30,,0,0,no,60",
        ])
        #expect(outcome.members == 2 && outcome.rows == 2 && outcome.met == 1)
        // A member without any award still has a row; other societies' members never appear.
        _ = try EngineerService(database: setting.world.store.database).add(id: "zhao", name: "赵六", societyID: "cces", memberNumber: "C-3", actor: "t")
        let (again, _) = try report("cces")
        #expect(again.contains("C-3,zhao,赵六,cces,2026-01-01,2026-12-31,ecba-default,学时,90,0,0,0,0,60,60,0,0,,0,0,no,90"))
        #expect(!again.contains("wang"))
    }

    @Test("detail: one row per completed course with the registry columns and the record version; JSON carries the same")
    func detail() throws {
        let (csv, outcome) = try report("cces", detail: true)
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == ReportService.detailHeader.joined(separator: ","))
        #expect(outcome.rows == 3 && lines.count == 4)
        let record = try #require(try setting.transcripts.transcript(engineerID: "zhang").records.first)
        #expect(lines[1] == "C-1,zhang,张三,cces,2026-01-01,2026-12-31,cces/design,1,\"结构设计, \"\"实务\"\"\",cces,professional,60,学时,2026-03-01,passed,\(record.credentialID),\(record.recordID),1")

        let (json, _) = try report("cces", detail: true, format: .json)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rows = try #require(document["rows"] as? [[String: Any]])
        #expect(rows.count == 3 && rows.first?["title"] as? String == "结构设计, \"实务\"" && rows.first?["hours"] as? Double == 60)
        #expect(rows.first?["record_version"] as? Int == 1 && document["policy"] as? String == "ecba-default")
        let (summaryJSON, _) = try report("cces", format: .json)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryJSON.utf8)) as? [String: Any])
        let members = try #require(summary["rows"] as? [[String: Any]])
        #expect(members.map { $0["met"] as? Bool } == [true, false] && members.last?["short"] as? Double == 60)
    }

    @Test("summing per subject in SQLite gives the figures the per-award path gives, carry-over included")
    func summedEqualsPerAward() throws {
        let database = setting.world.store.database
        let credits = CreditService(database: database)
        // Subject-only categories with a carry-over: li's 2025 award carries into 2026.
        let policy = #"""
            {"name": "carry", "title": "30 a year, carry-over 20", "unit": "学时", "conversions": {"学时": 1},
             "period": {"kind": "calendar-year"}, "total": 30,
             "categories": [{"name": "professional", "subjects": ["professional"], "minimum": {"hours": 10}}, {"name": "public", "subjects": ["public"]}],
             "carryOver": {"maximum": 20}}
            """#
        _ = try credits.add(Data(policy.utf8), actor: "t")
        try credits.setSocietyPolicy("cces", policy: "carry", actor: "t")
        let progress = ProgressService(database: database, clock: setting.world.clock.now)
        _ = try EnrollmentService(database: database, clock: setting.world.clock.now).enroll(engineerID: "li", courseID: "cces/design", actor: "t")
        _ = try progress.record(engineerID: "li", courseID: "cces/design", activity: "quiz", outcome: .passed, score: 0.95,
                                at: TranscriptWorld.day("2025-12-31"), actor: "t")
        for format in ReportFormat.allCases {
            var summed = BufferedWriter(MemorySink())
            var perAward = BufferedWriter(MemorySink())
            let date = TranscriptWorld.day("2026-06-01")
            _ = try ReportService(database: database, credits: credits, sumsInDatabase: true)
                .write(society: "cces", containing: date, detail: false, format: format, to: &summed)
            _ = try ReportService(database: database, credits: credits, sumsInDatabase: false)
                .write(society: "cces", containing: date, detail: false, format: format, to: &perAward)
            let one = String(decoding: (summed.sink as? MemorySink)?.data ?? Data(), as: UTF8.self)
            let other = String(decoding: (perAward.sink as? MemorySink)?.data ?? Data(), as: UTF8.self)
            #expect(one == other)
            if format == .csv {
                // li: 2025 had 60 professional, 30 above the total of 30, at most 20 carried; 2026: 30 public.
                // Total 30 + 20 = 50, met; professional 0 of 10: short 10, so not met.
                #expect(one.contains("C-2,li,李四,cces,2026-01-01,2026-12-31,carry,学时,30,50,20,0,0,10,10,30,30,,0,0,no,0"), "\(one)")
            }
        }
    }

    @Test("only an authorised society gets a report: withdrawn, removed and unknown ones are refused")
    func refusals() throws {
        let societies = setting.world.societies
        _ = try societies.withdraw(id: "ces", reason: "left", actor: "t")
        #expect(throws: ServiceError(.notAuthorized, "society 'ces' has withdrawn from the alliance (Art. 19); its reports are no longer produced")) {
            _ = try report("ces")
        }
        _ = try societies.remove(id: "cces", reason: "expelled", actor: "t")
        #expect(throws: ServiceError(.notAuthorized, "society 'cces' was removed from the alliance (Art. 20); its reports are no longer produced")) {
            _ = try report("cces")
        }
        #expect(throws: ServiceError(.notFound, "no society 'nope'")) { _ = try report("nope") }
    }
}

/// Runs a Python script with a system Python that has the modules it needs (Debian:
/// python3-jwt, python3-cryptography, python3-jsonschema; .ci/run installs them).
enum Python {
    static func run(_ script: String, arguments: [String], modules: String = "jwt, cryptography") throws -> CLI.Result {
        let candidates = ["/usr/bin/python3", "/usr/local/bin/python3"].filter { FileManager.default.isExecutableFile(atPath: $0) }
        let python = try #require(
            candidates.first { (try? execute($0, ["-c", "import \(modules)"]).status) == 0 },
            "no python3 with \(modules); install python3-jwt python3-cryptography python3-jsonschema"
        )
        return try execute(python, ["-c", script] + arguments)
    }

    static func execute(_ executable: String, _ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments, program: URL(fileURLWithPath: executable))
    }
}

@Suite("Transcripts and reports from the command line")
struct TranscriptCLITests {
    @Test("keys generate, transcript --format clr --output, verify; a tampered file fails with exit 1; report --output")
    func endToEnd() throws {
        let setting = try TranscriptWorld()
        let folder = setting.world.store.folder
        let base = ["--database", setting.world.store.path]
        let generated = try CLI.run(["keys", "generate", "--alg", "EdDSA"] + base)
        #expect(generated.status == 0 && generated.stdout.contains("created EdDSA key ecba-"), "\(generated.stderr)")
        // The default key folder sits beside the database.
        #expect(FileManager.default.fileExists(atPath: setting.world.store.keysFolder))

        let file = folder.appendingPathComponent("zhang.jwt").path
        let issued = try CLI.run(["transcript", "zhang", "--format", "clr", "--output", file] + base)
        #expect(issued.status == 0, "\(issued.stderr)")
        let verified = try CLI.run(["verify", file] + base)
        #expect(verified.status == 0 && verified.stdout.contains("valid: transcript urn:uuid:") && verified.stdout.contains("2 course credential(s)"))

        let jwks = try CLI.run(["keys", "jwks"] + base)
        try jwks.stdout.write(toFile: folder.appendingPathComponent("jwks.json").path, atomically: true, encoding: .utf8)
        let withFile = try CLI.run(["verify", file, "--jwks", folder.appendingPathComponent("jwks.json").path, "--json"])
        #expect(withFile.status == 0 && withFile.stdout.contains("\"valid\" : true"))

        // One character in the middle of the signature changes: its bits are all used.
        var characters = Array(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        let position = characters.count - 20
        characters[position] = characters[position] == "A" ? "B" : "A"
        try String(characters).write(toFile: file, atomically: true, encoding: .utf8)
        let tampered = try CLI.run(["verify", file] + base)
        #expect(tampered.status == 1 && tampered.stdout.contains("FAIL transcript: signature:") && tampered.stdout.contains("INVALID"))

        // The JSON follows the documented schema (checked by the jsonschema package).
        let json = try CLI.run(["transcript", "zhang", "--format", "json", "--period", "2026"] + base)
        #expect(json.status == 0, "\(json.stderr)")
        try json.stdout.write(toFile: folder.appendingPathComponent("t.json").path, atomically: true, encoding: .utf8)
        let schema = Paths.repositoryRoot.appendingPathComponent("docs/transcript.schema.json").path
        let validation = try Python.run("""
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            document = json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
            print(len(document["records"]))
            """, arguments: [schema, folder.appendingPathComponent("t.json").path], modules: "jsonschema")
        #expect(validation.status == 0 && validation.stdout.hasPrefix("2"), "\(validation.stderr)")

        let csv = try CLI.run(["transcript", "zhang", "--format", "csv", "--bom"] + base)
        #expect(csv.status == 0 && csv.stdout.hasPrefix("\u{FEFF}record_id,record_version,"))

        let reportFile = folder.appendingPathComponent("cces.csv").path
        let report = try CLI.run(["report", "society", "cces", "--period", "2026", "--output", reportFile] + base)
        #expect(report.status == 0 && report.stderr.contains("cces: 2 member(s), 2 row(s), 1 meeting ecba-default"), "\(report.stderr)")
        #expect(try String(contentsOfFile: reportFile, encoding: .utf8).contains("C-2,li,李四,cces,2026-01-01,2026-12-31"))

        // A refused report leaves no file behind.
        _ = try setting.world.societies.withdraw(id: "ces", reason: "left", actor: "t")
        let refusedFile = folder.appendingPathComponent("ces.csv").path
        let refused = try CLI.run(["report", "society", "ces", "--output", refusedFile] + base)
        #expect(refused.status == 1 && refused.stderr.contains("has withdrawn"))
        #expect(!FileManager.default.fileExists(atPath: refusedFile))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.contains(".partial-") })
    }
}
