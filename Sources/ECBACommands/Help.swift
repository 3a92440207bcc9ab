import Foundation

/// Help text written wrapped in the source, re-flowed so ArgumentParser can wrap it to the
/// terminal: the lines of a paragraph are joined, and so are a list item's continuation lines;
/// blank lines, indented lines (examples) and list items ("- ") keep their own line.
enum Help {
    static func prose(_ text: String) -> String {
        // Every command's help is built at start-up, so this stays on UTF-8 bytes: Foundation's
        // trimming and Character comparisons made it a tenth of a short command's run time.
        var output: [Substring] = []
        var joinable = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = trimmingSpaces(line)
            let isBlank = trimmed.isEmpty
            let isSpecial = line.utf8.first == UInt8(ascii: " ") || line.utf8.starts(with: "- ".utf8) || line.utf8.first == UInt8(ascii: "|")
            let continuesItem = line.utf8.starts(with: "    ".utf8)
                && (output.last.map { $0.utf8.starts(with: "  - ".utf8) || $0.utf8.starts(with: "- ".utf8) } ?? false)
            if isBlank {
                output.append("")
                joinable = false
            } else if continuesItem, let last = output.popLast() {
                output.append(Substring(last + " " + trimmed))
            } else if joinable, !isSpecial, let last = output.popLast() {
                output.append(Substring(last + " " + line))
            } else {
                output.append(line)
                joinable = !isSpecial && line.utf8.last != UInt8(ascii: ":")
            }
        }
        return output.joined(separator: "\n")
    }

    /// `line` without leading and trailing spaces and tabs.
    private static func trimmingSpaces(_ line: Substring) -> Substring {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = line.utf8.firstIndex(where: { !isSpace($0) }),
              let last = line.utf8.lastIndex(where: { !isSpace($0) })
        else { return line[line.endIndex...] }
        return line[first...last]
    }
}
