/* ZUC 1.6, the stream cipher of 128-EEA3 and 128-EIA3 (ETSI/SAGE
 * "Specification of the 3GPP Confidentiality and Integrity Algorithms
 * 128-EEA3 & 128-EIA3, Document 2: ZUC Specification", version 1.6).
 * Keystream words are produced most significant octet first. */
#ifndef XEPC_SEC_ZUC_H
#define XEPC_SEC_ZUC_H

#include <stddef.h>
#include <stdint.h>

struct zuc {
    uint32_t s[16]; /* LFSR s0..s15 (31-bit cells), s_k is s[(head + k) % 16] */
    uint32_t r1, r2;
    unsigned head;
};

/* Initialisation (spec 3.6.1), including the first, discarded, output of
 * the working stage (3.6.2). */
void zuc_init(struct zuc *st, const uint8_t key[16], const uint8_t iv[16]);

/* The next n keystream words. */
void zuc_words(struct zuc *st, uint32_t *z, size_t n);

/* out = in xor the next keystream octets, len octets (in may be out).
 * Consumes whole words: a call that does not end on a word boundary ends
 * the stream. */
void zuc_xor(struct zuc *st, const uint8_t *in, uint8_t *out, size_t len);

#endif
