/* Sessions: translating dp_session_spec into the maps of bpf/xepc_dp.h.
 *
 * Layout per session (sid = low 24 bits of the uplink TEID):
 *   xepc_sessions[sid]   the session, written last on add, first on delete
 *                        (the control plane's record)
 *   xepc_ue[ue_addr]     -> sid, the downlink key
 *   xepc_usage[sid]      zeroed on add; lines 0-1 the packets' copy of the
 *                        session (its two banks, written after
 *                        xepc_sessions: dp_session_mirror()), line 2 the
 *                        counters, line 3 the UL/DL APN-AMBR buckets
 *                        (XEPC_METER_SESSION in ul/dl_meter_id): one page
 *   xepc_meters[...]     per-rule MBR buckets and a dedicated bearer's MBR
 *                        (its ul/dl_meter_id); a slot with rate 0 is free
 *   xepc_rulesets[...]   the SDF rules sorted by precedence; rulesets without
 *                        meters are shared by sessions with identical rules;
 *                        a ruleset with n_rules 0 is free
 *   xepc_charging[...]   a contiguous run of slots: the quotas (online), the
 *                        rules' other rating groups (offline), then one
 *                        default slot (rating group 0) for the rest; a slot
 *                        without XEPC_CF_VALID is free
 *
 * The maps are the only state, so any process can manage the sessions.
 * Every call that changes them holds the writers' lock (dp_lock(): flock on
 * the pin directory), so two processes never take the same meter, ruleset
 * or charging slot.
 *
 * Crash safety (docs/datapath.md "Crashes and concurrent writers"): the
 * maps are updated in an order where a process killed between any two
 * updates leaves a harmless state: on add, everything the session points
 * to and its UE entry are written before the session entry is published
 * (XEPC_SF_ACTIVE), which the datapath checks on every lookup; on delete,
 * the session entry is unpublished first.  What a kill leaves is at worst
 * a UE entry without its session (ignored by the datapath, taken over by
 * the next add of that address) or slots nobody references; dp_check()
 * finds and frees them.  Nothing is freed without checking its owner: the
 * UE entry must point to the session, a meter must carry its session id,
 * a charging slot its session id, a shared ruleset no other reference.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dp/dp_int.h"

#define SCAN_CHUNK 1024

/* Walks entries lo .. hi - 1 of an array map in chunks; calls fn(idx,
 * value) until it returns non-zero.  Returns fn's value, 0 at the end, or
 * a negative errno; *reads (if given) grows by the entries read. */
static int scan_range(struct dp_ctx *ctx, enum dp_map m, size_t vsize, uint32_t lo, uint32_t hi,
                      int (*fn)(uint32_t idx, const void *val, void *arg), void *arg,
                      uint64_t *reads)
{
    uint32_t *keys = malloc(SCAN_CHUNK * sizeof(*keys));
    uint8_t *vals = malloc(SCAN_CHUNK * vsize);
    int rc = 0;
    if (!keys || !vals) {
        rc = -ENOMEM;
        goto out;
    }
    /* An array's batch cursor is the last index read: the next call
     * starts after it. */
    uint32_t in = lo ? lo - 1 : 0, out_batch = 0, next = lo;
    bool first = lo == 0;
    LIBBPF_OPTS(bpf_map_batch_opts, o);
    while (next < hi && !rc) {
        uint32_t count = hi - next < SCAN_CHUNK ? hi - next : SCAN_CHUNK;
        int r = bpf_map_lookup_batch(ctx->map_fd[m], first ? NULL : &in, &out_batch, keys, vals,
                                     &count, &o);
        if (r && errno != ENOENT) {
            /* No batch support: one lookup per element. */
            for (uint32_t i = next; i < hi && !rc; i++) {
                if (bpf_map_lookup_elem(ctx->map_fd[m], &i, vals))
                    rc = -errno;
                else
                    rc = fn(i, vals, arg);
                if (reads)
                    (*reads)++;
            }
            goto out;
        }
        if (reads)
            *reads += count;
        for (uint32_t i = 0; i < count && !rc; i++)
            rc = fn(keys[i], vals + (size_t)i * vsize, arg);
        if (r || !count)
            break;
        in = out_batch;
        next = out_batch + 1;
        first = false;
    }
out:
    free(keys);
    free(vals);
    return rc;
}

/* Walks the whole array map (see scan_range). */
static int array_scan(struct dp_ctx *ctx, enum dp_map m, size_t vsize,
                      int (*fn)(uint32_t idx, const void *val, void *arg), void *arg)
{
    return scan_range(ctx, m, vsize, 0, ctx->max_entries[m], fn, arg, NULL);
}

/* ------------------------------------------------- the session entry --- */

/* Two banks (xepc_dp.h, struct xepc_session.gen): the live copy of sid is
 * entry sid while gen (in entry sid) is even, entry session_bank + sid
 * while it is odd.  A writer fills the other bank and then increments gen
 * with a second update that changes nothing else, so that a reader (the
 * programs, through session_get()) never sees half an update, and a writer
 * killed between the two leaves the old copy live. */
int dp_session_read(struct dp_ctx *ctx, uint32_t sid, struct xepc_session *s)
{
    int fd = ctx->map_fd[DP_MAP_SESSIONS];
    if (sid >= ctx->max_sessions)
        return -ERANGE;
    for (int i = 0; i < 8; i++) {
        if (bpf_map_lookup_elem(fd, &sid, s))
            return -errno;
        if (!ctx->session_bank || !(s->gen & 1))
            return 0;
        uint32_t g = s->gen, k = ctx->session_bank + sid, g2;
        if (bpf_map_lookup_elem(fd, &k, s))
            return -errno;
        /* a reader without the writers' lock: the bank may have been
         * rewritten meanwhile; gen tells */
        struct xepc_session b0;
        if (bpf_map_lookup_elem(fd, &sid, &b0))
            return -errno;
        g2 = b0.gen;
        s->gen = g;
        if (g2 == g)
            return 0;
    }
    return -EAGAIN;
}

/* The packets' copy of session sid (struct xepc_usage: bank 0 in line 0,
 * bank 1 in line 1; session_get() in bpf/dp_common.h reads nothing else),
 * written through the mmapped map with the banks' discipline: the bank
 * that is not live is filled, then sess.gen incremented (a release store:
 * the bank's stores are visible before it), twice, so that bank 0 ends
 * live.  A reader never sees half a session, and a writer killed at any
 * point leaves a whole copy live (the old or the new).  Called after
 * xepc_sessions is written: that is the control plane's record, this the
 * packets'; dp_check() compares the two. */
void dp_session_mirror(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *v)
{
    if (!ctx->usage || sid >= ctx->max_entries[DP_MAP_USAGE])
        return;
    struct xepc_usage *u = &ctx->usage[sid];
    const size_t n = offsetof(struct xepc_session, gen);
    uint32_t g = __atomic_load_n(&u->sess.gen, __ATOMIC_ACQUIRE);
    if (!(g & 1)) {
        memcpy(&u->sess1, v, n);
        __atomic_store_n(&u->sess.gen, ++g, __ATOMIC_RELEASE);
    }
    memcpy(&u->sess, v, n);
    __atomic_store_n(&u->sess.gen, g + 1, __ATOMIC_RELEASE);
}

/* The packets' copy of session sid (dp_session_mirror()), whole; -EAGAIN
 * when a writer kept changing it. */
int dp_session_mirror_read(struct dp_ctx *ctx, uint32_t sid, struct xepc_session *s)
{
    if (!ctx->usage || sid >= ctx->max_entries[DP_MAP_USAGE])
        return -ERANGE;
    const struct xepc_usage *u = &ctx->usage[sid];
    for (int i = 0; i < 8; i++) {
        uint32_t g = __atomic_load_n(&u->sess.gen, __ATOMIC_ACQUIRE);
        memcpy(s, g & 1 ? &u->sess1 : &u->sess, sizeof(*s));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&u->sess.gen, __ATOMIC_RELAXED) == g) {
            s->gen = g;
            return 0;
        }
    }
    return -EAGAIN;
}

static int session_write_banks(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *v);

/* The ruleset an entry counts for in xepc_rs_refs: an active session's. */
static uint32_t counted_ruleset(const struct xepc_session *s)
{
    return (s->flags & XEPC_SF_ACTIVE) ? s->ruleset_id : 0;
}

int dp_session_write(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *v)
{
    /* the ruleset's count up before the session points to it, the old
     * one's down after it no longer does: a writer killed in between
     * leaves a count too high (a leak dp check mends), never too low */
    struct xepc_session old;
    uint32_t was = 0, now = counted_ruleset(v);
    bool refs = dp_ruleset_refs_ready(ctx) && sid < ctx->max_sessions;
    if (refs && !dp_session_read(ctx, sid, &old))
        was = counted_ruleset(&old);
    if (refs && now != was)
        dp_ruleset_refs_add(ctx, now, 1);
    int rc = session_write_banks(ctx, sid, v);
    if (rc) {
        if (refs && now != was)
            dp_ruleset_refs_add(ctx, now, -1);
        return rc;
    }
    dp_session_mirror(ctx, sid, v);
    if (refs && now != was)
        dp_ruleset_refs_add(ctx, was, -1);
    return 0;
}

static int session_write_banks(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *v)
{
    int fd = ctx->map_fd[DP_MAP_SESSIONS];
    struct xepc_session cur, nv = *v;
    if (sid >= ctx->max_sessions)
        return -ERANGE;
    if (!ctx->session_bank) {
        nv.gen = 0;
        return bpf_map_update_elem(fd, &sid, &nv, 0) ? -errno : 0;
    }
    if (bpf_map_lookup_elem(fd, &sid, &cur))
        return -errno;
    uint32_t g = cur.gen;
    if (!(g & 1)) {
        /* live: bank 0; fill bank 1, then flip (bank 0's data unchanged):
         * the new copy is live */
        uint32_t k = ctx->session_bank + sid;
        nv.gen = 0;
        if (bpf_map_update_elem(fd, &k, &nv, 0))
            return -errno;
        cur.gen = ++g;
        if (bpf_map_update_elem(fd, &sid, &cur, 0))
            return -errno;
    }
    /* live: bank 1; fill bank 0 keeping gen, then flip (only gen
     * changes).  Bank 0 ends live, so that 'bpftool map lookup' of key
     * sid shows the session as it is (gen odd only while a writer is at
     * work, or was killed at it). */
    nv.gen = g;
    if (bpf_map_update_elem(fd, &sid, &nv, 0))
        return -errno;
    nv.gen = g + 1;
    return bpf_map_update_elem(fd, &sid, &nv, 0) ? -errno : 0;
}

struct bank_scan {
    struct dp_ctx *ctx;
    int (*fn)(uint32_t sid, const void *val, void *arg);
    void *arg;
};

#define SCAN_END 0x40000000

static int bank_scan_fn(uint32_t idx, const void *val, void *arg)
{
    struct bank_scan *b = arg;
    const struct xepc_session *s = val;
    struct xepc_session live;
    if (idx >= b->ctx->max_sessions)
        return SCAN_END;
    if (b->ctx->session_bank && (s->gen & 1)) {
        int rc = dp_session_read(b->ctx, idx, &live);
        if (rc)
            return rc;
        return b->fn(idx, &live, b->arg);
    }
    return b->fn(idx, val, b->arg);
}

int dp_sessions_scan(struct dp_ctx *ctx,
                     int (*fn)(uint32_t sid, const void *val, void *arg), void *arg)
{
    struct bank_scan b = {.ctx = ctx, .fn = fn, .arg = arg};
    int rc = array_scan(ctx, DP_MAP_SESSIONS, sizeof(struct xepc_session), bank_scan_fn, &b);
    return rc == SCAN_END ? 0 : rc;
}

int dp_array_scan(struct dp_ctx *ctx, enum dp_map m, size_t vsize,
                  int (*fn)(uint32_t idx, const void *val, void *arg), void *arg)
{
    return array_scan(ctx, m, vsize, fn, arg);
}

/* ---------------------------------------------------------- meters --- */

struct free_scan {
    uint32_t want, found;
    uint32_t *ids;
};

static int meter_free_fn(uint32_t idx, const void *val, void *arg)
{
    const struct xepc_meter *m = val;
    struct free_scan *fs = arg;
    if (idx && !m->rate && !m->burst)
        fs->ids[fs->found++] = idx;
    return fs->found == fs->want;
}

static int meter_write(struct dp_ctx *ctx, uint32_t id, uint64_t bps, uint64_t burst,
                       uint32_t owner)
{
    struct xepc_meter m = {0};
    m.owner = owner;
    m.rate = bps / 8 ? bps / 8 : 1;
    m.burst = burst ? burst : xepc_meter_default_burst(m.rate);
    m.inc_per_byte = xepc_meter_inc_per_byte(m.rate);
    m.tat = 0;          /* full bucket */
    if (bpf_map_update_elem(ctx->map_fd[DP_MAP_METERS], &id, &m, BPF_F_LOCK))
        return dp_set_error(ctx, -errno, "cannot write meter %u: %s", id, strerror(errno));
    return 0;
}

/* Frees meter id if session `owner` took it (0 in the meter: a meter of
 * an older build, which recorded no owner). */
static void meter_free(struct dp_ctx *ctx, uint32_t id, uint32_t owner)
{
    struct xepc_meter m = {0};
    if (!id || id >= ctx->max_entries[DP_MAP_METERS])
        return;
    if (bpf_map_lookup_elem_flags(ctx->map_fd[DP_MAP_METERS], &id, &m, BPF_F_LOCK))
        return;
    if (m.owner && m.owner != owner)
        return; /* another session's: leave it */
    memset(&m, 0, sizeof(m));
    bpf_map_update_elem(ctx->map_fd[DP_MAP_METERS], &id, &m, BPF_F_LOCK);
}

static int meter_read(struct dp_ctx *ctx, uint32_t id, struct xepc_meter *m)
{
    memset(m, 0, sizeof(*m));
    if (!id)
        return 0;
    return bpf_map_lookup_elem_flags(ctx->map_fd[DP_MAP_METERS], &id, m, BPF_F_LOCK) ? -errno : 0;
}

/* --------------------------------------------------------- rulesets --- */

/* Clears ruleset id when no active session points to it any more (the
 * count of xepc_rs_refs: sessions that were written pointing to it and
 * not since written away from it; except_sid matters only to the scan of
 * a datapath pinned without the counts). */
static void ruleset_release(struct dp_ctx *ctx, uint32_t id, uint32_t except_sid)
{
    if (!id)
        return;
    if (dp_ruleset_unused(ctx, id, except_sid)) {
        struct xepc_ruleset empty = {0};
        bpf_map_update_elem(ctx->map_fd[DP_MAP_RULESETS], &id, &empty, 0);
        dp_ruleset_cleared(ctx, id);
    }
}

/* -------------------------------------------------------- charging ---- */

static struct xepc_charge *charge_slot(struct dp_ctx *ctx, uint32_t idx)
{
    return idx < ctx->max_entries[DP_MAP_CHARGING] ? &ctx->charging[idx] : NULL;
}

int dp_uncharged_open(struct dp_ctx *ctx)
{
    if (ctx->unch || ctx->map_fd[DP_MAP_CHARGING] < 0)
        return 0;
    return dp_pin_map_mmap_opt(ctx, XEPC_MAP_UNCHARGED, XEPC_MAP_CHARGING,
                               ctx->max_entries[DP_MAP_CHARGING], sizeof(struct xepc_uncharged),
                               &ctx->unch_fd, (void **)&ctx->unch, &ctx->unch_len);
}

/* Slot idx's xepc_uncharged, or NULL when the datapath has none; looked
 * for again once per taking of the writers' lock (an upgrade adds it). */
static struct xepc_uncharged *unch_slot(struct dp_ctx *ctx, uint32_t idx)
{
    if (!ctx->unch && ctx->unch_epoch != ctx->lock_epoch) {
        ctx->unch_epoch = ctx->lock_epoch;
        dp_uncharged_open(ctx);
    }
    return ctx->unch && idx < ctx->max_entries[DP_MAP_CHARGING] ? &ctx->unch[idx] : NULL;
}

bool dp_counts_uncharged(struct dp_ctx *ctx)
{
    return ctx && unch_slot(ctx, 0) != NULL;
}

/* A slot given to a session starts with nothing let through uncharged. */
static void unch_zero(struct dp_ctx *ctx, uint32_t idx)
{
    struct xepc_uncharged *n = unch_slot(ctx, idx);
    if (n)
        memset(n, 0, sizeof(*n));
}

/* n contiguous free slots, next fit from where the last run ended (as the
 * meters: a scan from slot 1 for every session with quotas would read the
 * whole table per session add once it is full of live sessions). */
static int charging_alloc(struct dp_ctx *ctx, uint32_t n, uint32_t *base)
{
    uint32_t max = ctx->max_entries[DP_MAP_CHARGING];
    uint32_t start = ctx->charge_hint && ctx->charge_hint < max ? ctx->charge_hint : 1;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t lo = pass ? 1 : start, hi = pass ? start + n - 1 : max, run = 0;
        if (hi > max)
            hi = max;
        for (uint32_t i = lo; i < hi; i++) {
            ctx->charge_reads++;
            uint8_t f = __atomic_load_n(&ctx->charging[i].flags, __ATOMIC_ACQUIRE);
            run = (f & XEPC_CF_VALID) ? 0 : run + 1;
            if (run == n) {
                *base = i + 1 - n;
                ctx->charge_hint = i + 1;
                return 0;
            }
        }
    }
    ctx->charging_full++;
    return dp_set_error(ctx, -ENOSPC, "no %u free contiguous charging slots (of %u): the "
                        "charging map is full (raise its size: max charging)", n, max);
}

uint64_t dp_charging_full(const struct dp_ctx *ctx)
{
    return ctx ? ctx->charging_full : 0;
}

/* Frees the slots base .. base + n - 1 that session `owner` holds. */
static void charging_release(struct dp_ctx *ctx, uint32_t base, uint32_t n, uint32_t owner)
{
    for (uint32_t i = 0; i < n; i++) {
        struct xepc_charge *c = charge_slot(ctx, base + i);
        if (c && c->session_id == owner) {
            __atomic_store_n(&c->flags, 0, __ATOMIC_RELEASE);
            memset(c, 0, sizeof(*c));
        }
    }
}

static uint64_t threshold_bytes(uint64_t grant, uint8_t pct)
{
    /* threshold=80% fires when 80 % of the grant is used, i.e. when the
     * remaining volume drops to 20 % of it. */
    return pct ? grant / 100 * (100u - pct) + grant % 100 * (100u - pct) / 100 : 0;
}

/* --------------------------------------------------------- building --- */

struct built {
    struct xepc_session sess;
    struct xepc_ruleset rs;
    uint32_t meter_ids[2 + DP_MAX_RULES];
    uint32_t n_meters;
    struct xepc_bucket ambr[2];     /* UL, DL: the session's own APN-AMBR
                                     * (XEPC_METER_SESSION), written into
                                     * xepc_usage[sid] before it is used */
    uint32_t n_charge;
    uint32_t charge_rg[XEPC_MAX_CHARGE_SLOTS];
    bool charge_online[XEPC_MAX_CHARGE_SLOTS];
    const struct dp_quota_spec *charge_quota[XEPC_MAX_CHARGE_SLOTS];
};

static int slot_of(struct built *b, uint32_t rg)
{
    for (uint32_t i = 0; i < b->n_charge; i++)
        if (b->charge_rg[i] == rg)
            return (int)i;
    return -1;
}

static int cmp_prec(const void *a, const void *b)
{
    const struct dp_rule_spec *x = *(const struct dp_rule_spec *const *)a;
    const struct dp_rule_spec *y = *(const struct dp_rule_spec *const *)b;
    return (int)x->precedence - (int)y->precedence;
}

static uint32_t mask_of(uint8_t plen)
{
    return plen ? htonl(~0u << (32 - plen)) : 0;
}

/* Plans the charging slots and the rules (without meter ids). */
static int plan_policy(struct dp_ctx *ctx, const struct dp_session_spec *s, struct built *b)
{
    for (uint32_t i = 0; i < s->n_quotas; i++) {
        b->charge_rg[b->n_charge] = s->quotas[i].rating_group;
        b->charge_online[b->n_charge] = true;
        b->charge_quota[b->n_charge++] = &s->quotas[i];
    }
    for (uint32_t i = 0; i < s->n_rules; i++)
        if (s->rules[i].rating_group && slot_of(b, s->rules[i].rating_group) < 0) {
            if (b->n_charge >= XEPC_MAX_CHARGE_SLOTS - 1)
                return dp_set_error(ctx, -E2BIG, "more than %d rating groups in one session",
                                    XEPC_MAX_CHARGE_SLOTS - 1);
            b->charge_rg[b->n_charge++] = s->rules[i].rating_group;
        }
    if (b->n_charge)
        b->charge_rg[b->n_charge++] = 0; /* the default slot */

    const struct dp_rule_spec *sorted[DP_MAX_RULES];
    for (uint32_t i = 0; i < s->n_rules; i++)
        sorted[i] = &s->rules[i];
    qsort(sorted, s->n_rules, sizeof(sorted[0]), cmp_prec);
    b->rs.n_rules = s->n_rules;
    for (uint32_t i = 0; i < s->n_rules; i++) {
        const struct dp_rule_spec *r = sorted[i];
        struct xepc_rule *k = &b->rs.rules[i];
        k->precedence = r->precedence;
        k->dir = (r->dir & DP_DIR_UL ? XEPC_DIR_UL : 0) | (r->dir & DP_DIR_DL ? XEPC_DIR_DL : 0);
        k->proto = r->proto;
        k->action = r->action;
        k->flags = r->always_allowed ? XEPC_RF_ALWAYS_ALLOWED : 0;
        k->ue_addr = r->src.s_addr;
        k->ue_mask = mask_of(r->src_plen);
        k->remote_addr = r->dst.s_addr;
        k->remote_mask = mask_of(r->dst_plen);
        k->ue_port_lo = r->sport_lo;
        k->ue_port_hi = r->sport_hi;
        k->remote_port_lo = r->dport_lo;
        k->remote_port_hi = r->dport_hi;
        int slot = r->rating_group ? slot_of(b, r->rating_group) : -1;
        k->charge_slot = slot < 0 ? XEPC_SLOT_DEFAULT : (uint8_t)slot;
        k->tos = r->tos;
        k->tos_mask = r->tos_mask;
        k->bearer_sid = r->action == DP_ACTION_BEARER ? XEPC_TEID_SID(r->bearer_teid) : 0;
    }
    b->sess.default_slot = b->n_charge ? (uint8_t)(b->n_charge - 1) : 0;
    b->sess.n_charge = (uint8_t)b->n_charge;
    return 0;
}

/* Next fit from where the last allocation ended: sessions come and go in
 * roughly the order they were made, so the slots after the cursor are
 * almost always free and an allocation costs a lookup or two.  When they
 * are not (after the cursor wrapped around a table that sessions hold in
 * patches), the walk goes on in chunks from the cursor, and the cursor
 * moves past what it found: each meter is passed over at most once per
 * turn, never the whole table for every allocation (which, once the
 * cursor had wrapped, turned every session add into a read of the whole
 * table and attaches past ~50k UEs to a crawl). */
#define METER_PROBE 64

static int probe_meters(struct dp_ctx *ctx, uint32_t n, uint32_t *ids)
{
    uint32_t max = ctx->max_entries[DP_MAP_METERS];
    uint32_t found = 0, idx = ctx->meter_hint;
    for (uint32_t tries = 0; tries < METER_PROBE && found < n && max > 1; tries++) {
        struct xepc_meter m;
        if (idx == 0 || idx >= max)
            idx = 1;        /* meter 0 means "none" */
        ctx->meter_reads++;
        if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_METERS], &idx, &m))
            return -errno;
        bool taken = false;
        for (uint32_t i = 0; i < found; i++)
            taken |= ids[i] == idx;
        if (!m.rate && !m.burst && !taken)
            ids[found++] = idx;
        idx++;
    }
    if (found < n)
        return 0;
    ctx->meter_hint = idx;
    return (int)found;
}

static int alloc_meters(struct dp_ctx *ctx, uint32_t n, uint32_t *ids)
{
    if (!n)
        return 0;
    if (probe_meters(ctx, n, ids) == (int)n)
        return 0;
    uint32_t max = ctx->max_entries[DP_MAP_METERS];
    uint32_t start = ctx->meter_hint && ctx->meter_hint < max ? ctx->meter_hint : 1;
    struct free_scan fs = {.want = n, .ids = ids};
    int rc = scan_range(ctx, DP_MAP_METERS, sizeof(struct xepc_meter), start, max,
                        meter_free_fn, &fs, &ctx->meter_reads);
    if (rc == 0)
        rc = scan_range(ctx, DP_MAP_METERS, sizeof(struct xepc_meter), 1, start,
                        meter_free_fn, &fs, &ctx->meter_reads);
    if (rc < 0)
        return dp_set_error(ctx, rc, "cannot scan %s: %s", XEPC_MAP_METERS, strerror(-rc));
    if (fs.found < n)
        return dp_set_error(ctx, -ENOSPC, "%u free meters needed, %u left (raise max meters)",
                            n, fs.found);
    ctx->meter_hint = ids[n - 1] + 1;
    return 0;
}

/* Installs the rules, rule meters and charging slots of s into b->sess. */
static int install_policy(struct dp_ctx *ctx, const struct dp_session_spec *s, uint32_t sid,
                          struct built *b)
{
    int rc = plan_policy(ctx, s, b);
    if (rc)
        return rc;
    uint32_t n_rule_meters = 0;
    for (uint32_t i = 0; i < s->n_rules; i++)
        n_rule_meters += s->rules[i].mbr_bps != 0;
    uint32_t ids[DP_MAX_RULES];
    rc = alloc_meters(ctx, n_rule_meters, ids);
    if (rc)
        return rc;
    /* Meters follow the sorted order of the rules. */
    uint32_t m = 0;
    for (uint32_t i = 0; i < b->rs.n_rules; i++) {
        const struct dp_rule_spec *r = NULL;
        for (uint32_t j = 0; j < s->n_rules; j++)
            if (s->rules[j].precedence == b->rs.rules[i].precedence)
                r = &s->rules[j];
        if (r && r->mbr_bps) {
            rc = meter_write(ctx, ids[m], r->mbr_bps, r->burst_bytes, sid);
            if (rc)
                goto undo_meters;
            b->rs.rules[i].meter_id = ids[m];
            b->meter_ids[b->n_meters++] = ids[m++];
        }
    }

    if (b->rs.n_rules) {
        xepc_ruleset_index(&b->rs);
        /* a ruleset without meters is shared by the sessions that have it */
        uint32_t same, free_id;
        rc = dp_ruleset_find(ctx, &b->rs, n_rule_meters == 0, &same, &free_id);
        if (rc < 0) {
            dp_set_error(ctx, rc, "cannot read %s: %s", XEPC_MAP_RULESETS, strerror(-rc));
            goto undo_meters;
        }
        if (same) {
            b->sess.ruleset_id = same;
        } else if (free_id) {
            if (bpf_map_update_elem(ctx->map_fd[DP_MAP_RULESETS], &free_id, &b->rs, 0)) {
                rc = dp_set_error(ctx, -errno, "cannot write ruleset %u: %s", free_id,
                                  strerror(errno));
                goto undo_meters;
            }
            dp_ruleset_written(ctx, free_id, &b->rs);
            b->sess.ruleset_id = free_id;
        } else {
            rc = dp_set_error(ctx, -ENOSPC, "no free ruleset (raise max rulesets)");
            goto undo_meters;
        }
    }

    if (b->n_charge) {
        uint32_t base = 0;
        rc = charging_alloc(ctx, b->n_charge, &base);
        if (rc)
            goto undo_ruleset;
        for (uint32_t i = 0; i < b->n_charge; i++) {
            struct xepc_charge *c = &ctx->charging[base + i];
            const struct dp_quota_spec *q = b->charge_quota[i];
            memset(c, 0, sizeof(*c));
            unch_zero(ctx, base + i);
            c->rating_group = b->charge_rg[i];
            c->session_id = sid;
            if (q) {
                c->remaining = (int64_t)q->bytes;
                c->threshold = q->threshold_bytes ? q->threshold_bytes
                                                  : threshold_bytes(q->bytes, q->threshold_pct);
                c->fua = q->fua;
            }
            __atomic_store_n(&c->flags, (uint8_t)(XEPC_CF_VALID | (q ? XEPC_CF_ONLINE : 0)),
                             __ATOMIC_RELEASE);
        }
        b->sess.charge_base = base;
    }
    return 0;

undo_ruleset:
    ruleset_release(ctx, b->sess.ruleset_id, sid);
undo_meters:
    for (uint32_t i = 0; i < b->n_meters; i++)
        meter_free(ctx, b->meter_ids[i], sid);
    return rc;
}

static void bucket_fill(struct xepc_bucket *bk, uint64_t bps, uint64_t burst)
{
    memset(bk, 0, sizeof(*bk));
    if (!bps)
        return;
    bk->rate = bps / 8 ? bps / 8 : 1;
    bk->burst = burst ? burst : xepc_meter_default_burst(bk->rate);
    bk->inc_per_byte = xepc_meter_inc_per_byte(bk->rate);
    bk->tat = 0;        /* full bucket */
}

/* Writes a bucket of a published xepc_usage entry through the shared
 * mapping, in the order xepc_dp.h (struct xepc_bucket) gives, so that a
 * packet meanwhile sees the old rate or the new one, never the new rate
 * with the old reciprocal. */
static void bucket_store(struct xepc_bucket *dst, const struct xepc_bucket *src)
{
    __atomic_store_n(&dst->inc_per_byte, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&dst->rate, src->rate, __ATOMIC_RELEASE);
    __atomic_store_n(&dst->burst, src->burst, __ATOMIC_RELEASE);
    __atomic_store_n(&dst->tat, src->tat, __ATOMIC_RELEASE);
    __atomic_store_n(&dst->inc_per_byte, src->inc_per_byte, __ATOMIC_RELEASE);
}

/* Whether session sid keeps its APN-AMBR in its own xepc_usage value: every
 * session but a dedicated bearer, whose MBR the downlink reaches through
 * its default bearer's rules by meter id (dp_common.h dp_policy()). */
static bool ambr_inline(const struct dp_ctx *ctx, const struct dp_session_spec *s, uint32_t sid)
{
    return !s->bearer && ctx->usage && sid < ctx->max_entries[DP_MAP_USAGE];
}

static int install_ambr(struct dp_ctx *ctx, const struct dp_session_spec *s, uint32_t sid,
                        struct built *b)
{
    if (ambr_inline(ctx, s, sid)) {
        bucket_fill(&b->ambr[0], s->ul_ambr_bps,
                    s->ambr_burst_bytes ? s->ambr_burst_bytes
                                        : dp_ambr_default_burst(s->ul_ambr_bps));
        bucket_fill(&b->ambr[1], s->dl_ambr_bps,
                    s->ambr_burst_bytes ? s->ambr_burst_bytes
                                        : dp_ambr_default_burst(s->dl_ambr_bps));
        b->sess.ul_meter_id = s->ul_ambr_bps ? XEPC_METER_SESSION : 0;
        b->sess.dl_meter_id = s->dl_ambr_bps ? XEPC_METER_SESSION : 0;
        return 0;
    }
    uint32_t ids[2];
    uint32_t n = (s->ul_ambr_bps != 0) + (s->dl_ambr_bps != 0);
    int rc = alloc_meters(ctx, n, ids);
    if (rc)
        return rc;
    uint32_t k = 0;
    if (s->ul_ambr_bps) {
        rc = meter_write(ctx, ids[k], s->ul_ambr_bps,
                         s->ambr_burst_bytes ? s->ambr_burst_bytes
                                             : dp_ambr_default_burst(s->ul_ambr_bps), sid);
        b->sess.ul_meter_id = ids[k++];
    }
    if (!rc && s->dl_ambr_bps) {
        rc = meter_write(ctx, ids[k], s->dl_ambr_bps,
                         s->ambr_burst_bytes ? s->ambr_burst_bytes
                                             : dp_ambr_default_burst(s->dl_ambr_bps), sid);
        b->sess.dl_meter_id = ids[k++];
    }
    if (rc)
        for (uint32_t i = 0; i < k; i++)
            meter_free(ctx, ids[i], sid);
    return rc;
}

/* Frees what old pointed to; keep_ruleset is a ruleset id the session
 * uses now (an identical shared ruleset found again by a modify). */
static void release_policy(struct dp_ctx *ctx, const struct xepc_session *old, uint32_t sid,
                           uint32_t keep_ruleset)
{
    struct xepc_ruleset rs;
    if (old->ruleset_id && old->ruleset_id != keep_ruleset &&
        !bpf_map_lookup_elem(ctx->map_fd[DP_MAP_RULESETS], &old->ruleset_id, &rs)) {
        for (uint32_t i = 0; i < rs.n_rules && i < XEPC_MAX_RULES; i++)
            meter_free(ctx, rs.rules[i].meter_id, sid);
        /* A ruleset with meters is the session's own, one without may be
         * shared: either way it is cleared only when no other active
         * session points to it. */
        ruleset_release(ctx, old->ruleset_id, sid);
    }
    if (old->charge_base)
        charging_release(ctx, old->charge_base, old->n_charge, sid);
}

static int sid_of(struct dp_ctx *ctx, uint32_t teid, uint32_t *sid)
{
    *sid = XEPC_TEID_SID(teid);
    if (!*sid || *sid >= ctx->max_sessions)
        return dp_set_error(ctx, -ERANGE, "TEID 0x%08x: its session id (low 24 bits, %u) must "
                            "be 1..%u (max sessions)", teid, *sid,
                            ctx->max_sessions - 1);
    return 0;
}

static int session_read(struct dp_ctx *ctx, uint32_t sid, struct xepc_session *s)
{
    int rc = dp_session_read(ctx, sid, s);
    if (rc)
        return dp_set_error(ctx, rc, "cannot read session %u: %s", sid, strerror(-rc));
    return 0;
}

/* The active session whose uplink TEID is ul_teid (the TEID, not only its
 * session-id bits, must match: a stale TEID of a reused slot is unknown). */
static int session_find(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t *sid,
                        struct xepc_session *s)
{
    int rc = sid_of(ctx, ul_teid, sid);
    if (rc)
        return rc;
    rc = session_read(ctx, *sid, s);
    if (rc)
        return rc;
    if (!(s->flags & XEPC_SF_ACTIVE) || s->teid_local != ul_teid)
        return dp_set_error(ctx, -ENOENT, "no session with TEID 0x%08x", ul_teid);
    return 0;
}

/* A new session's cookie (struct xepc_session): non-zero, and never the
 * cookie of the session the slot held before (prev), so that an event or a
 * buffered packet of that session is told from this one even when the TEID
 * and the UE address are the same again.  Random rather than counted: the
 * slot's previous cookie is gone once it was deleted, and any process may
 * add sessions (docs/datapath.md "events"). */
static uint32_t cookie_new(uint32_t prev)
{
    static uint32_t fallback;
    uint32_t c = 0;
    for (int i = 0; i < 4 && (!c || c == prev); i++)
        if (getrandom(&c, sizeof(c), GRND_NONBLOCK) != (ssize_t)sizeof(c))
            c = 0;
    while (!c || c == prev) /* no entropy yet: still different from prev */
        c = (uint32_t)(prev + 0x9e3779b9u * ++fallback);
    return c;
}

static void fill_tunnel(const struct dp_session_spec *s, struct xepc_session *k)
{
    k->ue_addr = s->ue_addr.s_addr;
    k->teid_local = s->ul_teid;
    k->flags &= ~(XEPC_SF_TUNNEL | XEPC_SF_ENB6);
    if (s->has_tunnel) {
        /* an eNB on IPv6: its address in xepc_s1u6[sid] (enb6_write()) */
        k->flags |= XEPC_SF_TUNNEL | (s->enb_is6 ? XEPC_SF_ENB6 : 0);
        k->enb_addr = s->enb_is6 ? 0 : s->enb_addr.s_addr;
        k->teid_remote = s->dl_teid;
    } else {
        k->enb_addr = 0;
        k->teid_remote = 0;
    }
}

/* The IPv6 address of the session's eNB, written before the session that
 * points at it (XEPC_SF_ENB6) is published; nothing for an IPv4 one. */
static int enb6_write(struct dp_ctx *ctx, const struct dp_session_spec *s, uint32_t sid,
                      uint32_t cookie)
{
    if (!s->has_tunnel || !s->enb_is6)
        return 0;
    return dp_enb6_link(ctx, sid, cookie, &s->enb6_addr);
}

/* ------------------------------- a bearer's shared policy (charging) --- */

/* The policy references a dedicated bearer with XEPC_SF_SHARED_POLICY
 * takes from its default bearer's session. */
static void policy_refs_copy(struct xepc_session *to, const struct xepc_session *from)
{
    to->ruleset_id = from ? from->ruleset_id : 0;
    to->charge_base = from ? from->charge_base : 0;
    to->n_charge = from ? from->n_charge : 0;
    to->default_slot = from ? from->default_slot : 0;
}

/* k (the bearer of s) takes the rules and charging slots of the session of
 * s->policy_teid, which must be its default bearer's: active, not a
 * bearer, the same UE. */
static int shared_policy_take(struct dp_ctx *ctx, const struct dp_session_spec *s,
                              struct xepc_session *k)
{
    struct xepc_session d;
    uint32_t dsid;
    int rc = session_find(ctx, s->policy_teid, &dsid, &d);
    if (rc)
        return rc;
    uint8_t p6[8];
    if ((d.flags & XEPC_SF_BEARER) || d.ue_addr != s->ue_addr.s_addr ||
        (s->has_ue6 && (dp_ue6_get(ctx, dsid, d.cookie, p6) != 1 ||
                        memcmp(p6, s->ue6_prefix, 8))))
        return dp_set_error(ctx, -EINVAL, "session 0x%08x is not the default bearer of UE %s%s: "
                            "a bearer shares only its own default bearer's policy",
                            s->policy_teid, inet_ntoa(s->ue_addr),
                            s->has_ue6 ? " with this IPv6 prefix" : "");
    if (!(d.flags & XEPC_SF_POLICY_SHARERS)) {
        /* before the bearer points to it: bearers_follow() must find it */
        d.flags |= XEPC_SF_POLICY_SHARERS;
        rc = dp_session_write(ctx, dsid, &d);
        if (rc)
            return dp_set_error(ctx, rc, "cannot write session %u: %s", dsid, strerror(-rc));
    }
    k->flags |= XEPC_SF_SHARED_POLICY;
    policy_refs_copy(k, &d);
    return 0;
}

#define FOLLOW_MAX 64

struct follow_scan {
    struct dp_ctx *ctx;
    const struct xepc_session *old;
    bool by6;               /* an IPv6-only UE: its bearers have its /64 */
    uint8_t p6[8];
    uint32_t n, sids[FOLLOW_MAX];
};

static int follow_fn(uint32_t sid, const void *val, void *arg)
{
    const uint32_t want = XEPC_SF_ACTIVE | XEPC_SF_BEARER | XEPC_SF_SHARED_POLICY;
    const struct xepc_session *s = val;
    struct follow_scan *f = arg;
    uint8_t p6[8];
    if ((s->flags & want) == want && s->ue_addr == f->old->ue_addr &&
        s->ruleset_id == f->old->ruleset_id && s->charge_base == f->old->charge_base &&
        s->n_charge == f->old->n_charge && f->n < FOLLOW_MAX &&
        (!f->by6 || (dp_ue6_get(f->ctx, sid, s->cookie, p6) == 1 && !memcmp(p6, f->p6, 8))))
        f->sids[f->n++] = sid;
    return 0;
}

/* The default bearer's session changed its policy from old to now (NULL:
 * it is being deleted): the dedicated bearers that shared old take now
 * (or nothing), before what old pointed to is freed, so that no bearer
 * ever points to a freed charging slot (which another session could take:
 * its uplink would be charged to that session's quota).  One scan of the
 * sessions (as ruleset_release()), only for a session some bearer took
 * the policy of (XEPC_SF_POLICY_SHARERS: a full scan per detach made the
 * gateway's idle/active cycles 4x slower); a bearer is found by its UE
 * address and the references it took, and for an IPv6-only UE (address
 * 0.0.0.0) by its /64 (xepc_sess6 of the bearer, dp_sess6_write()): sid is
 * old's, whose own /64 must still be there. */
static void bearers_follow(struct dp_ctx *ctx, const struct xepc_session *old, uint32_t sid,
                           const struct xepc_session *now)
{
    struct follow_scan f = {.ctx = ctx, .old = old};
    if ((old->flags & XEPC_SF_BEARER) || !(old->flags & XEPC_SF_POLICY_SHARERS))
        return;
    f.by6 = !old->ue_addr && dp_ue6_get(ctx, sid, old->cookie, f.p6) == 1;
    if (!old->ruleset_id && !old->charge_base && !old->ue_addr && !f.by6)
        return;     /* nothing to tell this UE's bearers from others by */
    if (dp_sessions_scan(ctx, follow_fn, &f) < 0)
        return;
    for (uint32_t i = 0; i < f.n; i++) {
        struct xepc_session b;
        if (dp_session_read(ctx, f.sids[i], &b))
            continue;
        policy_refs_copy(&b, now);
        dp_session_write(ctx, f.sids[i], &b);
    }
}

/* The gateway's own S1-U address is never a UE's: its downlink would be
 * the gateway's own GTP-U traffic. */
static int ue_not_ours(struct dp_ctx *ctx, struct in_addr ue, const char *prefix)
{
    struct xepc_config cfg;
    char a[INET_ADDRSTRLEN];
    int rc = dp_config_read(ctx, &cfg);
    if (rc)
        return rc;
    if (cfg.gtpu_addr && ue.s_addr == cfg.gtpu_addr)
        return dp_set_error(ctx, -EINVAL, "%sUE address %s is the gateway's own GTP-U address",
                            prefix, inet_ntop(AF_INET, &ue, a, sizeof(a)));
    return 0;
}

/* Whether the UE entry of ue_addr belongs to an active session: returns
 * 1 with its sid, 0 when there is none or it is an orphan (left by a killed
 * add or delete: its session is not active or has another address). */
static int ue_owner(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t *sid_out)
{
    uint32_t sid;
    struct xepc_session k;
    if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_UE], &ue_addr, &sid))
        return 0;
    if (dp_session_read(ctx, sid, &k) ||
        !(k.flags & XEPC_SF_ACTIVE) || k.ue_addr != ue_addr)
        return 0;
    *sid_out = sid;
    return 1;
}

/* Removes the UE entry of ue_addr if it points to sid (never another
 * session's), and the UE's direct slot if it holds (ue_addr, sid). */
static void ue_unlink(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t sid)
{
    uint32_t cur;
    dp_ue_direct_release(ctx, ue_addr, sid);
    if (!bpf_map_lookup_elem(ctx->map_fd[DP_MAP_UE], &ue_addr, &cur) && cur == sid)
        bpf_map_delete_elem(ctx->map_fd[DP_MAP_UE], &ue_addr);
}

/* A redirect (a rule's action or a quota's final-unit action) sends the
 * UE's uplink to xepc_config.portal_addr; without a portal the datapath can
 * only drop it (NO_PORTAL), which is not what the operator asked for.
 * RFC 4006 8.35/8.37: REDIRECT needs a Redirect-Server address. */
static int portal_check(struct dp_ctx *ctx, const struct dp_session_spec *s)
{
    struct xepc_config cfg;
    const char *what = NULL;
    uint32_t which = 0;
    for (uint32_t i = 0; i < s->n_quotas && !what; i++)
        if (s->quotas[i].fua == DP_FUA_REDIRECT) {
            what = "the quota of rating group";
            which = s->quotas[i].rating_group;
        }
    for (uint32_t i = 0; i < s->n_rules && !what; i++)
        if (s->rules[i].action == DP_ACTION_REDIRECT) {
            what = "the rule of precedence";
            which = s->rules[i].precedence;
        }
    if (!what)
        return 0;
    int rc = dp_config_read(ctx, &cfg);
    if (rc)
        return rc;
    if (cfg.portal_addr)
        return 0;
    return dp_set_error(ctx, -EINVAL, "%s %u redirects, but the datapath has no portal: "
                        "bring it up with dp up --portal ADDR, or use fua=drop/restrict",
                        what, which);
}

static int session_add(struct dp_ctx *ctx, const struct dp_session_spec *s, uint8_t default_action)
{
    char err[256];
    struct built b;
    struct xepc_session cur;
    uint32_t sid, other;
    int rc = dp_session_spec_check(s, err, sizeof(err));
    if (rc)
        return dp_set_error(ctx, rc, "%s", err);
    rc = portal_check(ctx, s);
    if (rc)
        return rc;
    rc = dp_session_quotas_check(s, err, sizeof(err));
    if (rc)
        return dp_set_error(ctx, rc, "%s", err);
    rc = ue_not_ours(ctx, s->ue_addr, "");
    if (rc)
        return rc;
    rc = sid_of(ctx, s->ul_teid, &sid);
    if (rc)
        return rc;
    rc = session_read(ctx, sid, &cur);
    if (rc)
        return rc;
    if (cur.flags & XEPC_SF_ACTIVE)
        return dp_set_error(ctx, -EEXIST, "session id %u is in use (TEID 0x%08x); delete it "
                            "first or modify it", sid, cur.teid_local);
    /* a dedicated bearer shares its default bearer's UE address; an
     * IPv6-only session has none (0.0.0.0) */
    bool v4 = s->ue_addr.s_addr != 0;
    if (!s->bearer && v4 && ue_owner(ctx, s->ue_addr.s_addr, &other))
        return dp_set_error(ctx, -EEXIST, "UE address %s already belongs to session %u",
                            inet_ntoa(s->ue_addr), other);

    memset(&b, 0, sizeof(b));
    b.sess.flags = XEPC_SF_ACTIVE | (s->bearer ? XEPC_SF_BEARER : 0);
    b.sess.default_action = default_action;
    b.sess.cookie = cookie_new(cur.cookie);
    fill_tunnel(s, &b.sess);
    rc = install_ambr(ctx, s, sid, &b);
    if (rc)
        return rc;
    rc = install_policy(ctx, s, sid, &b);
    if (rc)
        goto undo_ambr;
    if (s->policy_teid) {
        rc = shared_policy_take(ctx, s, &b.sess);   /* no rules of its own */
        if (rc)
            goto undo_ambr;
    }

    /* The UE entry before the session: until the session is published it
     * points to an inactive slot, which the downlink ignores.  An orphan
     * entry of the same address (a killed add) is taken over. */
    struct xepc_usage zero = {0};
    zero.ul_ambr = b.ambr[0];
    zero.dl_ambr = b.ambr[1];
    if (bpf_map_update_elem(ctx->map_fd[DP_MAP_USAGE], &sid, &zero, 0)) {
        rc = dp_set_error(ctx, -errno, "cannot write usage %u: %s", sid, strerror(errno));
        goto undo_policy;
    }
    if (s->bearer || !v4) {
        /* reached by its TEID and by its default bearer's rules only */
    } else if (bpf_map_update_elem(ctx->map_fd[DP_MAP_UE], &s->ue_addr.s_addr, &sid, BPF_ANY)) {
        rc = dp_set_error(ctx, -errno, "cannot add UE address %s: %s%s", inet_ntoa(s->ue_addr),
                          strerror(errno), errno == E2BIG ? " (max sessions reached)" : "");
        goto undo_policy;
    } else {
        dp_ue_direct_claim(ctx, s->ue_addr.s_addr, sid);
    }
    if (s->has_ue6) {
        /* a bearer: the /64 of its default bearer, which keeps the
         * downlink's xepc_ue6 entry */
        rc = s->bearer ? dp_sess6_write(ctx, sid, b.sess.cookie, s->ue6_prefix)
                       : dp_ue6_link(ctx, s->ue6_prefix, sid, b.sess.cookie);
        if (rc) {
            if (v4)
                ue_unlink(ctx, s->ue_addr.s_addr, sid);
            goto undo_policy;
        }
    }
    rc = enb6_write(ctx, s, sid, b.sess.cookie);
    /* Published last: from here on the packets see the whole session. */
    if (!rc) {
        rc = dp_session_write(ctx, sid, &b.sess);
        if (rc)
            rc = dp_set_error(ctx, rc, "cannot write session %u: %s", sid, strerror(-rc));
    }
    if (rc) {
        if (!s->bearer && v4)
            ue_unlink(ctx, s->ue_addr.s_addr, sid);
        if (s->has_ue6)
            dp_ue6_unlink(ctx, sid);
        dp_enb6_unlink(ctx, sid);
        goto undo_policy;
    }
    return 0;

undo_policy:
    if (!(b.sess.flags & XEPC_SF_SHARED_POLICY))
        release_policy(ctx, &b.sess, sid, 0);
undo_ambr:
    meter_free(ctx, b.sess.ul_meter_id, sid);
    meter_free(ctx, b.sess.dl_meter_id, sid);
    return rc;
}

int dp_session_add(struct dp_ctx *ctx, const struct dp_session_spec *s, uint8_t default_action)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = session_add(ctx, s, default_action);
    dp_unlock(ctx);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Checks the UE addresses of a bulk install against each other and against
 * the UE map (read with batched lookups; the batch update of a hash map
 * takes no BPF_NOEXIST). */
static int ue_conflicts(struct dp_ctx *ctx, const struct dp_session_spec *s, size_t n)
{
    enum { CHUNK = 4096 };
    size_t cap = ctx->max_entries[DP_MAP_UE] + 1, have = 0;
    uint32_t *old = malloc(cap * sizeof(*old));
    uint32_t *vals = malloc(CHUNK * sizeof(*vals));
    uint32_t *new_ = malloc((n ? n : 1) * sizeof(*new_));
    int rc = 0;
    if (!old || !vals || !new_) {
        rc = dp_set_error(ctx, -ENOMEM, "out of memory");
        goto out;
    }
    LIBBPF_OPTS(bpf_map_batch_opts, o);
    uint32_t in = 0, out_b = 0;
    bool first = true;
    for (;;) {
        uint32_t count = (uint32_t)(cap - have < CHUNK ? cap - have : CHUNK);
        int r = bpf_map_lookup_batch(ctx->map_fd[DP_MAP_UE], first ? NULL : &in, &out_b,
                                     old + have, vals, &count, &o);
        if (r && errno != ENOENT) {
            rc = dp_set_error(ctx, -errno, "cannot read %s: %s", XEPC_MAP_UE, strerror(errno));
            goto out;
        }
        have += count;
        if (r || have >= cap)
            break;
        in = out_b;
        first = false;
    }
    size_t n4 = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].ue_addr.s_addr)    /* an IPv6-only session has none */
            new_[n4++] = s[i].ue_addr.s_addr;
    n = n4;
    qsort(old, have, sizeof(*old), cmp_u32);
    qsort(new_, n, sizeof(*new_), cmp_u32);
    for (size_t i = 0, j = 0; i < n; i++) {
        struct in_addr a = {.s_addr = new_[i]};
        if (i && new_[i] == new_[i - 1]) {
            rc = dp_set_error(ctx, -EINVAL, "UE address %s appears twice; nothing was installed",
                              inet_ntoa(a));
            goto out;
        }
        while (j < have && old[j] < new_[i])
            j++;
        uint32_t other;
        /* an orphan entry (a killed add: its session is not active) is
         * taken over by the batch update */
        if (j < have && old[j] == new_[i] && ue_owner(ctx, new_[i], &other)) {
            rc = dp_set_error(ctx, -EEXIST, "UE address %s already has a session; nothing was "
                              "installed", inet_ntoa(a));
            goto out;
        }
    }
out:
    free(old);
    free(vals);
    free(new_);
    return rc;
}

/* A slot of xepc_ue_direct as the one 64-bit word that both sides load and
 * store at once (xepc_dp.h). */
static uint64_t ue_direct_word(uint32_t ue_addr, uint32_t sid)
{
    union {
        uint64_t w;
        struct xepc_ue_direct d;
    } v = { .d = { .ue_addr = ue_addr, .sid = sid } };
    return v.w;
}

static uint64_t *ue_direct_slot(struct dp_ctx *ctx, uint32_t ue_addr)
{
    uint32_t n = ctx->max_entries[DP_MAP_UE_DIRECT];
    if (!ctx->ue_direct || n < 2 || (n & (n - 1)))
        return NULL;
    return (uint64_t *)&ctx->ue_direct[xepc_ue_slot(ue_addr, n - 1)];
}

void dp_ue_direct_claim(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t sid)
{
    uint64_t *w = ue_direct_slot(ctx, ue_addr);
    if (!w)
        return;
    union {
        uint64_t w;
        struct xepc_ue_direct d;
    } cur = { .w = __atomic_load_n(w, __ATOMIC_ACQUIRE) };
    /* A slot taken by another UE stays with it; this one is served by the
     * hash (a few tens of ns more per downlink packet).  A slot that holds
     * this very address for another sid is an orphan (the caller holds the
     * writers' lock and owns the address now): it would hide the hash, so
     * it is taken over. */
    if (cur.w && cur.d.ue_addr != ue_addr)
        return;
    __atomic_compare_exchange_n(w, &cur.w, ue_direct_word(ue_addr, sid), false,
                                __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

void dp_ue_direct_release(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t sid)
{
    uint64_t *w = ue_direct_slot(ctx, ue_addr);
    if (!w)
        return;
    uint64_t want = ue_direct_word(ue_addr, sid);
    __atomic_compare_exchange_n(w, &want, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

struct active_scan {
    uint64_t *bits;                 /* active session ids */
    uint32_t *gens;                 /* gen of every session id */
};

static int active_bitmap_fn(uint32_t idx, const void *val, void *arg)
{
    const struct xepc_session *k = val;
    struct active_scan *a = arg;
    if (k->flags & XEPC_SF_ACTIVE)
        a->bits[idx / 64] |= 1ull << (idx % 64);
    a->gens[idx] = k->gen;
    return 0;
}

/*
 * The policy of bulk-installed sessions (issue 13 section 1: full-policy
 * sessions in bulk): rules, quotas and AMBR as dp_session_add() installs
 * them, with what makes that path O(tables) per session done once per
 * call: an identical ruleset is shared (searched in the map once per
 * distinct ruleset of the call, then remembered), and charging slots are
 * taken from a cursor that moves forward through the call instead of a
 * scan from slot 1 per session.  Rules with their own MBR meter make a
 * ruleset per session: bulk refuses them (dp_session_add() takes them).
 */
#define BULK_RS_CACHE 16

struct bulk_policy {
    struct {
        struct xepc_ruleset rs;
        uint32_t id;
    } rs[BULK_RS_CACHE];
    uint32_t n_rs;
    uint32_t charge_cursor;
};

static int bulk_ruleset(struct dp_ctx *ctx, struct bulk_policy *bp, struct built *b)
{
    xepc_ruleset_index(&b->rs);
    for (uint32_t i = 0; i < bp->n_rs; i++)
        if (!memcmp(&bp->rs[i].rs, &b->rs, sizeof(b->rs))) {
            b->sess.ruleset_id = bp->rs[i].id;
            return 0;
        }
    uint32_t same, free_id;
    int rc = dp_ruleset_find(ctx, &b->rs, true, &same, &free_id);
    if (rc < 0)
        return dp_set_error(ctx, rc, "cannot read %s: %s", XEPC_MAP_RULESETS, strerror(-rc));
    if (!same && !free_id)
        return dp_set_error(ctx, -ENOSPC, "no free ruleset (raise max rulesets)");
    if (!same) {
        if (bpf_map_update_elem(ctx->map_fd[DP_MAP_RULESETS], &free_id, &b->rs, 0))
            return dp_set_error(ctx, -errno, "cannot write ruleset %u: %s", free_id,
                                strerror(errno));
        dp_ruleset_written(ctx, free_id, &b->rs);
    }
    b->sess.ruleset_id = same ? same : free_id;
    if (bp->n_rs < BULK_RS_CACHE) {
        bp->rs[bp->n_rs].rs = b->rs;
        bp->rs[bp->n_rs++].id = b->sess.ruleset_id;
    }
    return 0;
}

/* n free contiguous charging slots from the cursor on (then from 1). */
static int bulk_charging(struct dp_ctx *ctx, struct bulk_policy *bp, uint32_t n, uint32_t *base)
{
    uint32_t max = ctx->max_entries[DP_MAP_CHARGING];
    for (int pass = 0; pass < 2; pass++) {
        uint32_t run = 0;
        uint32_t from = pass ? 1 : (bp->charge_cursor ? bp->charge_cursor : 1);
        for (uint32_t i = from; i < max; i++) {
            uint8_t f = __atomic_load_n(&ctx->charging[i].flags, __ATOMIC_ACQUIRE);
            run = (f & XEPC_CF_VALID) ? 0 : run + 1;
            if (run == n) {
                *base = i + 1 - n;
                bp->charge_cursor = i + 1;
                return 0;
            }
        }
        if (from == 1)
            break;
    }
    ctx->charging_full++;
    return dp_set_error(ctx, -ENOSPC, "no %u free contiguous charging slots (of %u): the "
                        "charging map is full (raise its size: max charging)", n, max);
}

/* Installs the AMBR meters, ruleset and charging slots of sp for session
 * sid into b->sess; on error, nothing of it is left but a ruleset shared
 * with nobody (dp_check() frees it). */
static int bulk_policy_install(struct dp_ctx *ctx, struct bulk_policy *bp,
                               const struct dp_session_spec *sp, uint32_t sid, struct built *b)
{
    for (uint32_t r = 0; r < sp->n_rules; r++)
        if (sp->rules[r].mbr_bps)
            return dp_set_error(ctx, -EINVAL, "bulk install takes rules without mbr= (rule "
                                "%u of TEID 0x%08x has one); add such sessions one by one",
                                r + 1, sp->ul_teid);
    int rc = install_ambr(ctx, sp, sid, b);
    if (rc)
        return rc;
    rc = plan_policy(ctx, sp, b);
    if (!rc && b->rs.n_rules)
        rc = bulk_ruleset(ctx, bp, b);
    if (!rc && b->n_charge) {
        uint32_t base = 0;
        rc = bulk_charging(ctx, bp, b->n_charge, &base);
        for (uint32_t i = 0; !rc && i < b->n_charge; i++) {
            struct xepc_charge *c = &ctx->charging[base + i];
            const struct dp_quota_spec *q = b->charge_quota[i];
            memset(c, 0, sizeof(*c));
            unch_zero(ctx, base + i);
            c->rating_group = b->charge_rg[i];
            c->session_id = sid;
            if (q) {
                c->remaining = (int64_t)q->bytes;
                c->threshold = q->threshold_bytes ? q->threshold_bytes
                                                  : threshold_bytes(q->bytes, q->threshold_pct);
                c->fua = q->fua;
            }
            __atomic_store_n(&c->flags, (uint8_t)(XEPC_CF_VALID | (q ? XEPC_CF_ONLINE : 0)),
                             __ATOMIC_RELEASE);
        }
        if (!rc)
            b->sess.charge_base = base;
    }
    if (rc) {
        meter_free(ctx, b->sess.ul_meter_id, sid);
        meter_free(ctx, b->sess.dl_meter_id, sid);
    }
    return rc;
}

/* Undoes bulk_policy_install() of a session that was not published. */
static void bulk_policy_release(struct dp_ctx *ctx, const struct xepc_session *v, uint32_t sid)
{
    meter_free(ctx, v->ul_meter_id, sid);
    meter_free(ctx, v->dl_meter_id, sid);
    if (v->charge_base)
        charging_release(ctx, v->charge_base, v->n_charge, sid);
}

static int session_add_bulk(struct dp_ctx *ctx, const struct dp_session_spec *s, size_t n,
                            uint8_t default_action)
{
    enum { CHUNK = 8192 };
    /* Session ids in use, read once with batched lookups. */
    uint64_t *active = calloc(ctx->max_sessions / 64 + 1, sizeof(*active));
    uint32_t *gens = calloc(ctx->max_sessions, sizeof(*gens));
    struct active_scan as = {.bits = active, .gens = gens};
    if (!active || !gens) {
        free(active);
        free(gens);
        return dp_set_error(ctx, -ENOMEM, "out of memory");
    }
    struct xepc_config cfg;
    int crc = dp_config_read(ctx, &cfg);
    if (crc) {
        free(active);
        free(gens);
        return crc;
    }
    int src = dp_sessions_scan(ctx, active_bitmap_fn, &as);
    if (src < 0) {
        free(active);
        free(gens);
        return dp_set_error(ctx, src, "cannot scan %s: %s", XEPC_MAP_SESSIONS, strerror(-src));
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t sid;
        int e = sid_of(ctx, s[i].ul_teid, &sid);
        if (!e && (active[sid / 64] & (1ull << (sid % 64))))
            e = dp_set_error(ctx, -EEXIST, "session id %u (TEID 0x%08x) is in use; nothing "
                             "was installed", sid, s[i].ul_teid);
        char err[256];
        int ce = e ? 0 : dp_session_spec_check(&s[i], err, sizeof(err));
        if (!e && !ce && s[i].bearer) {
            snprintf(err, sizeof(err), "dedicated bearers are added one by one");
            ce = -EINVAL;
        }
        if (!e && !ce && s[i].n_quotas) /* as dp_session_add() */
            ce = dp_session_quotas_check(&s[i], err, sizeof(err));
        if (ce)
            e = dp_set_error(ctx, ce, "session %zu: %s; nothing was installed", i, err);
        if (!e && s[i].ue_addr.s_addr == cfg.gtpu_addr && cfg.gtpu_addr) {
            char pfx[64];
            snprintf(pfx, sizeof(pfx), "session %zu: ", i);
            e = ue_not_ours(ctx, s[i].ue_addr, pfx);
        }
        if (e) {
            free(active);
            free(gens);
            return e;
        }
        active[sid / 64] |= 1ull << (sid % 64); /* duplicates within the batch */
    }
    free(active);
    int rc0 = ue_conflicts(ctx, s, n);
    if (!rc0)
        rc0 = dp_bulk6_check(ctx, s, n);
    if (rc0) {
        free(gens);
        return rc0;
    }

    uint32_t *sids = malloc(CHUNK * sizeof(*sids));
    uint32_t *ues = malloc(CHUNK * sizeof(*ues));
    uint32_t *usids = malloc(CHUNK * sizeof(*usids));   /* the sids of ues[] */
    uint32_t *cookies = malloc(CHUNK * sizeof(*cookies));
    struct xepc_session *vals = calloc(CHUNK, sizeof(*vals));
    struct xepc_usage *zeros = calloc(CHUNK, sizeof(*zeros));
    uint32_t *dkeys = malloc(CHUNK * sizeof(*dkeys));
    struct xepc_session *flips = calloc(CHUNK, sizeof(*flips));
    struct bulk_policy *bp = calloc(1, sizeof(*bp));
    struct built *b = malloc(sizeof(*b));
    size_t done = 0;
    uint32_t built_n = 0;   /* sessions of the chunk whose policy is installed */
    int rc = 0;
    if (!sids || !ues || !usids || !cookies || !vals || !zeros || !dkeys || !flips || !bp ||
        !b) {
        rc = dp_set_error(ctx, -ENOMEM, "out of memory");
        goto out;
    }
    LIBBPF_OPTS(bpf_map_batch_opts, o);
    uint32_t cookie_base = cookie_new(0);
    while (done < n) {
        uint32_t cnt = (uint32_t)(n - done < CHUNK ? n - done : CHUNK), n4 = 0;
        built_n = 0;
        for (uint32_t i = 0; i < cnt; i++) {
            const struct dp_session_spec *sp = &s[done + i];
            rc = sid_of(ctx, sp->ul_teid, &sids[i]);
            if (rc)
                goto out;
            if (sp->ue_addr.s_addr) {   /* IPv6 only: no UE entry */
                ues[n4] = sp->ue_addr.s_addr;
                usids[n4++] = sids[i];
            }
            memset(b, 0, sizeof(*b));
            if (sp->n_rules || sp->n_quotas || sp->ul_ambr_bps || sp->dl_ambr_bps) {
                rc = bulk_policy_install(ctx, bp, sp, sids[i], b);
                if (rc)
                    goto out;
            }
            built_n = i + 1;
            vals[i] = b->sess;
            memset(&zeros[i], 0, sizeof(zeros[i]));
            zeros[i].ul_ambr = b->ambr[0];
            zeros[i].dl_ambr = b->ambr[1];
            vals[i].default_action = default_action;
            vals[i].flags = XEPC_SF_ACTIVE;
            /* one random base for the whole install: a getrandom() per
             * session would cost more than the install itself */
            vals[i].cookie = cookie_base + (uint32_t)(done + i);
            if (!vals[i].cookie)
                vals[i].cookie = 1;
            cookies[i] = vals[i].cookie;
            fill_tunnel(sp, &vals[i]);
        }
        /* The UE entries first, the sessions (published) last, as in
         * dp_session_add(): a kill in between leaves UE entries pointing
         * to inactive slots, which the downlink ignores and dp_check()
         * removes (conflicts were ruled out above). */
        uint32_t c = cnt;
        if (bpf_map_update_batch(ctx->map_fd[DP_MAP_USAGE], sids, zeros, &c, &o) ||
            (c = n4, n4 && bpf_map_update_batch(ctx->map_fd[DP_MAP_UE], ues, usids, &c, &o))) {
            int e = errno;
            for (uint32_t i = 0; i < n4; i++)
                ue_unlink(ctx, ues[i], usids[i]);
            rc = dp_set_error(ctx, -e, "bulk update failed after %zu sessions: %s%s", done,
                              strerror(e), e == E2BIG ? " (max sessions reached)" : "");
            goto out;
        }
        for (uint32_t i = 0; i < n4; i++)
            dp_ue_direct_claim(ctx, ues[i], usids[i]);
        /* and the IPv6 /64s and IPv6 eNBs (dp_session6.c), also before
         * the sessions are published */
        rc = dp_bulk6_link(ctx, &s[done], sids, cookies, cnt);
        if (rc) {
            for (uint32_t i = 0; i < n4; i++)
                ue_unlink(ctx, ues[i], usids[i]);
            dp_bulk6_unlink(ctx, &s[done], sids, cnt);
            goto out;
        }
        /* The sessions as dp_session_write() writes one: a slot whose
         * bank 0 is live gets the new copy in bank 1 and a flip first
         * (its bank 0 copy unchanged but for gen: an inactive slot's is
         * empty), then every slot gets it in bank 0 (gen kept, odd) and
         * a flip back.  Without banks, in place: the slots are inactive,
         * so a torn read is inactive too.  Their rulesets' counts first
         * (dp_session_write()'s order; the slots were inactive). */
        for (uint32_t i = 0; i < cnt; i++)
            dp_ruleset_refs_add(ctx, counted_ruleset(&vals[i]), 1);
        int r = 0;
        if (!ctx->session_bank) {
            c = cnt;
            r = bpf_map_update_batch(ctx->map_fd[DP_MAP_SESSIONS], sids, vals, &c, &o);
        } else {
            uint32_t m = 0;
            for (uint32_t i = 0; i < cnt; i++) {
                uint32_t g = gens[sids[i]];
                if (g & 1)
                    continue;
                dkeys[m] = ctx->session_bank + sids[i];
                flips[m] = vals[i];
                flips[m].gen = 0;
                m++;
            }
            c = m;
            if (m)
                r = bpf_map_update_batch(ctx->map_fd[DP_MAP_SESSIONS], dkeys, flips, &c, &o);
            m = 0;
            for (uint32_t i = 0; !r && i < cnt; i++) {
                uint32_t g = gens[sids[i]];
                if (g & 1)
                    continue;
                dkeys[m] = sids[i];
                memset(&flips[m], 0, sizeof(flips[m]));
                flips[m].gen = g + 1;
                gens[sids[i]] = g + 1;
                m++;
            }
            c = m;
            if (!r && m)
                r = bpf_map_update_batch(ctx->map_fd[DP_MAP_SESSIONS], dkeys, flips, &c, &o);
            for (uint32_t i = 0; i < cnt; i++)
                vals[i].gen = gens[sids[i]];
            c = cnt;
            if (!r)
                r = bpf_map_update_batch(ctx->map_fd[DP_MAP_SESSIONS], sids, vals, &c, &o);
            for (uint32_t i = 0; i < cnt; i++) {
                flips[i] = vals[i];
                flips[i].gen = vals[i].gen + 1;
            }
            c = cnt;
            if (!r)
                r = bpf_map_update_batch(ctx->map_fd[DP_MAP_SESSIONS], sids, flips, &c, &o);
        }
        if (r) {
            int e = errno;
            /* the counts of what is not active after all */
            for (uint32_t i = 0; i < cnt; i++) {
                struct xepc_session k;
                if (dp_session_read(ctx, sids[i], &k) ||
                    counted_ruleset(&k) != counted_ruleset(&vals[i]))
                    dp_ruleset_refs_add(ctx, counted_ruleset(&vals[i]), -1);
            }
            /* a chunk fails before any of it is published (the last batch
             * publishes all or reports how many): its UE entries go again */
            for (uint32_t i = 0; i < n4; i++)
                ue_unlink(ctx, ues[i], usids[i]);
            dp_bulk6_unlink(ctx, &s[done], sids, cnt);
            rc = dp_set_error(ctx, -e, "bulk update failed after %zu sessions: %s", done,
                              strerror(e));
            goto out;
        }
        built_n = 0;    /* published */
        for (uint32_t i = 0; i < cnt; i++) {
            gens[sids[i]] += ctx->session_bank ? 1 : 0; /* after the flip back */
            /* the packets' copy, as dp_session_write() does */
            dp_session_mirror(ctx, sids[i], &vals[i]);
        }
        done += cnt;
    }
out:
    /* the policy of the chunk that was not published */
    for (uint32_t i = 0; rc && vals && i < built_n; i++)
        bulk_policy_release(ctx, &vals[i], sids[i]);
    for (uint32_t i = 0; rc && bp && i < bp->n_rs; i++)
        ruleset_release(ctx, bp->rs[i].id, 0);
    free(sids);
    free(ues);
    free(usids);
    free(cookies);
    free(vals);
    free(zeros);
    free(dkeys);
    free(flips);
    free(gens);
    free(bp);
    free(b);
    return rc ? rc : (int)done;
}

int dp_session_add_bulk(struct dp_ctx *ctx, const struct dp_session_spec *s, size_t n)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = session_add_bulk(ctx, s, n, XEPC_ACT_PASS);
    dp_unlock(ctx);
    return rc;
}

/* The four counters of a slot or of its xepc_uncharged twin (the same
 * member names in both): a snapshot of src into dst, and what from counted
 * since the snapshot snap added to to. */
#define COUNTERS_LOAD(dst, src)                                                      \
    do {                                                                             \
        (dst).ul_bytes = __atomic_load_n(&(src)->ul_bytes, __ATOMIC_ACQUIRE);        \
        (dst).ul_pkts = __atomic_load_n(&(src)->ul_pkts, __ATOMIC_ACQUIRE);          \
        (dst).dl_bytes = __atomic_load_n(&(src)->dl_bytes, __ATOMIC_ACQUIRE);        \
        (dst).dl_pkts = __atomic_load_n(&(src)->dl_pkts, __ATOMIC_ACQUIRE);          \
    } while (0)
#define COUNTER_CARRY(to, from, snap, f)                                             \
    __atomic_fetch_add(&(to)->f, __atomic_load_n(&(from)->f, __ATOMIC_ACQUIRE) - (snap).f, \
                       __ATOMIC_RELEASE)
#define COUNTERS_CARRY(to, from, snap)                                               \
    do {                                                                             \
        COUNTER_CARRY(to, from, snap, ul_bytes);                                     \
        COUNTER_CARRY(to, from, snap, ul_pkts);                                      \
        COUNTER_CARRY(to, from, snap, dl_bytes);                                     \
        COUNTER_CARRY(to, from, snap, dl_pkts);                                      \
    } while (0)

/* dp_quota_spec.keep: each new online slot whose quota asks for it takes
 * the counters, remainder and state of the old online slot of its rating
 * group (from[i] = that old slot, snap[i] what it held), before the new
 * slots are published. */
static void keep_slots(struct dp_ctx *ctx, const struct xepc_session *old, struct built *b,
                       uint32_t *from, struct xepc_charge *snap, struct xepc_uncharged *usnap)
{
    for (uint32_t i = 0; i < b->n_charge; i++) {
        const struct dp_quota_spec *q = b->charge_quota[i];
        if (!q || !q->keep)
            continue;
        for (uint32_t j = 0; j < old->n_charge; j++) {
            struct xepc_charge *o = charge_slot(ctx, old->charge_base + j);
            if (!o || o->rating_group != b->charge_rg[i] || !(o->flags & XEPC_CF_ONLINE))
                continue;
            struct xepc_charge *c = &ctx->charging[b->sess.charge_base + i];
            COUNTERS_LOAD(snap[i], o);
            snap[i].remaining = __atomic_load_n(&o->remaining, __ATOMIC_ACQUIRE);
            snap[i].state = __atomic_load_n(&o->state, __ATOMIC_ACQUIRE);
            c->ul_bytes = snap[i].ul_bytes;
            c->ul_pkts = snap[i].ul_pkts;
            c->dl_bytes = snap[i].dl_bytes;
            c->dl_pkts = snap[i].dl_pkts;
            c->remaining = snap[i].remaining;
            c->state = snap[i].state;
            from[i] = old->charge_base + j;
            /* and what its final-unit action let through uncharged */
            struct xepc_uncharged *on = unch_slot(ctx, from[i]);
            struct xepc_uncharged *nn = unch_slot(ctx, b->sess.charge_base + i);
            if (on && nn) {
                COUNTERS_LOAD(usnap[i], on);
                *nn = usnap[i];
            }
            break;
        }
    }
}

/* After the switch: what the old slots still counted since keep_slots()
 * (packets that had looked the old session up) goes to the new ones. */
static void keep_slots_after(struct dp_ctx *ctx, const struct built *b, const uint32_t *from,
                             const struct xepc_charge *snap, const struct xepc_uncharged *usnap)
{
    for (uint32_t i = 0; i < b->n_charge; i++) {
        struct xepc_charge *o = from[i] ? charge_slot(ctx, from[i]) : NULL;
        if (!o)
            continue;
        struct xepc_charge *c = &ctx->charging[b->sess.charge_base + i];
        COUNTERS_CARRY(c, o, snap[i]);
        __atomic_fetch_sub(&c->remaining, snap[i].remaining -
                                              __atomic_load_n(&o->remaining, __ATOMIC_ACQUIRE),
                           __ATOMIC_RELEASE);
        struct xepc_uncharged *on = unch_slot(ctx, from[i]);
        struct xepc_uncharged *nn = unch_slot(ctx, b->sess.charge_base + i);
        if (on && nn)
            COUNTERS_CARRY(nn, on, usnap[i]);
    }
}

static int session_modify(struct dp_ctx *ctx, const struct dp_session_spec *s,
                          uint8_t default_action, unsigned what)
{
    char err[256];
    struct xepc_session old;
    uint32_t sid;
    int rc = dp_session_spec_check(s, err, sizeof(err));
    if (rc)
        return dp_set_error(ctx, rc, "%s", err);
    rc = portal_check(ctx, s);
    if (rc)
        return rc;
    if (what & DP_MOD_QUOTAS) {
        rc = dp_session_quotas_check(s, err, sizeof(err));
        if (rc)
            return dp_set_error(ctx, rc, "%s", err);
    }
    rc = sid_of(ctx, s->ul_teid, &sid);
    if (rc)
        return rc;
    rc = session_read(ctx, sid, &old);
    if (rc)
        return rc;
    if (!(old.flags & XEPC_SF_ACTIVE) || old.teid_local != s->ul_teid)
        return dp_set_error(ctx, -ENOENT, "no session with TEID 0x%08x", s->ul_teid);
    if (old.ue_addr != s->ue_addr.s_addr)
        return dp_set_error(ctx, -EINVAL, "the UE address of a session cannot change; delete "
                            "and add it");
    uint8_t p6[8];
    int had6 = dp_ue6_get(ctx, sid, old.cookie, p6);
    /* a bearer added by an earlier build has no /64 of its own yet: it
     * takes it (dp_sess6_write(), below) */
    bool add6 = s->bearer && !had6 && s->has_ue6;
    if ((had6 != s->has_ue6 && !add6) || (had6 && memcmp(p6, s->ue6_prefix, 8)))
        return dp_set_error(ctx, -EINVAL, "the IPv6 prefix of a session cannot change; delete "
                            "and add it");

    struct built b;
    struct xepc_bucket old_ambr[2];
    bool ambr_written = false;
    memset(&b, 0, sizeof(b));
    b.sess = old;
    fill_tunnel(s, &b.sess);
    if (what & DP_MOD_AMBR) {
        b.sess.ul_meter_id = b.sess.dl_meter_id = 0;
        rc = install_ambr(ctx, s, sid, &b);
        if (rc)
            return rc;
        if (ambr_inline(ctx, s, sid)) {
            /* new, full buckets in the session's own value, before the
             * session that points to them (and applied at once if the
             * old one did too) */
            struct xepc_usage *u = &ctx->usage[sid];
            old_ambr[0] = u->ul_ambr;
            old_ambr[1] = u->dl_ambr;
            bucket_store(&u->ul_ambr, &b.ambr[0]);
            bucket_store(&u->dl_ambr, &b.ambr[1]);
            ambr_written = true;
        }
    }
    /* a bearer's references to its default bearer's policy are not its
     * own: never freed here (XEPC_SF_SHARED_POLICY) */
    bool shared_old = old.flags & XEPC_SF_SHARED_POLICY;
    if (what & DP_MOD_POLICY) {
        b.sess.flags &= ~XEPC_SF_SHARED_POLICY;
        b.sess.ruleset_id = b.sess.charge_base = 0;
        b.sess.n_charge = b.sess.default_slot = 0;
        b.sess.default_action = default_action;
        rc = install_policy(ctx, s, sid, &b);
        if (rc)
            goto undo_ambr;
    }
    if (s->policy_teid) {
        /* taken again at every modify: it follows the default bearer */
        rc = shared_policy_take(ctx, s, &b.sess);
        if (rc)
            goto undo_ambr;
    } else if (shared_old && !(what & DP_MOD_POLICY)) {
        b.sess.flags &= ~XEPC_SF_SHARED_POLICY;
        policy_refs_copy(&b.sess, NULL);
    }
    /* An eNB on IPv6: its address first (the old session does not read
     * it unless it was on IPv6 too, dp_enb6_link()). */
    rc = add6 ? dp_sess6_write(ctx, sid, b.sess.cookie, s->ue6_prefix) : 0;
    if (!rc)
        rc = enb6_write(ctx, s, sid, b.sess.cookie);
    if (rc) {
        if ((what & DP_MOD_POLICY) && !(b.sess.flags & XEPC_SF_SHARED_POLICY))
            release_policy(ctx, &b.sess, sid, old.ruleset_id);
        goto undo_ambr;
    }
    /* Quotas that go on from the old slots (dp_quota_spec.keep): their
     * counters, remainder and state copied into the new slots before the
     * switch, and what the old slots counted meanwhile added after it. */
    struct xepc_charge snap[XEPC_MAX_CHARGE_SLOTS];
    struct xepc_uncharged usnap[XEPC_MAX_CHARGE_SLOTS] = {{0}};
    uint32_t from[XEPC_MAX_CHARGE_SLOTS] = {0};
    if ((what & DP_MOD_POLICY) && !shared_old && old.charge_base && b.sess.charge_base)
        keep_slots(ctx, &old, &b, from, snap, usnap);
    /* One update switches the packets to the new state. */
    rc = dp_session_write(ctx, sid, &b.sess);
    if (rc) {
        rc = dp_set_error(ctx, rc, "cannot write session %u: %s", sid, strerror(-rc));
        if ((what & DP_MOD_POLICY) && !(b.sess.flags & XEPC_SF_SHARED_POLICY))
            release_policy(ctx, &b.sess, sid, old.ruleset_id);
        goto undo_ambr;
    }
    if (what & DP_MOD_AMBR) {
        meter_free(ctx, old.ul_meter_id, sid);
        meter_free(ctx, old.dl_meter_id, sid);
    }
    if (what & DP_MOD_POLICY) {
        bearers_follow(ctx, &old, sid, &b.sess);
        /* after the bearers moved too: their packets of the meantime */
        keep_slots_after(ctx, &b, from, snap, usnap);
        if (!shared_old)
            release_policy(ctx, &old, sid, b.sess.ruleset_id);
    }
    if ((old.flags & XEPC_SF_ENB6) && !(b.sess.flags & XEPC_SF_ENB6))
        dp_enb6_unlink(ctx, sid);
    if (b.sess.flags & XEPC_SF_TUNNEL) {
        /* The UE is reachable again: the next idle period raises its
         * downlink-data event at its first packet (TS 23.401 5.3.4.3),
         * not after what is left of the interval of the last one, which
         * would leave a UE released within a second of being paged
         * unpaged.  One field, through the shared mapping, as for
         * `buffered`. */
        if (!(old.flags & XEPC_SF_TUNNEL) && ctx->usage &&
            sid < ctx->max_entries[DP_MAP_USAGE])
            __atomic_store_n(&ctx->usage[sid].last_ddn_ns, 0, __ATOMIC_RELAXED);
        dp_buffer_flush(ctx, s->ul_teid);
    }
    return 0;

undo_ambr:
    if (what & DP_MOD_AMBR) {
        meter_free(ctx, b.sess.ul_meter_id, sid);
        meter_free(ctx, b.sess.dl_meter_id, sid);
        if (ambr_written) {
            bucket_store(&ctx->usage[sid].ul_ambr, &old_ambr[0]);
            bucket_store(&ctx->usage[sid].dl_ambr, &old_ambr[1]);
        }
    }
    return rc;
}

int dp_session_modify(struct dp_ctx *ctx, const struct dp_session_spec *s,
                      uint8_t default_action, unsigned what)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = session_modify(ctx, s, default_action, what);
    dp_unlock(ctx);
    return rc;
}

static int session_del(struct dp_ctx *ctx, uint32_t ul_teid)
{
    struct xepc_session old;
    uint32_t sid;
    int rc = session_find(ctx, ul_teid, &sid, &old);
    if (rc)
        return rc;
    /* Unpublished first: from here on no packet uses the session; then
     * its UE entry (if it is still its own), then what it pointed to. */
    struct xepc_session empty = {0};
    rc = dp_session_write(ctx, sid, &empty);
    if (rc)
        return dp_set_error(ctx, rc, "cannot clear session %u: %s", sid, strerror(-rc));
    bearers_follow(ctx, &old, sid, NULL);  /* while its /64 is there */
    if (old.ue_addr)
        ue_unlink(ctx, old.ue_addr, sid);
    dp_ue6_unlink(ctx, sid);
    dp_enb6_unlink(ctx, sid);
    meter_free(ctx, old.ul_meter_id, sid);
    meter_free(ctx, old.dl_meter_id, sid);
    if (!(old.flags & XEPC_SF_SHARED_POLICY))
        release_policy(ctx, &old, sid, 0);
    return 0;
}

int dp_session_del(struct dp_ctx *ctx, uint32_t ul_teid)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = session_del(ctx, ul_teid);
    dp_unlock(ctx);
    return rc;
}

/* Rebuilds the specification from the maps. */
static int info_build(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *k,
                      struct dp_session_info *info)
{
    struct dp_session_spec *s = &info->spec;
    struct xepc_meter m;
    memset(info, 0, sizeof(*info));
    info->sid = sid;
    s->ul_teid = k->teid_local;
    s->ue_addr.s_addr = k->ue_addr;
    s->has_tunnel = k->flags & XEPC_SF_TUNNEL;
    s->enb_addr.s_addr = k->enb_addr;
    s->enb_is6 = (k->flags & XEPC_SF_ENB6) && dp_enb6_get(ctx, sid, k->cookie, &s->enb6_addr);
    s->dl_teid = k->teid_remote;
    s->bearer = k->flags & XEPC_SF_BEARER;
    s->has_ue6 = dp_ue6_get(ctx, sid, k->cookie, s->ue6_prefix) == 1;
    info->default_action = k->default_action;
    info->ruleset_id = k->ruleset_id;
    info->ul_meter_id = k->ul_meter_id;
    info->dl_meter_id = k->dl_meter_id;
    info->charge_base = k->charge_base;
    bpf_map_lookup_elem(ctx->map_fd[DP_MAP_USAGE], &sid, &info->usage);
    if (k->flags & XEPC_SF_SHARED_POLICY) {
        /* its rules and quotas are its default bearer's (shown there) */
        uint32_t dsid = 0;
        struct xepc_session d;
        struct xepc_charge *c = k->charge_base ? charge_slot(ctx, k->charge_base) : NULL;
        if (!(k->ue_addr && ue_owner(ctx, k->ue_addr, &dsid)) && c)
            dsid = c->session_id;
        if (!dsid && s->has_ue6)
            dsid = dp_ue6_owner(ctx, s->ue6_prefix);
        if (dsid && !dp_session_read(ctx, dsid, &d) && (d.flags & XEPC_SF_ACTIVE))
            s->policy_teid = d.teid_local;
    }
    /* the burst is given back only when it is not the default, so that a
     * spec read back and written again keeps following the default */
    for (int d = 0; d < 2; d++) {
        uint32_t id = d ? k->dl_meter_id : k->ul_meter_id;
        uint64_t *bps = d ? &s->dl_ambr_bps : &s->ul_ambr_bps;
        if (id == XEPC_METER_SESSION) {
            const struct xepc_bucket *bk = d ? &info->usage.dl_ambr : &info->usage.ul_ambr;
            m.rate = bk->rate;
            m.burst = bk->burst;
        } else if (meter_read(ctx, id, &m)) {
            continue;
        }
        *bps = m.rate * 8;
        if (*bps && m.burst != dp_ambr_default_burst(*bps))
            s->ambr_burst_bytes = m.burst;
    }
    for (uint32_t i = 0; i < k->n_charge && i < XEPC_MAX_CHARGE_SLOTS; i++) {
        struct xepc_charge *c = charge_slot(ctx, k->charge_base + i);
        if (!c)
            break;
        memcpy(&info->charges[i], c, sizeof(*c));
        const struct xepc_uncharged *n = unch_slot(ctx, k->charge_base + i);
        if (n)
            memcpy(&info->uncharged[i], n, sizeof(*n));
        info->n_charges++;
        if (k->flags & XEPC_SF_SHARED_POLICY)
            continue;
        if ((c->flags & XEPC_CF_ONLINE) && s->n_quotas < DP_MAX_QUOTAS) {
            struct dp_quota_spec *q = &s->quotas[s->n_quotas++];
            q->rating_group = c->rating_group;
            q->bytes = c->remaining > 0 ? (uint64_t)c->remaining : 0;
            q->threshold_bytes = c->threshold;
            q->fua = c->fua;
        }
    }
    if (k->ruleset_id && !(k->flags & XEPC_SF_SHARED_POLICY)) {
        struct xepc_ruleset rs;
        if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_RULESETS], &k->ruleset_id, &rs))
            return dp_set_error(ctx, -errno, "cannot read ruleset %u", k->ruleset_id);
        for (uint32_t i = 0; i < rs.n_rules && i < DP_MAX_RULES; i++) {
            const struct xepc_rule *r = &rs.rules[i];
            struct dp_rule_spec *o = &s->rules[s->n_rules++];
            o->precedence = (uint16_t)r->precedence;
            o->dir = (r->dir & XEPC_DIR_UL ? DP_DIR_UL : 0) | (r->dir & XEPC_DIR_DL ? DP_DIR_DL : 0);
            o->proto = r->proto;
            o->action = r->action;
            o->always_allowed = r->flags & XEPC_RF_ALWAYS_ALLOWED;
            o->src.s_addr = r->ue_addr;
            o->src_plen = (uint8_t)__builtin_popcount(r->ue_mask);
            o->dst.s_addr = r->remote_addr;
            o->dst_plen = (uint8_t)__builtin_popcount(r->remote_mask);
            o->sport_lo = r->ue_port_lo;
            o->sport_hi = r->ue_port_hi;
            o->dport_lo = r->remote_port_lo;
            o->dport_hi = r->remote_port_hi;
            if (r->meter_id && !meter_read(ctx, r->meter_id, &m)) {
                o->mbr_bps = m.rate * 8;
                o->burst_bytes = (uint32_t)m.burst;
            }
            if (r->charge_slot != XEPC_SLOT_DEFAULT && r->charge_slot < info->n_charges)
                o->rating_group = info->charges[r->charge_slot].rating_group;
            o->tos = r->tos;
            o->tos_mask = r->tos_mask;
            if (r->action == XEPC_ACT_BEARER) {
                struct xepc_session bs;
                o->bearer_teid = r->bearer_sid;
                if (!session_read(ctx, r->bearer_sid, &bs) && (bs.flags & XEPC_SF_BEARER))
                    o->bearer_teid = bs.teid_local;
            }
        }
    }
    return 0;
}

int dp_session_get(struct dp_ctx *ctx, uint32_t ul_teid, struct dp_session_info *info)
{
    struct xepc_session k;
    uint32_t sid;
    int rc = session_find(ctx, ul_teid, &sid, &k);
    if (rc)
        return rc;
    return info_build(ctx, sid, &k, info);
}

int dp_session_find_by_ue(struct dp_ctx *ctx, struct in_addr ue, uint32_t *ul_teid)
{
    uint32_t sid;
    struct xepc_session k;
    if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_UE], &ue.s_addr, &sid))
        return dp_set_error(ctx, -ENOENT, "no session for UE %s", inet_ntoa(ue));
    int rc = session_read(ctx, sid, &k);
    if (rc)
        return rc;
    *ul_teid = k.teid_local;
    return 0;
}

struct foreach_arg {
    struct dp_ctx *ctx;
    int (*fn)(const struct dp_session_info *info, void *arg);
    void *arg;
    struct dp_session_info info;
};

static int foreach_fn(uint32_t idx, const void *val, void *arg)
{
    const struct xepc_session *k = val;
    struct foreach_arg *fa = arg;
    if (!(k->flags & XEPC_SF_ACTIVE))
        return 0;
    int rc = info_build(fa->ctx, idx, k, &fa->info);
    return rc ? rc : fa->fn(&fa->info, fa->arg);
}

int dp_session_foreach(struct dp_ctx *ctx,
                       int (*fn)(const struct dp_session_info *info, void *arg), void *arg)
{
    struct foreach_arg *fa = malloc(sizeof(*fa));
    if (!fa)
        return -ENOMEM;
    fa->ctx = ctx;
    fa->fn = fn;
    fa->arg = arg;
    int rc = dp_sessions_scan(ctx, foreach_fn, fa);
    free(fa);
    return rc;
}

static int quota_refill(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t rating_group,
                        uint64_t bytes, uint8_t threshold_pct)
{
    struct xepc_session k;
    uint32_t sid;
    int rc = session_find(ctx, ul_teid, &sid, &k);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < k.n_charge; i++) {
        struct xepc_charge *c = charge_slot(ctx, k.charge_base + i);
        if (!c || c->rating_group != rating_group || !(c->flags & XEPC_CF_ONLINE))
            continue;
        /* The contract of xepc_charge: add with an atomic op (here a
         * compare-and-swap, so that the sum saturates at XEPC_QUOTA_MAX
         * instead of wrapping negative), then clear the state bits, never
         * a whole-value write. */
        __s64 cur = __atomic_load_n(&c->remaining, __ATOMIC_RELAXED), left;
        bool sat;
        do
            left = dp_quota_sum(cur, bytes, &sat);
        while (!__atomic_compare_exchange_n(&c->remaining, &cur, left, false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED));
        __atomic_store_n(&c->threshold,
                         threshold_bytes(left > 0 ? (uint64_t)left : 0, threshold_pct),
                         __ATOMIC_RELEASE);
        __atomic_fetch_and(&c->state, ~(uint32_t)(XEPC_CS_THRESHOLD_SENT | XEPC_CS_EXHAUSTED),
                           __ATOMIC_SEQ_CST);
        if (sat) {
            dp_set_error(ctx, 0, "the quota of rating group %u saturated at %lld bytes",
                         rating_group, (long long)XEPC_QUOTA_MAX);
            return DP_REFILL_SATURATED;
        }
        return 0;
    }
    return dp_set_error(ctx, -ENOENT, "session TEID 0x%08x has no quota for rating group %u",
                        ul_teid, rating_group);
}

static int quota_adjust(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t rating_group,
                        int64_t delta, uint64_t threshold, int fua, int64_t *out)
{
    struct xepc_session k;
    uint32_t sid;
    int rc = session_find(ctx, ul_teid, &sid, &k);
    if (rc)
        return rc;
    if (fua > DP_FUA_RESTRICT)
        return dp_set_error(ctx, -EINVAL, "unknown final-unit action %d", fua);
    for (uint32_t i = 0; i < k.n_charge; i++) {
        struct xepc_charge *c = charge_slot(ctx, k.charge_base + i);
        if (!c || c->rating_group != rating_group || !(c->flags & XEPC_CF_ONLINE))
            continue;
        /* as quota_refill: an atomic add (compare-and-swap, saturated),
         * then the state bits, never a whole-value write */
        __s64 cur = __atomic_load_n(&c->remaining, __ATOMIC_RELAXED), left;
        do {
            if (delta >= 0) {
                bool sat;
                left = dp_quota_sum(cur, (uint64_t)delta, &sat);
            } else {
                left = cur < INT64_MIN / 2 - delta ? cur : cur + delta;
            }
        } while (!__atomic_compare_exchange_n(&c->remaining, &cur, left, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
        if (fua >= 0)
            __atomic_store_n(&c->fua, (uint8_t)fua, __ATOMIC_RELEASE);
        __atomic_store_n(&c->threshold, threshold, __ATOMIC_RELEASE);
        uint32_t clr = 0;
        if (left > 0)
            clr |= XEPC_CS_EXHAUSTED;
        if (left > (__s64)threshold)
            clr |= XEPC_CS_THRESHOLD_SENT;
        __atomic_fetch_and(&c->state, ~clr, __ATOMIC_SEQ_CST);
        if (out)
            *out = left;
        return 0;
    }
    return dp_set_error(ctx, -ENOENT, "session TEID 0x%08x has no quota for rating group %u",
                        ul_teid, rating_group);
}

int dp_quota_adjust(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t rating_group, int64_t delta,
                    uint64_t threshold, int fua, int64_t *left)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = quota_adjust(ctx, ul_teid, rating_group, delta, threshold, fua, left);
    dp_unlock(ctx);
    return rc;
}

int dp_quota_refill(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t rating_group, uint64_t bytes,
                    uint8_t threshold_pct)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = quota_refill(ctx, ul_teid, rating_group, bytes, threshold_pct);
    dp_unlock(ctx);
    return rc;
}
