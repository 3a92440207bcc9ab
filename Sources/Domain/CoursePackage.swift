/// The package formats the importer reads, told apart by root namespace and `schemaversion`.
public enum PackageFormat: String, Codable, Sendable, CaseIterable {
    /// The platform's own manifest (`importers/ecba/`).
    case ecba
    case scorm12
    case scorm2004
    /// IMS Common Cartridge (including thin and flat cartridges).
    case commonCartridge = "cc"
    case cmi5
    /// Tin Can (`tincan.xml`), the xAPI launch before cmi5: `endpoint`, `auth`, `actor`,
    /// `registration`, `activity_id` in the query.
    case tincan
    /// A plain IMS Content Package: the base of SCORM and CC, with neither profile.
    case imscp

    /// A name for people.
    public var displayName: String {
        switch self {
        case .ecba: "ECBA course manifest"
        case .scorm12: "SCORM 1.2"
        case .scorm2004: "SCORM 2004"
        case .commonCartridge: "IMS Common Cartridge"
        case .cmi5: "cmi5"
        case .tincan: "Tin Can (xAPI)"
        case .imscp: "IMS Content Packaging"
        }
    }
}

/// How a learner may move through an organisation (SCORM 2004 `imsss:controlMode` of the
/// organisation). Other formats, and SCORM 2004 packages that say nothing, use the SCORM
/// defaults of their kind: `SCORM2004` (choice, no flow) or `free` (choice and flow).
public struct ControlMode: Codable, Sendable, Equatable {
    /// The learner may pick any activity from the tree.
    public var choice: Bool
    /// Previous / next (continue) move through the activities in order.
    public var flow: Bool
    /// Only forward: no previous.
    public var forwardOnly: Bool

    public init(choice: Bool, flow: Bool, forwardOnly: Bool) {
        self.choice = choice
        self.flow = flow
        self.forwardOnly = forwardOnly
    }

    /// SCORM 2004's defaults (SN book, 3.2.1): choice true, flow false, forwardOnly false.
    public static let scorm2004 = ControlMode(choice: true, flow: false, forwardOnly: false)
    /// What formats without sequencing allow: the tree and previous / next.
    public static let free = ControlMode(choice: true, flow: true, forwardOnly: false)

    /// As stored: "choice,flow,forwardOnly" flags that are on.
    public var stored: String {
        [choice ? "choice" : nil, flow ? "flow" : nil, forwardOnly ? "forwardOnly" : nil].compactMap { $0 }.joined(separator: ",")
    }

    public init(stored: String) {
        let flags = Set(stored.split(separator: ","))
        self.init(choice: flags.contains("choice"), flow: flags.contains("flow"), forwardOnly: flags.contains("forwardOnly"))
    }
}

/// The subject categories of the national rules (MOHRSS Order No. 25).
public enum SubjectCategory: String, Codable, Sendable, CaseIterable {
    /// 专业科目
    case professional
    /// 公需科目: law, policy, ethics, technical information.
    case `public`
}

/// A string in one language; `language` is a BCP 47 tag, empty when the package did not say.
public struct LocalizedText: Codable, Sendable, Equatable, Hashable {
    public var language: String
    public var value: String

    public init(language: String, value: String) {
        self.language = language
        self.value = value
    }
}

/// What an activity is, in the package's own terms.
public enum ActivityKind: String, Codable, Sendable {
    /// A container of other activities (SCORM aggregation, CC folder, cmi5 block, ECBA module).
    case aggregation
    /// SCORM sharable content object: launched and tracked.
    case sco
    /// SCORM asset: launched, not tracked.
    case asset
    /// cmi5 assignable unit; a Tin Can activity with a launch.
    case au
    /// Common Cartridge web content, ECBA lesson page.
    case webcontent
    case weblink
    case discussion
    case assessment
    case assignment
    /// Basic LTI link.
    case lti
    /// An ECBA video lesson.
    case video
    /// A resource of a type the importer does not know; launched as a file.
    case other
}

/// One node of the ordered activity tree.
public struct Activity: Codable, Sendable, Equatable {
    /// Identifier, trimmed of white space.
    public var identifier: String
    public var title: String
    public var kind: ActivityKind
    /// Launch URL relative to the package root: `xml:base` + `href` + `parameters`.
    public var launchURL: String?
    /// Whether completing the course requires this activity.
    public var isRequired: Bool
    /// Mastery threshold normalised to 0-1 (`masteryscore`/100, `minNormalizedMeasure`, `masteryScore`).
    public var masteryThreshold: Double?
    /// Completion threshold 0-1 (`adlcp:completionThreshold`).
    public var completionThreshold: Double?
    /// Time limit in seconds (`maxtimeallowed`, `attemptAbsoluteDurationLimit`).
    public var timeLimitSeconds: Int?
    /// cmi5 `moveOn` (Passed, Completed, CompletedAndPassed, CompletedOrPassed, NotApplicable).
    public var moveOn: String?
    /// SCORM `adlcp:datafromlms` / `adlcp:dataFromLMS`: the SCO's `launch_data`.
    public var launchData: String?
    /// SCORM `adlcp:timelimitaction` / `adlcp:timeLimitAction` (exit,message … continue,no message).
    public var timeLimitAction: String?
    /// cmi5 `entitlementKey/courseStructure`: handed to the AU in `LMS.LaunchData`.
    public var entitlementKey: String?
    public var children: [Activity]

    public init(
        identifier: String,
        title: String,
        kind: ActivityKind,
        launchURL: String? = nil,
        isRequired: Bool = true,
        masteryThreshold: Double? = nil,
        completionThreshold: Double? = nil,
        timeLimitSeconds: Int? = nil,
        moveOn: String? = nil,
        launchData: String? = nil,
        timeLimitAction: String? = nil,
        entitlementKey: String? = nil,
        children: [Activity] = []
    ) {
        self.identifier = identifier
        self.title = title
        self.kind = kind
        self.launchURL = launchURL
        self.isRequired = isRequired
        self.masteryThreshold = masteryThreshold
        self.completionThreshold = completionThreshold
        self.timeLimitSeconds = timeLimitSeconds
        self.moveOn = moveOn
        self.launchData = launchData
        self.timeLimitAction = timeLimitAction
        self.entitlementKey = entitlementKey
        self.children = children
    }

    /// True when the activity can be launched.
    public var isLaunchable: Bool { launchURL != nil }
}

extension Array where Element == Activity {
    /// Every activity, depth first in document order.
    public var flattened: [Activity] {
        var result: [Activity] = []
        func visit(_ activities: [Activity]) {
            for activity in activities {
                result.append(activity)
                visit(activity.children)
            }
        }
        visit(self)
        return result
    }

    /// True when any activity of the tree, at any depth, satisfies `predicate`; nothing is copied.
    public func containsActivity(where predicate: (Activity) -> Bool) -> Bool {
        contains { predicate($0) || $0.children.containsActivity(where: predicate) }
    }

    /// How many activities of the tree, at any depth, satisfy `predicate`; nothing is copied.
    public func countActivities(where predicate: (Activity) -> Bool = { _ in true }) -> Int {
        reduce(0) { $0 + (predicate($1) ? 1 : 0) + $1.children.countActivities(where: predicate) }
    }
}

/// A course package of any supported format, read into one model.
public struct CoursePackage: Codable, Sendable, Equatable {
    /// The course identifier (manifest identifier, cmi5 course id, ECBA course id), trimmed.
    public var identifier: String
    public var format: PackageFormat
    /// The format version: "1.2", "2004 4th Edition", "1.3.0", "1.0"...
    public var formatVersion: String
    public var titles: [LocalizedText]
    public var descriptions: [LocalizedText]
    public var keywords: [LocalizedText]
    /// Typical learning time as an ISO 8601 duration, as the package wrote it.
    public var typicalLearningTime: String?
    /// The ordered activity tree.
    public var activities: [Activity]
    /// Credit hours (学时), from the ECBA manifest or sidecar.
    public var creditHours: Double?
    public var category: SubjectCategory?
    /// The developing society named by the package (ECBA manifest or sidecar).
    public var developingSociety: String?
    public var licence: String?
    /// Languages of the content, BCP 47.
    public var languages: [String]
    /// SHA-256 over the package's files (names and contents), hex. Same hash, same version.
    public var contentHash: String
    /// Path of the manifest inside the package.
    public var manifestPath: String
    /// True when an `ecba-course.xml` sidecar supplied the platform fields.
    public var hasSidecar: Bool
    /// How the learner moves through the organisation: read from SCORM 2004 sequencing, nil
    /// when the package says nothing (then `effectiveControlMode` gives its format's default).
    public var controlMode: ControlMode?

    /// The control mode the player applies.
    public var effectiveControlMode: ControlMode {
        controlMode ?? (format == .scorm2004 ? .scorm2004 : .free)
    }

    public init(
        identifier: String,
        format: PackageFormat,
        formatVersion: String,
        titles: [LocalizedText] = [],
        descriptions: [LocalizedText] = [],
        keywords: [LocalizedText] = [],
        typicalLearningTime: String? = nil,
        activities: [Activity] = [],
        creditHours: Double? = nil,
        category: SubjectCategory? = nil,
        developingSociety: String? = nil,
        licence: String? = nil,
        languages: [String] = [],
        contentHash: String = "",
        manifestPath: String = "",
        hasSidecar: Bool = false,
        controlMode: ControlMode? = nil
    ) {
        self.identifier = identifier
        self.format = format
        self.formatVersion = formatVersion
        self.titles = titles
        self.descriptions = descriptions
        self.keywords = keywords
        self.typicalLearningTime = typicalLearningTime
        self.activities = activities
        self.creditHours = creditHours
        self.category = category
        self.developingSociety = developingSociety
        self.licence = licence
        self.languages = languages
        self.contentHash = contentHash
        self.manifestPath = manifestPath
        self.hasSidecar = hasSidecar
        self.controlMode = controlMode
    }

    /// The title to show: Chinese first, then English, then whatever comes first.
    public var displayTitle: String {
        for preferred in ["zh", "en"] {
            if let match = titles.first(where: { $0.language.lowercased().hasPrefix(preferred) }) {
                return match.value
            }
        }
        return titles.first?.value ?? identifier
    }
}
