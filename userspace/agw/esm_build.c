/* ESM messages that xepc-agwd sends (TS 24.301 clause 8.3). */
#include <string.h>

#include "agw/agw.h"

int esm_build_reject(uint8_t pti, uint8_t cause, struct nas_message *m)
{
    nas_message_init(m, NAS_MSG_PDN_CONN_REJECT);
    m->pti = pti;
    m->pdn_conn_reject.esm_cause = cause;
    return 0;
}

int esm_send_esm_info_request(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct nas_message m;
    nas_message_init(&m, NAS_MSG_ESM_INFO_REQUEST);
    m.pti = ue->esm_pti;
    return nas_send(ctx, ue, &m);
}

/* TS 24.301 8.3.6: the default bearer: QoS, APN, PDN address, APN-AMBR and
 * the PCO answers (TS 24.008 10.5.6.3: DNS, IPv4 link MTU, P-CSCF, and
 * the IPv6 DNS servers and P-CSCFs) */
int esm_build_act_default(struct agw_ctx *ctx, struct agw_ue *ue, const struct agw_pdn *p,
                          struct nas_message *m)
{
    const struct agw_apn *apn = &ctx->cfg->apns[p->apn_idx];
    (void)ue;
    nas_message_init(m, NAS_MSG_ACT_DEFAULT_REQUEST);
    m->ebi = p->ebi;
    m->pti = p->pti;
    struct nas_act_default_request *a = &m->act_default_request;
    nas_eps_qos_set(&a->eps_qos, p->qci, 0, 0, 0, 0);
    snprintf(a->apn.name, sizeof(a->apn.name), "%s", apn->name);
    /* TS 24.301 9.9.4.9: the IPv4 address and/or the IPv6 interface
     * identifier (the UE takes its /64 from the Router Advertisement) */
    a->pdn_addr.type = p->pdn_type ? p->pdn_type : NAS_PDN_IPV4;
    memcpy(a->pdn_addr.ipv4, &p->ue_ip.s_addr, 4);
    pgw_iid6(p->ul_teid, a->pdn_addr.ipv6_iid);
    /* TS 24.301 6.5.1.3: why an IPv4v6 request got one family */
    if (p->type_cause) {
        a->has_esm_cause = true;
        a->esm_cause = p->type_cause;
    }
    a->has_apn_ambr = true;
    nas_apn_ambr_set(&a->apn_ambr, p->ambr_dl_bps / 1000, p->ambr_ul_bps / 1000);
    a->has_pco = true;
    nas_pco_init(&a->pco);
    a->pco.cfg_proto = 0;
    for (size_t i = 0; i < apn->n_dns; i++)
        nas_pco_add(&a->pco, NAS_PCO_DNS_IPV4, &apn->dns[i].s_addr, 4);
    if (apn->mtu) {
        uint8_t mtu[2] = { (uint8_t)(apn->mtu >> 8), (uint8_t)apn->mtu };
        nas_pco_add(&a->pco, NAS_PCO_IPV4_LINK_MTU, mtu, 2);
    }
    if (apn->ims)
        for (size_t i = 0; i < apn->n_pcscf; i++)
            nas_pco_add(&a->pco, NAS_PCO_P_CSCF_IPV4, &apn->pcscf[i].s_addr, 4);
    /* TS 24.008 10.5.6.3: "DNS Server IPv6 Address" (0x0003) and "P-CSCF
     * IPv6 Address" (0x0001), one container per address, answered when
     * the UE asked for them on a PDN connection that has IPv6 (TS 24.301
     * 6.5.1.3: the network includes what the UE requested) */
    bool v6 = a->pdn_addr.type == NAS_PDN_IPV6 || a->pdn_addr.type == NAS_PDN_IPV4V6;
    if (v6 && p->pco_dns6)
        for (size_t i = 0; i < apn->n_dns6; i++)
            nas_pco_add(&a->pco, NAS_PCO_DNS_IPV6, apn->dns6[i].s6_addr, 16);
    if (v6 && p->pco_pcscf6 && apn->ims)
        for (size_t i = 0; i < apn->n_pcscf6; i++)
            nas_pco_add(&a->pco, NAS_PCO_P_CSCF_IPV6, apn->pcscf6[i].s6_addr, 16);
    if (a->pco.n == 0)
        a->has_pco = false;
    return 0;
}
