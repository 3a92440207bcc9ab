import Foundation
import Domain
import XMLKit

/// What the importer takes from IEEE LOM metadata (SCORM 1.2's IMS MD, SCORM 2004's LOM,
/// Common Cartridge's `lomimscc`): names are matched by local name without regard to case,
/// so `typicallearningtime` (1.2) and `typicalLearningTime` (2004) both read.
struct LOMMetadata {
    var titles: [LocalizedText] = []
    var descriptions: [LocalizedText] = []
    var keywords: [LocalizedText] = []
    var languages: [String] = []
    var typicalLearningTime: String?

    init() {}

    init(lom: XMLElement) {
        if let general = lom.child(namedIgnoringCase: "general") {
            titles = Self.strings(in: general.child(namedIgnoringCase: "title"))
            for description in general.children where description.isNamed("description", ignoringCase: true) {
                descriptions += Self.strings(in: description)
            }
            for keyword in general.children where keyword.isNamed("keyword", ignoringCase: true) {
                keywords += Self.strings(in: keyword)
            }
            languages = general.children
                .filter { $0.isNamed("language", ignoringCase: true) }
                .compactMap(\.trimmedText)
        }
        if let educational = lom.child(namedIgnoringCase: "educational"),
           let time = educational.child(namedIgnoringCase: "typicalLearningTime") {
            // 2004: <duration>PT1H</duration>; 1.2: <datetime>01:00:00</datetime>.
            let value = time.child(namedIgnoringCase: "duration")?.trimmedText
                ?? time.child(namedIgnoringCase: "datetime")?.trimmedText
                ?? time.trimmedText
            if let value {
                typicalLearningTime = Self.isoDuration(value)
            }
        }
    }

    /// `<string language="en">` (LOM 1.0) or `<langstring xml:lang="en">` (IMS MD 1.2).
    static func strings(in element: XMLElement?) -> [LocalizedText] {
        guard let element else { return [] }
        var result: [LocalizedText] = []
        for child in element.children where child.isNamed("string", ignoringCase: true) || child.isNamed("langstring", ignoringCase: true) {
            guard let value = child.trimmedText else { continue }
            let language = child.attribute("language") ?? child.xmlLang ?? child.attribute("lang") ?? ""
            result.append(LocalizedText(language: language == "x-none" ? "" : language, value: value))
        }
        return result
    }

    /// LOM 1.2 writes `HH:MM:SS`; turn it into ISO 8601 so the model holds one form.
    static func isoDuration(_ value: String) -> String? {
        if value.hasPrefix("P") {
            return Durations.seconds(iso8601: value) == nil ? nil : value
        }
        guard let seconds = Durations.seconds(cmiTimespan: value) else { return nil }
        return "PT\(seconds / 3600)H\(seconds % 3600 / 60)M\(seconds % 60)S"
    }

    /// Fills what `self` lacks from `other`.
    mutating func merge(_ other: LOMMetadata) {
        if titles.isEmpty { titles = other.titles }
        if descriptions.isEmpty { descriptions = other.descriptions }
        if keywords.isEmpty { keywords = other.keywords }
        if languages.isEmpty { languages = other.languages }
        if typicalLearningTime == nil { typicalLearningTime = other.typicalLearningTime }
    }
}
