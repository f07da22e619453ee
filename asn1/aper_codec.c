/* Table-driven APER codec over the descriptors of aper.h.
 * X.691 clause numbers for the encodings, TS 36.413 for the IE containers. */
#include <errno.h>
#include <string.h>

#include "aper.h"

#define APER_MAX_DEPTH 48

#define AT(v, off) ((uint8_t *)(v) + (off))
#define CAT(v, off) ((const uint8_t *)(v) + (off))

/* ---------------------------------------------------- scalar storage -- */

static aper_int_t load_int(const struct aper_type *t, const void *p)
{
    switch (t->repr) {
    case APER_R_U8:  return *(const uint8_t *)p;
    case APER_R_U16: return *(const uint16_t *)p;
    case APER_R_U32: return *(const uint32_t *)p;
    case APER_R_U64: return *(const uint64_t *)p;
    case APER_R_I32: return *(const int32_t *)p;
    case APER_R_I64: return *(const int64_t *)p;
    default:         return 0;
    }
}

static int store_int(const struct aper_type *t, void *p, aper_int_t v)
{
    switch (t->repr) {
    case APER_R_U8:  if (v < 0 || v > UINT8_MAX) return -EBADMSG; *(uint8_t *)p = (uint8_t)v; return 0;
    case APER_R_U16: if (v < 0 || v > UINT16_MAX) return -EBADMSG; *(uint16_t *)p = (uint16_t)v; return 0;
    case APER_R_U32: if (v < 0 || v > UINT32_MAX) return -EBADMSG; *(uint32_t *)p = (uint32_t)v; return 0;
    case APER_R_U64: if (v < 0 || v > UINT64_MAX) return -EBADMSG; *(uint64_t *)p = (uint64_t)v; return 0;
    case APER_R_I32: if (v < INT32_MIN || v > INT32_MAX) return -EBADMSG; *(int32_t *)p = (int32_t)v; return 0;
    case APER_R_I64: if (v < INT64_MIN || v > INT64_MAX) return -EBADMSG; *(int64_t *)p = (int64_t)v; return 0;
    default:         return -EINVAL;
    }
}

static bool member_present(const struct aper_member *m, const void *v);

/* An IE container is present when it holds at least one IE. */
static bool container_nonempty(const struct aper_type *t, const void *v)
{
    for (unsigned i = 0; i < t->n_ies; i++) {
        const struct aper_ie *ie = &t->ies[i];
        if (ie->present_offset < 0 || *(const bool *)CAT(v, ie->present_offset))
            return true;
    }
    return false;
}

static bool member_present(const struct aper_member *m, const void *v)
{
    if (!m->optional)
        return true;
    if (m->offset < 0)
        return false;                 /* nothing stored: never sent */
    if (m->present_offset >= 0)
        return *(const bool *)CAT(v, m->present_offset);
    if (m->type->kind == APER_IE_CONTAINER)
        return container_nonempty(m->type, CAT(v, m->offset));
    return true;
}

/* ------------------------------------------------------------ encode -- */

static int enc(struct aper_writer *w, const struct aper_type *t, const void *v, unsigned depth);

static int enc_open(struct aper_writer *w, const struct aper_type *t, const void *v,
                    unsigned depth)
{
    struct aper_writer inner;
    int rc = aper_open_begin(w, &inner);
    if (rc)
        return rc;
    if ((rc = enc(&inner, t, v, depth + 1)))
        return rc;
    return aper_open_end(w, &inner);
}

/* ProtocolIE-Field / ProtocolExtensionField: id, criticality, open value. */
static int enc_field(struct aper_writer *w, const struct aper_ie *ie, const void *v,
                     unsigned depth)
{
    int rc = aper_put_cwn(w, ie->id, 65535);            /* ProtocolIE-ID 0..65535 */
    if (rc || (rc = aper_put_enumerated(w, 3, false, ie->criticality)))
        return rc;
    return enc_open(w, ie->type, v, depth);
}

static int enc_bits_fixed(struct aper_writer *w, const struct aper_type *t, uint64_t val)
{
    unsigned n = (unsigned)t->c.ub;
    uint8_t b[8];

    if (n < 64 && (val >> n))
        return -ERANGE;
    val <<= 64 - n;                                   /* left-align, MSB first */
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(val >> (56 - 8 * i));
    return aper_put_bitstring(w, &t->c, b, n);
}

static int enc_sequence(struct aper_writer *w, const struct aper_type *t, const void *v,
                        unsigned depth)
{
    unsigned n_add = t->n_items - t->n_root;
    bool any_add = false;
    int rc;

    for (unsigned i = t->n_root; i < t->n_items; i++)
        any_add |= member_present(&t->members[i], v);
    if (t->ext && (rc = aper_put_bits(w, any_add, 1)))   /* 19.1 */
        return rc;
    for (unsigned i = 0; i < t->n_root; i++)             /* 19.2 bitmap */
        if (t->members[i].optional &&
            (rc = aper_put_bits(w, member_present(&t->members[i], v), 1)))
            return rc;
    for (unsigned i = 0; i < t->n_root; i++) {
        const struct aper_member *m = &t->members[i];
        if (!member_present(m, v))
            continue;
        if ((rc = enc(w, m->type, m->offset < 0 ? NULL : CAT(v, m->offset), depth + 1)))
            return rc;
    }
    if (!any_add)
        return 0;
    /* 19.7-19.9: normally small length of the addition count, presence
     * bitmap, then each present addition as an open type. */
    if (n_add <= 64)
        rc = aper_put_bits(w, n_add - 1, 7);
    else
        rc = -ERANGE;
    if (rc)
        return rc;
    for (unsigned i = t->n_root; i < t->n_items; i++)
        if ((rc = aper_put_bits(w, member_present(&t->members[i], v), 1)))
            return rc;
    for (unsigned i = t->n_root; i < t->n_items; i++) {
        const struct aper_member *m = &t->members[i];
        if (member_present(m, v) && (rc = enc_open(w, m->type, CAT(v, m->offset), depth)))
            return rc;
    }
    return 0;
}

static int enc_choice(struct aper_writer *w, const struct aper_type *t, const void *v,
                      unsigned depth)
{
    uint32_t present = ((const struct aper_choice_hdr *)v)->present;
    int rc;

    if (present == 0 || present > t->n_items)
        return -EINVAL;
    unsigned idx = present - 1;
    const struct aper_member *m = &t->members[idx];
    if (t->ext && (rc = aper_put_bits(w, idx >= t->n_root, 1)))   /* 23.5 */
        return rc;
    if (idx < t->n_root) {
        if ((rc = aper_put_cwn(w, idx, t->n_root - 1)))          /* 23.6 */
            return rc;
        return enc(w, m->type, CAT(v, m->offset), depth + 1);
    }
    if ((rc = aper_put_nsnnwn(w, idx - t->n_root)))              /* 23.8 */
        return rc;
    return enc_open(w, m->type, CAT(v, m->offset), depth);
}

static int enc_sequence_of(struct aper_writer *w, const struct aper_type *t, const void *v,
                           unsigned depth)
{
    const struct aper_seqof *so = v;
    const struct aper_constraint *c = &t->c;
    bool constrained = c->has_ub;
    uint64_t n = so->count, done = 0, chunk;
    int rc;

    if (n && !so->items)
        return -EINVAL;
    if (c->ext) {                                                 /* 20.4 */
        bool root = constrained && n >= (uint64_t)c->lb && n <= (uint64_t)c->ub;
        if ((rc = aper_put_bits(w, !root, 1)))
            return rc;
        constrained = root;
    } else if ((c->has_lb && n < (uint64_t)c->lb) || (c->has_ub && n > (uint64_t)c->ub)) {
        return -ERANGE;
    }
    do {
        if (constrained && c->lb == c->ub && c->ub < 65536)
            chunk = n;                                            /* 20.5: no length */
        else if ((rc = aper_put_length(w, constrained ? (uint64_t)c->lb : 0,
                                       constrained ? (uint64_t)c->ub : 0, constrained,
                                       n - done, &chunk)))
            return rc;
        for (uint64_t i = done; i < done + chunk; i++)
            if ((rc = enc(w, t->elem, (const uint8_t *)so->items + i * t->elem->c_size,
                          depth + 1)))
                return rc;
        done += chunk;
    } while (chunk >= 16384 && !(constrained && c->ub < 65536));
    return 0;
}

static int enc_container(struct aper_writer *w, const struct aper_type *t, const void *v,
                         unsigned depth)
{
    uint64_t n = 0, enc_n;
    int rc;

    for (unsigned i = 0; i < t->n_ies; i++) {
        const struct aper_ie *ie = &t->ies[i];
        if (ie->present_offset < 0 || *(const bool *)CAT(v, ie->present_offset))
            n++;
    }
    if ((rc = aper_put_length(w, (uint64_t)t->c.lb, (uint64_t)t->c.ub, true, n, &enc_n)))
        return rc;
    for (unsigned i = 0; i < t->n_ies; i++) {
        const struct aper_ie *ie = &t->ies[i];
        if (ie->present_offset >= 0 && !*(const bool *)CAT(v, ie->present_offset))
            continue;
        if ((rc = enc_field(w, ie, CAT(v, ie->offset), depth)))
            return rc;
    }
    return 0;
}

static int enc(struct aper_writer *w, const struct aper_type *t, const void *v, unsigned depth)
{
    if (depth > APER_MAX_DEPTH)
        return -ELOOP;
    switch (t->kind) {
    case APER_INTEGER:
        return aper_put_integer(w, &t->c, load_int(t, v));
    case APER_ENUMERATED: {
        int idx = *(const int *)v;
        if (idx < 0 || idx >= t->n_items)
            return -ERANGE;
        return aper_put_enumerated(w, t->n_root, t->ext, (unsigned)idx);
    }
    case APER_BOOLEAN:
        return aper_put_boolean(w, *(const bool *)v);
    case APER_NULL:
        return 0;
    case APER_BIT_STRING:
        if (t->repr == APER_R_BITS_U32)
            return enc_bits_fixed(w, t, *(const uint32_t *)v);
        if (t->repr == APER_R_BITS_U64)
            return enc_bits_fixed(w, t, *(const uint64_t *)v);
        {
            const struct aper_bits *b = v;
            if (b->nbits && !b->buf)
                return -EINVAL;
            return aper_put_bitstring(w, &t->c, b->buf, b->nbits);
        }
    case APER_OCTET_STRING:
        if (t->repr == APER_R_ARRAY)
            return aper_put_octets(w, &t->c, v, (size_t)t->c.ub);
        /* fallthrough */
    case APER_CHAR_STRING: {
        const struct aper_octets *o = v;
        if (o->len && !o->buf)
            return -EINVAL;
        if (t->kind == APER_CHAR_STRING)
            return aper_put_charstring(w, &t->c, t->char_bits, o->buf, o->len);
        return aper_put_octets(w, &t->c, o->buf, o->len);
    }
    case APER_SEQUENCE:
        return enc_sequence(w, t, v, depth);
    case APER_CHOICE:
        return enc_choice(w, t, v, depth);
    case APER_SEQUENCE_OF:
        return enc_sequence_of(w, t, v, depth);
    case APER_IE_CONTAINER:
        return enc_container(w, t, v, depth);
    case APER_IE_SINGLE:
        if (t->n_ies == 0)
            return -EINVAL;       /* an empty set: no IE can be sent there */
        return enc_field(w, &t->ies[0], v, depth);
    case APER_PRIVATE_CONTAINER:
        return -EINVAL;           /* SIZE (1..): nothing we know to put in it */
    }
    return -EINVAL;
}

int aper_encode_type(struct aper_writer *w, const struct aper_type *t, const void *v)
{
    return enc(w, t, v, 0);
}

int aper_encode_complete(const struct aper_type *t, const void *v, uint8_t *buf, size_t cap)
{
    struct aper_writer w;
    int rc;

    aper_writer_init(&w, buf, cap);
    if ((rc = enc(&w, t, v, 0)))
        return rc;
    if (w.bitpos == 0 && (rc = aper_put_bits(&w, 0, 8)))   /* 11.1 */
        return rc;
    return (int)aper_writer_len(&w);
}

/* ------------------------------------------------------------ decode -- */

struct dec_ctx {
    struct aper_arena *arena;
    struct aper_diag *diag;
    /* the innermost IE (ProtocolIE-Field / ProtocolExtensionField) being
     * decoded: its id and the criticality it arrived with */
    bool in_ie;
    uint16_t ie_id;
    uint8_t ie_crit;
};

/* Decodes an IE's value with x->in_ie/ie_id/ie_crit set to it. */
static int dec(struct aper_reader *r, const struct aper_type *t, void *v, struct dec_ctx *x,
               unsigned depth);

static int dec_ie_value(struct aper_reader *r, const struct aper_type *t, void *v,
                        struct dec_ctx *x, unsigned depth, uint16_t id, uint8_t crit)
{
    bool in_ie = x->in_ie;
    uint16_t ie_id = x->ie_id;
    uint8_t ie_crit = x->ie_crit;
    uint16_t n_warnings = x->diag ? x->diag->n_warnings : 0;
    int rc;

    x->in_ie = true;
    x->ie_id = id;
    x->ie_crit = crit;
    rc = dec(r, t, v, x, depth);
    if (rc && x->diag)
        x->diag->n_warnings = n_warnings;     /* the value is not kept */
    x->in_ie = in_ie;
    x->ie_id = ie_id;
    x->ie_crit = ie_crit;
    return rc;
}

static void warn(struct dec_ctx *x, const struct aper_type *t, uint8_t kind)
{
    struct aper_diag *d = x->diag;

    if (!d)
        return;
    if (d->n_warnings < APER_DIAG_MAX_WARNINGS) {
        d->warnings[d->n_warnings].ie_id = x->ie_id;
        d->warnings[d->n_warnings].kind = kind;
        d->warnings[d->n_warnings].type_name = t->name;
    }
    if (d->n_warnings < UINT16_MAX)
        d->n_warnings++;
}

/* X.680 41 / X.691 27.5: every character of a known-multiplier string is
 * in its permitted alphabet.  Real eNBs break this for PrintableString
 * names (eNB_1, or RADISYS in double quotes: '_' and '"' are not
 * PrintableString characters).  Where the value sits in an IE with criticality ignore the
 * receiver could drop the IE (TS 36.413 10.3.4.2); it keeps the value as
 * it arrived instead (the encoder sends it back unchanged) and records a
 * warning for the caller to log and count.  Anywhere else the value is
 * refused as before. */
static int check_alphabet(struct dec_ctx *x, const struct aper_type *t, const uint8_t *p,
                          size_t len)
{
    if (!t->alphabet)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!p[i] || !strchr(t->alphabet, p[i])) {
            if (x->in_ie && x->ie_crit == APER_CRIT_IGNORE) {
                warn(x, t, APER_WARN_CHARSET);
                return 0;
            }
            return -EBADMSG;                      /* 27.5.3: not in the set */
        }
    return 0;
}

/* Records where the first syntax problem was found (for logs and for the
 * Criticality Diagnostics the MME sends back). */
static int fail(struct dec_ctx *x, const struct aper_reader *r, const struct aper_type *t,
                int rc, const char *what)
{
    if (x->diag && !x->diag->detail) {
        x->diag->detail = what;
        x->diag->type_name = t ? t->name : NULL;
        x->diag->bit_offset = r ? r->bitpos : 0;
    }
    return rc;
}

static const char *rc_text(int rc)
{
    switch (rc) {
    case -EBADMSG: return "truncated or invalid encoding";
    case -ENOMEM:  return "decode arena exhausted";
    case -ELOOP:   return "nesting too deep";
    case -ERANGE:  return "value outside its constraint";
    default:       return "decode error";
    }
}

/* Not comprehended IEs are listed when their criticality asks for a report
 * (10.3.4.1: "ignore" ones are skipped silently); missing mandatory IEs are
 * always listed, since a mandatory field has no presence flag and the
 * receiver must know that it is zero only because it was absent (10.3.5:
 * "continue with the procedure based on the other IEs"). */
static void diag_ie(struct aper_diag *d, uint16_t id, uint8_t crit, uint8_t type)
{
    if (!d)
        return;
    if (crit == APER_CRIT_REJECT)
        d->reject = true;
    else if (crit == APER_CRIT_NOTIFY)
        d->notify = true;
    else if (type != APER_IE_MISSING)
        return;
    if (d->n_ies >= APER_DIAG_MAX_IES) {
        d->ies_truncated = true;
        return;
    }
    d->ies[d->n_ies].id = id;
    d->ies[d->n_ies].criticality = crit;
    d->ies[d->n_ies].type_of_error = type;
    d->n_ies++;
}

static int dec(struct aper_reader *r, const struct aper_type *t, void *v, struct dec_ctx *x,
               unsigned depth);

static int dec_open(struct aper_reader *r, const struct aper_type *t, void *v,
                    struct dec_ctx *x, unsigned depth)
{
    struct aper_reader inner;
    int rc = aper_open_get(r, x->arena, &inner);
    if (rc)
        return fail(x, r, t, rc, "open type length");
    return dec(&inner, t, v, x, depth + 1);
}

static int dec_bits_fixed(struct aper_reader *r, const struct aper_type *t, void *v,
                          struct dec_ctx *x)
{
    unsigned n = (unsigned)t->c.ub;
    uint64_t val;
    int rc;

    if (n <= 16) {
        rc = aper_get_bits(r, n, &val);                      /* 16.9 */
    } else {
        rc = aper_get_align(r) ?: aper_get_bits(r, n, &val); /* 16.10 */
    }
    if (rc)
        return fail(x, r, t, rc, "BIT STRING");
    if (t->repr == APER_R_BITS_U32)
        *(uint32_t *)v = (uint32_t)val;
    else
        *(uint64_t *)v = val;
    return 0;
}

static int dec_sequence(struct aper_reader *r, const struct aper_type *t, void *v,
                        struct dec_ctx *x, unsigned depth)
{
    uint64_t ext = 0, bit;
    bool present[64];   /* n_root <= 64, checked below */
    int rc;

    if (t->n_root > 64 || t->n_items < t->n_root)
        return fail(x, r, t, -EINVAL, "bad SEQUENCE descriptor");
    if (t->ext && (rc = aper_get_bits(r, 1, &ext)))
        return fail(x, r, t, rc, "SEQUENCE extension bit");
    for (unsigned i = 0; i < t->n_root; i++) {
        const struct aper_member *m = &t->members[i];
        present[i] = true;
        if (!m->optional)
            continue;
        if ((rc = aper_get_bits(r, 1, &bit)))
            return fail(x, r, t, rc, "SEQUENCE preamble");
        present[i] = bit;
    }
    for (unsigned i = 0; i < t->n_root; i++) {
        const struct aper_member *m = &t->members[i];
        if (!present[i])
            continue;
        if (m->offset < 0) {
            /* an empty extension set: decode for validation, then drop */
            uint8_t scratch[8] = { 0 };
            if ((rc = dec(r, m->type, scratch, x, depth + 1)))
                return rc;
            continue;
        }
        if (m->present_offset >= 0)
            *(bool *)AT(v, m->present_offset) = true;
        if ((rc = dec(r, m->type, AT(v, m->offset), x, depth + 1)))
            return rc;
    }
    if (!ext)
        return 0;
    /* 19.7-19.9: extension additions */
    uint64_t n, more_bit;
    if ((rc = aper_get_bits(r, 1, &more_bit)))
        return fail(x, r, t, rc, "extension additions count");
    if (more_bit) {
        bool more;
        if ((rc = aper_get_length(r, 0, 0, false, &n, &more)) || more || n == 0)
            return fail(x, r, t, rc ?: -EBADMSG, "extension additions count");
    } else {
        if ((rc = aper_get_bits(r, 6, &n)))
            return fail(x, r, t, rc, "extension additions count");
        n += 1;
    }
    struct aper_reader bitmap = *r;
    if (n > r->nbits - r->bitpos)
        return fail(x, r, t, -EBADMSG, "extension additions bitmap");
    r->bitpos += n;
    for (uint64_t i = 0; i < n; i++) {
        if ((rc = aper_get_bits(&bitmap, 1, &bit)))
            return fail(x, r, t, rc, "extension additions bitmap");
        if (!bit)
            continue;
        unsigned idx = t->n_root + (unsigned)i;
        if (idx < t->n_items && t->members[idx].offset >= 0) {
            const struct aper_member *m = &t->members[idx];
            if (m->present_offset >= 0)
                *(bool *)AT(v, m->present_offset) = true;
            if ((rc = dec_open(r, m->type, AT(v, m->offset), x, depth)))
                return rc;
        } else {
            struct aper_reader skip;                    /* unknown addition */
            if ((rc = aper_open_get(r, x->arena, &skip)))
                return fail(x, r, t, rc, "extension addition");
        }
    }
    return 0;
}

static int dec_choice(struct aper_reader *r, const struct aper_type *t, void *v,
                      struct dec_ctx *x, unsigned depth)
{
    uint64_t ext = 0, idx;
    int rc;

    if (t->n_root == 0 || t->n_items < t->n_root)
        return fail(x, r, t, -EINVAL, "bad CHOICE descriptor");
    if (t->ext && (rc = aper_get_bits(r, 1, &ext)))
        return fail(x, r, t, rc, "CHOICE extension bit");
    if (!ext) {
        if ((rc = aper_get_cwn(r, t->n_root - 1, &idx)))
            return fail(x, r, t, rc, "CHOICE index");
        ((struct aper_choice_hdr *)v)->present = (uint32_t)idx + 1;
        const struct aper_member *m = &t->members[idx];
        return dec(r, m->type, AT(v, m->offset), x, depth + 1);
    }
    if ((rc = aper_get_nsnnwn(r, &idx)))
        return fail(x, r, t, rc, "CHOICE extension index");
    if (idx >= (uint64_t)(t->n_items - t->n_root))
        return fail(x, r, t, -EBADMSG, "unknown CHOICE extension alternative");
    idx += t->n_root;
    ((struct aper_choice_hdr *)v)->present = (uint32_t)idx + 1;
    const struct aper_member *m = &t->members[idx];
    return dec_open(r, m->type, AT(v, m->offset), x, depth);
}

static int dec_sequence_of(struct aper_reader *r, const struct aper_type *t, void *v,
                           struct dec_ctx *x, unsigned depth)
{
    struct aper_seqof *so = v;
    const struct aper_constraint *c = &t->c;
    bool constrained = c->has_ub, more = false;
    uint64_t ext = 0, n;
    int rc;

    if (c->ext && (rc = aper_get_bits(r, 1, &ext)))
        return fail(x, r, t, rc, "SEQUENCE OF extension bit");
    if (ext)
        constrained = false;
    if (constrained && c->lb == c->ub && c->ub < 65536)
        n = (uint64_t)c->ub;
    else if ((rc = aper_get_length(r, constrained ? (uint64_t)c->lb : 0,
                                   constrained ? (uint64_t)c->ub : 0, constrained, &n, &more)))
        return fail(x, r, t, rc, "SEQUENCE OF length");
    if (more)   /* 64K+ items: no S1AP list comes close; refuse */
        return fail(x, r, t, -EBADMSG, "fragmented SEQUENCE OF");
    if (!ext && ((c->has_lb && n < (uint64_t)c->lb) || (c->has_ub && n > (uint64_t)c->ub)))
        return fail(x, r, t, -EBADMSG, "SEQUENCE OF size outside its constraint");
    so->count = 0;
    so->items = NULL;
    if (n == 0)
        return 0;
    size_t sz = t->elem->c_size;
    if (n > SIZE_MAX / (sz ? sz : 1))
        return fail(x, r, t, -ENOMEM, "SEQUENCE OF too large");
    void *items = aper_arena_alloc(x->arena, n * sz, 8);
    if (!items)
        return fail(x, r, t, -ENOMEM, rc_text(-ENOMEM));
    for (uint64_t i = 0; i < n; i++)
        if ((rc = dec(r, t->elem, (uint8_t *)items + i * sz, x, depth + 1)))
            return rc;
    so->count = (uint32_t)n;
    so->items = items;
    return 0;
}

/* One ProtocolIE-Field: id, criticality and the open type holding it. */
static int dec_field_hdr(struct aper_reader *r, const struct aper_type *t, struct dec_ctx *x,
                         uint16_t *id, uint8_t *crit, struct aper_reader *value)
{
    uint64_t v;
    unsigned c;
    int rc;

    if ((rc = aper_get_cwn(r, 65535, &v)))
        return fail(x, r, t, rc, "IE id");
    *id = (uint16_t)v;
    if ((rc = aper_get_enumerated(r, 3, false, 0, &c)))
        return fail(x, r, t, rc, "IE criticality");
    *crit = (uint8_t)c;
    if ((rc = aper_open_get(r, x->arena, value)))
        return fail(x, r, t, rc, "IE value length");
    return 0;
}

static const struct aper_ie *find_ie(const struct aper_type *t, uint16_t id, unsigned *pos)
{
    for (unsigned i = 0; i < t->n_ies; i++)
        if (t->ies[i].id == id) {
            *pos = i;
            return &t->ies[i];
        }
    return NULL;
}

static int dec_container(struct aper_reader *r, const struct aper_type *t, void *v,
                         struct dec_ctx *x, unsigned depth)
{
    uint64_t n;
    bool more;
    uint64_t seen_lo = 0, seen_hi = 0;  /* bitmap of set positions received */
    bool decoded[128] = { false };      /* ... and decoded into v */
    int last = -1, rc;

    if (t->n_ies > 128)
        return fail(x, r, t, -EINVAL, "bad IE container descriptor");
    if ((rc = aper_get_length(r, (uint64_t)t->c.lb, (uint64_t)t->c.ub, true, &n, &more)))
        return fail(x, r, t, rc, "IE container length");
    for (uint64_t i = 0; i < n; i++) {
        uint16_t id;
        uint8_t crit;
        struct aper_reader value;
        unsigned pos;

        if ((rc = dec_field_hdr(r, t, x, &id, &crit, &value)))
            return rc;
        const struct aper_ie *ie = find_ie(t, id, &pos);
        if (!ie) {
            /* TS 36.413 10.3.4.1/10.3.4.2: not comprehended IE, handled by
             * the criticality it arrived with. */
            diag_ie(x->diag, id, crit, APER_IE_NOT_UNDERSTOOD);
            continue;
        }
        uint64_t bit = pos < 64 ? (uint64_t)1 << pos : 0;
        bool dup = pos < 64 ? (seen_lo & bit) : (pos < 128 && (seen_hi >> (pos - 64)) & 1);
        if (dup || (int)pos < last) {
            /* TS 36.413 10.3.6: duplicated IE or IE in the wrong order */
            if (x->diag)
                x->diag->falsely_constructed = true;
            return fail(x, r, t, -EPROTO, dup ? "IE duplicated" : "IE in the wrong order");
        }
        last = (int)pos;
        if (pos < 64)
            seen_lo |= bit;
        else if (pos < 128)
            seen_hi |= (uint64_t)1 << (pos - 64);
        if (ie->offset < 0) {
            decoded[pos] = true;
            continue;
        }
        if ((rc = dec_ie_value(&value, ie->type, AT(v, ie->offset), x, depth + 1, id, crit))) {
            if (rc == -ENOMEM || rc == -ELOOP)
                return rc;
            /* TS 36.413 10.3.1/10.3.4: a value the receiver cannot take
             * (logical range violated, an extension value it does not
             * know) is an IE not comprehended, handled by criticality.
             * The open type told where the IE ends, so the rest of the
             * message is still sound. */
            memset(AT(v, ie->offset), 0, ie->type->c_size);
            diag_ie(x->diag, id, crit, APER_IE_NOT_UNDERSTOOD);
            if (crit == APER_CRIT_REJECT)
                return -EPROTO;
            continue;
        }
        if (ie->present_offset >= 0)
            *(bool *)AT(v, ie->present_offset) = true;
        decoded[pos] = true;
    }
    /* TS 36.413 10.3.5: missing mandatory IEs */
    for (unsigned i = 0; i < t->n_ies && i < 128; i++) {
        const struct aper_ie *ie = &t->ies[i];
        if (ie->presence == APER_PRES_MANDATORY && !decoded[i])
            diag_ie(x->diag, ie->id, ie->criticality, APER_IE_MISSING);
    }
    return 0;
}

static int dec_single(struct aper_reader *r, const struct aper_type *t, void *v,
                      struct dec_ctx *x, unsigned depth)
{
    struct aper_reader value;
    uint16_t id;
    uint8_t crit;
    int rc;

    if ((rc = dec_field_hdr(r, t, x, &id, &crit, &value)))
        return rc;
    if (t->n_ies == 0) {
        /* a set reserved for later releases (a CHOICE extension): the IE
         * is not comprehended, TS 36.413 10.3.4 */
        diag_ie(x->diag, id, crit, APER_IE_NOT_UNDERSTOOD);
        return crit == APER_CRIT_REJECT ? fail(x, r, t, -EPROTO, "IE not comprehended") : 0;
    }
    const struct aper_ie *ie = &t->ies[0];
    if (id != ie->id) {
        /* the list element has exactly one permitted IE */
        diag_ie(x->diag, id, crit, APER_IE_NOT_UNDERSTOOD);
        if (x->diag)
            x->diag->reject = true;
        return fail(x, r, t, -EPROTO, "unexpected IE in single container");
    }
    return dec_ie_value(&value, ie->type, v, x, depth + 1, id, crit);
}

/* PrivateIE-Container (TS 36.413 9.3.7): fields keyed by PrivateIE-ID ::=
 * CHOICE { local INTEGER (0..65535), global OBJECT IDENTIFIER }.  No private
 * IE is defined, so each is not comprehended and handled by its
 * criticality; only local ids can be named in Criticality Diagnostics. */
static int dec_private(struct aper_reader *r, const struct aper_type *t, struct dec_ctx *x)
{
    uint64_t n, global, id = 0;
    unsigned crit;
    bool more;
    int rc;

    if ((rc = aper_get_length(r, (uint64_t)t->c.lb, (uint64_t)t->c.ub, true, &n, &more)))
        return fail(x, r, t, rc, "private IE container length");
    for (uint64_t i = 0; i < n; i++) {
        struct aper_reader value;
        const uint8_t *oid;
        size_t oid_len;

        if ((rc = aper_get_bits(r, 1, &global)))
            return fail(x, r, t, rc, "PrivateIE-ID");
        if (!global)
            rc = aper_get_cwn(r, 65535, &id);
        else                                      /* X.691 24: length + BER contents */
            rc = aper_get_octets(r, NULL, x->arena, &oid, &oid_len);
        if (rc || (rc = aper_get_enumerated(r, 3, false, 0, &crit)) ||
            (rc = aper_open_get(r, x->arena, &value)))
            return fail(x, r, t, rc, "private IE");
        if (!global) {
            diag_ie(x->diag, (uint16_t)id, (uint8_t)crit, APER_IE_NOT_UNDERSTOOD);
        } else if (x->diag && crit == APER_CRIT_REJECT) {
            x->diag->reject = true;
        } else if (x->diag && crit == APER_CRIT_NOTIFY) {
            x->diag->notify = true;
        }
    }
    return 0;
}

static int dec(struct aper_reader *r, const struct aper_type *t, void *v, struct dec_ctx *x,
               unsigned depth)
{
    aper_int_t iv;
    unsigned idx;
    const uint8_t *p;
    size_t len;
    int rc;

    if (depth > APER_MAX_DEPTH)
        return fail(x, r, t, -ELOOP, rc_text(-ELOOP));
    switch (t->kind) {
    case APER_INTEGER:
        if ((rc = aper_get_integer(r, &t->c, &iv)) || (rc = store_int(t, v, iv)))
            return fail(x, r, t, rc, "INTEGER");
        return 0;
    case APER_ENUMERATED:
        if ((rc = aper_get_enumerated(r, t->n_root, t->ext, t->n_items - t->n_root, &idx)))
            return fail(x, r, t, rc, "ENUMERATED");
        *(int *)v = (int)idx;
        return 0;
    case APER_BOOLEAN:
        if ((rc = aper_get_boolean(r, (bool *)v)))
            return fail(x, r, t, rc, "BOOLEAN");
        return 0;
    case APER_NULL:
        return 0;
    case APER_BIT_STRING:
        if (t->repr == APER_R_BITS_U32 || t->repr == APER_R_BITS_U64)
            return dec_bits_fixed(r, t, v, x);
        if ((rc = aper_get_bitstring(r, &t->c, x->arena, &p, &len)))
            return fail(x, r, t, rc, "BIT STRING");
        ((struct aper_bits *)v)->buf = p;
        ((struct aper_bits *)v)->nbits = (uint32_t)len;
        return 0;
    case APER_OCTET_STRING:
    case APER_CHAR_STRING:
        if (t->kind == APER_CHAR_STRING) {
            rc = aper_get_charstring(r, &t->c, t->char_bits, NULL, x->arena, &p, &len);
            if (!rc)
                rc = check_alphabet(x, t, p, len);
        } else {
            rc = aper_get_octets(r, &t->c, x->arena, &p, &len);
        }
        if (rc)
            return fail(x, r, t, rc, t->kind == APER_CHAR_STRING ? "character string"
                                                                 : "OCTET STRING");
        if (t->repr == APER_R_ARRAY) {
            if (len != (size_t)t->c.ub)
                return fail(x, r, t, -EBADMSG, "OCTET STRING size");
            memcpy(v, p, len);
        } else {
            ((struct aper_octets *)v)->buf = p;
            ((struct aper_octets *)v)->len = (uint32_t)len;
        }
        return 0;
    case APER_SEQUENCE:
        return dec_sequence(r, t, v, x, depth);
    case APER_CHOICE:
        return dec_choice(r, t, v, x, depth);
    case APER_SEQUENCE_OF:
        return dec_sequence_of(r, t, v, x, depth);
    case APER_IE_CONTAINER:
        return dec_container(r, t, v, x, depth);
    case APER_IE_SINGLE:
        return dec_single(r, t, v, x, depth);
    case APER_PRIVATE_CONTAINER:
        return dec_private(r, t, x);
    }
    return fail(x, r, t, -EINVAL, "bad descriptor");
}

int aper_decode_type(struct aper_reader *r, const struct aper_type *t, void *v,
                     struct aper_arena *a, struct aper_diag *diag)
{
    struct dec_ctx x = { .arena = a, .diag = diag };
    return dec(r, t, v, &x, 0);
}
