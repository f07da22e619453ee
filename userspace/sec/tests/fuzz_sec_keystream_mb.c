/* libFuzzer target: snow3g_mb_xor() and zuc_mb_xor() at every dispatch
 * level this CPU supports (generic, AVX2, AVX-512: each forced in turn)
 * against the single-stream code, byte for byte, on exactly sized heap
 * buffers (an octet written or read past a job's length is an ASan
 * report).  Layout of the input:
 *
 *   octet 0      bit 0: ZUC (else SNOW 3G); bits 2-1: keystream only (0),
 *                xor out of place (1), xor in place (2 and 3)
 *   then         jobs, up to 40, each: 2 octets of length (big-endian,
 *                modulo 1601), 16 of key, 16 of IV; the input octets of
 *                a job are its key repeated, xored with the position. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sec/keystream_mb.h"
#include "sec/snow3g.h"
#include "sec/zuc.h"

#define JOBS_MAX 40
#define JOB_IN 34
#define LEN_MAX 1600

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sec_ks_job jobs[JOBS_MAX];
    uint8_t *in[JOBS_MAX], *out[JOBS_MAX], *want[JOBS_MAX];
    unsigned n = 0;
    int zuc, mode;

    if (size < 1)
        return 0;
    zuc = data[0] & 1;
    mode = (data[0] >> 1) & 3;
    for (size_t pos = 1; n < JOBS_MAX && size - pos >= JOB_IN; pos += JOB_IN, n++) {
        const uint8_t *key = data + pos + 2, *iv = data + pos + 18;
        size_t len = ((size_t)data[pos] << 8 | data[pos + 1]) % (LEN_MAX + 1);

        /* malloc(0) may return NULL: one octet then, the job's length 0. */
        in[n] = malloc(len ? len : 1);
        out[n] = malloc(len ? len : 1);
        want[n] = malloc(len ? len : 1);
        if (!in[n] || !out[n] || !want[n])
            abort();
        for (size_t i = 0; i < len; i++)
            in[n][i] = (uint8_t)(key[i % 16] ^ i);
        /* The reference: the single-stream code. */
        if (mode)
            memcpy(want[n], in[n], len);
        else
            memset(want[n], 0, len);
        if (zuc) {
            struct zuc st;
            zuc_init(&st, key, iv);
            zuc_xor(&st, want[n], want[n], len);
        } else {
            struct snow3g st;
            snow3g_init(&st, key, iv);
            snow3g_xor(&st, want[n], want[n], len);
        }
        jobs[n] = (struct sec_ks_job){key, iv, mode == 0 ? NULL : mode == 1 ? in[n] : out[n],
                                      out[n], len};
    }
    for (int lvl = 0; lvl < SEC_MB_LEVEL_COUNT; lvl++) {
        if (sec_mb_set_level((enum sec_mb_level)lvl) != 0)
            continue;
        for (unsigned j = 0; j < n; j++)
            if (mode >= 2)
                memcpy(out[j], in[j], jobs[j].len);
        if (zuc)
            zuc_mb_xor(jobs, n);
        else
            snow3g_mb_xor(jobs, n);
        for (unsigned j = 0; j < n; j++)
            if (jobs[j].len && memcmp(out[j], want[j], jobs[j].len) != 0)
                abort();
    }
    sec_mb_set_level(sec_mb_best_level());
    for (unsigned j = 0; j < n; j++) {
        free(in[j]);
        free(out[j]);
        free(want[j]);
    }
    return 0;
}
