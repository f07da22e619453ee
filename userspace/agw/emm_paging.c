/* ECM-IDLE UEs in xepc-agwd: paging on downlink data (TS 23.401 5.3.4.3,
 * TS 36.413 8.5) with T3413 and escalation, and the mobile reachable and
 * implicit detach timers (TS 24.301 5.3.5, TS 23.401 4.3.5.2).
 *
 * The datapath keeps a UE's downlink while it has no tunnel (at most
 * idle_buffer_max = 16 packets per UE in the kernel's accounting, 64 per
 * UE and 4096 in all in the library: docs/agw.md "Idle mode") and raises a
 * downlink-data event at most once a second per session.  The first event
 * for a registered, idle UE starts paging: an S1AP Paging by S-TMSI to the
 * eNBs serving the UE's last TA, then, on each T3413 expiry, to every eNB
 * serving a TA of its TAI list, mme.paging_retries times.  Further events
 * while paging runs change nothing.  Paging ends when the UE gets an S1
 * connection (any initial NAS message: a service request, a TAU, an
 * attach) or when the last T3413 runs out.
 *
 * Each UE carries its timers (agw_ue.paging_timer, reach_timer); freeing
 * the UE stops them (emm_idle_ue_free). */
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"

static void paging_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void reach_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

void emm_idle_ue_init(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ev_init(&ue->paging_timer, paging_timer_cb);
    ue->paging_timer.data = ctx;
    ev_init(&ue->reach_timer, reach_timer_cb);
    ue->reach_timer.data = ctx;
}

void emm_idle_ue_free(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ev_timer_stop(ctx->loop, &ue->paging_timer);
    ev_timer_stop(ctx->loop, &ue->reach_timer);
    agw_hash_del(&ctx->ue_by_tmsi, &ue->by_old_tmsi);
}

/* ---------------------------------------------------- reachability -- */

static uint32_t mobile_reachable_ms(const struct agw_ctx *ctx)
{
    const struct agw_config *cfg = ctx->cfg;
    if (cfg->mme.mobile_reachable_ms)
        return cfg->mme.mobile_reachable_ms;
    /* TS 24.301 5.3.5: by default 4 minutes more than T3412; with T3412
     * deactivated the UE does no periodic TAU, and there is no timer */
    return cfg->mme.t3412_ms ? cfg->mme.t3412_ms + 4 * 60 * 1000 : 0;
}

/* The UE went ECM-IDLE (or was loaded idle at start). */
void emm_idle_enter(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ev_timer_stop(ctx->loop, &ue->reach_timer);
    ue->reach_implicit = false;
    uint32_t ms = mobile_reachable_ms(ctx);
    if (!ms || ue->emm != EMM_REGISTERED)
        return;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].dl_teid)
            return;                 /* loaded with its tunnels: not idle */
    ev_timer_set(&ue->reach_timer, ms / 1000.0, 0.);
    ev_timer_start(ctx->loop, &ue->reach_timer);
}

/* The UE has an S1 connection again: whatever brought it, paging is
 * answered and the reachability timers stop (TS 24.301 5.3.5). */
void emm_idle_leave(struct agw_ctx *ctx, struct agw_ue *ue)
{
    ev_timer_stop(ctx->loop, &ue->reach_timer);
    ue->reach_implicit = false;
    if (ue->paging) {
        ev_timer_stop(ctx->loop, &ue->paging_timer);
        ue->paging = false;
        ctx->stats.paging_success++;
        char b[20];
        LOG_DBG(ctx, "emm", "ue %s: answered paging after %llu us", ue_imsi_log(ctx, ue, b),
                (unsigned long long)((agw_now_ns() - ue->paging_start_ns) / 1000));
    }
}

static void reach_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct agw_ue *ue = agw_container_of(w, struct agw_ue, reach_timer);
    char b[20];
    (void)loop;
    (void)revents;
    if (ue->s1 || ue->emm != EMM_REGISTERED)
        return;
    if (!ue->reach_implicit) {
        /* TS 24.301 5.3.5: the mobile reachable timer expired: the
         * implicit detach timer starts; the UE is not paged any more
         * (TS 23.401 4.3.5.2: PPF cleared) */
        ue->reach_implicit = true;
        if (ue->paging) {
            ev_timer_stop(ctx->loop, &ue->paging_timer);
            ue->paging = false;
        }
        LOG_DBG(ctx, "emm", "ue %s: mobile reachable timer expired", ue_imsi_log(ctx, ue, b));
        ev_timer_set(&ue->reach_timer, ctx->cfg->mme.implicit_detach_ms / 1000.0, 0.);
        ev_timer_start(ctx->loop, &ue->reach_timer);
        return;
    }
    /* implicit detach: the sessions go, the security context stays, so
     * that the UE's next SERVICE REQUEST or TAU gets #10 */
    ctx->stats.implicit_detach++;
    LOG_INFO(ctx, "emm", "ue %s: implicitly detached (unreachable)", ue_imsi_log(ctx, ue, b));
    ue->reach_implicit = false;
    emm_detach_done(ctx, ue);
}

/* ------------------------------------------------------------ paging -- */

/* TS 24.301 9.9.3.33 / emm_fill_tai_list(): the TAI list the UE was given. */
static bool tai_in_list(const struct nas_tai_list *l, const struct nas_plmn *plmn, uint16_t tac)
{
    for (unsigned i = 0; i < l->n; i++)
        for (unsigned j = 0; j < l->list[i].n; j++) {
            const struct nas_tai *t = &l->list[i].tai[j];
            if (t->tac == tac && t->plmn.mcc == plmn->mcc && t->plmn.mnc == plmn->mnc)
                return true;
        }
    return false;
}

/* TS 36.304 7.1: UE_ID = IMSI mod 1024 */
static uint32_t ue_identity_index(const struct agw_ue *ue)
{
    uint32_t r = 0;
    for (const char *p = ue->imsi; *p; p++)
        r = (r * 10 + (uint32_t)(*p - '0')) % 1024;
    return r;
}

static void agw_plmn_of_enb_tai(const uint8_t plmn[3], struct nas_plmn *out)
{
    struct agw_plmn p;
    memset(out, 0, sizeof(*out));
    if (agw_plmn_decode(plmn, &p) == 0)
        agw_nas_plmn(&p, out);
}

/* TS 36.413 9.1.6 PAGING: S-TMSI, the UE identity index, CN domain PS and
 * the TAIs of the UE's list; non-UE-associated (stream 0). */
static int send_paging(struct agw_ctx *ctx, const struct agw_ue *ue, uint32_t assoc_id,
                       const s1ap_TAIItem *tais, uint32_t n_tais)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_Paging);
    s1ap_Paging *m = &pdu.u.Paging;
    m->UEIdentityIndexValue = ue_identity_index(ue);
    m->UEPagingID.present = S1AP_UEPagingID_PR_s_TMSI;
    m->UEPagingID.u.s_TMSI.mMEC[0] = ctx->cfg->mme.gummei.mme_code;
    m->UEPagingID.u.s_TMSI.m_TMSI[0] = (uint8_t)(ue->m_tmsi >> 24);
    m->UEPagingID.u.s_TMSI.m_TMSI[1] = (uint8_t)(ue->m_tmsi >> 16);
    m->UEPagingID.u.s_TMSI.m_TMSI[2] = (uint8_t)(ue->m_tmsi >> 8);
    m->UEPagingID.u.s_TMSI.m_TMSI[3] = (uint8_t)ue->m_tmsi;
    m->CNDomain = S1AP_CNDomain_ps;
    m->TAIList.count = n_tais;
    m->TAIList.items = (s1ap_TAIItem *)tais;
    return s1ap_path_send(ctx, assoc_id, 0, &pdu);
}

/* One paging round: the first to the eNBs of the UE's last TA (where it
 * most likely camps), the later ones to every eNB serving a TA of its TAI
 * list (escalation).  Returns the number of eNBs paged. */
static unsigned page_round(struct agw_ctx *ctx, struct agw_ue *ue, bool whole_list)
{
    struct nas_tai_list l;
    emm_fill_tai_list(ctx, ue, &l);
    s1ap_TAIItem items[NAS_TAI_LIST_MAX];
    uint32_t n_items = 0;
    struct agw_plmn plmn;
    if (agw_plmn_decode(ue->tai_plmn, &plmn) < 0)
        plmn = ctx->cfg->mme.gummei.plmn;
    for (unsigned i = 0; i < l.n; i++)
        for (unsigned j = 0; j < l.list[i].n && n_items < NAS_TAI_LIST_MAX; j++) {
            s1ap_TAIItem *it = &items[n_items++];
            memset(it, 0, sizeof(*it));
            agw_plmn_encode(&plmn, it->tAI.pLMNidentity);
            it->tAI.tAC[0] = (uint8_t)(l.list[i].tai[j].tac >> 8);
            it->tAI.tAC[1] = (uint8_t)l.list[i].tai[j].tac;
        }
    unsigned paged = 0;
    struct agw_hash *h = &ctx->enb_by_assoc;
    for (size_t b = 0; b <= h->mask; b++)
        for (struct agw_hnode *n = h->buckets[b]; n; n = n->next) {
            struct agw_enb *enb = agw_container_of(n, struct agw_enb, by_assoc);
            if (!enb->setup)
                continue;
            bool serves = false;
            for (unsigned t = 0; t < enb->n_tais && !serves; t++) {
                struct nas_plmn np;
                agw_plmn_of_enb_tai(enb->tais[t].plmn, &np);
                if (whole_list)
                    serves = tai_in_list(&l, &np, enb->tais[t].tac);
                else
                    serves = enb->tais[t].tac == ue->tac &&
                             !memcmp(enb->tais[t].plmn, ue->tai_plmn, 3);
            }
            if (!serves)
                continue;
            if (send_paging(ctx, ue, enb->assoc_id, items, n_items) == 0)
                paged++;
        }
    if (paged)
        ctx->stats.paging_sent += paged;
    return paged;
}

static void paging_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct agw_ue *ue = agw_container_of(w, struct agw_ue, paging_timer);
    char b[20];
    (void)loop;
    (void)revents;
    if (!ue->paging)
        return;
    if (ue->s1 || ue->emm != EMM_REGISTERED) {
        ue->paging = false;
        return;
    }
    if (ue->paging_tries > ctx->cfg->mme.paging_retries) {
        /* TS 23.401 5.3.4.3: no answer; the packets the datapath kept stay
         * until the UE comes back or the next downlink starts paging again */
        ue->paging = false;
        ctx->stats.paging_failure++;
        LOG_INFO(ctx, "emm", "ue %s: no answer to paging (%u attempts)", ue_imsi_log(ctx, ue, b),
                 ue->paging_tries);
        if (ue->detach_wait)
            emm_detach_local(ctx, ue);  /* the network detach it was paged for */
        return;
    }
    ue->paging_tries++;
    ctx->stats.paging_retransmissions++;
    page_round(ctx, ue, true);
    ev_timer_set(&ue->paging_timer, ctx->cfg->mme.t3413_ms / 1000.0, 0.);
    ev_timer_start(ctx->loop, &ue->paging_timer);
}

/* Starts paging a registered, idle UE (once while paging runs). */
int emm_page_ue(struct agw_ctx *ctx, struct agw_ue *ue)
{
    char b[20];
    if (ue->emm != EMM_REGISTERED || ue->attach_pending || !ue->m_tmsi)
        return -EINVAL;
    if (ue->s1)
        return -EISCONN;            /* connected (or coming back): nothing to page */
    if (ue->paging)
        return -EALREADY;
    if (ue->reach_implicit)
        return -EHOSTUNREACH;       /* TS 23.401 4.3.5.2: PPF cleared */
    ue->paging = true;
    ue->paging_tries = 1;
    ue->paging_start_ns = agw_now_ns();
    ctx->stats.paging_started++;
    unsigned n = page_round(ctx, ue, false);
    if (n == 0)
        n = page_round(ctx, ue, true);
    LOG_DBG(ctx, "emm", "ue %s: paging (%u eNBs)", ue_imsi_log(ctx, ue, b), n);
    ev_timer_set(&ue->paging_timer, ctx->cfg->mme.t3413_ms / 1000.0, 0.);
    ev_timer_start(ctx->loop, &ue->paging_timer);
    return 0;
}

/* The datapath's downlink-data event (TS 23.401 5.3.4.3 step 2: the
 * Downlink Data Notification of an SGW inside the gateway). */
void emm_paging_ddn(struct agw_ctx *ctx, uint32_t session_id)
{
    /* the session id indexes its UE (pgw_session.c): no scan of the UEs */
    struct agw_ue *ue = pgw_ue_by_session(ctx, session_id);
    if (!ue)
        return;
    int rc = emm_page_ue(ctx, ue);
    if (rc == -EALREADY)
        ctx->stats.paging_ddn_ignored++;
}
