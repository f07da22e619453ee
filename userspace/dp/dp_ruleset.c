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
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
