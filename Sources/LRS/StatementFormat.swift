import Foundation

/// The `format` of a statement query's answer (xAPI-Communication.md 2.1.3): `exact` as
/// stored; `ids` with agents, groups, activities and verbs reduced to their identifiers;
/// `canonical` with every language map reduced to the reader's best language.
enum StatementFormat {
    static func apply(_ format: StatementQuery.Format, to text: String, languages: [String]) -> String {
        guard format != .exact, let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return text }
        let reduced = format == .ids ? ids(statement: value) : canonical(value, languages: languages)
        guard let data = try? JSONSerialization.data(withJSONObject: reduced, options: [.withoutEscapingSlashes]) else { return text }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: ids

    static func ids(statement: Any) -> Any {
        guard var statement = statement as? [String: Any] else { return statement }
        statement["actor"] = statement["actor"].map(agent)
        if let verb = statement["verb"] as? [String: Any] { statement["verb"] = ["id": verb["id"] ?? ""] }
        statement["object"] = statement["object"].map(object)
        statement["authority"] = statement["authority"].map(agent)
        if var context = statement["context"] as? [String: Any] {
            context["instructor"] = context["instructor"].map(agent)
            context["team"] = context["team"].map(agent)
            if let groups = context["contextActivities"] as? [String: Any] {
                context["contextActivities"] = groups.mapValues { list -> Any in
                    if let list = list as? [[String: Any]] { return list.map { activity($0) } }
                    if let one = list as? [String: Any] { return [activity(one)] }
                    return list
                }
            }
            statement["context"] = context
        }
        return statement
    }

    static let identifiers = ["mbox", "mbox_sha1sum", "openid", "account"]

    static func agent(_ value: Any) -> Any {
        guard let agent = value as? [String: Any] else { return value }
        var reduced: [String: Any] = [:]
        if let type = agent["objectType"] { reduced["objectType"] = type }
        for key in identifiers { if let identifier = agent[key] { reduced[key] = identifier } }
        if reduced.keys.allSatisfy({ $0 == "objectType" }), let members = agent["member"] as? [Any] {
            reduced["member"] = members.map(self.agent)
        }
        return reduced
    }

    /// An Activity is its id alone (an Activity is what an object without objectType is).
    static func activity(_ activity: [String: Any]) -> Any {
        ["id": activity["id"] ?? ""]
    }

    static func object(_ value: Any) -> Any {
        guard let object = value as? [String: Any] else { return value }
        switch object["objectType"] as? String ?? "Activity" {
        case "Activity": return activity(object)
        case "Agent", "Group": return agent(object)
        case "SubStatement": return ids(statement: object)
        default: return object
        }
    }

    // MARK: canonical

    /// Reduces every language map (an object of strings under `display`, `name` or
    /// `description`) to one entry: the first of the reader's languages it has, else its first.
    static func canonical(_ value: Any, languages: [String]) -> Any {
        if let list = value as? [Any] { return list.map { canonical($0, languages: languages) } }
        guard var object = value as? [String: Any] else { return value }
        for (key, member) in object {
            if ["display", "name", "description"].contains(key), let map = member as? [String: String], !map.isEmpty {
                object[key] = pick(map, languages: languages)
            } else {
                object[key] = canonical(member, languages: languages)
            }
        }
        return object
    }

    static func pick(_ map: [String: String], languages: [String]) -> [String: String] {
        for language in languages {
            let wanted = language.lowercased()
            if let exact = map.first(where: { $0.key.lowercased() == wanted }) { return [exact.key: exact.value] }
            if let prefix = map.first(where: { $0.key.lowercased().hasPrefix(wanted + "-") || wanted.hasPrefix($0.key.lowercased() + "-") }) {
                return [prefix.key: prefix.value]
            }
        }
        let first = map.sorted { $0.key < $1.key }[0]
        return [first.key: first.value]
    }
}
