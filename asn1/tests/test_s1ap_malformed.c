/* Malformed S1AP input: the decoder returns an error (with what the MME
 * needs for an Error Indication) and never crashes or reads outside its
 * buffer.  Built with ASan+UBSan, like every unit test.
 *
 *  - truncation at every byte of the three golden messages
 *    (shared/vectors/README.md);
 *  - every single-bit flip of them: decode or error, and what decodes
 *    re-encodes;
 *  - oversized length determinants;
 *  - TS 36.413 clause 10: unknown IEs with each criticality, a missing
 *    mandatory IE, wrong IE order, a duplicated IE, an unknown procedure;
 *  - an arena of every size below what a message needs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "s1ap.h"
#include "s1ap_samples.h"

static const char *const golden_hex[] = {
    /* S1SetupRequest, 49 bytes */
    "0011002d000004003b00090000f1104054f64010003c400903004a4c542d36323100400007000c0e4000f1100089400100",
    /* InitialUEMessage, 115 bytes */
    "000c406f000006000800020001001a003c3b17df675aa8050741020bf600f110000201030003e605f07000001000050215"
    "d011d15200f11030395c0a003103e5e0349011035758a65d0100e0c1004300060000f1103039006440080000f1108c3378"
    "200086400130004b00070000f110000201",
    /* InitialContextSetupResponse, 41 bytes */
    "2009002500000300004005c0020000bf0008400200010033400f000032400a0a1f0a0123c601000908",
};

struct state {
    uint8_t golden[3][128];
    size_t golden_len[3];
    uint8_t arena_mem[1 << 16];
    uint8_t enc[1 << 12];
    struct s1ap_pdu pdu;
    struct s1ap_decode_error err;
};

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static int decode(struct state *s, const uint8_t *buf, size_t len)
{
    struct aper_arena a;
    aper_arena_init(&a, s->arena_mem, sizeof(s->arena_mem));
    return s1ap_decode(buf, len, &s->pdu, &a, &s->err);
}

static void test_golden_messages_decode(void **state)
{
    struct state *s = *state;
    static const enum s1ap_msg_kind kinds[3] = { S1AP_MSG_S1SetupRequest, S1AP_MSG_InitialUEMessage,
                                                 S1AP_MSG_InitialContextSetupResponse };
    for (int g = 0; g < 3; g++) {
        assert_int_equal(decode(s, s->golden[g], s->golden_len[g]), 0);
        assert_int_equal(s->pdu.kind, kinds[g]);
        int n = s1ap_encode(&s->pdu, s->enc, sizeof(s->enc));
        assert_int_equal(n, (int)s->golden_len[g]);
        assert_memory_equal(s->enc, s->golden[g], s->golden_len[g]);
    }
}

static void test_truncation_at_every_byte_is_an_error(void **state)
{
    struct state *s = *state;
    for (int g = 0; g < 3; g++)
        for (size_t len = 0; len < s->golden_len[g]; len++) {
            /* a copy of exactly len bytes, so that ASan sees any over-read */
            uint8_t *p = malloc(len ? len : 1);
            assert_non_null(p);
            memcpy(p, s->golden[g], len);
            int rc = decode(s, p, len);
            free(p);
            if (rc != -EBADMSG || s->err.cause != S1AP_DECODE_TRANSFER_SYNTAX)
                fail_msg("golden %d cut to %zu of %zu bytes: rc %d, cause %s", g, len,
                         s->golden_len[g], rc, s1ap_decode_cause_str(s->err.cause));
            assert_non_null(s->err.detail);
        }
}

static void test_every_bit_flip_decodes_or_fails_cleanly(void **state)
{
    struct state *s = *state;
    unsigned decoded = 0, refused = 0;
    for (int g = 0; g < 3; g++) {
        size_t len = s->golden_len[g];
        uint8_t *p = malloc(len);
        assert_non_null(p);
        for (size_t bit = 0; bit < len * 8; bit++) {
            memcpy(p, s->golden[g], len);
            p[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
            int rc = decode(s, p, len);
            if (rc == 0) {
                decoded++;
                /* what decodes must encode again (or be refused cleanly) */
                int n = s1ap_encode(&s->pdu, s->enc, sizeof(s->enc));
                assert_true(n > 0 || n == -ERANGE || n == -EINVAL);
            } else {
                refused++;
                assert_true(rc == -EBADMSG || rc == -EPROTO || rc == -ENOMEM);
                assert_int_not_equal(s->err.cause, S1AP_DECODE_OK);
            }
        }
        free(p);
    }
    /* both outcomes occur: the flips do reach the decoder's checks */
    assert_true(decoded > 0 && refused > 0);
}

/* ---- hand-assembled S1 Setup Requests (TS 36.413 9.1.8.4) ---- */

/* IEs of the golden S1SetupRequest, each: id, criticality, length, value */
#define IE_GLOBAL_ENB "003b00090000f1104054f64010"
#define IE_ENBNAME    "003c400903004a4c542d363231"
#define IE_SUPP_TAS   "00400007000c0e4000f110"
#define IE_PAGING_DRX "0089400100"

/* S1AP-PDU initiatingMessage s1Setup, criticality reject, with the IEs
 * given as hex in this order and count `count` (-1: the real count). */
static size_t setup_request(uint8_t *out, size_t cap, int count, int n, ...)
{
    uint8_t ies[512];
    size_t len = 0;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        len += unhex(va_arg(ap, const char *), ies + len, sizeof(ies) - len);
    va_end(ap);
    size_t value_len = 3 + len;
    assert_true(value_len < 128 && 4 + value_len <= cap);
    out[0] = 0x00;                       /* initiatingMessage */
    out[1] = 17;                         /* s1Setup */
    out[2] = 0x00;                       /* reject */
    out[3] = (uint8_t)value_len;
    out[4] = 0x00;                       /* SEQUENCE: no extension */
    out[5] = 0;
    out[6] = (uint8_t)(count < 0 ? n : count);
    memcpy(out + 7, ies, len);
    return 4 + value_len;
}

static void test_assembled_golden_is_the_golden(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 4, IE_GLOBAL_ENB, IE_ENBNAME, IE_SUPP_TAS, IE_PAGING_DRX);
    assert_int_equal(n, s->golden_len[0]);
    assert_memory_equal(m, s->golden[0], n);
}

static void assert_diag(struct state *s, uint16_t id, enum aper_criticality crit,
                        enum aper_ie_error what)
{
    for (unsigned i = 0; i < s->err.n_ies; i++)
        if (s->err.ies[i].id == id) {
            assert_int_equal(s->err.ies[i].criticality, crit);
            assert_int_equal(s->err.ies[i].type_of_error, what);
            return;
        }
    fail_msg("IE %u not in the criticality diagnostics (%u IEs listed)", id, s->err.n_ies);
}

/* TS 36.413 10.3.4.2: an IE not comprehended with criticality reject
 * rejects the procedure (the MME answers S1 Setup Failure with
 * Criticality Diagnostics). */
static void test_unknown_ie_reject(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 5, IE_GLOBAL_ENB, IE_ENBNAME, IE_SUPP_TAS,
                             IE_PAGING_DRX, "03e7000100");
    assert_int_equal(decode(s, m, n), -EPROTO);
    assert_int_equal(s->err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_true(s->err.procedure_known);
    assert_int_equal(s->err.procedure_code, 17);
    assert_int_equal(s->err.triggering_message, S1AP_INITIATING_MESSAGE);
    assert_int_equal(s->err.procedure_criticality, S1AP_CRIT_REJECT);
    assert_diag(s, 999, APER_CRIT_REJECT, APER_IE_NOT_UNDERSTOOD);
    assert_int_equal(s1ap_decode_error_cause(&s->err), S1AP_CauseProtocol_abstract_syntax_error_reject);
}

/* The Error Indication the MME sends about a rejected Initial UE Message
 * (an unknown IE with criticality reject appended to the golden one): the
 * eNB UE S1AP ID, Cause protocol abstract-syntax-error-reject, and
 * Criticality Diagnostics naming the procedure and the IE (9.2.1.21).  It
 * encodes, and decodes to the same fields. */
static void test_error_indication_from_rejected_message(void **state)
{
    struct state *s = *state;
    uint8_t m[160], enc[256], mem[4096];
    s1ap_CriticalityDiagnostics_IE_Item items[S1AP_DIAG_MAX_IES];
    struct s1ap_pdu ei, back;
    struct s1ap_decode_error err2;
    struct aper_arena a;

    size_t len = s->golden_len[1];
    memcpy(m, s->golden[1], len);
    assert_int_equal(m[3], 0x6f);
    assert_int_equal(m[6], 6);
    m[3] += 5;                           /* message value length */
    m[6] = 7;                            /* IE count */
    len += unhex("03e7000100", m + len, sizeof(m) - len);
    assert_int_equal(decode(s, m, len), -EPROTO);
    assert_int_equal(s->err.cause, S1AP_DECODE_ABSTRACT_REJECT);

    assert_int_equal(s1ap_error_indication(&ei, &s->err, items), 0);
    int n = s1ap_encode(&ei, enc, sizeof(enc));
    assert_true(n > 0);
    aper_arena_init(&a, mem, sizeof(mem));
    assert_int_equal(s1ap_decode(enc, (size_t)n, &back, &a, &err2), 0);
    assert_int_equal(back.kind, S1AP_MSG_ErrorIndication);
    const s1ap_ErrorIndication *e = &back.u.ErrorIndication;
    assert_true(e->eNB_UE_S1AP_ID_present);
    assert_int_equal(e->eNB_UE_S1AP_ID, 1);
    assert_false(e->MME_UE_S1AP_ID_present);
    assert_true(e->Cause_present);
    assert_int_equal(e->Cause.present, S1AP_Cause_PR_protocol);
    assert_int_equal(e->Cause.u.protocol, S1AP_CauseProtocol_abstract_syntax_error_reject);
    assert_true(e->CriticalityDiagnostics_present);
    const s1ap_CriticalityDiagnostics *cd = &e->CriticalityDiagnostics;
    assert_true(cd->procedureCode_present);
    assert_int_equal(cd->procedureCode, S1AP_id_initialUEMessage);
    assert_true(cd->triggeringMessage_present);
    assert_int_equal(cd->triggeringMessage, S1AP_TriggeringMessage_initiating_message);
    assert_true(cd->procedureCriticality_present);
    assert_int_equal(cd->procedureCriticality, S1AP_Criticality_ignore);
    assert_true(cd->iEsCriticalityDiagnostics_present);
    assert_int_equal(cd->iEsCriticalityDiagnostics.count, 1);
    assert_int_equal(cd->iEsCriticalityDiagnostics.items[0].iE_ID, 999);
    assert_int_equal(cd->iEsCriticalityDiagnostics.items[0].iECriticality, S1AP_Criticality_reject);
    assert_int_equal(cd->iEsCriticalityDiagnostics.items[0].typeOfError, S1AP_TypeOfError_not_understood);
}

/* 10.3.4.2: criticality ignore: skipped, nothing reported, the rest intact */
static void test_unknown_ie_ignore(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 5, IE_GLOBAL_ENB, "03e74003abcdef", IE_ENBNAME,
                             IE_SUPP_TAS, IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), 0);
    assert_int_equal(s->err.cause, S1AP_DECODE_OK);
    assert_int_equal(s->err.n_ies, 0);
    assert_int_equal(s->pdu.kind, S1AP_MSG_S1SetupRequest);
    const s1ap_S1SetupRequest *r = &s->pdu.u.S1SetupRequest;
    assert_true(r->eNBname_present);
    assert_int_equal(r->eNBname.len, 7);
    assert_memory_equal(r->eNBname.buf, "JLT-621", 7);
    assert_int_equal(r->SupportedTAs.count, 1);
}

/* 10.3.4.2: ignore and notify: processed, and the IE reported */
static void test_unknown_ie_ignore_and_notify(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 5, IE_GLOBAL_ENB, IE_ENBNAME, "03e7800100",
                             IE_SUPP_TAS, IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), 0);
    assert_int_equal(s->err.cause, S1AP_DECODE_IGNORED_IES);
    assert_diag(s, 999, APER_CRIT_NOTIFY, APER_IE_NOT_UNDERSTOOD);
    assert_int_equal(s1ap_decode_error_cause(&s->err),
                     S1AP_CauseProtocol_abstract_syntax_error_ignore_and_notify);
    assert_true(s->pdu.u.S1SetupRequest.eNBname_present);
}

/* 10.3.5: a missing mandatory IE with criticality reject rejects */
static void test_missing_mandatory_ie(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 3, IE_ENBNAME, IE_SUPP_TAS, IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), -EPROTO);
    assert_int_equal(s->err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_diag(s, 59, APER_CRIT_REJECT, APER_IE_MISSING);
}

/* 10.3.5: a missing mandatory IE with criticality ignore: processed, and
 * listed, so that the receiver knows the field is zero only because it was
 * absent (S1 Setup Request without Default Paging DRX) */
static void test_missing_mandatory_ie_ignore(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 3, IE_GLOBAL_ENB, IE_ENBNAME, IE_SUPP_TAS);
    assert_int_equal(decode(s, m, n), 0);
    assert_true(s->err.cause == S1AP_DECODE_OK || s->err.cause == S1AP_DECODE_IGNORED_IES);
    assert_diag(s, 137, APER_CRIT_IGNORE, APER_IE_MISSING);
}

/* A mandatory IE with criticality ignore whose value cannot be decoded
 * (the golden ICS Response with its E-RAB item's open type one byte too
 * long): the message is processed and the IE reported, so that an empty
 * E-RAB list is not mistaken for "no E-RAB set up". */
static void test_undecodable_mandatory_ie_ignore_is_reported(void **state)
{
    struct state *s = *state;
    uint8_t m[64];
    size_t len = s->golden_len[2];
    memcpy(m, s->golden[2], len);
    assert_int_equal(m[30], 0x0a);
    m[30] = 0x0b;
    assert_int_equal(decode(s, m, len), 0);
    assert_int_equal(s->pdu.kind, S1AP_MSG_InitialContextSetupResponse);
    assert_int_equal(s->pdu.u.InitialContextSetupResponse.MME_UE_S1AP_ID, 33554623);
    bool listed = false;
    for (unsigned i = 0; i < s->err.n_ies; i++)
        if (s->err.ies[i].id == 51 && s->err.ies[i].criticality == APER_CRIT_IGNORE)
            listed = true;
    if (!listed)
        fail_msg("E-RABSetupListCtxtSURes (51) not reported (%u IEs listed)", s->err.n_ies);
}

/* an optional IE may be absent: no error */
static void test_missing_optional_ie_is_fine(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 3, IE_GLOBAL_ENB, IE_SUPP_TAS, IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), 0);
    assert_int_equal(s->err.cause, S1AP_DECODE_OK);
    assert_false(s->pdu.u.S1SetupRequest.eNBname_present);
}

/* 10.3.6: wrong order and duplicates are falsely constructed messages */
static void test_wrong_ie_order(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 4, IE_GLOBAL_ENB, IE_SUPP_TAS, IE_ENBNAME, IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), -EPROTO);
    assert_int_equal(s->err.cause, S1AP_DECODE_FALSELY_CONSTRUCTED);
    assert_int_equal(s1ap_decode_error_cause(&s->err),
                     S1AP_CauseProtocol_abstract_syntax_error_falsely_constructed_message);
}

static void test_duplicated_ie(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), -1, 5, IE_GLOBAL_ENB, IE_ENBNAME, IE_ENBNAME, IE_SUPP_TAS,
                             IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), -EPROTO);
    assert_int_equal(s->err.cause, S1AP_DECODE_FALSELY_CONSTRUCTED);
}

/* the IE count says more IEs than there are */
static void test_ie_count_beyond_the_data(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    size_t n = setup_request(m, sizeof(m), 9, 4, IE_GLOBAL_ENB, IE_ENBNAME, IE_SUPP_TAS, IE_PAGING_DRX);
    assert_int_equal(decode(s, m, n), -EBADMSG);
    assert_int_equal(s->err.cause, S1AP_DECODE_TRANSFER_SYNTAX);
}

/* 10.3.4.1: a procedure code not comprehended */
static void test_unknown_procedure_code(void **state)
{
    struct state *s = *state;
    uint8_t m[64];
    memcpy(m, s->golden[0], s->golden_len[0]);
    m[1] = 200;
    m[2] = 0x80;                         /* criticality notify */
    assert_int_equal(decode(s, m, s->golden_len[0]), -EPROTO);
    assert_int_equal(s->err.cause, S1AP_DECODE_UNKNOWN_PROCEDURE);
    assert_true(s->err.procedure_known);
    assert_int_equal(s->err.procedure_code, 200);
    assert_int_equal(s1ap_decode_error_cause(&s->err),
                     S1AP_CauseProtocol_abstract_syntax_error_ignore_and_notify);
    m[2] = 0x00;                         /* reject */
    assert_int_equal(decode(s, m, s->golden_len[0]), -EPROTO);
    assert_int_equal(s1ap_decode_error_cause(&s->err), S1AP_CauseProtocol_abstract_syntax_error_reject);
}

/* Oversized length determinants: every one must be caught, none may make
 * the decoder read past the buffer or allocate what the input claims. */
static void test_oversized_lengths(void **state)
{
    struct state *s = *state;
    uint8_t m[256];
    static const struct { size_t at; uint8_t v[2]; size_t nv; const char *what; } cases[] = {
        { 3, { 0x2e }, 1, "message value length one too long" },
        { 3, { 0x7f }, 1, "message value length 127" },
        { 3, { 0xbf, 0xff }, 2, "message value length 16383 (two-octet form)" },
        { 3, { 0xc4 }, 1, "message value length: fragment of 64K items" },
        { 10, { 0xff }, 1, "Global-ENB-ID value length: two-octet form beyond the data" },
        { 23, { 0x7f }, 1, "eNBname value length 127" },
    };
    size_t len;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = s->golden_len[0];
        memcpy(m, s->golden[0], len);
        if (cases[i].nv == 2) {
            /* replace the one-octet length with two octets */
            memmove(m + cases[i].at + 2, m + cases[i].at + 1, len - cases[i].at - 1);
            len++;
        }
        memcpy(m + cases[i].at, cases[i].v, cases[i].nv);
        uint8_t *p = malloc(len);
        assert_non_null(p);
        memcpy(p, m, len);
        int rc = decode(s, p, len);
        free(p);
        if (rc != -EBADMSG)
            fail_msg("%s: rc %d (%s)", cases[i].what, rc, s1ap_decode_cause_str(s->err.cause));
    }
    /* Global-ENB-ID value length one too long: the IE swallows the first
     * byte of the next one, whose remains read as an unknown IE with
     * criticality reject before the data runs out.  The message cannot be
     * decoded: a transfer syntax error (10.2), not an abstract one. */
    len = s->golden_len[0];
    memcpy(m, s->golden[0], len);
    m[10] = 0x0a;
    assert_int_equal(decode(s, m, len), -EBADMSG);
    assert_int_equal(s->err.cause, S1AP_DECODE_TRANSFER_SYNTAX);
    assert_int_equal(s1ap_decode_error_cause(&s->err), S1AP_CauseProtocol_transfer_syntax_error);
    /* NAS-PDU length (InitialUEMessage, byte 17 = 0x3b) pushed past the end */
    len = s->golden_len[1];
    memcpy(m, s->golden[1], len);
    assert_int_equal(m[17], 0x3b);
    m[17] = 0x7f;
    /* the codec takes an IE value it cannot decode inside an intact open
     * type as an IE not comprehended (criticality reject): either class
     * gives the MME an Error Indication */
    int rc = decode(s, m, len);
    if (rc == -EPROTO)
        assert_diag(s, 26, APER_CRIT_REJECT, APER_IE_NOT_UNDERSTOOD);
    else
        assert_int_equal(rc, -EBADMSG);
}

/* Memory is bounded by the arena: with every arena size below what a
 * message needs, the decoder says -ENOMEM and nothing else happens. */
static void test_arena_too_small(void **state)
{
    struct state *s = *state;
    uint8_t fill[1 << 16], enc[1 << 12];
    struct aper_arena fa;
    aper_arena_init(&fa, fill, sizeof(fill));
    /* ICS Request with every optional IE: lists and bit strings in the arena */
    const struct s1ap_sample *smp = NULL;
    for (unsigned i = 0; i < s1ap_n_samples; i++)
        if (s1ap_samples[i].kind == S1AP_MSG_InitialContextSetupRequest)
            smp = &s1ap_samples[i];
    assert_non_null(smp);
    assert_int_equal(s1ap_sample_build(smp, S1AP_SAMPLE_FULL, &s->pdu, &fa, NULL), 0);
    int n = s1ap_encode(&s->pdu, enc, sizeof(enc));
    assert_true(n > 0);
    size_t need = 0;
    for (size_t cap = 0; cap <= sizeof(s->arena_mem); cap += cap < 512 ? 1 : 64) {
        struct aper_arena a;
        aper_arena_init(&a, s->arena_mem, cap);
        int rc = s1ap_decode(enc, (size_t)n, &s->pdu, &a, &s->err);
        if (rc == 0) {
            need = cap;
            break;
        }
        if (rc != -ENOMEM || s->err.cause != S1AP_DECODE_NO_MEMORY)
            fail_msg("arena of %zu bytes: rc %d (%s)", cap, rc, s1ap_decode_cause_str(s->err.cause));
    }
    assert_true(need > 0);
    print_message("# InitialContextSetupRequest (%d bytes, all optional IEs) needs %zu arena bytes\n",
                  n, need);
}

/* The samples of every message type, cut at every byte: errors only. */
static void test_every_sample_truncated(void **state)
{
    struct state *s = *state;
    uint8_t fill[1 << 16], enc[1 << 12];
    for (unsigned i = 0; i < s1ap_n_samples; i++) {
        struct aper_arena fa;
        aper_arena_init(&fa, fill, sizeof(fill));
        assert_int_equal(s1ap_sample_build(&s1ap_samples[i], S1AP_SAMPLE_MANDATORY, &s->pdu, &fa, NULL), 0);
        int n = s1ap_encode(&s->pdu, enc, sizeof(enc));
        assert_true(n > 0);
        for (int len = 0; len < n; len++) {
            uint8_t *p = malloc(len ? (size_t)len : 1);
            assert_non_null(p);
            memcpy(p, enc, (size_t)len);
            int rc = decode(s, p, (size_t)len);
            free(p);
            if (rc == 0)
                fail_msg("%s cut to %d of %d bytes decoded", s1ap_samples[i].name, len, n);
        }
    }
}

/* Every single-bit flip of every sample with all optional IEs: decode or
 * fail cleanly; what decodes encodes again or is refused cleanly. */
static void test_every_sample_bit_flips(void **state)
{
    struct state *s = *state;
    static uint8_t fill[1 << 16], enc[1 << 12], enc2[1 << 13];
    unsigned long decoded = 0, total = 0;
    for (unsigned i = 0; i < s1ap_n_samples; i++) {
        struct aper_arena fa;
        aper_arena_init(&fa, fill, sizeof(fill));
        assert_int_equal(s1ap_sample_build(&s1ap_samples[i], S1AP_SAMPLE_FULL, &s->pdu, &fa, NULL), 0);
        int n = s1ap_encode(&s->pdu, enc, sizeof(enc));
        assert_true(n > 0);
        uint8_t *p = malloc((size_t)n);
        assert_non_null(p);
        for (size_t bit = 0; bit < (size_t)n * 8; bit++) {
            memcpy(p, enc, (size_t)n);
            p[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
            int rc = decode(s, p, (size_t)n);
            total++;
            if (rc == 0) {
                decoded++;
                int m = s1ap_encode(&s->pdu, enc2, sizeof(enc2));
                if (!(m > 0 || m == -ERANGE || m == -EINVAL))
                    fail_msg("%s, bit %zu flipped: decodes, re-encode %d", s1ap_samples[i].name, bit, m);
            } else if (rc != -EBADMSG && rc != -EPROTO && rc != -ENOMEM) {
                fail_msg("%s, bit %zu flipped: rc %d", s1ap_samples[i].name, bit, rc);
            }
        }
        free(p);
    }
    print_message("# %lu flips, %lu decoded\n", total, decoded);
    assert_true(decoded > 0 && decoded < total);
}

static int setup(void **state)
{
    struct state *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    for (int g = 0; g < 3; g++)
        s->golden_len[g] = unhex(golden_hex[g], s->golden[g], sizeof(s->golden[g]));
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_messages_decode),
        cmocka_unit_test(test_truncation_at_every_byte_is_an_error),
        cmocka_unit_test(test_every_bit_flip_decodes_or_fails_cleanly),
        cmocka_unit_test(test_assembled_golden_is_the_golden),
        cmocka_unit_test(test_unknown_ie_reject),
        cmocka_unit_test(test_error_indication_from_rejected_message),
        cmocka_unit_test(test_unknown_ie_ignore),
        cmocka_unit_test(test_unknown_ie_ignore_and_notify),
        cmocka_unit_test(test_missing_mandatory_ie),
        cmocka_unit_test(test_missing_mandatory_ie_ignore),
        cmocka_unit_test(test_undecodable_mandatory_ie_ignore_is_reported),
        cmocka_unit_test(test_missing_optional_ie_is_fine),
        cmocka_unit_test(test_wrong_ie_order),
        cmocka_unit_test(test_duplicated_ie),
        cmocka_unit_test(test_ie_count_beyond_the_data),
        cmocka_unit_test(test_unknown_procedure_code),
        cmocka_unit_test(test_oversized_lengths),
        cmocka_unit_test(test_arena_too_small),
        cmocka_unit_test(test_every_sample_truncated),
        cmocka_unit_test(test_every_sample_bit_flips),
    };
    return cmocka_run_group_tests_name("s1ap_malformed", tests, setup, teardown);
}
