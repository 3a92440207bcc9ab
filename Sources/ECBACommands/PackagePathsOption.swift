import ArgumentParser
import Foundation

/// The packages a command reads: PATH arguments and/or a list file (`--paths-from`).
///
/// The list file exists for large batches: the argument parser's cost grows with the square of
/// the number of positional arguments (2,000 paths took 0.24 s to parse, 8,000 took 2.9 s), and
/// long lists can exceed the system's argument-length limit. `find ... | ecba import
/// --paths-from - --society S` has neither problem.
struct PackagePathsOption: ParsableArguments {
    @Argument(help: "Package folders, archives or manifest files.") var paths: [String] = []
    @Option(
        name: .customLong("paths-from"),
        help: ArgumentHelp(
            "Read more package paths from a file, one per line ('-' reads standard input).",
            discussion: "Blank lines are skipped; a path is taken as written (no quoting). Use it for thousands of packages.",
            valueName: "file"
        )
    )
    var pathsFrom: String?

    func validate() throws {
        if paths.isEmpty && pathsFrom == nil { throw ValidationError("name at least one package (a PATH, or --paths-from FILE)") }
    }

    /// The PATH arguments followed by the list file's paths, in order.
    func resolved() throws -> [String] {
        guard let pathsFrom else { return paths }
        let data: Data
        if pathsFrom == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: pathsFrom)) } catch {
                throw Console.fail("cannot read the path list \(pathsFrom): \(error.localizedDescription)")
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Console.fail("the path list \(pathsFrom) is not UTF-8 text")
        }
        let listed = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
        let all = paths + listed
        guard !all.isEmpty else { throw Console.fail("the path list \(pathsFrom) names no package") }
        return all
    }
}
