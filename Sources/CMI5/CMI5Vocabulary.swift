import Foundation

/// The IRIs the cmi5 specification defines (sections 9.3, 9.5.5, 9.6).
public enum CMI5Vocabulary {
    public enum Verb {
        public static let launched = "http://adlnet.gov/expapi/verbs/launched"
        public static let initialized = "http://adlnet.gov/expapi/verbs/initialized"
        public static let completed = "http://adlnet.gov/expapi/verbs/completed"
        public static let passed = "http://adlnet.gov/expapi/verbs/passed"
        public static let failed = "http://adlnet.gov/expapi/verbs/failed"
        public static let abandoned = "https://w3id.org/xapi/adl/verbs/abandoned"
        public static let waived = "https://w3id.org/xapi/adl/verbs/waived"
        public static let terminated = "http://adlnet.gov/expapi/verbs/terminated"
        public static let satisfied = "https://w3id.org/xapi/adl/verbs/satisfied"
        public static let voided = "http://adlnet.gov/expapi/verbs/voided"

        /// The verbs an AU may use in cmi5 defined statements; the others are the LMS's.
        public static let ofAU: Set<String> = [initialized, completed, passed, failed, terminated]

        static let display: [String: String] = [
            launched: "launched", initialized: "initialized", completed: "completed", passed: "passed", failed: "failed",
            abandoned: "abandoned", waived: "waived", terminated: "terminated", satisfied: "satisfied",
        ]
    }

    public enum Category {
        public static let cmi5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
        public static let moveOn = "https://w3id.org/xapi/cmi5/context/categories/moveon"
    }

    public enum Extension {
        public static let sessionID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
        public static let masteryScore = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
        public static let launchMode = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
        public static let launchURL = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
        public static let moveOn = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
        public static let launchParameters = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"
        public static let reason = "https://w3id.org/xapi/cmi5/result/extensions/reason"
    }

    public enum ActivityType {
        public static let block = "https://w3id.org/xapi/cmi5/activitytype/block"
        public static let course = "https://w3id.org/xapi/cmi5/activitytype/course"
    }

    /// The State document the LMS writes before a launch (cmi5 10), which the AU may only read.
    public static let launchDataID = "LMS.LaunchData"
    /// The Agent Profile document of learner preferences (cmi5 11).
    public static let learnerPreferencesID = "cmi5LearnerPreferences"

    /// The cmi5 spelling of a launch mode.
    static func launchMode(_ mode: String) -> String {
        switch mode {
        case "browse": "Browse"
        case "review": "Review"
        default: "Normal"
        }
    }
}
