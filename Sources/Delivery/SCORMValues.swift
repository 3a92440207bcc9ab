import Foundation

/// The run-time data of one attempt, and `SetValue` under the data model's rules: the server's
/// interpreter of `SCORMDataModel` (the browser's is `scorm-runtime.js`; both are tested with
/// the same cases).
public struct SCORMValues: Sendable, Equatable {
    public let edition: SCORMEdition
    /// Element → value, as the content or the platform set them.
    public private(set) var values: [String: String]

    public init(edition: SCORMEdition, values: [String: String] = [:]) {
        self.edition = edition
        self.values = values
    }

    var model: SCORMDataModel { SCORMDataModel.model(edition) }

    /// Sets a value the platform owns (initial values from the manifest, entry, total time).
    public mutating func setByPlatform(_ element: String, _ value: String) {
        values[element] = value
    }

    public subscript(_ element: String) -> String? { values[element] }

    /// `SetValue(element, value)` as content calls it: the error code (0 when stored).
    @discardableResult
    public mutating func set(_ element: String, _ value: String) -> Int {
        let model = self.model
        let codes = model.codes
        func code(_ name: String) -> Int { codes[name] ?? 101 }
        let last = element.split(separator: ".").last.map(String.init) ?? ""
        if last == "_children" || last == "_count" || last == "_version" {
            return code("keyword")
        }
        guard let rule = model.rule(for: element) else {
            return code("undefined")
        }
        if rule.access == .readOnly { return code("readOnly") }
        if rule.type == .pattern2004 || rule.type == .response2004 {
            // The format follows the interaction's type, which must be set first.
            guard let type = values[Self.interactionPrefix(element) + ".type"] else { return code("dependency") }
            if let failure = SCORMResponses.check(value, type: type, isPattern: rule.type == .pattern2004) { return code(failure) }
        }
        if let failure = Self.check(value, rule: rule, edition: edition) {
            return code(failure)
        }
        if element == "adl.nav.request", !Self.isNavigationRequest(value) {
            return code("type")
        }
        // Collections fill in order: index k only when k <= _count (k == _count appends).
        let parts = element.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var prefix: [String] = []
        for (position, part) in parts.enumerated() {
            if let index = Int(part), part.allSatisfy(\.isNumber) {
                let collection = prefix.joined(separator: ".")
                let count = self.count(of: collection)
                if index > count { return code("outOfOrder") }
                // adl.data holds the stores the manifest maps (adlcp:data): content cannot add one.
                if collection == "adl.data", index >= count { return code("outOfOrder") }
                // 2004: an objective's or interaction's other elements need its id first.
                if edition == .scorm2004, index == count || values[collection + ".\(index).id"] == nil,
                   collection == "cmi.objectives" || collection == "cmi.interactions",
                   parts.count > position + 1, parts[position + 1] != "id" {
                    return code("dependency")
                }
            }
            prefix.append(part)
        }
        if edition == .scorm2004, Self.duplicateObjectiveID(element, value, values: values) {
            return code("outOfOrder")
        }
        values[element] = value
        return 0
    }

    /// `X._count`: how many entries of the collection X (indices filled in) there are.
    public func count(of collection: String) -> Int {
        let prefix = collection + "."
        var highest = -1
        for key in values.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) {
                highest = max(highest, index)
            }
        }
        return highest + 1
    }

    static let navigationRequests: Set<String> = ["continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_"]

    /// `adl.nav.request`: a request of the vocabulary, or `{target=ID}choice` / `{target=ID}jump`.
    static func isNavigationRequest(_ value: String) -> Bool {
        if navigationRequests.contains(value) { return true }
        guard value.hasPrefix("{target="), let close = value.firstIndex(of: "}"), value.index(value.startIndex, offsetBy: 8) < close else { return false }
        let rest = value[value.index(after: close)...]
        return rest == "choice" || rest == "jump"
    }

    /// `cmi.interactions.3.learner_response` → `cmi.interactions.3`.
    static func interactionPrefix(_ element: String) -> String {
        element.split(separator: ".").prefix(3).joined(separator: ".")
    }

    /// 2004: `cmi.objectives.n.id` must be unique among the objectives.
    static func duplicateObjectiveID(_ element: String, _ value: String, values: [String: String]) -> Bool {
        guard element.hasPrefix("cmi.objectives."), element.hasSuffix(".id") else { return false }
        return values.contains { key, existing in
            key != element && key.hasPrefix("cmi.objectives.") && key.hasSuffix(".id") && SCORMDataModel.pattern(of: key) == "cmi.objectives.n.id"
                && existing == value
        }
    }

    /// The name of the failure (`type` or `range`) for a value the rule refuses, else nil.
    public static func check(_ value: String, rule: SCORMDataModel.Element, edition: SCORMEdition) -> String? {
        guard let type = rule.type else { return nil }
        switch type {
        case .string:
            // 1.2 refuses over-long strings; 2004's SPM is what must be kept at least, and the
            // platform keeps up to it (longer is refused too: it would not be kept whole).
            return value.count > (rule.max ?? Int.max) ? "type" : nil
        case .localized:
            var text = Substring(value)
            if text.hasPrefix("{lang=") {
                guard let close = text.firstIndex(of: "}") else { return "type" }
                let tag = text[text.index(text.startIndex, offsetBy: 6)..<close]
                guard isLanguage(String(tag)) else { return "type" }
                text = text[text.index(after: close)...]
            }
            return text.count > (rule.max ?? Int.max) ? "type" : nil
        case .identifier:
            if value.isEmpty || value.count > (rule.max ?? Int.max) { return "type" }
            if edition == .scorm12 {
                return value.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:/".unicodeScalars.contains($0)) }
                    ? nil : "type"
            }
            return value.unicodeScalars.contains { CharacterSet.whitespacesAndNewlines.contains($0) } ? "type" : nil
        case .vocabulary:
            return (rule.vocabulary ?? []).contains(value) ? nil : "type"
        case .decimal:
            guard let number = decimal(value) else { return "type" }
            if let min = rule.min, number < min { return "range" }
            if let max = rule.maxValue, number > max { return "range" }
            return nil
        case .score12:
            if value.isEmpty { return nil }
            guard let number = decimal(value) else { return "type" }
            return (0...100).contains(number) ? nil : "range"
        case .integer:
            guard let number = Int(value) else { return "type" }
            if let min = rule.min, Double(number) < min { return "range" }
            if let max = rule.maxValue, Double(number) > max { return "range" }
            return nil
        case .timespan12:
            return SCORMTime.seconds(timespan12: value) == nil ? "type" : nil
        case .time12:
            return SCORMTime.isTime12(value) ? nil : "type"
        case .time2004:
            return SCORMTime.isTime2004(value) ? nil : "type"
        case .interval2004:
            return SCORMTime.seconds(interval: value) == nil ? "type" : nil
        case .language:
            return value.isEmpty || isLanguage(value) ? nil : "type"
        case .result:
            return (rule.vocabulary ?? []).contains(value) || decimal(value) != nil ? nil : "type"
        case .pattern2004, .response2004:
            // Checked against the interaction's type by `set`; here only the length.
            return value.count > (rule.max ?? Int.max) ? "type" : nil
        }
    }

    /// A plain decimal: optional sign, digits, optional fraction (no exponent, no NaN).
    static func decimal(_ text: String) -> Double? {
        var digits = false
        var dot = false
        for (offset, character) in text.enumerated() {
            if character == "-" || character == "+" {
                if offset != 0 { return nil }
            } else if character == "." {
                if dot { return nil }
                dot = true
            } else if character.isASCII, character.isNumber {
                digits = true
            } else {
                return nil
            }
        }
        return digits ? Double(text) : nil
    }

    /// language_type: a 1-8 letter primary subtag (or i / x), then subtags of 1-8 letters or digits.
    static func isLanguage(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (1...8).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}

/// SCORM 2004's response formats by interaction type (RTE 4.2.9.1 correct_responses, 4.2.9.2
/// learner_response): the name of the failure (`type`) or nil.
public enum SCORMResponses {
    static func isShortIdentifier(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 250 && !text.unicodeScalars.contains { CharacterSet.whitespacesAndNewlines.contains($0) }
    }

    /// Splits on a SCORM delimiter such as `[,]`.
    static func split(_ text: Substring, _ delimiter: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = text
        while let range = rest.range(of: delimiter) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }

    /// Drops leading `{case_matters=…}` / `{order_matters=…}` / `{lang=…}` delimiters allowed here.
    static func dropDelimiters(_ text: Substring, allowed: [String]) -> Substring? {
        var rest = text
        while rest.hasPrefix("{") {
            guard let close = rest.firstIndex(of: "}") else { return nil }
            let body = rest[rest.index(after: rest.startIndex)..<close]
            let parts = body.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, allowed.contains(String(parts[0])) else { break }
            if parts[0] == "lang" {
                guard SCORMValues.isLanguage(String(parts[1])) else { return nil }
            } else if parts[1] != "true" && parts[1] != "false" {
                return nil
            }
            rest = rest[rest.index(after: close)...]
        }
        return rest
    }

    static func isLocalized(_ text: Substring) -> Bool {
        dropDelimiters(text, allowed: ["lang"]) != nil
    }

    public static func check(_ value: String, type: String, isPattern: Bool) -> String? {
        let text = Substring(value)
        switch type {
        case "true-false":
            return value == "true" || value == "false" ? nil : "type"
        case "choice", "sequencing":
            if value.isEmpty { return type == "choice" ? nil : "type" }
            let ids = split(text, "[,]")
            guard ids.allSatisfy(isShortIdentifier) else { return "type" }
            return type == "choice" && Set(ids).count != ids.count ? "type" : nil
        case "fill-in":
            guard let rest = isPattern ? dropDelimiters(text, allowed: ["case_matters", "order_matters"]) : text else { return "type" }
            return split(rest, "[,]").allSatisfy(isLocalized) ? nil : "type"
        case "long-fill-in":
            guard let rest = isPattern ? dropDelimiters(text, allowed: ["case_matters"]) : text else { return "type" }
            return isLocalized(rest) ? nil : "type"
        case "likert":
            return isShortIdentifier(text) ? nil : "type"
        case "matching":
            return split(text, "[,]").allSatisfy { pair in
                let sides = split(pair, "[.]")
                return sides.count == 2 && sides.allSatisfy(isShortIdentifier)
            } ? nil : "type"
        case "performance":
            guard let rest = isPattern ? dropDelimiters(text, allowed: ["order_matters"]) : text else { return "type" }
            return split(rest, "[,]").allSatisfy { step in
                let sides = split(step, "[.]")
                return sides.count == 2 && (!sides[0].isEmpty || !sides[1].isEmpty) && (sides[0].isEmpty || isShortIdentifier(sides[0]))
            } ? nil : "type"
        case "numeric":
            if !isPattern { return SCORMValues.decimal(value) == nil ? "type" : nil }
            let bounds = split(text, "[:]")
            guard bounds.count <= 2, bounds.allSatisfy({ $0.isEmpty || SCORMValues.decimal(String($0)) != nil }) else { return "type" }
            if bounds.count == 2, let low = SCORMValues.decimal(String(bounds[0])), let high = SCORMValues.decimal(String(bounds[1])), low > high {
                return "type"
            }
            return bounds.count == 1 && bounds[0].isEmpty ? "type" : nil
        default:
            return nil
        }
    }
}

/// SCORM's time formats.
public enum SCORMTime {
    /// 1.2 CMITimespan `HHHH:MM:SS.SS` (hours 2-4 digits, optional 1-2 digit fraction) in seconds.
    public static func seconds(timespan12 text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, (2...4).contains(parts[0].count), parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]), minutes < 60 else { return nil }
        let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard secondParts[0].count == 2, let seconds = Int(secondParts[0]), seconds < 60, secondParts.count <= 2 else { return nil }
        var fraction = 0.0
        if secondParts.count == 2 {
            guard (1...2).contains(secondParts[1].count), let value = Int(secondParts[1]) else { return nil }
            fraction = Double(value) / (secondParts[1].count == 1 ? 10 : 100)
        }
        guard parts.allSatisfy({ $0.allSatisfy { $0.isNumber || $0 == "." } }) else { return nil }
        return Double(hours * 3600 + minutes * 60 + seconds) + fraction
    }

    /// 1.2 CMITime `HH:MM:SS(.SS)`, a time of day.
    public static func isTime12(_ text: String) -> Bool {
        guard let seconds = seconds(timespan12: text), text.split(separator: ":")[0].count == 2 else { return false }
        return seconds < 24 * 3600
    }

    /// 2004 timeinterval(second,10,2): `P[nY][nM][nD][T[nH][nM][n[.n]S]]`, in seconds (a month
    /// counted as 30 days, a year as 365, as no calendar applies).
    public static func seconds(interval text: String) -> Double? {
        guard text.hasPrefix("P"), text.count > 1 else { return nil }
        var total = 0.0
        var number = ""
        var inTime = false
        var sawUnit = false
        for character in text.dropFirst() {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            guard let value = Double(number), !number.isEmpty else { return nil }
            if number.contains("."), character != "S" { return nil }
            switch (inTime, character) {
            case (false, "Y"): total += value * 365 * 86400
            case (false, "M"): total += value * 30 * 86400
            case (false, "D"): total += value * 86400
            case (true, "H"): total += value * 3600
            case (true, "M"): total += value * 60
            case (true, "S"): total += value
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, !text.hasSuffix("T") else { return nil }
        return total
    }

    /// `seconds` as a 2004 timeinterval, `PT#H#M#.##S`.
    public static func interval(_ seconds: Double) -> String {
        let hundredths = Int((max(0, seconds) * 100).rounded())
        let hours = hundredths / 360_000
        let minutes = hundredths / 6000 % 60
        let rest = Double(hundredths % 6000) / 100
        return "PT\(hours)H\(minutes)M\(String(format: "%.2f", rest))S"
    }

    /// `seconds` as a 1.2 CMITimespan, `HHHH:MM:SS.SS`.
    public static func timespan12(_ seconds: Double) -> String {
        let hundredths = Int((max(0, seconds) * 100).rounded())
        let hours = min(9999, hundredths / 360_000)
        return String(format: "%04d:%02d:%02d.%02d", hours, hundredths / 6000 % 60, hundredths / 100 % 60, hundredths % 100)
    }

    /// 2004 time(second,10,0): `YYYY[-MM[-DD[Thh[:mm[:ss[.s+]]]]]][TZD]`, years 1970-2038.
    public static func isTime2004(_ text: String) -> Bool {
        let pattern = #"^(19[7-9]\d|20[0-3]\d)(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,2})?)?)?)?)?)?(Z|[+-]([01]\d|2[0-3])(:[0-5]\d)?)?$"#
        return text.range(of: pattern, options: .regularExpression) != nil && !(text.count == 4 && text.hasSuffix("Z"))
    }
}
