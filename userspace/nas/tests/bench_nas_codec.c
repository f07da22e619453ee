/* NAS codec benchmark: an Attach Request carrying a PDN Connectivity
 * Request (APN, PCO with DNS/MTU requests), decoded and encoded the way
 * the MME handles it: the EMM message, then the ESM container inside. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nas/nas.h"
#include "nas/tests/nas_samples.h"

#define BATCH 200000
#define ROUNDS 5

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);  /* the VM is shared */
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile int sink;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* bench: NAME MEDIAN ns (median of ROUNDS; best B, spread MIN-MAX) */
static void print_rounds(const char *name, double *v)
{
    qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
    printf("bench: %s %.0f ns (median of %d; best %.0f, spread %.0f-%.0f)\n", name,
           v[ROUNDS / 2], ROUNDS, v[0], v[0], v[ROUNDS - 1]);
}

int main(void)
{
    static struct nas_message emm, esm, in_esm;
    static uint8_t pdu[4096];
    double dec[ROUNDS], enc[ROUNDS];
    int len;

    nas_sample_attach_request(&emm);
    len = nas_encode_plain(&emm, pdu, sizeof(pdu));
    if (len < 0 || nas_decode_plain(emm.attach_request.esm_container.v,
                                    emm.attach_request.esm_container.len, &in_esm) < 0) {
        fprintf(stderr, "bench_nas_codec: sample does not encode\n");
        return 1;
    }
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();

        for (int i = 0; i < BATCH; i++) {
            int a = nas_decode_plain(pdu, (size_t)len, &emm);
            int b = nas_decode_plain(emm.attach_request.esm_container.v,
                                     emm.attach_request.esm_container.len, &esm);

            sink += a + b;
        }
        double t1 = now_ns();

        for (int i = 0; i < BATCH; i++) {
            int b = nas_encode_plain(&in_esm, emm.attach_request.esm_container.v,
                                     sizeof(emm.attach_request.esm_container.v));

            emm.attach_request.esm_container.len = (uint16_t)b;
            sink += nas_encode_plain(&emm, pdu, sizeof(pdu));
        }
        double t2 = now_ns();

        dec[r] = (t1 - t0) / BATCH;
        enc[r] = (t2 - t1) / BATCH;
    }
    printf("# attach request %d octets (ESM container %u octets), %d rounds of %d\n", len,
           emm.attach_request.esm_container.len, ROUNDS, BATCH);
    print_rounds("nas_attach_request_decode", dec);
    print_rounds("nas_attach_request_encode", enc);
    return 0;
}
