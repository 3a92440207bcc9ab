import CoursePackages
import Domain
import Foundation

/// The shared fixture corpus, read in place: `../shared/fixtures/packages` beside the repo.
enum Fixtures {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let packages: URL = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/fixtures/packages")

    static func path(_ relative: String) -> String {
        packages.appendingPathComponent(relative).path
    }

    /// Reads a fixture with the production reader.
    static func read(_ relative: String, limits: PackageLimits = .default) -> PackageReadResult {
        PackageReader(limits: limits).read(path(relative))
    }
}

extension PackageReadResult {
    /// Codes other than the two every standard package without a sidecar gets.
    var notableCodes: [DiagnosticCode] {
        diagnostics.map(\.code).filter { $0 != .creditHoursMissing && $0 != .categoryMissing }
    }

    var errorCodes: [DiagnosticCode] {
        diagnostics.filter { $0.severity == .error }.map(\.code)
    }

    var firstLaunchable: Activity? {
        package?.activities.flattened.first(where: \.isLaunchable)
    }
}

/// A scratch folder removed when the test ends.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ecba-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> URL {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        return target
    }
}
