/* enbsim's UE side (ue_usim.c, ue_nas.c) against the network side of the
 * same libraries: userspace/sec's HSS functions (vectors, resync) and
 * userspace/nas's security layer in the network role.  The "network" here
 * is a scripted test double written in this file, not the MME: it builds
 * the downlink messages a network sends in an attach and checks what the
 * UE answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"
#include "sec/kdf.h"
#include "tools/enbsim/enbsim.h"

/* TS 35.208 test set 1 */
static const char *K_HEX = "465b5ce8b199b49faa5f0a2ee238a6bc";
static const char *OPC_HEX = "cd63cb71954a9f4e48a5994e37a02baf";
static const uint8_t AMF[2] = {0x80, 0x00};

/* The network double: HSS state and the MME's security context. */
struct net {
    struct milenage hss;
    struct sec_sqn_he he;
    struct sec_eps_vector v;
    struct nas_sec_ctx ctx;
    bool ctx_valid;
    uint8_t ksi;
};

static struct enbsim_ue ue;
static struct net net;
static struct ue_nas_cfg cfg;

static int setup(void **state)
{
    (void)state;
    struct usim_sub sub = {.sqn = 32 * 100};
    strcpy(sub.imsi, "001010000000001");
    assert_int_equal(hex_decode_exact(K_HEX, sub.k, 16), 0);
    assert_int_equal(hex_decode_exact(OPC_HEX, sub.opc, 16), 0);
    memcpy(sub.amf, AMF, 2);
    strcpy(sub.apn, "internet");
    memset(&ue, 0, sizeof(ue));
    ue.ksi = NAS_KSI_NONE;
    assert_int_equal(usim_init(&ue.usim, &sub), 0);

    memset(&net, 0, sizeof(net));
    assert_int_equal(milenage_init(&net.hss, sub.k, sub.opc), 0);
    net.he.seq_he = sub.sqn >> SEC_SQN_IND_BITS; /* the HSS's last used SEQ */

    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(sec_plmn_to_sn_id("00101", cfg.sn_id), 0);
    cfg.plmn = (struct nas_plmn){.mcc = 1, .mnc = 1, .mnc_digits = 2};
    cfg.tac = 1;
    cfg.apn = "internet";
    cfg.imeisv = "3534900698733201";
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ue_nas_reset(&ue, false);
    usim_free(&ue.usim);
    milenage_free(&net.hss);
    if (net.ctx_valid)
        nas_sec_ctx_free(&net.ctx);
    return 0;
}

/* Encodes a plain message (or protects it with the network context). */
static size_t net_encode(struct nas_message *m, enum nas_sec_hdr hdr, uint8_t *out, size_t cap)
{
    uint8_t plain[ENBSIM_NAS_MAX];
    int n = nas_encode_plain(m, plain, sizeof(plain));
    assert_true(n > 0);
    if (hdr == NAS_SEC_HDR_PLAIN) {
        memcpy(out, plain, (size_t)n);
        return (size_t)n;
    }
    size_t ol;
    assert_int_equal(nas_protect(&net.ctx, hdr, plain, (size_t)n, out, cap, &ol), NAS_SEC_OK);
    return ol;
}

/* Unprotects (when a context exists) and decodes an uplink PDU. */
static enum nas_sec_err net_decode(const uint8_t *pdu, size_t len, struct nas_message *m)
{
    uint8_t plain[ENBSIM_NAS_MAX];
    size_t pl;
    struct nas_sec_info info;
    enum nas_sec_err e = nas_unprotect(net.ctx_valid ? &net.ctx : NULL, pdu, len, plain,
                                       sizeof(plain), &pl, &info);
    if (e != NAS_SEC_OK && e != NAS_SEC_ERR_NO_CONTEXT)
        return e;
    assert_true(nas_decode_plain(plain, pl, m) > 0);
    return e;
}

static void net_auth_request(struct nas_message *m)
{
    assert_int_equal(sec_he_eps_vector(&net.hss, &net.he, AMF, cfg.sn_id, &net.v), SEC_AUTH_OK);
    nas_message_init(m, NAS_MSG_AUTH_REQUEST);
    net.ksi = (uint8_t)((net.ksi + 1) % 7);
    m->auth_request.nas_ksi.ksi = net.ksi;
    memcpy(m->auth_request.rand, net.v.rand, 16);
    memcpy(m->auth_request.autn, net.v.autn, 16);
}

static void ue_dl(const uint8_t *pdu, size_t len, struct ue_nas_out *o)
{
    ue_nas_handle_dl(&ue, &cfg, pdu, len, o);
}

/* AKA: RES equals XRES and the UE's KASME the HSS's. */
static void do_aka(void)
{
    struct nas_message m, r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    net_auth_request(&m);
    size_t n = net_encode(&m, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    if (net.ctx_valid) {
        /* a new AKA: the old context no longer applies on the network side */
        nas_sec_ctx_free(&net.ctx);
        net.ctx_valid = false;
    }
    struct nas_sec_info info;
    assert_int_equal(nas_sec_peek(o.msg[0].buf, o.msg[0].len, &info), NAS_SEC_OK);
    if (info.hdr == NAS_SEC_HDR_PLAIN)
        net_decode(o.msg[0].buf, o.msg[0].len, &r);
    else
        assert_true(nas_decode_plain(o.msg[0].buf + 6, o.msg[0].len - 6, &r) > 0 ||
                    true); /* protected with the UE's old context: read the type below */
    if (info.hdr == NAS_SEC_HDR_PLAIN) {
        assert_int_equal(r.id, NAS_MSG_AUTH_RESPONSE);
        assert_int_equal(r.auth_response.res.len, 8);
        assert_memory_equal(r.auth_response.res.v, net.v.xres, 8);
    }
    assert_memory_equal(ue.pending_kasme, net.v.kasme, 32);
}

static void do_smc(uint8_t eea, uint8_t eia, bool imeisv)
{
    struct nas_message m, r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    if (net.ctx_valid)
        nas_sec_ctx_free(&net.ctx);
    assert_int_equal(nas_sec_ctx_init_kasme(&net.ctx, NAS_SEC_ROLE_NETWORK, net.ksi, eea, eia,
                                            net.v.kasme),
                     NAS_SEC_OK);
    net.ctx_valid = true;
    nas_message_init(&m, NAS_MSG_SECURITY_MODE_COMMAND);
    struct nas_security_mode_command *c = &m.security_mode_command;
    c->selected_algs.eea = eea;
    c->selected_algs.eia = eia;
    c->nas_ksi.ksi = net.ksi;
    c->replayed_ue_sec_cap.len = 2;
    c->replayed_ue_sec_cap.eea = 0xf0;
    c->replayed_ue_sec_cap.eia = 0x70;
    if (imeisv) {
        c->has_imeisv_request = true;
        c->imeisv_request = 1;
    }
    size_t n = net_encode(&m, NAS_SEC_HDR_INTEGRITY_NEW_CTX, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    struct nas_sec_info info;
    assert_int_equal(nas_sec_peek(o.msg[0].buf, o.msg[0].len, &info), NAS_SEC_OK);
    assert_int_equal(info.hdr, NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &r), NAS_SEC_OK);
    assert_int_equal(r.id, NAS_MSG_SECURITY_MODE_COMPLETE);
    assert_int_equal(r.security_mode_complete.has_imeisv, imeisv);
    if (imeisv)
        assert_string_equal(r.security_mode_complete.imeisv.digits, cfg.imeisv);
    assert_true(ue.sec_valid);
    assert_int_equal(net.ctx.ul_count, 1);
}

static size_t build_attach_accept(uint8_t pti, uint8_t *pdu, size_t cap)
{
    struct nas_message esm, m;
    uint8_t esm_buf[512];
    nas_message_init(&esm, NAS_MSG_ACT_DEFAULT_REQUEST);
    esm.ebi = 5;
    esm.pti = pti;
    nas_eps_qos_set(&esm.act_default_request.eps_qos, 9, 0, 0, 0, 0);
    strcpy(esm.act_default_request.apn.name, "internet");
    esm.act_default_request.pdn_addr.type = NAS_PDN_IPV4;
    memcpy(esm.act_default_request.pdn_addr.ipv4, (uint8_t[]){10, 45, 0, 2}, 4);
    int en = nas_encode_plain(&esm, esm_buf, sizeof(esm_buf));
    assert_true(en > 0);
    nas_message_init(&m, NAS_MSG_ATTACH_ACCEPT);
    struct nas_attach_accept *a = &m.attach_accept;
    a->eps_attach_result = 1;
    a->t3412.unit = 1;
    a->t3412.value = 9;
    a->tai_list.n = 1;
    a->tai_list.list[0].type = NAS_TAI_LIST_TACS;
    a->tai_list.list[0].n = 1;
    a->tai_list.list[0].tai[0].plmn = cfg.plmn;
    a->tai_list.list[0].tai[0].tac = 1;
    a->esm_container.len = (uint16_t)en;
    memcpy(a->esm_container.v, esm_buf, (size_t)en);
    a->has_guti = true;
    a->guti.type = NAS_EPS_ID_GUTI;
    a->guti.guti = (struct nas_guti){.plmn = cfg.plmn, .mmegi = 1, .mmec = 1, .m_tmsi = 0xc0ffee};
    return net_encode(&m, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, cap);
}

static void do_attach_accept(uint8_t pti)
{
    struct nas_message r, ra;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    size_t n = build_attach_accept(pti, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_true(o.attach_done);
    assert_int_equal(o.n, 1);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &r), NAS_SEC_OK);
    assert_int_equal(r.id, NAS_MSG_ATTACH_COMPLETE);
    assert_true(nas_decode_plain(r.attach_complete.esm_container.v,
                                 r.attach_complete.esm_container.len, &ra) > 0);
    assert_int_equal(ra.id, NAS_MSG_ACT_DEFAULT_ACCEPT);
    assert_int_equal(ra.ebi, 5);
    assert_true(ue.bearer[0].active);
    assert_int_equal(ue.bearer[0].ue_addr.s_addr, inet_addr("10.45.0.2"));
    assert_true(ue.have_guti);
    assert_int_equal(ue.guti.m_tmsi, 0xc0ffee);
}

static uint8_t attach_request_pti(const uint8_t *pdu, size_t len, struct nas_message *m)
{
    struct nas_message esm;
    net_decode(pdu, len, m);
    assert_int_equal(m->id, NAS_MSG_ATTACH_REQUEST);
    assert_true(nas_decode_plain(m->attach_request.esm_container.v,
                                 m->attach_request.esm_container.len, &esm) > 0);
    assert_int_equal(esm.id, NAS_MSG_PDN_CONN_REQUEST);
    return esm.pti;
}

static void attach_fully(void)
{
    struct nas_message m;
    uint8_t pdu[ENBSIM_NAS_MAX];
    int n = ue_nas_attach_request(&ue, &cfg, pdu, sizeof(pdu));
    assert_true(n > 0);
    uint8_t pti = attach_request_pti(pdu, (size_t)n, &m);
    do_aka();
    do_smc(1, 3, false);
    do_attach_accept(pti);
}

/* ------------------------------------------------------------ tests --- */

static void test_usim_res_kasme_match_hss(void **state)
{
    (void)state;
    struct usim_auth_result r;
    assert_int_equal(sec_he_eps_vector(&net.hss, &net.he, AMF, cfg.sn_id, &net.v), SEC_AUTH_OK);
    assert_int_equal(usim_authenticate(&ue.usim, net.v.rand, net.v.autn, cfg.sn_id, &r), 0);
    assert_int_equal(r.err, SEC_AUTH_OK);
    assert_memory_equal(r.res, net.v.xres, 8);
    assert_memory_equal(r.kasme, net.v.kasme, 32);
    /* the same vector again is a replay: synch failure (TS 33.102 6.3.3) */
    assert_int_equal(usim_authenticate(&ue.usim, net.v.rand, net.v.autn, cfg.sn_id, &r), 0);
    assert_int_equal(r.err, SEC_AUTH_SYNCH_FAILURE);
}

static void test_usim_auts_accepted_by_hss_resync(void **state)
{
    (void)state;
    struct nas_message m, r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    /* the USIM is far ahead of the HSS */
    usim_set_seq_ms(&ue.usim, 5000);
    net_auth_request(&m);
    size_t n = net_encode(&m, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    net_decode(o.msg[0].buf, o.msg[0].len, &r);
    assert_int_equal(r.id, NAS_MSG_AUTH_FAILURE);
    assert_int_equal(r.auth_failure.emm_cause, 21);
    assert_true(r.auth_failure.has_auts);
    uint64_t sqn_ms;
    assert_int_equal(sec_he_resync(&net.hss, &net.he, net.v.rand, r.auth_failure.auts, &sqn_ms),
                     SEC_AUTH_OK);
    assert_int_equal(sqn_ms >> SEC_SQN_IND_BITS, 5000);
    /* the network re-authenticates and the USIM now accepts */
    do_aka();
}

static void test_usim_mac_failure_cause_20(void **state)
{
    (void)state;
    struct nas_message m, r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    net_auth_request(&m);
    m.auth_request.autn[15] ^= 1; /* MAC-A */
    size_t n = net_encode(&m, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    net_decode(o.msg[0].buf, o.msg[0].len, &r);
    assert_int_equal(r.id, NAS_MSG_AUTH_FAILURE);
    assert_int_equal(r.auth_failure.emm_cause, 20);
    assert_false(r.auth_failure.has_auts);
}

static void test_imsi_attach_then_guti_attach(void **state)
{
    (void)state;
    struct nas_message m;
    uint8_t pdu[ENBSIM_NAS_MAX];
    int n = ue_nas_attach_request(&ue, &cfg, pdu, sizeof(pdu));
    assert_true(n > 0);
    uint8_t pti = attach_request_pti(pdu, (size_t)n, &m);
    assert_int_equal(m.attach_request.eps_mobile_id.type, NAS_EPS_ID_IMSI);
    assert_string_equal(m.attach_request.eps_mobile_id.digits, "001010000000001");
    do_aka();
    do_smc(2, 2, true);
    do_attach_accept(pti);
    /* KeNB: TS 33.401 7.2.6.1, A.3 from the same KASME on both sides and
     * the COUNT of the SECURITY MODE COMPLETE (the new context's first
     * uplink message, COUNT 0), not of the ATTACH COMPLETE after it */
    uint8_t k1[32], k2[32];
    assert_int_equal(ue_nas_kenb(&ue, k1), 0);
    assert_int_equal(sec_kenb(net.v.kasme, 0, k2), 0);
    assert_memory_equal(k1, k2, 32);

    /* a second attach in the same run uses the GUTI, integrity protected */
    n = ue_nas_attach_request(&ue, &cfg, pdu, sizeof(pdu));
    assert_true(n > 0);
    struct nas_sec_info info;
    assert_int_equal(nas_sec_peek(pdu, (size_t)n, &info), NAS_SEC_OK);
    assert_int_equal(info.hdr, NAS_SEC_HDR_INTEGRITY);
    pti = attach_request_pti(pdu, (size_t)n, &m);
    assert_int_equal(m.attach_request.eps_mobile_id.type, NAS_EPS_ID_GUTI);
    assert_int_equal(m.attach_request.eps_mobile_id.guti.m_tmsi, 0xc0ffee);
    assert_int_equal(m.attach_request.nas_ksi.ksi, net.ksi);
}

static void test_identity_request_answered(void **state)
{
    (void)state;
    struct nas_message m, r;
    uint8_t pdu[64];
    struct ue_nas_out o;
    nas_message_init(&m, NAS_MSG_IDENTITY_REQUEST);
    m.identity_request.identity_type = NAS_ID_IMSI;
    size_t n = net_encode(&m, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    net_decode(o.msg[0].buf, o.msg[0].len, &r);
    assert_int_equal(r.id, NAS_MSG_IDENTITY_RESPONSE);
    assert_int_equal(r.identity_response.mobile_id.type, NAS_ID_IMSI);
    assert_string_equal(r.identity_response.mobile_id.digits, "001010000000001");
}

static size_t build_smc(uint8_t caps_eea, uint8_t *pdu, size_t cap)
{
    struct nas_message m;
    if (net.ctx_valid)
        nas_sec_ctx_free(&net.ctx);
    assert_int_equal(nas_sec_ctx_init_kasme(&net.ctx, NAS_SEC_ROLE_NETWORK, net.ksi, 2, 2,
                                            net.v.kasme),
                     NAS_SEC_OK);
    net.ctx_valid = true;
    nas_message_init(&m, NAS_MSG_SECURITY_MODE_COMMAND);
    m.security_mode_command.selected_algs.eea = 2;
    m.security_mode_command.selected_algs.eia = 2;
    m.security_mode_command.nas_ksi.ksi = net.ksi;
    m.security_mode_command.replayed_ue_sec_cap.len = 2;
    m.security_mode_command.replayed_ue_sec_cap.eea = caps_eea;
    m.security_mode_command.replayed_ue_sec_cap.eia = 0x70;
    return net_encode(&m, NAS_SEC_HDR_INTEGRITY_NEW_CTX, pdu, cap);
}

static void test_smc_replayed_caps_altered_rejected_23(void **state)
{
    (void)state;
    struct nas_message r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    do_aka();
    size_t n = build_smc(0x80 /* bidding down to EEA0 */, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    net.ctx_valid = false; /* the reject is plain (TS 24.301 5.4.3.5) */
    net_decode(o.msg[0].buf, o.msg[0].len, &r);
    net.ctx_valid = true;
    assert_int_equal(r.id, NAS_MSG_SECURITY_MODE_REJECT);
    assert_int_equal(r.security_mode_reject.emm_cause, 23);
    assert_false(ue.sec_valid);
}

static void test_smc_bad_mac_rejected_24(void **state)
{
    (void)state;
    struct nas_message r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    do_aka();
    size_t n = build_smc(0xf0, pdu, sizeof(pdu));
    pdu[2] ^= 0x10; /* NAS-MAC */
    ue_dl(pdu, n, &o);
    assert_int_equal(o.n, 1);
    net.ctx_valid = false;
    net_decode(o.msg[0].buf, o.msg[0].len, &r);
    net.ctx_valid = true;
    assert_int_equal(r.id, NAS_MSG_SECURITY_MODE_REJECT);
    assert_int_equal(r.security_mode_reject.emm_cause, 24);
    assert_false(ue.sec_valid);
}

/* NAS protection in both roles: the UE protects, the network unprotects
 * with the counts moving in step; a replayed downlink message is dropped. */
static void test_protection_counts_and_dl_replay(void **state)
{
    (void)state;
    struct nas_message m, r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    attach_fully();
    assert_int_equal(ue.sec.ul_count, 2); /* SMC complete, attach complete */
    assert_int_equal(net.ctx.ul_count, 2);
    assert_int_equal(ue.sec.dl_count, net.ctx.dl_count);

    /* UE-requested PDN connectivity, protected */
    int n = ue_nas_pdn_connect(&ue, &cfg, "ims", pdu, sizeof(pdu));
    assert_true(n > 0);
    assert_int_equal(net_decode(pdu, (size_t)n, &r), NAS_SEC_OK);
    assert_int_equal(r.id, NAS_MSG_PDN_CONN_REQUEST);
    assert_string_equal(r.pdn_conn_request.apn.name, "ims");

    /* network detach; the same PDU again is a replay and is discarded */
    nas_message_init(&m, NAS_MSG_DETACH_REQUEST_NW);
    m.detach_request_nw.detach_type.type = NAS_DETACH_NO_REATTACH;
    size_t dn = net_encode(&m, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, sizeof(pdu));
    ue_dl(pdu, dn, &o);
    assert_true(o.detach_done);
    assert_int_equal(o.n, 1);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &r), NAS_SEC_OK);
    assert_int_equal(r.id, NAS_MSG_DETACH_ACCEPT);
    ue_dl(pdu, dn, &o);
    assert_false(o.detach_done);
    assert_int_equal(o.n, 0);
    /* and a plain Detach Request is not accepted once security is on */
    dn = net_encode(&m, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, dn, &o);
    assert_int_equal(o.n, 0);
}

static void test_ue_detach_request(void **state)
{
    (void)state;
    struct nas_message r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    attach_fully();
    int n = ue_nas_detach_request(&ue, &cfg, true, pdu, sizeof(pdu));
    assert_true(n > 0);
    assert_int_equal(net_decode(pdu, (size_t)n, &r), NAS_SEC_OK);
    assert_int_equal(r.id, NAS_MSG_DETACH_REQUEST_UE);
    assert_true(r.detach_request_ue.detach_type.switch_off);
    assert_int_equal(r.detach_request_ue.eps_mobile_id.type, NAS_EPS_ID_GUTI);
}

static void test_misbehave_wrong_res(void **state)
{
    (void)state;
    struct nas_message m, r;
    uint8_t pdu[ENBSIM_NAS_MAX];
    struct ue_nas_out o;
    cfg.misbehave = ENBSIM_MB_WRONG_RES;
    net_auth_request(&m);
    size_t n = net_encode(&m, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    net_decode(o.msg[0].buf, o.msg[0].len, &r);
    assert_int_equal(r.id, NAS_MSG_AUTH_RESPONSE);
    assert_memory_not_equal(r.auth_response.res.v, net.v.xres, 8);
}

static void test_misbehave_bad_mac_and_replay(void **state)
{
    (void)state;
    struct nas_message r;
    for (int round = 0; round < 2; round++) {
        cfg.misbehave = round ? ENBSIM_MB_REPLAY : ENBSIM_MB_BAD_MAC;
        struct nas_message m;
        uint8_t pdu[ENBSIM_NAS_MAX];
        struct ue_nas_out o;
        ue_nas_reset(&ue, false);
        int n = ue_nas_attach_request(&ue, &cfg, pdu, sizeof(pdu));
        if (net.ctx_valid)
            nas_sec_ctx_free(&net.ctx);
        net.ctx_valid = false;
        uint8_t pti = attach_request_pti(pdu, (size_t)n, &m);
        do_aka();
        do_smc(2, 2, false);
        size_t an = build_attach_accept(pti, pdu, sizeof(pdu));
        ue_dl(pdu, an, &o);
        assert_int_equal(o.n, 2);
        if (round == 0) {
            assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &r), NAS_SEC_ERR_MAC);
            assert_int_equal(net_decode(o.msg[1].buf, o.msg[1].len, &r), NAS_SEC_OK);
        } else {
            assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &r), NAS_SEC_OK);
            assert_int_equal(net_decode(o.msg[1].buf, o.msg[1].len, &r), NAS_SEC_ERR_REPLAY);
        }
        assert_int_equal(r.id, NAS_MSG_ATTACH_COMPLETE);
        assert_int_equal(net.ctx.ul_count, 2);
    }
}

static void test_misbehave_truncated_and_unknown_ie(void **state)
{
    (void)state;
    struct nas_message m;
    uint8_t pdu[ENBSIM_NAS_MAX];
    cfg.misbehave = ENBSIM_MB_TRUNCATED_IE;
    int n = ue_nas_attach_request(&ue, &cfg, pdu, sizeof(pdu));
    assert_true(nas_decode_plain(pdu, (size_t)n, &m) < 0);
    cfg.misbehave = ENBSIM_MB_UNKNOWN_IE;
    n = ue_nas_attach_request(&ue, &cfg, pdu, sizeof(pdu));
    assert_int_equal(nas_decode_plain(pdu, (size_t)n, &m), -NAS_ERR_COMPREHENSION);
}

static void test_csv_read_by_header_and_generate(void **state)
{
    (void)state;
    char err[128];
    struct usim_csv c;
    struct usim_sub s;
    char text[] = "state,imsi,op,k,sqn,amf,apns\n"
                  "active,001010000000009,cdc202d5123e20f62b6d676ac72cb318,"
                  "465b5ce8b199b49faa5f0a2ee238a6bc,4096,8000,internet:qci=9:ambr=1Mbps/2Mbps;ims\n";
    FILE *f = fmemopen(text, strlen(text), "r");
    assert_int_equal(usim_csv_open(&c, f, err, sizeof(err)), 0);
    assert_int_equal(usim_csv_next(&c, &s, err, sizeof(err)), 1);
    assert_string_equal(s.imsi, "001010000000009");
    uint8_t opc[16];
    hex_decode_exact(OPC_HEX, opc, 16);
    assert_memory_equal(s.opc, opc, 16); /* OPc computed from OP (TS 35.208 set 1) */
    assert_int_equal(s.sqn, 4096);
    assert_string_equal(s.apn, "internet");
    assert_int_equal(usim_csv_next(&c, &s, err, sizeof(err)), 0);
    fclose(f);

    char bad[] = "imsi,k\n001010000000001,00\n";
    f = fmemopen(bad, strlen(bad), "r");
    assert_int_equal(usim_csv_open(&c, f, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "opc or op"));
    fclose(f);

    char badk[] = "imsi,k,opc\n001010000000001,00,cd63cb71954a9f4e48a5994e37a02baf\n";
    f = fmemopen(badk, strlen(badk), "r");
    assert_int_equal(usim_csv_open(&c, f, err, sizeof(err)), 0);
    assert_int_equal(usim_csv_next(&c, &s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line 2: k"));
    fclose(f);

    char buf[4096];
    f = fmemopen(buf, sizeof(buf), "w+");
    assert_int_equal(usim_csv_generate(f, "001010000000001", 3, "internet"), 0);
    rewind(f);
    assert_int_equal(usim_csv_open(&c, f, err, sizeof(err)), 0);
    int rows = 0;
    while (usim_csv_next(&c, &s, err, sizeof(err)) == 1)
        rows++;
    assert_int_equal(rows, 3);
    assert_string_equal(s.imsi, "001010000000003");
    fclose(f);
    assert_int_equal(usim_csv_generate(stdout, "99999999999999x", 1, ""), -EINVAL);
}

/* TS 24.301 5.6.1.2, 8.2.25: the Service Request's short MAC verifies
 * under the network's context; KSI and sequence number are the UE's; the
 * KeNB both sides derive from its COUNT is the same (TS 33.401 A.3).  The
 * Extended Service Request and the TAU Request are integrity protected
 * and read as sent. */
static void test_service_request_ext_and_tau(void **state)
{
    (void)state;
    attach_fully();
    uint8_t pdu[ENBSIM_NAS_MAX], plain[ENBSIM_NAS_MAX], kenb_net[32], kenb_ue[32];
    size_t pl;
    struct nas_sec_info info;
    struct nas_message m;
    uint32_t want = ue.sec.ul_count;
    int n = ue_nas_service_request(&ue, pdu, sizeof(pdu));
    assert_int_equal(n, 4);
    assert_int_equal(pdu[0], 0xc7);
    assert_int_equal(pdu[1] >> 5, ue.ksi);
    assert_int_equal(pdu[1] & 0x1f, want & 0x1f);
    assert_int_equal(nas_unprotect(&net.ctx, pdu, (size_t)n, plain, sizeof(plain), &pl, &info),
                     NAS_SEC_OK);
    assert_int_equal(info.hdr, NAS_SEC_HDR_SERVICE_REQUEST);
    assert_true(info.integrity_verified);
    assert_int_equal(info.count, want);
    assert_int_equal(sec_kenb(net.v.kasme, info.count, kenb_net), 0);
    assert_int_equal(ue_nas_kenb(&ue, kenb_ue), 0);
    assert_memory_equal(kenb_ue, kenb_net, 32);
    /* a broken short MAC does not verify */
    n = ue_nas_service_request(&ue, pdu, sizeof(pdu));
    pdu[3] ^= 1;
    assert_int_equal(nas_unprotect(&net.ctx, pdu, (size_t)n, plain, sizeof(plain), &pl, &info),
                     NAS_SEC_ERR_MAC);

    n = ue_nas_ext_service_request(&ue, pdu, sizeof(pdu));
    assert_true(n > 0);
    assert_int_equal(pdu[0] >> 4, NAS_SEC_HDR_INTEGRITY);
    assert_int_equal(net_decode(pdu, (size_t)n, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_EXT_SERVICE_REQUEST);
    assert_int_equal(m.ext_service_request.service_type, 8);
    assert_int_equal(m.ext_service_request.m_tmsi.tmsi, 0xc0ffee);
    assert_int_equal(m.ext_service_request.eps_bearer_status, 1u << 5);

    ue.s1_connected = false;
    n = ue_nas_tau_request(&ue, &cfg, 3, true, pdu, sizeof(pdu));
    assert_true(n > 0);
    assert_int_equal(pdu[0] >> 4, NAS_SEC_HDR_INTEGRITY); /* initial message: not ciphered */
    assert_int_equal(net_decode(pdu, (size_t)n, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_TAU_REQUEST);
    assert_int_equal(m.tau_request.eps_update_type.type, 3);
    assert_true(m.tau_request.eps_update_type.active);
    assert_int_equal(m.tau_request.old_guti.guti.m_tmsi, 0xc0ffee);
    assert_int_equal(m.tau_request.last_visited_tai.tac, 1);

    /* TAU Accept with a new GUTI: TAU Complete; Service Reject #10 */
    struct nas_message a;
    struct ue_nas_out o;
    nas_message_init(&a, NAS_MSG_TAU_ACCEPT);
    a.tau_accept.eps_update_result = 0;
    a.tau_accept.has_guti = true;
    a.tau_accept.guti.type = NAS_EPS_ID_GUTI;
    a.tau_accept.guti.guti = (struct nas_guti){.plmn = cfg.plmn, .mmegi = 1, .mmec = 1,
                                               .m_tmsi = 0xbeef};
    n = (int)net_encode(&a, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, sizeof(pdu));
    ue_dl(pdu, (size_t)n, &o);
    assert_true(o.tau_done);
    assert_int_equal(ue.guti.m_tmsi, 0xbeef);
    assert_int_equal(o.n, 1);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_TAU_COMPLETE);
    nas_message_init(&a, NAS_MSG_SERVICE_REJECT);
    a.service_reject.emm_cause = 10;
    n = (int)net_encode(&a, NAS_SEC_HDR_PLAIN, pdu, sizeof(pdu));
    ue_dl(pdu, (size_t)n, &o);
    assert_true(o.service_rejected);
    assert_int_equal(o.cause, 10);
    assert_false(ue.bearer[0].active);
}

/* TS 33.401 7.2.8, A.4: NH(1) = KDF(KASME, KeNB), NH(2) = KDF(KASME,
 * NH(1)); NCC 0 is the KeNB itself; the chain goes on from the last NH. */
static void test_nh_chain(void **state)
{
    (void)state;
    uint8_t kenb[32], nh1[32], nh2[32], nh3[32], got[32];
    ue.nh_valid = false;
    ue.nh_ncc = 0;
    for (int i = 0; i < 32; i++) {
        ue.kasme[i] = (uint8_t)i;
        kenb[i] = (uint8_t)(0x80 + i);
    }
    assert_true(ue_nas_nh(&ue, 1, got) < 0); /* no KeNB yet */
    memcpy(ue.nh, kenb, 32);
    ue.nh_valid = true;
    assert_int_equal(sec_nh(ue.kasme, kenb, nh1), 0);
    assert_int_equal(sec_nh(ue.kasme, nh1, nh2), 0);
    assert_int_equal(sec_nh(ue.kasme, nh2, nh3), 0);
    assert_int_equal(ue_nas_nh(&ue, 1, got), 0);
    assert_memory_equal(got, nh1, 32);
    assert_int_equal(ue_nas_nh(&ue, 2, got), 0);
    assert_memory_equal(got, nh2, 32);
    assert_true(ue_nas_nh(&ue, 0, got) < 0);
    assert_true(ue_nas_nh(&ue, 8, got) < 0);
    memcpy(ue.nh, nh2, 32);
    ue.nh_ncc = 2;
    assert_int_equal(ue_nas_nh(&ue, 3, got), 0);
    assert_memory_equal(got, nh3, 32);
    assert_int_equal(ue_nas_nh(&ue, 2, got), 0);
    assert_memory_equal(got, nh2, 32);
}

static size_t udp4(uint8_t *p, uint8_t proto, const char *dst, uint16_t sport, uint16_t dport)
{
    memset(p, 0, 28);
    p[0] = 0x45;
    p[3] = 28;
    p[9] = proto;
    uint32_t s = inet_addr("10.45.0.2"), d = inet_addr(dst);
    memcpy(p + 12, &s, 4);
    memcpy(p + 16, &d, 4);
    p[20] = (uint8_t)(sport >> 8);
    p[21] = (uint8_t)sport;
    p[22] = (uint8_t)(dport >> 8);
    p[23] = (uint8_t)dport;
    return 28;
}

/* Dedicated bearers (TS 24.301 6.4.2, 6.4.3): activation with a TFT, the
 * uplink TFT choosing the bearer of a packet (TS 23.401 5.4.1: lowest
 * precedence first, downlink-only filters not used, no match -> the
 * default bearer), a modification adding a filter, deactivation. */
static void test_dedicated_bearer_tft(void **state)
{
    (void)state;
    attach_fully();
    uint8_t pdu[ENBSIM_NAS_MAX], pkt[64];
    struct nas_message r, m;
    struct ue_nas_out o;
    nas_message_init(&r, NAS_MSG_ACT_DEDICATED_REQUEST);
    r.ebi = 6;
    r.pti = 0;
    r.act_dedicated_request.linked_ebi = 5;
    nas_eps_qos_set(&r.act_dedicated_request.eps_qos, 1, 64, 64, 64, 64);
    struct nas_tft *t = &r.act_dedicated_request.tft;
    t->op = NAS_TFT_OP_CREATE;
    t->n = 2;
    t->pf[0] = (struct nas_packet_filter){.id = 1, .dir = NAS_PF_DIR_UL, .precedence = 10, .n = 2};
    t->pf[0].c[0].type = NAS_PF_PROTOCOL;
    t->pf[0].c[0].u.protocol = 17;
    t->pf[0].c[1].type = NAS_PF_REMOTE_PORT;
    t->pf[0].c[1].u.port = 5000;
    t->pf[1] = (struct nas_packet_filter){.id = 2, .dir = NAS_PF_DIR_DL, .precedence = 11, .n = 1};
    t->pf[1].c[0].type = NAS_PF_REMOTE_PORT;
    t->pf[1].c[0].u.port = 6000;
    size_t n = net_encode(&r, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_true(o.dedicated_done);
    assert_int_equal(o.n, 1);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_ACT_DEDICATED_ACCEPT);
    assert_int_equal(m.ebi, 6);
    struct ue_bearer *ded = &ue.bearer[1];
    assert_true(ded->active && ded->dedicated);
    assert_int_equal(ded->linked_ebi, 5);

    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, udp4(pkt, 17, "192.0.2.1", 40000, 5000)), ded);
    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, udp4(pkt, 17, "192.0.2.1", 40000, 5001)),
                     &ue.bearer[0]);
    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, udp4(pkt, 6, "192.0.2.1", 40000, 5000)),
                     &ue.bearer[0]);
    /* the downlink-only filter does not steer uplink packets */
    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, udp4(pkt, 17, "192.0.2.1", 40000, 6000)),
                     &ue.bearer[0]);
    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, 10), &ue.bearer[0]); /* too short */

    /* MODIFY: add a filter for remote 192.0.2.7/32, any port */
    nas_message_init(&r, NAS_MSG_MODIFY_REQUEST);
    r.ebi = 6;
    r.modify_request.has_tft = true;
    t = &r.modify_request.tft;
    t->op = NAS_TFT_OP_ADD;
    t->n = 1;
    t->pf[0] = (struct nas_packet_filter){.id = 3, .dir = NAS_PF_DIR_BOTH, .precedence = 5, .n = 1};
    t->pf[0].c[0].type = NAS_PF_IPV4_REMOTE;
    memcpy(t->pf[0].c[0].u.ipv4.addr, (uint8_t[]){192, 0, 2, 7}, 4);
    memset(t->pf[0].c[0].u.ipv4.mask, 0xff, 4);
    n = net_encode(&r, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_true(o.modified);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_MODIFY_ACCEPT);
    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, udp4(pkt, 6, "192.0.2.7", 1, 2)), ded);

    /* a dedicated bearer for an unknown default bearer: reject #43 */
    nas_message_init(&r, NAS_MSG_ACT_DEDICATED_REQUEST);
    r.ebi = 7;
    r.act_dedicated_request.linked_ebi = 9;
    nas_eps_qos_set(&r.act_dedicated_request.eps_qos, 2, 0, 0, 0, 0);
    r.act_dedicated_request.tft.op = NAS_TFT_OP_CREATE;
    r.act_dedicated_request.tft.n = 1;
    r.act_dedicated_request.tft.pf[0] = (struct nas_packet_filter){.id = 1, .dir = 3, .n = 1};
    r.act_dedicated_request.tft.pf[0].c[0].type = NAS_PF_PROTOCOL;
    r.act_dedicated_request.tft.pf[0].c[0].u.protocol = 6;
    n = net_encode(&r, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_false(o.dedicated_done);
    assert_int_equal(net_decode(o.msg[0].buf, o.msg[0].len, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_ACT_DEDICATED_REJECT);
    assert_int_equal(m.act_dedicated_reject.esm_cause, 43);

    /* deactivating the dedicated bearer leaves the default one */
    nas_message_init(&r, NAS_MSG_DEACT_REQUEST);
    r.ebi = 6;
    r.deact_request.esm_cause = 36;
    n = net_encode(&r, NAS_SEC_HDR_INTEGRITY_CIPHERED, pdu, sizeof(pdu));
    ue_dl(pdu, n, &o);
    assert_false(ded->active);
    assert_true(ue.bearer[0].active);
    assert_ptr_equal(ue_tft_select(&ue, 5, pkt, udp4(pkt, 17, "192.0.2.1", 40000, 5000)),
                     &ue.bearer[0]);

    /* the UE asks for one (bearer resource allocation, TS 24.301 6.5.3) */
    int k = ue_nas_bearer_alloc(&ue, 5, 1, 5000, pdu, sizeof(pdu));
    assert_true(k > 0);
    assert_int_equal(net_decode(pdu, (size_t)k, &m), NAS_SEC_OK);
    assert_int_equal(m.id, NAS_MSG_BR_ALLOC_REQUEST);
    assert_int_equal(m.br_alloc_request.linked_ebi, 5);
    assert_int_equal(m.br_alloc_request.tfa.op, NAS_TFT_OP_CREATE);
    assert_int_equal(m.br_alloc_request.tfa.pf[0].c[1].u.port, 5000);
    assert_true(m.pti >= 1 && m.pti <= 254);
    assert_true(ue_nas_bearer_alloc(&ue, 9, 1, 5000, pdu, sizeof(pdu)) < 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_usim_res_kasme_match_hss),
        T(test_usim_auts_accepted_by_hss_resync),
        T(test_usim_mac_failure_cause_20),
        T(test_imsi_attach_then_guti_attach),
        T(test_identity_request_answered),
        T(test_smc_replayed_caps_altered_rejected_23),
        T(test_smc_bad_mac_rejected_24),
        T(test_protection_counts_and_dl_replay),
        T(test_ue_detach_request),
        T(test_misbehave_wrong_res),
        T(test_misbehave_bad_mac_and_replay),
        T(test_misbehave_truncated_and_unknown_ie),
        T(test_csv_read_by_header_and_generate),
        T(test_service_request_ext_and_tau),
        T(test_nh_chain),
        T(test_dedicated_bearer_tft),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
