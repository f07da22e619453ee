/* xepc-agwd's handover procedures (s1ap_handover.c), driven through the
 * same entry point as the SCTP path (s1ap_handle_pdu) without SCTP or a
 * datapath: what the daemon sends is caught by wrapping sctp_ep_send()
 * (-Wl,--wrap), then decoded and checked; the store is a real SQLite
 * file, so "in SQLite before the Acknowledge" is checked too. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "sec/kdf.h"
#include "sctp/sctp_path.h"

static const char config_yaml[] =
    "logger: { level: error }\n"
    "mme:\n"
    "  gummei: { plmn: { mcc: \"001\", mnc: \"01\" }, mme_gid: 1, mme_code: 1 }\n"
    "  tai: [ { plmn: { mcc: \"001\", mnc: \"01\" }, tac: [1, 2] } ]\n"
    "  ts1relocprep: 150ms\n"
    "  ts1relocoverall: 200ms\n"
    "gtpu: { address: 127.0.0.1 }\n"
    "datapath: { s1u: lo, sgi: lo }\n"
    "apns:\n"
    "  - { name: internet, pool: 10.45.0.0/24 }\n"
    "control: { socket: /nonexistent/agwd.sock }\n"
    "metrics: { port: 0 }\n";

/* ------------------------------------------------ what the daemon sends -- */

#define MAX_SENT 16
static struct sent {
    uint32_t assoc;
    uint16_t stream;
    size_t len;
    uint8_t buf[4096];
} sent[MAX_SENT];
static unsigned n_sent;

int __wrap_sctp_ep_send(struct sctp_ep *ep, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
                        const void *buf, size_t len);
int __wrap_sctp_ep_send(struct sctp_ep *ep, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
                        const void *buf, size_t len)
{
    (void)ep;
    (void)ppid;
    if (n_sent < MAX_SENT && len <= sizeof(sent[0].buf)) {
        sent[n_sent].assoc = assoc_id;
        sent[n_sent].stream = stream;
        sent[n_sent].len = len;
        memcpy(sent[n_sent].buf, buf, len);
        n_sent++;
    }
    return 0;
}

/* ue_foreach() counted: the paging index must make it unneeded */
static unsigned n_foreach;
void __real_ue_foreach(struct agw_ctx *c, void (*fn)(struct agw_ctx *, struct agw_ue *, void *),
                       void *arg);
void __wrap_ue_foreach(struct agw_ctx *c, void (*fn)(struct agw_ctx *, struct agw_ue *, void *),
                       void *arg);
void __wrap_ue_foreach(struct agw_ctx *c, void (*fn)(struct agw_ctx *, struct agw_ue *, void *),
                       void *arg)
{
    n_foreach++;
    __real_ue_foreach(c, fn, arg);
}

static struct s1ap_pdu rx;
static uint8_t rx_arena_buf[65536];

/* Decodes what was sent as message i. */
static const struct s1ap_pdu *sent_pdu(unsigned i)
{
    struct aper_arena a;
    struct s1ap_decode_error err;
    assert_true(i < n_sent);
    aper_arena_init(&a, rx_arena_buf, sizeof(rx_arena_buf));
    assert_int_equal(s1ap_decode(sent[i].buf, sent[i].len, &rx, &a, &err), 0);
    return &rx;
}

/* ------------------------------------------------------------- fixture -- */

static struct agw_ctx ctx;
static struct agw_config cfg;
static struct agw_db db;
static char db_path[64];
static int dummy_ep;
static struct agw_ue *ue;
static const uint8_t kenb[32] = {0x11, 0x22, 0x33, 0x44};
static const uint8_t enb_src_addr[4] = {10, 0, 0, 1}, enb_tgt_addr[4] = {10, 0, 0, 2};

static int setup(void **state)
{
    static char errbuf[4096];
    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(agw_config_load_string("t.yaml", config_yaml, sizeof(config_yaml) - 1, &cfg,
                                            errbuf, sizeof(errbuf)), 0);
    snprintf(db_path, sizeof(db_path), "/tmp/test_agw_handover.%d.db", (int)getpid());
    unlink(db_path);
    assert_int_equal(agw_db_open(db_path, &db, errbuf, sizeof(errbuf)), 0);
    ctx.cfg = &cfg;
    ctx.db = &db;
    ctx.no_datapath = true;
    ctx.s1ap = (struct sctp_ep *)&dummy_ep;
    FILE *devnull = fopen("/dev/null", "w");
    agw_log_init(&ctx.log, AGW_LOG_DEBUG, true, devnull);
    ctx.loop = ev_default_loop(0);
    assert_int_equal(agw_hash_init(&ctx.enb_by_assoc, 16), 0);
    assert_int_equal(agw_hash_init(&ctx.enb_by_global, 16), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_id, 64), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_imsi, 64), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_tmsi, 64), 0);
    assert_int_equal(agw_hash_init(&ctx.ue_by_enb, 64), 0);
    ctx.rx_pdu = malloc(sizeof(*ctx.rx_pdu));
    ctx.rx_arena = malloc(AGW_RX_ARENA_SIZE);
    assert_non_null(ctx.rx_pdu);
    assert_non_null(ctx.rx_arena);
    assert_int_equal(pgw_init(&ctx), 0);
    assert_int_equal(ue_store_open(&ctx), 0);
    assert_int_equal(s1ap_txq_init(&ctx), 0);

    /* two set-up eNBs: the source (assoc 1) and the target (assoc 2) */
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(36412)};
    for (uint32_t a = 1; a <= 2; a++) {
        memcpy(&peer.sin_addr, a == 1 ? enb_src_addr : enb_tgt_addr, 4);
        s1ap_enb_connected(&ctx, a, &peer, 4, 4);
        struct agw_enb *e = enb_find_assoc(&ctx, a);
        assert_non_null(e);
        e->setup = true;
        e->enb_id = 100 + a;
        memcpy(e->plmn, "\x00\xf1\x10", 3);
        e->enb_id_type = S1AP_ENB_ID_PR_macroENB_ID;
        assert_int_equal(agw_hash_add(&ctx.enb_by_global, &e->by_global,
                                      agw_enb_global_key(e->plmn, e->enb_id_type, e->enb_id)),
                         0);
    }

    /* a registered, connected UE with a default bearer toward the source
     * and the AS security context of its last Initial Context Setup */
    ue = ue_new(&ctx);
    assert_non_null(ue);
    assert_int_equal(ue_set_imsi(&ctx, ue, "001010000000001"), 0);
    assert_int_equal(ue_new_guti(&ctx, ue), 0);
    ue->emm = EMM_REGISTERED;
    ue->sec_valid = true;
    ue->sec_lazy = true;
    ue->guti_sent = true;
    ue->ue_net_cap.len = 2;
    ue->ue_net_cap.eea = 0xf0;      /* EEA0..3 */
    ue->ue_net_cap.eia = 0x70;      /* EIA1..3 */
    memset(ue->kasme, 0x5a, sizeof(ue->kasme));
    assert_int_equal(ue_s1_bind(&ctx, ue, enb_find_assoc(&ctx, 1), 7), 0);
    struct agw_pdn *p = &ue->pdn[0];
    p->state = PDN_ACTIVE;
    p->ebi = 5;
    p->apn_idx = 0;
    assert_int_equal(pgw_pdn_alloc(&ctx, ue, p, &cfg.apns[0], NULL), 0);
    memcpy(&p->enb_addr, enb_src_addr, 4);
    p->dl_teid = 0x100;
    ho_nh_init(ue, kenb);
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    n_sent = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (uint32_t a = 1; a <= 2; a++)
        s1ap_enb_disconnected(&ctx, a, "test");
    struct agw_ue *u = ue_find_imsi(&ctx, "001010000000001");
    if (u) {
        for (unsigned i = 0; i < AGW_MAX_PDN; i++)
            pgw_pdn_release(&ctx, u, &u->pdn[i]);
        ue_free(&ctx, u);
    }
    agw_commit(&ctx);
    ctx.s1ap = NULL;   /* the dummy endpoint is not one to close */
    s1ap_path_close(&ctx);
    ue_store_close(&ctx);
    pgw_fini(&ctx);
    agw_hash_free(&ctx.enb_by_assoc);
    agw_hash_free(&ctx.enb_by_global);
    agw_hash_free(&ctx.ue_by_id);
    agw_hash_free(&ctx.ue_by_imsi);
    agw_hash_free(&ctx.ue_by_tmsi);
    agw_hash_free(&ctx.ue_by_enb);
    free(ctx.rx_pdu);
    free(ctx.rx_arena);
    agw_db_close(&db);
    agw_config_free(&cfg);
    unlink(db_path);
    char wal[80];
    snprintf(wal, sizeof(wal), "%s-wal", db_path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", db_path);
    unlink(wal);
    if (ctx.log.out && ctx.log.out != stderr)
        fclose(ctx.log.out);
    return 0;
}

/* ------------------------------------------------ Path Switch Request -- */

struct erab {
    uint8_t ebi;
    const uint8_t *addr;
    uint32_t teid;
};
static uint16_t ps_nbits = 32;      /* of the addresses: 128 for IPv6 */

/* The target eNB (assoc) asks for the UE of source_mme_id with its new
 * eNB UE S1AP ID; the request is handled and the loop iteration
 * committed, as the daemon does. */
static void path_switch(uint32_t assoc, uint32_t enb_ue_id, uint32_t source_mme_id,
                        const struct erab *erabs, unsigned n, uint8_t eea, uint8_t eia)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeSwitchedDLItem items[4];
    uint8_t teids[4][4], enc[2] = {eea, 0}, integ[2] = {eia, 0}, buf[2048];
    s1ap_pdu_init(&pdu, S1AP_MSG_PathSwitchRequest);
    s1ap_PathSwitchRequest *m = &pdu.u.PathSwitchRequest;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->SourceMME_UE_S1AP_ID = source_mme_id;
    for (unsigned i = 0; i < n; i++) {
        memset(&items[i], 0, sizeof(items[i]));
        items[i].e_RAB_ID = erabs[i].ebi;
        items[i].transportLayerAddress.buf = erabs[i].addr;
        items[i].transportLayerAddress.nbits = ps_nbits;
        teids[i][0] = (uint8_t)(erabs[i].teid >> 24);
        teids[i][1] = (uint8_t)(erabs[i].teid >> 16);
        teids[i][2] = (uint8_t)(erabs[i].teid >> 8);
        teids[i][3] = (uint8_t)erabs[i].teid;
        memcpy(items[i].gTP_TEID, teids[i], 4);
    }
    m->E_RABToBeSwitchedDLList.count = n;
    m->E_RABToBeSwitchedDLList.items = items;
    m->EUTRAN_CGI.pLMNidentity[0] = 0x00;
    m->EUTRAN_CGI.pLMNidentity[1] = 0xf1;
    m->EUTRAN_CGI.pLMNidentity[2] = 0x10;
    m->EUTRAN_CGI.cell_ID = 0x1234;
    memcpy(m->TAI.pLMNidentity, m->EUTRAN_CGI.pLMNidentity, 3);
    m->TAI.tAC[1] = 2;
    m->UESecurityCapabilities.encryptionAlgorithms.buf = enc;
    m->UESecurityCapabilities.encryptionAlgorithms.nbits = 16;
    m->UESecurityCapabilities.integrityProtectionAlgorithms.buf = integ;
    m->UESecurityCapabilities.integrityProtectionAlgorithms.nbits = 16;
    int len = s1ap_encode(&pdu, buf, sizeof(buf));
    assert_true(len > 0);
    n_sent = 0;
    s1ap_handle_pdu(&ctx, assoc, 1, buf, (size_t)len);
    agw_commit(&ctx);
}

static uint32_t stored_dl_teid(void)
{
    sqlite3_stmt *st;
    uint32_t v = 0;
    assert_int_equal(sqlite3_prepare_v2(db.db, "SELECT dl_teid FROM pdn_session WHERE ebi = 5",
                                        -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = (uint32_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* TS 36.413 8.4.4.2, TS 33.401 7.2.8.4.3: the Acknowledge goes to the
 * target on the UE's new connection with NCC 2 and NH(2) = KDF(KASME,
 * NH(1)), NH(1) = KDF(KASME, KeNB); the tunnel moved and is stored. */
static void test_path_switch_ack_moves_tunnel_and_chains_nh(void **state)
{
    (void)state;
    uint8_t nh1[32], nh2[32], nh3[32];
    assert_int_equal(sec_nh(ue->kasme, kenb, nh1), 0);
    assert_int_equal(sec_nh(ue->kasme, nh1, nh2), 0);
    assert_int_equal(sec_nh(ue->kasme, nh2, nh3), 0);
    uint32_t id = ue->id;

    struct erab e = {5, enb_tgt_addr, 0x200};
    path_switch(2, 9, id, &e, 1, 0xe0, 0xe0);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *a = sent_pdu(0);
    assert_int_equal(a->kind, S1AP_MSG_PathSwitchRequestAcknowledge);
    assert_int_equal(sent[0].assoc, 2);
    const s1ap_PathSwitchRequestAcknowledge *ack = &a->u.PathSwitchRequestAcknowledge;
    assert_int_equal(ack->MME_UE_S1AP_ID, id);
    assert_int_equal(ack->eNB_UE_S1AP_ID, 9);
    assert_int_equal(ack->SecurityContext.nextHopChainingCount, 2);
    assert_int_equal(ack->SecurityContext.nextHopParameter.nbits, 256);
    assert_memory_equal(ack->SecurityContext.nextHopParameter.buf, nh2, 32);
    assert_false(ack->E_RABToBeReleasedList_present);
    assert_false(ack->UESecurityCapabilities_present);

    /* the UE is the target's now; its tunnel too, in memory and on disk */
    assert_ptr_equal(ue_find_enb(&ctx, 2, 9), ue);
    assert_null(ue_find_enb(&ctx, 1, 7));
    assert_int_equal(ue->pdn[0].dl_teid, 0x200);
    assert_memory_equal(&ue->pdn[0].enb_addr, enb_tgt_addr, 4);
    assert_int_equal(stored_dl_teid(), 0x200);
    assert_int_equal(ctx.stats.x2_handover_success, 1);

    /* and back: the chain goes on (NCC 3) */
    struct erab back = {5, enb_src_addr, 0x300};
    path_switch(1, 8, id, &back, 1, 0xe0, 0xe0);
    assert_int_equal(n_sent, 1);
    a = sent_pdu(0);
    assert_int_equal(a->kind, S1AP_MSG_PathSwitchRequestAcknowledge);
    assert_int_equal(sent[0].assoc, 1);
    assert_int_equal(a->u.PathSwitchRequestAcknowledge.SecurityContext.nextHopChainingCount, 3);
    assert_memory_equal(a->u.PathSwitchRequestAcknowledge.SecurityContext.nextHopParameter.buf,
                        nh3, 32);
    assert_int_equal(stored_dl_teid(), 0x300);
    assert_ptr_equal(ue_find_enb(&ctx, 1, 8), ue);
}

/* 8.4.4.3: an unknown Source MME UE S1AP ID gets the failure, on the
 * target's association, with cause unknown-mme-ue-s1ap-id; nothing moves */
static void test_path_switch_unknown_ue_fails(void **state)
{
    (void)state;
    struct erab e = {5, enb_tgt_addr, 0x200};
    path_switch(2, 9, ue->id + 1000, &e, 1, 0xe0, 0xe0);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *f = sent_pdu(0);
    assert_int_equal(f->kind, S1AP_MSG_PathSwitchRequestFailure);
    assert_int_equal(sent[0].assoc, 2);
    assert_int_equal(f->u.PathSwitchRequestFailure.eNB_UE_S1AP_ID, 9);
    assert_int_equal(f->u.PathSwitchRequestFailure.Cause.present, S1AP_Cause_PR_radioNetwork);
    assert_int_equal(f->u.PathSwitchRequestFailure.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_unknown_mme_ue_s1ap_id);
    assert_ptr_equal(ue_find_enb(&ctx, 1, 7), ue);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);
    assert_int_equal(stored_dl_teid(), 0x100);
    assert_int_equal(ctx.stats.x2_handover_failure, 1);
}

/* No E-RAB the UE has: failure, the UE stays with its source */
static void test_path_switch_unknown_erabs_fail(void **state)
{
    (void)state;
    struct erab e = {6, enb_tgt_addr, 0x200};
    path_switch(2, 9, ue->id, &e, 1, 0xe0, 0xe0);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *f = sent_pdu(0);
    assert_int_equal(f->kind, S1AP_MSG_PathSwitchRequestFailure);
    assert_int_equal(f->u.PathSwitchRequestFailure.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system);
    assert_ptr_equal(ue_find_enb(&ctx, 1, 7), ue);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);
    assert_int_equal(ue->ncc, 1);
}

/* A known E-RAB and an unknown one: switched and released respectively;
 * capabilities that differ from ours: ours go back (TS 33.401 7.2.4.2.2) */
static void test_path_switch_partial_and_caps_mismatch(void **state)
{
    (void)state;
    struct erab e[2] = {{5, enb_tgt_addr, 0x200}, {9, enb_tgt_addr, 0x201}};
    path_switch(2, 9, ue->id, e, 2, 0x20, 0xe0);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *a = sent_pdu(0);
    assert_int_equal(a->kind, S1AP_MSG_PathSwitchRequestAcknowledge);
    const s1ap_PathSwitchRequestAcknowledge *ack = &a->u.PathSwitchRequestAcknowledge;
    assert_true(ack->E_RABToBeReleasedList_present);
    assert_int_equal(ack->E_RABToBeReleasedList.count, 1);
    assert_int_equal(ack->E_RABToBeReleasedList.items[0].e_RAB_ID, 9);
    assert_true(ack->UESecurityCapabilities_present);
    assert_int_equal(ack->UESecurityCapabilities.encryptionAlgorithms.buf[0], 0xe0);
    assert_int_equal(ue->pdn[0].dl_teid, 0x200);
}

/* A UE being detached is not handed over */
static void test_path_switch_during_detach_fails(void **state)
{
    (void)state;
    ue->proc = EMM_PROC_DETACH;
    struct erab e = {5, enb_tgt_addr, 0x200};
    path_switch(2, 9, ue->id, &e, 1, 0xe0, 0xe0);
    ue->proc = EMM_PROC_NONE;
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *f = sent_pdu(0);
    assert_int_equal(f->kind, S1AP_MSG_PathSwitchRequestFailure);
    assert_int_equal(f->u.PathSwitchRequestFailure.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_interaction_with_other_procedure);
    assert_ptr_equal(ue_find_enb(&ctx, 1, 7), ue);
}

/* ------------------------------------------------- resets, Error Ind. -- */

static void feed(uint32_t assoc, struct s1ap_pdu *pdu)
{
    uint8_t buf[1024];
    int len = s1ap_encode(pdu, buf, sizeof(buf));
    assert_true(len > 0);
    n_sent = 0;
    s1ap_handle_pdu(&ctx, assoc, 0, buf, (size_t)len);
    agw_commit(&ctx);
}

/* TS 36.413 8.7.1.2.1: xepcctl enb reset: Reset (all) on stream 0; the
 * eNB's UEs are ECM-IDLE with their sessions, stored without tunnel; the
 * Reset Acknowledge is taken without an Error Indication */
static void test_mme_reset_leaves_ues_idle(void **state)
{
    (void)state;
    unsigned n = 9;
    n_sent = 0;
    assert_int_equal(s1ap_mme_reset(&ctx, enb_find_assoc(&ctx, 1), &n), 0);
    agw_commit(&ctx);
    assert_int_equal(n, 1);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    assert_int_equal(sent[0].stream, 0);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_Reset);
    assert_int_equal(r->u.Reset.ResetType.present, S1AP_ResetType_PR_s1_Interface);
    assert_false(ue->s1);
    assert_int_equal(ue->emm, EMM_REGISTERED);
    assert_int_equal(ue->pdn[0].state, PDN_ACTIVE);
    assert_int_equal(ue->pdn[0].dl_teid, 0);
    assert_int_equal(stored_dl_teid(), 0);

    struct s1ap_pdu ack;
    s1ap_pdu_init(&ack, S1AP_MSG_ResetAcknowledge);
    uint64_t unexpected = ctx.stats.s1ap_unexpected;
    feed(1, &ack);
    assert_int_equal(n_sent, 0);
    assert_int_equal(ctx.stats.s1ap_unexpected, unexpected);
    assert_int_equal(ctx.stats.s1_reset_ack_rx, 1);
}

/* TS 36.413 8.7.2.2: an Error Indication naming one of our UE
 * connections releases it; one with a pair that is not ours changes
 * nothing (and is not answered) */
static void test_error_indication_releases_connection(void **state)
{
    (void)state;
    struct s1ap_pdu ei;
    s1ap_pdu_init(&ei, S1AP_MSG_ErrorIndication);
    ei.u.ErrorIndication.MME_UE_S1AP_ID_present = true;
    ei.u.ErrorIndication.MME_UE_S1AP_ID = ue->id;
    ei.u.ErrorIndication.eNB_UE_S1AP_ID_present = true;
    ei.u.ErrorIndication.eNB_UE_S1AP_ID = 8;   /* not the UE's (7) */
    ei.u.ErrorIndication.Cause_present = true;
    ei.u.ErrorIndication.Cause.present = S1AP_Cause_PR_protocol;
    feed(1, &ei);
    assert_int_equal(n_sent, 0);
    ei.u.ErrorIndication.eNB_UE_S1AP_ID = 7;
    feed(2, &ei);                               /* not the UE's eNB */
    assert_int_equal(n_sent, 0);
    feed(1, &ei);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *c = sent_pdu(0);
    assert_int_equal(c->kind, S1AP_MSG_UEContextReleaseCommand);
    assert_int_equal(sent[0].assoc, 1);
    assert_int_equal(ctx.stats.s1ap_error_indication_release, 1);
}

/* ------------------------------------------------------ S1 handover -- */

static const uint8_t src_container[] = "source-to-target";
static const uint8_t tgt_container[] = "target-to-source";

static void ho_required(uint32_t target_enb_id)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverRequired);
    s1ap_HandoverRequired *m = &pdu.u.HandoverRequired;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = 7;
    m->HandoverType = S1AP_HandoverType_intralte;
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = S1AP_CauseRadioNetwork_handover_desirable_for_radio_reason;
    m->TargetID.present = S1AP_TargetID_PR_targeteNB_ID;
    s1ap_TargeteNB_ID *t = &m->TargetID.u.targeteNB_ID;
    memcpy(t->global_ENB_ID.pLMNidentity, "\x00\xf1\x10", 3);
    t->global_ENB_ID.eNB_ID.present = S1AP_ENB_ID_PR_macroENB_ID;
    t->global_ENB_ID.eNB_ID.u.macroENB_ID = target_enb_id;
    memcpy(t->selected_TAI.pLMNidentity, "\x00\xf1\x10", 3);
    t->selected_TAI.tAC[1] = 2;
    m->Source_ToTarget_TransparentContainer.buf = src_container;
    m->Source_ToTarget_TransparentContainer.len = sizeof(src_container);
    feed(1, &pdu);
}

static void ho_request_ack(void)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABAdmittedItem it;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverRequestAcknowledge);
    s1ap_HandoverRequestAcknowledge *m = &pdu.u.HandoverRequestAcknowledge;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = 9;
    memset(&it, 0, sizeof(it));
    it.e_RAB_ID = 5;
    it.transportLayerAddress.buf = enb_tgt_addr;
    it.transportLayerAddress.nbits = 32;
    memcpy(it.gTP_TEID, "\x00\x00\x02\x00", 4);
    m->E_RABAdmittedList.count = 1;
    m->E_RABAdmittedList.items = &it;
    m->Target_ToSource_TransparentContainer.buf = tgt_container;
    m->Target_ToSource_TransparentContainer.len = sizeof(tgt_container);
    feed(2, &pdu);
}

/* TS 36.413 8.4.1-8.4.3, 8.4.6-8.4.7, TS 23.401 5.5.1.2.2: the whole
 * sequence; the tunnel moves (and is stored) only with the Notify, the
 * source gets UE Context Release Command (successful-handover), and its
 * Release Complete is taken without an Error Indication */
static void test_s1_handover_sequence(void **state)
{
    (void)state;
    uint8_t nh1[32], nh2[32];
    assert_int_equal(sec_nh(ue->kasme, kenb, nh1), 0);
    assert_int_equal(sec_nh(ue->kasme, nh1, nh2), 0);

    ho_required(102);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 2);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverRequest);
    const s1ap_HandoverRequest *hr = &r->u.HandoverRequest;
    assert_int_equal(hr->MME_UE_S1AP_ID, ue->id);
    assert_int_equal(hr->SecurityContext.nextHopChainingCount, 2);
    assert_memory_equal(hr->SecurityContext.nextHopParameter.buf, nh2, 32);
    assert_int_equal(hr->E_RABToBeSetupListHOReq.count, 1);
    assert_int_equal(hr->E_RABToBeSetupListHOReq.items[0].e_RAB_ID, 5);
    const uint8_t *t = hr->E_RABToBeSetupListHOReq.items[0].gTP_TEID;
    assert_int_equal((uint32_t)t[0] << 24 | t[1] << 16 | t[2] << 8 | t[3], ue->pdn[0].ul_teid);
    assert_int_equal(hr->Source_ToTarget_TransparentContainer.len, sizeof(src_container));
    assert_memory_equal(hr->Source_ToTarget_TransparentContainer.buf, src_container,
                        sizeof(src_container));

    ho_request_ack();
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverCommand);
    assert_int_equal(r->u.HandoverCommand.eNB_UE_S1AP_ID, 7);
    assert_memory_equal(r->u.HandoverCommand.Target_ToSource_TransparentContainer.buf,
                        tgt_container, sizeof(tgt_container));
    assert_false(r->u.HandoverCommand.E_RABtoReleaseListHOCmd_present);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);    /* not before the Notify */

    struct s1ap_pdu pdu;
    s1ap_Bearers_SubjectToStatusTransfer_Item bst;
    memset(&bst, 0, sizeof(bst));
    bst.e_RAB_ID = 5;
    bst.uL_COUNTvalue.pDCP_SN = 17;
    s1ap_pdu_init(&pdu, S1AP_MSG_ENBStatusTransfer);
    pdu.u.ENBStatusTransfer.MME_UE_S1AP_ID = ue->id;
    pdu.u.ENBStatusTransfer.eNB_UE_S1AP_ID = 7;
    pdu.u.ENBStatusTransfer.eNB_StatusTransfer_TransparentContainer
        .bearers_SubjectToStatusTransferList.count = 1;
    pdu.u.ENBStatusTransfer.eNB_StatusTransfer_TransparentContainer
        .bearers_SubjectToStatusTransferList.items = &bst;
    feed(1, &pdu);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 2);
    r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_MMEStatusTransfer);
    assert_int_equal(r->u.MMEStatusTransfer.eNB_UE_S1AP_ID, 9);
    assert_int_equal(r->u.MMEStatusTransfer.eNB_StatusTransfer_TransparentContainer
                         .bearers_SubjectToStatusTransferList.items[0].uL_COUNTvalue.pDCP_SN,
                     17);

    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverNotify);
    pdu.u.HandoverNotify.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverNotify.eNB_UE_S1AP_ID = 9;
    memcpy(pdu.u.HandoverNotify.TAI.pLMNidentity, "\x00\xf1\x10", 3);
    memcpy(pdu.u.HandoverNotify.EUTRAN_CGI.pLMNidentity, "\x00\xf1\x10", 3);
    feed(2, &pdu);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_UEContextReleaseCommand);
    assert_int_equal(r->u.UEContextReleaseCommand.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_successful_handover);
    assert_ptr_equal(ue_find_enb(&ctx, 2, 9), ue);
    assert_int_equal(ue->pdn[0].dl_teid, 0x200);
    assert_int_equal(stored_dl_teid(), 0x200);
    assert_int_equal(ctx.stats.s1_handover_success, 1);

    uint64_t unexpected = ctx.stats.s1ap_unexpected;
    s1ap_pdu_init(&pdu, S1AP_MSG_UEContextReleaseComplete);
    pdu.u.UEContextReleaseComplete.MME_UE_S1AP_ID = ue->id;
    pdu.u.UEContextReleaseComplete.eNB_UE_S1AP_ID = 7;
    feed(1, &pdu);
    assert_int_equal(n_sent, 0);
    assert_int_equal(ctx.stats.s1ap_unexpected, unexpected);
    assert_ptr_equal(ue_find_enb(&ctx, 2, 9), ue);
    assert_true(ue->s1);
}

/* TS 36.413 8.4.5: Handover Cancel after the Command: the target's
 * connection is released (handover-cancelled), the source acknowledged,
 * the tunnel stays at the source */
static void test_s1_handover_cancel(void **state)
{
    (void)state;
    ho_required(102);
    ho_request_ack();
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverCancel);
    pdu.u.HandoverCancel.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverCancel.eNB_UE_S1AP_ID = 7;
    pdu.u.HandoverCancel.Cause.present = S1AP_Cause_PR_radioNetwork;
    feed(1, &pdu);
    assert_int_equal(n_sent, 2);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_UEContextReleaseCommand);
    assert_int_equal(sent[0].assoc, 2);
    assert_int_equal(r->u.UEContextReleaseCommand.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_handover_cancelled);
    r = sent_pdu(1);
    assert_int_equal(r->kind, S1AP_MSG_HandoverCancelAcknowledge);
    assert_int_equal(sent[1].assoc, 1);
    assert_ptr_equal(ue_find_enb(&ctx, 1, 7), ue);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);
    /* a Notify now is not ours any more */
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverNotify);
    pdu.u.HandoverNotify.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverNotify.eNB_UE_S1AP_ID = 9;
    feed(2, &pdu);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_ErrorIndication);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);
}

/* TS 36.413 8.4.1.4: an unknown target: Handover Preparation Failure */
static void test_s1_handover_unknown_target(void **state)
{
    (void)state;
    ho_required(999);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverPreparationFailure);
    assert_int_equal(r->u.HandoverPreparationFailure.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_unknown_targetID);
    assert_int_equal(ue->ncc, 1);       /* no NH spent */
}

/* TS 36.413 8.4.2.3: the target fails: the source gets the failure with
 * the target's cause */
static void test_s1_handover_target_failure(void **state)
{
    (void)state;
    ho_required(102);
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverFailure);
    pdu.u.HandoverFailure.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverFailure.Cause.present = S1AP_Cause_PR_radioNetwork;
    pdu.u.HandoverFailure.Cause.u.radioNetwork = S1AP_CauseRadioNetwork_no_radio_resources_available_in_target_cell;
    feed(2, &pdu);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverPreparationFailure);
    assert_int_equal(r->u.HandoverPreparationFailure.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_no_radio_resources_available_in_target_cell);
    /* a new Handover Required is served again */
    ho_required(102);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverRequest);
}

/* The handover guards are the loop's timers.  The tests fire them by hand
 * instead of running the loop for a wall-clock time (on a loaded machine
 * a guard expired before the test looked, or the handling of one event
 * outlasted the margin): the loop's time stands still while the tests
 * feed events, so assert_armed(w, s) checks that w runs for exactly s
 * seconds from the event that started it, and expire(w) is what the loop
 * does when that time has come (the one-shot timer stopped, its callback
 * called, the iteration committed). */
static void assert_armed(ev_timer *w, double s)
{
    assert_non_null(w);
    if (!ev_is_active(w))
        fail_msg("timer not armed, expected %.3f s", s);
    double left = ev_timer_remaining(ctx.loop, w);
    if (left < s - 1e-6 || left > s + 1e-6)
        fail_msg("timer armed for %.6f s, expected %.6f s", left, s);
}

static void expire(ev_timer *w)
{
    assert_non_null(w);
    assert_true(ev_is_active(w));
    ev_timer_stop(ctx.loop, w);
    n_sent = 0;
    w->cb(ctx.loop, w, EV_TIMER);
    agw_commit(&ctx);
}

/* mme.ts1relocprep (TS 36.413 8.4.1.2): the target never answers the
 * Handover Request: on expiry the source gets Handover Preparation
 * Failure, and a new Handover Required is served */
static void test_s1_handover_prep_timer_expiry(void **state)
{
    (void)state;
    assert_int_equal(cfg.mme.ts1relocprep_ms, 150);
    ho_required(102);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverRequest);
    assert_armed(&ue->s1ho.timer, 0.150);       /* 150 ms, not before */
    expire(&ue->s1ho.timer);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverPreparationFailure);
    assert_int_equal(r->u.HandoverPreparationFailure.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_ho_failure_in_target_EPC_eNB_or_target_system);
    assert_int_equal(ctx.stats.s1_handover_timeout, 1);
    /* a late Acknowledge: the target's new connection is released */
    ho_request_ack();
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 2);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_UEContextReleaseCommand);
    ho_required(102);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverRequest);
}

/* mme.ts1relocoverall (TS 36.413 8.4.2.2): Handover Command sent, no
 * Notify: on expiry the target's connection is released with cause
 * tS1relocoverall-expiry and the UE stays at the source, its tunnel too */
static void test_s1_handover_overall_timer_expiry(void **state)
{
    (void)state;
    assert_int_equal(cfg.mme.ts1relocoverall_ms, 200);
    ho_required(102);
    ho_request_ack();
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverCommand);
    assert_armed(&ue->s1ho.timer, 0.200);       /* 200 ms, not before */
    expire(&ue->s1ho.timer);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 2);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_UEContextReleaseCommand);
    assert_int_equal(r->u.UEContextReleaseCommand.Cause.u.radioNetwork,
                     S1AP_CauseRadioNetwork_tS1relocoverall_expiry);
    assert_int_equal(ctx.stats.s1_handover_timeout, 1);
    assert_ptr_equal(ue_find_enb(&ctx, 1, 7), ue);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);
    assert_int_equal(stored_dl_teid(), 0x100);
    /* the Notify that comes too late is not taken */
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverNotify);
    pdu.u.HandoverNotify.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverNotify.eNB_UE_S1AP_ID = 9;
    feed(2, &pdu);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_ErrorIndication);
    assert_int_equal(ue->pdn[0].dl_teid, 0x100);
}

/* ------------------------------------------------------ paging index -- */

/* TS 23.401 5.3.4.3: a downlink-data event names a datapath session; the
 * UE to page is found through the session index (pgw_ue_by_session), not
 * by scanning every UE: with 3000 registered ECM-IDLE UEs, an event pages
 * exactly its UE and ue_foreach() is never called, also after the UE's
 * MME UE S1AP ID changed (a Service Request on a new connection); an event
 * for a session released meanwhile (its UE detached) pages nobody. */
#define IDX_UES 3000
static void test_paging_ddn_uses_session_index(void **state)
{
    (void)state;
    static struct agw_ue *u[IDX_UES];
    char imsi[16];
    for (unsigned i = 0; i < IDX_UES; i++) {
        u[i] = ue_new(&ctx);
        assert_non_null(u[i]);
        snprintf(imsi, sizeof(imsi), "0010100001%05u", i);
        assert_int_equal(ue_set_imsi(&ctx, u[i], imsi), 0);
        assert_int_equal(ue_new_guti(&ctx, u[i]), 0);
        u[i]->emm = EMM_REGISTERED;
        struct agw_pdn *p = &u[i]->pdn[0];
        p->state = PDN_ACTIVE;
        p->ebi = 5;
        p->apn_idx = 0;
        /* static addresses outside the APN's /24 pool */
        struct in_addr a = {htonl(0x0a630000u + i + 1)};
        assert_int_equal(pgw_pdn_alloc(&ctx, u[i], p, &cfg.apns[0], &a), 0);
    }
    uint64_t started = ctx.stats.paging_started;
    n_foreach = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < IDX_UES; i++)
        emm_paging_ddn(&ctx, u[(i * 7) % IDX_UES]->pdn[0].ul_teid & 0xffffff);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
                IDX_UES;
    printf("# %u downlink-data events among %u idle UEs: %.0f ns per event (paging included)\n",
           IDX_UES, IDX_UES, ns);
    assert_int_equal(n_foreach, 0);
    assert_int_equal(ctx.stats.paging_started - started, IDX_UES);
    for (unsigned i = 0; i < IDX_UES; i++)
        assert_true(u[i]->paging);
    assert_false(ue->paging);

    /* a Service Request on a new connection gives the UE the MME UE S1AP
     * ID of that connection (emm_adopt_context): the index follows */
    struct agw_ue *fresh = ue_new(&ctx);
    assert_non_null(fresh);
    uint32_t old_id = u[7]->id;
    assert_ptr_equal(emm_adopt_context(&ctx, fresh, u[7]), u[7]);
    assert_int_not_equal(u[7]->id, old_id);
    u[7]->paging = false;
    ev_timer_stop(ctx.loop, &u[7]->paging_timer);
    emm_paging_ddn(&ctx, u[7]->pdn[0].ul_teid & 0xffffff);
    assert_true(u[7]->paging);

    /* a session released meanwhile: nobody is paged */
    uint32_t sid = u[5]->pdn[0].ul_teid & 0xffffff;
    pgw_pdn_release(&ctx, u[5], &u[5]->pdn[0]);
    assert_null(pgw_ue_by_session(&ctx, sid));
    ue_free(&ctx, u[5]);
    u[5] = NULL;
    started = ctx.stats.paging_started;
    emm_paging_ddn(&ctx, sid);
    assert_int_equal(ctx.stats.paging_started, started);
    assert_null(pgw_ue_by_session(&ctx, 0));
    assert_null(pgw_ue_by_session(&ctx, 0xffffff));
    assert_int_equal(n_foreach, 0);

    for (unsigned i = 0; i < IDX_UES; i++) {
        if (!u[i])
            continue;
        pgw_pdn_release(&ctx, u[i], &u[i]->pdn[0]);
        ue_free(&ctx, u[i]);
    }
}

/* ---------------------------------- Error Indication with diagnostics -- */

/* Three messages that decode but cannot be taken: an Uplink NAS Transport
 * for an unknown MME UE S1AP ID (TS 36.413 10.6), a procedure we do not
 * run (Location Reporting Failure Indication: message not compatible with
 * receiver state, 10.3.4.1/10.4) and a Handover Notify out of sequence.
 * fed[i] is what was fed, ei[i] the Error Indication it got. */
#define EI_CASES 3
static struct s1ap_pdu fed[EI_CASES];
static struct sent ei[EI_CASES];

static void run_error_indication_cases(void)
{
    struct s1ap_pdu *p = &fed[0];
    static const uint8_t nas[] = {0x07, 0x5d};
    s1ap_pdu_init(p, S1AP_MSG_UplinkNASTransport);
    p->u.UplinkNASTransport.MME_UE_S1AP_ID = 9999;
    p->u.UplinkNASTransport.eNB_UE_S1AP_ID = 7;
    p->u.UplinkNASTransport.NAS_PDU.buf = nas;
    p->u.UplinkNASTransport.NAS_PDU.len = sizeof(nas);
    memcpy(p->u.UplinkNASTransport.TAI.pLMNidentity, "\x00\xf1\x10", 3);
    memcpy(p->u.UplinkNASTransport.EUTRAN_CGI.pLMNidentity, "\x00\xf1\x10", 3);
    p = &fed[1];
    s1ap_pdu_init(p, S1AP_MSG_LocationReportingFailureIndication);
    p->u.LocationReportingFailureIndication.MME_UE_S1AP_ID = ue->id;
    p->u.LocationReportingFailureIndication.eNB_UE_S1AP_ID = 7;
    p->u.LocationReportingFailureIndication.Cause.present = S1AP_Cause_PR_radioNetwork;
    p = &fed[2];
    s1ap_pdu_init(p, S1AP_MSG_HandoverNotify);
    p->u.HandoverNotify.MME_UE_S1AP_ID = ue->id;
    p->u.HandoverNotify.eNB_UE_S1AP_ID = 9;
    memcpy(p->u.HandoverNotify.TAI.pLMNidentity, "\x00\xf1\x10", 3);
    memcpy(p->u.HandoverNotify.EUTRAN_CGI.pLMNidentity, "\x00\xf1\x10", 3);
    for (unsigned i = 0; i < EI_CASES; i++) {
        struct s1ap_pdu copy = fed[i];
        feed(i == 2 ? 2 : 1, &copy);
        assert_int_equal(n_sent, 1);
        ei[i] = sent[0];
    }
}

/* TS 36.413 10.3.4.1, 10.6, 9.2.1.21: each Error Indication carries
 * Criticality Diagnostics naming the received message's procedure code,
 * triggering message (initiating) and procedure criticality, besides its
 * cause and the UE S1AP IDs */
static void test_error_indication_criticality_diagnostics(void **state)
{
    (void)state;
    static const int cause[EI_CASES][2] = {
        {S1AP_Cause_PR_radioNetwork, S1AP_CauseRadioNetwork_unknown_mme_ue_s1ap_id},
        {S1AP_Cause_PR_protocol, S1AP_CauseProtocol_message_not_compatible_with_receiver_state},
        {S1AP_Cause_PR_radioNetwork, S1AP_CauseRadioNetwork_unknown_pair_ue_s1ap_id},
    };
    run_error_indication_cases();
    for (unsigned i = 0; i < EI_CASES; i++) {
        memcpy(&sent[0], &ei[i], sizeof(ei[i]));
        n_sent = 1;
        const struct s1ap_pdu *r = sent_pdu(0);
        assert_int_equal(r->kind, S1AP_MSG_ErrorIndication);
        const s1ap_ErrorIndication *m = &r->u.ErrorIndication;
        assert_true(m->Cause_present);
        assert_int_equal(m->Cause.present, cause[i][0]);
        assert_int_equal(m->Cause.u.misc, cause[i][1]);
        assert_true(m->MME_UE_S1AP_ID_present);
        assert_true(m->CriticalityDiagnostics_present);
        const s1ap_CriticalityDiagnostics *cd = &m->CriticalityDiagnostics;
        assert_true(cd->procedureCode_present);
        assert_int_equal(cd->procedureCode, fed[i].procedure_code);
        assert_true(cd->triggeringMessage_present);
        assert_int_equal(cd->triggeringMessage, S1AP_TriggeringMessage_initiating_message);
        assert_true(cd->procedureCriticality_present);
        assert_int_equal(cd->procedureCriticality, (int)fed[i].criticality);
        assert_false(cd->iEsCriticalityDiagnostics_present);
    }
    assert_int_equal(fed[0].procedure_code, 13);    /* uplinkNASTransport */
    assert_int_equal(fed[2].procedure_code, 2);     /* handoverNotification */
}

/* `test_agw_handover --dump-error-indications`: the three Error
 * Indications as "<name> <procedure code> <criticality> <hex>" lines, for
 * agw_errind_tshark.sh (tshark judges them). */
static int dump_error_indications(void)
{
    static const char *const names[EI_CASES] = {"UplinkNASTransport-unknown-id",
                                                "LocationReportingFailureIndication",
                                                "HandoverNotify-out-of-sequence"};
    if (setup(NULL))
        return 1;
    run_error_indication_cases();
    for (unsigned i = 0; i < EI_CASES; i++) {
        printf("%s %u %u ", names[i], fed[i].procedure_code, (unsigned)fed[i].criticality);
        for (size_t k = 0; k < ei[i].len; k++)
            printf("%02x", ei[i].buf[k]);
        printf("\n");
    }
    return teardown(NULL);
}

/* ------------------------------------- UE context / E-RAB modification -- */

/* TS 36.413 8.3.4: a new UE-AMBR goes to the connected UE's eNB, stored
 * first; the answer is counted; an idle UE only stores it */
static void test_ue_modify_ambr(void **state)
{
    (void)state;
    n_sent = 0;
    assert_int_equal(s1ap_ue_modify_ambr(&ctx, ue, 5000000, 20000000), 0);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent[0].assoc, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_UEContextModificationRequest);
    const s1ap_UEContextModificationRequest *m = &r->u.UEContextModificationRequest;
    assert_int_equal(m->MME_UE_S1AP_ID, ue->id);
    assert_int_equal(m->eNB_UE_S1AP_ID, 7);
    assert_true(m->uEaggregateMaximumBitrate_present);
    assert_int_equal(m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL, 5000000);
    assert_int_equal(m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL, 20000000);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db.db, "SELECT ue_ambr_ul, ue_ambr_dl FROM ue_context",
                                        -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 5000000);
    assert_int_equal(sqlite3_column_int64(st, 1), 20000000);
    sqlite3_finalize(st);

    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_UEContextModificationResponse);
    pdu.u.UEContextModificationResponse.MME_UE_S1AP_ID = ue->id;
    pdu.u.UEContextModificationResponse.eNB_UE_S1AP_ID = 7;
    feed(1, &pdu);
    assert_int_equal(n_sent, 0);
    assert_int_equal(ctx.stats.ue_ctx_modification_ok, 1);
    assert_int_equal(s1ap_ue_modify_ambr(&ctx, ue, 0, 1), -ERANGE);

    /* idle: stored, nothing sent */
    ue_s1_unbind(&ctx, ue);
    n_sent = 0;
    assert_int_equal(s1ap_ue_modify_ambr(&ctx, ue, 1000, 2000), 0);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 0);
    assert_int_equal(ue->ue_ambr_dl, 2000);
}

/* TS 36.413 8.2.4: E-RAB Modification Indication: the listed tunnel
 * moves and is stored, the Confirm lists it; an unknown E-RAB is in the
 * failed list */
static void test_erab_modification_indication(void **state)
{
    (void)state;
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeModifiedItemBearerModInd it[2];
    memset(it, 0, sizeof(it));
    it[0].e_RAB_ID = 5;
    it[0].transportLayerAddress.buf = enb_tgt_addr;
    it[0].transportLayerAddress.nbits = 32;
    memcpy(it[0].dL_GTP_TEID, "\x00\x00\x04\x00", 4);
    it[1].e_RAB_ID = 6;
    it[1].transportLayerAddress.buf = enb_tgt_addr;
    it[1].transportLayerAddress.nbits = 32;
    memcpy(it[1].dL_GTP_TEID, "\x00\x00\x04\x01", 4);
    s1ap_pdu_init(&pdu, S1AP_MSG_E_RABModificationIndication);
    s1ap_E_RABModificationIndication *m = &pdu.u.E_RABModificationIndication;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = 7;
    m->E_RABToBeModifiedListBearerModInd.count = 2;
    m->E_RABToBeModifiedListBearerModInd.items = it;
    feed(1, &pdu);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_E_RABModificationConfirm);
    const s1ap_E_RABModificationConfirm *c = &r->u.E_RABModificationConfirm;
    assert_true(c->E_RABModifyListBearerModConf_present);
    assert_int_equal(c->E_RABModifyListBearerModConf.count, 1);
    assert_int_equal(c->E_RABModifyListBearerModConf.items[0].e_RAB_ID, 5);
    assert_true(c->E_RABFailedToModifyListBearerModConf_present);
    assert_int_equal(c->E_RABFailedToModifyListBearerModConf.items[0].e_RAB_ID, 6);
    assert_int_equal(ue->pdn[0].dl_teid, 0x400);
    assert_int_equal(stored_dl_teid(), 0x400);
}

/* TS 36.413 8.7.1 (as after a Reset): the association of the UE's eNB
 * goes; the UE is ECM-IDLE, registered, its session kept without tunnel,
 * in SQLite too */
/* ---------------------------------------------------------- the store -- */

static long long stored_count(const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    assert_int_equal(sqlite3_prepare_v2(db.db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ue_store.c: a UE's pdn_session rows are written in place, only where
 * they differ (an idle->active cycle writes the UE twice and moves its
 * NAS COUNTs, not its sessions); rows of bearers gone are deleted; two
 * sessions that swapped their TEIDs and addresses are still stored (the
 * in-place write meets the unique indexes, the rows are rewritten). */
static void test_store_writes_pdn_rows_in_place(void **state)
{
    (void)state;
    struct agw_pdn *p0 = &ue->pdn[0], *p1 = &ue->pdn[1];
    p1->state = PDN_ACTIVE;
    p1->ebi = 6;
    assert_int_equal(pgw_pdn_alloc(&ctx, ue, p1, &cfg.apns[0], NULL), 0);
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(stored_count("SELECT COUNT(*) FROM pdn_session"), 2);

    /* nothing changed but the COUNTs: the ue_context row only */
    ue->sec.ul_count++;
    int before = sqlite3_total_changes(db.db);
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(sqlite3_total_changes(db.db) - before, 1);
    assert_int_equal(stored_count("SELECT ul_count FROM ue_context"), ue->sec.ul_count);

    /* one tunnel moved: that row only */
    p1->dl_teid = 0x200;
    before = sqlite3_total_changes(db.db);
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(sqlite3_total_changes(db.db) - before, 2);
    assert_int_equal(stored_count("SELECT dl_teid FROM pdn_session WHERE ebi = 6"), 0x200);

    /* swapped TEIDs and addresses: stored all the same */
    uint32_t t = p0->ul_teid;
    struct in_addr a = p0->ue_ip;
    p0->ul_teid = p1->ul_teid;
    p0->ue_ip = p1->ue_ip;
    p1->ul_teid = t;
    p1->ue_ip = a;
    uint64_t errors = ctx.stats.db_errors;
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(ctx.stats.db_errors, errors);
    assert_int_equal(stored_count("SELECT ul_teid FROM pdn_session WHERE ebi = 6"), t);
    p1->ul_teid = p0->ul_teid;      /* back, for pgw_pdn_release */
    p1->ue_ip = p0->ue_ip;
    p0->ul_teid = t;
    p0->ue_ip = a;

    /* a bearer gone: its row goes */
    pgw_pdn_release(&ctx, ue, p1);
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(ctx.stats.db_errors, errors);
    assert_int_equal(stored_count("SELECT COUNT(*) FROM pdn_session"), 1);
    assert_int_equal(stored_count("SELECT ul_teid FROM pdn_session WHERE ebi = 5"), p0->ul_teid);
}

/* A UE marked for the commit and then found again by a new connection
 * (a SERVICE REQUEST adopting the context, emm_adopt_context(): it takes
 * the connection's MME UE S1AP ID) is still written, then and later. */
static void test_store_follows_adopted_context(void **state)
{
    (void)state;
    s1ap_release_ue(&ctx, ue, S1AP_Cause_PR_nas, S1AP_CauseNas_normal_release);
    ue_s1_unbind(&ctx, ue);
    agw_commit(&ctx);
    ue->sec.ul_count = 40;
    ue_store_mark(&ctx, ue);        /* marked under its old id */
    struct agw_ue *fresh = ue_new(&ctx);
    assert_non_null(fresh);
    assert_true(emm_adopt_context(&ctx, fresh, ue) == ue);
    agw_commit(&ctx);
    assert_int_equal(stored_count("SELECT ul_count FROM ue_context"), 40);
    ue->sec.ul_count = 41;
    ue_store_mark(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(stored_count("SELECT ul_count FROM ue_context"), 41);
}

static void test_association_loss_keeps_sessions(void **state)
{
    (void)state;
    s1ap_enb_disconnected(&ctx, 1, "test");
    agw_commit(&ctx);
    assert_false(ue->s1);
    assert_int_equal(ue->emm, EMM_REGISTERED);
    assert_int_equal(ue->pdn[0].state, PDN_ACTIVE);
    assert_int_equal(ue->pdn[0].dl_teid, 0);
    assert_int_equal(stored_dl_teid(), 0);
    assert_non_null(ue_find_imsi(&ctx, "001010000000001"));
}

/* ------------------------------------- dedicated bearers, S1 handover -- */

/* a GBR dedicated bearer (EBI 6, QCI 1) on the default bearer 5 */
static struct agw_bearer *add_dedicated(void)
{
    assert_int_equal(esm_bearer_ue_slots(ue), 0);  /* the shared free table is read-only */
    struct agw_bearer *b = &ue->ded[0];
    b->state = BEARER_ACTIVE;
    b->ebi = 6;
    b->linked_ebi = 5;
    b->qci = 1;
    b->arp_prio = 2;
    b->mbr_ul = b->gbr_ul = 64000;
    b->mbr_dl = b->gbr_dl = 128000;
    b->ul_teid = 0x600;
    b->dl_teid = 0x601;
    memcpy(&b->enb_addr, enb_src_addr, 4);
    b->ue_id = ue->id;
    return b;
}

static const uint8_t *ack_addr = enb_tgt_addr;   /* the target's address in the Ack */
static uint16_t ack_nbits = 32;

/* the target admits the E-RABs ebis[0..n) (TEID 0x200 + 0x10 * k) */
static void ho_request_ack_ebis(const uint8_t *ebis, unsigned n)
{
    struct s1ap_pdu pdu;
    s1ap_E_RABAdmittedItem it[4];
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverRequestAcknowledge);
    s1ap_HandoverRequestAcknowledge *m = &pdu.u.HandoverRequestAcknowledge;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = 9;
    memset(it, 0, sizeof(it));
    for (unsigned k = 0; k < n; k++) {
        it[k].e_RAB_ID = ebis[k];
        it[k].transportLayerAddress.buf = ack_addr;
        it[k].transportLayerAddress.nbits = ack_nbits;
        it[k].gTP_TEID[2] = 0x02;
        it[k].gTP_TEID[3] = (uint8_t)(0x10 * k);
    }
    m->E_RABAdmittedList.count = n;
    m->E_RABAdmittedList.items = it;
    m->Target_ToSource_TransparentContainer.buf = tgt_container;
    m->Target_ToSource_TransparentContainer.len = sizeof(tgt_container);
    feed(2, &pdu);
}

static void ho_notify(void);

/* TS 23.401 5.5.1.2.2 step 4, TS 36.413 9.1.5.4: the Handover Request
 * carries the dedicated bearer's E-RAB with its QCI, ARP and GBR QoS
 * information and our uplink TEID; the Notify moves its downlink tunnel */
static void test_s1_handover_dedicated_bearer(void **state)
{
    (void)state;
    struct agw_bearer *b = add_dedicated();
    ho_required(102);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverRequest);
    const s1ap_HandoverRequest *hr = &r->u.HandoverRequest;
    assert_int_equal(hr->E_RABToBeSetupListHOReq.count, 2);
    const s1ap_E_RABToBeSetupItemHOReq *it = &hr->E_RABToBeSetupListHOReq.items[1];
    assert_int_equal(it->e_RAB_ID, 6);
    assert_int_equal(it->e_RABlevelQosParameters.qCI, 1);
    assert_int_equal(it->e_RABlevelQosParameters.allocationRetentionPriority.priorityLevel, 2);
    assert_true(it->e_RABlevelQosParameters.gbrQosInformation_present);
    assert_int_equal(it->e_RABlevelQosParameters.gbrQosInformation.e_RAB_GuaranteedBitrateDL,
                     128000);
    assert_int_equal(it->e_RABlevelQosParameters.gbrQosInformation.e_RAB_GuaranteedBitrateUL,
                     64000);
    const uint8_t *t = it->gTP_TEID;
    assert_int_equal((uint32_t)t[0] << 24 | t[1] << 16 | t[2] << 8 | t[3], 0x600);

    static const uint8_t both[] = {5, 6};
    ho_request_ack_ebis(both, 2);
    r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverCommand);
    assert_false(r->u.HandoverCommand.E_RABtoReleaseListHOCmd_present);
    assert_int_equal(b->dl_teid, 0x601);            /* not before the Notify */
    ho_notify();
    assert_int_equal(ue->pdn[0].dl_teid, 0x200);
    assert_int_equal(b->dl_teid, 0x210);
    assert_memory_equal(&b->enb_addr, enb_tgt_addr, 4);
    assert_int_equal(b->state, BEARER_ACTIVE);
    assert_int_equal(ctx.stats.s1_handover_success, 1);
}

static const uint8_t enb_tgt6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void assert_enb6(const struct in_addr *v4, const struct in6_addr *v6, const char *what)
{
    char got[INET6_ADDRSTRLEN];
    if (v4->s_addr || memcmp(v6->s6_addr, enb_tgt6, 16))
        fail_msg("%s: expected the tunnel to 2001:db8:1::2 over IPv6, got %s / %s", what,
                 inet_ntop(AF_INET, v4, got, sizeof(got)) ? got : "?",
                 inet_ntop(AF_INET6, v6, (char[INET6_ADDRSTRLEN]){0}, INET6_ADDRSTRLEN));
}

static char *stored_bearer_enb(char *buf, size_t cap)
{
    sqlite3_stmt *st;
    buf[0] = 0;
    assert_int_equal(sqlite3_prepare_v2(db.db, "SELECT enb_ipv4 FROM dedicated_bearer "
                                        "WHERE ebi = 6", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

/* TS 36.413 9.2.2.1, TS 36.414 5.1: an X2 handover (Path Switch) to a
 * target on IPv6 only (128-bit addresses), the default and the dedicated
 * bearer's tunnels over IPv6, stored; and back to an eNB on IPv4.  Without
 * gtpu.address6 the same request is refused. */
static void test_path_switch_to_ipv6_target_and_back(void **state)
{
    (void)state;
    struct agw_bearer *b = add_dedicated();
    uint32_t id = ue->id;
    char t[64];
    struct erab no6[2] = {{5, enb_tgt6, 0x200}, {6, enb_tgt6, 0x210}};
    ps_nbits = 128;
    path_switch(2, 9, id, no6, 2, 0xe0, 0xe0);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_PathSwitchRequestFailure);
    assert_memory_equal(&ue->pdn[0].enb_addr, enb_src_addr, 4);

    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::1", &cfg.gtpu.address6), 1);
    path_switch(2, 9, id, no6, 2, 0xe0, 0xe0);
    ps_nbits = 32;
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_PathSwitchRequestAcknowledge);
    assert_false(sent_pdu(0)->u.PathSwitchRequestAcknowledge.E_RABToBeReleasedList_present);
    assert_enb6(&ue->pdn[0].enb_addr, &ue->pdn[0].enb6, "default bearer");
    assert_int_equal(ue->pdn[0].dl_teid, 0x200);
    assert_enb6(&b->enb_addr, &b->enb6, "dedicated bearer");
    assert_int_equal(b->dl_teid, 0x210);
    assert_int_equal(b->state, BEARER_ACTIVE);
    assert_string_equal(stored_bearer_enb(t, sizeof(t)), "2001:db8:1::2");
    assert_int_equal(stored_dl_teid(), 0x200);

    /* and back to the eNB on IPv4 */
    struct erab v4[2] = {{5, enb_src_addr, 0x300}, {6, enb_src_addr, 0x310}};
    path_switch(1, 8, id, v4, 2, 0xe0, 0xe0);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_PathSwitchRequestAcknowledge);
    assert_memory_equal(&ue->pdn[0].enb_addr, enb_src_addr, 4);
    assert_memory_equal(&b->enb_addr, enb_src_addr, 4);
    assert_true(IN6_IS_ADDR_UNSPECIFIED(&b->enb6));
    assert_int_equal(b->dl_teid, 0x310);
    assert_string_equal(stored_bearer_enb(t, sizeof(t)), "10.0.0.1");
}

/* an S1 handover to a target on IPv6 only: both bearers' tunnels move to
 * its IPv6 address with the Notify */
static void test_s1_handover_to_ipv6_target(void **state)
{
    (void)state;
    struct agw_bearer *b = add_dedicated();
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::1", &cfg.gtpu.address6), 1);
    ho_required(102);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverRequest);
    static const uint8_t both[] = {5, 6};
    ack_addr = enb_tgt6;
    ack_nbits = 128;
    ho_request_ack_ebis(both, 2);
    ack_addr = enb_tgt_addr;
    ack_nbits = 32;
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverCommand);
    assert_false(sent_pdu(0)->u.HandoverCommand.E_RABtoReleaseListHOCmd_present);
    ho_notify();
    assert_enb6(&ue->pdn[0].enb_addr, &ue->pdn[0].enb6, "default bearer");
    assert_int_equal(ue->pdn[0].dl_teid, 0x200);
    assert_enb6(&b->enb_addr, &b->enb6, "dedicated bearer");
    assert_int_equal(b->dl_teid, 0x210);
    assert_int_equal(ctx.stats.s1_handover_success, 1);
}

/* the target admits only the default bearer: the Command releases the
 * dedicated E-RAB, and after the Notify the bearer is deactivated through
 * the target (TS 23.401 5.4.4.2) */
static void test_s1_handover_dedicated_not_admitted(void **state)
{
    (void)state;
    struct agw_bearer *b = add_dedicated();
    ho_required(102);
    static const uint8_t dflt[] = {5};
    ho_request_ack_ebis(dflt, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_HandoverCommand);
    assert_true(r->u.HandoverCommand.E_RABtoReleaseListHOCmd_present);
    assert_int_equal(r->u.HandoverCommand.E_RABtoReleaseListHOCmd.count, 1);
    assert_int_equal(r->u.HandoverCommand.E_RABtoReleaseListHOCmd.items[0].e_RAB_ID, 6);
    ho_notify();
    assert_int_equal(b->state, BEARER_RELEASING);
    bool release_to_target = false;
    for (unsigned i = 0; i < n_sent; i++)
        release_to_target |= sent[i].assoc == 2 &&
                             sent_pdu(i)->kind == S1AP_MSG_E_RABReleaseCommand;
    assert_true(release_to_target);
}

/* ------------------------------------------------- NAS transport -- */

static const uint8_t held_pdu[] = {0x27, 0x11, 0x22, 0x33, 0x44, 0x05, 0x07, 0x68, 0x01};

static void nas_non_delivery(uint32_t assoc, uint32_t enb_ue_id, int rn_cause)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_NASNonDeliveryIndication);
    s1ap_NASNonDeliveryIndication *m = &pdu.u.NASNonDeliveryIndication;
    m->MME_UE_S1AP_ID = ue->id;
    m->eNB_UE_S1AP_ID = enb_ue_id;
    m->NAS_PDU.buf = held_pdu;
    m->NAS_PDU.len = sizeof(held_pdu);
    m->Cause.present = S1AP_Cause_PR_radioNetwork;
    m->Cause.u.radioNetwork = (s1ap_CauseRadioNetwork)rn_cause;
    feed(assoc, &pdu);
}

static void ho_notify(void)
{
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverNotify);
    pdu.u.HandoverNotify.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverNotify.eNB_UE_S1AP_ID = 9;
    memcpy(pdu.u.HandoverNotify.TAI.pLMNidentity, "\x00\xf1\x10", 3);
    memcpy(pdu.u.HandoverNotify.EUTRAN_CGI.pLMNidentity, "\x00\xf1\x10", 3);
    feed(2, &pdu);
}

/* message i is a Downlink NAS Transport on assoc to eNB UE id with
 * held_pdu, unchanged */
static void assert_resent(unsigned i, uint32_t assoc, uint32_t enb_ue_id)
{
    assert_int_equal(sent[i].assoc, assoc);
    const struct s1ap_pdu *r = sent_pdu(i);
    assert_int_equal(r->kind, S1AP_MSG_DownlinkNASTransport);
    assert_int_equal(r->u.DownlinkNASTransport.MME_UE_S1AP_ID, ue->id);
    assert_int_equal(r->u.DownlinkNASTransport.eNB_UE_S1AP_ID, enb_ue_id);
    assert_int_equal(r->u.DownlinkNASTransport.NAS_PDU.len, sizeof(held_pdu));
    assert_memory_equal(r->u.DownlinkNASTransport.NAS_PDU.buf, held_pdu, sizeof(held_pdu));
}

/* TS 36.413 8.6.2.3, TS 23.401 5.5.1.2.2: the source does not deliver a
 * NAS PDU because it hands the UE over: nothing is sent while the handover
 * runs; after the Notify the PDU goes, unchanged, to the target */
static void test_nas_non_delivery_resent_after_s1_handover(void **state)
{
    (void)state;
    ho_required(102);
    nas_non_delivery(1, 7, S1AP_CauseRadioNetwork_s1_intra_system_handover_triggered);
    assert_int_equal(n_sent, 0);
    assert_int_equal(ctx.stats.nas_non_delivery_rx, 1);
    ho_request_ack();
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_HandoverCommand);
    /* still held while the UE moves: only the give-up guard runs */
    assert_armed(emm_nas_held_guard(ue), 0.200);
    ho_notify();
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_UEContextReleaseCommand);
    assert_armed(emm_nas_held_guard(ue), 0);    /* re-sent once the loop is back */
    expire(emm_nas_held_guard(ue));
    assert_int_equal(n_sent, 1);
    assert_resent(0, 2, 9);
    assert_int_equal(ctx.stats.nas_non_delivery_resent, 1);
    assert_int_equal(ctx.stats.nas_non_delivery_dropped, 0);
}

/* a cancelled handover: the UE stays at the source, which gets the PDU */
static void test_nas_non_delivery_resent_after_cancel(void **state)
{
    (void)state;
    ho_required(102);
    ho_request_ack();
    nas_non_delivery(1, 7, S1AP_CauseRadioNetwork_unspecified);
    assert_int_equal(n_sent, 0);
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_HandoverCancel);
    pdu.u.HandoverCancel.MME_UE_S1AP_ID = ue->id;
    pdu.u.HandoverCancel.eNB_UE_S1AP_ID = 7;
    pdu.u.HandoverCancel.Cause.present = S1AP_Cause_PR_radioNetwork;
    feed(1, &pdu);
    assert_armed(emm_nas_held_guard(ue), 0);
    expire(emm_nas_held_guard(ue));
    assert_int_equal(n_sent, 1);
    assert_resent(0, 1, 7);
}

/* no handover: re-sent at once, once; not delivered again: given up */
static void test_nas_non_delivery_without_handover(void **state)
{
    (void)state;
    nas_non_delivery(1, 7, S1AP_CauseRadioNetwork_radio_connection_with_ue_lost);
    assert_int_equal(n_sent, 1);
    assert_resent(0, 1, 7);
    nas_non_delivery(1, 7, S1AP_CauseRadioNetwork_radio_connection_with_ue_lost);
    assert_int_equal(n_sent, 0);
    assert_int_equal(ctx.stats.nas_non_delivery_rx, 2);
    assert_int_equal(ctx.stats.nas_non_delivery_resent, 1);
    assert_int_equal(ctx.stats.nas_non_delivery_dropped, 1);
    /* an X2 handover's cause: held until the Path Switch (or the guard,
     * mme.ts1relocoverall 200 ms here), then given up */
    nas_non_delivery(1, 7, S1AP_CauseRadioNetwork_x2_handover_triggered);
    assert_int_equal(n_sent, 0);
    assert_armed(emm_nas_held_guard(ue), 0.200);
    expire(emm_nas_held_guard(ue));
    assert_int_equal(n_sent, 0);
    assert_int_equal(ctx.stats.nas_non_delivery_dropped, 2);
    assert_null(ue->nas_held);
}

/* the connection goes while the PDU waits: given up, nothing sent later */
static void test_nas_non_delivery_connection_lost(void **state)
{
    (void)state;
    ho_required(102);
    nas_non_delivery(1, 7, S1AP_CauseRadioNetwork_s1_intra_system_handover_triggered);
    s1ap_enb_disconnected(&ctx, 1, "test");
    agw_commit(&ctx);
    assert_int_equal(ctx.stats.nas_non_delivery_dropped, 1);
    assert_null(ue->nas_held);
    assert_null(emm_nas_held_guard(ue));        /* no guard left to re-send */
    n_sent = 0;
    if (ev_is_active(&ue->s1ho.timer))
        expire(&ue->s1ho.timer);                /* the handover's own guard */
    for (unsigned i = 0; i < n_sent; i++)
        assert_int_not_equal(sent_pdu(i)->kind, S1AP_MSG_DownlinkNASTransport);
}

/* TS 24.301 5.6.4: DOWNLINK GENERIC NAS TRANSPORT to a connected UE
 * (protected), refused for an idle one; the UE's UPLINK GENERIC NAS
 * TRANSPORT is taken (counted), not answered with EMM STATUS */
static void test_generic_nas_transport(void **state)
{
    (void)state;
    static const uint8_t lpp[] = {0x92, 0x2b, 0x0a};
    ue->ksi = 1;
    ue->sec.eea = 2;        /* 128-EEA2 / EIA2, taken from KASME on first use */
    ue->sec.eia = 2;
    assert_int_equal(emm_send_dl_generic(&ctx, ue, 0, lpp, sizeof(lpp), NULL, 0), -EINVAL);
    assert_int_equal(emm_send_dl_generic(&ctx, ue, 1, lpp, sizeof(lpp), NULL, 0), 0);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_DownlinkNASTransport);
    struct nas_sec_ctx uectx;
    assert_int_equal(nas_sec_ctx_init_kasme(&uectx, NAS_SEC_ROLE_UE, ue->ksi, ue->sec.eea,
                                            ue->sec.eia, ue->kasme), NAS_SEC_OK);
    uint8_t plain[256];
    size_t pl = 0;
    struct nas_sec_info info;
    assert_int_equal(nas_unprotect(&uectx, r->u.DownlinkNASTransport.NAS_PDU.buf,
                                   r->u.DownlinkNASTransport.NAS_PDU.len, plain, sizeof(plain),
                                   &pl, &info), NAS_SEC_OK);
    assert_int_equal(info.hdr, NAS_SEC_HDR_INTEGRITY_CIPHERED);
    static struct nas_message m;
    assert_true(nas_decode_plain(plain, pl, &m) >= 0);
    assert_int_equal(m.id, NAS_MSG_DL_GENERIC_NAS_TRANSPORT);
    assert_int_equal(m.dl_generic_nas_transport.generic_msg_container_type, 1);
    assert_int_equal(m.dl_generic_nas_transport.generic_msg_container.len, sizeof(lpp));
    assert_memory_equal(m.dl_generic_nas_transport.generic_msg_container.v, lpp, sizeof(lpp));
    assert_int_equal(ctx.stats.nas_generic_dl_tx, 1);

    /* the UE answers */
    nas_message_init(&m, NAS_MSG_UL_GENERIC_NAS_TRANSPORT);
    m.ul_generic_nas_transport.generic_msg_container_type = 1;
    m.ul_generic_nas_transport.generic_msg_container.len = 2;
    m.ul_generic_nas_transport.generic_msg_container.v[0] = 0x55;
    int n = nas_encode_plain(&m, plain, sizeof(plain));
    assert_true(n > 0);
    uint8_t prot[300];
    size_t plen = 0;
    assert_int_equal(nas_protect(&uectx, NAS_SEC_HDR_INTEGRITY_CIPHERED, plain, (size_t)n, prot,
                                 sizeof(prot), &plen), NAS_SEC_OK);
    nas_sec_ctx_free(&uectx);
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_UplinkNASTransport);
    pdu.u.UplinkNASTransport.MME_UE_S1AP_ID = ue->id;
    pdu.u.UplinkNASTransport.eNB_UE_S1AP_ID = 7;
    pdu.u.UplinkNASTransport.NAS_PDU.buf = prot;
    pdu.u.UplinkNASTransport.NAS_PDU.len = (uint32_t)plen;
    memcpy(pdu.u.UplinkNASTransport.TAI.pLMNidentity, "\x00\xf1\x10", 3);
    memcpy(pdu.u.UplinkNASTransport.EUTRAN_CGI.pLMNidentity, "\x00\xf1\x10", 3);
    uint64_t unexpected = ctx.stats.nas_unexpected;
    feed(1, &pdu);
    assert_int_equal(ctx.stats.nas_generic_ul_rx, 1);
    assert_int_equal(ctx.stats.nas_unexpected, unexpected);
    assert_int_equal(n_sent, 0);            /* no EMM STATUS */

    s1ap_enb_disconnected(&ctx, 1, "test");
    agw_commit(&ctx);
    assert_int_equal(emm_send_dl_generic(&ctx, ue, 1, lpp, sizeof(lpp), NULL, 0), -ENOTCONN);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--dump-error-indications"))
        return dump_error_indications();
    /* --filter GLOB: only the cases whose names match (e.g. the timer
     * cases, "*timer_expiry", run many times in a row) */
    if (argc > 2 && !strcmp(argv[1], "--filter"))
        cmocka_set_test_filter(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_switch_ack_moves_tunnel_and_chains_nh, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_path_switch_unknown_ue_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_switch_unknown_erabs_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_switch_partial_and_caps_mismatch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_path_switch_during_detach_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mme_reset_leaves_ues_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_writes_pdn_rows_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_follows_adopted_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_indication_releases_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_unknown_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_target_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_prep_timer_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_overall_timer_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_ddn_uses_session_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_indication_criticality_diagnostics, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ue_modify_ambr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erab_modification_indication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_association_loss_keeps_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_dedicated_bearer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_dedicated_not_admitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_switch_to_ipv6_target_and_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_s1_handover_to_ipv6_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nas_non_delivery_resent_after_s1_handover, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nas_non_delivery_resent_after_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nas_non_delivery_without_handover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nas_non_delivery_connection_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generic_nas_transport, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
