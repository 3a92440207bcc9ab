import Delivery
import Foundation

/// The player's HTML: the course's activity tree with statuses, the content frame, previous /
/// next / exit. `player.js` does the rest with the run-time.
enum PlayerPage {
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    static func render(_ view: PlayerView, language: PlayerText.Language) -> String {
        let labels = PlayerText.labels(language)
        let labelJSON = (try? JSONSerialization.data(withJSONObject: labels, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var tree = ""
        for item in view.items {
            let indent = "padding-left:\(0.5 + Double(item.depth) * 1.2)em"
            let status = """
                <span class="status" data-status-of="\(escape(item.identifier))" data-status="\(item.status)">\(escape(labels[item.status] ?? item.status))</span>
                """
            if item.launchURL != nil {
                // Without choice, the tree shows the activities but does not open them.
                let name = view.choice ? "<a href=\"#\" class=\"activity\" data-activity=\"\(escape(item.identifier))\">\(escape(item.title))</a>"
                    : "<span class=\"activity\" data-activity=\"\(escape(item.identifier))\">\(escape(item.title))</span>"
                tree += "<li style=\"\(indent)\">\(name) \(status)</li>\n"
            } else {
                tree += "<li class=\"folder\" style=\"\(indent)\">\(escape(item.title)) \(status)</li>\n"
            }
        }
        let mode = view.mode == .normal ? "" : "<p class=\"mode\">\(escape(labels["mode-\(view.mode.rawValue)"] ?? ""))</p>"
        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(view.title))</title>
            <link rel="stylesheet" href="/player/player.css">
            </head>
            <body data-format="\(escape(view.format))" data-start="\(escape(view.start ?? ""))" data-choice="\(view.choice)" data-flow="\(view.flow)" data-forward-only="\(view.forwardOnly)">
            <header><h1>\(escape(view.title))</h1><span class="learner">\(escape(labels["learner"] ?? "")): \(escape(view.engineerName))</span></header>
            \(mode)
            <nav aria-label="\(escape(labels["contents"] ?? ""))"><ol id="tree">
            \(tree)</ol></nav>
            <main>
            <div class="controls">
            <button id="previous" type="button"\(view.flow && !view.forwardOnly ? "" : " hidden")>\(escape(labels["previous"] ?? ""))</button>
            <button id="next" type="button"\(view.flow ? "" : " hidden")>\(escape(labels["next"] ?? ""))</button>
            <button id="exit" type="button">\(escape(labels["exit"] ?? ""))</button>
            <span id="notice" role="status"></span>
            </div>
            <iframe id="content" title="\(escape(view.title))" src="about:blank"></iframe>
            </main>
            <script id="labels" type="application/json">\(labelJSON.replacingOccurrences(of: "</", with: "<\\/"))</script>
            <script src="/player/scorm-runtime.js"></script>
            <script src="/player/player.js"></script>
            </body>
            </html>
            """
    }

    static func message(_ message: PlayerText.Message, language: PlayerText.Language) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(language.rawValue)">
        <head><meta charset="utf-8"><title>\(escape(message.title))</title>
        <style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}h1{font-size:1.4em}</style></head>
        <body><h1>\(escape(message.title))</h1><p>\(escape(message.text))</p></body>
        </html>
        """
    }
}
