import Foundation

/// The two SCORM run-time editions the player speaks.
public enum SCORMEdition: String, Codable, Sendable {
    /// `window.API`, `LMSInitialize` … `LMSGetDiagnostic`, `cmi.core.*`.
    case scorm12 = "1.2"
    /// `window.API_1484_11`, `Initialize` … `GetDiagnostic`, `cmi.*` and `adl.*`.
    case scorm2004 = "2004"
}

/// The data model of one SCORM edition as data: every element with its access and value type,
/// the `_children` lists, the collections with `_count`, and the error codes.
///
/// One table, two interpreters: the player's JavaScript (`scorm-runtime.js`, which receives
/// this table as JSON) answers the content at once, and `SCORMDataModel.apply` checks the same
/// values again on the server, which never trusts the browser.
public struct SCORMDataModel: Codable, Sendable {
    public enum Access: String, Codable, Sendable {
        case readOnly = "r"
        case writeOnly = "w"
        case readWrite = "rw"
    }

    /// How a value is checked. Names match `scorm-runtime.js`.
    public enum ValueType: String, Codable, Sendable {
        /// Any text up to `max` characters (1.2 CMIString255/4096; 2004 characterstring).
        case string
        /// 2004 localized_string_type: an optional `{lang=xx}` then text.
        case localized
        /// 1.2 CMIIdentifier / 2004 long_identifier_type: no white space, up to `max`.
        case identifier
        /// One of `vocabulary`.
        case vocabulary
        /// A decimal within `min`...`max` when given (2004 real(10,7); 1.2 CMIDecimal).
        case decimal
        /// 1.2 score: CMIDecimal 0-100, or empty.
        case score12
        /// An integer within `min`...`max`.
        case integer
        /// 1.2 CMITimespan `HHHH:MM:SS.SS`.
        case timespan12
        /// 1.2 CMITime `HH:MM:SS.SS`.
        case time12
        /// 2004 time(second,10,0): an ISO 8601 date-time.
        case time2004
        /// 2004 timeinterval(second,10,2): an ISO 8601 duration.
        case interval2004
        /// 2004 language_type (an empty string allowed).
        case language
        /// An interaction's result: one of `vocabulary`, or a decimal.
        case result
        /// 2004: a correct response pattern, in the format of the interaction's type.
        case pattern2004
        /// 2004: a learner response, in the format of the interaction's type.
        case response2004
    }

    public struct Element: Codable, Sendable {
        /// The name, with `n` standing for an index (`cmi.objectives.n.id`).
        public var name: String
        public var access: Access
        public var type: ValueType?
        public var max: Int?
        public var min: Double?
        public var maxValue: Double?
        public var vocabulary: [String]?
    }

    public var edition: SCORMEdition
    public var elements: [Element]
    /// `X._children` for each container X (with `n` for indices).
    public var children: [String: String]
    /// Collections that answer `X._count` (with `n` for indices).
    public var collections: [String]
    /// Error code → text.
    public var errors: [String: String]
    /// The codes the interpreters use, by meaning.
    public var codes: [String: Int]

    /// Finds an element's rule: indices (digits) match `n`.
    public func rule(for element: String) -> Element? {
        let pattern = Self.pattern(of: element)
        return elements.first { $0.name == pattern }
    }

    /// `cmi.objectives.3.id` → `cmi.objectives.n.id`.
    public static func pattern(of element: String) -> String {
        element.split(separator: ".", omittingEmptySubsequences: false)
            .map { part in !part.isEmpty && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) ? "n" : String(part) }
            .joined(separator: ".")
    }
}

extension SCORMDataModel {
    static func element(_ name: String, _ access: Access, _ type: ValueType? = nil, max: Int? = nil, min: Double? = nil,
                        maxValue: Double? = nil, vocabulary: [String]? = nil) -> Element {
        Element(name: name, access: access, type: type, max: max, min: min, maxValue: maxValue, vocabulary: vocabulary)
    }

    // MARK: SCORM 1.2 (SCORM 1.2 RTE, section 3.4)

    static let status12 = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"]
    static let interactionTypes12 = ["true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"]
    static let results12 = ["correct", "wrong", "unanticipated", "neutral"]

    /// The SCORM 1.2 data model.
    public static let scorm12 = SCORMDataModel(
        edition: .scorm12,
        elements: [
            element("cmi.core.student_id", .readOnly),
            element("cmi.core.student_name", .readOnly),
            element("cmi.core.lesson_location", .readWrite, .string, max: 255),
            element("cmi.core.credit", .readOnly),
            element("cmi.core.lesson_status", .readWrite, .vocabulary, vocabulary: status12),
            element("cmi.core.entry", .readOnly),
            element("cmi.core.score.raw", .readWrite, .score12),
            element("cmi.core.score.max", .readWrite, .score12),
            element("cmi.core.score.min", .readWrite, .score12),
            element("cmi.core.total_time", .readOnly),
            element("cmi.core.lesson_mode", .readOnly),
            element("cmi.core.exit", .writeOnly, .vocabulary, vocabulary: ["time-out", "suspend", "logout", ""]),
            element("cmi.core.session_time", .writeOnly, .timespan12),
            element("cmi.suspend_data", .readWrite, .string, max: 4096),
            element("cmi.launch_data", .readOnly),
            element("cmi.comments", .readWrite, .string, max: 4096),
            element("cmi.comments_from_lms", .readOnly),
            element("cmi.objectives.n.id", .readWrite, .identifier, max: 255),
            element("cmi.objectives.n.score.raw", .readWrite, .score12),
            element("cmi.objectives.n.score.max", .readWrite, .score12),
            element("cmi.objectives.n.score.min", .readWrite, .score12),
            element("cmi.objectives.n.status", .readWrite, .vocabulary, vocabulary: status12),
            element("cmi.student_data.mastery_score", .readOnly),
            element("cmi.student_data.max_time_allowed", .readOnly),
            element("cmi.student_data.time_limit_action", .readOnly),
            element("cmi.student_preference.audio", .readWrite, .integer, min: -1, maxValue: 100),
            element("cmi.student_preference.language", .readWrite, .string, max: 255),
            element("cmi.student_preference.speed", .readWrite, .integer, min: -100, maxValue: 100),
            element("cmi.student_preference.text", .readWrite, .integer, min: -1, maxValue: 1),
            element("cmi.interactions.n.id", .writeOnly, .identifier, max: 255),
            element("cmi.interactions.n.objectives.n.id", .writeOnly, .identifier, max: 255),
            element("cmi.interactions.n.time", .writeOnly, .time12),
            element("cmi.interactions.n.type", .writeOnly, .vocabulary, vocabulary: interactionTypes12),
            element("cmi.interactions.n.correct_responses.n.pattern", .writeOnly, .string, max: 255),
            element("cmi.interactions.n.weighting", .writeOnly, .decimal),
            element("cmi.interactions.n.student_response", .writeOnly, .string, max: 255),
            element("cmi.interactions.n.result", .writeOnly, .result, vocabulary: results12),
            element("cmi.interactions.n.latency", .writeOnly, .timespan12),
        ],
        children: [
            "cmi.core": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
            "cmi.core.score": "raw,min,max",
            "cmi.objectives": "id,score,status",
            "cmi.objectives.n.score": "raw,min,max",
            "cmi.student_data": "mastery_score,max_time_allowed,time_limit_action",
            "cmi.student_preference": "audio,language,speed,text",
            "cmi.interactions": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
        ],
        collections: ["cmi.objectives", "cmi.interactions", "cmi.interactions.n.objectives", "cmi.interactions.n.correct_responses"],
        errors: [
            "0": "No error", "101": "General exception", "201": "Invalid argument error", "202": "Element cannot have children",
            "203": "Element not an array - cannot have count", "301": "Not initialized", "401": "Not implemented error",
            "402": "Invalid set value, element is a keyword", "403": "Element is read only", "404": "Element is write only",
            "405": "Incorrect data type",
        ],
        codes: [
            "ok": 0, "general": 101, "alreadyInitialized": 101, "invalidArgument": 201, "noChildren": 202, "noCount": 203,
            "getBeforeInit": 301, "setBeforeInit": 301, "commitBeforeInit": 301, "terminateBeforeInit": 301,
            "getAfterTerminate": 101, "setAfterTerminate": 101, "commitAfterTerminate": 101, "terminateAfterTerminate": 101,
            "undefined": 201, "keyword": 402, "readOnly": 403, "writeOnly": 404, "type": 405, "range": 405, "outOfOrder": 201,
            "notInitializedValue": 0, "badArgument": 201,
        ]
    )

    // MARK: SCORM 2004 4th edition (RTE, section 4.2)

    static let completion2004 = ["completed", "incomplete", "not attempted", "unknown"]
    static let success2004 = ["passed", "failed", "unknown"]
    static let interactionTypes2004 = ["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
                                       "numeric", "other"]

    /// The SCORM 2004 data model (4th edition, which 3rd edition content uses without `adl.data`).
    public static let scorm2004 = SCORMDataModel(
        edition: .scorm2004,
        elements: [
            element("cmi._version", .readOnly),
            element("cmi.comments_from_learner.n.comment", .readWrite, .localized, max: 4000),
            element("cmi.comments_from_learner.n.location", .readWrite, .string, max: 250),
            element("cmi.comments_from_learner.n.timestamp", .readWrite, .time2004),
            element("cmi.comments_from_lms.n.comment", .readOnly),
            element("cmi.comments_from_lms.n.location", .readOnly),
            element("cmi.comments_from_lms.n.timestamp", .readOnly),
            element("cmi.completion_status", .readWrite, .vocabulary, vocabulary: completion2004),
            element("cmi.completion_threshold", .readOnly),
            element("cmi.credit", .readOnly),
            element("cmi.entry", .readOnly),
            element("cmi.exit", .writeOnly, .vocabulary, vocabulary: ["time-out", "suspend", "logout", "normal", ""]),
            element("cmi.interactions.n.id", .readWrite, .identifier, max: 4000),
            element("cmi.interactions.n.type", .readWrite, .vocabulary, vocabulary: interactionTypes2004),
            element("cmi.interactions.n.objectives.n.id", .readWrite, .identifier, max: 4000),
            element("cmi.interactions.n.timestamp", .readWrite, .time2004),
            element("cmi.interactions.n.correct_responses.n.pattern", .readWrite, .pattern2004, max: 7800),
            element("cmi.interactions.n.weighting", .readWrite, .decimal),
            element("cmi.interactions.n.learner_response", .readWrite, .response2004, max: 7800),
            element("cmi.interactions.n.result", .readWrite, .result, vocabulary: ["correct", "incorrect", "unanticipated", "neutral"]),
            element("cmi.interactions.n.latency", .readWrite, .interval2004),
            element("cmi.interactions.n.description", .readWrite, .localized, max: 250),
            element("cmi.launch_data", .readOnly),
            element("cmi.learner_id", .readOnly),
            element("cmi.learner_name", .readOnly),
            element("cmi.learner_preference.audio_level", .readWrite, .decimal, min: 0),
            element("cmi.learner_preference.language", .readWrite, .language, max: 250),
            element("cmi.learner_preference.delivery_speed", .readWrite, .decimal, min: 0),
            element("cmi.learner_preference.audio_captioning", .readWrite, .vocabulary, vocabulary: ["-1", "0", "1"]),
            element("cmi.location", .readWrite, .string, max: 1000),
            element("cmi.max_time_allowed", .readOnly),
            element("cmi.mode", .readOnly),
            element("cmi.objectives.n.id", .readWrite, .identifier, max: 4000),
            element("cmi.objectives.n.score.scaled", .readWrite, .decimal, min: -1, maxValue: 1),
            element("cmi.objectives.n.score.raw", .readWrite, .decimal),
            element("cmi.objectives.n.score.min", .readWrite, .decimal),
            element("cmi.objectives.n.score.max", .readWrite, .decimal),
            element("cmi.objectives.n.success_status", .readWrite, .vocabulary, vocabulary: success2004),
            element("cmi.objectives.n.completion_status", .readWrite, .vocabulary, vocabulary: completion2004),
            element("cmi.objectives.n.progress_measure", .readWrite, .decimal, min: 0, maxValue: 1),
            element("cmi.objectives.n.description", .readWrite, .localized, max: 250),
            element("cmi.progress_measure", .readWrite, .decimal, min: 0, maxValue: 1),
            element("cmi.scaled_passing_score", .readOnly),
            element("cmi.score.scaled", .readWrite, .decimal, min: -1, maxValue: 1),
            element("cmi.score.raw", .readWrite, .decimal),
            element("cmi.score.min", .readWrite, .decimal),
            element("cmi.score.max", .readWrite, .decimal),
            element("cmi.session_time", .writeOnly, .interval2004),
            element("cmi.success_status", .readWrite, .vocabulary, vocabulary: success2004),
            element("cmi.suspend_data", .readWrite, .string, max: 64000),
            element("cmi.time_limit_action", .readOnly),
            element("cmi.total_time", .readOnly),
            element("adl.nav.request", .readWrite, .string, max: 4000),
            element("adl.nav.request_valid.continue", .readOnly),
            element("adl.nav.request_valid.previous", .readOnly),
            element("adl.nav.request_valid.choice", .readOnly),
            element("adl.nav.request_valid.jump", .readOnly),
            element("adl.data.n.id", .readOnly),
            element("adl.data.n.store", .readWrite, .string, max: 64000),
        ],
        children: [
            "cmi.comments_from_learner": "comment,location,timestamp",
            "cmi.comments_from_lms": "comment,location,timestamp",
            "cmi.interactions": "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description",
            "cmi.learner_preference": "audio_level,language,delivery_speed,audio_captioning",
            "cmi.objectives": "id,score,success_status,completion_status,progress_measure,description",
            "cmi.objectives.n.score": "scaled,raw,min,max",
            "cmi.score": "scaled,raw,min,max",
            "adl.data": "id,store",
        ],
        collections: ["cmi.comments_from_learner", "cmi.comments_from_lms", "cmi.interactions", "cmi.interactions.n.objectives",
                      "cmi.interactions.n.correct_responses", "cmi.objectives", "adl.data"],
        errors: [
            "0": "No Error", "101": "General Exception", "102": "General Initialization Failure", "103": "Already Initialized",
            "104": "Content Instance Terminated", "111": "General Termination Failure", "112": "Termination Before Initialization",
            "113": "Termination After Termination", "122": "Retrieve Data Before Initialization", "123": "Retrieve Data After Termination",
            "132": "Store Data Before Initialization", "133": "Store Data After Termination", "142": "Commit Before Initialization",
            "143": "Commit After Termination", "201": "General Argument Error", "301": "General Get Failure", "351": "General Set Failure",
            "391": "General Commit Failure", "401": "Undefined Data Model Element", "402": "Unimplemented Data Model Element",
            "403": "Data Model Element Value Not Initialized", "404": "Data Model Element Is Read Only",
            "405": "Data Model Element Is Write Only", "406": "Data Model Element Type Mismatch",
            "407": "Data Model Element Value Out Of Range", "408": "Data Model Dependency Not Established",
        ],
        codes: [
            "ok": 0, "general": 101, "alreadyInitialized": 103, "invalidArgument": 201, "noChildren": 301, "noCount": 301,
            "getBeforeInit": 122, "setBeforeInit": 132, "commitBeforeInit": 142, "terminateBeforeInit": 112,
            "getAfterTerminate": 123, "setAfterTerminate": 133, "commitAfterTerminate": 143, "terminateAfterTerminate": 113,
            "undefined": 401, "keyword": 404, "readOnly": 404, "writeOnly": 405, "type": 406, "range": 407, "outOfOrder": 351,
            "notInitializedValue": 403, "badArgument": 201, "dependency": 408,
        ]
    )

    public static func model(_ edition: SCORMEdition) -> SCORMDataModel {
        edition == .scorm12 ? scorm12 : scorm2004
    }
}
