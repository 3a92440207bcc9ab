import Foundation
import Domain

/// Collects the diagnostics of one package; remembers which once-per-package warnings fired.
struct DiagnosticCollector {
    private(set) var diagnostics: [Diagnostic] = []
    private var fired: Set<String> = []

    mutating func add(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    mutating func add(
        _ code: DiagnosticCode,
        file: String,
        line: Int? = nil,
        path: String? = nil,
        _ message: String
    ) {
        diagnostics.append(Diagnostic(code, file: file, line: line, elementPath: path, message: message))
    }

    /// Adds the diagnostic only the first time `key` is seen: for quirks that repeat on every
    /// element (an attribute's case, a namespace), one warning says it all.
    mutating func addOnce(
        key: String,
        _ code: DiagnosticCode,
        file: String,
        line: Int? = nil,
        path: String? = nil,
        _ message: String
    ) {
        guard fired.insert(key).inserted else { return }
        add(code, file: file, line: line, path: path, message)
    }

    mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    var hasErrors: Bool { diagnostics.hasErrors }
}
