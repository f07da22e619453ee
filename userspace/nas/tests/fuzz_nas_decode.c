/* libFuzzer target for the plain NAS decoder.  Beyond "no crash, no
 * overread", the first decode is compared with the input (issue 8):
 *
 *  - every input that decodes re-encodes, and decoding that encoding gives
 *    the same message field for field: decode(encode(m)) == m, where m is
 *    what the input decoded to (nothing decoded is lost by the encoder);
 *  - the encoder is a fixpoint: encode(decode(encode(m))) == encode(m)
 *    octet for octet (the codec's own output is canonical);
 *  - where the decoder ignored nothing (m.ignored == 0: no unknown,
 *    repeated, out-of-sequence or invalid optional IE, no octets past the
 *    end of an extendable IE) the encoding has the input's length and the
 *    same structure: the header octets, every IEI and every length octet
 *    are the input's, at the same offsets.  Inside a value only bits that
 *    TS 24.301 / 24.008 make spare (ignored on receipt, sent as 0) or
 *    fixed (the "ext" bit 8 of a network name or PCO, the 1111 of an
 *    identity's first octet) may differ.  See docs/nas.md "Canonical
 *    form".
 *
 * The same for the UE-terminated/UE-originating detach request decoded
 * with each direction hint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas.h"
#include "nas/nas_internal.h"

static struct nas_message m1, m2;
static uint8_t out1[16384], out2[16384];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoded header and the body of the message, padding included (the
 * decoder zeroes the body first). */
static int same_message(const struct nas_message *a, const struct nas_message *b)
{
    size_t off = offsetof(struct nas_message, attach_request);

    if (a->id != b->id || a->pd != b->pd || a->msg_type != b->msg_type || a->ebi != b->ebi ||
        a->pti != b->pti)
        return 0;
    return !memcmp((const uint8_t *)a + off, (const uint8_t *)b + off,
                   nas_msg_specs[a->id].size);
}

/* Header, IEI and length octets of the encoding y (the codec's canonical
 * output, so only the message's own IEs, in order) must be the input's. */
static void same_structure(const struct nas_message *m, const uint8_t *x, const uint8_t *y,
                           size_t n)
{
    const struct nas_msg_spec *s = &nas_msg_specs[m->id];
    const uint8_t *body = (const uint8_t *)m + offsetof(struct nas_message, attach_request);
    size_t pos = m->id == NAS_MSG_SERVICE_REQUEST ? 1 : m->pd == NAS_PD_ESM ? 3 : 2;
    bool half = false;

    if (memcmp(x, y, pos))
        __builtin_trap();
    for (unsigned i = 0; i < s->n_ies; i++) {
        const struct nas_ie_desc *d = &s->ies[i];
        size_t l;

        if (d->has_off != NAS_NO_FLAG && !body[d->has_off])
            continue;
        if (pos >= n)
            __builtin_trap();
        switch (d->fmt) {
        case NAS_F_VH:
            pos += half;
            half = !half;
            continue;
        case NAS_F_TV1:
            if ((x[pos] & 0xf0) != (y[pos] & 0xf0))
                __builtin_trap();
            pos++;
            continue;
        case NAS_F_V: l = d->min; break;
        case NAS_F_TV: l = 1 + d->min; break;
        case NAS_F_LV: l = 1 + y[pos]; break;
        case NAS_F_LVE: l = 2 + (size_t)(y[pos] << 8 | y[pos + 1]); break;
        case NAS_F_TLV: l = 2 + y[pos + 1]; break;
        default: l = 3 + (size_t)(y[pos + 1] << 8 | y[pos + 2]); break;
        }
        /* the IEI and length octets */
        switch (d->fmt) {
        case NAS_F_TV: case NAS_F_LV: case NAS_F_TLV: case NAS_F_LVE: case NAS_F_TLVE: {
            size_t h = d->fmt == NAS_F_TV || d->fmt == NAS_F_LV ? 1
                       : d->fmt == NAS_F_TLVE ? 3 : 2;

            if (memcmp(x + pos, y + pos, h))
                __builtin_trap();
            break;
        }
        default:
            break;
        }
        pos += l;
    }
    pos += half;
    if (pos != n)
        __builtin_trap();
}

static void check(const uint8_t *data, size_t size, enum nas_dir dir, FILE *devnull)
{
    int n1, n2;

    if (nas_decode_plain_dir(data, size, dir, &m1) < 0) {
        /* every error has a name and a cause mapping */
        if (!nas_err_str(m1.err.code) || m1.err.offset > size)
            __builtin_trap();
        (void)nas_err_emm_cause(m1.err.code);
        return;
    }
    if (devnull)
        nas_print(devnull, &m1);
    n1 = nas_encode_plain(&m1, out1, sizeof(out1));
    if (n1 < 0)
        __builtin_trap();
    if (nas_decode_plain_dir(out1, (size_t)n1, dir, &m2) < 0 || !same_message(&m1, &m2) ||
        m2.ignored)
        __builtin_trap();
    n2 = nas_encode_plain(&m2, out2, sizeof(out2));
    if (n2 != n1 || memcmp(out1, out2, (size_t)n1))
        __builtin_trap();
    if (!m1.ignored) {
        if ((size_t)n1 != size)
            __builtin_trap();
        same_structure(&m1, data, out1, size);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;

    if (!devnull)
        devnull = fopen("/dev/null", "w");
    check(data, size, NAS_DIR_UNKNOWN, devnull);
    if (size >= 2 && data[1] == 0x45) {
        check(data, size, NAS_DIR_UL, devnull);
        check(data, size, NAS_DIR_DL, devnull);
    }
    return 0;
}
