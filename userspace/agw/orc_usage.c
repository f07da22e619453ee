/* The traffic and the eNBs of the check-in report (docs/orchestrator.md
 * "What a check-in carries"): ul_bytes/dl_bytes of the whole gateway and
 * per subscriber, from the datapath's per-session counters, and the
 * connected eNBs' ids.
 *
 * orcd takes the counters as growing from the gateway's start (started_at)
 * and records the difference between two check-ins (orc_checkin.c), so
 * they must never go down while the process runs, although sessions come
 * and go.  Each report therefore adds, per session (by its uplink TEID),
 * what its datapath counters grew since the last report: the gateway's
 * totals only grow.  A subscriber is in the report while it has a
 * session; its counters start from zero when it (re)appears, which orcd
 * counts in full since it was not in the previous report.  The sessions
 * found at the first report (adopted from a previous run: hitless restart)
 * count from there.
 *
 * What a session carried between the last report and its end goes in the
 * report's "final" instead (orc_usage_end): written to SQLite when the
 * session ends (orc_usage_final, so that a restart does not lose it), sent
 * in every check-in until one is acknowledged, then deleted.  Each has a
 * key of its own, and orcd counts a key once (orc_checkin.c), so a check-in
 * sent again is not counted twice. */
#include "agw/agw_orc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "dp/dp.h"

struct sess_seen {
    uint32_t teid;
    char imsi[16];
    uint64_t ul, dl;            /* the datapath's counters at this report */
    uint64_t dul, ddl;          /* grown since the last one */
};

struct imsi_tot {
    char imsi[16];
    uint64_t ul, dl;
};

struct orc_usage {
    bool first_done;
    uint64_t ul, dl;            /* the gateway's totals */
    struct sess_seen *sess;     /* the last report's, sorted by teid */
    size_t n_sess;
    struct imsi_tot *subs;      /* sorted by imsi */
    size_t n_subs;
};

struct orc_usage *orc_usage_new(void)
{
    return calloc(1, sizeof(struct orc_usage));
}

void orc_usage_free(struct orc_usage *u)
{
    if (!u)
        return;
    free(u->sess);
    free(u->subs);
    free(u);
}

static int by_teid(const void *a, const void *b)
{
    uint32_t x = ((const struct sess_seen *)a)->teid, y = ((const struct sess_seen *)b)->teid;
    return x < y ? -1 : x > y;
}

static int by_imsi(const void *a, const void *b)
{
    return strcmp(((const struct sess_seen *)a)->imsi, ((const struct sess_seen *)b)->imsi);
}

static int tot_by_imsi(const void *a, const void *b)
{
    return strcmp(((const struct imsi_tot *)a)->imsi, ((const struct imsi_tot *)b)->imsi);
}

int orc_usage_step(struct orc_usage *u, const struct orc_usage_sample *s, size_t n)
{
    struct sess_seen *cur = calloc(n ? n : 1, sizeof(*cur));
    if (!cur)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        cur[i].teid = s[i].ul_teid;
        snprintf(cur[i].imsi, sizeof(cur[i].imsi), "%s", s[i].imsi);
        cur[i].ul = s[i].ul_bytes;
        cur[i].dl = s[i].dl_bytes;
    }
    qsort(cur, n, sizeof(*cur), by_teid);
    for (size_t i = 0; i < n; i++) {
        struct sess_seen *old = u->n_sess ? bsearch(&cur[i], u->sess, u->n_sess,
                                                    sizeof(*old), by_teid) : NULL;
        if (old && !strcmp(old->imsi, cur[i].imsi) && cur[i].ul >= old->ul && cur[i].dl >= old->dl) {
            cur[i].dul = cur[i].ul - old->ul;
            cur[i].ddl = cur[i].dl - old->dl;
        } else if (u->first_done) {
            /* a new session (or its TEID reused): all it carried so far */
            cur[i].dul = cur[i].ul;
            cur[i].ddl = cur[i].dl;
        }
        u->ul += cur[i].dul;
        u->dl += cur[i].ddl;
    }
    u->first_done = true;
    /* per subscriber: the totals of those with a session now */
    struct sess_seen *bi = malloc((n ? n : 1) * sizeof(*bi));
    struct imsi_tot *subs = calloc(n ? n : 1, sizeof(*subs));
    if (!bi || !subs) {
        free(bi);
        free(subs);
        free(cur);
        return -ENOMEM;
    }
    memcpy(bi, cur, n * sizeof(*bi));
    qsort(bi, n, sizeof(*bi), by_imsi);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!bi[i].imsi[0])
            continue;
        if (!k || strcmp(subs[k - 1].imsi, bi[i].imsi)) {
            struct imsi_tot key, *old;
            snprintf(key.imsi, sizeof(key.imsi), "%s", bi[i].imsi);
            old = u->n_subs ? bsearch(&key, u->subs, u->n_subs, sizeof(key), tot_by_imsi) : NULL;
            subs[k] = old ? *old : key;
            if (!old)
                subs[k].ul = subs[k].dl = 0;
            k++;
        }
        subs[k - 1].ul += bi[i].dul;
        subs[k - 1].dl += bi[i].ddl;
    }
    free(bi);
    free(u->sess);
    free(u->subs);
    u->sess = cur;
    u->n_sess = n;
    u->subs = subs;
    u->n_subs = k;
    return 0;
}

int orc_usage_end(struct orc_usage *u, uint32_t ul_teid, const char *imsi, uint64_t ul,
                  uint64_t dl, uint64_t *dul, uint64_t *ddl)
{
    struct sess_seen key = {.teid = ul_teid};
    struct sess_seen *old = u->n_sess ? bsearch(&key, u->sess, u->n_sess, sizeof(key), by_teid)
                                      : NULL;
    *dul = *ddl = 0;
    if (!u->first_done)
        return -EAGAIN;     /* adopted, never reported by us: its baseline is unknown */
    if (old && !strcmp(old->imsi, imsi)) {
        *dul = ul >= old->ul ? ul - old->ul : ul;
        *ddl = dl >= old->dl ? dl - old->dl : dl;
    } else {
        *dul = ul;          /* began after the last report: all of it */
        *ddl = dl;
    }
    if (old) {
        /* gone: its TEID reused before the next report counts anew */
        size_t i = (size_t)(old - u->sess);
        memmove(old, old + 1, (u->n_sess - i - 1) * sizeof(*old));
        u->n_sess--;
    }
    return 0;
}

void orc_usage_totals(const struct orc_usage *u, uint64_t *ul, uint64_t *dl)
{
    *ul = u->ul;
    *dl = u->dl;
}

size_t orc_usage_subscriber(const struct orc_usage *u, size_t i, const char **imsi, uint64_t *ul,
                            uint64_t *dl)
{
    if (i >= u->n_subs)
        return 0;
    *imsi = u->subs[i].imsi;
    *ul = u->subs[i].ul;
    *dl = u->subs[i].dl;
    return u->n_subs;
}

/* TS 23.003 12.1 / TS 36.413 9.2.1.37: the Global eNB ID as
 * "MCCMNC-id" (the PLMN from its TBCD octets, TS 24.008 10.5.1.13). */
static void enb_name(const struct agw_enb *e, char *out, size_t cap)
{
    const uint8_t *p = e->plmn;
    char mnc3[2] = {0};
    if ((p[1] >> 4) != 0xf)
        mnc3[0] = (char)('0' + (p[1] >> 4));
    snprintf(out, cap, "%c%c%c%c%c%s-%u", '0' + (p[0] & 0xf), '0' + (p[0] >> 4),
             '0' + (p[1] & 0xf), '0' + (p[2] & 0xf), '0' + (p[2] >> 4), mnc3, e->enb_id);
}

void orc_usage_report(struct agw_ctx *ctx, struct orc_usage *u, void *report)
{
    json_t *r = report;
    /* the sessions with their datapath counters */
    size_t cap = 64, n = 0;
    struct orc_usage_sample *s = malloc(cap * sizeof(*s));
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; s && ctx->dp && h->buckets && i <= h->mask; i++)
        for (struct agw_hnode *hn = h->buckets[i]; hn && s; hn = hn->next) {
            const struct agw_ue *ue = agw_container_of(hn, struct agw_ue, by_id);
            for (unsigned k = 0; k < AGW_MAX_PDN; k++) {
                const struct agw_pdn *p = &ue->pdn[k];
                struct dp_session_info info;
                if (!p->dp_installed || dp_session_get(ctx->dp, p->ul_teid, &info) < 0)
                    continue;
                if (n == cap) {
                    struct orc_usage_sample *m = realloc(s, 2 * cap * sizeof(*s));
                    if (!m)
                        break;
                    s = m;
                    cap *= 2;
                }
                s[n].ul_teid = p->ul_teid;
                snprintf(s[n].imsi, sizeof(s[n].imsi), "%s", ue->imsi);
                s[n].ul_bytes = info.usage.ul_bytes;
                s[n].dl_bytes = info.usage.dl_bytes;
                n++;
            }
        }
    if (s)
        orc_usage_step(u, s, n);
    free(s);
    uint64_t ul, dl;
    orc_usage_totals(u, &ul, &dl);
    json_object_set_new(r, "ul_bytes", json_integer((json_int_t)ul));
    json_object_set_new(r, "dl_bytes", json_integer((json_int_t)dl));
    json_t *subs = json_object();
    const char *imsi;
    for (size_t i = 0; orc_usage_subscriber(u, i, &imsi, &ul, &dl); i++)
        json_object_set_new(subs, imsi, json_pack("{s:I,s:I}", "ul_bytes", (json_int_t)ul,
                                                  "dl_bytes", (json_int_t)dl));
    json_object_set_new(r, "subscribers", subs);
    /* the eNBs set up (orcd: enb_connected / enb_lost events) */
    json_t *ids = json_array();
    h = &ctx->enb_by_global;
    for (size_t i = 0; h->buckets && i <= h->mask; i++)
        for (struct agw_hnode *hn = h->buckets[i]; hn; hn = hn->next) {
            const struct agw_enb *e = agw_container_of(hn, struct agw_enb, by_global);
            char id[32];
            if (!e->setup)
                continue;
            enb_name(e, id, sizeof(id));
            json_array_append_new(ids, json_string(id));
        }
    json_object_set_new(r, "enb_ids", ids);
}

/* ------------------------------------------------ ended sessions ---- */

int orc_usage_final_put(struct agw_db *db, uint32_t ul_teid, const char *imsi, uint64_t ul,
                        uint64_t dl, uint64_t ended_ns)
{
    sqlite3_stmt *s = NULL;
    char key[48];
    snprintf(key, sizeof(key), "%08x-%llu", ul_teid, (unsigned long long)ended_ns);
    if (sqlite3_prepare_v2(db->db, "INSERT INTO orc_usage_final (key, imsi, ul_bytes, dl_bytes, "
                           "ended_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING", -1,
                           &s, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, imsi, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)ul);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)dl);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)(ended_ns / 1000000000u));
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

int64_t orc_usage_final_report(struct agw_db *db, void *report)
{
    sqlite3_stmt *s = NULL;
    int64_t upto = 0;
    /* the oldest first, a bounded number per check-in (the rest in the
     * next ones) */
    if (sqlite3_prepare_v2(db->db, "SELECT id, key, imsi, ul_bytes, dl_bytes FROM "
                           "orc_usage_final ORDER BY id LIMIT 1000", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    json_t *a = json_array();
    while (a && sqlite3_step(s) == SQLITE_ROW) {
        upto = sqlite3_column_int64(s, 0);
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}",
                                           "key", (const char *)sqlite3_column_text(s, 1),
                                           "imsi", (const char *)sqlite3_column_text(s, 2),
                                           "ul_bytes", (json_int_t)sqlite3_column_int64(s, 3),
                                           "dl_bytes", (json_int_t)sqlite3_column_int64(s, 4)));
    }
    sqlite3_finalize(s);
    if (json_array_size(a))
        json_object_set_new(report, "final", a);
    else
        json_decref(a);
    return upto;
}

int orc_usage_final_ack(struct agw_db *db, int64_t upto)
{
    sqlite3_stmt *s = NULL;
    if (upto <= 0)
        return 0;
    if (sqlite3_prepare_v2(db->db, "DELETE FROM orc_usage_final WHERE id <= ?", -1, &s, NULL) !=
        SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(s, 1, upto);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}
