/* S1AP (3GPP TS 36.413 V17.1.0) messages: decode and encode in Aligned PER.
 *
 * Types.  s1ap_types.h is generated from the ASN.1 of TS 36.413 by
 * tools/asn1gen (`make s1ap-gen`).  Every ASN.1 type X-Y is a C type
 * `s1ap_X_Y`, with these shapes:
 *   INTEGER                    uint8/16/32/64_t by its range (int32/64_t if signed)
 *   ENUMERATED                 enum; constants S1AP_<Type>_<item>, value = index
 *   BOOLEAN / NULL             bool / uint8_t (unused)
 *   BIT STRING (SIZE(n<=32))   uint32_t, right-aligned: eNB-ID 0x54f6401
 *   BIT STRING (SIZE(33..64))  uint64_t; other sizes: struct aper_bits {buf, nbits}
 *   OCTET STRING (SIZE(n<=16)) uint8_t[n]: PLMNidentity, TAC, GTP-TEID ...
 *   other OCTET STRING, PrintableString ...  struct aper_octets {buf, len}
 *   SEQUENCE                   struct; OPTIONAL member m has `bool m_present`
 *   CHOICE                     struct { uint32_t present; union {...} u; },
 *                              present = S1AP_<Type>_PR_<alternative>
 *   SEQUENCE OF                struct { uint32_t count; T *items; }
 *   iE-Extensions              struct s1ap_<Type>_ExtIEs with one field per
 *                              extension IE and `bool <IE>_present`; absent
 *                              (no member at all) when the spec defines none
 * Each message (S1SetupRequest ...) is a struct with one field per IE of its
 * ProtocolIE-Container, named after the IE id without "id-" (id-eNBname ->
 * eNBname); optional and conditional IEs have `bool <name>_present`.  The
 * E-RAB lists are SEQUENCE OFs of the item type itself (the
 * ProtocolIE-SingleContainer wrapping is done by the codec).
 *
 * Decoding.  s1ap_decode() never allocates: lists and unaligned strings go
 * into the caller's arena (aper_arena_init over any buffer; 16 KiB holds any
 * common message, 64 KiB anything sane), and octet-aligned strings such as
 * NAS-PDU point into `buf`, so `buf` and the arena must outlive the pdu.
 * It returns 0 when the message can be processed (err->cause is
 * S1AP_DECODE_OK, or S1AP_DECODE_IGNORED_IES with the IEs to report in an
 * Error Indication) and a negative errno when it cannot:
 *   -EBADMSG  transfer syntax error (truncated, bad length, out of range)
 *   -EPROTO   abstract syntax error (unknown procedure, IE not comprehended
 *             or missing with criticality reject, wrong order, duplicate)
 *   -ENOMEM   the arena is too small
 * and fills *err so that the MME can build the Error Indication (or the
 * procedure's failure message) with Criticality Diagnostics, TS 36.413
 * clause 10: s1ap_error_indication() builds the whole Error Indication,
 * s1ap_criticality_diagnostics() and s1ap_decode_error_cause() the parts
 * for a failure message.  Receiver rules applied while decoding:
 *   - an IE id not in the container's set: skipped (criticality ignore),
 *     skipped and listed (ignore and notify), or the message rejected;
 *   - a known IE whose value cannot be decoded (range, unknown extension
 *     value): the same, by the criticality it arrived with;
 *   - a missing mandatory IE: listed; rejects when its criticality is reject;
 *   - a duplicated IE or IEs out of the order of the spec's set: falsely
 *     constructed message;
 *   - any other encoding error: transfer syntax error.
 *
 * Encoding.  s1ap_pdu_init() zeroes a pdu and sets its header from the
 * message kind; fill the fields and call s1ap_encode(), which returns the
 * length written or a negative errno (-ENOSPC buffer too small, -ERANGE a
 * value outside its constraint, -EINVAL an invalid CHOICE or NULL buffer).
 * The procedure code, criticality and message type come from the kind.
 */
#ifndef XEPC_ASN1_S1AP_H
#define XEPC_ASN1_S1AP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aper.h"

enum s1ap_pdu_type {
    S1AP_INITIATING_MESSAGE = 0,
    S1AP_SUCCESSFUL_OUTCOME = 1,
    S1AP_UNSUCCESSFUL_OUTCOME = 2,
};

enum s1ap_criticality {
    S1AP_CRIT_REJECT = APER_CRIT_REJECT,
    S1AP_CRIT_IGNORE = APER_CRIT_IGNORE,
    S1AP_CRIT_NOTIFY = APER_CRIT_NOTIFY,   /* ignore and notify */
};

#include "s1ap_types.h"

/* One message type of an elementary procedure (generated table). */
struct s1ap_msg_info {
    const char *name;               /* ASN.1 name: "S1SetupRequest" */
    const struct aper_type *desc;   /* its descriptor (PrivateMessage: decode only) */
    uint8_t procedure_code;
    uint8_t pdu_type;               /* enum s1ap_pdu_type */
    uint8_t criticality;            /* the procedure's, enum s1ap_criticality */
    size_t offset;                  /* within union s1ap_msg_u */
};

struct s1ap_procedure {
    const char *name;               /* "s1Setup" */
    uint8_t code;
    uint8_t criticality;
    uint16_t msgs[3];               /* enum s1ap_msg_kind per enum s1ap_pdu_type */
};

extern const struct s1ap_msg_info s1ap_msgs[S1AP_MSG__COUNT];
extern const struct s1ap_procedure s1ap_procedures[S1AP_N_PROCEDURES];

struct s1ap_pdu {
    enum s1ap_pdu_type type;
    uint8_t procedure_code;
    enum s1ap_criticality criticality;
    enum s1ap_msg_kind kind;
    union s1ap_msg_u u;             /* u.<MessageName>, per kind */
};

enum s1ap_decode_cause {
    S1AP_DECODE_OK = 0,
    S1AP_DECODE_IGNORED_IES,        /* processed; IEs with ignore-and-notify to report */
    S1AP_DECODE_TRANSFER_SYNTAX,    /* 10.2 */
    S1AP_DECODE_ABSTRACT_REJECT,    /* 10.3.4.2 / 10.3.5: reject */
    S1AP_DECODE_FALSELY_CONSTRUCTED,/* 10.3.6 */
    S1AP_DECODE_UNKNOWN_PROCEDURE,  /* 10.3.4.1: procedure code not comprehended */
    S1AP_DECODE_NO_MEMORY,          /* arena exhausted (not a protocol error) */
};

#define S1AP_DIAG_MAX_IES APER_DIAG_MAX_IES
#define S1AP_DIAG_MAX_WARNINGS APER_DIAG_MAX_WARNINGS

struct s1ap_decode_error {
    enum s1ap_decode_cause cause;
    bool procedure_known;           /* header decoded: the next three are valid */
    uint8_t procedure_code;
    enum s1ap_pdu_type triggering_message;
    enum s1ap_criticality procedure_criticality;
    /* IEs for Criticality Diagnostics: not understood (criticality reject
     * or notify) or missing (any criticality: a mandatory IE that was
     * absent reads as zero, so a message decoded with cause OK may still
     * list missing "ignore" IEs here; leave those out of the report) */
    uint16_t n_ies;
    bool ies_truncated;
    struct aper_diag_ie ies[S1AP_DIAG_MAX_IES];
    /* The UE-associated logical connection, when the message carries its
     * IDs and they could be read (even if the message was rejected):
     * TS 36.413 10.3.4.2 wants them in the Error Indication. */
    bool mme_ue_s1ap_id_present;
    bool enb_ue_s1ap_id_present;
    uint32_t mme_ue_s1ap_id;
    uint32_t enb_ue_s1ap_id;
    /* for logs: what failed, in which ASN.1 type, at which bit of the
     * innermost open type being decoded */
    const char *detail;
    const char *type_name;
    size_t bit_offset;
    /* Deviations accepted in a message that decoded (also with cause OK):
     * a string IE with criticality ignore holding characters outside its
     * alphabet (an eNB name "eNB_1") is kept as received and listed here.
     * Log and count them; n_warnings counts all, warnings[] holds the first
     * S1AP_DIAG_MAX_WARNINGS (ie_id, kind: enum aper_warning, type_name). */
    uint16_t n_warnings;
    struct aper_diag_warning warnings[S1AP_DIAG_MAX_WARNINGS];
};

int s1ap_decode(const uint8_t *buf, size_t len, struct s1ap_pdu *out,
                struct aper_arena *arena, struct s1ap_decode_error *err);

int s1ap_encode(const struct s1ap_pdu *pdu, uint8_t *buf, size_t cap);

/* Zeroes *pdu and sets type, procedure code, criticality for `kind`.
 * Returns -EINVAL for an unknown or unsupported kind. */
int s1ap_pdu_init(struct s1ap_pdu *pdu, enum s1ap_msg_kind kind);

/* The kind of (type, procedure code), S1AP_MSG_NONE if none. */
enum s1ap_msg_kind s1ap_msg_lookup(enum s1ap_pdu_type type, uint8_t procedure_code);
const char *s1ap_msg_name(enum s1ap_msg_kind kind);
/* The message struct inside pdu->u (void * for generic tools). */
void *s1ap_pdu_msg(struct s1ap_pdu *pdu);
const void *s1ap_pdu_msg_const(const struct s1ap_pdu *pdu);

/* TS 36.413 9.2.1.21 Criticality Diagnostics for err: the procedure
 * fields when the header was decoded, and the IEs to report (criticality
 * reject or notify) in items[0..cap).  Returns the number of IEs used. */
unsigned s1ap_criticality_diagnostics(const struct s1ap_decode_error *err,
                                      s1ap_CriticalityDiagnostics *cd,
                                      s1ap_CriticalityDiagnostics_IE_Item *items, unsigned cap);

/* An Error Indication about err (TS 36.413 8.7.3 and 10): Cause protocol,
 * Criticality Diagnostics and the UE S1AP IDs that err holds.  `items`
 * backs the IE list and must outlive the encode.  Returns 0, or -EINVAL
 * when err describes no error to report. */
int s1ap_error_indication(struct s1ap_pdu *pdu, const struct s1ap_decode_error *err,
                          s1ap_CriticalityDiagnostics_IE_Item items[S1AP_DIAG_MAX_IES]);

const char *s1ap_decode_cause_str(enum s1ap_decode_cause cause);
/* "character outside the permitted alphabet" ... for enum aper_warning. */
const char *s1ap_decode_warning_str(unsigned kind);
/* TS 36.413 9.2.1.3 CauseProtocol for an Error Indication about err. */
s1ap_CauseProtocol s1ap_decode_error_cause(const struct s1ap_decode_error *err);

#endif
