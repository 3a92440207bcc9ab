import Catalog
import Domain
import Foundation

/// Human-readable output of the review, catalog and society commands.
extension Rendering {
    /// A UTC time stamp to the second.
    static func stamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false))
    }

    static func tally(_ tally: Tally) -> String {
        "\(tally.approvals) approve, \(tally.rejections) reject, \(tally.votes)/\(tally.electorate) voted (quorum \(ResolutionRule.quorum(members: tally.electorate)))"
    }

    static func reviewTable(_ reviews: [ReviewSummary]) -> String {
        guard !reviews.isEmpty else { return "no submissions" }
        return Table(
            ["#", "STATUS", "COURSE", "VER", "学时", "VOTES", "TITLE"],
            reviews.map { item in
                let votes = item.review.map { review in
                    let tally = review.tally
                    return "\(tally.approvals)+ \(tally.rejections)- of \(tally.electorate)"
                } ?? "not opened"
                return [
                    String(item.submission.id), item.submission.status.rawValue, item.submission.courseID, String(item.submission.version),
                    item.submission.package.creditHours.map(hours) ?? "-", votes, item.submission.package.displayTitle,
                ]
            }
        ).render()
    }

    static func reviewDetail(_ detail: ReviewDetail) -> String {
        var lines = [submissionDetail(detail.submission)]
        for blocker in detail.approvalBlockers { lines.append("  Cannot be approved: \(blocker)") }
        if let changes = detail.changes {
            lines.append("  Changes against published version \(changes.publishedVersion):")
            if changes.isEmpty { lines.append("    none in activities, credit hours or category") }
            for activity in changes.added { lines.append("    + \(activity.identifier): \(activity.title)") }
            for activity in changes.removed { lines.append("    - \(activity.identifier): \(activity.title)") }
            for rename in changes.renamed { lines.append("    ~ \(rename.identifier): \(rename.from) -> \(rename.to)") }
            if let change = changes.creditHours {
                lines.append("    credit hours: \(change.from.map(hours) ?? "none") -> \(change.to.map(hours) ?? "none")")
            }
            if let change = changes.category {
                lines.append("    category: \(change.from?.rawValue ?? "none") -> \(change.to?.rawValue ?? "none")")
            }
        } else if detail.submission.status == .pending {
            lines.append("  Changes: a new course (no published version yet)")
        }
        guard let review = detail.review else {
            lines.append("  Review: not opened yet (it opens with the first vote)")
            return lines.joined(separator: "\n")
        }
        lines.append("  Review opened \(review.openedAt.map(stamp) ?? "-"); electorate: \(review.electorate.joined(separator: ", "))")
        lines.append("  Tally: \(tally(review.tally))")
        for vote in review.votes {
            lines.append("    \(vote.memberID): \(vote.choice.rawValue) (\(stamp(vote.castAt)))\(vote.comment.isEmpty ? "" : " - \(vote.comment)")")
        }
        if let decision = review.decision {
            lines.append("  Decision: \(decision.outcome.rawValue) by \(decision.decidedBy) at \(stamp(decision.decidedAt))")
            lines.append("    why: \(decision.reason)")
        }
        return lines.joined(separator: "\n")
    }

    static func reviewOutcome(_ outcome: ReviewOutcome) -> String {
        var lines = ["  tally: \(tally(outcome.tally))"]
        if let decision = outcome.decision {
            lines.append("  decided: submission \(outcome.submissionID) \(decision.outcome.rawValue) (\(decision.reason))")
        } else if outcome.resolution == .noQuorum {
            lines.append("  no quorum: fewer than 2/3 of the members voted; the review stays open")
        } else {
            lines.append("  still open: outstanding votes could change the outcome (now: \(outcome.resolution.rawValue))")
        }
        if let version = outcome.publishedVersion {
            var line = "  published version \(version) in the catalog"
            if let old = outcome.supersededVersion { line += ", superseding version \(old) for new enrollments" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func catalogTable(_ entries: [CatalogSummary]) -> String {
        Table(
            ["COURSE", "VER", "学时", "CATEGORY", "FORMAT", "LANG", "TITLE"],
            entries.map { entry in
                [
                    entry.courseID, String(entry.version), entry.creditHours.map(hours) ?? "-", entry.category?.rawValue ?? "-",
                    entry.format.rawValue, entry.languages.joined(separator: ","), entry.title,
                ]
            }
        ).render()
    }

    static func catalogDetail(_ entry: CatalogEntry) -> String {
        let package = entry.submission.package
        var state = entry.isCurrent ? "current" : "superseded"
        if let retired = entry.retiredAt { state = "retired \(stamp(retired)): \(entry.retiredReason ?? "")" }
        var lines = [
            "\(entry.courseID) version \(entry.version) (\(state))",
            "  Title:        \(package.displayTitle)",
            "  Society:      \(entry.submission.societyID)",
            "  Developed by: \(package.developingSociety ?? "-")",
            "  Licence:      \(package.licence ?? "-")",
            "  Credit hours: \(package.creditHours.map(hours) ?? "-")",
            "  Category:     \(package.category?.rawValue ?? "-")",
            "  Format:       \(package.format.displayName) \(package.formatVersion)",
            "  Languages:    \(package.languages.isEmpty ? "-" : package.languages.joined(separator: ", "))",
            "  Published:    \(stamp(entry.publishedAt)) from submission #\(entry.submission.id)",
        ]
        for title in package.titles { lines.append("  Title [\(title.language.isEmpty ? "-" : title.language)]: \(title.value)") }
        for text in package.descriptions { lines.append("  Description [\(text.language.isEmpty ? "-" : text.language)]: \(text.value)") }
        if !package.keywords.isEmpty { lines.append("  Keywords: " + package.keywords.map(\.value).joined(separator: ", ")) }
        if let decision = entry.decision {
            lines.append("  Decision:     \(decision.outcome.rawValue) by \(decision.decidedBy) at \(stamp(decision.decidedAt)); \(tally(decision.tally))")
            lines.append("    why: \(decision.reason)")
        }
        lines.append("  Activities:")
        lines += activityLines(package.activities, depth: 2)
        return lines.joined(separator: "\n")
    }

    static func applicationState(_ application: SocietyApplication) -> String {
        if let outcome = application.outcome { return outcome == .authorized ? "authorised" : "rejected or closed" }
        return "awaiting \(application.awaiting?.body ?? "a decision")"
    }
}
