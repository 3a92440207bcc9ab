import Foundation
/// Parses the durations packages write into seconds.
public enum Durations {
    /// ISO 8601 durations as xs:duration writes them: `PT1H30M`, `P1DT2H`, `PT45.5S`.
    /// Years and months count as 365 and 30 days.
    public static func seconds(iso8601 text: String) -> Int? {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        var sawComponent = false
        for character in rest {
            switch character {
            case "T":
                guard number.isEmpty else { return nil }
                inTime = true
            case "0"..."9", ".", ",":
                number.append(character == "," ? "." : character)
            default:
                guard let value = Double(number) else { return nil }
                number = ""
                sawComponent = true
                switch (character, inTime) {
                case ("Y", false): total += value * 365 * 86_400
                case ("M", false): total += value * 30 * 86_400
                case ("W", false): total += value * 7 * 86_400
                case ("D", false): total += value * 86_400
                case ("H", true): total += value * 3_600
                case ("M", true): total += value * 60
                case ("S", true): total += value
                default: return nil
                }
            }
        }
        guard number.isEmpty, sawComponent else { return nil }
        return Int(total.rounded())
    }

    /// SCORM 1.2 CMITimespan `HHHH:MM:SS.SS` (as in `adlcp:maxtimeallowed`).
    public static func seconds(cmiTimespan text: String) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Double(parts[2]),
              hours >= 0, (0..<60).contains(minutes), seconds >= 0, seconds < 60
        else { return nil }
        return hours * 3_600 + minutes * 60 + Int(seconds.rounded())
    }
}
