import Foundation

/// Help text written wrapped in the source, re-flowed so ArgumentParser can wrap it to the
/// terminal: the lines of a paragraph are joined, and so are a list item's continuation lines;
/// blank lines, indented lines (examples) and list items ("- ") keep their own line.
enum Help {
    static func prose(_ text: String) -> String {
        var output: [String] = []
        var joinable = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let isBlank = line.trimmingCharacters(in: .whitespaces).isEmpty
            let isSpecial = line.hasPrefix(" ") || line.hasPrefix("- ") || line.hasPrefix("|")
            let continuesItem = line.hasPrefix("    ") && (output.last.map { $0.hasPrefix("  - ") || $0.hasPrefix("- ") } ?? false)
            if isBlank {
                output.append("")
                joinable = false
            } else if continuesItem, let last = output.popLast() {
                output.append(last + " " + line.trimmingCharacters(in: .whitespaces))
            } else if joinable, !isSpecial, let last = output.popLast() {
                output.append(last + " " + line)
            } else {
                output.append(line)
                joinable = !isSpecial && !line.hasSuffix(":")
            }
        }
        return output.joined(separator: "\n")
    }
}
