/* S6a messages received (TS 29.272): AIA and ULA continue the attach that
 * waits for them, PUA is counted, CLR detaches, IDR updates the
 * subscription; the subscription data of every located subscriber is kept
 * here (by IMSI) and read by PDN selection through agw_hss_lookup(). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "agw/agw_s6a.h"
#include "diameter/diam.h"

/* TS 29.272 7.2.2: command codes */
enum { CMD_ULR = 316, CMD_CLR = 317, CMD_AIR = 318, CMD_IDR = 319, CMD_PUR = 321 };

struct s6a_sub {
    struct agw_hnode by_imsi;
    struct agw_sub sub;
};

struct agw_s6a {
    struct agw_hash subs;           /* struct s6a_sub by IMSI */
    struct agw_s6a_stats stats;
};

static uint64_t imsi_key(const char *imsi)
{
    return strtoull(imsi, NULL, 10);
}

static int sub_load(struct agw_ctx *ctx);

int s6a_open(struct agw_ctx *ctx)
{
    if (!s6a_enabled(ctx))
        return 0;
    struct agw_s6a *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    int rc = agw_hash_init(&s->subs, 1024);
    if (rc < 0) {
        free(s);
        return rc;
    }
    ctx->s6a = s;
    int n = sub_load(ctx);
    if (n > 0)
        LOG_INFO(ctx, "s6a", "%d subscriptions restored", n);
    return 0;
}

static void sub_drop(struct agw_s6a *s, struct s6a_sub *e)
{
    agw_hash_del(&s->subs, &e->by_imsi);
    explicit_bzero(e, sizeof(*e));
    free(e);
}

/* SQLite: schema/agw/0005_s6a_subscriptions.sql, written in the loop
 * iteration's transaction (group commit, ue_store.c) when a ULA or IDR
 * changed it, deleted when the MME purges it (detach, CLR). */
static void sub_save(struct agw_ctx *ctx, const char *imsi, const struct agw_sub *sub)
{
    sqlite3_stmt *st;
    if (!ctx->db || !ctx->db->db || agw_txn_open(ctx) < 0 ||
        sqlite3_prepare_v2(ctx->db->db,
                           "INSERT OR REPLACE INTO s6a_subscription (imsi, sub_size, sub) "
                           "VALUES (?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)sizeof(*sub));
    sqlite3_bind_blob(st, 3, sub, (int)sizeof(*sub), SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

static void sub_unsave(struct agw_ctx *ctx, const char *imsi)
{
    sqlite3_stmt *st;
    if (!ctx->db || !ctx->db->db || agw_txn_open(ctx) < 0 ||
        sqlite3_prepare_v2(ctx->db->db, "DELETE FROM s6a_subscription WHERE imsi = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

/* At start: the subscriptions of the subscribers located before the
 * restart (the UEs restored from the store use them for their next PDN
 * connectivity). */
static int sub_load(struct agw_ctx *ctx)
{
    sqlite3_stmt *st;
    int n = 0;
    if (!ctx->db || !ctx->db->db ||
        sqlite3_prepare_v2(ctx->db->db, "SELECT imsi, sub_size, sub FROM s6a_subscription", -1,
                           &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *imsi = (const char *)sqlite3_column_text(st, 0);
        const void *blob = sqlite3_column_blob(st, 2);
        if (!imsi || !blob || sqlite3_column_int(st, 1) != (int)sizeof(struct agw_sub) ||
            sqlite3_column_bytes(st, 2) != (int)sizeof(struct agw_sub))
            continue;       /* another binary's layout: the UE attaches again */
        struct s6a_sub *e = calloc(1, sizeof(*e));
        if (!e)
            break;
        memcpy(&e->sub, blob, sizeof(e->sub));
        e->sub.msisdn[sizeof(e->sub.msisdn) - 1] = 0;
        if (e->sub.n_apns > AGW_SUB_MAX_APNS)
            e->sub.n_apns = AGW_SUB_MAX_APNS;
        for (unsigned i = 0; i < e->sub.n_apns; i++)
            e->sub.apns[i].name[sizeof(e->sub.apns[i].name) - 1] = 0;
        if (agw_hash_add(&ctx->s6a->subs, &e->by_imsi, imsi_key(imsi)) < 0) {
            free(e);
            continue;
        }
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

void s6a_close(struct agw_ctx *ctx)
{
    struct agw_s6a *s = ctx->s6a;
    if (!s)
        return;
    for (size_t i = 0; i <= s->subs.mask; i++)
        while (s->subs.buckets && s->subs.buckets[i])
            sub_drop(s, agw_container_of(s->subs.buckets[i], struct s6a_sub, by_imsi));
    agw_hash_free(&s->subs);
    free(s);
    ctx->s6a = NULL;
}

const struct agw_s6a_stats *s6a_stats(const struct agw_ctx *ctx)
{
    return ctx->s6a ? &ctx->s6a->stats : NULL;
}

struct agw_s6a_stats *s6a_stats_mut(struct agw_ctx *ctx)
{
    static struct agw_s6a_stats sink;   /* only when S6a is off: never read */
    return ctx->s6a ? &ctx->s6a->stats : &sink;
}

static struct s6a_sub *sub_find(struct agw_ctx *ctx, const char *imsi)
{
    if (!ctx->s6a || !imsi[0])
        return NULL;
    struct agw_hnode *n = agw_hash_find(&ctx->s6a->subs, imsi_key(imsi));
    return n ? agw_container_of(n, struct s6a_sub, by_imsi) : NULL;
}

int s6a_sub_lookup(struct agw_ctx *ctx, const char *imsi, struct agw_sub *sub)
{
    struct s6a_sub *e = sub_find(ctx, imsi);
    if (!e)
        return -ENOENT;
    *sub = e->sub;
    return 0;
}

void s6a_ue_detached(struct agw_ctx *ctx, const struct agw_ue *ue)
{
    char b[20];
    struct s6a_sub *e = sub_find(ctx, ue->imsi);
    if (!e)
        return;
    /* TS 29.272 5.2.1.3.1: the MME purges the subscriber's data when the
     * UE has detached (TS 23.401 5.3.8.2.1 step 11 leaves it to
     * implementation); the HSS then knows the UE is not served here */
    sub_drop(ctx->s6a, e);
    sub_unsave(ctx, ue->imsi);
    int rc = s6a_send_pur(ctx, ue->imsi);
    if (rc < 0)
        LOG_WARN(ctx, "s6a", "ue %s: PUR not sent: %s", ue_imsi_log(ctx, ue, b), strerror(-rc));
}

/* TS 29.272 7.3.2 Subscription-Data into what the MME keeps of it; an IDR
 * (partial = true) changes only what it carries. */
static void sub_apply(struct agw_sub *dst, const struct diam_s6a_subscription *sd, bool partial)
{
    if (!partial)
        memset(dst, 0, sizeof(*dst));
    /* 7.3.29: 0 SERVICE_GRANTED, 1 OPERATOR_DETERMINED_BARRING */
    if (!partial || sd->subscriber_status)
        dst->state = sd->subscriber_status == 0 ? AGW_SUB_ACTIVE : AGW_SUB_BARRED;
    if (sd->msisdn[0])
        snprintf(dst->msisdn, sizeof(dst->msisdn), "%s", sd->msisdn);
    if (sd->ambr_ul || sd->ambr_dl) {           /* 7.3.41: UE-AMBR */
        dst->ue_ambr_ul_bps = sd->ambr_ul;
        dst->ue_ambr_dl_bps = sd->ambr_dl;
    }
    if (!sd->n_apn)
        return;
    /* 7.3.34: the APN-Configuration-Profile replaces the APNs; the one of
     * Context-Identifier (the default APN) goes first, as the local HSS
     * lists the default APN first */
    dst->n_apns = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < sd->n_apn && dst->n_apns < AGW_SUB_MAX_APNS; i++) {
            const struct diam_apn_config *c = &sd->apn[i];
            bool dflt = c->context_id == sd->default_context_id;
            if ((pass == 0) != dflt || !c->apn[0])
                continue;
            struct agw_sub_apn *a = &dst->apns[dst->n_apns++];
            memset(a, 0, sizeof(*a));
            snprintf(a->name, sizeof(a->name), "%s", c->apn);
            a->has_ambr = c->ambr_ul || c->ambr_dl;
            a->ambr_ul_bps = c->ambr_ul;
            a->ambr_dl_bps = c->ambr_dl;
            /* TS 23.203 6.1.7.2: standardised QCIs only */
            a->has_qci = (c->qci >= 1 && c->qci <= 9) || (c->qci >= 65 && c->qci <= 86);
            a->qci = a->has_qci ? (uint8_t)c->qci : 0;
            /* 7.3.40: the APN's ARP (priority 1..15; capability and
             * vulnerability 0 = ENABLED) */
            a->has_arp = c->arp.priority >= 1 && c->arp.priority <= 15;
            a->arp_prio = a->has_arp ? (uint8_t)c->arp.priority : 0;
            a->arp_cap = c->arp.pre_emption_capability == 0;
            a->arp_vul = c->arp.pre_emption_vulnerability == 0;
        }
    }
}

static int sub_store(struct agw_ctx *ctx, const char *imsi,
                     const struct diam_s6a_subscription *sd, bool partial)
{
    struct s6a_sub *e = sub_find(ctx, imsi);
    if (!e) {
        if (partial)
            return -ENOENT;
        e = calloc(1, sizeof(*e));
        if (!e)
            return -ENOMEM;
        int rc = agw_hash_add(&ctx->s6a->subs, &e->by_imsi, imsi_key(imsi));
        if (rc < 0) {
            free(e);
            return rc;
        }
    }
    sub_apply(&e->sub, sd, partial);
    sub_save(ctx, imsi, &e->sub);
    return 0;
}

uint8_t s6a_emm_cause(uint32_t result_code, uint32_t exp_result_code)
{
    /* TS 29.272 Annex A (Table A.1), TS 24.301 Annex A */
    switch (exp_result_code) {
    case DIAM_ERROR_USER_UNKNOWN:
        return 8;       /* EPS services and non-EPS services not allowed */
    case DIAM_ERROR_UNKNOWN_EPS_SUBSCRIPTION:
    case DIAM_ERROR_RAT_NOT_ALLOWED:
        return 15;      /* no suitable cells in tracking area */
    case 5004:          /* DIAMETER_ERROR_ROAMING_NOT_ALLOWED */
        return 11;      /* PLMN not allowed */
    default:
        break;
    }
    if (result_code == DIAM_AUTHORIZATION_REJECTED)
        return 15;
    /* DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE, UNABLE_TO_DELIVER,
     * TOO_BUSY, UNABLE_TO_COMPLY, no answer: the network failed */
    return 17;          /* network failure */
}

/* ------------------------------------------------------- answers ---- */

static struct agw_ue *waiting_ue(struct agw_ctx *ctx, const struct diam_event *ev)
{
    uint32_t id = (uint32_t)(ev->cookie >> 32);
    uint16_t seq = (uint16_t)(ev->cookie >> 16);
    uint8_t what = (uint8_t)ev->cookie;
    struct agw_ue *ue = ue_find_id(ctx, id);
    if (!ue || ue->s6a_wait != what || ue->s6a_seq != seq || !ue->attach_pending) {
        /* the UE went away, or asked again meanwhile: an old answer */
        s6a_stats_mut(ctx)->stale++;
        return NULL;
    }
    ue->s6a_wait = S6A_WAIT_NONE;
    return ue;
}

static void reject(struct agw_ctx *ctx, struct agw_ue *ue, const char *what, uint32_t rc,
                   uint32_t exp)
{
    char b[20];
    uint8_t cause = s6a_emm_cause(rc, exp);
    LOG_INFO(ctx, "s6a", "ue %s: %s result %u%s: attach reject #%u (%s)",
             ue_imsi_log(ctx, ue, b), what, exp ? exp : rc, exp ? " (experimental)" : "",
             cause, nas_emm_cause_str(cause));
    emm_attach_reject(ctx, ue, cause, 0);
}

static void on_aia(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct agw_ue *ue = waiting_ue(ctx, ev);
    struct diam_s6a_aia aia;
    char b[20];
    if (!ue)
        return;
    bool resync = (ev->cookie >> 8) & S6A_F_RESYNC;
    int rc = diam_s6a_aia_decode(ev->msg, &aia);
    uint32_t code = rc < 0 ? 0 : aia.h.result_code;
    uint32_t exp = rc < 0 ? 0 : aia.h.exp_result_code;
    if (rc < 0 || code != DIAM_SUCCESS || aia.n_vectors == 0) {
        s6a_stats_mut(ctx)->aia_err++;
        if (rc < 0)
            LOG_WARN(ctx, "s6a", "ue %s: AIA undecodable: %s", ue_imsi_log(ctx, ue, b),
                     strerror(-rc));
        if (resync && code == DIAM_AUTHENTICATION_REJECTED) {
            /* TS 33.102 6.3.5: the HSS refused the AUTS (MAC-S): the
             * authentication fails, as with the local HSS */
            LOG_INFO(ctx, "s6a", "ue %s: resynchronisation refused by the HSS",
                     ue_imsi_log(ctx, ue, b));
            emm_send_auth_reject(ctx, ue);
            ctx->stats.attach_reject++;
            emm_context_drop(ctx, ue);
        } else {
            reject(ctx, ue, "AIA", code, exp);
        }
        explicit_bzero(&aia, sizeof(aia));
        return;
    }
    s6a_stats_mut(ctx)->aia_ok++;
    if (resync)
        LOG_INFO(ctx, "s6a", "ue %s: SQN resynchronised by the HSS", ue_imsi_log(ctx, ue, b));
    const struct diam_eutran_vector *v = &aia.v[0];
    emm_auth_vector(ctx, ue, v->rand, v->xres, v->xres_len, v->autn, v->kasme);
    explicit_bzero(&aia, sizeof(aia));
}

static void on_ula(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct agw_ue *ue = waiting_ue(ctx, ev);
    struct diam_s6a_ula ula;
    char b[20];
    if (!ue)
        return;
    int rc = diam_s6a_ula_decode(ev->msg, &ula);
    if (rc < 0 || ula.h.result_code != DIAM_SUCCESS) {
        s6a_stats_mut(ctx)->ula_err++;
        reject(ctx, ue, "ULA", rc < 0 ? 0 : ula.h.result_code, rc < 0 ? 0 : ula.h.exp_result_code);
        return;
    }
    if (!ula.sub.present || !ula.sub.n_apn) {
        /* 5.2.1.1.2: an initial attach gets the subscription; none (or no
         * APN in it) is no EPS subscription */
        s6a_stats_mut(ctx)->ula_err++;
        reject(ctx, ue, "ULA without APN configurations",
               0, DIAM_ERROR_UNKNOWN_EPS_SUBSCRIPTION);
        return;
    }
    rc = sub_store(ctx, ue->imsi, &ula.sub, false);
    if (rc < 0) {
        reject(ctx, ue, "ULA not stored", DIAM_UNABLE_TO_COMPLY, 0);
        return;
    }
    s6a_stats_mut(ctx)->ula_ok++;
    struct agw_sub sub;
    s6a_sub_lookup(ctx, ue->imsi, &sub);
    if (sub.state != AGW_SUB_ACTIVE) {
        /* 7.3.29 OPERATOR_DETERMINED_BARRING: as a barred local subscriber */
        LOG_INFO(ctx, "s6a", "ue %s: operator determined barring", ue_imsi_log(ctx, ue, b));
        emm_attach_reject(ctx, ue, 3, 0);
        return;
    }
    snprintf(ue->msisdn, sizeof(ue->msisdn), "%s", sub.msisdn);
    ue->ue_ambr_ul = sub.ue_ambr_ul_bps ? sub.ue_ambr_ul_bps : ctx->cfg->mme.ue_ambr.ul_bps;
    ue->ue_ambr_dl = sub.ue_ambr_dl_bps ? sub.ue_ambr_dl_bps : ctx->cfg->mme.ue_ambr.dl_bps;
    ue->s6a_located = true;
    LOG_DBG(ctx, "s6a", "ue %s: located, %u APNs", ue_imsi_log(ctx, ue, b), sub.n_apns);
    emm_attach_continue(ctx, ue);
}

static void on_timeout(struct agw_ctx *ctx, struct diam_event *ev)
{
    s6a_stats_mut(ctx)->timeouts++;
    if (ev->cmd_code == CMD_PUR || (uint8_t)ev->cookie == 0) {
        LOG_WARN(ctx, "s6a", "no PUA within %u ms", ctx->cfg->diameter.s6a.tx_timeout_ms);
        return;
    }
    struct agw_ue *ue = waiting_ue(ctx, ev);
    char b[20];
    if (!ue)
        return;
    LOG_WARN(ctx, "s6a", "ue %s: no %s within %u ms", ue_imsi_log(ctx, ue, b),
             (uint8_t)ev->cookie == S6A_WAIT_AIA ? "AIA" : "ULA",
             ctx->cfg->diameter.s6a.tx_timeout_ms);
    /* TS 29.272 Annex A: no answer from the HSS -> #17 network failure */
    emm_attach_reject(ctx, ue, 17, 0);
}

static void on_pua(struct agw_ctx *ctx, struct diam_event *ev)
{
    struct diam_s6a_pua pua;
    int rc = diam_s6a_pua_decode(ev->msg, &pua);
    s6a_stats_mut(ctx)->pua++;
    if (rc < 0 || pua.h.result_code != DIAM_SUCCESS)
        LOG_INFO(ctx, "s6a", "PUA result %u", rc < 0 ? 0 : (pua.h.result_code ? pua.h.result_code
                                                               : pua.h.exp_result_code));
}

/* ------------------------------------------------------ requests ---- */

/* TS 29.272 5.2.1.2: Cancel Location */
static void on_clr(struct agw_ctx *ctx, struct msg **m)
{
    struct diam_s6a_clr clr;
    struct diam_s6a_simple_answer a;
    char b[20];
    memset(&a, 0, sizeof(a));
    int rc = diam_s6a_clr_decode(*m, &clr);
    if (rc < 0) {
        /* RFC 6733 7.1.5: 5005 DIAMETER_MISSING_AVP for a missing mandatory
         * AVP, else 5004 DIAMETER_INVALID_AVP_VALUE */
        diam_answer_result(m, rc == -EBADMSG ? 5005 : 5004);
        return;
    }
    s6a_stats_mut(ctx)->clr++;
    struct s6a_sub *e = sub_find(ctx, clr.imsi);
    if (e) {
        sub_drop(ctx->s6a, e);
        sub_unsave(ctx, clr.imsi);
    }
    struct agw_ue *ue = ue_find_imsi(ctx, clr.imsi);
    if (ue) {
        LOG_INFO(ctx, "s6a", "ue %s: Cancel Location (type %u)", ue_imsi_log(ctx, ue, b),
                 clr.cancellation_type);
        if (clr.cancellation_type == 2) {
            /* 7.3.24 SUBSCRIPTION_WITHDRAWAL: TS 23.401 5.3.8.4, the MME
             * detaches the UE; re-attach only if the HSS asks for it
             * (CLR-Flags bit 1, Reattach-Required, 7.3.152) */
            emm_detach_ue(ctx, ue, (clr.clr_flags & 2) != 0);
        } else {
            /* MME_UPDATE_PROCEDURE and the others: the UE is served
             * elsewhere now; its context here goes, without NAS */
            emm_context_drop(ctx, ue);
        }
    }
    /* 5.2.1.2.2: the MME answers success whether it knew the IMSI or not */
    a.h.result_code = DIAM_SUCCESS;
    diam_s6a_simple_answer(m, &a);
}

/* TS 29.272 5.2.2.1: Insert Subscriber Data */
static void on_idr(struct agw_ctx *ctx, struct msg **m)
{
    struct diam_s6a_idr idr;
    struct diam_s6a_simple_answer a;
    char b[20];
    memset(&a, 0, sizeof(a));
    int rc = diam_s6a_idr_decode(*m, &idr);
    if (rc < 0) {
        diam_answer_result(m, rc == -EBADMSG ? 5005 : 5004);
        return;
    }
    s6a_stats_mut(ctx)->idr++;
    rc = sub_store(ctx, idr.imsi, &idr.sub, true);
    if (rc < 0) {
        /* 5.2.2.1.2: subscription data of a subscriber we do not serve */
        a.h.exp_result_code = rc == -ENOENT ? DIAM_ERROR_USER_UNKNOWN : 0;
        a.h.result_code = rc == -ENOENT ? 0 : DIAM_UNABLE_TO_COMPLY;
        diam_s6a_simple_answer(m, &a);
        return;
    }
    struct agw_sub sub;
    s6a_sub_lookup(ctx, idr.imsi, &sub);
    struct agw_ue *ue = ue_find_imsi(ctx, idr.imsi);
    if (ue) {
        snprintf(ue->msisdn, sizeof(ue->msisdn), "%s", sub.msisdn);
        if (sub.ue_ambr_ul_bps || sub.ue_ambr_dl_bps) {
            ue->ue_ambr_ul = sub.ue_ambr_ul_bps;
            ue->ue_ambr_dl = sub.ue_ambr_dl_bps;
        }
        /* TS 23.401 5.3.9.2 / 5.4.2.2: the subscribed QoS of an APN (its
         * QCI, ARP, APN-AMBR) changed: with a PCRF it is told (CCR-U with
         * DEFAULT_EPS_BEARER_QOS_CHANGE / QOS_CHANGE and the subscribed
         * values, when armed; gx_event.c) and its answer decides
         * (gx_dqos_signal); without one, the default bearer is modified
         * toward the UE and the eNB at once (esm_dqos.c) */
        unsigned changed = 0;
        for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
            struct agw_pdn *p = &ue->pdn[i];
            if (p->state == PDN_FREE || p->apn_idx >= ctx->cfg->n_apns)
                continue;
            for (unsigned j = 0; j < sub.n_apns; j++) {
                const struct agw_sub_apn *sa = &sub.apns[j];
                if (strcasecmp(sa->name, ctx->cfg->apns[p->apn_idx].name))
                    continue;
                struct esm_dqos w, cur;
                const struct esm_dqos *pend = esm_dqos_pending(ue, p->ebi, NULL);
                esm_dqos_of(p, &cur);
                w = pend ? *pend : cur;
                if (sa->has_qci)
                    w.qci = sa->qci;
                if (sa->has_arp) {
                    w.arp_prio = sa->arp_prio;
                    w.arp_cap = sa->arp_cap;
                    w.arp_vul = sa->arp_vul;
                }
                if (sa->has_ambr) {
                    w.ambr_ul = sa->ambr_ul_bps;
                    w.ambr_dl = sa->ambr_dl_bps;
                }
                if (esm_dqos_equal(&w, pend ? pend : &cur))
                    continue;
                changed++;
                LOG_INFO(ctx, "s6a", "ue %s: ebi %u: subscribed QCI %u ARP %u APN-AMBR %llu/%llu",
                         ue_imsi_log(ctx, ue, b), p->ebi, w.qci, w.arp_prio,
                         (unsigned long long)w.ambr_ul, (unsigned long long)w.ambr_dl);
                if (gx_events_subscribed(ctx, p->ul_teid, w.qci, w.arp_prio, w.ambr_ul,
                                         w.ambr_dl))
                    continue;       /* the PCRF decides */
                char err[128];
                if (p->state != PDN_ACTIVE) {
                    /* not yet the UE's (its activation is out): taken as is */
                    p->qci = w.qci;
                    p->arp_prio = w.arp_prio;
                    p->arp_cap = w.arp_cap;
                    p->arp_vul = w.arp_vul;
                    p->ambr_ul_bps = w.ambr_ul;
                    p->ambr_dl_bps = w.ambr_dl;
                    pgw_pdn_update_ambr(ctx, ue, p);
                } else if (esm_dqos_modify(ctx, ue, p, &w, ESM_DQOS_HSS, err, sizeof(err)) < 0) {
                    LOG_WARN(ctx, "s6a", "ue %s: ebi %u: the subscribed QoS is not applied: %s",
                             ue_imsi_log(ctx, ue, b), p->ebi, err);
                }
            }
        }
        if (changed)
            ue_store_mark(ctx, ue);
        LOG_INFO(ctx, "s6a", "ue %s: Insert Subscriber Data: UE-AMBR %llu/%llu, %u PDN "
                 "connection change(s) (APN-AMBR, QCI)", ue_imsi_log(ctx, ue, b),
                 (unsigned long long)ue->ue_ambr_ul, (unsigned long long)ue->ue_ambr_dl, changed);
    }
    a.h.result_code = DIAM_SUCCESS;
    a.flags = 0;                            /* 7.3.47 IDA-Flags */
    diam_s6a_simple_answer(m, &a);
    /* 7.3.29 Subscriber-Status OPERATOR_DETERMINED_BARRING in the new data:
     * the subscriber may no longer use the network (TS 23.401 5.3.8.3:
     * MME-initiated detach); the IDA above leaves first, the PUR follows
     * the UE's DETACH ACCEPT */
    if (ue && sub.state == AGW_SUB_BARRED && ue->emm == EMM_REGISTERED) {
        LOG_INFO(ctx, "s6a", "ue %s: Insert Subscriber Data bars the subscriber: detach",
                 ue_imsi_log(ctx, ue, b));
        emm_detach_ue(ctx, ue, false);
    }
}

void s6a_handle_event(struct agw_ctx *ctx, struct diam_event *ev)
{
    if (!ctx->s6a) {
        if (ev->type == DIAM_EV_REQUEST) {
            struct msg *m = ev->msg;
            ev->msg = NULL;
            diam_answer_result(&m, 3007);   /* DIAMETER_APPLICATION_UNSUPPORTED */
            if (m)
                diam_send_answer(gx_node(ctx), &m);
        }
        return;
    }
    switch (ev->type) {
    case DIAM_EV_TIMEOUT:
        on_timeout(ctx, ev);
        break;
    case DIAM_EV_ANSWER:
        if (ev->cmd_code == CMD_AIR)
            on_aia(ctx, ev);
        else if (ev->cmd_code == CMD_ULR)
            on_ula(ctx, ev);
        else if (ev->cmd_code == CMD_PUR)
            on_pua(ctx, ev);
        break;
    case DIAM_EV_REQUEST: {
        struct msg *m = ev->msg;
        ev->msg = NULL;
        if (ev->cmd_code == CMD_CLR)
            on_clr(ctx, &m);
        else if (ev->cmd_code == CMD_IDR)
            on_idr(ctx, &m);
        else
            diam_answer_result(&m, 3001);   /* DIAMETER_COMMAND_UNSUPPORTED */
        if (m)
            diam_send_answer(gx_node(ctx), &m);
        break;
    }
    }
}
