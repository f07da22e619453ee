/* The generic EPS NAS message coder: walks the IE tables generated from
 * nas_msg.h, and implements the error handling of TS 24.301 clause 7. */
#include <string.h>

#include "nas/nas_internal.h"

/* ------------------------------------------------------------- tables */

#define NAS_DESC_M_(S, IEI, FMT, NAME, TYPE, CODEC, MIN, MAX) \
    { IEI, NAS_F_##FMT, NAS_C_##CODEC, MIN, MAX, offsetof(S, NAME), NAS_NO_FLAG, sizeof(TYPE), #NAME },
#define NAS_DESC_O_(S, IEI, FMT, NAME, TYPE, CODEC, MIN, MAX) \
    { IEI, NAS_F_##FMT, NAS_C_##CODEC, MIN, MAX, offsetof(S, NAME), offsetof(S, has_##NAME), \
      sizeof(TYPE), #NAME },
#define NAS_DESC_(S, P, ...) NAS_DESC_##P##_(S, __VA_ARGS__)
#define NAS_TABLE_(ID, MEMBER, PD, TYPE, NAME) \
    static const struct nas_ie_desc ies_##MEMBER[] = { NAS_IES_##ID(NAS_DESC_, struct nas_##MEMBER) };
NAS_MESSAGES(NAS_TABLE_)

const struct nas_msg_spec nas_msg_specs[NAS_MSG_COUNT] = {
#define NAS_SPEC_(ID, MEMBER, PD, TYPE, NAME) \
    [NAS_MSG_##ID] = { NAS_MSG_##ID, PD, TYPE, NAME, ies_##MEMBER, \
                       sizeof(ies_##MEMBER) / sizeof(ies_##MEMBER[0]), sizeof(struct nas_##MEMBER) },
    NAS_MESSAGES(NAS_SPEC_)
};

const struct nas_codec_ops *const nas_codecs[NAS_C__COUNT] = {
    [NAS_C_U8] = &nas_ops_u8, [NAS_C_SPARE] = &nas_ops_spare, [NAS_C_KSI] = &nas_ops_ksi,
    [NAS_C_DETACH] = &nas_ops_detach, [NAS_C_DETACH_NW] = &nas_ops_detach_nw,
    [NAS_C_UPDATE] = &nas_ops_update,
    [NAS_C_KSI_SEQ] = &nas_ops_ksi_seq, [NAS_C_BYTES] = &nas_ops_bytes, [NAS_C_OCT] = &nas_ops_oct,
    [NAS_C_CONT] = &nas_ops_cont, [NAS_C_EPS_ID] = &nas_ops_eps_id,
    [NAS_C_MOBILE_ID] = &nas_ops_mobile_id, [NAS_C_TAI] = &nas_ops_tai,
    [NAS_C_TAI_LIST] = &nas_ops_tai_list, [NAS_C_LAI] = &nas_ops_lai,
    [NAS_C_PLMN_LIST] = &nas_ops_plmn_list, [NAS_C_UENC] = &nas_ops_uenc,
    [NAS_C_UESC] = &nas_ops_uesc, [NAS_C_ALGS] = &nas_ops_algs, [NAS_C_DRX] = &nas_ops_drx,
    [NAS_C_TIMER] = &nas_ops_timer, [NAS_C_TIMER3] = &nas_ops_timer3,
    [NAS_C_NETNAME] = &nas_ops_netname, [NAS_C_TZTIME] = &nas_ops_tztime,
    [NAS_C_EBCS] = &nas_ops_ebcs, [NAS_C_QOS] = &nas_ops_qos, [NAS_C_APN] = &nas_ops_apn,
    [NAS_C_AMBR] = &nas_ops_ambr, [NAS_C_PDN_ADDR] = &nas_ops_pdn_addr, [NAS_C_PCO] = &nas_ops_pco,
    [NAS_C_TFT] = &nas_ops_tft,
};

#define BODY_OFF offsetof(struct nas_message, attach_request)

const char *nas_msg_name(enum nas_msg_id id)
{
    if (id <= NAS_MSG_NONE || id >= NAS_MSG_COUNT)
        return "unknown message";
    return nas_msg_specs[id].name;
}

void nas_message_init(struct nas_message *m, enum nas_msg_id id)
{
    memset(m, 0, sizeof(*m));
    if (id <= NAS_MSG_NONE || id >= NAS_MSG_COUNT)
        return;
    m->id = id;
    m->pd = nas_msg_specs[id].pd;
    m->msg_type = nas_msg_specs[id].type;
}

/* IEs whose later-release extensions are ignored: TS 24.007 11.2.1.1.4
 * lets an IE grow, and the receiver reads the octets it knows. */
static bool extendable(uint8_t codec)
{
    return codec == NAS_C_UENC || codec == NAS_C_UESC || codec == NAS_C_QOS ||
           codec == NAS_C_AMBR || codec == NAS_C_PDN_ADDR;
}

/* ------------------------------------------------------------- decode */

/* An extendable IE whose value holds octets past those the codec keeps
 * (TS 24.007 11.2.1.1.4): they are ignored, and the message does not
 * re-encode to itself.  Counted in m->ignored. */
static void count_extension(const struct nas_ie_desc *d, const uint8_t *field, size_t vlen,
                            struct nas_message *m)
{
    uint8_t tmp[256];
    int n;

    if (!extendable(d->codec))
        return;
    n = nas_codecs[d->codec]->enc(d, field, tmp, sizeof(tmp));
    if (n >= 0 && (size_t)n != vlen)
        m->ignored++;
}

static int fail(struct nas_message *m, enum nas_err e, size_t off, const struct nas_ie_desc *d,
                uint8_t iei)
{
    m->err.code = e;
    m->err.offset = (uint32_t)off;
    m->err.iei = iei;
    m->err.ie = d ? d->name : NULL;
    return -(int)e;
}

static const struct nas_ie_desc *find_optional(const struct nas_msg_spec *s, unsigned first,
                                               uint8_t iei, unsigned *idx)
{
    for (unsigned i = first; i < s->n_ies; i++) {
        const struct nas_ie_desc *d = &s->ies[i];

        if (d->fmt == NAS_F_TV1 ? (iei & 0xf0) == d->iei : iei == d->iei) {
            *idx = i;
            return d;
        }
    }
    return NULL;
}

/* The imperative part: mandatory IEs in their order (TS 24.301 7.5). */
static int decode_mandatory(const struct nas_msg_spec *s, const uint8_t *buf, size_t len,
                            size_t *ppos, unsigned *pi, uint8_t *body, struct nas_message *m)
{
    size_t pos = *ppos;
    bool half = false;
    unsigned i;

    for (i = 0; i < s->n_ies && s->ies[i].has_off == NAS_NO_FLAG; i++) {
        const struct nas_ie_desc *d = &s->ies[i];
        size_t start = pos, vlen;
        const uint8_t *v;
        uint8_t nib;
        int r;

        /* TS 24.301 7.5.1: the message ends where a mandatory IE should be */
        if (pos >= len)
            return fail(m, NAS_ERR_MISSING_MANDATORY, pos, d, 0);
        switch (d->fmt) {
        case NAS_F_VH:
            nib = half ? buf[pos] >> 4 : buf[pos] & 0xf;
            v = &nib;
            vlen = 1;
            if (half)
                pos++;
            half = !half;
            break;
        case NAS_F_V:
            if (len - pos < d->min)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, 0);
            v = buf + pos;
            vlen = d->min;
            pos += d->min;
            break;
        case NAS_F_LV:
            vlen = buf[pos];
            if (vlen > len - pos - 1)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, 0);
            v = buf + pos + 1;
            pos += 1 + vlen;
            break;
        default: /* NAS_F_LVE */
            if (len - pos < 2)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, 0);
            vlen = nas_get16(buf + pos);
            if (vlen > len - pos - 2)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, 0);
            v = buf + pos + 2;
            pos += 2 + vlen;
            break;
        }
        /* TS 24.301 7.5.2: a mandatory IE shorter than its minimum */
        if (vlen < d->min)
            return fail(m, NAS_ERR_MANDATORY_LENGTH, start, d, 0);
        if (vlen > d->max && !extendable(d->codec))
            return fail(m, NAS_ERR_IE_TOO_LONG, start, d, 0);
        r = nas_codecs[d->codec]->dec(d, v, vlen, body + d->off);
        if (r < 0)
            return fail(m, (enum nas_err)-r, start, d, 0);
        count_extension(d, body + d->off, vlen, m);
    }
    if (half)
        pos++;
    *ppos = pos;
    *pi = i;
    return 0;
}

/* The non-imperative part: optional IEs (TS 24.301 7.6, TS 24.007 11.2.4). */
static int decode_optional(const struct nas_msg_spec *s, unsigned first, const uint8_t *buf,
                           size_t len, size_t pos, uint8_t *body, struct nas_message *m)
{
    uint64_t seen = 0;
    unsigned last = 0;

    while (pos < len) {
        uint8_t iei = buf[pos], nib;
        size_t start = pos, vlen;
        const struct nas_ie_desc *d;
        const uint8_t *v;
        unsigned idx = 0;
        int r;

        d = find_optional(s, first, iei, &idx);
        if (iei & 0x80) {
            /* TS 24.007 11.2.4: bit 8 set, a type 1 or type 2 IE: one octet */
            pos++;
            if (!d || (seen & (1ull << idx))) {
                m->ignored++;
                continue;
            }
            nib = iei & 0xf;
            v = &nib;
            vlen = 1;
        } else if (d && d->fmt == NAS_F_TV) {
            if (len - pos - 1 < d->min)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, iei);
            v = buf + pos + 1;
            vlen = d->min;
            pos += 1 + vlen;
        } else if (d ? d->fmt == NAS_F_TLVE : (iei & 0xf8) == 0x78) {
            /* TS 24.007 11.2.4: in EPS messages IEIs 0x78..0x7f are TLV-E */
            if (len - pos < 3)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, iei);
            vlen = nas_get16(buf + pos + 1);
            if (vlen > len - pos - 3)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, iei);
            v = buf + pos + 3;
            pos += 3 + vlen;
        } else {
            /* TS 24.007 11.2.4: an unknown IEI 0000xxxx is "comprehension
             * required" and is handled as a missing mandatory IE
             * (TS 24.301 7.6.1); any other unknown IEI is a TLV. */
            if (!d && (iei & 0xf0) == 0)
                return fail(m, NAS_ERR_COMPREHENSION, pos, NULL, iei);
            if (len - pos < 2)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, iei);
            vlen = buf[pos + 1];
            if (vlen > len - pos - 2)
                return fail(m, NAS_ERR_IE_TRUNCATED, pos, d, iei);
            v = buf + pos + 2;
            pos += 2 + vlen;
        }
        /* TS 24.301 7.6.1 unknown IEs are skipped; 7.6.3 of a repeated IE
         * only the first is handled; 7.6.2 an IE out of its place in the
         * message's sequence is ignored (ours are never "comprehension
         * required"). */
        if (!d || (seen & (1ull << idx)) || idx < last) {
            m->ignored++;
            continue;
        }
        seen |= 1ull << idx;
        last = idx;
        /* TS 24.301 7.5.3: a syntactically incorrect optional IE is treated
         * as not present */
        if (vlen < d->min || (vlen > d->max && !extendable(d->codec))) {
            m->ignored++;
            continue;
        }
        r = nas_codecs[d->codec]->dec(d, v, vlen, body + d->off);
        if (r == -NAS_ERR_MANDATORY_INVALID || r == -NAS_ERR_IE_TOO_LONG) {
            memset(body + d->off, 0, d->size);
            m->ignored++;
            continue;
        }
        /* errors with an ESM cause of their own (TFT, 24.301 6.4.2.4) stand */
        if (r < 0)
            return fail(m, (enum nas_err)-r, start, d, iei);
        body[d->has_off] = 1;
        if (r >= 0)
            count_extension(d, body + d->off, vlen, m);
    }
    return 0;
}

/* Conditional IEs (TS 24.301 7.5.3): those whose presence depends on
 * another field. */
static int check_conditional(struct nas_message *m, size_t len)
{
    /* TS 24.301 8.2.5.2: AUTS present iff the cause is #21 synch failure */
    if (m->id == NAS_MSG_AUTH_FAILURE && m->auth_failure.emm_cause == 21 &&
        !m->auth_failure.has_auts)
        return fail(m, NAS_ERR_CONDITIONAL, len, NULL, 0x30);
    return 0;
}

/* TS 24.301 8.2.11: the two detach requests share message type 0x45.  A
 * caller that knows the direction says so; otherwise the octets tell:
 * the UE originating one has the NAS key set identifier in bits 8-5 of
 * octet 3 and an LV EPS mobile identity at octet 4 (8.2.11.1); the UE
 * terminated one has a spare half octet there and, at octet 4, only the
 * optional EMM cause (IEI 0x53, 8.2.11.2).  No IE of either has an IEI
 * below 0x10 (TS 24.007 11.2.4: those would be "comprehension required"),
 * so an octet 4 below 0x10 is a length even when the identity it announces
 * is cut short, and a 3-octet message with a KSI or the switch-off bit is
 * a UE originating one that lost its identity.  Only "07 45 0x" with
 * x < 8 stays ambiguous; it reads as the complete UE terminated one. */
static enum nas_msg_id detach_kind(const uint8_t *buf, size_t len, enum nas_dir dir)
{
    if (dir == NAS_DIR_UL)
        return NAS_MSG_DETACH_REQUEST_UE;
    if (dir == NAS_DIR_DL)
        return NAS_MSG_DETACH_REQUEST_NW;
    if (len >= 4)
        return buf[3] < 0x10 ? NAS_MSG_DETACH_REQUEST_UE : NAS_MSG_DETACH_REQUEST_NW;
    if (len == 3 && (buf[2] & 0xf8))  /* KSI, or switch off (spare towards the UE) */
        return NAS_MSG_DETACH_REQUEST_UE;
    return NAS_MSG_DETACH_REQUEST_NW;
}

static enum nas_msg_id lookup(uint8_t pd, uint8_t type, const uint8_t *buf, size_t len,
                              enum nas_dir dir)
{
    if (pd == NAS_PD_EMM && type == 0x45)
        return detach_kind(buf, len, dir);
    for (int id = NAS_MSG_NONE + 1; id < NAS_MSG_COUNT; id++)
        if (nas_msg_specs[id].pd == pd && nas_msg_specs[id].type == type &&
            id != NAS_MSG_SERVICE_REQUEST)
            return (enum nas_msg_id)id;
    return NAS_MSG_NONE;
}

int nas_decode_plain(const uint8_t *buf, size_t len, struct nas_message *m)
{
    return nas_decode_plain_dir(buf, len, NAS_DIR_UNKNOWN, m);
}

int nas_decode_plain_dir(const uint8_t *buf, size_t len, enum nas_dir dir, struct nas_message *m)
{
    const struct nas_msg_spec *s;
    uint8_t *body = (uint8_t *)m + BODY_OFF;
    size_t pos;
    unsigned first = 0;
    int r;

    m->id = NAS_MSG_NONE;
    m->pd = m->msg_type = m->ebi = m->pti = 0;
    m->ignored = 0;
    memset(&m->err, 0, sizeof(m->err));
    /* TS 24.301 7.2: too short to hold a complete header: ignore.  (A NAS
     * message is carried in at most 64 KB; beyond that is not NAS.) */
    if (len > 0xffff + 16)
        return fail(m, NAS_ERR_IE_TOO_LONG, 0, NULL, 0);
    if (len < 1)
        return fail(m, NAS_ERR_TOO_SHORT, 0, NULL, 0);
    m->pd = buf[0] & 0xf;
    if (m->pd == NAS_PD_EMM) {
        uint8_t sht = buf[0] >> 4;

        if (sht >= NAS_SHT_SERVICE_REQUEST) {
            /* TS 24.301 9.3.1: 1101..1111 are handled as 1100 */
            if (len < 4)
                return fail(m, NAS_ERR_TOO_SHORT, 0, NULL, 0);
            m->id = NAS_MSG_SERVICE_REQUEST;
            if (sht != NAS_SHT_SERVICE_REQUEST)
                m->ignored++;  /* re-encoded as 1100 */
            pos = 1;
        } else if (sht >= NAS_SHT_INTEGRITY && sht <= NAS_SHT_INTEGRITY_CIPHERED_NEW_CTX) {
            return fail(m, NAS_ERR_PROTECTED, 0, NULL, 0);
        } else if (sht != NAS_SHT_PLAIN) {
            return fail(m, NAS_ERR_UNKNOWN_SHT, 0, NULL, 0);
        } else {
            if (len < 2)
                return fail(m, NAS_ERR_TOO_SHORT, 0, NULL, 0);
            m->msg_type = buf[1];
            pos = 2;
        }
    } else if (m->pd == NAS_PD_ESM) {
        if (len < 3)
            return fail(m, NAS_ERR_TOO_SHORT, 0, NULL, 0);
        m->ebi = buf[0] >> 4;
        m->pti = buf[1];
        m->msg_type = buf[2];
        pos = 3;
    } else {
        /* TS 24.301 7.2 / TS 24.007 11.2.3.1.1: not ours, ignore */
        return fail(m, NAS_ERR_UNKNOWN_PD, 0, NULL, 0);
    }
    if (m->id == NAS_MSG_NONE)
        m->id = lookup(m->pd, m->msg_type, buf, len, dir);
    /* TS 24.301 7.4: unknown message type -> status with cause #97 */
    if (m->id == NAS_MSG_NONE)
        return fail(m, NAS_ERR_UNKNOWN_MSG_TYPE, pos - 1, NULL, 0);
    s = &nas_msg_specs[m->id];
    memset(body, 0, s->size);
    r = decode_mandatory(s, buf, len, &pos, &first, body, m);
    if (r < 0)
        return r;
    r = decode_optional(s, first, buf, len, pos, body, m);
    if (r < 0)
        return r;
    r = check_conditional(m, len);
    if (r < 0)
        return r;
    return (int)len;
}

/* ------------------------------------------------------------- encode */

static int encode_ie(const struct nas_ie_desc *d, const uint8_t *field, uint8_t *buf, size_t cap,
                     size_t *ppos, bool *half)
{
    const struct nas_codec_ops *ops = nas_codecs[d->codec];
    size_t pos = *ppos, hdr;
    uint8_t nib;
    int r;

    switch (d->fmt) {
    case NAS_F_VH:
    case NAS_F_TV1:
        r = ops->enc(d, field, &nib, 1);
        if (r < 0)
            return r;
        if (nib > 15)
            return -NAS_ERR_INVALID;
        if (d->fmt == NAS_F_VH && *half) {
            buf[pos - 1] |= (uint8_t)(nib << 4);
            *half = false;
            return 0;
        }
        if (pos >= cap)
            return -NAS_ERR_NOSPC;
        buf[pos] = d->fmt == NAS_F_TV1 ? (uint8_t)(d->iei | nib) : nib;
        *half = d->fmt == NAS_F_VH;
        *ppos = pos + 1;
        return 0;
    case NAS_F_V: hdr = 0; break;
    case NAS_F_TV: hdr = 1; break;
    case NAS_F_LV: hdr = 1; break;
    case NAS_F_LVE: hdr = 2; break;
    case NAS_F_TLV: hdr = 2; break;
    default: hdr = 3; break;  /* NAS_F_TLVE */
    }
    if (cap - pos < hdr)
        return -NAS_ERR_NOSPC;
    r = ops->enc(d, field, buf + pos + hdr, cap - pos - hdr);
    if (r < 0)
        return r;
    if ((size_t)r < d->min || (size_t)r > d->max)
        return -NAS_ERR_INVALID;
    switch (d->fmt) {
    case NAS_F_TV:
        buf[pos] = d->iei;
        break;
    case NAS_F_LV:
        if (r > 255)
            return -NAS_ERR_INVALID;
        buf[pos] = (uint8_t)r;
        break;
    case NAS_F_LVE:
        nas_put16(buf + pos, (uint16_t)r);
        break;
    case NAS_F_TLV:
        if (r > 255)
            return -NAS_ERR_INVALID;
        buf[pos] = d->iei;
        buf[pos + 1] = (uint8_t)r;
        break;
    case NAS_F_TLVE:
        buf[pos] = d->iei;
        nas_put16(buf + pos + 1, (uint16_t)r);
        break;
    }
    *ppos = pos + hdr + (size_t)r;
    return 0;
}

int nas_encode_plain(const struct nas_message *m, uint8_t *buf, size_t cap)
{
    const struct nas_msg_spec *s;
    const uint8_t *body = (const uint8_t *)m + BODY_OFF;
    size_t pos;
    bool half = false;

    if (m->id <= NAS_MSG_NONE || m->id >= NAS_MSG_COUNT)
        return -NAS_ERR_INVALID;
    s = &nas_msg_specs[m->id];
    if (m->id == NAS_MSG_SERVICE_REQUEST) {
        /* TS 24.301 8.2.25: security header type 1100, no message type */
        if (cap < 1)
            return -NAS_ERR_NOSPC;
        buf[0] = NAS_SHT_SERVICE_REQUEST << 4 | NAS_PD_EMM;
        pos = 1;
    } else if (s->pd == NAS_PD_EMM) {
        if (cap < 2)
            return -NAS_ERR_NOSPC;
        buf[0] = NAS_PD_EMM;
        buf[1] = s->type;
        pos = 2;
    } else {
        if (cap < 3)
            return -NAS_ERR_NOSPC;
        if (m->ebi > 15)
            return -NAS_ERR_INVALID;
        buf[0] = (uint8_t)(m->ebi << 4 | NAS_PD_ESM);
        buf[1] = m->pti;
        buf[2] = s->type;
        pos = 3;
    }
    for (unsigned i = 0; i < s->n_ies; i++) {
        const struct nas_ie_desc *d = &s->ies[i];
        int r;

        if (d->has_off != NAS_NO_FLAG && !body[d->has_off])
            continue;
        r = encode_ie(d, body + d->off, buf, cap, &pos, &half);
        if (r < 0)
            return r;
    }
    return (int)pos;
}

/* -------------------------------------------------------------- errors */

const char *nas_err_str(enum nas_err e)
{
    static const char *const s[NAS_ERR__COUNT] = {
        [NAS_OK] = "success",
        [NAS_ERR_TOO_SHORT] = "message too short",
        [NAS_ERR_UNKNOWN_PD] = "unknown protocol discriminator",
        [NAS_ERR_PROTECTED] = "security protected message (unprotect it first)",
        [NAS_ERR_UNKNOWN_SHT] = "reserved security header type",
        [NAS_ERR_UNKNOWN_MSG_TYPE] = "unknown message type",
        [NAS_ERR_MISSING_MANDATORY] = "missing mandatory IE",
        [NAS_ERR_IE_TRUNCATED] = "IE length exceeds the message",
        [NAS_ERR_MANDATORY_LENGTH] = "mandatory IE shorter than its minimum length",
        [NAS_ERR_MANDATORY_INVALID] = "invalid value in mandatory IE",
        [NAS_ERR_IE_TOO_LONG] = "IE longer than supported",
        [NAS_ERR_COMPREHENSION] = "unknown IE with comprehension required",
        [NAS_ERR_CONDITIONAL] = "conditional IE error",
        [NAS_ERR_SEMANTIC] = "semantically incorrect message",
        [NAS_ERR_TFT_OP_SEMANTIC] = "semantic error in the TFT operation",
        [NAS_ERR_TFT_OP_SYNTAX] = "syntactical error in the TFT operation",
        [NAS_ERR_PF_SEMANTIC] = "semantic error in packet filter",
        [NAS_ERR_PF_SYNTAX] = "syntactical error in packet filter",
        [NAS_ERR_NOSPC] = "buffer too small",
        [NAS_ERR_INVALID] = "field value cannot be encoded",
    };

    if ((unsigned)e >= NAS_ERR__COUNT)
        return "unknown error";
    return s[e];
}

static uint8_t common_cause(enum nas_err e)
{
    switch (e) {
    case NAS_ERR_UNKNOWN_MSG_TYPE:
        return 97;  /* TS 24.301 7.4 */
    case NAS_ERR_MISSING_MANDATORY:
    case NAS_ERR_IE_TRUNCATED:
    case NAS_ERR_MANDATORY_LENGTH:
    case NAS_ERR_MANDATORY_INVALID:
    case NAS_ERR_IE_TOO_LONG:
    case NAS_ERR_COMPREHENSION:
        return 96;  /* TS 24.301 7.5.1, 7.5.2, 7.6.1 */
    case NAS_ERR_CONDITIONAL:
        return 100; /* TS 24.301 7.5.3 */
    case NAS_ERR_SEMANTIC:
        return 95;  /* TS 24.301 annex A.5 */
    case NAS_ERR_NOSPC:
    case NAS_ERR_INVALID:
        return 111;
    default:
        return 0;   /* TS 24.301 7.2, 7.3: ignore the message */
    }
}

uint8_t nas_err_emm_cause(enum nas_err e)
{
    switch (e) {
    case NAS_ERR_TFT_OP_SEMANTIC:
    case NAS_ERR_PF_SEMANTIC:
        return 95;
    case NAS_ERR_TFT_OP_SYNTAX:
    case NAS_ERR_PF_SYNTAX:
        return 96;
    default:
        return common_cause(e);
    }
}

uint8_t nas_err_esm_cause(enum nas_err e)
{
    /* TS 24.301 6.4.2.4 (also 6.5.3.4 / 6.5.4.4 for the UE's requests) */
    switch (e) {
    case NAS_ERR_TFT_OP_SEMANTIC: return 41;
    case NAS_ERR_TFT_OP_SYNTAX: return 42;
    case NAS_ERR_PF_SEMANTIC: return 44;
    case NAS_ERR_PF_SYNTAX: return 45;
    default: return common_cause(e);
    }
}
