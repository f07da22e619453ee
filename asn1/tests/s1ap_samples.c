/* Sample S1AP messages with distinctive values: see s1ap_samples.h.
 * The builder walks the generated descriptors (struct aper_type), so that
 * every IE and component of every listed message is reached without a
 * hand-written line per message; the values that matter in a trace are
 * chosen by ASN.1 type name. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s1ap_samples.h"

const uint8_t s1ap_sample_plmn[3] = { 0x02, 0xf8, 0x39 };
const uint8_t s1ap_sample_nas_pdu[3] = { 0x07, 0x55, 0x01 };

#define S(k) { #k, S1AP_MSG_##k, 0 }
const struct s1ap_sample s1ap_samples[] = {
    S(S1SetupRequest), S(S1SetupResponse), S(S1SetupFailure),
    S(ENBConfigurationUpdate), S(ENBConfigurationUpdateAcknowledge),
    S(ENBConfigurationUpdateFailure),
    S(MMEConfigurationUpdate), S(MMEConfigurationUpdateAcknowledge),
    S(MMEConfigurationUpdateFailure),
    S(InitialUEMessage), S(UplinkNASTransport), S(DownlinkNASTransport),
    S(NASNonDeliveryIndication),
    S(InitialContextSetupRequest), S(InitialContextSetupResponse),
    S(InitialContextSetupFailure),
    S(UEContextReleaseRequest), S(UEContextReleaseCommand), S(UEContextReleaseComplete),
    S(UEContextModificationRequest), S(UEContextModificationResponse),
    S(UEContextModificationFailure),
    S(UECapabilityInfoIndication),
    S(E_RABSetupRequest), S(E_RABSetupResponse),
    S(E_RABModifyRequest), S(E_RABModifyResponse),
    S(E_RABReleaseCommand), S(E_RABReleaseResponse), S(E_RABReleaseIndication),
    S(E_RABModificationIndication), S(E_RABModificationConfirm),
    S(Paging),
    S(PathSwitchRequest), S(PathSwitchRequestAcknowledge), S(PathSwitchRequestFailure),
    S(HandoverRequired), S(HandoverCommand), S(HandoverPreparationFailure),
    S(HandoverRequest), S(HandoverRequestAcknowledge), S(HandoverFailure),
    S(HandoverNotify), S(HandoverCancel), S(HandoverCancelAcknowledge),
    S(ENBStatusTransfer), S(MMEStatusTransfer),
    { "ResetFull", S1AP_MSG_Reset, 0 },
    { "ResetPartial", S1AP_MSG_Reset, 1 },
    S(ResetAcknowledge),
    S(ErrorIndication),
    S(ENBConfigurationTransfer), S(MMEConfigurationTransfer),
};
#undef S
const unsigned s1ap_n_samples = sizeof(s1ap_samples) / sizeof(s1ap_samples[0]);

struct builder {
    enum s1ap_sample_mode mode;
    const struct s1ap_sample *sample;
    struct aper_arena *arena;
    struct s1ap_sample_expect *exp;
    uint64_t seq;           /* source of the non-distinctive values */
    unsigned erab;          /* next E-RAB ID */
    uint64_t seed;
    int err;
};

static void expect(struct builder *b, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void expect(struct builder *b, const char *field, const char *fmt, ...)
{
    struct s1ap_sample_expect *x = b->exp;
    char value[sizeof(x->e[0].value)];
    va_list ap;

    if (!x)
        return;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    for (unsigned i = 0; i < x->n; i++)
        if (!strcmp(x->e[i].field, field) && !strcmp(x->e[i].value, value))
            return;
    if (x->n == S1AP_SAMPLE_MAX_EXPECT)
        return;
    snprintf(x->e[x->n].field, sizeof(x->e[0].field), "%s", field);
    snprintf(x->e[x->n].value, sizeof(x->e[0].value), "%s", value);
    x->n++;
}

static uint64_t next(struct builder *b)
{
    b->seq = b->seq * 6364136223846793005ull + 1442695040888963407ull;
    return b->seq >> 17;
}

static void *alloc(struct builder *b, size_t n)
{
    void *p = aper_arena_alloc(b->arena, n ? n : 1, 8);
    if (!p)
        b->err = -ENOMEM;
    return p;
}

static void put_uint(const struct aper_type *t, void *v, uint64_t x)
{
    switch (t->repr) {
    case APER_R_U8:  *(uint8_t *)v = (uint8_t)x; break;
    case APER_R_U16: *(uint16_t *)v = (uint16_t)x; break;
    case APER_R_U32: *(uint32_t *)v = (uint32_t)x; break;
    case APER_R_U64: *(uint64_t *)v = x; break;
    case APER_R_I32: *(int32_t *)v = (int32_t)x; break;
    case APER_R_I64: *(int64_t *)v = (int64_t)x; break;
    default: break;
    }
}

static void fill_integer(struct builder *b, const struct aper_type *t, void *v)
{
    if (!strcmp(t->name, "ENB-UE-S1AP-ID")) {
        put_uint(t, v, S1AP_SAMPLE_ENB_UE_ID);
        expect(b, "s1ap.ENB_UE_S1AP_ID", "%u", S1AP_SAMPLE_ENB_UE_ID);
        return;
    }
    if (!strcmp(t->name, "MME-UE-S1AP-ID")) {
        put_uint(t, v, S1AP_SAMPLE_MME_UE_ID);
        expect(b, "s1ap.MME_UE_S1AP_ID", "%u", S1AP_SAMPLE_MME_UE_ID);
        return;
    }
    if (!strcmp(t->name, "E-RAB-ID")) {
        put_uint(t, v, b->erab);
        expect(b, "s1ap.e_RAB_ID", "%u", b->erab);
        b->erab = b->erab == 15 ? 0 : b->erab + 1;
        return;
    }
    aper_int_t lo = t->c.has_lb ? t->c.lb : 0;
    aper_int_t hi = t->c.has_ub ? t->c.ub : lo + 100000;
    aper_int_t span = hi - lo;
    uint64_t r = next(b);
    aper_int_t x = span >= (aper_int_t)UINT64_MAX ? lo + (aper_int_t)r
                                                  : lo + (aper_int_t)(r % ((uint64_t)span + 1));
    put_uint(t, v, (uint64_t)x);
}

static void fill_bytes(struct builder *b, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)next(b);
}

static size_t pick_size(const struct aper_type *t, size_t want)
{
    size_t lo = t->c.has_lb ? (size_t)t->c.lb : 0;
    size_t hi = t->c.has_ub ? (size_t)t->c.ub : want;
    size_t n = want < lo ? lo : want;
    return n > hi ? hi : n;
}

static void set_octets(struct builder *b, struct aper_octets *o, const void *p, size_t n)
{
    uint8_t *m = alloc(b, n);
    if (!m)
        return;
    memcpy(m, p, n);
    o->buf = m;
    o->len = (uint32_t)n;
}

/* OCTET STRINGs whose contents tshark's S1AP dissector decodes with another
 * protocol's code directly (so --disable-protocol does not reach it): NGAP
 * (TS 38.413) MDT-Configuration and SONConfigurationTransfer, and the MS
 * Classmarks of TS 24.008.  Arbitrary bytes there would be reported as
 * malformed by tshark although the S1AP encoding is right. */
static bool foreign_encoding(const char *name)
{
    static const char *const names[] = { "MDT-ConfigurationNR", "IntersystemSONConfigurationTransfer",
                                         "MSClassmark2", "MSClassmark3" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

static void fill_octet_string(struct builder *b, const struct aper_type *t, void *v)
{
    if (!strcmp(t->name, "TBCD-STRING")) {      /* PLMNidentity */
        memcpy(v, s1ap_sample_plmn, 3);
        expect(b, "s1ap.pLMNidentity", "02f839");
        return;
    }
    if (!strcmp(t->name, "TAC")) {
        ((uint8_t *)v)[0] = S1AP_SAMPLE_TAC >> 8;
        ((uint8_t *)v)[1] = S1AP_SAMPLE_TAC & 0xff;
        expect(b, "s1ap.tAC", "%u", S1AP_SAMPLE_TAC);
        return;
    }
    if (!strcmp(t->name, "GTP-TEID")) {
        uint8_t *p = v;
        p[0] = S1AP_SAMPLE_TEID >> 24;
        p[1] = (S1AP_SAMPLE_TEID >> 16) & 0xff;
        p[2] = (S1AP_SAMPLE_TEID >> 8) & 0xff;
        p[3] = S1AP_SAMPLE_TEID & 0xff;
        expect(b, "s1ap.gTP_TEID", "%08x", S1AP_SAMPLE_TEID);
        return;
    }
    if (t->repr == APER_R_ARRAY) {
        fill_bytes(b, v, (size_t)t->c.ub);
        /* TS 32.422: E-UTRAN Trace ID = MCC+MNC (3 octets) + Trace ID */
        if (!strcmp(t->name, "E-UTRAN-Trace-ID"))
            memcpy(v, s1ap_sample_plmn, 3);
        return;
    }
    if (!strcmp(t->name, "IMSI")) {
        /* TS 23.003 IMSI 001010123456789 in TBCD, as tshark checks it */
        static const uint8_t imsi[8] = { 0x00, 0x01, 0x01, 0x21, 0x43, 0x65, 0x87, 0xf9 };
        set_octets(b, v, imsi, sizeof(imsi));
        return;
    }
    if (!strcmp(t->name, "NAS-PDU")) {
        set_octets(b, v, s1ap_sample_nas_pdu, sizeof(s1ap_sample_nas_pdu));
        expect(b, "s1ap.NAS_PDU", "075501");
        return;
    }
    size_t n = pick_size(t, b->mode == S1AP_SAMPLE_FULL ? 9 : 4);
    uint8_t tmp[64];
    uint8_t *p = n <= sizeof(tmp) ? tmp : alloc(b, n);
    if (!p)
        return;
    fill_bytes(b, p, n);
    if (foreign_encoding(t->name)) {
        /* all-zero: the smallest valid value of the carried encoding */
        n = pick_size(t, 60);
        p = n <= sizeof(tmp) ? tmp : alloc(b, n);
        if (!p)
            return;
        memset(p, 0, n);
    }
    set_octets(b, v, p, n);
}

static void fill_bit_string(struct builder *b, const struct aper_type *t, void *v)
{
    unsigned n = (unsigned)t->c.ub;
    if (t->repr == APER_R_BITS_U32) {
        *(uint32_t *)v = (uint32_t)next(b) & (n >= 32 ? 0xffffffffu : ((1u << n) - 1));
        return;
    }
    if (t->repr == APER_R_BITS_U64) {
        *(uint64_t *)v = next(b) & (n >= 64 ? ~0ull : ((1ull << n) - 1));
        return;
    }
    struct aper_bits *bs = v;
    if (!strcmp(t->name, "TransportLayerAddress")) {
        uint8_t a[4] = { S1AP_SAMPLE_TLA_IPV4 >> 24, (S1AP_SAMPLE_TLA_IPV4 >> 16) & 0xff,
                         (S1AP_SAMPLE_TLA_IPV4 >> 8) & 0xff, S1AP_SAMPLE_TLA_IPV4 & 0xff };
        uint8_t *p = alloc(b, 4);
        if (!p)
            return;
        memcpy(p, a, 4);
        bs->buf = p;
        bs->nbits = 32;
        expect(b, "s1ap.transportLayerAddressIPv4", "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return;
    }
    size_t nbits = pick_size(t, 12);
    uint8_t *p = alloc(b, (nbits + 7) / 8);
    if (!p)
        return;
    fill_bytes(b, p, (nbits + 7) / 8);
    if (nbits % 8)
        p[nbits / 8] &= (uint8_t)(0xff << (8 - nbits % 8));
    bs->buf = p;
    bs->nbits = (uint32_t)nbits;
}

static void fill_char_string(struct builder *b, const struct aper_type *t, void *v)
{
    const char *s = NULL;
    if (!strcmp(t->name, "ENBname"))
        s = S1AP_SAMPLE_ENB_NAME;
    else if (!strcmp(t->name, "MMEname"))
        s = S1AP_SAMPLE_MME_NAME;
    if (s) {
        set_octets(b, v, s, strlen(s));
        expect(b, !strcmp(t->name, "ENBname") ? "s1ap.ENBname" : "s1ap.MMEname", "%s", s);
        return;
    }
    const char *alpha = t->alphabet ? t->alphabet : "abcdefghijklmnopqrstuvwxyz";
    size_t na = strlen(alpha), n = pick_size(t, 6);
    uint8_t tmp[64];
    uint8_t *p = n <= sizeof(tmp) ? tmp : alloc(b, n);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)alpha[next(b) % na];
    set_octets(b, v, p, n);
}

static void fill(struct builder *b, const struct aper_type *t, void *v, unsigned depth);

static bool full_at(const struct builder *b, unsigned depth)
{
    return b->mode == S1AP_SAMPLE_FULL && depth <= 10;
}

static bool empty_single(const struct aper_type *t)
{
    return t->kind == APER_IE_SINGLE && t->n_ies == 0;
}

static void fill_choice(struct builder *b, const struct aper_type *t, void *v, unsigned depth)
{
    unsigned idx = 0;

    if (!strcmp(t->name, "Cause")) {
        /* seed 0: nas: detach (TS 36.413 9.2.1.3), shown by tshark as
         * s1ap.nas 2; other seeds walk the groups and their values,
         * extension values included */
        static const char *const fields[5] = { "s1ap.radioNetwork", "s1ap.transport", "s1ap.nas",
                                               "s1ap.protocol", "s1ap.misc" };
        idx = b->seed ? (unsigned)(b->seed % 5) : 2;
        if (idx >= t->n_items || t->members[idx].type->kind != APER_ENUMERATED) {
            b->err = -EINVAL;
            return;
        }
        int val = b->seed ? (int)((b->seed * 7) % t->members[idx].type->n_items) : 2;
        ((struct aper_choice_hdr *)v)->present = idx + 1;
        *(int *)((uint8_t *)v + t->members[idx].offset) = val;
        expect(b, fields[idx], "%d", val);
        return;
    }
    if (!strcmp(t->name, "ResetType")) {
        idx = (unsigned)b->sample->reset_part;
        ((struct aper_choice_hdr *)v)->present = idx + 1;
        fill(b, t->members[idx].type, (uint8_t *)v + t->members[idx].offset, depth + 1);
        if (idx == 0)
            expect(b, "s1ap.s1_Interface", "0");
        else
            expect(b, "s1ap.partOfS1_Interface", "%u",
                   ((struct aper_seqof *)((uint8_t *)v + t->members[idx].offset))->count);
        return;
    }
    if (full_at(b, depth))
        idx = (unsigned)(next(b) % t->n_items);
    for (unsigned tries = 0; tries < t->n_items && empty_single(t->members[idx].type); tries++)
        idx = (idx + 1) % t->n_items;
    ((struct aper_choice_hdr *)v)->present = idx + 1;
    fill(b, t->members[idx].type, (uint8_t *)v + t->members[idx].offset, depth + 1);
}

static void fill(struct builder *b, const struct aper_type *t, void *v, unsigned depth)
{
    if (b->err)
        return;
    switch (t->kind) {
    case APER_INTEGER:
        fill_integer(b, t, v);
        return;
    case APER_ENUMERATED:
        *(int *)v = full_at(b, depth) ? (int)(next(b) % t->n_items) : 0;
        return;
    case APER_BOOLEAN:
        *(bool *)v = full_at(b, depth);
        return;
    case APER_NULL:
        return;
    case APER_BIT_STRING:
        fill_bit_string(b, t, v);
        return;
    case APER_OCTET_STRING:
        fill_octet_string(b, t, v);
        return;
    case APER_CHAR_STRING:
        fill_char_string(b, t, v);
        return;
    case APER_SEQUENCE:
        for (unsigned i = 0; i < t->n_items; i++) {
            const struct aper_member *m = &t->members[i];
            if (m->offset < 0)
                continue;
            if (m->optional && m->present_offset >= 0) {
                if (!full_at(b, depth))
                    continue;
                *(bool *)((uint8_t *)v + m->present_offset) = true;
            }
            fill(b, m->type, (uint8_t *)v + m->offset, depth + 1);
        }
        return;
    case APER_CHOICE:
        fill_choice(b, t, v, depth);
        return;
    case APER_SEQUENCE_OF: {
        struct aper_seqof *so = v;
        uint64_t lo = t->c.has_lb ? (uint64_t)t->c.lb : 0;
        uint64_t n = full_at(b, depth) && depth <= 6 ? 2 : 1;
        if (n < lo)
            n = lo;
        if (t->c.has_ub && n > (uint64_t)t->c.ub)
            n = (uint64_t)t->c.ub;
        so->count = (uint32_t)n;
        so->items = alloc(b, (size_t)n * t->elem->c_size);
        if (!so->items)
            return;
        memset(so->items, 0, (size_t)n * t->elem->c_size);
        for (uint32_t i = 0; i < so->count; i++)
            fill(b, t->elem, (uint8_t *)so->items + (size_t)i * t->elem->c_size, depth + 1);
        return;
    }
    case APER_IE_CONTAINER:
        for (unsigned i = 0; i < t->n_ies; i++) {
            const struct aper_ie *ie = &t->ies[i];
            if (ie->present_offset >= 0) {
                if (!full_at(b, depth))
                    continue;
                *(bool *)((uint8_t *)v + ie->present_offset) = true;
            }
            fill(b, ie->type, (uint8_t *)v + ie->offset, depth + 1);
        }
        return;
    case APER_IE_SINGLE:
        if (t->n_ies)
            fill(b, t->ies[0].type, v, depth + 1);
        return;
    }
    b->err = -EINVAL;
}

int s1ap_sample_build(const struct s1ap_sample *s, enum s1ap_sample_mode mode,
                      struct s1ap_pdu *pdu, struct aper_arena *a,
                      struct s1ap_sample_expect *exp)
{
    return s1ap_sample_build_seed(s, mode, 0, pdu, a, exp);
}

int s1ap_sample_build_seed(const struct s1ap_sample *s, enum s1ap_sample_mode mode, uint64_t seed,
                           struct s1ap_pdu *pdu, struct aper_arena *a,
                           struct s1ap_sample_expect *exp)
{
    struct builder b = {
        .mode = mode, .sample = s, .arena = a, .exp = exp,
        .seq = 0x5eed0000u + (uint64_t)s->kind * 131 + (uint64_t)mode + seed * 0x9e3779b97f4a7c15ull,
        .erab = S1AP_SAMPLE_FIRST_ERAB,
        .seed = seed,
    };
    int rc;

    if (exp)
        exp->n = 0;
    if ((rc = s1ap_pdu_init(pdu, s->kind)))
        return rc;
    expect(&b, "s1ap.procedureCode", "%u", pdu->procedure_code);
    fill(&b, s1ap_msgs[s->kind].desc, s1ap_pdu_msg(pdu), 0);
    return b.err;
}

/* ------------------------------------------------------------ compare -- */

struct cmp {
    char path[256];
    char *where;
    size_t where_len;
};

static bool differ(struct cmp *c, const char *what)
{
    snprintf(c->where, c->where_len, "%s: %s", c->path[0] ? c->path : "(top)", what);
    return false;
}

static size_t push(struct cmp *c, const char *fmt, const char *name, unsigned idx)
{
    size_t old = strlen(c->path);
    if (fmt[0] == '[')
        snprintf(c->path + old, sizeof(c->path) - old, "[%u]", idx);
    else
        snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", name);
    return old;
}

static bool eq(struct cmp *c, const struct aper_type *t, const void *a, const void *b);

static bool eq_flag(struct cmp *c, const void *a, const void *b, int32_t off, const char *name)
{
    bool pa = *(const bool *)((const uint8_t *)a + off), pb = *(const bool *)((const uint8_t *)b + off);
    if (pa != pb) {
        size_t old = push(c, "", name, 0);
        differ(c, pa ? "present, then absent" : "absent, then present");
        c->path[old] = 0;
        return false;
    }
    return true;
}

static bool eq_member(struct cmp *c, const char *name, const struct aper_type *t,
                      const void *a, const void *b)
{
    size_t old = push(c, "", name, 0);
    bool ok = eq(c, t, a, b);
    c->path[old] = 0;
    return ok;
}

static bool eq(struct cmp *c, const struct aper_type *t, const void *a, const void *b)
{
    switch (t->kind) {
    case APER_INTEGER:
    case APER_ENUMERATED:
        if (memcmp(a, b, t->c_size))
            return differ(c, "values differ");
        return true;
    case APER_BOOLEAN:
        if (*(const bool *)a != *(const bool *)b)
            return differ(c, "booleans differ");
        return true;
    case APER_NULL:
        return true;
    case APER_BIT_STRING:
        if (t->repr == APER_R_BITS) {
            const struct aper_bits *x = a, *y = b;
            if (x->nbits != y->nbits)
                return differ(c, "bit counts differ");
            size_t full = x->nbits / 8;
            /* buf may be NULL when there are no bits: memcmp(NULL, ..., 0)
             * is undefined (C11 7.24.1p2) */
            if (full && memcmp(x->buf, y->buf, full))
                return differ(c, "bits differ");
            if (x->nbits % 8) {
                uint8_t mask = (uint8_t)(0xff << (8 - x->nbits % 8));
                if ((x->buf[full] ^ y->buf[full]) & mask)
                    return differ(c, "last bits differ");
            }
            return true;
        }
        if (memcmp(a, b, t->c_size))
            return differ(c, "bits differ");
        return true;
    case APER_OCTET_STRING:
    case APER_CHAR_STRING:
        if (t->repr == APER_R_OCTETS) {
            const struct aper_octets *x = a, *y = b;
            if (x->len != y->len)
                return differ(c, "lengths differ");
            if (x->len && memcmp(x->buf, y->buf, x->len))
                return differ(c, "bytes differ");
            return true;
        }
        if (memcmp(a, b, t->c_size))
            return differ(c, "bytes differ");
        return true;
    case APER_SEQUENCE:
        for (unsigned i = 0; i < t->n_items; i++) {
            const struct aper_member *m = &t->members[i];
            if (m->offset < 0)
                continue;
            if (m->optional && m->present_offset >= 0) {
                if (!eq_flag(c, a, b, m->present_offset, m->name))
                    return false;
                if (!*(const bool *)((const uint8_t *)a + m->present_offset))
                    continue;
            }
            if (!eq_member(c, m->name, m->type, (const uint8_t *)a + m->offset,
                           (const uint8_t *)b + m->offset))
                return false;
        }
        return true;
    case APER_CHOICE: {
        uint32_t pa = ((const struct aper_choice_hdr *)a)->present;
        if (pa != ((const struct aper_choice_hdr *)b)->present)
            return differ(c, "different CHOICE alternatives");
        if (pa == 0 || pa > t->n_items)
            return differ(c, "invalid CHOICE alternative");
        const struct aper_member *m = &t->members[pa - 1];
        return eq_member(c, m->name, m->type, (const uint8_t *)a + m->offset,
                         (const uint8_t *)b + m->offset);
    }
    case APER_SEQUENCE_OF: {
        const struct aper_seqof *x = a, *y = b;
        if (x->count != y->count)
            return differ(c, "item counts differ");
        for (uint32_t i = 0; i < x->count; i++) {
            size_t old = push(c, "[", NULL, i);
            bool ok = eq(c, t->elem, (const uint8_t *)x->items + (size_t)i * t->elem->c_size,
                         (const uint8_t *)y->items + (size_t)i * t->elem->c_size);
            c->path[old] = 0;
            if (!ok)
                return false;
        }
        return true;
    }
    case APER_IE_CONTAINER:
        for (unsigned i = 0; i < t->n_ies; i++) {
            const struct aper_ie *ie = &t->ies[i];
            if (ie->present_offset >= 0) {
                if (!eq_flag(c, a, b, ie->present_offset, ie->name))
                    return false;
                if (!*(const bool *)((const uint8_t *)a + ie->present_offset))
                    continue;
            }
            if (!eq_member(c, ie->name, ie->type, (const uint8_t *)a + ie->offset,
                           (const uint8_t *)b + ie->offset))
                return false;
        }
        return true;
    case APER_IE_SINGLE:
        return t->n_ies ? eq(c, t->ies[0].type, a, b) : true;
    }
    return differ(c, "unknown descriptor kind");
}

bool s1ap_sample_equal(const struct aper_type *t, const void *a, const void *b,
                       char *where, size_t where_len)
{
    struct cmp c = { .where = where, .where_len = where_len };
    if (where_len)
        where[0] = 0;
    return eq(&c, t, a, b);
}

/* ------------------------------------------------------------ IE ids -- */

struct ids {
    uint16_t *ids;
    unsigned n, max;
};

static void add_id(struct ids *x, uint16_t id)
{
    if (x->n < x->max)
        x->ids[x->n] = id;
    x->n++;
}

static void walk_ids(struct ids *x, const struct aper_type *t, const void *v)
{
    const uint8_t *b = v;
    switch (t->kind) {
    case APER_SEQUENCE:
        for (unsigned i = 0; i < t->n_items; i++) {
            const struct aper_member *m = &t->members[i];
            if (m->offset < 0)
                continue;
            if (m->optional && m->present_offset >= 0 && !*(const bool *)(b + m->present_offset))
                continue;
            walk_ids(x, m->type, b + m->offset);
        }
        return;
    case APER_CHOICE: {
        uint32_t p = ((const struct aper_choice_hdr *)v)->present;
        if (p >= 1 && p <= t->n_items)
            walk_ids(x, t->members[p - 1].type, b + t->members[p - 1].offset);
        return;
    }
    case APER_SEQUENCE_OF: {
        const struct aper_seqof *so = v;
        for (uint32_t i = 0; i < so->count; i++)
            walk_ids(x, t->elem, (const uint8_t *)so->items + (size_t)i * t->elem->c_size);
        return;
    }
    case APER_IE_CONTAINER:
        for (unsigned i = 0; i < t->n_ies; i++) {
            const struct aper_ie *ie = &t->ies[i];
            if (ie->present_offset >= 0 && !*(const bool *)(b + ie->present_offset))
                continue;
            add_id(x, ie->id);
            if (ie->offset >= 0)
                walk_ids(x, ie->type, b + ie->offset);
        }
        return;
    case APER_IE_SINGLE:
        if (t->n_ies) {
            add_id(x, t->ies[0].id);
            walk_ids(x, t->ies[0].type, v);
        }
        return;
    default:
        return;
    }
}

unsigned s1ap_sample_ie_ids(const struct aper_type *t, const void *v, uint16_t *ids, unsigned max)
{
    struct ids x = { .ids = ids, .max = max };
    walk_ids(&x, t, v);
    return x.n;
}

void s1ap_sample_hex(const uint8_t *p, size_t len, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * len] = 0;
}
