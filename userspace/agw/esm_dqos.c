/* The default bearer's QoS (QCI, ARP) and APN-AMBR modified toward the UE
 * and the eNB (TS 23.401 5.4.2.1 PCRF-initiated, 5.3.9.2 HSS-initiated
 * subscribed QoS modification; TS 24.301 6.4.3 network-initiated EPS
 * bearer context modification; TS 36.413 8.2.2 E-RAB Modify, 8.3.4 UE
 * Context Modification).
 *
 * Who asks: xepcctl (`ue qos`), the PCRF (a CCA's or an RAR's
 * Default-EPS-Bearer-QoS or APN-AMBR, gx_policy.c), the HSS without a
 * PCRF (an IDR's subscribed QCI/ARP/APN-AMBR, s6a_handler.c).  One
 * modification per PDN connection at a time; a new one for the same PDN
 * connection replaces the one that waits (its target is what is asked
 * last).
 *
 * The procedure: the wanted values are stored (SQLite, table
 * default_bearer_mod, same group commit) before anything is sent and
 * before the requester is answered.  A QCI/ARP change goes in an E-RAB
 * Modify Request (E-RAB Level QoS Parameters and the NAS PDU, the UE-AMBR
 * when it changes); an APN-AMBR change alone in a Downlink NAS Transport,
 * with a UE Context Modification Request when the UE-AMBR changes
 * (TS 23.401 5.4.2.1 step 4).  T3486 (mme.t3486), four retransmissions.
 * MODIFY EPS BEARER CONTEXT ACCEPT: the new values become the PDN
 * connection's, the APN-AMBR goes to the session's meters.  REJECT, the
 * eNB's failure (E-RAB Failed to Modify List) or the fifth expiry: the
 * old values stay (TS 24.301 6.4.3.4, 6.4.3.6); a modification the PCRF
 * asked for is reported (TS 29.212 4.5.5.0a, 4.5.5.7: Event-Trigger
 * DEFAULT_EPS_BEARER_QOS_MODIFICATION_FAILURE / APN-AMBR_MODIFICATION_
 * FAILURE with the values in force, gx_event.c).
 *
 * An ECM-IDLE UE is paged (TS 23.401 5.4.2.1 step 3: the network-triggered
 * service request) and the modification goes on the connection its
 * service request opens (esm_dqos_connected); after a restart every UE is
 * idle: a stored modification pages it again. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "lib/strbuf.h"

#define DQOS_RETRIES 4          /* TS 24.301 6.4.3.6: resent four times */

enum dq_state { DQ_FREE = 0, DQ_SENT, DQ_DEFERRED };

struct dq_mod {
    uint8_t ebi;
    uint8_t state;              /* enum dq_state */
    uint8_t src;                /* enum esm_dqos_src */
    uint8_t retries;
    struct esm_dqos want;       /* what the request that is out (or waits) carries */
    bool has_next;              /* asked for while the request was out: */
    uint8_t next_src;           /* sent once the UE has answered */
    struct esm_dqos next;
    ev_timer timer;             /* T3486, or the wait for the paged UE */
    uint32_t ue_id;
};

struct esm_dqos_ue {
    struct dq_mod m[AGW_MAX_PDN];
    bool rows;                  /* default_bearer_mod rows may exist */
};

const char *esm_dqos_src_str(enum esm_dqos_src s)
{
    switch (s) {
    case ESM_DQOS_CTL: return "xepcctl";
    case ESM_DQOS_PCRF: return "pcrf";
    case ESM_DQOS_HSS: return "hss";
    }
    return "?";
}

void esm_dqos_of(const struct agw_pdn *p, struct esm_dqos *q)
{
    memset(q, 0, sizeof(*q));
    q->qci = p->qci;
    q->arp_prio = p->arp_prio;
    q->arp_cap = p->arp_cap;
    q->arp_vul = p->arp_vul;
    q->ambr_ul = p->ambr_ul_bps;
    q->ambr_dl = p->ambr_dl_bps;
}

bool esm_dqos_equal(const struct esm_dqos *a, const struct esm_dqos *b)
{
    return a->qci == b->qci && a->arp_prio == b->arp_prio && a->arp_cap == b->arp_cap &&
           a->arp_vul == b->arp_vul && a->ambr_ul == b->ambr_ul && a->ambr_dl == b->ambr_dl;
}

static struct dq_mod *mod_find(struct agw_ue *ue, uint8_t ebi)
{
    if (!ue->dqos)
        return NULL;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->dqos->m[i].state != DQ_FREE && ue->dqos->m[i].ebi == ebi)
            return &ue->dqos->m[i];
    return NULL;
}

static struct dq_mod *mod_new(struct agw_ue *ue, uint8_t ebi)
{
    if (!ue->dqos && !(ue->dqos = calloc(1, sizeof(*ue->dqos))))
        return NULL;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->dqos->m[i].state == DQ_FREE) {
            memset(&ue->dqos->m[i], 0, sizeof(ue->dqos->m[i]));
            ue->dqos->m[i].ebi = ebi;
            return &ue->dqos->m[i];
        }
    return NULL;
}

static void mod_end(struct agw_ctx *ctx, struct agw_ue *ue, struct dq_mod *d)
{
    ev_timer_stop(ctx->loop, &d->timer);
    d->state = DQ_FREE;
    d->has_next = false;
    ue->dqos->rows = true;          /* the row goes at the next commit */
    ue_store_mark(ctx, ue);
}

const struct esm_dqos *esm_dqos_pending(struct agw_ue *ue, uint8_t ebi, bool *deferred)
{
    struct dq_mod *d = mod_find(ue, ebi);
    if (d && deferred)
        *deferred = d->state == DQ_DEFERRED;
    return d ? &d->want : NULL;
}

/* ------------------------------------------------------------- timers -- */

static void dq_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void timer_start(struct agw_ctx *ctx, struct agw_ue *ue, struct dq_mod *d)
{
    uint32_t ms = ctx->cfg->mme.t3486_ms;
    /* waiting for the paged UE: as long as the paging can last, and one
     * ESM timer more for its service request (as esm_bearer.c) */
    if (d->state == DQ_DEFERRED)
        ms += ctx->cfg->mme.t3413_ms * (ctx->cfg->mme.paging_retries + 1);
    ev_timer_stop(ctx->loop, &d->timer);
    ev_init(&d->timer, dq_timer_cb);
    d->timer.data = ctx;
    d->ue_id = ue->id;
    ev_timer_set(&d->timer, ms / 1000.0, 0);
    ev_timer_start(ctx->loop, &d->timer);
}

/* ------------------------------------------------------------ outcome -- */

/* The old values stay (TS 24.301 6.4.3.4/6.4.3.6); the PCRF hears of
 * what it asked for and did not get (TS 29.212 4.5.5.0a, 4.5.5.7). */
static void failed(struct agw_ctx *ctx, struct agw_ue *ue, struct dq_mod *d, const char *why)
{
    char b[20];
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, d->ebi);
    ctx->stats.default_qos_modify_failed++;
    LOG_INFO(ctx, "esm", "ue %s: default bearer EBI %u: QoS/APN-AMBR modification failed (%s): "
             "the old values stay", ue_imsi_log(ctx, ue, b), d->ebi, why);
    if (p && d->src == ESM_DQOS_PCRF) {
        bool qos = d->want.qci != p->qci || d->want.arp_prio != p->arp_prio;
        bool ambr = d->want.ambr_ul != p->ambr_ul_bps || d->want.ambr_dl != p->ambr_dl_bps;
        gx_events_mod_failed(ctx, p->ul_teid, qos, ambr);
    }
    mod_end(ctx, ue, d);
}

static void accepted(struct agw_ctx *ctx, struct agw_ue *ue, struct dq_mod *d)
{
    char b[20];
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, d->ebi);
    if (!p) {
        mod_end(ctx, ue, d);
        return;
    }
    bool ambr = d->want.ambr_ul != p->ambr_ul_bps || d->want.ambr_dl != p->ambr_dl_bps;
    LOG_INFO(ctx, "esm", "ue %s: default bearer EBI %u modified: QCI %u -> %u, ARP %u -> %u, "
             "APN-AMBR %llu/%llu -> %llu/%llu", ue_imsi_log(ctx, ue, b), p->ebi, p->qci,
             d->want.qci, p->arp_prio, d->want.arp_prio, (unsigned long long)p->ambr_ul_bps,
             (unsigned long long)p->ambr_dl_bps, (unsigned long long)d->want.ambr_ul,
             (unsigned long long)d->want.ambr_dl);
    p->qci = d->want.qci;
    p->arp_prio = d->want.arp_prio;
    p->arp_cap = d->want.arp_cap;
    p->arp_vul = d->want.arp_vul;
    p->ambr_ul_bps = d->want.ambr_ul;
    p->ambr_dl_bps = d->want.ambr_dl;
    /* TS 23.401 4.7.3: the gateway enforces the APN-AMBR (the session's
     * meters, libxepcdp) */
    if (ambr)
        pgw_pdn_update_ambr(ctx, ue, p);
    /* what the PCRF authorised is not a change to report back */
    if (d->src == ESM_DQOS_PCRF)
        gx_events_dqos_authorised(ctx, p);
    ctx->stats.default_qos_modified++;
    mod_end(ctx, ue, d);
}

/* ------------------------------------------------------------- sending -- */

static bool ue_ready(const struct agw_ue *ue, const struct agw_pdn *p)
{
    return ue->s1 && ue->emm == EMM_REGISTERED && !ue->attach_pending && p &&
           p->state == PDN_ACTIVE && p->dl_teid != 0;
}

/* The request (first: in an E-RAB Modify Request or a Downlink NAS
 * Transport, with the UE-AMBR if it changes; again: in a Downlink NAS
 * Transport). */
static int send_request(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                        struct dq_mod *d, bool first)
{
    struct esm_dqos old;
    struct nas_message m;
    uint8_t nas[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    size_t len;
    esm_dqos_of(p, &old);
    int rc = esm_dqos_build_modify(p->ebi, &old, &d->want, &m);
    if (rc < 0 || (rc = nas_encode_protected(ctx, ue, &m, nas, sizeof(nas), &len)) < 0)
        return rc;
    ue_store_mark(ctx, ue);             /* the NAS COUNT went up */
    if (!first)
        return s1ap_send_dl_nas(ctx, ue, nas, len);
    uint64_t ul0, dl0, ul1, dl1;
    esm_dqos_ue_ambr(ue, NULL, NULL, &ul0, &dl0);
    esm_dqos_ue_ambr(ue, p, &d->want, &ul1, &dl1);
    bool ue_ambr = ul0 != ul1 || dl0 != dl1;
    bool erab = d->want.qci != old.qci || d->want.arp_prio != old.arp_prio ||
                d->want.arp_cap != old.arp_cap || d->want.arp_vul != old.arp_vul;
    if (erab) {
        /* TS 23.401 5.4.2.1 step 4: the QoS of the E-RAB changes */
        struct s1ap_pdu pdu;
        s1ap_E_RABToBeModifiedItemBearerModReq it;
        esm_dqos_build_erab_modify(&pdu, &it, ue->id, ue->enb_ue_id, p->ebi, &d->want,
                                   ue_ambr ? ul1 : 0, ue_ambr ? dl1 : 0, nas, len);
        return s1ap_path_send(ctx, ue->assoc_id, ue->stream, &pdu);
    }
    /* the APN-AMBR alone: the ESM message in a Downlink NAS Transport and
     * the UE-AMBR, if it changes, in a UE Context Modification Request
     * (TS 36.413 8.3.4) */
    rc = s1ap_send_dl_nas(ctx, ue, nas, len);
    if (rc >= 0 && ue_ambr)
        rc = s1ap_send_ue_ambr(ctx, ue, ul1, dl1);
    return rc;
}

static int go(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, struct dq_mod *d)
{
    d->state = DQ_SENT;
    d->retries = 0;
    ue_store_mark(ctx, ue);
    int rc = send_request(ctx, ue, p, d, true);
    if (rc < 0)
        return rc;
    timer_start(ctx, ue, d);
    return 0;
}

/* The UE is not connected: paged, the modification waits. */
static int defer(struct agw_ctx *ctx, struct agw_ue *ue, struct dq_mod *d, char *err,
                 size_t errlen)
{
    char b[20];
    if (!ue->s1) {
        int rc = emm_page_ue(ctx, ue);
        if (rc < 0 && rc != -EALREADY)
            return snprintf(err, errlen, "the UE is ECM-IDLE and cannot be paged (%s)",
                            rc == -EHOSTUNREACH ? "not reachable" : "not registered"),
                   -EHOSTUNREACH;
    } else if (ue->emm != EMM_REGISTERED && !ue->attach_pending) {
        return snprintf(err, errlen, "the UE is not registered"), -ENOTCONN;
    }
    d->state = DQ_DEFERRED;
    d->retries = 0;
    timer_start(ctx, ue, d);
    ue_store_mark(ctx, ue);
    LOG_INFO(ctx, "esm", "ue %s: default bearer EBI %u: QoS modification %s",
             ue_imsi_log(ctx, ue, b), d->ebi,
             ue->s1 ? "waits for the UE's connection" : "pages the UE first");
    return 0;
}

static void dq_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    struct dq_mod *d = (struct dq_mod *)((char *)w - offsetof(struct dq_mod, timer));
    struct agw_ue *ue = ue_find_id(ctx, d->ue_id);
    (void)loop;
    (void)revents;
    if (!ue || !ue->dqos || d < ue->dqos->m || d >= ue->dqos->m + AGW_MAX_PDN)
        return;
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, d->ebi);
    if (!p || p->state != PDN_ACTIVE) {
        mod_end(ctx, ue, d);
        return;
    }
    if (d->state == DQ_DEFERRED) {
        failed(ctx, ue, d, "the UE did not come");
        return;
    }
    /* TS 24.301 6.4.3.6: T3486 expired */
    if (++d->retries > DQOS_RETRIES) {
        failed(ctx, ue, d, "T3486 expired five times");
        return;
    }
    if (!ue->s1) {
        /* the UE went idle meanwhile: page it, start over on its connection */
        char err[96];
        if (defer(ctx, ue, d, err, sizeof(err)) < 0)
            failed(ctx, ue, d, err);
        return;
    }
    if (send_request(ctx, ue, p, d, false) < 0) {
        failed(ctx, ue, d, "cannot resend the request");
        return;
    }
    timer_start(ctx, ue, d);
}

/* ---------------------------------------------------------- entry point -- */

/* The values a modification may set; with cur (the values in force),
 * only those that change are checked (a PDN connection set up without an
 * APN-AMBR can have its QCI changed). */
int esm_dqos_check(const struct esm_dqos *q, const struct esm_dqos *cur, char *err,
                   size_t errlen)
{
    /* TS 23.203 6.1.7.2: a default bearer is non-GBR */
    if ((!cur || q->qci != cur->qci) &&
        !((q->qci >= 5 && q->qci <= 9) || q->qci == 69 || q->qci == 70 ||
          (q->qci >= 79 && q->qci <= 80)))
        return snprintf(err, errlen, "QCI %u is not a non-GBR QCI (5..9, 69, 70, 79, 80) "
                        "for a default bearer", q->qci), -EINVAL;
    if ((!cur || q->arp_prio != cur->arp_prio) && (q->arp_prio < 1 || q->arp_prio > 15))
        return snprintf(err, errlen, "ARP priority %u is not 1..15", q->arp_prio), -EINVAL;
    if (cur && q->ambr_ul == cur->ambr_ul && q->ambr_dl == cur->ambr_dl)
        return 0;
    /* TS 24.301 9.9.4.2: the APN-AMBR IE goes up to 65.28 Tbit/s with its
     * extensions; the datapath's meters take up to 4 Tbit/s */
    if (q->ambr_ul < 1000 || q->ambr_dl < 1000 || q->ambr_ul > 4000000000000ull ||
        q->ambr_dl > 4000000000000ull)
        return snprintf(err, errlen, "APN-AMBR must be 1 kbit/s .. 4 Tbit/s each way"), -ERANGE;
    return 0;
}

int esm_dqos_modify(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p,
                    const struct esm_dqos *want, enum esm_dqos_src src, char *err, size_t errlen)
{
    char b[20];
    struct esm_dqos cur;
    esm_dqos_of(p, &cur);
    int rc = esm_dqos_check(want, &cur, err, errlen);
    if (rc < 0)
        return rc;
    if (p->state != PDN_ACTIVE)
        return snprintf(err, errlen, "the PDN connection of EBI %u is not active", p->ebi),
               -ENOENT;
    struct dq_mod *d = mod_find(ue, p->ebi);
    if (d && d->state == DQ_SENT) {
        /* the request that is out is answered for its own values; the
         * newest target goes once it is (TS 24.301 6.4.3: one procedure
         * on a bearer at a time) */
        d->has_next = !esm_dqos_equal(want, &d->want);
        d->next = *want;
        d->next_src = (uint8_t)src;
        ue->dqos->rows = true;
        ue_store_mark(ctx, ue);
        return 1;
    }
    if (esm_dqos_equal(want, &cur)) {
        if (d)
            mod_end(ctx, ue, d);    /* back to what the UE has: dropped */
        return 0;
    }
    bool fresh = !d;
    if (!d && !(d = mod_new(ue, p->ebi)))
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    d->want = *want;
    d->src = (uint8_t)src;
    ue->dqos->rows = true;
    LOG_INFO(ctx, "esm", "ue %s: default bearer EBI %u: %s asks QCI %u ARP %u APN-AMBR "
             "%llu/%llu", ue_imsi_log(ctx, ue, b), p->ebi, esm_dqos_src_str(src), want->qci,
             want->arp_prio, (unsigned long long)want->ambr_ul,
             (unsigned long long)want->ambr_dl);
    if (ue_ready(ue, p)) {
        rc = go(ctx, ue, p, d);
        if (rc < 0) {
            snprintf(err, errlen, "cannot send the request (%s)", strerror(-rc));
            mod_end(ctx, ue, d);
            return rc;
        }
        return 1;
    }
    if (fresh || d->state != DQ_DEFERRED) {
        rc = defer(ctx, ue, d, err, errlen);
        if (rc < 0) {
            mod_end(ctx, ue, d);
            return rc;
        }
    }
    ue_store_mark(ctx, ue);
    return 1;
}

/* After the UE's answer: the newest target, if one came meanwhile. */
static void after(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi, bool has,
                  const struct esm_dqos *nw, uint8_t src)
{
    struct agw_pdn *p = has ? pgw_pdn_by_ebi(ue, ebi) : NULL;
    char err[96], b[20];
    if (p && esm_dqos_modify(ctx, ue, p, nw, (enum esm_dqos_src)src, err, sizeof(err)) < 0)
        LOG_INFO(ctx, "esm", "ue %s: default bearer EBI %u: the next modification: %s",
                 ue_imsi_log(ctx, ue, b), ebi, err);
}

bool esm_dqos_handle(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m)
{
    if (m->id != NAS_MSG_MODIFY_ACCEPT && m->id != NAS_MSG_MODIFY_REJECT)
        return false;
    struct dq_mod *d = mod_find(ue, m->ebi);
    if (!d || d->state != DQ_SENT)
        return false;
    ev_timer_stop(ctx->loop, &d->timer);
    bool has = d->has_next;
    struct esm_dqos nw = d->next;
    uint8_t src = d->next_src;
    if (m->id == NAS_MSG_MODIFY_REJECT) {
        char why[48];
        snprintf(why, sizeof(why), "rejected by the UE, ESM cause #%u",
                 m->modify_reject.esm_cause);
        failed(ctx, ue, d, why);
    } else {
        accepted(ctx, ue, d);
    }
    after(ctx, ue, m->ebi, has, &nw, src);
    return true;
}

/* TS 36.413 8.2.2.3: the eNB could not modify the E-RAB (it did not give
 * the NAS PDU to the UE). */
bool esm_dqos_erab_failed(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t ebi)
{
    struct dq_mod *d = mod_find(ue, ebi);
    if (!d || d->state != DQ_SENT)
        return false;
    bool has = d->has_next;
    struct esm_dqos nw = d->next;
    uint8_t src = d->next_src;
    failed(ctx, ue, d, "the eNB failed to modify the E-RAB");
    after(ctx, ue, ebi, has, &nw, src);
    return true;
}

/* The UE is connected: the modifications that waited go. */
void esm_dqos_connected(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->dqos)
        return;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        struct dq_mod *d = &ue->dqos->m[i];
        struct agw_pdn *p = d->state == DQ_DEFERRED ? pgw_pdn_by_ebi(ue, d->ebi) : NULL;
        if (!p || !ue_ready(ue, p))
            continue;
        char b[20];
        LOG_INFO(ctx, "esm", "ue %s: default bearer EBI %u: the UE is connected, its QoS "
                 "modification goes", ue_imsi_log(ctx, ue, b), d->ebi);
        if (go(ctx, ue, p, d) < 0)
            failed(ctx, ue, d, "cannot send the request");
    }
}

bool esm_dqos_waiting(const struct agw_ue *ue)
{
    if (!ue->dqos)
        return false;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->dqos->m[i].state == DQ_DEFERRED)
            return true;
    return false;
}

void esm_dqos_ue_free(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->dqos)
        return;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        ev_timer_stop(ctx->loop, &ue->dqos->m[i].timer);
    free(ue->dqos);
    ue->dqos = NULL;
}

/* ------------------------------------------------------------- store -- */

/* Called by ue_store.c inside the group commit: the UE's modifications
 * replace its rows.  A UE that never had one costs nothing. */
int esm_dqos_store(struct agw_ctx *ctx, struct agw_ue *ue)
{
    if (!ue->dqos || !ue->dqos->rows)
        return 0;
    sqlite3 *db = ctx->db->db;
    sqlite3_stmt *del = NULL, *ins = NULL;
    int rc = -EIO;
    bool any = false;
    if (sqlite3_prepare_v2(db, "DELETE FROM default_bearer_mod WHERE imsi = ?1", -1, &del,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO default_bearer_mod (imsi, ebi, src, qci, arp_prio, "
                           "arp_cap, arp_vul, ambr_ul, ambr_dl) VALUES (?1,?2,?3,?4,?5,?6,?7,"
                           "?8,?9)", -1, &ins, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(del, 1, ue->imsi, -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE)
        goto out;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct dq_mod *d = &ue->dqos->m[i];
        if (d->state == DQ_FREE)
            continue;
        any = true;
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, ue->imsi, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 2, d->ebi);
        /* the newest target: after a restart the UE gets that one */
        const struct esm_dqos *q = d->has_next ? &d->next : &d->want;
        sqlite3_bind_int(ins, 3, d->has_next ? d->next_src : d->src);
        sqlite3_bind_int(ins, 4, q->qci);
        sqlite3_bind_int(ins, 5, q->arp_prio);
        sqlite3_bind_int(ins, 6, q->arp_cap);
        sqlite3_bind_int(ins, 7, q->arp_vul);
        sqlite3_bind_int64(ins, 8, (sqlite3_int64)q->ambr_ul);
        sqlite3_bind_int64(ins, 9, (sqlite3_int64)q->ambr_dl);
        if (sqlite3_step(ins) != SQLITE_DONE)
            goto out;
    }
    ue->dqos->rows = any;
    rc = 0;
out:
    if (rc)
        LOG_ERR(ctx, "store", "default bearer modifications: %s", sqlite3_errmsg(db));
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return rc;
}

/* Called by ue_store_load() after the UE's PDN connections and bearers
 * (the UE is idle then): a stored modification pages the UE again and
 * goes on the connection its service request opens. */
int esm_dqos_load(struct agw_ctx *ctx, struct agw_ue *ue, struct sqlite3_stmt **cache)
{
    sqlite3_stmt *st = *cache;
    int n = 0;
    if (!st && sqlite3_prepare_v2(ctx->db->db,
                                  "SELECT ebi, src, qci, arp_prio, arp_cap, arp_vul, ambr_ul, "
                                  "ambr_dl FROM default_bearer_mod WHERE imsi = ?1 ORDER BY ebi",
                                  -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    *cache = st;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, ue->imsi, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct esm_dqos q;
        memset(&q, 0, sizeof(q));
        uint8_t ebi = (uint8_t)sqlite3_column_int(st, 0);
        enum esm_dqos_src src = (enum esm_dqos_src)sqlite3_column_int(st, 1);
        q.qci = (uint8_t)sqlite3_column_int(st, 2);
        q.arp_prio = (uint8_t)sqlite3_column_int(st, 3);
        q.arp_cap = sqlite3_column_int(st, 4) != 0;
        q.arp_vul = sqlite3_column_int(st, 5) != 0;
        q.ambr_ul = (uint64_t)sqlite3_column_int64(st, 6);
        q.ambr_dl = (uint64_t)sqlite3_column_int64(st, 7);
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, ebi);
        char err[96];
        if (!ue->dqos && !(ue->dqos = calloc(1, sizeof(*ue->dqos))))
            break;
        ue->dqos->rows = true;      /* rewritten (or removed) at the next commit */
        ue_store_mark(ctx, ue);
        if (!p || esm_dqos_modify(ctx, ue, p, &q, src, err, sizeof(err)) < 0) {
            LOG_WARN(ctx, "store", "stored default bearer modification of EBI %u dropped: %s",
                     ebi, p ? err : "no such PDN connection");
            continue;
        }
        n++;
    }
    sqlite3_reset(st);
    return n;
}

/* -------------------------------------------------------------- show -- */

void esm_dqos_show(struct agw_ctx *ctx, struct agw_ue *ue, struct strbuf *o)
{
    (void)ctx;
    if (!ue->dqos)
        return;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct dq_mod *d = &ue->dqos->m[i];
        if (d->state == DQ_FREE)
            continue;
        strbuf_printf(o, "pdn ebi %u qos_modification %s from %s qci %u arp %u ambr ul %llu "
                      "dl %llu\n", d->ebi, d->state == DQ_SENT ? "sent" : "waiting",
                      esm_dqos_src_str((enum esm_dqos_src)d->src), d->want.qci,
                      d->want.arp_prio, (unsigned long long)d->want.ambr_ul,
                      (unsigned long long)d->want.ambr_dl);
    }
}

/* -------------------------------------------------------------- xepcctl -- */

static bool num_arg(const char *v, unsigned long long max, unsigned long long *out)
{
    char *e = NULL;
    if (!v || !*v || strspn(v, "0123456789") != strlen(v))
        return false;
    *out = strtoull(v, &e, 10);
    return e && !*e && *out <= max;
}

/* "ue qos ID EBI [qci=Q] [arp=P] [ambr=UL/DL]" (xepcctl ue qos, bit/s):
 * what is not given stays as it is (or as the modification that waits
 * has it). */
void esm_dqos_ctl(struct agw_ctx *ctx, const char *id, char *rest, struct strbuf *o)
{
    char *save = NULL, err[128];
    char *ebi_s = strtok_r(rest, " \t\r\n", &save);
    struct agw_ue *ue = NULL;
    unsigned long long ebi = 0, v = 0;
    if (id && id[0] == '#')
        ue = ue_find_id(ctx, (uint32_t)strtoul(id + 1, NULL, 10));
    else if (id && strlen(id) >= 6 && strlen(id) <= 15 && strspn(id, "0123456789") == strlen(id))
        ue = ue_find_imsi(ctx, id);
    if (!ue) {
        strbuf_printf(o, "error: no UE %s (give an IMSI or #MME-UE-S1AP-ID)\n", id ? id : "");
        return;
    }
    struct agw_pdn *p = num_arg(ebi_s, 15, &ebi) && ebi >= 5 ? pgw_pdn_by_ebi(ue, (uint8_t)ebi)
                                                             : NULL;
    if (!p || p->state == PDN_FREE) {
        strbuf_printf(o, "error: no PDN connection with default bearer EBI %s (5..15)\n",
                      ebi_s ? ebi_s : "");
        return;
    }
    struct esm_dqos q;
    const struct esm_dqos *pend = esm_dqos_pending(ue, p->ebi, NULL);
    if (pend)
        q = *pend;
    else
        esm_dqos_of(p, &q);
    unsigned given = 0;
    for (char *t = strtok_r(NULL, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        char *val = strchr(t, '=');
        if (!val) {
            strbuf_printf(o, "error: unexpected '%s' (qci=Q, arp=P, ambr=UL/DL)\n", t);
            return;
        }
        *val++ = 0;
        if (!strcmp(t, "qci") && num_arg(val, 255, &v)) {
            q.qci = (uint8_t)v;
        } else if (!strcmp(t, "arp") && num_arg(val, 255, &v)) {
            q.arp_prio = (uint8_t)v;
        } else if (!strcmp(t, "ambr")) {
            char *slash = strchr(val, '/');
            unsigned long long ul, dl;
            if (!slash) {
                strbuf_printf(o, "error: ambr=UL/DL in bit/s\n");
                return;
            }
            *slash = 0;
            if (!num_arg(val, ~0ull, &ul) || !num_arg(slash + 1, ~0ull, &dl)) {
                strbuf_printf(o, "error: ambr=UL/DL in bit/s\n");
                return;
            }
            q.ambr_ul = ul;
            q.ambr_dl = dl;
        } else {
            strbuf_printf(o, "error: bad '%s=%s' (qci=Q, arp=P, ambr=UL/DL)\n", t, val);
            return;
        }
        given++;
    }
    if (!given) {
        strbuf_printf(o, "error: give qci=Q, arp=P and/or ambr=UL/DL\n");
        return;
    }
    int rc = esm_dqos_modify(ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err));
    bool deferred = false;
    esm_dqos_pending(ue, p->ebi, &deferred);
    if (rc < 0)
        strbuf_printf(o, "error: %s\n", err);
    else if (rc == 0)
        strbuf_printf(o, "ok\nunchanged\n");
    else
        strbuf_printf(o, "ok\nebi %u qci %u arp %u ambr ul %llu dl %llu: %s\n", p->ebi, q.qci,
                      q.arp_prio, (unsigned long long)q.ambr_ul, (unsigned long long)q.ambr_dl,
                      deferred ? (ue->s1 ? "waiting for the UE" : "waiting for the UE: ECM-IDLE, paged")
                               : "sent to the UE");
}
