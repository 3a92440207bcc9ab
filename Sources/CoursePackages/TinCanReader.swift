import Domain
import Foundation
import XMLKit

/// Reads a Tin Can package's `tincan.xml`: `<tincan><activities><activity id type>` with
/// `name`, `description` and `launch`. The course is the activity typed
/// `http://adlnet.gov/expapi/activities/course` (else the first one); every activity with a
/// `launch` is launchable, under its own id (the id its content's statements use).
struct TinCanReader {
    let view: PackageView
    var diagnostics: DiagnosticCollector

    static let courseType = "http://adlnet.gov/expapi/activities/course"

    init(view: PackageView, diagnostics: DiagnosticCollector) {
        self.view = view
        self.diagnostics = diagnostics
    }

    private var file: String { view.manifestFile }

    /// `<name lang="en-US">…</name>` elements, one per language.
    static func texts(_ parent: XMLElement, _ name: String) -> [LocalizedText] {
        parent.children.filter { $0.isNamed(name) }.compactMap { element in
            element.trimmedText.map { LocalizedText(language: element.attribute("lang") ?? element.xmlLang ?? "", value: $0) }
        }
    }

    mutating func read(_ root: XMLElement) -> ReadManifest? {
        let nodes = root.child(named: "activities")?.children.filter { $0.isNamed("activity") } ?? []
        guard let course = nodes.first(where: { $0.attribute("type")?.trimmingXMLWhitespace() == Self.courseType }) ?? nodes.first else {
            diagnostics.add(.noLaunchableActivity, file: file, line: root.line, path: "/tincan", "tincan.xml lists no <activity>")
            return nil
        }
        guard let identifier = course.attribute("id")?.trimmingXMLWhitespace(), !identifier.isEmpty else {
            diagnostics.add(.identifierMissing, file: file, line: course.line, path: "/tincan/activities/activity", "the course activity has no id")
            return nil
        }
        var seen: Set<String> = []
        var activities: [Activity] = []
        for (position, node) in nodes.enumerated() {
            let path = "/tincan/activities/activity[\(position + 1)]"
            guard let url = node.children.first(where: { $0.isNamed("launch") })?.trimmedText else { continue }
            guard let id = node.attribute("id")?.trimmingXMLWhitespace(), !id.isEmpty else {
                diagnostics.add(.elementIdentifierMissing, file: file, line: node.line, path: path, "an activity with a <launch> has no id; it is left out")
                continue
            }
            guard seen.insert(id).inserted else {
                diagnostics.add(.identifierDuplicate, file: file, line: node.line, path: path, "activity id '\(id)' is used twice; the second is left out")
                continue
            }
            let launch = LaunchURL.compose(bases: [], href: url, parameters: nil)
            if let packagePath = launch.packagePath, !view.fileExists(view.manifestFolder + packagePath) {
                diagnostics.addOnce(key: "file:\(packagePath)", .fileMissing, file: file, line: node.line, path: "\(path)/launch",
                                    "launch file '\(packagePath)' is not in the package")
            }
            let title = Self.texts(node, "name").first?.value ?? id
            activities.append(Activity(identifier: id, title: title, kind: .au, launchURL: launch.url))
        }
        guard !activities.isEmpty else {
            diagnostics.add(.noLaunchableActivity, file: file, line: root.line, path: "/tincan", "no activity in tincan.xml has a <launch>")
            return nil
        }
        var titles = Self.texts(course, "name")
        if titles.isEmpty {
            diagnostics.add(.titleMissing, file: file, line: course.line, path: "/tincan/activities/activity", "the course has no name; its id is shown")
            titles = [LocalizedText(language: "", value: identifier)]
        }
        return ReadManifest(
            identifier: identifier, titles: titles, descriptions: Self.texts(course, "description"), keywords: [],
            languages: Array(Set(titles.map(\.language).filter { !$0.isEmpty })).sorted(), typicalLearningTime: nil, activities: activities
        )
    }
}
