#ifndef ECBA_PAGE_CACHE_H
#define ECBA_PAGE_CACHE_H

/* Installs, as SQLite's page cache, SQLite's own default page cache behind a thin layer that
   skips a truncation with nothing to remove (see page_cache.c). Call once, with the other
   sqlite3_config settings, before SQLite is initialised. Returns an SQLite result code (0 when
   installed; SQLITE_MISUSE after initialisation, and SQLite's own cache stays). */
int ecba_sqlite_config_page_cache(void);

/* The sqlite3_pcache_methods2 installed (NULL before ecba_sqlite_config_page_cache), for
   tests. Untyped here: sqlite3.h's declarations reach Swift through GRDBSQLite. */
const void *ecba_page_cache_methods(void);

#endif
