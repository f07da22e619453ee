/* enbsim's S1AP (enb_s1ap.c): every message the eNB side builds decodes
 * with the project's codec to what was put in, and the parser reads what
 * an MME sends (built here with the codec directly).
 *
 * `test_enbsim_s1ap --dump` prints the eNB messages of one attach, with
 * real NAS PDUs from the UE side, as "<name> <hex>" lines for
 * enbsim_tshark_test.sh. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"
#include "tools/enbsim/enb_s1ap.h"
#include "tools/enbsim/enbsim.h"

static struct enb_cfg enb;
static uint8_t arena[16384];
static struct s1ap_pdu pdu;

static void enb_init(void)
{
    memset(&enb, 0, sizeof(enb));
    enb.enb_id = 0x12345;
    strcpy(enb.name, "enbsim-1");
    assert_int_equal(enb_plmn_parse("00101", enb.plmn), 0);
    enb.tac = 7;
    enb.cell = 1;
    enb.s1u_addr.s_addr = inet_addr("192.0.2.50");
}

static void decode(const uint8_t *buf, int n, enum s1ap_msg_kind kind)
{
    struct aper_arena a;
    struct s1ap_decode_error err;
    assert_true(n > 0);
    aper_arena_init(&a, arena, sizeof(arena));
    assert_int_equal(s1ap_decode(buf, (size_t)n, &pdu, &a, &err), 0);
    assert_int_equal(err.cause, S1AP_DECODE_OK);
    assert_int_equal(pdu.kind, kind);
}

static void test_s1_setup_request(void **state)
{
    (void)state;
    uint8_t buf[256];
    enb_init();
    int n = enb_build_s1_setup_request(&enb, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_S1SetupRequest);
    s1ap_S1SetupRequest *r = &pdu.u.S1SetupRequest;
    assert_int_equal(r->Global_ENB_ID.eNB_ID.present, S1AP_ENB_ID_PR_macroENB_ID);
    assert_int_equal(r->Global_ENB_ID.eNB_ID.u.macroENB_ID, 0x12345);
    assert_memory_equal(r->Global_ENB_ID.pLMNidentity, "\x00\xf1\x10", 3);
    assert_true(r->eNBname_present);
    assert_int_equal(r->eNBname.len, 8);
    assert_memory_equal(r->eNBname.buf, "enbsim-1", 8);
    assert_int_equal(r->SupportedTAs.count, 1);
    assert_memory_equal(r->SupportedTAs.items[0].tAC, "\x00\x07", 2);
    assert_int_equal(r->SupportedTAs.items[0].broadcastPLMNs.count, 1);
    assert_int_equal(r->DefaultPagingDRX, S1AP_PagingDRX_v128);
}

static void test_initial_ue_and_ul_nas(void **state)
{
    (void)state;
    uint8_t buf[256];
    const uint8_t nas[] = {0x07, 0x41, 0x71};
    enb_init();
    int n = enb_build_initial_ue(&enb, 42, nas, sizeof(nas), buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_InitialUEMessage);
    s1ap_InitialUEMessage *m = &pdu.u.InitialUEMessage;
    assert_int_equal(m->eNB_UE_S1AP_ID, 42);
    assert_int_equal(m->NAS_PDU.len, 3);
    assert_memory_equal(m->NAS_PDU.buf, nas, 3);
    assert_memory_equal(m->TAI.tAC, "\x00\x07", 2);
    assert_int_equal(m->EUTRAN_CGI.cell_ID, 0x1234501);
    assert_int_equal(m->RRC_Establishment_Cause, S1AP_RRC_Establishment_Cause_mo_Signalling);

    n = enb_build_ul_nas(&enb, 7, 42, nas, sizeof(nas), buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_UplinkNASTransport);
    assert_int_equal(pdu.u.UplinkNASTransport.MME_UE_S1AP_ID, 7);
    assert_int_equal(pdu.u.UplinkNASTransport.eNB_UE_S1AP_ID, 42);
    assert_int_equal(pdu.u.UplinkNASTransport.EUTRAN_CGI.cell_ID, 0x1234501);
}

static void test_context_and_erab_responses(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct enb_erab e[2] = {{.id = 5, .teid = 0xa0000001}, {.id = 6, .teid = 0xa0000002}};
    e[0].addr.s_addr = e[1].addr.s_addr = inet_addr("192.0.2.50");
    int n = enb_build_ics_response(7, 42, e, 2, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_InitialContextSetupResponse);
    s1ap_InitialContextSetupResponse *r = &pdu.u.InitialContextSetupResponse;
    assert_int_equal(r->E_RABSetupListCtxtSURes.count, 2);
    assert_int_equal(r->E_RABSetupListCtxtSURes.items[1].e_RAB_ID, 6);
    assert_memory_equal(r->E_RABSetupListCtxtSURes.items[1].gTP_TEID, "\xa0\x00\x00\x02", 4);
    assert_int_equal(r->E_RABSetupListCtxtSURes.items[0].transportLayerAddress.nbits, 32);
    assert_memory_equal(r->E_RABSetupListCtxtSURes.items[0].transportLayerAddress.buf,
                        "\xc0\x00\x02\x32", 4);
    assert_int_equal(enb_build_ics_response(7, 42, e, 0, buf, sizeof(buf)), -EINVAL);

    n = enb_build_erab_setup_response(7, 42, e + 1, 1, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_E_RABSetupResponse);
    assert_true(pdu.u.E_RABSetupResponse.E_RABSetupListBearerSURes_present);
    assert_int_equal(pdu.u.E_RABSetupResponse.E_RABSetupListBearerSURes.items[0].e_RAB_ID, 6);

    /* --bearer-reject: TS 36.413 8.2.1.3, only a Failed to Setup List */
    const uint8_t failed[] = {7};
    n = enb_build_erab_setup_response_failed(7, 42, NULL, 0, failed, 1,
                                             S1AP_CauseRadioNetwork_radio_resources_not_available,
                                             buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_E_RABSetupResponse);
    assert_false(pdu.u.E_RABSetupResponse.E_RABSetupListBearerSURes_present);
    assert_true(pdu.u.E_RABSetupResponse.E_RABFailedToSetupListBearerSURes_present);
    assert_int_equal(pdu.u.E_RABSetupResponse.E_RABFailedToSetupListBearerSURes.count, 1);
    assert_int_equal(pdu.u.E_RABSetupResponse.E_RABFailedToSetupListBearerSURes.items[0].e_RAB_ID,
                     7);
    assert_int_equal(
        pdu.u.E_RABSetupResponse.E_RABFailedToSetupListBearerSURes.items[0].cause.present,
        S1AP_Cause_PR_radioNetwork);
    assert_int_equal(
        pdu.u.E_RABSetupResponse.E_RABFailedToSetupListBearerSURes.items[0].cause.u.radioNetwork,
        S1AP_CauseRadioNetwork_radio_resources_not_available);
    assert_int_equal(enb_build_erab_setup_response_failed(7, 42, NULL, 0, NULL, 0, 0, buf,
                                                          sizeof(buf)), -EINVAL);

    uint8_t ids[] = {6};
    n = enb_build_erab_release_response(7, 42, ids, 1, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_E_RABReleaseResponse);
    assert_int_equal(pdu.u.E_RABReleaseResponse.E_RABReleaseListBearerRelComp.count, 1);

    n = enb_build_ue_ctx_release_complete(7, 42, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_UEContextReleaseComplete);
    assert_int_equal(pdu.u.UEContextReleaseComplete.eNB_UE_S1AP_ID, 42);

    n = enb_build_ue_ctx_release_request(7, 42, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_UEContextReleaseRequest);
    assert_int_equal(pdu.u.UEContextReleaseRequest.Cause.present, S1AP_Cause_PR_radioNetwork);
}

static void test_unknown_ie_rejected_by_the_codec(void **state)
{
    (void)state;
    uint8_t buf[256];
    const uint8_t nas[] = {0x07, 0x41, 0x71};
    struct aper_arena a;
    struct s1ap_decode_error err;
    enb_init();
    int n = enb_build_initial_ue(&enb, 42, nas, sizeof(nas), buf, sizeof(buf));
    int m = enb_add_unknown_ie(buf, (size_t)n, sizeof(buf));
    assert_int_equal(m, n + 5);
    aper_arena_init(&a, arena, sizeof(arena));
    /* TS 36.413 10.3.4.2: not comprehended, criticality reject */
    assert_int_equal(s1ap_decode(buf, (size_t)m, &pdu, &a, &err), -EPROTO);
    assert_int_equal(err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_true(err.n_ies >= 1);
    assert_int_equal(err.ies[0].id, 9999);
    assert_true(err.enb_ue_s1ap_id_present);
    assert_int_equal(err.enb_ue_s1ap_id, 42);
    /* a length in the long form is refused, not mangled */
    assert_int_equal(enb_add_unknown_ie(buf, 300, sizeof(buf)), -EINVAL);
}

/* --- what the MME sends, built with the codec, read by enb_parse_dl --- */

static uint8_t mbuf[1024];
static struct enb_dl dl;

static int mme_encode(struct s1ap_pdu *p)
{
    int n = s1ap_encode(p, mbuf, sizeof(mbuf));
    assert_true(n > 0);
    assert_int_equal(enb_parse_dl(mbuf, (size_t)n, &dl, arena, sizeof(arena)), 0);
    assert_int_equal(dl.kind, p->kind);
    return n;
}

static void test_parse_s1_setup_failure_cause_and_wait(void **state)
{
    (void)state;
    struct s1ap_pdu p;
    s1ap_pdu_init(&p, S1AP_MSG_S1SetupFailure);
    p.u.S1SetupFailure.Cause.present = S1AP_Cause_PR_misc;
    p.u.S1SetupFailure.Cause.u.misc = S1AP_CauseMisc_unknown_PLMN;
    p.u.S1SetupFailure.TimeToWait_present = true;
    p.u.S1SetupFailure.TimeToWait = S1AP_TimeToWait_v10s;
    mme_encode(&p);
    assert_string_equal(dl.cause, "misc/unknown-PLMN");
    assert_int_equal(dl.time_to_wait_s, 10);
}

static void test_parse_ics_request(void **state)
{
    (void)state;
    struct s1ap_pdu p;
    s1ap_E_RABToBeSetupItemCtxtSUReq it;
    uint8_t key[32], gw[4] = {192, 0, 2, 10}, nas[] = {0x27, 1, 2, 3, 4, 5, 0x07, 0x42};
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    s1ap_pdu_init(&p, S1AP_MSG_InitialContextSetupRequest);
    s1ap_InitialContextSetupRequest *r = &p.u.InitialContextSetupRequest;
    r->MME_UE_S1AP_ID = 9;
    r->eNB_UE_S1AP_ID = 3;
    r->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = 1000000;
    r->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = 1000000;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = 5;
    it.e_RABlevelQoSParameters.qCI = 9;
    it.e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel = 15;
    it.transportLayerAddress.buf = gw;
    it.transportLayerAddress.nbits = 32;
    memcpy(it.gTP_TEID, "\x00\x00\x01\x02", 4);
    it.nAS_PDU_present = true;
    it.nAS_PDU.buf = nas;
    it.nAS_PDU.len = sizeof(nas);
    r->E_RABToBeSetupListCtxtSUReq.count = 1;
    r->E_RABToBeSetupListCtxtSUReq.items = &it;
    uint8_t alg[2] = {0xe0, 0};
    r->UESecurityCapabilities.encryptionAlgorithms.buf = alg;
    r->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    r->UESecurityCapabilities.integrityProtectionAlgorithms.buf = alg;
    r->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    r->SecurityKey.buf = key;
    r->SecurityKey.nbits = 256;
    mme_encode(&p);
    assert_int_equal(dl.mme_ue_id, 9);
    assert_int_equal(dl.enb_ue_id, 3);
    assert_int_equal(dl.n_erab, 1);
    assert_int_equal(dl.erab[0].id, 5);
    assert_int_equal(dl.erab[0].teid, 0x102);
    assert_int_equal(dl.erab[0].addr.s_addr, inet_addr("192.0.2.10"));
    assert_int_equal(dl.erab[0].nas_len, sizeof(nas));
    assert_true(dl.has_kenb);
    assert_memory_equal(dl.kenb, key, 32);
}

/* TS 36.414 5.1: the gateway's IPv4 + IPv6 address (160 bits) gives both;
 * an eNB on IPv6 (--s1u-addr6) answers with its 128-bit address */
static void test_ipv6_transport_layer_address(void **state)
{
    (void)state;
    struct s1ap_pdu p;
    s1ap_E_RABToBeSetupItemBearerSUReq it;
    uint8_t gw[20] = {192, 0, 2, 10, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t nas[] = {0x27, 1, 2, 3, 4, 5, 0x07, 0x42}, buf[256];
    struct in6_addr a6;
    s1ap_pdu_init(&p, S1AP_MSG_E_RABSetupRequest);
    p.u.E_RABSetupRequest.MME_UE_S1AP_ID = 9;
    p.u.E_RABSetupRequest.eNB_UE_S1AP_ID = 3;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = 6;
    it.e_RABlevelQoSParameters.qCI = 9;
    it.e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel = 15;
    it.transportLayerAddress.buf = gw;
    it.transportLayerAddress.nbits = 160;
    memcpy(it.gTP_TEID, "\x00\x00\x01\x02", 4);
    it.nAS_PDU.buf = nas;
    it.nAS_PDU.len = sizeof(nas);
    p.u.E_RABSetupRequest.E_RABToBeSetupListBearerSUReq.count = 1;
    p.u.E_RABSetupRequest.E_RABToBeSetupListBearerSUReq.items = &it;
    mme_encode(&p);
    assert_int_equal(dl.n_erab, 1);
    assert_int_equal(dl.erab[0].addr.s_addr, inet_addr("192.0.2.10"));
    assert_true(dl.erab[0].has6);
    inet_pton(AF_INET6, "2001:db8:1::1", &a6);
    assert_memory_equal(&dl.erab[0].addr6, &a6, 16);

    struct enb_erab e = {.id = 6, .teid = 0xa0000002, .has6 = true};
    inet_pton(AF_INET6, "2001:db8:1::2", &e.addr6);
    int n = enb_build_erab_setup_response(9, 3, &e, 1, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_E_RABSetupResponse);
    const s1ap_TransportLayerAddress *t =
        &pdu.u.E_RABSetupResponse.E_RABSetupListBearerSURes.items[0].transportLayerAddress;
    assert_int_equal(t->nbits, 128);
    assert_memory_equal(t->buf, e.addr6.s6_addr, 16);
}

static void test_parse_release_command_and_dl_nas(void **state)
{
    (void)state;
    struct s1ap_pdu p;
    s1ap_pdu_init(&p, S1AP_MSG_UEContextReleaseCommand);
    p.u.UEContextReleaseCommand.UE_S1AP_IDs.present = S1AP_UE_S1AP_IDs_PR_mME_UE_S1AP_ID;
    p.u.UEContextReleaseCommand.UE_S1AP_IDs.u.mME_UE_S1AP_ID = 77;
    p.u.UEContextReleaseCommand.Cause.present = S1AP_Cause_PR_nas;
    p.u.UEContextReleaseCommand.Cause.u.nas = S1AP_CauseNas_detach;
    mme_encode(&p);
    assert_int_equal(dl.mme_ue_id, 77);
    assert_false(dl.has_enb_ue_id);
    assert_string_equal(dl.cause, "nas/detach");

    uint8_t nas[] = {0x07, 0x55, 0x01};
    s1ap_pdu_init(&p, S1AP_MSG_DownlinkNASTransport);
    p.u.DownlinkNASTransport.MME_UE_S1AP_ID = 1;
    p.u.DownlinkNASTransport.eNB_UE_S1AP_ID = 2;
    p.u.DownlinkNASTransport.NAS_PDU.buf = nas;
    p.u.DownlinkNASTransport.NAS_PDU.len = 3;
    mme_encode(&p);
    assert_int_equal(dl.nas_len, 3);
    assert_memory_equal(dl.nas, nas, 3);

    /* a truncated message is refused, not read */
    int n = s1ap_encode(&p, mbuf, sizeof(mbuf));
    assert_true(enb_parse_dl(mbuf, (size_t)n - 2, &dl, arena, sizeof(arena)) < 0);
}


static void test_mobility_messages_decode(void **state)
{
    (void)state;
    uint8_t buf[1024];
    enb_init();
    /* Initial UE Message of a Service Request: cause and S-TMSI (8.6.2.1) */
    const uint8_t sr[] = {0xc7, 0x25, 0xab, 0xcd};
    struct enb_stmsi st = {.mmec = 0x21, .m_tmsi = 0xc0ffee01};
    int n = enb_build_initial_ue_ex(&enb, 4, sr, sizeof(sr),
                                    S1AP_RRC_Establishment_Cause_mt_Access, &st, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_InitialUEMessage);
    assert_int_equal(pdu.u.InitialUEMessage.RRC_Establishment_Cause,
                     S1AP_RRC_Establishment_Cause_mt_Access);
    assert_true(pdu.u.InitialUEMessage.S_TMSI_present);
    assert_int_equal(pdu.u.InitialUEMessage.S_TMSI.mMEC[0], 0x21);
    assert_memory_equal(pdu.u.InitialUEMessage.S_TMSI.m_TMSI, "\xc0\xff\xee\x01", 4);
    assert_int_equal(pdu.u.InitialUEMessage.NAS_PDU.len, 4);
    assert_true(enb_build_initial_ue_ex(&enb, 4, sr, 4, 99, NULL, buf, sizeof(buf)) < 0);

    /* UE Context Release Request, radio connection with UE lost */
    n = enb_build_ue_ctx_release_request_cause(
        7, 8, S1AP_CauseRadioNetwork_radio_connection_with_ue_lost, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_UEContextReleaseRequest);
    assert_int_equal(pdu.u.UEContextReleaseRequest.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_radio_connection_with_ue_lost);

    /* Path Switch Request (8.4.4.2) */
    struct enb_erab e[2] = {{.id = 5, .teid = 0x04000015, .addr = enb.s1u_addr},
                            {.id = 6, .teid = 0x04000016, .addr = enb.s1u_addr}};
    n = enb_build_path_switch_request(&enb, 0x1234, 77, e, 2, 0xe000, 0xe000, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_PathSwitchRequest);
    s1ap_PathSwitchRequest *ps = &pdu.u.PathSwitchRequest;
    assert_int_equal(ps->eNB_UE_S1AP_ID, 0x1234);
    assert_int_equal(ps->SourceMME_UE_S1AP_ID, 77);
    assert_int_equal(ps->E_RABToBeSwitchedDLList.count, 2);
    assert_int_equal(ps->E_RABToBeSwitchedDLList.items[1].e_RAB_ID, 6);
    assert_memory_equal(ps->E_RABToBeSwitchedDLList.items[1].gTP_TEID, "\x04\x00\x00\x16", 4);
    assert_memory_equal(ps->E_RABToBeSwitchedDLList.items[0].transportLayerAddress.buf,
                        &enb.s1u_addr.s_addr, 4);
    assert_int_equal(ps->UESecurityCapabilities.encryptionAlgorithms.nbits, 16);
    assert_int_equal(ps->UESecurityCapabilities.encryptionAlgorithms.buf[0], 0xe0);
    assert_int_equal(ps->TAI.tAC[1], 7);

    /* Reset: all, partial; Reset Acknowledge naming the same connections */
    n = enb_build_reset(NULL, 0, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_Reset);
    assert_int_equal(pdu.u.Reset.ResetType.present, S1AP_ResetType_PR_s1_Interface);
    struct enb_reset_id ids[2] = {{.has_mme = true, .mme = 9, .has_enb = true, .enb = 10},
                                  {.has_enb = true, .enb = 11}};
    n = enb_build_reset(ids, 2, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_Reset);
    assert_int_equal(pdu.u.Reset.ResetType.u.partOfS1_Interface.count, 2);
    assert_false(pdu.u.Reset.ResetType.u.partOfS1_Interface.items[1].mME_UE_S1AP_ID_present);
    n = enb_build_reset_ack(ids, 2, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_ResetAcknowledge);
    assert_int_equal(pdu.u.ResetAcknowledge.UE_associatedLogicalS1_ConnectionListResAck.count, 2);
    n = enb_build_reset_ack(NULL, 0, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_ResetAcknowledge);
    assert_false(pdu.u.ResetAcknowledge.UE_associatedLogicalS1_ConnectionListResAck_present);

    /* E-RAB Modify Response */
    uint8_t mids[] = {6};
    n = enb_build_erab_modify_response(3, 4, mids, 1, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_E_RABModifyResponse);
    assert_int_equal(pdu.u.E_RABModifyResponse.E_RABModifyListBearerModRes.items[0].e_RAB_ID, 6);
}

/* S1 handover (TS 36.413 8.4.1-8.4.3, 8.4.5-8.4.7): the eNB's messages
 * decode to what was put in, the transparent containers decode as the
 * S1AP container types, and the parser reads Handover Request (E-RABs,
 * Security Context), Command, MME Status Transfer, Preparation Failure
 * and Cancel Acknowledge. */
static void test_s1_handover_messages(void **state)
{
    (void)state;
    uint8_t buf[1024];
    struct enb_cfg tgt;
    enb_init();
    tgt = enb;
    tgt.enb_id = 0x12346;
    tgt.tac = 8;
    int n = enb_build_ho_required(&enb, &tgt, 77, 0x1234, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_HandoverRequired);
    s1ap_HandoverRequired *hr = &pdu.u.HandoverRequired;
    assert_int_equal(hr->MME_UE_S1AP_ID, 77);
    assert_int_equal(hr->eNB_UE_S1AP_ID, 0x1234);
    assert_int_equal(hr->HandoverType, S1AP_HandoverType_intralte);
    assert_int_equal(hr->Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_handover_desirable_for_radio_reason);
    assert_int_equal(hr->TargetID.present, S1AP_TargetID_PR_targeteNB_ID);
    assert_int_equal(hr->TargetID.u.targeteNB_ID.global_ENB_ID.eNB_ID.u.macroENB_ID, 0x12346);
    assert_int_equal(hr->TargetID.u.targeteNB_ID.selected_TAI.tAC[1], 8);
    {
        static uint8_t a2[4096];
        struct aper_arena a;
        struct aper_reader r;
        s1ap_SourceeNB_ToTargeteNB_TransparentContainer c;
        memset(&c, 0, sizeof(c));
        aper_arena_init(&a, a2, sizeof(a2));
        aper_reader_init(&r, hr->Source_ToTarget_TransparentContainer.buf,
                         hr->Source_ToTarget_TransparentContainer.len);
        assert_int_equal(aper_decode_type(&r, &s1ap_desc_SourceeNB_ToTargeteNB_TransparentContainer,
                                          &c, &a, NULL), 0);
        assert_int_equal(c.rRC_Container.len, 1);
        assert_int_equal(c.targetCell_ID.cell_ID, (0x12346u << 8) | 1);
        assert_int_equal(c.uE_HistoryInformation.count, 1);
        assert_int_equal(c.uE_HistoryInformation.items[0].u.e_UTRAN_Cell.global_Cell_ID.cell_ID,
                         (0x12345u << 8) | 1);
    }

    struct enb_erab e[2] = {{.id = 5, .teid = 0x08000015, .addr = tgt.s1u_addr},
                            {.id = 6, .teid = 0x08000016, .addr = tgt.s1u_addr}};
    n = enb_build_ho_request_ack(77, 0x2234, e, 2, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_HandoverRequestAcknowledge);
    s1ap_HandoverRequestAcknowledge *ra = &pdu.u.HandoverRequestAcknowledge;
    assert_int_equal(ra->eNB_UE_S1AP_ID, 0x2234);
    assert_int_equal(ra->E_RABAdmittedList.count, 2);
    assert_memory_equal(ra->E_RABAdmittedList.items[1].gTP_TEID, "\x08\x00\x00\x16", 4);
    assert_int_equal(ra->Target_ToSource_TransparentContainer.len, 3);
    assert_true(enb_build_ho_request_ack(77, 1, e, 0, buf, sizeof(buf)) < 0);

    uint8_t ebis[] = {5, 6};
    n = enb_build_enb_status_transfer(77, 0x1234, ebis, 2, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_ENBStatusTransfer);
    assert_int_equal(pdu.u.ENBStatusTransfer.eNB_StatusTransfer_TransparentContainer
                         .bearers_SubjectToStatusTransferList.count, 2);
    n = enb_build_ho_notify(&tgt, 77, 0x2234, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_HandoverNotify);
    assert_int_equal(pdu.u.HandoverNotify.eNB_UE_S1AP_ID, 0x2234);
    assert_int_equal(pdu.u.HandoverNotify.TAI.tAC[1], 8);
    assert_int_equal(pdu.u.HandoverNotify.EUTRAN_CGI.cell_ID, (0x12346u << 8) | 1);
    n = enb_build_ho_cancel(77, 0x1234, buf, sizeof(buf));
    decode(buf, n, S1AP_MSG_HandoverCancel);
    assert_int_equal(pdu.u.HandoverCancel.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_handover_cancelled);

    /* what the MME sends */
    struct s1ap_pdu p;
    struct enb_dl dl;
    static uint8_t ar[16384];
    uint8_t nh[32];
    memset(nh, 0x3c, sizeof(nh));
    s1ap_E_RABToBeSetupItemHOReq it;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = 5;
    uint8_t gw[4] = {192, 0, 2, 10};
    it.transportLayerAddress.buf = gw;
    it.transportLayerAddress.nbits = 32;
    memcpy(it.gTP_TEID, "\x11\x00\x00\x01", 4);
    uint8_t caps[2] = {0xe0, 0};
    s1ap_pdu_init(&p, S1AP_MSG_HandoverRequest);
    p.u.HandoverRequest.MME_UE_S1AP_ID = 77;
    p.u.HandoverRequest.Cause.present = S1AP_Cause_PR_radioNetwork;
    p.u.HandoverRequest.E_RABToBeSetupListHOReq.count = 1;
    p.u.HandoverRequest.E_RABToBeSetupListHOReq.items = &it;
    p.u.HandoverRequest.Source_ToTarget_TransparentContainer.buf = caps;
    p.u.HandoverRequest.Source_ToTarget_TransparentContainer.len = 1;
    p.u.HandoverRequest.UESecurityCapabilities.encryptionAlgorithms.buf = caps;
    p.u.HandoverRequest.UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    p.u.HandoverRequest.UESecurityCapabilities.integrityProtectionAlgorithms.buf = caps;
    p.u.HandoverRequest.UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    p.u.HandoverRequest.SecurityContext.nextHopChainingCount = 2;
    p.u.HandoverRequest.SecurityContext.nextHopParameter.buf = nh;
    p.u.HandoverRequest.SecurityContext.nextHopParameter.nbits = 256;
    n = s1ap_encode(&p, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(enb_parse_dl(buf, (size_t)n, &dl, ar, sizeof(ar)), 0);
    assert_int_equal(dl.kind, S1AP_MSG_HandoverRequest);
    assert_true(dl.has_ids);
    assert_false(dl.has_enb_ue_id);
    assert_int_equal(dl.mme_ue_id, 77);
    assert_int_equal(dl.n_erab, 1);
    assert_int_equal(dl.erab[0].id, 5);
    assert_int_equal(dl.erab[0].teid, 0x11000001);
    assert_memory_equal(&dl.erab[0].addr.s_addr, gw, 4);
    assert_true(dl.has_nh);
    assert_int_equal(dl.ncc, 2);
    assert_memory_equal(dl.nh, nh, 32);

    s1ap_pdu_init(&p, S1AP_MSG_HandoverCommand);
    p.u.HandoverCommand.MME_UE_S1AP_ID = 77;
    p.u.HandoverCommand.eNB_UE_S1AP_ID = 0x1234;
    p.u.HandoverCommand.Target_ToSource_TransparentContainer.buf = caps;
    p.u.HandoverCommand.Target_ToSource_TransparentContainer.len = 1;
    n = s1ap_encode(&p, buf, sizeof(buf));
    assert_int_equal(enb_parse_dl(buf, (size_t)n, &dl, ar, sizeof(ar)), 0);
    assert_int_equal(dl.kind, S1AP_MSG_HandoverCommand);
    assert_true(dl.has_enb_ue_id);
    assert_int_equal(dl.enb_ue_id, 0x1234);

    s1ap_pdu_init(&p, S1AP_MSG_HandoverPreparationFailure);
    p.u.HandoverPreparationFailure.MME_UE_S1AP_ID = 77;
    p.u.HandoverPreparationFailure.eNB_UE_S1AP_ID = 0x1234;
    p.u.HandoverPreparationFailure.Cause.present = S1AP_Cause_PR_radioNetwork;
    p.u.HandoverPreparationFailure.Cause.u.radioNetwork = S1AP_CauseRadioNetwork_unknown_targetID;
    n = s1ap_encode(&p, buf, sizeof(buf));
    assert_int_equal(enb_parse_dl(buf, (size_t)n, &dl, ar, sizeof(ar)), 0);
    assert_int_equal(dl.kind, S1AP_MSG_HandoverPreparationFailure);
    assert_string_equal(dl.cause, "radioNetwork/unknown-targetID");

    s1ap_pdu_init(&p, S1AP_MSG_MMEStatusTransfer);
    p.u.MMEStatusTransfer.MME_UE_S1AP_ID = 77;
    p.u.MMEStatusTransfer.eNB_UE_S1AP_ID = 0x2234;
    s1ap_Bearers_SubjectToStatusTransfer_Item bst;
    memset(&bst, 0, sizeof(bst));
    bst.e_RAB_ID = 5;
    p.u.MMEStatusTransfer.eNB_StatusTransfer_TransparentContainer
        .bearers_SubjectToStatusTransferList.count = 1;
    p.u.MMEStatusTransfer.eNB_StatusTransfer_TransparentContainer
        .bearers_SubjectToStatusTransferList.items = &bst;
    n = s1ap_encode(&p, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(enb_parse_dl(buf, (size_t)n, &dl, ar, sizeof(ar)), 0);
    assert_int_equal(dl.kind, S1AP_MSG_MMEStatusTransfer);
    assert_int_equal(dl.enb_ue_id, 0x2234);

    s1ap_pdu_init(&p, S1AP_MSG_HandoverCancelAcknowledge);
    p.u.HandoverCancelAcknowledge.MME_UE_S1AP_ID = 77;
    p.u.HandoverCancelAcknowledge.eNB_UE_S1AP_ID = 0x1234;
    n = s1ap_encode(&p, buf, sizeof(buf));
    assert_int_equal(enb_parse_dl(buf, (size_t)n, &dl, ar, sizeof(ar)), 0);
    assert_int_equal(dl.kind, S1AP_MSG_HandoverCancelAcknowledge);
    assert_int_equal(dl.mme_ue_id, 77);
    assert_int_equal(dl.enb_ue_id, 0x1234);
}

static void test_parse_paging_path_switch_ack_reset(void **state)
{
    (void)state;
    struct s1ap_pdu p;
    s1ap_TAIItem tai;
    memset(&tai, 0, sizeof(tai));
    memcpy(tai.tAI.pLMNidentity, "\x00\xf1\x10", 3);
    tai.tAI.tAC[1] = 1;
    s1ap_pdu_init(&p, S1AP_MSG_Paging);
    p.u.Paging.UEIdentityIndexValue = 0x155;
    p.u.Paging.UEPagingID.present = S1AP_UEPagingID_PR_s_TMSI;
    p.u.Paging.UEPagingID.u.s_TMSI.mMEC[0] = 1;
    memcpy(p.u.Paging.UEPagingID.u.s_TMSI.m_TMSI, "\x00\x00\x00\x07", 4);
    p.u.Paging.CNDomain = S1AP_CNDomain_ps;
    p.u.Paging.TAIList.count = 1;
    p.u.Paging.TAIList.items = &tai;
    mme_encode(&p);
    assert_int_equal(dl.kind, S1AP_MSG_Paging);
    assert_true(dl.page_stmsi);
    assert_int_equal(dl.page_mmec, 1);
    assert_int_equal(dl.page_mtmsi, 7);
    assert_false(dl.page_cs);
    /* by IMSI: TBCD, a filler after the odd 15th digit */
    const uint8_t imsi[] = {0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0xf1};
    p.u.Paging.UEPagingID.present = S1AP_UEPagingID_PR_iMSI;
    p.u.Paging.UEPagingID.u.iMSI.buf = imsi;
    p.u.Paging.UEPagingID.u.iMSI.len = sizeof(imsi);
    mme_encode(&p);
    assert_false(dl.page_stmsi);
    assert_string_equal(dl.page_imsi, "001010000000001");

    uint8_t nh[32], gw[4] = {192, 0, 2, 11};
    for (int i = 0; i < 32; i++)
        nh[i] = (uint8_t)(0xa0 + i);
    s1ap_E_RABToBeSwitchedULItem ul;
    memset(&ul, 0, sizeof(ul));
    ul.e_RAB_ID = 5;
    ul.transportLayerAddress.buf = gw;
    ul.transportLayerAddress.nbits = 32;
    memcpy(ul.gTP_TEID, "\x00\x00\x02\x05", 4);
    s1ap_pdu_init(&p, S1AP_MSG_PathSwitchRequestAcknowledge);
    p.u.PathSwitchRequestAcknowledge.MME_UE_S1AP_ID = 12;
    p.u.PathSwitchRequestAcknowledge.eNB_UE_S1AP_ID = 0x4001;
    p.u.PathSwitchRequestAcknowledge.SecurityContext.nextHopChainingCount = 2;
    p.u.PathSwitchRequestAcknowledge.SecurityContext.nextHopParameter.buf = nh;
    p.u.PathSwitchRequestAcknowledge.SecurityContext.nextHopParameter.nbits = 256;
    p.u.PathSwitchRequestAcknowledge.E_RABToBeSwitchedULList_present = true;
    p.u.PathSwitchRequestAcknowledge.E_RABToBeSwitchedULList.count = 1;
    p.u.PathSwitchRequestAcknowledge.E_RABToBeSwitchedULList.items = &ul;
    mme_encode(&p);
    assert_int_equal(dl.kind, S1AP_MSG_PathSwitchRequestAcknowledge);
    assert_int_equal(dl.mme_ue_id, 12);
    assert_int_equal(dl.enb_ue_id, 0x4001);
    assert_true(dl.has_nh);
    assert_int_equal(dl.ncc, 2);
    assert_memory_equal(dl.nh, nh, 32);
    assert_int_equal(dl.n_erab, 1);
    assert_int_equal(dl.erab[0].teid, 0x205);
    assert_int_equal(dl.erab[0].addr.s_addr, inet_addr("192.0.2.11"));

    s1ap_UE_associatedLogicalS1_ConnectionItem it[2];
    memset(it, 0, sizeof(it));
    it[0].mME_UE_S1AP_ID_present = true;
    it[0].mME_UE_S1AP_ID = 3;
    it[1].eNB_UE_S1AP_ID_present = true;
    it[1].eNB_UE_S1AP_ID = 4;
    s1ap_pdu_init(&p, S1AP_MSG_Reset);
    p.u.Reset.Cause.present = S1AP_Cause_PR_misc;
    p.u.Reset.Cause.u.misc = S1AP_CauseMisc_om_intervention;
    p.u.Reset.ResetType.present = S1AP_ResetType_PR_partOfS1_Interface;
    p.u.Reset.ResetType.u.partOfS1_Interface.count = 2;
    p.u.Reset.ResetType.u.partOfS1_Interface.items = it;
    mme_encode(&p);
    assert_int_equal(dl.kind, S1AP_MSG_Reset);
    assert_false(dl.reset_all);
    assert_int_equal(dl.n_reset, 2);
    assert_true(dl.reset[0].has_mme && !dl.reset[0].has_enb);
    assert_int_equal(dl.reset[1].enb, 4);
    assert_string_equal(dl.cause, "misc/om-intervention");
}

/* --dump: one attach's eNB messages with real NAS PDUs. */
static int dump(void)
{
    static struct enbsim_ue ue;
    struct ue_nas_cfg cfg = {.apn = "internet", .imeisv = "3534900698733201"};
    struct usim_sub sub = {.amf = {0x80, 0}};
    uint8_t nas[ENBSIM_NAS_MAX], buf[4096];
    char hex[8200];
    strcpy(sub.imsi, "001010000000001");
    enb_init();
    if (usim_init(&ue.usim, &sub))
        return 1;
    ue.ksi = NAS_KSI_NONE;
    int nn = ue_nas_attach_request(&ue, &cfg, nas, sizeof(nas));
    if (nn < 0)
        return 1;
    struct enb_erab e = {.id = 5, .teid = 0x0e000001, .addr = enb.s1u_addr};
    uint8_t ids[] = {6};
    /* an Authentication Response and an Attach Complete as they look */
    const uint8_t auth_rsp[] = {0x07, 0x53, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t protected_msg[] = {0x27, 0x11, 0x22, 0x33, 0x44, 0x01, 0x07, 0x43, 0x00,
                                     0x03, 0x52, 0x00, 0xc2};
    struct {
        const char *name;
        int n;
    } msgs[24];
    unsigned k = 0;
    static uint8_t bufs[24][1024];
#define ADD(NAME, CALL)                                                                       \
    do {                                                                                      \
        uint8_t *buf_ = bufs[k];                                                              \
        msgs[k].name = NAME;                                                                  \
        msgs[k].n = CALL;                                                                     \
        if (msgs[k].n < 0)                                                                    \
            return 1;                                                                         \
        k++;                                                                                  \
    } while (0)
    ADD("S1SetupRequest", enb_build_s1_setup_request(&enb, buf_, 1024));
    ADD("InitialUEMessage", enb_build_initial_ue(&enb, 1, nas, (size_t)nn, buf_, 1024));
    ADD("UplinkNASTransport",
        enb_build_ul_nas(&enb, 1, 1, auth_rsp, sizeof(auth_rsp), buf_, 1024));
    ADD("InitialContextSetupResponse", enb_build_ics_response(1, 1, &e, 1, buf_, 1024));
    ADD("UplinkNASTransport",
        enb_build_ul_nas(&enb, 1, 1, protected_msg, sizeof(protected_msg), buf_, 1024));
    ADD("E-RABReleaseResponse", enb_build_erab_release_response(1, 1, ids, 1, buf_, 1024));
    ADD("UEContextReleaseRequest", enb_build_ue_ctx_release_request(1, 1, buf_, 1024));
    ADD("UEContextReleaseComplete", enb_build_ue_ctx_release_complete(1, 1, buf_, 1024));
    /* idle mode and mobility: the same UE with a security context (EEA0,
     * so that tshark reads the NAS) and a GUTI */
    static const uint8_t kasme[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    if (nas_sec_ctx_init_kasme(&ue.sec, NAS_SEC_ROLE_UE, 1, 0, 2, kasme) != NAS_SEC_OK)
        return 1;
    ue.sec_valid = true;
    ue.ksi = 1;
    ue.have_guti = true;
    ue.guti = (struct nas_guti){.plmn = {.mcc = 1, .mnc = 1, .mnc_digits = 2},
                                .mmegi = 1, .mmec = 1, .m_tmsi = 0xc0ffee01};
    ue.bearer[0].active = true;
    ue.bearer[0].ebi = 5;
    cfg.plmn = (struct nas_plmn){.mcc = 1, .mnc = 1, .mnc_digits = 2};
    cfg.tac = 7;
    struct enb_stmsi st = {.mmec = 1, .m_tmsi = 0xc0ffee01};
    static uint8_t n2[4][ENBSIM_NAS_MAX];
    int l0 = ue_nas_service_request(&ue, n2[0], ENBSIM_NAS_MAX);
    int l1 = ue_nas_ext_service_request(&ue, n2[1], ENBSIM_NAS_MAX);
    int l2 = ue_nas_tau_request(&ue, &cfg, 3, false, n2[2], ENBSIM_NAS_MAX);
    int l3 = ue_nas_bearer_alloc(&ue, 5, 1, 5000, n2[3], ENBSIM_NAS_MAX);
    if (l0 < 0 || l1 < 0 || l2 < 0 || l3 < 0)
        return 1;
    ADD("InitialUEMessage",
        enb_build_initial_ue_ex(&enb, 2, n2[0], (size_t)l0, S1AP_RRC_Establishment_Cause_mo_Data,
                                &st, buf_, 1024));
    ADD("InitialUEMessage",
        enb_build_initial_ue_ex(&enb, 3, n2[1], (size_t)l1,
                                S1AP_RRC_Establishment_Cause_mt_Access, &st, buf_, 1024));
    ADD("InitialUEMessage",
        enb_build_initial_ue_ex(&enb, 4, n2[2], (size_t)l2,
                                S1AP_RRC_Establishment_Cause_mo_Signalling, &st, buf_, 1024));
    ADD("UplinkNASTransport", enb_build_ul_nas(&enb, 1, 4, n2[3], (size_t)l3, buf_, 1024));
    ADD("UEContextReleaseRequest",
        enb_build_ue_ctx_release_request_cause(
            1, 4, S1AP_CauseRadioNetwork_radio_connection_with_ue_lost, buf_, 1024));
    struct enb_erab sw[2] = {{.id = 5, .teid = 0x04000015, .addr = enb.s1u_addr},
                             {.id = 6, .teid = 0x04000016, .addr = enb.s1u_addr}};
    ADD("PathSwitchRequest",
        enb_build_path_switch_request(&enb, 0x1234, 1, sw, 2, 0xe000, 0xe000, buf_, 1024));
    struct enb_reset_id rid[2] = {{.has_mme = true, .mme = 1, .has_enb = true, .enb = 4},
                                  {.has_enb = true, .enb = 5}};
    ADD("Reset", enb_build_reset(NULL, 0, buf_, 1024));
    ADD("Reset", enb_build_reset(rid, 2, buf_, 1024));
    ADD("ResetAcknowledge", enb_build_reset_ack(rid, 2, buf_, 1024));
    ADD("E-RABModifyResponse", enb_build_erab_modify_response(1, 4, ids, 1, buf_, 1024));
    ADD("E-RABSetupResponse", enb_build_erab_setup_response(1, 4, &sw[1], 1, buf_, 1024));
    nas_sec_ctx_free(&ue.sec);
    (void)buf;
    for (unsigned i = 0; i < k; i++) {
        hex_encode(bufs[i], (size_t)msgs[i].n, hex);
        printf("%s %s\n", msgs[i].name, hex);
    }
    usim_free(&ue.usim);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--dump"))
        return dump();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s1_setup_request),
        cmocka_unit_test(test_initial_ue_and_ul_nas),
        cmocka_unit_test(test_context_and_erab_responses),
        cmocka_unit_test(test_unknown_ie_rejected_by_the_codec),
        cmocka_unit_test(test_parse_s1_setup_failure_cause_and_wait),
        cmocka_unit_test(test_parse_ics_request),
        cmocka_unit_test(test_ipv6_transport_layer_address),
        cmocka_unit_test(test_parse_release_command_and_dl_nas),
        cmocka_unit_test(test_mobility_messages_decode),
        cmocka_unit_test(test_parse_paging_path_switch_ack_reset),
        cmocka_unit_test(test_s1_handover_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
