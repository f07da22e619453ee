/* ESM (TS 24.301 6): the default bearer of the attach, additional PDN
 * connections and their disconnection.  The PGW side (addresses, TEIDs,
 * the datapath) is pgw_session.c. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "agw/agw.h"
#include "agw/agw_nas.h"

/* TS 23.003 9.1: the APN network identifier, without the operator
 * identifier ("internet.mnc001.mcc001.gprs" -> "internet"). */
static void apn_ni(const char *apn, char *out, size_t cap)
{
    snprintf(out, cap, "%s", apn);
    char *mnc = strstr(out, ".mnc");
    if (mnc && strstr(mnc, ".mcc") && strstr(mnc, ".gprs"))
        *mnc = 0;
}

static const struct agw_sub_apn *sub_apn(const struct agw_sub *sub, const char *name)
{
    for (unsigned i = 0; i < sub->n_apns; i++)
        if (!strcasecmp(sub->apns[i].name, name))
            return &sub->apns[i];
    return NULL;
}

/* Chooses and allocates a PDN connection on `requested` (or the default
 * APN).  Returns 0, or an ESM cause. */
static int pdn_setup(struct agw_ctx *ctx, struct agw_ue *ue, const char *requested, uint8_t pti,
                     uint8_t pdn_type, struct agw_pdn **out)
{
    struct agw_sub sub;
    char name[NAS_APN_MAX + 1];
    char b[20];

    if (agw_hss_lookup(ctx, ue->imsi, &sub) < 0)
        return 31;                          /* #31 request rejected, unspecified */
    if (requested && requested[0]) {
        apn_ni(requested, name, sizeof(name));
    } else if (sub.n_apns) {
        snprintf(name, sizeof(name), "%s", sub.apns[0].name);
    } else {
        snprintf(name, sizeof(name), "%s", ctx->cfg->apns[0].name);
    }
    const struct agw_apn *apn = agw_config_apn(ctx->cfg, name);
    if (!apn) {
        LOG_INFO(ctx, "esm", "ue %s: APN \"%s\" is not configured", ue_imsi_log(ctx, ue, b), name);
        return 27;                          /* #27 missing or unknown APN */
    }
    const struct agw_sub_apn *sa = sub_apn(&sub, apn->name);
    if (sub.n_apns && !sa) {
        LOG_INFO(ctx, "esm", "ue %s: APN \"%s\" is not subscribed", ue_imsi_log(ctx, ue, b),
                 apn->name);
        return 33;                          /* #33 requested service option not subscribed */
    }
    /* TS 24.301 6.5.1.3/6.5.1.4: the PDN type the APN allows (pgw_ipv6.c) */
    uint8_t granted, type_cause;
    int tc = pgw_pdn_type_grant(apn->pdn_type, pdn_type, &granted, &type_cause);
    if (tc) {
        LOG_INFO(ctx, "esm", "ue %s: PDN type %u not allowed on APN \"%s\" (#%d)",
                 ue_imsi_log(ctx, ue, b), pdn_type, apn->name, tc);
        return tc;
    }
    unsigned apn_idx = (unsigned)(apn - ctx->cfg->apns);
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].apn_idx == apn_idx)
            return 55;                      /* #55 multiple PDN connections for an APN not allowed */

    struct agw_pdn *p = pgw_pdn_free_slot(ue);
    uint8_t ebi = pgw_next_ebi(ue);
    if (!p || !ebi)
        return 65;                          /* #65 maximum number of EPS bearers reached */
    memset(p, 0, sizeof(*p));
    p->ebi = ebi;
    p->pti = pti;
    p->apn_idx = (uint8_t)apn_idx;
    p->pdn_type = granted;
    p->type_cause = type_cause;
    p->qci = sa && sa->has_qci ? sa->qci : apn->qci;
    p->arp_prio = sa && sa->has_arp ? sa->arp_prio : apn->arp.priority;
    p->arp_cap = sa && sa->has_arp ? sa->arp_cap : apn->arp.capability;
    p->arp_vul = sa && sa->has_arp ? sa->arp_vul : apn->arp.vulnerability;
    p->ambr_ul_bps = sa && sa->has_ambr ? sa->ambr_ul_bps : apn->ambr.ul_bps;
    p->ambr_dl_bps = sa && sa->has_ambr ? sa->ambr_dl_bps : apn->ambr.dl_bps;
    p->pco_dns = ue->req_pco_dns;
    p->pco_mtu = ue->req_pco_mtu;
    p->pco_pcscf = ue->req_pco_pcscf || apn->ims;
    p->pco_dns6 = ue->req_pco_dns6;
    p->pco_pcscf6 = ue->req_pco_pcscf6;
    int cause = pgw_pdn_alloc(ctx, ue, p, apn, sa && sa->has_static_ip ? &sa->static_ip : NULL);
    if (cause) {
        memset(p, 0, sizeof(*p));
        return cause;
    }
    p->state = PDN_PENDING;
    if (pgw_pdn_program(ctx, ue, p) < 0) {
        pgw_pdn_release(ctx, ue, p);
        return 26;                          /* #26 insufficient resources */
    }
    ue_store_mark(ctx, ue);
    *out = p;
    return 0;
}

int esm_attach_pdn(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn **out)
{
    int cause = pdn_setup(ctx, ue, ue->req_apn, ue->esm_pti, ue->req_pdn_type, out);
    if (!cause && (*out)->gx_wait)
        (*out)->gx_wait = PDN_GX_WAIT_ATTACH;
    return cause;
}

static void esm_status(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *in,
                       uint8_t cause)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_ESM_STATUS);
    m.ebi = in->ebi;
    m.pti = in->pti;
    m.esm_status.esm_cause = cause;
    ctx->stats.esm_cause_tx[cause]++;
    nas_send(ctx, ue, &m);
}

void esm_pco_request(struct agw_ue *ue, bool has_pco, const struct nas_pco *pco)
{
    uint8_t len;
    if (!has_pco)
        return;
    ue->req_pco_dns = nas_pco_find(pco, NAS_PCO_DNS_IPV4, 0, &len) ||
                      nas_pco_find(pco, NAS_PCO_IPCP, 0, &len);
    ue->req_pco_mtu = nas_pco_find(pco, NAS_PCO_IPV4_LINK_MTU, 0, &len) != NULL;
    ue->req_pco_pcscf = nas_pco_find(pco, NAS_PCO_P_CSCF_IPV4, 0, &len) != NULL;
    /* TS 24.008 10.5.6.3: "DNS Server IPv6 Address Request" (0x0003) and
     * "P-CSCF IPv6 Address Request" (0x0001), empty in the MS to network
     * direction */
    ue->req_pco_dns6 = nas_pco_find(pco, NAS_PCO_DNS_IPV6, 0, &len) != NULL;
    ue->req_pco_pcscf6 = nas_pco_find(pco, NAS_PCO_P_CSCF_IPV6, 0, &len) != NULL;
}

/* TS 24.301 6.5.1.4: PDN CONNECTIVITY REJECT */
static void pdn_conn_reject(struct agw_ctx *ctx, struct agw_ue *ue, uint8_t pti, uint8_t cause)
{
    struct nas_message rej;
    char b[20];
    esm_build_reject(pti, cause, &rej);
    ctx->stats.pdn_connect_reject++;
    ctx->stats.esm_cause_tx[cause]++;
    LOG_INFO(ctx, "esm", "ue %s: PDN connectivity rejected #%d (%s)", ue_imsi_log(ctx, ue, b),
             cause, nas_esm_cause_str(cause));
    nas_send(ctx, ue, &rej);
}

/* TS 24.301 6.5.1.2: the default bearer of a UE-requested PDN connection */
static void pdn_conn_activate(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p)
{
    struct nas_message act;
    uint8_t nas[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    size_t len;
    if (esm_build_act_default(ctx, ue, p, &act) < 0 ||
        nas_encode_protected(ctx, ue, &act, nas, sizeof(nas), &len) < 0) {
        pgw_pdn_release(ctx, ue, p);
        ue_store_mark(ctx, ue);
        return;
    }
    /* TS 23.401 5.10.2: the bearer goes to the eNB with the NAS message */
    s1ap_send_erab_setup(ctx, ue, p, nas, len);
}

/* TS 24.301 6.5.1: UE-requested PDN connectivity (not the attach's) */
static void handle_pdn_conn_request(struct agw_ctx *ctx, struct agw_ue *ue,
                                    const struct nas_message *in)
{
    const struct nas_pdn_conn_request *r = &in->pdn_conn_request;
    struct agw_pdn *p = NULL;
    if (ue->emm != EMM_REGISTERED) {
        esm_status(ctx, ue, in, 98);
        return;
    }
    esm_pco_request(ue, r->has_pco, &r->pco);
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE && ue->pdn[i].gx_wait && ue->pdn[i].pti == in->pti)
            return;     /* a retransmission while the CCA-I is awaited (TS 24.301 6.5.1.7) */
    int cause = pdn_setup(ctx, ue, r->has_apn ? r->apn.name : NULL, in->pti, r->pdn_type, &p);
    if (cause) {
        pdn_conn_reject(ctx, ue, in->pti, (uint8_t)cause);
        return;
    }
    if (p->gx_wait)
        return;     /* TS 23.401 5.10.2 step 4: the PCRF first (esm_gx_answered) */
    pdn_conn_activate(ctx, ue, p);
}

/* TS 23.401 5.3.2.1 step 14, 5.10.2 step 4: the CCA-I of p's Gx session
 * came and was applied (cause 0: its QoS and rules are p's now), or the
 * PDN connection is refused with ESM cause (the PCRF refused it, or no
 * usable answer and Credit-Control-Failure-Handling TERMINATE; the Gx
 * session is gone already, so its release sends no CCR-T). */
void esm_gx_answered(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, uint8_t cause)
{
    uint8_t wait = p->gx_wait;
    uint8_t pti = p->pti;
    p->gx_wait = PDN_GX_NONE;
    if (wait == PDN_GX_WAIT_ATTACH) {
        emm_attach_pdn_ready(ctx, ue, p, cause);
        return;
    }
    if (cause || !ue->s1 || ue->emm != EMM_REGISTERED) {
        /* refused, or the UE went meanwhile (idle, detaching): it asks
         * again if it still wants it (TS 24.301 6.5.1.6, T3482) */
        pgw_pdn_release(ctx, ue, p);
        ue_store_mark(ctx, ue);
        if (cause && ue->s1)
            pdn_conn_reject(ctx, ue, pti, cause);
        return;
    }
    ue_store_mark(ctx, ue);
    pdn_conn_activate(ctx, ue, p);
}

/* TS 24.301 6.5.2: UE-requested PDN disconnect */
static void handle_pdn_disc_request(struct agw_ctx *ctx, struct agw_ue *ue,
                                    const struct nas_message *in)
{
    const struct nas_pdn_disc_request *r = &in->pdn_disc_request;
    struct agw_pdn *p = pgw_pdn_by_ebi(ue, r->linked_ebi);
    unsigned active = 0;
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        active += ue->pdn[i].state == PDN_ACTIVE;
    uint8_t cause = 0;
    if (!p || p->state != PDN_ACTIVE)
        cause = 43;                          /* #43 invalid EPS bearer identity */
    else if (active <= 1)
        cause = 49;                          /* #49 last PDN disconnection not allowed */
    if (cause) {
        struct nas_message rej;
        nas_message_init(&rej, NAS_MSG_PDN_DISC_REJECT);
        rej.pti = in->pti;
        rej.pdn_disc_reject.esm_cause = cause;
        ctx->stats.esm_cause_tx[cause]++;
        nas_send(ctx, ue, &rej);
        return;
    }
    esm_deactivate_pdn(ctx, ue, p, in->pti, 36);  /* #36 regular deactivation */
}

/* TS 24.301 6.4.4.2: DEACTIVATE EPS BEARER CONTEXT REQUEST for the default
 * bearer of p (the whole PDN connection), inside an E-RAB Release Command;
 * the PDN connection goes when the UE accepts.  pti 0 when the network
 * initiates it (a PCRF's session release, gx_handler.c). */
int esm_deactivate_pdn(struct agw_ctx *ctx, struct agw_ue *ue, struct agw_pdn *p, uint8_t pti,
                       uint8_t cause)
{
    struct nas_message deact;
    nas_message_init(&deact, NAS_MSG_DEACT_REQUEST);
    deact.ebi = p->ebi;
    deact.pti = pti;
    deact.deact_request.esm_cause = cause;
    ctx->stats.esm_cause_tx[cause]++;
    uint8_t nas[AGW_NAS_MAX + NAS_SEC_HDR_LEN];
    size_t len;
    int rc = nas_encode_protected(ctx, ue, &deact, nas, sizeof(nas), &len);
    if (rc < 0)
        return rc;
    p->state = PDN_RELEASING;
    ue_store_mark(ctx, ue);
    s1ap_send_erab_release(ctx, ue, p->ebi, nas, len);
    return 0;
}

void esm_handle(struct agw_ctx *ctx, struct agw_ue *ue, const struct nas_message *m)
{
    char b[20];
    if (esm_bearer_handle(ctx, ue, m))
        return;                     /* dedicated bearers (esm_bearer.c) */
    if (esm_dqos_handle(ctx, ue, m))
        return;                     /* default bearer modification (esm_dqos.c) */
    switch (m->id) {
    case NAS_MSG_ESM_INFO_RESPONSE:
        if (ue->proc != EMM_PROC_ESM_INFO) {
            esm_status(ctx, ue, m, 98);
            return;
        }
        if (m->esm_info_response.has_apn)
            snprintf(ue->req_apn, sizeof(ue->req_apn), "%s", m->esm_info_response.apn.name);
        esm_pco_request(ue, m->esm_info_response.has_pco, &m->esm_info_response.pco);
        emm_attach_esm_info_done(ctx, ue);
        return;
    case NAS_MSG_PDN_CONN_REQUEST:
        handle_pdn_conn_request(ctx, ue, m);
        return;
    case NAS_MSG_ACT_DEFAULT_ACCEPT: {
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, m->ebi);
        if (!p || p->state != PDN_PENDING || ue->emm != EMM_REGISTERED) {
            esm_status(ctx, ue, m, 43);
            return;
        }
        p->state = PDN_ACTIVE;
        ctx->stats.pdn_connect_success++;
        ue_store_mark(ctx, ue);
        pgw_pdn_ra(ctx, ue, p);         /* IPv6: TS 29.061 11.2.1.3.4 */
        LOG_INFO(ctx, "esm", "ue %s: PDN connection on %s active (EBI %u)",
                 ue_imsi_log(ctx, ue, b), ctx->cfg->apns[p->apn_idx].name, p->ebi);
        esm_bearer_connected(ctx, ue);  /* dedicated bearers that waited for it */
        return;
    }
    case NAS_MSG_ACT_DEFAULT_REJECT: {
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, m->ebi);
        if (p && p->state == PDN_PENDING && ue->emm == EMM_REGISTERED) {
            pgw_pdn_release(ctx, ue, p);
            ue_store_mark(ctx, ue);
            s1ap_send_erab_release(ctx, ue, m->ebi, NULL, 0);
        }
        return;
    }
    case NAS_MSG_PDN_DISC_REQUEST:
        handle_pdn_disc_request(ctx, ue, m);
        return;
    case NAS_MSG_DEACT_ACCEPT: {
        struct agw_pdn *p = pgw_pdn_by_ebi(ue, m->ebi);
        if (p && p->state == PDN_RELEASING) {
            pgw_pdn_release(ctx, ue, p);
            ctx->stats.pdn_disconnect++;
            ue_store_mark(ctx, ue);
        }
        return;
    }
    case NAS_MSG_ESM_STATUS:
        LOG_INFO(ctx, "esm", "ue %s: ESM STATUS #%u", ue_imsi_log(ctx, ue, b),
                 m->esm_status.esm_cause);
        return;
    default:
        ctx->stats.nas_unexpected++;
        esm_status(ctx, ue, m, 98);         /* #98 not compatible with the state */
        return;
    }
}
