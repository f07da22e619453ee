/* enbsim: the eNB side of S1AP; see enb_s1ap.h. */
#include "enb_s1ap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sec/kdf.h"

int enb_plmn_parse(const char *mccmnc, uint8_t plmn[3])
{
    /* TS 36.413 9.2.3.8 PLMN identity is TS 24.008's coding, which is also
     * the serving network identity of TS 24.301 9.9.3.32 */
    return sec_plmn_to_sn_id(mccmnc, plmn) ? -EINVAL : 0;
}

static void put_teid(uint8_t t[4], uint32_t teid)
{
    t[0] = teid >> 24;
    t[1] = teid >> 16;
    t[2] = teid >> 8;
    t[3] = teid;
}

static uint32_t get_teid(const uint8_t t[4])
{
    return ((uint32_t)t[0] << 24) | ((uint32_t)t[1] << 16) | ((uint32_t)t[2] << 8) | t[3];
}

static void fill_tai_cgi(const struct enb_cfg *e, s1ap_TAI *tai, s1ap_EUTRAN_CGI *cgi)
{
    memcpy(tai->pLMNidentity, e->plmn, 3);
    tai->tAC[0] = e->tac >> 8;
    tai->tAC[1] = e->tac & 0xff;
    memcpy(cgi->pLMNidentity, e->plmn, 3);
    /* TS 36.413 9.2.1.38: Cell Identity (28 bits) = eNB ID (20) || cell (8) */
    cgi->cell_ID = ((e->enb_id & 0xfffff) << 8) | e->cell;
}

int enb_build_s1_setup_request(const struct enb_cfg *e, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_SupportedTAs_Item ta;
    s1ap_PLMNidentity bplmn;

    if (s1ap_pdu_init(&pdu, S1AP_MSG_S1SetupRequest))
        return -EINVAL;
    s1ap_S1SetupRequest *r = &pdu.u.S1SetupRequest;
    memcpy(r->Global_ENB_ID.pLMNidentity, e->plmn, 3);
    r->Global_ENB_ID.eNB_ID.present = S1AP_ENB_ID_PR_macroENB_ID;
    r->Global_ENB_ID.eNB_ID.u.macroENB_ID = e->enb_id & 0xfffff;
    if (e->name[0]) {
        r->eNBname_present = true;
        r->eNBname.buf = (const uint8_t *)e->name;
        r->eNBname.len = (uint32_t)strlen(e->name);
    }
    memset(&ta, 0, sizeof(ta));
    ta.tAC[0] = e->tac >> 8;
    ta.tAC[1] = e->tac & 0xff;
    memcpy(bplmn, e->plmn, 3);
    ta.broadcastPLMNs.count = 1;
    ta.broadcastPLMNs.items = &bplmn;
    r->SupportedTAs.count = 1;
    r->SupportedTAs.items = &ta;
    r->DefaultPagingDRX = S1AP_PagingDRX_v128;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_initial_ue(const struct enb_cfg *e, uint32_t enb_ue_id, const uint8_t *nas,
                         size_t nas_len, uint8_t *buf, size_t cap)
{
    /* TS 36.331 5.3.3.3: an attach is mo-Signalling */
    return enb_build_initial_ue_ex(e, enb_ue_id, nas, nas_len,
                                   S1AP_RRC_Establishment_Cause_mo_Signalling, NULL, buf, cap);
}

int enb_build_ul_nas(const struct enb_cfg *e, uint32_t mme_ue_id, uint32_t enb_ue_id,
                     const uint8_t *nas, size_t nas_len, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_UplinkNASTransport))
        return -EINVAL;
    s1ap_UplinkNASTransport *m = &pdu.u.UplinkNASTransport;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->NAS_PDU.buf = nas;
    m->NAS_PDU.len = (uint32_t)nas_len;
    fill_tai_cgi(e, &m->TAI, &m->EUTRAN_CGI);
    return s1ap_encode(&pdu, buf, cap);
}

/* TS 36.414 5.1 / TS 36.413 9.2.2.1: IPv4 is 32 bits, IPv6 128; IPv4 and
 * IPv6 together are 160 bits, the IPv4 one first.  Fills e's addresses. */
static int tla_parse(const s1ap_TransportLayerAddress *a, struct enb_erab *e)
{
    e->addr.s_addr = 0;
    e->has6 = false;
    if (a->nbits == 32 || a->nbits == 160)
        memcpy(&e->addr.s_addr, a->buf, 4);
    if (a->nbits == 128 || a->nbits == 160) {
        memcpy(e->addr6.s6_addr, a->buf + (a->nbits == 160 ? 4 : 0), 16);
        e->has6 = true;
    }
    return a->nbits == 32 || a->nbits == 128 || a->nbits == 160 ? 0 : -EAFNOSUPPORT;
}

/* Our address in a response: IPv6 (128 bits) for an eNB on IPv6, else IPv4. */
static void put_tla(s1ap_TransportLayerAddress *t, const struct enb_erab *e)
{
    if (e->has6 && !e->addr.s_addr) {
        t->buf = e->addr6.s6_addr;
        t->nbits = 128;
    } else {
        t->buf = (const uint8_t *)&e->addr.s_addr;
        t->nbits = 32;
    }
}

int enb_build_ics_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const struct enb_erab *erabs,
                           unsigned n, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABSetupItemCtxtSURes items[ENB_ERAB_MAX];
    if (!n || n > ENB_ERAB_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_InitialContextSetupResponse))
        return -EINVAL;
    s1ap_InitialContextSetupResponse *m = &pdu.u.InitialContextSetupResponse;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++) {
        items[i].e_RAB_ID = erabs[i].id;
        put_tla(&items[i].transportLayerAddress, &erabs[i]);
        put_teid(items[i].gTP_TEID, erabs[i].teid);
    }
    m->E_RABSetupListCtxtSURes.count = n;
    m->E_RABSetupListCtxtSURes.items = items;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_erab_setup_response(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                  const struct enb_erab *erabs, unsigned n, uint8_t *buf,
                                  size_t cap)
{
    if (!n)
        return -EINVAL;
    return enb_build_erab_setup_response_failed(mme_ue_id, enb_ue_id, erabs, n, NULL, 0, 0,
                                                buf, cap);
}

int enb_build_erab_setup_response_failed(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                         const struct enb_erab *erabs, unsigned n,
                                         const uint8_t *failed, unsigned n_failed,
                                         unsigned radio_cause, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABSetupItemBearerSURes items[ENB_ERAB_MAX];
    s1ap_E_RABItem fitems[ENB_ERAB_MAX];
    if ((!n && !n_failed) || n > ENB_ERAB_MAX || n_failed > ENB_ERAB_MAX ||
        s1ap_pdu_init(&pdu, S1AP_MSG_E_RABSetupResponse))
        return -EINVAL;
    s1ap_E_RABSetupResponse *m = &pdu.u.E_RABSetupResponse;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++) {
        items[i].e_RAB_ID = erabs[i].id;
        put_tla(&items[i].transportLayerAddress, &erabs[i]);
        put_teid(items[i].gTP_TEID, erabs[i].teid);
    }
    /* TS 36.413 9.1.3.2: each list has at least one item when present */
    m->E_RABSetupListBearerSURes_present = n > 0;
    m->E_RABSetupListBearerSURes.count = n;
    m->E_RABSetupListBearerSURes.items = items;
    memset(fitems, 0, sizeof(fitems));
    for (unsigned i = 0; i < n_failed; i++) {
        fitems[i].e_RAB_ID = failed[i];
        fitems[i].cause.present = S1AP_Cause_PR_radioNetwork;
        fitems[i].cause.u.radioNetwork = (s1ap_CauseRadioNetwork)radio_cause;
    }
    m->E_RABFailedToSetupListBearerSURes_present = n_failed > 0;
    m->E_RABFailedToSetupListBearerSURes.count = n_failed;
    m->E_RABFailedToSetupListBearerSURes.items = fitems;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_erab_release_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ids,
                                    unsigned n, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABReleaseItemBearerRelComp items[ENB_ERAB_MAX];
    if (n > ENB_ERAB_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_E_RABReleaseResponse))
        return -EINVAL;
    s1ap_E_RABReleaseResponse *m = &pdu.u.E_RABReleaseResponse;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++)
        items[i].e_RAB_ID = ids[i];
    if (n) {
        m->E_RABReleaseListBearerRelComp_present = true;
        m->E_RABReleaseListBearerRelComp.count = n;
        m->E_RABReleaseListBearerRelComp.items = items;
    }
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_ue_ctx_release_complete(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf,
                                      size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_UEContextReleaseComplete))
        return -EINVAL;
    pdu.u.UEContextReleaseComplete.MME_UE_S1AP_ID = mme_ue_id;
    pdu.u.UEContextReleaseComplete.eNB_UE_S1AP_ID = enb_ue_id;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_ue_ctx_release_request(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf,
                                     size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_UEContextReleaseRequest))
        return -EINVAL;
    s1ap_UEContextReleaseRequest *m = &pdu.u.UEContextReleaseRequest;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = S1AP_CauseRadioNetwork_user_inactivity;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_add_unknown_ie(uint8_t *buf, size_t len, size_t cap)
{
    /* APER of an S1AP-PDU (TS 36.413 9.3, X.691): octet 0 the CHOICE, 1 the
     * procedure code, 2 the criticality, 3 the open type's length (short
     * form < 128), then the message: octet 4 its extension bit, 5-6 the
     * number of IEs, then the IEs (id 2 octets, criticality 1, length,
     * value). */
    static const uint8_t ie[] = {0x27, 0x0f, 0x00, 0x01, 0x00}; /* id 9999, reject */
    if (len < 7 || len + sizeof(ie) > cap || (buf[3] & 0x80) ||
        buf[3] + sizeof(ie) >= 128 || (size_t)buf[3] + 4 != len)
        return -EINVAL;
    unsigned n = ((unsigned)buf[5] << 8 | buf[6]) + 1;
    buf[5] = (uint8_t)(n >> 8);
    buf[6] = (uint8_t)n;
    buf[3] = (uint8_t)(buf[3] + sizeof(ie));
    memcpy(buf + len, ie, sizeof(ie));
    return (int)(len + sizeof(ie));
}

void enb_cause_str(const s1ap_Cause *c, char *out, size_t cap)
{
    const struct aper_type *t = &s1ap_desc_Cause;
    if (!c->present || c->present > t->n_items) {
        snprintf(out, cap, "none");
        return;
    }
    const struct aper_member *mb = &t->members[c->present - 1];
    unsigned v = (unsigned)c->u.misc; /* every alternative is an ENUMERATED */
    const struct aper_type *et = mb->type;
    if (et && et->enum_names && v < et->n_items)
        snprintf(out, cap, "%s/%s", mb->name, et->enum_names[v]);
    else
        snprintf(out, cap, "%s/%u", mb->name, v);
}

static void copy_str(char *dst, size_t cap, const struct aper_octets *o)
{
    size_t n = o->len < cap - 1 ? o->len : cap - 1;
    memcpy(dst, o->buf, n);
    dst[n] = 0;
}

int enb_parse_dl(const uint8_t *buf, size_t len, struct enb_dl *out, void *arena,
                 size_t arena_cap)
{
    static struct s1ap_pdu pdu_storage; /* large: not on the stack */
    struct s1ap_pdu *pdu = &pdu_storage;
    struct aper_arena a;
    struct s1ap_decode_error err;

    memset(out, 0, sizeof(*out));
    out->time_to_wait_s = -1;
    aper_arena_init(&a, arena, arena_cap);
    int rc = s1ap_decode(buf, len, pdu, &a, &err);
    if (rc < 0) {
        out->kind = S1AP_MSG_NONE;
        if (err.mme_ue_s1ap_id_present && err.enb_ue_s1ap_id_present) {
            out->has_ids = true;
            out->mme_ue_id = err.mme_ue_s1ap_id;
            out->enb_ue_id = err.enb_ue_s1ap_id;
        }
        return rc;
    }
    out->kind = pdu->kind;
    switch (pdu->kind) {
    case S1AP_MSG_S1SetupResponse:
        if (pdu->u.S1SetupResponse.MMEname_present)
            copy_str(out->mme_name, sizeof(out->mme_name), &pdu->u.S1SetupResponse.MMEname);
        break;
    case S1AP_MSG_S1SetupFailure: {
        static const int ttw[] = {1, 2, 5, 10, 20, 60};
        s1ap_S1SetupFailure *f = &pdu->u.S1SetupFailure;
        enb_cause_str(&f->Cause, out->cause, sizeof(out->cause));
        if (f->TimeToWait_present && (unsigned)f->TimeToWait < 6)
            out->time_to_wait_s = ttw[f->TimeToWait];
        break;
    }
    case S1AP_MSG_DownlinkNASTransport: {
        s1ap_DownlinkNASTransport *m = &pdu->u.DownlinkNASTransport;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        out->nas = m->NAS_PDU.buf;
        out->nas_len = m->NAS_PDU.len;
        break;
    }
    case S1AP_MSG_InitialContextSetupRequest: {
        s1ap_InitialContextSetupRequest *m = &pdu->u.InitialContextSetupRequest;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        for (uint32_t i = 0; i < m->E_RABToBeSetupListCtxtSUReq.count && i < ENB_ERAB_MAX;
             i++) {
            s1ap_E_RABToBeSetupItemCtxtSUReq *it = &m->E_RABToBeSetupListCtxtSUReq.items[i];
            struct enb_erab *e = &out->erab[out->n_erab];
            e->id = (uint8_t)it->e_RAB_ID;
            e->teid = get_teid(it->gTP_TEID);
            if (tla_parse(&it->transportLayerAddress, e))
                continue;
            if (it->nAS_PDU_present) {
                e->nas = it->nAS_PDU.buf;
                e->nas_len = it->nAS_PDU.len;
            }
            out->n_erab++;
        }
        if (m->SecurityKey.nbits == 256) {
            memcpy(out->kenb, m->SecurityKey.buf, 32);
            out->has_kenb = true;
        }
        break;
    }
    case S1AP_MSG_E_RABSetupRequest: {
        s1ap_E_RABSetupRequest *m = &pdu->u.E_RABSetupRequest;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        for (uint32_t i = 0; i < m->E_RABToBeSetupListBearerSUReq.count && i < ENB_ERAB_MAX;
             i++) {
            s1ap_E_RABToBeSetupItemBearerSUReq *it = &m->E_RABToBeSetupListBearerSUReq.items[i];
            struct enb_erab *e = &out->erab[out->n_erab];
            e->id = (uint8_t)it->e_RAB_ID;
            e->teid = get_teid(it->gTP_TEID);
            if (tla_parse(&it->transportLayerAddress, e))
                continue;
            e->nas = it->nAS_PDU.buf;
            e->nas_len = it->nAS_PDU.len;
            out->n_erab++;
        }
        break;
    }
    case S1AP_MSG_E_RABReleaseCommand: {
        s1ap_E_RABReleaseCommand *m = &pdu->u.E_RABReleaseCommand;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        for (uint32_t i = 0; i < m->E_RABToBeReleasedList.count && i < ENB_ERAB_MAX; i++)
            out->erab[out->n_erab++].id = (uint8_t)m->E_RABToBeReleasedList.items[i].e_RAB_ID;
        if (m->NAS_PDU_present) {
            out->nas = m->NAS_PDU.buf;
            out->nas_len = m->NAS_PDU.len;
        }
        break;
    }
    case S1AP_MSG_UEContextReleaseCommand: {
        s1ap_UEContextReleaseCommand *m = &pdu->u.UEContextReleaseCommand;
        out->has_ids = true;
        if (m->UE_S1AP_IDs.present == S1AP_UE_S1AP_IDs_PR_uE_S1AP_ID_pair) {
            out->mme_ue_id = m->UE_S1AP_IDs.u.uE_S1AP_ID_pair.mME_UE_S1AP_ID;
            out->enb_ue_id = m->UE_S1AP_IDs.u.uE_S1AP_ID_pair.eNB_UE_S1AP_ID;
            out->has_enb_ue_id = true;
        } else {
            out->mme_ue_id = m->UE_S1AP_IDs.u.mME_UE_S1AP_ID;
        }
        enb_cause_str(&m->Cause, out->cause, sizeof(out->cause));
        break;
    }
    case S1AP_MSG_ErrorIndication: {
        s1ap_ErrorIndication *m = &pdu->u.ErrorIndication;
        /* TS 36.413 9.1.3.7: either ID may come alone */
        if (m->eNB_UE_S1AP_ID_present) {
            out->has_ids = out->has_enb_ue_id = true;
            out->enb_ue_id = m->eNB_UE_S1AP_ID;
        }
        if (m->MME_UE_S1AP_ID_present) {
            out->has_ids = true;
            out->mme_ue_id = m->MME_UE_S1AP_ID;
        }
        if (m->Cause_present)
            enb_cause_str(&m->Cause, out->cause, sizeof(out->cause));
        break;
    }
    case S1AP_MSG_Paging: {
        s1ap_Paging *m = &pdu->u.Paging;
        /* TS 36.413 9.1.6, 9.2.3.13: the UE is paged by S-TMSI or IMSI */
        if (m->UEPagingID.present == S1AP_UEPagingID_PR_s_TMSI) {
            out->page_stmsi = true;
            out->page_mmec = m->UEPagingID.u.s_TMSI.mMEC[0];
            out->page_mtmsi = get_teid(m->UEPagingID.u.s_TMSI.m_TMSI);
        } else if (m->UEPagingID.present == S1AP_UEPagingID_PR_iMSI) {
            /* TS 36.413 9.2.3.11: IMSI in TBCD, digits low nibble first,
             * a filler 1111 after an odd number */
            const s1ap_IMSI *im = &m->UEPagingID.u.iMSI;
            size_t k = 0;
            for (uint32_t i = 0; i < 2 * im->len && k + 1 < sizeof(out->page_imsi); i++) {
                uint8_t d = i & 1 ? im->buf[i / 2] >> 4 : im->buf[i / 2] & 0xf;
                if (d > 9)
                    break;
                out->page_imsi[k++] = (char)('0' + d);
            }
            out->page_imsi[k] = 0;
        }
        out->page_cs = m->CNDomain == S1AP_CNDomain_cs;
        break;
    }
    case S1AP_MSG_PathSwitchRequestAcknowledge: {
        s1ap_PathSwitchRequestAcknowledge *m = &pdu->u.PathSwitchRequestAcknowledge;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        if (m->SecurityContext.nextHopParameter.nbits == 256) {
            out->has_nh = true;
            out->ncc = (uint8_t)(m->SecurityContext.nextHopChainingCount & 7);
            memcpy(out->nh, m->SecurityContext.nextHopParameter.buf, 32);
        }
        /* TS 36.413 8.4.4.2: new uplink tunnel end points, if any */
        if (m->E_RABToBeSwitchedULList_present)
            for (uint32_t i = 0; i < m->E_RABToBeSwitchedULList.count && i < ENB_ERAB_MAX;
                 i++) {
                s1ap_E_RABToBeSwitchedULItem *it = &m->E_RABToBeSwitchedULList.items[i];
                struct enb_erab *e = &out->erab[out->n_erab];
                e->id = (uint8_t)it->e_RAB_ID;
                e->teid = get_teid(it->gTP_TEID);
                if (tla_parse(&it->transportLayerAddress, e))
                    continue;
                out->n_erab++;
            }
        break;
    }
    case S1AP_MSG_HandoverRequest: {
        s1ap_HandoverRequest *m = &pdu->u.HandoverRequest;
        /* 9.1.5.4: the target has no eNB UE S1AP ID for the UE yet */
        out->has_ids = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        for (uint32_t i = 0; i < m->E_RABToBeSetupListHOReq.count && i < ENB_ERAB_MAX; i++) {
            s1ap_E_RABToBeSetupItemHOReq *it = &m->E_RABToBeSetupListHOReq.items[i];
            struct enb_erab *e = &out->erab[out->n_erab];
            e->id = (uint8_t)it->e_RAB_ID;
            e->teid = get_teid(it->gTP_TEID);
            if (tla_parse(&it->transportLayerAddress, e))
                continue;
            out->n_erab++;
        }
        if (m->SecurityContext.nextHopParameter.nbits == 256) {
            out->has_nh = true;
            out->ncc = (uint8_t)(m->SecurityContext.nextHopChainingCount & 7);
            memcpy(out->nh, m->SecurityContext.nextHopParameter.buf, 32);
        }
        enb_cause_str(&m->Cause, out->cause, sizeof(out->cause));
        break;
    }
    case S1AP_MSG_HandoverCommand:
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = pdu->u.HandoverCommand.MME_UE_S1AP_ID;
        out->enb_ue_id = pdu->u.HandoverCommand.eNB_UE_S1AP_ID;
        break;
    case S1AP_MSG_HandoverPreparationFailure:
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = pdu->u.HandoverPreparationFailure.MME_UE_S1AP_ID;
        out->enb_ue_id = pdu->u.HandoverPreparationFailure.eNB_UE_S1AP_ID;
        enb_cause_str(&pdu->u.HandoverPreparationFailure.Cause, out->cause, sizeof(out->cause));
        break;
    case S1AP_MSG_MMEStatusTransfer:
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = pdu->u.MMEStatusTransfer.MME_UE_S1AP_ID;
        out->enb_ue_id = pdu->u.MMEStatusTransfer.eNB_UE_S1AP_ID;
        break;
    case S1AP_MSG_HandoverCancelAcknowledge:
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = pdu->u.HandoverCancelAcknowledge.MME_UE_S1AP_ID;
        out->enb_ue_id = pdu->u.HandoverCancelAcknowledge.eNB_UE_S1AP_ID;
        break;
    case S1AP_MSG_PathSwitchRequestFailure: {
        s1ap_PathSwitchRequestFailure *m = &pdu->u.PathSwitchRequestFailure;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        enb_cause_str(&m->Cause, out->cause, sizeof(out->cause));
        break;
    }
    case S1AP_MSG_Reset: {
        s1ap_Reset *m = &pdu->u.Reset;
        enb_cause_str(&m->Cause, out->cause, sizeof(out->cause));
        if (m->ResetType.present == S1AP_ResetType_PR_s1_Interface) {
            out->reset_all = true;
        } else if (m->ResetType.present == S1AP_ResetType_PR_partOfS1_Interface) {
            s1ap_UE_associatedLogicalS1_ConnectionListRes *l = &m->ResetType.u.partOfS1_Interface;
            for (uint32_t i = 0; i < l->count; i++) {
                if (out->n_reset == ENB_RESET_MAX) {
                    out->reset_truncated = true;
                    break;
                }
                struct enb_reset_id *r = &out->reset[out->n_reset++];
                r->has_mme = l->items[i].mME_UE_S1AP_ID_present;
                r->mme = l->items[i].mME_UE_S1AP_ID;
                r->has_enb = l->items[i].eNB_UE_S1AP_ID_present;
                r->enb = l->items[i].eNB_UE_S1AP_ID;
            }
        }
        break;
    }
    case S1AP_MSG_E_RABModifyRequest: {
        s1ap_E_RABModifyRequest *m = &pdu->u.E_RABModifyRequest;
        out->has_ids = out->has_enb_ue_id = true;
        out->mme_ue_id = m->MME_UE_S1AP_ID;
        out->enb_ue_id = m->eNB_UE_S1AP_ID;
        for (uint32_t i = 0; i < m->E_RABToBeModifiedListBearerModReq.count && i < ENB_ERAB_MAX;
             i++) {
            s1ap_E_RABToBeModifiedItemBearerModReq *it =
                &m->E_RABToBeModifiedListBearerModReq.items[i];
            struct enb_erab *e = &out->erab[out->n_erab++];
            e->id = (uint8_t)it->e_RAB_ID;
            e->nas = it->nAS_PDU.buf;
            e->nas_len = it->nAS_PDU.len;
        }
        break;
    }
    default:
        break;
    }
    return 0;
}

int enb_build_initial_ue_ex(const struct enb_cfg *e, uint32_t enb_ue_id, const uint8_t *nas,
                            size_t nas_len, unsigned rrc_cause, const struct enb_stmsi *stmsi,
                            uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    if (rrc_cause > S1AP_RRC_Establishment_Cause_mo_ExceptionData ||
        s1ap_pdu_init(&pdu, S1AP_MSG_InitialUEMessage))
        return -EINVAL;
    s1ap_InitialUEMessage *m = &pdu.u.InitialUEMessage;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->NAS_PDU.buf = nas;
    m->NAS_PDU.len = (uint32_t)nas_len;
    fill_tai_cgi(e, &m->TAI, &m->EUTRAN_CGI);
    m->RRC_Establishment_Cause = (s1ap_RRC_Establishment_Cause)rrc_cause;
    if (stmsi) {
        /* TS 36.413 9.2.3.6: S-TMSI = MMEC (1 octet) + M-TMSI (4 octets) */
        m->S_TMSI_present = true;
        m->S_TMSI.mMEC[0] = stmsi->mmec;
        put_teid(m->S_TMSI.m_TMSI, stmsi->m_tmsi);
    }
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_ue_ctx_release_request_cause(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                           unsigned radio_cause, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_UEContextReleaseRequest))
        return -EINVAL;
    s1ap_UEContextReleaseRequest *m = &pdu.u.UEContextReleaseRequest;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = (s1ap_CauseRadioNetwork)radio_cause;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_path_switch_request(const struct enb_cfg *e, uint32_t enb_ue_id,
                                  uint32_t src_mme_ue_id, const struct enb_erab *erabs,
                                  unsigned n, uint16_t eea_caps, uint16_t eia_caps,
                                  uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeSwitchedDLItem items[ENB_ERAB_MAX];
    uint8_t eea[2] = {(uint8_t)(eea_caps >> 8), (uint8_t)eea_caps};
    uint8_t eia[2] = {(uint8_t)(eia_caps >> 8), (uint8_t)eia_caps};
    if (!n || n > ENB_ERAB_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_PathSwitchRequest))
        return -EINVAL;
    s1ap_PathSwitchRequest *m = &pdu.u.PathSwitchRequest;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++) {
        items[i].e_RAB_ID = erabs[i].id;
        put_tla(&items[i].transportLayerAddress, &erabs[i]);
        put_teid(items[i].gTP_TEID, erabs[i].teid);
    }
    m->E_RABToBeSwitchedDLList.count = n;
    m->E_RABToBeSwitchedDLList.items = items;
    m->SourceMME_UE_S1AP_ID = src_mme_ue_id;
    fill_tai_cgi(e, &m->TAI, &m->EUTRAN_CGI);
    /* TS 36.413 9.2.1.40: 16-bit maps, the first bit 128-EEA1 / EIA1 */
    m->UESecurityCapabilities.encryptionAlgorithms.buf = eea;
    m->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    m->UESecurityCapabilities.integrityProtectionAlgorithms.buf = eia;
    m->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    return s1ap_encode(&pdu, buf, cap);
}

/* The RRC containers of the handover's transparent containers (TS 36.413
 * 9.2.1.56/57: HandoverPreparationInformation and HandoverCommand of TS
 * 36.331 10.2.2, UPER).  Both begin with criticalExtensions CHOICE {c1,
 * criticalExtensionsFuture SEQUENCE {}}: one bit 1 selects the empty
 * future extension, the shortest valid value (the simulator has no radio
 * configuration to carry). */
static const uint8_t rrc_empty[1] = {0x80};

int enb_build_ho_required(const struct enb_cfg *src, const struct enb_cfg *tgt,
                          uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_SourceeNB_ToTargeteNB_TransparentContainer c;
    s1ap_LastVisitedCell_Item hist;
    s1ap_TAI tai;
    uint8_t cont[256];
    if (s1ap_pdu_init(&pdu, S1AP_MSG_HandoverRequired))
        return -EINVAL;
    memset(&c, 0, sizeof(c));
    memset(&hist, 0, sizeof(hist));
    c.rRC_Container.buf = rrc_empty;
    c.rRC_Container.len = sizeof(rrc_empty);
    fill_tai_cgi(tgt, &tai, &c.targetCell_ID);
    /* 9.2.1.42 UE History Information: the cell the UE leaves */
    hist.present = S1AP_LastVisitedCell_Item_PR_e_UTRAN_Cell;
    fill_tai_cgi(src, &tai, &hist.u.e_UTRAN_Cell.global_Cell_ID);
    hist.u.e_UTRAN_Cell.cellType.cell_Size = S1AP_Cell_Size_small;
    hist.u.e_UTRAN_Cell.time_UE_StayedInCell = 1;
    c.uE_HistoryInformation.count = 1;
    c.uE_HistoryInformation.items = &hist;
    int clen = aper_encode_complete(&s1ap_desc_SourceeNB_ToTargeteNB_TransparentContainer, &c,
                                    cont, sizeof(cont));
    if (clen < 0)
        return clen;
    s1ap_HandoverRequired *m = &pdu.u.HandoverRequired;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->HandoverType = S1AP_HandoverType_intralte;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = S1AP_CauseRadioNetwork_handover_desirable_for_radio_reason;
    m->TargetID.present = S1AP_TargetID_PR_targeteNB_ID;
    s1ap_TargeteNB_ID *t = &m->TargetID.u.targeteNB_ID;
    memcpy(t->global_ENB_ID.pLMNidentity, tgt->plmn, 3);
    t->global_ENB_ID.eNB_ID.present = S1AP_ENB_ID_PR_macroENB_ID;
    t->global_ENB_ID.eNB_ID.u.macroENB_ID = tgt->enb_id & 0xfffff;
    fill_tai_cgi(tgt, &t->selected_TAI, &c.targetCell_ID);
    m->Source_ToTarget_TransparentContainer.buf = cont;
    m->Source_ToTarget_TransparentContainer.len = (uint32_t)clen;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_ho_request_ack(uint32_t mme_ue_id, uint32_t enb_ue_id,
                             const struct enb_erab *erabs, unsigned n, uint8_t *buf,
                             size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABAdmittedItem items[ENB_ERAB_MAX];
    s1ap_TargeteNB_ToSourceeNB_TransparentContainer c;
    uint8_t cont[64];
    if (!n || n > ENB_ERAB_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_HandoverRequestAcknowledge))
        return -EINVAL;
    memset(&c, 0, sizeof(c));
    c.rRC_Container.buf = rrc_empty;
    c.rRC_Container.len = sizeof(rrc_empty);
    int clen = aper_encode_complete(&s1ap_desc_TargeteNB_ToSourceeNB_TransparentContainer, &c,
                                    cont, sizeof(cont));
    if (clen < 0)
        return clen;
    s1ap_HandoverRequestAcknowledge *m = &pdu.u.HandoverRequestAcknowledge;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++) {
        items[i].e_RAB_ID = erabs[i].id;
        put_tla(&items[i].transportLayerAddress, &erabs[i]);
        put_teid(items[i].gTP_TEID, erabs[i].teid);
    }
    m->E_RABAdmittedList.count = n;
    m->E_RABAdmittedList.items = items;
    m->Target_ToSource_TransparentContainer.buf = cont;
    m->Target_ToSource_TransparentContainer.len = (uint32_t)clen;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_enb_status_transfer(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ebis,
                                  unsigned n, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_Bearers_SubjectToStatusTransfer_Item items[ENB_ERAB_MAX];
    if (!n || n > ENB_ERAB_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_ENBStatusTransfer))
        return -EINVAL;
    s1ap_ENBStatusTransfer *m = &pdu.u.ENBStatusTransfer;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++)
        items[i].e_RAB_ID = ebis[i];   /* 9.2.1.32: PDCP SN and HFN 0 */
    m->eNB_StatusTransfer_TransparentContainer.bearers_SubjectToStatusTransferList.count = n;
    m->eNB_StatusTransfer_TransparentContainer.bearers_SubjectToStatusTransferList.items = items;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_ho_notify(const struct enb_cfg *e, uint32_t mme_ue_id, uint32_t enb_ue_id,
                        uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_HandoverNotify))
        return -EINVAL;
    s1ap_HandoverNotify *m = &pdu.u.HandoverNotify;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    fill_tai_cgi(e, &m->TAI, &m->EUTRAN_CGI);
    return s1ap_encode(&pdu, buf, cap);
}

/* TS 36.413 9.1.7.5 NAS NON DELIVERY INDICATION: the NAS PDU not delivered */
int enb_build_nas_non_delivery(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *nas,
                               size_t nas_len, unsigned rn_cause, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_NASNonDeliveryIndication))
        return -EINVAL;
    s1ap_NASNonDeliveryIndication *m = &pdu.u.NASNonDeliveryIndication;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->NAS_PDU.buf = nas;
    m->NAS_PDU.len = (uint32_t)nas_len;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = (s1ap_CauseRadioNetwork)rn_cause;
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_ho_cancel(uint32_t mme_ue_id, uint32_t enb_ue_id, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    if (s1ap_pdu_init(&pdu, S1AP_MSG_HandoverCancel))
        return -EINVAL;
    s1ap_HandoverCancel *m = &pdu.u.HandoverCancel;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = S1AP_CauseRadioNetwork_handover_cancelled;
    return s1ap_encode(&pdu, buf, cap);
}

static void reset_items(const struct enb_reset_id *ids, unsigned n,
                        s1ap_UE_associatedLogicalS1_ConnectionItem *items)
{
    memset(items, 0, n * sizeof(*items));
    for (unsigned i = 0; i < n; i++) {
        items[i].mME_UE_S1AP_ID_present = ids[i].has_mme;
        items[i].mME_UE_S1AP_ID = ids[i].mme;
        items[i].eNB_UE_S1AP_ID_present = ids[i].has_enb;
        items[i].eNB_UE_S1AP_ID = ids[i].enb;
    }
}

int enb_build_reset(const struct enb_reset_id *ids, unsigned n, uint8_t *buf, size_t cap)
{
    static s1ap_UE_associatedLogicalS1_ConnectionItem items[ENB_RESET_MAX];
    struct s1ap_pdu pdu;
    if (n > ENB_RESET_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_Reset))
        return -EINVAL;
    s1ap_Reset *m = &pdu.u.Reset;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = S1AP_CauseRadioNetwork_unspecified;
    if (!n) {
        m->ResetType.present = S1AP_ResetType_PR_s1_Interface;
        m->ResetType.u.s1_Interface = S1AP_ResetAll_reset_all;
    } else {
        reset_items(ids, n, items);
        m->ResetType.present = S1AP_ResetType_PR_partOfS1_Interface;
        m->ResetType.u.partOfS1_Interface.count = n;
        m->ResetType.u.partOfS1_Interface.items = items;
    }
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_reset_ack(const struct enb_reset_id *ids, unsigned n, uint8_t *buf, size_t cap)
{
    static s1ap_UE_associatedLogicalS1_ConnectionItem items[ENB_RESET_MAX];
    struct s1ap_pdu pdu;
    if (n > ENB_RESET_MAX || s1ap_pdu_init(&pdu, S1AP_MSG_ResetAcknowledge))
        return -EINVAL;
    s1ap_ResetAcknowledge *m = &pdu.u.ResetAcknowledge;
    if (n) {
        reset_items(ids, n, items);
        m->UE_associatedLogicalS1_ConnectionListResAck_present = true;
        m->UE_associatedLogicalS1_ConnectionListResAck.count = n;
        m->UE_associatedLogicalS1_ConnectionListResAck.items = items;
    }
    return s1ap_encode(&pdu, buf, cap);
}

int enb_build_erab_modify_response(uint32_t mme_ue_id, uint32_t enb_ue_id, const uint8_t *ids,
                                   unsigned n, uint8_t *buf, size_t cap)
{
    return enb_build_erab_modify_response_failed(mme_ue_id, enb_ue_id, ids, n, NULL, 0, 0, buf,
                                                 cap);
}

int enb_build_erab_modify_response_failed(uint32_t mme_ue_id, uint32_t enb_ue_id,
                                          const uint8_t *ids, unsigned n,
                                          const uint8_t *failed, unsigned n_failed,
                                          unsigned radio_cause, uint8_t *buf, size_t cap)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABModifyItemBearerModRes items[ENB_ERAB_MAX];
    s1ap_E_RABItem fitems[ENB_ERAB_MAX];
    if (n > ENB_ERAB_MAX || n_failed > ENB_ERAB_MAX ||
        s1ap_pdu_init(&pdu, S1AP_MSG_E_RABModifyResponse))
        return -EINVAL;
    memset(fitems, 0, sizeof(fitems));
    for (unsigned i = 0; i < n_failed; i++) {
        fitems[i].e_RAB_ID = failed[i];
        fitems[i].cause.present = S1AP_Cause_PR_radioNetwork;
        fitems[i].cause.u.radioNetwork = (s1ap_CauseRadioNetwork)radio_cause;
    }
    if (n_failed) {
        pdu.u.E_RABModifyResponse.E_RABFailedToModifyList_present = true;
        pdu.u.E_RABModifyResponse.E_RABFailedToModifyList.count = n_failed;
        pdu.u.E_RABModifyResponse.E_RABFailedToModifyList.items = fitems;
    }
    s1ap_E_RABModifyResponse *m = &pdu.u.E_RABModifyResponse;
    m->MME_UE_S1AP_ID = mme_ue_id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < n; i++)
        items[i].e_RAB_ID = ids[i];
    if (n) {
        m->E_RABModifyListBearerModRes_present = true;
        m->E_RABModifyListBearerModRes.count = n;
        m->E_RABModifyListBearerModRes.items = items;
    }
    return s1ap_encode(&pdu, buf, cap);
}
