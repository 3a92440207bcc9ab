import Foundation

public enum RegistryFormat: String, Codable, Sendable, CaseIterable {
    case json, csv
}

/// Where a society's registry takes transcript records.
public struct RegistryConfig: Codable, Sendable, Equatable {
    public var societyID: String
    public var url: String
    /// A file holding the bearer token; the token itself never enters the database.
    public var tokenFile: String
    public var format: RegistryFormat

    public init(societyID: String, url: String, tokenFile: String, format: RegistryFormat) {
        self.societyID = societyID
        self.url = url
        self.tokenFile = tokenFile
        self.format = format
    }
}

/// One transcript record version as a registry receives it (docs/registry-contract.md).
public struct RegistryRecord: Codable, Sendable, Equatable {
    public struct EngineerRef: Codable, Sendable, Equatable {
        public var id: String
        public var memberNumber: String

        public init(id: String, memberNumber: String) {
            self.id = id
            self.memberNumber = memberNumber
        }
    }

    public struct CourseRef: Codable, Sendable, Equatable {
        public var id: String
        public var version: Int
        public var title: String

        public init(id: String, version: Int, title: String) {
            self.id = id
            self.version = version
            self.title = title
        }
    }

    /// Stable per record version: a registry applies a key it has seen as a no-op.
    public var idempotencyKey: String
    public var recordId: Int64
    public var version: Int
    public var status: TranscriptRecord.Status
    public var engineer: EngineerRef
    public var course: CourseRef
    public var hours: Double
    public var unit: String
    public var category: SubjectCategory
    public var completedAt: String
    public var credentialId: String

    public init(
        idempotencyKey: String, recordId: Int64, version: Int, status: TranscriptRecord.Status, engineer: EngineerRef, course: CourseRef,
        hours: Double, unit: String, category: SubjectCategory, completedAt: String, credentialId: String
    ) {
        self.idempotencyKey = idempotencyKey
        self.recordId = recordId
        self.version = version
        self.status = status
        self.engineer = engineer
        self.course = course
        self.hours = hours
        self.unit = unit
        self.category = category
        self.completedAt = completedAt
        self.credentialId = credentialId
    }

    /// `<credential id>#v<version>`: one key per record version, the same for every attempt.
    public static func key(credentialID: String, version: Int) -> String { "\(credentialID)#v\(version)" }
}

/// An outbox row claimed for delivery, with the record it carries.
public struct OutboxItem: Sendable, Equatable {
    public var outboxID: Int64
    public var attempts: Int
    public var record: RegistryRecord

    public init(outboxID: Int64, attempts: Int, record: RegistryRecord) {
        self.outboxID = outboxID
        self.attempts = attempts
        self.record = record
    }
}

/// Where a society's deliveries stand.
public struct SocietySyncStatus: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var outboxID: Int64
        public var recordID: Int64
        public var version: Int
        public var attempts: Int
        public var lastError: String

        public init(outboxID: Int64, recordID: Int64, version: Int, attempts: Int, lastError: String) {
            self.outboxID = outboxID
            self.recordID = recordID
            self.version = version
            self.attempts = attempts
            self.lastError = lastError
        }
    }

    public struct Attempt: Codable, Sendable, Equatable {
        public var at: Date
        public var records: Int
        public var httpStatus: Int?
        public var error: String?
        public var durationMilliseconds: Double

        public init(at: Date, records: Int, httpStatus: Int?, error: String?, durationMilliseconds: Double) {
            self.at = at
            self.records = records
            self.httpStatus = httpStatus
            self.error = error
            self.durationMilliseconds = durationMilliseconds
        }
    }

    public var societyID: String
    public var url: String
    /// Pending and due now.
    public var due: Int
    /// Pending, waiting for their next attempt (backoff or Retry-After).
    public var waiting: Int
    public var delivered: Int
    /// Parked after too many attempts: 'ecba sync retry' re-queues them.
    public var failed: Int
    /// Older versions replaced by a newer one before they were sent.
    public var superseded: Int
    public var nextAttemptAt: Date?
    public var lastAttempt: Attempt?
    public var failures: [Failure]

    public init(
        societyID: String, url: String, due: Int, waiting: Int, delivered: Int, failed: Int, superseded: Int, nextAttemptAt: Date?,
        lastAttempt: Attempt?, failures: [Failure]
    ) {
        self.societyID = societyID
        self.url = url
        self.due = due
        self.waiting = waiting
        self.delivered = delivered
        self.failed = failed
        self.superseded = superseded
        self.nextAttemptAt = nextAttemptAt
        self.lastAttempt = lastAttempt
        self.failures = failures
    }
}
