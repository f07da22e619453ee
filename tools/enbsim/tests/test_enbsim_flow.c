/* The whole enbsim program (enbsim_run) against a scripted MME — a TEST
 * DOUBLE written here, not xepc-agwd — on one libev loop, over the
 * in-process SCTP double of fake_sctp.c (test_enbsim_flow) or over the
 * real userspace/sctp with usrsctp over raw IPv4 in a private network
 * namespace (test_enbsim_flow_sctp, run by enbsim_flow_sctp.sh).
 *
 * The scripted MME does just enough of TS 36.413 / TS 24.301 to drive every
 * flow enbsim has: S1 Setup (Failure when the PLMN is not 001/01), attach
 * by IMSI or GUTI (an unknown GUTI gets an Identity Request), EPS AKA from
 * its own HSS state with resynchronisation on #21 and Authentication
 * Reject on a wrong RES or #20, Security Mode Command (EEA2/EIA2, IMEISV
 * asked), ESM Information Request when flagged, Initial Context Setup with
 * the Attach Accept and KeNB, EMM Information, PDN connectivity (E-RAB
 * Setup) and disconnect (E-RAB Release), detach and UE Context Release.
 * Each test runs enbsim with options and checks its exit status, its
 * result lines and what the MME saw. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/hex.h"
#include "sec/kdf.h"
#include "tools/enbsim/enbsim_ctx.h"
#include "fake_sctp.h"

#define MME_PORT 36412
#define MAX_UES 600

static const char *K_HEX = "465b5ce8b199b49faa5f0a2ee238a6bc";
static const char *OPC_HEX = "cd63cb71954a9f4e48a5994e37a02baf";

struct mue {
    bool used;
    uint32_t mme_id, enb_id, assoc;
    uint16_t stream;
    char imsi[17];
    struct sec_sqn_he he;
    struct sec_eps_vector v;
    uint8_t ksi;
    struct nas_sec_ctx ctx;
    bool ctx_valid;
    uint32_t m_tmsi;
    uint8_t next_ebi;
    uint8_t pdn_pti;
    bool want_esm_info;
    bool smc_done;
    uint32_t kenb_count;            /* COUNT of the (first) SECURITY MODE COMPLETE */
    /* idle mode and mobility */
    uint8_t kenb[32], nh[32], ncc;  /* TS 33.401 7.2.8: the NH chain */
    bool detached;                 /* no paging after a detach */
    bool tau_active;
    bool has_dedicated;
};

static struct {
    struct sctp_ep *ep;
    struct milenage hss;
    struct mue ue[MAX_UES];
    uint32_t next_tmsi;
    /* what it saw */
    unsigned setups, setup_failures, attach_requests, guti_attaches, identity_requests,
        resyncs, auth_rejects, smc_completes, attach_completes, pdn_setups, pdn_releases,
        detaches, switch_offs, releases_complete, esm_info, bad_streams, aborts;
    bool silent; /* does not answer S1 Setup */
    bool smc_twice; /* sends every SECURITY MODE COMMAND twice (T3460 ran out) */
    unsigned error_indications;
    bool nw_detach; /* detaches every UE right after its Attach Complete */
    bool idle_release; /* releases every UE's S1 connection after attach */
    bool forget_gutis; /* knows no GUTI: Identity Request */
    int drop_after_attaches; /* after that many Attach Completes: */
    int drop_by_signal;      /* that signal to enbsim (else the MME aborts) */
    uint32_t last_assoc;
    ev_timer drop_timer;
    unsigned idle_detaches;
    unsigned detach_accepts;
    /* idle mode and mobility (issue 12) */
    bool page_after_release;  /* pages every UE the eNB released */
    bool dedicated;           /* a dedicated bearer after each attach */
    int mme_reset_after;      /* after that many Attach Completes: MME Reset */
    ev_timer reset_timer;
    uint32_t enb_assoc[8];
    unsigned n_enb_assoc;
    unsigned release_requests, radio_loss, service_requests, ext_service_requests, mt_access,
        mo_data, stmsi, taus, tau_completes, tau_actives, restores, pagings_sent, path_switches,
        psr_new_assoc, psr_bad, resets_rx, reset_acks, dedicated_accepts, modify_accepts,
        dedicated_releases, br_allocs, erab_modify_rsp;
    bool dedicated_keep;      /* no modify/release after the activation */
    int imsi_pages;           /* with page_after_release: that many pages by IMSI first */
    bool psr_error;           /* answers Path Switch Requests with an Error Indication */
    uint16_t ded_port;        /* the dedicated bearer's TFT: UDP remote port */
    double probe_delay;       /* s after UE 1's Attach Complete (0.2) */
    unsigned gpdu_dedicated;  /* uplink G-PDUs on the dedicated bearer's TEID */
    /* user plane (ENBSIM_FLOW_TUN=1, in a private netns only): the double
     * is also the gateway's GTP-U end on 127.0.0.1:2152 and reflects every
     * uplink IP packet (addresses and ports swapped) as a downlink G-PDU */
    bool up;
    int gtpu_fd;
    ev_io gtpu_io;
    uint32_t enb_dl_teid[MAX_UES];
    struct sockaddr_in enb_gtpu[MAX_UES];
    unsigned gpdu_in, gpdu_out;
    int probe_fd;
    ev_io probe_io;
    ev_timer probe_timer;
    unsigned probes_back;
} mme;

static uint8_t arena[65536];
static uint8_t txb[4096];

static void on_probe(struct ev_loop *loop, ev_timer *w, int revents);

static void send_pdu(uint32_t assoc, uint16_t stream, struct s1ap_pdu *p)
{
    int n = s1ap_encode(p, txb, sizeof(txb));
    assert_true(n > 0);
    /* -ENOTCONN when the eNB has just gone (the abort test) */
    int rc = sctp_ep_send(mme.ep, assoc, stream, 18, txb, (size_t)n);
    assert_true(rc == 0 || rc == -ENOTCONN);
}

static size_t nas_out(struct mue *u, struct nas_message *m, enum nas_sec_hdr hdr, uint8_t *out)
{
    uint8_t plain[ENBSIM_NAS_MAX];
    int n = nas_encode_plain(m, plain, sizeof(plain));
    assert_true(n > 0);
    if (hdr == NAS_SEC_HDR_PLAIN) {
        memcpy(out, plain, (size_t)n);
        return (size_t)n;
    }
    size_t ol;
    assert_int_equal(nas_protect(&u->ctx, hdr, plain, (size_t)n, out, ENBSIM_NAS_MAX, &ol),
                     NAS_SEC_OK);
    return ol;
}

static void dl_nas(struct mue *u, struct nas_message *m, enum nas_sec_hdr hdr)
{
    struct s1ap_pdu p;
    uint8_t nas[ENBSIM_NAS_MAX];
    size_t n = nas_out(u, m, hdr, nas);
    s1ap_pdu_init(&p, S1AP_MSG_DownlinkNASTransport);
    p.u.DownlinkNASTransport.MME_UE_S1AP_ID = u->mme_id;
    p.u.DownlinkNASTransport.eNB_UE_S1AP_ID = u->enb_id;
    p.u.DownlinkNASTransport.NAS_PDU.buf = nas;
    p.u.DownlinkNASTransport.NAS_PDU.len = (uint32_t)n;
    send_pdu(u->assoc, u->stream, &p);
}

static void release(struct mue *u, s1ap_CauseNas cause)
{
    struct s1ap_pdu p;
    s1ap_pdu_init(&p, S1AP_MSG_UEContextReleaseCommand);
    p.u.UEContextReleaseCommand.UE_S1AP_IDs.present = S1AP_UE_S1AP_IDs_PR_uE_S1AP_ID_pair;
    p.u.UEContextReleaseCommand.UE_S1AP_IDs.u.uE_S1AP_ID_pair.mME_UE_S1AP_ID = u->mme_id;
    p.u.UEContextReleaseCommand.UE_S1AP_IDs.u.uE_S1AP_ID_pair.eNB_UE_S1AP_ID = u->enb_id;
    p.u.UEContextReleaseCommand.Cause.present = S1AP_Cause_PR_nas;
    p.u.UEContextReleaseCommand.Cause.u.nas = cause;
    send_pdu(u->assoc, u->stream, &p);
}

static void auth_request(struct mue *u)
{
    struct nas_message m;
    static const uint8_t amf[2] = {0x80, 0};
    uint8_t sn[3];
    sec_plmn_to_sn_id("00101", sn);
    assert_int_equal(sec_he_eps_vector(&mme.hss, &u->he, amf, sn, &u->v), SEC_AUTH_OK);
    nas_message_init(&m, NAS_MSG_AUTH_REQUEST);
    u->ksi = (uint8_t)((u->ksi + 1) % 7);
    m.auth_request.nas_ksi.ksi = u->ksi;
    memcpy(m.auth_request.rand, u->v.rand, 16);
    memcpy(m.auth_request.autn, u->v.autn, 16);
    /* an Authentication Request with a current context is still plain here */
    dl_nas(u, &m, NAS_SEC_HDR_PLAIN);
}

static void smc(struct mue *u)
{
    struct nas_message m;
    if (u->ctx_valid)
        nas_sec_ctx_free(&u->ctx);
    assert_int_equal(nas_sec_ctx_init_kasme(&u->ctx, NAS_SEC_ROLE_NETWORK, u->ksi, 2, 2,
                                            u->v.kasme),
                     NAS_SEC_OK);
    u->ctx_valid = true;
    nas_message_init(&m, NAS_MSG_SECURITY_MODE_COMMAND);
    m.security_mode_command.selected_algs.eea = 2;
    m.security_mode_command.selected_algs.eia = 2;
    m.security_mode_command.nas_ksi.ksi = u->ksi;
    m.security_mode_command.replayed_ue_sec_cap.len = 2;
    m.security_mode_command.replayed_ue_sec_cap.eea = 0xf0;
    m.security_mode_command.replayed_ue_sec_cap.eia = 0x70;
    m.security_mode_command.has_imeisv_request = true;
    m.security_mode_command.imeisv_request = 1;
    dl_nas(u, &m, NAS_SEC_HDR_INTEGRITY_NEW_CTX);
    u->smc_done = false;
    if (mme.smc_twice) /* TS 24.301 5.4.3.7 b: T3460 ran out, the same command again */
        dl_nas(u, &m, NAS_SEC_HDR_INTEGRITY_NEW_CTX);
}

static void act_default_request(struct mue *u, uint8_t ebi, uint8_t pti, const char *apn,
                                struct nas_message *esm)
{
    nas_message_init(esm, NAS_MSG_ACT_DEFAULT_REQUEST);
    esm->ebi = ebi;
    esm->pti = pti;
    nas_eps_qos_set(&esm->act_default_request.eps_qos, 9, 0, 0, 0, 0);
    snprintf(esm->act_default_request.apn.name, sizeof(esm->act_default_request.apn.name), "%s",
             apn && *apn ? apn : "internet");
    esm->act_default_request.pdn_addr.type = NAS_PDN_IPV4;
    uint8_t ip[4] = {10, 45, ebi, (uint8_t)(u - mme.ue + 2)};
    memcpy(esm->act_default_request.pdn_addr.ipv4, ip, 4);
}

static void ics_request(struct mue *u)
{
    struct nas_message esm, m;
    uint8_t esm_buf[512], nas[ENBSIM_NAS_MAX], kenb[32], gw[4] = {192, 0, 2, 10};
    if (mme.up)
        memcpy(gw, (uint8_t[]){127, 0, 0, 1}, 4);
    act_default_request(u, 5, u->pdn_pti, "internet", &esm);
    int en = nas_encode_plain(&esm, esm_buf, sizeof(esm_buf));
    assert_true(en > 0);
    nas_message_init(&m, NAS_MSG_ATTACH_ACCEPT);
    struct nas_attach_accept *a = &m.attach_accept;
    a->eps_attach_result = 1;
    a->t3412.unit = 1;
    a->t3412.value = 9;
    a->tai_list.n = 1;
    a->tai_list.list[0].n = 1;
    a->tai_list.list[0].tai[0].plmn = (struct nas_plmn){.mcc = 1, .mnc = 1, .mnc_digits = 2};
    a->tai_list.list[0].tai[0].tac = 1;
    a->esm_container.len = (uint16_t)en;
    memcpy(a->esm_container.v, esm_buf, (size_t)en);
    a->has_guti = true;
    a->guti.type = NAS_EPS_ID_GUTI;
    u->m_tmsi = ++mme.next_tmsi;
    a->guti.guti = (struct nas_guti){.plmn = {.mcc = 1, .mnc = 1, .mnc_digits = 2},
                                     .mmegi = 1, .mmec = 1, .m_tmsi = u->m_tmsi};
    size_t nn = nas_out(u, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, nas);
    /* TS 33.401 7.2.6.1, A.3: KeNB with the uplink NAS COUNT of the
     * SECURITY MODE COMPLETE (not of a later ESM INFORMATION RESPONSE) */
    assert_int_equal(sec_kenb(u->v.kasme, u->kenb_count, kenb), 0);
    /* TS 33.401 7.2.8.1.1: NH(1) from KASME and the initial KeNB */
    memcpy(u->kenb, kenb, 32);
    assert_int_equal(sec_nh(u->v.kasme, kenb, u->nh), 0);
    u->ncc = 1;

    struct s1ap_pdu p;
    s1ap_E_RABToBeSetupItemCtxtSUReq it;
    uint8_t alg[2] = {0xe0, 0};
    s1ap_pdu_init(&p, S1AP_MSG_InitialContextSetupRequest);
    s1ap_InitialContextSetupRequest *r = &p.u.InitialContextSetupRequest;
    r->MME_UE_S1AP_ID = u->mme_id;
    r->eNB_UE_S1AP_ID = u->enb_id;
    r->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = 100000000;
    r->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = 100000000;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = 5;
    it.e_RABlevelQoSParameters.qCI = 9;
    it.e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel = 15;
    it.transportLayerAddress.buf = gw;
    it.transportLayerAddress.nbits = 32;
    uint32_t teid = 0x100 + (uint32_t)(u - mme.ue);
    it.gTP_TEID[2] = (uint8_t)(teid >> 8);
    it.gTP_TEID[3] = (uint8_t)teid;
    it.nAS_PDU_present = true;
    it.nAS_PDU.buf = nas;
    it.nAS_PDU.len = (uint32_t)nn;
    r->E_RABToBeSetupListCtxtSUReq.count = 1;
    r->E_RABToBeSetupListCtxtSUReq.items = &it;
    r->UESecurityCapabilities.encryptionAlgorithms.buf = alg;
    r->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    r->UESecurityCapabilities.integrityProtectionAlgorithms.buf = alg;
    r->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    r->SecurityKey.buf = kenb;
    r->SecurityKey.nbits = 256;
    send_pdu(u->assoc, u->stream, &p);
}

static struct mue *by_mme_id(uint32_t id)
{
    return id < MAX_UES && mme.ue[id].used ? &mme.ue[id] : NULL;
}

static struct mue *by_tmsi(uint32_t tmsi)
{
    for (int i = 0; i < MAX_UES; i++)
        if (mme.ue[i].used && mme.ue[i].m_tmsi == tmsi)
            return &mme.ue[i];
    return NULL;
}

static struct mue *new_ue(uint32_t assoc, uint16_t stream, uint32_t enb_id)
{
    for (uint32_t i = 1; i < MAX_UES; i++)
        if (!mme.ue[i].used) {
            struct mue *u = &mme.ue[i];
            memset(u, 0, sizeof(*u));
            u->used = true;
            u->mme_id = i;
            u->enb_id = enb_id;
            u->assoc = assoc;
            u->stream = stream;
            return u;
        }
    fail_msg("the scripted MME is full");
    return NULL;
}


static uint32_t get32(const uint8_t *t)
{
    return ((uint32_t)t[0] << 24) | ((uint32_t)t[1] << 16) | ((uint32_t)t[2] << 8) | t[3];
}

/* Initial Context Setup for a UE back from ECM-IDLE (TS 23.401 5.3.4.1):
 * its bearers, no NAS, the KeNB from the uplink NAS COUNT of its Service
 * Request / TAU Request (TS 33.401 7.2.6.2). */
static void ics_restore(struct mue *u, uint32_t count)
{
    uint8_t gw[4] = {192, 0, 2, 10}, kenb[32], alg[2] = {0xe0, 0};
    struct s1ap_pdu p;
    s1ap_E_RABToBeSetupItemCtxtSUReq it[2];
    if (mme.up)
        memcpy(gw, (uint8_t[]){127, 0, 0, 1}, 4);
    unsigned n = u->has_dedicated ? 2 : 1;
    assert_int_equal(sec_kenb(u->v.kasme, count, kenb), 0);
    memcpy(u->kenb, kenb, 32);
    assert_int_equal(sec_nh(u->v.kasme, kenb, u->nh), 0);
    u->ncc = 1;
    mme.restores++;
    s1ap_pdu_init(&p, S1AP_MSG_InitialContextSetupRequest);
    s1ap_InitialContextSetupRequest *r = &p.u.InitialContextSetupRequest;
    r->MME_UE_S1AP_ID = u->mme_id;
    r->eNB_UE_S1AP_ID = u->enb_id;
    r->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = 100000000;
    r->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = 100000000;
    memset(it, 0, sizeof(it));
    for (unsigned i = 0; i < n; i++) {
        it[i].e_RAB_ID = 5 + i;
        it[i].e_RABlevelQoSParameters.qCI = i ? 1 : 9;
        it[i].e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel = 15;
        it[i].transportLayerAddress.buf = gw;
        it[i].transportLayerAddress.nbits = 32;
        uint32_t teid = 0x100 + (uint32_t)(u - mme.ue) + 0x10000 * i;
        it[i].gTP_TEID[1] = (uint8_t)(teid >> 16);
        it[i].gTP_TEID[2] = (uint8_t)(teid >> 8);
        it[i].gTP_TEID[3] = (uint8_t)teid;
    }
    r->E_RABToBeSetupListCtxtSUReq.count = n;
    r->E_RABToBeSetupListCtxtSUReq.items = it;
    r->UESecurityCapabilities.encryptionAlgorithms.buf = alg;
    r->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    r->UESecurityCapabilities.integrityProtectionAlgorithms.buf = alg;
    r->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    r->SecurityKey.buf = kenb;
    r->SecurityKey.nbits = 256;
    send_pdu(u->assoc, u->stream, &p);
}

/* S1AP Paging (TS 36.413 8.5) by S-TMSI to every eNB. */
static void page(struct mue *u)
{
    struct s1ap_pdu p;
    s1ap_TAIItem tai;
    memset(&tai, 0, sizeof(tai));
    memcpy(tai.tAI.pLMNidentity, "\x00\xf1\x10", 3);
    tai.tAI.tAC[1] = 1;
    s1ap_pdu_init(&p, S1AP_MSG_Paging);
    p.u.Paging.UEIdentityIndexValue = (uint32_t)(u - mme.ue) % 1024;
    p.u.Paging.UEPagingID.present = S1AP_UEPagingID_PR_s_TMSI;
    p.u.Paging.UEPagingID.u.s_TMSI.mMEC[0] = 1;
    p.u.Paging.UEPagingID.u.s_TMSI.m_TMSI[0] = (uint8_t)(u->m_tmsi >> 24);
    p.u.Paging.UEPagingID.u.s_TMSI.m_TMSI[1] = (uint8_t)(u->m_tmsi >> 16);
    p.u.Paging.UEPagingID.u.s_TMSI.m_TMSI[2] = (uint8_t)(u->m_tmsi >> 8);
    p.u.Paging.UEPagingID.u.s_TMSI.m_TMSI[3] = (uint8_t)u->m_tmsi;
    p.u.Paging.CNDomain = S1AP_CNDomain_ps;
    p.u.Paging.TAIList.count = 1;
    p.u.Paging.TAIList.items = &tai;
    if (mme.imsi_pages > 0) {
        /* TS 36.413 9.2.3.11: by IMSI, TBCD with a filler */
        static uint8_t tbcd[8];
        size_t nd = strlen(u->imsi);
        memset(tbcd, 0xff, sizeof(tbcd));
        for (size_t i = 0; i < nd; i++)
            tbcd[i / 2] = (uint8_t)(i & 1 ? (tbcd[i / 2] & 0x0f) | (uint8_t)((u->imsi[i] - '0') << 4)
                                          : 0xf0 | (u->imsi[i] - '0'));
        mme.imsi_pages--;
        p.u.Paging.UEPagingID.present = S1AP_UEPagingID_PR_iMSI;
        p.u.Paging.UEPagingID.u.iMSI.buf = tbcd;
        p.u.Paging.UEPagingID.u.iMSI.len = (uint32_t)((nd + 1) / 2);
    }
    for (unsigned i = 0; i < mme.n_enb_assoc; i++) {
        send_pdu(mme.enb_assoc[i], 0, &p);
        mme.pagings_sent++;
    }
}

/* A dedicated bearer (EBI 6, QCI 1) on the default bearer 5 with a TFT:
 * UDP to remote port 5000, both directions (TS 24.301 6.4.2). */
static void dedicated_setup(struct mue *u, uint8_t pti)
{
    struct nas_message m;
    struct s1ap_pdu p;
    uint8_t nas[ENBSIM_NAS_MAX], gw[4] = {192, 0, 2, 10};
    if (mme.up)
        memcpy(gw, (uint8_t[]){127, 0, 0, 1}, 4);
    nas_message_init(&m, NAS_MSG_ACT_DEDICATED_REQUEST);
    m.ebi = 6;
    m.pti = pti;
    m.act_dedicated_request.linked_ebi = 5;
    nas_eps_qos_set(&m.act_dedicated_request.eps_qos, 1, 64, 64, 64, 64);
    struct nas_tft *t = &m.act_dedicated_request.tft;
    t->op = NAS_TFT_OP_CREATE;
    t->n = 1;
    t->pf[0] = (struct nas_packet_filter){.id = 1, .dir = NAS_PF_DIR_BOTH, .precedence = 1, .n = 2};
    t->pf[0].c[0].type = NAS_PF_PROTOCOL;
    t->pf[0].c[0].u.protocol = 17;
    t->pf[0].c[1].type = NAS_PF_REMOTE_PORT;
    t->pf[0].c[1].u.port = mme.ded_port ? mme.ded_port : 5000;
    size_t n = nas_out(u, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, nas);
    s1ap_E_RABToBeSetupItemBearerSUReq it;
    memset(&it, 0, sizeof(it));
    s1ap_pdu_init(&p, S1AP_MSG_E_RABSetupRequest);
    p.u.E_RABSetupRequest.MME_UE_S1AP_ID = u->mme_id;
    p.u.E_RABSetupRequest.eNB_UE_S1AP_ID = u->enb_id;
    it.e_RAB_ID = 6;
    it.e_RABlevelQoSParameters.qCI = 1;
    it.transportLayerAddress.buf = gw;
    it.transportLayerAddress.nbits = 32;
    it.gTP_TEID[1] = 1;
    it.gTP_TEID[3] = 6;
    it.nAS_PDU.buf = nas;
    it.nAS_PDU.len = (uint32_t)n;
    p.u.E_RABSetupRequest.E_RABToBeSetupListBearerSUReq.count = 1;
    p.u.E_RABSetupRequest.E_RABToBeSetupListBearerSUReq.items = &it;
    send_pdu(u->assoc, u->stream, &p);
}

static void dedicated_modify(struct mue *u)
{
    struct nas_message m;
    struct s1ap_pdu p;
    uint8_t nas[ENBSIM_NAS_MAX];
    nas_message_init(&m, NAS_MSG_MODIFY_REQUEST);
    m.ebi = 6;
    m.modify_request.has_tft = true;
    struct nas_tft *t = &m.modify_request.tft;
    t->op = NAS_TFT_OP_ADD;
    t->n = 1;
    t->pf[0] = (struct nas_packet_filter){.id = 2, .dir = NAS_PF_DIR_UL, .precedence = 2, .n = 1};
    t->pf[0].c[0].type = NAS_PF_REMOTE_PORT;
    t->pf[0].c[0].u.port = 5001;
    size_t n = nas_out(u, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, nas);
    s1ap_E_RABToBeModifiedItemBearerModReq it;
    memset(&it, 0, sizeof(it));
    s1ap_pdu_init(&p, S1AP_MSG_E_RABModifyRequest);
    p.u.E_RABModifyRequest.MME_UE_S1AP_ID = u->mme_id;
    p.u.E_RABModifyRequest.eNB_UE_S1AP_ID = u->enb_id;
    it.e_RAB_ID = 6;
    it.e_RABLevelQoSParameters.qCI = 1;
    it.nAS_PDU.buf = nas;
    it.nAS_PDU.len = (uint32_t)n;
    p.u.E_RABModifyRequest.E_RABToBeModifiedListBearerModReq.count = 1;
    p.u.E_RABModifyRequest.E_RABToBeModifiedListBearerModReq.items = &it;
    send_pdu(u->assoc, u->stream, &p);
}

static void dedicated_release(struct mue *u)
{
    struct nas_message m;
    struct s1ap_pdu p;
    uint8_t nas[ENBSIM_NAS_MAX];
    nas_message_init(&m, NAS_MSG_DEACT_REQUEST);
    m.ebi = 6;
    m.deact_request.esm_cause = 36;
    size_t n = nas_out(u, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, nas);
    s1ap_E_RABItem it = {.e_RAB_ID = 6};
    it.cause.present = S1AP_Cause_PR_nas;
    it.cause.u.nas = S1AP_CauseNas_normal_release;
    s1ap_pdu_init(&p, S1AP_MSG_E_RABReleaseCommand);
    p.u.E_RABReleaseCommand.MME_UE_S1AP_ID = u->mme_id;
    p.u.E_RABReleaseCommand.eNB_UE_S1AP_ID = u->enb_id;
    p.u.E_RABReleaseCommand.E_RABToBeReleasedList.count = 1;
    p.u.E_RABReleaseCommand.E_RABToBeReleasedList.items = &it;
    p.u.E_RABReleaseCommand.NAS_PDU_present = true;
    p.u.E_RABReleaseCommand.NAS_PDU.buf = nas;
    p.u.E_RABReleaseCommand.NAS_PDU.len = (uint32_t)n;
    send_pdu(u->assoc, u->stream, &p);
}

/* The MME resets the connections of every attached UE (TS 36.413
 * 8.7.1.2.1, partial), as after losing them. */
static void on_mme_reset(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    static s1ap_UE_associatedLogicalS1_ConnectionItem it[MAX_UES];
    struct s1ap_pdu p;
    unsigned n = 0;
    uint32_t assoc = 0;
    for (int i = 1; i < MAX_UES; i++)
        if (mme.ue[i].used && !mme.ue[i].detached && mme.ue[i].enb_id != UINT32_MAX) {
            memset(&it[n], 0, sizeof(it[n]));
            it[n].mME_UE_S1AP_ID_present = true;
            it[n].mME_UE_S1AP_ID = mme.ue[i].mme_id;
            it[n].eNB_UE_S1AP_ID_present = true;
            it[n].eNB_UE_S1AP_ID = mme.ue[i].enb_id;
            assoc = mme.ue[i].assoc;
            mme.ue[i].enb_id = UINT32_MAX;
            n++;
        }
    assert_true(n > 0);
    s1ap_pdu_init(&p, S1AP_MSG_Reset);
    p.u.Reset.Cause.present = S1AP_Cause_PR_misc;
    p.u.Reset.Cause.u.misc = S1AP_CauseMisc_om_intervention;
    p.u.Reset.ResetType.present = S1AP_ResetType_PR_partOfS1_Interface;
    p.u.Reset.ResetType.u.partOfS1_Interface.count = n;
    p.u.Reset.ResetType.u.partOfS1_Interface.items = it;
    send_pdu(assoc, 0, &p);
}

static void on_esm(struct mue *u, struct nas_message *esm)
{
    struct s1ap_pdu p;
    uint8_t nas[ENBSIM_NAS_MAX], gw[4] = {192, 0, 2, 10};
    struct nas_message m;
    switch (esm->id) {
    case NAS_MSG_PDN_CONN_REQUEST: {
        /* TS 24.301 6.5.1.3 -> E-RAB Setup (TS 36.413 8.2.1) */
        u->next_ebi = u->next_ebi ? u->next_ebi : 6;
        act_default_request(u, u->next_ebi, esm->pti,
                            esm->pdn_conn_request.has_apn ? esm->pdn_conn_request.apn.name
                                                          : "internet",
                            &m);
        size_t n = nas_out(u, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, nas);
        s1ap_E_RABToBeSetupItemBearerSUReq it;
        memset(&it, 0, sizeof(it));
        s1ap_pdu_init(&p, S1AP_MSG_E_RABSetupRequest);
        p.u.E_RABSetupRequest.MME_UE_S1AP_ID = u->mme_id;
        p.u.E_RABSetupRequest.eNB_UE_S1AP_ID = u->enb_id;
        it.e_RAB_ID = u->next_ebi;
        it.e_RABlevelQoSParameters.qCI = 9;
        it.transportLayerAddress.buf = gw;
        it.transportLayerAddress.nbits = 32;
        it.gTP_TEID[3] = u->next_ebi;
        it.nAS_PDU.buf = nas;
        it.nAS_PDU.len = (uint32_t)n;
        p.u.E_RABSetupRequest.E_RABToBeSetupListBearerSUReq.count = 1;
        p.u.E_RABSetupRequest.E_RABToBeSetupListBearerSUReq.items = &it;
        send_pdu(u->assoc, u->stream, &p);
        break;
    }
    case NAS_MSG_ACT_DEFAULT_ACCEPT:
        if (esm->ebi >= 6)
            mme.pdn_setups++;
        break;
    case NAS_MSG_PDN_DISC_REQUEST: {
        /* TS 24.301 6.5.2.3 -> E-RAB Release Command with the deactivation */
        nas_message_init(&m, NAS_MSG_DEACT_REQUEST);
        m.ebi = esm->pdn_disc_request.linked_ebi;
        m.pti = esm->pti;
        m.deact_request.esm_cause = 36; /* regular deactivation */
        size_t n = nas_out(u, &m, NAS_SEC_HDR_INTEGRITY_CIPHERED, nas);
        s1ap_E_RABItem it = {.e_RAB_ID = m.ebi};
        it.cause.present = S1AP_Cause_PR_nas;
        it.cause.u.nas = S1AP_CauseNas_normal_release;
        s1ap_pdu_init(&p, S1AP_MSG_E_RABReleaseCommand);
        p.u.E_RABReleaseCommand.MME_UE_S1AP_ID = u->mme_id;
        p.u.E_RABReleaseCommand.eNB_UE_S1AP_ID = u->enb_id;
        p.u.E_RABReleaseCommand.E_RABToBeReleasedList.count = 1;
        p.u.E_RABReleaseCommand.E_RABToBeReleasedList.items = &it;
        p.u.E_RABReleaseCommand.NAS_PDU_present = true;
        p.u.E_RABReleaseCommand.NAS_PDU.buf = nas;
        p.u.E_RABReleaseCommand.NAS_PDU.len = (uint32_t)n;
        send_pdu(u->assoc, u->stream, &p);
        break;
    }
    case NAS_MSG_DEACT_ACCEPT:
        if (esm->ebi == 6 && u->has_dedicated) {
            mme.dedicated_releases++;
            u->has_dedicated = false;
        } else {
            mme.pdn_releases++;
        }
        break;
    case NAS_MSG_ACT_DEDICATED_ACCEPT:
        mme.dedicated_accepts++;
        u->has_dedicated = true;
        if (!mme.dedicated_keep)
            dedicated_modify(u);
        break;
    case NAS_MSG_MODIFY_ACCEPT:
        mme.modify_accepts++;
        dedicated_release(u);
        break;
    case NAS_MSG_BR_ALLOC_REQUEST:
        /* TS 24.301 6.5.3.3: granted with a dedicated bearer of that PTI */
        mme.br_allocs++;
        assert_int_equal(esm->br_alloc_request.linked_ebi, 5);
        dedicated_setup(u, esm->pti);
        break;
    case NAS_MSG_ESM_INFO_RESPONSE:
        mme.esm_info++;
        ics_request(u);
        break;
    default:
        break;
    }
}

static void on_ul_nas(struct mue *u, const uint8_t *pdu, size_t len)
{
    uint8_t plain[ENBSIM_NAS_MAX];
    size_t pl;
    struct nas_sec_info info;
    struct nas_message m, esm, out;
    enum nas_sec_err e = nas_unprotect(u->ctx_valid ? &u->ctx : NULL, pdu, len, plain,
                                       sizeof(plain), &pl, &info);
    /* TS 24.301 4.4.4.3: a few messages are processed without integrity */
    if (e != NAS_SEC_OK && e != NAS_SEC_ERR_NO_CONTEXT && e != NAS_SEC_ERR_MAC)
        return;
    assert_true(nas_decode_plain(plain, pl, &m) > 0);
    if (e == NAS_SEC_ERR_MAC && m.id != NAS_MSG_ATTACH_REQUEST &&
        m.id != NAS_MSG_IDENTITY_RESPONSE && m.id != NAS_MSG_AUTH_RESPONSE &&
        m.id != NAS_MSG_AUTH_FAILURE)
        return;
    if (m.pd == NAS_PD_ESM) {
        on_esm(u, &m);
        return;
    }
    switch (m.id) {
    case NAS_MSG_IDENTITY_RESPONSE:
        snprintf(u->imsi, sizeof(u->imsi), "%s", m.identity_response.mobile_id.digits);
        auth_request(u);
        break;
    case NAS_MSG_AUTH_RESPONSE:
        if (m.auth_response.res.len != 8 ||
            memcmp(m.auth_response.res.v, u->v.xres, 8)) {
            /* TS 24.301 5.4.2.5: RES differs from XRES */
            mme.auth_rejects++;
            nas_message_init(&out, NAS_MSG_AUTH_REJECT);
            dl_nas(u, &out, NAS_SEC_HDR_PLAIN);
            release(u, S1AP_CauseNas_authentication_failure);
            return;
        }
        smc(u);
        break;
    case NAS_MSG_AUTH_FAILURE:
        if (m.auth_failure.emm_cause == 21 && m.auth_failure.has_auts) {
            uint64_t sqn_ms;
            assert_int_equal(sec_he_resync(&mme.hss, &u->he, u->v.rand, m.auth_failure.auts,
                                           &sqn_ms),
                             SEC_AUTH_OK);
            mme.resyncs++;
            auth_request(u);
        } else {
            mme.auth_rejects++;
            nas_message_init(&out, NAS_MSG_AUTH_REJECT);
            dl_nas(u, &out, NAS_SEC_HDR_PLAIN);
            release(u, S1AP_CauseNas_authentication_failure);
        }
        break;
    case NAS_MSG_SECURITY_MODE_COMPLETE:
        assert_true(info.integrity_verified);
        assert_true(m.security_mode_complete.has_imeisv);
        mme.smc_completes++;
        if (u->smc_done)
            break;  /* the answer to the repeated command: the first one counts */
        u->smc_done = true;
        u->kenb_count = info.count;
        if (u->want_esm_info) {
            nas_message_init(&out, NAS_MSG_ESM_INFO_REQUEST);
            out.pti = u->pdn_pti;
            dl_nas(u, &out, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        } else {
            ics_request(u);
        }
        break;
    case NAS_MSG_ATTACH_COMPLETE:
        assert_true(nas_decode_plain(m.attach_complete.esm_container.v,
                                     m.attach_complete.esm_container.len, &esm) > 0);
        assert_int_equal(esm.id, NAS_MSG_ACT_DEFAULT_ACCEPT);
        mme.attach_completes++;
        if (mme.drop_after_attaches && (int)mme.attach_completes == mme.drop_after_attaches) {
            mme.last_assoc = u->assoc;
            ev_timer_start(ev_default_loop(0), &mme.drop_timer);
        }
        if (mme.up && u->mme_id == 1) {
            ev_timer_init(&mme.probe_timer, on_probe, mme.probe_delay ? mme.probe_delay : 0.2, 0);
            ev_timer_start(ev_default_loop(0), &mme.probe_timer);
        }
        if (mme.dedicated)
            dedicated_setup(u, 0);
        if (mme.mme_reset_after && (int)mme.attach_completes == mme.mme_reset_after)
            ev_timer_start(ev_default_loop(0), &mme.reset_timer);
        if (mme.idle_release) {
            /* TS 23.401 5.3.5: S1 release, the UE goes ECM-IDLE */
            release(u, S1AP_CauseNas_normal_release);
            break;
        }
        if (mme.nw_detach) {
            /* TS 24.301 5.5.2.3.1: network-initiated detach */
            nas_message_init(&out, NAS_MSG_DETACH_REQUEST_NW);
            out.detach_request_nw.detach_type.type = NAS_DETACH_NO_REATTACH;
            dl_nas(u, &out, NAS_SEC_HDR_INTEGRITY_CIPHERED);
            break;
        }
        nas_message_init(&out, NAS_MSG_EMM_INFORMATION);
        out.emm_information.has_full_name = true;
        nas_network_name_set_ascii(&out.emm_information.full_name, "xepc-double");
        dl_nas(u, &out, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        break;
    case NAS_MSG_DETACH_ACCEPT:
        mme.detach_accepts++;
        release(u, S1AP_CauseNas_detach);
        break;
    case NAS_MSG_TAU_COMPLETE:
        mme.tau_completes++;
        if (!u->tau_active)
            release(u, S1AP_CauseNas_normal_release);
        break;
    case NAS_MSG_DETACH_REQUEST_UE:
        mme.detaches++;
        u->detached = true;
        if (m.detach_request_ue.detach_type.switch_off) {
            mme.switch_offs++;
        } else {
            nas_message_init(&out, NAS_MSG_DETACH_ACCEPT);
            dl_nas(u, &out, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        }
        release(u, S1AP_CauseNas_detach);
        break;
    default:
        break;
    }
}

static void on_initial_ue(uint32_t assoc, uint16_t stream, s1ap_InitialUEMessage *im)
{
    struct nas_message m, esm;
    struct nas_sec_info info;
    if (stream == 0)
        mme.bad_streams++; /* TS 36.412 7: UE signalling is not on stream 0 */
    assert_int_equal(nas_sec_peek(im->NAS_PDU.buf, im->NAS_PDU.len, &info), NAS_SEC_OK);
    if (im->S_TMSI_present)
        mme.stmsi++;
    if (im->RRC_Establishment_Cause == S1AP_RRC_Establishment_Cause_mt_Access)
        mme.mt_access++;
    if (im->RRC_Establishment_Cause == S1AP_RRC_Establishment_Cause_mo_Data)
        mme.mo_data++;
    if (info.hdr == NAS_SEC_HDR_SERVICE_REQUEST) {
        /* TS 24.301 5.6.1: the S-TMSI names the UE, the short MAC proves it */
        assert_true(im->S_TMSI_present);
        struct mue *u = by_tmsi(get32(im->S_TMSI.m_TMSI));
        uint8_t plain[16];
        size_t pl;
        struct nas_sec_info si;
        assert_non_null(u);
        assert_int_equal(nas_unprotect(&u->ctx, im->NAS_PDU.buf, im->NAS_PDU.len, plain,
                                       sizeof(plain), &pl, &si),
                         NAS_SEC_OK);
        assert_true(si.integrity_verified);
        u->enb_id = im->eNB_UE_S1AP_ID;
        u->assoc = assoc;
        u->stream = stream;
        mme.service_requests++;
        ics_restore(u, si.count);
        return;
    }
    if (info.hdr == NAS_SEC_HDR_INTEGRITY &&
        nas_decode_plain(im->NAS_PDU.buf + NAS_SEC_HDR_LEN, im->NAS_PDU.len - NAS_SEC_HDR_LEN,
                         &m) > 0 &&
        (m.id == NAS_MSG_EXT_SERVICE_REQUEST || m.id == NAS_MSG_TAU_REQUEST)) {
        bool tau = m.id == NAS_MSG_TAU_REQUEST;
        struct mue *u = by_tmsi(tau ? m.tau_request.old_guti.guti.m_tmsi
                                    : m.ext_service_request.m_tmsi.tmsi);
        uint8_t plain[ENBSIM_NAS_MAX];
        size_t pl;
        struct nas_sec_info si;
        assert_non_null(u);
        assert_int_equal(nas_unprotect(&u->ctx, im->NAS_PDU.buf, im->NAS_PDU.len, plain,
                                       sizeof(plain), &pl, &si),
                         NAS_SEC_OK);
        u->enb_id = im->eNB_UE_S1AP_ID;
        u->assoc = assoc;
        u->stream = stream;
        if (!tau) {
            assert_int_equal(m.ext_service_request.service_type, 8);
            mme.ext_service_requests++;
            ics_restore(u, si.count);
            return;
        }
        /* TS 24.301 5.5.3.2.4: TAU Accept with a new GUTI */
        mme.taus++;
        u->tau_active = m.tau_request.eps_update_type.active;
        mme.tau_actives += u->tau_active;
        struct nas_message a;
        nas_message_init(&a, NAS_MSG_TAU_ACCEPT);
        a.tau_accept.eps_update_result = 0;
        a.tau_accept.has_t3412 = true;
        a.tau_accept.t3412.unit = 1;
        a.tau_accept.t3412.value = 9;
        a.tau_accept.has_guti = true;
        a.tau_accept.guti.type = NAS_EPS_ID_GUTI;
        u->m_tmsi = ++mme.next_tmsi;
        a.tau_accept.guti.guti = (struct nas_guti){.plmn = {.mcc = 1, .mnc = 1, .mnc_digits = 2},
                                                   .mmegi = 1, .mmec = 1, .m_tmsi = u->m_tmsi};
        a.tau_accept.has_eps_bearer_status = true;
        a.tau_accept.eps_bearer_status = m.tau_request.eps_bearer_status;
        dl_nas(u, &a, NAS_SEC_HDR_INTEGRITY_CIPHERED);
        if (u->tau_active)
            ics_restore(u, si.count);
        return;
    }
    const uint8_t *p = im->NAS_PDU.buf;
    size_t len = im->NAS_PDU.len;
    if (info.hdr != NAS_SEC_HDR_PLAIN) {
        p += NAS_SEC_HDR_LEN;
        len -= NAS_SEC_HDR_LEN;
    }
    if (nas_decode_plain(p, len, &m) > 0 && m.id == NAS_MSG_DETACH_REQUEST_UE &&
        m.detach_request_ue.eps_mobile_id.type == NAS_EPS_ID_GUTI) {
        /* a detach from ECM-IDLE: integrity protected, not ciphered */
        struct mue *u = by_tmsi(m.detach_request_ue.eps_mobile_id.guti.m_tmsi);
        assert_non_null(u);
        assert_int_equal(info.hdr, NAS_SEC_HDR_INTEGRITY);
        u->enb_id = im->eNB_UE_S1AP_ID;
        u->assoc = assoc;
        u->stream = stream;
        mme.idle_detaches++;
        on_ul_nas(u, im->NAS_PDU.buf, im->NAS_PDU.len);
        return;
    }
    if (nas_decode_plain(p, len, &m) < 0 || m.id != NAS_MSG_ATTACH_REQUEST) {
        struct s1ap_pdu e;
        s1ap_pdu_init(&e, S1AP_MSG_ErrorIndication);
        e.u.ErrorIndication.eNB_UE_S1AP_ID_present = true;
        e.u.ErrorIndication.eNB_UE_S1AP_ID = im->eNB_UE_S1AP_ID;
        send_pdu(assoc, stream, &e);
        return;
    }
    mme.attach_requests++;
    assert_true(nas_decode_plain(m.attach_request.esm_container.v,
                                 m.attach_request.esm_container.len, &esm) > 0);
    struct mue *u = NULL;
    if (m.attach_request.eps_mobile_id.type == NAS_EPS_ID_GUTI) {
        mme.guti_attaches++;
        struct mue *old = mme.forget_gutis ? NULL
                                           : by_tmsi(m.attach_request.eps_mobile_id.guti.m_tmsi);
        u = new_ue(assoc, stream, im->eNB_UE_S1AP_ID);
        if (old) {
            /* the UE is known: take over its HSS state (same process) */
            snprintf(u->imsi, sizeof(u->imsi), "%s", old->imsi);
            u->he = old->he;
            u->ksi = old->ksi;
            /* and its security context: the UE protects with it until the
             * next security mode command (a move, not a copy) */
            if (old->ctx_valid) {
                memcpy(&u->ctx, &old->ctx, sizeof(u->ctx));
                u->ctx_valid = true;
                old->ctx_valid = false;
            }
            old->used = false;
            old->m_tmsi = 0;
        }
    } else {
        u = new_ue(assoc, stream, im->eNB_UE_S1AP_ID);
        snprintf(u->imsi, sizeof(u->imsi), "%s", m.attach_request.eps_mobile_id.digits);
    }
    u->pdn_pti = esm.pti;
    u->want_esm_info = esm.pdn_conn_request.has_esm_info_transfer_flag &&
                       esm.pdn_conn_request.esm_info_transfer_flag;
    if (!u->imsi[0]) {
        /* TS 24.301 5.5.1.2.2: an unknown GUTI -> Identity Request */
        mme.identity_requests++;
        struct nas_message idr;
        nas_message_init(&idr, NAS_MSG_IDENTITY_REQUEST);
        idr.identity_request.identity_type = NAS_ID_IMSI;
        dl_nas(u, &idr, NAS_SEC_HDR_PLAIN);
        return;
    }
    auth_request(u);
}

static void on_data(void *arg, uint32_t assoc, uint16_t stream, uint32_t ppid,
                    const uint8_t *buf, size_t len)
{
    (void)arg;
    (void)ppid;
    static struct s1ap_pdu pdu;
    struct aper_arena a;
    struct s1ap_decode_error err;
    aper_arena_init(&a, arena, sizeof(arena));
    struct s1ap_pdu out;
    if (s1ap_decode(buf, len, &pdu, &a, &err) < 0) {
        /* TS 36.413 10: an Error Indication about what could not be read */
        s1ap_CriticalityDiagnostics_IE_Item items[S1AP_DIAG_MAX_IES];
        mme.error_indications++;
        if (s1ap_error_indication(&out, &err, items) == 0)
            send_pdu(assoc, stream, &out);
        return;
    }
    struct mue *u;
    switch (pdu.kind) {
    case S1AP_MSG_S1SetupRequest: {
        assert_int_equal(stream, 0);
        if (mme.silent)
            return;
        s1ap_S1SetupRequest *r = &pdu.u.S1SetupRequest;
        if (memcmp(r->Global_ENB_ID.pLMNidentity, "\x00\xf1\x10", 3)) {
            /* TS 36.413 8.7.3.3: no served PLMN in common */
            mme.setup_failures++;
            s1ap_pdu_init(&out, S1AP_MSG_S1SetupFailure);
            out.u.S1SetupFailure.Cause.present = S1AP_Cause_PR_misc;
            out.u.S1SetupFailure.Cause.u.misc = S1AP_CauseMisc_unknown_PLMN;
            out.u.S1SetupFailure.TimeToWait_present = true;
            out.u.S1SetupFailure.TimeToWait = S1AP_TimeToWait_v10s;
            send_pdu(assoc, 0, &out);
            return;
        }
        mme.setups++;
        if (mme.n_enb_assoc < 8)
            mme.enb_assoc[mme.n_enb_assoc++] = assoc;
        s1ap_ServedGUMMEIsItem g;
        s1ap_PLMNidentity plmn = {0x00, 0xf1, 0x10};
        s1ap_MME_Group_ID gid = {0, 1};
        s1ap_MME_Code code = {1};
        memset(&g, 0, sizeof(g));
        g.servedPLMNs.count = 1;
        g.servedPLMNs.items = &plmn;
        g.servedGroupIDs.count = 1;
        g.servedGroupIDs.items = &gid;
        g.servedMMECs.count = 1;
        g.servedMMECs.items = &code;
        s1ap_pdu_init(&out, S1AP_MSG_S1SetupResponse);
        out.u.S1SetupResponse.ServedGUMMEIs.count = 1;
        out.u.S1SetupResponse.ServedGUMMEIs.items = &g;
        out.u.S1SetupResponse.RelativeMMECapacity = 255;
        out.u.S1SetupResponse.MMEname_present = true;
        out.u.S1SetupResponse.MMEname.buf = (const uint8_t *)"mme-double";
        out.u.S1SetupResponse.MMEname.len = 10;
        send_pdu(assoc, 0, &out);
        break;
    }
    case S1AP_MSG_InitialUEMessage:
        on_initial_ue(assoc, stream, &pdu.u.InitialUEMessage);
        break;
    case S1AP_MSG_UplinkNASTransport:
        if (stream == 0)
            mme.bad_streams++;
        u = by_mme_id(pdu.u.UplinkNASTransport.MME_UE_S1AP_ID);
        if (u)
            on_ul_nas(u, pdu.u.UplinkNASTransport.NAS_PDU.buf,
                      pdu.u.UplinkNASTransport.NAS_PDU.len);
        break;
    case S1AP_MSG_UEContextReleaseComplete:
        mme.releases_complete++;
        u = by_mme_id(pdu.u.UEContextReleaseComplete.MME_UE_S1AP_ID);
        if (u && !u->m_tmsi) {
            if (u->ctx_valid)
                nas_sec_ctx_free(&u->ctx);
            u->used = false;
        } else if (u) {
            u->enb_id = UINT32_MAX; /* keeps its GUTI for a later attach */
            if (mme.page_after_release && !u->detached)
                page(u);
        }
        break;
    case S1AP_MSG_UEContextReleaseRequest: {
        /* TS 36.413 8.3.2: the eNB asks; the MME releases (TS 23.401 5.3.5) */
        s1ap_UEContextReleaseRequest *r = &pdu.u.UEContextReleaseRequest;
        mme.release_requests++;
        if (r->Cause.present == S1AP_Cause_PR_radioNetwork &&
            r->Cause.u.radioNetwork == S1AP_CauseRadioNetwork_radio_connection_with_ue_lost)
            mme.radio_loss++;
        u = by_mme_id(r->MME_UE_S1AP_ID);
        assert_non_null(u);
        assert_int_equal(u->enb_id, r->eNB_UE_S1AP_ID);
        release(u, S1AP_CauseNas_normal_release);
        break;
    }
    case S1AP_MSG_PathSwitchRequest: {
        /* TS 36.413 8.4.4: the downlink path moves to the target eNB; the
         * next {NH, NCC} (TS 33.401 7.2.8.4.2) */
        s1ap_PathSwitchRequest *r = &pdu.u.PathSwitchRequest;
        u = by_mme_id(r->SourceMME_UE_S1AP_ID);
        assert_non_null(u);
        mme.path_switches++;
        if (mme.psr_error) {
            /* an MME without X2 handover (TS 36.413 10.3.4.1) */
            s1ap_pdu_init(&out, S1AP_MSG_ErrorIndication);
            out.u.ErrorIndication.eNB_UE_S1AP_ID_present = true;
            out.u.ErrorIndication.eNB_UE_S1AP_ID = r->eNB_UE_S1AP_ID;
            out.u.ErrorIndication.Cause_present = true;
            out.u.ErrorIndication.Cause.present = S1AP_Cause_PR_protocol;
            out.u.ErrorIndication.Cause.u.protocol =
                S1AP_CauseProtocol_message_not_compatible_with_receiver_state;
            send_pdu(assoc, stream, &out);
            break;
        }
        if (assoc != u->assoc)
            mme.psr_new_assoc++;
        if (!r->E_RABToBeSwitchedDLList.count ||
            r->E_RABToBeSwitchedDLList.items[0].e_RAB_ID != 5 ||
            r->E_RABToBeSwitchedDLList.items[0].transportLayerAddress.nbits != 32)
            mme.psr_bad++;
        u->assoc = assoc;
        u->stream = stream;
        u->enb_id = r->eNB_UE_S1AP_ID;
        mme.enb_dl_teid[u->mme_id] = get32(r->E_RABToBeSwitchedDLList.items[0].gTP_TEID);
        u->ncc = (uint8_t)((u->ncc + 1) & 7);
        assert_int_equal(sec_nh(u->v.kasme, u->nh, u->nh), 0);
        s1ap_pdu_init(&out, S1AP_MSG_PathSwitchRequestAcknowledge);
        out.u.PathSwitchRequestAcknowledge.MME_UE_S1AP_ID = u->mme_id;
        out.u.PathSwitchRequestAcknowledge.eNB_UE_S1AP_ID = u->enb_id;
        out.u.PathSwitchRequestAcknowledge.SecurityContext.nextHopChainingCount = u->ncc;
        out.u.PathSwitchRequestAcknowledge.SecurityContext.nextHopParameter.buf = u->nh;
        out.u.PathSwitchRequestAcknowledge.SecurityContext.nextHopParameter.nbits = 256;
        send_pdu(assoc, stream, &out);
        break;
    }
    case S1AP_MSG_Reset:
        /* TS 36.413 8.7.1.2.2: the eNB reset its interface: acknowledge */
        assert_int_equal(stream, 0);
        mme.resets_rx++;
        for (int i = 1; i < MAX_UES; i++)
            if (mme.ue[i].used && mme.ue[i].assoc == assoc)
                mme.ue[i].enb_id = UINT32_MAX;
        s1ap_pdu_init(&out, S1AP_MSG_ResetAcknowledge);
        send_pdu(assoc, 0, &out);
        break;
    case S1AP_MSG_ResetAcknowledge:
        mme.reset_acks++;
        break;
    case S1AP_MSG_E_RABModifyResponse:
        mme.erab_modify_rsp++;
        break;
    case S1AP_MSG_InitialContextSetupResponse: {
        s1ap_InitialContextSetupResponse *r = &pdu.u.InitialContextSetupResponse;
        u = by_mme_id(r->MME_UE_S1AP_ID);
        if (u && r->E_RABSetupListCtxtSURes.count) {
            const uint8_t *t = r->E_RABSetupListCtxtSURes.items[0].gTP_TEID;
            mme.enb_dl_teid[u->mme_id] = ((uint32_t)t[0] << 24) | ((uint32_t)t[1] << 16) |
                                         ((uint32_t)t[2] << 8) | t[3];
        }
        break;
    }
    default:
        break; /* E-RAB responses: nothing to do */
    }
}

/* The gateway side: a G-PDU in, the same IP packet reflected out. */
static void on_gtpu(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    uint8_t b[2048];
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(mme.gtpu_fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
    if (n < 8 + 28 || b[1] != 0xff)
        return;
    mme.gpdu_in++;
    uint32_t ul = ((uint32_t)b[4] << 24) | ((uint32_t)b[5] << 16) | ((uint32_t)b[6] << 8) | b[7];
    if (ul == 0x010006) {
        mme.gpdu_dedicated++; /* dedicated_setup's uplink TEID */
        return;
    }
    uint32_t id = ul - 0x100; /* ics_request: UL TEID 0x100 + MME UE id */
    if (id >= MAX_UES || !mme.enb_dl_teid[id])
        return;
    uint8_t *ip = b + 8, t[4];
    /* swap the IPv4 addresses and the UDP ports: both checksums still hold */
    memcpy(t, ip + 12, 4);
    memcpy(ip + 12, ip + 16, 4);
    memcpy(ip + 16, t, 4);
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    memcpy(t, ip + ihl, 2);
    memcpy(ip + ihl, ip + ihl + 2, 2);
    memcpy(ip + ihl + 2, t, 2);
    uint32_t dl = mme.enb_dl_teid[id];
    b[4] = (uint8_t)(dl >> 24);
    b[5] = (uint8_t)(dl >> 16);
    b[6] = (uint8_t)(dl >> 8);
    b[7] = (uint8_t)dl;
    if (sendto(mme.gtpu_fd, b, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
        mme.gpdu_out++;
}

static void on_probe_back(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    char b[64];
    if (recv(mme.probe_fd, b, sizeof(b), 0) == 5 && !memcmp(b, "probe", 5))
        mme.probes_back++;
}

/* A UDP datagram from UE 0's address through its TUN device ue0. */
static void on_probe(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    if (mme.probe_fd >= 0)
        return;
    if (system("ip route replace 192.0.2.99/32 dev ue0 2>/dev/null") != 0)
        return;
    mme.probe_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_true(mme.probe_fd >= 0);
    assert_int_equal(setsockopt(mme.probe_fd, SOL_SOCKET, SO_BINDTODEVICE, "ue0", 4), 0);
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(40000)};
    me.sin_addr.s_addr = inet_addr("10.45.5.3"); /* act_default_request: UE 1 */
    assert_int_equal(bind(mme.probe_fd, (struct sockaddr *)&me, sizeof(me)), 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(40000)};
    to.sin_addr.s_addr = inet_addr("192.0.2.99");
    assert_int_equal(sendto(mme.probe_fd, "probe", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
    ev_io_init(&mme.probe_io, on_probe_back, mme.probe_fd, EV_READ);
    ev_io_start(loop, &mme.probe_io);
}

/* The S1-MME association goes: the MME restarts (it aborts the
 * association and forgets its S1 state, keeping its UE contexts as the
 * real one keeps them in SQLite) or the eNB restarts its transport. */
static void on_drop(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    if (mme.drop_by_signal)
        raise(mme.drop_by_signal);
    else
        sctp_ep_abort(mme.ep, mme.last_assoc);
}

static void on_up(void *arg, const struct sctp_assoc_info *a)
{
    (void)arg;
    (void)a;
}

static void on_down(void *arg, uint32_t assoc, enum sctp_down_reason why)
{
    (void)arg;
    (void)assoc;
    (void)why; /* ABORT from the double; usrsctp may report it as lost */
    mme.aborts++;
}

static const struct sctp_ops mme_ops = {.assoc_up = on_up, .assoc_down = on_down,
                                        .data = on_data};

static char csv_path[64], report_path[64], out_path[64];

static int setup(void **state)
{
    (void)state;
    struct sctp_cfg cfg;
    uint8_t k[16], opc[16];
    memset(&mme, 0, sizeof(mme));
    hex_decode_exact(K_HEX, k, 16);
    hex_decode_exact(OPC_HEX, opc, 16);
    assert_int_equal(milenage_init(&mme.hss, k, opc), 0);
    for (int i = 0; i < MAX_UES; i++)
        mme.ue[i].he.seq_he = 10; /* what the CSV says (sqn 320) */
    ev_timer_init(&mme.drop_timer, on_drop, 0.05, 0);
    ev_timer_init(&mme.reset_timer, on_mme_reset, 0.05, 0);
    sctp_cfg_init(&cfg, SCTP_BACKEND_USRSCTP_RAW);
    cfg.local.sin_family = AF_INET;
    cfg.local.sin_addr.s_addr = htonl(0x7f000001);
    cfg.local.sin_port = htons(MME_PORT);
    assert_int_equal(sctp_ep_open(ev_default_loop(0), &cfg, &mme_ops, NULL, &mme.ep), 0);
    assert_int_equal(sctp_ep_listen(mme.ep), 0);

    snprintf(csv_path, sizeof(csv_path), "/tmp/enbsim-flow-%d.csv", (int)getpid());
    snprintf(report_path, sizeof(report_path), "/tmp/enbsim-flow-%d.ues", (int)getpid());
    snprintf(out_path, sizeof(out_path), "/tmp/enbsim-flow-%d.out", (int)getpid());
    FILE *f = fopen(csv_path, "w");
    assert_non_null(f);
    fprintf(f, "imsi,k,opc,amf,sqn,apns\n");
    for (int i = 1; i <= 500; i++)
        fprintf(f, "%015lld,%s,%s,8000,320,internet\n", 1010000000000LL + i, K_HEX, OPC_HEX);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (&fake_sctp_sndbuf_msgs)
        fake_sctp_sndbuf_msgs = 0;
    sctp_ep_close(mme.ep);
    for (int i = 0; i < MAX_UES; i++)
        if (mme.ue[i].used && mme.ue[i].ctx_valid)
            nas_sec_ctx_free(&mme.ue[i].ctx);
    milenage_free(&mme.hss);
    unlink(csv_path);
    unlink(report_path);
    unlink(out_path);
    return 0;
}

/* Runs enbsim with the given options (after the common ones); returns its
 * exit status and leaves its result lines in out_path. */
static int run(const char *opts)
{
    char line[1024], base[64];
    char *argv[64];
    int argc = 0;
    /* eNB addresses in 127.88/16: the GTP-U sockets must not meet other
     * tests' on 127.0.0.1:2152 */
    snprintf(base, sizeof(base), "127.88.%d.1", (int)(getpid() % 200) + 1);
    snprintf(line, sizeof(line),
             "enbsim --mme 127.0.0.1 --subscribers %s --no-tun --timeout 5 --enb-addr %s "
             "--ue-report %s %s",
             csv_path, base, report_path, opts);
    for (char *save = NULL, *t = strtok_r(line, " ", &save); t && argc < 63;
         t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    FILE *out = fopen(out_path, "w");
    assert_non_null(out);
    optind = 0;
    int rc = enbsim_run(argc, argv, out);
    fclose(out);
    return rc;
}

/* The value of "enbsim: KEY VALUE" in the last run's output, or -1. */
static long figure(const char *key)
{
    char line[256], want[128];
    long v = -1;
    snprintf(want, sizeof(want), "enbsim: %s ", key);
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, want, strlen(want)))
            v = strtol(line + strlen(want), NULL, 10);
    fclose(f);
    return v;
}

static bool has_line(const char *text)
{
    char line[256];
    bool found = false;
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        found |= strstr(line, text) != NULL;
    fclose(f);
    return found;
}

static void test_two_enbs_attach_pdn_detach_then_guti_attach(void **state)
{
    (void)state;
    int rc = run("--enbs 2 --ues 4 --pdn ims --detach --attaches 2");
    assert_int_equal(rc, 0);
    assert_int_equal(mme.setups, 2);
    assert_int_equal(figure("enbs_setup"), 2);
    assert_int_equal(figure("attached"), 4);
    assert_int_equal(figure("failed"), 0);
    assert_int_equal(figure("attach_ok"), 8);
    assert_int_equal(figure("pdn_connect_ok"), 8);
    assert_int_equal(figure("pdn_disconnect_ok"), 8);
    assert_int_equal(figure("detach_ok"), 8);
    assert_int_equal(figure("kenb_mismatch"), 0);
    assert_true(figure("attach_p50_us") >= 0);
    assert_int_equal(mme.guti_attaches, 4);
    assert_int_equal(mme.attach_completes, 8);
    assert_int_equal(mme.pdn_setups, 8);
    assert_int_equal(mme.pdn_releases, 8);
    assert_int_equal(mme.smc_completes, 8);
    assert_int_equal(mme.bad_streams, 0);
    /* the UE report: one line per UE */
    FILE *f = fopen(report_path, "r");
    char line[256];
    int n = 0;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f))
        n += line[0] != '#';
    fclose(f);
    assert_int_equal(n, 4);
}

static void test_attached_ues_report_addresses_and_teids(void **state)
{
    (void)state;
    char opts[160], ready[96];
    snprintf(ready, sizeof(ready), "%s.ready", out_path);
    snprintf(opts, sizeof(opts), "--ues 2 --ready-file %s", ready);
    assert_int_equal(run(opts), 0);
    assert_int_equal(access(ready, F_OK), 0);
    unlink(ready);
    FILE *f = fopen(report_path, "r");
    char line[256], imsi[32], ip[32], ul[16], dl[16], st[16];
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f)); /* header */
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_int_equal(sscanf(line, "%31s %31s %15s %15s %15s", imsi, ip, ul, dl, st), 5);
    assert_string_equal(imsi, "001010000000001");
    assert_string_equal(ip, "10.45.5.3");
    assert_string_equal(ul, "0x00000101");
    assert_string_equal(dl, "0x00000015");
    assert_string_equal(st, "attached");
}

static void test_s1_setup_failure_reported_with_cause(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --plmn 00102"), 1);
    assert_int_equal(mme.setup_failures, 1);
    assert_true(has_line("enbsim: s1_setup_failure_cause misc/unknown-PLMN"));
    assert_int_equal(figure("enbs_setup"), 0);
    assert_int_equal(figure("attached"), 0);
}

static void test_s1_setup_unanswered_or_no_mme(void **state)
{
    (void)state;
    mme.silent = true;
    assert_int_equal(run("--ues 1 --timeout 0.3"), 1);
    assert_true(has_line("enbsim: s1_setup_failure_cause s1-setup-timeout"));
    assert_true(has_line("enbsim: failed_cause attach:s1-setup-timeout 1"));
    /* nobody listening on the MME's port: the association cannot start
     * (the SCTP double says so at once, usrsctp times out) */
    assert_int_equal(run("--ues 1 --mme 127.0.0.2 --timeout 2"), 1);
    assert_true(has_line("enbsim: s1_setup_failure_cause sctp-cant-start") ||
                has_line("enbsim: s1_setup_failure_cause sctp-timeout"));
}

static void test_network_detach_answered(void **state)
{
    (void)state;
    mme.nw_detach = true;
    uint64_t t0 = enbsim_now_ns();
    /* held for 20 s, but the network detaches at once: the run ends then */
    assert_int_equal(run("--ues 2 --hold 20"), 0);
    assert_true(enbsim_now_ns() - t0 < 10000000000ull);
    assert_int_equal(mme.detach_accepts, 2);
    assert_int_equal(figure("nw_detaches"), 2);
    assert_int_equal(figure("ctx_release_ok"), 2);
}

static void test_detach_from_idle_opens_a_connection(void **state)
{
    (void)state;
    mme.idle_release = true;
    assert_int_equal(run("--ues 2 --hold 0.3 --detach"), 0);
    assert_int_equal(mme.idle_detaches, 2);
    assert_int_equal(mme.detaches, 2);
    assert_int_equal(figure("detach_ok"), 2);
}

/* The association goes while UEs are held: the eNB reconnects and sets
 * S1 up again, the UEs stay attached (ECM-IDLE) and later detach through
 * new S1 connections, their NAS counts carrying on. */
static void test_association_lost_and_back_ues_stay_attached(void **state)
{
    (void)state;
    for (int by_signal = 0; by_signal < 2; by_signal++) {
        if (by_signal) {
            /* a fresh scripted MME for the second round */
            teardown(NULL);
            setup(NULL);
        }
        mme.drop_after_attaches = 2;
        mme.drop_by_signal = by_signal ? SIGUSR1 : 0;
        int rc = run("--ues 2 --hold 1.5 --detach");
        ev_timer_stop(ev_default_loop(0), &mme.drop_timer);
        assert_int_equal(rc, 0);
        assert_int_equal(mme.setups, 2);
        assert_int_equal(figure("s1_reconnects"), 1);
        assert_int_equal(figure("s1_setup_ok"), 2);
        assert_int_equal(figure("attach_ok"), 2);
        assert_int_equal(figure("detach_ok"), 2);
        assert_int_equal(mme.idle_detaches, 2);
    }
}

/* TS 24.301 5.5.1.2.2: a GUTI the network does not know -> Identity
 * Request; the UE answers with its IMSI, unprotected (the network has no
 * context to read anything else), and the attach goes on with AKA. */
static void test_unknown_guti_identity_request(void **state)
{
    (void)state;
    mme.forget_gutis = true;
    assert_int_equal(run("--ues 2 --detach --attaches 2"), 0);
    assert_int_equal(mme.guti_attaches, 2);
    assert_int_equal(mme.identity_requests, 2);
    assert_int_equal(figure("attach_ok"), 4);
}

/* --hold -1: attached until SIGTERM, then the held UEs detach and the
 * run ends with everything done. */
static void test_hold_until_sigterm_then_detach(void **state)
{
    (void)state;
    char opts[160], ready[96];
    snprintf(ready, sizeof(ready), "%s.ready", out_path);
    snprintf(opts, sizeof(opts), "--ues 2 --hold -1 --detach --ready-file %s", ready);
    mme.drop_after_attaches = 2;
    mme.drop_by_signal = SIGTERM;
    int rc = run(opts);
    ev_timer_stop(ev_default_loop(0), &mme.drop_timer);
    assert_int_equal(rc, 0);
    assert_int_equal(access(ready, F_OK), 0);
    unlink(ready);
    assert_int_equal(figure("detach_ok"), 2);
    assert_int_equal(mme.detaches, 2);
}

static void test_sqn_ahead_resynchronises(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 2 --misbehave sqn-ahead --detach=switch-off"), 0);
    assert_int_equal(mme.resyncs, 2);
    assert_int_equal(mme.switch_offs, 2);
    assert_int_equal(figure("attach_ok"), 2);
    assert_int_equal(figure("detach_ok"), 2);
}

static void test_wrong_res_rejected(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --misbehave wrong-res"), 1);
    assert_int_equal(mme.auth_rejects, 1);
    assert_int_equal(figure("failed"), 1);
    assert_true(has_line("enbsim: failed_cause attach:auth-reject 1"));
}

static void test_malformed_s1ap_answered_with_error_indication(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --misbehave s1ap-unknown-ie"), 1);
    assert_int_equal(mme.error_indications, 1);
    assert_int_equal(figure("error_indications"), 1);
    assert_true(has_line("enbsim: failed_cause attach:error-indication 1"));
    assert_int_equal(run("--ues 1 --misbehave s1ap-truncated --timeout 0.5"), 1);
    assert_int_equal(mme.error_indications, 2);
    assert_int_equal(figure("error_indications"), 1);
    assert_true(has_line("enbsim: failed_cause attach:timeout-attaching 1"));
}

static void test_esm_information_flag(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --esm-info"), 0);
    assert_int_equal(mme.esm_info, 1);
    assert_int_equal(figure("attach_ok"), 1);
    /* the KeNB from the SECURITY MODE COMPLETE's COUNT, not the ESM
     * INFORMATION RESPONSE's (TS 33.401 7.2.6.1, A.3) */
    assert_int_equal(figure("kenb_mismatch"), 0);
}

/* The MME's T3460 ran out while the UE's SECURITY MODE COMPLETE was on its
 * way: the UE answers the repeated command too, and the MME goes on with
 * the first complete.  The KeNB is the one of that first complete's COUNT
 * (seen under load: 2 KeNB mismatches in 30 000 cycles of agw_idle_bench). */
static void test_smc_repeated_kenb_from_first_complete(void **state)
{
    (void)state;
    mme.smc_twice = true;
    assert_int_equal(run("--ues 1"), 0);
    assert_int_equal(mme.smc_completes, 2);
    assert_int_equal(figure("attach_ok"), 1);
    assert_int_equal(figure("kenb_mismatch"), 0);
}

static void test_sctp_abort_mid_attach(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --misbehave sctp-abort-mid-attach"), 1);
    assert_int_equal(figure("attached"), 0);
    assert_true(has_line("enbsim: failed_cause attach:sctp-"));
    assert_int_equal(mme.smc_completes, 0);
}

/* The user plane: a UDP datagram sent from the UE's address through its
 * TUN device ue0 leaves enbsim as a G-PDU with the UL TEID, the gateway
 * double reflects it with the eNB's DL TEID, and it arrives back on ue0.
 * Needs root and a private netns: only in the list when
 * enbsim_flow_sctp.sh sets ENBSIM_FLOW_TUN=1 (cmocka's TAP for a skipped
 * test reads as a failure to prove). */
/* Many UEs: --concurrency bounds the attaches in progress, --rate spaces
 * their starts (a lower bound on the run time: it cannot be faster). */
static void test_load_rate_and_concurrency(void **state)
{
    (void)state;
    assert_int_equal(run("--enbs 3 --ues 400 --concurrency 16 --detach"), 0);
    assert_int_equal(figure("attach_ok"), 400);
    assert_int_equal(figure("detach_ok"), 400);
    assert_true(figure("max_in_flight") <= 16);
    assert_true(figure("max_in_flight") >= 1);
    uint64_t t0 = enbsim_now_ns();
    assert_int_equal(run("--ues 50 --rate 200/s"), 0);
    uint64_t took = enbsim_now_ns() - t0;
    assert_int_equal(figure("attach_ok"), 50);
    if (took < 49 * 1000000000ull / 200)
        fail_msg("50 UEs at 200/s took %llu ns", (unsigned long long)took);
}

static void up_start(void)
{
    mme.up = true;
    mme.probe_fd = -1;
    mme.gtpu_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(2152)};
    a.sin_addr.s_addr = inet_addr("127.0.0.1");
    assert_int_equal(bind(mme.gtpu_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ev_io_init(&mme.gtpu_io, on_gtpu, mme.gtpu_fd, EV_READ);
    ev_io_start(ev_default_loop(0), &mme.gtpu_io);
}

static void up_stop(void)
{
    ev_io_stop(ev_default_loop(0), &mme.gtpu_io);
    if (mme.probe_fd >= 0) {
        ev_io_stop(ev_default_loop(0), &mme.probe_io);
        close(mme.probe_fd);
    }
    close(mme.gtpu_fd);
}

static void test_tun_user_plane_round_trip(void **state)
{
    (void)state;
    up_start();
    char opts[160];
    snprintf(opts, sizeof(opts), "--ues 1 --tun --hold 1 --detach --ready-file %s.ready",
             out_path);
    int rc = run(opts);
    up_stop();
    assert_int_equal(rc, 0);
    char ready[96];
    snprintf(ready, sizeof(ready), "%s.ready", out_path);
    assert_int_equal(access(ready, F_OK), 0);
    unlink(ready);
    assert_true(mme.gpdu_in >= 1);
    assert_true(mme.gpdu_out >= 1);
    assert_int_equal(mme.probes_back, 1);
}

/* A packet routed into the TUN device of an ECM-IDLE UE makes it send a
 * Service Request (mo-Data, TS 24.301 5.6.1.1); it waits in the device
 * and goes, and its answer comes back, once the bearers are set up. */
static void test_tun_uplink_data_wakes_idle_ue(void **state)
{
    (void)state;
    up_start();
    mme.probe_delay = 0.5;
    int rc = run("--ues 1 --tun --idle-after 0 --cycles 1 --hold 1 --detach");
    up_stop();
    assert_int_equal(rc, 0);
    assert_int_equal(figure("idle_ok"), 1);
    assert_int_equal(figure("service_request_ok"), 1);
    assert_int_equal(mme.mo_data, 1);
    assert_int_equal(mme.probes_back, 1);
}

/* The uplink TFT of a dedicated bearer (UDP to remote port 40000) sends
 * the probe on the dedicated bearer's tunnel. */
static void test_tun_tft_steers_uplink(void **state)
{
    (void)state;
    up_start();
    mme.dedicated = mme.dedicated_keep = true;
    mme.ded_port = 40000;
    int rc = run("--ues 1 --tun --hold 1 --detach");
    up_stop();
    assert_int_equal(rc, 0);
    assert_int_equal(figure("dedicated_bearer_ok"), 1);
    assert_int_equal(figure("dedicated_ul_pkts"), 1);
    assert_int_equal(mme.gpdu_dedicated, 1);
    assert_int_equal(mme.probes_back, 0);
}

/* Sends that find the SCTP send buffer full (-EAGAIN) wait in order and
 * go out when there is room: no attach fails with cause "send".  The
 * SCTP double's buffer holds one message per eNB endpoint; over the real
 * transport (test_enbsim_flow_sctp) the run is the same without the knob. */
static void test_send_buffer_full_queues_in_order(void **state)
{
    (void)state;
    bool fake = &fake_sctp_sndbuf_msgs != NULL;
    if (fake)
        fake_sctp_sndbuf_msgs = 1;
    int rc = run("--enbs 2 --ues 60 --concurrency 60 --pdn ims --detach");
    if (fake)
        fake_sctp_sndbuf_msgs = 0;
    assert_int_equal(rc, 0);
    assert_int_equal(figure("attach_ok"), 60);
    assert_int_equal(figure("pdn_connect_ok"), 60);
    assert_int_equal(figure("detach_ok"), 60);
    assert_int_equal(figure("failed"), 0);
    if (fake) {
        assert_true(fake_sctp_eagains > 0);
        if (figure("sctp_send_waits") <= 0)
            fail_msg("sctp_send_waits %ld with %llu -EAGAIN", figure("sctp_send_waits"),
                     (unsigned long long)fake_sctp_eagains);
    }
}

/* The benchmark's sustained load: attach/detach over and over until
 * --duration; it ends then with the figures, UEs in the middle cut (not
 * failed), exit 0, and --concurrency holds for the repeated attaches. */
static void test_duration_ends_sustained_load(void **state)
{
    (void)state;
    uint64_t t0 = enbsim_now_ns();
    int rc = run("--ues 20 --attaches 1000000 --detach --duration 1 --concurrency 8");
    uint64_t took = enbsim_now_ns() - t0;
    assert_int_equal(rc, 0);
    if (took > 3000000000ull)
        fail_msg("a 1 s run took %llu ns", (unsigned long long)took);
    assert_true(figure("attach_ok") > 20);
    assert_int_equal(figure("attach_failed"), 0);
    assert_int_equal(figure("failed"), 0);
    assert_true(figure("cut_by_duration") >= 1);
    assert_true(figure("max_in_flight") <= 8);
    assert_true(figure("attaches_per_s") > 0);
    assert_true(figure("attach_p99_us") > 0);
    /* a run in which no attach completes is not a success */
    assert_int_equal(run("--ues 2 --misbehave no-smc-complete --duration 0.3"), 1);
    assert_int_equal(figure("cut_by_duration"), 2);
    assert_int_equal(figure("failed"), 0);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --rate fast"), 2);
    assert_int_equal(run("--ues 1 --misbehave nonsense"), 2);
    assert_int_equal(run("--ues 1000"), 2); /* the file holds 500 */
    assert_int_equal(run("--ues 1 --attaches 2"), 2);
}

/* Idle mode (issue 12): the eNB releases each UE after inactivity (UE
 * Context Release Request), the UE comes back with a Service Request
 * (short MAC verified by the MME, S-TMSI, mo-Data) and the Initial
 * Context Setup's KeNB is the one the UE derives from that COUNT. */
static void test_idle_active_cycles(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 4 --idle-after 0 --active-after 0 --cycles 3 --detach"), 0);
    assert_int_equal(figure("idle_ok"), 12);
    assert_int_equal(figure("service_request_ok"), 12);
    assert_int_equal(figure("service_request_failed"), 0);
    assert_true(figure("service_request_p99_us") >= 0);
    assert_int_equal(figure("kenb_mismatch"), 0);
    assert_int_equal(figure("detach_ok"), 4);
    assert_true(figure("cycles_per_s") > 0);
    assert_int_equal(mme.release_requests, 12);
    assert_int_equal(mme.radio_loss, 0);
    assert_int_equal(mme.service_requests, 12);
    assert_int_equal(mme.restores, 12);
    assert_int_equal(mme.mo_data, 12);
    assert_int_equal(mme.stmsi, 12);
    assert_int_equal(mme.bad_streams, 0);
}

/* The same with Extended Service Requests and the radio-loss cause. */
static void test_ext_service_request_radio_loss(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 2 --idle-after 0 --active-after 0 --cycles 2 --ext-service "
                         "--release-cause radio-loss --detach"),
                     0);
    assert_int_equal(figure("service_request_ok"), 4);
    assert_int_equal(figure("kenb_mismatch"), 0);
    assert_int_equal(mme.ext_service_requests, 4);
    assert_int_equal(mme.service_requests, 0);
    assert_int_equal(mme.radio_loss, 4);
}

/* Paging: the MME pages every released UE in both eNBs; only the eNB the
 * UE camps on answers, with a Service Request (mt-Access). */
static void test_paging_answered_by_service_request(void **state)
{
    (void)state;
    mme.page_after_release = true;
    assert_int_equal(run("--enbs 2 --ues 4 --idle-after 0 --cycles 2 --detach"), 0);
    assert_int_equal(figure("paging_ok"), 8);
    assert_int_equal(figure("service_request_ok"), 8);
    assert_int_equal(figure("pagings"), 16);
    assert_int_equal(figure("paging_ignored"), 0);
    assert_int_equal(figure("kenb_mismatch"), 0);
    assert_true(figure("paging_p99_us") >= 0);
    assert_int_equal(mme.pagings_sent, 16);
    assert_int_equal(mme.mt_access, 8);
    assert_int_equal(mme.service_requests, 8);
}

/* Paged by IMSI (the network lost the context): the UE attaches again
 * with its IMSI (TS 24.301 5.6.2.2.2); then it is paged by S-TMSI. */
static void test_paging_by_imsi_attaches_again(void **state)
{
    (void)state;
    mme.page_after_release = true;
    mme.imsi_pages = 2;
    assert_int_equal(run("--ues 2 --idle-after 0 --cycles 1 --detach"), 0);
    assert_int_equal(figure("paging_imsi"), 2);
    assert_int_equal(figure("attach_ok"), 4);
    assert_int_equal(figure("paging_ok"), 2);
    assert_int_equal(figure("service_request_ok"), 2);
    assert_int_equal(figure("detach_ok"), 2);
    assert_int_equal(mme.attach_requests, 4);
    assert_int_equal(mme.guti_attaches, 0);
}

/* Periodic TAU from ECM-IDLE: TAU Accept with a new GUTI -> TAU Complete,
 * released again; the detach at the end names the new GUTI.  With the
 * active flag the bearers come back (KeNB from the TAU Request's COUNT). */
static void test_periodic_tau(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 2 --idle-after 0 --tau-period 0.1 --hold 1 --detach"), 0);
    long taus = figure("tau_ok");
    assert_true(taus >= 2);
    assert_int_equal(figure("tau_failed"), 0);
    assert_int_equal(mme.taus, (unsigned)taus);
    assert_int_equal(mme.tau_completes, (unsigned)taus);
    assert_int_equal(mme.tau_actives, 0);
    assert_int_equal(figure("detach_ok"), 2);
    assert_int_equal(mme.idle_detaches, 2); /* by the GUTI of the last TAU */
}

static void test_periodic_tau_active_flag(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 2 --idle-after 0 --tau-period 0 --tau-active --hold 0.6 "
                         "--detach"),
                     0);
    long taus = figure("tau_ok");
    assert_true(taus >= 2);
    assert_int_equal(mme.tau_actives, (unsigned)taus);
    assert_int_equal(mme.restores, (unsigned)taus);
    assert_int_equal(figure("kenb_mismatch"), 0);
}

/* X2 handover: UEs move between two eNBs; each target eNB's Path Switch
 * Request comes on its own association, and the NH of every acknowledge
 * is the one the UE computes (TS 33.401 7.2.8.4). */
static void test_x2_handovers(void **state)
{
    (void)state;
    assert_int_equal(run("--enbs 2 --ues 4 --x2-handover-after 0 --handovers 3 --detach"), 0);
    assert_int_equal(figure("x2_handover_ok"), 12);
    assert_int_equal(figure("x2_handover_failed"), 0);
    assert_int_equal(figure("nh_mismatch"), 0);
    assert_true(figure("handovers_per_s") > 0);
    assert_int_equal(figure("detach_ok"), 4);
    assert_int_equal(mme.path_switches, 12);
    assert_int_equal(mme.psr_new_assoc, 12);
    assert_int_equal(mme.psr_bad, 0);
    /* the downlink TEIDs the gateway got last are of the third handover
     * (generation 3 in bits 31-26, load.c) */
    unsigned n = 0;
    for (int i = 1; i < MAX_UES; i++)
        if (mme.ue[i].used && mme.ue[i].m_tmsi) {
            assert_int_equal(mme.enb_dl_teid[i] >> 26, 3);
            assert_int_equal(mme.enb_dl_teid[i] & 0xf, 5);
            n++;
        }
    assert_int_equal(n, 4);
    /* the UE report: odd handovers leave UE 0 (eNB 0) on eNB 1 */
    FILE *f = fopen(report_path, "r");
    char line[256], imsi[32], ip[32], ul[16], dl[16], st[16];
    unsigned enb;
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_int_equal(sscanf(line, "%31s %31s %15s %15s %15s %u", imsi, ip, ul, dl, st, &enb), 6);
    assert_int_equal(enb, 1);
}

/* A Path Switch Request answered with an Error Indication fails that
 * handover (counted) at once, not by timeout; the UE stays with its
 * source eNB, connected, and detaches from there. */
static void test_x2_handover_error_indication(void **state)
{
    (void)state;
    mme.psr_error = true;
    assert_int_equal(run("--enbs 2 --ues 1 --x2-handover-after 0.2 --hold 0.5 --detach"), 1);
    assert_true(figure("x2_handover_failed") >= 1);
    assert_int_equal(figure("x2_handover_ok"), 0);
    assert_true(has_line("enbsim: failed_cause x2_handover:error-indication "));
    assert_int_equal(figure("failed"), 0);
    assert_int_equal(figure("detach_ok"), 1);
    assert_true(mme.path_switches >= 1);
}

/* S1 Reset from the eNB (whole interface) and from the MME (partial):
 * acknowledged; the UEs are ECM-IDLE and detach from there. */
static void test_s1_reset_from_enb(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 2 --reset-after 0.2 --hold 0.6 --detach"), 0);
    assert_int_equal(figure("reset_ok"), 1);
    assert_int_equal(mme.resets_rx, 1);
    assert_int_equal(figure("detach_ok"), 2);
    assert_int_equal(mme.idle_detaches, 2);
}

static void test_s1_reset_from_mme(void **state)
{
    (void)state;
    mme.mme_reset_after = 2;
    assert_int_equal(run("--ues 2 --hold 0.6 --detach"), 0);
    assert_int_equal(figure("s1_resets_received"), 1);
    assert_int_equal(mme.reset_acks, 1);
    assert_int_equal(figure("detach_ok"), 2);
    assert_int_equal(mme.idle_detaches, 2);
}

/* Dedicated bearers: network-initiated (E-RAB Setup with the activation
 * and a TFT, E-RAB Modify adding a filter, E-RAB Release), and asked for
 * by the UE (bearer resource allocation, granted with the same PTI). */
static void test_dedicated_bearers(void **state)
{
    (void)state;
    mme.dedicated = true;
    assert_int_equal(run("--ues 2 --hold 0.3 --detach"), 0);
    assert_int_equal(figure("dedicated_bearer_ok"), 2);
    assert_int_equal(mme.dedicated_accepts, 2);
    assert_int_equal(mme.modify_accepts, 2);
    assert_int_equal(mme.erab_modify_rsp, 2);
    assert_int_equal(mme.dedicated_releases, 2);
    assert_int_equal(figure("detach_ok"), 2);
}

static void test_ue_requested_bearer(void **state)
{
    (void)state;
    assert_int_equal(run("--ues 1 --bearer-alloc 1:5000 --hold 0.3 --detach"), 0);
    assert_int_equal(mme.br_allocs, 1);
    assert_int_equal(figure("dedicated_bearer_ok"), 1);
    assert_true(figure("dedicated_bearer_p50_us") >= 0);
    assert_int_equal(mme.dedicated_accepts, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_two_enbs_attach_pdn_detach_then_guti_attach),
        T(test_attached_ues_report_addresses_and_teids),
        T(test_s1_setup_failure_reported_with_cause),
        T(test_s1_setup_unanswered_or_no_mme),
        T(test_network_detach_answered),
        T(test_detach_from_idle_opens_a_connection),
        T(test_association_lost_and_back_ues_stay_attached),
        T(test_unknown_guti_identity_request),
        T(test_hold_until_sigterm_then_detach),
        T(test_sqn_ahead_resynchronises),
        T(test_wrong_res_rejected),
        T(test_esm_information_flag),
        T(test_smc_repeated_kenb_from_first_complete),
        T(test_malformed_s1ap_answered_with_error_indication),
        T(test_sctp_abort_mid_attach),
        T(test_load_rate_and_concurrency),
        T(test_usage_errors_exit_2),
        T(test_send_buffer_full_queues_in_order),
        T(test_duration_ends_sustained_load),
        T(test_idle_active_cycles),
        T(test_ext_service_request_radio_loss),
        T(test_paging_answered_by_service_request),
        T(test_paging_by_imsi_attaches_again),
        T(test_periodic_tau),
        T(test_periodic_tau_active_flag),
        T(test_x2_handovers),
        T(test_x2_handover_error_indication),
        T(test_s1_reset_from_enb),
        T(test_s1_reset_from_mme),
        T(test_dedicated_bearers),
        T(test_ue_requested_bearer),
        /* last: left out below */
        T(test_tun_user_plane_round_trip),
        T(test_tun_uplink_data_wakes_idle_ue),
        T(test_tun_tft_steers_uplink),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    if (!getenv("ENBSIM_FLOW_TUN"))
        n -= 3;
    return _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
}
