/* The orchestrator's APNs and their pools on the gateway (docs/orchestrator.md
 * "APNs and pools from the orchestrator").
 *
 * ctx->cfg->apns[] starts as the YAML file's list; an APN that orcd defines
 * and the file does not is appended to it (orc_only), with the defaults of
 * docs/agw.md under orcd's values.  Entries are never taken out, because a
 * running session names its APN by index (agw_pdn.apn_idx): an APN orcd
 * removes is marked `removed`, which agw_config_apn() skips, so that a new
 * session on it is refused with ESM #27 while the running ones keep it; the
 * same name coming back takes the same entry again.
 *
 * Pools: an orcd APN with `pools` replaces the file's pool of that APN (or
 * gives an orcd-only APN its pool) for the next sessions; without them the
 * file's pool applies (an orcd-only APN then has none, and its sessions are
 * refused with #26).  A pool set that cannot be used — a prefix that is
 * not a network address of length 8..30, or one that overlaps another of
 * the set or a pool another APN holds — is refused as a whole: a warning
 * says why, orc_pool_refused counts it, and the pools in use stay (the last
 * good configuration).  pgw_pool.c keeps the running sessions' addresses. */
#include "agw/agw_orc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"

/* apn_idx is a uint8_t; the file holds at most AGW_MAX_APNS */
#define ORC_APN_MAX (2 * AGW_MAX_APNS)
#define ORC_POOLS_MAX 16            /* orcd's Apn.pools maxItems */

/* Any entry of that name (removed ones too), or -1. */
static int apn_find(const struct agw_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_apns; i++)
        if (!strcasecmp(cfg->apns[i].name, name))
            return (int)i;
    return -1;
}

/* A new orc_only entry named name (defaults); its index or a negative errno. */
static int apn_append(struct agw_ctx *ctx, const char *name)
{
    struct agw_config *cfg = ctx->cfg;
    if (cfg->n_apns >= ORC_APN_MAX)
        return -ENOSPC;
    if (strlen(name) > AGW_APN_NAME_MAX || !*name)
        return -EINVAL;
    struct agw_apn *a = realloc(cfg->apns, (cfg->n_apns + 1) * sizeof(*a));
    if (!a)
        return -ENOMEM;
    cfg->apns = a;
    /* before the pools exist (orc_apn_preload) pgw_init() sizes them */
    if (ctx->pools && pgw_pools_grow(ctx, cfg->n_apns + 1) < 0)
        return -ENOMEM;
    a = &cfg->apns[cfg->n_apns];
    agw_apn_defaults(a);
    snprintf(a->name, sizeof(a->name), "%s", name);
    a->orc_only = true;
    return (int)cfg->n_apns++;
}

int orc_apn_preload(struct agw_ctx *ctx)
{
    if (!ctx->cfg->orchestrator.enabled || !ctx->db)
        return 0;
    /* orcd's APNs as last synced, and the APN of every stored session (one
     * orcd removed since: its sessions are restored, then it is marked
     * removed at the first reload) */
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(ctx->db->db, "SELECT id FROM orc_object WHERE kind = 'apn' UNION "
                           "SELECT apn FROM pdn_session ORDER BY 1", -1, &s, NULL) != SQLITE_OK) {
        LOG_ERR(ctx, "orc", "cannot read the orchestrator's APNs: %s", sqlite3_errmsg(ctx->db->db));
        return -EIO;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        if (!name || apn_find(ctx->cfg, name) >= 0)
            continue;
        int i = apn_append(ctx, name);
        if (i < 0)
            LOG_WARN(ctx, "orc", "apn '%s': not created: %s", name, strerror(-i));
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

/* ---------------------------------------------------------- pools ---- */

static bool overlap(const struct pgw_prefix *a, const struct pgw_prefix *b)
{
    uint8_t len = a->len < b->len ? a->len : b->len;
    uint32_t mask = ~UINT32_C(0) << (32 - len);
    return ((a->base ^ b->base) & mask) == 0;
}

static void prefix_str(const struct pgw_prefix *p, char *out, size_t cap)
{
    struct in_addr a = {htonl(p->base)};
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    snprintf(out, cap, "%s/%u", ip, p->len);
}

int orc_pool_parse(const char *text, struct pgw_prefix *out)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof(ip))
        return -EINVAL;
    memcpy(ip, text, (size_t)(slash - text));
    ip[slash - text] = 0;
    char *end;
    unsigned long len = strtoul(slash + 1, &end, 10);
    struct in_addr a;
    if (*end || end == slash + 1 || inet_pton(AF_INET, ip, &a) != 1)
        return -EINVAL;
    /* as the file's apns[].pool (docs/agw.md): /8 to /30 */
    if (len < 8 || len > 30)
        return -ERANGE;
    out->base = ntohl(a.s_addr);
    out->len = (uint8_t)len;
    if (out->base & ~(~UINT32_C(0) << (32 - len)))
        return -EDOM;               /* host bits set: not a network address */
    return 0;
}

int orc_pool_check(const struct pgw_prefix *pf, size_t n, char *why, size_t whylen)
{
    char x[24], y[24];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (overlap(&pf[i], &pf[j])) {
                prefix_str(&pf[i], x, sizeof(x));
                prefix_str(&pf[j], y, sizeof(y));
                snprintf(why, whylen, "%s overlaps %s of the same APN", y, x);
                return -EEXIST;
            }
    return 0;
}

/* The pools APN idx should have: orcd's when its object lists some, else
 * the file's; n is set.  -EINVAL when orcd's cannot be read (why). */
static int wanted(struct agw_ctx *ctx, const struct agw_apn *yaml, json_t *obj, size_t idx,
                  struct pgw_prefix *pf, size_t *n, char *why, size_t whylen)
{
    const struct agw_apn *a = &ctx->cfg->apns[idx];
    json_t *pools = json_object_get(obj, "pools"), *v;
    size_t i;
    *n = 0;
    if (a->removed)
        return 0;
    if (!json_array_size(pools)) {
        if (yaml && yaml->pool_prefix) {
            pf[0].base = ntohl(yaml->pool.s_addr);
            pf[0].len = yaml->pool_prefix;
            *n = 1;
        }
        return 0;
    }
    if (json_array_size(pools) > ORC_POOLS_MAX) {
        snprintf(why, whylen, "more than %d pools", ORC_POOLS_MAX);
        return -EINVAL;
    }
    json_array_foreach(pools, i, v) {
        const char *t = json_string_value(v);
        int rc = orc_pool_parse(t, &pf[i]);
        if (rc < 0) {
            snprintf(why, whylen, "'%s' is %s", t ?: "?",
                     rc == -ERANGE ? "not a /8 to /30" : rc == -EDOM ? "not a network address"
                                                                   : "not an IPv4 prefix");
            return -EINVAL;
        }
    }
    *n = json_array_size(pools);
    return orc_pool_check(pf, *n, why, whylen) < 0 ? -EINVAL : 0;
}

/* The first pool another APN holds that overlaps pf[0..n-1]; why says it. */
static bool held_elsewhere(struct agw_ctx *ctx, size_t idx, const struct pgw_prefix *pf, size_t n,
                           char *why, size_t whylen)
{
    for (size_t j = 0; j < ctx->cfg->n_apns; j++) {
        if (j == idx)
            continue;
        for (const struct agw_pool *pl = &ctx->pools[j]; pl && pl->size; pl = pl->next) {
            struct pgw_prefix o = {pl->base, (uint8_t)(32 - __builtin_ctz(pl->size))};
            for (size_t i = 0; i < n; i++)
                if (overlap(&pf[i], &o)) {
                    char x[24], y[24];
                    prefix_str(&pf[i], x, sizeof(x));
                    prefix_str(&o, y, sizeof(y));
                    snprintf(why, whylen, "%s overlaps %s of apn '%s'", x, y,
                             ctx->cfg->apns[j].name);
                    return true;
                }
        }
    }
    return false;
}

static void list_str(const struct pgw_prefix *pf, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && used + 20 < cap; i++) {
        char x[24];
        prefix_str(&pf[i], x, sizeof(x));
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? " " : "", x);
    }
    if (!n)
        snprintf(out, cap, "none");
}

static unsigned running_on(struct agw_ctx *ctx, size_t idx)
{
    unsigned n = 0;
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; h->buckets && i <= h->mask; i++)
        for (struct agw_hnode *hn = h->buckets[i]; hn; hn = hn->next) {
            struct agw_ue *ue = agw_container_of(hn, struct agw_ue, by_id);
            for (unsigned k = 0; k < AGW_MAX_PDN; k++)
                n += ue->pdn[k].state != PDN_FREE && ue->pdn[k].apn_idx == idx;
        }
    return n;
}

static void pools_apply(struct agw_ctx *ctx, size_t idx, const struct agw_apn *yaml, json_t *obj)
{
    struct pgw_prefix pf[ORC_POOLS_MAX];
    size_t n;
    char why[256] = "", list[ORC_POOLS_MAX * 20];
    const char *name = ctx->cfg->apns[idx].name;
    if (wanted(ctx, yaml, obj, idx, pf, &n, why, sizeof(why)) < 0 ||
        held_elsewhere(ctx, idx, pf, n, why, sizeof(why))) {
        ctx->stats.orc_pool_refused++;
        LOG_WARN(ctx, "orc", "apn '%s': the orchestrator's pools refused: %s; the pools in use "
                 "stay", name, why);
        return;
    }
    if (pgw_pool_same(ctx, idx, pf, n))
        return;
    if (pgw_pool_set(ctx, idx, pf, n) < 0) {
        LOG_ERR(ctx, "orc", "apn '%s': out of memory for its pools: the pools in use stay", name);
        return;
    }
    list_str(pf, n, list, sizeof(list));
    LOG_INFO(ctx, "orc", "apn '%s': pools %s for new sessions; %u running session(s) keep "
             "their addresses", name, list, running_on(ctx, idx));
}

/* ----------------------------------------------------------- APNs ---- */

static json_t *apn_obj(struct agw_db *db, const char *name)
{
    char id[AGW_APN_NAME_MAX + 1];
    size_t i;
    /* orcd's ids are lowercase (TS 23.003 9.1: case-insensitive) */
    for (i = 0; name[i] && i < AGW_APN_NAME_MAX; i++)
        id[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    id[i] = 0;
    sqlite3_stmt *s = NULL;
    json_t *j = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT body FROM orc_object WHERE kind = 'apn' AND id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW)
        j = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    sqlite3_finalize(s);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

unsigned orc_apn_sync(struct agw_ctx *ctx, const struct agw_apn *yaml, size_t n_yaml)
{
    struct agw_config *cfg = ctx->cfg;
    char why[1024] = "";
    unsigned from_orc = 0;
    /* the file's APNs (the first n_yaml entries) with orcd's values */
    for (size_t i = 0; i < n_yaml && i < cfg->n_apns; i++) {
        struct agw_apn a;
        from_orc += orc_apn_build(ctx->db, &yaml[i], &a, why, sizeof(why)) > 0;
        cfg->apns[i] = a;
    }
    if (why[0])
        LOG_WARN(ctx, "orc", "%s", why);
    /* orcd's own: created, updated, back */
    sqlite3_stmt *s = NULL;
    bool *seen = calloc(ORC_APN_MAX, sizeof(*seen));
    if (!seen || sqlite3_prepare_v2(ctx->db->db, "SELECT id FROM orc_object WHERE kind = 'apn' "
                                    "ORDER BY id", -1, &s, NULL) != SQLITE_OK) {
        free(seen);
        LOG_WARN(ctx, "orc", "cannot read the orchestrator's APNs: the APNs in use stay");
        return from_orc;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        int i = apn_find(cfg, id);
        if (i >= 0 && (size_t)i < n_yaml)
            continue;               /* the file's, done above */
        bool created = i < 0, back = i >= 0 && cfg->apns[i].removed;
        if (i < 0 && (i = apn_append(ctx, id)) < 0) {
            LOG_WARN(ctx, "orc", "apn '%s': not created: %s", id,
                     i == -ENOSPC ? "too many APNs" : strerror(-i));
            continue;
        }
        struct agw_apn tmpl, a;
        agw_apn_defaults(&tmpl);
        snprintf(tmpl.name, sizeof(tmpl.name), "%s", cfg->apns[i].name);
        why[0] = 0;
        orc_apn_build(ctx->db, &tmpl, &a, why, sizeof(why));
        a.orc_only = true;
        a.removed = false;
        cfg->apns[i] = a;
        seen[i] = true;
        from_orc++;
        if (created || back)
            LOG_INFO(ctx, "orc", "apn '%s' %s by the orchestrator", a.name,
                     created ? "created" : "back");
    }
    sqlite3_finalize(s);
    /* orcd's removed: no new sessions, the running ones stay */
    for (size_t i = n_yaml; i < cfg->n_apns; i++)
        if (cfg->apns[i].orc_only && !cfg->apns[i].removed && !seen[i]) {
            cfg->apns[i].removed = true;
            LOG_INFO(ctx, "orc", "apn '%s' removed by the orchestrator: new sessions refused "
                     "(#27), %u running session(s) stay", cfg->apns[i].name, running_on(ctx, i));
        }
    free(seen);
    /* the pools, once every APN is known (overlaps are checked against all) */
    if (ctx->pools)
        for (size_t i = 0; i < cfg->n_apns; i++) {
            json_t *obj = cfg->apns[i].removed ? NULL : apn_obj(ctx->db, cfg->apns[i].name);
            pools_apply(ctx, i, i < n_yaml ? &yaml[i] : NULL, obj);
            json_decref(obj);
        }
    return from_orc;
}
