/* A VFS over SQLite's default one that writes a write-ahead log's frames in large writes.
 *
 * SQLite writes each WAL frame with two write calls, its 24-byte header and then its page, so
 * a commit of 1,600 pages (a group of POSTs to the LRS) is 3,200 pwrite calls, each taking the
 * file's locks and touching one or two page-cache pages: measured, a fifth of the statement
 * writer's time. Here the frames a connection appends to its WAL gather in a buffer of its
 * own and go to the file in one call per WAL_BUFFER_BYTES (30 frames of 4 KiB pages), and
 * always before the transaction can be seen:
 *
 * - A commit frame (a frame header whose "database size after commit" field is set) is
 *   written out together with everything gathered before it as soon as its page arrives,
 *   inside the same sqlite3WalFrames call, so a failed write fails the commit as it would
 *   have without the buffer. SQLite publishes a commit (the wal-index header other
 *   connections read) only after that call has written every frame.
 * - Only appends are gathered: a write at an offset the log has reached already (a page
 *   rewritten within its transaction, checksums rewritten, a new log header at offset 0)
 *   writes out what is gathered first and then goes to the file at once.
 * - Every other call on the log (read, sync, truncate, size, file control, close) writes out
 *   what is gathered first, so SQLite reads back exactly what it wrote; a shared-memory lock
 *   or barrier on the database does the same for its log.
 *
 * Other files (the database, journals, temporary files) pass through untouched. What reaches
 * the file, and in what order relative to the wal-index, is what SQLite would have written:
 * durability (synchronous=NORMAL: the log is synced at checkpoints) and crash recovery are
 * unchanged, as a crash before a commit frame is written leaves, as before, an uncommitted
 * tail that recovery ignores.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "ecba_wal_buffer.h"

/* The default VFS writes at most 128 KiB - 1 in one call (unixWrite masks larger amounts). */
#define WAL_BUFFER_BYTES (124 * 1024)
#define WAL_FRAME_HEADER_BYTES 24

/* The VFS's name (SQLITE_FCNTL_VFSNAME answers it before the name of the VFS below). */
static const char *const ecba_wal_buffer_vfs_name = "ecba-wal-buffer";

typedef struct BufferedFile BufferedFile;
struct BufferedFile {
    sqlite3_file base;
    /* The default VFS's file, in the same allocation, right after this struct. */
    sqlite3_file *real;
    int isWal;
    /* A main database: the WAL its connection has open (NULL if none). */
    BufferedFile *wal;
    /* A WAL: its connection's main database file. */
    BufferedFile *db;
    /* A WAL: appended bytes not yet written, starting at offset `start`. */
    unsigned char *pending;
    int used;
    sqlite3_int64 start;
    /* A WAL: the end of what was appended since it was opened or started over. */
    sqlite3_int64 appendAt;
    /* A WAL: the last gathered write was a commit frame's header; its page comes next. */
    int commitHeader;
};

static sqlite3_vfs *defaultVfs;
static sqlite3_vfs bufferedVfs;
static sqlite3_io_methods bufferedMethods;

static sqlite3_file *real(sqlite3_file *file) { return ((BufferedFile *)file)->real; }

/* Writes out what a WAL has gathered. */
static int flushPending(BufferedFile *p) {
    if (p->used == 0) return SQLITE_OK;
    int used = p->used;
    p->used = 0;
    p->commitHeader = 0;
    return p->real->pMethods->xWrite(p->real, p->pending, used, p->start);
}

static int flushWal(sqlite3_file *file) {
    BufferedFile *p = (BufferedFile *)file;
    return p->isWal ? flushPending(p) : SQLITE_OK;
}

/* A frame header's second big-endian field: the database size after a commit, 0 otherwise. */
static unsigned commitSize(const unsigned char *header) {
    return ((unsigned)header[4] << 24) | ((unsigned)header[5] << 16) | ((unsigned)header[6] << 8) | header[7];
}

static int bufferedClose(sqlite3_file *file) {
    BufferedFile *p = (BufferedFile *)file;
    int flushed = flushWal(file);
    if (p->isWal && p->db && p->db->wal == p) p->db->wal = NULL;
    if (!p->isWal && p->wal) p->wal->db = NULL;
    sqlite3_free(p->pending);
    p->pending = NULL;
    int rc = p->real->pMethods->xClose(p->real);
    return flushed != SQLITE_OK ? flushed : rc;
}

static int bufferedRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xRead(real(file), data, amount, offset);
}

static int bufferedWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *p = (BufferedFile *)file;
    if (!p->isWal) return p->real->pMethods->xWrite(p->real, data, amount, offset);
    int rc;
    if (offset == 0) {
        /* A new log header: the log starts over from its beginning. */
        rc = flushPending(p);
        if (rc != SQLITE_OK) return rc;
        p->appendAt = 0;
    }
    if (offset < p->appendAt || amount > WAL_BUFFER_BYTES) {
        /* Rewriting what the log holds already, or too large to gather: in place, now. */
        rc = flushPending(p);
        if (rc != SQLITE_OK) return rc;
        rc = p->real->pMethods->xWrite(p->real, data, amount, offset);
        if (rc == SQLITE_OK && offset + amount > p->appendAt) p->appendAt = offset + amount;
        return rc;
    }
    if (p->used > 0 && (offset != p->start + p->used || p->used + amount > WAL_BUFFER_BYTES)) {
        rc = flushPending(p);
        if (rc != SQLITE_OK) return rc;
    }
    if (p->pending == NULL) {
        p->pending = sqlite3_malloc(WAL_BUFFER_BYTES);
        if (p->pending == NULL) {
            rc = p->real->pMethods->xWrite(p->real, data, amount, offset);
            if (rc == SQLITE_OK) p->appendAt = offset + amount;
            return rc;
        }
    }
    if (p->used == 0) p->start = offset;
    memcpy(p->pending + p->used, data, (size_t)amount);
    p->used += amount;
    p->appendAt = offset + amount;
    if (p->commitHeader) {
        /* The commit frame's page: the transaction's last frame goes out with the rest. */
        return flushPending(p);
    }
    if (amount == WAL_FRAME_HEADER_BYTES && commitSize(data) != 0) p->commitHeader = 1;
    return SQLITE_OK;
}

static int bufferedTruncate(sqlite3_file *file, sqlite3_int64 size) {
    BufferedFile *p = (BufferedFile *)file;
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    if (p->isWal && size < p->appendAt) p->appendAt = size;
    return p->real->pMethods->xTruncate(p->real, size);
}

static int bufferedSync(sqlite3_file *file, int flags) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xSync(real(file), flags);
}

static int bufferedFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFileSize(real(file), size);
}

static int bufferedLock(sqlite3_file *file, int lock) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xLock(real(file), lock);
}

static int bufferedUnlock(sqlite3_file *file, int lock) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xUnlock(real(file), lock);
}

static int bufferedCheckReservedLock(sqlite3_file *file, int *reserved) {
    return real(file)->pMethods->xCheckReservedLock(real(file), reserved);
}

static int bufferedFileControl(sqlite3_file *file, int op, void *argument) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    if (op == SQLITE_FCNTL_VFSNAME) {
        /* Names this VFS before the one below, as VFS shims do. */
        rc = real(file)->pMethods->xFileControl(real(file), op, argument);
        if (rc == SQLITE_OK) {
            char *below = *(char **)argument;
            *(char **)argument = sqlite3_mprintf("%s/%z", ecba_wal_buffer_vfs_name, below);
        }
        return rc;
    }
    return real(file)->pMethods->xFileControl(real(file), op, argument);
}

static int bufferedSectorSize(sqlite3_file *file) { return real(file)->pMethods->xSectorSize(real(file)); }

static int bufferedDeviceCharacteristics(sqlite3_file *file) {
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}

/* The log of the database's connection, written out before the shared memory says more. */
static int flushLogOf(sqlite3_file *file) {
    BufferedFile *p = (BufferedFile *)file;
    return p->wal ? flushPending(p->wal) : SQLITE_OK;
}

static int bufferedShmMap(sqlite3_file *file, int page, int size, int extend, void volatile **memory) {
    int rc = flushLogOf(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xShmMap(real(file), page, size, extend, memory);
}

static int bufferedShmLock(sqlite3_file *file, int offset, int count, int flags) {
    int rc = flushLogOf(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xShmLock(real(file), offset, count, flags);
}

static void bufferedShmBarrier(sqlite3_file *file) {
    /* Nothing is gathered here in SQLite's own order of calls (a commit frame writes out its
       transaction); kept as the last point before the wal-index header changes. */
    (void)flushLogOf(file);
    real(file)->pMethods->xShmBarrier(real(file));
}

static int bufferedShmUnmap(sqlite3_file *file, int deleteFlag) {
    int rc = flushLogOf(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xShmUnmap(real(file), deleteFlag);
}

static int bufferedFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **pointer) {
    int rc = flushWal(file);
    if (rc != SQLITE_OK) return rc;
    return real(file)->pMethods->xFetch(real(file), offset, amount, pointer);
}

static int bufferedUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *pointer) {
    return real(file)->pMethods->xUnfetch(real(file), offset, pointer);
}

static int bufferedOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    BufferedFile *p = (BufferedFile *)file;
    memset(p, 0, sizeof(BufferedFile));
    p->real = (sqlite3_file *)&p[1];
    int rc = defaultVfs->xOpen(defaultVfs, name, p->real, flags, outFlags);
    if (rc != SQLITE_OK || p->real->pMethods == NULL) {
        p->base.pMethods = NULL;
        return rc;
    }
    if (p->real->pMethods->iVersion < 3) {
        /* Every method below forwards to a version-3 file (the default VFS's are). */
        p->real->pMethods->xClose(p->real);
        p->base.pMethods = NULL;
        return SQLITE_CANTOPEN;
    }
    if ((flags & SQLITE_OPEN_WAL) && name != NULL) {
        p->isWal = 1;
        BufferedFile *db = (BufferedFile *)sqlite3_database_file_object(name);
        if (db != NULL && db->base.pMethods == &bufferedMethods) {
            p->db = db;
            db->wal = p;
        }
    }
    p->base.pMethods = &bufferedMethods;
    return SQLITE_OK;
}

static int vfsDelete(sqlite3_vfs *v, const char *name, int syncDir) {
    (void)v;
    return defaultVfs->xDelete(defaultVfs, name, syncDir);
}
static int vfsAccess(sqlite3_vfs *v, const char *name, int flags, int *out) {
    (void)v;
    return defaultVfs->xAccess(defaultVfs, name, flags, out);
}
static int vfsFullPathname(sqlite3_vfs *v, const char *name, int size, char *out) {
    (void)v;
    return defaultVfs->xFullPathname(defaultVfs, name, size, out);
}
static void *vfsDlOpen(sqlite3_vfs *v, const char *name) {
    (void)v;
    return defaultVfs->xDlOpen(defaultVfs, name);
}
static void vfsDlError(sqlite3_vfs *v, int size, char *out) {
    (void)v;
    defaultVfs->xDlError(defaultVfs, size, out);
}
static void (*vfsDlSym(sqlite3_vfs *v, void *handle, const char *symbol))(void) {
    (void)v;
    return defaultVfs->xDlSym(defaultVfs, handle, symbol);
}
static void vfsDlClose(sqlite3_vfs *v, void *handle) {
    (void)v;
    defaultVfs->xDlClose(defaultVfs, handle);
}
static int vfsRandomness(sqlite3_vfs *v, int size, char *out) {
    (void)v;
    return defaultVfs->xRandomness(defaultVfs, size, out);
}
static int vfsSleep(sqlite3_vfs *v, int microseconds) {
    (void)v;
    return defaultVfs->xSleep(defaultVfs, microseconds);
}
static int vfsCurrentTime(sqlite3_vfs *v, double *out) {
    (void)v;
    return defaultVfs->xCurrentTime(defaultVfs, out);
}
static int vfsGetLastError(sqlite3_vfs *v, int size, char *out) {
    (void)v;
    return defaultVfs->xGetLastError(defaultVfs, size, out);
}
static int vfsCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *out) {
    (void)v;
    return defaultVfs->xCurrentTimeInt64(defaultVfs, out);
}
static int vfsSetSystemCall(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr call) {
    (void)v;
    return defaultVfs->xSetSystemCall(defaultVfs, name, call);
}
static sqlite3_syscall_ptr vfsGetSystemCall(sqlite3_vfs *v, const char *name) {
    (void)v;
    return defaultVfs->xGetSystemCall(defaultVfs, name);
}
static const char *vfsNextSystemCall(sqlite3_vfs *v, const char *name) {
    (void)v;
    return defaultVfs->xNextSystemCall(defaultVfs, name);
}

int ecba_sqlite_register_wal_buffer(void) {
    if (defaultVfs != NULL) return SQLITE_OK;
    sqlite3_vfs *below = sqlite3_vfs_find(NULL);
    if (below == NULL) return SQLITE_ERROR;
    if (below->iVersion < 3) return SQLITE_ERROR;
    defaultVfs = below;

    bufferedMethods.iVersion = 3;
    bufferedMethods.xClose = bufferedClose;
    bufferedMethods.xRead = bufferedRead;
    bufferedMethods.xWrite = bufferedWrite;
    bufferedMethods.xTruncate = bufferedTruncate;
    bufferedMethods.xSync = bufferedSync;
    bufferedMethods.xFileSize = bufferedFileSize;
    bufferedMethods.xLock = bufferedLock;
    bufferedMethods.xUnlock = bufferedUnlock;
    bufferedMethods.xCheckReservedLock = bufferedCheckReservedLock;
    bufferedMethods.xFileControl = bufferedFileControl;
    bufferedMethods.xSectorSize = bufferedSectorSize;
    bufferedMethods.xDeviceCharacteristics = bufferedDeviceCharacteristics;
    bufferedMethods.xShmMap = bufferedShmMap;
    bufferedMethods.xShmLock = bufferedShmLock;
    bufferedMethods.xShmBarrier = bufferedShmBarrier;
    bufferedMethods.xShmUnmap = bufferedShmUnmap;
    bufferedMethods.xFetch = bufferedFetch;
    bufferedMethods.xUnfetch = bufferedUnfetch;

    bufferedVfs.iVersion = 3;
    bufferedVfs.szOsFile = (int)sizeof(BufferedFile) + below->szOsFile;
    bufferedVfs.mxPathname = below->mxPathname;
    bufferedVfs.zName = ecba_wal_buffer_vfs_name;
    bufferedVfs.xOpen = bufferedOpen;
    bufferedVfs.xDelete = vfsDelete;
    bufferedVfs.xAccess = vfsAccess;
    bufferedVfs.xFullPathname = vfsFullPathname;
    bufferedVfs.xDlOpen = vfsDlOpen;
    bufferedVfs.xDlError = vfsDlError;
    bufferedVfs.xDlSym = vfsDlSym;
    bufferedVfs.xDlClose = vfsDlClose;
    bufferedVfs.xRandomness = vfsRandomness;
    bufferedVfs.xSleep = vfsSleep;
    bufferedVfs.xCurrentTime = vfsCurrentTime;
    bufferedVfs.xGetLastError = vfsGetLastError;
    bufferedVfs.xCurrentTimeInt64 = vfsCurrentTimeInt64;
    bufferedVfs.xSetSystemCall = vfsSetSystemCall;
    bufferedVfs.xGetSystemCall = vfsGetSystemCall;
    bufferedVfs.xNextSystemCall = vfsNextSystemCall;
    return sqlite3_vfs_register(&bufferedVfs, 1);
}
