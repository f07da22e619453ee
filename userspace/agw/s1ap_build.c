/* S1AP messages that xepc-agwd sends (TS 36.413 clause 9.1).  Each builder
 * fills a struct s1ap_pdu on the stack (lists point to local arrays: the
 * encoder copies everything) and queues it on the right stream. */
#include <arpa/inet.h>
#include <string.h>

#include "agw/agw.h"

static uint16_t ue_stream(const struct agw_ue *ue)
{
    return ue->stream;
}

static void put_teid(uint8_t out[4], uint32_t teid)
{
    out[0] = (uint8_t)(teid >> 24);
    out[1] = (uint8_t)(teid >> 16);
    out[2] = (uint8_t)(teid >> 8);
    out[3] = (uint8_t)teid;
}

/* TS 36.413 9.2.2.1 Transport Layer Address, TS 36.414 5.1: our IPv4
 * address (32 bits), or IPv4 then IPv6 (160 bits) with gtpu.address6, so
 * that an eNB on IPv6 sets its tunnel up over IPv6 (agw_config.c). */
static void put_tla(s1ap_TransportLayerAddress *tla, const struct agw_config *cfg)
{
    tla->buf = cfg->gtpu.tla;
    tla->nbits = cfg->gtpu.tla_bits;
}

/* TS 36.413 9.1.8.5 S1 SETUP RESPONSE */
int s1ap_send_setup_response(struct agw_ctx *ctx, const struct agw_enb *enb)
{
    const struct agw_config *cfg = ctx->cfg;
    struct s1ap_pdu pdu;
    s1ap_PLMNidentity plmn;
    s1ap_MME_Group_ID gid;
    s1ap_MME_Code code;
    s1ap_ServedGUMMEIsItem item;

    s1ap_pdu_init(&pdu, S1AP_MSG_S1SetupResponse);
    s1ap_S1SetupResponse *m = &pdu.u.S1SetupResponse;
    memset(&item, 0, sizeof(item));
    agw_plmn_encode(&cfg->mme.gummei.plmn, plmn);
    gid[0] = (uint8_t)(cfg->mme.gummei.mme_gid >> 8);
    gid[1] = (uint8_t)cfg->mme.gummei.mme_gid;
    code[0] = cfg->mme.gummei.mme_code;
    item.servedPLMNs.count = 1;
    item.servedPLMNs.items = &plmn;
    item.servedGroupIDs.count = 1;
    item.servedGroupIDs.items = &gid;
    item.servedMMECs.count = 1;
    item.servedMMECs.items = &code;
    m->ServedGUMMEIs.count = 1;
    m->ServedGUMMEIs.items = &item;
    if (cfg->mme.name[0]) {
        m->MMEname_present = true;
        m->MMEname.buf = (const uint8_t *)cfg->mme.name;
        m->MMEname.len = (uint32_t)strlen(cfg->mme.name);
    }
    m->RelativeMMECapacity = cfg->mme.relative_capacity;
    return s1ap_path_send(ctx, enb->assoc_id, 0, &pdu);
}

/* TS 36.413 9.1.8.6 S1 SETUP FAILURE, with Time To Wait so that the eNB
 * does not retry at once (8.7.3.4). */
int s1ap_send_setup_failure(struct agw_ctx *ctx, uint32_t assoc_id, const s1ap_Cause *cause,
                            int time_to_wait)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_S1SetupFailure);
    s1ap_S1SetupFailure *m = &pdu.u.S1SetupFailure;
    m->Cause = *cause;
    if (time_to_wait >= 0) {
        m->TimeToWait_present = true;
        m->TimeToWait = (s1ap_TimeToWait)time_to_wait;
    }
    return s1ap_path_send(ctx, assoc_id, 0, &pdu);
}

/* TS 36.413 9.1.7.2 DOWNLINK NAS TRANSPORT */
int s1ap_send_dl_nas(struct agw_ctx *ctx, const struct agw_ue *ue, const uint8_t *nas,
                     size_t len)
{
    struct s1ap_pdu pdu;
    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_DownlinkNASTransport);
    s1ap_DownlinkNASTransport *m = &pdu.u.DownlinkNASTransport;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    m->NAS_PDU.buf = nas;
    m->NAS_PDU.len = (uint32_t)len;
    return s1ap_path_send(ctx, ue->assoc_id, ue_stream(ue), &pdu);
}

static void fill_qos(s1ap_E_RABLevelQoSParameters *q, const struct agw_pdn *p)
{
    memset(q, 0, sizeof(*q));
    q->qCI = p->qci;
    q->allocationRetentionPriority.priorityLevel = p->arp_prio;
    q->allocationRetentionPriority.pre_emptionCapability =
        p->arp_cap ? S1AP_Pre_emptionCapability_may_trigger_pre_emption
                   : S1AP_Pre_emptionCapability_shall_not_trigger_pre_emption;
    q->allocationRetentionPriority.pre_emptionVulnerability =
        p->arp_vul ? S1AP_Pre_emptionVulnerability_pre_emptable
                   : S1AP_Pre_emptionVulnerability_not_pre_emptable;
}

/* TS 33.401 7.2.4.4 / TS 36.413 9.2.1.40: the UE's EEA/EIA capabilities as
 * 16-bit strings, bit 1 = EEA1/EIA1 (EEA0/EIA0 are implied). */
static void fill_ue_sec_caps(s1ap_UESecurityCapabilities *c, const struct agw_ue *ue,
                             uint8_t enc[2], uint8_t integ[2])
{
    /* UE network capability: bit 8 = algorithm 0, bit 7 = algorithm 1 ... */
    enc[0] = (uint8_t)(ue->ue_net_cap.eea << 1);
    enc[1] = 0;
    integ[0] = (uint8_t)(ue->ue_net_cap.eia << 1);
    integ[1] = 0;
    c->encryptionAlgorithms.buf = enc;
    c->encryptionAlgorithms.nbits = 16;
    c->integrityProtectionAlgorithms.buf = integ;
    c->integrityProtectionAlgorithms.nbits = 16;
}

/* TS 36.413 9.1.4.1 INITIAL CONTEXT SETUP REQUEST: the UE's bearers, its
 * security capabilities and KeNB (TS 33.401 A.3 from the uplink NAS COUNT
 * of the message that triggered it), and the NAS PDU (ATTACH ACCEPT) on
 * the default bearer. */
int s1ap_send_ics_request(struct agw_ctx *ctx, struct agw_ue *ue, const uint8_t kenb[32],
                          const uint8_t *nas, size_t nas_len)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeSetupItemCtxtSUReq items[AGW_MAX_PDN + AGW_MAX_DED];
    uint8_t enc[2], integ[2];
    unsigned n = 0;

    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_InitialContextSetupRequest);
    s1ap_InitialContextSetupRequest *m = &pdu.u.InitialContextSetupRequest;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    /* TS 23.401 4.7.3: min(subscribed UE-AMBR, sum of the APN-AMBRs) */
    esm_dqos_ue_ambr(ue, NULL, NULL, &m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL,
                     &m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL);
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct agw_pdn *p = &ue->pdn[i];
        if (p->state == PDN_FREE)
            continue;
        s1ap_E_RABToBeSetupItemCtxtSUReq *it = &items[n++];
        memset(it, 0, sizeof(*it));
        it->e_RAB_ID = p->ebi;
        fill_qos(&it->e_RABlevelQoSParameters, p);
        put_tla(&it->transportLayerAddress, ctx->cfg);
        put_teid(it->gTP_TEID, p->ul_teid);
        if (nas && p->state == PDN_PENDING && nas_len) {
            it->nAS_PDU_present = true;
            it->nAS_PDU.buf = nas;
            it->nAS_PDU.len = (uint32_t)nas_len;
            nas = NULL;
        }
    }
    /* TS 23.401 5.3.4.1 step 4: every EPS bearer, the dedicated ones too */
    n += s1ap_ics_ded_items(ctx, ue, items + n, AGW_MAX_DED);
    m->E_RABToBeSetupListCtxtSUReq.count = n;
    m->E_RABToBeSetupListCtxtSUReq.items = items;
    fill_ue_sec_caps(&m->UESecurityCapabilities, ue, enc, integ);
    m->SecurityKey.buf = kenb;
    m->SecurityKey.nbits = 256;
    ho_nh_init(ue, kenb);   /* the NH chain starts from this KeNB */
    return s1ap_path_send(ctx, ue->assoc_id, ue_stream(ue), &pdu);
}

/* TS 36.413 9.1.3.1 E-RAB SETUP REQUEST with one E-RAB (its id, QoS and
 * tunnel end filled by the caller) and its NAS PDU: a default bearer's
 * (below) or a dedicated one's (s1ap_build_bearer.c). */
int s1ap_send_erab_setup_item(struct agw_ctx *ctx, const struct agw_ue *ue,
                              s1ap_E_RABToBeSetupItemBearerSUReq *it, const uint8_t *nas,
                              size_t nas_len)
{
    struct s1ap_pdu pdu;
    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_E_RABSetupRequest);
    s1ap_E_RABSetupRequest *m = &pdu.u.E_RABSetupRequest;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    it->nAS_PDU.buf = nas;
    it->nAS_PDU.len = (uint32_t)nas_len;
    m->E_RABToBeSetupListBearerSUReq.count = 1;
    m->E_RABToBeSetupListBearerSUReq.items = it;
    return s1ap_path_send(ctx, ue->assoc_id, ue_stream(ue), &pdu);
}

/* One new default bearer (an additional PDN connection) with its ACTIVATE
 * DEFAULT EPS BEARER CONTEXT REQUEST. */
int s1ap_send_erab_setup(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                         const uint8_t *nas, size_t nas_len)
{
    s1ap_E_RABToBeSetupItemBearerSUReq it;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = p->ebi;
    fill_qos(&it.e_RABlevelQoSParameters, p);
    put_tla(&it.transportLayerAddress, ctx->cfg);
    put_teid(it.gTP_TEID, p->ul_teid);
    return s1ap_send_erab_setup_item(ctx, ue, &it, nas, nas_len);
}

/* TS 36.413 9.1.3.5 E-RAB RELEASE COMMAND with the DEACTIVATE EPS BEARER
 * CONTEXT REQUEST. */
int s1ap_send_erab_release(struct agw_ctx *ctx, const struct agw_ue *ue, uint8_t ebi,
                           const uint8_t *nas, size_t nas_len)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABItem it;

    if (!ue->s1)
        return -ENOTCONN;
    s1ap_pdu_init(&pdu, S1AP_MSG_E_RABReleaseCommand);
    s1ap_E_RABReleaseCommand *m = &pdu.u.E_RABReleaseCommand;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = ue->enb_ue_id;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = ebi;
    it.cause.present = S1AP_Cause_PR_nas;
    it.cause.u.nas = S1AP_CauseNas_normal_release;
    m->E_RABToBeReleasedList.count = 1;
    m->E_RABToBeReleasedList.items = &it;
    if (nas) {
        m->NAS_PDU_present = true;
        m->NAS_PDU.buf = nas;
        m->NAS_PDU.len = (uint32_t)nas_len;
    }
    return s1ap_path_send(ctx, ue->assoc_id, ue_stream(ue), &pdu);
}

/* TS 36.413 9.1.4.6 UE CONTEXT RELEASE COMMAND: by the ID pair (the eNB UE
 * S1AP ID may be unknown to us only in error cases, then the MME ID). */
int s1ap_send_ue_release(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                         uint32_t mme_ue_id, const uint32_t *enb_ue_id, const s1ap_Cause *cause)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_UEContextReleaseCommand);
    s1ap_UEContextReleaseCommand *m = &pdu.u.UEContextReleaseCommand;
    if (enb_ue_id) {
        m->UE_S1AP_IDs.present = S1AP_UE_S1AP_IDs_PR_uE_S1AP_ID_pair;
        m->UE_S1AP_IDs.u.uE_S1AP_ID_pair.mME_UE_S1AP_ID = mme_ue_id;
        m->UE_S1AP_IDs.u.uE_S1AP_ID_pair.eNB_UE_S1AP_ID = *enb_ue_id;
    } else {
        m->UE_S1AP_IDs.present = S1AP_UE_S1AP_IDs_PR_mME_UE_S1AP_ID;
        m->UE_S1AP_IDs.u.mME_UE_S1AP_ID = mme_ue_id;
    }
    m->Cause = *cause;
    return s1ap_path_send(ctx, assoc_id, stream, &pdu);
}

/* TS 36.413 9.1.8.2 RESET ACKNOWLEDGE: echo the connections that were
 * reset (partial reset), nothing for a full reset. */
int s1ap_send_reset_ack(struct agw_ctx *ctx, uint32_t assoc_id, const s1ap_Reset *req)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_ResetAcknowledge);
    s1ap_ResetAcknowledge *m = &pdu.u.ResetAcknowledge;
    if (req->ResetType.present == S1AP_ResetType_PR_partOfS1_Interface) {
        /* the list types of request and acknowledge have the same layout */
        m->UE_associatedLogicalS1_ConnectionListResAck_present = true;
        m->UE_associatedLogicalS1_ConnectionListResAck.count =
            req->ResetType.u.partOfS1_Interface.count;
        m->UE_associatedLogicalS1_ConnectionListResAck.items =
            (void *)req->ResetType.u.partOfS1_Interface.items;
    }
    return s1ap_path_send(ctx, assoc_id, 0, &pdu);
}

/* TS 36.413 9.1.8.8 ENB CONFIGURATION UPDATE ACKNOWLEDGE */
int s1ap_send_enb_config_update_ack(struct agw_ctx *ctx, uint32_t assoc_id)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_ENBConfigurationUpdateAcknowledge);
    return s1ap_path_send(ctx, assoc_id, 0, &pdu);
}

/* TS 36.413 9.1.8.? ENB CONFIGURATION UPDATE FAILURE */
int s1ap_send_enb_config_update_failure(struct agw_ctx *ctx, uint32_t assoc_id,
                                        const s1ap_Cause *cause)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_ENBConfigurationUpdateFailure);
    pdu.u.ENBConfigurationUpdateFailure.Cause = *cause;
    return s1ap_path_send(ctx, assoc_id, 0, &pdu);
}

/* TS 36.413 9.1.3? ERROR INDICATION about a message we could not take
 * (clause 10), with the UE IDs when the message carried them. */
int s1ap_send_error_indication(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                               const uint32_t *mme_ue_id, const uint32_t *enb_ue_id,
                               const s1ap_Cause *cause)
{
    return s1ap_send_error_indication_about(ctx, assoc_id, stream, mme_ue_id, enb_ue_id, cause,
                                            NULL);
}

int s1ap_send_error_indication_about(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                                     const uint32_t *mme_ue_id, const uint32_t *enb_ue_id,
                                     const s1ap_Cause *cause, const struct s1ap_pdu *about)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_ErrorIndication);
    s1ap_ErrorIndication *m = &pdu.u.ErrorIndication;
    if (mme_ue_id) {
        m->MME_UE_S1AP_ID_present = true;
        m->MME_UE_S1AP_ID = *mme_ue_id;
    }
    if (enb_ue_id) {
        m->eNB_UE_S1AP_ID_present = true;
        m->eNB_UE_S1AP_ID = *enb_ue_id;
    }
    m->Cause_present = true;
    m->Cause = *cause;
    if (about) {
        /* TS 36.413 10.3.4.1 / 10.4: the Criticality Diagnostics IE of the
         * Error Indication names the procedure code, the triggering
         * message and the procedure criticality of what was received
         * (9.2.1.21); no IE list: every IE was understood */
        s1ap_CriticalityDiagnostics *cd = &m->CriticalityDiagnostics;
        m->CriticalityDiagnostics_present = true;
        cd->procedureCode_present = true;
        cd->procedureCode = about->procedure_code;
        cd->triggeringMessage_present = true;
        cd->triggeringMessage = (s1ap_TriggeringMessage)about->type;
        cd->procedureCriticality_present = true;
        cd->procedureCriticality = (s1ap_Criticality)about->criticality;
    }
    ctx->stats.s1ap_error_indication_tx++;
    return s1ap_path_send(ctx, assoc_id, stream, &pdu);
}

/* An Error Indication built by the codec from a decode error (TS 36.413
 * 10: cause protocol and Criticality Diagnostics). */
int s1ap_send_decode_error(struct agw_ctx *ctx, uint32_t assoc_id, uint16_t stream,
                           const struct s1ap_decode_error *err)
{
    struct s1ap_pdu pdu;
    s1ap_CriticalityDiagnostics_IE_Item items[S1AP_DIAG_MAX_IES];
    if (s1ap_error_indication(&pdu, err, items) < 0)
        return -EINVAL;
    ctx->stats.s1ap_error_indication_tx++;
    return s1ap_path_send(ctx, assoc_id, stream, &pdu);
}
