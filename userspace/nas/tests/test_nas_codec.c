/* EPS NAS codec: round trips of every message, the golden InitialUEMessage
 * NAS PDU, TS 24.301 clause 7 error handling, IE helpers.  Every message
 * encoded here is also written to $XEPC_TEST_VECTORS/nas.txt (default
 * build/test-vectors/nas.txt) as "<message-name> <hex>". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lib/hex.h"
#include "nas/nas.h"
#include "nas/nas_internal.h"
#include "nas/nas_security.h"
#include "nas/tests/nas_samples.h"

static FILE *corpus;

static void corpus_write(const char *name, const uint8_t *p, size_t len)
{
    char *hex = malloc(2 * len + 1);

    hex_encode(p, len, hex);
    if (corpus)
        fprintf(corpus, "%s %s\n", name, hex);
    free(hex);
}

static void member_name(enum nas_msg_id id, char *out, size_t cap)
{
    const char *n = nas_msg_name(id);
    size_t o = 0;

    for (; *n && o + 1 < cap; n++) {
        char c = *n;

        if (c == '(' || c == ')')
            continue;
        out[o++] = c == ' ' ? '_' : (c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
    }
    out[o] = '\0';
}

/* encode x, decode it, compare, encode again, compare bytes */
static int round_trip(const struct nas_message *x, uint8_t *buf, size_t cap, const char *name)
{
    struct nas_message *y = calloc(1, sizeof(*y));
    uint8_t *buf2 = malloc(cap);
    int n, m, r;

    n = nas_encode_plain(x, buf, cap);
    if (n < 0)
        print_error("%s: encode failed: %s\n", name, nas_err_str(-n));
    assert_true(n > 0);
    corpus_write(name, buf, (size_t)n);
    r = nas_decode_plain(buf, (size_t)n, y);
    if (r < 0)
        print_error("%s: decode failed: %s at %u (%s)\n", name, nas_err_str(y->err.code),
                    y->err.offset, y->err.ie ? y->err.ie : "-");
    assert_int_equal(r, n);
    assert_int_equal(y->id, x->id);
    if (memcmp(x, y, sizeof(*x))) {
        const uint8_t *a = (const uint8_t *)x, *b = (const uint8_t *)y;

        for (size_t i = 0; i < sizeof(*x); i++)
            if (a[i] != b[i]) {
                print_error("%s: decoded struct differs at offset %zu\n", name, i);
                break;
            }
        fail();
    }
    m = nas_encode_plain(y, buf2, cap);
    assert_int_equal(m, n);
    assert_memory_equal(buf, buf2, (size_t)n);
    free(buf2);
    free(y);
    return n;
}

/* Every message, with only its mandatory IEs and with every optional IE. */
static void test_round_trip_all(void **state)
{
    struct nas_message *x = calloc(1, sizeof(*x));
    uint8_t *buf = malloc(8192);
    char name[96], label[128];

    (void)state;
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++) {
        for (int full = 0; full <= 1; full++) {
            memset(x, 0, sizeof(*x));
            nas_sample_fill(x, (enum nas_msg_id)id, full);
            member_name((enum nas_msg_id)id, name, sizeof(name));
            snprintf(label, sizeof(label), "%s%s", name, full ? "" : "_minimal");
            round_trip(x, buf, 8192, label);
        }
    }
    free(buf);
    free(x);
}

/* encode(decode(bytes)) == bytes for canonical byte strings */
static void test_canonical_bytes(void **state)
{
    static const char *const vectors[] = {
        /* attach reject, cause #7 */
        "074407",
        /* identity request IMSI */
        "075501",
        /* authentication request, KSI 0, RAND, AUTN */
        "075200a54211d5e3ba50bf4a9ffac354dfafb310a54211d5e3ba50bf4a9ffac354dfafb3",
        /* security mode command EEA0/EIA2, KSI 0, replayed caps, IMEISV request */
        "075d0200 02f070 c1",
        /* EMM information: network names, tz, time, DST */
        "076143058478f8dc0645058478f8dc064640 4762117290250340 490100",
        /* ESM information request / response with APN */
        "0205d9", "0205da280a096f7065726174696f6e",
        /* PDN connectivity reject #27 with back-off timer */
        "0205d11b37012a",
        /* service request */
        "c7511234",
        /* detach request UE originating, switch off, IMSI */
        "074509 08 0910101032547698",
        /* detach request network, re-attach not required, cause #17 */
        "0745025311",
        /* downlink / uplink generic NAS transport (TS 24.301 8.2.31, 8.2.32):
         * LPP container, with and without the additional information */
        "076801000108", "07690100010865040000000a",
        /* extended service request, M-TMSI, EPS bearer context status */
        "074c0105f4c0ffee0157022000",
    };
    struct nas_message *m = calloc(1, sizeof(*m));
    uint8_t in[256], out[256];
    char name[128];

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        int n = hex_decode(vectors[i], in, sizeof(in)), r, e;

        assert_true(n > 0);
        r = nas_decode_plain(in, (size_t)n, m);
        if (r < 0)
            print_error("vector %zu: %s at %u\n", i, nas_err_str(m->err.code), m->err.offset);
        assert_int_equal(r, n);
        e = nas_encode_plain(m, out, sizeof(out));
        assert_int_equal(e, n);
        assert_memory_equal(in, out, (size_t)n);
        snprintf(name, sizeof(name), "%s", nas_msg_name(m->id));
        member_name(m->id, name, sizeof(name));
        strncat(name, "_canonical", sizeof(name) - strlen(name) - 1);
        corpus_write(name, out, (size_t)n);
    }
    free(m);
}

/* TS 24.301 8.2.11: the two detach requests share type 0x45.  A UE
 * originating one cut short (its EPS mobile identity announced but not
 * all there, or missing) is still the UE originating one: the error names
 * it so, and the status goes to the right procedure (issue 8). */
static void test_detach_request_kind(void **state)
{
    static const struct {
        const char *hex;
        enum nas_dir dir;
        enum nas_msg_id id;
        int err;  /* 0: decodes */
    } v[] = {
        /* complete, either way */
        { "074509080910101032547698", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, 0 },
        { "0745025311", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_NW, 0 },
        { "074502", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_NW, 0 },
        /* GUTI announced (11 octets), 9 there */
        { "0745090bf600f1100002010300", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE,
          NAS_ERR_IE_TRUNCATED },
        /* IMSI announced (8 octets), 1 there */
        { "0745090809", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_IE_TRUNCATED },
        /* only the length octet */
        { "07450b0b", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_IE_TRUNCATED },
        /* no identity at all, but switch off / a KSI in octet 3 */
        { "074509", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_MISSING_MANDATORY },
        { "074531", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_MISSING_MANDATORY },
        /* a length octet above the maximum identity is still a length */
        { "0745010c", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_IE_TRUNCATED },
        { "07450900", NAS_DIR_UNKNOWN, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_MANDATORY_LENGTH },
        /* the caller's direction settles the ambiguous "07 45 0x" */
        { "074501", NAS_DIR_UL, NAS_MSG_DETACH_REQUEST_UE, NAS_ERR_MISSING_MANDATORY },
        { "074501", NAS_DIR_DL, NAS_MSG_DETACH_REQUEST_NW, 0 },
        { "0745025311", NAS_DIR_DL, NAS_MSG_DETACH_REQUEST_NW, 0 },
        { "074509080910101032547698", NAS_DIR_UL, NAS_MSG_DETACH_REQUEST_UE, 0 },
    };
    struct nas_message *m = calloc(1, sizeof(*m));
    uint8_t in[64];

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        int n = hex_decode(v[i].hex, in, sizeof(in));
        int r = nas_decode_plain_dir(in, (size_t)n, v[i].dir, m);

        if (m->id != v[i].id || (v[i].err ? r != -v[i].err : r != n))
            print_error("%s (dir %d): %s, %d (%s), wanted %s, %s\n", v[i].hex, v[i].dir,
                        nas_msg_name(m->id), r, r < 0 ? nas_err_str(m->err.code) : "ok",
                        nas_msg_name(v[i].id), v[i].err ? nas_err_str(v[i].err) : "ok");
        assert_int_equal(m->id, v[i].id);
        assert_int_equal(r, v[i].err ? -v[i].err : n);
    }
    /* bit 4 of the detach type is spare towards the UE: ignored on
     * receipt and sent as 0, so that the UE terminated one re-encodes to
     * what reads as UE terminated (fuzz_nas_decode found "07 45 2f 2b ..."
     * re-encoded as 07 45 0f, a UE originating one without identity) */
    {
        uint8_t out[16];
        int n = hex_decode("07452f2b080910101032547698", in, sizeof(in)), e;

        assert_int_equal(nas_decode_plain(in, (size_t)n, m), n);
        assert_int_equal(m->id, NAS_MSG_DETACH_REQUEST_NW);
        assert_false(m->detach_request_nw.detach_type.switch_off);
        m->detach_request_nw.detach_type.switch_off = true;
        e = nas_encode_plain(m, out, sizeof(out));
        assert_int_equal(e, 3);
        assert_int_equal(out[2], 0x07);
        assert_int_equal(nas_decode_plain(out, (size_t)e, m), e);
        assert_int_equal(m->id, NAS_MSG_DETACH_REQUEST_NW);
    }
    free(m);
}

/* The NAS-PDU of the InitialUEMessage golden vector (shared/vectors). */
static const char golden_pdu[] =
    "17df675aa8050741020bf600f110000201030003e605f07000001000050215d011d15200f110"
    "30395c0a003103e5e0349011035758a65d0100e0c1";

static void test_golden_initial_ue_message(void **state)
{
    struct nas_message *m = calloc(1, sizeof(*m)), *esm = calloc(1, sizeof(*esm));
    uint8_t pdu[64], out[64];
    int n = hex_decode(golden_pdu, pdu, sizeof(pdu)), r;
    const struct nas_attach_request *a = &m->attach_request;

    (void)state;
    assert_int_equal(n, 59);
    /* the outer header, TS 24.301 9.1: integrity protected, MAC, SQN */
    assert_int_equal(pdu[0] >> 4, NAS_SHT_INTEGRITY);
    assert_int_equal(pdu[0] & 0xf, NAS_PD_EMM);
    assert_int_equal(nas_get32(pdu + 1), 0xdf675aa8);
    assert_int_equal(pdu[5], 5);
    /* the plain decoder refuses the protected PDU itself */
    assert_int_equal(nas_decode_plain(pdu, (size_t)n, m), -NAS_ERR_PROTECTED);
    assert_int_equal(nas_err_emm_cause(m->err.code), 0);
    /* the MME's path: no security context yet, the security layer hands
     * over the unciphered inner message (TS 24.301 4.4.4.3) */
    {
        struct nas_sec_info info;
        uint8_t inner[64];
        size_t ilen = 0;

        assert_int_equal(nas_unprotect(NULL, pdu, (size_t)n, inner, sizeof(inner), &ilen, &info),
                         NAS_SEC_ERR_NO_CONTEXT);
        assert_int_equal(info.hdr, NAS_SEC_HDR_INTEGRITY);
        assert_int_equal(info.mac, 0xdf675aa8);
        assert_int_equal(info.sqn, 5);
        assert_int_equal(ilen, (size_t)n - 6);
        assert_memory_equal(inner, pdu + 6, ilen);
    }

    r = nas_decode_plain(pdu + 6, (size_t)n - 6, m);
    assert_int_equal(r, n - 6);
    assert_int_equal(m->id, NAS_MSG_ATTACH_REQUEST);
    assert_int_equal(a->eps_attach_type, 2); /* combined EPS/IMSI attach */
    assert_int_equal(a->nas_ksi.tsc, 0);
    assert_int_equal(a->nas_ksi.ksi, 0);
    assert_int_equal(a->eps_mobile_id.type, NAS_EPS_ID_GUTI);
    assert_int_equal(a->eps_mobile_id.guti.plmn.mcc, 1);
    assert_int_equal(a->eps_mobile_id.guti.plmn.mnc, 1);
    assert_int_equal(a->eps_mobile_id.guti.plmn.mnc_digits, 2);
    assert_int_equal(a->eps_mobile_id.guti.mmegi, 2);
    assert_int_equal(a->eps_mobile_id.guti.mmec, 1);
    assert_int_equal(a->eps_mobile_id.guti.m_tmsi, 0x030003e6);
    /* UE network capability: EEA0-3, EIA1-3 */
    assert_int_equal(a->ue_net_cap.len, 5);
    assert_int_equal(a->ue_net_cap.eea, 0xf0);
    assert_int_equal(a->ue_net_cap.eia, 0x70);
    assert_true(a->has_last_visited_tai);
    assert_int_equal(a->last_visited_tai.tac, 12345);
    assert_true(a->has_drx);
    assert_true(a->has_ms_net_cap);
    assert_true(a->has_tmsi_status);
    assert_true(a->has_ms_classmark2);
    assert_true(a->has_voice_domain_pref);
    assert_true(a->has_old_guti_type);
    assert_true(a->has_ms_net_feature_support);
    assert_false(a->has_additional_guti);
    /* the ESM container: PDN connectivity request, IPv4, ESM info flag */
    assert_int_equal(a->esm_container.len, 5);
    r = nas_decode_plain(a->esm_container.v, a->esm_container.len, esm);
    assert_int_equal(r, 5);
    assert_int_equal(esm->id, NAS_MSG_PDN_CONN_REQUEST);
    assert_int_equal(esm->ebi, 0);
    assert_int_equal(esm->pti, 0x15);
    assert_int_equal(esm->pdn_conn_request.pdn_type, NAS_PDN_IPV4);
    assert_int_equal(esm->pdn_conn_request.request_type, 1); /* initial request */
    assert_true(esm->pdn_conn_request.has_esm_info_transfer_flag);
    assert_int_equal(esm->pdn_conn_request.esm_info_transfer_flag, 1);
    assert_false(esm->pdn_conn_request.has_apn);
    /* and it is canonical: encoding gives the same bytes back */
    r = nas_encode_plain(m, out, sizeof(out));
    assert_int_equal(r, n - 6);
    assert_memory_equal(out, pdu + 6, (size_t)r);
    corpus_write("attach_request_golden", pdu + 6, (size_t)r);
    free(esm);
    free(m);
}

/* ----------------------------------------------------- clause 7 errors */

static int decode_hex(const char *hex, struct nas_message *m)
{
    uint8_t b[512];
    int n = hex_decode(hex, b, sizeof(b));

    assert_true(n >= 0);
    return nas_decode_plain(b, (size_t)n, m);
}

static void test_errors(void **state)
{
    struct nas_message *m = calloc(1, sizeof(*m));

    (void)state;
    /* 7.2: too short -> ignore */
    assert_int_equal(decode_hex("", m), -NAS_ERR_TOO_SHORT);
    assert_int_equal(decode_hex("07", m), -NAS_ERR_TOO_SHORT);
    assert_int_equal(decode_hex("0205", m), -NAS_ERR_TOO_SHORT);
    assert_int_equal(nas_err_emm_cause(m->err.code), 0);
    assert_int_equal(decode_hex("c712", m), -NAS_ERR_TOO_SHORT);
    /* unknown protocol discriminator -> ignore */
    assert_int_equal(decode_hex("0641", m), -NAS_ERR_UNKNOWN_PD);
    assert_int_equal(nas_err_esm_cause(m->err.code), 0);
    /* reserved security header type */
    assert_int_equal(decode_hex("874100", m), -NAS_ERR_UNKNOWN_SHT);
    /* 7.4: unknown message type -> #97, header still filled for the reply */
    assert_int_equal(decode_hex("077f", m), -NAS_ERR_UNKNOWN_MSG_TYPE);
    assert_int_equal(m->err.offset, 1);
    assert_int_equal(nas_err_emm_cause(m->err.code), 97);
    assert_int_equal(decode_hex("0203ff", m), -NAS_ERR_UNKNOWN_MSG_TYPE);
    assert_int_equal(m->pti, 3);
    assert_int_equal(nas_err_esm_cause(m->err.code), 97);
    /* 7.5.1: missing mandatory IE -> #96 */
    assert_int_equal(decode_hex("0744", m), -NAS_ERR_MISSING_MANDATORY);
    assert_string_equal(m->err.ie, "emm_cause");
    assert_int_equal(m->err.offset, 2);
    assert_int_equal(nas_err_emm_cause(m->err.code), 96);
    assert_int_equal(decode_hex("0741 01", m), -NAS_ERR_MISSING_MANDATORY);
    assert_string_equal(m->err.ie, "eps_mobile_id");
    /* an LV running past the end of the message -> #96 */
    assert_int_equal(decode_hex("0741 01 08 0910", m), -NAS_ERR_IE_TRUNCATED);
    assert_int_equal(m->err.offset, 3);
    assert_int_equal(nas_err_emm_cause(m->err.code), 96);
    /* 7.5.2: mandatory IE below its minimum length (RES of 2 octets) */
    assert_int_equal(decode_hex("0753 02 1122", m), -NAS_ERR_MANDATORY_LENGTH);
    assert_string_equal(m->err.ie, "res");
    assert_int_equal(nas_err_emm_cause(m->err.code), 96);
    /* 7.5.2: mandatory IE with an invalid value (identity type 5) */
    assert_int_equal(decode_hex("0756 05 f510203040", m), -NAS_ERR_MANDATORY_INVALID);
    assert_int_equal(nas_err_emm_cause(m->err.code), 96);
    /* ESM: PDN address with an unknown PDN type */
    assert_int_equal(decode_hex("5201c1 0109 05 04696e7465 05 07c0a80702", m), -NAS_ERR_MANDATORY_INVALID);
    assert_string_equal(m->err.ie, "pdn_addr");
    assert_int_equal(nas_err_esm_cause(m->err.code), 96);
    /* a TAI list of 17 TAIs (16 consecutive + 1) is semantically wrong: #95 */
    assert_int_equal(decode_hex("0742 01 29 0c 2f00f1100001 0000f1100002 0003020dd0", m),
                     -NAS_ERR_SEMANTIC);
    assert_string_equal(m->err.ie, "tai_list");
    assert_int_equal(nas_err_emm_cause(m->err.code), 95);
    /* 7.5.3: conditional IE: synch failure without AUTS -> #100 */
    assert_int_equal(decode_hex("075c15", m), -NAS_ERR_CONDITIONAL);
    assert_int_equal(nas_err_emm_cause(m->err.code), 100);
    assert_int_equal(decode_hex("075c14", m), 3);  /* MAC failure needs none */
    /* an optional IE running past the end */
    assert_int_equal(decode_hex("074407 5f05 01", m), -NAS_ERR_IE_TRUNCATED);
    assert_int_equal(m->err.iei, 0x5f);
    assert_int_equal(m->err.offset, 3);
    /* 7.6.1: unknown IE encoded as comprehension required */
    assert_int_equal(decode_hex("074407 0501aa", m), -NAS_ERR_COMPREHENSION);
    assert_int_equal(m->err.iei, 0x05);
    assert_int_equal(nas_err_emm_cause(m->err.code), 96);
    free(m);
}

static void test_unknown_and_odd_optional_ies(void **state)
{
    struct nas_message *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

    (void)state;
    /* attach reject #7 with T3346: the reference */
    assert_int_equal(decode_hex("074407 5f0121", a), 6);
    assert_true(a->attach_reject.has_t3346);
    assert_int_equal(a->attach_reject.t3346.unit, 1);
    assert_int_equal(a->attach_reject.t3346.value, 1);
    /* 7.6.1 / TS 24.007 11.2.4: unknown type 1 (0xb3), type 4 (0x2f) and
     * TLV-E (0x7e) IEs before and after are skipped */
    assert_int_equal(decode_hex("074407 b3 2f03010203 5f0121 7e0002aabb", b), 17);
    assert_int_equal(a->ignored, 0);
    assert_int_equal(b->ignored, 3);  /* what was skipped is counted */
    b->ignored = 0;
    assert_memory_equal(a, b, sizeof(*a));
    /* 7.6.3: a repeated IE: only the first counts */
    assert_int_equal(decode_hex("074407 5f0121 5f0142", b), 9);
    assert_int_equal(b->ignored, 1);
    b->ignored = 0;
    assert_memory_equal(a, b, sizeof(*a));
    /* 7.5.3: an optional IE with a wrong length is treated as absent */
    assert_int_equal(decode_hex("074407 5f00", b), 5);
    assert_false(b->attach_reject.has_t3346);
    assert_int_equal(b->ignored, 1);
    /* 7.6.2: an IE out of sequence (T3346 after the extended EMM cause)
     * is ignored, the IEs in sequence are kept */
    assert_int_equal(decode_hex("074407 a1 5f0121", b), 7);
    assert_false(b->attach_reject.has_t3346);
    assert_int_equal(b->ignored, 1);
    assert_true(b->attach_reject.has_extended_emm_cause);
    assert_int_equal(decode_hex("074407 5f0121 a1", a), 7);
    assert_true(a->attach_reject.has_t3346);
    assert_true(a->attach_reject.has_extended_emm_cause);
    assert_int_equal(a->ignored, 0);
    /* an optional TAI with non-decimal MCC digits is treated as absent */
    assert_int_equal(decode_hex("0748 00 0bf600f110000201030003e6 52aaf1103039", b), 21);
    assert_false(b->tau_request.has_last_visited_tai);
    assert_int_equal(b->ignored, 1);
    /* IEs longer than this release knows: extra octets ignored (UE
     * network capability of 14 octets) */
    assert_int_equal(decode_hex("0741 71 08 0910101032547698 0ef070000010000000000000000000 0003020dd0",
                                b),
                     32);
    assert_int_equal(b->attach_request.ue_net_cap.len, 13);
    assert_int_equal(b->ignored, 1);  /* the 14th octet */
    free(a);
    free(b);
}

/* TS 24.301 6.4.2.4 TFT errors -> ESM causes 41..45 */
static void test_tft_errors(void **state)
{
    struct nas_message *m = calloc(1, sizeof(*m));

    (void)state;
    /* activate dedicated bearer request: LBI 5, QCI 1, then the TFT */
    /* create new TFT with an empty list -> #42 */
    assert_int_equal(decode_hex("6207c5 05 0101 0120", m), -NAS_ERR_TFT_OP_SYNTAX);
    assert_int_equal(nas_err_esm_cause(m->err.code), 42);
    assert_int_equal(m->ebi, 6);
    assert_int_equal(m->pti, 7);
    /* delete existing TFT with a filter -> #42 */
    assert_int_equal(decode_hex("6207c5 05 0101 024101", m), -NAS_ERR_TFT_OP_SYNTAX);
    /* no TFT operation without parameters -> #42 */
    assert_int_equal(decode_hex("6207c5 05 0101 01c0", m), -NAS_ERR_TFT_OP_SYNTAX);
    /* count says 2 filters, one present -> #42 */
    assert_int_equal(decode_hex("6207c5 05 0101 0622 210a023011", m), -NAS_ERR_TFT_OP_SYNTAX);
    /* two filters with one identifier -> #45 */
    assert_int_equal(decode_hex("6207c5 05 0101 0b22 210a023011 210b023006", m), -NAS_ERR_PF_SYNTAX);
    assert_int_equal(nas_err_esm_cause(m->err.code), 45);
    /* reserved component type 0x99 -> #45 */
    assert_int_equal(decode_hex("6207c5 05 0101 0621 210a029911", m), -NAS_ERR_PF_SYNTAX);
    /* IPv4 and IPv6 remote addresses in one filter -> #44 */
    assert_int_equal(decode_hex("6207c5 05 0101 2e21 210a 2a 100a000001ffffffff"
                                "2020010db8000000000000000000000001ffffffffffffffffffffffffffffffff",
                                m),
                     -NAS_ERR_PF_SEMANTIC);
    assert_int_equal(nas_err_esm_cause(m->err.code), 44);
    /* the same in an optional TFT (modify EPS bearer context request) */
    assert_int_equal(decode_hex("6207c9 360120", m), -NAS_ERR_TFT_OP_SYNTAX);
    assert_int_equal(m->err.iei, 0x36);
    /* a good one for contrast: add filter 1, UDP */
    assert_int_equal(decode_hex("6207c5 05 0101 0661 210a023011", m), 13);
    assert_int_equal(m->act_dedicated_request.tft.op, NAS_TFT_OP_ADD);
    assert_int_equal(m->act_dedicated_request.tft.pf[0].dir, NAS_PF_DIR_UL);
    assert_int_equal(m->act_dedicated_request.tft.pf[0].c[0].u.protocol, 17);
    free(m);
}

/* Never read or write outside the buffers: every prefix of every full
 * message decodes to a result, and every short output buffer is refused. */
static void test_truncation_and_nospc(void **state)
{
    struct nas_message *x = calloc(1, sizeof(*x)), *y = calloc(1, sizeof(*y));
    uint8_t *buf = malloc(8192);

    (void)state;
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++) {
        int n;

        nas_sample_fill(x, (enum nas_msg_id)id, true);
        n = nas_encode_plain(x, buf, 8192);
        assert_true(n > 0);
        for (int cut = 0; cut < n; cut++) {
            /* an exactly sized heap copy so that ASan sees any overread */
            uint8_t *p = malloc((size_t)cut + 1);
            int r;

            memcpy(p, buf, (size_t)cut);
            r = nas_decode_plain(p, (size_t)cut, y);
            assert_true(r == cut || r < 0);
            free(p);
            p = malloc((size_t)cut + 1);
            assert_int_equal(nas_encode_plain(x, p, (size_t)cut), -NAS_ERR_NOSPC);
            free(p);
        }
    }
    free(buf);
    free(y);
    free(x);
}

static void test_encode_invalid(void **state)
{
    struct nas_message *m = calloc(1, sizeof(*m));
    uint8_t buf[256];

    (void)state;
    nas_message_init(m, NAS_MSG_IDENTITY_RESPONSE);
    m->identity_response.mobile_id.type = NAS_ID_IMSI;
    strcpy(m->identity_response.mobile_id.digits, "00101x");
    assert_int_equal(nas_encode_plain(m, buf, sizeof(buf)), -NAS_ERR_INVALID);
    nas_message_init(m, NAS_MSG_ESM_INFO_RESPONSE);
    m->esm_info_response.has_apn = true;
    strcpy(m->esm_info_response.apn.name, "bad..apn");
    assert_int_equal(nas_encode_plain(m, buf, sizeof(buf)), -NAS_ERR_INVALID);
    nas_message_init(m, NAS_MSG_ATTACH_REQUEST);
    m->attach_request.eps_attach_type = 16;  /* does not fit a half octet */
    assert_int_equal(nas_encode_plain(m, buf, sizeof(buf)), -NAS_ERR_INVALID);
    m->id = NAS_MSG_COUNT;
    assert_int_equal(nas_encode_plain(m, buf, sizeof(buf)), -NAS_ERR_INVALID);
    free(m);
}

/* --------------------------------------------------------- IE helpers */

static void test_bit_rates(void **state)
{
    struct nas_eps_qos q;
    struct nas_apn_ambr a;
    static const uint64_t rates[] = { 0, 1, 63, 64, 568, 576, 8640, 8700, 16000, 17000, 128000,
                                      130000, 256000, 260000, 500000, 510000, 1500000, 1600000,
                                      10000000 };

    (void)state;
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        assert_int_equal(nas_eps_qos_set(&q, 9, rates[i], rates[i], rates[i], 1), 0);
        assert_int_equal(nas_eps_qos_kbps(&q, NAS_QOS_MBR_UL), rates[i]);
        assert_int_equal(nas_eps_qos_kbps(&q, NAS_QOS_GBR_DL), 1);
    }
    assert_int_equal(nas_eps_qos_set(&q, 9, 0, 0, 0, 0), 0);
    assert_int_equal(q.len, 1);
    assert_int_equal(nas_eps_qos_set(&q, 9, 1000, 20000, 0, 0), 0);
    assert_int_equal(q.len, 9);
    assert_int_equal(q.mbr_dl, 0xfe);
    assert_int_equal(q.mbr_dl_ext, 0x4a + 4);
    assert_int_equal(nas_eps_qos_set(&q, 9, 20000000, 0, 0, 0), -1);
    /* rounding down to the encodable step */
    assert_int_equal(nas_eps_qos_set(&q, 9, 100, 0, 0, 0), 0);
    assert_int_equal(nas_eps_qos_kbps(&q, NAS_QOS_MBR_UL), 96);
    assert_int_equal(nas_eps_qos_set(&q, 9, 8699, 259999, 0, 0), 0);
    assert_int_equal(nas_eps_qos_kbps(&q, NAS_QOS_MBR_UL), 8640);
    assert_int_equal(nas_eps_qos_kbps(&q, NAS_QOS_MBR_DL), 256000);
    assert_int_equal(q.len, 9);

    assert_int_equal(nas_apn_ambr_set(&a, 100000, 50000), 0);
    assert_int_equal(a.len, 4);
    assert_int_equal(nas_apn_ambr_kbps(&a, false), 100000);
    assert_int_equal(nas_apn_ambr_kbps(&a, true), 50000);
    assert_int_equal(nas_apn_ambr_set(&a, 1000000, 64), 0);
    assert_int_equal(a.len, 6);
    assert_int_equal(nas_apn_ambr_kbps(&a, false), 1000000);
    assert_int_equal(nas_apn_ambr_kbps(&a, true), 64);
}

static void test_misc_helpers(void **state)
{
    struct nas_network_name nn;
    struct nas_gprs_timer t = { 2, 5 };
    struct nas_pco pco;
    char s[64];
    uint8_t l;

    (void)state;
    /* TS 23.038 packing: "xepc" = 4 chars, 28 bits -> 4 octets, 4 spare bits */
    assert_int_equal(nas_network_name_set_ascii(&nn, "xepc"), 0);
    assert_int_equal(nn.len, 4);
    assert_int_equal(nn.spare_bits, 4);
    assert_int_equal(nn.text[0], 0x78 | (0x65 << 7 & 0xff));
    nas_network_name_to_ascii(&nn, s, sizeof(s));
    assert_string_equal(s, "xepc");
    assert_int_equal(nas_network_name_set_ascii(&nn, "Test Network 123"), 0);
    nas_network_name_to_ascii(&nn, s, sizeof(s));
    assert_string_equal(s, "Test Network 123");
    /* time zone: +2h = 8 quarters = 0x80, -5h = -20 = 0x0a */
    assert_int_equal(nas_tz_from_quarters(8), 0x80);
    assert_int_equal(nas_tz_from_quarters(-20), 0x0a);
    assert_int_equal(nas_tz_quarters(0x0a), -20);
    assert_int_equal(nas_tz_quarters(0x23), 2 + 30);
    /* GPRS timers */
    assert_int_equal(nas_gprs_timer_seconds(&t), 5 * 360);
    t.unit = 7;
    assert_int_equal(nas_gprs_timer_seconds(&t), -1);
    t.unit = 1;
    assert_int_equal(nas_gprs_timer3_seconds(&t), 5 * 3600);
    /* PCO lookup */
    nas_pco_init(&pco);
    assert_int_equal(nas_pco_add(&pco, NAS_PCO_DNS_IPV4, "\x08\x08\x08\x08", 4), 0);
    assert_int_equal(nas_pco_add(&pco, NAS_PCO_DNS_IPV4, "\x01\x01\x01\x01", 4), 0);
    assert_non_null(nas_pco_find(&pco, NAS_PCO_DNS_IPV4, 1, &l));
    assert_int_equal(l, 4);
    assert_int_equal(nas_pco_find(&pco, NAS_PCO_DNS_IPV4, 1, &l)[0], 1);
    assert_null(nas_pco_find(&pco, NAS_PCO_DNS_IPV4, 2, &l));
    assert_null(nas_pco_find(&pco, NAS_PCO_IPV4_LINK_MTU, 0, &l));
    /* names */
    assert_string_equal(nas_msg_name(NAS_MSG_ATTACH_REQUEST), "Attach request");
    assert_string_equal(nas_emm_cause_str(21), "Synch failure");
    assert_string_equal(nas_esm_cause_str(27), "Missing or unknown APN");
}

/* The generated tables agree with the codecs and TS 24.007's formats. */
static void test_tables(void **state)
{
    (void)state;
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++) {
        const struct nas_msg_spec *s = &nas_msg_specs[id];
        unsigned halves = 0;
        bool optional = false;

        assert_int_equal(s->id, id);
        assert_true(s->n_ies <= 64);
        for (unsigned i = 0; i < s->n_ies; i++) {
            const struct nas_ie_desc *d = &s->ies[i];
            const struct nas_codec_ops *ops = nas_codecs[d->codec];

            assert_non_null(ops);
            if (ops->size && ops->size != d->size)
                print_error("%s.%s: field size %u, codec wants %zu\n", s->name, d->name, d->size,
                            ops->size);
            assert_true(!ops->size || ops->size == d->size);
            if (d->codec == NAS_C_OCT || d->codec == NAS_C_CONT)
                assert_true(d->max + 2u <= d->size);
            if (d->codec == NAS_C_BYTES)
                assert_int_equal(d->max, d->size);
            assert_true(d->min <= d->max);
            if (d->has_off == NAS_NO_FLAG) {
                assert_false(optional);  /* mandatory IEs come first */
                assert_int_equal(d->iei, 0);
                if (d->fmt == NAS_F_VH)
                    halves++;
                else
                    assert_int_equal(halves % 2, 0);
            } else {
                optional = true;
                if (d->fmt == NAS_F_TV1)
                    assert_true((d->iei & 0x8f) == 0x80);
                else
                    assert_true(d->iei > 0 && d->iei < 0x80);
                if (d->fmt == NAS_F_TLVE)
                    assert_int_equal(d->iei & 0xf8, 0x78);
                for (unsigned j = 0; j < i; j++)
                    assert_true(s->ies[j].has_off == NAS_NO_FLAG || s->ies[j].iei != d->iei);
            }
        }
        assert_int_equal(halves % 2, 0);
    }
}

static int open_corpus(void **state)
{
    const char *dir = getenv("XEPC_TEST_VECTORS");
    char path[512];

    (void)state;
    if (!dir)
        dir = "build/test-vectors";
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/nas.txt", dir);
    corpus = fopen(path, "w");
    return 0;
}

static int close_corpus(void **state)
{
    (void)state;
    if (corpus)
        fclose(corpus);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_round_trip_all),
        cmocka_unit_test(test_canonical_bytes),
        cmocka_unit_test(test_detach_request_kind),
        cmocka_unit_test(test_golden_initial_ue_message),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_unknown_and_odd_optional_ies),
        cmocka_unit_test(test_tft_errors),
        cmocka_unit_test(test_truncation_and_nospc),
        cmocka_unit_test(test_encode_invalid),
        cmocka_unit_test(test_bit_rates),
        cmocka_unit_test(test_misc_helpers),
    };

    return cmocka_run_group_tests_name("nas_codec", tests, open_corpus, close_corpus);
}
