import GRDB

extension AppDatabase {
    /// Versioned schema. A shipped migration is never edited: add a new one.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-societies-and-submissions") { db in
            try db.execute(sql: """
                CREATE TABLE society (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('national','local','enterprise','university','institute')),
                    status TEXT NOT NULL CHECK (status IN ('registered','authorized','withdrawn','removed')),
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                ) STRICT;

                CREATE TABLE course (
                    id TEXT PRIMARY KEY NOT NULL,
                    society_id TEXT NOT NULL REFERENCES society(id),
                    identifier TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    UNIQUE (society_id, identifier)
                ) STRICT;

                CREATE TABLE submission (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    course_id TEXT NOT NULL REFERENCES course(id),
                    version INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected')),
                    content_hash TEXT NOT NULL,
                    format TEXT NOT NULL,
                    format_version TEXT NOT NULL,
                    display_title TEXT NOT NULL,
                    typical_learning_time TEXT,
                    credit_hours REAL,
                    category TEXT CHECK (category IN ('professional','public')),
                    developing_society TEXT,
                    licence TEXT,
                    languages TEXT NOT NULL,
                    manifest_path TEXT NOT NULL,
                    has_sidecar INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    submitted_at TEXT NOT NULL,
                    UNIQUE (course_id, version),
                    UNIQUE (course_id, content_hash)
                ) STRICT;
                CREATE INDEX submission_status ON submission(status);

                CREATE TABLE submission_text (
                    submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('title','description','keyword')),
                    position INTEGER NOT NULL,
                    language TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (submission_id, kind, position)
                ) STRICT;

                CREATE TABLE activity (
                    submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    parent_position INTEGER,
                    identifier TEXT NOT NULL,
                    title TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    launch_url TEXT,
                    required INTEGER NOT NULL,
                    mastery_threshold REAL,
                    completion_threshold REAL,
                    time_limit_seconds INTEGER,
                    move_on TEXT,
                    PRIMARY KEY (submission_id, position),
                    UNIQUE (submission_id, identifier)
                ) STRICT;

                CREATE TABLE submission_diagnostic (
                    submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    code TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    file TEXT NOT NULL,
                    line INTEGER,
                    element_path TEXT,
                    message TEXT NOT NULL,
                    hint TEXT NOT NULL,
                    PRIMARY KEY (submission_id, position)
                ) STRICT;
                """)
        }
        return migrator
    }()
}
