import Domain
import Foundation
import Storage

/// The Secretariat's society register and the authorisation procedure (charter Art. 8, 16-20, 36).
/// Every change is audited in the same transaction.
public struct SocietyService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// Registers a society (not yet authorised). Ids are letters, digits, `.`, `_`, `-`.
    public func add(id: String, name: String, kind: SocietyKind, actor: String = "secretariat") throws(ServiceError) -> Society {
        guard isValidID(id) else {
            throw ServiceError(.invalidArgument, "society id '\(id)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty else {
            throw ServiceError(.invalidArgument, "a society needs a name")
        }
        let society = Society(id: id, name: trimmedName, kind: kind, status: .registered)
        try database.perform(at: clock()) { tx in
            try SocietyStore.insert(society, in: tx)
            try tx.audit(AuditRecord(
                actor: actor, action: "society.register", subject: "society:\(id)", details: ["name": trimmedName, "kind": kind.rawValue]
            ))
        }
        return society
    }

    /// Authorises a society directly, skipping the Art. 16 procedure: for set-up scripts and
    /// the demo. Audited as such. A withdrawn or removed society must apply again.
    public func authorize(id: String, actor: String = "secretariat") throws(ServiceError) -> Society {
        try database.perform(at: clock()) { tx in
            var society = try Self.require(id, tx)
            guard society.status == .registered || society.status == .authorized else {
                throw ServiceError(.conflict, "society '\(id)' is \(society.status.rawValue); it must apply again to be authorised", remedy: .applyAgain(society: id))
            }
            guard society.status == .registered else { return society }
            try SocietyStore.updateStatus(id, to: .authorized, in: tx)
            try tx.audit(AuditRecord(
                actor: actor, action: "society.authorize", subject: "society:\(id)",
                reason: "direct authorisation (set-up shortcut, not the Art. 16 procedure)"
            ))
            society.status = .authorized
            return society
        }
    }

    /// Opens an application for authorisation (Art. 16). It then awaits the Secretariat.
    public func apply(id: String, actor: String) throws(ServiceError) -> SocietyApplication {
        try database.perform(at: clock()) { tx in
            let society = try Self.require(id, tx)
            guard society.status != .authorized else {
                throw ServiceError(.conflict, "society '\(id)' is already authorised")
            }
            if let open = try SocietyStore.openApplication(of: id, on: tx.sql) {
                throw ServiceError(.conflict, "society '\(id)' already has an open application (awaiting \(open.awaiting?.body ?? "a decision"))")
            }
            let applicationID = try SocietyStore.insertApplication(of: id, in: tx)
            try tx.audit(AuditRecord(actor: actor, action: "society.apply", subject: "society:\(id)", details: ["application": String(applicationID)]))
            return SocietyApplication(id: applicationID, societyID: id, appliedAt: tx.now, steps: [], outcome: nil)
        }
    }

    /// Records one stage's decision. Stages go in order: Secretariat, Review Committee,
    /// Presidium; a rejection at any stage closes the application, the Presidium's approval
    /// authorises the society.
    public func review(
        id: String, stage: ApplicationStage, decision: StepDecision, comment: String, actor: String
    ) throws(ServiceError) -> (society: Society, application: SocietyApplication) {
        let comment = comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !comment.isEmpty else {
            throw ServiceError(.invalidArgument, "a review step needs a comment saying why", field: "comment")
        }
        return try database.perform(at: clock()) { tx in
            var society = try Self.require(id, tx)
            guard var application = try SocietyStore.openApplication(of: id, on: tx.sql), let awaiting = application.awaiting else {
                throw ServiceError(.conflict, "society '\(id)' has no open application", remedy: .applyAgain(society: id))
            }
            guard awaiting == stage else {
                throw ServiceError(.conflict, "the application of '\(id)' awaits \(awaiting.body) (stage \(awaiting.rawValue)), not \(stage.body)", field: "stage")
            }
            let step = SocietyApplication.Step(stage: stage, decision: decision, comment: comment, actor: actor, at: tx.now)
            try SocietyStore.insertStep(step, applicationID: application.id, on: tx.sql)
            application.steps.append(step)
            try tx.audit(AuditRecord(
                actor: actor, action: "society.review", subject: "society:\(id)", reason: comment,
                details: ["stage": stage.rawValue, "decision": decision.rawValue, "application": String(application.id)]
            ))
            if decision == .reject {
                try SocietyStore.closeApplication(application.id, outcome: .rejected, on: tx.sql)
                application.outcome = .rejected
            } else if stage.next == nil {
                try SocietyStore.closeApplication(application.id, outcome: .authorized, on: tx.sql)
                try SocietyStore.updateStatus(id, to: .authorized, in: tx)
                try tx.audit(AuditRecord(
                    actor: actor, action: "society.authorize", subject: "society:\(id)",
                    reason: "approved by the Presidium (Art. 16)", details: ["application": String(application.id)]
                ))
                application.outcome = .authorized
                society.status = .authorized
            }
            return (society, application)
        }
    }

    /// The society leaves the alliance (Art. 19): it can no longer submit courses or pull
    /// reports; its published courses and its engineers' records stay.
    public func withdraw(id: String, reason: String?, actor: String) throws(ServiceError) -> Society {
        try end(id: id, status: .withdrawn, action: "society.withdraw", reason: reason, actor: actor)
    }

    /// The alliance removes the society (Art. 20); a reason is required. Same effects as withdrawal.
    public func remove(id: String, reason: String, actor: String) throws(ServiceError) -> Society {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ServiceError(.invalidArgument, "removing a society needs a reason (Art. 20)", field: "reason") }
        return try end(id: id, status: .removed, action: "society.remove", reason: reason, actor: actor)
    }

    private func end(id: String, status: SocietyStatus, action: String, reason: String?, actor: String) throws(ServiceError) -> Society {
        try database.perform(at: clock()) { tx in
            var society = try Self.require(id, tx)
            guard society.status != .withdrawn, society.status != .removed else {
                throw ServiceError(.conflict, "society '\(id)' is already \(society.status.rawValue)")
            }
            if let open = try SocietyStore.openApplication(of: id, on: tx.sql) {
                try SocietyStore.closeApplication(open.id, outcome: .rejected, on: tx.sql)
            }
            try SocietyStore.updateStatus(id, to: status, in: tx)
            try tx.audit(AuditRecord(
                actor: actor, action: action, subject: "society:\(id)", reason: reason, details: ["previous": society.status.rawValue]
            ))
            society.status = status
            return society
        }
    }

    public func list() throws(ServiceError) -> [Society] {
        try database.reading("listing societies") { sql in try SocietyStore.societies(on: sql) }
    }

    /// The society and its applications, oldest first.
    public func show(id: String) throws(ServiceError) -> (society: Society, applications: [SocietyApplication]) {
        let society = try require(id)
        let applications = try database.reading("reading applications of \(id)") { sql in try SocietyStore.applications(of: id, on: sql) }
        return (society, applications)
    }

    /// The society, or `notFound`.
    public func require(_ id: String) throws(ServiceError) -> Society {
        let found = try database.reading("reading society \(id)") { sql in try SocietyStore.society(id, on: sql) }
        guard let found else {
            throw ServiceError(.notFound, "no society '\(id)'", remedy: .addSociety)
        }
        return found
    }

    static func require(_ id: String, _ tx: StoreTransaction) throws -> Society {
        guard let society = try SocietyStore.society(id, on: tx.sql) else {
            throw ServiceError(.notFound, "no society '\(id)'", remedy: .addSociety)
        }
        return society
    }
}
