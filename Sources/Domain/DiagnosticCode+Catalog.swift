/// Every code the importer emits, with the advice a user sees. `importers/README.md` lists
/// the same codes; a test keeps the two in step.
extension DiagnosticCode {
    // MARK: Errors: the package is rejected and nothing is stored.
    public static let packageUnreadable = DiagnosticCode(rawValue: "ECBA-E-PACKAGE-UNREADABLE")
    public static let manifestMissing = DiagnosticCode(rawValue: "ECBA-E-MANIFEST-MISSING")
    public static let xmlMalformed = DiagnosticCode(rawValue: "ECBA-E-XML-MALFORMED")
    public static let xmlEntity = DiagnosticCode(rawValue: "ECBA-E-XML-ENTITY")
    public static let xmlLimit = DiagnosticCode(rawValue: "ECBA-E-XML-LIMIT")
    public static let formatUnknown = DiagnosticCode(rawValue: "ECBA-E-FORMAT-UNKNOWN")
    public static let schemaInvalid = DiagnosticCode(rawValue: "ECBA-E-SCHEMA-INVALID")
    public static let identifierMissing = DiagnosticCode(rawValue: "ECBA-E-IDENTIFIER-MISSING")
    public static let noOrganization = DiagnosticCode(rawValue: "ECBA-E-NO-ORGANIZATION")
    public static let noLaunchableActivity = DiagnosticCode(rawValue: "ECBA-E-NO-LAUNCHABLE-ACTIVITY")
    public static let zipCorrupt = DiagnosticCode(rawValue: "ECBA-E-ZIP-CORRUPT")
    public static let zipUnsafePath = DiagnosticCode(rawValue: "ECBA-E-ZIP-UNSAFE-PATH")
    public static let zipSymlink = DiagnosticCode(rawValue: "ECBA-E-ZIP-SYMLINK")
    public static let zipEncrypted = DiagnosticCode(rawValue: "ECBA-E-ZIP-ENCRYPTED")
    public static let zipLimit = DiagnosticCode(rawValue: "ECBA-E-ZIP-LIMIT")
    public static let packageSymlink = DiagnosticCode(rawValue: "ECBA-E-PACKAGE-SYMLINK")

    // MARK: Warnings: the package is usable as it is.
    public static let schemaVersionMissing = DiagnosticCode(rawValue: "ECBA-W-SCHEMAVERSION-MISSING")
    public static let schemaVersionUnknown = DiagnosticCode(rawValue: "ECBA-W-SCHEMAVERSION-UNKNOWN")
    public static let namespaceMismatch = DiagnosticCode(rawValue: "ECBA-W-NAMESPACE-MISMATCH")
    public static let attributeCase = DiagnosticCode(rawValue: "ECBA-W-ATTRIBUTE-CASE")
    public static let identifierPadded = DiagnosticCode(rawValue: "ECBA-W-IDENTIFIER-PADDED")
    public static let identifierDuplicate = DiagnosticCode(rawValue: "ECBA-W-DUPLICATE-IDENTIFIER")
    public static let danglingReference = DiagnosticCode(rawValue: "ECBA-W-DANGLING-REF")
    public static let defaultOrganizationMissing = DiagnosticCode(rawValue: "ECBA-W-DEFAULT-ORG-MISSING")
    public static let elementIdentifierMissing = DiagnosticCode(rawValue: "ECBA-W-IDENTIFIER-MISSING")
    public static let hrefNormalized = DiagnosticCode(rawValue: "ECBA-W-HREF-NORMALIZED")
    public static let fileMissing = DiagnosticCode(rawValue: "ECBA-W-FILE-MISSING")
    public static let externalMetadataMissing = DiagnosticCode(rawValue: "ECBA-W-METADATA-MISSING")
    public static let wrappedFolder = DiagnosticCode(rawValue: "ECBA-W-WRAPPED-FOLDER")
    public static let zipNameEncoding = DiagnosticCode(rawValue: "ECBA-W-ZIP-NAME-ENCODING")
    public static let doctypeIgnored = DiagnosticCode(rawValue: "ECBA-W-DOCTYPE-IGNORED")
    public static let valueOutOfRange = DiagnosticCode(rawValue: "ECBA-W-VALUE-OUT-OF-RANGE")
    public static let titleMissing = DiagnosticCode(rawValue: "ECBA-W-TITLE-MISSING")
    public static let creditHoursMissing = DiagnosticCode(rawValue: "ECBA-W-CREDIT-HOURS-MISSING")
    public static let categoryMissing = DiagnosticCode(rawValue: "ECBA-W-CATEGORY-MISSING")
    public static let sidecarMismatch = DiagnosticCode(rawValue: "ECBA-W-SIDECAR-MISMATCH")
    public static let cartridgeWithoutModules = DiagnosticCode(rawValue: "ECBA-W-CC-NO-MODULES")

    /// Every known code, in the order `importers/README.md` documents them.
    public static let all: [DiagnosticCode] = [
        .packageUnreadable, .manifestMissing, .xmlMalformed, .xmlEntity, .xmlLimit, .formatUnknown,
        .schemaInvalid, .identifierMissing, .noOrganization, .noLaunchableActivity, .zipCorrupt,
        .zipUnsafePath, .zipSymlink, .zipEncrypted, .zipLimit, .packageSymlink,
        .schemaVersionMissing, .schemaVersionUnknown, .namespaceMismatch, .attributeCase,
        .identifierPadded, .identifierDuplicate, .danglingReference, .defaultOrganizationMissing,
        .elementIdentifierMissing, .hrefNormalized, .fileMissing, .externalMetadataMissing,
        .wrappedFolder, .zipNameEncoding, .doctypeIgnored, .valueOutOfRange, .titleMissing,
        .creditHoursMissing, .categoryMissing, .sidecarMismatch, .cartridgeWithoutModules,
    ]

    /// What a user should do, per code.
    static let defaultHints: [DiagnosticCode: String] = [
        .packageUnreadable: "Pass a directory, a .zip or an .imscc file that exists and can be read.",
        .manifestMissing: "Put imsmanifest.xml, cmi5.xml or ecba-course.xml at the package root (or inside one top folder).",
        .xmlMalformed: "Fix the XML at the line given (an unclosed tag or a stray character is the usual cause) and import again.",
        .xmlEntity: "Remove the <!DOCTYPE> with its entity declarations; manifests need no DTD.",
        .xmlLimit: "The manifest exceeds a safety limit (size, nesting depth or element count); split the course or simplify the manifest.",
        .formatUnknown: "Supported roots: ECBA course, SCORM 1.2/2004 and IMS CP/CC manifest, cmi5 courseStructure; check the root namespace.",
        .schemaInvalid: "Correct the element against importers/ecba/ecba-course.xsd (the message names the element and the rule).",
        .identifierMissing: "Give the manifest (or course) an identifier attribute; it names the course across versions.",
        .noOrganization: "Add an <organization> with the course's items; a package without one has no course structure.",
        .noLaunchableActivity: "Make at least one item reference a resource with an href (or give a cmi5 AU a url).",
        .zipCorrupt: "Re-create the archive with a standard zip tool; it could not be read.",
        .zipUnsafePath: "Re-create the archive with relative entry names only (no leading '/', no '..', no backslashes, no NUL).",
        .zipSymlink: "Replace symbolic links in the archive by the files themselves.",
        .zipEncrypted: "Upload the archive without a password; encrypted entries cannot be inspected.",
        .zipLimit: "The archive exceeds a safety limit (entries, inflated size, or inflating to more than 100 times its size); split the course or raise the limit deliberately.",
        .packageSymlink: "Replace symbolic links in the package folder by the files themselves.",
        .schemaVersionMissing: "Add <schemaversion> to the manifest metadata; the version was inferred from namespaces.",
        .schemaVersionUnknown: "Use one of the documented schemaversion values; the version was inferred from namespaces.",
        .namespaceMismatch: "Bind the prefix to the namespace the format defines; the value was read anyway.",
        .attributeCase: "Write the attribute name in the case the specification uses; the value was read anyway.",
        .identifierPadded: "Remove the white space around the identifier; it was trimmed.",
        .identifierDuplicate: "Give every item and resource a unique identifier; a duplicate item was renamed, a duplicate resource ignored.",
        .danglingReference: "Point identifierref at an existing resource or remove it; the item is kept without content.",
        .defaultOrganizationMissing: "Make organizations/@default name an existing organization; the first organization is used.",
        .elementIdentifierMissing: "Give every organization, item and resource an identifier attribute.",
        .hrefNormalized: "Write hrefs as relative URLs with forward slashes; the href was normalised.",
        .fileMissing: "Add the file to the package or correct the href; learners would get a broken link.",
        .externalMetadataMissing: "Add the metadata file named by adlcp:location or remove the reference.",
        .wrappedFolder: "Put the manifest at the archive root; it was found inside the single top folder.",
        .zipNameEncoding: "Create archives with UTF-8 entry names (and the UTF-8 flag); this name was decoded from a legacy encoding.",
        .doctypeIgnored: "Remove the <!DOCTYPE>; it was ignored and the DTD was not loaded.",
        .valueOutOfRange: "Correct the value to the range the specification gives; it was clamped or ignored.",
        .titleMissing: "Give the element a title; its identifier is shown instead.",
        .creditHoursMissing: "Add credit hours (ecba-course.xml sidecar or --credit-hours); the submission cannot be approved without them.",
        .categoryMissing: "State the subject category (professional or public) in ecba-course.xml or with --category.",
        .sidecarMismatch: "Make the sidecar's identifier match the standard manifest's; the sidecar's values were still applied.",
        .cartridgeWithoutModules: "Put the pages and assignments into modules (the organisation) to give them an order and a structure; they were taken in manifest order.",
    ]
}
