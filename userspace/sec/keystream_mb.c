/* Multi-buffer keystream: the dispatch between levels, and the generic
 * level (the single-stream code, one job after another). */
#include "sec/keystream_mb.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sec/mb_avx2.h"
#include "sec/mb_avx512.h"
#include "sec/snow3g.h"
#include "sec/zuc.h"

/* The level in use, -1 until the first call picks the best one.  A process
 * property like the CPU itself, hence file-level; atomic because any thread
 * may make the first call. */
static int mb_level = -1;

int sec_mb_level_supported(enum sec_mb_level level)
{
    switch (level) {
    case SEC_MB_GENERIC:
        return 1;
    case SEC_MB_AVX512:
#if defined(__x86_64__)
        /* libgcc's check includes the OS enabling the AVX-512 state. */
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi");
#else
        return 0;
#endif
    case SEC_MB_AVX2:
#if defined(__x86_64__)
        /* Likewise includes the OS enabling the AVX (YMM) state.  AES-NI
         * for SNOW 3G's S1 (every CPU with AVX2 that xepc targets has it). */
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("aes");
#else
        return 0;
#endif
    }
    return 0;
}

enum sec_mb_level sec_mb_best_level(void)
{
    if (sec_mb_level_supported(SEC_MB_AVX512))
        return SEC_MB_AVX512;
    if (sec_mb_level_supported(SEC_MB_AVX2))
        return SEC_MB_AVX2;
    return SEC_MB_GENERIC;
}

int sec_mb_set_level(enum sec_mb_level level)
{
    if ((unsigned)level >= SEC_MB_LEVEL_COUNT || !sec_mb_level_supported(level))
        return -ENOTSUP;
    __atomic_store_n(&mb_level, (int)level, __ATOMIC_RELAXED);
    return 0;
}

enum sec_mb_level sec_mb_get_level(void)
{
    int l = __atomic_load_n(&mb_level, __ATOMIC_RELAXED);

    if (l < 0) {
        l = (int)sec_mb_best_level();
        __atomic_store_n(&mb_level, l, __ATOMIC_RELAXED);
    }
    return (enum sec_mb_level)l;
}

unsigned sec_mb_lanes(void)
{
    switch (sec_mb_get_level()) {
    case SEC_MB_AVX512:
        return MB_LANES;
    case SEC_MB_AVX2:
        return MB2_LANES;
    default:
        return 1;
    }
}

const char *sec_mb_level_name(enum sec_mb_level level)
{
    static const char *const names[] = {"generic", "avx512", "avx2"};
    return (unsigned)level < SEC_MB_LEVEL_COUNT ? names[level] : "?";
}

/* Generic level: the job's keystream from the single-stream code. */
static void snow3g_one(const struct sec_ks_job *j)
{
    struct snow3g st;

    if (!j->len)
        return;
    snow3g_init(&st, j->key, j->iv);
    if (!j->in)
        memset(j->out, 0, j->len);
    snow3g_xor(&st, j->in ? j->in : j->out, j->out, j->len);
    OPENSSL_cleanse(&st, sizeof(st));
}

static void zuc_one(const struct sec_ks_job *j)
{
    struct zuc st;

    if (!j->len)
        return;
    zuc_init(&st, j->key, j->iv);
    if (!j->in)
        memset(j->out, 0, j->len);
    zuc_xor(&st, j->in ? j->in : j->out, j->out, j->len);
    OPENSSL_cleanse(&st, sizeof(st));
}

#if defined(__x86_64__)
/* Jobs sorted together, so that a group holds jobs of similar length (a
 * group costs as much as its longest job). */
#define MB_WINDOW 64

/* Groups of `lanes` jobs (at most MB_LANES); a group whose jobs are all
 * empty costs nothing.  More than one group's worth is taken MB_WINDOW
 * jobs at a time, longest first. */
static void run_groups(const struct sec_ks_job *jobs, size_t n, unsigned lanes,
                       void (*group)(const struct sec_ks_job *, unsigned))
{
    struct sec_ks_job win[MB_WINDOW];

    for (size_t w = 0; w < n; w += MB_WINDOW) {
        size_t c = n - w < MB_WINDOW ? n - w : MB_WINDOW;
        const struct sec_ks_job *src = jobs + w;
        if (c > lanes) {
            /* Insertion sort by length, descending (stable). */
            for (size_t i = 0; i < c; i++) {
                size_t k = i;
                for (; k > 0 && win[k - 1].len < src[i].len; k--)
                    win[k] = win[k - 1];
                win[k] = src[i];
            }
            src = win;
        }
        for (size_t i = 0; i < c; i += lanes) {
            unsigned g = c - i < lanes ? (unsigned)(c - i) : lanes;
            size_t any = 0;
            for (unsigned j = 0; j < g; j++)
                any |= src[i + j].len;
            if (any)
                group(src + i, g);
        }
    }
}
#endif

void snow3g_mb_xor(const struct sec_ks_job *jobs, size_t n)
{
#if defined(__x86_64__)
    switch (sec_mb_get_level()) {
    case SEC_MB_AVX512:
        run_groups(jobs, n, MB_LANES, sec_snow3g_group_avx512);
        return;
    case SEC_MB_AVX2:
        run_groups(jobs, n, MB2_LANES, sec_snow3g_group_avx2);
        return;
    case SEC_MB_GENERIC:
        break;
    }
#endif
    for (size_t i = 0; i < n; i++)
        snow3g_one(&jobs[i]);
}

void zuc_mb_xor(const struct sec_ks_job *jobs, size_t n)
{
#if defined(__x86_64__)
    switch (sec_mb_get_level()) {
    case SEC_MB_AVX512:
        run_groups(jobs, n, MB_LANES, sec_zuc_group_avx512);
        return;
    case SEC_MB_AVX2:
        run_groups(jobs, n, MB2_LANES, sec_zuc_group_avx2);
        return;
    case SEC_MB_GENERIC:
        break;
    }
#endif
    for (size_t i = 0; i < n; i++)
        zuc_one(&jobs[i]);
}
