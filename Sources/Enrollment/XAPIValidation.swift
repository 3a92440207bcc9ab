import Foundation

/// The statement rules a learning record store enforces (xAPI-Data 2.2-2.6 and 4 of xAPI 1.0.3,
/// with 2.0.0's context agents and groups), in one pass over the parsed JSON. ADL's LRS
/// conformance suite checks each; a statement that breaks one is refused with a message that
/// names the property (`context.instructor.mbox`), and nothing of its batch is stored.
///
/// Every property is one the standard defines, with the case it defines, of the type it
/// defines; no value is `null` outside `extensions`; identifiers, IRIs, UUIDs, language tags
/// (RFC 5646), timestamps and durations (ISO 8601) are well formed; Agents and identified
/// Groups have exactly one inverse functional identifier.
enum XAPIValidation {
    typealias Invalid = XAPIStatement.Invalid

    /// Checks a statement as received (POST, PUT, a file of statements); answers its
    /// `timestamp`, parsed on the way.
    static func statement(_ value: JSONValue) throws(Invalid) -> Date? {
        try statement(value, isSubStatement: false)
    }

    // MARK: - Statements

    private static let statementKeys: Set<String> = ["id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                                                     "version", "attachments"]
    private static let subStatementKeys: Set<String> = ["objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"]

    @discardableResult
    private static func statement(_ value: JSONValue, isSubStatement: Bool) throws(Invalid) -> Date? {
        let members = try object(value, "a statement")
        try allowed(members, isSubStatement ? subStatementKeys : statementKeys)
        try required(members, ["actor", "verb", "object"])
        var objectIsActivity = true
        var stamp: Date?
        for (key, member) in members {
            try at(key) { () throws(Invalid) in
                switch key {
                case "id": try uuid(member)
                case "actor": try actor(member)
                case "verb": try verb(member)
                case "object": objectIsActivity = try statementObject(member, insideSubStatement: isSubStatement)
                case "result": try result(member)
                case "timestamp": stamp = try timestamp(member)
                case "stored": try timestamp(member)
                case "authority": try authority(member)
                case "version": try version(member)
                case "attachments": try attachments(member)
                case "objectType": guard member.string == "SubStatement" else { throw Invalid(message: "must be \"SubStatement\"") }
                default: break
                }
            }
        }
        if let context = members.first(where: { $0.key == "context" })?.value {
            try at("context") { () throws(Invalid) in try self.context(context, objectIsActivity: objectIsActivity) }
        }
        return stamp
    }

    /// The statement's object; true when it is an Activity (context revision and platform need one).
    private static func statementObject(_ value: JSONValue, insideSubStatement: Bool) throws(Invalid) -> Bool {
        let members = try object(value, "an Activity, Agent, Group, SubStatement or StatementRef")
        switch try objectType(members) {
        case nil, "Activity": try activity(members); return true
        case "Agent": try agent(members, requireObjectType: true)
        case "Group": try group(members)
        case "StatementRef": try statementRef(members)
        case "SubStatement":
            guard !insideSubStatement else { throw Invalid(message: "may not be a SubStatement inside a SubStatement") }
            try statement(value, isSubStatement: true)
        case let other?: throw Invalid(message: "'objectType' must be Activity, Agent, Group, SubStatement or StatementRef, not \"\(other)\"")
        }
        return false
    }

    // MARK: - Actors

    private static let agentKeys: Set<String> = ["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"]
    private static let groupKeys: Set<String> = ["objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account"]
    private static let identifierKeys = ["mbox", "mbox_sha1sum", "openid", "account"]

    /// An Agent, or a Group with `objectType` "Group".
    static func actor(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "an Agent or a Group")
        switch try objectType(members) {
        case nil, "Agent": try agent(members, requireObjectType: false)
        case "Group": try group(members)
        case let other?: throw Invalid(message: "'objectType' must be Agent or Group, not \"\(other)\"")
        }
    }

    private static func agent(_ members: [(key: String, value: JSONValue)], requireObjectType: Bool) throws(Invalid) {
        try allowed(members, agentKeys)
        if requireObjectType, members.first(where: { $0.key == "objectType" }) == nil {
            throw Invalid(message: "needs 'objectType' \"Agent\" (an Agent as an object says so)")
        }
        guard try identifiers(members) == 1 else {
            throw Invalid(message: "needs exactly one of mbox, mbox_sha1sum, openid, account (an Agent)")
        }
    }

    private static func group(_ members: [(key: String, value: JSONValue)]) throws(Invalid) {
        try allowed(members, groupKeys)
        let count = try identifiers(members)
        guard count <= 1 else { throw Invalid(message: "has more than one of mbox, mbox_sha1sum, openid, account (a Group has at most one)") }
        let list = members.first(where: { $0.key == "member" })?.value
        if count == 0, list == nil { throw Invalid(message: "needs 'member' (an anonymous Group: no mbox, mbox_sha1sum, openid or account)") }
        if let list {
            try at("member") { () throws(Invalid) in
                guard case .array(let agents) = list else { throw Invalid(message: "must be an array of Agents") }
                if count == 0, agents.isEmpty { throw Invalid(message: "must list at least one Agent (an anonymous Group)") }
                for (index, item) in agents.enumerated() {
                    try at(index) { () throws(Invalid) in
                        let agent = try object(item, "an Agent")
                        guard try objectType(agent) ?? "Agent" == "Agent" else { throw Invalid(message: "must be an Agent (a Group's members are Agents)") }
                        try self.agent(agent, requireObjectType: false)
                    }
                }
            }
        }
    }

    /// Checks the name and identifiers of an Agent or Group; answers how many identifiers it has.
    private static func identifiers(_ members: [(key: String, value: JSONValue)]) throws(Invalid) -> Int {
        var count = 0
        for (key, value) in members {
            try at(key) { () throws(Invalid) in
                switch key {
                case "name": _ = try string(value)
                case "mbox":
                    count += 1
                    let text = try string(value)
                    guard text.hasPrefix("mailto:"), isEmail(text.utf8.dropFirst(7)) else { throw Invalid(message: "must be mailto: and an email address") }
                case "mbox_sha1sum":
                    count += 1
                    let text = try string(value)
                    guard text.utf8.count == 40, text.utf8.allSatisfy(isHexDigit) else { throw Invalid(message: "must be the hex SHA-1 of a mailto: IRI") }
                case "openid":
                    count += 1
                    try iri(value)
                case "account":
                    count += 1
                    try account(value)
                default: break
                }
            }
        }
        return count
    }

    private static func account(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "an Account (homePage and name)")
        try allowed(members, ["homePage", "name"])
        guard let home = members.first(where: { $0.key == "homePage" })?.value else { throw Invalid(message: "'homePage' is required") }
        guard let name = members.first(where: { $0.key == "name" })?.value else { throw Invalid(message: "'name' is required") }
        try at("homePage") { () throws(Invalid) in try iri(home) }
        try at("name") { () throws(Invalid) in _ = try string(name) }
    }

    /// The LRS's own authority is what is stored; one sent is still checked: an Agent, or an
    /// OAuth pair (xAPI-Data 2.4.9): an anonymous Group of exactly two Agents, the consumer
    /// known by an account.
    private static func authority(_ value: JSONValue) throws(Invalid) {
        try actor(value)
        guard value["objectType"]?.string == "Group" else { return }
        guard identifierKeys.allSatisfy({ value[$0] == nil }) else {
            throw Invalid(message: "as a Group is anonymous (an OAuth consumer and its user, no identifier of its own)")
        }
        guard case .array(let members)? = value["member"], members.count == 2, members.contains(where: { $0["account"] != nil }) else {
            throw Invalid(message: "as a Group has exactly two members, the OAuth consumer (an account) and its user")
        }
    }

    // MARK: - Verb, activities, references

    private static func verb(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "a Verb")
        try allowed(members, ["id", "display"])
        guard let id = members.first(where: { $0.key == "id" })?.value else { throw Invalid(message: "'id' is required") }
        try at("id") { () throws(Invalid) in try iri(id) }
        if let display = members.first(where: { $0.key == "display" })?.value {
            try at("display") { () throws(Invalid) in try languageMap(display) }
        }
    }

    private static func activity(_ members: [(key: String, value: JSONValue)]) throws(Invalid) {
        try allowed(members, ["objectType", "id", "definition"])
        guard let id = members.first(where: { $0.key == "id" })?.value else { throw Invalid(message: "'id' is required") }
        try at("id") { () throws(Invalid) in try iri(id) }
        if let definition = members.first(where: { $0.key == "definition" })?.value {
            try at("definition") { () throws(Invalid) in try self.definition(definition) }
        }
    }

    private static let definitionKeys: Set<String> = ["name", "description", "type", "moreInfo", "extensions", "interactionType",
                                                      "correctResponsesPattern", "choices", "scale", "source", "target", "steps"]
    static let interactionTypes: Set<String> = ["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
                                                "likert", "numeric", "other"]

    private static func definition(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "an Activity Definition")
        try allowed(members, definitionKeys)
        var interaction = false
        var interactionType = false
        for (key, member) in members {
            try at(key) { () throws(Invalid) in
                switch key {
                case "name", "description": try languageMap(member)
                case "type", "moreInfo": try iri(member)
                case "extensions": try extensions(member)
                case "interactionType":
                    interactionType = true
                    guard interactionTypes.contains(try string(member)) else {
                        throw Invalid(message: "must be one of \(interactionTypes.sorted().joined(separator: ", ")) (in that case)")
                    }
                case "correctResponsesPattern":
                    interaction = true
                    guard case .array(let patterns) = member, patterns.allSatisfy({ $0.string != nil }) else {
                        throw Invalid(message: "must be an array of strings")
                    }
                case "choices", "scale", "source", "target", "steps":
                    interaction = true
                    guard case .array(let components) = member else { throw Invalid(message: "must be an array of interaction components") }
                    for (index, component) in components.enumerated() {
                        try at(index) { () throws(Invalid) in
                            let fields = try object(component, "an interaction component (id, description)")
                            try allowed(fields, ["id", "description"])
                            guard let id = fields.first(where: { $0.key == "id" })?.value else { throw Invalid(message: "'id' is required") }
                            guard let text = id.string, !text.isEmpty else { throw Invalid(message: "'id' must be a non-empty string") }
                            if let description = fields.first(where: { $0.key == "description" })?.value {
                                try at("description") { () throws(Invalid) in try languageMap(description) }
                            }
                        }
                    }
                default: break
                }
            }
        }
        if interaction, !interactionType {
            throw Invalid(message: "'interactionType' is required with correctResponsesPattern, choices, scale, source, target or steps")
        }
    }

    private static func statementRef(_ members: [(key: String, value: JSONValue)]) throws(Invalid) {
        try allowed(members, ["objectType", "id"])
        guard members.first(where: { $0.key == "objectType" })?.value.string == "StatementRef" else {
            throw Invalid(message: "needs 'objectType' \"StatementRef\" (a Statement Reference)")
        }
        guard let id = members.first(where: { $0.key == "id" })?.value else { throw Invalid(message: "'id' is required") }
        try at("id") { () throws(Invalid) in try uuid(id) }
    }

    // MARK: - Result and context

    private static func result(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "a Result")
        try allowed(members, ["score", "success", "completion", "response", "duration", "extensions"])
        for (key, member) in members {
            try at(key) { () throws(Invalid) in
                switch key {
                case "score": try score(member)
                case "success", "completion": guard case .bool = member else { throw Invalid(message: "must be true or false") }
                case "response": _ = try string(member)
                case "duration": guard isDuration(try string(member)) else { throw Invalid(message: "must be an ISO 8601 duration (PT1H30M)") }
                case "extensions": try extensions(member)
                default: break
                }
            }
        }
    }

    private static func score(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "a Score")
        try allowed(members, ["scaled", "raw", "min", "max"])
        var numbers: [String: Double] = [:]
        for (key, member) in members {
            guard let number = member.number else { throw Invalid(message: "'\(key)' must be a number") }
            numbers[key] = number
        }
        if let scaled = numbers["scaled"], !(-1...1).contains(scaled) { throw Invalid(message: "'scaled' must be from -1 to 1") }
        if let min = numbers["min"], let max = numbers["max"], min > max { throw Invalid(message: "'min' must not exceed 'max'") }
        if let raw = numbers["raw"] {
            if let min = numbers["min"], raw < min { throw Invalid(message: "'raw' must not be below 'min'") }
            if let max = numbers["max"], raw > max { throw Invalid(message: "'raw' must not exceed 'max'") }
        }
    }

    private static let contextKeys: Set<String> = ["registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                                                   "statement", "extensions", "contextAgents", "contextGroups"]

    private static func context(_ value: JSONValue, objectIsActivity: Bool) throws(Invalid) {
        let members = try object(value, "a Context")
        try allowed(members, contextKeys)
        for (key, member) in members {
            try at(key) { () throws(Invalid) in
                switch key {
                case "registration": try uuid(member)
                case "instructor": try actor(member)
                case "team":
                    try actor(member)
                    guard member["objectType"]?.string == "Group" else { throw Invalid(message: "must be a Group") }
                case "contextActivities": try contextActivities(member)
                case "revision", "platform":
                    _ = try string(member)
                    guard objectIsActivity else { throw Invalid(message: "is allowed only when the statement's object is an Activity") }
                case "language": guard isLanguageTag(try string(member)) else { throw Invalid(message: "must be an RFC 5646 language tag") }
                case "statement":
                    try statementRef(try object(member, "a Statement Reference"))
                case "extensions": try extensions(member)
                case "contextAgents": try contextMembers(member, objectType: "contextAgent", field: "agent")
                case "contextGroups": try contextMembers(member, objectType: "contextGroup", field: "group")
                default: break
                }
            }
        }
    }

    private static func contextActivities(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "an object of parent, grouping, category and other")
        try allowed(members, ["parent", "grouping", "category", "other"])
        for (key, member) in members {
            try at(key) { () throws(Invalid) in
                if case .array(let list) = member {
                    for (index, item) in list.enumerated() {
                        try at(index) { () throws(Invalid) in try contextActivity(item) }
                    }
                } else {
                    try contextActivity(member)
                }
            }
        }
    }

    private static func contextActivity(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "an Activity")
        guard try objectType(members) ?? "Activity" == "Activity" else { throw Invalid(message: "must be an Activity") }
        try activity(members)
    }

    /// xAPI 2.0's `contextAgents` and `contextGroups`: arrays of {objectType, agent|group, relevantTypes}.
    private static func contextMembers(_ value: JSONValue, objectType name: String, field: String) throws(Invalid) {
        guard case .array(let list) = value else { throw Invalid(message: "must be an array of \(name) objects") }
        for (index, item) in list.enumerated() {
            try at(index) { () throws(Invalid) in
                let members = try object(item, "a \(name) object")
                try allowed(members, ["objectType", field, "relevantTypes"])
                guard try objectType(members) == name else { throw Invalid(message: "'objectType' must be \"\(name)\"") }
                guard let actor = members.first(where: { $0.key == field })?.value else { throw Invalid(message: "'\(field)' is required") }
                try at(field) { () throws(Invalid) in
                    try self.actor(actor)
                    if field == "group", actor["objectType"]?.string != "Group" { throw Invalid(message: "must be a Group") }
                }
                if let types = members.first(where: { $0.key == "relevantTypes" })?.value {
                    try at("relevantTypes") { () throws(Invalid) in
                        guard case .array(let iris) = types, !iris.isEmpty else { throw Invalid(message: "must be a non-empty array of IRIs") }
                        for type in iris { try iri(type) }
                    }
                }
            }
        }
    }

    private static let attachmentKeys: Set<String> = ["usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"]

    /// xAPI-Data 2.4.11: Attachment objects, each with a usageType IRI, a display language map, a
    /// media type, an integer length and a hex SHA-2; description and fileUrl optional. (Whether
    /// their content was sent is the upload's check, `StatementUpload`.)
    private static func attachments(_ value: JSONValue) throws(Invalid) {
        guard case .array(let list) = value else { throw Invalid(message: "must be an array of Attachment objects") }
        for (index, item) in list.enumerated() {
            try at(index) { () throws(Invalid) in
                let members = try object(item, "an Attachment object")
                try allowed(members, attachmentKeys)
                try required(members, ["usageType", "display", "contentType", "length", "sha2"])
                for (key, member) in members {
                    try at(key) { () throws(Invalid) in
                        switch key {
                        case "usageType", "fileUrl": try iri(member)
                        case "display", "description": try languageMap(member)
                        case "contentType":
                            guard try string(member).split(separator: ";").first?.split(separator: "/").count == 2 else {
                                throw Invalid(message: "must be an Internet media type (type/subtype)")
                            }
                        case "length":
                            guard let length = member.number, length >= 0, length.rounded() == length else {
                                throw Invalid(message: "must be a non-negative integer (octets)")
                            }
                        case "sha2":
                            let text = try string(member)
                            guard !text.isEmpty, text.utf8.allSatisfy(isHexDigit) else { throw Invalid(message: "must be the SHA-2 of the content, in hex") }
                        default: break
                        }
                    }
                }
            }
        }
    }

    // MARK: - Values

    @discardableResult
    private static func timestamp(_ value: JSONValue) throws(Invalid) -> Date {
        let text = try string(value)
        // RFC 3339's "unknown local offset" is no time zone at all (xAPI-Data 4.5).
        guard !text.hasSuffix("-00:00"), !text.hasSuffix("-0000"), !text.hasSuffix("-00") else {
            throw Invalid(message: "must not use the offset -00:00 (an unknown offset); use Z or +00:00")
        }
        guard let date = XAPIStatement.parseTimestamp(text) else { throw Invalid(message: "must be an ISO 8601 date-time with a time zone") }
        return date
    }

    private static func version(_ value: JSONValue) throws(Invalid) {
        let parts = try string(value).split(separator: ".", omittingEmptySubsequences: false)
        let known = (parts.count == 2 || parts.count == 3) && (parts[0] == "1" || parts[0] == "2") && parts[1] == "0"
            && (parts.count == 2 || (!parts[2].isEmpty && parts[2].utf8.allSatisfy { $0 >= 48 && $0 <= 57 }))
        guard known else { throw Invalid(message: "must be 1.0, 1.0.x, 2.0 or 2.0.x") }
    }

    private static func extensions(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "an object whose keys are IRIs")
        for (key, _) in members where !XAPIIRI.isIRI(key) { throw Invalid(message: "key \"\(key)\" must be an IRI") }
    }

    /// A language map: RFC 5646 tags to strings.
    static func languageMap(_ value: JSONValue) throws(Invalid) {
        let members = try object(value, "a language map (language tags to strings)")
        for (key, member) in members {
            guard isLanguageTag(key) else { throw Invalid(message: "key \"\(key)\" must be an RFC 5646 language tag") }
            guard member.string != nil else { throw Invalid(message: "'\(key)' must be a string") }
        }
    }

    private static func uuid(_ value: JSONValue) throws(Invalid) {
        guard XAPIStatement.uuid(try string(value)) != nil else { throw Invalid(message: "must be a UUID") }
    }

    private static func iri(_ value: JSONValue) throws(Invalid) {
        guard XAPIIRI.isIRI(try string(value)) else { throw Invalid(message: "must be an absolute IRI") }
    }

    // MARK: - Grammar

    /// ISO 8601 durations (xAPI-Data 4.6): `PnYnMnDTnHnMnS` with its parts in order, at least one,
    /// a fraction on the last only; or `PnW` alone.
    static func isDuration(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        guard bytes.popFirst() == UInt8(ascii: "P"), !bytes.isEmpty else { return false }
        if bytes.last == UInt8(ascii: "W") { return isNumber(bytes.dropLast()) }
        let date: [UInt8] = Array("YMD".utf8), time: [UInt8] = Array("HMS".utf8)
        var designators = date[...]
        var components = 0
        var inTime = false
        var fraction = false
        while !bytes.isEmpty {
            if bytes.first == UInt8(ascii: "T") {
                guard !inTime else { return false }
                inTime = true
                designators = time[...]
                bytes = bytes.dropFirst()
                guard !bytes.isEmpty else { return false }
                continue
            }
            guard !fraction, let end = bytes.firstIndex(where: { !($0 >= 48 && $0 <= 57) && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: ",") }) else {
                return false
            }
            let number = bytes[..<end]
            guard isNumber(number), let position = designators.firstIndex(of: bytes[end]) else { return false }
            fraction = number.contains(UInt8(ascii: ".")) || number.contains(UInt8(ascii: ","))
            designators = designators[(position + 1)...]
            components += 1
            bytes = bytes[bytes.index(after: end)...]
        }
        return components > 0
    }

    private static func isNumber(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        var digits = 0
        var separators = 0
        for byte in bytes {
            if byte >= 48 && byte <= 57 { digits += 1 } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") { separators += 1 } else { return false }
        }
        return digits > 0 && separators <= 1 && bytes.first.map { $0 >= 48 && $0 <= 57 } == true && bytes.last.map { $0 >= 48 && $0 <= 57 } == true
    }

    private static let irregularTags: Set<String> = ["en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
                                                     "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de"]

    /// RFC 5646's `Language-Tag` syntax: language (with extended subtags), script, region,
    /// variants, extensions (each singleton once) and private use, or a grandfathered tag.
    static func isLanguageTag(_ tag: String) -> Bool {
        let subtags = tag.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard let first = subtags.first, !tag.isEmpty else { return false }
        func alpha(_ s: Substring.UTF8View.SubSequence) -> Bool { s.allSatisfy { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 } }
        func digit(_ s: Substring.UTF8View.SubSequence) -> Bool { s.allSatisfy { $0 >= 48 && $0 <= 57 } }
        func alnum(_ s: Substring.UTF8View.SubSequence) -> Bool { s.allSatisfy { ($0 >= 48 && $0 <= 57) || (($0 | 0x20) >= 97 && ($0 | 0x20) <= 122) } }
        func privateUse(_ rest: ArraySlice<Substring.UTF8View.SubSequence>) -> Bool {
            !rest.isEmpty && rest.allSatisfy { (1...8).contains($0.count) && alnum($0) }
        }
        if irregularTags.contains(tag.lowercased()) { return true }
        if first.count == 1, first.first.map({ $0 | 0x20 }) == UInt8(ascii: "x") { return privateUse(subtags.dropFirst()) }
        guard alpha(first), (2...8).contains(first.count) else { return false }
        var index = 1
        if first.count <= 3 {
            var extlangs = 0
            while index < subtags.count, subtags[index].count == 3, alpha(subtags[index]), extlangs < 3 { index += 1; extlangs += 1 }
        }
        if index < subtags.count, subtags[index].count == 4, alpha(subtags[index]) { index += 1 }
        if index < subtags.count, (subtags[index].count == 2 && alpha(subtags[index])) || (subtags[index].count == 3 && digit(subtags[index])) { index += 1 }
        var variants = Set<String>()
        while index < subtags.count, alnum(subtags[index]),
              (5...8).contains(subtags[index].count) || (subtags[index].count == 4 && subtags[index].first.map { $0 >= 48 && $0 <= 57 } == true) {
            guard variants.insert(String(decoding: subtags[index], as: UTF8.self).lowercased()).inserted else { return false }
            index += 1
        }
        var singletons = Set<UInt8>()
        while index < subtags.count, subtags[index].count == 1, let singleton = subtags[index].first.map({ $0 | 0x20 }), singleton != UInt8(ascii: "x"),
              alnum(subtags[index]) {
            guard singletons.insert(singleton).inserted else { return false }
            index += 1
            let start = index
            while index < subtags.count, (2...8).contains(subtags[index].count), alnum(subtags[index]) { index += 1 }
            guard index > start else { return false }
        }
        if index < subtags.count, subtags[index].count == 1, subtags[index].first.map({ $0 | 0x20 }) == UInt8(ascii: "x") {
            return privateUse(subtags[(index + 1)...])
        }
        return index == subtags.count
    }

    private static func isEmail(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at != bytes.startIndex else { return false }
        let domain = bytes[bytes.index(after: at)...]
        return !domain.isEmpty && !domain.contains(UInt8(ascii: "@")) && !bytes.contains(where: { $0 <= 0x20 })
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || ((byte | 0x20) >= 97 && (byte | 0x20) <= 102)
    }

    // MARK: - Structure

    private static func object(_ value: JSONValue, _ what: String) throws(Invalid) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else { throw Invalid(message: value == .null ? "must not be null" : "must be \(what)") }
        return members
    }

    private static func string(_ value: JSONValue) throws(Invalid) -> String {
        guard case .string(let text) = value else { throw Invalid(message: value == .null ? "must not be null" : "must be a string") }
        return text
    }

    private static func objectType(_ members: [(key: String, value: JSONValue)]) throws(Invalid) -> String? {
        guard let value = members.first(where: { $0.key == "objectType" })?.value else { return nil }
        return try at("objectType") { () throws(Invalid) in try string(value) }
    }

    /// Each of `keys` is present.
    private static func required(_ members: [(key: String, value: JSONValue)], _ keys: [String]) throws(Invalid) {
        for key in keys where !members.contains(where: { $0.key == key }) { throw Invalid(message: "'\(key)' is required") }
    }

    /// Every key is one the standard defines here, spelled in its case; no value is null.
    private static func allowed(_ members: [(key: String, value: JSONValue)], _ keys: Set<String>) throws(Invalid) {
        for (key, value) in members {
            guard keys.contains(key) else {
                let near = keys.first { $0.lowercased() == key.lowercased() }
                throw Invalid(message: near.map { "'\(key)' must be spelled '\($0)'" } ?? "'\(key)' is not a property xAPI defines here")
            }
            if value == .null { throw Invalid(message: "'\(key)' must not be null") }
        }
    }

    /// Runs `check` for the property `key`, naming it in front of any complaint.
    private static func at<T>(_ key: String, _ check: () throws(Invalid) -> T) throws(Invalid) -> T {
        do { return try check() } catch { throw Invalid(message: prefixed(key, error.message)) }
    }

    private static func at<T>(_ index: Int, _ check: () throws(Invalid) -> T) throws(Invalid) -> T {
        do { return try check() } catch { throw Invalid(message: prefixed("[\(index)]", error.message)) }
    }

    /// Messages read "'context.instructor.mbox' must be ...": the innermost part names itself in
    /// quotes; each enclosing property adds its name in front (an index without a dot).
    private static func prefixed(_ segment: String, _ message: String) -> String {
        guard message.hasPrefix("'") else { return "'\(segment)' " + message }
        let inner = message.dropFirst()
        return "'" + segment + (inner.hasPrefix("[") ? "" : ".") + inner
    }
}
