import ArgumentParser
import Credentials
import Foundation

/// Where the private signing keys live.
struct KeysOption: ParsableArguments {
    @Option(
        name: .customLong("keys"),
        help: ArgumentHelp(
            "Directory of private signing keys (0700, one 0600 PEM file per key).",
            discussion: "Defaults to $ECBA_KEYS, else the database path with '.keys' appended (./ecba.sqlite.keys).",
            valueName: "dir"
        )
    )
    var directory: String?

    func keyDirectory(database: String) -> KeyDirectory {
        let path = directory ?? ProcessInfo.processInfo.environment["ECBA_KEYS"] ?? database + ".keys"
        return KeyDirectory(URL(fileURLWithPath: path))
    }
}
