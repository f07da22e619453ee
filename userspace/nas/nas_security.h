/* EPS NAS security layer (TS 24.301 4.4, 9.1, 9.2, 9.3.1, 8.2.25):
 * security-protected NAS messages, NAS COUNT tracking and replay rejection,
 * for the network side (protects downlink, unprotects uplink) and the UE
 * side (protects uplink, unprotects downlink).
 *
 * Security protected NAS message (TS 24.301 9.1):
 *
 *   octet 1     security header type (bits 8-5) | protocol discriminator 7
 *   octets 2-5  message authentication code (NAS-MAC)
 *   octet 6     sequence number (the 8 LSBs of the NAS COUNT)
 *   octets 7..  the NAS message, plain or ciphered
 *
 * The NAS-MAC is computed over octets 6.. (sequence number and the message
 * as sent, i.e. after ciphering) with the full NAS COUNT, BEARER 0 and
 * DIRECTION 0 uplink / 1 downlink (TS 24.301 4.4.3.3, TS 33.401 B.2); the
 * ciphering covers octets 7.. with the same COUNT, BEARER and DIRECTION.
 *
 * SERVICE REQUEST (security header type 12, TS 24.301 8.2.25) has no inner
 * message: octet 2 is KSI (bits 8-6) | the 5 LSBs of the NAS COUNT, octets
 * 3-4 the short MAC, the 2 least significant octets of the NAS-MAC computed
 * over octets 1-2 (TS 24.301 9.9.3.28, 4.4.3.3).
 *
 * NAS COUNT (TS 24.301 4.4.3.1) is 24 bits: NAS overflow (16) || SQN (8),
 * used as a 32-bit COUNT with the upper 8 bits zero.  A receiver estimates
 * the COUNT of a message from its 8-bit SQN (5 bits for SERVICE REQUEST):
 * the smallest COUNT not below the next expected one whose low bits match;
 * if the low bits are below the expected one's, the overflow is taken as
 * incremented.  A message is accepted at most once: the receive COUNT moves
 * past a message only when it is accepted, so a replay (or an old message)
 * fails integrity under the estimated COUNT; it is then checked again under
 * the older COUNT its SQN names and, if the MAC verifies there, reported as
 * NAS_SEC_ERR_REPLAY rather than NAS_SEC_ERR_MAC.  With EIA0 there is no MAC
 * and no replay check (TS 33.401 5.1.4.1).
 *
 * Security header types 3 and 4 (new EPS security context) are processed
 * under the context passed in: the caller passes the new context with the
 * counts TS 24.301 5.4.3 gives it (zero after an AKA).
 *
 * Linking: a program using this needs the libraries `nas sec xepc` (in that
 * order) and `-lcrypto`. */
#ifndef XEPC_NAS_SECURITY_H
#define XEPC_NAS_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sec/nas_algs.h"

/* TS 24.301 9.3.1: security header type, bits 8-5 of octet 1 of an EMM
 * message (protocol discriminator 7).  ESM messages (PD 2) have the EPS
 * bearer identity there and are always plain at this layer. */
enum nas_sec_hdr {
    NAS_SEC_HDR_PLAIN = 0x0,
    NAS_SEC_HDR_INTEGRITY = 0x1,
    NAS_SEC_HDR_INTEGRITY_CIPHERED = 0x2,
    NAS_SEC_HDR_INTEGRITY_NEW_CTX = 0x3,          /* SECURITY MODE COMMAND */
    NAS_SEC_HDR_INTEGRITY_CIPHERED_NEW_CTX = 0x4, /* SECURITY MODE COMPLETE */
    NAS_SEC_HDR_INTEGRITY_PARTIALLY_CIPHERED = 0x5, /* CIoT: recognised, unsupported */
    NAS_SEC_HDR_SERVICE_REQUEST = 0xc,
};

#define NAS_PD_EMM 0x7
#define NAS_PD_ESM 0x2
#define NAS_SEC_HDR_LEN 6            /* octet 1, NAS-MAC (4), SQN */
#define NAS_SEC_SERVICE_REQUEST_LEN 4 /* octet 1, KSI+SQN, short MAC (2) */
#define NAS_SEC_BEARER 0             /* BEARER input for NAS (TS 33.401 B.1.1) */
#define NAS_COUNT_MAX 0xffffffu      /* 24-bit NAS COUNT */

/* DIRECTION input of EEA/EIA (TS 33.401 B.1.1, B.2.1). */
enum nas_sec_dir { NAS_SEC_UPLINK = 0, NAS_SEC_DOWNLINK = 1 };

/* Which end this context is: the network protects downlink and unprotects
 * uplink; the UE protects uplink and unprotects downlink. */
enum nas_sec_role { NAS_SEC_ROLE_NETWORK = 0, NAS_SEC_ROLE_UE = 1 };

enum nas_sec_err {
    NAS_SEC_OK = 0,
    NAS_SEC_ERR_INVALID,     /* bad argument (header type not protectable, NULL...) */
    NAS_SEC_ERR_TOO_SHORT,   /* PDU shorter than its security header (+1 octet) */
    NAS_SEC_ERR_HDR_RESERVED,/* security header type 6..11, 13..15 */
    NAS_SEC_ERR_HDR_UNSUPPORTED, /* type 5 (partially ciphered, CIoT) */
    NAS_SEC_ERR_NO_CONTEXT,  /* protected message but no security context given */
    NAS_SEC_ERR_BAD_ALG,     /* algorithm id > 3 */
    NAS_SEC_ERR_MAC,         /* NAS-MAC (or short MAC) does not verify */
    NAS_SEC_ERR_REPLAY,      /* MAC verifies only under an already used COUNT */
    NAS_SEC_ERR_COUNT_EXHAUSTED, /* the 24-bit NAS COUNT would wrap: re-key */
    NAS_SEC_ERR_NO_SPACE,    /* output buffer too small */
    NAS_SEC_ERR_CRYPTO,      /* OpenSSL failure */
};

/* Short stable name ("mac", "replay", ...) for logs. */
const char *nas_sec_err_str(enum nas_sec_err e);
/* "plain", "integrity", "integrity+ciphered", ... */
const char *nas_sec_hdr_str(unsigned hdr);

/* One EPS NAS security context.  Initialise with nas_sec_ctx_init(), free
 * with nas_sec_ctx_free(); do not copy it with memcpy (it owns OpenSSL
 * contexts).  ul_count and dl_count may be read and set freely between
 * calls (e.g. restored from storage):
 *   - in the direction this end sends, the COUNT of the next message to send;
 *   - in the direction it receives, the lowest COUNT it will still accept
 *     (last accepted + 1; 0 before any).  After an accepted message,
 *     nas_sec_info.count is the COUNT it carried (e.g. the uplink NAS COUNT
 *     for KeNB, TS 33.401 A.3). */
struct nas_sec_ctx {
    enum nas_sec_role role;
    uint8_t ksi;      /* eKSI (NAS key set identifier), 0..6; 7 = none */
    uint8_t eea, eia; /* selected algorithms, 0..3 */
    uint8_t knas_enc[SEC_KEY_LEN];
    uint8_t knas_int[SEC_KEY_LEN];
    uint32_t ul_count;
    uint32_t dl_count;
    struct sec_cipher cipher;       /* keyed KNASenc */
    struct sec_integrity integrity; /* keyed KNASint */
};

/* Keys given directly. */
enum nas_sec_err nas_sec_ctx_init(struct nas_sec_ctx *c, enum nas_sec_role role, uint8_t ksi,
                                  uint8_t eea, uint8_t eia,
                                  const uint8_t knas_enc[SEC_KEY_LEN],
                                  const uint8_t knas_int[SEC_KEY_LEN]);
/* KNASenc / KNASint derived from KASME (TS 33.401 A.7). */
enum nas_sec_err nas_sec_ctx_init_kasme(struct nas_sec_ctx *c, enum nas_sec_role role,
                                        uint8_t ksi, uint8_t eea, uint8_t eia,
                                        const uint8_t kasme[32]);
void nas_sec_ctx_free(struct nas_sec_ctx *c);

/* What nas_unprotect() / nas_sec_peek() found. */
struct nas_sec_info {
    uint8_t hdr;     /* enum nas_sec_hdr (or the reserved value found) */
    uint8_t pd;      /* protocol discriminator, octet 1 bits 4-1 */
    uint8_t sqn;     /* SQN octet (SERVICE REQUEST: the 5-bit sequence number) */
    uint8_t ksi;     /* SERVICE REQUEST: KSI; otherwise 7 */
    uint32_t mac;    /* received NAS-MAC (SERVICE REQUEST: short MAC) */
    uint32_t count;  /* estimated NAS COUNT (valid when a context was used) */
    bool integrity_verified; /* the MAC was checked and is right (never with EIA0) */
    bool ciphered;   /* the message was deciphered */
};

/* Parses the security header only: no crypto, no state.  Plain messages
 * (and ESM) give hdr NAS_SEC_HDR_PLAIN. */
enum nas_sec_err nas_sec_peek(const uint8_t *pdu, size_t len, struct nas_sec_info *info);

/* Protects a plain NAS message msg[0..len) (starting with its PD octet) with
 * security header type hdr (1..4), writing len + 6 octets to out.  For
 * hdr = NAS_SEC_HDR_SERVICE_REQUEST, msg is the 4-octet SERVICE REQUEST
 * (octet 1 0xc7, KSI in octet 2 bits 8-6; the rest is filled in) and out
 * gets 4 octets.  Uses and then increments the COUNT of the direction this
 * end sends.  Types 1 and 3 are not ciphered; 2 and 4 are (under EEA0, that
 * is a copy). */
enum nas_sec_err nas_protect(struct nas_sec_ctx *c, enum nas_sec_hdr hdr, const uint8_t *msg,
                             size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Many messages at once, each under its own context: why it exists is the
 * multi-buffer SNOW 3G / ZUC code (sec_eea_batch(), sec_eia_batch()).  One
 * message is one serial keystream; an MME sending downlink NAS to many UEs
 * at once can clock up to 16 of them in lockstep for little more than the
 * cost of one.  So the items are grouped by algorithm: EEA1/EEA3 ciphering
 * and EIA1/EIA3 integrity go through the batch functions (ciphering first,
 * then the NAS-MAC over SQN || ciphered message, TS 24.301 4.4.5 / 9.1:
 * two passes), EEA0/EEA2/EIA0/EIA2 message by message.
 *
 * Each item is protected exactly as nas_protect(ctx, hdr, msg, len, out,
 * cap, &out_len) would be, called for the items in array order: the same
 * octets, the same error, the same COUNT handling.  A context may appear
 * more than once (two messages to one UE): its items take successive
 * COUNTs in array order, and an item that fails does not use one, as with
 * successive nas_protect() calls.  An item's error touches only that item.
 * Buffers of different items must not overlap (out never overlaps msg). */
struct nas_protect_item {
    /* in */
    struct nas_sec_ctx *ctx;
    enum nas_sec_hdr hdr;
    const uint8_t *msg;
    size_t len;
    uint8_t *out;
    size_t cap;
    /* out */
    size_t out_len;       /* len + 6 (SERVICE REQUEST: 4); 0 on error */
    enum nas_sec_err err; /* NAS_SEC_OK or what nas_protect() would return */
};

/* Protects items[0..n); returns the number of items whose err is not
 * NAS_SEC_OK (n, touching nothing, when items is NULL). */
size_t nas_protect_batch(struct nas_protect_item *items, size_t n);

/* Unprotects a received NAS PDU: out gets the plain NAS message (for a
 * plain PDU, a copy; for SERVICE REQUEST, the 4 octets as received).  c may
 * be NULL (no context yet).  info (may be NULL) is filled in any case as far
 * as the PDU was parsed.
 *
 * Returns NAS_SEC_OK, or an error.  Two errors still deliver the message in
 * out / *out_len, so that the caller can apply TS 24.301 4.4.4.3 (messages
 * processed without integrity protection, e.g. ATTACH REQUEST):
 *   NAS_SEC_ERR_MAC         (and, when ciphered, the deciphered text);
 *   NAS_SEC_ERR_NO_CONTEXT  for an integrity-protected, not ciphered PDU.
 * On every error *out_len is 0 unless one of those two cases applies, and
 * the context's COUNTs are unchanged; on success the receive COUNT becomes
 * info->count + 1. */
enum nas_sec_err nas_unprotect(struct nas_sec_ctx *c, const uint8_t *pdu, size_t len,
                               uint8_t *out, size_t cap, size_t *out_len,
                               struct nas_sec_info *info);

/* The uplink counterpart of nas_protect_batch(), for the same reason:
 * each item is unprotected exactly as nas_unprotect(ctx, pdu, len, out,
 * cap, &out_len, &info) would, called in array order (same result, same
 * out/out_len/info, including the two errors that still deliver the
 * message; a context's items in array order, the receive COUNT moving on
 * only for accepted ones).  EIA1/EIA3 MACs and EEA1/EEA3 deciphering of
 * the accepted items go through the batch functions; a MAC that does not
 * verify takes nas_unprotect()'s replay check one by one.  ctx may be
 * NULL. */
struct nas_unprotect_item {
    /* in */
    struct nas_sec_ctx *ctx;
    const uint8_t *pdu;
    size_t len;
    uint8_t *out;
    size_t cap;
    /* out */
    size_t out_len;
    struct nas_sec_info info;
    enum nas_sec_err err;
};

/* Returns the number of items whose err is not NAS_SEC_OK (n when items
 * is NULL). */
size_t nas_unprotect_batch(struct nas_unprotect_item *items, size_t n);

#endif
