/* libFuzzer target: nas_protect_batch() and nas_unprotect_batch() against
 * nas_protect() and nas_unprotect(), byte for byte.  Twin contexts keyed
 * alike (contexts own OpenSSL state and are not copied) go one through the
 * batch, one through the single-message API; every item's error, length,
 * octets and security info, and every context's COUNTs afterwards, must
 * agree.  Layout of the input:
 *
 *   octet 0       number of contexts - 1 (low 2 bits: 1..4), role (bit 2)
 *   octets 1-4    per context: bits 1-0 EEA, 3-2 EIA, 4 COUNT near the
 *                 end of the 24-bit space (else a small COUNT), 7-5 the
 *                 COUNT's low bits
 *   octets 5-36   KASME (context i uses it with octet i xored in)
 *   then          items, up to 24, each: octet a (bits 1-0 context,
 *                 3-2 header type - 1, bit 4 "corrupt one octet of the
 *                 PDU before unprotecting", bit 5 "deliver twice"),
 *                 octet b (length, up to 255, cut at the end of the input),
 *                 then b octets of message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas_security.h"

#define NCTX 4
#define ITEMS_MAX 24
#define PDU_MAX (255 + NAS_SEC_HDR_LEN)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_die(const void *a, const void *b, size_t n)
{
    if (n && memcmp(a, b, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nas_sec_ctx bat[NCTX], ref[NCTX], rx_bat[NCTX], rx_ref[NCTX];
    static uint8_t out_b[ITEMS_MAX][PDU_MAX], out_r[ITEMS_MAX][PDU_MAX];
    static uint8_t back_b[2 * ITEMS_MAX][PDU_MAX], back_r[2 * ITEMS_MAX][PDU_MAX];
    static uint8_t rx_pdu[2 * ITEMS_MAX][PDU_MAX];
    struct nas_protect_item pi[ITEMS_MAX];
    struct nas_unprotect_item ui[2 * ITEMS_MAX];
    uint8_t flags[ITEMS_MAX];
    unsigned nctx, nitems = 0, nrx = 0;
    enum nas_sec_role role;
    size_t pos = 37;

    if (size < 37 || size > 8192)
        return 0;
    nctx = 1 + (data[0] & 3);
    role = data[0] & 4 ? NAS_SEC_ROLE_UE : NAS_SEC_ROLE_NETWORK;
    for (unsigned c = 0; c < nctx; c++) {
        uint8_t kasme[32], o = data[1 + c];
        uint32_t count = o & 0x10 ? NAS_COUNT_MAX - (o >> 5) : (uint32_t)(o >> 5) * 37;
        enum nas_sec_role peer = role == NAS_SEC_ROLE_UE ? NAS_SEC_ROLE_NETWORK : NAS_SEC_ROLE_UE;

        memcpy(kasme, data + 5, 32);
        kasme[c] ^= (uint8_t)(c + 1);
        if (nas_sec_ctx_init_kasme(&bat[c], role, 1, o & 3, (o >> 2) & 3, kasme) ||
            nas_sec_ctx_init_kasme(&ref[c], role, 1, o & 3, (o >> 2) & 3, kasme) ||
            nas_sec_ctx_init_kasme(&rx_bat[c], peer, 1, o & 3, (o >> 2) & 3, kasme) ||
            nas_sec_ctx_init_kasme(&rx_ref[c], peer, 1, o & 3, (o >> 2) & 3, kasme))
            abort();
        bat[c].ul_count = bat[c].dl_count = ref[c].ul_count = ref[c].dl_count = count;
        rx_bat[c].ul_count = rx_bat[c].dl_count = rx_ref[c].ul_count = rx_ref[c].dl_count = count;
    }

    /* protect: the batch against one nas_protect() per item, in order */
    while (nitems < ITEMS_MAX && size - pos >= 2) {
        uint8_t a = data[pos], len = data[pos + 1];
        struct nas_protect_item *p = &pi[nitems];

        pos += 2;
        if (len > size - pos)
            len = (uint8_t)(size - pos);
        flags[nitems] = a;
        p->ctx = &bat[(a & 3) % nctx];
        p->hdr = (enum nas_sec_hdr)(1 + ((a >> 2) & 3));
        p->msg = data + pos;
        p->len = len;
        p->out = out_b[nitems];
        p->cap = PDU_MAX;
        pos += len;
        nitems++;
    }
    (void)nas_protect_batch(pi, nitems);
    for (unsigned i = 0; i < nitems; i++) {
        size_t n = 0;
        enum nas_sec_err e = nas_protect(&ref[(flags[i] & 3) % nctx], pi[i].hdr, pi[i].msg,
                                         pi[i].len, out_r[i], PDU_MAX, &n);

        if (e != pi[i].err || n != pi[i].out_len)
            abort();
        same_or_die(out_b[i], out_r[i], n);
    }
    for (unsigned c = 0; c < nctx; c++)
        if (bat[c].ul_count != ref[c].ul_count || bat[c].dl_count != ref[c].dl_count)
            abort();

    /* unprotect: what was protected, some corrupted, some twice */
    for (unsigned i = 0; i < nitems && nrx < 2 * ITEMS_MAX; i++) {
        unsigned copies = flags[i] & 0x20 ? 2 : 1;

        if (pi[i].err != NAS_SEC_OK)
            continue;
        for (unsigned k = 0; k < copies && nrx < 2 * ITEMS_MAX; k++) {
            struct nas_unprotect_item *u = &ui[nrx];

            memcpy(rx_pdu[nrx], out_b[i], pi[i].out_len);
            if ((flags[i] & 0x10) && pi[i].out_len)
                rx_pdu[nrx][pi[i].len % pi[i].out_len] ^= 0x40;
            u->ctx = &rx_bat[(flags[i] & 3) % nctx];
            u->pdu = rx_pdu[nrx];
            u->len = pi[i].out_len;
            u->out = back_b[nrx];
            u->cap = PDU_MAX;
            nrx++;
        }
    }
    (void)nas_unprotect_batch(ui, nrx);
    for (unsigned j = 0; j < nrx; j++) {
        struct nas_sec_ctx *c = &rx_ref[ui[j].ctx - rx_bat];
        struct nas_sec_info info;
        size_t n = 0;
        enum nas_sec_err e = nas_unprotect(c, ui[j].pdu, ui[j].len, back_r[j], PDU_MAX, &n, &info);

        if (e != ui[j].err || n != ui[j].out_len || info.count != ui[j].info.count ||
            info.hdr != ui[j].info.hdr || info.sqn != ui[j].info.sqn ||
            info.mac != ui[j].info.mac ||
            info.integrity_verified != ui[j].info.integrity_verified)
            abort();
        if (e == NAS_SEC_OK)
            same_or_die(back_b[j], back_r[j], n);
    }
    for (unsigned c = 0; c < nctx; c++) {
        if (rx_bat[c].ul_count != rx_ref[c].ul_count || rx_bat[c].dl_count != rx_ref[c].dl_count)
            abort();
        nas_sec_ctx_free(&bat[c]);
        nas_sec_ctx_free(&ref[c]);
        nas_sec_ctx_free(&rx_bat[c]);
        nas_sec_ctx_free(&rx_ref[c]);
    }
    return 0;
}
