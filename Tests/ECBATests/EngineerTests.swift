import Catalog
import Domain
import Enrollment
import Foundation
import Societies
import Storage
import Testing

@Suite("Engineers, rosters and enrollment")
struct EngineerTests {
    let world: CatalogWorld
    let engineers: EngineerService
    let enrollments: EnrollmentService

    init() throws {
        world = try CatalogWorld(societies: ["cces", "ces"])
        engineers = EngineerService(database: world.store.database, clock: world.clock.now)
        enrollments = EnrollmentService(database: world.store.database, clock: world.clock.now)
    }

    func roster(_ text: String) throws(ServiceError) -> RosterImport {
        try engineers.importRoster(Array(text.utf8), societyID: "cces", actor: "cces")
    }

    @Test("add validates, keeps e-mail, registration and member numbers unique")
    func add() throws {
        let zhang = try engineers.add(id: "zhang", name: " 张三 ", email: "zhang@example.cn", societyID: "cces", memberNumber: "C-1", actor: "t")
        #expect(zhang.name == "张三")
        #expect(try engineers.show("zhang").memberships.map(\.memberNumber) == ["C-1"])
        let refusals: [() throws -> Engineer] = [
            { try engineers.add(id: "zhang", name: "again", actor: "t") },
            { try engineers.add(id: "li", name: "李四", email: "ZHANG@example.cn", actor: "t") },
            { try engineers.add(id: "li", name: "李四", societyID: "cces", memberNumber: "C-1", actor: "t") },
            { try engineers.add(id: "li", name: "李四", email: "not-an-address", actor: "t") },
            { try engineers.add(id: "li", name: "李四", societyID: "cces", actor: "t") },
            { try engineers.add(id: "bad id", name: "x", actor: "t") },
        ]
        for refusal in refusals { #expect(throws: ServiceError.self) { _ = try refusal() } }
        // Nothing of a refused add is left behind: 'li' does not exist.
        #expect(throws: ServiceError.self) { try engineers.show("li") }
        _ = try world.societies.add(id: "newbie", name: "New", kind: .local)
        #expect(throws: ServiceError.self) { try engineers.add(id: "wang", name: "王五", societyID: "newbie", memberNumber: "1", actor: "t") }
        #expect(throws: ServiceError.self) { try engineers.show("wang") }
    }

    @Test("a roster imports its valid rows and reports the others by line")
    func rosterRows() throws {
        let result = try roster("""
            \u{FEFF}member_number,name,email,registration_number
            C-0001,张三,zhang@example.cn,R1
            C-0002,"李, 四",li@example.cn,
            ,没有编号,x@example.cn,
            C-0004,王五,not-an-email,

            C-0005,"赵
            六",zhao@example.cn,R5
            C-0006,钱七,ZHANG@example.cn,
            """)
        #expect(result.encoding == "UTF-8")
        #expect(result.created == ["cces-C-0001", "cces-C-0002", "cces-C-0005"])
        #expect(result.errors.map(\.line) == [4, 5, 9])
        #expect(result.errors[0].message.contains("member number") && result.errors[1].message.contains("e-mail"))
        // Same e-mail as C-0001: the same person under a second number of the same society.
        #expect(result.errors[2].message.contains("already a member of 'cces'"))
        #expect(try engineers.show("cces-C-0002").engineer.name == "李, 四")
        #expect(try engineers.show("cces-C-0005").engineer.name == "赵\n六")
        // Importing again changes nothing.
        let again = try roster("member_number,name\nC-0001,张三\n")
        #expect(again.unchanged == 1 && again.created.isEmpty)
    }

    @Test("GBK rosters and Chinese headers are read; an engineer may join a second society")
    func gbkAndLinking() throws {
        _ = try roster("member_number,name,email,registration_number\nC-0001,张三,zhang@example.cn,R1\n")
        // 会员编号,姓名,注册编号 / E-77,张三,R1 / E-78,李四, in GBK.
        var bytes = [UInt8]()
        bytes += [0xBB, 0xE1, 0xD4, 0xB1, 0xB1, 0xE0, 0xBA, 0xC5] + Array(",".utf8)       // 会员编号
        bytes += [0xD0, 0xD5, 0xC3, 0xFB] + Array(",".utf8)                               // 姓名
        bytes += [0xD7, 0xA2, 0xB2, 0xE1, 0xB1, 0xE0, 0xBA, 0xC5] + Array("\r\n".utf8)    // 注册编号
        bytes += Array("E-77,".utf8) + [0xD5, 0xC5, 0xC8, 0xFD] + Array(",R1\r\n".utf8)   // 张三
        bytes += Array("E-78,".utf8) + [0xC0, 0xEE, 0xCB, 0xC4] + Array(",\r\n".utf8)     // 李四
        let result = try engineers.importRoster(bytes, societyID: "ces", actor: "ces")
        #expect(result.encoding == "GB18030")
        #expect(result.linked == ["cces-C-0001"] && result.created == ["ces-E-78"])
        #expect(try engineers.show("ces-E-78").engineer.name == "李四")
        #expect(Set(try engineers.show("cces-C-0001").memberships.map(\.societyID)) == ["cces", "ces"])
    }

    @Test("a roster with a broken header or an unclosed quote imports nothing")
    func brokenRosters() throws {
        #expect(throws: ServiceError.self) { try roster("id,fullname\n1,张三\n") }
        do {
            _ = try roster("member_number,name\nC-1,张三\nC-2,\"李四\n")
            Issue.record("an unclosed quote was accepted")
        } catch {
            #expect(error.message.contains("line 3"))
        }
        #expect(throws: ServiceError.self) { try engineers.show("cces-C-1") }
        #expect(throws: ServiceError.self) { try engineers.importRoster([0xFF, 0xFE, 0xFD], societyID: "cces", actor: "t") }
        _ = try world.societies.withdraw(id: "ces", reason: nil, actor: "ces")
        #expect(throws: ServiceError.self) { try engineers.importRoster(Array("member_number,name\n1,张三\n".utf8), societyID: "ces", actor: "t") }
    }

    @Test("enrollment takes the current version and keeps it; twice is a no-op; withdraw keeps the record")
    func enrollment() throws {
        try world.appoint(3)
        _ = try engineers.add(id: "zhang", name: "张三", actor: "t")
        #expect(throws: ServiceError.self) { try enrollments.enroll(engineerID: "zhang", courseID: "cces/bridge", actor: "t") }
        try world.publish(samplePackage("bridge", titles: [LocalizedText(language: "zh", value: "桥梁检测")], hash: "b1"))
        let first = try enrollments.enroll(engineerID: "zhang", courseID: "cces/bridge", actor: "t")
        #expect(first.created && first.enrollment.version == 1 && first.enrollment.status == .active)
        let twice = try enrollments.enroll(engineerID: "zhang", courseID: "cces/bridge", actor: "t")
        #expect(!twice.created && twice.enrollment.registration == first.enrollment.registration)
        #expect(throws: ServiceError.self) { try enrollments.enroll(engineerID: "nobody", courseID: "cces/bridge", actor: "t") }

        // Version 2 is published: zhang keeps version 1, a new enrollment gets version 2.
        try world.publish(samplePackage("bridge", titles: [LocalizedText(language: "zh", value: "桥梁检测（修订）")], hash: "b2"))
        _ = try engineers.add(id: "li", name: "李四", actor: "t")
        let li = try enrollments.enroll(engineerID: "li", courseID: "cces/bridge", actor: "t")
        #expect(li.enrollment.version == 2)
        #expect(try engineers.show("zhang").enrollments.map(\.version) == [1])

        let withdrawn = try enrollments.withdraw(engineerID: "zhang", courseID: "cces/bridge", actor: "zhang", reason: "时间冲突")
        #expect(withdrawn.status == .withdrawn && withdrawn.endedAt != nil)
        #expect(throws: ServiceError.self) { try enrollments.withdraw(engineerID: "zhang", courseID: "cces/bridge", actor: "zhang") }
        let again = try enrollments.enroll(engineerID: "zhang", courseID: "cces/bridge", actor: "t")
        #expect(again.created && again.enrollment.version == 2 && again.enrollment.registration != first.enrollment.registration)
        #expect(try engineers.show("zhang").enrollments.map(\.status) == [.active, .withdrawn])
        #expect(try world.audit.entries(subject: "zhang").map(\.action) == ["engineer.add", "enrollment.enroll", "enrollment.withdraw", "enrollment.enroll"])

        _ = try world.catalog.retire("cces/bridge", reason: "停用", actor: "secretariat")
        _ = try engineers.add(id: "wang", name: "王五", actor: "t")
        #expect(throws: ServiceError.self) { try enrollments.enroll(engineerID: "wang", courseID: "cces/bridge", actor: "t") }
    }
}
