import Catalog
import Domain
import Foundation
import Storage
import Testing

@Suite("The charter's rule (Art. 31), as arithmetic")
struct ResolutionRuleTests {
    @Test("quorum is ⌈2n/3⌉ and approval ⌈3v/4⌉, bounds included", arguments: [
        (3, 2), (5, 4), (7, 5), (8, 6), (9, 6),
    ])
    func bounds(members: Int, quorum: Int) {
        #expect(ResolutionRule.quorum(members: members) == quorum)
        // At the quorum bound with everyone approving: approved; one vote fewer: no quorum.
        #expect(ResolutionRule.evaluate(Tally(electorate: members, approvals: quorum, rejections: 0)) == .approved)
        #expect(ResolutionRule.evaluate(Tally(electorate: members, approvals: quorum - 1, rejections: 0)) == .noQuorum)
        // At the approval bound among all members voting, and one approval below it.
        let needed = ResolutionRule.approvalsNeeded(votes: members)
        #expect(4 * needed >= 3 * members && 4 * (needed - 1) < 3 * members)
        #expect(ResolutionRule.evaluate(Tally(electorate: members, approvals: needed, rejections: members - needed)) == .approved)
        #expect(ResolutionRule.evaluate(Tally(electorate: members, approvals: needed - 1, rejections: members - needed + 1)) == .rejected)
    }

    @Test("exactly 3/4 and exactly 2/3 pass (以上 includes the bound)")
    func inclusive() {
        // 6 of 9 voted is exactly 2/3; 3 of 4 approving... here 6 voters need 4.5, so 5.
        #expect(ResolutionRule.evaluate(Tally(electorate: 9, approvals: 6, rejections: 0)) == .approved)
        // 8 voters, 6 approving is exactly 3/4.
        #expect(ResolutionRule.evaluate(Tally(electorate: 8, approvals: 6, rejections: 2)) == .approved)
        #expect(ResolutionRule.evaluate(Tally(electorate: 8, approvals: 5, rejections: 3)) == .rejected)
    }

    @Test("settled only when no outstanding vote or abstention can change the outcome")
    func settled() {
        // 5 members, 4 approvals: the fifth cannot undo it.
        #expect(ResolutionRule.settled(Tally(electorate: 5, approvals: 4, rejections: 0), outstanding: 1) == .approved)
        // 5 members, 3 approve 1 rejects: approved now, but a fifth rejection would make it 3/5.
        #expect(ResolutionRule.settled(Tally(electorate: 5, approvals: 3, rejections: 1), outstanding: 1) == nil)
        // 3 members, 2 approvals: a third rejection would make it 2/3 < 3/4.
        #expect(ResolutionRule.settled(Tally(electorate: 3, approvals: 2, rejections: 0), outstanding: 1) == nil)
        // 5 members, 2 approve 2 reject: rejected whatever the fifth does.
        #expect(ResolutionRule.settled(Tally(electorate: 5, approvals: 2, rejections: 2), outstanding: 1) == .rejected)
        // Without a quorum nothing is settled, even when approval is out of reach.
        #expect(ResolutionRule.settled(Tally(electorate: 9, approvals: 0, rejections: 3), outstanding: 6) == nil)
        // Nobody left to vote: what holds now is final.
        #expect(ResolutionRule.settled(Tally(electorate: 3, approvals: 2, rejections: 1), outstanding: 0) == .rejected)
    }
}

@Suite("Committee review through the service layer")
struct ReviewServiceTests {
    /// The boundary cases for a committee of `members`: (approvals, rejections) to cast.
    static func cases(_ members: Int) -> [(approvals: Int, rejections: Int)] {
        let quorum = ResolutionRule.quorum(members: members)
        let atQuorum = ResolutionRule.approvalsNeeded(votes: quorum)
        let allVote = ResolutionRule.approvalsNeeded(votes: members)
        return [
            (quorum, 0), (quorum - 1, 0),                                   // at and one below the quorum
            (atQuorum, quorum - atQuorum), (atQuorum - 1, quorum - atQuorum + 1), // at and below 3/4, at quorum
            (allVote, members - allVote), (allVote - 1, members - allVote + 1),   // at and below 3/4, everyone voting
        ]
    }

    @Test("votes, automatic settlement and early decision agree with the rule at every bound", arguments: [3, 5, 7, 8, 9])
    func boundaries(members: Int) throws {
        let world = try CatalogWorld()
        let ids = try world.appoint(members)
        for (index, scenario) in Self.cases(members).enumerated() {
            let submission = try world.submit(samplePackage("c\(index)", titles: [LocalizedText(language: "zh", value: "课程 \(index)")]))
            var voters = ids.makeIterator()
            var choices = Array(repeating: VoteChoice.reject, count: scenario.rejections) + Array(repeating: .approve, count: scenario.approvals)
            choices.reverse()
            while let choice = choices.popLast(), let member = voters.next() {
                let outcome = try world.reviews.vote(submission, memberID: member, choice: choice, comment: "意见")
                if outcome.decision != nil { break }   // settled early: later votes could not change it
            }
            if try world.reviews.show(submission).submission.status == .pending {
                _ = try world.reviews.decide(submission, actor: "chair")
            }
            let expected = ResolutionRule.evaluate(Tally(electorate: members, approvals: scenario.approvals, rejections: scenario.rejections))
            let status = try world.reviews.show(submission).submission.status
            let wanted: SubmissionStatus = switch expected {
            case .approved: .approved
            case .rejected: .rejected
            case .noQuorum: .pending
            }
            #expect(status == wanted, "\(members) members, \(scenario.approvals) approve, \(scenario.rejections) reject")
            #expect(try world.catalog.list().contains { $0.courseID == "cces/c\(index)" } == (wanted == .approved))
        }
    }

    @Test("a review settles by itself as soon as outstanding votes cannot change it")
    func automaticDecision() throws {
        let world = try CatalogWorld()
        try world.appoint(5)
        let submission = try world.submit(samplePackage("auto", titles: [LocalizedText(language: "en", value: "Auto")]))
        for member in ["m1", "m2", "m3"] {
            let outcome = try world.reviews.vote(submission, memberID: member, choice: .approve, comment: "ok")
            #expect(outcome.decision == nil && outcome.resolution == .noQuorum)
        }
        let fourth = try world.reviews.vote(submission, memberID: "m4", choice: .approve, comment: "ok")
        #expect(fourth.decision?.outcome == .approved && fourth.decision?.decidedBy == ReviewService.automaticDecider)
        #expect(fourth.publishedVersion == 1)
        #expect(throws: ServiceError.self) { try world.reviews.vote(submission, memberID: "m5", choice: .reject, comment: "late") }

        let rejected = try world.submit(samplePackage("auto2", titles: [LocalizedText(language: "en", value: "Auto 2")]))
        for member in ["m1", "m2"] { _ = try world.reviews.vote(rejected, memberID: member, choice: .reject, comment: "no") }
        _ = try world.reviews.vote(rejected, memberID: "m3", choice: .approve, comment: "yes")
        let last = try world.reviews.vote(rejected, memberID: "m4", choice: .approve, comment: "yes")
        // 2 approve, 2 reject of 5: quorum met, and m5 cannot lift it to 3/4.
        #expect(last.decision?.outcome == .rejected)
        #expect(try world.catalog.list().map(\.courseID) == ["cces/auto"])
    }

    @Test("one vote per member, changeable until the decision; non-members are refused")
    func votingRules() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let submission = try world.submit(samplePackage("v", titles: [LocalizedText(language: "en", value: "V")]))
        _ = try world.reviews.vote(submission, memberID: "m1", choice: .reject, comment: "first thoughts")
        let changed = try world.reviews.vote(submission, memberID: "m1", choice: .approve, comment: "convinced")
        #expect(changed.tally == Tally(electorate: 3, approvals: 1, rejections: 0))
        #expect(try world.reviews.show(submission).review?.votes.map(\.comment) == ["convinced"])
        do {
            _ = try world.reviews.vote(submission, memberID: "stranger", choice: .approve, comment: "hi")
            Issue.record("a non-member voted")
        } catch {
            #expect(error.code == .notAuthorized)
        }
        #expect(throws: ServiceError.self) { try world.reviews.vote(999, memberID: "m1", choice: .approve, comment: "x") }
    }

    @Test("a vote counts against the membership when the review opened")
    func datedMembership() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let submission = try world.submit(samplePackage("dated", titles: [LocalizedText(language: "en", value: "Dated")]))
        _ = try world.reviews.vote(submission, memberID: "m1", choice: .approve, comment: "opens the review")
        // Joined after the review opened: refused, and the quorum base stays 3.
        _ = try world.committee.addMember(id: "m4", name: "新委员", actor: "secretariat")
        do {
            _ = try world.reviews.vote(submission, memberID: "m4", choice: .approve, comment: "too late")
            Issue.record("a member who joined after the review opened voted")
        } catch {
            #expect(error.code == .notAuthorized)
        }
        // Left after it opened: can no longer vote, still counts in the electorate.
        _ = try world.committee.removeMember(id: "m3", reason: "term ended", actor: "secretariat")
        #expect(throws: ServiceError.self) { try world.reviews.vote(submission, memberID: "m3", choice: .approve, comment: "x") }
        // m1 and m2 approve: 2 of 3 voted, the outstanding m3 can no longer vote, so it settles.
        let outcome = try world.reviews.vote(submission, memberID: "m2", choice: .approve, comment: "ok")
        #expect(outcome.tally.electorate == 3)
        #expect(outcome.decision?.outcome == .approved)
        // A review opened now counts the new membership (m1, m2, m4).
        let next = try world.submit(samplePackage("later", titles: [LocalizedText(language: "en", value: "Later")]))
        let first = try world.reviews.vote(next, memberID: "m4", choice: .approve, comment: "ok")
        #expect(first.tally.electorate == 3)
        #expect(try world.reviews.show(next).review?.electorate == ["m1", "m2", "m4"])
    }

    @Test("without credit hours a submission cannot be approved")
    func noCreditHours() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let submission = try world.submit(samplePackage("nohours", titles: [LocalizedText(language: "en", value: "No hours")], hours: nil))
        #expect(try world.reviews.show(submission).approvalBlockers.count == 1)
        do {
            _ = try world.reviews.vote(submission, memberID: "m1", choice: .approve, comment: "looks fine")
            Issue.record("an approve vote on a submission without credit hours was accepted")
        } catch {
            #expect(error.code == .conflict && error.message.contains("credit hours"))
        }
        _ = try world.reviews.vote(submission, memberID: "m1", choice: .reject, comment: "no hours")
        let second = try world.reviews.vote(submission, memberID: "m2", choice: .reject, comment: "no hours")
        #expect(second.decision?.outcome == .rejected)
        #expect(try world.reviews.show(submission).submission.status == .rejected)
        #expect(try world.catalog.count() == 0)
    }

    @Test("decide without a quorum keeps the review open; with one it closes it")
    func earlyDecision() throws {
        let world = try CatalogWorld()
        try world.appoint(5)
        let submission = try world.submit(samplePackage("early", titles: [LocalizedText(language: "en", value: "Early")]))
        let none = try world.reviews.decide(submission, actor: "chair")
        #expect(none.resolution == .noQuorum && none.decision == nil)
        for member in ["m1", "m2", "m3"] { _ = try world.reviews.vote(submission, memberID: member, choice: .approve, comment: "ok") }
        _ = try world.reviews.vote(submission, memberID: "m4", choice: .reject, comment: "not yet")
        // 3 of 4 approve (exactly 3/4) with a quorum of 4: approved if closed now.
        let decided = try world.reviews.decide(submission, actor: "chair", reason: "end of session")
        #expect(decided.decision?.outcome == .approved && decided.decision?.decidedBy == "chair")
        #expect(decided.decision?.reason.hasPrefix("end of session") == true)
        #expect(throws: ServiceError.self) { try world.reviews.decide(submission, actor: "chair") }
        let entry = try world.catalog.show("cces/early")
        #expect(entry.decision?.decidedBy == "chair" && entry.decision?.tally == Tally(electorate: 5, approvals: 3, rejections: 1))
    }

    @Test("a new version supersedes the published one; review show lists what changed")
    func versions() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let v1 = samplePackage(
            "bridge", titles: [LocalizedText(language: "zh", value: "桥梁检测")], hours: 4, category: .professional,
            activities: [
                Activity(identifier: "a", title: "概述", kind: .webcontent, launchURL: "a.html"),
                Activity(identifier: "b", title: "检测方法", kind: .webcontent, launchURL: "b.html"),
            ], hash: "h1"
        )
        try world.publish(v1)
        var v2 = v1
        v2.contentHash = "h2"
        v2.creditHours = 6
        v2.category = .public
        v2.activities = [
            Activity(identifier: "a", title: "概述与标准", kind: .webcontent, launchURL: "a.html"),
            Activity(identifier: "c", title: "案例", kind: .webcontent, launchURL: "c.html"),
        ]
        let second = try world.submit(v2)
        let detail = try world.reviews.show(second)
        let changes = try #require(detail.changes)
        #expect(changes.publishedVersion == 1)
        #expect(changes.added.map(\.identifier) == ["c"] && changes.removed.map(\.identifier) == ["b"])
        #expect(changes.renamed == [VersionChanges.Renamed(identifier: "a", from: "概述", to: "概述与标准")])
        #expect(changes.creditHours == VersionChanges.Change(from: 4, to: 6))
        #expect(changes.category == VersionChanges.Change(from: .professional, to: .public))

        let outcome = try world.approveByAll(second)
        #expect(outcome?.publishedVersion == 2 && outcome?.supersededVersion == 1)
        #expect(try world.catalog.list().map(\.version) == [2])
        #expect(try world.catalog.show("cces/bridge").version == 2)
        let old = try world.catalog.show("cces/bridge", version: 1)
        #expect(!old.isCurrent && old.retiredAt == nil)
        #expect(try world.catalog.search("桥梁").map(\.version) == [2])
    }

    @Test("an older version approved after a newer one is published but does not replace it")
    func lateApproval() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let v1 = samplePackage("late", titles: [LocalizedText(language: "zh", value: "隧道施工")], hash: "l1")
        var v2 = v1
        v2.contentHash = "l2"
        let first = try world.submit(v1)
        let second = try world.submit(v2)
        let newer = try world.approveByAll(second)
        #expect(newer?.publishedVersion == 2 && newer?.supersededVersion == nil)
        let older = try world.approveByAll(first)
        #expect(older?.publishedVersion == 1 && older?.supersededVersion == nil)
        #expect(try world.catalog.show("cces/late").version == 2)
        #expect(try !world.catalog.show("cces/late", version: 1).isCurrent)
        #expect(try world.catalog.search("隧道").map(\.version) == [2])
        let audit = try AuditService(database: world.store.database).entries(subject: "course:cces/late")
        #expect(audit.filter { $0.action == "catalog.publish" }.compactMap { $0.details["current"] }.sorted() == ["false", "true"])
    }

    @Test("retiring takes a course out of list and search; a new version brings it back")
    func retire() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        try world.publish(samplePackage("old", titles: [LocalizedText(language: "zh", value: "旧规范解读")], hash: "o1"))
        #expect(throws: ServiceError.self) { try world.catalog.retire("cces/old", reason: "  ", actor: "secretariat") }
        #expect(try world.catalog.retire("cces/old", reason: "规范已废止", actor: "secretariat") == 1)
        #expect(try world.catalog.list().isEmpty)
        #expect(try world.catalog.search("规范").isEmpty)
        #expect(throws: ServiceError.self) { try world.catalog.show("cces/old") }
        #expect(try world.catalog.show("cces/old", version: 1).retiredReason == "规范已废止")
        #expect(throws: ServiceError.self) { try world.catalog.retire("cces/old", reason: "again", actor: "secretariat") }
        try world.publish(samplePackage("old", titles: [LocalizedText(language: "zh", value: "新规范解读")], hash: "o2"))
        #expect(try world.catalog.search("规范").map(\.version) == [2])
    }

    @Test("votes, decisions, publications, retirements and society changes are audited")
    func auditTrail() throws {
        let world = try CatalogWorld()
        try world.appoint(3)
        let start = world.clock.next
        let submission = try world.publish(samplePackage("aud", titles: [LocalizedText(language: "en", value: "Audited")]))
        _ = try world.catalog.retire("cces/aud", reason: "outdated", actor: "secretariat")
        let lines = try world.audit.entries(since: start)
        #expect(lines.map(\.action) == ["review.vote", "review.vote", "review.vote", "review.decide", "catalog.publish", "catalog.retire"])
        #expect(lines[0].actor == "m1" && lines[0].subject == "submission:\(submission)" && lines[0].details["choice"] == "approve")
        #expect(lines.last?.reason == "outdated")
        #expect(try world.audit.entries(subject: "cces/aud").map(\.action) == ["catalog.publish", "catalog.retire"])
        #expect(try world.audit.entries(subject: "society:cces").map(\.action) == ["society.register", "society.authorize"])
        #expect(try world.audit.entries(subject: "m2").map(\.action) == ["committee.add-member"])
        #expect(try world.audit.entries(since: world.clock.next).isEmpty)
    }

    @Test("an even committee is warned about; removing a non-member is refused")
    func committeeParity() throws {
        let world = try CatalogWorld()
        let first = try world.committee.addMember(id: "a", name: "A", actor: "secretariat")
        #expect(first.warning == nil)
        let second = try world.committee.addMember(id: "b", name: "B", actor: "secretariat")
        #expect(second.warning?.contains("Art. 12") == true)
        #expect(throws: ServiceError.self) { try world.committee.addMember(id: "a", name: "A again", actor: "secretariat") }
        #expect(throws: ServiceError.self) { try world.committee.removeMember(id: "zz", reason: nil, actor: "secretariat") }
        _ = try world.committee.removeMember(id: "b", reason: nil, actor: "secretariat")
        _ = try world.committee.addMember(id: "b", name: "B", actor: "secretariat")
        #expect(try world.committee.members().count == 2)
        #expect(try world.committee.members(includingPast: true).count == 3)
    }
}
