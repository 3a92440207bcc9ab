// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ecba-learning",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ecba", targets: ["ecba"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libxml2 from the system (Debian: libxml2-dev), plus a tiny C shim for what Swift 6 cannot call.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // zlib from the system (Debian: zlib1g-dev): raw inflate of zip entries, with a shim for its macros.
        .systemLibrary(name: "CZipInflate", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // SQLite's process-wide configuration (sqlite3_config is variadic): connections without
        // their own mutex, as GRDB serialises each one already; no memory statistics.
        .systemLibrary(name: "CSQLiteConfig", providers: [.apt(["libsqlite3-dev"])]),
        // A VFS over SQLite's own that writes a transaction's write-ahead log frames in a few
        // large writes instead of two per page (Sources/CSQLiteWAL/wal_buffer.c says why it is safe).
        .target(name: "CSQLiteWAL", linkerSettings: [.linkedLibrary("sqlite3")]),
        // SQLite's own page cache behind a layer that skips a commit's truncation when it has
        // nothing to remove (Sources/CSQLitePageCache/page_cache.c says when SQLite's scans it all).
        .target(name: "CSQLitePageCache", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Safe parsing of untrusted XML: no network, no entities, no DTD, capped size and depth.
        .target(name: "XMLKit", dependencies: ["CLibXML2"], swiftSettings: swiftSettings),
        // Value types shared by every module: course packages, diagnostics, societies, submissions.
        .target(name: "Domain", swiftSettings: swiftSettings),
        // Ordered work on worker threads for one consumer (the database writer): import, xAPI batches.
        .target(name: "Pipeline", swiftSettings: swiftSettings),
        // Legacy text encodings (GB18030/GBK) through iconv, for zip names and CSV rosters.
        .target(name: "TextDecoding", swiftSettings: swiftSettings),
        // The content-addressed store of every package file (one copy per SHA-256), on disk.
        .target(name: "ContentStore", dependencies: ["Domain", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        // Reads a package of any supported format into one `CoursePackage`, with diagnostics.
        .target(
            name: "CoursePackages",
            dependencies: [
                "XMLKit", "Domain", "TextDecoding", "Pipeline", "CZipInflate", "ContentStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SQLite schema, migrations and every SQL statement of the platform.
        .target(
            name: "Storage",
            dependencies: [
                "Domain",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API itself, for the few loops that read millions of rows (society reports).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CSQLiteConfig",
                "CSQLiteWAL",
                "CSQLitePageCache",
            ],
            swiftSettings: swiftSettings
        ),
        // The platform on PostgreSQL: connection URLs, the PostgreSQL schema's migrations (kept
        // beside SQLite's), and `ecba database copy`, which copies an SQLite platform into it.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Domain", "Storage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Which files each kept submission holds (its table's SQL), and the store's upkeep: verify, gc.
        .target(
            name: "ContentLibrary",
            dependencies: ["Domain", "Storage", "ContentStore"],
            swiftSettings: swiftSettings
        ),
        // The Academic Committee's work: imports (submissions), review and votes (Art. 31), the catalog.
        .target(
            name: "Catalog",
            dependencies: ["Domain", "Storage", "Societies", "CoursePackages", "ContentStore", "ContentLibrary", "Credentials", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The learning record store (xAPI): statement queries, the document resources (State,
        // Activity and Agent Profile) and the key/secret credentials of activity providers.
        // Storing statements is the statement store's (Enrollment), as progress follows from it.
        .target(
            name: "LRS",
            dependencies: ["Domain", "Storage", "Enrollment", "ContentStore", "Credentials",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Engineers, society memberships, enrollments (and next: progress, completion, credits).
        .target(
            name: "Enrollment",
            dependencies: ["Domain", "Storage", "Societies", "Catalog", "RegistrySync", "TextDecoding", "Pipeline",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Taking courses: launch tokens, player sessions, attempts, the SCORM run-time's data model and results.
        .target(
            name: "Delivery",
            dependencies: [
                "Domain", "Storage", "ContentStore", "ContentLibrary", "Enrollment", "Credentials",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // cmi5 as the LMS plays it: AU launches, the fetch URL, the session rules on statements, satisfied/abandoned/waived.
        .target(
            name: "CMI5",
            dependencies: ["Domain", "Storage", "Enrollment", "ContentStore", "Credentials", "Delivery", "LRS"],
            swiftSettings: swiftSettings
        ),
        // Keys, JOSE (compact JWS, JWK), Open Badges 3.0 / CLR 2.0 credentials and their verification.
        .target(
            name: "Credentials",
            dependencies: [
                "Domain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Transcripts (JSON, CSV, signed CLR), society credit reports (streamed), signing keys.
        .target(
            name: "Transcripts",
            dependencies: ["Domain", "Storage", "Enrollment", "Credentials"],
            swiftSettings: swiftSettings
        ),
        // The society register (charter Art. 8, 16-20, 36): societies, their applications and
        // authorisation, and their API tokens. Every feature that reads a society reads it here.
        .target(
            name: "Societies",
            dependencies: ["Domain", "Storage", "Credentials"],
            swiftSettings: swiftSettings
        ),
        // Registry sync: the outbox of transcript record versions, delivered to societies' registries.
        .target(
            name: "RegistrySync",
            dependencies: ["Domain", "Storage", "Societies", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The player over HTTP: launch redirects, per-session origins, the page, its scripts, package files.
        .target(
            name: "PlayerWeb",
            dependencies: [
                "Domain", "Storage", "ContentStore", "Delivery", "CMI5",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            resources: [.copy("Assets")],
            swiftSettings: swiftSettings
        ),
        // The society API: Hummingbird 2 routes over the services, tokens, problems, limits.
        .target(
            name: "SocietyAPI",
            dependencies: [
                "Domain", "Storage", "Societies", "Catalog", "Enrollment", "Transcripts", "Credentials", "ContentStore", "Delivery", "PlayerWeb", "LRS", "CMI5",
                "RegistrySync",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command-line interface: a thin shell over the services.
        .target(
            name: "ECBACommands",
            dependencies: [
                "Domain", "Storage", "Societies", "Catalog", "CoursePackages", "Enrollment", "Transcripts", "Credentials", "RegistrySync", "SocietyAPI",
                "ContentStore", "ContentLibrary", "Delivery", "PlayerWeb", "LRS", "CMI5", "PostgresStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ecba",
            dependencies: ["ECBACommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        // Benchmarks that need the services in-process (see BENCHMARKS.md); not part of the product.
        .executableTarget(
            name: "ecba-bench",
            dependencies: ["Societies", "Catalog", "Enrollment", "Transcripts", "Storage", "Domain", "LRS", "SocietyAPI", "Credentials",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/Sources/ecba-bench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CoursePackagesTests",
            dependencies: ["CoursePackages", "XMLKit", "Domain", "Pipeline", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ECBATests",
            dependencies: [
                "ECBACommands", "Societies", "Catalog", "Enrollment", "Transcripts", "Credentials", "RegistrySync", "SocietyAPI", "Storage", "CoursePackages",
                "ContentStore", "ContentLibrary", "Delivery", "PlayerWeb", "LRS", "CMI5", "PostgresStorage",
                "Domain", "TextDecoding", "ecba", "CSQLitePageCache",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
