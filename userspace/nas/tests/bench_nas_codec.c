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

int main(void)
{
    static struct nas_message emm, esm, in_esm;
    static uint8_t pdu[4096];
    double best_dec = 1e30, best_enc = 1e30;
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

        if ((t1 - t0) / BATCH < best_dec)
            best_dec = (t1 - t0) / BATCH;
        if ((t2 - t1) / BATCH < best_enc)
            best_enc = (t2 - t1) / BATCH;
    }
    printf("# attach request %d octets (ESM container %u octets), best of %d x %d\n", len,
           emm.attach_request.esm_container.len, ROUNDS, BATCH);
    printf("bench: nas_attach_request_decode %.0f ns\n", best_dec);
    printf("bench: nas_attach_request_encode %.0f ns\n", best_enc);
    return 0;
}
