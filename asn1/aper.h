/* ASN.1 Aligned PER (ITU-T X.691, ALIGNED variant): bit buffers,
 * primitives, and a table-driven codec for generated type descriptors.
 *
 * Three layers, each usable alone:
 *
 *  1. Bit buffers.  `struct aper_writer` writes MSB first into a caller
 *     buffer and fails with -ENOSPC at its end; `struct aper_reader` reads
 *     from a const buffer and fails with -EBADMSG instead of reading past
 *     its end.  Neither allocates.
 *
 *  2. Primitives: constrained / semi-constrained / unconstrained /
 *     extensible whole numbers and INTEGERs, normally small non-negative
 *     whole numbers, length determinants (with 16K fragmentation),
 *     ENUMERATED, BOOLEAN, BIT STRING, OCTET STRING, known-multiplier
 *     character strings and open types.  Every function returns 0 (or a
 *     length) on success and a negative errno on failure:
 *        -ENOSPC   writer full
 *        -EBADMSG  input truncated or violates the encoding
 *        -ERANGE   encode: a value outside its PER-visible constraint
 *        -ENOMEM   decode: the arena is exhausted
 *        -EINVAL   bad arguments (e.g. an invalid CHOICE selector)
 *
 *  3. The descriptor codec (aper_encode_type / aper_decode_type): walks a
 *     `struct aper_type` tree produced by tools/asn1gen over a C struct
 *     whose layout the descriptor records (offsets, presence flags).  It
 *     also knows the 3GPP protocol IE containers (ProtocolIE-Container,
 *     ProtocolIE-SingleContainer, ProtocolExtensionContainer) and applies
 *     the receiver rules for unknown/missing IEs (TS 36.413 clause 10),
 *     collecting what the receiver must report in `struct aper_diag`.
 *
 * Decoding never calls malloc: lists and non-aligned strings go into a
 * caller-provided `struct aper_arena`; octet-aligned strings point into the
 * input buffer, which must therefore outlive the decoded value.
 */
#ifndef XEPC_ASN1_APER_H
#define XEPC_ASN1_APER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Wide enough for every INTEGER bound S1AP uses (0..2^64-1 included). */
typedef __int128 aper_int_t;

/* ------------------------------------------------------------ buffers -- */

struct aper_writer {
    uint8_t *buf;
    size_t cap;      /* bytes */
    size_t bitpos;   /* next bit to write */
};

struct aper_reader {
    const uint8_t *buf;
    size_t nbits;    /* readable bits */
    size_t bitpos;   /* next bit to read */
};

void aper_writer_init(struct aper_writer *w, uint8_t *buf, size_t cap);
void aper_reader_init(struct aper_reader *r, const uint8_t *buf, size_t len);

/* Bytes used so far (a partial last octet counts). */
static inline size_t aper_writer_len(const struct aper_writer *w)
{
    return (w->bitpos + 7) / 8;
}

int aper_put_bits(struct aper_writer *w, uint64_t v, unsigned nbits);
int aper_get_bits(struct aper_reader *r, unsigned nbits, uint64_t *v);
int aper_put_align(struct aper_writer *w);    /* zero padding to octet */
int aper_get_align(struct aper_reader *r);
int aper_put_bytes(struct aper_writer *w, const uint8_t *p, size_t n);

/* Bounded bump allocator for decoded variable-size parts. */
struct aper_arena {
    uint8_t *base;
    size_t cap;
    size_t used;
};

void aper_arena_init(struct aper_arena *a, void *mem, size_t cap);
void aper_arena_reset(struct aper_arena *a);
void *aper_arena_alloc(struct aper_arena *a, size_t size, size_t align);

/* --------------------------------------------------------- primitives -- */

/* X.691 11.5.7: constrained whole number, 0 <= off <= span (span = ub-lb). */
int aper_put_cwn(struct aper_writer *w, uint64_t off, uint64_t span);
int aper_get_cwn(struct aper_reader *r, uint64_t span, uint64_t *off);

/* X.691 11.6: normally small non-negative whole number. */
int aper_put_nsnnwn(struct aper_writer *w, uint64_t n);
int aper_get_nsnnwn(struct aper_reader *r, uint64_t *n);

/* X.691 11.9: length determinant for lengths constrained to lb..ub
 * (has_ub false: unconstrained above).  For ub >= 64K or no ub, lengths of
 * 16K and more are fragmented: aper_put_length returns the count it
 * encoded (n itself, or a multiple of 16K: the caller writes that many
 * items and calls again with the rest); aper_get_length sets *more when a
 * further length determinant follows the items. */
int aper_put_length(struct aper_writer *w, uint64_t lb, uint64_t ub, bool has_ub,
                    uint64_t n, uint64_t *encoded);
int aper_get_length(struct aper_reader *r, uint64_t lb, uint64_t ub, bool has_ub,
                    uint64_t *n, bool *more);

/* One range of a value set: lo..hi (lo == hi for a single value). */
struct aper_range {
    aper_int_t lo, hi;
};

/* PER-visible constraint of an INTEGER (value) or of a size (length). */
struct aper_constraint {
    aper_int_t lb, ub;
    bool has_lb, has_ub;
    bool ext;        /* "..." in the constraint */
    /* An extensible INTEGER whose root is a union with holes, e.g.
     * ExpectedActivityPeriod ::= INTEGER (1..30|40|50|90|120|150|180|181,...):
     * the root's values (n_ranges of them; 0 = all of lb..ub).  PER encodes
     * root values in lb..ub (X.691 10.3.21: the union's extremes) and every
     * other value as an extension (ext bit 1, unconstrained). */
    const struct aper_range *ranges;
    uint8_t n_ranges;
};

/* X.691 13 (11.5 - 11.8, 13.2.6 for the extension bit).  Encode: a value
 * outside the extension root (outside lb..ub, or in a hole of `ranges`)
 * takes the extension bit 1 and the unconstrained form.  Decode accepts
 * both forms of any value (a root-range value in a hole, as xepc before
 * 2026-12 and some encoders write it, included). */
int aper_put_integer(struct aper_writer *w, const struct aper_constraint *c, aper_int_t v);
int aper_get_integer(struct aper_reader *r, const struct aper_constraint *c, aper_int_t *v);

/* X.691 14: idx is the position in root order, then extension order. */
int aper_put_enumerated(struct aper_writer *w, unsigned n_root, bool ext, unsigned idx);
int aper_get_enumerated(struct aper_reader *r, unsigned n_root, bool ext, unsigned n_ext,
                        unsigned *idx);

int aper_put_boolean(struct aper_writer *w, bool v);
int aper_get_boolean(struct aper_reader *r, bool *v);

/* X.691 17 OCTET STRING with SIZE constraint c (NULL: unconstrained).
 * Decode: *out points into the input when the contents are octet-aligned
 * and unfragmented, else into the arena. */
int aper_put_octets(struct aper_writer *w, const struct aper_constraint *c,
                    const uint8_t *p, size_t len);
int aper_get_octets(struct aper_reader *r, const struct aper_constraint *c,
                    struct aper_arena *a, const uint8_t **out, size_t *len);

/* X.691 16 BIT STRING: nbits bits, MSB first in p. */
int aper_put_bitstring(struct aper_writer *w, const struct aper_constraint *c,
                       const uint8_t *p, size_t nbits);
int aper_get_bitstring(struct aper_reader *r, const struct aper_constraint *c,
                       struct aper_arena *a, const uint8_t **out, size_t *nbits);

/* X.691 27.5 known-multiplier character string with `char_bits` bits per
 * character in the aligned variant (8 for PrintableString, VisibleString
 * and IA5String without PermittedAlphabet).  Decoded characters are checked
 * against `alphabet` (NULL: any octet) and land in the arena or the input. */
int aper_put_charstring(struct aper_writer *w, const struct aper_constraint *c,
                        unsigned char_bits, const uint8_t *p, size_t len);
int aper_get_charstring(struct aper_reader *r, const struct aper_constraint *c,
                        unsigned char_bits, const char *alphabet, struct aper_arena *a,
                        const uint8_t **out, size_t *len);

/* X.691 11.2 open type: an unconstrained-length octet string holding a
 * complete encoding.  Encode in two steps: aper_open_begin() reserves room
 * and returns a writer for the contents; aper_open_end() writes the length
 * determinant (fragmenting if needed) and advances w past the contents. */
int aper_open_begin(struct aper_writer *w, struct aper_writer *inner);
int aper_open_end(struct aper_writer *w, struct aper_writer *inner);
/* Decode: a reader limited to the contents (copied into the arena when
 * fragmented), and r advanced past them. */
int aper_open_get(struct aper_reader *r, struct aper_arena *a, struct aper_reader *inner);

/* ---------------------------------------------------- descriptor codec -- */

enum aper_kind {
    APER_INTEGER = 1,
    APER_ENUMERATED,
    APER_BOOLEAN,
    APER_NULL,
    APER_BIT_STRING,
    APER_OCTET_STRING,
    APER_CHAR_STRING,
    APER_SEQUENCE,
    APER_CHOICE,
    APER_SEQUENCE_OF,
    APER_IE_CONTAINER,   /* ProtocolIE-Container / ProtocolExtensionContainer */
    APER_IE_SINGLE,      /* ProtocolIE-SingleContainer (one IE, typed) */
    APER_PRIVATE_CONTAINER, /* PrivateIE-Container whose set is empty: every
                             * private IE is not comprehended (decode only) */
};

/* How a value is stored in the C struct. */
enum aper_repr {
    APER_R_NONE = 0,
    APER_R_U8, APER_R_U16, APER_R_U32, APER_R_U64, APER_R_I32, APER_R_I64,
    APER_R_BOOL,         /* bool */
    APER_R_ENUM,         /* C enum (int), value = index */
    APER_R_ARRAY,        /* fixed-size OCTET STRING: uint8_t[ub] */
    APER_R_BITS_U32,     /* fixed-size BIT STRING <= 32 bits, right-aligned */
    APER_R_BITS_U64,     /* fixed-size BIT STRING 33..64 bits */
    APER_R_OCTETS,       /* struct aper_octets */
    APER_R_BITS,         /* struct aper_bits */
};

/* Variable-size strings.  Decoded buffers point into the input or arena. */
struct aper_octets {
    const uint8_t *buf;
    uint32_t len;       /* bytes (characters for strings) */
};

struct aper_bits {
    const uint8_t *buf; /* MSB first */
    uint32_t nbits;
};

/* Layout of every generated SEQUENCE OF: `struct { uint32_t count; T *items; }` */
struct aper_seqof {
    uint32_t count;
    void *items;
};

enum aper_criticality { APER_CRIT_REJECT = 0, APER_CRIT_IGNORE = 1, APER_CRIT_NOTIFY = 2 };
enum aper_presence { APER_PRES_OPTIONAL = 0, APER_PRES_CONDITIONAL = 1, APER_PRES_MANDATORY = 2 };

struct aper_type;

/* A SEQUENCE component or CHOICE alternative. */
struct aper_member {
    const char *name;
    const struct aper_type *type;
    int32_t offset;          /* of the value; -1: not stored (empty ext container) */
    int32_t present_offset;  /* of its bool presence flag; -1: none */
    bool optional;           /* OPTIONAL in the ASN.1 (bitmap bit) */
    bool extension;          /* an extension addition (after "...") */
};

/* One entry of an information object set (S1AP-PROTOCOL-IES / -EXTENSION). */
struct aper_ie {
    const char *name;
    const struct aper_type *type;
    uint16_t id;
    uint8_t criticality;     /* enum aper_criticality */
    uint8_t presence;        /* enum aper_presence */
    int32_t offset;
    int32_t present_offset;  /* -1 for mandatory IEs */
};

struct aper_type {
    const char *name;          /* ASN.1 type name */
    uint8_t kind;              /* enum aper_kind */
    uint8_t repr;              /* enum aper_repr */
    uint8_t char_bits;         /* APER_CHAR_STRING */
    bool ext;                  /* extensible (SEQUENCE/CHOICE/ENUMERATED) */
    uint32_t c_size;           /* sizeof the C object */
    struct aper_constraint c;  /* value (INTEGER) or SIZE constraint */
    const char *alphabet;      /* APER_CHAR_STRING: permitted characters */
    /* ENUMERATED: names in index order; n_root of n_items in the root. */
    const char *const *enum_names;
    /* SEQUENCE / CHOICE / ENUMERATED counts; members for SEQUENCE/CHOICE */
    uint16_t n_items, n_root;
    const struct aper_member *members;
    /* SEQUENCE OF element */
    const struct aper_type *elem;
    /* IE containers: the object set, and SIZE bounds in c */
    const struct aper_ie *ies;
    uint16_t n_ies;
};

/* CHOICE storage: `struct { uint32_t present; union {...} u; }`, present = 1 +
 * alternative index (0 = nothing chosen, an encode error). */
struct aper_choice_hdr {
    uint32_t present;
};

/* Deviations the decoder accepted instead of failing, for the caller to
 * log and count (see struct aper_diag). */
enum aper_warning {
    APER_WARN_CHARSET = 1,   /* a character outside the string type's
                              * permitted alphabet (e.g. '_' in a
                              * PrintableString), kept as received */
};

#define APER_DIAG_MAX_WARNINGS 8

struct aper_diag_warning {
    uint16_t ie_id;          /* innermost IE holding the value */
    uint8_t kind;            /* enum aper_warning */
    const char *type_name;   /* ASN.1 type of the value */
};

/* TS 36.413 10.3.4/10.3.5 receiver reports, one per IE. */
enum aper_ie_error { APER_IE_NOT_UNDERSTOOD = 0, APER_IE_MISSING = 1 };

#define APER_DIAG_MAX_IES 16

struct aper_diag_ie {
    uint16_t id;
    uint8_t criticality;     /* enum aper_criticality */
    uint8_t type_of_error;   /* enum aper_ie_error */
};

/* IEs to report: not understood with criticality reject or notify, and
 * every missing mandatory IE (whatever its criticality: the caller must
 * not mistake the zeroed field for a value; report only those whose
 * criticality is not "ignore"). */
struct aper_diag {
    bool reject;             /* an IE with criticality reject was not
                              * understood or is missing: 10.3.4.2/10.3.5 */
    bool notify;             /* one with ignore-and-notify: report it */
    bool falsely_constructed;/* wrong order / duplicated IE: 10.3.6 */
    uint16_t n_ies;
    bool ies_truncated;      /* more than APER_DIAG_MAX_IES to report */
    struct aper_diag_ie ies[APER_DIAG_MAX_IES];
    const char *detail;      /* static text: first syntax problem, or NULL */
    const char *type_name;   /* ASN.1 type being decoded at that point */
    size_t bit_offset;       /* in the reader where it happened */
    /* Leniency: a character string inside an IE that arrived with
     * criticality ignore keeps characters outside its alphabet (real eNBs
     * send eNB names like "eNB_1"); each such value is listed here
     * (n_warnings counts all, warnings[] holds the first
     * APER_DIAG_MAX_WARNINGS).  Elsewhere such a value is still refused. */
    uint16_t n_warnings;
    struct aper_diag_warning warnings[APER_DIAG_MAX_WARNINGS];
};

/* Encode/decode the value at `v` (a C object of type t). */
int aper_encode_type(struct aper_writer *w, const struct aper_type *t, const void *v);
int aper_decode_type(struct aper_reader *r, const struct aper_type *t, void *v,
                     struct aper_arena *a, struct aper_diag *diag);

/* A complete encoding (X.691 11.1: padded, at least one octet).  Returns
 * the length in bytes or a negative errno. */
int aper_encode_complete(const struct aper_type *t, const void *v, uint8_t *buf, size_t cap);

#endif
