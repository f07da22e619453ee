/* The S1AP golden messages of shared/vectors/README.md (copied here): they
 * decode to exactly the stated fields and re-encode byte for byte; plus
 * extension IEs, unknown IEs with each criticality, and missing IEs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hex.h"
#include "s1ap.h"

static const char S1_SETUP_REQUEST[] =
    "0011002d000004003b00090000f1104054f64010003c400903004a4c542d36323100400007000c0e4000"
    "f1100089400100";
static const char INITIAL_UE_MESSAGE[] =
    "000c406f000006000800020001001a003c3b17df675aa8050741020bf600f110000201030003e605f070"
    "00001000050215d011d15200f11030395c0a003103e5e0349011035758a65d0100e0c100430006000"
    "0f1103039006440080000f1108c3378200086400130004b00070000f110000201";
static const char ICS_RESPONSE[] =
    "2009002500000300004005c0020000bf0008400200010033400f000032400a0a1f0a0123c601000908";

struct fixture {
    uint8_t in[512];
    int len;
    uint8_t out[512];
    uint8_t arena_mem[16384];
    struct aper_arena arena;
    struct s1ap_pdu pdu;
    struct s1ap_decode_error err;
};

static int decode_hex(struct fixture *f, const char *hex)
{
    f->len = hex_decode(hex, f->in, sizeof(f->in));
    assert_true(f->len > 0);
    aper_arena_init(&f->arena, f->arena_mem, sizeof(f->arena_mem));
    return s1ap_decode(f->in, (size_t)f->len, &f->pdu, &f->arena, &f->err);
}

static void assert_reencodes(struct fixture *f)
{
    int n = s1ap_encode(&f->pdu, f->out, sizeof(f->out));
    assert_int_equal(n, f->len);
    assert_memory_equal(f->out, f->in, (size_t)n);
}

static const uint8_t PLMN_001_01[3] = { 0x00, 0xf1, 0x10 };

static void test_golden_s1_setup_request(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(decode_hex(f, S1_SETUP_REQUEST), 0);
    assert_int_equal(f->len, 49);
    assert_int_equal(f->err.cause, S1AP_DECODE_OK);
    assert_int_equal(f->pdu.kind, S1AP_MSG_S1SetupRequest);
    assert_int_equal(f->pdu.type, S1AP_INITIATING_MESSAGE);
    assert_int_equal(f->pdu.procedure_code, S1AP_id_S1Setup);
    const s1ap_S1SetupRequest *m = &f->pdu.u.S1SetupRequest;
    assert_memory_equal(m->Global_ENB_ID.pLMNidentity, PLMN_001_01, 3);
    assert_int_equal(m->Global_ENB_ID.eNB_ID.present, S1AP_ENB_ID_PR_homeENB_ID);
    assert_int_equal(m->Global_ENB_ID.eNB_ID.u.homeENB_ID, 0x54f6401);
    assert_true(m->eNBname_present);
    assert_int_equal(m->eNBname.len, 7);
    assert_memory_equal(m->eNBname.buf, "JLT-621", 7);
    assert_int_equal(m->SupportedTAs.count, 1);
    assert_memory_equal(m->SupportedTAs.items[0].tAC, "\x30\x39", 2); /* 12345 */
    assert_int_equal(m->SupportedTAs.items[0].broadcastPLMNs.count, 1);
    assert_memory_equal(m->SupportedTAs.items[0].broadcastPLMNs.items[0], PLMN_001_01, 3);
    assert_int_equal(m->DefaultPagingDRX, S1AP_PagingDRX_v32);
    assert_false(m->CSG_IdList_present);
    assert_reencodes(f);
}

static void test_golden_initial_ue_message(void **state)
{
    struct fixture *f = *state;
    static const uint8_t nas_start[] = { 0x17, 0xdf, 0x67, 0x5a, 0xa8, 0x05, 0x07, 0x41 };
    assert_int_equal(decode_hex(f, INITIAL_UE_MESSAGE), 0);
    assert_int_equal(f->len, 115);
    assert_int_equal(f->pdu.kind, S1AP_MSG_InitialUEMessage);
    const s1ap_InitialUEMessage *m = &f->pdu.u.InitialUEMessage;
    assert_int_equal(m->eNB_UE_S1AP_ID, 1);
    assert_int_equal(m->NAS_PDU.len, 59);
    assert_memory_equal(m->NAS_PDU.buf, nas_start, sizeof(nas_start));
    /* the NAS-PDU points into the input: no copy on the hot path */
    assert_ptr_equal(m->NAS_PDU.buf, f->in + 18);
    assert_memory_equal(m->TAI.pLMNidentity, PLMN_001_01, 3);
    assert_memory_equal(m->TAI.tAC, "\x30\x39", 2);
    assert_memory_equal(m->EUTRAN_CGI.pLMNidentity, PLMN_001_01, 3);
    assert_int_equal(m->EUTRAN_CGI.cell_ID, 0x08c33782);
    assert_int_equal(m->RRC_Establishment_Cause, S1AP_RRC_Establishment_Cause_mo_Signalling);
    assert_true(m->GUMMEI_ID_present);
    assert_memory_equal(m->GUMMEI_ID.pLMN_Identity, PLMN_001_01, 3);
    assert_memory_equal(m->GUMMEI_ID.mME_Group_ID, "\x00\x02", 2);
    assert_memory_equal(m->GUMMEI_ID.mME_Code, "\x01", 1);
    assert_false(m->S_TMSI_present);
    assert_reencodes(f);
}

static void test_golden_initial_context_setup_response(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(decode_hex(f, ICS_RESPONSE), 0);
    assert_int_equal(f->len, 41);
    assert_int_equal(f->pdu.kind, S1AP_MSG_InitialContextSetupResponse);
    assert_int_equal(f->pdu.type, S1AP_SUCCESSFUL_OUTCOME);
    const s1ap_InitialContextSetupResponse *m = &f->pdu.u.InitialContextSetupResponse;
    assert_int_equal(m->MME_UE_S1AP_ID, 33554623);
    assert_int_equal(m->eNB_UE_S1AP_ID, 1);
    assert_int_equal(m->E_RABSetupListCtxtSURes.count, 1);
    const s1ap_E_RABSetupItemCtxtSURes *it = &m->E_RABSetupListCtxtSURes.items[0];
    assert_int_equal(it->e_RAB_ID, 5);
    assert_int_equal(it->transportLayerAddress.nbits, 32);
    assert_memory_equal(it->transportLayerAddress.buf, "\x0a\x01\x23\xc6", 4);
    assert_memory_equal(it->gTP_TEID, "\x01\x00\x09\x08", 4);
    assert_false(m->CriticalityDiagnostics_present);
    assert_reencodes(f);
}

/* ------------------------------------------------- built messages -- */

static int roundtrip(struct fixture *f, const struct s1ap_pdu *pdu)
{
    int n = s1ap_encode(pdu, f->in, sizeof(f->in));
    assert_true(n > 0);
    f->len = n;
    aper_arena_init(&f->arena, f->arena_mem, sizeof(f->arena_mem));
    int rc = s1ap_decode(f->in, (size_t)n, &f->pdu, &f->arena, &f->err);
    assert_int_equal(rc, 0);
    assert_int_equal(f->pdu.kind, pdu->kind);
    assert_reencodes(f);
    return n;
}

/* An extension IE (SupportedTAs-Item-ExtIEs: RAT-Type) and optional IEs. */
static void test_roundtrip_with_extension_ies(void **state)
{
    struct fixture *f = *state;
    struct s1ap_pdu pdu;
    s1ap_SupportedTAs_Item ta;
    uint8_t plmn[1][3] = { { 0x21, 0xf3, 0x54 } };

    assert_int_equal(s1ap_pdu_init(&pdu, S1AP_MSG_S1SetupRequest), 0);
    s1ap_S1SetupRequest *m = &pdu.u.S1SetupRequest;
    memcpy(m->Global_ENB_ID.pLMNidentity, plmn[0], 3);
    m->Global_ENB_ID.eNB_ID.present = S1AP_ENB_ID_PR_macroENB_ID;
    m->Global_ENB_ID.eNB_ID.u.macroENB_ID = 0xabcde;
    memset(&ta, 0, sizeof(ta));
    memcpy(ta.tAC, "\x12\x34", 2);
    ta.broadcastPLMNs.count = 1;
    ta.broadcastPLMNs.items = plmn;
    ta.iE_Extensions.RAT_Type_present = true;
    ta.iE_Extensions.RAT_Type = S1AP_RAT_Type_nbiot;
    m->SupportedTAs.count = 1;
    m->SupportedTAs.items = &ta;
    m->DefaultPagingDRX = S1AP_PagingDRX_v128;
    m->NB_IoT_DefaultPagingDRX_present = true;
    m->NB_IoT_DefaultPagingDRX = S1AP_NB_IoT_DefaultPagingDRX_v512;

    /* a CHOICE with nothing chosen cannot be encoded */
    m->Global_ENB_ID.eNB_ID.present = S1AP_ENB_ID_PR_NOTHING;
    assert_int_equal(s1ap_encode(&pdu, f->out, sizeof(f->out)), -EINVAL);
    m->Global_ENB_ID.eNB_ID.present = S1AP_ENB_ID_PR_macroENB_ID;
    /* macroENB-ID is BIT STRING (SIZE(20)) */
    m->Global_ENB_ID.eNB_ID.u.macroENB_ID = 0x100000;
    assert_int_equal(s1ap_encode(&pdu, f->out, sizeof(f->out)), -ERANGE);
    m->Global_ENB_ID.eNB_ID.u.macroENB_ID = 0xabcde;

    roundtrip(f, &pdu);
    const s1ap_S1SetupRequest *d = &f->pdu.u.S1SetupRequest;
    assert_int_equal(d->Global_ENB_ID.eNB_ID.u.macroENB_ID, 0xabcde);
    assert_true(d->SupportedTAs.items[0].iE_Extensions.RAT_Type_present);
    assert_int_equal(d->SupportedTAs.items[0].iE_Extensions.RAT_Type, S1AP_RAT_Type_nbiot);
    assert_true(d->NB_IoT_DefaultPagingDRX_present);
    assert_int_equal(d->NB_IoT_DefaultPagingDRX, S1AP_NB_IoT_DefaultPagingDRX_v512);
}

/* Appends an IE {id, crit, value 0x00} to the ICS Response container by
 * rewriting the golden bytes: lengths and the IE count grow. */
static int with_extra_ie(uint8_t *buf, uint16_t id, unsigned crit, int position_end)
{
    uint8_t g[64];
    int n = hex_decode(ICS_RESPONSE, g, sizeof(g));
    uint8_t ie[5] = { (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(crit << 6), 0x01, 0x00 };
    /* g: 20 09 00 LEN | 00 00 03 | IEs... */
    int at = position_end ? n : 7;
    memcpy(buf, g, (size_t)at);
    memcpy(buf + at, ie, sizeof(ie));
    memcpy(buf + at + sizeof(ie), g + at, (size_t)(n - at));
    buf[3] = (uint8_t)(g[3] + sizeof(ie));
    buf[6] = (uint8_t)(g[6] + 1);
    return n + (int)sizeof(ie);
}

static int decode_raw(struct fixture *f, const uint8_t *buf, int len)
{
    memcpy(f->in, buf, (size_t)len);
    f->len = len;
    aper_arena_init(&f->arena, f->arena_mem, sizeof(f->arena_mem));
    return s1ap_decode(f->in, (size_t)len, &f->pdu, &f->arena, &f->err);
}

static void test_unknown_ie_ignore_is_skipped_silently(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[64];
    int n = with_extra_ie(buf, 999, S1AP_CRIT_IGNORE, 1);
    assert_int_equal(decode_raw(f, buf, n), 0);
    assert_int_equal(f->err.cause, S1AP_DECODE_OK);
    assert_int_equal(f->err.n_ies, 0);
    assert_int_equal(f->pdu.u.InitialContextSetupResponse.MME_UE_S1AP_ID, 33554623);
}

static void test_unknown_ie_notify_is_reported(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[64];
    int n = with_extra_ie(buf, 999, S1AP_CRIT_NOTIFY, 0);
    assert_int_equal(decode_raw(f, buf, n), 0);
    assert_int_equal(f->err.cause, S1AP_DECODE_IGNORED_IES);
    assert_int_equal(f->err.n_ies, 1);
    assert_int_equal(f->err.ies[0].id, 999);
    assert_int_equal(f->err.ies[0].criticality, S1AP_CRIT_NOTIFY);
    assert_int_equal(f->err.ies[0].type_of_error, APER_IE_NOT_UNDERSTOOD);
    assert_int_equal(s1ap_decode_error_cause(&f->err),
                     S1AP_CauseProtocol_abstract_syntax_error_ignore_and_notify);
    assert_int_equal(f->pdu.u.InitialContextSetupResponse.E_RABSetupListCtxtSURes.count, 1);
}

static void test_unknown_ie_reject_rejects_message(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[64];
    int n = with_extra_ie(buf, 999, S1AP_CRIT_REJECT, 1);
    assert_int_equal(decode_raw(f, buf, n), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_true(f->err.procedure_known);
    assert_int_equal(f->err.procedure_code, S1AP_id_InitialContextSetup);
    assert_int_equal(f->err.triggering_message, S1AP_SUCCESSFUL_OUTCOME);
    assert_int_equal(f->err.n_ies, 1);
    assert_int_equal(f->err.ies[0].id, 999);
    assert_int_equal(f->err.ies[0].criticality, S1AP_CRIT_REJECT);
    assert_int_equal(s1ap_decode_error_cause(&f->err),
                     S1AP_CauseProtocol_abstract_syntax_error_reject);
}

/* The rejected message's IDs and diagnostics make the Error Indication. */
static void test_error_indication_from_decode_error(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[64], enc[128];
    s1ap_CriticalityDiagnostics_IE_Item items[S1AP_DIAG_MAX_IES];
    struct s1ap_pdu ei;
    int n = with_extra_ie(buf, 999, S1AP_CRIT_REJECT, 1);

    assert_int_equal(decode_raw(f, buf, n), -EPROTO);
    assert_true(f->err.mme_ue_s1ap_id_present);
    assert_int_equal(f->err.mme_ue_s1ap_id, 33554623);
    assert_true(f->err.enb_ue_s1ap_id_present);
    assert_int_equal(f->err.enb_ue_s1ap_id, 1);
    assert_int_equal(s1ap_error_indication(&ei, &f->err, items), 0);
    int m = s1ap_encode(&ei, enc, sizeof(enc));
    assert_true(m > 0);
    assert_int_equal(decode_raw(f, enc, m), 0);
    const s1ap_ErrorIndication *e = &f->pdu.u.ErrorIndication;
    assert_int_equal(f->pdu.kind, S1AP_MSG_ErrorIndication);
    assert_true(e->MME_UE_S1AP_ID_present);
    assert_int_equal(e->MME_UE_S1AP_ID, 33554623);
    assert_int_equal(e->eNB_UE_S1AP_ID, 1);
    assert_int_equal(e->Cause.present, S1AP_Cause_PR_protocol);
    assert_int_equal(e->Cause.u.protocol, S1AP_CauseProtocol_abstract_syntax_error_reject);
    const s1ap_CriticalityDiagnostics *cd = &e->CriticalityDiagnostics;
    assert_true(e->CriticalityDiagnostics_present);
    assert_int_equal(cd->procedureCode, S1AP_id_InitialContextSetup);
    assert_int_equal(cd->triggeringMessage, S1AP_TriggeringMessage_successful_outcome);
    assert_int_equal(cd->procedureCriticality, S1AP_Criticality_reject);
    assert_int_equal(cd->iEsCriticalityDiagnostics.count, 1);
    assert_int_equal(cd->iEsCriticalityDiagnostics.items[0].iE_ID, 999);
    assert_int_equal(cd->iEsCriticalityDiagnostics.items[0].typeOfError,
                     S1AP_TypeOfError_not_understood);
    /* nothing to report for a clean decode */
    struct s1ap_decode_error ok = { .cause = S1AP_DECODE_OK };
    assert_int_equal(s1ap_error_indication(&ei, &ok, items), -EINVAL);
}

static void test_missing_mandatory_reject_ie(void **state)
{
    struct fixture *f = *state;
    struct s1ap_pdu pdu;
    uint8_t buf[512];
    /* Build an Initial UE Message, then drop the NAS-PDU IE (reject) from
     * the container by hand: 4 IEs out of 5. */
    assert_int_equal(decode_hex(f, INITIAL_UE_MESSAGE), 0);
    pdu = f->pdu;
    int n = s1ap_encode(&pdu, buf, sizeof(buf));
    assert_int_equal(n, 115);
    /* 00 0c 40 6f | 00 00 06 | IE1 (id 8: 00 08 00 02 00 01 = 6 bytes)
     * | IE2 (id 26: 00 1a 00 3c + 60 bytes = 64 bytes) | ... */
    uint8_t cut[128];
    int ie2 = 4 + 3 + 6, ie2_len = 4 + 60;
    memcpy(cut, buf, (size_t)ie2);
    memcpy(cut + ie2, buf + ie2 + ie2_len, (size_t)(n - ie2 - ie2_len));
    int m = n - ie2_len;
    cut[2] = (uint8_t)(0x40 | ((m - 4) >> 8));
    cut[3] = (uint8_t)(m - 4);
    cut[6] = 5;
    assert_int_equal(decode_raw(f, cut, m), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_int_equal(f->err.n_ies, 1);
    assert_int_equal(f->err.ies[0].id, S1AP_id_NAS_PDU);
    assert_int_equal(f->err.ies[0].type_of_error, APER_IE_MISSING);
}

static void test_missing_mandatory_ignore_ie_is_tolerated(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64];
    int n = hex_decode(ICS_RESPONSE, g, sizeof(g));
    /* g: 20 09 00 25 | 00 00 03 | IE1 at 7: MME-UE-S1AP-ID (criticality
     * ignore), 9 bytes | IE2 at 16: eNB-UE-S1AP-ID, 6 bytes | IE3 at 22.
     * Drop IE1. */
    uint8_t cut[64];
    memcpy(cut, g, 7);
    memcpy(cut + 7, g + 16, (size_t)(n - 16));
    cut[3] = (uint8_t)(g[3] - 9);
    cut[6] = 2;
    assert_int_equal(decode_raw(f, cut, n - 9), 0);
    assert_int_equal(f->err.cause, S1AP_DECODE_OK);   /* ignore: processed */
    assert_int_equal(f->err.n_ies, 1);                /* but known as missing */
    assert_int_equal(f->err.ies[0].id, S1AP_id_MME_UE_S1AP_ID);
    assert_int_equal(f->err.ies[0].criticality, S1AP_CRIT_IGNORE);
    assert_int_equal(f->err.ies[0].type_of_error, APER_IE_MISSING);
}

static void test_duplicate_ie_is_falsely_constructed(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64], dup[80];
    int n = hex_decode(ICS_RESPONSE, g, sizeof(g));
    /* repeat the eNB-UE-S1AP-ID IE (6 bytes at 16) */
    memcpy(dup, g, 22);
    memcpy(dup + 22, g + 16, 6);
    memcpy(dup + 28, g + 22, (size_t)(n - 22));
    dup[3] = (uint8_t)(g[3] + 6);
    dup[6] = 4;
    assert_int_equal(decode_raw(f, dup, n + 6), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_FALSELY_CONSTRUCTED);
    assert_int_equal(s1ap_decode_error_cause(&f->err),
                     S1AP_CauseProtocol_abstract_syntax_error_falsely_constructed_message);
}

static void test_wrong_order_is_falsely_constructed(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64], sw[64];
    int n = hex_decode(ICS_RESPONSE, g, sizeof(g));
    /* swap IE1 (9 bytes at 7) and IE2 (6 bytes at 16) */
    memcpy(sw, g, 7);
    memcpy(sw + 7, g + 16, 6);
    memcpy(sw + 13, g + 7, 9);
    memcpy(sw + 22, g + 22, (size_t)(n - 22));
    assert_int_equal(decode_raw(f, sw, n), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_FALSELY_CONSTRUCTED);
}

/* S1SetupRequest golden bytes: IE Global-ENB-ID (reject) at 7, value at
 * 11, its ENB-ID CHOICE octet at 15; eNBname (ignore) at 20, "J" at 26;
 * SupportedTAs (reject) at 33; DefaultPagingDRX (ignore) at 44, value 48. */
static void test_bad_value_in_ignore_ies_is_dropped(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64];
    int n = hex_decode(S1_SETUP_REQUEST, g, sizeof(g));
    g[26] = '@';           /* not a PrintableString character */
    g[48] = 0x85;          /* PagingDRX extension value 5: unknown to us */
    assert_int_equal(decode_raw(f, g, n), 0);
    assert_int_equal(f->err.cause, S1AP_DECODE_OK);
    const s1ap_S1SetupRequest *m = &f->pdu.u.S1SetupRequest;
    /* a string IE with criticality ignore keeps the character as received
     * (eNBs send names like "eNB_1") and says so in err.warnings */
    assert_true(m->eNBname_present);
    assert_int_equal(m->eNBname.len, 7);
    assert_memory_equal(m->eNBname.buf, "@LT-621", 7);
    assert_int_equal(f->err.n_warnings, 1);
    assert_int_equal(f->err.warnings[0].ie_id, S1AP_id_eNBname);
    assert_int_equal(f->err.warnings[0].kind, APER_WARN_CHARSET);
    assert_int_equal(m->Global_ENB_ID.eNB_ID.u.homeENB_ID, 0x54f6401);
    /* the mandatory DefaultPagingDRX reads as zero: listed as missing */
    assert_int_equal(f->err.n_ies, 1);
    assert_int_equal(f->err.ies[0].id, S1AP_id_DefaultPagingDRX);
    assert_int_equal(f->err.ies[0].criticality, S1AP_CRIT_IGNORE);
    assert_int_equal(f->err.ies[0].type_of_error, APER_IE_MISSING);
}

static void test_bad_value_in_reject_ie_rejects_message(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64];
    int n = hex_decode(S1_SETUP_REQUEST, g, sizeof(g));
    g[15] = 0xf0;          /* ENB-ID: an extension alternative we do not know */
    assert_int_equal(decode_raw(f, g, n), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_int_equal(f->err.n_ies, 1);
    assert_int_equal(f->err.ies[0].id, S1AP_id_Global_ENB_ID);
    assert_int_equal(f->err.ies[0].criticality, S1AP_CRIT_REJECT);
    assert_int_equal(f->err.ies[0].type_of_error, APER_IE_NOT_UNDERSTOOD);
    assert_non_null(f->err.detail);
}

/* PrivateMessage: no private IE is defined, so each one is handled by its
 * criticality; the message itself cannot be encoded (SIZE (1..)). */
static void test_private_message_ies_not_comprehended(void **state)
{
    struct fixture *f = *state;
    uint8_t pm[] = { 0x00, 0x27, 0x40, 0x09,
                     0x00, 0x00, 0x00,          /* ext bit, 1 private IE */
                     0x00, 0x00, 0x05,          /* PrivateIE-ID local 5 */
                     0x80, 0x01, 0x00 };        /* notify, value 00 */
    assert_int_equal(decode_raw(f, pm, sizeof(pm)), 0);
    assert_int_equal(f->pdu.kind, S1AP_MSG_PrivateMessage);
    assert_int_equal(f->err.cause, S1AP_DECODE_IGNORED_IES);
    assert_int_equal(f->err.n_ies, 1);
    assert_int_equal(f->err.ies[0].id, 5);
    pm[10] = 0x00;                              /* reject */
    assert_int_equal(decode_raw(f, pm, sizeof(pm)), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    struct s1ap_pdu pdu;
    assert_int_equal(s1ap_pdu_init(&pdu, S1AP_MSG_PrivateMessage), 0);
    assert_int_equal(s1ap_encode(&pdu, f->out, sizeof(f->out)), -EINVAL);
}

static void test_unknown_procedure_code(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64];
    int n = hex_decode(ICS_RESPONSE, g, sizeof(g));
    g[1] = 250;
    assert_int_equal(decode_raw(f, g, n), -EPROTO);
    assert_int_equal(f->err.cause, S1AP_DECODE_UNKNOWN_PROCEDURE);
    assert_int_equal(f->err.procedure_code, 250);
}

static void test_truncation_is_transfer_syntax_error(void **state)
{
    struct fixture *f = *state;
    uint8_t g[128];
    int n = hex_decode(INITIAL_UE_MESSAGE, g, sizeof(g));
    for (int cut = 0; cut < n; cut++) {
        int rc = decode_raw(f, g, cut);
        assert_true(rc == -EBADMSG || rc == -EPROTO);
    }
}

static void test_small_arena_is_enomem(void **state)
{
    struct fixture *f = *state;
    uint8_t g[64];
    int n = hex_decode(S1_SETUP_REQUEST, g, sizeof(g));
    memcpy(f->in, g, (size_t)n);
    aper_arena_init(&f->arena, f->arena_mem, 8);
    assert_int_equal(s1ap_decode(f->in, (size_t)n, &f->pdu, &f->arena, &f->err), -ENOMEM);
    assert_int_equal(f->err.cause, S1AP_DECODE_NO_MEMORY);
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    *state = &f;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_golden_s1_setup_request, setup),
        cmocka_unit_test_setup(test_golden_initial_ue_message, setup),
        cmocka_unit_test_setup(test_golden_initial_context_setup_response, setup),
        cmocka_unit_test_setup(test_roundtrip_with_extension_ies, setup),
        cmocka_unit_test_setup(test_unknown_ie_ignore_is_skipped_silently, setup),
        cmocka_unit_test_setup(test_unknown_ie_notify_is_reported, setup),
        cmocka_unit_test_setup(test_unknown_ie_reject_rejects_message, setup),
        cmocka_unit_test_setup(test_error_indication_from_decode_error, setup),
        cmocka_unit_test_setup(test_missing_mandatory_reject_ie, setup),
        cmocka_unit_test_setup(test_missing_mandatory_ignore_ie_is_tolerated, setup),
        cmocka_unit_test_setup(test_duplicate_ie_is_falsely_constructed, setup),
        cmocka_unit_test_setup(test_wrong_order_is_falsely_constructed, setup),
        cmocka_unit_test_setup(test_bad_value_in_ignore_ies_is_dropped, setup),
        cmocka_unit_test_setup(test_bad_value_in_reject_ie_rejects_message, setup),
        cmocka_unit_test_setup(test_private_message_ies_not_comprehended, setup),
        cmocka_unit_test_setup(test_unknown_procedure_code, setup),
        cmocka_unit_test_setup(test_truncation_is_transfer_syntax_error, setup),
        cmocka_unit_test_setup(test_small_arena_is_enomem, setup),
    };
    return cmocka_run_group_tests_name("s1ap_golden", tests, NULL, NULL);
}
