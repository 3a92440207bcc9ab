import Foundation
import GRDB

/// The platform's one error for a use case that was refused or failed: a code, which the shells
/// phrase for their users (the CLI's exit status and wording, the HTTP layer's status and problem
/// type), and a message that names what was wrong. Storage throws it too, so a service passes a
/// failure on as it is.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The input breaks a rule (the message names it).
        case invalidArgument
        case notFound
        /// The change conflicts with what is stored (a duplicate, a state that moved on).
        case conflict
        /// The actor or society may not do this.
        case notAuthorized
        /// The database could not be opened, migrated, read or written, or holds what cannot be read.
        case storage
    }

    /// What would put it right, for a shell to phrase in its own terms (the CLI names the
    /// command that does it). A service's message never names a command or an option.
    public enum Remedy: Sendable, Equatable {
        case addSociety
        case applyAgain(society: String)
        case setRegistry
        case addCommitteeMember
        case listCommittee
        case listReviews
        case browseCatalog
        case addEngineer
        case enroll
        case listPolicies
        case generateSigningKey
        case rotateSigningKey
    }

    public var code: Code
    /// What was wrong, in the service's words: the input it names is called by its parameter's
    /// name (`score`, `reason`), never by a shell's option.
    public var message: String
    /// The input the refusal is about, by the service parameter's name, for a shell to point at
    /// (the CLI as its option of that name).
    public var field: String?
    public var remedy: Remedy?

    public init(_ code: Code, _ message: String, field: String? = nil, remedy: Remedy? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.remedy = remedy
    }

    public var description: String { message }

    /// Passes a `ServiceError` on as it is; anything else (GRDB's, SQLite's) becomes `.storage`,
    /// prefixed with what was being done.
    public static func wrap(_ error: any Error, _ context: String) -> ServiceError {
        if let known = error as? ServiceError { return known }
        if let database = error as? DatabaseError { return ServiceError(.storage, "\(context): \(database.message ?? database.description)") }
        return ServiceError(.storage, "\(context): \(error)")
    }
}

extension AppDatabase {
    /// Runs one use case in one transaction stamped `date`: a `ServiceError` thrown by the rule
    /// rolls back and comes out as is; any other failure rolls back and becomes `.storage`.
    public func perform<T>(at date: Date, isolation: WriteIsolation = .serializable, references: ReferenceChecks = .each,
                           _ body: @Sendable (StoreTransaction) throws -> T) throws(ServiceError) -> T {
        do {
            return try transaction(at: date, isolation: isolation, references: references, body)
        } catch {
            throw ServiceError.wrap(error, "database")
        }
    }
}
