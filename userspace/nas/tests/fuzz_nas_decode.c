/* libFuzzer target for the plain NAS decoder.  Beyond "no crash, no
 * overread": whatever decodes must encode, and re-encoding what that
 * decodes to must give the same octets (the encoder is a fixpoint). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas.h"

static struct nas_message m1, m2;
static uint8_t out1[16384], out2[16384];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    int n1, n2;

    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (nas_decode_plain(data, size, &m1) < 0) {
        /* every error has a name and a cause mapping */
        if (!nas_err_str(m1.err.code) || m1.err.offset > size)
            __builtin_trap();
        (void)nas_err_emm_cause(m1.err.code);
        return 0;
    }
    if (devnull)
        nas_print(devnull, &m1);
    n1 = nas_encode_plain(&m1, out1, sizeof(out1));
    if (n1 < 0)
        __builtin_trap();
    if (nas_decode_plain(out1, (size_t)n1, &m2) < 0)
        __builtin_trap();
    n2 = nas_encode_plain(&m2, out2, sizeof(out2));
    if (n2 != n1 || memcmp(out1, out2, (size_t)n1))
        __builtin_trap();
    return 0;
}
