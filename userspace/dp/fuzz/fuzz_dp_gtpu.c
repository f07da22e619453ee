/*
 * fuzz_dp_gtpu — the datapath controller's GTP-U receive path: what
 * dp_path.c takes from a datagram on the GTP-U socket
 * (dp_gtpu_parse_echo_response), on arbitrary bytes copied to a buffer of
 * exactly their size.  An accepted response must have been long enough, of
 * the right type, and its Recovery a restart counter or "none"; an Echo
 * Request we build, turned into a response, must give its sequence back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp_gtpu.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
    uint16_t seq = 0;
    int rec = -2, rc;
    uint8_t *buf;

    if (n > 512)            /* dp_path.c receives into 512 bytes */
        return 0;
    buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, in, n);
    rc = dp_gtpu_parse_echo_response(buf, n, &seq, &rec);
    check(rc == 0 || rc == -EBADMSG);
    if (rc == 0) {
        check(n >= 12 && buf[1] == DP_GTPU_ECHO_RESPONSE && (buf[0] >> 5) == 1);
        check(seq == ((buf[8] << 8) | buf[9]));
        check(rec >= -1 && rec <= 255);
    }
    free(buf);

    if (n >= 2) {
        uint8_t msg[12];
        uint16_t s = (uint16_t)(in[0] << 8 | in[1]), got = 0;

        check(dp_gtpu_build_echo_request(msg, sizeof(msg), s) == 12);
        msg[1] = DP_GTPU_ECHO_RESPONSE;
        check(dp_gtpu_parse_echo_response(msg, sizeof(msg), &got, &rec) == 0);
        check(got == s && rec == -1);
    }
    return 0;
}
