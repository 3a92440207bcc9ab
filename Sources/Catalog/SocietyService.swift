import Domain
import Foundation
import Storage

/// The Secretariat's society register (charter Art. 8, 16-20).
public struct SocietyService: Sendable {
    let database: AppDatabase
    let clock: @Sendable () -> Date

    public init(database: AppDatabase, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.clock = clock
    }

    /// Registers a society (not yet authorised). Ids are letters, digits, `.`, `_`, `-`.
    public func add(id: String, name: String, kind: SocietyKind) throws(ServiceError) -> Society {
        guard Self.isValidID(id) else {
            throw ServiceError(.invalidArgument, "society id '\(id)' must be 1-64 letters, digits, '.', '_' or '-'")
        }
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty else {
            throw ServiceError(.invalidArgument, "a society needs a name")
        }
        let society = Society(id: id, name: trimmedName, kind: kind, status: .registered)
        do {
            try database.insertSociety(society, at: clock())
        } catch {
            throw ServiceError(error)
        }
        return society
    }

    /// Authorises a society to submit courses and pull reports. A withdrawn or removed
    /// society cannot be re-authorised here.
    public func authorize(id: String) throws(ServiceError) -> Society {
        var society = try require(id)
        guard society.status == .registered || society.status == .authorized else {
            throw ServiceError(.conflict, "society '\(id)' is \(society.status.rawValue); it must apply again to be authorised")
        }
        if society.status == .registered {
            do {
                try database.updateSocietyStatus(id, to: .authorized, at: clock())
            } catch {
                throw ServiceError(error)
            }
            society.status = .authorized
        }
        return society
    }

    public func list() throws(ServiceError) -> [Society] {
        do {
            return try database.societies()
        } catch {
            throw ServiceError(error)
        }
    }

    /// The society, or `notFound`.
    public func require(_ id: String) throws(ServiceError) -> Society {
        let found: Society?
        do {
            found = try database.society(id)
        } catch {
            throw ServiceError(error)
        }
        guard let found else {
            throw ServiceError(.notFound, "no society '\(id)'; add it with 'ecba society add'")
        }
        return found
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
