import Domain
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
        migrator.registerMigration("v2-committee-catalog-audit") { db in
            try db.execute(sql: """
                -- Academic Committee membership, one row per period of service.
                CREATE TABLE committee_membership (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    member_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    joined_at TEXT NOT NULL,
                    left_at TEXT
                ) STRICT;
                CREATE UNIQUE INDEX committee_membership_serving ON committee_membership(member_id) WHERE left_at IS NULL;

                -- A review opens when the committee first acts on a submission; its electorate is
                -- the membership at that moment and never changes afterwards.
                CREATE TABLE review (
                    submission_id INTEGER PRIMARY KEY NOT NULL REFERENCES submission(id),
                    opened_at TEXT NOT NULL,
                    decided_at TEXT,
                    outcome TEXT CHECK (outcome IN ('approved','rejected')),
                    decided_by TEXT,
                    reason TEXT,
                    CHECK ((decided_at IS NULL) = (outcome IS NULL))
                ) STRICT;

                CREATE TABLE review_electorate (
                    submission_id INTEGER NOT NULL REFERENCES review(submission_id),
                    member_id TEXT NOT NULL,
                    PRIMARY KEY (submission_id, member_id)
                ) STRICT;

                CREATE TABLE vote (
                    submission_id INTEGER NOT NULL,
                    member_id TEXT NOT NULL,
                    choice TEXT NOT NULL CHECK (choice IN ('approve','reject')),
                    comment TEXT NOT NULL,
                    cast_at TEXT NOT NULL,
                    PRIMARY KEY (submission_id, member_id),
                    FOREIGN KEY (submission_id, member_id) REFERENCES review_electorate(submission_id, member_id)
                ) STRICT;

                -- Approved versions. The course's current publication is what new enrollments get.
                CREATE TABLE publication (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    course_id TEXT NOT NULL REFERENCES course(id),
                    version INTEGER NOT NULL,
                    submission_id INTEGER NOT NULL UNIQUE REFERENCES submission(id),
                    published_at TEXT NOT NULL,
                    retired_at TEXT,
                    retired_reason TEXT,
                    UNIQUE (course_id, version)
                ) STRICT;
                ALTER TABLE course ADD COLUMN current_publication_id INTEGER REFERENCES publication(id);

                -- Full-text search over current publications (rowid = publication id): trigram for
                -- queries of three or more characters, and word/character-bigram terms for shorter ones.
                CREATE VIRTUAL TABLE catalog_fts USING fts5(title, description, keywords, tokenize = 'trigram');
                CREATE VIRTUAL TABLE catalog_fts_short USING fts5(title, description, keywords, tokenize = 'unicode61 remove_diacritics 2');

                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    reason TEXT,
                    details TEXT NOT NULL
                ) STRICT;
                CREATE INDEX audit_subject ON audit(subject);
                CREATE INDEX audit_at ON audit(at);

                -- Authorisation under Art. 16: application, then one step per stage.
                CREATE TABLE society_application (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    society_id TEXT NOT NULL REFERENCES society(id),
                    applied_at TEXT NOT NULL,
                    outcome TEXT CHECK (outcome IN ('authorized','rejected'))
                ) STRICT;
                CREATE UNIQUE INDEX society_application_open ON society_application(society_id) WHERE outcome IS NULL;

                CREATE TABLE society_application_step (
                    application_id INTEGER NOT NULL REFERENCES society_application(id),
                    stage TEXT NOT NULL CHECK (stage IN ('secretariat','review-committee','presidium')),
                    decision TEXT NOT NULL CHECK (decision IN ('approve','reject')),
                    comment TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    at TEXT NOT NULL,
                    PRIMARY KEY (application_id, stage)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v3-engineers-and-enrollments") { db in
            try db.execute(sql: """
                CREATE TABLE engineer (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    email TEXT,
                    registration_number TEXT,
                    created_at TEXT NOT NULL
                ) STRICT;
                CREATE UNIQUE INDEX engineer_email ON engineer(lower(email)) WHERE email IS NOT NULL;

                CREATE TABLE society_membership (
                    engineer_id TEXT NOT NULL REFERENCES engineer(id),
                    society_id TEXT NOT NULL REFERENCES society(id),
                    member_number TEXT NOT NULL,
                    since TEXT NOT NULL,
                    PRIMARY KEY (engineer_id, society_id),
                    UNIQUE (society_id, member_number)
                ) STRICT;

                -- At most one active enrollment per engineer and course; withdrawn and completed ones stay as history.
                CREATE TABLE enrollment (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    engineer_id TEXT NOT NULL REFERENCES engineer(id),
                    course_id TEXT NOT NULL REFERENCES course(id),
                    publication_id INTEGER NOT NULL REFERENCES publication(id),
                    registration TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL CHECK (status IN ('active','completed','withdrawn')),
                    enrolled_at TEXT NOT NULL,
                    ended_at TEXT
                ) STRICT;
                CREATE UNIQUE INDEX enrollment_active ON enrollment(engineer_id, course_id) WHERE status = 'active';

                -- Every result recorded, and the state it adds up to per activity.
                CREATE TABLE progress_event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('completed','passed','failed')),
                    score REAL,
                    duration_seconds INTEGER,
                    at TEXT NOT NULL,
                    source TEXT NOT NULL
                ) STRICT;
                CREATE INDEX progress_event_enrollment ON progress_event(enrollment_id);

                CREATE TABLE activity_progress (
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT NOT NULL,
                    completed INTEGER NOT NULL,
                    passed INTEGER,
                    best_score REAL,
                    satisfied_at TEXT,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (enrollment_id, activity_identifier)
                ) STRICT;

                -- Credit hours awarded on completion, dated at the completion time.
                CREATE TABLE credit_award (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    engineer_id TEXT NOT NULL REFERENCES engineer(id),
                    course_id TEXT NOT NULL REFERENCES course(id),
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    hours REAL NOT NULL,
                    category TEXT NOT NULL CHECK (category IN ('professional','public')),
                    awarded_at TEXT NOT NULL,
                    revoked_at TEXT,
                    revoked_reason TEXT
                ) STRICT;
                CREATE INDEX credit_award_engineer ON credit_award(engineer_id, awarded_at);
                -- One standing award per enrollment; a revoked one stays beside a later one.
                CREATE UNIQUE INDEX credit_award_standing ON credit_award(enrollment_id) WHERE revoked_at IS NULL;
                """)
        }
        migrator.registerMigration("v4-xapi-statements") { db in
            try db.execute(sql: """
                -- xAPI statements as received (evidence), with `stored` set by the platform.
                CREATE TABLE xapi_statement (
                    id TEXT PRIMARY KEY NOT NULL,
                    signature TEXT NOT NULL,
                    body TEXT NOT NULL,
                    stored TEXT NOT NULL,
                    verb TEXT NOT NULL,
                    engineer_id TEXT REFERENCES engineer(id),
                    enrollment_id INTEGER REFERENCES enrollment(id),
                    activity_identifier TEXT,
                    voids TEXT,
                    voided_by TEXT
                ) STRICT;

                ALTER TABLE progress_event ADD COLUMN statement_id TEXT REFERENCES xapi_statement(id);
                ALTER TABLE progress_event ADD COLUMN voided_at TEXT;
                CREATE INDEX progress_event_statement ON progress_event(statement_id) WHERE statement_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v5-credit-policies") { db in
            try db.execute(sql: """
                -- Policies added with 'ecba policy add' (the shipped ones live in the binary).
                CREATE TABLE credit_policy (
                    name TEXT PRIMARY KEY NOT NULL,
                    body TEXT NOT NULL,
                    added_at TEXT NOT NULL
                ) STRICT;
                ALTER TABLE society ADD COLUMN policy_name TEXT;
                """)
        }
        migrator.registerMigration("v6-transcript-records-and-signing-keys") { db in
            try db.execute(sql: """
                -- An award is a transcript record: its version goes up on every change (a revocation is
                -- version 2), so a registry can tell a correction from a new record. The credential id
                -- is stable for the record: re-issuing gives the same id with a newer validFrom.
                ALTER TABLE credit_award ADD COLUMN record_version INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE credit_award ADD COLUMN credential_id TEXT;
                ALTER TABLE credit_award ADD COLUMN changed_at TEXT;
                UPDATE credit_award SET record_version = CASE WHEN revoked_at IS NULL THEN 1 ELSE 2 END,
                    changed_at = coalesce(revoked_at, awarded_at);
                -- The result as it stood at completion: passed when any activity was passed, and the
                -- mean best score of the scored activities (kept on the record, which later results do not change).
                ALTER TABLE credit_award ADD COLUMN result TEXT NOT NULL DEFAULT 'completed' CHECK (result IN ('completed','passed'));
                ALTER TABLE credit_award ADD COLUMN score REAL;
                -- The course version the record is for (reports read it without walking the enrollment).
                ALTER TABLE credit_award ADD COLUMN publication_id INTEGER REFERENCES publication(id);
                UPDATE credit_award SET publication_id = (SELECT e.publication_id FROM enrollment e WHERE e.id = credit_award.enrollment_id);
                UPDATE credit_award SET
                    result = CASE WHEN EXISTS (SELECT 1 FROM activity_progress p WHERE p.enrollment_id = credit_award.enrollment_id AND p.passed = 1)
                        THEN 'passed' ELSE 'completed' END,
                    score = (SELECT avg(p.best_score) FROM activity_progress p WHERE p.enrollment_id = credit_award.enrollment_id);

                -- Public halves of the platform's signing keys (the private halves are files, 0600,
                -- outside the database). A retired key no longer signs but stays published.
                CREATE TABLE signing_key (
                    kid TEXT PRIMARY KEY NOT NULL,
                    alg TEXT NOT NULL CHECK (alg IN ('RS256','EdDSA')),
                    public_jwk TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    not_after TEXT NOT NULL,
                    retired_at TEXT
                ) STRICT;
                """)
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM credit_award WHERE credential_id IS NULL") {
                try db.execute(
                    sql: "UPDATE credit_award SET credential_id = ? WHERE id = ?",
                    arguments: [CredentialID.make(), id]
                )
            }
            try db.execute(sql: """
                CREATE UNIQUE INDEX credit_award_credential ON credit_award(credential_id);
                -- Reports walk each member's awards in time order and read only these columns: a
                -- covering index spares a table lookup per award (measured: 6 s to 1 s for 2M awards).
                -- It starts with (engineer_id, awarded_at), so it replaces that index.
                CREATE INDEX credit_award_report ON credit_award(
                    engineer_id, awarded_at, revoked_at, hours, category, publication_id, record_version, result, credential_id
                );
                DROP INDEX credit_award_engineer;
                """)
        }
        migrator.registerMigration("v7-registry-sync") { db in
            try db.execute(sql: """
                -- Where a society's registry takes transcript records. The bearer token stays in the
                -- file named here (0600, outside the database), read at delivery time.
                CREATE TABLE society_registry (
                    society_id TEXT PRIMARY KEY NOT NULL REFERENCES society(id),
                    url TEXT NOT NULL,
                    token_file TEXT NOT NULL,
                    format TEXT NOT NULL CHECK (format IN ('json','csv')),
                    updated_at TEXT NOT NULL
                ) STRICT;

                -- The durable outbox: one row per record version and society, written by triggers in
                -- the transaction that changed the record. A run claims rows (claimed_by, with a lease
                -- until claimed_until) before sending them, so two runs never send the same row.
                CREATE TABLE sync_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    society_id TEXT NOT NULL REFERENCES society(id),
                    award_id INTEGER NOT NULL REFERENCES credit_award(id),
                    record_version INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed','superseded')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                    last_error TEXT,
                    claimed_by TEXT,
                    claimed_until TEXT,
                    created_at TEXT NOT NULL,
                    delivered_at TEXT,
                    UNIQUE (society_id, award_id, record_version)
                ) STRICT;
                CREATE INDEX sync_outbox_due ON sync_outbox(society_id, status, next_attempt_at);

                -- Every delivery attempt: when, what, the answer, how long it took.
                CREATE TABLE sync_attempt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    society_id TEXT NOT NULL REFERENCES society(id),
                    run_id TEXT NOT NULL,
                    at TEXT NOT NULL,
                    outbox_ids TEXT NOT NULL,
                    records INTEGER NOT NULL,
                    http_status INTEGER,
                    error TEXT,
                    duration_ms REAL NOT NULL,
                    payload TEXT NOT NULL
                ) STRICT;
                CREATE INDEX sync_attempt_society ON sync_attempt(society_id, at);

                CREATE TRIGGER credit_award_outbox_insert AFTER INSERT ON credit_award BEGIN
                    INSERT OR IGNORE INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
                    SELECT m.society_id, NEW.id, NEW.record_version, 'pending', coalesce(NEW.changed_at, NEW.awarded_at), coalesce(NEW.changed_at, NEW.awarded_at)
                    FROM society_membership m JOIN society_registry r ON r.society_id = m.society_id
                    WHERE m.engineer_id = NEW.engineer_id;
                END;
                CREATE TRIGGER credit_award_outbox_update AFTER UPDATE OF record_version ON credit_award
                WHEN NEW.record_version <> OLD.record_version BEGIN
                    INSERT OR IGNORE INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
                    SELECT m.society_id, NEW.id, NEW.record_version, 'pending', coalesce(NEW.changed_at, NEW.awarded_at), coalesce(NEW.changed_at, NEW.awarded_at)
                    FROM society_membership m JOIN society_registry r ON r.society_id = m.society_id
                    WHERE m.engineer_id = NEW.engineer_id;
                END;
                -- A new member of a society with a registry: their standing records go to it too.
                CREATE TRIGGER society_membership_outbox AFTER INSERT ON society_membership BEGIN
                    INSERT OR IGNORE INTO sync_outbox (society_id, award_id, record_version, status, next_attempt_at, created_at)
                    SELECT NEW.society_id, a.id, a.record_version, 'pending', NEW.since, NEW.since
                    FROM credit_award a JOIN society_registry r ON r.society_id = NEW.society_id
                    WHERE a.engineer_id = NEW.engineer_id AND a.revoked_at IS NULL;
                END;
                """)
        }
        migrator.registerMigration("v8-api-tokens-and-change-feed") { db in
            try db.execute(sql: """
                -- Societies' API tokens: only a SHA-256 of the secret is kept; the token is shown once.
                CREATE TABLE api_token (
                    id TEXT PRIMARY KEY NOT NULL,
                    society_id TEXT NOT NULL REFERENCES society(id),
                    secret_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                ) STRICT;
                CREATE INDEX api_token_society ON api_token(society_id);

                -- Every change of a transcript record, in commit order (writers are serialised, so a
                -- reader never sees a later sequence number before an earlier one): the changes feed.
                CREATE TABLE transcript_change (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    award_id INTEGER NOT NULL REFERENCES credit_award(id),
                    record_version INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active','revoked')),
                    changed_at TEXT NOT NULL
                ) STRICT;
                CREATE INDEX transcript_change_award ON transcript_change(award_id);
                INSERT INTO transcript_change (award_id, record_version, status, changed_at)
                    SELECT id, record_version, CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END, coalesce(changed_at, awarded_at)
                    FROM credit_award ORDER BY coalesce(changed_at, awarded_at), id;
                CREATE TRIGGER credit_award_change_insert AFTER INSERT ON credit_award BEGIN
                    INSERT INTO transcript_change (award_id, record_version, status, changed_at)
                    VALUES (NEW.id, NEW.record_version, CASE WHEN NEW.revoked_at IS NULL THEN 'active' ELSE 'revoked' END,
                            coalesce(NEW.changed_at, NEW.awarded_at));
                END;
                CREATE TRIGGER credit_award_change_update AFTER UPDATE OF record_version ON credit_award
                WHEN NEW.record_version <> OLD.record_version BEGIN
                    INSERT INTO transcript_change (award_id, record_version, status, changed_at)
                    VALUES (NEW.id, NEW.record_version, CASE WHEN NEW.revoked_at IS NULL THEN 'active' ELSE 'revoked' END,
                            coalesce(NEW.changed_at, NEW.awarded_at));
                END;
                """)
        }
        migrator.registerMigration("v9-lean-progress-events") { db in
            try db.execute(sql: """
                -- Progress events rebuilt leaner for statement ingest (measured per row, 200,000 events):
                -- without AUTOINCREMENT (it rewrote sqlite_sequence on every insert: 12.3 µs a row
                -- against 8.1 µs; events are never deleted, so rowids still only grow and keep their
                -- order), and without the index of random statement ids (1.5 s of the events'
                -- 7.2 s at 1,000,000): voiding finds a statement's events through its enrollment.
                CREATE TABLE progress_event_v9 (
                    id INTEGER PRIMARY KEY,
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('completed','passed','failed')),
                    score REAL,
                    duration_seconds INTEGER,
                    at TEXT NOT NULL,
                    source TEXT NOT NULL,
                    statement_id TEXT REFERENCES xapi_statement(id),
                    voided_at TEXT
                ) STRICT;
                INSERT INTO progress_event_v9 (id, enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source,
                    statement_id, voided_at)
                    SELECT id, enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id, voided_at
                    FROM progress_event ORDER BY id;
                DROP TABLE progress_event;
                ALTER TABLE progress_event_v9 RENAME TO progress_event;
                CREATE INDEX progress_event_enrollment ON progress_event(enrollment_id);
                """)
        }
        migrator.registerMigration("v10-cheaper-bulk-rows") { db in
            try db.execute(sql: """
                -- The three tables written row by row in bulk (an import's texts and activities, an
                -- xAPI batch's progress events), rebuilt with the same columns, rows and rules:
                -- * A CHECK of the form x IN ('a','b','c') builds a temporary b-tree of its list each
                --   time a single-row INSERT runs (SQLite 3.40 codes a list of three or more constants
                --   that way): 3-4 µs a row, as much as the rest of the insert. The same rule is
                --   stated as comparisons.
                -- * Texts and activities are only ever read by submission, through their primary key,
                --   so they are stored in it (WITHOUT ROWID): one b-tree less to write per row.
                CREATE TABLE submission_text_v10 (
                    submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind = 'title' OR kind = 'description' OR kind = 'keyword'),
                    position INTEGER NOT NULL,
                    language TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (submission_id, kind, position)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO submission_text_v10 (submission_id, kind, position, language, value)
                    SELECT submission_id, kind, position, language, value FROM submission_text;
                DROP TABLE submission_text;
                ALTER TABLE submission_text_v10 RENAME TO submission_text;

                CREATE TABLE activity_v10 (
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
                ) STRICT, WITHOUT ROWID;
                INSERT INTO activity_v10 (submission_id, position, parent_position, identifier, title, kind, launch_url, required,
                    mastery_threshold, completion_threshold, time_limit_seconds, move_on)
                    SELECT submission_id, position, parent_position, identifier, title, kind, launch_url, required,
                        mastery_threshold, completion_threshold, time_limit_seconds, move_on
                    FROM activity;
                DROP TABLE activity;
                ALTER TABLE activity_v10 RENAME TO activity;

                CREATE TABLE progress_event_v10 (
                    id INTEGER PRIMARY KEY,
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome = 'completed' OR outcome = 'passed' OR outcome = 'failed'),
                    score REAL,
                    duration_seconds INTEGER,
                    at TEXT NOT NULL,
                    source TEXT NOT NULL,
                    statement_id TEXT REFERENCES xapi_statement(id),
                    voided_at TEXT
                ) STRICT;
                INSERT INTO progress_event_v10 (id, enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source,
                    statement_id, voided_at)
                    SELECT id, enrollment_id, activity_identifier, outcome, score, duration_seconds, at, source, statement_id, voided_at
                    FROM progress_event ORDER BY id;
                DROP TABLE progress_event;
                ALTER TABLE progress_event_v10 RENAME TO progress_event;
                CREATE INDEX progress_event_enrollment ON progress_event(enrollment_id);
                """)
        }
        migrator.registerMigration("v11-submission-files") { db in
            try db.execute(sql: """
                -- Every file of a submitted package, whose bytes the content store keeps under
                -- sha256 (module ContentLibrary owns this table's SQL). A submission made before
                -- v11 has no rows until its package is imported again.
                CREATE TABLE submission_file (
                    submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    size INTEGER NOT NULL CHECK (size >= 0),
                    media_type TEXT NOT NULL,
                    PRIMARY KEY (submission_id, path)
                ) STRICT, WITHOUT ROWID;
                -- Which submissions hold an object: verify names them, gc keeps what is named.
                CREATE INDEX submission_file_sha256 ON submission_file(sha256);
                """)
        }
        migrator.registerMigration("v12-delivery") { db in
            try db.execute(sql: """
                -- Taking courses (module Delivery owns these tables' SQL).
                -- What a SCO is launched with: adlcp:datafromlms and adlcp:timelimitaction.
                ALTER TABLE activity ADD COLUMN launch_data TEXT;
                ALTER TABLE activity ADD COLUMN time_limit_action TEXT;
                -- How the learner moves through the organisation (SCORM 2004 controlMode), when the
                -- package says: "choice,flow,forwardOnly" flags.
                ALTER TABLE submission ADD COLUMN control_mode TEXT;
                -- A launch URL's single-use token, stored as its SHA-256.
                CREATE TABLE launch_token (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT,
                    mode TEXT NOT NULL CHECK (mode = 'normal' OR mode = 'browse' OR mode = 'review'),
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    redeemed_at TEXT,
                    created_by TEXT NOT NULL
                ) STRICT, WITHOUT ROWID;
                -- A player session: what opening a launch URL starts. Its token names the session's
                -- own origin (and so is never sent anywhere else); stored as its SHA-256.
                CREATE TABLE player_session (
                    id INTEGER PRIMARY KEY,
                    token_hash TEXT NOT NULL UNIQUE,
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    mode TEXT NOT NULL CHECK (mode = 'normal' OR mode = 'browse' OR mode = 'review'),
                    first_activity TEXT,
                    started_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    ended_at TEXT
                ) STRICT;
                CREATE INDEX player_session_enrollment ON player_session(enrollment_id);
                -- A learner attempt on one activity (SCO) of an enrollment, with its run-time data.
                CREATE TABLE attempt (
                    id INTEGER PRIMARY KEY,
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT NOT NULL,
                    number INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state = 'new' OR state = 'suspended' OR state = 'ended'),
                    -- Seconds of every session so far (cmi.total_time / cmi.core.total_time).
                    total_seconds REAL NOT NULL DEFAULT 0,
                    started_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    UNIQUE (enrollment_id, activity_identifier, number)
                ) STRICT;
                CREATE TABLE runtime_value (
                    attempt_id INTEGER NOT NULL REFERENCES attempt(id) ON DELETE CASCADE,
                    element TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (attempt_id, element)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v13-learning-record-store") { db in
            try db.execute(sql: """
                -- Every valid statement is stored (xAPI), whoever it is about: what did not map to an
                -- enrollment says why (`unmatched`), for an operator to see. `authority` is the
                -- Agent (JSON) of the credential that sent it; `society_id` the society whose
                -- credential that was (NULL: the platform itself or the CLI).
                ALTER TABLE xapi_statement ADD COLUMN registration TEXT;
                ALTER TABLE xapi_statement ADD COLUMN authority TEXT;
                ALTER TABLE xapi_statement ADD COLUMN society_id TEXT REFERENCES society(id);
                ALTER TABLE xapi_statement ADD COLUMN unmatched TEXT;
                CREATE INDEX xapi_statement_unmatched ON xapi_statement(unmatched) WHERE unmatched IS NOT NULL;
                CREATE INDEX xapi_statement_verb ON xapi_statement(verb);
                CREATE INDEX xapi_statement_registration ON xapi_statement(registration) WHERE registration IS NOT NULL;
                -- The agents and activities a statement names, for queries: `direct` for the actor or
                -- the object, else related (context, authority, a sub-statement). By the statement's
                -- rowid, its order of storing.
                CREATE TABLE xapi_statement_agent (
                    agent TEXT NOT NULL,
                    statement_rowid INTEGER NOT NULL,
                    direct INTEGER NOT NULL,
                    PRIMARY KEY (agent, statement_rowid)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE xapi_statement_activity (
                    activity TEXT NOT NULL,
                    statement_rowid INTEGER NOT NULL,
                    direct INTEGER NOT NULL,
                    PRIMARY KEY (activity, statement_rowid)
                ) STRICT, WITHOUT ROWID;
                -- The document resources: State (activity, agent, registration, id), Activity
                -- Profile (activity, id) and Agent Profile (agent, id); '' where a key does not apply.
                CREATE TABLE xapi_document (
                    kind TEXT NOT NULL CHECK (kind IN ('state', 'activity-profile', 'agent-profile')),
                    activity TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    registration TEXT NOT NULL,
                    document_id TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    content BLOB NOT NULL,
                    etag TEXT NOT NULL,
                    updated TEXT NOT NULL,
                    society_id TEXT REFERENCES society(id),
                    PRIMARY KEY (kind, activity, agent, registration, document_id)
                ) STRICT, WITHOUT ROWID;
                -- Key/secret pairs for activity providers (HTTP Basic), per society, secret hashed.
                CREATE TABLE lrs_credential (
                    key TEXT PRIMARY KEY NOT NULL,
                    secret_hash TEXT NOT NULL,
                    society_id TEXT NOT NULL REFERENCES society(id),
                    name TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    revoked_at TEXT
                ) STRICT;
                """)
        }
        migrator.registerMigration("v14-cmi5-sessions") { db in
            try db.execute(sql: """
                -- cmi5 (module CMI5 owns these tables' SQL). A launch may name the cmi5 session id its
                -- first AU launch will use (so that `ecba launch --json` can say it); the player
                -- session carries it on.
                ALTER TABLE launch_token ADD COLUMN cmi5_session TEXT;
                -- What an AU is launched with besides its URL: cmi5's launchParameters go in
                -- activity.launch_data, its entitlementKey here.
                ALTER TABLE activity ADD COLUMN entitlement_key TEXT;
                ALTER TABLE player_session ADD COLUMN cmi5_session TEXT;
                -- One AU launch session (cmi5 9.6.3.1): who, which AU, the generated activity id, the
                -- fetch URL's single-use token and the auth token it handed out (both as SHA-256),
                -- and where the session is (initialized, terminated, abandoned).
                CREATE TABLE cmi5_session (
                    id TEXT PRIMARY KEY NOT NULL,
                    -- 'cmi5' (the session rules apply), or 'tincan': a Tin Can launch, whose auth
                    -- token is in its launch URL and whose statements need only its learner.
                    kind TEXT NOT NULL DEFAULT 'cmi5' CHECK (kind = 'cmi5' OR kind = 'tincan'),
                    player_session_id INTEGER REFERENCES player_session(id),
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    au_identifier TEXT NOT NULL,
                    activity_id TEXT NOT NULL,
                    publisher_id TEXT NOT NULL,
                    registration TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    mode TEXT NOT NULL CHECK (mode = 'normal' OR mode = 'browse' OR mode = 'review'),
                    fetch_hash TEXT NOT NULL UNIQUE,
                    fetched_at TEXT,
                    auth_hash TEXT,
                    launched_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    initialized_at TEXT,
                    terminated_at TEXT,
                    abandoned_at TEXT,
                    -- 'passed' or 'failed' once the session judged the AU (at most one of them).
                    judged TEXT,
                    last_statement_at TEXT
                ) STRICT;
                CREATE INDEX cmi5_session_open ON cmi5_session(enrollment_id)
                    WHERE kind = 'cmi5' AND terminated_at IS NULL AND abandoned_at IS NULL;
                -- An engineer's enrollments that are not withdrawn (statements without a
                -- registration, launches): the partial index of active ones cannot answer
                -- `status <> 'withdrawn'`, so each lookup scanned every enrollment.
                CREATE INDEX enrollment_engineer ON enrollment(engineer_id, course_id);
                """)
        }
        migrator.registerMigration("v15-xapi-attachments") { db in
            try db.execute(sql: """
                -- Statement attachments' bytes (xAPI-Data 2.4.11), sent as multipart/mixed parts; by
                -- SHA-2 in hex, once however many statements name them (module LRS owns this table).
                CREATE TABLE xapi_attachment (
                    sha2 TEXT PRIMARY KEY NOT NULL,
                    content_type TEXT NOT NULL,
                    length INTEGER NOT NULL,
                    content BLOB NOT NULL
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v16-statement-targets") { db in
            try db.execute(sql: """
                -- The statement a statement's StatementRef object refers to (voiding or not): a query
                -- by agent, verb, activity or registration also answers the statements that target a
                -- match (xAPI-Communication 2.1.4). Few statements have one: a partial index.
                ALTER TABLE xapi_statement ADD COLUMN targets TEXT;
                UPDATE xapi_statement SET targets = lower(json_extract(body, '$.object.id'))
                    WHERE json_extract(body, '$.object.objectType') = 'StatementRef';
                CREATE INDEX xapi_statement_targets ON xapi_statement(targets) WHERE targets IS NOT NULL;
                """)
        }
        migrator.registerMigration("v17-statement-registration-rows") { db in
            try db.execute(sql: """
                -- The statements of a registration, kept like the agent and activity rows: a store
                -- call gathers them and writes them in key order when it ends (`StatementIndexRows`).
                -- The index on xapi_statement(registration) put every new statement at a random
                -- place in a B-tree as large as the store: about a third of the time a
                -- 1,000,000-statement import spent inserting statement rows (measured with the
                -- sqlite3 module on rows of the same shape: 15.7 s with it, 11.5 s without).
                DROP INDEX xapi_statement_registration;
                CREATE TABLE xapi_statement_registration (
                    registration TEXT NOT NULL,
                    statement_rowid INTEGER NOT NULL,
                    PRIMARY KEY (registration, statement_rowid)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO xapi_statement_registration (registration, statement_rowid)
                    SELECT registration, rowid FROM xapi_statement WHERE registration IS NOT NULL ORDER BY registration, rowid;
                """)
        }
        migrator.registerMigration("v18-activity-progress-by-key") { db in
            try db.execute(sql: """
                -- Activity states are only ever read and written by (enrollment, activity): stored in
                -- that key (WITHOUT ROWID), one B-tree to update per result instead of two. Same
                -- columns, rows and rules.
                CREATE TABLE activity_progress_v18 (
                    enrollment_id INTEGER NOT NULL REFERENCES enrollment(id),
                    activity_identifier TEXT NOT NULL,
                    completed INTEGER NOT NULL,
                    passed INTEGER,
                    best_score REAL,
                    satisfied_at TEXT,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (enrollment_id, activity_identifier)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO activity_progress_v18 (enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at)
                    SELECT enrollment_id, activity_identifier, completed, passed, best_score, satisfied_at, updated_at FROM activity_progress;
                DROP TABLE activity_progress;
                ALTER TABLE activity_progress_v18 RENAME TO activity_progress;
                """)
        }
        migrator.registerMigration("v19-credit-consequences-in-code") { db in
            try db.execute(sql: """
                -- What follows from a change of a credit record (the changes feed's line, the
                -- registry outbox's rows) and from a new membership (the member's standing records
                -- queued for the society's registry) is written by the code that owns it
                -- (Enrollment's CreditStore, RegistrySync's outbox), in the same transaction, where a
                -- reader can see it and PostgreSQL runs the same statements. Same rows as the
                -- triggers wrote.
                DROP TRIGGER credit_award_outbox_insert;
                DROP TRIGGER credit_award_outbox_update;
                DROP TRIGGER society_membership_outbox;
                DROP TRIGGER credit_award_change_insert;
                DROP TRIGGER credit_award_change_update;
                """)
        }
        migrator.registerMigration("v20-statement-index-keys") { db in
            try db.execute(sql: """
                -- The statement indexes' keys (agent keys, activity IRIs, registrations) each stored
                -- once, in a table of their own, and the index rows keyed by its integer id: a row
                -- of xapi_statement_agent / _activity / _registration is then a few bytes instead
                -- of the key's text (activity IRIs run to 120 bytes), and a key new to the store
                -- gets the highest id, so its rows go at the end of the index. Measured on a
                -- 1,000,000-statement import: the three indexes with their texts made 276 MB of a
                -- 1.38 GB store and about half of the 4.7 GB its WAL wrote. One key table per kind:
                -- an activity IRI can read like an agent key. A key is not unique: two transactions
                -- of a server database that meet a new key at once each give it an id (a unique
                -- key would make the second give up and start again: PostgreSQL refuses, under
                -- snapshot isolation, to skip a row it cannot see), so a query looks for the rows
                -- of every id of its key; on SQLite, one writer, a key has one id. Keys are never
                -- deleted (the LRS keeps every statement), so the index rows name no missing key.
                CREATE TABLE xapi_agent_key (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL
                ) STRICT;
                CREATE INDEX xapi_agent_key_key ON xapi_agent_key(key);
                CREATE TABLE xapi_activity_key (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL
                ) STRICT;
                CREATE INDEX xapi_activity_key_key ON xapi_activity_key(key);
                CREATE TABLE xapi_registration_key (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL
                ) STRICT;
                CREATE INDEX xapi_registration_key_key ON xapi_registration_key(key);
                INSERT INTO xapi_agent_key (key) SELECT DISTINCT agent FROM xapi_statement_agent ORDER BY agent;
                INSERT INTO xapi_activity_key (key) SELECT DISTINCT activity FROM xapi_statement_activity ORDER BY activity;
                INSERT INTO xapi_registration_key (key) SELECT DISTINCT registration FROM xapi_statement_registration ORDER BY registration;
                ALTER TABLE xapi_statement_agent RENAME TO xapi_statement_agent_v19;
                ALTER TABLE xapi_statement_activity RENAME TO xapi_statement_activity_v19;
                ALTER TABLE xapi_statement_registration RENAME TO xapi_statement_registration_v19;
                CREATE TABLE xapi_statement_agent (
                    agent_id INTEGER NOT NULL,
                    statement_rowid INTEGER NOT NULL,
                    direct INTEGER NOT NULL,
                    PRIMARY KEY (agent_id, statement_rowid)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE xapi_statement_activity (
                    activity_id INTEGER NOT NULL,
                    statement_rowid INTEGER NOT NULL,
                    direct INTEGER NOT NULL,
                    PRIMARY KEY (activity_id, statement_rowid)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE xapi_statement_registration (
                    registration_id INTEGER NOT NULL,
                    statement_rowid INTEGER NOT NULL,
                    PRIMARY KEY (registration_id, statement_rowid)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO xapi_statement_agent (agent_id, statement_rowid, direct)
                    SELECT k.id, a.statement_rowid, a.direct FROM xapi_statement_agent_v19 a JOIN xapi_agent_key k ON k.key = a.agent ORDER BY 1, 2;
                INSERT INTO xapi_statement_activity (activity_id, statement_rowid, direct)
                    SELECT k.id, a.statement_rowid, a.direct FROM xapi_statement_activity_v19 a JOIN xapi_activity_key k ON k.key = a.activity ORDER BY 1, 2;
                INSERT INTO xapi_statement_registration (registration_id, statement_rowid)
                    SELECT k.id, r.statement_rowid FROM xapi_statement_registration_v19 r JOIN xapi_registration_key k ON k.key = r.registration ORDER BY 1, 2;
                DROP TABLE xapi_statement_agent_v19;
                DROP TABLE xapi_statement_activity_v19;
                DROP TABLE xapi_statement_registration_v19;
                """)
        }
        migrator.registerMigration("v21-statement-index-pending") { db in
            try db.execute(sql: """
                -- Index rows (agent, activity, registration) of statements the LRS writer stored,
                -- not yet in their indexes: one row per stored batch, its entries packed
                -- (`PendingIndexRows`). Written in the batch's transaction, moved into the indexes
                -- in key order once enough have gathered, and before anything reads an index: a
                -- group of POSTs then adds a few pages at the end of this table instead of a row at
                -- a random page of each index per statement (measured: the writer's index rows
                -- were 8.3 of its 28.9 us a statement, and 29% of the pages a commit wrote).
                CREATE TABLE xapi_statement_index_pending (
                    id INTEGER PRIMARY KEY,
                    rows INTEGER NOT NULL,
                    entries BLOB NOT NULL
                ) STRICT;
                """)
        }
        return migrator
    }()
}
