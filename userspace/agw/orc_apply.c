/* The orchestrator's configuration applied to agwd's SQLite
 * (docs/orchestrator.md "The gateway's side", schema/agw/0006_orc_sync.sql).
 *
 * Runs on the orchestrator worker thread with a connection of its own: a
 * page of up to 1000 items is one short IMMEDIATE transaction, so the
 * daemon's group commit waits at most that long for the write lock (as it
 * does for `xepcctl subscriber import`), and the loop never parses JSON or
 * writes 1M subscribers itself.
 *
 * What each kind becomes:
 *   subscriber   a row of the local HSS (subscribers, subscriber_apns): K,
 *                OPc, AMF, MSISDN, state (orcd's "suspended" is "inactive",
 *                TS 24.301 #7 at the next attach), the APN list in order
 *                with the orcd APN's AMBR, QCI and ARP as per-subscriber
 *                values and the static addresses.  The SQN is the gateway's
 *                own (TS 33.102 C.3): an update never resets it.  The MME
 *                reads the row at each attach, so a change applies to the
 *                next attach, without restart.
 *   apn          its AMBR/QCI/ARP rewritten into the subscriber_apns rows of
 *                the orchestrator's subscribers that use it; the APN itself
 *                and its pools are the loop's (orc_apn.c).
 *   the others   kept in orc_object (the last good config on disk) only.
 * Every object is kept in orc_object (subscriber keys removed). */
#include "agw/agw_orc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "agw/agw_db.h"

void orc_imsi_list_free(struct orc_imsi_list *l)
{
    free(l->imsi);
    memset(l, 0, sizeof(*l));
}

static void lost_add(struct orc_imsi_list *l, const char *imsi)
{
    if (!l || strlen(imsi) != 15)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char(*n)[16] = realloc(l->imsi, cap * sizeof(*n));
        if (!n)
            return;
        l->imsi = n;
        l->cap = cap;
    }
    memcpy(l->imsi[l->n++], imsi, 16);
}

static void why_add(char *why, size_t whylen, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(why);
    if (used + 1 < whylen)
        snprintf(why + used, whylen - used, fmt, a, b);
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return NULL;
    return s;
}

static int step_done(sqlite3_stmt *s)
{
    int rc = s ? sqlite3_step(s) : SQLITE_ERROR;
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : rc == SQLITE_CONSTRAINT ? -EEXIST : -EIO;
}

int orc_apply_version(struct agw_db *db, char *version, size_t cap)
{
    sqlite3_stmt *s = prep(db->db, "SELECT version FROM orc_sync WHERE id = 1");
    int rc = -EIO;
    version[0] = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW) {
        snprintf(version, cap, "%s", (const char *)sqlite3_column_text(s, 0));
        rc = 0;
    }
    sqlite3_finalize(s);
    return rc;
}

static int64_t current_gen(sqlite3 *db)
{
    sqlite3_stmt *s = prep(db, "SELECT gen FROM orc_sync WHERE id = 1");
    int64_t g = -EIO;
    if (s && sqlite3_step(s) == SQLITE_ROW)
        g = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return g;
}

int64_t orc_apply_full_begin(struct agw_db *db)
{
    if (exec(db->db, "UPDATE orc_sync SET gen = gen + 1 WHERE id = 1") < 0)
        return -EIO;
    return current_gen(db->db);
}

static bool hexn(const char *s, size_t n)
{
    return s && strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n;
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static int obj_put(sqlite3 *db, const char *kind, const char *id, const char *body, int64_t gen)
{
    sqlite3_stmt *s = prep(db, "INSERT INTO orc_object (kind, id, body, gen) VALUES (?, ?, ?, ?) "
                               "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, "
                               "gen = excluded.gen");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, gen);
    return step_done(s);
}

static int obj_del(sqlite3 *db, const char *kind, const char *id)
{
    sqlite3_stmt *s = prep(db, "DELETE FROM orc_object WHERE kind = ? AND id = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    return step_done(s);
}

/* The stored APN object's values, bound to ambr_ul.. at idx (NULL when
 * orcd has no such APN: the YAML file's values apply). */
static void bind_apn_values(sqlite3 *db, sqlite3_stmt *s, int idx, const char *apn)
{
    sqlite3_stmt *q = prep(db, "SELECT body FROM orc_object WHERE kind = 'apn' AND id = ?");
    json_t *j = NULL;
    if (q) {
        sqlite3_bind_text(q, 1, apn, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            j = json_loads((const char *)sqlite3_column_text(q, 0), 0, NULL);
    }
    sqlite3_finalize(q);
    json_t *ambr = json_object_get(j, "ambr"), *arp = json_object_get(j, "arp");
    json_int_t ul = json_integer_value(json_object_get(ambr, "ul"));
    json_int_t dl = json_integer_value(json_object_get(ambr, "dl"));
    json_int_t qci = json_integer_value(json_object_get(j, "qci"));
    json_int_t prio = json_integer_value(json_object_get(arp, "priority"));
    for (int i = 0; i < 6; i++)
        sqlite3_bind_null(s, idx + i);
    if (ul > 0 && dl > 0) {
        sqlite3_bind_int64(s, idx, ul);
        sqlite3_bind_int64(s, idx + 1, dl);
    }
    if ((qci >= 1 && qci <= 9) || (qci >= 65 && qci <= 86))
        sqlite3_bind_int64(s, idx + 2, qci);
    if (prio >= 1 && prio <= 15) {
        sqlite3_bind_int64(s, idx + 3, prio);
        sqlite3_bind_int(s, idx + 4, json_is_true(json_object_get(arp, "capability")));
        sqlite3_bind_int(s, idx + 5, !json_is_false(json_object_get(arp, "vulnerability")));
    }
    json_decref(j);
}

static int sub_put(sqlite3 *db, const char *id, json_t *body, int64_t gen, bool *active)
{
    const char *imsi = json_string_value(json_object_get(body, "imsi"));
    const char *k = json_string_value(json_object_get(body, "k"));
    const char *opc = json_string_value(json_object_get(body, "opc"));
    const char *amf = json_string_value(json_object_get(body, "amf"));
    const char *msisdn = json_string_value(json_object_get(body, "msisdn"));
    const char *state = json_string_value(json_object_get(body, "state"));
    /* TS 23.003 2.2: the local HSS keys on the full 15-digit IMSI */
    if (!imsi || strcmp(imsi, id) || strlen(imsi) != 15 || strspn(imsi, "0123456789") != 15)
        return -EINVAL;
    if (!hexn(k, 32) || !hexn(opc, 32) || (amf && !hexn(amf, 4)))
        return -EINVAL;
    if (msisdn && (strlen(msisdn) > 15 || strspn(msisdn, "0123456789") != strlen(msisdn)))
        return -EINVAL;
    *active = !state || !strcmp(state, "active");
    uint8_t kb[16], ob[16], ab[2] = {0x80, 0x00};
    unhex(k, kb, 16);
    unhex(opc, ob, 16);
    if (amf)
        unhex(amf, ab, 2);
    /* the SQN stays the gateway's (TS 33.102 C.3): not in the update */
    sqlite3_stmt *s = prep(db,
        "INSERT INTO subscribers (imsi, k, opc, op_derived, amf, msisdn, state, updated_at) "
        "VALUES (?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT (imsi) DO UPDATE SET k = excluded.k, "
        "opc = excluded.opc, op_derived = 0, amf = excluded.amf, msisdn = excluded.msisdn, "
        "state = excluded.state, updated_at = excluded.updated_at");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, imsi, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, kb, 16, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 3, ob, 16, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 4, ab, 2, SQLITE_TRANSIENT);
    if (msisdn && *msisdn)
        sqlite3_bind_text(s, 5, msisdn, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, *active ? "active" : "inactive", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)time(NULL));
    int rc = step_done(s);
    memset(kb, 0, sizeof(kb));
    memset(ob, 0, sizeof(ob));
    if (rc < 0)
        return rc;
    s = prep(db, "DELETE FROM subscriber_apns WHERE imsi = ?");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, imsi, -1, SQLITE_STATIC);
    if ((rc = step_done(s)) < 0)
        return rc;
    json_t *apns = json_object_get(body, "apns"), *a;
    size_t i;
    json_array_foreach(apns, i, a) {
        const char *apn = json_string_value(a);
        if (!apn)
            return -EINVAL;
        const char *ip = NULL;
        size_t j;
        json_t *st;
        json_array_foreach(json_object_get(body, "static_ips"), j, st)
            if (!strcmp(json_string_value(json_object_get(st, "apn")) ?: "", apn))
                ip = json_string_value(json_object_get(st, "ip"));
        struct in_addr ia;
        if (ip && inet_pton(AF_INET, ip, &ia) != 1)
            return -EINVAL;
        s = prep(db, "INSERT INTO subscriber_apns (imsi, position, apn, ambr_ul, ambr_dl, qci, "
                     "arp_priority, arp_capability, arp_vulnerability, static_ipv4) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!s)
            return -EIO;
        sqlite3_bind_text(s, 1, imsi, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
        sqlite3_bind_text(s, 3, apn, -1, SQLITE_STATIC);
        bind_apn_values(db, s, 4, apn);
        if (ip)
            sqlite3_bind_text(s, 10, ip, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 10);
        if ((rc = step_done(s)) < 0)
            return rc;
    }
    /* the copy without the keys */
    json_t *copy = json_deep_copy(body);
    json_object_del(copy, "k");
    json_object_del(copy, "opc");
    char *text = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    rc = text ? obj_put(db, "subscriber", id, text, gen) : -ENOMEM;
    free(text);
    return rc;
}

/* Deletes an orchestrator-managed subscriber (not one provisioned
 * locally); true when there was one. */
static int sub_del(sqlite3 *db, const char *id, bool *had)
{
    sqlite3_stmt *s = prep(db, "DELETE FROM subscribers WHERE imsi = ?1 AND EXISTS "
                               "(SELECT 1 FROM orc_object WHERE kind = 'subscriber' AND id = ?1)");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = step_done(s);
    *had = rc == 0 && sqlite3_changes(db) > 0;
    return rc < 0 ? rc : obj_del(db, "subscriber", id);
}

/* An APN's values into the rows of the orchestrator's subscribers. */
static int apn_propagate(sqlite3 *db, const char *apn)
{
    sqlite3_stmt *s = prep(db,
        "UPDATE subscriber_apns SET ambr_ul = ?1, ambr_dl = ?2, qci = ?3, arp_priority = ?4, "
        "arp_capability = ?5, arp_vulnerability = ?6 WHERE apn = ?7 AND imsi IN "
        "(SELECT id FROM orc_object WHERE kind = 'subscriber')");
    if (!s)
        return -EIO;
    bind_apn_values(db, s, 1, apn);
    sqlite3_bind_text(s, 7, apn, -1, SQLITE_STATIC);
    return step_done(s);
}

static int apply_one(sqlite3 *db, json_t *it, int64_t gen, struct orc_apply_stats *st,
                     struct orc_imsi_list *lost)
{
    const char *kind = json_string_value(json_object_get(it, "kind"));
    const char *id = json_string_value(json_object_get(it, "id"));
    const char *op = json_string_value(json_object_get(it, "op"));
    json_t *body = json_object_get(it, "body");
    if (!kind || !id)
        return -EINVAL;
    bool del = op && !strcmp(op, "delete");
    if (!del && !json_is_object(body))
        return -EINVAL;
    int rc;
    if (!strcmp(kind, "subscriber")) {
        bool x;
        rc = del ? sub_del(db, id, &x) : sub_put(db, id, body, gen, &x);
        if (rc == 0 && (del ? x : !x))
            lost_add(lost, id);
    } else {
        char *text = del ? NULL : json_dumps(body, JSON_COMPACT);
        if (!del && !text)
            return -ENOMEM;
        rc = del ? obj_del(db, kind, id) : obj_put(db, kind, id, text, gen);
        free(text);
        if (rc == 0 && !strcmp(kind, "apn"))
            rc = apn_propagate(db, id);
    }
    if (rc == 0) {
        if (del)
            st->deletes++;
        else
            st->puts++;
    }
    return rc;
}

int orc_apply_items(struct agw_db *db, const void *items_json, int64_t gen,
                    struct orc_apply_stats *st, struct orc_imsi_list *lost, char *why,
                    size_t whylen)
{
    const json_t *items = items_json;
    memset(st, 0, sizeof(*st));
    if (whylen)
        why[0] = 0;
    if (!json_is_array(items))
        return -EINVAL;
    if (exec(db->db, "BEGIN IMMEDIATE") < 0)
        return -EBUSY;
    if (gen <= 0 && (gen = current_gen(db->db)) < 0) {
        exec(db->db, "ROLLBACK");
        return -EIO;
    }
    size_t i;
    json_t *it;
    size_t lost0 = lost ? lost->n : 0;
    json_array_foreach(items, i, it) {
        /* one item that the gateway cannot hold is skipped, not the page */
        if (exec(db->db, "SAVEPOINT item") < 0)
            goto fail;
        int rc = apply_one(db->db, it, gen, st, lost);
        if (rc == -EIO && sqlite3_errcode(db->db) != SQLITE_CONSTRAINT) {
            exec(db->db, "ROLLBACK TO item");
            goto fail;
        }
        if (rc < 0) {
            exec(db->db, "ROLLBACK TO item");
            st->rejected++;
            why_add(why, whylen, "%s '%s' not applied; ",
                    json_string_value(json_object_get(it, "kind")) ?: "?",
                    json_string_value(json_object_get(it, "id")) ?: "?");
        }
        if (exec(db->db, "RELEASE item") < 0)
            goto fail;
    }
    if (exec(db->db, "COMMIT") == 0)
        return 0;
fail:
    exec(db->db, "ROLLBACK");
    if (lost)
        lost->n = lost0;
    memset(st, 0, sizeof(*st));
    return -EIO;
}

int orc_apply_full_end(struct agw_db *db, int64_t gen, const char *version,
                       struct orc_apply_stats *st, struct orc_imsi_list *lost)
{
    memset(st, 0, sizeof(*st));
    if (exec(db->db, "BEGIN IMMEDIATE") < 0)
        return -EBUSY;
    /* what orcd no longer has: the subscribers first (they lose service) */
    sqlite3_stmt *s = prep(db->db, "SELECT id FROM orc_object WHERE kind = 'subscriber' AND gen < ?");
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, gen);
    while (sqlite3_step(s) == SQLITE_ROW) {
        lost_add(lost, (const char *)sqlite3_column_text(s, 0));
        st->deletes++;
    }
    sqlite3_finalize(s);
    s = prep(db->db, "DELETE FROM subscribers WHERE imsi IN "
                     "(SELECT id FROM orc_object WHERE kind = 'subscriber' AND gen < ?)");
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, gen);
    if (step_done(s) < 0)
        goto fail;
    s = prep(db->db, "DELETE FROM orc_object WHERE gen < ?");
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, gen);
    if (step_done(s) < 0)
        goto fail;
    s = prep(db->db, "UPDATE orc_sync SET version = ?, applied_at = ? WHERE id = 1");
    if (!s)
        goto fail;
    sqlite3_bind_text(s, 1, version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
    if (step_done(s) < 0)
        goto fail;
    if (exec(db->db, "COMMIT") == 0)
        return 0;
fail:
    exec(db->db, "ROLLBACK");
    return -EIO;
}

int orc_apply_set_version(struct agw_db *db, const char *version)
{
    sqlite3_stmt *s = prep(db->db, "UPDATE orc_sync SET version = ?, applied_at = ? WHERE id = 1");
    if (!s)
        return -EIO;
    sqlite3_bind_text(s, 1, version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
    return step_done(s);
}
