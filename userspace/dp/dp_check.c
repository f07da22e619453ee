/* dp_check(): finds, and with repair mends, what a writer killed between
 * two map updates (or a bug) leaves behind.
 *
 * The writers order their updates so that every intermediate state is
 * harmless to the packets (dp_session.c): what can be left is
 *   - a UE entry (or direct slot) whose session is not active, or has
 *     another address: ignored by the datapath; removed;
 *   - an active session the downlink cannot find (no UE entry: a datapath
 *     written by an older build, which published the session first): its
 *     UE entry is added; if another active session holds the address, the
 *     session the downlink does not reach is unpublished;
 *   - meters, rulesets and charging slots that no active session
 *     references (a kill before the session was published, or after it
 *     was unpublished): freed.
 * What repair cannot mend is reported as such: an active session pointing
 * to a free meter, ruleset or charging slot (its AMBR, rules or quota are
 * gone: install them again with a modify) and a meter two sessions share.
 *
 * The check holds the writers' lock, so no writer is half-way through.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp_int.h"

struct chk {
    struct dp_ctx *ctx;
    bool repair;
    struct dp_check_report *r;
    dp_check_fn fn;
    void *arg;
    /* active sessions, by sid */
    struct xepc_session *sess;      /* max_sessions entries; flags 0 = not active */
    uint8_t *ue_ok;                 /* the UE entry points to this session */
    uint8_t *meter_refs;            /* per meter: references (saturating) */
    uint32_t *meter_ref_sid;        /* per meter: the first referencing session */
    uint32_t *ruleset_refs;         /* per ruleset: active sessions pointing to it */
    uint8_t *odd;                   /* per session id: gen odd, bank 1 live */
};

__attribute__((format(printf, 3, 4)))
static void finding(struct chk *c, bool repairable, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (repairable)
        c->r->repairable++;
    else
        c->r->unrepairable++;
    if (c->fn)
        c->fn(buf, repairable, c->repair && repairable, c->arg);
    if (c->repair && repairable)
        c->r->repaired++;
}

static const char *addr_str(uint32_t a, char *buf)
{
    struct in_addr in = {.s_addr = a};
    return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static int sess_fn(uint32_t idx, const void *val, void *arg)
{
    struct chk *c = arg;
    const struct xepc_session *s = val;
    if (idx < c->ctx->max_sessions && (s->flags & XEPC_SF_ACTIVE))
        c->sess[idx] = *s;
    if (idx < c->ctx->max_sessions)
        c->odd[idx] = c->ctx->session_bank && (s->gen & 1);
    return 0;
}

static int sessions_read(struct chk *c)
{
    memset(c->sess, 0, (size_t)c->ctx->max_sessions * sizeof(*c->sess));
    int rc = dp_sessions_scan(c->ctx, sess_fn, c);
    return rc < 0 ? dp_set_error(c->ctx, rc, "cannot read %s: %s", XEPC_MAP_SESSIONS,
                                 strerror(-rc)) : 0;
}

static bool active(const struct chk *c, uint32_t sid)
{
    return sid < c->ctx->max_sessions && (c->sess[sid].flags & XEPC_SF_ACTIVE);
}

/* UE entries: each must point to an active session with its address. */
static int check_ue(struct chk *c)
{
    struct dp_ctx *ctx = c->ctx;
    int fd = ctx->map_fd[DP_MAP_UE];
    uint32_t key, next, sid;
    char a[INET_ADDRSTRLEN];
    bool first = true;
    uint32_t *orphans = NULL;
    size_t n_orphans = 0, cap = 0;
    memset(c->ue_ok, 0, ctx->max_sessions);
    for (;;) {
        if (bpf_map_get_next_key(fd, first ? NULL : &key, &next))
            break;
        first = false;
        key = next;
        if (bpf_map_lookup_elem(fd, &key, &sid))
            continue;
        if (active(c, sid) && c->sess[sid].ue_addr == key) {
            c->ue_ok[sid] = 1;
            continue;
        }
        c->r->ue_orphans++;
        finding(c, true, "UE entry %s -> session %u, which is %s", addr_str(key, a), sid,
                active(c, sid) ? "another UE's" : "not active");
        if (c->repair) {
            /* deleted after the walk: get_next_key of a deleted key would
             * restart it */
            if (n_orphans == cap) {
                size_t ncap = cap ? 2 * cap : 64;
                uint32_t *o = realloc(orphans, ncap * sizeof(*o));
                if (!o) {
                    free(orphans);
                    return dp_set_error(ctx, -ENOMEM, "out of memory");
                }
                orphans = o;
                cap = ncap;
            }
            orphans[n_orphans++] = key;
        }
    }
    for (size_t i = 0; i < n_orphans; i++)
        bpf_map_delete_elem(fd, &orphans[i]);
    free(orphans);
    for (uint32_t sid2 = 1; sid2 < ctx->max_sessions; sid2++) {
        const struct xepc_session *s = &c->sess[sid2];
        uint32_t other;
        /* a dedicated bearer has no UE entry of its own (XEPC_SF_BEARER),
         * nor has an IPv6-only session (UE address 0.0.0.0, its /64 in
         * xepc_ue6): "repairing" it would give it 0.0.0.0, or unpublish
         * all but one of them as sharing that address */
        if (!(s->flags & XEPC_SF_ACTIVE) || (s->flags & XEPC_SF_BEARER) || !s->ue_addr ||
            c->ue_ok[sid2])
            continue;
        if (bpf_map_lookup_elem(fd, &s->ue_addr, &other)) {
            c->r->sessions_without_ue++;
            finding(c, true, "session %u (TEID 0x%08x, UE %s) has no UE entry: its downlink "
                    "is lost", sid2, s->teid_local, addr_str(s->ue_addr, a));
            if (c->repair &&
                !bpf_map_update_elem(fd, &s->ue_addr, &sid2, BPF_NOEXIST)) {
                dp_ue_direct_claim(ctx, s->ue_addr, sid2);
                c->ue_ok[sid2] = 1;
            }
        } else {
            c->r->ue_conflicts++;
            finding(c, true, "session %u (TEID 0x%08x) and session %u both have UE %s; the "
                    "downlink reaches session %u only: session %u is unpublished", sid2,
                    s->teid_local, other, addr_str(s->ue_addr, a), other, sid2);
            if (c->repair) {
                struct xepc_session empty = {0};
                if (!dp_session_write(ctx, sid2, &empty))
                    memset(&c->sess[sid2], 0, sizeof(c->sess[sid2]));
            }
        }
    }
    return 0;
}

/* Direct slots: each must hold (address, sid) of an active session. */
static void check_direct(struct chk *c)
{
    struct dp_ctx *ctx = c->ctx;
    char a[INET_ADDRSTRLEN];
    for (uint32_t i = 0; ctx->ue_direct && i < ctx->max_entries[DP_MAP_UE_DIRECT]; i++) {
        uint64_t *w = (uint64_t *)&ctx->ue_direct[i];
        union {
            uint64_t w;
            struct xepc_ue_direct d;
        } v = {.w = __atomic_load_n(w, __ATOMIC_ACQUIRE)};
        if (!v.w || (active(c, v.d.sid) && c->sess[v.d.sid].ue_addr == v.d.ue_addr))
            continue;
        c->r->direct_orphans++;
        finding(c, true, "direct slot %u holds UE %s -> session %u, which is %s", i,
                addr_str(v.d.ue_addr, a), v.d.sid,
                active(c, v.d.sid) ? "another UE's" : "not active");
        if (c->repair)
            __atomic_compare_exchange_n(w, &v.w, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    }
}

static void meter_ref(struct chk *c, uint32_t id, uint32_t sid, const char *what)
{
    if (!id || id == XEPC_METER_SESSION) /* none, or the session's own bucket
                                          * in xepc_usage: nothing to share */
        return;
    if (id >= c->ctx->max_entries[DP_MAP_METERS]) {
        finding(c, false, "session %u's %s meter %u is beyond the meter map", sid, what, id);
        return;
    }
    if (c->meter_refs[id] < 255)
        c->meter_refs[id]++;
    if (c->meter_refs[id] == 1)
        c->meter_ref_sid[id] = sid;
    else {
        c->r->shared_meters++;
        finding(c, false, "meter %u is used by session %u and session %u (%s): one of them "
                "lost its own; set it again with 'session modify'", id, c->meter_ref_sid[id],
                sid, what);
    }
}

static int meter_fn(uint32_t idx, const void *val, void *arg)
{
    struct chk *c = arg;
    const struct xepc_meter *m = val;
    bool used = m->rate || m->burst;
    if (!idx || idx >= c->ctx->max_entries[DP_MAP_METERS])
        return 0;
    if (used && !c->meter_refs[idx]) {
        c->r->meter_leaks++;
        finding(c, true, "meter %u (of session %u) is referenced by no session", idx, m->owner);
        if (c->repair) {
            struct xepc_meter z = {0};
            bpf_map_update_elem(c->ctx->map_fd[DP_MAP_METERS], &idx, &z, BPF_F_LOCK);
        }
    } else if (!used && c->meter_refs[idx]) {
        c->r->dangling++;
        finding(c, false, "session %u points to meter %u, which is free: its AMBR/MBR is "
                "gone; set it again with 'session modify'", c->meter_ref_sid[idx], idx);
    } else if (used && m->owner && m->owner != c->meter_ref_sid[idx] &&
               c->meter_refs[idx] == 1) {
        c->r->meter_owner++;
        finding(c, true, "meter %u of session %u carries owner %u", idx,
                c->meter_ref_sid[idx], m->owner);
        if (c->repair) {
            struct xepc_meter fix = *m;
            fix.owner = c->meter_ref_sid[idx];
            bpf_map_update_elem(c->ctx->map_fd[DP_MAP_METERS], &idx, &fix, BPF_F_LOCK);
        }
    }
    return 0;
}

static int ruleset_fn(uint32_t idx, const void *val, void *arg)
{
    struct chk *c = arg;
    const struct xepc_ruleset *rs = val;
    if (!idx || idx >= c->ctx->max_entries[DP_MAP_RULESETS])
        return 0;
    if (c->ruleset_refs[idx]) {
        if (!rs->n_rules) {
            c->r->dangling++;
            finding(c, false, "a session points to ruleset %u, which is free: its rules are "
                    "gone; set them again with 'session modify'", idx);
        }
        return 0;
    }
    if (rs->n_rules) {
        c->r->ruleset_leaks++;
        finding(c, true, "ruleset %u (%u rules) is referenced by no session", idx, rs->n_rules);
        if (c->repair) {
            struct xepc_ruleset *z = calloc(1, sizeof(*z));
            if (z) {
                bpf_map_update_elem(c->ctx->map_fd[DP_MAP_RULESETS], &idx, z, 0);
                dp_ruleset_cleared(c->ctx, idx);
                free(z);
            }
        }
    }
    return 0;
}

static void check_charging(struct chk *c)
{
    struct dp_ctx *ctx = c->ctx;
    uint32_t n = ctx->max_entries[DP_MAP_CHARGING];
    for (uint32_t i = 1; ctx->charging && i < n; i++) {
        struct xepc_charge *ch = &ctx->charging[i];
        uint8_t f = __atomic_load_n(&ch->flags, __ATOMIC_ACQUIRE);
        if (!(f & XEPC_CF_VALID))
            continue;
        uint32_t o = ch->session_id;
        if (active(c, o) && c->sess[o].charge_base && i >= c->sess[o].charge_base &&
            i < c->sess[o].charge_base + c->sess[o].n_charge)
            continue;
        c->r->charging_leaks++;
        finding(c, true, "charging slot %u (session %u, rating group %u) is referenced by no "
                "session", i, o, ch->rating_group);
        if (c->repair) {
            __atomic_store_n(&ch->flags, 0, __ATOMIC_RELEASE);
            memset(ch, 0, sizeof(*ch));
        }
    }
    for (uint32_t sid = 1; sid < ctx->max_sessions; sid++) {
        const struct xepc_session *s = &c->sess[sid];
        if (!(s->flags & XEPC_SF_ACTIVE) || !s->charge_base)
            continue;
        /* a bearer sharing its default bearer's policy points to that
         * session's slots (XEPC_SF_SHARED_POLICY) */
        uint32_t owner = sid;
        if ((s->flags & XEPC_SF_SHARED_POLICY) && s->charge_base < n && ctx->charging) {
            uint32_t o = ctx->charging[s->charge_base].session_id;
            if (o < ctx->max_sessions && active(c, o) && !(c->sess[o].flags & XEPC_SF_BEARER) &&
                c->sess[o].ue_addr == s->ue_addr && c->sess[o].charge_base == s->charge_base)
                owner = o;
        }
        for (uint32_t k = 0; k < s->n_charge; k++) {
            uint32_t i = s->charge_base + k;
            if (i < n && ctx->charging && (ctx->charging[i].flags & XEPC_CF_VALID) &&
                ctx->charging[i].session_id == owner)
                continue;
            c->r->dangling++;
            finding(c, false, "session %u points to charging slot %u, which is %s: its "
                    "quota/usage per rating group is gone; set it again with 'session "
                    "modify'", sid, i, i < n && ctx->charging &&
                    (ctx->charging[i].flags & XEPC_CF_VALID) ? "another session's" : "free");
        }
    }
}

/* xepc_rs_refs against the sessions just read: a count above (a writer
 * killed between its count and its session write) keeps a ruleset nobody
 * uses; one below would let a delete clear a ruleset still in use.
 * Repair writes the counts of the sessions (and takes them the first time
 * on a datapath whose counts were never taken). */
static void check_ruleset_counts(struct chk *c)
{
    struct dp_ctx *ctx = c->ctx;
    uint32_t n = ctx->max_entries[DP_MAP_RULESETS];
    if (dp_ruleset_refs_open(ctx) || !ctx->rs_refs)
        return;     /* pinned without them: deletes scan the sessions */
    bool exact = __atomic_load_n(&ctx->rs_refs[0], __ATOMIC_ACQUIRE) == XEPC_RS_REFS_EXACT;
    for (uint32_t id = 1; exact && id < n; id++) {
        uint32_t have = __atomic_load_n(&ctx->rs_refs[id], __ATOMIC_RELAXED);
        if (have == c->ruleset_refs[id])
            continue;
        c->r->ruleset_counts++;
        finding(c, true, "ruleset %u: %u sessions point to it, its count says %u%s", id,
                c->ruleset_refs[id], have,
                have > c->ruleset_refs[id] ? " (it would never be freed)"
                                           : " (a delete could free it while in use)");
    }
    if (c->repair)
        dp_ruleset_refs_set(ctx, c->ruleset_refs);
}

static int check_refs(struct chk *c)
{
    struct dp_ctx *ctx = c->ctx;
    memset(c->meter_refs, 0, ctx->max_entries[DP_MAP_METERS]);
    memset(c->ruleset_refs, 0, ctx->max_entries[DP_MAP_RULESETS] * sizeof(*c->ruleset_refs));
    for (uint32_t sid = 1; sid < ctx->max_sessions; sid++) {
        const struct xepc_session *s = &c->sess[sid];
        if (!(s->flags & XEPC_SF_ACTIVE))
            continue;
        meter_ref(c, s->ul_meter_id, sid, "UL AMBR");
        meter_ref(c, s->dl_meter_id, sid, "DL AMBR");
        if (s->ruleset_id && s->ruleset_id < ctx->max_entries[DP_MAP_RULESETS]) {
            /* rule meters are counted once per ruleset (shared rulesets
             * carry no meters) */
            if (!c->ruleset_refs[s->ruleset_id]) {
                struct xepc_ruleset rs;
                if (!bpf_map_lookup_elem(ctx->map_fd[DP_MAP_RULESETS], &s->ruleset_id, &rs))
                    for (uint32_t i = 0; i < rs.n_rules && i < XEPC_MAX_RULES; i++)
                        meter_ref(c, rs.rules[i].meter_id, sid, "rule MBR");
            }
            c->ruleset_refs[s->ruleset_id]++;
        }
    }
    int rc = dp_array_scan(ctx, DP_MAP_RULESETS, sizeof(struct xepc_ruleset), ruleset_fn, c);
    if (rc < 0)
        return dp_set_error(ctx, rc, "cannot read %s: %s", XEPC_MAP_RULESETS, strerror(-rc));
    check_ruleset_counts(c);
    rc = dp_array_scan(ctx, DP_MAP_METERS, sizeof(struct xepc_meter), meter_fn, c);
    if (rc < 0)
        return dp_set_error(ctx, rc, "cannot read %s: %s", XEPC_MAP_METERS, strerror(-rc));
    check_charging(c);
    return 0;
}

/* A slot whose live copy is bank 1: a writer was killed between its
 * updates (dp_session_write()).  Harmless for the packets; rewriting the
 * copy makes bank 0 live again, which is what bpftool shows at key sid. */
static void check_banks(struct chk *c)
{
    for (uint32_t sid = 1; sid < c->ctx->max_sessions; sid++) {
        struct xepc_session live;
        if (!c->odd[sid])
            continue;
        c->r->bank_odd++;
        finding(c, true, "session slot %u: the live copy is in bank 1 (a writer was killed "
                "between its updates; bpftool's lookup of key %u shows an older copy)", sid,
                sid);
        if (c->repair && !dp_session_read(c->ctx, sid, &live))
            dp_session_write(c->ctx, sid, &live);
    }
}

/* The packets read a session from its copy in xepc_usage (struct
 * xepc_usage), which dp_session_write() writes after xepc_sessions: a
 * writer killed between the two leaves the packets with the session as it
 * was (or none, for an add).  Repair writes the copy from xepc_sessions,
 * the control plane's record. */
static void check_copies(struct chk *c)
{
    const size_t n = offsetof(struct xepc_session, gen);
    for (uint32_t sid = 1; sid < c->ctx->max_sessions; sid++) {
        struct xepc_session pk;
        const struct xepc_session *s = &c->sess[sid];
        if (dp_session_mirror_read(c->ctx, sid, &pk))
            continue;
        bool a = s->flags & XEPC_SF_ACTIVE, pa = pk.flags & XEPC_SF_ACTIVE;
        if (a == pa && (!a || !memcmp(s, &pk, n)))
            continue;
        c->r->copy_stale++;
        finding(c, true, "session slot %u: the packets' copy (xepc_usage) %s (a writer was "
                "killed between the two writes)", sid,
                a ? (pa ? "differs from xepc_sessions" : "is missing") :
                "is still active");
        if (c->repair)
            dp_session_mirror(c->ctx, sid, s);
    }
}

static int check_locked(struct chk *c)
{
    int rc = sessions_read(c);
    if (!rc)
        check_banks(c);
    if (!rc)
        check_copies(c);
    if (!rc)
        rc = check_ue(c);
    if (!rc)
        check_direct(c);
    if (!rc)
        rc = check_refs(c);
    return rc;
}

int dp_check(struct dp_ctx *ctx, bool repair, struct dp_check_report *r, dp_check_fn fn,
             void *arg)
{
    struct chk c = {.ctx = ctx, .repair = repair, .r = r, .fn = fn, .arg = arg};
    memset(r, 0, sizeof(*r));
    c.sess = calloc(ctx->max_sessions, sizeof(*c.sess));
    c.ue_ok = calloc(ctx->max_sessions, 1);
    c.meter_refs = calloc(ctx->max_entries[DP_MAP_METERS], 1);
    c.meter_ref_sid = calloc(ctx->max_entries[DP_MAP_METERS], sizeof(uint32_t));
    c.ruleset_refs = calloc(ctx->max_entries[DP_MAP_RULESETS], sizeof(*c.ruleset_refs));
    c.odd = calloc(ctx->max_sessions, 1);
    int rc = 0;
    if (!c.sess || !c.ue_ok || !c.meter_refs || !c.meter_ref_sid || !c.ruleset_refs || !c.odd)
        rc = dp_set_error(ctx, -ENOMEM, "out of memory");
    if (!rc)
        rc = dp_lock(ctx);
    if (!rc) {
        rc = check_locked(&c);
        dp_unlock(ctx);
    }
    free(c.sess);
    free(c.ue_ok);
    free(c.meter_refs);
    free(c.meter_ref_sid);
    free(c.ruleset_refs);
    free(c.odd);
    return rc;
}
