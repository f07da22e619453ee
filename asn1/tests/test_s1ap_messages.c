/* Round trip of every S1AP message type of issue 4, with distinctive values
 * (asn1/tests/s1ap_samples.c): mandatory IEs only, and every optional and
 * extension IE present.  Each message is encoded, decoded, compared with
 * what was built field by field, and re-encoded to the same bytes.  A few
 * messages are also built by hand through the typed API, the way the MME
 * builds them, and their decoded fields checked one by one.
 *
 * Every encoded message is written to build/test-vectors/s1ap.txt (or
 * $S1AP_VECTORS_OUT) as "<message-name> <hex>" lines; names carry "+opt"
 * for the variant with optional IEs, "/seedN" for other CHOICE alternatives
 * and values, "(api)" for messages built by hand, "/nasN" for a NAS-PDU of
 * N bytes.
 *
 * `test_s1ap_messages --dump` prints, instead of running the tests, one line
 * per message: "<name> <hex> <tshark-field>=<value> ... ids=<IE id,...>",
 * the input of asn1/tests/s1ap_tshark_test.sh. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "s1ap.h"
#include "s1ap_samples.h"

struct state {
    uint8_t fill_mem[1 << 18];
    uint8_t dec_mem[1 << 18];
    uint8_t enc1[1 << 15], enc2[1 << 15];
    char hex[(1 << 16) + 1];
    struct s1ap_pdu pdu, back;
    FILE *vectors;
    char vectors_path[512];         /* written as <path>.tmp, renamed at the end */
};

/* The corpus is read by scripts that may run beside this test (make test
 * runs TEST_JOBS at a time): written under a temporary name and renamed
 * when complete, so that a reader sees the old file or the whole new one. */
static FILE *open_vectors(char *final, size_t final_len)
{
    const char *path = getenv("S1AP_VECTORS_OUT");
    char dir[512];

    if (!path || !*path) {
        path = "build/test-vectors/s1ap.txt";
        mkdir("build", 0755);
        mkdir("build/test-vectors", 0755);
    } else {
        /* create the parent folder if missing (one level is enough for
         * the documented uses) */
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = 0;
            mkdir(dir, 0755);
        }
    }
    char tmp[600];
    snprintf(final, final_len, "%s", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    return fopen(tmp, "w");
}

static int encode_sample_seed(struct state *s, const struct s1ap_sample *smp,
                              enum s1ap_sample_mode mode, uint64_t seed,
                              struct s1ap_sample_expect *exp)
{
    struct aper_arena fa;
    aper_arena_init(&fa, s->fill_mem, sizeof(s->fill_mem));
    int rc = s1ap_sample_build_seed(smp, mode, seed, &s->pdu, &fa, exp);
    if (rc)
        return rc;
    return s1ap_encode(&s->pdu, s->enc1, sizeof(s->enc1));
}

static int encode_sample(struct state *s, const struct s1ap_sample *smp, enum s1ap_sample_mode mode,
                         struct s1ap_sample_expect *exp)
{
    struct aper_arena fa;
    aper_arena_init(&fa, s->fill_mem, sizeof(s->fill_mem));
    int rc = s1ap_sample_build(smp, mode, &s->pdu, &fa, exp);
    if (rc)
        return rc;
    return s1ap_encode(&s->pdu, s->enc1, sizeof(s->enc1));
}

static void roundtrip_one(struct state *s, const struct s1ap_sample *smp, enum s1ap_sample_mode mode,
                          uint64_t seed)
{
    const char *mname = mode == S1AP_SAMPLE_FULL ? "with optional IEs" : "mandatory IEs";
    struct aper_arena da;
    struct s1ap_decode_error err;
    char where[512];

    int n = encode_sample_seed(s, smp, mode, seed, NULL);
    if (n <= 0)
        fail_msg("%s (%s, seed %llu): encode returned %d", smp->name, mname,
                 (unsigned long long)seed, n);
    aper_arena_init(&da, s->dec_mem, sizeof(s->dec_mem));
    int rc = s1ap_decode(s->enc1, (size_t)n, &s->back, &da, &err);
    if (rc)
        fail_msg("%s (%s): decode returned %d (%s: %s in %s at bit %zu)", smp->name, mname, rc,
                 s1ap_decode_cause_str(err.cause), err.detail ? err.detail : "?",
                 err.type_name ? err.type_name : "?", err.bit_offset);
    if (err.cause != S1AP_DECODE_OK || err.n_ies)
        fail_msg("%s (%s): decode reported %s with %u IEs", smp->name, mname,
                 s1ap_decode_cause_str(err.cause), err.n_ies);
    if (s->back.kind != smp->kind || s->back.procedure_code != s->pdu.procedure_code ||
        s->back.type != s->pdu.type || s->back.criticality != s->pdu.criticality)
        fail_msg("%s (%s): header came back as %s, code %u, type %d, criticality %d", smp->name,
                 mname, s1ap_msg_name(s->back.kind), s->back.procedure_code, s->back.type,
                 s->back.criticality);
    if (!s1ap_sample_equal(s1ap_msgs[smp->kind].desc, s1ap_pdu_msg(&s->pdu),
                           s1ap_pdu_msg(&s->back), where, sizeof(where)))
        fail_msg("%s (%s, seed %llu): decoded value differs at %s", smp->name, mname,
                 (unsigned long long)seed, where);
    int m = s1ap_encode(&s->back, s->enc2, sizeof(s->enc2));
    if (m != n || memcmp(s->enc1, s->enc2, (size_t)n))
        fail_msg("%s (%s): re-encoding differs (%d bytes, then %d)", smp->name, mname, n, m);
    if (s->vectors) {
        s1ap_sample_hex(s->enc1, (size_t)n, s->hex);
        if (seed)
            fprintf(s->vectors, "%s+opt/seed%llu %s\n", smp->name, (unsigned long long)seed, s->hex);
        else
            fprintf(s->vectors, "%s%s %s\n", smp->name, mode == S1AP_SAMPLE_FULL ? "+opt" : "",
                    s->hex);
    }
}

static void test_every_message_mandatory_ies_only(void **state)
{
    struct state *s = *state;
    for (unsigned i = 0; i < s1ap_n_samples; i++)
        roundtrip_one(s, &s1ap_samples[i], S1AP_SAMPLE_MANDATORY, 0);
}

static void test_every_message_with_optional_and_extension_ies(void **state)
{
    struct state *s = *state;
    for (unsigned i = 0; i < s1ap_n_samples; i++)
        roundtrip_one(s, &s1ap_samples[i], S1AP_SAMPLE_FULL, 0);
}

/* other CHOICE alternatives, ENUMERATED items and values */
static void test_every_message_other_alternatives(void **state)
{
    struct state *s = *state;
    for (uint64_t seed = 1; seed <= 16; seed++)
        for (unsigned i = 0; i < s1ap_n_samples; i++)
            roundtrip_one(s, &s1ap_samples[i], S1AP_SAMPLE_FULL, seed);
}

/* The variant with optional IEs must really be longer: the test would pass
 * vacuously if the builder set no optional IE. */
static bool has_optional_ie(const struct aper_type *t)
{
    /* a message is SEQUENCE { protocolIEs ProtocolIE-Container, ... } */
    if (t->kind == APER_SEQUENCE && t->n_items >= 1)
        t = t->members[0].type;
    for (unsigned i = 0; i < t->n_ies; i++)
        if (t->ies[i].present_offset >= 0)
            return true;
    return false;
}

static void test_optional_variant_adds_ies(void **state)
{
    struct state *s = *state;
    unsigned with_opt = 0;
    for (unsigned i = 0; i < s1ap_n_samples; i++) {
        const struct aper_type *t = s1ap_msgs[s1ap_samples[i].kind].desc;
        int a = encode_sample(s, &s1ap_samples[i], S1AP_SAMPLE_MANDATORY, NULL);
        int b = encode_sample(s, &s1ap_samples[i], S1AP_SAMPLE_FULL, NULL);
        assert_true(a > 0 && b > 0);
        if (!has_optional_ie(t))
            continue;      /* e.g. NAS Non Delivery Indication: all mandatory */
        with_opt++;
        if (b <= a)
            fail_msg("%s: the variant with optional IEs is not longer (%d vs %d bytes)",
                     s1ap_samples[i].name, b, a);
    }
    if (with_opt < 40)
        fail_msg("only %u message types have optional IEs", with_opt);
}

/* Every sample name is distinct and covers every kind the issue lists. */
static void test_sample_table_covers_issue_list(void **state)
{
    (void)state;
    assert_int_equal(s1ap_n_samples, 53);
    for (unsigned i = 0; i < s1ap_n_samples; i++)
        for (unsigned j = i + 1; j < s1ap_n_samples; j++)
            if (!strcmp(s1ap_samples[i].name, s1ap_samples[j].name))
                fail_msg("sample %s listed twice", s1ap_samples[i].name);
}

/* ---- hand-built messages, the way the MME builds them ---- */

static int encode_decode(struct state *s, struct aper_arena *da)
{
    struct s1ap_decode_error err;
    int n = s1ap_encode(&s->pdu, s->enc1, sizeof(s->enc1));
    if (n <= 0)
        fail_msg("%s: encode returned %d", s1ap_msg_name(s->pdu.kind), n);
    aper_arena_init(da, s->dec_mem, sizeof(s->dec_mem));
    int rc = s1ap_decode(s->enc1, (size_t)n, &s->back, da, &err);
    if (rc)
        fail_msg("%s: decode returned %d: %s", s1ap_msg_name(s->pdu.kind), rc,
                 err.detail ? err.detail : "?");
    assert_int_equal(s->back.kind, s->pdu.kind);
    if (s->vectors) {
        s1ap_sample_hex(s->enc1, (size_t)n, s->hex);
        fprintf(s->vectors, "%s(api) %s\n", s1ap_msg_name(s->pdu.kind), s->hex);
    }
    return n;
}

static void test_initial_context_setup_request_two_erabs(void **state)
{
    struct state *s = *state;
    struct aper_arena da;
    static const uint8_t key[32] = { 0xc4, 0xc7, 0xbc, 0x79, 0x8a, 0xb9, 0x4e, 0x3d, 0x35, 0x4c, 0xd6,
                                     0x60, 0x8e, 0x79, 0xaa, 0x92, 0xf5, 0x56, 0x9d, 0xf4, 0x65, 0x19,
                                     0x50, 0x78, 0x50, 0x05, 0x1e, 0x36, 0xf0, 0x18, 0xca, 0x5f };
    static const uint8_t eea[2] = { 0xe0, 0x00 }, eia[2] = { 0xc0, 0x00 };
    static const uint8_t sgw[4] = { 10, 1, 35, 198 };
    static const uint8_t nas[] = { 0x27, 0x11, 0x22, 0x33, 0x44, 0x05, 0x07, 0x42 };
    s1ap_E_RABToBeSetupItemCtxtSUReq items[2];

    assert_int_equal(s1ap_pdu_init(&s->pdu, S1AP_MSG_InitialContextSetupRequest), 0);
    s1ap_InitialContextSetupRequest *m = &s->pdu.u.InitialContextSetupRequest;
    m->MME_UE_S1AP_ID = 33554623;
    m->eNB_UE_S1AP_ID = 1;
    m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = 200000000;
    m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = 100000000;
    memset(items, 0, sizeof(items));
    for (unsigned i = 0; i < 2; i++) {
        items[i].e_RAB_ID = (uint8_t)(5 + i);
        items[i].e_RABlevelQoSParameters.qCI = (uint8_t)(9 - i);
        items[i].e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel = 15;
        items[i].transportLayerAddress = (struct aper_bits){ sgw, 32 };
        items[i].gTP_TEID[3] = (uint8_t)(0x08 + i);
        items[i].gTP_TEID[0] = 0x01;
    }
    /* only the first E-RAB carries the NAS PDU: optional present and absent */
    items[0].nAS_PDU_present = true;
    items[0].nAS_PDU = (struct aper_octets){ nas, sizeof(nas) };
    m->E_RABToBeSetupListCtxtSUReq.count = 2;
    m->E_RABToBeSetupListCtxtSUReq.items = items;
    m->UESecurityCapabilities.encryptionAlgorithms = (struct aper_bits){ eea, 16 };
    m->UESecurityCapabilities.integrityProtectionAlgorithms = (struct aper_bits){ eia, 16 };
    m->SecurityKey = (struct aper_bits){ key, 256 };
    m->SubscriberProfileIDforRFP_present = true;
    m->SubscriberProfileIDforRFP = 256;
    encode_decode(s, &da);

    const s1ap_InitialContextSetupRequest *d = &s->back.u.InitialContextSetupRequest;
    assert_int_equal(d->MME_UE_S1AP_ID, 33554623);
    assert_int_equal(d->eNB_UE_S1AP_ID, 1);
    assert_true(d->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL == 200000000);
    assert_true(d->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL == 100000000);
    assert_int_equal(d->E_RABToBeSetupListCtxtSUReq.count, 2);
    for (unsigned i = 0; i < 2; i++) {
        const s1ap_E_RABToBeSetupItemCtxtSUReq *it = &d->E_RABToBeSetupListCtxtSUReq.items[i];
        assert_int_equal(it->e_RAB_ID, 5 + i);
        assert_int_equal(it->e_RABlevelQoSParameters.qCI, 9 - i);
        assert_int_equal(it->e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel, 15);
        assert_int_equal(it->transportLayerAddress.nbits, 32);
        assert_memory_equal(it->transportLayerAddress.buf, sgw, 4);
        assert_int_equal(it->gTP_TEID[0], 0x01);
        assert_int_equal(it->gTP_TEID[3], 0x08 + i);
        assert_int_equal(it->nAS_PDU_present, i == 0);
    }
    assert_int_equal(d->E_RABToBeSetupListCtxtSUReq.items[0].nAS_PDU.len, sizeof(nas));
    assert_memory_equal(d->E_RABToBeSetupListCtxtSUReq.items[0].nAS_PDU.buf, nas, sizeof(nas));
    assert_int_equal(d->SecurityKey.nbits, 256);
    assert_memory_equal(d->SecurityKey.buf, key, 32);
    assert_int_equal(d->UESecurityCapabilities.encryptionAlgorithms.nbits, 16);
    assert_memory_equal(d->UESecurityCapabilities.encryptionAlgorithms.buf, eea, 2);
    assert_true(d->SubscriberProfileIDforRFP_present);
    assert_int_equal(d->SubscriberProfileIDforRFP, 256);
    assert_false(d->TraceActivation_present);
    assert_false(d->HandoverRestrictionList_present);
    assert_false(d->UERadioCapability_present);
}

static void test_reset_partial_and_full(void **state)
{
    struct state *s = *state;
    struct aper_arena da;
    s1ap_UE_associatedLogicalS1_ConnectionItem conns[3];

    memset(conns, 0, sizeof(conns));
    conns[0].mME_UE_S1AP_ID_present = true;
    conns[0].mME_UE_S1AP_ID = 4000000000u;
    conns[1].eNB_UE_S1AP_ID_present = true;
    conns[1].eNB_UE_S1AP_ID = 0xffffff;
    conns[2].mME_UE_S1AP_ID_present = conns[2].eNB_UE_S1AP_ID_present = true;
    conns[2].mME_UE_S1AP_ID = 7;
    conns[2].eNB_UE_S1AP_ID = 8;

    assert_int_equal(s1ap_pdu_init(&s->pdu, S1AP_MSG_Reset), 0);
    s->pdu.u.Reset.Cause.present = S1AP_Cause_PR_radioNetwork;
    s->pdu.u.Reset.Cause.u.radioNetwork = S1AP_CauseRadioNetwork_user_inactivity;
    s->pdu.u.Reset.ResetType.present = S1AP_ResetType_PR_partOfS1_Interface;
    s->pdu.u.Reset.ResetType.u.partOfS1_Interface.count = 3;
    s->pdu.u.Reset.ResetType.u.partOfS1_Interface.items = conns;
    encode_decode(s, &da);
    const s1ap_Reset *d = &s->back.u.Reset;
    assert_int_equal(d->Cause.present, S1AP_Cause_PR_radioNetwork);
    assert_int_equal(d->Cause.u.radioNetwork, S1AP_CauseRadioNetwork_user_inactivity);
    assert_int_equal(d->ResetType.present, S1AP_ResetType_PR_partOfS1_Interface);
    assert_int_equal(d->ResetType.u.partOfS1_Interface.count, 3);
    const s1ap_UE_associatedLogicalS1_ConnectionItem *c = d->ResetType.u.partOfS1_Interface.items;
    assert_true(c[0].mME_UE_S1AP_ID_present && !c[0].eNB_UE_S1AP_ID_present);
    assert_int_equal(c[0].mME_UE_S1AP_ID, 4000000000u);
    assert_true(!c[1].mME_UE_S1AP_ID_present && c[1].eNB_UE_S1AP_ID_present);
    assert_int_equal(c[1].eNB_UE_S1AP_ID, 0xffffff);
    assert_true(c[2].mME_UE_S1AP_ID_present && c[2].eNB_UE_S1AP_ID_present);
    assert_int_equal(c[2].mME_UE_S1AP_ID, 7);
    assert_int_equal(c[2].eNB_UE_S1AP_ID, 8);

    assert_int_equal(s1ap_pdu_init(&s->pdu, S1AP_MSG_Reset), 0);
    s->pdu.u.Reset.Cause.present = S1AP_Cause_PR_misc;
    s->pdu.u.Reset.Cause.u.misc = 0;
    s->pdu.u.Reset.ResetType.present = S1AP_ResetType_PR_s1_Interface;
    s->pdu.u.Reset.ResetType.u.s1_Interface = S1AP_ResetAll_reset_all;
    encode_decode(s, &da);
    assert_int_equal(s->back.u.Reset.ResetType.present, S1AP_ResetType_PR_s1_Interface);
    assert_int_equal(s->back.u.Reset.Cause.present, S1AP_Cause_PR_misc);
}

/* An out-of-range value is refused by the encoder, not truncated. */
static void test_encode_refuses_out_of_range(void **state)
{
    struct state *s = *state;
    static const uint8_t nas[] = { 0x07, 0x55, 0x01 };
    assert_int_equal(s1ap_pdu_init(&s->pdu, S1AP_MSG_UplinkNASTransport), 0);
    s->pdu.u.UplinkNASTransport.MME_UE_S1AP_ID = 1;
    s->pdu.u.UplinkNASTransport.eNB_UE_S1AP_ID = 0x1000000;   /* 24 bits max */
    s->pdu.u.UplinkNASTransport.NAS_PDU = (struct aper_octets){ nas, sizeof(nas) };
    assert_int_equal(s1ap_encode(&s->pdu, s->enc1, sizeof(s->enc1)), -ERANGE);
    /* and a buffer too small is -ENOSPC */
    s->pdu.u.UplinkNASTransport.eNB_UE_S1AP_ID = 1;
    assert_int_equal(s1ap_encode(&s->pdu, s->enc1, 5), -ENOSPC);
}

/* Lengths of 16K and more are fragmented (X.691 11.9.3.8), at three levels
 * here: the message value, the IE value and the NAS-PDU itself. */
static int build_long_dl_nas(struct s1ap_pdu *pdu, uint8_t *nas, size_t len)
{
    for (size_t i = 0; i < len; i++)
        nas[i] = (uint8_t)(i * 7 + (i >> 8));
    nas[0] = 0x07;                       /* EMM information, plain */
    nas[1] = 0x61;
    int rc = s1ap_pdu_init(pdu, S1AP_MSG_DownlinkNASTransport);
    pdu->u.DownlinkNASTransport.MME_UE_S1AP_ID = 0xffffffffu;   /* the maxima */
    pdu->u.DownlinkNASTransport.eNB_UE_S1AP_ID = 0xffffff;
    pdu->u.DownlinkNASTransport.NAS_PDU = (struct aper_octets){ nas, (uint32_t)len };
    return rc;
}

static void test_long_nas_pdu_fragmented_lengths(void **state)
{
    struct state *s = *state;
    static const size_t sizes[] = { 127, 128, 16383, 16384, 16385, 32768, 49152, 65535, 65536, 70000 };
    size_t cap = 70000 + 64;
    uint8_t *nas = malloc(70000), *enc = malloc(cap), *enc2 = malloc(cap), *arena = malloc(1 << 20);
    assert_true(nas && enc && enc2 && arena);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct aper_arena a;
        struct s1ap_decode_error err;
        assert_int_equal(build_long_dl_nas(&s->pdu, nas, sizes[k]), 0);
        int n = s1ap_encode(&s->pdu, enc, cap);
        if (n <= (int)sizes[k])
            fail_msg("NAS-PDU of %zu bytes: encode returned %d", sizes[k], n);
        aper_arena_init(&a, arena, 1 << 20);
        int rc = s1ap_decode(enc, (size_t)n, &s->back, &a, &err);
        if (rc)
            fail_msg("NAS-PDU of %zu bytes: decode %d (%s)", sizes[k], rc, err.detail ? err.detail : "?");
        const s1ap_DownlinkNASTransport *d = &s->back.u.DownlinkNASTransport;
        assert_int_equal(d->MME_UE_S1AP_ID, 0xffffffffu);
        assert_int_equal(d->eNB_UE_S1AP_ID, 0xffffff);
        assert_int_equal(d->NAS_PDU.len, sizes[k]);
        assert_memory_equal(d->NAS_PDU.buf, nas, sizes[k]);
        assert_int_equal(s1ap_encode(&s->back, enc2, cap), n);
        assert_memory_equal(enc2, enc, (size_t)n);
        if (s->vectors) {
            char *hex = malloc(2 * (size_t)n + 1);
            assert_non_null(hex);
            s1ap_sample_hex(enc, (size_t)n, hex);
            fprintf(s->vectors, "DownlinkNASTransport/nas%zu %s\n", sizes[k], hex);
            free(hex);
        }
        /* every byte cut: an error, never a crash */
        if (sizes[k] == 16385)
            for (int cut = n - 40; cut < n; cut++)
                assert_true(s1ap_decode(enc, (size_t)cut, &s->back, &a, &err) < 0);
    }
    free(nas);
    free(enc);
    free(enc2);
    free(arena);
}

static int setup(void **state)
{
    struct state *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->vectors = open_vectors(s->vectors_path, sizeof(s->vectors_path));
    if (!s->vectors)
        fprintf(stderr, "# cannot write the S1AP test vectors (S1AP_VECTORS_OUT)\n");
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct state *s = *state;
    if (s->vectors) {
        char tmp[600];
        snprintf(tmp, sizeof(tmp), "%s.tmp", s->vectors_path);
        if (fclose(s->vectors) || rename(tmp, s->vectors_path))
            fprintf(stderr, "# cannot write the S1AP test vectors to %s\n", s->vectors_path);
    }
    free(s);
    return 0;
}


/* Names real eNBs send that PrintableString does not allow ('_', '"', '@'
 * are outside X.680 41's set); the decoder keeps them (IE criticality
 * ignore) and reports a warning. */
static const char *const lenient_names[] = { "eNB_1", "\"RADISYS\"", "lab@site-3" };
#define N_LENIENT ((unsigned)(sizeof(lenient_names) / sizeof(lenient_names[0])))

static const struct s1ap_sample *sample_of(enum s1ap_msg_kind kind)
{
    for (unsigned i = 0; i < s1ap_n_samples; i++)
        if (s1ap_samples[i].kind == kind)
            return &s1ap_samples[i];
    return NULL;
}

/* S1 Setup Request with eNBname = name (mme false), or S1 Setup Response
 * with MMEname = name; all optional IEs.  Returns the encoded length. */
static int encode_named(struct state *s, const char *name, bool mme)
{
    const struct s1ap_sample *smp =
        sample_of(mme ? S1AP_MSG_S1SetupResponse : S1AP_MSG_S1SetupRequest);
    struct aper_octets o = { (const uint8_t *)name, (uint32_t)strlen(name) };

    if (!smp)
        return -ENOENT;
    int n = encode_sample(s, smp, S1AP_SAMPLE_FULL, NULL);
    if (n <= 0)
        return n;
    if (mme) {
        s->pdu.u.S1SetupResponse.MMEname_present = true;
        s->pdu.u.S1SetupResponse.MMEname = o;
    } else {
        s->pdu.u.S1SetupRequest.eNBname_present = true;
        s->pdu.u.S1SetupRequest.eNBname = o;
    }
    return s1ap_encode(&s->pdu, s->enc1, sizeof(s->enc1));
}

static void test_name_outside_printablestring_kept_and_reported(void **state)
{
    struct state *s = *state;
    struct aper_arena da;
    struct s1ap_decode_error err;

    for (unsigned k = 0; k < 2 * N_LENIENT; k++) {
        const char *name = lenient_names[k % N_LENIENT];
        bool mme = k >= N_LENIENT;
        int n = encode_named(s, name, mme);
        assert_true(n > 0);
        aper_arena_init(&da, s->dec_mem, sizeof(s->dec_mem));
        int rc = s1ap_decode(s->enc1, (size_t)n, &s->back, &da, &err);
        if (rc || err.cause != S1AP_DECODE_OK || err.n_ies)
            fail_msg("%s: decode %d, %s, %u IEs", name, rc, s1ap_decode_cause_str(err.cause),
                     err.n_ies);
        const struct aper_octets *got = mme ? &s->back.u.S1SetupResponse.MMEname
                                            : &s->back.u.S1SetupRequest.eNBname;
        bool present = mme ? s->back.u.S1SetupResponse.MMEname_present
                           : s->back.u.S1SetupRequest.eNBname_present;
        if (!present)
            fail_msg("%s: the %s name was dropped", name, mme ? "MME" : "eNB");
        assert_int_equal(got->len, strlen(name));
        assert_memory_equal(got->buf, name, strlen(name));
        /* the deviation is visible to the caller */
        assert_int_equal(err.n_warnings, 1);
        assert_int_equal(err.warnings[0].ie_id, mme ? S1AP_id_MMEname : S1AP_id_eNBname);
        assert_int_equal(err.warnings[0].kind, APER_WARN_CHARSET);
        assert_string_equal(err.warnings[0].type_name, mme ? "MMEname" : "ENBname");
        /* re-encoded as it came */
        int m = s1ap_encode(&s->back, s->enc2, sizeof(s->enc2));
        assert_int_equal(m, n);
        assert_memory_equal(s->enc1, s->enc2, (size_t)n);
        if (s->vectors) {
            s1ap_sample_hex(s->enc1, (size_t)n, s->hex);
            fprintf(s->vectors, "%s/name%u %s\n", mme ? "S1SetupResponse" : "S1SetupRequest",
                    k % N_LENIENT, s->hex);
        }
    }
    /* a PrintableString name: no warning */
    int n = encode_named(s, "JLT-621 (lab)", false);
    aper_arena_init(&da, s->dec_mem, sizeof(s->dec_mem));
    assert_int_equal(s1ap_decode(s->enc1, (size_t)n, &s->back, &da, &err), 0);
    assert_int_equal(err.n_warnings, 0);
}

/* The leniency is for criticality ignore only: the same name in an IE sent
 * with criticality reject is refused as before (TS 36.413 10.3.4.2). */
static void test_name_outside_printablestring_with_reject_refused(void **state)
{
    struct state *s = *state;
    struct aper_arena da;
    struct s1ap_decode_error err;
    int n = encode_named(s, "eNB_1", false);
    int at = -1;

    assert_true(n > 0);
    /* ProtocolIE-Field: id 60 (2 octets), criticality ignore (0x40) */
    for (int i = 0; i + 2 < n; i++)
        if (s->enc1[i] == 0 && s->enc1[i + 1] == S1AP_id_eNBname && s->enc1[i + 2] == 0x40) {
            at = i + 2;
            break;
        }
    assert_true(at > 0);
    s->enc1[at] = 0x00;
    aper_arena_init(&da, s->dec_mem, sizeof(s->dec_mem));
    assert_int_equal(s1ap_decode(s->enc1, (size_t)n, &s->back, &da, &err), -EPROTO);
    assert_int_equal(err.cause, S1AP_DECODE_ABSTRACT_REJECT);
    assert_int_equal(err.ies[0].id, S1AP_id_eNBname);
    assert_int_equal(err.n_warnings, 0);
}

/* s1ap_sample_equal on empty BIT STRINGs (no buffer): no memcmp(NULL, ...)
 * (a UBSan report, fatal in the test build). */
static void test_sample_equal_empty_bit_strings(void **state)
{
    (void)state;
    struct aper_bits a = { NULL, 0 }, b = { NULL, 0 };
    char where[128];
    assert_true(s1ap_sample_equal(&s1ap_desc_TransportLayerAddress, &a, &b, where, sizeof(where)));
}

/* --dump [SEEDS]: "<name> <hex> field=value ..." for the tshark test. */
static int dump(int dump_seeds)
{
    struct state *s = calloc(1, sizeof(*s));
    struct s1ap_sample_expect exp;
    int rc = 0;

    if (!s)
        return 1;
    /* mandatory only, all optional IEs, and all optional IEs with other
     * CHOICE alternatives, enumerations and values (seeds 1..dump_seeds) */
    for (int pass = 0; pass < 2 + dump_seeds; pass++)
        for (unsigned i = 0; i < s1ap_n_samples; i++) {
            int mode = pass ? 1 : 0;
            uint64_t seed = pass >= 2 ? (uint64_t)pass - 1 : 0;
            int n = encode_sample_seed(s, &s1ap_samples[i], (enum s1ap_sample_mode)mode, seed, &exp);
            if (n <= 0) {
                fprintf(stderr, "%s: encode failed (%d)\n", s1ap_samples[i].name, n);
                rc = 1;
                continue;
            }
            s1ap_sample_hex(s->enc1, (size_t)n, s->hex);
            if (seed)
                printf("%s+opt/seed%llu %s", s1ap_samples[i].name, (unsigned long long)seed, s->hex);
            else
                printf("%s%s %s", s1ap_samples[i].name, mode ? "+opt" : "", s->hex);
            for (unsigned k = 0; k < exp.n; k++)
                printf(" %s=%s", exp.e[k].field, exp.e[k].value);
            /* every IE id, for a multiset comparison with tshark's s1ap.id */
            uint16_t ids[1024];
            unsigned nid = s1ap_sample_ie_ids(s1ap_msgs[s1ap_samples[i].kind].desc,
                                              s1ap_pdu_msg(&s->pdu), ids, 1024);
            if (nid > 1024) {
                fprintf(stderr, "%s: more than 1024 IEs\n", s1ap_samples[i].name);
                rc = 1;
                nid = 1024;
            }
            printf(" ids=");
            for (unsigned k = 0; k < nid; k++)
                printf("%s%u", k ? "," : "", ids[k]);
            putchar('\n');
        }
    /* names outside PrintableString, re-encoded as they came */
    for (unsigned k = 0; k < 2 * N_LENIENT; k++) {
        bool mme = k >= N_LENIENT;
        int n = encode_named(s, lenient_names[k % N_LENIENT], mme);
        uint16_t ids[256];
        if (n <= 0) {
            fprintf(stderr, "lenient name %u: encode failed (%d)\n", k, n);
            rc = 1;
            continue;
        }
        s1ap_sample_hex(s->enc1, (size_t)n, s->hex);
        printf("%s/name%u %s s1ap.procedureCode=17 s1ap.%s=%s ids=",
               mme ? "S1SetupResponse" : "S1SetupRequest", k % N_LENIENT, s->hex,
               mme ? "MMEname" : "ENBname", lenient_names[k % N_LENIENT]);
        unsigned nid = s1ap_sample_ie_ids(s1ap_msgs[s->pdu.kind].desc, s1ap_pdu_msg(&s->pdu),
                                          ids, 256);
        for (unsigned i = 0; i < nid && i < 256; i++)
            printf("%s%u", i ? "," : "", ids[i]);
        putchar('\n');
    }
    /* a 20000-byte NAS-PDU: fragmented lengths, maximal UE S1AP IDs */
    static uint8_t nas[20000], enc[20100];
    if (build_long_dl_nas(&s->pdu, nas, sizeof(nas)))
        return 1;
    int n = s1ap_encode(&s->pdu, enc, sizeof(enc));
    if (n <= 0) {
        fprintf(stderr, "long DownlinkNASTransport: encode failed (%d)\n", n);
        rc = 1;
    } else {
        char *hex = malloc(2 * (size_t)n + 1);
        if (!hex)
            return 1;
        s1ap_sample_hex(enc, (size_t)n, hex);
        printf("DownlinkNASTransport/nas20000 %s s1ap.procedureCode=11 "
               "s1ap.MME_UE_S1AP_ID=4294967295 s1ap.ENB_UE_S1AP_ID=16777215 ids=0,8,26\n", hex);
        free(hex);
    }
    free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--dump"))
        return dump(argc > 2 ? atoi(argv[2]) : 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_table_covers_issue_list),
        cmocka_unit_test(test_every_message_mandatory_ies_only),
        cmocka_unit_test(test_every_message_with_optional_and_extension_ies),
        cmocka_unit_test(test_every_message_other_alternatives),
        cmocka_unit_test(test_optional_variant_adds_ies),
        cmocka_unit_test(test_initial_context_setup_request_two_erabs),
        cmocka_unit_test(test_reset_partial_and_full),
        cmocka_unit_test(test_encode_refuses_out_of_range),
        cmocka_unit_test(test_long_nas_pdu_fragmented_lengths),
        cmocka_unit_test(test_name_outside_printablestring_kept_and_reported),
        cmocka_unit_test(test_name_outside_printablestring_with_reject_refused),
        cmocka_unit_test(test_sample_equal_empty_bit_strings),
    };
    return cmocka_run_group_tests_name("s1ap_messages", tests, setup, teardown);
}
