/* EPS authentication vectors and sequence numbers (TS 33.102 6.3 and
 * Annex C, TS 33.401 6.1), both ends: the home network (HSS/AuC) that makes
 * vectors and re-synchronises from AUTS, and the USIM that checks AUTN and
 * makes AUTS (for the UE simulator and for tests).
 *
 * SQN (48 bits) = SEQ (43 bits) || IND (5 bits), TS 33.102 C.1.1 / C.3.2:
 *   - the HE keeps per subscriber the highest SEQ it used (SEQ_HE) and the
 *     next IND; each new vector has SEQ = SEQ_HE + 1 and the next IND
 *     (cyclic, 0..31);
 *   - the USIM keeps an array SEQ_MS[IND] of the highest SEQ accepted per
 *     IND value; it accepts SQN when SEQ > SEQ_MS[IND] (so a replayed or
 *     reordered-and-used vector fails), SEQ <= SEQ_MS_max + DELTA (not too
 *     far ahead) and SEQ + L > SEQ_MS_max (not too old), C.2.1 / C.2.2.
 *     DELTA = 2^28 and L = 32 (see docs/nas.md, "Security");
 *   - after a synchronisation failure the HE verifies MAC-S and sets
 *     SEQ_HE from SQN_MS when the next SEQ it would send would not be
 *     accepted: SEQ_MS >= SEQ_HE, or SEQ_HE + 1 > SEQ_MS + DELTA. */
#ifndef XEPC_SEC_AUTH_VECTOR_H
#define XEPC_SEC_AUTH_VECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "sec/milenage.h"

#define SEC_SQN_IND_BITS 5
#define SEC_SQN_IND_COUNT (1u << SEC_SQN_IND_BITS)
#define SEC_SEQ_MAX ((UINT64_C(1) << 43) - 1)
#define SEC_SQN_DELTA (UINT64_C(1) << 28) /* how far ahead an SQN may jump */
#define SEC_SQN_AGE_LIMIT 32              /* L: how far behind the highest */
#define SEC_AUTN_LEN 16
#define SEC_AUTS_LEN 14

enum sec_auth_err {
    SEC_AUTH_OK = 0,
    SEC_AUTH_MAC_FAILURE,   /* USIM: MAC-A in AUTN wrong (EMM cause #20) */
    SEC_AUTH_SYNCH_FAILURE, /* USIM: SQN not acceptable, AUTS made (cause #21) */
    SEC_AUTH_NOT_EPS,       /* USIM: AMF separation bit clear (cause #26) */
    SEC_AUTH_MAC_S_FAILURE, /* HE: MAC-S in AUTS wrong */
    SEC_AUTH_SEQ_EXHAUSTED, /* HE: SEQ would pass 2^43 - 1 */
    SEC_AUTH_CRYPTO,        /* OpenSSL failed (RAND_bytes, AES, HMAC) */
};
const char *sec_auth_err_str(enum sec_auth_err e);

/* 48-bit SQN <-> 6 octets, most significant first. */
uint64_t sec_sqn_get(const uint8_t b[6]);
void sec_sqn_put(uint8_t b[6], uint64_t sqn);

struct sec_eps_vector {
    uint8_t rand[16];
    uint8_t xres[8];
    uint8_t autn[16]; /* SQN xor AK || AMF || MAC-A */
    uint8_t kasme[32];
    /* What the vector was made of, for tools and tests. */
    uint8_t ck[16], ik[16], ak[6];
    uint64_t sqn;
};

/* One vector for a given SQN, AMF and RAND (the AMF is used as given).
 * rand NULL: a fresh RAND from RAND_bytes. */
enum sec_auth_err sec_eps_vector_make(struct milenage *m, uint64_t sqn, const uint8_t amf[2],
                                      const uint8_t sn_id[3], const uint8_t *rand,
                                      struct sec_eps_vector *v);

/* Zeroes a vector (OPENSSL_cleanse): XRES, CK, IK, KASME and AK are
 * secrets.  sec_eps_vector_make() does it itself when it fails. */
void sec_eps_vector_cleanse(struct sec_eps_vector *v);

/* HE side, per subscriber. */
struct sec_sqn_he {
    uint64_t seq_he; /* highest SEQ used */
    uint8_t ind;     /* IND of the next vector */
};

/* The next vector for a subscriber: SQN from *he (advanced), AMF with the
 * separation bit (bit 0, the most significant) set, fresh RAND. */
enum sec_auth_err sec_he_eps_vector(struct milenage *m, struct sec_sqn_he *he,
                                    const uint8_t amf[2], const uint8_t sn_id[3],
                                    struct sec_eps_vector *v);

/* Checks AUTS = SQN_MS xor AK* || MAC-S against RAND (f5*, f1* with AMF
 * 0000, TS 33.102 6.3.3) and returns SQN_MS in *sqn_ms.  With he non-NULL
 * also re-synchronises it as described above. */
enum sec_auth_err sec_he_resync(struct milenage *m, struct sec_sqn_he *he, const uint8_t rand[16],
                                const uint8_t auts[14], uint64_t *sqn_ms);

/* USIM side. */
struct sec_usim_sqn {
    uint64_t seq_ms[SEC_SQN_IND_COUNT];
};

/* The USIM's answer to AUTHENTICATION REQUEST (TS 33.102 6.3.3, TS 33.401
 * 6.1.2): checks MAC-A, the AMF separation bit when eps is set, and SQN
 * against *usim (updated on success).  On SEC_AUTH_OK: res, ck, ik.  On
 * SEC_AUTH_SYNCH_FAILURE: auts.  Any output pointer may be NULL. */
enum sec_auth_err sec_usim_authenticate(struct milenage *m, struct sec_usim_sqn *usim,
                                        const uint8_t rand[16], const uint8_t autn[16], bool eps,
                                        uint8_t res[8], uint8_t ck[16], uint8_t ik[16],
                                        uint8_t auts[14]);

/* AUTS for a given SQN_MS (what the USIM sends on synch failure). */
enum sec_auth_err sec_usim_auts(struct milenage *m, const uint8_t rand[16], uint64_t sqn_ms,
                                uint8_t auts[14]);

/* Whether the USIM would accept sqn (no state change). */
bool sec_usim_sqn_acceptable(const struct sec_usim_sqn *usim, uint64_t sqn);

#endif
