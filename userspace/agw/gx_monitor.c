/* Gx usage monitoring (TS 29.212 4.5.17): the PCRF grants a volume per
 * Monitoring-Key (Usage-Monitoring-Information in a CCA or an RAR); the
 * gateway counts the session's traffic in the datapath (the session's
 * uplink + downlink bytes, inner IPv4 length: Usage-Monitoring-Level
 * SESSION_LEVEL), and reports the usage since the last report in a CCR-U
 * with Event-Trigger USAGE_REPORT once the grant is used up (4.5.17.2),
 * and in the CCR-T of the session's end (4.5.17.4).  The counters are read
 * once a second (gx_path.c's timer), so a report leaves within a second
 * of the threshold.  PCC_RULE_LEVEL monitoring keys are logged and not
 * monitored (docs/charging.md). */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"
#include "dp/dp.h"

/* The session's bytes (uplink + downlink) so far; false when unreadable. */
static bool session_bytes(struct agw_ctx *ctx, uint32_t ul_teid, uint64_t *bytes)
{
    struct dp_session_info info;
    if (!ctx->dp || dp_session_get(ctx->dp, ul_teid, &info) < 0)
        return false;
    *bytes = info.usage.ul_bytes + info.usage.dl_bytes;
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
    uint64_t now = 0;
    bool have = session_bytes(ctx, gx_sess_teid(s), &now);
    for (unsigned i = 0; i < n; i++) {
        if (!m[i].key[0] || !m[i].granted.present)
            continue;
        if (m[i].has_level && m[i].level == 1) {
            /* 5.3.61 PCC_RULE_LEVEL: not monitored (no per-key counter in
             * the datapath) */
            LOG_WARN(ctx, "gx", "session 0x%08x: monitoring key %s at PCC rule level not "
                     "supported", gx_sess_teid(s), m[i].key);
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
            k->base = have ? now : 0;
        }
        k->granted = units_bytes(&m[i].granted);
        k->armed = k->granted > 0;
        LOG_INFO(ctx, "gx", "session 0x%08x: monitoring key %s: %llu bytes granted",
                 gx_sess_teid(s), k->key, (unsigned long long)k->granted);
    }
}

/* The Usage-Monitoring-Information of a CCR: the keys whose grant is used
 * up (a CCR-U), or every key (the CCR-T, final = true); each reports the
 * bytes since its last report, which becomes the new base.  Returns how
 * many. */
unsigned gx_monitors_report(struct agw_ctx *ctx, struct gx_sess *s, struct diam_gx_ccr *ccr,
                            bool final)
{
    struct gx_mons *ms = gx_sess_monitors(s);
    uint64_t now;
    if (!ms->n || !session_bytes(ctx, gx_sess_teid(s), &now))
        return 0;
    unsigned n = 0;
    for (unsigned i = 0; i < ms->n && ccr->n_monitors < DIAM_MAX_MONITORS; i++) {
        struct gx_mon *k = &ms->m[i];
        uint64_t used = now > k->base ? now - k->base : 0;
        if (!final && !(k->armed && used >= k->granted))
            continue;
        struct diam_usage_monitor *u = &ccr->monitors[ccr->n_monitors++];
        memset(u, 0, sizeof(*u));
        snprintf(u->key, sizeof(u->key), "%s", k->key);
        /* 5.3.60: the Used-Service-Unit of the key since the last report */
        u->used = (struct diam_units){ .present = true, .has_total = true, .total = used };
        k->base = now;
        k->armed = false;       /* until the PCRF grants again */
        n++;
    }
    if (n && !final && ccr->n_triggers < DIAM_MAX_TRIGGERS)
        ccr->triggers[ccr->n_triggers++] = DIAM_ET_USAGE_REPORT;   /* 5.3.7 (26) */
    return n;
}

/* Once a second: a CCR-U for each session with a grant used up or an
 * event to report (gx_event.c). */
static void poll_one(struct agw_ctx *ctx, struct gx_sess *s, void *arg)
{
    (void)arg;
    struct gx_mons *ms = gx_sess_monitors(s);
    uint64_t now;
    bool due = false;
    if (ms->busy)
        return;
    if (ms->n && session_bytes(ctx, gx_sess_teid(s), &now))
        for (unsigned i = 0; i < ms->n; i++)
            due |= ms->m[i].armed && now - ms->m[i].base >= ms->m[i].granted;
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
