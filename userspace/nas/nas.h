/* EPS NAS codec (TS 24.301 Release 15): plain EMM and ESM messages.
 *
 *   struct nas_message m;
 *   int r = nas_decode_plain(buf, len, &m);
 *   if (r < 0)   -> m.err says what, where; nas_err_emm_cause(m.err.code)
 *                   or nas_err_esm_cause() says how to answer (0 = ignore)
 *   else switch (m.id) { case NAS_MSG_ATTACH_REQUEST: m.attach_request... }
 *
 *   nas_message_init(&m, NAS_MSG_ATTACH_ACCEPT);  fill m.attach_accept ...
 *   int n = nas_encode_plain(&m, buf, sizeof(buf));   length or -NAS_ERR_*
 *
 * ESM messages travel in EMM ESM message containers as bytes: decode the
 * container with nas_decode_plain() again.  Security protected messages
 * (security header types 1-4) are unwrapped by nas_security.h first; the
 * service request (header type 12) is decoded here as NAS_MSG_SERVICE_REQUEST.
 * The decoder never allocates and never reads outside buf[0..len). */
#ifndef XEPC_NAS_H
#define XEPC_NAS_H

#include <stdio.h>

#include "nas/nas_ie.h"
#include "nas/nas_msg.h"

/* Decode/encode errors.  Functions return -NAS_ERR_*. */
enum nas_err {
    NAS_OK = 0,
    NAS_ERR_TOO_SHORT,          /* shorter than its header + message type (24.301 7.2) */
    NAS_ERR_UNKNOWN_PD,         /* protocol discriminator not EMM/ESM (24.301 7.2) */
    NAS_ERR_PROTECTED,          /* security header type 1..4: unprotect first */
    NAS_ERR_UNKNOWN_SHT,        /* reserved security header type (24.301 9.3.1) */
    NAS_ERR_UNKNOWN_MSG_TYPE,   /* 24.301 7.4: cause #97 */
    NAS_ERR_MISSING_MANDATORY,  /* message ends before a mandatory IE (7.5.1): #96 */
    NAS_ERR_IE_TRUNCATED,       /* an IE's length runs past the end of the message: #96 */
    NAS_ERR_MANDATORY_LENGTH,   /* mandatory IE shorter than its minimum (7.5.2): #96 */
    NAS_ERR_MANDATORY_INVALID,  /* mandatory IE with a syntactically wrong value (7.5.2): #96 */
    NAS_ERR_IE_TOO_LONG,        /* mandatory IE longer than xepc's bound (nas_ie.h): #96 */
    NAS_ERR_COMPREHENSION,      /* unknown IE encoded "comprehension required" (7.6.1): #96 */
    NAS_ERR_CONDITIONAL,        /* conditional IE missing or unexpected (7.5.3): #100 */
    NAS_ERR_SEMANTIC,           /* semantically incorrect message (7.6? / annex A): #95 */
    NAS_ERR_TFT_OP_SEMANTIC,    /* 24.301 6.4.2.4 a): ESM #41 */
    NAS_ERR_TFT_OP_SYNTAX,      /* 24.301 6.4.2.4 b): ESM #42 */
    NAS_ERR_PF_SEMANTIC,        /* 24.301 6.4.2.4 c): ESM #44 */
    NAS_ERR_PF_SYNTAX,          /* 24.301 6.4.2.4 d): ESM #45 */
    NAS_ERR_NOSPC,              /* encode: buffer too small */
    NAS_ERR_INVALID,            /* encode: a field holds a value that cannot be coded */
    NAS_ERR__COUNT
};

/* Where decoding stopped (valid when nas_decode_plain() returned < 0). */
struct nas_decode_error {
    enum nas_err code;
    uint32_t offset;       /* octet offset in the message */
    uint8_t iei;           /* IEI of the IE in error, 0 for mandatory IEs */
    const char *ie;        /* field name of the IE in error, or NULL */
};

struct nas_message {
    enum nas_msg_id id;
    uint8_t pd;        /* NAS_PD_EMM or NAS_PD_ESM */
    uint8_t msg_type;  /* TS 24.301 9.8; 0 for the service request */
    uint8_t ebi;       /* ESM: EPS bearer identity (9.3.2) */
    uint8_t pti;       /* ESM: procedure transaction identity (9.4) */
    union {
#define NAS_MEMBER_(ID, MEMBER, PD, TYPE, NAME) struct nas_##MEMBER MEMBER;
        NAS_MESSAGES(NAS_MEMBER_)
#undef NAS_MEMBER_
    };
    struct nas_decode_error err;
    /* Set by the decoder: how many IEs it ignored (unknown, repeated, out
     * of sequence or syntactically incorrect optional IEs, TS 24.301 7.5.3,
     * 7.6) plus the IEs whose trailing octets it did not keep (TS 24.007
     * 11.2.1.1.4), plus 1 for a security header type 1101..1111 read as
     * 1100 (9.3.1).  0: the message re-encodes to the same IEs and length;
     * only spare bits may differ (see docs/nas.md). */
    uint16_t ignored;
};

/* Zeroes *m and sets id, pd and msg_type. */
void nas_message_init(struct nas_message *m, enum nas_msg_id id);

/* Returns the number of octets consumed (== len) or -NAS_ERR_*; on error
 * m->err is set, and m->id/pd/msg_type/ebi/pti are valid as far as the
 * header was read (so that the caller can answer with a status/reject). */
int nas_decode_plain(const uint8_t *buf, size_t len, struct nas_message *m);

/* The direction of a PDU, when the caller knows it (the MME decodes only
 * uplink PDUs): it settles the one message type both directions use, the
 * detach request (TS 24.301 8.2.11), which nas_decode_plain() otherwise
 * tells apart by its octets (see nas_codec.c). */
enum nas_dir { NAS_DIR_UNKNOWN = 0, NAS_DIR_UL, NAS_DIR_DL };
int nas_decode_plain_dir(const uint8_t *buf, size_t len, enum nas_dir dir, struct nas_message *m);

/* Returns the encoded length or -NAS_ERR_NOSPC / -NAS_ERR_INVALID. */
int nas_encode_plain(const struct nas_message *m, uint8_t *buf, size_t cap);

const char *nas_msg_name(enum nas_msg_id id);
const char *nas_err_str(enum nas_err e);

/* The EMM cause (TS 24.301 9.9.3.9) or ESM cause (9.9.4.4) to put in an
 * EMM/ESM status or reject for a decode error, or 0 when the message is to
 * be ignored silently (TS 24.301 7.2, 7.3). */
uint8_t nas_err_emm_cause(enum nas_err e);
uint8_t nas_err_esm_cause(enum nas_err e);

/* Prints every field of a decoded message, one per line, indented. */
void nas_print(FILE *f, const struct nas_message *m);

/* Cause names (TS 24.301 9.9.3.9, 9.9.4.4), for logs. */
const char *nas_emm_cause_str(uint8_t cause);
const char *nas_esm_cause_str(uint8_t cause);

#endif
