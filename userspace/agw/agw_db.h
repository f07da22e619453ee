/* xepc-agwd's state store: one SQLite file (WAL, synchronous=FULL) whose
 * schema is the numbered migrations of schema/agw/NNNN_name.sql, embedded
 * into the binary at build time (userspace/agw/gen_schema.sh).
 *
 * Opening applies, in order and each in its own IMMEDIATE transaction, the
 * migrations the file has not seen yet, and records each in schema_version
 * (version, name, applied_at).  A migration that fails or is killed half-way
 * leaves the file at the previous version; reopening retries it.  A file
 * whose version is newer than the binary's newest migration is refused, as
 * is one whose applied migrations carry other names than the binary's (a
 * different schema history).
 *
 * Adding a migration is dropping schema/agw/NNNN_name.sql (the next number)
 * into the tree; the build embeds it. */
#ifndef XEPC_AGW_DB_H
#define XEPC_AGW_DB_H

#include <stddef.h>

#include <sqlite3.h>

#define AGW_DB_DEFAULT_PATH "/var/lib/xepc/agw.db"
/* How long a statement waits for another process's write lock (xepcctl
 * importing while the daemon attaches). */
#define AGW_DB_BUSY_TIMEOUT_MS 10000

struct agw_migration {
    int version;      /* NNNN of the file name, from 1, no gaps */
    const char *name; /* the rest of the file name, without .sql */
    const char *sql;
};

/* The migrations of schema/agw/, generated at build time. */
extern const struct agw_migration agw_migrations[];
extern const size_t agw_n_migrations;

struct agw_db {
    sqlite3 *db;
    int version; /* schema version after open */
    int depth;   /* open transactions: 1 = BEGIN, more = savepoints inside it */
};

/* Opens (creating it with mode 0600 when missing: it holds subscriber keys)
 * and migrates the database at path.  Returns 0, or a negative errno with a
 * line in errbuf: -ENOTSUP the file is newer than this binary, -EINVAL its
 * schema history differs, -EIO an SQLite error (message in errbuf), -ENOMEM. */
int agw_db_open(const char *path, struct agw_db *db, char *errbuf, size_t errlen);
/* The same with another list of migrations (tests). */
int agw_db_open_migrations(const char *path, const struct agw_migration *migs, size_t n,
                           struct agw_db *db, char *errbuf, size_t errlen);
void agw_db_close(struct agw_db *db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK: 0 or -EIO (-EBUSY when the lock
 * could not be had within the busy timeout).  Inside an open transaction
 * they nest as a savepoint: the outermost COMMIT makes everything durable. */
int agw_db_begin(struct agw_db *db);
int agw_db_commit(struct agw_db *db);
void agw_db_rollback(struct agw_db *db);

#endif
