/* EMM and common IE codecs: TS 24.301 9.9.2, 9.9.3 and the TS 24.008
 * 10.5 elements they refer to. */
#include <stdlib.h>
#include <string.h>

#include "nas/nas_internal.h"

#define INVALID (-NAS_ERR_MANDATORY_INVALID)
#define NOSPC (-NAS_ERR_NOSPC)

void nas_indent(FILE *f, int indent)
{
    fprintf(f, "%*s", indent, "");
}

void nas_print_hex(FILE *f, const uint8_t *p, size_t len)
{
    if (!len)
        fputs("(empty)", f);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", p[i]);
}

/* ------------------------------------------------------------- scalars */

static int u8_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    (void)d; (void)len;
    *(uint8_t *)field = p[0];
    return 0;
}

static int u8_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    (void)d;
    if (cap < 1)
        return NOSPC;
    p[0] = *(const uint8_t *)field;
    return 1;
}

/* Names of the values of enumerated one-octet and half-octet IEs. */
static const struct {
    const char *field;
    uint8_t value;
    const char *name;
} u8_names[] = {
    /* TS 24.301 9.9.3.11, 9.9.3.10, 9.9.3.13 */
    { "eps_attach_type", 1, "EPS attach" }, { "eps_attach_type", 2, "combined EPS/IMSI attach" },
    { "eps_attach_type", 6, "EPS emergency attach" },
    { "eps_attach_result", 1, "EPS only" }, { "eps_attach_result", 2, "combined EPS/IMSI" },
    { "eps_update_result", 0, "TA updated" }, { "eps_update_result", 1, "combined TA/LA updated" },
    { "eps_update_result", 4, "TA updated and ISR activated" },
    { "eps_update_result", 5, "combined TA/LA updated and ISR activated" },
    /* TS 24.301 9.9.3.27 */
    { "service_type", 0, "mobile originating CS fallback" },
    { "service_type", 1, "mobile terminating CS fallback" },
    { "service_type", 2, "mobile originating CS fallback emergency call" },
    { "service_type", 8, "packet services via S1" },
    /* TS 24.008 10.5.5.9 identity type 2 */
    { "identity_type", 1, "IMSI" }, { "identity_type", 2, "IMEI" },
    { "identity_type", 3, "IMEISV" }, { "identity_type", 4, "TMSI" },
    /* TS 24.301 9.9.4.10, 9.9.4.14 */
    { "pdn_type", 1, "IPv4" }, { "pdn_type", 2, "IPv6" }, { "pdn_type", 3, "IPv4v6" },
    { "pdn_type", 5, "non IP" }, { "pdn_type", 6, "Ethernet" },
    { "request_type", 1, "initial request" }, { "request_type", 2, "handover" },
    { "request_type", 4, "emergency" },
    /* TS 24.301 9.9.3.0A, 9.9.3.0B */
    { "additional_update_type", 0, "no additional information" },
    { "additional_update_type", 1, "SMS only" },
    { "additional_update_result", 1, "CS fallback not preferred" },
    { "additional_update_result", 2, "SMS only" },
    { "imeisv_request", 1, "IMEISV requested" },
    { "esm_info_transfer_flag", 1, "security protected ESM information transfer required" },
    /* TS 24.301 9.9.3.42 */
    { "generic_msg_container_type", 1, "LTE positioning protocol (LPP) message container" },
    { "generic_msg_container_type", 2, "location services message container" },
};

static void u8_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    uint8_t v = *(const uint8_t *)field;

    (void)indent;
    for (size_t i = 0; i < sizeof(u8_names) / sizeof(u8_names[0]); i++) {
        if (u8_names[i].value == v && !strcmp(u8_names[i].field, d->name)) {
            fprintf(f, "%u (%s)\n", v, u8_names[i].name);
            return;
        }
    }
    if (!strcmp(d->name, "emm_cause"))
        fprintf(f, "%u (%s)\n", v, nas_emm_cause_str(v));
    else if (!strcmp(d->name, "esm_cause"))
        fprintf(f, "%u (%s)\n", v, nas_esm_cause_str(v));
    else
        fprintf(f, "%u\n", v);
}

const struct nas_codec_ops nas_ops_u8 = { u8_dec, u8_enc, u8_print, sizeof(uint8_t) };

/* TS 24.301 9.9.2.9 spare half octet: ignored on receipt, sent as zero */
static int spare_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    (void)d; (void)p; (void)len;
    *(uint8_t *)field = 0;
    return 0;
}

static int spare_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    (void)d; (void)field;
    if (cap < 1)
        return NOSPC;
    p[0] = 0;
    return 1;
}

const struct nas_codec_ops nas_ops_spare = { spare_dec, spare_enc, NULL, sizeof(uint8_t) };

/* TS 24.301 9.9.3.21 NAS key set identifier: TSC bit 4, KSI bits 3-1 */
static int ksi_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_ksi *k = field;

    (void)d; (void)len;
    k->tsc = (p[0] >> 3) & 1;
    k->ksi = p[0] & 7;
    return 0;
}

static int ksi_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_ksi *k = field;

    (void)d;
    if (cap < 1)
        return NOSPC;
    if (k->tsc > 1 || k->ksi > 7)
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)(k->tsc << 3 | k->ksi);
    return 1;
}

static void ksi_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_ksi *k = field;

    (void)d; (void)indent;
    if (k->ksi == NAS_KSI_NONE)
        fprintf(f, "no key available (tsc %u)\n", k->tsc);
    else
        fprintf(f, "%u (%s)\n", k->ksi, k->tsc ? "mapped" : "native");
}

const struct nas_codec_ops nas_ops_ksi = { ksi_dec, ksi_enc, ksi_print, sizeof(struct nas_ksi) };

/* TS 24.301 9.9.3.7 detach type: switch off bit 4, type bits 3-1 */
static int detach_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_detach_type *t = field;

    (void)d; (void)len;
    t->switch_off = (p[0] >> 3) & 1;
    t->type = p[0] & 7;
    return 0;
}

static int detach_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_detach_type *t = field;

    (void)d;
    if (cap < 1)
        return NOSPC;
    if (t->type > 7)
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)((t->switch_off ? 8 : 0) | t->type);
    return 1;
}

static void detach_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_detach_type *t = field;

    (void)d; (void)indent;
    fprintf(f, "type %u%s\n", t->type, t->switch_off ? ", switch off" : "");
}

const struct nas_codec_ops nas_ops_detach = {
    detach_dec, detach_enc, detach_print, sizeof(struct nas_detach_type)
};

/* Towards the UE, bit 4 of the detach type is spare (9.9.3.7): ignored on
 * receipt, sent as 0, so that what we send never reads as a UE
 * originating detach request (nas_codec.c tells the two apart by it). */
static int detach_nw_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    int r = detach_dec(d, p, len, field);

    ((struct nas_detach_type *)field)->switch_off = false;
    return r;
}

static int detach_nw_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    struct nas_detach_type t = *(const struct nas_detach_type *)field;

    t.switch_off = false;
    return detach_enc(d, &t, p, cap);
}

const struct nas_codec_ops nas_ops_detach_nw = {
    detach_nw_dec, detach_nw_enc, detach_print, sizeof(struct nas_detach_type)
};

/* TS 24.301 9.9.3.14 EPS update type: active flag bit 4, type bits 3-1 */
static int update_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_update_type *t = field;

    (void)d; (void)len;
    t->active = (p[0] >> 3) & 1;
    t->type = p[0] & 7;
    return 0;
}

static int update_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_update_type *t = field;

    (void)d;
    if (cap < 1)
        return NOSPC;
    if (t->type > 7)
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)((t->active ? 8 : 0) | t->type);
    return 1;
}

static void update_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_update_type *t = field;

    (void)d; (void)indent;
    fprintf(f, "type %u%s\n", t->type, t->active ? ", active" : "");
}

const struct nas_codec_ops nas_ops_update = {
    update_dec, update_enc, update_print, sizeof(struct nas_update_type)
};

/* TS 24.301 9.9.3.19 KSI and sequence number: KSI bits 8-6, seq bits 5-1 */
static int ksi_seq_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_ksi_seq *k = field;

    (void)d; (void)len;
    k->ksi = p[0] >> 5;
    k->seq = p[0] & 0x1f;
    return 0;
}

static int ksi_seq_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_ksi_seq *k = field;

    (void)d;
    if (cap < 1)
        return NOSPC;
    if (k->ksi > 7 || k->seq > 31)
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)(k->ksi << 5 | k->seq);
    return 1;
}

static void ksi_seq_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_ksi_seq *k = field;

    (void)d; (void)indent;
    fprintf(f, "ksi %u, sequence number %u\n", k->ksi, k->seq);
}

const struct nas_codec_ops nas_ops_ksi_seq = {
    ksi_seq_dec, ksi_seq_enc, ksi_seq_print, sizeof(struct nas_ksi_seq)
};

/* ------------------------------------------------------------- octets */

/* Fixed-length octet arrays (RAND, AUTN, AUTS, nonces ...): d->max octets. */
static int bytes_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    if (len < d->max)
        return INVALID;
    memcpy(field, p, d->max);
    return 0;
}

static int bytes_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    if (cap < d->max)
        return NOSPC;
    memcpy(p, field, d->max);
    return d->max;
}

static void bytes_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    (void)indent;
    nas_print_hex(f, field, d->max);
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_bytes = { bytes_dec, bytes_enc, bytes_print, 0 };

/* struct nas_octN / nas_container: uint16_t len, then the octets. */
static int oct_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    uint16_t n = (uint16_t)len;

    if (len > d->max || len > d->size - 2u)
        return -NAS_ERR_IE_TOO_LONG;
    memcpy(field, &n, sizeof(n));
    memcpy((uint8_t *)field + 2, p, len);
    return 0;
}

static int oct_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    uint16_t n;

    memcpy(&n, field, sizeof(n));
    if (n < d->min || n > d->max || n > d->size - 2u)
        return -NAS_ERR_INVALID;
    if (cap < n)
        return NOSPC;
    memcpy(p, (const uint8_t *)field + 2, n);
    return n;
}

static void oct_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    uint16_t n;

    (void)d; (void)indent;
    memcpy(&n, field, sizeof(n));
    fprintf(f, "[%u] ", n);
    nas_print_hex(f, (const uint8_t *)field + 2, n);
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_oct = { oct_dec, oct_enc, oct_print, 0 };

/* Containers: an ESM message container is decoded and printed as the ESM
 * message it holds (TS 24.301 9.9.3.15). */
static void cont_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_container *c = field;
    static const size_t hex_max = 64;

    if (!strcmp(d->name, "esm_container") || !strcmp(d->name, "replayed_nas_msg")) {
        struct nas_message *inner = malloc(sizeof(*inner));

        if (inner && nas_decode_plain(c->v, c->len, inner) >= 0) {
            fprintf(f, "[%u] %s\n", c->len, nas_msg_name(inner->id));
            nas_print_body(f, inner, indent + 4);
            free(inner);
            return;
        }
        free(inner);
    }
    fprintf(f, "[%u] ", c->len);
    nas_print_hex(f, c->v, c->len < hex_max ? c->len : hex_max);
    fputs(c->len > hex_max ? "...\n" : "\n", f);
}

const struct nas_codec_ops nas_ops_cont = { oct_dec, oct_enc, cont_print, sizeof(struct nas_container) };

/* ---------------------------------------------------------- identities */

/* TS 24.008 10.5.1.3 */
int nas_plmn_dec(const uint8_t *p, struct nas_plmn *plmn)
{
    uint8_t d1 = p[0] & 0xf, d2 = p[0] >> 4, d3 = p[1] & 0xf;
    uint8_t n3 = p[1] >> 4, n1 = p[2] & 0xf, n2 = p[2] >> 4;

    if (d1 > 9 || d2 > 9 || d3 > 9 || n1 > 9 || n2 > 9 || (n3 > 9 && n3 != 0xf))
        return INVALID;
    plmn->mcc = (uint16_t)(d1 * 100 + d2 * 10 + d3);
    if (n3 == 0xf) {
        plmn->mnc = (uint16_t)(n1 * 10 + n2);
        plmn->mnc_digits = 2;
    } else {
        plmn->mnc = (uint16_t)(n1 * 100 + n2 * 10 + n3);
        plmn->mnc_digits = 3;
    }
    return 0;
}

int nas_plmn_enc(const struct nas_plmn *plmn, uint8_t *p)
{
    unsigned mcc = plmn->mcc, mnc = plmn->mnc;

    if (mcc > 999 || (plmn->mnc_digits != 2 && plmn->mnc_digits != 3) ||
        mnc > (plmn->mnc_digits == 2 ? 99u : 999u))
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)((mcc / 10 % 10) << 4 | mcc / 100);
    if (plmn->mnc_digits == 2) {
        p[1] = (uint8_t)(0xf0 | mcc % 10);
        p[2] = (uint8_t)((mnc % 10) << 4 | mnc / 10);
    } else {
        p[1] = (uint8_t)((mnc % 10) << 4 | mcc % 10);
        p[2] = (uint8_t)((mnc / 10 % 10) << 4 | mnc / 100);
    }
    return 3;
}

void nas_plmn_str(const struct nas_plmn *plmn, char *out, size_t cap)
{
    snprintf(out, cap, "%03u/%0*u", plmn->mcc, plmn->mnc_digits == 3 ? 3 : 2, plmn->mnc);
}

/* TS 24.008 10.5.1.4 identity digits: digit 1 in bits 8-5 of the first
 * octet, then two per octet, filler 1111 when the count is even. */
static int digits_dec(const uint8_t *p, size_t len, char *out, size_t max_digits)
{
    bool odd;
    size_t n = 0;

    if (len < 1)
        return INVALID;
    /* 1 + 2 (len - 1) digits at most: refuse before writing, not after
     * (an 11-octet EPS mobile identity holds 21, out[] 17) */
    if (2 * len - 1 - (p[0] & 8 ? 0 : 1) > max_digits)
        return INVALID;
    odd = p[0] & 8;
    out[n++] = (char)('0' + (p[0] >> 4));
    if ((p[0] >> 4) > 9)
        return INVALID;
    for (size_t i = 1; i < len; i++) {
        uint8_t lo = p[i] & 0xf, hi = p[i] >> 4;

        if (lo > 9)
            return INVALID;
        out[n++] = (char)('0' + lo);
        if (i == len - 1 && !odd) {
            if (hi != 0xf)
                return INVALID;
            break;
        }
        if (hi > 9)
            return INVALID;
        out[n++] = (char)('0' + hi);
    }
    if (n > max_digits)
        return INVALID;
    out[n] = '\0';
    return 0;
}

static int digits_enc(const char *digits, uint8_t type, uint8_t *p, size_t cap)
{
    size_t n = strnlen(digits, 17), len = 1 + n / 2;

    if (n < 1 || n > 16)
        return -NAS_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return -NAS_ERR_INVALID;
    if (cap < len)
        return NOSPC;
    p[0] = (uint8_t)((digits[0] - '0') << 4 | (n & 1 ? 8 : 0) | type);
    for (size_t i = 1, o = 1; i < n; i += 2, o++) {
        uint8_t hi = i + 1 < n ? (uint8_t)(digits[i + 1] - '0') : 0xf;

        p[o] = (uint8_t)(hi << 4 | (digits[i] - '0'));
    }
    return (int)len;
}

/* TS 24.301 9.9.3.12 EPS mobile identity */
static int eps_id_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_mobile_id *id = field;

    (void)d;
    id->type = p[0] & 7;
    switch (id->type) {
    case NAS_EPS_ID_GUTI:
        if (len != 11)
            return INVALID;
        if (nas_plmn_dec(p + 1, &id->guti.plmn) < 0)
            return INVALID;
        id->guti.mmegi = nas_get16(p + 4);
        id->guti.mmec = p[6];
        id->guti.m_tmsi = nas_get32(p + 7);
        return 0;
    case NAS_EPS_ID_IMSI:
    case NAS_EPS_ID_IMEI:
        return digits_dec(p, len, id->digits, 15);
    default:
        return INVALID;
    }
}

static int eps_id_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_mobile_id *id = field;

    (void)d;
    switch (id->type) {
    case NAS_EPS_ID_GUTI:
        if (cap < 11)
            return NOSPC;
        p[0] = 0xf0 | NAS_EPS_ID_GUTI;
        if (nas_plmn_enc(&id->guti.plmn, p + 1) < 0)
            return -NAS_ERR_INVALID;
        nas_put16(p + 4, id->guti.mmegi);
        p[6] = id->guti.mmec;
        nas_put32(p + 7, id->guti.m_tmsi);
        return 11;
    case NAS_EPS_ID_IMSI:
    case NAS_EPS_ID_IMEI:
        if (strnlen(id->digits, 17) > 15)
            return -NAS_ERR_INVALID;
        return digits_enc(id->digits, id->type, p, cap);
    default:
        return -NAS_ERR_INVALID;
    }
}

static void eps_id_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_mobile_id *id = field;
    char plmn[16];

    (void)d; (void)indent;
    switch (id->type) {
    case NAS_EPS_ID_GUTI:
        nas_plmn_str(&id->guti.plmn, plmn, sizeof(plmn));
        fprintf(f, "GUTI plmn %s mmegi %u mmec %u m-tmsi 0x%08x\n", plmn, id->guti.mmegi,
                id->guti.mmec, id->guti.m_tmsi);
        break;
    case NAS_EPS_ID_IMSI:
        fprintf(f, "IMSI %s\n", id->digits);
        break;
    default:
        fprintf(f, "IMEI %s\n", id->digits);
        break;
    }
}

const struct nas_codec_ops nas_ops_eps_id = {
    eps_id_dec, eps_id_enc, eps_id_print, sizeof(struct nas_mobile_id)
};

/* TS 24.008 10.5.1.4 mobile identity */
static int mobile_id_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_mobile_id *id = field;

    (void)d;
    id->type = p[0] & 7;
    switch (id->type) {
    case NAS_ID_NONE:
        return len == 1 ? 0 : INVALID;  /* coded as one octet (we send) */
    case NAS_ID_TMSI:
        if (len != 5)
            return INVALID;
        id->tmsi = nas_get32(p + 1);
        return 0;
    case NAS_ID_IMSI:
    case NAS_ID_IMEI:
        return digits_dec(p, len, id->digits, 15);
    case NAS_ID_IMEISV:
        return digits_dec(p, len, id->digits, 16);
    default:
        return INVALID;
    }
}

static int mobile_id_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_mobile_id *id = field;

    (void)d;
    switch (id->type) {
    case NAS_ID_NONE:
        if (cap < 1)
            return NOSPC;
        p[0] = 0xf0;
        return 1;
    case NAS_ID_TMSI:
        if (cap < 5)
            return NOSPC;
        p[0] = 0xf0 | NAS_ID_TMSI;
        nas_put32(p + 1, id->tmsi);
        return 5;
    case NAS_ID_IMSI:
    case NAS_ID_IMEI:
    case NAS_ID_IMEISV:
        return digits_enc(id->digits, id->type, p, cap);
    default:
        return -NAS_ERR_INVALID;
    }
}

static void mobile_id_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_mobile_id *id = field;
    static const char *const names[] = { "no identity", "IMSI", "IMEI", "IMEISV", "TMSI" };

    (void)d; (void)indent;
    if (id->type == NAS_ID_TMSI)
        fprintf(f, "TMSI 0x%08x\n", id->tmsi);
    else if (id->type == NAS_ID_NONE)
        fputs("no identity\n", f);
    else
        fprintf(f, "%s %s\n", names[id->type], id->digits);
}

const struct nas_codec_ops nas_ops_mobile_id = {
    mobile_id_dec, mobile_id_enc, mobile_id_print, sizeof(struct nas_mobile_id)
};

/* TS 24.301 9.9.3.32 tracking area identity */
static int tai_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_tai *t = field;

    (void)d; (void)len;
    if (nas_plmn_dec(p, &t->plmn) < 0)
        return INVALID;
    t->tac = nas_get16(p + 3);
    return 0;
}

static int tai_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_tai *t = field;

    (void)d;
    if (cap < 5)
        return NOSPC;
    if (nas_plmn_enc(&t->plmn, p) < 0)
        return -NAS_ERR_INVALID;
    nas_put16(p + 3, t->tac);
    return 5;
}

static void tai_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_tai *t = field;
    char plmn[16];

    (void)d; (void)indent;
    nas_plmn_str(&t->plmn, plmn, sizeof(plmn));
    fprintf(f, "plmn %s tac %u\n", plmn, t->tac);
}

const struct nas_codec_ops nas_ops_tai = { tai_dec, tai_enc, tai_print, sizeof(struct nas_tai) };

/* TS 24.008 10.5.1.3 location area identification (same layout) */
static void lai_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_lai *l = field;
    char plmn[16];

    (void)d; (void)indent;
    nas_plmn_str(&l->plmn, plmn, sizeof(plmn));
    fprintf(f, "plmn %s lac %u\n", plmn, l->lac);
}

const struct nas_codec_ops nas_ops_lai = { tai_dec, tai_enc, lai_print, sizeof(struct nas_lai) };

/* TS 24.301 9.9.3.33 tracking area identity list */
static int tai_list_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_tai_list *l = field;
    size_t pos = 0;
    unsigned total = 0;

    (void)d;
    l->n = 0;
    while (pos < len) {
        struct nas_partial_tai_list *pl;
        uint8_t type = (p[pos] >> 5) & 3, n = (uint8_t)((p[pos] & 0x1f) + 1);
        size_t need;

        if (l->n == NAS_TAI_LIST_MAX || type > NAS_TAI_LIST_TAIS || n > NAS_TAI_LIST_MAX)
            return INVALID;
        pl = &l->list[l->n++];
        pl->type = type;
        pl->n = n;
        pos++;
        need = type == NAS_TAI_LIST_TACS ? 3u + 2u * n : type == NAS_TAI_LIST_CONSECUTIVE ? 5u : 5u * n;
        if (len - pos < need)
            return INVALID;
        total += n;
        /* 9.9.3.33: at most 16 TAIs in the whole list; more is a well
         * formed list that cannot be meant: semantically incorrect */
        if (total > NAS_TAI_LIST_MAX)
            return -NAS_ERR_SEMANTIC;
        for (unsigned i = 0; i < n; i++) {
            struct nas_tai *t = &pl->tai[i];

            if (type == NAS_TAI_LIST_TAIS) {
                if (nas_plmn_dec(p + pos + 5 * i, &t->plmn) < 0)
                    return INVALID;
                t->tac = nas_get16(p + pos + 5 * i + 3);
            } else if (type == NAS_TAI_LIST_TACS) {
                if (nas_plmn_dec(p + pos, &t->plmn) < 0)
                    return INVALID;
                t->tac = nas_get16(p + pos + 3 + 2 * i);
            } else if (i == 0) {
                if (nas_plmn_dec(p + pos, &t->plmn) < 0)
                    return INVALID;
                t->tac = nas_get16(p + pos + 3);
            }
        }
        pos += need;
    }
    return l->n ? 0 : INVALID;
}

static int tai_list_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_tai_list *l = field;
    size_t pos = 0;

    (void)d;
    if (l->n < 1 || l->n > NAS_TAI_LIST_MAX)
        return -NAS_ERR_INVALID;
    for (unsigned k = 0; k < l->n; k++) {
        const struct nas_partial_tai_list *pl = &l->list[k];
        size_t need;

        if (pl->n < 1 || pl->n > NAS_TAI_LIST_MAX || pl->type > NAS_TAI_LIST_TAIS)
            return -NAS_ERR_INVALID;
        need = 1 + (pl->type == NAS_TAI_LIST_TACS ? 3u + 2u * pl->n
                    : pl->type == NAS_TAI_LIST_CONSECUTIVE ? 5u : 5u * pl->n);
        if (cap - pos < need)
            return NOSPC;
        p[pos++] = (uint8_t)(pl->type << 5 | (pl->n - 1));
        if (pl->type == NAS_TAI_LIST_TAIS) {
            for (unsigned i = 0; i < pl->n; i++) {
                if (nas_plmn_enc(&pl->tai[i].plmn, p + pos) < 0)
                    return -NAS_ERR_INVALID;
                nas_put16(p + pos + 3, pl->tai[i].tac);
                pos += 5;
            }
        } else {
            if (nas_plmn_enc(&pl->tai[0].plmn, p + pos) < 0)
                return -NAS_ERR_INVALID;
            pos += 3;
            for (unsigned i = 0; i < (pl->type == NAS_TAI_LIST_TACS ? pl->n : 1u); i++, pos += 2)
                nas_put16(p + pos, pl->tai[i].tac);
        }
    }
    return (int)pos;
}

static void tai_list_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_tai_list *l = field;
    static const char *const types[] = { "TACs of one PLMN", "consecutive TACs", "TAIs" };
    char plmn[16];

    (void)d;
    fprintf(f, "%u partial list(s)\n", l->n);
    for (unsigned k = 0; k < l->n; k++) {
        const struct nas_partial_tai_list *pl = &l->list[k];

        nas_indent(f, indent + 4);
        fprintf(f, "list %u: type %u (%s), %u element(s):", k, pl->type, pl->type < 3 ? types[pl->type] : "reserved",
                pl->n);
        for (unsigned i = 0; i < (pl->type == NAS_TAI_LIST_CONSECUTIVE ? 1u : pl->n); i++) {
            nas_plmn_str(&pl->tai[i].plmn, plmn, sizeof(plmn));
            fprintf(f, " %s/tac %u", plmn, pl->tai[i].tac);
        }
        fputc('\n', f);
    }
}

const struct nas_codec_ops nas_ops_tai_list = {
    tai_list_dec, tai_list_enc, tai_list_print, sizeof(struct nas_tai_list)
};

/* TS 24.301 9.9.2.8 PLMN list */
static int plmn_list_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_plmn_list *l = field;

    (void)d;
    if (len % 3 || len / 3 > NAS_PLMN_LIST_MAX)
        return INVALID;
    l->n = (uint8_t)(len / 3);
    for (unsigned i = 0; i < l->n; i++)
        if (nas_plmn_dec(p + 3 * i, &l->plmn[i]) < 0)
            return INVALID;
    return 0;
}

static int plmn_list_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_plmn_list *l = field;

    (void)d;
    if (l->n < 1 || l->n > NAS_PLMN_LIST_MAX)
        return -NAS_ERR_INVALID;
    if (cap < 3u * l->n)
        return NOSPC;
    for (unsigned i = 0; i < l->n; i++)
        if (nas_plmn_enc(&l->plmn[i], p + 3 * i) < 0)
            return -NAS_ERR_INVALID;
    return 3 * l->n;
}

static void plmn_list_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_plmn_list *l = field;
    char plmn[16];

    (void)d; (void)indent;
    for (unsigned i = 0; i < l->n; i++) {
        nas_plmn_str(&l->plmn[i], plmn, sizeof(plmn));
        fprintf(f, "%s%s", i ? " " : "", plmn);
    }
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_plmn_list = {
    plmn_list_dec, plmn_list_enc, plmn_list_print, sizeof(struct nas_plmn_list)
};

/* ------------------------------------------------------- capabilities */

/* TS 24.301 9.9.3.34 UE network capability and 9.9.3.36 UE security
 * capability: uint8_t len, then the octets. */
static int cap_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    uint8_t *f = field;

    if (len > d->max)
        len = d->max;
    f[0] = (uint8_t)len;
    memcpy(f + 1, p, len);
    return 0;
}

static int cap_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const uint8_t *f = field;

    if (f[0] < d->min || f[0] > d->max)
        return -NAS_ERR_INVALID;
    if (cap < f[0])
        return NOSPC;
    memcpy(p, f + 1, f[0]);
    return f[0];
}

static void algs_bits(FILE *f, const char *pfx, uint8_t bits)
{
    fprintf(f, " %s:", pfx);
    for (int i = 0; i < 8; i++)
        if (bits & (0x80 >> i))
            fprintf(f, "%d", i);
}

static void cap_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const uint8_t *c = field;

    (void)indent;
    fprintf(f, "[%u]", c[0]);
    algs_bits(f, "EEA", c[1]);
    algs_bits(f, "EIA", c[2]);
    if (c[0] > 2) {
        algs_bits(f, "UEA", c[3]);
        if (c[0] > 3)
            algs_bits(f, "UIA", c[4] & 0x7f);
    }
    if (d->codec == NAS_C_UESC && c[0] > 4)
        algs_bits(f, "GEA", c[5] & 0x7f);
    if (d->codec == NAS_C_UENC && c[0] > 4) {
        fputs(" rest ", f);
        nas_print_hex(f, c + 5, c[0] - 4u);
    }
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_uenc = { cap_dec, cap_enc, cap_print, sizeof(struct nas_ue_net_cap) };
const struct nas_codec_ops nas_ops_uesc = { cap_dec, cap_enc, cap_print, sizeof(struct nas_ue_sec_cap) };

/* TS 24.301 9.9.3.23 NAS security algorithms */
static int algs_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_sec_algs *a = field;

    (void)d; (void)len;
    a->eea = (p[0] >> 4) & 7;
    a->eia = p[0] & 7;
    return 0;
}

static int algs_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_sec_algs *a = field;

    (void)d;
    if (cap < 1)
        return NOSPC;
    if (a->eea > 7 || a->eia > 7)
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)(a->eea << 4 | a->eia);
    return 1;
}

static void algs_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_sec_algs *a = field;

    (void)d; (void)indent;
    fprintf(f, "EEA%u EIA%u\n", a->eea, a->eia);
}

const struct nas_codec_ops nas_ops_algs = { algs_dec, algs_enc, algs_print, sizeof(struct nas_sec_algs) };

/* TS 24.008 10.5.5.6 DRX parameter */
static int drx_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_drx *x = field;

    (void)d; (void)len;
    x->split_pg_cycle = p[0];
    x->cn_coeff_s1 = p[1] >> 4;
    x->split_on_ccch = (p[1] >> 3) & 1;
    x->non_drx_timer = p[1] & 7;
    return 0;
}

static int drx_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_drx *x = field;

    (void)d;
    if (cap < 2)
        return NOSPC;
    if (x->cn_coeff_s1 > 15 || x->non_drx_timer > 7)
        return -NAS_ERR_INVALID;
    p[0] = x->split_pg_cycle;
    p[1] = (uint8_t)(x->cn_coeff_s1 << 4 | (x->split_on_ccch ? 8 : 0) | x->non_drx_timer);
    return 2;
}

static void drx_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_drx *x = field;

    (void)d; (void)indent;
    fprintf(f, "split pg cycle %u, S1 coefficient %u, split on ccch %u, non-DRX timer %u\n",
            x->split_pg_cycle, x->cn_coeff_s1, x->split_on_ccch, x->non_drx_timer);
}

const struct nas_codec_ops nas_ops_drx = { drx_dec, drx_enc, drx_print, sizeof(struct nas_drx) };

/* ------------------------------------------------------------- timers */

/* TS 24.008 10.5.7.3 (GPRS timer, GPRS timer 2) */
long nas_gprs_timer_seconds(const struct nas_gprs_timer *t)
{
    switch (t->unit) {
    case 0: return 2L * t->value;
    case 2: return 360L * t->value;
    case 7: return -1;
    default: return 60L * t->value;  /* 001, and others "as 1 minute" */
    }
}

/* TS 24.008 10.5.7.4a (GPRS timer 3) */
long nas_gprs_timer3_seconds(const struct nas_gprs_timer *t)
{
    static const long unit_s[7] = { 600, 3600, 36000, 2, 30, 60, 1152000 };

    if (t->unit > 6)
        return -1;
    return unit_s[t->unit] * t->value;
}

static int timer_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_gprs_timer *t = field;

    (void)d; (void)len;
    t->unit = p[0] >> 5;
    t->value = p[0] & 0x1f;
    return 0;
}

static int timer_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_gprs_timer *t = field;

    (void)d;
    if (cap < 1)
        return NOSPC;
    if (t->unit > 7 || t->value > 31)
        return -NAS_ERR_INVALID;
    p[0] = (uint8_t)(t->unit << 5 | t->value);
    return 1;
}

static void timer_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_gprs_timer *t = field;
    long s = d->codec == NAS_C_TIMER3 ? nas_gprs_timer3_seconds(t) : nas_gprs_timer_seconds(t);

    (void)indent;
    if (s < 0)
        fprintf(f, "deactivated (unit %u value %u)\n", t->unit, t->value);
    else
        fprintf(f, "%ld s (unit %u value %u)\n", s, t->unit, t->value);
}

const struct nas_codec_ops nas_ops_timer = {
    timer_dec, timer_enc, timer_print, sizeof(struct nas_gprs_timer)
};
const struct nas_codec_ops nas_ops_timer3 = {
    timer_dec, timer_enc, timer_print, sizeof(struct nas_gprs_timer)
};

/* ------------------------------------------------------ network name */

/* TS 23.038 6.2.1: the GSM default alphabet agrees with ASCII on letters,
 * digits, space and most punctuation; others become '?'. */
static bool gsm7_same(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr(" !\"#%&'()*+,-./:;<=>?", c));
}

int nas_network_name_set_ascii(struct nas_network_name *nn, const char *s)
{
    size_t n = strlen(s), bits = n * 7, len = (bits + 7) / 8;

    if (len > NAS_NETWORK_NAME_MAX)
        return -1;
    memset(nn, 0, sizeof(*nn));
    for (size_t i = 0; i < n; i++) {
        uint8_t c = gsm7_same(s[i]) ? (uint8_t)s[i] : '?';
        size_t bit = i * 7;

        nn->text[bit / 8] |= (uint8_t)(c << (bit % 8));
        if (bit % 8 > 1)
            nn->text[bit / 8 + 1] |= (uint8_t)(c >> (8 - bit % 8));
    }
    nn->len = (uint8_t)len;
    nn->spare_bits = (uint8_t)(len * 8 - bits);
    return 0;
}

void nas_network_name_to_ascii(const struct nas_network_name *nn, char *out, size_t cap)
{
    /* never past the array, whatever len a caller put in the struct */
    size_t len = nn->len < NAS_NETWORK_NAME_MAX ? nn->len : NAS_NETWORK_NAME_MAX;
    size_t o = 0;

    if (!cap)
        return;
    if (nn->coding == 0) {
        /* TS 24.008 10.5.3.5a octet 3 bits 3-1: spare bits in the last
         * octet.  They cannot exceed the text's bits: an IE of length 1
         * (no text octet) that claims 5 spare bits holds no character
         * (issue 8: 0 * 8 - 5 wrapped and the walk ran ~95 octets past
         * text[]). */
        size_t bits = len * 8, spare = nn->spare_bits & 7u;
        size_t nchars = bits >= spare ? (bits - spare) / 7 : 0;

        for (size_t i = 0; i < nchars && o + 1 < cap; i++) {
            size_t bit = i * 7;
            unsigned v = nn->text[bit / 8] >> (bit % 8);

            if (bit % 8 > 1 && bit / 8 + 1 < len)
                v |= (unsigned)nn->text[bit / 8 + 1] << (8 - bit % 8);
            v &= 0x7f;
            out[o++] = gsm7_same((char)v) ? (char)v : '?';
        }
    } else {
        for (size_t i = 0; i + 1 < len && o + 1 < cap; i += 2) {
            unsigned v = (unsigned)nn->text[i] << 8 | nn->text[i + 1];

            out[o++] = v >= 0x20 && v < 0x7f ? (char)v : '?';
        }
    }
    out[o] = '\0';
}

/* TS 24.008 10.5.3.5a */
static int netname_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_network_name *nn = field;

    (void)d;
    /* octet 3 (coding, add CI, spare bits) is always there */
    if (len < 1)
        return INVALID;
    if (len - 1 > NAS_NETWORK_NAME_MAX)
        return -NAS_ERR_IE_TOO_LONG;
    nn->coding = (p[0] >> 4) & 7;
    nn->add_ci = (p[0] >> 3) & 1;
    nn->spare_bits = p[0] & 7;
    nn->len = (uint8_t)(len - 1);
    memcpy(nn->text, p + 1, len - 1);
    return 0;
}

static int netname_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_network_name *nn = field;

    (void)d;
    if (nn->coding > 7 || nn->spare_bits > 7 || nn->len > NAS_NETWORK_NAME_MAX)
        return -NAS_ERR_INVALID;
    if (cap < 1u + nn->len)
        return NOSPC;
    p[0] = (uint8_t)(0x80 | nn->coding << 4 | (nn->add_ci ? 8 : 0) | nn->spare_bits);
    memcpy(p + 1, nn->text, nn->len);
    return 1 + nn->len;
}

static void netname_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_network_name *nn = field;
    char s[NAS_NETWORK_NAME_MAX * 2];

    (void)d; (void)indent;
    nas_network_name_to_ascii(nn, s, sizeof(s));
    fprintf(f, "\"%s\" (%s%s)\n", s, nn->coding ? "UCS2" : "GSM 7-bit",
            nn->add_ci ? ", add CI" : "");
}

const struct nas_codec_ops nas_ops_netname = {
    netname_dec, netname_enc, netname_print, sizeof(struct nas_network_name)
};

/* ---------------------------------------------------------- time zone */

/* TS 24.008 10.5.3.8: quarter hours in swapped BCD, sign in bit 4 */
int nas_tz_quarters(uint8_t tz)
{
    int q = (tz & 7) * 10 + (tz >> 4);

    return tz & 8 ? -q : q;
}

uint8_t nas_tz_from_quarters(int quarters)
{
    unsigned a = (unsigned)(quarters < 0 ? -quarters : quarters) % 80;

    return (uint8_t)((a % 10) << 4 | (a / 10) | (quarters < 0 ? 8 : 0));
}

static int bcd_dec(uint8_t o, uint8_t *v)
{
    if ((o & 0xf) > 9 || (o >> 4) > 9)
        return INVALID;
    *v = (uint8_t)((o & 0xf) * 10 + (o >> 4));
    return 0;
}

/* TS 24.008 10.5.3.9 time zone and time */
static int tztime_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    struct nas_tz_time *t = field;
    uint8_t *v[6] = { &t->year, &t->month, &t->day, &t->hour, &t->minute, &t->second };

    (void)d; (void)len;
    for (int i = 0; i < 6; i++)
        if (bcd_dec(p[i], v[i]) < 0)
            return INVALID;
    t->tz = p[6];
    return 0;
}

static int tztime_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    const struct nas_tz_time *t = field;
    const uint8_t v[6] = { t->year, t->month, t->day, t->hour, t->minute, t->second };

    (void)d;
    if (cap < 7)
        return NOSPC;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 99)
            return -NAS_ERR_INVALID;
        p[i] = (uint8_t)((v[i] % 10) << 4 | v[i] / 10);
    }
    p[6] = t->tz;
    return 7;
}

static void tztime_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    const struct nas_tz_time *t = field;
    int q = nas_tz_quarters(t->tz);

    (void)d; (void)indent;
    fprintf(f, "20%02u-%02u-%02u %02u:%02u:%02u UTC, tz %c%02d:%02d\n", t->year, t->month, t->day,
            t->hour, t->minute, t->second, q < 0 ? '-' : '+', abs(q) / 4, abs(q) % 4 * 15);
}

const struct nas_codec_ops nas_ops_tztime = {
    tztime_dec, tztime_enc, tztime_print, sizeof(struct nas_tz_time)
};

/* TS 24.301 9.9.2.1 EPS bearer context status: bit n = EBI n */
static int ebcs_dec(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);

    (void)d; (void)len;
    memcpy(field, &v, sizeof(v));
    return 0;
}

static int ebcs_enc(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap)
{
    uint16_t v;

    (void)d;
    if (cap < 2)
        return NOSPC;
    memcpy(&v, field, sizeof(v));
    p[0] = v & 0xff;
    p[1] = v >> 8;
    return 2;
}

static void ebcs_print(FILE *f, const struct nas_ie_desc *d, const void *field, int indent)
{
    uint16_t v;

    (void)d; (void)indent;
    memcpy(&v, field, sizeof(v));
    fputs("active EBIs:", f);
    for (int i = 0; i < 16; i++)
        if (v & (1u << i))
            fprintf(f, " %d", i);
    fputc('\n', f);
}

const struct nas_codec_ops nas_ops_ebcs = { ebcs_dec, ebcs_enc, ebcs_print, sizeof(uint16_t) };
