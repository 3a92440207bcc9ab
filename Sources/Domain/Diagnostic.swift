/// How serious a diagnostic is: errors reject a package as a whole, warnings never block.
public enum Severity: String, Codable, Sendable, Comparable {
    case warning
    case error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// A stable, documented diagnostic code such as `ECBA-E-XML-MALFORMED`.
///
/// A struct rather than an enum so that new codes never break users who match on known ones.
/// The severity is part of the code (`-E-` error, `-W-` warning).
public struct DiagnosticCode: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var severity: Severity {
        rawValue.hasPrefix("ECBA-E-") ? .error : .warning
    }

    public var description: String { rawValue }
}

/// One problem found in a package: coded, located, and saying what to do about it.
public struct Diagnostic: Codable, Sendable, Equatable {
    public var code: DiagnosticCode
    public var severity: Severity
    /// Path of the file inside the package (or the package path itself).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// Element path such as `/manifest/organizations/organization[1]/item[2]`, when known.
    public var elementPath: String?
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var hint: String

    public init(
        _ code: DiagnosticCode,
        file: String,
        line: Int? = nil,
        elementPath: String? = nil,
        message: String,
        hint: String? = nil
    ) {
        self.code = code
        self.severity = code.severity
        self.file = file
        self.line = line
        self.elementPath = elementPath
        self.message = message
        self.hint = hint ?? DiagnosticCode.defaultHints[code] ?? "See importers/README.md for this code."
    }
}

extension Diagnostic: CustomStringConvertible {
    /// `file:line: error ECBA-E-…: message (element path). hint`
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        var text = "\(location): \(severity.rawValue) \(code.rawValue): \(message)"
        if let elementPath { text += " [\(elementPath)]" }
        return text + ". " + hint
    }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error: the package is rejected.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
