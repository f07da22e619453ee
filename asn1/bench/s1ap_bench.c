/* S1AP codec benchmarks (make bench): ns per decode and per encode of an
 * Initial UE Message (the golden 115-byte message of shared/vectors) and
 * of an Initial Context Setup Request with two E-RABs, plus the heap
 * allocations per decode (malloc/calloc/realloc are wrapped at link time,
 * -Wl,--wrap) and the decode arena bytes used.
 * Output: one `bench: <name> <value> <unit>` line per figure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s1ap.h"

/* ---- allocation counting: every malloc the codec could call lands here */
static unsigned long n_allocs;
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) { n_allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { n_allocs++; return __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { n_allocs++; return __real_realloc(p, n); }

static const char initial_ue_hex[] =
    "000c406f000006000800020001001a003c3b17df675aa8050741020bf600f110000201030003e605f07000001000050215"
    "d011d15200f11030395c0a003103e5e0349011035758a65d0100e0c1004300060000f1103039006440080000f1108c3378"
    "200086400130004b00070000f110000201";

static uint8_t arena_mem[1 << 16];
static uint8_t out[1 << 12];

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);   /* CPU time: the VM is shared */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t unhex(const char *h, uint8_t *o)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return 0;
        o[i] = (uint8_t)v;
    }
    return n;
}

/* The ICS Request an MME sends at attach, with two default-like bearers. */
static void build_ics_request(struct s1ap_pdu *pdu, s1ap_E_RABToBeSetupItemCtxtSUReq items[2])
{
    static const uint8_t key[32] = { 0xc4, 0xc7, 0xbc, 0x79, 0x8a, 0xb9, 0x4e, 0x3d, 0x35, 0x4c, 0xd6,
                                     0x60, 0x8e, 0x79, 0xaa, 0x92, 0xf5, 0x56, 0x9d, 0xf4, 0x65, 0x19,
                                     0x50, 0x78, 0x50, 0x05, 0x1e, 0x36, 0xf0, 0x18, 0xca, 0x5f };
    static const uint8_t eea[2] = { 0xe0, 0x00 }, eia[2] = { 0xc0, 0x00 };
    static const uint8_t sgw[4] = { 10, 1, 35, 198 };
    /* an Attach Accept-sized NAS PDU */
    static uint8_t nas[64];
    memset(nas, 0x5a, sizeof(nas));
    nas[0] = 0x27;

    s1ap_pdu_init(pdu, S1AP_MSG_InitialContextSetupRequest);
    s1ap_InitialContextSetupRequest *m = &pdu->u.InitialContextSetupRequest;
    m->MME_UE_S1AP_ID = 33554623;
    m->eNB_UE_S1AP_ID = 1;
    m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateDL = 200000000;
    m->uEaggregateMaximumBitrate.uEaggregateMaximumBitRateUL = 100000000;
    memset(items, 0, 2 * sizeof(items[0]));
    for (unsigned i = 0; i < 2; i++) {
        items[i].e_RAB_ID = (uint8_t)(5 + i);
        items[i].e_RABlevelQoSParameters.qCI = (uint8_t)(9 - i);
        items[i].e_RABlevelQoSParameters.allocationRetentionPriority.priorityLevel = 15;
        items[i].transportLayerAddress = (struct aper_bits){ sgw, 32 };
        items[i].gTP_TEID[0] = 0x01;
        items[i].gTP_TEID[3] = (uint8_t)(0x08 + i);
    }
    items[0].nAS_PDU_present = true;
    items[0].nAS_PDU = (struct aper_octets){ nas, sizeof(nas) };
    m->E_RABToBeSetupListCtxtSUReq.count = 2;
    m->E_RABToBeSetupListCtxtSUReq.items = items;
    m->UESecurityCapabilities.encryptionAlgorithms = (struct aper_bits){ eea, 16 };
    m->UESecurityCapabilities.integrityProtectionAlgorithms = (struct aper_bits){ eia, 16 };
    m->SecurityKey = (struct aper_bits){ key, 256 };
}

#define ROUNDS 5

/* The rounds of one figure, ns per call. */
struct rounds {
    double v[ROUNDS];
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* bench: NAME MEDIAN ns (median of 5; best B, spread MIN-MAX) */
static void print_rounds(const char *what, const char *name, const struct rounds *r)
{
    double v[ROUNDS];
    memcpy(v, r->v, sizeof(v));
    qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
    printf("bench: s1ap_%s_%s %.0f ns (median of %d; best %.0f, spread %.0f-%.0f)\n", what, name,
           v[ROUNDS / 2], ROUNDS, v[0], v[0], v[ROUNDS - 1]);
}

/* 5 rounds of `iters` calls, in ns per call */
#define MEASURE(iters, stmt)                                                   \
    ({                                                                         \
        struct rounds r_;                                                      \
        for (int round_ = 0; round_ < ROUNDS; round_++) {                      \
            double t0_ = now_ns();                                             \
            for (long i_ = 0; i_ < (iters); i_++) { stmt; }                    \
            r_.v[round_] = (now_ns() - t0_) / (double)(iters);                 \
        }                                                                      \
        r_;                                                                    \
    })

static int bench_msg(const char *name, const uint8_t *buf, size_t len)
{
    static struct s1ap_pdu pdu;
    struct s1ap_decode_error err;
    struct aper_arena a;
    volatile int sink = 0;
    const long iters = 200000;

    aper_arena_init(&a, arena_mem, sizeof(arena_mem));
    if (s1ap_decode(buf, len, &pdu, &a, &err)) {
        fprintf(stderr, "s1ap_bench: %s does not decode\n", name);
        return 1;
    }
    unsigned long before = n_allocs;
    size_t arena_used = 0;
    for (int i = 0; i < 1000; i++) {
        aper_arena_reset(&a);
        sink += s1ap_decode(buf, len, &pdu, &a, &err);
        arena_used = a.used;
    }
    double allocs = (double)(n_allocs - before) / 1000.0;

    struct rounds dec = MEASURE(iters, {
        aper_arena_reset(&a);
        sink += s1ap_decode(buf, len, &pdu, &a, &err);
    });
    /* pdu now holds the decoded message (pointers into buf and the arena) */
    struct rounds enc = MEASURE(iters, { sink += s1ap_encode(&pdu, out, sizeof(out)); });
    (void)sink;
    print_rounds("decode", name, &dec);
    print_rounds("encode", name, &enc);
    printf("bench: s1ap_decode_%s_mallocs %.0f calls\n", name, allocs);
    printf("bench: s1ap_decode_%s_arena %zu bytes\n", name, arena_used);
    printf("bench: s1ap_%s_size %zu bytes\n", name, len);
    return 0;
}

int main(void)
{
    static uint8_t iue[256], ics[1024];
    static struct s1ap_pdu pdu;
    s1ap_E_RABToBeSetupItemCtxtSUReq items[2];
    int rc = 0;

    size_t n = unhex(initial_ue_hex, iue);
    rc |= bench_msg("initial_ue_message", iue, n);

    build_ics_request(&pdu, items);
    int m = s1ap_encode(&pdu, ics, sizeof(ics));
    if (m <= 0) {
        fprintf(stderr, "s1ap_bench: cannot encode the ICS Request (%d)\n", m);
        return 1;
    }
    rc |= bench_msg("ics_request_2erab", ics, (size_t)m);
    return rc;
}
