/* libFuzzer target for the NAS security layer (TS 24.301 4.4, TS 33.401).
 * The input chooses everything: the KASME (random keys), the algorithms,
 * the role, the starting NAS COUNT (anywhere, and often within a few
 * messages of the 24-bit end), the messages, and the order in which the
 * receiver sees them (replays, reordering).  Layout:
 *
 *   octet 0      bits 1-0 EEA, 3-2 EIA, 4 role (UE receives), 5 COUNT near
 *                the end, 7-6 number of messages - 1 (x2, so 2..8)
 *   octets 1-32  KASME
 *   octets 33-35 starting COUNT (24 bits; with bit 5 of octet 0, 0xffffff
 *                minus the low 4 bits of octet 35)
 *   octet 36     number of deliveries (modulo 17)
 *   then         the deliveries, one octet each (the message's index modulo
 *                the number protected), then the message bodies: the rest,
 *                split evenly (also fed whole to the receiver as raw bytes).
 *
 * Checked, beyond "no crash, no out-of-bounds access":
 *  - arbitrary bytes given as a received PDU, with and without a context,
 *    into an output buffer of exactly the PDU's size;
 *  - protect never hands out a COUNT above 2^24 - 1: it says
 *    NAS_SEC_ERR_COUNT_EXHAUSTED instead (TS 33.401 7.2.4.2 re-key);
 *  - with integrity (EIA1-3) a message is accepted iff its COUNT is at or
 *    above the receiver's next expected one (4.4.3.2: each COUNT at most
 *    once, never backwards); then it comes back byte for byte with that
 *    COUNT; a message seen before, or older than one accepted, is a
 *    replay (NAS_SEC_ERR_REPLAY), never accepted;
 *  - with EIA0 (no replay protection, 33.401 5.1.4.1) a message in order
 *    comes back byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas_security.h"

#define MSGS_MAX 8
#define DELIVERIES_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Arbitrary bytes as a received PDU. */
static void raw_pdu(struct nas_sec_ctx *rx, const uint8_t *pdu, size_t len)
{
    static uint8_t out[4096];
    struct nas_sec_info info;
    uint32_t ul = rx->ul_count, dl = rx->dl_count;
    uint8_t *copy, *exact;
    size_t n;

    (void)nas_unprotect(rx, pdu, len, out, sizeof(out), &n, &info);
    (void)nas_unprotect(NULL, pdu, len, out, sizeof(out), &n, &info);
    copy = malloc(len ? len : 1);
    exact = malloc(len ? len : 1);
    if (copy && exact) {
        memcpy(copy, pdu, len);
        (void)nas_unprotect(rx, copy, len, exact, len, &n, &info);
        if (n > len)
            abort();
    }
    free(copy);
    free(exact);
    rx->ul_count = ul;
    rx->dl_count = dl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nas_sec_ctx tx, rx;
    static uint8_t pdus[MSGS_MAX][1024 + NAS_SEC_HDR_LEN], back[2048];
    size_t pdu_len[MSGS_MAX], body_len[MSGS_MAX], n;
    const uint8_t *body[MSGS_MAX];
    uint32_t count_of[MSGS_MAX], start, expected;
    bool accepted[MSGS_MAX] = { false };
    unsigned eea, eia, nmsg, nprot = 0, ndeliv;
    const uint8_t *deliv, *rest;
    size_t rest_len;
    bool ue_rx, near_end;

    if (size < 37 || size > 4096)
        return 0;
    eea = data[0] & 3;
    eia = (data[0] >> 2) & 3;
    ue_rx = data[0] & 0x10;
    near_end = data[0] & 0x20;
    nmsg = 2 + 2 * (data[0] >> 6);
    start = (uint32_t)data[33] << 16 | (uint32_t)data[34] << 8 | data[35];
    if (near_end)
        start = NAS_COUNT_MAX - (data[35] & 15);
    ndeliv = data[36] % (DELIVERIES_MAX + 1);
    if (size < 37 + ndeliv)
        return 0;
    deliv = data + 37;
    rest = deliv + ndeliv;
    rest_len = size - 37 - ndeliv;

    if (nas_sec_ctx_init_kasme(&rx, ue_rx ? NAS_SEC_ROLE_UE : NAS_SEC_ROLE_NETWORK, 1, eea, eia,
                               data + 1) != NAS_SEC_OK)
        abort();
    if (nas_sec_ctx_init_kasme(&tx, ue_rx ? NAS_SEC_ROLE_NETWORK : NAS_SEC_ROLE_UE, 1, eea, eia,
                               data + 1) != NAS_SEC_OK)
        abort();
    tx.ul_count = tx.dl_count = rx.ul_count = rx.dl_count = start;

    raw_pdu(&rx, rest, rest_len);

    /* the messages: the rest split in nmsg pieces of at least one octet */
    for (unsigned i = 0; i < nmsg; i++) {
        size_t from = rest_len * i / nmsg, to = rest_len * (i + 1) / nmsg;

        body[i] = rest + from;
        body_len[i] = to - from;
        if (body_len[i] > 1024)
            body_len[i] = 1024;
    }
    for (unsigned i = 0; i < nmsg; i++) {
        uint32_t before = ue_rx ? tx.dl_count : tx.ul_count;
        enum nas_sec_err e;

        if (!body_len[i])
            break;
        e = nas_protect(&tx, (enum nas_sec_hdr)(1 + (body[i][0] & 3)), body[i], body_len[i],
                        pdus[i], sizeof(pdus[i]), &pdu_len[i]);
        if (e == NAS_SEC_ERR_COUNT_EXHAUSTED) {
            /* only at the end of the COUNT space, and nothing was sent */
            if (before <= NAS_COUNT_MAX)
                abort();
            break;
        }
        if (e != NAS_SEC_OK || before > NAS_COUNT_MAX || pdu_len[i] != body_len[i] + NAS_SEC_HDR_LEN)
            abort();
        count_of[i] = before;
        nprot++;
    }

    /* the receiver sees them in the order the input says */
    expected = start;
    for (unsigned d = 0; d < ndeliv && nprot; d++) {
        unsigned i = deliv[d] % nprot;
        struct nas_sec_info info;
        enum nas_sec_err e = nas_unprotect(&rx, pdus[i], pdu_len[i], back, sizeof(back), &n, &info);
        bool fresh = count_of[i] >= expected;

        if (eia != 0) {
            if (fresh) {
                if (e != NAS_SEC_OK || n != body_len[i] || memcmp(back, body[i], n) ||
                    info.count != count_of[i] || accepted[i])
                    abort();
                accepted[i] = true;
                expected = count_of[i] + 1;
            } else if (e != NAS_SEC_ERR_REPLAY || info.count != count_of[i]) {
                abort();  /* an old COUNT is never accepted: a replay, named */
            }
        } else if (fresh) {
            if (e != NAS_SEC_OK || n != body_len[i] || memcmp(back, body[i], n) ||
                info.count != count_of[i])
                abort();
            expected = count_of[i] + 1;
        } else {
            /* EIA0: taken as the next wrap of the SQN, or refused when
             * that is past the COUNT space */
            if (e == NAS_SEC_OK)
                expected = info.count + 1;
            else if (e != NAS_SEC_ERR_COUNT_EXHAUSTED)
                abort();
        }
    }
    nas_sec_ctx_free(&tx);
    nas_sec_ctx_free(&rx);
    return 0;
}
