/* libFuzzer target: nas_unprotect() on arbitrary bytes, under every
 * EEA/EIA pair and both roles, with fixed keys.  The first input octet
 * picks the algorithms (bits 0-3), the role (bit 4) and whether the
 * receive COUNT starts near the overflow (bit 5); the rest is the PDU.
 * Beyond "no crash, no out-of-bounds read", it checks that what
 * nas_protect() makes of the same bytes unprotects back to them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas_security.h"

static struct nas_sec_ctx net[16], ue[16];

static void init_once(void)
{
    static int done;
    uint8_t kasme[32];

    if (done)
        return;
    for (int i = 0; i < 32; i++)
        kasme[i] = (uint8_t)(0x5a ^ (i * 13));
    for (int a = 0; a < 16; a++) {
        if (nas_sec_ctx_init_kasme(&net[a], NAS_SEC_ROLE_NETWORK, 2, a >> 2, a & 3, kasme) ||
            nas_sec_ctx_init_kasme(&ue[a], NAS_SEC_ROLE_UE, 2, a >> 2, a & 3, kasme))
            abort();
    }
    done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[4096], back[4096];
    size_t n, m;
    struct nas_sec_info info;

    init_once();
    if (size < 1 || size > 2048)
        return 0;
    unsigned alg = data[0] & 15;
    int as_ue = (data[0] >> 4) & 1;
    uint32_t start = (data[0] & 0x20) ? 0xfff0 : 0;
    const uint8_t *pdu = data + 1;
    size_t len = size - 1;
    struct nas_sec_ctx *rx = as_ue ? &ue[alg] : &net[alg];
    struct nas_sec_ctx *tx = as_ue ? &net[alg] : &ue[alg];

    rx->ul_count = rx->dl_count = start;
    tx->ul_count = tx->dl_count = start;

    /* Arbitrary bytes as a received PDU: with and without a context, and
     * into an output buffer exactly as large as the PDU (copied so that
     * ASan sees its end). */
    (void)nas_unprotect(rx, pdu, len, out, sizeof(out), &n, &info);
    (void)nas_unprotect(NULL, pdu, len, out, sizeof(out), &n, &info);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, pdu, len);
    (void)nas_unprotect(rx, copy, len, back, len, &m, &info);
    free(copy);

    /* The same bytes as a plain message: protect, then unprotect. */
    if (len >= 1) {
        rx->ul_count = rx->dl_count = start;
        unsigned hdr = 1 + (pdu[0] & 3);
        if (nas_protect(tx, hdr, pdu, len, out, sizeof(out), &n) != NAS_SEC_OK)
            abort();
        if (nas_unprotect(rx, out, n, back, sizeof(back), &m, &info) != NAS_SEC_OK || m != len ||
            memcmp(back, pdu, len) != 0)
            abort();
    }
    return 0;
}
