/* Gx requests: CCR-I when a PDN connection gets its address, CCR-U with
 * usage reports and events, CCR-T when it is released (TS 29.212 4.5.1,
 * 4.5.3, 4.5.17, 4.5.7).  The Session-Id is made from the
 * boot time and the session's uplink TEID, so CCR-T needs no stored state:
 * "<identity>;<boot>;<ul_teid>" (RFC 6733 8.8). */
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_ccr.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"

static void session_id(struct agw_ctx *ctx, const struct agw_pdn *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s;%llu;%u", ctx->cfg->diameter.identity,
             (unsigned long long)gx_boot_id(ctx), p->ul_teid);
}

static uint32_t clamp32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* 3GPP-User-Location-Info (TS 29.061 16.4.7.2): type 130, TAI then ECGI */
void gx_user_location(const struct agw_ue *ue, uint8_t u[13])
{
    u[0] = 130;
    memcpy(u + 1, ue->tai_plmn, 3);
    u[4] = (uint8_t)(ue->tac >> 8);
    u[5] = (uint8_t)ue->tac;
    memcpy(u + 6, ue->tai_plmn, 3);
    u[9] = (uint8_t)((ue->cell_id >> 24) & 0x0f);
    u[10] = (uint8_t)(ue->cell_id >> 16);
    u[11] = (uint8_t)(ue->cell_id >> 8);
    u[12] = (uint8_t)ue->cell_id;
}

/* 1 when the request is out (its answer or timeout will come), 0 when
 * there is nothing to send, a negative errno when it could not be sent */
static int send_ccr(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                    uint32_t type)
{
    struct diam_node *node = gx_node(ctx);
    struct diam_gx_ccr ccr;
    struct msg *m = NULL;
    char b[20];
    if (!node || !ctx->cfg->diameter.gx.enabled)
        return 0;                               /* the node may serve S6a or Gy only */
    memset(&ccr, 0, sizeof(ccr));
    session_id(ctx, p, ccr.h.session_id, sizeof(ccr.h.session_id));
    snprintf(ccr.h.dest_realm, sizeof(ccr.h.dest_realm), "%s", ctx->cfg->diameter.realm);
    ccr.cc_request_type = type;
    ccr.cc_request_number = type == DIAM_CC_INITIAL ? 0 : 1;
    snprintf(ccr.sub.imsi, sizeof(ccr.sub.imsi), "%s", ue->imsi);
    ccr.sub.ue_ipv4 = p->ue_ip.s_addr;
    /* TS 29.212 4.5.1, 5.6.2: the UE's /64 as Framed-IPv6-Prefix */
    if (pgw_pdn_has_v6(p)) {
        memcpy(ccr.sub.ue_prefix6, p->ue6_prefix, 8);
        ccr.sub.ue_prefix6_len = 64;
    }
    if (p->apn_idx < ctx->cfg->n_apns)
        snprintf(ccr.sub.apn, sizeof(ccr.sub.apn), "%s", ctx->cfg->apns[p->apn_idx].name);
    ccr.sub.rat_type = 1004;                    /* TS 29.212 5.3.31: EUTRAN */
    gx_user_location(ue, ccr.sub.user_location);
    ccr.sub.user_location_len = 13;
    if (type == DIAM_CC_INITIAL) {
        ccr.ip_can_type = 5;                    /* 5.3.27: 3GPP-EPS */
        /* 4.5.1: the subscribed default bearer QoS and APN-AMBR */
        ccr.default_qos = (struct diam_qos){
            .present = true, .qci = p->qci ? p->qci : 9, .has_arp = true,
            .arp = { .priority = p->arp_prio ? p->arp_prio : 15,
                     .pre_emption_capability = p->arp_cap ? 0 : 1,
                     .pre_emption_vulnerability = p->arp_vul ? 0 : 1 },
            .apn_ambr_ul = clamp32(p->ambr_ul_bps), .apn_ambr_dl = clamp32(p->ambr_dl_bps) };
    } else if (type == DIAM_CC_TERMINATION) {
        ccr.termination_cause = 1;              /* RFC 6733 8.15 DIAMETER_LOGOUT */
    }
    struct gx_sess *gs = gx_sess_find(ctx, p->ul_teid);
    if (type == DIAM_CC_INITIAL) {
        gs = gx_sess_new(ctx, ue, p, ccr.h.session_id);
        if (!gs)
            return -ENOMEM;
    } else if (gs) {
        /* the Session-Id the PCRF knows, also after a restart (SQLite) */
        snprintf(ccr.h.session_id, sizeof(ccr.h.session_id), "%s", gx_sess_sid(gs));
        ccr.cc_request_number = gx_sess_next_number(gs);
        /* TS 29.212 4.5.17.2 (CCR-U: the grants used up), 4.5.17.4 (CCR-T:
         * all the usage not reported yet); 4.5.3 (CCR-U: the armed events) */
        unsigned n = gx_monitors_report(ctx, gs, &ccr, type == DIAM_CC_TERMINATION);
        if (type == DIAM_CC_UPDATE)
            n += gx_events_report(ctx, gs, ue, p, &ccr);
        if (!n && type == DIAM_CC_UPDATE)
            return 0;                           /* nothing to report after all */
        if (type == DIAM_CC_UPDATE)
            gx_sess_monitors(gs)->busy = true;
    }
    /* with an alternate PCRF every request names its server (RFC 6733
     * 6.5), so that the first goes to the configured PCRF and a session
     * failed over stays with the alternate (RFC 4006 5.7) */
    const struct agw_config *c = ctx->cfg;
    if (c->diameter.gx.alt.enabled)
        snprintf(ccr.h.dest_host, sizeof(ccr.h.dest_host), "%s",
                 gs && gx_sess_retry(gs)->alt ? c->diameter.gx.alt.peer : c->diameter.gx.peer);
    int rc = diam_gx_ccr_encode(&ccr, &m);
    /* the session by its uplink TEID (also for a request sent again after
     * a restart: agw_ccr.h) and the request type */
    uint64_t cookie = (uint64_t)p->ul_teid << 8 | type;
    unsigned tx = c->diameter.gx.tx_timeout_ms;
    if (!rc && gs && type != DIAM_CC_TERMINATION && c->diameter.gx.alt.enabled) {
        /* kept for RETRY_AND_TERMINATE (gx_send_retry); a CCR-T is
         * journalled and sent again anyway */
        struct gx_retry *r = gx_sess_retry(gs);
        free(r->req);
        r->req = NULL;
        if (diam_msg_to_bytes(m, &r->req, &r->len) == 0)
            r->type = type;
    }
    if (!rc && type != DIAM_CC_INITIAL && gs) {
        /* usage reports: journalled with the bases their answer settles,
         * committed before the request leaves.  Every CCR-U: its events
         * are the session's stored reference from this transaction on
         * (gx_event.c), so a crash after the commit must still get the
         * request to the PCRF (sent again at the next start).  Every CCR-T too: the
         * session's row goes in the same transaction, so the journal is
         * all that is left of it (a restored session without its PDN
         * connection, gx_session_orphan_stop, included); it is sent again
         * until the PCRF answers it (agw_ccr.h) */
        struct gx_mons *ms = gx_sess_monitors(gs);
        struct ccr_row row = { .sid = ccr.h.session_id, .no = ccr.cc_request_number,
                               .app = DIAM_APPID_GX, .type = type, .ul_teid = p->ul_teid,
                               .imsi = ue->imsi, .settle = ms->pend,
                               .settle_len = ms->n_pend * sizeof(ms->pend[0]),
                               .cookie = cookie };
        /* RFC 4006 5.7 RETRY_AND_TERMINATE for the CCR-T (the session is
         * gone, nothing keeps its bytes but the journal): once to the
         * alternate PCRF, by the journal (agw_ccr.h); a CCR-U goes there
         * through gx_send_retry */
        if (type == DIAM_CC_TERMINATION && c->diameter.gx.alt.enabled &&
            gx_sess_ccfh(ctx, gs) == 2 && !gx_sess_retry(gs)->alt)
            row.failover = c->diameter.gx.alt.peer;
        rc = ccr_send(ctx, &m, &row, tx);
    } else if (!rc) {
        rc = ccr_send_plain(ctx, &m, tx, cookie);
    }
    if (type == DIAM_CC_TERMINATION && gs)
        gx_sess_free(ctx, gs);
    if (rc < 0) {
        LOG_WARN(ctx, "gx", "ue %s: CCR-%c not sent: %s", ue_imsi_log(ctx, ue, b),
                 type == DIAM_CC_INITIAL ? 'I' : type == DIAM_CC_UPDATE ? 'U' : 'T',
                 strerror(-rc));
        if (type == DIAM_CC_UPDATE && gs)
            gx_monitors_answered(ctx, gs, false);
        if (type == DIAM_CC_INITIAL && gs)
            gx_sess_free(ctx, gs);              /* nothing will answer it */
        return rc;
    }
    if (type == DIAM_CC_UPDATE)
        LOG_INFO(ctx, "gx", "ue %s: CCR-U #%u: %u usage report(s), first %s %llu bytes; %u "
                 "event trigger(s), %u rule report(s)", ue_imsi_log(ctx, ue, b),
                 ccr.cc_request_number, ccr.n_monitors, ccr.monitors[0].key,
                 (unsigned long long)ccr.monitors[0].used.total, ccr.n_triggers, ccr.n_reports);
    gx_stats_mut(ctx)->ccr_sent++;
    return 1;
}

int gx_send_retry(struct agw_ctx *ctx, struct gx_sess *s, uint32_t type)
{
    const struct agw_config *c = ctx->cfg;
    struct gx_retry *r = gx_sess_retry(s);
    if (!c->diameter.gx.alt.enabled || r->alt || !r->req || r->type != type)
        return 0;
    /* RFC 4006 5.7: the same request to the alternate server, with the
     * T flag; the session goes on with that server */
    r->alt = true;
    gx_sess_save(ctx, s);   /* the session's server, also after a restart (0017) */
    int rc = ccr_send_to(ctx, r->req, r->len, c->diameter.gx.alt.peer,
                         c->diameter.gx.tx_timeout_ms, (uint64_t)gx_sess_teid(s) << 8 | type);
    char t = type == DIAM_CC_INITIAL ? 'I' : 'U';
    if (rc < 0) {
        LOG_WARN(ctx, "gx", "session 0x%08x: CCR-%c not sent again to the alternate PCRF: %s",
                 gx_sess_teid(s), t, strerror(-rc));
        return 0;
    }
    gx_stats_mut(ctx)->retries++;
    LOG_WARN(ctx, "gx", "session 0x%08x: CCR-%c sent again to the alternate PCRF %s "
             "(RETRY_AND_TERMINATE, T flag)", gx_sess_teid(s), t, c->diameter.gx.alt.peer);
    return 1;
}

void gx_send_update(struct agw_ctx *ctx, struct gx_sess *s)
{
    struct agw_ue *ue = ue_find_imsi(ctx, gx_sess_imsi(s));
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, gx_sess_ebi(s)) : NULL;
    if (p && p->ul_teid == gx_sess_teid(s))
        send_ccr(ctx, ue, p, DIAM_CC_UPDATE);
}

int gx_session_start(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    return send_ccr(ctx, ue, p, DIAM_CC_INITIAL);
}

/* A restored Gx session whose PDN connection was not (it waited for its
 * CCA-I when the daemon stopped, ue_store.c): the PCRF may hold it, so it
 * is terminated (CCR-T) and goes. */
void gx_session_orphan_stop(struct agw_ctx *ctx, struct gx_sess *s)
{
    struct agw_ue *ue = calloc(1, sizeof(*ue));
    struct agw_pdn p;
    if (!ue) {
        gx_sess_free(ctx, s);
        return;
    }
    memset(&p, 0, sizeof(p));
    p.ul_teid = gx_sess_teid(s);
    p.ebi = gx_sess_ebi(s);
    p.apn_idx = UINT8_MAX;              /* no Called-Station-Id */
    snprintf(ue->imsi, sizeof(ue->imsi), "%s", gx_sess_imsi(s));
    LOG_INFO(ctx, "gx", "session 0x%08x: no PDN connection after the restart: CCR-T",
             p.ul_teid);
    send_ccr(ctx, ue, &p, DIAM_CC_TERMINATION);    /* frees s */
    free(ue);
}

void gx_session_stop(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p)
{
    /* a daemon going down keeps its sessions (they survive in the
     * datapath and are restored): no CCR-T then */
    if (ctx->stopping)
        return;
    /* a session the PCRF refused, or that the failure handling ended
     * before its CCA-I (gx_handler.c), is gone already: no CCR-T */
    if (!gx_sess_find(ctx, p->ul_teid))
        return;
    send_ccr(ctx, ue, p, DIAM_CC_TERMINATION);
}
