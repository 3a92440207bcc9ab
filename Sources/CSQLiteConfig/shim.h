#ifndef ECBA_CSQLITECONFIG_SHIM_H
#define ECBA_CSQLITECONFIG_SHIM_H

/* sqlite3_config is variadic, which Swift cannot call. Declared here (as sqlite3.h declares
   it) rather than by including sqlite3.h, whose declarations GRDBSQLite already exports. */
int sqlite3_config(int, ...);

/* SQLITE_CONFIG_MULTITHREAD (2): connections without their own mutex. GRDB already runs every
   connection on its own serial queue; SQLite's per-call mutex was 6% of a statement insert.
   Global mutexes (memory, page cache) stay. Only takes effect before SQLite is initialised;
   returns SQLITE_MISUSE (21) after, and SQLite stays serialised. */
static inline int ecba_sqlite_config_multithread(void) {
    return sqlite3_config(2);
}

/* SQLITE_CONFIG_MEMSTATUS (9) off: no memory statistics, so no global mutex per allocation.
   The platform reads none of them (nor sets a heap limit, which would need them). */
static inline int ecba_sqlite_config_memstatus_off(void) {
    return sqlite3_config(9, 0);
}

/* SQLITE_CONFIG_STMTJRNL_SPILL (26): statement and savepoint journals stay in memory up to
   `bytes` before they spill to a temporary file (SQLite's default: 64 KiB). Every page a
   savepoint changes is first copied to its journal: with the default, that copy went to a file
   in /var/tmp, one write per page (AppDatabase.statementJournalSpill says what was measured). */
static inline int ecba_sqlite_config_statement_journal_spill(int bytes) {
    return sqlite3_config(26, bytes);
}

#endif
