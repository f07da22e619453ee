/* Multi-buffer SNOW 3G and ZUC keystream: many independent (key, IV)
 * streams at once.
 *
 * Why: one stream cannot go faster than its FSM, whose S-box lookups form
 * a serial chain (docs/nas.md).  Independent streams have no such chain
 * between them, so N of them are clocked in lockstep, one stream per
 * 32-bit SIMD lane (as Intel's ipsec-mb does): 16 lanes with AVX-512, 8
 * with AVX2, one per call of the single-stream code otherwise.  Every level gives the
 * keystream of snow3g_init/snow3g_xor and zuc_init/zuc_xor bit for bit.
 *
 * The SIMD paths have no memory lookup indexed by secret data: their
 * S-boxes are byte permutations between registers (vpermi2b with AVX-512,
 * 16 vpshufb row lookups with AVX2) and their MULalpha / DIValpha are
 * dword permutations (vpermd); see docs/nas.md, "Constant time".  The generic level is the table-based single-stream code. */
#ifndef XEPC_SEC_KEYSTREAM_MB_H
#define XEPC_SEC_KEYSTREAM_MB_H

#include <stddef.h>
#include <stdint.h>

/* One stream.  key and iv as for snow3g_init / zuc_init (16 octets, most
 * significant first).  out = in xor the first len keystream octets, or the
 * keystream itself when in is NULL; in may equal out. */
struct sec_ks_job {
    const uint8_t *key;
    const uint8_t *iv;
    const uint8_t *in;
    uint8_t *out;
    size_t len; /* octets; 0 is allowed */
};

/* Any number of jobs.  A group of sec_mb_lanes() jobs costs as much as its
 * longest job, so jobs are grouped by length: each window of 64 jobs is
 * sorted, longest first, before it is cut into groups. */
void snow3g_mb_xor(const struct sec_ks_job *jobs, size_t n);
void zuc_mb_xor(const struct sec_ks_job *jobs, size_t n);

/* Dispatch level.  The best level the CPU supports (sec_mb_best_level())
 * is chosen on first use; sec_mb_set_level() forces one (tests,
 * benchmarks, an AVX2 run on an AVX-512 machine) and fails with -ENOTSUP
 * when this CPU or build cannot run it.  The values are not in order of
 * speed: AVX-512 beats AVX2. */
enum sec_mb_level {
    SEC_MB_GENERIC = 0, /* single-stream code, one job after another */
    SEC_MB_AVX512 = 1,  /* 16 lanes: AVX-512 F/BW/VL/VBMI */
    SEC_MB_AVX2 = 2,    /* 8 lanes: AVX2 (AMD Zen 2/3, Intel Haswell on) */
};
#define SEC_MB_LEVEL_COUNT 3

int sec_mb_set_level(enum sec_mb_level level);
enum sec_mb_level sec_mb_get_level(void);
/* Whether this CPU and build can run the level. */
int sec_mb_level_supported(enum sec_mb_level level);
/* The fastest level this CPU and build can run: AVX-512, else AVX2, else
 * generic. */
enum sec_mb_level sec_mb_best_level(void);
/* Streams clocked together at the current level (1 for generic). */
unsigned sec_mb_lanes(void);
/* "generic", "avx512", "avx2" for logs and benchmarks. */
const char *sec_mb_level_name(enum sec_mb_level level);

#endif
