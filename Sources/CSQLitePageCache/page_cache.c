/* SQLite's default page cache behind a layer that skips truncations with nothing to remove.
 *
 * At the end of every write transaction SQLite truncates the connection's page cache to the
 * database's size (pager_end_transaction: xTruncate(dbSize + 1)). The default cache (pcache1)
 * remembers the largest page number it ever held since its last truncation, and when that
 * number lies a hash table's length or more beyond the limit, it visits every bucket and every
 * page of its hash table: for the writer's 256 MiB cache, 65,536 buckets and as many pages, at
 * each commit. SQLite's b-tree (balance_nonroot, in the 3.40 Debian ships) parks a page at the
 * lock page's number (1 GiB / page size + 1: page 262,145 with 4 KiB pages) while it swaps two
 * pages' numbers. In any database smaller than 1 GiB, a transaction whose page splits swapped
 * pages (nearly every commit of the LRS writer) then scans the whole cache at its commit,
 * although the parked page has moved on (measured with 10 clients POSTing batches of 100: the
 * scan 2.4-3.6% of the writer's samples; with this layer, 5% less writer CPU a statement).
 *
 * This layer keeps, per cache, a bound on the page numbers present (`high`) and a count of
 * pages moved to the lock page's number and not moved away (`parked`). The invariant: every
 * page in the cache has a number at most `high`, or is at the lock page's number and counted
 * in `parked`. A truncation whose limit lies above `high` while nothing is parked cannot remove
 * anything, and is skipped; every other call goes to SQLite's cache unchanged. A count that
 * overstates (a parked page discarded) only sends a truncation on, as without this layer.
 * Each cache belongs to one connection, which SQLite uses from one thread at a time.
 */
#include <sqlite3.h>
#include <stddef.h>

#include "ecba_page_cache.h"

/* SQLite's PENDING_BYTE: the lock bytes' offset, whose page is never part of the database. */
#define ECBA_PENDING_BYTE 0x40000000u

typedef struct Cache Cache;
struct Cache {
    sqlite3_pcache *inner;
    /* The lock page's number for this cache's page size. */
    unsigned int parkKey;
    /* No page in the cache has a larger number, but for those counted in `parked`. */
    unsigned int high;
    /* Pages moved to `parkKey` and not moved away since. */
    int parked;
};

static sqlite3_pcache_methods2 inner;
static sqlite3_pcache_methods2 layered;
static int installed;

static sqlite3_pcache *cacheCreate(int szPage, int szExtra, int bPurgeable) {
    Cache *cache = sqlite3_malloc(sizeof *cache);
    if (cache == NULL) return NULL;
    cache->inner = inner.xCreate(szPage, szExtra, bPurgeable);
    if (cache->inner == NULL) {
        sqlite3_free(cache);
        return NULL;
    }
    cache->parkKey = ECBA_PENDING_BYTE / (unsigned int)szPage + 1;
    cache->high = 0;
    cache->parked = 0;
    return (sqlite3_pcache *)cache;
}

static void cacheCachesize(sqlite3_pcache *p, int nCachesize) {
    inner.xCachesize(((Cache *)p)->inner, nCachesize);
}

static int cachePagecount(sqlite3_pcache *p) {
    return inner.xPagecount(((Cache *)p)->inner);
}

static sqlite3_pcache_page *cacheFetch(sqlite3_pcache *p, unsigned int key, int createFlag) {
    Cache *cache = (Cache *)p;
    sqlite3_pcache_page *page = inner.xFetch(cache->inner, key, createFlag);
    if (page != NULL && key > cache->high && !(key == cache->parkKey && cache->parked > 0)) cache->high = key;
    return page;
}

static void cacheUnpin(sqlite3_pcache *p, sqlite3_pcache_page *page, int discard) {
    inner.xUnpin(((Cache *)p)->inner, page, discard);
}

static void cacheRekey(sqlite3_pcache *p, sqlite3_pcache_page *page, unsigned int oldKey, unsigned int newKey) {
    Cache *cache = (Cache *)p;
    inner.xRekey(cache->inner, page, oldKey, newKey);
    /* One page per number: the page leaving the lock page's number is the one counted there. */
    if (oldKey == cache->parkKey && cache->parked > 0) cache->parked -= 1;
    if (newKey == cache->parkKey) {
        cache->parked += 1;
    } else if (newKey > cache->high) {
        cache->high = newKey;
    }
}

static void cacheTruncate(sqlite3_pcache *p, unsigned int limit) {
    Cache *cache = (Cache *)p;
    if (cache->high < limit && cache->parked == 0) return;
    inner.xTruncate(cache->inner, limit);
    if (limit <= cache->parkKey) cache->parked = 0;
    if (limit > 0 && cache->high >= limit) cache->high = limit - 1;
}

static void cacheDestroy(sqlite3_pcache *p) {
    Cache *cache = (Cache *)p;
    inner.xDestroy(cache->inner);
    sqlite3_free(cache);
}

static void cacheShrink(sqlite3_pcache *p) {
    inner.xShrink(((Cache *)p)->inner);
}

int ecba_sqlite_config_page_cache(void) {
    if (installed) return SQLITE_OK;
    sqlite3_pcache_methods2 current;
    int rc = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &current);
    if (rc != SQLITE_OK) return rc;
    if (current.iVersion < 1 || current.xCreate == NULL) return SQLITE_ERROR;
    inner = current;
    layered = current;
    layered.xCreate = cacheCreate;
    layered.xCachesize = cacheCachesize;
    layered.xPagecount = cachePagecount;
    layered.xFetch = cacheFetch;
    layered.xUnpin = cacheUnpin;
    layered.xRekey = cacheRekey;
    layered.xTruncate = cacheTruncate;
    layered.xDestroy = cacheDestroy;
    layered.xShrink = cacheShrink;
    rc = sqlite3_config(SQLITE_CONFIG_PCACHE2, &layered);
    if (rc == SQLITE_OK) installed = 1;
    return rc;
}

const void *ecba_page_cache_methods(void) {
    return installed ? &layered : NULL;
}
