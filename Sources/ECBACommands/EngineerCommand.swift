import ArgumentParser
import Catalog
import Domain
import Enrollment
import Foundation

struct EngineerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engineer",
        abstract: "Professional engineer members: add, import a society's roster, show.",
        discussion: "An engineer may belong to several societies, each with its own member number.",
        subcommands: [Add.self, Import.self, Show.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add an engineer, optionally as a member of a society.",
            discussion: "Example: ecba engineer add zhangsan --name 张三 --email zhangsan@example.cn --society cces --member-number C-0001"
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "Engineer id: letters, digits, '.', '_' or '-'.") var id: String
        @Option(help: "Full name.") var name: String
        @Option(help: "E-mail address; also how xAPI 'mbox' actors are matched. Unique.") var email: String?
        @Option(name: .customLong("registration-number"), help: "National registration number, if any. Unique.") var registrationNumber: String?
        @Option(help: "A society the engineer is a member of (with --member-number).") var society: String?
        @Option(name: .customLong("member-number"), help: "The engineer's number in that society.") var memberNumber: String?

        func run() throws {
            let service = EngineerService(database: try options.open())
            let engineer: Engineer
            do {
                engineer = try service.add(
                    id: id, name: name, email: email, registrationNumber: registrationNumber, societyID: society,
                    memberNumber: memberNumber, actor: actor.name
                )
            } catch { throw Console.fail(error) }
            if options.json { try Console.json(engineer); return }
            Console.out("added engineer \(engineer.id) (\(engineer.name))" + (society.map { ", member of \($0)" } ?? ""))
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a society's member roster (CSV).",
            discussion: Help.prose("""
                The first row names the columns: member_number and name are required, email and
                registration_number optional (Chinese headers 会员编号, 姓名, 邮箱, 注册编号 work too).
                UTF-8 with or without a BOM, or GBK/GB18030 as Excel writes it in China.

                Valid rows are imported; each invalid row is reported with its line number and
                changes nothing (exit code 1 when any row failed). Members the society already has
                are left as they are. A new member is linked to an existing engineer with the same
                registration number or e-mail; otherwise an engineer SOCIETY-MEMBERNUMBER is created.

                Example:
                  member_number,name,email,registration_number
                  C-0001,张三,zhangsan@example.cn,110101199001011234
                """)
        )

        @OptionGroup var options: GlobalOptions
        @OptionGroup var actor: ActorOption
        @Argument(help: "The roster file.") var roster: String
        @Option(help: "The society whose members these are.") var society: String

        func run() throws {
            guard let data = FileManager.default.contents(atPath: roster) else {
                throw Console.fail("cannot read roster '\(roster)'")
            }
            let service = EngineerService(database: try options.open())
            let result: RosterImport
            do { result = try service.importRoster(Array(data), societyID: society, actor: actor.name) } catch { throw Console.fail(error) }
            if options.json {
                try Console.json(result)
            } else {
                Console.out("\(roster) (\(result.encoding)): \(result.created.count) engineer(s) created, \(result.linked.count) linked, \(result.unchanged) unchanged, \(result.errors.count) row(s) refused")
                for error in result.errors { Console.err("\(roster):\(error.line): \(error.message)") }
            }
            if !result.errors.isEmpty {
                throw Console.fail("\(result.errors.count) row(s) of \(roster) were not imported")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an engineer: memberships and enrollments.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The engineer's id.") var id: String

        struct Output: Encodable {
            var engineer: Engineer
            var memberships: [SocietyMembership]
            var enrollments: [Enrollment]
            var progress: [ProgressSummary]
            var awards: [CreditAward]
        }

        func run() throws {
            let database = try options.open()
            let found: (engineer: Engineer, memberships: [SocietyMembership], enrollments: [Enrollment])
            let awards: [CreditAward]
            let progress: [ProgressSummary]
            do {
                found = try EngineerService(database: database).show(id)
                let service = ProgressService(database: database)
                awards = try service.awards(engineerID: id)
                progress = try service.summaries(of: found.enrollments)
            } catch { throw Console.fail(error) }
            if options.json {
                try Console.json(Output(engineer: found.engineer, memberships: found.memberships, enrollments: found.enrollments, progress: progress, awards: awards))
                return
            }
            let doneByEnrollment = Dictionary(progress.map { ($0.enrollmentID, "\($0.done.count)/\($0.required)") }, uniquingKeysWith: { first, _ in first })
            Console.out("\(found.engineer.id): \(found.engineer.name)")
            Console.out("  E-mail:       \(found.engineer.email ?? "-")")
            Console.out("  Registration: \(found.engineer.registrationNumber ?? "-")")
            Console.out("  Memberships:  " + (found.memberships.isEmpty ? "none" : found.memberships.map { "\($0.societyID) #\($0.memberNumber)" }.joined(separator: ", ")))
            if found.enrollments.isEmpty {
                Console.out("  Enrollments:  none")
            } else {
                Console.out("  Enrollments:")
                Console.out(Table(
                    ["    COURSE", "VER", "STATUS", "DONE", "ENROLLED", "REGISTRATION"],
                    found.enrollments.map {
                        ["    " + $0.courseID, String($0.version), $0.status.rawValue, doneByEnrollment[$0.id] ?? "-",
                         Rendering.stamp($0.enrolledAt), $0.registration.uuidString.lowercased()]
                    }
                ).render())
            }
            guard !awards.isEmpty else { Console.out("  Credits:      none yet"); return }
            Console.out("  Credits:")
            for award in awards {
                let revoked = award.revokedAt.map { " (revoked \(Rendering.stamp($0)): \(award.revokedReason ?? ""))" } ?? ""
                Console.out("    \(Rendering.stamp(award.awardedAt))  \(award.courseID)  \(Rendering.hours(award.hours)) 学时 \(award.category.rawValue)\(revoked)")
            }
        }
    }
}

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Enroll an engineer in a course's current published version.",
        discussion: Help.prose("""
            The enrollment keeps that version even when a newer one is published later. Enrolling
            again while enrolled changes nothing and says so. Each enrollment has a registration
            UUID: the xAPI context.registration of the course content's statements.
            """)
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var actor: ActorOption
    @Argument(help: "The engineer's id.") var engineer: String
    @Argument(help: "The course id, SOCIETY/IDENTIFIER.") var course: String

    func run() throws {
        let service = EnrollmentService(database: try options.open())
        let outcome: EnrollmentOutcome
        do { outcome = try service.enroll(engineerID: engineer, courseID: course, actor: actor.name) } catch { throw Console.fail(error) }
        if options.json { try Console.json(outcome); return }
        let enrollment = outcome.enrollment
        let registration = enrollment.registration.uuidString.lowercased()
        if outcome.created {
            Console.out("\(engineer) enrolled in \(course) version \(enrollment.version) (registration \(registration))")
        } else {
            Console.out("\(engineer) is already enrolled in \(course) version \(enrollment.version) (registration \(registration)); nothing changed")
        }
    }
}

struct WithdrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw",
        abstract: "Withdraw an engineer's active enrollment in a course (the record stays)."
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var actor: ActorOption
    @Argument(help: "The engineer's id.") var engineer: String
    @Argument(help: "The course id, SOCIETY/IDENTIFIER.") var course: String
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() throws {
        let service = EnrollmentService(database: try options.open())
        let enrollment: Enrollment
        do { enrollment = try service.withdraw(engineerID: engineer, courseID: course, actor: actor.name, reason: reason) } catch { throw Console.fail(error) }
        if options.json { try Console.json(enrollment); return }
        Console.out("\(engineer) withdrew from \(course) version \(enrollment.version)")
    }
}
