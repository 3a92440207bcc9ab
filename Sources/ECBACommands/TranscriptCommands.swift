import ArgumentParser
import Catalog
import Credentials
import Domain
import Enrollment
import Foundation
import Transcripts

extension SigningAlgorithm: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The platform's signing keys for transcripts (VC-JWT).",
        discussion: Help.prose("""
            One key signs at a time. Private keys are PEM files readable by their owner only, in the
            key directory (--keys); the database holds the public halves, which 'ecba keys jwks'
            publishes as a JWK set. 'rotate' retires the signing key and creates a new one: retired
            keys stay in the JWK set, so every transcript they signed still verifies. A key signs
            until it expires (--valid-days, default 730); after that, transcripts are refused
            until the key is rotated.

            Typical set-up:
              ecba keys generate --alg RS256
              ecba keys jwks > jwks.json      # publish at https://learning.ecba.org.cn/issuers/ecba/jwks.json
            """),
        subcommands: [Generate.self, List.self, Rotate.self, JWKS.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "generate", abstract: "Create the first signing key (refused while one is active: use rotate).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var keys: KeysOption
        @OptionGroup var actor: ActorOption
        @Option(help: "RS256 (RSA 2048, the VC-JWT conformance minimum) or EdDSA (Ed25519).") var alg: SigningAlgorithm = .rs256
        @Option(help: "Days the key may sign.") var validDays = KeyService.defaultValidityDays

        func run() throws {
            let service = KeyService(database: try options.open(), directory: keys.keyDirectory(database: options.databasePath))
            let key: SigningKeyRecord
            do { key = try service.generate(alg, validityDays: validDays, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(KeyRow(key, at: Date())); return }
            Console.out("created \(key.algorithm) key \(key.kid), signing until \(CredentialDate.format(key.notAfter))")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate", abstract: "Retire the signing key and create a new one (same algorithm unless --alg).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var keys: KeysOption
        @OptionGroup var actor: ActorOption
        @Option(help: "RS256 or EdDSA; defaults to the current key's.") var alg: SigningAlgorithm?
        @Option(help: "Days the new key may sign.") var validDays = KeyService.defaultValidityDays

        func run() throws {
            let service = KeyService(database: try options.open(), directory: keys.keyDirectory(database: options.databasePath))
            let result: (key: SigningKeyRecord, retired: [String])
            do { result = try service.rotate(alg, validityDays: validDays, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json { try Console.json(KeyRow(result.key, at: Date())); return }
            Console.out("created \(result.key.algorithm) key \(result.key.kid), signing until \(CredentialDate.format(result.key.notAfter))")
            if !result.retired.isEmpty { Console.out("retired \(result.retired.joined(separator: ", ")) (still published for verification)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the signing keys and their state (active, retired, expired).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var keys: KeysOption

        func run() throws {
            let service = KeyService(database: try options.open(), directory: keys.keyDirectory(database: options.databasePath))
            let rows: [KeyRow]
            do { rows = try service.keys().map { KeyRow($0, at: Date()) } } catch { throw Console.fail(error) }
            if options.json { try Console.json(rows); return }
            if rows.isEmpty { Console.out("no signing keys; create one with 'ecba keys generate --alg RS256'"); return }
            Console.out(Table(["KID", "ALG", "STATE", "CREATED", "SIGNS UNTIL"], rows.map { [$0.kid, $0.alg, $0.state, $0.created, $0.notAfter] }).render())
        }
    }

    struct JWKS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jwks",
            abstract: "Print the public keys as a JWK set (RFC 7517), for verifiers.",
            discussion: "Each key carries the extension members nbf and exp (when it may sign); JOSE libraries ignore them."
        )
        @OptionGroup var options: GlobalOptions
        @OptionGroup var keys: KeysOption

        func run() throws {
            let service = KeyService(database: try options.open(), directory: keys.keyDirectory(database: options.databasePath))
            do { Console.out(String(decoding: try service.jwks().json(), as: UTF8.self)) } catch { throw Console.fail(error) }
        }
    }

    struct KeyRow: Encodable {
        var kid, alg, state, created, notAfter: String
        var retired: String?

        init(_ key: SigningKeyRecord, at date: Date) {
            kid = key.kid
            alg = key.algorithm
            state = key.state(at: date).rawValue
            created = CredentialDate.format(key.createdAt)
            notAfter = CredentialDate.format(key.notAfter)
            retired = key.retiredAt.map(CredentialDate.format)
        }
    }
}

struct TranscriptCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv, clr
    }

    static let configuration = CommandConfiguration(
        commandName: "transcript",
        abstract: "An engineer's completed courses, as JSON, CSV or a signed CLR 2.0 credential.",
        discussion: Help.prose("""
            Every completed course that still stands: course id and version, title, provider
            society, category, hours and unit, start and completion dates, result, and the
            credential id (stable for the record; re-issuing gives the same id with a newer validFrom).

            --format json follows docs/transcript.schema.json. --format csv is RFC 4180 with a
            header row, UTF-8; --bom adds the byte order mark spreadsheet programs in China expect.
            --format clr issues a 1EdTech CLR 2.0 ClrCredential holding one Open Badges 3.0
            AchievementCredential per course, each a VC-JWT signed with the current key (see
            'ecba keys'); check it with 'ecba verify FILE'.

            --period is a year or a date: the engineer's policy period containing it. Without it,
            every completed course is listed.
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var keys: KeysOption
    @Argument(help: "The engineer's id.") var engineer: String
    @Option(help: "YYYY or YYYY-MM-DD.") var period: String?
    @Option(help: "json, csv or clr.") var format: Format = .json
    @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file")) var output: String?
    @Flag(help: "Start CSV with a UTF-8 byte order mark.") var bom = false
    @Option(help: ArgumentHelp("CLR only: the credentials expire at this day (YYYY-MM-DD).", valueName: "day")) var validUntil: String?

    func run() throws {
        let database = try options.open()
        let keyService = KeyService(database: database, directory: keys.keyDirectory(database: options.databasePath))
        let service = TranscriptService(database: database, keys: keyService)
        var interval: DateInterval?
        if let date = try PeriodOption.date(period) {
            do { interval = try CreditService(database: database).policy(for: engineer).period.containing(date) } catch { throw Console.fail(error) }
        }
        var until: Date?
        if let validUntil {
            guard let day = CreditPolicy.day(validUntil) else { throw Console.fail("--valid-until '\(validUntil)' is not a date (YYYY-MM-DD)") }
            until = day
        }
        let data: Data
        do {
            switch format {
            case .json: data = TranscriptFormat.json(try service.transcript(engineerID: engineer, period: interval)) + Data("\n".utf8)
            case .csv: data = TranscriptFormat.csv(try service.transcript(engineerID: engineer, period: interval), byteOrderMark: bom)
            case .clr: data = Data((try service.clr(engineerID: engineer, period: interval, validUntil: until) + "\n").utf8)
            }
        } catch {
            throw Console.fail(error)
        }
        try Output.write(data, to: output)
        if let output { Console.err("wrote \(format.rawValue) transcript of \(engineer) to \(output)") }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed CLR transcript: signatures, structure, claims and dates.",
        discussion: Help.prose("""
            Checks the transcript and every course credential in it: base64url encoding, the JOSE
            header (alg RS256 or EdDSA, kid, typ), the key in the JWK set, the signature, the
            CLR 2.0 / Open Badges 3.0 structure, the claims (iss, jti, sub, nbf, exp against the
            credential), validity dates, and that each credential was signed while its key was valid.
            Prints each check; exits 1 when any failed, naming what failed.

            The keys are the platform's own (from the database) unless --jwks names a JWK set file.
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var keys: KeysOption
    @Argument(help: "A file holding the transcript's compact JWS (what 'ecba transcript --format clr' writes).") var file: String
    @Option(help: ArgumentHelp("Verify against this JWK set instead of the platform's keys.", valueName: "file")) var jwks: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw Console.fail("cannot read '\(file)'") }
        let set: JWKSet
        if let jwks {
            guard let keyData = FileManager.default.contents(atPath: jwks) else { throw Console.fail("cannot read '\(jwks)'") }
            do { set = try JWKSet.decode(keyData) } catch { throw Console.fail("\(jwks): \(error)") }
        } else {
            let service = KeyService(database: try options.open(), directory: keys.keyDirectory(database: options.databasePath))
            do { set = try service.jwks() } catch { throw Console.fail(error) }
        }
        let report = CredentialVerifier(keys: set).verifyTranscript(String(decoding: data, as: UTF8.self))
        if options.json {
            try Console.json(report)
        } else {
            for check in report.checks {
                Console.out("\(check.passed ? "ok  " : "FAIL") \(check.credential): \(check.check): \(check.detail)")
            }
            if report.valid {
                Console.out("valid: transcript \(report.credentialID ?? "?") for \(report.subject ?? "?"), \(report.courses) course credential(s)")
            } else {
                Console.out("INVALID: \(report.failures.map { "\($0.credential) \($0.check)" }.joined(separator: "; "))")
            }
        }
        if !report.valid { throw ExitCode(1) }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Credit reports for societies.",
        subcommands: [Society.self]
    )

    struct Society: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "society",
            abstract: "A society's credit report: one row per member with their standing, or per completed course.",
            discussion: Help.prose("""
                Rows stream from the database as they are written: memory stays flat however many
                members the society has. The period is the society's policy period (see 'ecba
                society set-policy'; default ecba-default) containing --period.

                Summary (default): member number, engineer, period, policy, required and total
                hours, carry-over, per policy category earned/counted/minimum/short, met, short.
                --detail: one row per completed course: member number, engineer, society, period,
                course id and version, title, provider society, category, hours, unit, completion
                date, result, credential id, record id and record version.

                Only an authorised society's report is produced.
                """)
        )

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The society's id.") var society: String
        @Option(help: "YYYY or YYYY-MM-DD; defaults to today.") var period: String?
        @Option(help: "csv or json.") var format: ReportFormat = .csv
        @Flag(help: "One row per completed course instead of one per member.") var detail = false
        @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "file")) var output: String?
        @Flag(help: "Start CSV with a UTF-8 byte order mark.") var bom = false

        func run() throws {
            let database = try options.open()
            let service = ReportService(database: database, credits: CreditService(database: database))
            let date = try PeriodOption.date(period) ?? Date()
            var sink = try Output.sink(output)
            defer { sink.close() }
            var writer = BufferedWriter(sink.sink)
            let outcome: ReportOutcome
            do {
                outcome = try service.write(society: society, containing: date, detail: detail, format: format, byteOrderMark: bom, to: &writer)
            } catch {
                sink.discard()
                throw Console.fail(error)
            }
            try sink.commit()
            Console.err("\(outcome.society): \(outcome.members) member(s), \(outcome.rows) row(s)"
                        + (detail ? "" : ", \(outcome.met) meeting \(outcome.policy)")
                        + " for \(CreditPolicy.dayString(outcome.period.start)) to \(CreditPolicy.dayString(outcome.period.end.addingTimeInterval(-1)))"
                        + (output.map { "; written to \($0)" } ?? ""))
        }
    }
}
