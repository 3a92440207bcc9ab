import Foundation

/// The player's scripts and style, shipped as resources of this module (`Assets/`).
enum PlayerAssets {
    static let names: Set<String> = ["scorm-runtime.js", "player.js", "player.css"]

    /// The text of an asset, read once.
    static func text(_ name: String) -> String? {
        guard names.contains(name) else { return nil }
        return cache[name]
    }

    private static let cache: [String: String] = {
        var result: [String: String] = [:]
        for name in names {
            let dot = name.lastIndex(of: ".") ?? name.endIndex
            let base = String(name[..<dot])
            let ext = String(name[name.index(after: dot)...])
            if let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Assets")
                ?? Bundle.module.url(forResource: base, withExtension: ext),
               let text = try? String(contentsOf: url, encoding: .utf8) {
                result[name] = text
            }
        }
        return result
    }()
}
