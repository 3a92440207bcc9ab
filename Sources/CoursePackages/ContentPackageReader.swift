import Foundation
import Domain
import XMLKit

/// What a format reader hands back: the package fields it could read.
struct ReadManifest {
    var identifier: String
    var titles: [LocalizedText]
    var descriptions: [LocalizedText]
    var keywords: [LocalizedText]
    var languages: [String]
    var typicalLearningTime: String?
    var activities: [Activity]
    /// SCORM 2004 `imsss:controlMode` of the organisation, when it has one.
    var controlMode: ControlMode? = nil
}

/// The package, as the readers see it: which files exist, and a way to read a side file.
struct PackageView {
    /// Folder of the manifest inside the package ("" at the root, else ending in "/").
    var manifestFolder: String
    /// The manifest's path inside the package, for diagnostics.
    var manifestFile: String
    var fileExists: (String) -> Bool
    /// Parses another XML file of the package (e.g. external LOM), nil when absent or bad.
    var loadXML: (String) -> XMLElement?
    /// At most the first N bytes of a file of the package, nil when absent.
    var readPrefix: (String, Int) -> [UInt8]?
}

/// Reads the IMS Content Packaging family: SCORM 1.2, SCORM 2004, Common Cartridge and plain
/// IMS CP share `manifest` > `organizations` > `organization` > `item`, and `resources`.
struct ContentPackageReader {
    let format: PackageFormat
    let view: PackageView
    var diagnostics: DiagnosticCollector

    private var resources: [String: XMLElement] = [:]
    /// Resource identifiers in manifest order.
    private var resourceOrder: [String] = []
    private var resourcesBase: String?
    private var manifestBase: String?
    private var itemIdentifiers: Set<String> = []
    private var checkedFiles: Set<String> = []
    private var anySCO = false
    private var controlMode: ControlMode?

    init(format: PackageFormat, view: PackageView, diagnostics: DiagnosticCollector) {
        self.format = format
        self.view = view
        self.diagnostics = diagnostics
    }

    private var file: String { view.manifestFile }

    /// The namespace `adlcp:` attributes belong in for this format.
    private var adlcpNamespace: String? {
        switch format {
        case .scorm12: Namespaces.adlcp12
        case .scorm2004: Namespaces.adlcp13
        default: nil
        }
    }

    mutating func read(_ root: XMLElement) -> ReadManifest? {
        let identifier = trimmedIdentifier(root.attribute("identifier"), element: root, path: "/manifest")
        manifestBase = root.xmlBase
        indexResources(root)

        var metadata = LOMMetadata()
        if let meta = root.child(named: "metadata") {
            metadata = readMetadata(meta, path: "/manifest/metadata")
        }

        var titles = metadata.titles
        var activities: [Activity] = []
        if let organizations = root.child(named: "organizations"), !organizations.children(named: "organization").isEmpty {
            let organization = chooseOrganization(organizations)
            controlMode = Self.controlMode(of: organization.element)
            if titles.isEmpty, let title = organization.element.child(named: "title")?.trimmedText {
                titles = [LocalizedText(language: metadata.languages.first ?? "", value: title)]
            }
            let organizationPath = "/manifest/organizations/organization[\(organization.position)]"
            var items = organization.element.children(named: "item")
            var itemPathPrefix = organizationPath
            // Common Cartridge: one root item (rooted-hierarchy) that only wraps the modules.
            if format == .commonCartridge, items.count == 1, items[0].attribute("identifierref") == nil {
                itemPathPrefix += "/item[1]"
                items = items[0].children(named: "item")
            }
            // Know whether any SCO exists before deciding what completion requires.
            anySCO = containsSCO(items)
            for (index, item) in items.enumerated() {
                activities.append(readItem(item, path: "\(itemPathPrefix)/item[\(index + 1)]"))
            }
            if !activities.containsActivity(where: \.isLaunchable) {
                guard let unorganized = unorganizedCartridge(line: organization.element.line, path: organizationPath) else {
                    diagnostics.add(.noLaunchableActivity, file: file, line: organization.element.line, path: organizationPath,
                                    "no item of the organization references a resource that can be launched")
                    return nil
                }
                activities = unorganized
            }
        } else {
            guard let unorganized = unorganizedCartridge(line: root.line, path: "/manifest/organizations") else {
                diagnostics.add(.noOrganization, file: file, line: root.line, path: "/manifest/organizations",
                                "the manifest has no <organization>, so there is no course structure to import")
                return nil
            }
            activities = unorganized
        }
        guard let identifier else {
            diagnostics.add(.identifierMissing, file: file, line: root.line, path: "/manifest",
                            "the manifest has no identifier attribute")
            return nil
        }
        if titles.isEmpty {
            diagnostics.add(.titleMissing, file: file, line: root.line, path: "/manifest",
                            "neither metadata nor the organization gives a title; the identifier is used")
            titles = [LocalizedText(language: "", value: identifier)]
        }
        return ReadManifest(
            identifier: identifier,
            titles: titles,
            descriptions: metadata.descriptions,
            keywords: metadata.keywords,
            languages: metadata.languages,
            typicalLearningTime: metadata.typicalLearningTime,
            activities: activities,
            controlMode: format == .scorm2004 ? controlMode : nil
        )
    }

    /// `imsss:sequencing/imsss:controlMode` on an organisation: each attribute as written,
    /// SCORM's default where absent; nil without a controlMode element.
    static func controlMode(of organization: XMLElement) -> ControlMode? {
        guard let mode = organization.child(named: "sequencing")?.child(named: "controlMode") else { return nil }
        func flag(_ name: String, _ fallback: Bool) -> Bool {
            guard let value = mode.attribute(name)?.trimmingXMLWhitespace().lowercased() else { return fallback }
            return value == "true" || value == "1"
        }
        return ControlMode(choice: flag("choice", true), flow: flag("flow", false), forwardOnly: flag("forwardOnly", false))
    }

    // MARK: Cartridges without modules

    /// A Common Cartridge whose organisation lists nothing (Canvas exports pages and assignments
    /// outside modules this way): its web pages and assignments in manifest order, as Canvas and
    /// its cartridge viewer show them, with a warning. Nil for other formats, or when the
    /// cartridge has no such resource either.
    private mutating func unorganizedCartridge(line: Int, path: String) -> [Activity]? {
        guard format == .commonCartridge else { return nil }
        // A web page that renders an assignment (`cpx:variant` naming it) is how that assignment
        // is shown, not an activity of its own.
        var rendering: [String: XMLElement] = [:]
        for identifier in resourceOrder {
            guard let resource = resources[identifier], resource.attribute("type")?.lowercased() == "webcontent" else { continue }
            for variant in resource.children(named: "variant") {
                if let target = variant.attribute("identifierref")?.trimmingXMLWhitespace(), rendering[target] == nil {
                    rendering[target] = resource
                }
            }
        }
        let rendered = Set(rendering.values.compactMap { $0.attribute("identifier")?.trimmingXMLWhitespace() })
        var activities: [Activity] = []
        for identifier in resourceOrder {
            guard let resource = resources[identifier] else { continue }
            let type = resource.attribute("type")?.lowercased() ?? ""
            let resourcePath = "/manifest/resources/resource[\(resourceOrder.firstIndex(of: identifier).map { $0 + 1 } ?? 0)]"
            if type.hasPrefix("assignment_xmlv") {
                let descriptor = launchFile(of: resource)
                let shown = rendering[identifier].flatMap { launchFile(of: $0) } ?? descriptor
                guard let shown else { continue }
                let title = descriptor.flatMap { view.loadXML(view.manifestFolder + $0)?.child(named: "title")?.trimmedText }
                activities.append(unorganizedActivity(identifier, title: title, kind: .assignment, launch: shown,
                                                      line: resource.line, path: resourcePath))
            } else if type == "webcontent", !rendered.contains(identifier), let page = launchFile(of: resource), Self.isWebPage(page) {
                let title = view.readPrefix(view.manifestFolder + page, 64 << 10).flatMap { HTMLTitle.find(in: $0) }
                activities.append(unorganizedActivity(identifier, title: title, kind: .webcontent, launch: page,
                                                      line: resource.line, path: resourcePath))
            }
        }
        guard !activities.isEmpty else { return nil }
        diagnostics.add(.cartridgeWithoutModules, file: file, line: line, path: path,
                        "the organisation lists no content; the course is its \(activities.count) web page(s) and assignment(s) in manifest order")
        return activities
    }

    /// The resource's href, else its first file (as Common Cartridge writes web content).
    private func launchFile(of resource: XMLElement) -> String? {
        let href = resource.attribute("href") ?? resource.child(named: "file")?.attribute("href")
        guard let href, !href.trimmingXMLWhitespace().isEmpty else { return nil }
        return href
    }

    private static func isWebPage(_ href: String) -> Bool {
        let path = href.split(separator: "?", maxSplits: 1).first.map(String.init)?.lowercased() ?? ""
        return path.hasSuffix(".html") || path.hasSuffix(".htm") || path.hasSuffix(".xhtml")
    }

    private mutating func unorganizedActivity(
        _ identifier: String, title: String?, kind: ActivityKind, launch href: String, line: Int, path: String
    ) -> Activity {
        var activity = Activity(identifier: identifier, title: title ?? identifier, kind: kind, children: [])
        let launch = LaunchURL.compose(bases: [manifestBase, resourcesBase], href: href, parameters: nil)
        activity.launchURL = launch.url
        if let packagePath = launch.packagePath {
            checkFile(packagePath, line: line, path: path)
        }
        activity.isRequired = true
        return activity
    }

    // MARK: Metadata

    private mutating func readMetadata(_ metadata: XMLElement, path: String) -> LOMMetadata {
        var result = LOMMetadata()
        if let lom = metadata.child(named: "lom") {
            result = LOMMetadata(lom: lom)
        }
        for location in metadata.children(named: "location") {
            guard let href = location.trimmedText else { continue }
            let target = LaunchURL.compose(bases: [], href: href, parameters: nil)
            guard let relative = target.packagePath,
                  view.fileExists(view.manifestFolder + relative),
                  let external = view.loadXML(view.manifestFolder + relative)
            else {
                diagnostics.add(.externalMetadataMissing, file: file, line: location.line, path: "\(path)/location",
                                "external metadata '\(href)' is missing or not readable XML; it was skipped")
                continue
            }
            let lom = external.isNamed("lom") ? external : (external.child(named: "lom") ?? external)
            result.merge(LOMMetadata(lom: lom))
        }
        return result
    }

    // MARK: Organizations

    private mutating func chooseOrganization(_ organizations: XMLElement) -> (element: XMLElement, position: Int) {
        let all = organizations.children(named: "organization")
        for (index, organization) in all.enumerated() where organization.attribute("identifier") == nil {
            diagnostics.add(.elementIdentifierMissing, file: file, line: organization.line,
                            path: "/manifest/organizations/organization[\(index + 1)]",
                            "the organization has no identifier attribute")
        }
        guard let wanted = organizations.attribute("default")?.trimmingXMLWhitespace(), !wanted.isEmpty else {
            return (all[0], 1)
        }
        if let index = all.firstIndex(where: { $0.attribute("identifier")?.trimmingXMLWhitespace() == wanted }) {
            return (all[index], index + 1)
        }
        diagnostics.add(.defaultOrganizationMissing, file: file, line: organizations.line, path: "/manifest/organizations",
                        "default organization '\(wanted)' does not exist; the first organization is used")
        return (all[0], 1)
    }

    // MARK: Resources

    private mutating func indexResources(_ root: XMLElement) {
        guard let container = root.child(named: "resources") else { return }
        resourcesBase = container.xmlBase
        for (index, resource) in container.children(named: "resource").enumerated() {
            let path = "/manifest/resources/resource[\(index + 1)]"
            guard let identifier = trimmedIdentifier(resource.attribute("identifier"), element: resource, path: path) else {
                diagnostics.add(.elementIdentifierMissing, file: file, line: resource.line, path: path,
                                "the resource has no identifier attribute and cannot be referenced")
                continue
            }
            if resources[identifier] != nil {
                diagnostics.add(.identifierDuplicate, file: file, line: resource.line, path: path,
                                "resource identifier '\(identifier)' is used twice; the first one is kept")
                continue
            }
            resources[identifier] = resource
            resourceOrder.append(identifier)
        }
    }

    // MARK: Items

    private func containsSCO(_ items: [XMLElement]) -> Bool {
        for item in items {
            if let reference = item.attribute("identifierref")?.trimmingXMLWhitespace(),
               let resource = resources[reference],
               resource.attributeMatch("scormtype")?.value.trimmingXMLWhitespace().lowercased() == "sco" {
                return true
            }
            if containsSCO(item.children(named: "item")) { return true }
        }
        return false
    }

    private mutating func readItem(_ item: XMLElement, path: String) -> Activity {
        var identifier = trimmedIdentifier(item.attribute("identifier"), element: item, path: path) ?? ""
        if identifier.isEmpty {
            identifier = "item-\(item.line)"
            diagnostics.add(.elementIdentifierMissing, file: file, line: item.line, path: path,
                            "the item has no identifier; '\(identifier)' is used")
        }
        if !itemIdentifiers.insert(identifier).inserted {
            var counter = 2
            while itemIdentifiers.contains("\(identifier)#\(counter)") { counter += 1 }
            diagnostics.add(.identifierDuplicate, file: file, line: item.line, path: path,
                            "item identifier '\(identifier)' is used twice; this one is kept as '\(identifier)#\(counter)'")
            identifier = "\(identifier)#\(counter)"
            itemIdentifiers.insert(identifier)
        }
        var title = item.child(named: "title")?.trimmedText ?? ""
        if title.isEmpty {
            diagnostics.add(.titleMissing, file: file, line: item.line, path: path,
                            "item '\(identifier)' has no title; its identifier is shown")
            title = identifier
        }
        var children: [Activity] = []
        for (index, child) in item.children(named: "item").enumerated() {
            children.append(readItem(child, path: "\(path)/item[\(index + 1)]"))
        }
        var activity = Activity(identifier: identifier, title: title, kind: children.isEmpty ? .other : .aggregation, children: children)
        if let reference = item.attributeMatch("identifierref") {
            noteAttributeCase(reference, expected: "identifierref", element: item, path: path)
            let resourceID = reference.value.trimmingXMLWhitespace()
            if let resource = resources[resourceID] {
                applyResource(resource, to: &activity, parameters: item.attribute("parameters"), itemPath: path, itemLine: item.line)
            } else {
                diagnostics.add(.danglingReference, file: file, line: item.line, path: path,
                                "item '\(identifier)' references resource '\(resourceID)', which does not exist")
            }
        }
        readLearnerRules(item, into: &activity, path: path)
        if activity.kind == .aggregation {
            activity.isRequired = children.contains(where: \.isRequired)
        } else if !activity.isLaunchable {
            activity.isRequired = false
        }
        return activity
    }

    private mutating func applyResource(
        _ resource: XMLElement,
        to activity: inout Activity,
        parameters: String?,
        itemPath: String,
        itemLine: Int
    ) {
        let scormType = resource.attributeMatch("scormtype")
        if let scormType {
            noteAttributeCase(scormType, expected: format == .scorm12 ? "scormtype" : "scormType", element: resource, path: itemPath)
        }
        let type = resource.attribute("type") ?? ""
        let kind = Self.kind(resourceType: type, scormType: scormType?.value)
        if activity.children.isEmpty {
            activity.kind = kind
        }
        var href = resource.attribute("href")
        if href == nil, format == .commonCartridge || format == .imscp {
            // Common Cartridge descriptors (discussion, web link, quiz) live in the first file.
            href = resource.child(named: "file")?.attribute("href")
        }
        if let href, !href.trimmingXMLWhitespace().isEmpty {
            let launch = LaunchURL.compose(bases: [manifestBase, resourcesBase, resource.xmlBase], href: href, parameters: parameters)
            activity.launchURL = launch.url
            if launch.wasNormalized {
                diagnostics.add(.hrefNormalized, file: file, line: resource.line, path: itemPath,
                                "href '\(href)' was normalised to '\(launch.url)'")
            }
            if let packagePath = launch.packagePath {
                checkFile(packagePath, line: resource.line, path: itemPath)
            } else if launch.escapesPackage {
                diagnostics.add(.fileMissing, file: file, line: resource.line, path: itemPath,
                                "href '\(href)' points outside the package")
            }
        } else if format == .commonCartridge, resource.children.contains(where: { !["file", "dependency", "metadata"].contains($0.name) }) {
            // A flat cartridge carries the descriptor inside the manifest itself.
            activity.launchURL = "\(view.manifestFile)#\(resource.attribute("identifier")?.trimmingXMLWhitespace() ?? "")"
        }
        switch kind {
        case .sco:
            activity.isRequired = true
        case .asset:
            // Assets cannot report progress; they count only when the package has no SCO.
            activity.isRequired = !anySCO
        default:
            activity.isRequired = true
        }
    }

    private mutating func checkFile(_ packagePath: String, line: Int, path: String) {
        let full = view.manifestFolder + packagePath
        guard checkedFiles.insert(full).inserted else { return }
        if !view.fileExists(full) {
            diagnostics.add(.fileMissing, file: file, line: line, path: path,
                            "launch file '\(packagePath)' is not in the package")
        }
    }

    /// Mastery, completion threshold and time limit, from SCORM 1.2 elements or SCORM 2004
    /// sequencing.
    private mutating func readLearnerRules(_ item: XMLElement, into activity: inout Activity, path: String) {
        if let mastery = item.child(namedIgnoringCase: "masteryscore"), let text = mastery.trimmedText {
            if let value = Double(text), (0...100).contains(value) {
                activity.masteryThreshold = value / 100
            } else {
                diagnostics.add(.valueOutOfRange, file: file, line: mastery.line, path: "\(path)/masteryscore",
                                "masteryscore '\(text)' is not a number from 0 to 100; ignored")
            }
        }
        if let data = item.child(namedIgnoringCase: "datafromlms"), let text = data.trimmedText {
            activity.launchData = text
        }
        if let action = item.child(namedIgnoringCase: "timelimitaction"), let text = action.trimmedText {
            let allowed = ["exit,message", "exit,no message", "continue,message", "continue,no message"]
            if allowed.contains(text.lowercased()) {
                activity.timeLimitAction = text.lowercased()
            } else {
                diagnostics.add(.valueOutOfRange, file: file, line: action.line, path: "\(path)/timelimitaction",
                                "timelimitaction '\(text)' is not one of \(allowed.joined(separator: " | ")); ignored")
            }
        }
        if let limit = item.child(namedIgnoringCase: "maxtimeallowed"), let text = limit.trimmedText {
            activity.timeLimitSeconds = Durations.seconds(cmiTimespan: text) ?? Durations.seconds(iso8601: text)
            if activity.timeLimitSeconds == nil {
                diagnostics.add(.valueOutOfRange, file: file, line: limit.line, path: "\(path)/maxtimeallowed",
                                "maxtimeallowed '\(text)' is not a time span; ignored")
            }
        }
        if let threshold = item.child(named: "completionThreshold") {
            let text = threshold.attribute("minProgressMeasure") ?? threshold.trimmedText
            if let text {
                if let value = Double(text.trimmingXMLWhitespace()), (0...1).contains(value) {
                    activity.completionThreshold = value
                } else {
                    diagnostics.add(.valueOutOfRange, file: file, line: threshold.line, path: "\(path)/completionThreshold",
                                    "completion threshold '\(text)' is not a number from 0 to 1; ignored")
                }
            } else if threshold.attribute("completedByMeasure") == "true" {
                activity.completionThreshold = 1.0
            }
        }
        guard let sequencing = item.child(named: "sequencing") else { return }
        if let limits = sequencing.child(named: "limitConditions"),
           let duration = limits.attribute("attemptAbsoluteDurationLimit") {
            activity.timeLimitSeconds = Durations.seconds(iso8601: duration)
        }
        if let primary = sequencing.child(named: "objectives")?.child(named: "primaryObjective"),
           primary.attribute("satisfiedByMeasure")?.trimmingXMLWhitespace() == "true" {
            let measure = primary.child(named: "minNormalizedMeasure")
            let text = measure?.trimmedText ?? "1.0"
            if let value = Double(text), (-1...1).contains(value) {
                activity.masteryThreshold = max(0, value)
            } else {
                diagnostics.add(.valueOutOfRange, file: file, line: measure?.line ?? primary.line, path: "\(path)/sequencing",
                                "minNormalizedMeasure '\(text)' is not a number from -1 to 1; ignored")
            }
        }
    }

    // MARK: Helpers

    private mutating func trimmedIdentifier(_ raw: String?, element: XMLElement, path: String) -> String? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingXMLWhitespace()
        if trimmed != raw {
            diagnostics.add(.identifierPadded, file: file, line: element.line, path: path,
                            "identifier '\(raw)' has surrounding white space; read as '\(trimmed)'")
        }
        return trimmed.isEmpty ? nil : trimmed
    }

    private mutating func noteAttributeCase(_ attribute: XMLAttribute, expected: String, element: XMLElement, path: String) {
        if attribute.name != expected {
            diagnostics.addOnce(key: "case:\(attribute.name)", .attributeCase, file: file, line: element.line, path: path,
                                "attribute '\(attribute.name)' should be written '\(expected)'")
        }
        if expected.lowercased() == "scormtype", let wanted = adlcpNamespace, attribute.namespace != wanted {
            diagnostics.addOnce(key: "ns:\(attribute.namespace ?? "")", .namespaceMismatch, file: file, line: element.line, path: path,
                                "'\(attribute.name)' is in namespace '\(attribute.namespace ?? "none")', \(format.displayName) defines it in '\(wanted)'")
        }
    }

    static func kind(resourceType type: String, scormType: String?) -> ActivityKind {
        switch scormType?.trimmingXMLWhitespace().lowercased() {
        case "sco": return .sco
        case "asset": return .asset
        default: break
        }
        let lowered = type.lowercased()
        if lowered == "webcontent" { return .webcontent }
        if lowered.hasPrefix("imswl_") { return .weblink }
        if lowered.hasPrefix("imsdt_") { return .discussion }
        if lowered.contains("/assessment") || lowered.hasPrefix("imsqti") { return .assessment }
        if lowered.hasPrefix("imsbasiclti") { return .lti }
        if lowered.contains("learning-application-resource") || lowered.hasPrefix("assignment_xmlv") { return .assignment }
        return .other
    }
}
