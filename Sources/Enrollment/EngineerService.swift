import Domain
import Foundation
import RegistrySync
import Societies
import Storage
import TextDecoding

/// One row of a roster that could not be imported, and why.
public struct RosterRowError: Codable, Sendable, Equatable {
    public var line: Int
    public var message: String
}

/// What importing a roster did.
public struct RosterImport: Codable, Sendable {
    /// The file's encoding: UTF-8 (with or without BOM) or GB18030 (GBK).
    public var encoding: String
    /// Engineers created for new members.
    public var created: [String]
    /// Existing engineers (matched by registration number or e-mail) who became members.
    public var linked: [String]
    /// Rows for members the society already has: nothing changed.
    public var unchanged: Int
    public var errors: [RosterRowError]
}

/// Engineers and their society memberships.
public struct EngineerService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    /// A roster larger than this is refused before reading (a society's roster, not a dump).
    public static let maximumRosterBytes = 64 << 20

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// Adds an engineer, optionally as a member of an authorised society.
    public func add(
        id: String, name: String, email: String? = nil, registrationNumber: String? = nil,
        societyID: String? = nil, memberNumber: String? = nil, actor: String
    ) throws(ServiceError) -> Engineer {
        guard isValidID(id) else {
            throw ServiceError(.invalidArgument, "engineer id '\(id)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        guard (societyID == nil) == (memberNumber == nil) else {
            throw ServiceError(.invalidArgument, "a society and a member number go together: both or neither", field: "member-number")
        }
        let engineer = try Self.validated(Engineer(id: id, name: name, email: email, registrationNumber: registrationNumber))
        let memberNumber = memberNumber?.trimmingCharacters(in: .whitespaces)
        return try database.perform(at: clock()) { tx in
            if try EngineerStore.engineer(id, on: tx.sql) != nil { throw ServiceError(.conflict, "engineer '\(id)' already exists") }
            try Self.checkUnique(engineer, tx)
            try EngineerStore.insert(engineer, in: tx)
            try tx.audit(AuditRecord(actor: actor, action: "engineer.add", subject: "engineer:\(id)"))
            if let societyID, let memberNumber {
                try Self.join(engineer.id, societyID: societyID, memberNumber: memberNumber, actor: actor, tx)
            }
            return engineer
        }
    }

    /// Imports a society's member roster: a CSV with a header row naming the columns
    /// `member_number`, `name`, `email` and optionally `registration_number` (Chinese headers
    /// 会员编号, 姓名, 邮箱, 注册编号 work too), UTF-8 with or without BOM, or GBK/GB18030.
    ///
    /// Each valid row is imported; each invalid one is reported with its line number and
    /// changes nothing. A member already known by the society is left as is. A new member is
    /// linked to an existing engineer with the same registration number or e-mail, otherwise
    /// created with the id `SOCIETY-MEMBERNUMBER`. All rows commit together.
    public func importRoster(_ bytes: [UInt8], societyID: String, actor: String) throws(ServiceError) -> RosterImport {
        guard bytes.count <= Self.maximumRosterBytes else {
            throw ServiceError(.invalidArgument, "the roster is larger than \(Self.maximumRosterBytes >> 20) MiB")
        }
        guard let (text, encoding) = TextDecoding.decodeUTF8OrGB18030(bytes) else {
            throw ServiceError(.invalidArgument, "the roster is neither UTF-8 nor GBK/GB18030 text")
        }
        let records: [CSVReader.Record]
        do { records = try CSVReader.records(text) } catch {
            guard case .unterminatedQuote(let line) = error else { throw ServiceError(.invalidArgument, "unreadable CSV") }
            throw ServiceError(.invalidArgument, "line \(line): a quoted field is never closed; nothing was imported")
        }
        guard let header = records.first else { throw ServiceError(.invalidArgument, "the roster is empty") }
        let columns = try RosterColumns(header.fields)
        let rows = Array(records.dropFirst())
        return try database.perform(at: clock()) { tx in
            guard let society = try SocietyStore.society(societyID, on: tx.sql) else { throw ServiceError(.notFound, "no society '\(societyID)'") }
            guard society.status == .authorized else {
                throw ServiceError(.notAuthorized, "society '\(societyID)' is \(society.status.rawValue); only an authorised society develops engineer members (Art. 17)")
            }
            var result = RosterImport(encoding: encoding.rawValue, created: [], linked: [], unchanged: 0, errors: [])
            for row in rows {
                do {
                    try tx.savepoint {
                        try Self.importRow(row, columns: columns, societyID: societyID, actor: actor, into: &result, tx)
                    }
                } catch let error as ServiceError {
                    result.errors.append(RosterRowError(line: row.line, message: error.message))
                }
            }
            try tx.audit(AuditRecord(
                actor: actor, action: "engineer.import-roster", subject: "society:\(societyID)",
                details: ["created": String(result.created.count), "linked": String(result.linked.count),
                          "unchanged": String(result.unchanged), "errors": String(result.errors.count)]
            ))
            return result
        }
    }

    /// The engineer, their memberships and enrollments.
    public func show(_ id: String) throws(ServiceError) -> (engineer: Engineer, memberships: [SocietyMembership], enrollments: [Enrollment]) {
        let found = try database.reading("reading engineer \(id)") { sql in
            try EngineerStore.engineer(id, on: sql).map { ($0, try EngineerStore.memberships(of: id, on: sql), try EnrollmentStore.all(of: id, on: sql)) }
        }
        guard let found else { throw ServiceError(.notFound, "no engineer '\(id)'", remedy: .addEngineer) }
        return found
    }

    private static func importRow(
        _ row: CSVReader.Record, columns: RosterColumns, societyID: String, actor: String, into result: inout RosterImport,
        _ tx: StoreTransaction
    ) throws {
        let value = { (index: Int?) -> String? in
            guard let index, index < row.fields.count else { return nil }
            let text = row.fields[index].trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        guard let memberNumber = value(columns.memberNumber) else { throw ServiceError(.invalidArgument, "no member number") }
        guard let name = value(columns.name) else { throw ServiceError(.invalidArgument, "no name") }
        if try EngineerStore.engineer(societyID: societyID, memberNumber: memberNumber, on: tx.sql) != nil {
            result.unchanged += 1
            return
        }
        let candidate = try validated(Engineer(
            id: "\(societyID)-\(memberNumber)", name: name, email: value(columns.email), registrationNumber: value(columns.registrationNumber)
        ))
        var existing: Engineer?
        if let number = candidate.registrationNumber { existing = try EngineerStore.engineer(registrationNumber: number, on: tx.sql) }
        if existing == nil, let email = candidate.email { existing = try EngineerStore.engineer(email: email, on: tx.sql) }
        if let existing {
            try join(existing.id, societyID: societyID, memberNumber: memberNumber, actor: actor, tx)
            result.linked.append(existing.id)
            return
        }
        guard isValidID(candidate.id) else {
            throw ServiceError(.invalidArgument, "member number '\(memberNumber)' cannot form an engineer id (letters, digits, '.', '_', '-')")
        }
        if try EngineerStore.engineer(candidate.id, on: tx.sql) != nil {
            throw ServiceError(.conflict, "an engineer '\(candidate.id)' already exists with other details")
        }
        try checkUnique(candidate, tx)
        try EngineerStore.insert(candidate, in: tx)
        try join(candidate.id, societyID: societyID, memberNumber: memberNumber, actor: actor, tx)
        result.created.append(candidate.id)
    }

    private static func join(_ engineerID: String, societyID: String, memberNumber: String, actor: String, _ tx: StoreTransaction) throws {
        guard let society = try SocietyStore.society(societyID, on: tx.sql) else { throw ServiceError(.notFound, "no society '\(societyID)'") }
        guard society.status == .authorized else {
            throw ServiceError(.notAuthorized, "society '\(societyID)' is \(society.status.rawValue); only an authorised society develops engineer members (Art. 17)")
        }
        guard !memberNumber.isEmpty else { throw ServiceError(.invalidArgument, "the member number is empty") }
        if try EngineerStore.membership(engineerID: engineerID, societyID: societyID, on: tx.sql) != nil {
            throw ServiceError(.conflict, "'\(engineerID)' is already a member of '\(societyID)'")
        }
        if let other = try EngineerStore.engineer(societyID: societyID, memberNumber: memberNumber, on: tx.sql) {
            throw ServiceError(.conflict, "'\(societyID)' member number \(memberNumber) already belongs to '\(other.id)'")
        }
        try EngineerStore.insertMembership(engineerID: engineerID, societyID: societyID, memberNumber: memberNumber, in: tx)
        // The registry keeps its members' records: a newcomer's go to it too.
        try tx.queueStandingRecordsForRegistry(engineerID: engineerID, societyID: societyID)
        try tx.audit(AuditRecord(
            actor: actor, action: "engineer.join", subject: "engineer:\(engineerID)", details: ["society": societyID, "member": memberNumber]
        ))
    }

    private static func validated(_ engineer: Engineer) throws(ServiceError) -> Engineer {
        var engineer = engineer
        engineer.name = engineer.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !engineer.name.isEmpty else { throw ServiceError(.invalidArgument, "an engineer needs a name") }
        if let email = engineer.email?.trimmingCharacters(in: .whitespaces) {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(where: \.isWhitespace) else {
                throw ServiceError(.invalidArgument, "'\(email)' is not an e-mail address")
            }
            engineer.email = email
        }
        return engineer
    }

    private static func checkUnique(_ engineer: Engineer, _ tx: StoreTransaction) throws {
        if let email = engineer.email, let other = try EngineerStore.engineer(email: email, on: tx.sql) {
            throw ServiceError(.conflict, "e-mail \(email) already belongs to engineer '\(other.id)'")
        }
        if let number = engineer.registrationNumber, let other = try EngineerStore.engineer(registrationNumber: number, on: tx.sql) {
            throw ServiceError(.conflict, "registration number \(number) already belongs to engineer '\(other.id)'")
        }
    }
}

/// Which column of a roster holds what, from its header row.
struct RosterColumns {
    var memberNumber: Int?
    var name: Int?
    var email: Int?
    var registrationNumber: Int?

    enum Column: Sendable {
        case memberNumber, name, email, registrationNumber
    }

    /// Header titles, lower-cased, in English and Chinese.
    static let titles: [String: Column] = [
        "member_number": .memberNumber, "member number": .memberNumber, "会员编号": .memberNumber, "会员号": .memberNumber,
        "name": .name, "姓名": .name,
        "email": .email, "e-mail": .email, "邮箱": .email, "电子邮箱": .email,
        "registration_number": .registrationNumber, "registration number": .registrationNumber, "注册编号": .registrationNumber,
        "注册证书编号": .registrationNumber,
    ]

    init(_ header: [String]) throws(ServiceError) {
        for (index, title) in header.enumerated() {
            switch Self.titles[title.trimmingCharacters(in: .whitespaces).lowercased()] {
            case .memberNumber: memberNumber = index
            case .name: name = index
            case .email: email = index
            case .registrationNumber: registrationNumber = index
            case nil: continue
            }
        }
        guard memberNumber != nil, name != nil else {
            throw ServiceError(.invalidArgument, "line 1: the header must name the columns member_number and name (and may name email, registration_number); found: \(header.joined(separator: ", "))")
        }
    }
}
