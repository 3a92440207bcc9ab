import Foundation
import Domain
import XMLKit

/// The platform fields an ECBA manifest (or sidecar) carries.
struct ECBAFields {
    var identifier: String
    var titles: [LocalizedText]
    var descriptions: [LocalizedText]
    var keywords: [LocalizedText]
    var languages: [String]
    var typicalLearningTime: String?
    var creditHours: Double?
    var category: SubjectCategory?
    var developingSociety: String?
    var licence: String?
    /// The activity tree; nil in a sidecar that leaves it to the standard manifest.
    var activities: [Activity]?
}

/// Reads the platform's own manifest, already validated against `ecba-course-1.0.xsd`.
struct ECBAManifestReader {
    let view: PackageView
    var diagnostics: DiagnosticCollector

    private var file: String { view.manifestFile }

    mutating func read(_ root: XMLElement) -> ECBAFields {
        func texts(_ name: String) -> [LocalizedText] {
            root.children(named: name).compactMap { element in
                element.trimmedText.map { LocalizedText(language: element.attribute("lang") ?? "", value: $0) }
            }
        }
        var fields = ECBAFields(
            identifier: root.attribute("identifier")?.trimmingXMLWhitespace() ?? "",
            titles: texts("title"),
            descriptions: texts("description"),
            keywords: texts("keyword"),
            languages: root.children(named: "language").compactMap(\.trimmedText),
            typicalLearningTime: root.child(named: "typicalLearningTime")?.trimmedText,
            creditHours: root.child(named: "creditHours")?.trimmedText.flatMap(Double.init),
            category: root.child(named: "category")?.trimmedText.flatMap(SubjectCategory.init(rawValue:)),
            developingSociety: root.child(named: "developingSociety")?.trimmedText,
            licence: root.child(named: "licence")?.trimmedText,
            activities: nil
        )
        if let activities = root.child(named: "activities") {
            fields.activities = readChildren(of: activities, path: "/course/activities")
        }
        return fields
    }

    private mutating func readChildren(of element: XMLElement, path: String) -> [Activity] {
        var result: [Activity] = []
        var positions: [String: Int] = [:]
        for child in element.children where child.isNamed("module") || child.isNamed("lesson") {
            positions[child.name, default: 0] += 1
            let childPath = "\(path)/\(child.name)[\(positions[child.name] ?? 1)]"
            let identifier = child.attribute("identifier")?.trimmingXMLWhitespace() ?? ""
            let titles = child.children(named: "title").compactMap { title in
                title.trimmedText.map { LocalizedText(language: title.attribute("lang") ?? "", value: $0) }
            }
            let title = Self.preferred(titles) ?? identifier
            if child.isNamed("module") {
                let children = readChildren(of: child, path: childPath)
                result.append(Activity(identifier: identifier, title: title, kind: .aggregation,
                                       isRequired: children.contains(where: \.isRequired), children: children))
                continue
            }
            let href = child.attribute("href") ?? ""
            let launch = LaunchURL.compose(bases: [], href: href, parameters: child.attribute("parameters"))
            if let packagePath = launch.packagePath, !view.fileExists(view.manifestFolder + packagePath) {
                diagnostics.add(.fileMissing, file: file, line: child.line, path: childPath,
                                "launch file '\(packagePath)' is not in the package")
            }
            result.append(Activity(
                identifier: identifier,
                title: title,
                kind: ActivityKind(rawValue: child.attribute("kind") ?? "webcontent") ?? .webcontent,
                launchURL: launch.url,
                isRequired: child.attribute("required").map { $0 == "true" || $0 == "1" } ?? true,
                masteryThreshold: child.attribute("masteryScore").flatMap(Double.init),
                completionThreshold: child.attribute("completionThreshold").flatMap(Double.init),
                timeLimitSeconds: child.attribute("timeLimit").flatMap(Durations.seconds(iso8601:))
            ))
        }
        return result
    }

    /// Chinese first, then English, then the first.
    static func preferred(_ texts: [LocalizedText]) -> String? {
        for language in ["zh", "en"] {
            if let match = texts.first(where: { $0.language.lowercased().hasPrefix(language) }) {
                return match.value
            }
        }
        return texts.first?.value
    }
}
