/* SNOW 3G, the keystream generator of UEA2/UIA2 and 128-EEA1/128-EIA1
 * (ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity
 * Algorithms UEA2 & UIA2, Document 2: SNOW 3G Specification").
 *
 * Key and IV are given as 16 octets, most significant first: key[0..3] is
 * the word k3 of the specification, key[12..15] is k0; likewise iv[0..3] is
 * IV3 and iv[12..15] is IV0.  Keystream words are produced most significant
 * octet first. */
#ifndef XEPC_SEC_SNOW3G_H
#define XEPC_SEC_SNOW3G_H

#include <stddef.h>
#include <stdint.h>

struct snow3g {
    uint32_t s[16]; /* LFSR s0..s15, rotating: s_k is s[(head + k) % 16] */
    uint32_t r1, r2, r3;
    unsigned head;
};

/* Initialisation (spec 4.1): loads key and IV, 32 clocks in initialisation
 * mode, then the one clock whose output is discarded. */
void snow3g_init(struct snow3g *st, const uint8_t key[16], const uint8_t iv[16]);

/* The next n keystream words z1, z2, ... */
void snow3g_words(struct snow3g *st, uint32_t *z, size_t n);

/* out = in xor the next keystream octets, len octets (in may be out).
 * Consumes whole words: a call that does not end on a word boundary ends
 * the stream (the rest of the last word is dropped). */
void snow3g_xor(struct snow3g *st, const uint8_t *in, uint8_t *out, size_t len);

#endif
