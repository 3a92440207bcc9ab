import ArgumentParser
import Foundation

/// Who is acting, for the audit log of commands that change something.
struct ActorOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Who is acting, as recorded in the audit log.",
            discussion: "Defaults to $ECBA_ACTOR, else the login name ($USER).",
            valueName: "name"
        )
    )
    var actor: String?

    var name: String {
        let environment = ProcessInfo.processInfo.environment
        return actor ?? environment["ECBA_ACTOR"] ?? environment["USER"] ?? "unknown"
    }
}
