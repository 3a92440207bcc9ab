import Foundation
import Domain
import XMLKit

/// The namespaces that tell formats apart.
enum Namespaces {
    static let scorm12Root = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    static let adlcp12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
    static let imscp = "http://www.imsglobal.org/xsd/imscp_v1p1"
    static let adlcp13 = "http://www.adlnet.org/xsd/adlcp_v1p3"
    static let adlseq = "http://www.adlnet.org/xsd/adlseq_v1p3"
    static let adlnav = "http://www.adlnet.org/xsd/adlnav_v1p3"
    static let imsss = "http://www.imsglobal.org/xsd/imsss"
    static let cc10 = "http://www.imsglobal.org/xsd/imscc/imscp_v1p1"
    static let cmi5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
    static let tincan = "http://projecttincan.com/tincan.xsd"
    static let ecba = ECBASchema.namespace

    /// CC 1.1-1.3 roots: `http://www.imsglobal.org/xsd/imsccv1pN/imscp_v1p1`.
    static func commonCartridgeMinor(_ namespace: String) -> Int? {
        if namespace == cc10 { return 0 }
        let prefix = "http://www.imsglobal.org/xsd/imsccv1p"
        guard namespace.hasPrefix(prefix), namespace.hasSuffix("/imscp_v1p1") else { return nil }
        let digits = namespace.dropFirst(prefix.count).dropLast("/imscp_v1p1".count)
        return Int(digits)
    }
}

/// A format and its version, told from the root element.
struct DetectedFormat: Equatable {
    var format: PackageFormat
    var version: String
}

/// Tells the format from the root namespace, `schema` and `schemaversion`, and the namespaces
/// and resource types a manifest uses: never from the file name.
enum FormatDetector {
    static func detect(_ root: XMLElement, file: String, diagnostics: inout DiagnosticCollector) -> DetectedFormat? {
        let namespace = root.namespace ?? ""
        switch (root.name, namespace) {
        case ("courseStructure", Namespaces.cmi5):
            return DetectedFormat(format: .cmi5, version: "1.0")
        case ("tincan", Namespaces.tincan):
            return DetectedFormat(format: .tincan, version: "1.0")
        case ("course", Namespaces.ecba):
            return DetectedFormat(format: .ecba, version: root.attribute("schemaVersion") ?? "1.0")
        case ("manifest", _):
            return detectManifest(root, file: file, diagnostics: &diagnostics)
        default:
            diagnostics.add(
                .formatUnknown, file: file, line: root.line, path: "/\(root.name)",
                "root element <\(root.name)> in namespace '\(namespace)' is not a supported package manifest"
            )
            return nil
        }
    }

    private static func detectManifest(_ root: XMLElement, file: String, diagnostics: inout DiagnosticCollector) -> DetectedFormat? {
        let namespace = root.namespace ?? ""
        let metadata = root.child(named: "metadata")
        let schema = metadata?.child(named: "schema")?.trimmedText ?? ""
        let schemaVersion = metadata?.child(named: "schemaversion")?.trimmedText
        let versionPath = "/manifest/metadata/schemaversion"

        if namespace == Namespaces.scorm12Root {
            if schemaVersion == nil {
                diagnostics.add(.schemaVersionMissing, file: file, line: root.line, path: versionPath,
                                "no <schemaversion>; the root namespace says SCORM 1.2")
            } else if schemaVersion != "1.2" {
                diagnostics.add(.schemaVersionUnknown, file: file, line: metadata?.line, path: versionPath,
                                "schemaversion '\(schemaVersion ?? "")' under the SCORM 1.2 namespace; read as SCORM 1.2")
            }
            return DetectedFormat(format: .scorm12, version: "1.2")
        }
        if let minor = Namespaces.commonCartridgeMinor(namespace) {
            return commonCartridge(minor: minor, schema: schema, schemaVersion: schemaVersion, root: root, file: file, diagnostics: &diagnostics)
        }
        guard namespace == Namespaces.imscp else {
            diagnostics.add(.formatUnknown, file: file, line: root.line, path: "/manifest",
                            "<manifest> in namespace '\(namespace)' is neither IMS CP, SCORM nor Common Cartridge")
            return nil
        }
        // IMS CP 1.1 namespace: SCORM 2004, Common Cartridge 1.0, or a plain content package.
        if schema.localizedCaseInsensitiveContains("Common Cartridge") {
            return commonCartridge(minor: 0, schema: schema, schemaVersion: schemaVersion, root: root, file: file, diagnostics: &diagnostics)
        }
        if schema.localizedCaseInsensitiveContains("SCORM") || usesSCORM2004(root) {
            return scorm2004(schemaVersion: schemaVersion, root: root, metadata: metadata, file: file, diagnostics: &diagnostics)
        }
        if let minor = commonCartridgeResourceMinor(root) {
            return commonCartridge(minor: minor, schema: schema, schemaVersion: schemaVersion, root: root, file: file, diagnostics: &diagnostics)
        }
        return DetectedFormat(format: .imscp, version: "1.1")
    }

    private static func scorm2004(
        schemaVersion: String?,
        root: XMLElement,
        metadata: XMLElement?,
        file: String,
        diagnostics: inout DiagnosticCollector
    ) -> DetectedFormat {
        switch schemaVersion?.lowercased() {
        case "cam 1.3", "2004 2nd edition":
            return DetectedFormat(format: .scorm2004, version: "2004 2nd Edition")
        case "2004 3rd edition":
            return DetectedFormat(format: .scorm2004, version: "2004 3rd Edition")
        case "2004 4th edition":
            return DetectedFormat(format: .scorm2004, version: "2004 4th Edition")
        default:
            let inferred = usesFourthEditionElements(root) ? "2004 4th Edition" : "2004 3rd Edition"
            let path = "/manifest/metadata/schemaversion"
            if let schemaVersion {
                diagnostics.add(.schemaVersionUnknown, file: file, line: metadata?.line, path: path,
                                "schemaversion '\(schemaVersion)' is not a SCORM 2004 value; read as \(inferred)")
            } else {
                diagnostics.add(.schemaVersionMissing, file: file, line: root.line, path: path,
                                "no <schemaversion>; SCORM 2004 namespaces are used, read as \(inferred)")
            }
            return DetectedFormat(format: .scorm2004, version: inferred)
        }
    }

    private static func commonCartridge(
        minor: Int,
        schema: String,
        schemaVersion: String?,
        root: XMLElement,
        file: String,
        diagnostics: inout DiagnosticCollector
    ) -> DetectedFormat {
        var version = "1.\(minor)"
        if let schemaVersion {
            let parts = schemaVersion.split(separator: ".")
            if parts.count >= 2, parts[0] == "1", let written = Int(parts[1]), (0...3).contains(written) {
                version = "1.\(written)"
            } else {
                diagnostics.add(.schemaVersionUnknown, file: file, line: root.line, path: "/manifest/metadata/schemaversion",
                                "schemaversion '\(schemaVersion)' is not a Common Cartridge version; read as \(version)")
            }
        } else {
            diagnostics.add(.schemaVersionMissing, file: file, line: root.line, path: "/manifest/metadata/schemaversion",
                            "no <schemaversion>; the namespaces and resource types say Common Cartridge \(version)")
        }
        if schema.localizedCaseInsensitiveContains("Thin") {
            version += " thin"
        }
        return DetectedFormat(format: .commonCartridge, version: version)
    }

    /// Any element or attribute in an ADL or IMS SS namespace means SCORM 2004.
    private static func usesSCORM2004(_ root: XMLElement) -> Bool {
        let scormNamespaces: Set<String> = [Namespaces.adlcp13, Namespaces.adlseq, Namespaces.adlnav, Namespaces.imsss]
        if root.namespaceDeclarations.values.contains(where: scormNamespaces.contains) { return true }
        var found = false
        root.forEachDescendant { element in
            if found { return }
            if let ns = element.namespace, scormNamespaces.contains(ns) { found = true }
            if element.attributes.contains(where: { $0.namespace.map(scormNamespaces.contains) ?? false }) { found = true }
        }
        return found
    }

    /// Shared data (`adlcp:data`/`adlcp:map`) and `adlnav` jump arrived with the 4th edition.
    private static func usesFourthEditionElements(_ root: XMLElement) -> Bool {
        var found = false
        root.forEachDescendant { element in
            if element.namespace == Namespaces.adlcp13, element.name == "data" || element.name == "map" { found = true }
        }
        return found
    }

    /// CC 1.0 cartridges under the plain IMS CP namespace name their resource types
    /// `…/imscc_xmlv1p0/…`; the digit after `v1p` is the minor version.
    private static func commonCartridgeResourceMinor(_ root: XMLElement) -> Int? {
        for resource in root.child(named: "resources")?.children(named: "resource") ?? [] {
            guard let type = resource.attribute("type"), let range = type.range(of: "imscc_xmlv1p") else { continue }
            if let digit = type[range.upperBound...].first, let minor = Int(String(digit)) {
                return minor
            }
        }
        return nil
    }
}
