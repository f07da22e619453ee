/* Rulesets: finding an identical one to share, or a free one, without
 * reading the whole table.
 *
 * A session with rules used to walk xepc_rulesets on every add and modify,
 * for a ruleset equal to its own (shared) or the first free one.  The walk
 * reads in chunks of 1024 entries of 2.2 KB, so even a match at index 1 cost
 * a 2 MB copy out of the kernel: with rules on every session (Gy's rating
 * group rule, a PCRF's or the local policy's rules) that copy was a third of
 * xepc-agwd's CPU at attach time (perf on tools/bench/diam_bench.sh).
 *
 * Now each process keeps an index of what it knows is in the table: the
 * content hash of each ruleset id it has seen, chained by hash.  The index
 * is built by one walk at the first use and kept by this process's own
 * writes.  Other processes write the table too (xepcctl beside xepc-agwd,
 * under the same writers' lock), so the index is only a hint:
 *   - a match is read back and compared in full before it is shared; a
 *     ruleset another process changed is re-indexed by what it holds now;
 *   - a ruleset another process wrote and this one never saw is not found
 *     for sharing (an identical ruleset is written once more: a missed
 *     share, never a wrong one);
 *   - a free id is taken only after reading it empty; ids known to be in
 *     use are passed over without a read, and when none is left the index
 *     is rebuilt from the table once before the table is called full.
 *
 * Whether a ruleset is still used when a session lets go of it is the
 * count of its users in the pinned xepc_rs_refs (xepc_dp.h), which every
 * writer keeps (dp_session_write() and the bulk install, under the
 * writers' lock).  Before, each delete scanned every session for another
 * user: 17 % of xepc-agwd's CPU in the attach benchmark with S6a, Gx and
 * Gy (perf on tools/bench/diam_bench.sh).  A datapath pinned before the
 * counts (no xepc_rs_refs) is still scanned; `dp upgrade` adds the map,
 * empty, and the first writer that sees it counts the sessions once.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dp/dp_int.h"

struct dp_rs_index {
    uint32_t n;             /* entries of xepc_rulesets; id 0 is never used */
    uint32_t mask;          /* chain heads - 1 */
    uint32_t hint;          /* next-fit cursor for free ids */
    uint32_t *head;         /* [hash & mask]: first id of the chain, 0 = none */
    uint32_t *next;         /* [id]: next id of its chain */
    uint64_t *hash;         /* [id]: hash of its content, 0 = not known used */
};

/* A multiply-rotate hash of the whole entry, 8 bytes at a time (its unused
 * rules are zero); never 0. */
static uint64_t rs_hash(const struct xepc_ruleset *rs)
{
    const uint8_t *p = (const uint8_t *)rs;
    uint64_t h = 0xcbf29ce484222325ull, w;
    size_t i = 0;
    for (; i + 8 <= sizeof(*rs); i += 8) {
        memcpy(&w, p + i, 8);
        h = ((h ^ w) * 0x9e3779b97f4a7c15ull);
        h ^= h >> 29;
    }
    for (; i < sizeof(*rs); i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h ? h : 1;
}

static void idx_unlink(struct dp_rs_index *x, uint32_t id)
{
    if (!x->hash[id])
        return;
    uint32_t *pp = &x->head[x->hash[id] & x->mask];
    while (*pp && *pp != id)
        pp = &x->next[*pp];
    if (*pp)
        *pp = x->next[id];
    x->next[id] = 0;
    x->hash[id] = 0;
}

static void idx_link(struct dp_rs_index *x, uint32_t id, const struct xepc_ruleset *rs)
{
    idx_unlink(x, id);
    if (!rs->n_rules)
        return;
    uint64_t h = rs_hash(rs);
    x->hash[id] = h;
    x->next[id] = x->head[h & x->mask];
    x->head[h & x->mask] = id;
}

static void idx_free(struct dp_rs_index *x)
{
    if (!x)
        return;
    free(x->head);
    free(x->next);
    free(x->hash);
    free(x);
}

struct build {
    struct dp_rs_index *x;
    uint64_t *reads;
};

static int build_fn(uint32_t idx, const void *val, void *arg)
{
    struct build *b = arg;
    (*b->reads)++;
    if (idx && idx < b->x->n)
        idx_link(b->x, idx, val);
    return 0;
}

/* Builds ctx's index from the table (one walk). */
static int idx_build(struct dp_ctx *ctx)
{
    uint32_t n = ctx->max_entries[DP_MAP_RULESETS], heads = 1;
    while (heads < n)
        heads <<= 1;
    struct dp_rs_index *x = calloc(1, sizeof(*x));
    if (!x || !(x->head = calloc(heads, sizeof(*x->head))) ||
        !(x->next = calloc(n, sizeof(*x->next))) || !(x->hash = calloc(n, sizeof(*x->hash)))) {
        idx_free(x);
        return -ENOMEM;
    }
    x->n = n;
    x->mask = heads - 1;
    x->hint = 1;
    struct build b = {.x = x, .reads = &ctx->ruleset_reads};
    int rc = dp_array_scan(ctx, DP_MAP_RULESETS, sizeof(struct xepc_ruleset), build_fn, &b);
    if (rc < 0) {
        idx_free(x);
        return rc;
    }
    dp_ruleset_index_free(ctx);
    ctx->rs_index = x;
    return 0;
}

static int read_rs(struct dp_ctx *ctx, uint32_t id, struct xepc_ruleset *rs)
{
    ctx->ruleset_reads++;
    return bpf_map_lookup_elem(ctx->map_fd[DP_MAP_RULESETS], &id, rs) ? -errno : 0;
}

/* The first id after the cursor that reads empty; 0 when every id is
 * known used or reads used. */
static int probe_free(struct dp_ctx *ctx, uint32_t *free_id)
{
    struct dp_rs_index *x = ctx->rs_index;
    struct xepc_ruleset rs;
    for (uint32_t k = 1; k < x->n; k++) {
        uint32_t id = x->hint;
        x->hint = id + 1 < x->n ? id + 1 : 1;
        if (x->hash[id])
            continue;
        int rc = read_rs(ctx, id, &rs);
        if (rc)
            return rc;
        if (!rs.n_rules) {
            *free_id = id;
            return 0;
        }
        idx_link(x, id, &rs);       /* another process's: known now */
    }
    return 0;
}

int dp_ruleset_find(struct dp_ctx *ctx, const struct xepc_ruleset *want, bool share,
                    uint32_t *same, uint32_t *free_id)
{
    *same = *free_id = 0;
    if (ctx->max_entries[DP_MAP_RULESETS] < 2)
        return 0;
    int rc = ctx->rs_index ? 0 : idx_build(ctx);
    if (rc)
        return rc;
    struct dp_rs_index *x = ctx->rs_index;
    if (share) {
        struct xepc_ruleset rs;
        uint64_t h = rs_hash(want);
        for (uint32_t id = x->head[h & x->mask], nx; id; id = nx) {
            nx = x->next[id];
            if (x->hash[id] != h)
                continue;
            if ((rc = read_rs(ctx, id, &rs)))
                return rc;
            if (!memcmp(&rs, want, sizeof(rs))) {
                *same = id;
                return 0;
            }
            idx_link(x, id, &rs);   /* changed by another process */
        }
    }
    if ((rc = probe_free(ctx, free_id)) || *free_id)
        return rc;
    /* everything known used: ids another process freed may be among them */
    if ((rc = idx_build(ctx)))
        return rc;
    return probe_free(ctx, free_id);
}

void dp_ruleset_written(struct dp_ctx *ctx, uint32_t id, const struct xepc_ruleset *rs)
{
    if (ctx->rs_index && id && id < ctx->rs_index->n)
        idx_link(ctx->rs_index, id, rs);
}

void dp_ruleset_cleared(struct dp_ctx *ctx, uint32_t id)
{
    if (ctx->rs_index && id && id < ctx->rs_index->n)
        idx_unlink(ctx->rs_index, id);
}

void dp_ruleset_index_free(struct dp_ctx *ctx)
{
    idx_free(ctx->rs_index);
    ctx->rs_index = NULL;
}

/* ------------------------------------------ the sessions' references --- */

int dp_ruleset_refs_open(struct dp_ctx *ctx)
{
    if (ctx->rs_refs || ctx->map_fd[DP_MAP_RULESETS] < 0)
        return 0;
    return dp_pin_map_mmap_opt(ctx, XEPC_MAP_RS_REFS, XEPC_MAP_RULESETS,
                               ctx->max_entries[DP_MAP_RULESETS], sizeof(uint32_t),
                               &ctx->rs_refs_fd, (void **)&ctx->rs_refs, &ctx->rs_refs_len);
}

void dp_ruleset_refs_close(struct dp_ctx *ctx)
{
    if (ctx->rs_refs)
        munmap(ctx->rs_refs, ctx->rs_refs_len);
    if (ctx->rs_refs_fd >= 0)
        close(ctx->rs_refs_fd);
    ctx->rs_refs = NULL;
    ctx->rs_refs_fd = -1;
}

struct recount {
    uint32_t n, *counts;
};

static int recount_fn(uint32_t sid, const void *val, void *arg)
{
    const struct xepc_session *s = val;
    struct recount *r = arg;
    (void)sid;
    if ((s->flags & XEPC_SF_ACTIVE) && s->ruleset_id && s->ruleset_id < r->n)
        r->counts[s->ruleset_id]++;
    return 0;
}

void dp_ruleset_refs_set(struct dp_ctx *ctx, const uint32_t *counts)
{
    uint32_t n = ctx->max_entries[DP_MAP_RULESETS];
    if (!ctx->rs_refs)
        return;
    /* "exact" only once every count is: a writer killed in between leaves
     * them to be taken again */
    __atomic_store_n(&ctx->rs_refs[0], 0, __ATOMIC_SEQ_CST);
    for (uint32_t id = 1; id < n; id++)
        __atomic_store_n(&ctx->rs_refs[id], counts[id], __ATOMIC_RELAXED);
    __atomic_store_n(&ctx->rs_refs[0], XEPC_RS_REFS_EXACT, __ATOMIC_SEQ_CST);
}

bool dp_ruleset_refs_ready(struct dp_ctx *ctx)
{
    if (!ctx->rs_refs) {
        /* looked for once per taking of the writers' lock: an upgrade
         * may have added it since */
        if (ctx->rs_refs_epoch == ctx->lock_epoch)
            return false;
        ctx->rs_refs_epoch = ctx->lock_epoch;
        if (dp_ruleset_refs_open(ctx) || !ctx->rs_refs)
            return false;
    }
    if (__atomic_load_n(&ctx->rs_refs[0], __ATOMIC_ACQUIRE) == XEPC_RS_REFS_EXACT)
        return true;
    /* never counted (a fresh map, or one an upgrade added): once, from
     * the sessions, under the writers' lock the caller holds */
    struct recount r = {.n = ctx->max_entries[DP_MAP_RULESETS]};
    r.counts = calloc(r.n, sizeof(*r.counts));
    if (!r.counts)
        return false;
    bool ok = dp_sessions_scan(ctx, recount_fn, &r) >= 0;
    if (ok)
        dp_ruleset_refs_set(ctx, r.counts);
    free(r.counts);
    return ok;
}

void dp_ruleset_refs_add(struct dp_ctx *ctx, uint32_t id, int32_t delta)
{
    if (!id || id >= ctx->max_entries[DP_MAP_RULESETS] || !dp_ruleset_refs_ready(ctx))
        return;
    if (delta > 0) {
        __atomic_fetch_add(&ctx->rs_refs[id], (uint32_t)delta, __ATOMIC_SEQ_CST);
        return;
    }
    /* never below 0: a count that is already 0 (repaired meanwhile) stays */
    uint32_t cur = __atomic_load_n(&ctx->rs_refs[id], __ATOMIC_SEQ_CST);
    uint32_t d = (uint32_t)-delta;
    while (!__atomic_compare_exchange_n(&ctx->rs_refs[id], &cur, cur > d ? cur - d : 0, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

struct ref_scan {
    uint32_t ruleset_id, except_sid;
    bool used;
};

static int ruleset_ref_fn(uint32_t idx, const void *val, void *arg)
{
    const struct xepc_session *s = val;
    struct ref_scan *r = arg;
    if (idx != r->except_sid && (s->flags & XEPC_SF_ACTIVE) && s->ruleset_id == r->ruleset_id)
        r->used = true;
    return r->used;
}

bool dp_ruleset_unused(struct dp_ctx *ctx, uint32_t id, uint32_t except_sid)
{
    if (!id || id >= ctx->max_entries[DP_MAP_RULESETS])
        return false;
    if (dp_ruleset_refs_ready(ctx)) {
        ctx->ruleset_ref_reads++;
        return __atomic_load_n(&ctx->rs_refs[id], __ATOMIC_SEQ_CST) == 0;
    }
    /* a datapath pinned without the counts: every session is read */
    struct ref_scan r = {.ruleset_id = id, .except_sid = except_sid};
    ctx->ruleset_ref_scans++;
    return dp_sessions_scan(ctx, ruleset_ref_fn, &r) >= 0 && !r.used;
}
