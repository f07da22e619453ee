/* Gx usage monitoring (TS 29.212 4.5.17): the PCRF grants a volume per
 * Monitoring-Key (Usage-Monitoring-Information in a CCA or an RAR); the
 * gateway counts the session's traffic in the datapath (the session's
 * uplink + downlink bytes, inner IPv4 length: Usage-Monitoring-Level
 * SESSION_LEVEL), and reports the usage since the last report in a CCR-U
 * with Event-Trigger USAGE_REPORT once the grant is used up (4.5.17.2),
 * and in the CCR-T of the session's end (4.5.17.4).  The counters are read
 * once a second (gx_path.c's timer), so a report leaves within a second
 * of the threshold.  At PCC_RULE_LEVEL a key counts the bytes of the rating
 * groups of its rules (key_rgs).  The monitors are stored with the Gx
 * session (SQLite) and survive restarts of the daemon. */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "agw/agw_gy.h"
#include "diameter/diam.h"
#include "dp/dp.h"

static bool session_info(struct agw_ctx *ctx, uint32_t ul_teid, struct dp_session_info *info)
{
    return ctx->dp && dp_session_get(ctx->dp, ul_teid, info) == 0;
}

/* 5.3.61 PCC_RULE_LEVEL: the rating groups that carry exactly the traffic
 * of the session's rules with Monitoring-Key key.  Each such rule needs a
 * Rating-Group that no rule without that key uses, and not Gy's (whose
 * catch-all rule counts all the rest): the kernel counts per (session,
 * rating group), not per rule.  Returns how many, 0 when the key cannot be
 * monitored so. */
static unsigned key_rgs(struct agw_ctx *ctx, struct gx_sess *s, const char *key,
                        uint32_t rgs[DIAM_MAX_RULES])
{
    unsigned n_defs, n = 0;
    const struct diam_rule_def *d = gx_sess_defs(s, &n_defs);
    uint32_t gy = gy_rating_group(ctx, gx_sess_teid(s));
    for (unsigned i = 0; i < n_defs; i++) {
        if (strcmp(d[i].monitoring_key, key))
            continue;
        if (!d[i].has_rating_group || !d[i].rating_group || d[i].rating_group == gy)
            return 0;
        bool have = false;
        for (unsigned j = 0; j < n; j++)
            have |= rgs[j] == d[i].rating_group;
        if (!have)
            rgs[n++] = d[i].rating_group;
    }
    for (unsigned i = 0; i < n_defs; i++)
        for (unsigned j = 0; strcmp(d[i].monitoring_key, key) && d[i].has_rating_group && j < n; j++)
            if (rgs[j] == d[i].rating_group)
                return 0;
    return n;
}

/* The kernel's bytes (uplink + downlink) of the key's rating groups in the
 * current charging slots, with what their final-unit actions let through
 * apart from the used units (xepc_uncharged): usage monitoring (TS 29.212
 * 4.4) measures the rules' traffic, not what Gy charges. */
static bool key_slots(struct agw_ctx *ctx, struct gx_sess *s, const struct gx_mon *k,
                      const struct dp_session_info *info, uint64_t *bytes)
{
    uint32_t rgs[DIAM_MAX_RULES];
    unsigned n = key_rgs(ctx, s, k->key, rgs);
    *bytes = 0;
    if (!n)
        return false;
    for (uint32_t i = 0; i < info->n_charges; i++)
        for (unsigned j = 0; j < n; j++)
            if (info->charges[i].rating_group == rgs[j])
                *bytes += info->charges[i].ul_bytes + info->charges[i].dl_bytes +
                          info->uncharged[i].ul_bytes + info->uncharged[i].dl_bytes;
    return true;
}

/* The key's bytes so far: the session's (uplink + downlink, SESSION_LEVEL)
 * or those of its rules (PCC_RULE_LEVEL); false when unreadable. */
static bool key_bytes(struct agw_ctx *ctx, struct gx_sess *s, const struct gx_mon *k,
                      const struct dp_session_info *info, uint64_t *bytes)
{
    if (!k->rule_level) {
        *bytes = info->usage.ul_bytes + info->usage.dl_bytes;
        return true;
    }
    uint64_t in_slots;
    if (!key_slots(ctx, s, k, info, &in_slots))
        return false;
    *bytes = k->off + in_slots;
    return true;
}

static uint64_t units_bytes(const struct diam_units *u)
{
    return u->has_total ? u->total : u->input + u->output;
}

/* 4.5.17.1: Usage-Monitoring-Information of a CCA or RAR: a grant per
 * Monitoring-Key (a new key starts counting now). */
void gx_monitors_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_usage_monitor *m,
                       unsigned n)
{
    struct gx_mons *ms = gx_sess_monitors(s);
    struct dp_session_info info;
    bool have = session_info(ctx, gx_sess_teid(s), &info);
    for (unsigned i = 0; i < n; i++) {
        if (!m[i].key[0] || !m[i].granted.present)
            continue;
        bool rule = m[i].has_level && m[i].level == 1;      /* 5.3.61 PCC_RULE_LEVEL */
        uint32_t rgs[DIAM_MAX_RULES];
        if (rule && !key_rgs(ctx, s, m[i].key, rgs)) {
            LOG_WARN(ctx, "gx", "session 0x%08x: monitoring key %s at PCC rule level: its rules "
                     "need rating groups of their own (not Gy's, not shared with other rules); "
                     "not monitored", gx_sess_teid(s), m[i].key);
            continue;
        }
        struct gx_mon *k = NULL;
        for (unsigned j = 0; j < ms->n; j++)
            if (!strcmp(ms->m[j].key, m[i].key))
                k = &ms->m[j];
        if (!k) {
            if (ms->n >= GX_MAX_MONITORS)
                continue;
            k = &ms->m[ms->n++];
            memset(k, 0, sizeof(*k));
            snprintf(k->key, sizeof(k->key), "%s", m[i].key);
            k->rule_level = rule;
            uint64_t now = 0;
            if (have)
                key_bytes(ctx, s, k, &info, &now);
            k->base = now;
        }
        k->granted = units_bytes(&m[i].granted);
        k->armed = k->granted > 0;
        LOG_INFO(ctx, "gx", "session 0x%08x: monitoring key %s: %llu bytes granted%s",
                 gx_sess_teid(s), k->key, (unsigned long long)k->granted,
                 k->rule_level ? " (PCC rule level)" : "");
    }
    gx_sess_save(ctx, s);
}

/* The Usage-Monitoring-Information of a CCR: the keys whose grant is used
 * up (a CCR-U), or every key (the CCR-T, final = true); each reports the
 * bytes since its last report.  The count read becomes the key's base
 * when the answer comes (gx_monitors_answered; ms->pend, journalled with
 * the request: agw_ccr.h), so that a request lost to a crash is sent
 * again as it was and one that failed goes in the next report: each byte
 * once.  Returns how many. */
unsigned gx_monitors_report(struct agw_ctx *ctx, struct gx_sess *s, struct diam_gx_ccr *ccr,
                            bool final)
{
    struct gx_mons *ms = gx_sess_monitors(s);
    struct dp_session_info info;
    if (!ms->n || !session_info(ctx, gx_sess_teid(s), &info))
        return 0;
    unsigned n = 0;
    ms->n_pend = 0;
    for (unsigned i = 0; i < ms->n && ccr->n_monitors < DIAM_MAX_MONITORS; i++) {
        struct gx_mon *k = &ms->m[i];
        uint64_t now;
        if (!key_bytes(ctx, s, k, &info, &now))
            continue;
        uint64_t used = now > k->base ? now - k->base : 0;
        if (!final && !(k->armed && used >= k->granted))
            continue;
        struct diam_usage_monitor *u = &ccr->monitors[ccr->n_monitors++];
        memset(u, 0, sizeof(*u));
        snprintf(u->key, sizeof(u->key), "%s", k->key);
        /* 5.3.60: the Used-Service-Unit of the key since the last report */
        u->used = (struct diam_units){ .present = true, .has_total = true, .total = used };
        if (k->rule_level) {
            u->has_level = true;
            u->level = 1;
        }
        memcpy(ms->pend[ms->n_pend].key, k->key, sizeof(k->key));
        ms->pend[ms->n_pend++].base = now;
        k->armed = false;       /* until the PCRF grants again */
        n++;
    }
    if (n && !final && ccr->n_triggers < DIAM_MAX_TRIGGERS)
        ccr->triggers[ccr->n_triggers++] = DIAM_ET_USAGE_REPORT;   /* 5.3.7 (33) */
    if (n && !final)
        gx_sess_save(ctx, s);
    return n;
}

void gx_monitors_answered(struct agw_ctx *ctx, struct gx_sess *s, bool ok)
{
    struct gx_mons *ms = gx_sess_monitors(s);
    ms->busy = false;
    for (unsigned i = 0; ok && i < ms->n_pend; i++)
        for (unsigned j = 0; j < ms->n; j++)
            if (!strcmp(ms->m[j].key, ms->pend[i].key) && ms->pend[i].base > ms->m[j].base)
                ms->m[j].base = ms->pend[i].base;
    if (ok && ms->n_pend)
        gx_sess_save(ctx, s);   /* with the journal row's deletion */
    ms->n_pend = 0;
}

void gx_monitors_carry_read(struct agw_ctx *ctx, struct gx_sess *s, uint64_t pre[GX_MAX_MONITORS])
{
    struct gx_mons *ms = gx_sess_monitors(s);
    struct dp_session_info info;
    bool have = ms->n && session_info(ctx, gx_sess_teid(s), &info);
    for (unsigned i = 0; i < GX_MAX_MONITORS; i++) {
        pre[i] = 0;
        if (have && i < ms->n && ms->m[i].rule_level)
            key_slots(ctx, s, &ms->m[i], &info, &pre[i]);
    }
}

void gx_monitors_carry_done(struct gx_sess *s, const uint64_t pre[GX_MAX_MONITORS])
{
    struct gx_mons *ms = gx_sess_monitors(s);
    for (unsigned i = 0; i < ms->n; i++)
        ms->m[i].off += pre[i];
}

/* Once a second: a CCR-U for each session with a grant used up or an
 * event to report (gx_event.c). */
static void poll_one(struct agw_ctx *ctx, struct gx_sess *s, void *arg)
{
    (void)arg;
    struct gx_mons *ms = gx_sess_monitors(s);
    struct dp_session_info info;
    bool due = false;
    if (ms->busy)
        return;
    if (ms->n && session_info(ctx, gx_sess_teid(s), &info))
        for (unsigned i = 0; i < ms->n; i++) {
            uint64_t now;
            due |= ms->m[i].armed && key_bytes(ctx, s, &ms->m[i], &info, &now) &&
                   now - ms->m[i].base >= ms->m[i].granted;
        }
    if (!due && gx_events_watch(s)) {
        struct agw_ue *ue = ue_find_imsi(ctx, gx_sess_imsi(s));
        struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, gx_sess_ebi(s)) : NULL;
        due = p && p->ul_teid == gx_sess_teid(s) && gx_events_report(ctx, s, ue, p, NULL);
    }
    if (due)
        gx_send_update(ctx, s);
}

void gx_monitors_poll(struct agw_ctx *ctx)
{
    gx_sess_foreach(ctx, poll_one, NULL);
}
