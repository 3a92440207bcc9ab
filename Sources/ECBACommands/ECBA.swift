import ArgumentParser

/// `ecba`: the ECBA continuing-education platform from the command line.
public struct ECBA: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ecba",
        abstract: "The ECBA continuing-education platform: course packages, review, credits, reports.",
        discussion: Help.prose("""
            Every command that touches data takes --database PATH (default ./ecba.sqlite, or the \
            ECBA_DATABASE environment variable) and --json for machine-readable output. Exit code 0 \
            means success; otherwise a one-line reason is printed on standard error.

            Start with 'ecba demo', which runs the whole story on a fresh temporary database. \
            'ecba help <command>' explains each command with examples.
            """),
        version: "0.1.0",
        subcommands: [
            DemoCommand.self,
            SocietyCommand.self,
            ImportCommand.self,
            PackageCommand.self,
            ContentCommand.self,
            SubmissionCommand.self,
            CommitteeCommand.self,
            ReviewCommand.self,
            CatalogCommand.self,
            AuditCommand.self,
            EngineerCommand.self,
            EnrollCommand.self,
            LaunchCommand.self,
            WithdrawCommand.self,
            ProgressCommand.self,
            PolicyCommand.self,
            CreditsCommand.self,
            TranscriptCommand.self,
            ReportCommand.self,
            KeysCommand.self,
            VerifyCommand.self,
            SyncCommand.self,
            ServeCommand.self,
            LRSCommand.self,
            DatabaseCommand.self,
        ]
    )

    public init() {}
}
