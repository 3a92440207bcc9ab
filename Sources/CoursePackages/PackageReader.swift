import ContentStore
import Domain
import Foundation
import Pipeline
import XMLKit

/// Values the submitter supplies on the command line; they win over the package's own.
public struct PackageOverrides: Sendable, Equatable {
    public var creditHours: Double?
    public var category: SubjectCategory?

    public init(creditHours: Double? = nil, category: SubjectCategory? = nil) {
        self.creditHours = creditHours
        self.category = category
    }
}

/// The outcome of reading one package: the model when it is usable, and every diagnostic.
public struct PackageReadResult: Sendable {
    /// What the user named: a folder, archive or manifest path.
    public var source: String
    /// The package, or nil when an error rejected it.
    public var package: CoursePackage?
    public var diagnostics: [Diagnostic]
    /// The format and version told from the manifest, even when the package was rejected later.
    public var format: PackageFormat?
    public var formatVersion: String?
    /// Every file of an accepted package (path, hash, size, media type), sorted by path; when
    /// the reader has a content store, each is in it.
    public var files: [PackageFile] = []

    /// True when the package can be submitted (no error diagnostics).
    public var isAccepted: Bool { package != nil && !diagnostics.hasErrors }
}

/// Reads a package of any supported format into one `CoursePackage`: opens it safely,
/// finds the manifest, tells the format, reads it, applies an `ecba-course.xml` sidecar.
public struct PackageReader: Sendable {
    public var limits: PackageLimits
    /// Where an import keeps every file it reads; nil only reads (`package check`).
    public var store: ContentStore?

    /// Manifest names looked for at the package root, in order of precedence.
    static let primaryManifests = ["imsmanifest.xml", "cmi5.xml", "tincan.xml"]
    static let ecbaManifest = "ecba-course.xml"

    /// True for a path at the package root or in one top folder: where manifests are looked for.
    static func isManifestDepth(_ relativePath: String) -> Bool {
        relativePath.utf8.count(where: { $0 == UInt8(ascii: "/") }) <= 1
    }

    /// Files whose bytes the opener keeps while hashing: a manifest name where `locateManifest`
    /// looks.
    static func mayBeManifest(_ relativePath: String) -> Bool {
        guard isManifestDepth(relativePath) else { return false }
        let name = lastPathComponent(relativePath)
        guard name.utf8.count == 8 || name.utf8.count == 10 || name.utf8.count == 15 else { return false }
        let lowered = name.lowercased()
        return lowered == ecbaManifest || primaryManifests.contains(lowered)
    }

    public init(limits: PackageLimits = .default, store: ContentStore? = nil) {
        self.limits = limits
        self.store = store
    }

    /// Reads the package at `path` (a folder, a `.zip`/`.imscc` archive, or a manifest file).
    public func read(_ path: String, overrides: PackageOverrides = PackageOverrides()) -> PackageReadResult {
        var collector = DiagnosticCollector()
        var warnings: [Diagnostic] = []
        let files: PackageFiles
        do {
            files = try PackageOpener(limits: limits, store: store, keep: Self.mayBeManifest).open(path, displayName: path, warnings: &warnings)
        } catch {
            return PackageReadResult(source: path, package: nil, diagnostics: warnings + error.diagnostics, format: nil, formatVersion: nil)
        }
        collector.append(contentsOf: warnings)
        var detected: DetectedFormat?
        let package = read(files, source: path, explicitManifest: namesXMLFile(path) ? String(lastPathComponent(path)) : nil,
                           overrides: overrides, detected: &detected, diagnostics: &collector)
        let accepted = !collector.hasErrors && package != nil
        return PackageReadResult(
            source: path, package: accepted ? package : nil, diagnostics: collector.diagnostics,
            format: detected?.format, formatVersion: detected?.version, files: accepted ? files.list : []
        )
    }

    /// Reads `paths` on worker threads and hands the results to `body` in order, in batches of
    /// whatever is ready (at most `maxBatch`), while the workers read on: `body` (e.g. a
    /// transaction that stores the batch) overlaps with reading. When `body` is the slower side
    /// the batches grow, so the store pays for fewer commits; when reading is, they shrink and
    /// each result is handed on as soon as it is read. At most `window` results are read ahead,
    /// which bounds memory.
    public func forEachBatch<E: Error>(
        of paths: [String],
        overrides: PackageOverrides = PackageOverrides(),
        maxBatch: Int = 128,
        window: Int = 128,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        _ body: ([PackageReadResult]) throws(E) -> Void
    ) throws(E) {
        let results = OrderedParallelMap(count: paths.count, workers: workers, window: window) { index in
            read(paths[index], overrides: overrides)
        }
        defer { results.stop() }
        let limit = max(1, maxBatch)
        while let first = results.next() {
            var batch = [first]
            while batch.count < limit, let more = results.nextIfReady() {
                batch.append(more)
            }
            try body(batch)
        }
    }

    private func read(
        _ files: PackageFiles,
        source: String,
        explicitManifest: String?,
        overrides: PackageOverrides,
        detected detectedFormat: inout DetectedFormat?,
        diagnostics: inout DiagnosticCollector
    ) -> CoursePackage? {
        guard let location = locateManifest(in: files, explicit: explicitManifest, source: source, diagnostics: &diagnostics) else {
            return nil
        }
        let view = PackageView(
            manifestFolder: location.folder,
            manifestFile: location.primary,
            fileExists: { files.contains($0) },
            loadXML: { relative in
                guard let data = try? files.data(of: relative) else { return nil }
                return try? SafeXMLParser.parse(data, url: relative, limits: limits.xml).root
            },
            readPrefix: { relative, count in files.contains(relative) ? files.prefix(of: relative, maxBytes: count) : nil }
        )
        let isECBAFile = (location.primary as NSString).lastPathComponent.lowercased() == Self.ecbaManifest
        guard let document = parse(location.primary, in: files, validate: isECBAFile, diagnostics: &diagnostics),
              let detected = FormatDetector.detect(document.root, file: location.primary, diagnostics: &diagnostics)
        else { return nil }
        detectedFormat = detected

        var package: CoursePackage
        if detected.format == .ecba {
            var validated = document
            if !isECBAFile {
                guard let again = parse(location.primary, in: files, validate: true, diagnostics: &diagnostics) else { return nil }
                validated = again
            }
            guard let fields = readECBA(validated, view: view, diagnostics: &diagnostics) else { return nil }
            guard let activities = fields.activities else {
                diagnostics.add(.noLaunchableActivity, file: location.primary, line: document.root.line, path: "/course",
                                "this ECBA manifest has no <activities> and no standard manifest beside it")
                return nil
            }
            if !activities.containsActivity(where: \.isLaunchable) {
                diagnostics.add(.noLaunchableActivity, file: location.primary, line: document.root.line, path: "/course/activities",
                                "no lesson can be launched")
                return nil
            }
            package = CoursePackage(identifier: fields.identifier, format: .ecba, formatVersion: detected.version, activities: activities)
            apply(fields, to: &package, fillOnly: false)
        } else {
            guard let manifest = readStandard(document.root, format: detected.format, view: view, diagnostics: &diagnostics) else {
                return nil
            }
            package = CoursePackage(
                identifier: manifest.identifier,
                format: detected.format,
                formatVersion: detected.version,
                titles: manifest.titles,
                descriptions: manifest.descriptions,
                keywords: manifest.keywords,
                typicalLearningTime: manifest.typicalLearningTime,
                activities: manifest.activities,
                languages: manifest.languages,
                controlMode: manifest.controlMode
            )
            if let sidecar = location.sidecar {
                guard let sidecarDocument = parse(sidecar, in: files, validate: true, diagnostics: &diagnostics) else { return nil }
                var sidecarView = view
                sidecarView.manifestFile = sidecar
                guard let fields = readECBA(sidecarDocument, view: sidecarView, diagnostics: &diagnostics) else { return nil }
                if fields.identifier != package.identifier {
                    diagnostics.add(.sidecarMismatch, file: sidecar, line: sidecarDocument.root.line, path: "/course",
                                    "sidecar identifier '\(fields.identifier)' differs from the manifest's '\(package.identifier)'")
                }
                if fields.activities != nil {
                    diagnostics.add(.sidecarMismatch, file: sidecar, line: sidecarDocument.root.line, path: "/course/activities",
                                    "a sidecar's <activities> are ignored; the activity tree comes from \(location.primary)")
                }
                apply(fields, to: &package, fillOnly: true)
                package.hasSidecar = true
            }
        }
        if let hours = overrides.creditHours { package.creditHours = hours }
        if let category = overrides.category { package.category = category }
        if package.creditHours == nil {
            diagnostics.add(.creditHoursMissing, file: location.primary,
                            "the package states no credit hours (学时); it can be submitted but not approved")
        }
        if package.category == nil {
            diagnostics.add(.categoryMissing, file: location.primary,
                            "the package states no subject category (professional 专业科目 or public 公需科目)")
        }
        package.contentHash = files.contentHash
        package.manifestPath = location.primary
        if package.languages.isEmpty {
            package.languages = Array(Set(package.titles.map(\.language).filter { !$0.isEmpty })).sorted()
        }
        return package
    }

    // MARK: Steps

    private struct ManifestLocation {
        var primary: String
        var sidecar: String?
        var folder: String
    }

    private func locateManifest(
        in files: PackageFiles,
        explicit: String?,
        source: String,
        diagnostics: inout DiagnosticCollector
    ) -> ManifestLocation? {
        // Manifests live at the root or inside one top folder: index only those files,
        // by lower-cased path, once.
        var shallow: [String: String] = [:]
        for path in files.files.keys where Self.isManifestDepth(path) {
            shallow[path.lowercased()] = path
        }
        func find(_ name: String, in folder: String) -> String? {
            shallow[(folder + name).lowercased()]
        }
        func locate(in folder: String) -> ManifestLocation? {
            if let explicit, let path = find(explicit, in: folder) {
                let sidecar = explicit.lowercased() == Self.ecbaManifest ? nil : find(Self.ecbaManifest, in: folder)
                return ManifestLocation(primary: path, sidecar: sidecar, folder: folder)
            }
            for name in Self.primaryManifests {
                if let path = find(name, in: folder) {
                    return ManifestLocation(primary: path, sidecar: find(Self.ecbaManifest, in: folder), folder: folder)
                }
            }
            if let path = find(Self.ecbaManifest, in: folder) {
                return ManifestLocation(primary: path, sidecar: nil, folder: folder)
            }
            return nil
        }
        if let location = locate(in: "") {
            return location
        }
        let topFolders = Set(files.files.keys.map { path in
            path.utf8.firstIndex(of: UInt8(ascii: "/")).map { String(path[..<$0]) } ?? ""
        })
        if topFolders.count == 1, let only = topFolders.first, !only.isEmpty, let location = locate(in: only + "/") {
            diagnostics.add(.wrappedFolder, file: location.primary, "the manifest sits inside the top folder '\(only)/'")
            return location
        }
        diagnostics.add(.manifestMissing, file: source,
                        "no imsmanifest.xml, cmi5.xml, tincan.xml or ecba-course.xml at the package root")
        return nil
    }

    private func parse(
        _ relative: String,
        in files: PackageFiles,
        validate: Bool,
        diagnostics: inout DiagnosticCollector
    ) -> XMLDocumentTree? {
        let data: Data
        do {
            if let size = files.files[relative]?.size, size > UInt64(limits.xml.maxBytes) {
                diagnostics.add(.xmlLimit, file: relative, "the manifest is \(size) bytes, the limit is \(limits.xml.maxBytes)")
                return nil
            }
            data = try files.data(of: relative)
        } catch {
            diagnostics.add(.packageUnreadable, file: relative, "cannot read the manifest: \(error.localizedDescription)")
            return nil
        }
        let document: XMLDocumentTree
        do {
            document = try SafeXMLParser.parse(data, url: relative, limits: limits.xml, schema: validate ? Self.ecbaSchema : nil)
        } catch {
            let code: DiagnosticCode = switch error.kind {
            case .malformed: .xmlMalformed
            case .entityDeclaration: .xmlEntity
            case .tooLarge, .tooDeep, .tooManyElements: .xmlLimit
            }
            diagnostics.add(code, file: relative, line: error.line == 0 ? nil : error.line, error.message)
            return nil
        }
        if document.hasDoctype {
            diagnostics.add(.doctypeIgnored, file: relative, line: 1, "the <!DOCTYPE> was ignored; no DTD is loaded")
        }
        if validate, document.root.namespace == Namespaces.ecba {
            for violation in document.schemaViolations {
                diagnostics.add(.schemaInvalid, file: relative, line: violation.line == 0 ? nil : violation.line, violation.message)
            }
            if !document.schemaViolations.isEmpty { return nil }
        }
        return document
    }

    private func readStandard(
        _ root: XMLElement,
        format: PackageFormat,
        view: PackageView,
        diagnostics: inout DiagnosticCollector
    ) -> ReadManifest? {
        if format == .cmi5 {
            var reader = CMI5Reader(view: view, diagnostics: diagnostics)
            let result = reader.read(root)
            diagnostics = reader.diagnostics
            return result
        }
        if format == .tincan {
            var reader = TinCanReader(view: view, diagnostics: diagnostics)
            let result = reader.read(root)
            diagnostics = reader.diagnostics
            return result
        }
        var reader = ContentPackageReader(format: format, view: view, diagnostics: diagnostics)
        let result = reader.read(root)
        diagnostics = reader.diagnostics
        return result
    }

    private func readECBA(_ document: XMLDocumentTree, view: PackageView, diagnostics: inout DiagnosticCollector) -> ECBAFields? {
        guard document.root.namespace == Namespaces.ecba, document.root.name == "course" else {
            diagnostics.add(.schemaInvalid, file: view.manifestFile, line: document.root.line, path: "/\(document.root.name)",
                            "\(Self.ecbaManifest) must have a <course> root in namespace \(Namespaces.ecba)")
            return nil
        }
        var reader = ECBAManifestReader(view: view, diagnostics: diagnostics)
        let fields = reader.read(document.root)
        diagnostics = reader.diagnostics
        return fields
    }

    /// Applies ECBA fields. A sidecar (`fillOnly`) adds languages the standard manifest lacks
    /// and supplies the platform fields; its texts win where both give the same language.
    private func apply(_ fields: ECBAFields, to package: inout CoursePackage, fillOnly: Bool) {
        func merged(_ preferred: [LocalizedText], _ existing: [LocalizedText]) -> [LocalizedText] {
            let languages = Set(preferred.map(\.language))
            return preferred + existing.filter { !languages.contains($0.language) }
        }
        package.titles = fillOnly ? merged(fields.titles, package.titles) : fields.titles
        package.descriptions = fillOnly ? merged(fields.descriptions, package.descriptions) : fields.descriptions
        if fillOnly {
            var seen = Set<LocalizedText>()
            package.keywords = (fields.keywords + package.keywords).filter { seen.insert($0).inserted }
        } else {
            package.keywords = fields.keywords
        }
        if !fields.languages.isEmpty { package.languages = fields.languages }
        package.typicalLearningTime = fields.typicalLearningTime ?? package.typicalLearningTime
        package.creditHours = fields.creditHours
        package.category = fields.category
        package.developingSociety = fields.developingSociety
        package.licence = fields.licence
    }

    /// The ECBA schema, compiled once per process.
    static let ecbaSchema: XMLSchemaValidator? = try? XMLSchemaValidator(xsd: ECBASchema.xsd)
}
