/* The generic key derivation function of TS 33.220 Annex B.2 (HMAC-SHA-256
 * over S = FC || P0 || L0 || P1 || L1 ...) and the EPS derivations of
 * TS 33.401 Annex A built on it.  Errors: 0, -EINVAL, -EIO (OpenSSL). */
#ifndef XEPC_SEC_KDF_H
#define XEPC_SEC_KDF_H

#include <stddef.h>
#include <stdint.h>

#define SEC_KDF_KEY_LEN 32 /* KASME, KeNB, NH: 256 bits */
#define SEC_SN_ID_LEN 3

struct sec_kdf_param {
    const uint8_t *p;
    uint16_t len; /* becomes L_i, two octets big-endian */
};

/* out = HMAC-SHA-256(key, FC || P0 || L0 || ... || Pn-1 || Ln-1). */
int sec_kdf(const uint8_t *key, size_t key_len, uint8_t fc, const struct sec_kdf_param *params,
            size_t n, uint8_t out[32]);

/* Plain HMAC-SHA-256 (RFC 2104), on which sec_kdf() rests. */
int sec_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                    uint8_t out[32]);

/* A.2: KASME from CK || IK, with FC 0x10, P0 = serving network id (PLMN
 * identity, 3 octets), P1 = SQN xor AK (6 octets). */
int sec_kasme(const uint8_t ck[16], const uint8_t ik[16], const uint8_t sn_id[3],
              const uint8_t sqn_xor_ak[6], uint8_t kasme[32]);

/* A.7: the algorithm type distinguishers. */
enum sec_alg_type {
    SEC_NAS_ENC = 0x01,
    SEC_NAS_INT = 0x02,
    SEC_RRC_ENC = 0x03,
    SEC_RRC_INT = 0x04,
    SEC_UP_ENC = 0x05,
    SEC_UP_INT = 0x06,
};

/* A.7: a 128-bit algorithm key (KNASenc, KNASint, KRRCenc, ...): FC 0x15,
 * P0 = type, P1 = algorithm identity; the 128 least significant bits of
 * the 256-bit output (its last 16 octets). key is KASME (NAS) or KeNB. */
int sec_alg_key(const uint8_t key[32], enum sec_alg_type type, uint8_t alg_id, uint8_t out[16]);

/* A.3: KeNB from KASME and the uplink NAS COUNT: FC 0x11, P0 = COUNT (4 octets). */
int sec_kenb(const uint8_t kasme[32], uint32_t ul_nas_count, uint8_t kenb[32]);

/* A.4: NH from KASME and SYNC-input (KeNB for the first NH, then the
 * previous NH): FC 0x12, P0 = SYNC-input (32 octets). */
int sec_nh(const uint8_t kasme[32], const uint8_t sync_input[32], uint8_t nh[32]);

/* A.5: KeNB* for handover from KeNB or NH, FC 0x13, P0 = target PCI (2
 * octets), P1 = EARFCN-DL (2 octets, or 3 when above 65535). */
int sec_kenb_star(const uint8_t key[32], uint16_t pci, uint32_t earfcn_dl, uint8_t out[32]);

/* Serving network identity (PLMN identity, TS 24.301 9.9.3.32 / TS 24.008
 * 10.5.1.13) from "MCCMNC" digits, 5 or 6 of them: "00101" -> 00 f1 10,
 * "310410" -> 13 00 14.  -EINVAL for anything else. */
int sec_plmn_to_sn_id(const char *mccmnc, uint8_t sn_id[3]);

#endif
