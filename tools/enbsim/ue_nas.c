/* enbsim: the UE side of EMM and ESM (TS 24.301) over the project's NAS
 * codec and security layer, with the USIM of ue_usim.c.
 *
 * ue_nas_handle_dl() takes one downlink NAS PDU as the eNB delivered it and
 * says what the UE sends back; the eNB side (enb_s1ap.c) wraps the answers
 * in S1AP.  Nothing here knows about S1AP or sockets. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "enbsim.h"
#include "sec/kdf.h"

/* UE network capability (TS 24.301 9.9.3.34): EEA0-3 and EIA1-3
 * (EIA0 not offered: no emergency bearer services here). */
#define UE_CAP_EEA 0xf0

/* The EEA bits the UE offers (--ue-eea, else EEA0..3). */
static uint8_t ue_eea(const struct ue_nas_cfg *cfg)
{
    return cfg->ue_eea ? cfg->ue_eea : UE_CAP_EEA;
}
#define UE_CAP_EIA 0x70

static struct nas_message *msg_init(struct nas_message *m, enum nas_msg_id id)
{
    nas_message_init(m, id);
    return m;
}

/* Encodes m; protected with the current context (hdr) when one exists
 * and hdr != PLAIN.  Returns the length or a negative errno. */
static int emit(struct enbsim_ue *ue, const struct nas_message *m, enum nas_sec_hdr hdr,
                uint8_t *out, size_t cap)
{
    uint8_t plain[ENBSIM_NAS_MAX];
    int n = nas_encode_plain(m, plain, sizeof(plain));
    if (n < 0)
        return -EINVAL;
    if (hdr == NAS_SEC_HDR_PLAIN || !ue->sec_valid) {
        if ((size_t)n > cap)
            return -ENOSPC;
        memcpy(out, plain, (size_t)n);
        return n;
    }
    size_t ol;
    uint32_t count = ue->sec.ul_count;
    if (nas_protect(&ue->sec, hdr, plain, (size_t)n, out, cap, &ol) != NAS_SEC_OK)
        return -EIO;
    ue->last_ul_count = count;
    return (int)ol;
}

static int out_add(struct ue_nas_out *o, struct enbsim_ue *ue, const struct nas_message *m,
                   enum nas_sec_hdr hdr)
{
    if (o->n == UE_NAS_OUT_MAX)
        return -ENOSPC;
    int n = emit(ue, m, hdr, o->msg[o->n].buf, sizeof(o->msg[o->n].buf));
    if (n < 0)
        return n;
    o->msg[o->n++].len = (size_t)n;
    return 0;
}

static void fail(struct ue_nas_out *o, const char *why, uint8_t cause)
{
    o->attach_failed = true;
    o->fail = why;
    o->cause = cause;
}

static struct ue_bearer *bearer_by_ebi(struct enbsim_ue *ue, uint8_t ebi)
{
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        if (ue->bearer[i].active && ue->bearer[i].ebi == ebi)
            return &ue->bearer[i];
    return NULL;
}

static struct ue_bearer *bearer_by_pti(struct enbsim_ue *ue, uint8_t pti)
{
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        if (!ue->bearer[i].active && ue->bearer[i].pti == pti && pti)
            return &ue->bearer[i];
    return NULL;
}

static struct ue_bearer *bearer_free(struct enbsim_ue *ue)
{
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        if (!ue->bearer[i].active && !ue->bearer[i].pti)
            return &ue->bearer[i];
    return NULL;
}

static uint8_t next_pti(struct enbsim_ue *ue)
{
    /* TS 24.007 11.2.3.1a: PTI 1..254 for UE-initiated procedures */
    if (ue->next_pti < 1 || ue->next_pti > 254)
        ue->next_pti = 1;
    return ue->next_pti++;
}

static void pco_request(struct nas_pco *pco, uint8_t pdn_type)
{
    nas_pco_init(pco);
    /* TS 24.008 10.5.6.3: ask for DNS servers and the IPv4 link MTU, and
     * say that the address comes in NAS signalling */
    nas_pco_add(pco, NAS_PCO_IP_ALLOC_VIA_NAS, NULL, 0);
    nas_pco_add(pco, NAS_PCO_DNS_IPV4, NULL, 0);
    nas_pco_add(pco, NAS_PCO_IPV4_LINK_MTU, NULL, 0);
    /* for a PDN type with IPv6, the IPv6 DNS servers and P-CSCFs too (as
     * a UE does, TS 24.229 9.2.1: an IMS UE asks for the P-CSCF) */
    if (pdn_type == NAS_PDN_IPV6 || pdn_type == NAS_PDN_IPV4V6) {
        nas_pco_add(pco, NAS_PCO_DNS_IPV6, NULL, 0);
        nas_pco_add(pco, NAS_PCO_P_CSCF_IPV6, NULL, 0);
    }
}

/* PDN CONNECTIVITY REQUEST (TS 24.301 8.3.20) for a fresh bearer slot. */
static int pdn_request(struct enbsim_ue *ue, const char *apn, bool esm_info_flag,
                       uint8_t pdn_type, struct nas_message *m)
{
    struct ue_bearer *b = bearer_free(ue);
    if (!b)
        return -ENOSPC;
    msg_init(m, NAS_MSG_PDN_CONN_REQUEST);
    m->pti = next_pti(ue);
    m->ebi = 0;
    b->pti = m->pti;
    snprintf(b->apn, sizeof(b->apn), "%s", apn ? apn : "");
    struct nas_pdn_conn_request *r = &m->pdn_conn_request;
    r->request_type = 1; /* initial request */
    r->pdn_type = pdn_type ? pdn_type : NAS_PDN_IPV4;
    if (esm_info_flag) {
        /* TS 24.301 6.5.1.2: the APN and PCO then go in ESM INFORMATION RESPONSE */
        r->has_esm_info_transfer_flag = true;
        r->esm_info_transfer_flag = 1;
    } else {
        if (apn && *apn) {
            r->has_apn = true;
            snprintf(r->apn.name, sizeof(r->apn.name), "%s", apn);
        }
        r->has_pco = true;
        pco_request(&r->pco, r->pdn_type);
    }
    return 0;
}

int ue_nas_attach_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, uint8_t *out,
                          size_t cap)
{
    struct nas_message esm, m;
    uint8_t esm_buf[512];

    /* a new attach forgets bearers of the last one */
    memset(ue->bearer, 0, sizeof(ue->bearer));
    ue->esm_info_flag = cfg->esm_info_flag;
    if (pdn_request(ue, cfg->apn, cfg->esm_info_flag, cfg->pdn_type, &esm))
        return -ENOSPC;
    int en = nas_encode_plain(&esm, esm_buf, sizeof(esm_buf));
    if (en < 0)
        return -EINVAL;

    msg_init(&m, NAS_MSG_ATTACH_REQUEST);
    struct nas_attach_request *a = &m.attach_request;
    a->eps_attach_type = 1; /* EPS attach (TS 24.301 9.9.3.11) */
    if (ue->have_guti && ue->sec_valid) {
        /* TS 24.301 5.5.1.2.2: a valid GUTI is the identity; the request
         * is integrity protected with the current context (4.4.4.2) */
        a->nas_ksi.ksi = ue->ksi;
        a->eps_mobile_id.type = NAS_EPS_ID_GUTI;
        a->eps_mobile_id.guti = ue->guti;
    } else {
        a->nas_ksi.ksi = NAS_KSI_NONE;
        a->eps_mobile_id.type = NAS_EPS_ID_IMSI;
        snprintf(a->eps_mobile_id.digits, sizeof(a->eps_mobile_id.digits), "%s",
                 ue->usim.sub.imsi);
    }
    a->ue_net_cap.len = 2;
    a->ue_net_cap.eea = ue_eea(cfg);
    a->ue_net_cap.eia = UE_CAP_EIA;
    a->esm_container.len = (uint16_t)en;
    memcpy(a->esm_container.v, esm_buf, (size_t)en);
    a->has_drx = true;
    a->drx.split_pg_cycle = 10;

    uint8_t plain[ENBSIM_NAS_MAX];
    int n = nas_encode_plain(&m, plain, sizeof(plain) - 8);
    if (n < 0)
        return -EINVAL;
    if (cfg->misbehave == ENBSIM_MB_TRUNCATED_IE) {
        /* the ESM message container announces one octet more than sent */
        n--;
        ue->misbehaved++;
    } else if (cfg->misbehave == ENBSIM_MB_UNKNOWN_IE) {
        /* TS 24.007 11.2.4: an IEI with bits 8-5 0000 is "comprehension
         * required"; 0x0e is none of the Attach Request's */
        plain[n++] = 0x0e;
        plain[n++] = 1;
        plain[n++] = 0;
        ue->misbehaved++;
    }
    if (a->eps_mobile_id.type == NAS_EPS_ID_GUTI) {
        size_t ol;
        uint32_t count = ue->sec.ul_count;
        if (nas_protect(&ue->sec, NAS_SEC_HDR_INTEGRITY, plain, (size_t)n, out, cap, &ol) !=
            NAS_SEC_OK)
            return -EIO;
        ue->last_ul_count = count;
        return (int)ol;
    }
    if ((size_t)n > cap)
        return -ENOSPC;
    memcpy(out, plain, (size_t)n);
    return n;
}

int ue_nas_detach_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, bool switch_off,
                          uint8_t *out, size_t cap)
{
    (void)cfg;
    struct nas_message m;
    msg_init(&m, NAS_MSG_DETACH_REQUEST_UE);
    struct nas_detach_request_ue *d = &m.detach_request_ue;
    /* TS 24.301 5.5.2.2.1 */
    d->detach_type.switch_off = switch_off;
    d->detach_type.type = NAS_DETACH_EPS;
    d->nas_ksi.ksi = ue->sec_valid ? ue->ksi : NAS_KSI_NONE;
    if (ue->have_guti) {
        d->eps_mobile_id.type = NAS_EPS_ID_GUTI;
        d->eps_mobile_id.guti = ue->guti;
    } else {
        d->eps_mobile_id.type = NAS_EPS_ID_IMSI;
        snprintf(d->eps_mobile_id.digits, sizeof(d->eps_mobile_id.digits), "%s",
                 ue->usim.sub.imsi);
    }
    /* TS 24.301 4.4.5: as the initial NAS message of a new connection (from
     * ECM-IDLE) it is integrity protected but not ciphered */
    return emit(ue, &m, ue->s1_connected ? NAS_SEC_HDR_INTEGRITY_CIPHERED : NAS_SEC_HDR_INTEGRITY,
                out, cap);
}

int ue_nas_pdn_connect(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, const char *apn,
                       uint8_t *out, size_t cap)
{
    struct nas_message m;
    if (!ue->sec_valid)
        return -ENOTCONN;
    if (pdn_request(ue, apn, false, cfg->pdn_type, &m))
        return -ENOSPC;
    /* TS 24.301 6.5.1.2: request type "initial request" for a new PDN */
    return emit(ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, out, cap);
}

int ue_nas_pdn_disconnect(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, uint8_t ebi,
                          uint8_t *out, size_t cap)
{
    (void)cfg;
    struct nas_message m;
    struct ue_bearer *b = bearer_by_ebi(ue, ebi);
    if (!ue->sec_valid || !b)
        return -ENOENT;
    msg_init(&m, NAS_MSG_PDN_DISC_REQUEST);
    m.pti = next_pti(ue);
    b->pti = m.pti;
    m.ebi = 0;
    /* TS 24.301 6.5.2.2: the linked EBI names the PDN connection */
    m.pdn_disc_request.linked_ebi = ebi;
    return emit(ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, out, cap);
}

int ue_nas_kenb(const struct enbsim_ue *ue, uint8_t kenb[32])
{
    /* TS 33.401 A.3 and 7.2.6.1: KeNB from KASME with the uplink NAS
     * COUNT of the last uplink NAS message before the AS security set-up */
    return sec_kenb(ue->kasme, ue->kenb_count_fixed ? ue->kenb_count : ue->last_ul_count, kenb);
}

void ue_nas_reset(struct enbsim_ue *ue, bool keep_guti)
{
    if (!keep_guti) {
        if (ue->sec_valid)
            nas_sec_ctx_free(&ue->sec);
        ue->sec_valid = false;
        ue->have_guti = false;
        ue->ksi = NAS_KSI_NONE;
        OPENSSL_cleanse(ue->kasme, sizeof(ue->kasme));
    }
    if (ue->new_sec_valid)
        nas_sec_ctx_free(&ue->new_sec);
    ue->new_sec_valid = false;
    ue->pending_auth = false;
    ue->kenb_count_fixed = false;
    ue->nh_valid = false;
    OPENSSL_cleanse(ue->nh, sizeof(ue->nh));
    memset(ue->bearer, 0, sizeof(ue->bearer));
}


/* ------------------------------------------- idle mode and mobility --- */

/* TS 24.301 9.9.2.1: EPS bearer context status, bit n = EBI n active */
static uint16_t bearer_status(const struct enbsim_ue *ue)
{
    uint16_t v = 0;
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        if (ue->bearer[i].active && ue->bearer[i].ebi < 16)
            v |= (uint16_t)(1u << ue->bearer[i].ebi);
    return v;
}

int ue_nas_service_request(struct enbsim_ue *ue, uint8_t *out, size_t cap)
{
    /* TS 24.301 8.2.25: octet 1 security header type 1100 | PD 7; octet 2
     * KSI (bits 8-6) | sequence number; octets 3-4 short MAC.  The
     * security layer fills the sequence number and the short MAC from
     * the uplink NAS COUNT (9.9.3.28, 4.4.3.3). */
    uint8_t sr[NAS_SEC_SERVICE_REQUEST_LEN] = {0xc7, (uint8_t)(ue->ksi << 5), 0, 0};
    size_t ol;
    if (!ue->sec_valid || !ue->have_guti)
        return -ENOTCONN;
    uint32_t count = ue->sec.ul_count;
    if (nas_protect(&ue->sec, NAS_SEC_HDR_SERVICE_REQUEST, sr, sizeof(sr), out, cap, &ol) !=
        NAS_SEC_OK)
        return -EIO;
    ue->last_ul_count = count;
    /* TS 33.401 7.2.6.2: the KeNB for the new connection from this COUNT */
    ue->kenb_count = count;
    ue->kenb_count_fixed = true;
    return (int)ol;
}

int ue_nas_ext_service_request(struct enbsim_ue *ue, uint8_t *out, size_t cap)
{
    struct nas_message m;
    if (!ue->sec_valid || !ue->have_guti)
        return -ENOTCONN;
    msg_init(&m, NAS_MSG_EXT_SERVICE_REQUEST);
    struct nas_ext_service_request *r = &m.ext_service_request;
    r->service_type = 8; /* TS 24.301 9.9.3.27: packet services via S1 */
    r->nas_ksi.ksi = ue->ksi;
    /* TS 24.301 8.2.15.1: the M-TMSI as a mobile identity of type TMSI */
    r->m_tmsi.type = NAS_ID_TMSI;
    r->m_tmsi.tmsi = ue->guti.m_tmsi;
    r->has_eps_bearer_status = true;
    r->eps_bearer_status = bearer_status(ue);
    /* TS 24.301 4.4.5: an initial NAS message, integrity protected only */
    int n = emit(ue, &m, NAS_SEC_HDR_INTEGRITY, out, cap);
    if (n > 0) {
        ue->kenb_count = ue->last_ul_count;
        ue->kenb_count_fixed = true;
    }
    return n;
}

int ue_nas_tau_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, uint8_t type,
                       bool active, uint8_t *out, size_t cap)
{
    struct nas_message m;
    if (!ue->sec_valid || !ue->have_guti)
        return -ENOTCONN;
    msg_init(&m, NAS_MSG_TAU_REQUEST);
    struct nas_tau_request *t = &m.tau_request;
    /* TS 24.301 9.9.3.14: 0 TA updating, 3 periodic updating */
    t->eps_update_type.type = type;
    t->eps_update_type.active = active;
    t->nas_ksi.ksi = ue->ksi;
    /* TS 24.301 5.5.3.2.2: the old GUTI, the UE network capability, the
     * last visited registered TAI and the EPS bearer context status */
    t->old_guti.type = NAS_EPS_ID_GUTI;
    t->old_guti.guti = ue->guti;
    t->has_ue_net_cap = true;
    t->ue_net_cap.len = 2;
    t->ue_net_cap.eea = ue_eea(cfg);
    t->ue_net_cap.eia = UE_CAP_EIA;
    t->has_last_visited_tai = true;
    t->last_visited_tai.plmn = cfg->plmn;
    t->last_visited_tai.tac = cfg->tac;
    t->has_eps_bearer_status = true;
    t->eps_bearer_status = bearer_status(ue);
    /* TS 24.301 4.4.5: as an initial NAS message integrity protected, not
     * ciphered; on an existing NAS signalling connection also ciphered */
    int n = emit(ue, &m, ue->s1_connected ? NAS_SEC_HDR_INTEGRITY_CIPHERED : NAS_SEC_HDR_INTEGRITY,
                 out, cap);
    if (n > 0) {
        ue->kenb_count = ue->last_ul_count;
        ue->kenb_count_fixed = true;
    }
    return n;
}

int ue_nas_bearer_alloc(struct enbsim_ue *ue, uint8_t linked_ebi, uint8_t qci,
                        uint16_t remote_port, uint8_t *out, size_t cap)
{
    struct nas_message m;
    if (!ue->sec_valid || !bearer_by_ebi(ue, linked_ebi))
        return -ENOENT;
    msg_init(&m, NAS_MSG_BR_ALLOC_REQUEST);
    m.pti = next_pti(ue);
    m.ebi = 0;
    struct nas_br_alloc_request *r = &m.br_alloc_request;
    r->linked_ebi = linked_ebi;
    /* TS 24.301 6.5.3.2: a traffic flow aggregate with "create new TFT":
     * one filter, both directions, UDP to the remote port */
    r->tfa.op = NAS_TFT_OP_CREATE;
    r->tfa.n = 1;
    r->tfa.pf[0].id = 1;
    r->tfa.pf[0].dir = NAS_PF_DIR_BOTH;
    r->tfa.pf[0].precedence = 0;
    r->tfa.pf[0].n = 2;
    r->tfa.pf[0].c[0].type = NAS_PF_PROTOCOL;
    r->tfa.pf[0].c[0].u.protocol = 17;
    r->tfa.pf[0].c[1].type = NAS_PF_REMOTE_PORT;
    r->tfa.pf[0].c[1].u.port = remote_port;
    if (nas_eps_qos_set(&r->required_qos, qci, 0, 0, 0, 0))
        return -EINVAL;
    return emit(ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, out, cap);
}

int ue_nas_nh(struct enbsim_ue *ue, uint8_t ncc, uint8_t nh[32])
{
    /* TS 33.401 7.2.8.1.1: at the initial set-up the KeNB is the virtual
     * NH of NCC 0; NH(n+1) = KDF(KASME, NH(n)) (A.4), NCC counting mod 8 */
    if (!ue->nh_valid || ncc > 7)
        return -EINVAL;
    unsigned steps = (unsigned)(ncc - ue->nh_ncc) & 7;
    uint8_t cur[32];
    memcpy(cur, ue->nh, 32);
    if (!steps && ue->nh_ncc == 0)
        return -EINVAL; /* NCC 0 names the KeNB itself, never an NH */
    for (unsigned i = 0; i < steps; i++)
        if (sec_nh(ue->kasme, cur, cur))
            return -EIO;
    memcpy(nh, cur, 32);
    OPENSSL_cleanse(cur, sizeof(cur));
    return 0;
}

static bool pf_match(const struct nas_packet_filter *pf, const uint8_t *ip, size_t len)
{
    /* TS 24.008 10.5.6.12, TS 23.060 15.3: all components must match; an
     * uplink packet's remote address is its destination, its local port
     * the source port */
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    uint8_t proto = ip[9];
    bool ports = (proto == 6 || proto == 17) && len >= ihl + 4;
    uint16_t sport = ports ? (uint16_t)(ip[ihl] << 8 | ip[ihl + 1]) : 0;
    uint16_t dport = ports ? (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]) : 0;
    for (unsigned i = 0; i < pf->n; i++) {
        const struct nas_pf_component *c = &pf->c[i];
        switch (c->type) {
        case NAS_PF_IPV4_REMOTE:
            for (int k = 0; k < 4; k++)
                if ((ip[16 + k] & c->u.ipv4.mask[k]) != (c->u.ipv4.addr[k] & c->u.ipv4.mask[k]))
                    return false;
            break;
        case NAS_PF_IPV4_LOCAL:
            for (int k = 0; k < 4; k++)
                if ((ip[12 + k] & c->u.ipv4.mask[k]) != (c->u.ipv4.addr[k] & c->u.ipv4.mask[k]))
                    return false;
            break;
        case NAS_PF_PROTOCOL:
            if (proto != c->u.protocol)
                return false;
            break;
        case NAS_PF_LOCAL_PORT:
            if (!ports || sport != c->u.port)
                return false;
            break;
        case NAS_PF_LOCAL_PORT_RANGE:
            if (!ports || sport < c->u.port_range.lo || sport > c->u.port_range.hi)
                return false;
            break;
        case NAS_PF_REMOTE_PORT:
            if (!ports || dport != c->u.port)
                return false;
            break;
        case NAS_PF_REMOTE_PORT_RANGE:
            if (!ports || dport < c->u.port_range.lo || dport > c->u.port_range.hi)
                return false;
            break;
        case NAS_PF_TOS:
            if ((ip[1] & c->u.tos.mask) != (c->u.tos.tos & c->u.tos.mask))
                return false;
            break;
        default:
            return false; /* IPv6, SPI, flow label, Ethernet: not for IPv4 UL here */
        }
    }
    return true;
}

struct ue_bearer *ue_tft_select(struct enbsim_ue *ue, uint8_t default_ebi, const uint8_t *ip,
                                size_t len)
{
    struct ue_bearer *def = bearer_by_ebi(ue, default_ebi);
    struct ue_bearer *best = NULL;
    unsigned best_prec = 256;
    if (len < 20 || (ip[0] >> 4) != 4 || (size_t)(ip[0] & 0xf) * 4 > len)
        return def;
    /* TS 23.401 5.4.1: the uplink filters of every dedicated bearer of the
     * PDN connection, lowest precedence value first; no match: the
     * default bearer (it has no TFT here) */
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++) {
        struct ue_bearer *b = &ue->bearer[i];
        if (!b->active || !b->dedicated || b->linked_ebi != default_ebi)
            continue;
        for (unsigned f = 0; f < b->tft.n && f < NAS_TFT_FILTERS_MAX; f++) {
            const struct nas_packet_filter *pf = &b->tft.pf[f];
            if (pf->dir != NAS_PF_DIR_UL && pf->dir != NAS_PF_DIR_BOTH)
                continue;
            if (pf->precedence < best_prec && pf_match(pf, ip, len)) {
                best = b;
                best_prec = pf->precedence;
            }
        }
    }
    return best ? best : def;
}

/* TS 24.008 10.5.6.12 (TS 24.301 6.4.3.3): a TFT operation on a bearer's
 * TFT.  -EINVAL for an operation that does not apply (the caller answers
 * with a reject). */
static int tft_apply(struct nas_tft *cur, const struct nas_tft *op)
{
    switch (op->op) {
    case NAS_TFT_OP_CREATE:
    case NAS_TFT_OP_REPLACE:
        if (op->op == NAS_TFT_OP_CREATE) {
            *cur = *op;
            return 0;
        }
        /* replace filters with the same identifiers, add the others */
        /* fall through */
    case NAS_TFT_OP_ADD:
        for (unsigned i = 0; i < op->n; i++) {
            unsigned k = 0;
            while (k < cur->n && cur->pf[k].id != op->pf[i].id)
                k++;
            if (k == cur->n) {
                if (cur->n == NAS_TFT_FILTERS_MAX)
                    return -EINVAL;
                cur->n++;
            }
            cur->pf[k] = op->pf[i];
        }
        return 0;
    case NAS_TFT_OP_DELETE_FILTERS:
        for (unsigned i = 0; i < op->n; i++)
            for (unsigned k = 0; k < cur->n; k++)
                if (cur->pf[k].id == op->pf[i].id) {
                    cur->pf[k] = cur->pf[--cur->n];
                    break;
                }
        return 0;
    case NAS_TFT_OP_DELETE:
        cur->n = 0;
        return 0;
    case NAS_TFT_OP_NOOP:
        return 0;
    default:
        return -EINVAL;
    }
}

/* ---------------------------------------------------------- handlers --- */

static void on_identity_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg,
                                const struct nas_message *in, enum nas_sec_hdr reply,
                                struct ue_nas_out *o)
{
    struct nas_message m;
    msg_init(&m, NAS_MSG_IDENTITY_RESPONSE);
    struct nas_mobile_id *id = &m.identity_response.mobile_id;
    /* TS 24.301 5.4.4.3, TS 24.008 10.5.5.9 identity type 2 */
    switch (in->identity_request.identity_type) {
    case NAS_ID_IMSI:
        id->type = NAS_ID_IMSI;
        snprintf(id->digits, sizeof(id->digits), "%s", ue->usim.sub.imsi);
        break;
    case NAS_ID_IMEI:
        id->type = NAS_ID_IMEI;
        snprintf(id->digits, sizeof(id->digits), "%.15s", cfg->imeisv);
        break;
    case NAS_ID_IMEISV:
        id->type = NAS_ID_IMEISV;
        snprintf(id->digits, sizeof(id->digits), "%s", cfg->imeisv);
        break;
    default:
        id->type = NAS_ID_NONE;
        break;
    }
    out_add(o, ue, &m, reply);
}

static void on_auth_request(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg,
                            const struct nas_message *in, enum nas_sec_hdr reply,
                            struct ue_nas_out *o)
{
    const struct nas_auth_request *r = &in->auth_request;
    struct usim_auth_result res;
    struct nas_message m;

    ue->auth_rounds++;
    if (usim_authenticate(&ue->usim, r->rand, r->autn, cfg->sn_id, &res)) {
        fail(o, "usim-crypto", 0);
        return;
    }
    if (cfg->misbehave == ENBSIM_MB_BAD_AUTN_MAC && ue->auth_rounds == 1) {
        res.err = SEC_AUTH_MAC_FAILURE;
        ue->misbehaved++;
    }
    switch (res.err) {
    case SEC_AUTH_OK:
        msg_init(&m, NAS_MSG_AUTH_RESPONSE);
        m.auth_response.res.len = 8;
        memcpy(m.auth_response.res.v, res.res, 8);
        if (cfg->misbehave == ENBSIM_MB_WRONG_RES) {
            m.auth_response.res.v[0] ^= 0x01;
            ue->misbehaved++;
        }
        memcpy(ue->pending_kasme, res.kasme, 32);
        ue->pending_ksi = r->nas_ksi.ksi;
        ue->pending_auth = true;
        out_add(o, ue, &m, reply);
        if (cfg->misbehave == ENBSIM_MB_SCTP_ABORT) {
            o->abort_sctp = true;
            ue->misbehaved++;
        }
        break;
    case SEC_AUTH_MAC_FAILURE:
    case SEC_AUTH_NOT_EPS:
        /* TS 24.301 5.4.2.6 c) #20 MAC failure, #26 non-EPS authentication */
        msg_init(&m, NAS_MSG_AUTH_FAILURE);
        m.auth_failure.emm_cause = res.err == SEC_AUTH_MAC_FAILURE ? 20 : 26;
        out_add(o, ue, &m, reply);
        break;
    case SEC_AUTH_SYNCH_FAILURE:
        /* TS 24.301 5.4.2.6 c) #21 synch failure with AUTS (TS 33.102 6.3.3) */
        msg_init(&m, NAS_MSG_AUTH_FAILURE);
        m.auth_failure.emm_cause = 21;
        m.auth_failure.has_auts = true;
        memcpy(m.auth_failure.auts, res.auts, 14);
        out_add(o, ue, &m, reply);
        break;
    default:
        fail(o, "usim-crypto", 0);
        break;
    }
    OPENSSL_cleanse(&res, sizeof(res));
}

static void smc_reject(struct enbsim_ue *ue, uint8_t cause, struct ue_nas_out *o)
{
    struct nas_message m;
    msg_init(&m, NAS_MSG_SECURITY_MODE_REJECT);
    m.security_mode_reject.emm_cause = cause;
    /* TS 24.301 5.4.3.5: sent without the new context */
    bool v = ue->sec_valid;
    ue->sec_valid = false;
    out_add(o, ue, &m, NAS_SEC_HDR_PLAIN);
    ue->sec_valid = v;
    o->fail = cause == 23 ? "smc-caps-mismatch" : "smc-rejected";
    o->cause = cause;
}

/* SECURITY MODE COMMAND (TS 24.301 5.4.3.3): security header type 3, not
 * ciphered, integrity protected with the new context it names. */
static void on_smc(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, const uint8_t *pdu,
                   size_t len, struct ue_nas_out *o)
{
    struct nas_message in, m;
    if (len <= NAS_SEC_HDR_LEN ||
        nas_decode_plain(pdu + NAS_SEC_HDR_LEN, len - NAS_SEC_HDR_LEN, &in) < 0 ||
        in.id != NAS_MSG_SECURITY_MODE_COMMAND)
        return; /* TS 24.301 4.4.4.2: not acceptable in this header type */
    const struct nas_security_mode_command *c = &in.security_mode_command;
    if (cfg->misbehave == ENBSIM_MB_NO_SMC_COMPLETE) {
        ue->misbehaved++;
        return;
    }
    const uint8_t *kasme;
    if (ue->pending_auth && c->nas_ksi.ksi == ue->pending_ksi)
        kasme = ue->pending_kasme;
    else if (ue->sec_valid && c->nas_ksi.ksi == ue->ksi)
        kasme = ue->kasme;
    else {
        smc_reject(ue, 24, o);
        return;
    }
    /* TS 33.401 5.1.3.1, 5.1.4.1: the algorithms must be ones we offered */
    uint8_t eea = c->selected_algs.eea, eia = c->selected_algs.eia;
    if (eea > 3 || eia > 3 || eia == 0 || !(ue_eea(cfg) & (0x80 >> eea)) ||
        !(UE_CAP_EIA & (0x80 >> eia))) {
        smc_reject(ue, 23, o);
        return;
    }
    if (ue->new_sec_valid)
        nas_sec_ctx_free(&ue->new_sec);
    ue->new_sec_valid = false;
    if (nas_sec_ctx_init_kasme(&ue->new_sec, NAS_SEC_ROLE_UE, c->nas_ksi.ksi, eea, eia, kasme) !=
        NAS_SEC_OK) {
        smc_reject(ue, 24, o);
        return;
    }
    ue->new_sec_valid = true;
    if (kasme == ue->kasme) {
        /* the current context with new algorithms keeps its counts */
        ue->new_sec.ul_count = ue->sec.ul_count;
        ue->new_sec.dl_count = ue->sec.dl_count;
    }
    uint8_t plain[ENBSIM_NAS_MAX];
    size_t pl;
    struct nas_sec_info info;
    enum nas_sec_err e = nas_unprotect(&ue->new_sec, pdu, len, plain, sizeof(plain), &pl, &info);
    if (e != NAS_SEC_OK || !info.integrity_verified) {
        /* TS 24.301 5.4.3.5: the command could not be accepted */
        nas_sec_ctx_free(&ue->new_sec);
        ue->new_sec_valid = false;
        smc_reject(ue, 24, o);
        return;
    }
    /* TS 24.301 5.4.3.3: the replayed UE security capabilities must be
     * those the UE sent */
    if (c->replayed_ue_sec_cap.len < 2 || c->replayed_ue_sec_cap.eea != ue_eea(cfg) ||
        c->replayed_ue_sec_cap.eia != UE_CAP_EIA) {
        nas_sec_ctx_free(&ue->new_sec);
        ue->new_sec_valid = false;
        smc_reject(ue, 23, o);
        return;
    }
    /* take the new context into use */
    if (ue->sec_valid)
        nas_sec_ctx_free(&ue->sec);
    memcpy(&ue->sec, &ue->new_sec, sizeof(ue->sec)); /* a move: new_sec is forgotten */
    ue->new_sec_valid = false;
    ue->sec_valid = true;
    if (kasme != ue->kasme)
        memcpy(ue->kasme, kasme, 32);
    ue->ksi = c->nas_ksi.ksi;
    ue->pending_auth = false;

    msg_init(&m, NAS_MSG_SECURITY_MODE_COMPLETE);
    if (c->has_imeisv_request && c->imeisv_request == 1) {
        m.security_mode_complete.has_imeisv = true;
        m.security_mode_complete.imeisv.type = NAS_ID_IMEISV;
        snprintf(m.security_mode_complete.imeisv.digits,
                 sizeof(m.security_mode_complete.imeisv.digits), "%s", cfg->imeisv);
    }
    /* TS 24.301 5.4.3.3: integrity protected and ciphered with the new context */
    if (out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX) == 0 && !ue->kenb_count_fixed) {
        /* TS 33.401 7.2.6.1, A.3: the next KeNB comes from the COUNT of
         * this SECURITY MODE COMPLETE, not of a later uplink message (an
         * ESM INFORMATION RESPONSE); the answer to a command the MME
         * repeated (T3460, TS 24.301 5.4.3.7 b) does not move it: the
         * MME goes on with the first complete it gets */
        ue->kenb_count = ue->last_ul_count;
        ue->kenb_count_fixed = true;
    }
}

static void on_act_default(struct enbsim_ue *ue, const struct nas_message *esm,
                           struct nas_message *accept)
{
    const struct nas_act_default_request *r = &esm->act_default_request;
    struct ue_bearer *b = bearer_by_pti(ue, esm->pti);
    if (!b)
        b = bearer_free(ue);
    msg_init(accept, NAS_MSG_ACT_DEFAULT_ACCEPT);
    accept->ebi = esm->ebi;
    accept->pti = esm->pti;
    if (!b)
        return;
    b->active = true;
    b->ebi = esm->ebi;
    b->pti = 0;
    b->pdn_type = r->pdn_addr.type;
    b->type_cause = r->has_esm_cause ? r->esm_cause : 0;
    b->ue_addr.s_addr = 0;
    if (r->pdn_addr.type == NAS_PDN_IPV4 || r->pdn_addr.type == NAS_PDN_IPV4V6)
        memcpy(&b->ue_addr, r->pdn_addr.ipv4, 4);
    /* TS 24.301 9.9.4.9: the interface identifier of the link-local
     * address; the /64 comes in the Router Advertisement */
    if (r->pdn_addr.type == NAS_PDN_IPV6 || r->pdn_addr.type == NAS_PDN_IPV4V6)
        memcpy(b->iid6, r->pdn_addr.ipv6_iid, 8);
    if (r->apn.name[0])
        snprintf(b->apn, sizeof(b->apn), "%s", r->apn.name);
    b->qci = r->eps_qos.qci;
    b->ambr_ul_kbps = r->has_apn_ambr ? nas_apn_ambr_kbps(&r->apn_ambr, true) : 0;
    b->ambr_dl_kbps = r->has_apn_ambr ? nas_apn_ambr_kbps(&r->apn_ambr, false) : 0;
    /* TS 24.008 10.5.6.3: what the network answered to the PCO request */
    uint8_t len = 0;
    const uint8_t *v;
    b->dns.s_addr = 0;
    b->mtu = 0;
    if (r->has_pco && (v = nas_pco_find(&r->pco, NAS_PCO_DNS_IPV4, 0, &len)) && len == 4)
        memcpy(&b->dns, v, 4);
    if (r->has_pco && (v = nas_pco_find(&r->pco, NAS_PCO_IPV4_LINK_MTU, 0, &len)) && len == 2)
        b->mtu = (uint16_t)(v[0] << 8 | v[1]);
    memset(&b->dns6, 0, sizeof(b->dns6));
    memset(&b->pcscf6, 0, sizeof(b->pcscf6));
    if (r->has_pco && (v = nas_pco_find(&r->pco, NAS_PCO_DNS_IPV6, 0, &len)) && len == 16)
        memcpy(&b->dns6, v, 16);
    if (r->has_pco && (v = nas_pco_find(&r->pco, NAS_PCO_P_CSCF_IPV6, 0, &len)) && len == 16)
        memcpy(&b->pcscf6, v, 16);
}

static void on_attach_accept(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg,
                             const struct nas_message *in, struct ue_nas_out *o)
{
    const struct nas_attach_accept *a = &in->attach_accept;
    struct nas_message esm, accept, m;
    if (nas_decode_plain(a->esm_container.v, a->esm_container.len, &esm) < 0 ||
        esm.id != NAS_MSG_ACT_DEFAULT_REQUEST) {
        fail(o, "attach-accept-esm", 0);
        return;
    }
    if (a->has_guti && a->guti.type == NAS_EPS_ID_GUTI) {
        ue->guti = a->guti.guti;
        ue->have_guti = true;
    }
    long t3412 = nas_gprs_timer_seconds(&a->t3412);
    ue->t3412_s = t3412 > 0 ? (uint32_t)t3412 : 0;
    on_act_default(ue, &esm, &accept);
    uint8_t esm_buf[512];
    int n = nas_encode_plain(&accept, esm_buf, sizeof(esm_buf));
    if (n < 0) {
        fail(o, "encode", 0);
        return;
    }
    msg_init(&m, NAS_MSG_ATTACH_COMPLETE);
    m.attach_complete.esm_container.len = (uint16_t)n;
    memcpy(m.attach_complete.esm_container.v, esm_buf, (size_t)n);
    if (cfg->misbehave == ENBSIM_MB_BAD_MAC || cfg->misbehave == ENBSIM_MB_REPLAY) {
        /* bad-mac: a copy with a broken NAS-MAC goes first; replay: the
         * very same PDU goes twice.  The network must discard the odd one
         * (TS 24.301 4.4.4.3, 4.4.3.2) and keep the UE's state. */
        uint32_t count = ue->sec.ul_count;
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        if (o->n == 1) {
            o->msg[1] = o->msg[0];
            o->n = 2;
            if (cfg->misbehave == ENBSIM_MB_BAD_MAC)
                o->msg[0].buf[1] ^= 0x5a; /* octets 2-5 are the NAS-MAC */
        }
        ue->last_ul_count = count;
        ue->misbehaved++;
    } else {
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
    }
    o->attach_done = true;
}

static void on_esm(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg,
                   const struct nas_message *in, struct ue_nas_out *o)
{
    struct nas_message m;
    struct ue_bearer *b;
    switch (in->id) {
    case NAS_MSG_ESM_INFO_REQUEST:
        /* TS 24.301 6.6.1.3 */
        msg_init(&m, NAS_MSG_ESM_INFO_RESPONSE);
        m.pti = in->pti;
        if (cfg->apn && *cfg->apn) {
            m.esm_info_response.has_apn = true;
            snprintf(m.esm_info_response.apn.name, sizeof(m.esm_info_response.apn.name), "%s",
                     cfg->apn);
        }
        m.esm_info_response.has_pco = true;
        pco_request(&m.esm_info_response.pco, cfg->pdn_type);
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        break;
    case NAS_MSG_ACT_DEFAULT_REQUEST:
        /* TS 24.301 6.4.1.3: a default bearer for a UE-requested PDN connection */
        on_act_default(ue, in, &m);
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        o->pdn_done = true;
        break;
    case NAS_MSG_PDN_CONN_REJECT:
        b = bearer_by_pti(ue, in->pti);
        if (b)
            b->pti = 0;
        o->fail = "pdn-connectivity-reject";
        o->cause = in->pdn_conn_reject.esm_cause;
        break;
    case NAS_MSG_DEACT_REQUEST:
        /* TS 24.301 6.4.4.3 */
        b = bearer_by_ebi(ue, in->ebi);
        msg_init(&m, NAS_MSG_DEACT_ACCEPT);
        m.ebi = in->ebi;
        m.pti = in->pti;
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        if (b) {
            bool dedicated = b->dedicated;
            b->active = false;
            b->pti = 0;
            b->dedicated = false;
            /* TS 24.301 6.4.4.3: a default bearer takes its dedicated
             * bearers with it */
            for (int i = 0; !dedicated && i < ENBSIM_MAX_BEARERS; i++)
                if (ue->bearer[i].active && ue->bearer[i].dedicated &&
                    ue->bearer[i].linked_ebi == in->ebi)
                    memset(&ue->bearer[i], 0, sizeof(ue->bearer[i]));
            if (dedicated)
                break;
        }
        o->pdn_released = true;
        break;
    case NAS_MSG_ACT_DEDICATED_REQUEST: {
        /* TS 24.301 6.4.2.3: a dedicated bearer linked to an active default
         * bearer, with its TFT; no room or no such default: reject #26/#43 */
        const struct nas_act_dedicated_request *r = &in->act_dedicated_request;
        struct ue_bearer *def = bearer_by_ebi(ue, r->linked_ebi);
        b = def && !def->dedicated ? bearer_free(ue) : NULL;
        if (!b || bearer_by_ebi(ue, in->ebi)) {
            msg_init(&m, NAS_MSG_ACT_DEDICATED_REJECT);
            m.act_dedicated_reject.esm_cause = !def || def->dedicated ? 43 : 26;
        } else if (cfg->dedicated_reject) {
            /* --bearer-reject ue:CAUSE: TS 24.301 6.4.2.4, the UE refuses it */
            msg_init(&m, NAS_MSG_ACT_DEDICATED_REJECT);
            m.act_dedicated_reject.esm_cause = cfg->dedicated_reject;
            o->dedicated_rejected = true;
        } else {
            memset(b, 0, sizeof(*b));
            b->active = true;
            b->dedicated = true;
            b->ebi = in->ebi;
            b->linked_ebi = r->linked_ebi;
            b->ue_addr = def->ue_addr;
            memcpy(b->apn, def->apn, sizeof(b->apn));
            b->tft.op = NAS_TFT_OP_CREATE;
            tft_apply(&b->tft, &r->tft);
            msg_init(&m, NAS_MSG_ACT_DEDICATED_ACCEPT);
            o->dedicated_done = true;
        }
        m.ebi = in->ebi;
        m.pti = in->pti;
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        break;
    }
    case NAS_MSG_MODIFY_REQUEST: {
        /* TS 24.301 6.4.3.3: new QoS and/or a TFT operation */
        const struct nas_modify_request *r = &in->modify_request;
        b = bearer_by_ebi(ue, in->ebi);
        bool dflt = b && !b->dedicated;
        int rc = !b ? -ENOENT : r->has_tft ? tft_apply(&b->tft, &r->tft) : 0;
        if (rc) {
            msg_init(&m, NAS_MSG_MODIFY_REJECT);
            m.modify_reject.esm_cause = b ? 41 : 43; /* semantic error in the TFT / invalid EBI */
        } else if (dflt && cfg->modify_reject) {
            /* --modify-reject ue:CAUSE: TS 24.301 6.4.3.4, the UE keeps its
             * bearer as it was */
            msg_init(&m, NAS_MSG_MODIFY_REJECT);
            m.modify_reject.esm_cause = cfg->modify_reject;
            o->modify_rejected = true;
            o->modified_ebi = in->ebi;
        } else {
            msg_init(&m, NAS_MSG_MODIFY_ACCEPT);
            o->modified = true;
            if (dflt) {
                /* the new QCI (9.9.4.3) and APN-AMBR (9.9.4.2) */
                if (r->has_new_eps_qos)
                    b->qci = r->new_eps_qos.qci;
                if (r->has_apn_ambr) {
                    b->ambr_ul_kbps = nas_apn_ambr_kbps(&r->apn_ambr, true);
                    b->ambr_dl_kbps = nas_apn_ambr_kbps(&r->apn_ambr, false);
                }
                o->default_modified = true;
                o->modified_ebi = in->ebi;
            }
        }
        m.ebi = in->ebi;
        m.pti = in->pti;
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        break;
    }
    case NAS_MSG_BR_ALLOC_REJECT:
        o->fail = "bearer-alloc-reject";
        o->cause = in->br_alloc_reject.esm_cause;
        break;
    case NAS_MSG_BR_MODIFY_REJECT:
        o->fail = "bearer-modify-reject";
        o->cause = in->br_modify_reject.esm_cause;
        break;
    case NAS_MSG_PDN_DISC_REJECT:
        o->fail = "pdn-disconnect-reject";
        o->cause = in->pdn_disc_reject.esm_cause;
        break;
    default:
        break; /* ESM status, modify ...: nothing to do here */
    }
}

static bool plain_allowed(enum nas_msg_id id)
{
    /* TS 24.301 4.4.4.2: what the UE accepts without integrity protection */
    switch (id) {
    case NAS_MSG_IDENTITY_REQUEST:
    case NAS_MSG_AUTH_REQUEST:
    case NAS_MSG_AUTH_REJECT:
    case NAS_MSG_ATTACH_REJECT:
    case NAS_MSG_DETACH_ACCEPT:
    case NAS_MSG_TAU_REJECT:
    case NAS_MSG_SERVICE_REJECT:
        return true;
    default:
        return false;
    }
}

int ue_nas_peek_type(struct enbsim_ue *ue, const uint8_t *pdu, size_t len)
{
    struct nas_sec_info info;
    uint8_t plain[ENBSIM_NAS_MAX];
    size_t pl = 0;
    if (nas_sec_peek(pdu, len, &info) != NAS_SEC_OK || info.pd != NAS_PD_EMM)
        return -1;
    if (info.hdr == NAS_SEC_HDR_PLAIN)
        return len >= 2 ? pdu[1] : -1;
    if (!ue->sec_valid || info.hdr == NAS_SEC_HDR_INTEGRITY_NEW_CTX)
        return -1;
    uint32_t dl = ue->sec.dl_count;
    enum nas_sec_err e = nas_unprotect(&ue->sec, pdu, len, plain, sizeof(plain), &pl, &info);
    ue->sec.dl_count = dl;
    return e == NAS_SEC_OK && pl >= 2 && (plain[0] & 0x0f) == NAS_PD_EMM ? plain[1] : -1;
}

int ue_nas_peek_esm_type(struct enbsim_ue *ue, const uint8_t *pdu, size_t len)
{
    struct nas_sec_info info;
    uint8_t plain[ENBSIM_NAS_MAX];
    size_t pl = 0;
    if (nas_sec_peek(pdu, len, &info) != NAS_SEC_OK)
        return -1;
    if (info.hdr == NAS_SEC_HDR_PLAIN)
        return info.pd == NAS_PD_ESM && len >= 3 ? pdu[2] : -1;
    if (!ue->sec_valid || info.hdr == NAS_SEC_HDR_INTEGRITY_NEW_CTX)
        return -1;
    uint32_t dl = ue->sec.dl_count;
    enum nas_sec_err e = nas_unprotect(&ue->sec, pdu, len, plain, sizeof(plain), &pl, &info);
    ue->sec.dl_count = dl;
    /* TS 24.301 9.3.1: EBI/PD, PTI, message type */
    return e == NAS_SEC_OK && pl >= 3 && (plain[0] & 0x0f) == NAS_PD_ESM ? plain[2] : -1;
}

void ue_nas_handle_dl(struct enbsim_ue *ue, const struct ue_nas_cfg *cfg, const uint8_t *pdu,
                      size_t len, struct ue_nas_out *o)
{
    struct nas_sec_info info;
    struct nas_message in, m;
    uint8_t plain[ENBSIM_NAS_MAX];
    size_t pl = 0;

    memset(o, 0, sizeof(*o));
    if (nas_sec_peek(pdu, len, &info) != NAS_SEC_OK)
        return;
    if (info.pd == NAS_PD_EMM && info.hdr == NAS_SEC_HDR_INTEGRITY_NEW_CTX) {
        on_smc(ue, cfg, pdu, len, o);
        return;
    }
    bool verified = false;
    if (info.pd == NAS_PD_EMM && info.hdr != NAS_SEC_HDR_PLAIN) {
        if (!ue->sec_valid)
            return; /* nothing to check it with: discard */
        enum nas_sec_err e = nas_unprotect(&ue->sec, pdu, len, plain, sizeof(plain), &pl, &info);
        if (e != NAS_SEC_OK)
            return; /* TS 24.301 4.4.4.2: integrity check failed, discard */
        verified = info.integrity_verified || ue->sec.eia == 0;
    } else {
        if (len > sizeof(plain))
            return;
        memcpy(plain, pdu, len);
        pl = len;
    }
    if (nas_decode_plain(plain, pl, &in) < 0) {
        /* TS 24.301 7.5: answer syntax errors with EMM STATUS */
        uint8_t cause = in.pd == NAS_PD_EMM ? nas_err_emm_cause(in.err.code) : 0;
        if (cause) {
            msg_init(&m, NAS_MSG_EMM_STATUS);
            m.emm_status.emm_cause = cause;
            out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        }
        return;
    }
    if (!verified && ue->sec_valid && !plain_allowed(in.id))
        return; /* TS 24.301 4.4.4.2 */
    if (in.pd == NAS_PD_ESM) {
        on_esm(ue, cfg, &in, o);
        return;
    }
    /* An Identity or Authentication Request that came without integrity
     * protection means the network has no security context for us (it
     * did not know the GUTI, or lost the context): answer unprotected,
     * as it can then read nothing else; TS 24.301 4.4.4.3 lets it
     * process these answers so.  A protected request gets a protected
     * answer (4.4.5). */
    enum nas_sec_hdr reply = verified ? NAS_SEC_HDR_INTEGRITY_CIPHERED : NAS_SEC_HDR_PLAIN;
    switch (in.id) {
    case NAS_MSG_IDENTITY_REQUEST:
        on_identity_request(ue, cfg, &in, reply, o);
        break;
    case NAS_MSG_AUTH_REQUEST:
        on_auth_request(ue, cfg, &in, reply, o);
        break;
    case NAS_MSG_AUTH_REJECT:
        /* TS 24.301 5.4.2.5: the USIM is invalid; delete GUTI and keys */
        ue_nas_reset(ue, false);
        fail(o, "auth-reject", 0);
        break;
    case NAS_MSG_ATTACH_ACCEPT:
        on_attach_accept(ue, cfg, &in, o);
        break;
    case NAS_MSG_ATTACH_REJECT:
        fail(o, "attach-reject", in.attach_reject.emm_cause);
        /* TS 24.301 5.5.1.2.5: most causes invalidate the GUTI */
        ue->have_guti = false;
        break;
    case NAS_MSG_DETACH_REQUEST_NW:
        /* TS 24.301 5.5.2.3.2: answer, then the bearers are gone */
        msg_init(&m, NAS_MSG_DETACH_ACCEPT);
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        memset(ue->bearer, 0, sizeof(ue->bearer));
        o->detach_done = true;
        break;
    case NAS_MSG_DETACH_ACCEPT:
        memset(ue->bearer, 0, sizeof(ue->bearer));
        o->detach_done = true;
        break;
    case NAS_MSG_EMM_INFORMATION:
        break; /* TS 24.301 5.4.5.3: accepted, nothing to answer */
    case NAS_MSG_GUTI_REALLOC_COMMAND:
        if (in.guti_realloc_command.guti.type == NAS_EPS_ID_GUTI) {
            ue->guti = in.guti_realloc_command.guti.guti;
            ue->have_guti = true;
        }
        msg_init(&m, NAS_MSG_GUTI_REALLOC_COMPLETE);
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        break;
    case NAS_MSG_SERVICE_REJECT: {
        /* TS 24.301 5.6.1.5 */
        uint8_t c = in.service_reject.emm_cause;
        o->service_rejected = true;
        o->fail = "service-reject";
        o->cause = c;
        if (c == 9) {
            /* UE identity cannot be derived: GUTI, TAI list and KSI gone */
            ue_nas_reset(ue, false);
        } else if (c == 10) {
            /* implicitly detached: EMM-DEREGISTERED, bearers gone */
            memset(ue->bearer, 0, sizeof(ue->bearer));
        }
        break;
    }
    case NAS_MSG_TAU_ACCEPT: {
        /* TS 24.301 5.5.3.2.4 */
        const struct nas_tau_accept *a = &in.tau_accept;
        bool new_guti = a->has_guti && a->guti.type == NAS_EPS_ID_GUTI;
        if (new_guti) {
            ue->guti = a->guti.guti;
            ue->have_guti = true;
        }
        if (a->has_t3412) {
            long t = nas_gprs_timer_seconds(&a->t3412);
            ue->t3412_s = t > 0 ? (uint32_t)t : 0;
        }
        if (a->has_eps_bearer_status) {
            /* bearers the network no longer has are deactivated locally */
            for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
                if (ue->bearer[i].active && ue->bearer[i].ebi < 16 &&
                    !(a->eps_bearer_status & (1u << ue->bearer[i].ebi)))
                    memset(&ue->bearer[i], 0, sizeof(ue->bearer[i]));
        }
        /* TRACKING AREA UPDATE COMPLETE when a GUTI was given */
        if (new_guti) {
            msg_init(&m, NAS_MSG_TAU_COMPLETE);
            out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        }
        o->tau_done = true;
        break;
    }
    case NAS_MSG_TAU_REJECT:
        /* TS 24.301 5.5.3.2.5 */
        o->tau_rejected = true;
        o->fail = "tau-reject";
        o->cause = in.tau_reject.emm_cause;
        if (o->cause == 9 || o->cause == 3 || o->cause == 6 || o->cause == 7)
            ue_nas_reset(ue, false);
        else if (o->cause == 10)
            memset(ue->bearer, 0, sizeof(ue->bearer));
        break;
    case NAS_MSG_DL_GENERIC_NAS_TRANSPORT: {
        /* TS 24.301 5.6.4.2: the container goes to the UE's LPP / LCS
         * entity; this UE's entity answers each container with the same
         * one (5.6.4.3), so that the round trip can be seen */
        const struct nas_dl_generic_nas_transport *g = &in.dl_generic_nas_transport;
        msg_init(&m, NAS_MSG_UL_GENERIC_NAS_TRANSPORT);
        m.ul_generic_nas_transport.generic_msg_container_type = g->generic_msg_container_type;
        m.ul_generic_nas_transport.generic_msg_container = g->generic_msg_container;
        out_add(o, ue, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        o->generic_rx = true;
        break;
    }
    case NAS_MSG_DL_NAS_TRANSPORT:
    case NAS_MSG_EMM_STATUS:
    default:
        break;
    }
}
