/* EMM messages that xepc-agwd sends (TS 24.301 clause 8.2), and the one
 * place where NAS leaves: nas_send() protects with the UE's current
 * security context (TS 24.301 4.4.5: every message after the security mode
 * control procedure is integrity protected and ciphered) and hands the
 * PDU to S1AP. */
#include <string.h>
#include <time.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"

int nas_encode_protected(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m,
                         uint8_t *out, size_t cap, size_t *len)
{
    uint8_t plain[AGW_NAS_MAX];
    int n = nas_encode_plain(m, plain, sizeof(plain));
    char b[20];
    if (n < 0) {
        LOG_ERR(ctx, "nas", "ue %s: encoding %s failed: %s", ue_imsi_log(ctx, ue, b),
                nas_msg_name(m->id), nas_err_str((enum nas_err) - n));
        return -EINVAL;
    }
    ue_sec_ready(ctx, ue);
    if (!ue->sec_valid) {
        if ((size_t)n > cap)
            return -ENOSPC;
        memcpy(out, plain, (size_t)n);
        *len = (size_t)n;
        return 0;
    }
    /* SECURITY MODE COMMAND: integrity with the new context, not ciphered
     * (TS 24.301 5.4.3.2); everything else integrity + ciphered */
    enum nas_sec_hdr hdr = m->id == NAS_MSG_SECURITY_MODE_COMMAND ? NAS_SEC_HDR_INTEGRITY_NEW_CTX
                                                                  : NAS_SEC_HDR_INTEGRITY_CIPHERED;
    enum nas_sec_err e = nas_protect(&ue->sec, hdr, plain, (size_t)n, out, cap, len);
    if (e != NAS_SEC_OK) {
        LOG_ERR(ctx, "nas", "ue %s: protecting %s failed: %s", ue_imsi_log(ctx, ue, b),
                nas_msg_name(m->id), nas_sec_err_str(e));
        return e == NAS_SEC_ERR_COUNT_EXHAUSTED ? -EOVERFLOW : -EINVAL;
    }
    /* the downlink COUNT moved: it is part of the state to keep */
    ue_store_mark(ctx, ue);
    return 0;
}

int nas_send(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m)
{
    uint8_t out[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    size_t len;
    int rc = nas_encode_protected(ctx, ue, m, out, sizeof(out), &len);
    if (rc < 0)
        return rc;
    char b[20];
    LOG_DBG(ctx, "nas", "ue %s: -> %s", ue_imsi_log(ctx, ue, b), nas_msg_name(m->id));
    return s1ap_send_dl_nas(ctx, ue, out, len);
}

/* TS 24.301 8.2.18, 5.4.4: ask for the IMSI */
int emm_send_identity_request(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_IDENTITY_REQUEST);
    m.identity_request.identity_type = NAS_ID_IMSI;
    ctx->stats.identity_request++;
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 8.2.7, 5.4.2.2 */
int emm_send_auth_request(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_AUTH_REQUEST);
    m.auth_request.nas_ksi.tsc = 0;
    m.auth_request.nas_ksi.ksi = ue->pend_ksi;
    memcpy(m.auth_request.rand, ue->rand, 16);
    memcpy(m.auth_request.autn, ue->pend_autn, 16);
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 8.2.6: always sent without integrity protection if the
 * authentication failed (5.4.2.5) */
int emm_send_auth_reject(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_AUTH_REJECT);
    ctx->stats.auth_reject++;
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 8.2.20, 5.4.3.2: under the new context, integrity only, with
 * the UE's security capabilities replayed so that a bidding-down attack
 * on the ATTACH REQUEST shows */
int emm_send_smc(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_SECURITY_MODE_COMMAND);
    struct nas_security_mode_command *c = &m.security_mode_command;
    c->selected_algs.eea = ue->sec.eea;
    c->selected_algs.eia = ue->sec.eia;
    c->nas_ksi.tsc = 0;
    c->nas_ksi.ksi = ue->ksi;
    /* TS 24.301 9.9.3.36: octets of the UE network capability, as the UE
     * sent them (EEA, EIA, then UEA/UIA when present) */
    uint8_t n = ue->ue_net_cap.len > 4 ? 4 : ue->ue_net_cap.len;
    c->replayed_ue_sec_cap.len = n < 2 ? 2 : n;
    memcpy(c->replayed_ue_sec_cap.oct, ue->ue_net_cap.oct, c->replayed_ue_sec_cap.len);
    if (c->replayed_ue_sec_cap.len > 2)
        c->replayed_ue_sec_cap.oct[2] &= 0x7f;   /* UEA: bit 8 is spare in 9.9.3.36 */
    c->has_imeisv_request = true;
    c->imeisv_request = 1;
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 9.9.3.33: the TAI list: the TAs of the UE's PLMN that we serve
 * (at most 16), the UE's current TA first */
void emm_fill_tai_list(struct agw_ctx *ctx, const struct agw_ue *ue, struct nas_tai_list *l)
{
    struct agw_plmn plmn;
    struct nas_plmn np;
    memset(l, 0, sizeof(*l));
    if (agw_plmn_decode(ue->tai_plmn, &plmn) < 0)
        plmn = ctx->cfg->mme.gummei.plmn;
    agw_nas_plmn(&plmn, &np);
    struct nas_partial_tai_list *p = &l->list[0];
    p->type = NAS_TAI_LIST_TACS;
    p->tai[p->n].plmn = np;
    p->tai[p->n++].tac = ue->tac;
    for (size_t i = 0; i < ctx->cfg->mme.n_tai; i++) {
        const struct agw_tai *t = &ctx->cfg->mme.tai[i];
        if (!agw_plmn_equal(&t->plmn, &plmn))
            continue;
        for (size_t j = 0; j < t->n_tacs && p->n < NAS_TAI_LIST_MAX; j++) {
            if (t->tacs[j] == ue->tac)
                continue;
            p->tai[p->n].plmn = np;
            p->tai[p->n++].tac = t->tacs[j];
        }
    }
    l->n = 1;
}

/* TS 24.008 10.5.7.3: a GPRS timer value from milliseconds, with the
 * smallest unit that holds it */
void agw_nas_timer(uint32_t ms, struct nas_gprs_timer *t)
{
    uint32_t s = ms / 1000;
    if (s <= 31 * 2) {
        t->unit = 0;                 /* 2 seconds */
        t->value = (uint8_t)(s / 2);
    } else if (s <= 31 * 60) {
        t->unit = 1;                 /* 1 minute */
        t->value = (uint8_t)(s / 60);
    } else {
        t->unit = 2;                 /* decihours */
        t->value = (uint8_t)(s / 360 > 31 ? 31 : s / 360);
    }
}

void agw_nas_guti(struct agw_ctx *ctx, const struct agw_ue *ue, struct nas_mobile_id *id)
{
    memset(id, 0, sizeof(*id));
    id->type = NAS_EPS_ID_GUTI;
    agw_nas_plmn(&ctx->cfg->mme.gummei.plmn, &id->guti.plmn);
    id->guti.mmegi = ctx->cfg->mme.gummei.mme_gid;
    id->guti.mmec = ctx->cfg->mme.gummei.mme_code;
    id->guti.m_tmsi = ue->m_tmsi;
}

void agw_nas_plmn(const struct agw_plmn *p, struct nas_plmn *out)
{
    out->mcc = (uint16_t)atoi(p->mcc);
    out->mnc = (uint16_t)atoi(p->mnc);
    out->mnc_digits = (uint8_t)strlen(p->mnc);
}

/* TS 24.301 8.2.1, 5.5.1.2.4: with the ESM container (ACTIVATE DEFAULT
 * EPS BEARER CONTEXT REQUEST) and a new GUTI.  It travels in the Initial
 * Context Setup Request (the first time) or a Downlink NAS Transport
 * (retransmission on T3450). */
int emm_build_attach_accept(struct agw_ctx *ctx, struct agw_ue *ue, struct nas_message *m)
{
    struct nas_message esm;
    struct agw_pdn *p = NULL;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state == PDN_PENDING) {
            p = &ue->pdn[i];
            break;
        }
    if (!p)
        return -ENOENT;
    if (esm_build_act_default(ctx, ue, p, &esm) < 0)
        return -EINVAL;
    nas_message_init(m, NAS_MSG_ATTACH_ACCEPT);
    struct nas_attach_accept *a = &m->attach_accept;
    int n = nas_encode_plain(&esm, a->esm_container.v, sizeof(a->esm_container.v));
    if (n < 0)
        return -EINVAL;
    a->esm_container.len = (uint16_t)n;
    a->eps_attach_result = 1;        /* EPS only (9.9.3.10) */
    agw_nas_timer(ctx->cfg->mme.t3412_ms, &a->t3412);
    emm_fill_tai_list(ctx, ue, &a->tai_list);
    a->has_guti = true;
    agw_nas_guti(ctx, ue, &a->guti);
    a->has_t3402 = true;
    agw_nas_timer(ctx->cfg->mme.t3402_ms, &a->t3402);
    return 0;
}

int emm_send_attach_accept(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    int rc = emm_build_attach_accept(ctx, ue, &m);
    return rc < 0 ? rc : nas_send(ctx, ue, &m);
}

/* TS 24.301 8.2.10 */
int emm_send_detach_accept(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_DETACH_ACCEPT);
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 8.2.11.2, 5.5.2.3 */
int emm_send_detach_request(struct agw_ctx *ctx, struct agw_ue *ue, bool reattach)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_DETACH_REQUEST_NW);
    m.detach_request_nw.detach_type.type = reattach ? NAS_DETACH_REATTACH : NAS_DETACH_NO_REATTACH;
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 8.2.13, 5.4.5: network name and time */
int emm_send_information(struct agw_ctx *ctx, struct agw_ue *ue)
{
    const struct agw_config *cfg = ctx->cfg;
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_EMM_INFORMATION);
    struct nas_emm_information *i = &m.emm_information;
    if (cfg->mme.network_name.full[0] &&
        nas_network_name_set_ascii(&i->full_name, cfg->mme.network_name.full) == 0)
        i->has_full_name = true;
    if (cfg->mme.network_name.short_[0] &&
        nas_network_name_set_ascii(&i->short_name, cfg->mme.network_name.short_) == 0)
        i->has_short_name = true;
    if (cfg->mme.time_zone != AGW_TZ_NONE) {
        time_t now = time(NULL);
        struct tm utc, local;
        gmtime_r(&now, &utc);
        int quarters;
        if (cfg->mme.time_zone == AGW_TZ_FIXED) {
            quarters = cfg->mme.tz_offset_min / 15;
        } else {
            localtime_r(&now, &local);
            quarters = (int)(local.tm_gmtoff / 900);
        }
        i->has_universal_time = true;
        i->universal_time.year = (uint8_t)(utc.tm_year % 100);
        i->universal_time.month = (uint8_t)(utc.tm_mon + 1);
        i->universal_time.day = (uint8_t)utc.tm_mday;
        i->universal_time.hour = (uint8_t)utc.tm_hour;
        i->universal_time.minute = (uint8_t)utc.tm_min;
        i->universal_time.second = (uint8_t)utc.tm_sec;
        i->universal_time.tz = nas_tz_from_quarters(quarters);
    }
    if (!i->has_full_name && !i->has_short_name && !i->has_universal_time)
        return 0;
    return nas_send(ctx, ue, &m);
}

void emm_send_status(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t cause)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_EMM_STATUS);
    m.emm_status.emm_cause = cause;
    ctx->stats.emm_status_tx++;
    nas_send(ctx, ue, &m);
}
