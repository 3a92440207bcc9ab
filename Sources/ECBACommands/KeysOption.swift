import ArgumentParser
import Credentials
import Foundation
import PostgresStorage

/// Where the private signing keys live.
struct KeysOption: ParsableArguments {
    @Option(
        name: .customLong("keys"),
        help: ArgumentHelp(
            "Directory of private signing keys (0700, one 0600 PEM file per key).",
            discussion: "Defaults to $ECBA_KEYS, else the database path with '.keys' appended (./ecba.sqlite.keys). A postgresql:// database has no file to put it beside: there, signing and making keys need --keys or $ECBA_KEYS.",
            valueName: "dir"
        )
    )
    var directory: String?

    /// The folder named, else the one beside an SQLite file; nil on PostgreSQL when none is named
    /// (what needs a private key then says so).
    func keyDirectory(database: String) -> KeyDirectory? {
        if let path = directory ?? ProcessInfo.processInfo.environment["ECBA_KEYS"] { return KeyDirectory(URL(fileURLWithPath: path)) }
        return PostgresLocation.isURL(database) ? nil : KeyDirectory(URL(fileURLWithPath: database + ".keys"))
    }

    /// The folder, for a command that cannot start without one (`serve`).
    func requiredKeyDirectory(database: String) throws -> KeyDirectory {
        guard let folder = keyDirectory(database: database) else {
            throw Console.fail("a postgresql:// database has no folder of signing keys beside it; pass --keys DIR or set ECBA_KEYS")
        }
        return folder
    }
}
