/// What a new version changes against the published one, for the committee's review.
public struct VersionChanges: Codable, Sendable, Equatable {
    public struct ActivityRef: Codable, Sendable, Equatable {
        public var identifier: String
        public var title: String

        public init(identifier: String, title: String) {
            self.identifier = identifier
            self.title = title
        }
    }

    public struct Renamed: Codable, Sendable, Equatable {
        public var identifier: String
        public var from: String
        public var to: String

        public init(identifier: String, from: String, to: String) {
            self.identifier = identifier
            self.from = from
            self.to = to
        }
    }

    public struct Change<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
        public var from: Value
        public var to: Value

        public init(from: Value, to: Value) {
            self.from = from
            self.to = to
        }
    }

    /// The published version compared against.
    public var publishedVersion: Int
    public var added: [ActivityRef]
    public var removed: [ActivityRef]
    public var renamed: [Renamed]
    public var creditHours: Change<Double?>?
    public var category: Change<SubjectCategory?>?

    public var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && renamed.isEmpty && creditHours == nil && category == nil
    }

    /// Activities are matched by identifier across the whole tree, in tree order.
    public init(published: CoursePackage, version: Int, submitted: CoursePackage) {
        publishedVersion = version
        let old = published.activities.flattened
        let new = submitted.activities.flattened
        let oldByID = Dictionary(old.map { ($0.identifier, $0) }, uniquingKeysWith: { first, _ in first })
        let newIDs = Set(new.map(\.identifier))
        added = new.filter { oldByID[$0.identifier] == nil }.map { ActivityRef(identifier: $0.identifier, title: $0.title) }
        removed = old.filter { !newIDs.contains($0.identifier) }.map { ActivityRef(identifier: $0.identifier, title: $0.title) }
        renamed = new.compactMap { activity in
            guard let before = oldByID[activity.identifier], before.title != activity.title else { return nil }
            return Renamed(identifier: activity.identifier, from: before.title, to: activity.title)
        }
        creditHours = published.creditHours == submitted.creditHours ? nil : Change(from: published.creditHours, to: submitted.creditHours)
        category = published.category == submitted.category ? nil : Change(from: published.category, to: submitted.category)
    }
}
