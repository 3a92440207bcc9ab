import Catalog
import CoursePackages
import Domain
import Foundation

/// Human-readable output shared by the commands.
enum Rendering {
    static func outcome(_ outcome: ImportOutcome, position: String) -> String {
        var lines: [String] = []
        switch outcome.status {
        case .submitted, .unchanged:
            let package = outcome.package
            let label = outcome.status == .submitted ? "submitted" : "unchanged (same content already submitted)"
            lines.append("\(position) \(label): \(outcome.courseID ?? "?") v\(outcome.version ?? 0), submission #\(outcome.submissionID ?? 0)")
            if let package {
                lines.append("    \(package.displayTitle) | \(summary(package))")
            }
        case .rejected:
            lines.append("\(position) rejected: \(outcome.source)")
        }
        lines += outcome.diagnostics.map { "    " + $0.description }
        return lines.joined(separator: "\n")
    }

    static func check(_ result: PackageReadResult, tree: Bool) -> String {
        var lines: [String] = []
        if let package = result.package, result.isAccepted {
            lines.append("ok: \(result.source)")
            lines.append("    \(package.identifier): \(package.displayTitle) | \(summary(package))")
            if tree { lines += activityLines(package.activities, depth: 2) }
        } else {
            lines.append("rejected: \(result.source)")
        }
        lines += result.diagnostics.map { "    " + $0.description }
        return lines.joined(separator: "\n")
    }

    static func summary(_ package: CoursePackage) -> String {
        let launchable = package.activities.countActivities(where: \.isLaunchable)
        let count = package.activities.countActivities()
        var parts = ["\(package.format.displayName) \(package.formatVersion)", "\(launchable) launchable of \(count) activities"]
        parts.append(package.creditHours.map { "\(hours($0)) 学时" } ?? "no credit hours")
        if let category = package.category { parts.append(category.rawValue) }
        return parts.joined(separator: ", ")
    }

    static func hours(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func activityLines(_ activities: [Activity], depth: Int) -> [String] {
        activities.flatMap { activity -> [String] in
            var line = String(repeating: "  ", count: depth) + "- \(activity.identifier): \(activity.title) [\(activity.kind.rawValue)]"
            if let url = activity.launchURL { line += " -> \(url)" }
            if let mastery = activity.masteryThreshold { line += " mastery \(mastery)" }
            if !activity.isRequired { line += " (optional)" }
            return [line] + activityLines(activity.children, depth: depth + 1)
        }
    }

    static func submissionTable(_ submissions: [Submission]) -> String {
        guard !submissions.isEmpty else { return "no submissions" }
        return Table(
            ["#", "STATUS", "COURSE", "VER", "FORMAT", "学时", "CATEGORY", "TITLE"],
            submissions.map { submission in
                let package = submission.package
                return [
                    String(submission.id), submission.status.rawValue, submission.courseID, String(submission.version),
                    "\(package.format.rawValue) \(package.formatVersion)", package.creditHours.map(hours) ?? "-",
                    package.category?.rawValue ?? "-", package.displayTitle,
                ]
            }
        ).render()
    }

    static func submissionDetail(_ submission: Submission) -> String {
        let package = submission.package
        var lines = [
            "Submission #\(submission.id): \(submission.courseID) version \(submission.version) (\(submission.status.rawValue))",
            "  Society:      \(submission.societyID)",
            "  Format:       \(package.format.displayName) \(package.formatVersion)\(package.hasSidecar ? " + ecba-course.xml sidecar" : "")",
            "  Credit hours: \(package.creditHours.map(hours) ?? "none (cannot be approved)")",
            "  Category:     \(package.category?.rawValue ?? "none")",
            "  Developed by: \(package.developingSociety ?? "-")",
            "  Licence:      \(package.licence ?? "-")",
            "  Languages:    \(package.languages.isEmpty ? "-" : package.languages.joined(separator: ", "))",
            "  Learning time: \(package.typicalLearningTime ?? "-")",
            "  Content hash: \(package.contentHash)",
            "  Source:       \(submission.source)",
        ]
        for title in package.titles { lines.append("  Title [\(title.language.isEmpty ? "-" : title.language)]: \(title.value)") }
        for text in package.descriptions { lines.append("  Description [\(text.language.isEmpty ? "-" : text.language)]: \(text.value)") }
        if !package.keywords.isEmpty { lines.append("  Keywords: " + package.keywords.map(\.value).joined(separator: ", ")) }
        lines.append("  Activities:")
        lines += activityLines(package.activities, depth: 2)
        if !submission.diagnostics.isEmpty {
            lines.append("  Diagnostics:")
            lines += submission.diagnostics.map { "    " + $0.description }
        }
        return lines.joined(separator: "\n")
    }
}
