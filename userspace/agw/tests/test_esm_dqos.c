/* esm_dqos: the default bearer's QoS / APN-AMBR modification (TS 24.301
 * 6.4.3, TS 36.413 8.2.2, 8.3.4).  The builders (what goes on the wire,
 * through the NAS and S1AP codecs) and the procedure driven as the daemon
 * runs it (the UE's answers come in Uplink NAS Transports through
 * s1ap_handle_pdu); what is sent is caught by wrapping sctp_ep_send(), the
 * store is a real SQLite file ("stored before it is sent" is checked). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "sctp/sctp_path.h"

static const char config_yaml[] =
    "logger: { level: error }\n"
    "mme:\n"
    "  gummei: { plmn: { mcc: \"001\", mnc: \"01\" }, mme_gid: 1, mme_code: 1 }\n"
    "  tai: [ { plmn: { mcc: \"001\", mnc: \"01\" }, tac: [1, 2] } ]\n"
    "  t3486: 100ms\n"
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
static const uint8_t enb_src_addr[4] = {10, 0, 0, 1}, enb_tgt_addr[4] = {10, 0, 0, 2};

static int setup(void **state)
{
    static char errbuf[4096];
    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(agw_config_load_string("t.yaml", config_yaml, sizeof(config_yaml) - 1, &cfg,
                                            errbuf, sizeof(errbuf)), 0);
    snprintf(db_path, sizeof(db_path), "/tmp/test_esm_dqos.%d.db", (int)getpid());
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
    p->qci = 9;
    p->arp_prio = 1;
    p->ambr_ul_bps = 100000000;
    p->ambr_dl_bps = 200000000;
    ue->ue_ambr_ul = 500000000;
    ue->ue_ambr_dl = 500000000;
    ue->ksi = 1;
    ue->sec.eea = 2;        /* 128-EEA2 / EIA2, taken from KASME on first use */
    ue->sec.eia = 2;
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

static void feed(uint32_t assoc, struct s1ap_pdu *pdu)
{
    uint8_t buf[1024];
    int len = s1ap_encode(pdu, buf, sizeof(buf));
    assert_true(len > 0);
    n_sent = 0;
    s1ap_handle_pdu(&ctx, assoc, 0, buf, (size_t)len);
    agw_commit(&ctx);
}

static struct nas_sec_ctx uectx;

static void ue_sec(void)
{
    assert_int_equal(nas_sec_ctx_init_kasme(&uectx, NAS_SEC_ROLE_UE, ue->ksi, ue->sec.eea,
                                            ue->sec.eia, ue->kasme), NAS_SEC_OK);
}

/* The NAS PDU the UE gets, decoded */
static void ue_nas(const uint8_t *buf, size_t len, struct nas_message *m)
{
    uint8_t plain[512];
    size_t pl = 0;
    struct nas_sec_info info;
    assert_int_equal(nas_unprotect(&uectx, buf, len, plain, sizeof(plain), &pl, &info),
                     NAS_SEC_OK);
    assert_true(nas_decode_plain(plain, pl, m) >= 0);
}

/* The UE answers MODIFY EPS BEARER CONTEXT ACCEPT (cause 0) or REJECT */
static void ue_answer(uint8_t ebi, uint8_t cause)
{
    static struct nas_message m;
    uint8_t plain[64], prot[128];
    size_t plen = 0;
    nas_message_init(&m, cause ? NAS_MSG_MODIFY_REJECT : NAS_MSG_MODIFY_ACCEPT);
    m.ebi = ebi;
    if (cause)
        m.modify_reject.esm_cause = cause;
    int n = nas_encode_plain(&m, plain, sizeof(plain));
    assert_true(n > 0);
    assert_int_equal(nas_protect(&uectx, NAS_SEC_HDR_INTEGRITY_CIPHERED, plain, (size_t)n, prot,
                                 sizeof(prot), &plen), NAS_SEC_OK);
    struct s1ap_pdu pdu;
    s1ap_pdu_init(&pdu, S1AP_MSG_UplinkNASTransport);
    pdu.u.UplinkNASTransport.MME_UE_S1AP_ID = ue->id;
    pdu.u.UplinkNASTransport.eNB_UE_S1AP_ID = 7;
    pdu.u.UplinkNASTransport.NAS_PDU.buf = prot;
    pdu.u.UplinkNASTransport.NAS_PDU.len = (uint32_t)plen;
    memcpy(pdu.u.UplinkNASTransport.TAI.pLMNidentity, "\x00\xf1\x10", 3);
    memcpy(pdu.u.UplinkNASTransport.EUTRAN_CGI.pLMNidentity, "\x00\xf1\x10", 3);
    feed(1, &pdu);
}

static int stored(int *qci)
{
    sqlite3_stmt *st;
    int n = 0;
    assert_int_equal(sqlite3_prepare_v2(db.db, "SELECT qci FROM default_bearer_mod", -1, &st,
                                        NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (qci)
            *qci = sqlite3_column_int(st, 0);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

static struct esm_dqos want(uint8_t qci, uint8_t arp, uint64_t ul, uint64_t dl)
{
    struct esm_dqos q = {.qci = qci, .arp_prio = arp, .ambr_ul = ul, .ambr_dl = dl};
    return q;
}

/* ------------------------------------------------------------ builders -- */

/* TS 24.301 8.3.18: the new EPS QoS for a QCI change, the APN-AMBR for an
 * APN-AMBR change, each alone; nothing changes: nothing to build */
static void test_build_modify_carries_what_changes(void **state)
{
    (void)state;
    struct esm_dqos old = want(9, 1, 100000000, 200000000);
    struct esm_dqos q = want(6, 1, 100000000, 200000000);
    struct nas_message m, d;
    uint8_t buf[256];
    assert_int_equal(esm_dqos_build_modify(5, &old, &q, &m), 0);
    int n = nas_encode_plain(&m, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(nas_decode_plain(buf, (size_t)n, &d), n);
    assert_int_equal(d.id, NAS_MSG_MODIFY_REQUEST);
    assert_int_equal(d.ebi, 5);
    assert_int_equal(d.pti, 0);
    assert_true(d.modify_request.has_new_eps_qos);
    assert_int_equal(d.modify_request.new_eps_qos.qci, 6);
    assert_false(d.modify_request.has_apn_ambr);
    assert_false(d.modify_request.has_tft);

    q = want(9, 1, 128000, 200000);
    assert_int_equal(esm_dqos_build_modify(5, &old, &q, &m), 0);
    n = nas_encode_plain(&m, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(nas_decode_plain(buf, (size_t)n, &d), n);
    assert_false(d.modify_request.has_new_eps_qos);
    assert_true(d.modify_request.has_apn_ambr);
    assert_int_equal(nas_apn_ambr_kbps(&d.modify_request.apn_ambr, true), 128);
    assert_int_equal(nas_apn_ambr_kbps(&d.modify_request.apn_ambr, false), 200);

    /* an ARP change alone: the QCI as it is (the UE has no ARP) */
    q = want(9, 3, 100000000, 200000000);
    assert_int_equal(esm_dqos_build_modify(5, &old, &q, &m), 0);
    assert_true(m.modify_request.has_new_eps_qos);
    assert_int_equal(m.modify_request.new_eps_qos.qci, 9);

    assert_int_equal(esm_dqos_build_modify(5, &old, &old, &m), -EALREADY);
}

/* TS 36.413 9.1.3.3: the E-RAB Level QoS Parameters (no GBR information
 * for a non-GBR bearer), the NAS-PDU, the UE-AMBR only when given */
static void test_build_erab_modify(void **state)
{
    (void)state;
    struct s1ap_pdu pdu;
    s1ap_E_RABToBeModifiedItemBearerModReq it;
    static const uint8_t nas[] = {0x27, 1, 2, 3, 4, 5, 6};
    uint8_t buf[512];
    struct esm_dqos q = want(6, 4, 1000000, 2000000);
    q.arp_cap = true;
    esm_dqos_build_erab_modify(&pdu, &it, 11, 22, 5, &q, 3000000, 4000000, nas, sizeof(nas));
    int n = s1ap_encode(&pdu, buf, sizeof(buf));
    assert_true(n > 0);
    n_sent = 0;
    memcpy(sent[0].buf, buf, (size_t)n);
    sent[0].len = (size_t)n;
    n_sent = 1;
    const struct s1ap_pdu *d = sent_pdu(0);
    assert_int_equal(d->kind, S1AP_MSG_E_RABModifyRequest);
    const s1ap_E_RABModifyRequest *m = &d->u.E_RABModifyRequest;
    assert_int_equal(m->MME_UE_S1AP_ID, 11);
    assert_int_equal(m->eNB_UE_S1AP_ID, 22);
    assert_true(m->uEaggregateMaximumBitrate_present);
    assert_int_equal(m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL, 3000000);
    assert_int_equal(m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL, 4000000);
    assert_int_equal(m->E_RABToBeModifiedListBearerModReq.count, 1);
    const s1ap_E_RABToBeModifiedItemBearerModReq *i = &m->E_RABToBeModifiedListBearerModReq.items[0];
    assert_int_equal(i->e_RAB_ID, 5);
    assert_int_equal(i->e_RABLevelQoSParameters.qCI, 6);
    assert_int_equal(i->e_RABLevelQoSParameters.allocationRetentionPriority.priorityLevel, 4);
    assert_int_equal(i->e_RABLevelQoSParameters.allocationRetentionPriority.pre_emptionCapability,
                     S1AP_Pre_emptionCapability_may_trigger_pre_emption);
    assert_false(i->e_RABLevelQoSParameters.gbrQosInformation_present);
    assert_int_equal(i->nAS_PDU.len, sizeof(nas));
    assert_memory_equal(i->nAS_PDU.buf, nas, sizeof(nas));

    esm_dqos_build_erab_modify(&pdu, &it, 11, 22, 5, &q, 0, 0, nas, sizeof(nas));
    n = s1ap_encode(&pdu, buf, sizeof(buf));
    memcpy(sent[0].buf, buf, (size_t)n);
    sent[0].len = (size_t)n;
    assert_false(sent_pdu(0)->u.E_RABModifyRequest.uEaggregateMaximumBitrate_present);
}

/* TS 23.401 4.7.3: min(subscribed UE-AMBR, sum of the APN-AMBRs) */
static void test_ue_ambr(void **state)
{
    (void)state;
    uint64_t ul, dl;
    esm_dqos_ue_ambr(ue, NULL, NULL, &ul, &dl);
    assert_int_equal(ul, 100000000);        /* the APN-AMBR: below the subscribed 500M */
    assert_int_equal(dl, 200000000);
    struct esm_dqos q = want(9, 1, 1000000000, 2000000);
    esm_dqos_ue_ambr(ue, &ue->pdn[0], &q, &ul, &dl);
    assert_int_equal(ul, 500000000);        /* capped by the subscription */
    assert_int_equal(dl, 2000000);
    /* a second PDN connection adds its APN-AMBR */
    ue->pdn[1].state = PDN_ACTIVE;
    ue->pdn[1].ambr_ul_bps = 1000000;
    ue->pdn[1].ambr_dl_bps = 3000000;
    esm_dqos_ue_ambr(ue, &ue->pdn[0], &q, &ul, &dl);
    assert_int_equal(dl, 5000000);
    /* one without an APN-AMBR: the subscribed value */
    ue->pdn[1].ambr_dl_bps = 0;
    esm_dqos_ue_ambr(ue, NULL, NULL, &ul, &dl);
    assert_int_equal(dl, 500000000);
    ue->pdn[1].state = PDN_FREE;
}

static void test_check(void **state)
{
    (void)state;
    char err[128];
    struct esm_dqos q = want(6, 1, 1000, 1000);
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), 0);
    q.qci = 1;          /* GBR: not for a default bearer */
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -EINVAL);
    q.qci = 10;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -EINVAL);
    q.qci = 70;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), 0);
    q.arp_prio = 16;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -EINVAL);
    q.arp_prio = 0;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -EINVAL);
    q.arp_prio = 15;
    q.ambr_ul = 999;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -ERANGE);
    q.ambr_ul = 4000000000001ull;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -ERANGE);
    q.ambr_ul = 4000000000000ull;
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), 0);
    /* against the values in force: only what changes is checked (a PDN
     * connection without an APN-AMBR can change its QCI) */
    struct esm_dqos cur = want(9, 15, 0, 0);
    q = want(6, 15, 0, 0);
    assert_int_equal(esm_dqos_check(&q, &cur, err, sizeof(err)), 0);
    assert_int_equal(esm_dqos_check(&q, NULL, err, sizeof(err)), -ERANGE);
    q.ambr_dl = 1000;
    assert_int_equal(esm_dqos_check(&q, &cur, err, sizeof(err)), -ERANGE);
}

/* ----------------------------------------------------------- procedure -- */

/* A QCI change: stored, then the E-RAB Modify with the NAS message; the
 * values change only with the UE's ACCEPT, the row goes then */
static void test_qci_change_accepted(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q = want(6, 2, 100000000, 200000000);
    ue_sec();
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), 1);
    assert_int_equal(p->qci, 9);            /* not yet */
    agw_commit(&ctx);
    int sq = 0;
    assert_int_equal(stored(&sq), 1);
    assert_int_equal(sq, 6);
    assert_int_equal(n_sent, 1);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_E_RABModifyRequest);
    const s1ap_E_RABToBeModifiedItemBearerModReq *it =
        &r->u.E_RABModifyRequest.E_RABToBeModifiedListBearerModReq.items[0];
    assert_int_equal(it->e_RABLevelQoSParameters.qCI, 6);
    assert_int_equal(it->e_RABLevelQoSParameters.allocationRetentionPriority.priorityLevel, 2);
    assert_false(r->u.E_RABModifyRequest.uEaggregateMaximumBitrate_present);
    static struct nas_message m;
    ue_nas(it->nAS_PDU.buf, it->nAS_PDU.len, &m);
    assert_int_equal(m.id, NAS_MSG_MODIFY_REQUEST);
    assert_int_equal(m.ebi, 5);
    assert_int_equal(m.modify_request.new_eps_qos.qci, 6);

    ue_answer(5, 0);
    assert_int_equal(p->qci, 6);
    assert_int_equal(p->arp_prio, 2);
    assert_int_equal(ctx.stats.default_qos_modified, 1);
    assert_int_equal(stored(NULL), 0);
    assert_int_equal(n_sent, 0);
    nas_sec_ctx_free(&uectx);
}

/* The APN-AMBR alone: Downlink NAS Transport, then a UE Context
 * Modification with the new UE-AMBR (the sum, under the subscribed) */
static void test_ambr_change_dl_nas_and_ue_ambr(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q = want(9, 1, 2000000, 3000000);
    ue_sec();
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), 1);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 2);
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_DownlinkNASTransport);
    static struct nas_message m;
    ue_nas(r->u.DownlinkNASTransport.NAS_PDU.buf, r->u.DownlinkNASTransport.NAS_PDU.len, &m);
    assert_int_equal(m.id, NAS_MSG_MODIFY_REQUEST);
    assert_true(m.modify_request.has_apn_ambr);
    assert_false(m.modify_request.has_new_eps_qos);
    assert_int_equal(nas_apn_ambr_kbps(&m.modify_request.apn_ambr, false), 2944);  /* 64k steps */
    r = sent_pdu(1);
    assert_int_equal(r->kind, S1AP_MSG_UEContextModificationRequest);
    assert_int_equal(r->u.UEContextModificationRequest.uEaggregateMaximumBitrate
                         .uEaggregateMaximumBitRateDL, 3000000);
    ue_answer(5, 0);
    assert_int_equal(p->ambr_ul_bps, 2000000);
    assert_int_equal(p->ambr_dl_bps, 3000000);
    nas_sec_ctx_free(&uectx);
}

/* TS 24.301 6.4.3.4: REJECT keeps the old values; a target asked for
 * while the request was out goes after the answer */
static void test_reject_keeps_old_then_next_goes(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q6 = want(6, 1, 100000000, 200000000), q7 = want(7, 1, 100000000, 200000000);
    ue_sec();
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q6, ESM_DQOS_CTL, err, sizeof(err)), 1);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 1);
    n_sent = 0;
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q7, ESM_DQOS_CTL, err, sizeof(err)), 1);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 0);            /* one at a time */
    int sq = 0;
    assert_int_equal(stored(&sq), 1);
    assert_int_equal(sq, 7);                /* the newest target is what a restart finds */
    ue_answer(5, 37);
    assert_int_equal(p->qci, 9);
    assert_int_equal(ctx.stats.default_qos_modify_failed, 1);
    assert_int_equal(n_sent, 1);            /* QCI 7 now */
    const struct s1ap_pdu *r = sent_pdu(0);
    assert_int_equal(r->kind, S1AP_MSG_E_RABModifyRequest);
    assert_int_equal(r->u.E_RABModifyRequest.E_RABToBeModifiedListBearerModReq.items[0]
                         .e_RABLevelQoSParameters.qCI, 7);
    ue_answer(5, 0);
    assert_int_equal(p->qci, 7);
    nas_sec_ctx_free(&uectx);
}

/* TS 36.413 8.2.2.3: the eNB's E-RAB Failed to Modify List ends it */
static void test_erab_failed(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q = want(8, 1, 100000000, 200000000);
    ue_sec();
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), 1);
    agw_commit(&ctx);
    struct s1ap_pdu pdu;
    s1ap_E_RABItem f = {.e_RAB_ID = 5};
    f.cause.present = S1AP_Cause_PR_radioNetwork;
    s1ap_pdu_init(&pdu, S1AP_MSG_E_RABModifyResponse);
    pdu.u.E_RABModifyResponse.MME_UE_S1AP_ID = ue->id;
    pdu.u.E_RABModifyResponse.eNB_UE_S1AP_ID = 7;
    pdu.u.E_RABModifyResponse.E_RABFailedToModifyList_present = true;
    pdu.u.E_RABModifyResponse.E_RABFailedToModifyList.count = 1;
    pdu.u.E_RABModifyResponse.E_RABFailedToModifyList.items = &f;
    feed(1, &pdu);
    assert_int_equal(ctx.stats.default_qos_modify_failed, 1);
    assert_int_equal(p->qci, 9);
    assert_int_equal(stored(NULL), 0);
    nas_sec_ctx_free(&uectx);
}

/* TS 24.301 6.4.3.6: T3486 (100 ms here) resends in a Downlink NAS
 * Transport four times, then the procedure is abandoned */
static void test_t3486_retransmissions(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q = want(6, 1, 100000000, 200000000);
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), 1);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 1);
    unsigned dl = 0, other = 0;
    for (int i = 0; i < 200 && !ctx.stats.default_qos_modify_failed; i++) {
        n_sent = 0;
        ev_run(ctx.loop, EVRUN_ONCE);
        agw_commit(&ctx);
        for (unsigned k = 0; k < n_sent; k++)
            if (sent_pdu(k)->kind == S1AP_MSG_DownlinkNASTransport)
                dl++;
            else
                other++;
    }
    assert_int_equal(ctx.stats.default_qos_modify_failed, 1);
    assert_int_equal(dl, 4);
    assert_int_equal(other, 0);
    assert_int_equal(p->qci, 9);
}

/* An ECM-IDLE UE: the modification waits (stored) and goes when the UE
 * is connected again */
static void test_idle_ue_waits(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q = want(6, 1, 100000000, 200000000);
    s1ap_enb_disconnected(&ctx, 1, "test");  /* the UE goes ECM-IDLE */
    agw_commit(&ctx);
    assert_false(ue->s1);
    n_sent = 0;
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), 1);
    agw_commit(&ctx);
    bool deferred = false;
    assert_non_null(esm_dqos_pending(ue, 5, &deferred));
    assert_true(deferred);
    assert_true(esm_bearer_waiting(ue));    /* keeps a TAU's connection (emm_service.c) */
    assert_int_equal(stored(NULL), 1);
    /* back: an Initial Context Setup made the connection */
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(36412)};
    memcpy(&peer.sin_addr, enb_src_addr, 4);
    s1ap_enb_connected(&ctx, 3, &peer, 4, 4);
    enb_find_assoc(&ctx, 3)->setup = true;
    assert_int_equal(ue_s1_bind(&ctx, ue, enb_find_assoc(&ctx, 3), 9), 0);
    p->dl_teid = 0x300;
    n_sent = 0;
    esm_bearer_connected(&ctx, ue);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 1);
    assert_int_equal(sent_pdu(0)->kind, S1AP_MSG_E_RABModifyRequest);
    assert_int_equal(sent[0].assoc, 3);
    s1ap_enb_disconnected(&ctx, 3, "test");
}

/* strict: what is not a modification is refused with a reason */
static void test_refused(void **state)
{
    (void)state;
    char err[128];
    struct agw_pdn *p = &ue->pdn[0];
    struct esm_dqos q = want(1, 1, 100000000, 200000000);
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "non-GBR"));
    q = want(9, 1, 100000000, 200000000);
    assert_int_equal(esm_dqos_modify(&ctx, ue, p, &q, ESM_DQOS_CTL, err, sizeof(err)), 0);
    agw_commit(&ctx);
    assert_int_equal(n_sent, 0);
    assert_int_equal(stored(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_build_modify_carries_what_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_erab_modify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ue_ambr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qci_change_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ambr_change_dl_nas_and_ue_ambr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_keeps_old_then_next_goes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erab_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_t3486_retransmissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_ue_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
