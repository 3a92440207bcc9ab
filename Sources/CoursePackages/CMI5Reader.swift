import Foundation
import Domain
import XMLKit

/// Reads a cmi5 course structure (`cmi5.xml`): `course`, then `au` and `block` in order.
struct CMI5Reader {
    let view: PackageView
    var diagnostics: DiagnosticCollector
    private var identifiers: Set<String> = []

    init(view: PackageView, diagnostics: DiagnosticCollector) {
        self.view = view
        self.diagnostics = diagnostics
    }

    private var file: String { view.manifestFile }

    mutating func read(_ root: XMLElement) -> ReadManifest? {
        guard let course = root.child(named: "course") else {
            diagnostics.add(.identifierMissing, file: file, line: root.line, path: "/courseStructure",
                            "the course structure has no <course> element")
            return nil
        }
        var activities: [Activity] = []
        var positions: [String: Int] = [:]
        for child in root.children where child.isNamed("au") || child.isNamed("block") {
            positions[child.name, default: 0] += 1
            activities.append(readNode(child, path: "/courseStructure/\(child.name)[\(positions[child.name] ?? 1)]"))
        }
        guard activities.containsActivity(where: \.isLaunchable) else {
            diagnostics.add(.noLaunchableActivity, file: file, line: root.line, path: "/courseStructure",
                            "the course structure has no assignable unit with a url")
            return nil
        }
        guard let identifier = course.attribute("id")?.trimmingXMLWhitespace(), !identifier.isEmpty else {
            diagnostics.add(.identifierMissing, file: file, line: course.line, path: "/courseStructure/course",
                            "the course has no id attribute")
            return nil
        }
        var titles = LOMMetadata.strings(in: course.child(named: "title"))
        if titles.isEmpty {
            diagnostics.add(.titleMissing, file: file, line: course.line, path: "/courseStructure/course",
                            "the course has no title; its id is shown")
            titles = [LocalizedText(language: "", value: identifier)]
        }
        let languages = Array(Set(titles.map(\.language).filter { !$0.isEmpty })).sorted()
        return ReadManifest(
            identifier: identifier,
            titles: titles,
            descriptions: LOMMetadata.strings(in: course.child(named: "description")),
            keywords: [],
            languages: languages,
            typicalLearningTime: nil,
            activities: activities
        )
    }

    private mutating func readNode(_ node: XMLElement, path: String) -> Activity {
        var identifier = node.attribute("id")?.trimmingXMLWhitespace() ?? ""
        if identifier.isEmpty {
            identifier = "\(node.name)-\(node.line)"
            diagnostics.add(.elementIdentifierMissing, file: file, line: node.line, path: path,
                            "<\(node.name)> has no id; '\(identifier)' is used")
        }
        if !identifiers.insert(identifier).inserted {
            diagnostics.add(.identifierDuplicate, file: file, line: node.line, path: path,
                            "id '\(identifier)' is used twice; this one is kept as '\(identifier)#2'")
            identifier += "#2"
        }
        let title = LOMMetadata.strings(in: node.child(named: "title")).first?.value ?? identifier
        guard node.isNamed("au") else {
            var children: [Activity] = []
            var positions: [String: Int] = [:]
            for child in node.children where child.isNamed("au") || child.isNamed("block") {
                positions[child.name, default: 0] += 1
                children.append(readNode(child, path: "\(path)/\(child.name)[\(positions[child.name] ?? 1)]"))
            }
            return Activity(identifier: identifier, title: title, kind: .aggregation,
                            isRequired: children.contains(where: \.isRequired), children: children)
        }
        let moveOn = node.attribute("moveOn")?.trimmingXMLWhitespace() ?? "NotApplicable"
        var activity = Activity(identifier: identifier, title: title, kind: .au, isRequired: moveOn != "NotApplicable", moveOn: moveOn)
        if let raw = node.attribute("masteryScore") {
            if let value = Double(raw.trimmingXMLWhitespace()), (0...1).contains(value) {
                activity.masteryThreshold = value
            } else {
                diagnostics.add(.valueOutOfRange, file: file, line: node.line, path: path,
                                "masteryScore '\(raw)' is not a number from 0 to 1; ignored")
            }
        }
        activity.launchData = node.child(named: "launchParameters")?.trimmedText
        activity.entitlementKey = node.child(named: "entitlementKey")?.child(named: "courseStructure")?.trimmedText
        if let url = node.child(named: "url")?.trimmedText {
            let launch = LaunchURL.compose(bases: [], href: url, parameters: nil)
            activity.launchURL = launch.url
            if let packagePath = launch.packagePath, !view.fileExists(view.manifestFolder + packagePath) {
                diagnostics.addOnce(key: "file:\(packagePath)", .fileMissing, file: file, line: node.line, path: "\(path)/url",
                                    "launch file '\(packagePath)' is not in the package")
            }
        } else {
            diagnostics.add(.noLaunchableActivity, file: file, line: node.line, path: path,
                            "assignable unit '\(identifier)' has no <url>")
        }
        return activity
    }
}
