import Catalog
import Domain
import Enrollment
import Foundation
import Storage
import Testing

@Suite("Completion rules per package format")
struct CompletionRuleTests {
    func done(_ format: PackageFormat, mastery: Double? = nil, moveOn: String? = nil, _ state: ActivityState) -> Bool {
        let activity = Activity(identifier: "a", title: "A", kind: .sco, launchURL: "a.html", masteryThreshold: mastery, moveOn: moveOn)
        return CompletionRule.isSatisfied(activity, format: format, state: state)
    }

    @Test("SCORM 1.2: masteryscore decides when set, else completed or passed")
    func scorm12() {
        #expect(!done(.scorm12, mastery: 0.8, ActivityState(completed: true)))
        #expect(!done(.scorm12, mastery: 0.8, ActivityState(completed: true, passed: true, bestScore: 0.79)))
        #expect(done(.scorm12, mastery: 0.8, ActivityState(passed: true, bestScore: 0.8)))
        #expect(done(.scorm12, mastery: 0.8, ActivityState(passed: true)))
        #expect(done(.scorm12, ActivityState(completed: true)))
        #expect(!done(.scorm12, ActivityState(passed: false)))
    }

    @Test("SCORM 2004: completed, and satisfied by measure when minNormalizedMeasure is set")
    func scorm2004() {
        #expect(!done(.scorm2004, ActivityState(passed: true)))
        #expect(done(.scorm2004, ActivityState(completed: true)))
        #expect(!done(.scorm2004, mastery: 0.7, ActivityState(completed: true)))
        #expect(!done(.scorm2004, mastery: 0.7, ActivityState(completed: true, passed: true, bestScore: 0.69)))
        #expect(done(.scorm2004, mastery: 0.7, ActivityState(completed: true, bestScore: 0.7)))
    }

    @Test("cmi5: every moveOn value")
    func cmi5() {
        let completed = ActivityState(completed: true)
        let passed = ActivityState(passed: true, bestScore: 0.9)
        #expect(done(.cmi5, mastery: 0.8, moveOn: "Passed", passed) && !done(.cmi5, moveOn: "Passed", completed))
        #expect(done(.cmi5, moveOn: "Completed", completed) && !done(.cmi5, moveOn: "Completed", passed))
        #expect(!done(.cmi5, moveOn: "CompletedAndPassed", completed) && !done(.cmi5, moveOn: "CompletedAndPassed", passed))
        #expect(done(.cmi5, mastery: 0.8, moveOn: "CompletedAndPassed", ActivityState(completed: true, passed: true, bestScore: 0.8)))
        #expect(done(.cmi5, moveOn: "CompletedOrPassed", completed) && done(.cmi5, moveOn: "CompletedOrPassed", passed))
        #expect(done(.cmi5, moveOn: "NotApplicable", ActivityState()))
        // The recorded judgement decides (a pass below masteryScore is refused when recorded):
        // a failure with a high score is no pass; a waiver after a low-scored failure is.
        #expect(!done(.cmi5, mastery: 0.8, moveOn: "Passed", ActivityState(passed: false, bestScore: 0.9)))
        #expect(done(.cmi5, mastery: 0.8, moveOn: "Passed", ActivityState(completed: true, passed: true, bestScore: 0.3)))
    }

    @Test("required activities: launchable and required; SCORM assets only without SCOs")
    func required() {
        var package = samplePackage("p", titles: [], activities: [
            Activity(identifier: "agg", title: "Unit", kind: .aggregation, children: [
                Activity(identifier: "sco", title: "SCO", kind: .sco, launchURL: "s.html"),
                Activity(identifier: "asset", title: "Asset", kind: .asset, launchURL: "a.html"),
                Activity(identifier: "optional", title: "Optional", kind: .sco, launchURL: "o.html", isRequired: false),
            ]),
        ])
        #expect(CompletionRule.requiredActivities(package).map(\.identifier) == ["sco"])
        package.activities = [Activity(identifier: "asset", title: "Asset", kind: .asset, launchURL: "a.html")]
        #expect(CompletionRule.requiredActivities(package).map(\.identifier) == ["asset"])
    }
}

@Suite("Progress, completion and credit awards through the service")
struct ProgressServiceTests {
    let world: CatalogWorld
    let progress: ProgressService
    let enrollments: EnrollmentService

    init() throws {
        world = try CatalogWorld()
        try world.appoint(3)
        progress = ProgressService(database: world.store.database, clock: world.clock.now)
        enrollments = EnrollmentService(database: world.store.database, clock: world.clock.now)
        _ = try EngineerService(database: world.store.database, clock: world.clock.now).add(id: "zhang", name: "张三", actor: "t")
        try world.publish(samplePackage(
            "ethics", titles: [LocalizedText(language: "zh", value: "工程伦理")], hours: 8, category: .public, format: .scorm12,
            activities: [
                Activity(identifier: "l1", title: "第一讲", kind: .sco, launchURL: "l1.html"),
                Activity(identifier: "quiz", title: "测验", kind: .sco, launchURL: "q.html", masteryThreshold: 0.8),
            ]
        ))
        _ = try enrollments.enroll(engineerID: "zhang", courseID: "cces/ethics", actor: "t")
    }

    @Test("the course completes when every required activity is done, and awards its hours at the completion time")
    func completion() throws {
        let first = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "l1", outcome: .completed, actor: "t")
        #expect(first.satisfied && first.outstanding == ["quiz"] && first.award == nil)
        let failed = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "quiz", outcome: .failed, score: 0.6, actor: "t")
        #expect(!failed.satisfied && failed.outstanding == ["quiz"])
        let when = Date(timeIntervalSince1970: 1_700_000_000)   // 2023-11-14, in the past of the test clock
        let passed = try progress.record(
            engineerID: "zhang", courseID: "cces/ethics", activity: "quiz", outcome: .passed, score: 0.85, duration: "PT20M", at: when, actor: "t"
        )
        let award = try #require(passed.award)
        #expect(award.hours == 8 && award.category == .public && award.awardedAt == when)
        #expect(passed.enrollment.status == .completed && passed.enrollment.endedAt == when)
        #expect(try progress.awards(engineerID: "zhang").count == 1)
        // More results after completion change no award.
        let after = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "l1", outcome: .completed, actor: "t")
        #expect(after.award == nil && after.noAwardReason == nil)
    }

    @Test("re-taking a course in the same year earns nothing twice")
    func retake() throws {
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        _ = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "l1", outcome: .completed, at: when, actor: "t")
        _ = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "quiz", outcome: .passed, score: 0.9, at: when, actor: "t")
        _ = try enrollments.enroll(engineerID: "zhang", courseID: "cces/ethics", actor: "t")
        let later = when.addingTimeInterval(86_400)
        _ = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "l1", outcome: .completed, at: later, actor: "t")
        let again = try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "quiz", outcome: .passed, score: 0.9, at: later, actor: "t")
        #expect(again.award == nil && again.noAwardReason?.contains("already awarded in 2023") == true)
        #expect(try progress.awards(engineerID: "zhang").count == 1)
    }

    @Test("bad input is refused: unknown activity, score range, duration, future time, not enrolled")
    func refusals() throws {
        let cases: [() throws -> ProgressReport] = [
            { try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "nope", outcome: .completed, actor: "t") },
            { try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "quiz", outcome: .passed, score: 1.5, actor: "t") },
            { try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "l1", outcome: .completed, duration: "45 minutes", actor: "t") },
            { try progress.record(engineerID: "zhang", courseID: "cces/ethics", activity: "l1", outcome: .completed, at: Date().addingTimeInterval(1e9), actor: "t") },
            { try progress.record(engineerID: "li", courseID: "cces/ethics", activity: "l1", outcome: .completed, actor: "t") },
        ]
        for refused in cases { #expect(throws: ServiceError.self) { _ = try refused() } }
        #expect(try progress.awards(engineerID: "zhang").isEmpty)
    }
}
