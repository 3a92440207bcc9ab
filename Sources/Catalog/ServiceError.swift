import Foundation
import Storage

/// A refusal or failure of a service, with a message a user can act on.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidArgument
        case notFound
        case conflict
        case notAuthorized
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    package init(_ error: StorageError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.message)
        case .conflict: self.init(.conflict, error.message)
        default: self.init(.storage, error.message)
        }
    }
}

extension AppDatabase {
    /// Runs one use case in one transaction stamped `date`: a `ServiceError` thrown by the rule
    /// rolls back and comes out as is; storage failures become `.storage` (or their own code).
    package func perform<T>(at date: Date, _ body: @Sendable (StoreTransaction) throws -> T) throws(ServiceError) -> T {
        do {
            return try transaction(at: date, body)
        } catch let error as ServiceError {
            throw error
        } catch let error as StorageError {
            throw ServiceError(error)
        } catch {
            throw ServiceError(.storage, "\(error)")
        }
    }
}

/// Runs a read and turns a storage failure into a `ServiceError`.
package func reading<T>(_ body: () throws(StorageError) -> T) throws(ServiceError) -> T {
    do {
        return try body()
    } catch {
        throw ServiceError(error)
    }
}

/// Ids of societies and committee members: 1-64 ASCII letters, digits, '.', '_' or '-'.
package func isValidID(_ id: String) -> Bool {
    !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
}
