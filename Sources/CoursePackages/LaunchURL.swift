import Foundation
import XMLKit

/// Composes launch URLs the way SCORM CAM and IMS CP say: the `xml:base` values of manifest,
/// resources and resource, then `href`, then the item's `parameters`.
struct LaunchURL {
    /// The path inside the package (decoded, `/`-separated), nil for an absolute URL or one
    /// that climbs out of the package.
    var packagePath: String?
    /// The URL to launch, relative to the package root unless absolute.
    var url: String
    /// True when backslashes or `./` segments had to be cleaned up.
    var wasNormalized: Bool
    /// True when the href climbed out of the package with `..`.
    var escapesPackage: Bool

    static func compose(bases: [String?], href: String, parameters: String?) -> LaunchURL {
        var normalized = false
        var combined = ""
        for base in bases.compactMap({ $0?.trimmingXMLWhitespace() }) where !base.isEmpty {
            if isAbsolute(base) {
                combined = base
            } else {
                combined += base
            }
            if let last = combined.utf8.last, last != UInt8(ascii: "/") { combined += "/" }
        }
        var reference = href.trimmingXMLWhitespace()
        if reference.utf8.contains(UInt8(ascii: "\\")) {
            reference = reference.replacingOccurrences(of: "\\", with: "/")
            normalized = true
        }
        if isAbsolute(reference) {
            combined = ""
        }
        let full = combined + reference
        if let plain = plainPath(full) {
            // Nearly every href: a relative path of unreserved bytes with no `.` or `..`
            // segments, so decoding, normalising and encoding would give it back unchanged.
            return LaunchURL(packagePath: plain, url: plain + appendParameters(parameters, to: ""), wasNormalized: normalized, escapesPackage: false)
        }
        // Split off query and fragment; they are not part of the file path.
        var pathPart = Substring(full)
        var suffix = ""
        if let index = full.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            pathPart = full[..<index]
            suffix = String(full[index...])
        }
        let composedSuffix = appendParameters(parameters, to: suffix)
        if isAbsolute(String(pathPart)) {
            return LaunchURL(packagePath: nil, url: String(pathPart) + composedSuffix, wasNormalized: normalized, escapesPackage: false)
        }
        let decoded = PercentEncoding.decode(pathPart) ?? String(pathPart)
        var segments: [String] = []
        var escapes = false
        for segment in decoded.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual(".".utf8) {
                normalized = true
            } else if segment.elementsEqual("..".utf8) {
                if segments.isEmpty { escapes = true } else { segments.removeLast() }
                normalized = true
            } else {
                segments.append(String(decoding: segment, as: UTF8.self))
            }
        }
        let path = segments.joined(separator: "/")
        let encoded = PercentEncoding.encodePath(path)
        return LaunchURL(
            packagePath: escapes ? nil : path,
            url: encoded + composedSuffix,
            wasNormalized: normalized,
            escapesPackage: escapes
        )
    }

    /// `path` itself when it is a relative path that composing would leave as it is: only
    /// letters, digits, `-`, `_`, `.` and single `/` between segments that are not `.` or `..`;
    /// nil otherwise (and then the general rules apply).
    static func plainPath(_ path: String) -> String? {
        var segmentLength = 0
        var segmentDots = 0
        var previous: UInt8 = UInt8(ascii: "/")
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                segmentLength += 1
            case UInt8(ascii: "."):
                segmentLength += 1
                segmentDots += 1
            case UInt8(ascii: "/"):
                // No leading slash, no empty segment, no `.` or `..` segment.
                guard previous != UInt8(ascii: "/"), segmentDots != segmentLength else { return nil }
                segmentLength = 0
                segmentDots = 0
            default:
                return nil
            }
            previous = byte
        }
        guard segmentLength > 0, segmentDots != segmentLength else { return nil }
        return path
    }

    /// `parameters` per SCORM CAM: a leading `?` or `&` joins the query, a `#` sets the fragment.
    static func appendParameters(_ parameters: String?, to suffix: String) -> String {
        guard let written = parameters?.trimmingXMLWhitespace(), !written.isEmpty else { return suffix }
        if written.utf8.first == UInt8(ascii: "#") {
            return suffix.utf8.contains(UInt8(ascii: "#")) ? suffix : suffix + written
        }
        guard let start = written.utf8.firstIndex(where: { $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "&") }) else { return suffix }
        let query = String(written[start...])
        if let hash = suffix.utf8.firstIndex(of: UInt8(ascii: "#")) {
            let before = String(suffix[..<hash])
            return (before.isEmpty ? "?" : before + "&") + query + String(suffix[hash...])
        }
        return (suffix.isEmpty ? "?" : suffix + "&") + query
    }

    static func isAbsolute(_ reference: String) -> Bool {
        let bytes = reference.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            return bytes.starts(with: "//".utf8)
        }
        let scheme = bytes[..<colon]
        return scheme.count > 1 && scheme.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
        }
    }
}
