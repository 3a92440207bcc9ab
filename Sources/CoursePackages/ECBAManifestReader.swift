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
        var modules = 0
        var lessons = 0
        for child in element.children {
            let isModule = child.isNamed("module")
            guard isModule || child.isNamed("lesson") else { continue }
            if isModule { modules += 1 } else { lessons += 1 }
            let childPath = isModule ? "\(path)/module[\(modules)]" : "\(path)/lesson[\(lessons)]"
            let identifier = child.attribute("identifier")?.trimmingXMLWhitespace() ?? ""
            let titles = child.children(named: "title").compactMap { title in
                title.trimmedText.map { LocalizedText(language: title.attribute("lang") ?? "", value: $0) }
            }
            let title = Self.preferred(titles) ?? identifier
            if isModule {
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
            if let match = texts.first(where: { startsIgnoringCase($0.language, with: language) }) {
                return match.value
            }
        }
        return texts.first?.value
    }

    /// ASCII case-insensitive prefix test, without lower-casing a copy.
    private static func startsIgnoringCase(_ text: String, with prefix: String) -> Bool {
        text.utf8.count >= prefix.utf8.count
            && zip(text.utf8, prefix.utf8).allSatisfy { pair in
                pair.0 == pair.1 || (pair.0 >= UInt8(ascii: "A") && pair.0 <= UInt8(ascii: "Z") && pair.0 + 32 == pair.1)
            }
    }
}
