import Foundation
import GRDB

/// The platform's one error for a use case that was refused or failed: a code, which the shells
/// phrase for their users (the CLI's exit status, the HTTP layer's status and problem type), and
/// a message that names what was wrong. Storage throws it too, so a service passes a
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

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Passes a `ServiceError` on as it is; anything else (GRDB's, SQLite's) becomes `.storage`,
    /// prefixed with what was being done.
    static func wrap(_ error: any Error, _ context: String) -> ServiceError {
        if let known = error as? ServiceError { return known }
        if let database = error as? DatabaseError { return ServiceError(.storage, "\(context): \(database.message ?? database.description)") }
        return ServiceError(.storage, "\(context): \(error)")
    }
}

extension AppDatabase {
    /// Runs one use case in one transaction stamped `date`: a `ServiceError` thrown by the rule
    /// rolls back and comes out as is; any other failure rolls back and becomes `.storage`.
    public func perform<T>(at date: Date, _ body: @Sendable (StoreTransaction) throws -> T) throws(ServiceError) -> T {
        do {
            return try transaction(at: date, body)
        } catch {
            throw ServiceError.wrap(error, "database")
        }
    }
}
