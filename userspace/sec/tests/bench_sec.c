/* Benchmarks of the security library and the NAS security layer.  Each
 * figure is measured in several trials (7 by default, BENCH_SEC_TRIALS=1..15)
 * of ~0.25 s of process CPU time each, and printed as
 *
 *   bench: <name> <median> <unit> best=<best> spread=<min>-<max> trials=<k>
 *
 * beside an OpenSSL AES baseline measured in the same run.  Figures that
 * are compared (a ratio) run their trials interleaved, one trial of each in
 * turn, so that a burst of other work on the shared machine hits them
 * alike; a ratio is given from the medians and from the bests, its spread
 * from the per-trial ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "nas/nas_security.h"
#include "sec/aes_block.h"
#include "sec/auth_vector.h"
#include "sec/kdf.h"
#include "sec/keystream_mb.h"
#include "sec/milenage.h"
#include "sec/nas_algs.h"
#include "sec/snow3g.h"
#include "sec/zuc.h"

#define TRIAL_NS 250000000.0
#define TRIALS_MAX 15

static int trials = 7;

/* CPU time of this process, not wall time: the machine is shared and a
 * run preempted by other work would otherwise count the other work. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_sec: %s failed\n", what);
    exit(1);
}

/* One figure: fn(arg, n) runs n iterations of `per` units each (octets,
 * messages); t[k] is the cost of a unit in trial k, in ns. */
struct fig {
    void (*fn)(void *, long);
    void *arg;
    double per;
    long n;
    double t[TRIALS_MAX];
};

/* n growing until one run takes ~TRIAL_NS. */
static long calibrate(void (*fn)(void *, long), void *arg)
{
    long n = 16;
    for (;;) {
        double t0 = now_ns();
        fn(arg, n);
        double dt = now_ns() - t0;
        if (dt >= TRIAL_NS * 0.9)
            return n;
        double scale = dt > 1e6 ? TRIAL_NS / dt : 100.0;
        n = (long)(n * (scale > 100.0 ? 100.0 : scale * 1.05)) + 1;
    }
}

/* The figures' trials, interleaved: trial k of every figure, then k + 1. */
static void measure_set(struct fig *f, int m)
{
    for (int i = 0; i < m; i++)
        f[i].n = calibrate(f[i].fn, f[i].arg);
    for (int k = 0; k < trials; k++)
        for (int i = 0; i < m; i++) {
            double t0 = now_ns();
            f[i].fn(f[i].arg, f[i].n);
            f[i].t[k] = (now_ns() - t0) / (double)f[i].n / f[i].per;
        }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct spread {
    double med, lo, hi;
};

static struct spread spread_of(const double *v)
{
    double s[TRIALS_MAX];
    memcpy(s, v, (size_t)trials * sizeof(double));
    qsort(s, (size_t)trials, sizeof(double), cmp_double);
    double med = trials % 2 ? s[trials / 2] : (s[trials / 2 - 1] + s[trials / 2]) / 2;
    return (struct spread){med, s[0], s[trials - 1]};
}

static double fig_med(const struct fig *f)
{
    return spread_of(f->t).med;
}

static double fig_best(const struct fig *f)
{
    return spread_of(f->t).lo;
}

/* A cost per unit (ns, ns/msg): scale times the trial costs; best is the
 * lowest. */
static void print_cost(const char *name, const struct fig *f, double scale, const char *unit,
                       int prec)
{
    struct spread s = spread_of(f->t);
    printf("bench: %s %.*f %s best=%.*f spread=%.*f-%.*f trials=%d\n", name, prec, s.med * scale,
           unit, prec, s.lo * scale, prec, s.lo * scale, prec, s.hi * scale, trials);
}

/* A rate (units per second): best is the highest. */
static void print_rate(const char *name, const struct fig *f, const char *unit)
{
    struct spread s = spread_of(f->t);
    printf("bench: %s %.0f %s best=%.0f spread=%.0f-%.0f trials=%d\n", name, 1e9 / s.med, unit,
           1e9 / s.lo, 1e9 / s.hi, 1e9 / s.lo, trials);
}

/* a's cost over b's: from the medians, from the bests, and the spread of
 * the per-trial ratios (a and b measured in the same measure_set). */
static void print_ratio(const char *name, const struct fig *a, const struct fig *b,
                        const char *unit)
{
    double r[TRIALS_MAX];
    for (int k = 0; k < trials; k++)
        r[k] = a->t[k] / b->t[k];
    struct spread s = spread_of(r);
    printf("bench: %s %.2f %s best=%.2f spread=%.2f-%.2f trials=%d\n", name,
           fig_med(a) / fig_med(b), unit, fig_best(a) / fig_best(b), s.lo, s.hi, trials);
}

static volatile uint8_t sink;

/* ---------------------------------------------------------- AES block -- */

static void run_aes_block(void *arg, long n)
{
    EVP_CIPHER_CTX *ctx = arg;
    uint8_t b[16] = {1};
    for (long i = 0; i < n; i++)
        if (sec_aes_block(ctx, b, b))
            die("AES");
    sink = b[0];
}

struct vec_arg {
    struct milenage m;
    struct sec_sqn_he he;
};

static void run_vectors(void *arg, long n)
{
    struct vec_arg *a = arg;
    const uint8_t amf[2] = {0x80, 0}, sn[3] = {0x00, 0xf1, 0x10};
    struct sec_eps_vector v;
    for (long i = 0; i < n; i++) {
        if (a->he.seq_he > 1000000000)
            a->he.seq_he = 0;
        if (sec_he_eps_vector(&a->m, &a->he, amf, sn, &v) != SEC_AUTH_OK)
            die("vector");
    }
    sink = v.kasme[0];
}

static void run_milenage(void *arg, long n)
{
    struct vec_arg *a = arg;
    uint8_t rand[16] = {9}, sqn[6] = {0}, amf[2] = {0x80, 0}, res[8], ck[16], ik[16], ak[6], mac[8];
    for (long i = 0; i < n; i++) {
        rand[0] = (uint8_t)i;
        if (milenage_f2345(&a->m, rand, res, ck, ik, ak, NULL) ||
            milenage_f1(&a->m, rand, sqn, amf, mac, NULL))
            die("milenage");
    }
    sink = res[0];
}

static void run_kasme(void *arg, long n)
{
    (void)arg;
    uint8_t ck[16] = {1}, ik[16] = {2}, sn[3] = {0, 0xf1, 0x10}, c[6] = {0}, k[32];
    for (long i = 0; i < n; i++) {
        c[5] = (uint8_t)i;
        if (sec_kasme(ck, ik, sn, c, k))
            die("kasme");
    }
    sink = k[0];
}

/* ------------------------------------------------------------ NAS layer -- */

#define NAS_MSG_LEN 100
#define NAS_BATCH 4096

struct nas_arg {
    struct nas_sec_ctx net, ue;
    uint8_t msg[NAS_MSG_LEN];
    uint8_t (*pdus)[NAS_MSG_LEN + 6];
};

static void run_protect(void *arg, long n)
{
    struct nas_arg *a = arg;
    uint8_t out[NAS_MSG_LEN + 6];
    size_t len;
    for (long i = 0; i < n; i++) {
        if ((i & 0xffff) == 0)
            a->ue.ul_count = 0;
        if (nas_protect(&a->ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, a->msg, NAS_MSG_LEN, out,
                        sizeof(out), &len) != NAS_SEC_OK)
            die("nas_protect");
    }
    sink = out[1];
}

static void run_unprotect(void *arg, long n)
{
    struct nas_arg *a = arg;
    uint8_t out[NAS_MSG_LEN];
    size_t len;
    for (long i = 0; i < n; i++) {
        long j = i % NAS_BATCH;
        if (j == 0)
            a->net.ul_count = 0;
        if (nas_unprotect(&a->net, a->pdus[j], NAS_MSG_LEN + 6, out, sizeof(out), &len, NULL) !=
            NAS_SEC_OK)
            die("nas_unprotect");
    }
    sink = out[0];
}

static void bench_nas(unsigned alg)
{
    static const char *const names[] = {"", "eia1_eea1", "eia2_eea2", "eia3_eea3"};
    struct nas_arg *a = calloc(1, sizeof(*a));
    uint8_t kasme[32];
    size_t len;
    char name[64];

    a->pdus = malloc(NAS_BATCH * sizeof(*a->pdus));
    for (int i = 0; i < 32; i++)
        kasme[i] = (uint8_t)(i * 5);
    for (int i = 0; i < NAS_MSG_LEN; i++)
        a->msg[i] = (uint8_t)i;
    a->msg[0] = 0x07;
    if (nas_sec_ctx_init_kasme(&a->net, NAS_SEC_ROLE_NETWORK, 0, (uint8_t)alg, (uint8_t)alg, kasme) ||
        nas_sec_ctx_init_kasme(&a->ue, NAS_SEC_ROLE_UE, 0, (uint8_t)alg, (uint8_t)alg, kasme))
        die("nas context");
    for (int i = 0; i < NAS_BATCH; i++)
        if (nas_protect(&a->ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, a->msg, NAS_MSG_LEN, a->pdus[i],
                        NAS_MSG_LEN + 6, &len) != NAS_SEC_OK)
            die("nas_protect");

    struct fig f[2] = {{run_protect, a, 1, 0, {0}}, {run_unprotect, a, 1, 0, {0}}};
    measure_set(f, 2);
    snprintf(name, sizeof(name), "nas_protect_%s_100B", names[alg]);
    print_cost(name, &f[0], 1, "ns", 0);
    snprintf(name, sizeof(name), "nas_unprotect_%s_100B", names[alg]);
    print_cost(name, &f[1], 1, "ns", 0);
    nas_sec_ctx_free(&a->net);
    nas_sec_ctx_free(&a->ue);
    free(a->pdus);
    free(a);
}

/* nas_protect_batch: NAS_BATCH16 downlink messages of 100 octets to as
 * many UEs (distinct contexts, header type 2), beside the same messages
 * through nas_protect() one by one on the same contexts. */
#define NAS_BATCH16 16

struct nas_batch_arg {
    struct nas_sec_ctx ctx[NAS_BATCH16];
    uint8_t msg[NAS_MSG_LEN];
    uint8_t out[NAS_BATCH16][NAS_MSG_LEN + 6];
    struct nas_protect_item items[NAS_BATCH16];
};

static void nas_batch_rewind(struct nas_batch_arg *a, long i)
{
    if ((i & 0xffff) == 0)
        for (int j = 0; j < NAS_BATCH16; j++)
            a->ctx[j].dl_count = 0;
}

static void run_protect_batch16(void *arg, long n)
{
    struct nas_batch_arg *a = arg;
    for (long i = 0; i < n; i++) {
        nas_batch_rewind(a, i);
        if (nas_protect_batch(a->items, NAS_BATCH16))
            die("nas_protect_batch");
    }
    sink = a->out[0][1];
}

static void run_protect_each16(void *arg, long n)
{
    struct nas_batch_arg *a = arg;
    size_t len;
    for (long i = 0; i < n; i++) {
        nas_batch_rewind(a, i);
        for (int j = 0; j < NAS_BATCH16; j++)
            if (nas_protect(&a->ctx[j], NAS_SEC_HDR_INTEGRITY_CIPHERED, a->msg, NAS_MSG_LEN,
                            a->out[j], sizeof(a->out[j]), &len) != NAS_SEC_OK)
                die("nas_protect");
    }
    sink = a->out[0][1];
}

/* Uplink: NAS_UL_ROUNDS batches of 16 PDUs (one per UE, COUNTs 0, 1, ...)
 * made in advance, unprotected by 16 network contexts, rewound per cycle. */
#define NAS_UL_ROUNDS 256

struct nas_ul_arg {
    struct nas_sec_ctx net[NAS_BATCH16];
    uint8_t (*pdu)[NAS_BATCH16][NAS_MSG_LEN + 6];
    uint8_t out[NAS_BATCH16][NAS_MSG_LEN];
    struct nas_unprotect_item items[NAS_BATCH16];
};

static void run_unprotect_batch16(void *arg, long n)
{
    struct nas_ul_arg *a = arg;
    for (long i = 0; i < n; i++) {
        long r = i % NAS_UL_ROUNDS;
        for (int j = 0; j < NAS_BATCH16; j++) {
            if (r == 0)
                a->net[j].ul_count = 0;
            a->items[j].pdu = a->pdu[r][j];
        }
        if (nas_unprotect_batch(a->items, NAS_BATCH16))
            die("nas_unprotect_batch");
    }
    sink = a->out[0][1];
}

static void run_unprotect_each16(void *arg, long n)
{
    struct nas_ul_arg *a = arg;
    size_t len;
    for (long i = 0; i < n; i++) {
        long r = i % NAS_UL_ROUNDS;
        for (int j = 0; j < NAS_BATCH16; j++) {
            if (r == 0)
                a->net[j].ul_count = 0;
            if (nas_unprotect(&a->net[j], a->pdu[r][j], NAS_MSG_LEN + 6, a->out[j],
                              sizeof(a->out[j]), &len, NULL) != NAS_SEC_OK)
                die("nas_unprotect");
        }
    }
    sink = a->out[0][1];
}

static void bench_nas_batch(unsigned alg)
{
    static const char *const names[] = {"", "eia1_eea1", "eia2_eea2", "eia3_eea3"};
    struct nas_batch_arg *a = calloc(1, sizeof(*a));
    uint8_t kasme[32];

    if (!a)
        die("alloc");
    for (int i = 0; i < NAS_MSG_LEN; i++)
        a->msg[i] = (uint8_t)i;
    a->msg[0] = 0x07;
    for (int j = 0; j < NAS_BATCH16; j++) {
        for (int i = 0; i < 32; i++)
            kasme[i] = (uint8_t)(i * 5 + j * 29);
        if (nas_sec_ctx_init_kasme(&a->ctx[j], NAS_SEC_ROLE_NETWORK, 0, (uint8_t)alg,
                                   (uint8_t)alg, kasme))
            die("nas context");
        a->items[j] = (struct nas_protect_item){&a->ctx[j], NAS_SEC_HDR_INTEGRITY_CIPHERED,
                                                a->msg, NAS_MSG_LEN, a->out[j],
                                                sizeof(a->out[j]), 0, NAS_SEC_OK};
    }
    char name[64];
    struct fig f[2] = {{run_protect_batch16, a, NAS_BATCH16, 0, {0}},
                       {run_protect_each16, a, NAS_BATCH16, 0, {0}}};
    measure_set(f, 2);
    snprintf(name, sizeof(name), "nas_protect_batch16_%s_100B", names[alg]);
    print_cost(name, &f[0], 1, "ns/msg", 0);
    snprintf(name, sizeof(name), "nas_protect_each16_%s_100B", names[alg]);
    print_cost(name, &f[1], 1, "ns/msg", 0);
    snprintf(name, sizeof(name), "nas_protect_batch16_%s_gain", names[alg]);
    print_ratio(name, &f[1], &f[0], "x");

    /* The UEs' uplink, unprotected by the network. */
    struct nas_ul_arg *u = calloc(1, sizeof(*u));
    if (!u || !(u->pdu = calloc(NAS_UL_ROUNDS, sizeof(*u->pdu))))
        die("alloc");
    for (int j = 0; j < NAS_BATCH16; j++) {
        struct nas_sec_ctx ue;
        size_t len;
        for (int i = 0; i < 32; i++)
            kasme[i] = (uint8_t)(i * 5 + j * 29);
        if (nas_sec_ctx_init_kasme(&u->net[j], NAS_SEC_ROLE_NETWORK, 0, (uint8_t)alg,
                                   (uint8_t)alg, kasme) ||
            nas_sec_ctx_init_kasme(&ue, NAS_SEC_ROLE_UE, 0, (uint8_t)alg, (uint8_t)alg, kasme))
            die("nas context");
        for (int r = 0; r < NAS_UL_ROUNDS; r++)
            if (nas_protect(&ue, NAS_SEC_HDR_INTEGRITY_CIPHERED, a->msg, NAS_MSG_LEN, u->pdu[r][j],
                            NAS_MSG_LEN + 6, &len) != NAS_SEC_OK)
                die("nas_protect");
        nas_sec_ctx_free(&ue);
        u->items[j] = (struct nas_unprotect_item){&u->net[j], NULL, NAS_MSG_LEN + 6, u->out[j],
                                                  sizeof(u->out[j]), 0, {0}, NAS_SEC_OK};
    }
    struct fig g[2] = {{run_unprotect_batch16, u, NAS_BATCH16, 0, {0}},
                       {run_unprotect_each16, u, NAS_BATCH16, 0, {0}}};
    measure_set(g, 2);
    snprintf(name, sizeof(name), "nas_unprotect_batch16_%s_100B", names[alg]);
    print_cost(name, &g[0], 1, "ns/msg", 0);
    snprintf(name, sizeof(name), "nas_unprotect_each16_%s_100B", names[alg]);
    print_cost(name, &g[1], 1, "ns/msg", 0);
    snprintf(name, sizeof(name), "nas_unprotect_batch16_%s_gain", names[alg]);
    print_ratio(name, &g[1], &g[0], "x");
    for (int j = 0; j < NAS_BATCH16; j++) {
        nas_sec_ctx_free(&a->ctx[j]);
        nas_sec_ctx_free(&u->net[j]);
    }
    free(u->pdu);
    free(u);
    free(a);
}

/* ------------------------------------------------------------ keystream -- */

#define STREAM_LEN 16384

struct stream_arg {
    uint8_t key[16], iv[16];
    uint8_t *buf;
    EVP_CIPHER_CTX *ctr;
};

static void run_snow3g(void *arg, long n)
{
    struct stream_arg *a = arg;
    struct snow3g st;
    snow3g_init(&st, a->key, a->iv);
    for (long i = 0; i < n; i++)
        snow3g_xor(&st, a->buf, a->buf, STREAM_LEN);
    sink = a->buf[0];
}

static void run_zuc(void *arg, long n)
{
    struct stream_arg *a = arg;
    struct zuc st;
    zuc_init(&st, a->key, a->iv);
    for (long i = 0; i < n; i++)
        zuc_xor(&st, a->buf, a->buf, STREAM_LEN);
    sink = a->buf[0];
}

static void run_aes_ctr(void *arg, long n)
{
    struct stream_arg *a = arg;
    int len;
    if (EVP_EncryptInit_ex(a->ctr, NULL, NULL, NULL, a->iv) != 1)
        die("AES-CTR");
    for (long i = 0; i < n; i++)
        if (EVP_EncryptUpdate(a->ctr, a->buf, &len, a->buf, STREAM_LEN) != 1)
            die("AES-CTR");
    sink = a->buf[0];
}

/* ------------------------------------------ multi-buffer keystream -- */

/* MB_STREAMS streams of MB_LEN octets each, every call from a fresh
 * (key, IV): the initialisation is part of the cost, as for messages. */
#define MB_STREAMS 16
#define MB_LEN 2048

struct mb_arg {
    uint8_t key[MB_STREAMS][16], iv[MB_STREAMS][16];
    uint8_t *buf; /* MB_STREAMS * MB_LEN */
    struct sec_ks_job jobs[MB_STREAMS];
    EVP_CIPHER_CTX *ctr;
};

/* The multi-buffer calls at one dispatch level (set before each trial, so
 * that the levels' trials can be interleaved). */
struct mb_level_arg {
    struct mb_arg *a;
    enum sec_mb_level level;
};

static void set_level(enum sec_mb_level level)
{
    if (sec_mb_set_level(level))
        die("sec_mb_set_level");
}

static void run_snow3g_mb(void *arg, long n)
{
    struct mb_level_arg *l = arg;
    set_level(l->level);
    for (long i = 0; i < n; i++)
        snow3g_mb_xor(l->a->jobs, MB_STREAMS);
    sink = l->a->buf[0];
}

static void run_zuc_mb(void *arg, long n)
{
    struct mb_level_arg *l = arg;
    set_level(l->level);
    for (long i = 0; i < n; i++)
        zuc_mb_xor(l->a->jobs, MB_STREAMS);
    sink = l->a->buf[0];
}

/* AES-CTR over the same bytes: one EVP call per stream, re-IVed. */
static void run_aes_ctr_mb(void *arg, long n)
{
    struct mb_arg *a = arg;
    int len;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < MB_STREAMS; j++)
            if (EVP_EncryptInit_ex(a->ctr, NULL, NULL, NULL, a->iv[j]) != 1 ||
                EVP_EncryptUpdate(a->ctr, a->buf + j * MB_LEN, &len, a->buf + j * MB_LEN,
                                  MB_LEN) != 1)
                die("AES-CTR");
    sink = a->buf[0];
}

/* Batch EEA: 16 messages of 100 octets, each its own key and COUNT. */
#define EEA_BATCH 16

struct eea_arg {
    uint8_t key[EEA_BATCH][16], buf[EEA_BATCH][NAS_MSG_LEN];
    struct sec_eea_msg msgs[EEA_BATCH];
    unsigned alg;
    enum sec_mb_level level;
};

static void run_eea_batch(void *arg, long n)
{
    struct eea_arg *a = arg;
    set_level(a->level);
    for (long i = 0; i < n; i++) {
        a->msgs[i % EEA_BATCH].count = (uint32_t)i;
        if (sec_eea_batch(a->alg, a->msgs, EEA_BATCH))
            die("sec_eea_batch");
    }
    sink = a->buf[0][0];
}

static void run_eea_single(void *arg, long n)
{
    struct eea_arg *a = arg;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < EEA_BATCH; j++) {
            const struct sec_eea_msg *m = &a->msgs[j];
            if (sec_eea(a->alg, m->key, (uint32_t)i, m->bearer, m->dir, m->in, m->out, m->bits))
                die("sec_eea");
        }
    sink = a->buf[0][0];
}

struct eia_arg {
    uint8_t key[EEA_BATCH][16], buf[EEA_BATCH][NAS_MSG_LEN];
    struct sec_eia_msg msgs[EEA_BATCH];
    unsigned alg;
    enum sec_mb_level level;
};

static void run_eia_batch(void *arg, long n)
{
    struct eia_arg *a = arg;
    set_level(a->level);
    for (long i = 0; i < n; i++) {
        a->msgs[i % EEA_BATCH].count = (uint32_t)i;
        if (sec_eia_batch(a->alg, a->msgs, EEA_BATCH))
            die("sec_eia_batch");
    }
    sink = a->msgs[0].mac[0];
}

static void run_eia_single(void *arg, long n)
{
    struct eia_arg *a = arg;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < EEA_BATCH; j++) {
            struct sec_eia_msg *m = &a->msgs[j];
            if (sec_eia(a->alg, m->key, (uint32_t)i, m->bearer, m->dir, m->msg, m->bits, m->mac))
                die("sec_eia");
        }
    sink = a->msgs[0].mac[0];
}

/* The levels measured: the best this CPU runs first (its figures keep the
 * unsuffixed names), then every other supported one, generic last. */
static int mb_levels(enum sec_mb_level *lv)
{
    static const enum sec_mb_level order[] = {SEC_MB_AVX512, SEC_MB_AVX2, SEC_MB_GENERIC};
    int m = 0;
    lv[m++] = sec_mb_best_level();
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (order[i] != lv[0] && sec_mb_level_supported(order[i]))
            lv[m++] = order[i];
    return m;
}

static void level_name(char *buf, size_t cap, const char *base, enum sec_mb_level level, int best)
{
    if (best)
        snprintf(buf, cap, "%s", base);
    else
        snprintf(buf, cap, "%s_%s", base, sec_mb_level_name(level));
}

static void bench_mb(void)
{
    struct mb_arg *a = calloc(1, sizeof(*a));
    enum sec_mb_level lv[SEC_MB_LEVEL_COUNT];
    int nlv = mb_levels(lv);
    char name[160], base[64];

    if (!a || !(a->buf = calloc(MB_STREAMS, MB_LEN)) || !(a->ctr = EVP_CIPHER_CTX_new()))
        die("alloc");
    for (int j = 0; j < MB_STREAMS; j++) {
        for (int i = 0; i < 16; i++) {
            a->key[j][i] = (uint8_t)(j * 31 + i * 3);
            a->iv[j][i] = (uint8_t)(j * 7 + i * 11);
        }
        a->jobs[j] = (struct sec_ks_job){a->key[j], a->iv[j], a->buf + j * MB_LEN,
                                         a->buf + j * MB_LEN, MB_LEN};
    }
    if (EVP_EncryptInit_ex(a->ctr, EVP_aes_128_ctr(), NULL, a->key[0], a->iv[0]) != 1)
        die("AES-CTR");

    /* AES-CTR, then SNOW 3G and ZUC at every level, trials interleaved:
     * f[0] AES-CTR, f[1 + 2l] SNOW 3G and f[2 + 2l] ZUC at level lv[l]. */
    const double bytes = (double)MB_STREAMS * MB_LEN;
    struct mb_level_arg la[SEC_MB_LEVEL_COUNT];
    struct fig f[1 + 2 * SEC_MB_LEVEL_COUNT];
    f[0] = (struct fig){run_aes_ctr_mb, a, bytes, 0, {0}};
    for (int l = 0; l < nlv; l++) {
        la[l] = (struct mb_level_arg){a, lv[l]};
        f[1 + 2 * l] = (struct fig){run_snow3g_mb, &la[l], bytes, 0, {0}};
        f[2 + 2 * l] = (struct fig){run_zuc_mb, &la[l], bytes, 0, {0}};
    }
    measure_set(f, 1 + 2 * nlv);
    set_level(lv[0]);
    printf("# multi-buffer level: %s (best of this CPU); also measured:", sec_mb_level_name(lv[0]));
    for (int l = 1; l < nlv; l++)
        printf(" %s", sec_mb_level_name(lv[l]));
    printf("\n");
    printf("bench: mb_lanes %u lanes\n", sec_mb_lanes());
    print_rate("aes128_ctr_evp_16x2048", &f[0], "bytes/s");
    for (int l = 0; l < nlv; l++) {
        level_name(name, sizeof(name), "snow3g_mb_keystream_16x2048", lv[l], l == 0);
        print_rate(name, &f[1 + 2 * l], "bytes/s");
        level_name(name, sizeof(name), "zuc_mb_keystream_16x2048", lv[l], l == 0);
        print_rate(name, &f[2 + 2 * l], "bytes/s");
    }
    for (int l = 0; l < nlv; l++) {
        level_name(name, sizeof(name), "snow3g_mb_vs_aes_ctr_cost", lv[l], l == 0);
        print_ratio(name, &f[1 + 2 * l], &f[0], "ratio");
        level_name(name, sizeof(name), "zuc_mb_vs_aes_ctr_cost", lv[l], l == 0);
        print_ratio(name, &f[2 + 2 * l], &f[0], "ratio");
    }
    /* Each SIMD level's speed-up over the generic level (the single-stream
     * code on the same 16 streams) and over the other SIMD levels. */
    for (int l = 0; l < nlv; l++)
        for (int m = 0; m < nlv; m++) {
            if (m == l || lv[l] == SEC_MB_GENERIC ||
                (lv[m] != SEC_MB_GENERIC && lv[l] == SEC_MB_AVX2))
                continue;
            snprintf(name, sizeof(name), "snow3g_mb_%s_speedup_vs_%s", sec_mb_level_name(lv[l]),
                     sec_mb_level_name(lv[m]));
            print_ratio(name, &f[1 + 2 * m], &f[1 + 2 * l], "x");
            snprintf(name, sizeof(name), "zuc_mb_%s_speedup_vs_%s", sec_mb_level_name(lv[l]),
                     sec_mb_level_name(lv[m]));
            print_ratio(name, &f[2 + 2 * m], &f[2 + 2 * l], "x");
        }
    EVP_CIPHER_CTX_free(a->ctr);
    free(a->buf);
    free(a);

    /* Batch EEA beside the same messages one by one, the batch at every
     * SIMD level. */
    static const char *const names[] = {"", "eea1", "eea2", "eea3"};
    struct eea_arg *e = calloc(SEC_MB_LEVEL_COUNT, sizeof(*e));
    if (!e)
        die("alloc");
    for (int l = 0; l < nlv; l++)
        for (int j = 0; j < EEA_BATCH; j++) {
            for (int i = 0; i < 16; i++)
                e[l].key[j][i] = (uint8_t)(j * 13 + i);
            e[l].msgs[j] = (struct sec_eea_msg){e[l].key[j], 0, (uint8_t)j, (uint8_t)(j & 1),
                                                e[l].buf[j], e[l].buf[j], 8 * NAS_MSG_LEN};
            e[l].level = lv[l];
        }
    for (unsigned alg = 1; alg <= 3; alg += 2) {
        struct fig g[1 + SEC_MB_LEVEL_COUNT];
        int m = 0;
        g[m++] = (struct fig){run_eea_single, &e[0], EEA_BATCH, 0, {0}};
        for (int l = 0; l < nlv; l++) {
            e[l].alg = alg;
            if (lv[l] != SEC_MB_GENERIC)
                g[m++] = (struct fig){run_eea_batch, &e[l], EEA_BATCH, 0, {0}};
        }
        measure_set(g, m);
        for (int k = 1; k < m; k++) {
            snprintf(base, sizeof(base), "%s_batch16_100B", names[alg]);
            level_name(name, sizeof(name), base, lv[k - 1], k == 1);
            print_cost(name, &g[k], 1, "ns/msg", 0);
        }
        snprintf(name, sizeof(name), "%s_single_100B", names[alg]);
        print_cost(name, &g[0], 1, "ns/msg", 0);
    }
    set_level(lv[0]);
    free(e);

    struct eia_arg *ia = calloc(SEC_MB_LEVEL_COUNT, sizeof(*ia));
    if (!ia)
        die("alloc");
    for (int l = 0; l < nlv; l++)
        for (int j = 0; j < EEA_BATCH; j++) {
            for (int i = 0; i < 16; i++)
                ia[l].key[j][i] = (uint8_t)(j * 17 + i);
            ia[l].msgs[j] = (struct sec_eia_msg){ia[l].key[j], 0, (uint8_t)j, (uint8_t)(j & 1),
                                                 ia[l].buf[j], 8 * NAS_MSG_LEN, {0}};
            ia[l].level = lv[l];
        }
    for (unsigned alg = 1; alg <= 3; alg += 2) {
        struct fig g[1 + SEC_MB_LEVEL_COUNT];
        int m = 0;
        g[m++] = (struct fig){run_eia_single, &ia[0], EEA_BATCH, 0, {0}};
        for (int l = 0; l < nlv; l++) {
            ia[l].alg = alg;
            if (lv[l] != SEC_MB_GENERIC)
                g[m++] = (struct fig){run_eia_batch, &ia[l], EEA_BATCH, 0, {0}};
        }
        measure_set(g, m);
        for (int k = 1; k < m; k++) {
            snprintf(base, sizeof(base), "eia%u_batch16_100B", alg);
            level_name(name, sizeof(name), base, lv[k - 1], k == 1);
            print_cost(name, &g[k], 1, "ns/msg", 0);
        }
        snprintf(name, sizeof(name), "eia%u_single_100B", alg);
        print_cost(name, &g[0], 1, "ns/msg", 0);
    }
    set_level(lv[0]);
    free(ia);
}

/* ------------------------------------------ constant-time S-box cost -- */

/* What a lookup costs when it must not depend on the secret index: read
 * all 256 entries and keep the one wanted with a mask.  Measured beside
 * the plain table lookup on the same chain of dependent indices. */
static uint8_t perm[256];

static inline uint8_t lookup_scan_all(const uint8_t *t, uint8_t idx)
{
    uint8_t r = 0;
    for (unsigned i = 0; i < 256; i++)
        r |= t[i] & (uint8_t)(0 - (uint8_t)((i ^ idx) == 0));
    return r;
}

static void run_lookup_table(void *arg, long n)
{
    (void)arg;
    uint8_t x = 1;
    for (long i = 0; i < n; i++)
        x = perm[(uint8_t)(x ^ i)];
    sink = x;
}

static void run_lookup_scan(void *arg, long n)
{
    (void)arg;
    uint8_t x = 1;
    for (long i = 0; i < n; i++)
        x = lookup_scan_all(perm, (uint8_t)(x ^ i));
    sink = x;
}

int main(void)
{
    uint8_t k[16], opc[16];
    const char *env = getenv("BENCH_SEC_TRIALS");

    if (env) {
        trials = atoi(env);
        if (trials < 1 || trials > TRIALS_MAX) {
            fprintf(stderr, "bench_sec: BENCH_SEC_TRIALS must be 1..%d\n", TRIALS_MAX);
            return 2;
        }
    }
    printf("# bench_sec: each figure is the median of %d trials of ~%.2f s CPU time; "
           "best and spread (min-max) beside it\n",
           trials, TRIAL_NS / 1e9);
    for (int i = 0; i < 16; i++) {
        k[i] = (uint8_t)(0x46 + i);
        opc[i] = (uint8_t)(0xcd - i);
    }

    /* Authentication vectors beside raw AES-128 blocks. */
    EVP_CIPHER_CTX *aes = sec_aes_ecb_new(k);
    if (!aes)
        die("AES");
    struct vec_arg va = {.he = {0, 0}};
    if (milenage_init(&va.m, k, opc))
        die("milenage");
    struct fig av[4] = {{run_aes_block, aes, 1, 0, {0}},
                        {run_milenage, &va, 1, 0, {0}},
                        {run_kasme, NULL, 1, 0, {0}},
                        {run_vectors, &va, 1, 0, {0}}};
    measure_set(av, 4);
    EVP_CIPHER_CTX_free(aes);
    milenage_free(&va.m);
    print_rate("aes128_block_evp", &av[0], "blocks/s");
    print_cost("aes128_block_evp_cost", &av[0], 1, "ns", 1);
    print_cost("milenage_f1_f2345", &av[1], 1, "ns", 0);
    print_cost("kasme_kdf", &av[2], 1, "ns", 0);
    print_rate("auth_vectors", &av[3], "vectors/s");
    print_ratio("auth_vector_cost_in_aes_blocks", &av[3], &av[0], "blocks");

    /* NAS protect / unprotect, 100-byte message, integrity + ciphering. */
    for (unsigned alg = 2; alg <= 3; alg++)
        bench_nas(alg);
    bench_nas(1);

    /* The same through nas_protect_batch, 16 UEs per batch, beside those
     * 16 messages through nas_protect() one by one. */
    for (unsigned alg = 1; alg <= 3; alg++)
        bench_nas_batch(alg);

    /* Keystream throughput beside AES-128-CTR. */
    struct stream_arg sa;
    for (int i = 0; i < 16; i++) {
        sa.key[i] = (uint8_t)(i * 3);
        sa.iv[i] = (uint8_t)(i * 11);
    }
    sa.buf = calloc(1, STREAM_LEN);
    sa.ctr = EVP_CIPHER_CTX_new();
    if (!sa.buf || !sa.ctr || EVP_EncryptInit_ex(sa.ctr, EVP_aes_128_ctr(), NULL, sa.key, sa.iv) != 1)
        die("AES-CTR");
    struct fig ks[3] = {{run_aes_ctr, &sa, STREAM_LEN, 0, {0}},
                        {run_snow3g, &sa, STREAM_LEN, 0, {0}},
                        {run_zuc, &sa, STREAM_LEN, 0, {0}}};
    measure_set(ks, 3);
    print_rate("aes128_ctr_evp", &ks[0], "bytes/s");
    print_rate("snow3g_keystream", &ks[1], "bytes/s");
    print_rate("zuc_keystream", &ks[2], "bytes/s");
    print_ratio("snow3g_cost_vs_aes_ctr", &ks[1], &ks[0], "x");
    print_ratio("zuc_cost_vs_aes_ctr", &ks[2], &ks[0], "x");
    double ctr = fig_med(&ks[0]), snow = fig_med(&ks[1]), zuc = fig_med(&ks[2]);
    EVP_CIPHER_CTX_free(sa.ctr);
    free(sa.buf);

    /* Multi-buffer keystream and batch EEA, beside AES-CTR over the same
     * bytes. */
    bench_mb();

    /* Constant-time alternative to the S-box tables: ZUC does 8 S-box
     * lookups per 4-byte word (2 per byte), SNOW 3G 10 (8 S1/S2 column
     * lookups, MULalpha, DIValpha: 2.5 per byte). */
    for (int i = 0; i < 256; i++)
        perm[i] = (uint8_t)(i * 167 + 13);
    struct fig lk[2] = {{run_lookup_table, NULL, 1, 0, {0}}, {run_lookup_scan, NULL, 1, 0, {0}}};
    measure_set(lk, 2);
    double tab = fig_med(&lk[0]), scan = fig_med(&lk[1]);
    print_cost("sbox_lookup_table", &lk[0], 1, "ns", 2);
    print_cost("sbox_lookup_scan_all", &lk[1], 1, "ns", 2);
    /* Estimates from the medians above (no spread of their own). */
    printf("bench: zuc_scan_all_estimate_cost_vs_aes_ctr %.0f x from=medians\n",
           (zuc + 2 * (scan - tab)) / ctr);
    printf("bench: snow3g_scan_all_estimate_cost_vs_aes_ctr %.0f x from=medians\n",
           (snow + 2.5 * (scan - tab)) / ctr);
    return 0;
}
