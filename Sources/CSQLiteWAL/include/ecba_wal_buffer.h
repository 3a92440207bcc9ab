#ifndef ECBA_WAL_BUFFER_H
#define ECBA_WAL_BUFFER_H

/* Registers, as SQLite's default, a VFS over the platform's own default ("unix") that gathers
   a transaction's write-ahead log frames and writes them with one write call per 124 KiB
   instead of two per page (see wal_buffer.c). Call once, after sqlite3_config and before the
   first connection opens. Returns an SQLite result code (0 when registered). */
int ecba_sqlite_register_wal_buffer(void);

#endif
