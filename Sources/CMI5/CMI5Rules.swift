import Enrollment
import Foundation

/// What the LRS enforces on the statements an AU sends in its session (cmi5 6.3, 7.1, 9):
/// each rule that fails names itself, and the batch is refused (403) with nothing stored.
/// Pure: the session's facts and what the session and registration have seen so far go in.
struct CMI5Rules {
    /// What the launch fixed.
    struct Facts {
        var sessionID: String
        /// `XAPIAgent.key` of the launched learner.
        var actorKey: String
        var registration: String
        var activityID: String
        var publisherID: String
        var mode: String
        var masteryScore: Double?
    }

    /// Where the session and the registration are; a batch advances it statement by statement.
    struct Progress: Equatable {
        var initialized = false
        var terminated = false
        /// "passed" or "failed" once the session judged the AU.
        var judged: String?
        /// In the registration, for this AU (earlier sessions included).
        var completedBefore = false
        var passedBefore = false
    }

    let facts: Facts

    /// Checks one statement and advances `progress`; the refusal's reason, or nil when it may be stored.
    func check(_ statement: [String: Any], _ progress: inout Progress) -> String? {
        let verb = (statement["verb"] as? [String: Any])?["id"] as? String ?? ""
        if verb == CMI5Vocabulary.Verb.voided { return "an AU may not void statements (cmi5 6.3)" }
        if progress.terminated { return "the session was terminated; no statement may follow 'terminated' (cmi5 9.3.8)" }
        guard let actor = statement["actor"],
              let data = try? JSONSerialization.data(withJSONObject: actor), XAPIAgent.key(json: String(decoding: data, as: UTF8.self)) == facts.actorKey
        else { return "the actor must be the launched learner's Agent, as the launch URL's 'actor' gives it (cmi5 9.2)" }
        let context = statement["context"] as? [String: Any] ?? [:]
        guard (context["registration"] as? String)?.lowercased() == facts.registration else {
            return "context.registration must be the launch's registration \(facts.registration) (cmi5 9.6.1)"
        }
        let extensions = context["extensions"] as? [String: Any] ?? [:]
        guard let session = extensions[CMI5Vocabulary.Extension.sessionID] as? String else {
            return "context.extensions has no session id (\(CMI5Vocabulary.Extension.sessionID)) from the context template (cmi5 9.6.3.1)"
        }
        guard session == facts.sessionID else { return "the session id \(session) is not this session's (cmi5 9.6.3.1)" }
        let activities = context["contextActivities"] as? [String: Any] ?? [:]
        func ids(_ list: String) -> [String] {
            let value = activities[list]
            let items = value as? [[String: Any]] ?? (value as? [String: Any]).map { [$0] } ?? []
            return items.compactMap { $0["id"] as? String }
        }
        guard ids("grouping").contains(facts.publisherID) else {
            return "context.contextActivities.grouping lacks the publisher id activity \(facts.publisherID) of the context template (cmi5 9.6.2.3)"
        }
        let defined = ids("category").contains(CMI5Vocabulary.Category.cmi5)
        let objectID = (statement["object"] as? [String: Any])?["id"] as? String ?? ""
        let isResultVerb = [CMI5Vocabulary.Verb.completed, CMI5Vocabulary.Verb.passed, CMI5Vocabulary.Verb.failed].contains(verb)
        if !progress.initialized, verb != CMI5Vocabulary.Verb.initialized {
            return "the first statement of a session must be 'initialized' (cmi5 9.3.2)"
        }
        guard defined else {
            // An allowed statement may say anything but judge the AU: that takes the cmi5 rules.
            if isResultVerb, objectID == facts.activityID {
                return "a '\(verb)' statement about the AU must be a cmi5 defined statement (category \(CMI5Vocabulary.Category.cmi5)) (cmi5 7.1.3)"
            }
            if verb == CMI5Vocabulary.Verb.initialized { progress.initialized = true }
            if verb == CMI5Vocabulary.Verb.terminated { progress.terminated = true }
            return nil
        }
        guard CMI5Vocabulary.Verb.ofAU.contains(verb) else { return "'\(verb)' is not a verb an AU may use in a cmi5 defined statement (cmi5 9.3)" }
        guard objectID == facts.activityID else {
            return "the object of a cmi5 defined statement must be the launch's activityId \(facts.activityID) (cmi5 9.4)"
        }
        let result = statement["result"] as? [String: Any] ?? [:]
        let success = result["success"] as? Bool
        let completion = result["completion"] as? Bool
        let scaled = ((result["score"] as? [String: Any])?["scaled"] as? NSNumber)?.doubleValue
        let hasDuration = result["duration"] is String
        let moveOnCategory = ids("category").contains(CMI5Vocabulary.Category.moveOn)
        if (success != nil || completion != nil) != moveOnCategory {
            return moveOnCategory ? "only statements with result.success or result.completion carry the moveOn category (cmi5 9.6.2.2)"
                : "a statement with result.success or result.completion must carry the moveOn category \(CMI5Vocabulary.Category.moveOn) (cmi5 9.6.2.2)"
        }
        if isResultVerb, facts.mode != "normal" {
            return "the AU was launched in \(CMI5Vocabulary.launchMode(facts.mode)) mode, which records no completion or judgement (cmi5 10.2.2)"
        }
        switch verb {
        case CMI5Vocabulary.Verb.initialized:
            if progress.initialized { return "the session is initialized already; a second 'initialized' is refused (cmi5 9.3.2)" }
            if success != nil || completion != nil || result["score"] != nil { return "'initialized' carries no success, completion or score (cmi5 9.5)" }
            progress.initialized = true
        case CMI5Vocabulary.Verb.completed:
            if completion != true { return "'completed' must have result.completion true (cmi5 9.5.3)" }
            if success != nil || result["score"] != nil { return "'completed' carries no success or score (cmi5 9.5.1, 9.5.2)" }
            if !hasDuration { return "'completed' must have result.duration (cmi5 9.5.4.1)" }
            if progress.completedBefore { return "the AU was completed already in this registration (cmi5 9.3.3)" }
            progress.completedBefore = true
        case CMI5Vocabulary.Verb.passed, CMI5Vocabulary.Verb.failed:
            let passed = verb == CMI5Vocabulary.Verb.passed
            if success != passed { return "'\(passed ? "passed" : "failed")' must have result.success \(passed) (cmi5 9.5.2)" }
            if completion != nil { return "'\(passed ? "passed" : "failed")' carries no result.completion (cmi5 9.5.3)" }
            if !hasDuration { return "'\(passed ? "passed" : "failed")' must have result.duration (cmi5 9.5.4.1)" }
            if let mastery = facts.masteryScore, let scaled {
                if passed, scaled < mastery { return "a pass needs result.score.scaled of at least the masteryScore \(mastery); \(scaled) is below it (cmi5 9.3.4)" }
                if !passed, scaled >= mastery { return "a failure's result.score.scaled must be below the masteryScore \(mastery); \(scaled) is not (cmi5 9.3.5)" }
            }
            if progress.judged != nil { return "the session judged the AU already ('\(progress.judged ?? "")'); one of passed or failed per session (cmi5 9.3)" }
            if progress.passedBefore { return "the AU was passed already in this registration; no '\(passed ? "passed" : "failed")' may follow (cmi5 9.3)" }
            progress.judged = passed ? "passed" : "failed"
            if passed { progress.passedBefore = true }
        case CMI5Vocabulary.Verb.terminated:
            if !hasDuration { return "'terminated' must have result.duration (cmi5 9.5.4.1)" }
            if success != nil || completion != nil || result["score"] != nil { return "'terminated' carries no success, completion or score (cmi5 9.5)" }
            progress.terminated = true
        default:
            break
        }
        return nil
    }
}
