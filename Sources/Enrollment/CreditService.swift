import Domain
import Foundation
import Storage

/// Credit policies and an engineer's standing under them.
public struct CreditService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    static func decode(_ data: Data) throws(ServiceError) -> CreditPolicy {
        let policy: CreditPolicy
        do { policy = try JSONDecoder().decode(CreditPolicy.self, from: data) } catch let error as DecodingError {
            throw ServiceError(.invalidArgument, "not a credit policy: \(error.readableDescription)")
        } catch {
            throw ServiceError(.invalidArgument, "not a credit policy: \(error)")
        }
        if let problem = policy.problems.first { throw ServiceError(.invalidArgument, "policy '\(policy.name)': \(problem)") }
        return policy
    }

    /// Adds (or replaces) a policy from its JSON. The shipped names cannot be replaced.
    public func add(_ data: Data, actor: String) throws(ServiceError) -> CreditPolicy {
        let policy = try Self.decode(data)
        guard !CreditPolicy.shipped.contains(where: { $0.name == policy.name }) else {
            throw ServiceError(.conflict, "'\(policy.name)' is a shipped policy; give yours another name")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let body = try? String(decoding: encoder.encode(policy), as: UTF8.self) else {
            throw ServiceError(.invalidArgument, "the policy cannot be stored")
        }
        return try database.perform(at: clock()) { tx in
            try tx.savePolicy(name: policy.name, body: body)
            try tx.audit(AuditRecord(actor: actor, action: "policy.add", subject: "policy:\(policy.name)", details: ["title": policy.title]))
            return policy
        }
    }

    /// Shipped policies first, then added ones.
    public func policies() throws(ServiceError) -> [CreditPolicy] {
        let added = try database.policyBodies()
        var result = CreditPolicy.shipped
        for (_, body) in added { result.append(try Self.decode(Data(body.utf8))) }
        return result
    }

    public func policy(_ name: String) throws(ServiceError) -> CreditPolicy {
        guard let found = try policies().first(where: { $0.name == name }) else {
            throw ServiceError(.notFound, "no credit policy '\(name)'", remedy: .listPolicies)
        }
        return found
    }

    /// Sets the policy a society's members are held to.
    public func setSocietyPolicy(_ societyID: String, policy name: String, actor: String) throws(ServiceError) {
        _ = try policy(name)
        try database.perform(at: clock()) { tx in
            try tx.setSocietyPolicy(societyID, policy: name)
            try tx.audit(AuditRecord(actor: actor, action: "society.set-policy", subject: "society:\(societyID)", details: ["policy": name]))
        }
    }

    /// The engineer's status for the period containing `date` (default now) under `policyName`,
    /// else the policy of the engineer's first society that set one, else the ECBA default.
    public func status(engineerID: String, containing date: Date? = nil, policy policyName: String? = nil) throws(ServiceError) -> CreditStatus {
        let policy = try policy(for: engineerID, named: policyName)
        let items = try database.creditItems(of: engineerID)
        return CreditEvaluator.status(policy, items: items, containing: date ?? clock())
    }

    /// The policy an engineer is held to: `name` if given, else the policy of the engineer's first
    /// society that set one, else the ECBA default.
    public func policy(for engineerID: String, named name: String? = nil) throws(ServiceError) -> CreditPolicy {
        let engineer = try database.reading("reading engineer \(engineerID)") { sql in try EngineerStore.engineer(engineerID, on: sql) }
        guard engineer != nil else { throw ServiceError(.notFound, "no engineer '\(engineerID)'") }
        var name = name
        if name == nil {
            name = try database.societyPolicies(of: engineerID).compactMap(\.policy).first
        }
        return try policy(name ?? CreditPolicy.ecbaDefault.name)
    }

    /// The policy a society's members are held to (its own, else the ECBA default).
    public func policy(forSociety societyID: String) throws(ServiceError) -> CreditPolicy {
        let name = try database.societyPolicy(societyID)
        return try policy(name ?? CreditPolicy.ecbaDefault.name)
    }
}
