/* libFuzzer target for s1ap-decode's pcap/pcapng reader: any byte string
 * as a capture file, every S1AP chunk found decoded and printed (to
 * /dev/null) the way the tool does.  Seeds: fuzz_s1ap_pcap.corpus (the
 * golden messages in pcap, pcapng, raw IPv6, Linux SLL and 802.1Q files). */
#include <stdint.h>
#include <stdio.h>

#include "s1ap.h"
#include "s1ap_pcap.h"
#include "s1ap_print.h"

static uint8_t arena_mem[1 << 18];
static FILE *devnull;

static void on_msg(const struct s1ap_pcap_msg *m, void *arg)
{
    struct aper_arena a;
    struct s1ap_pdu pdu;
    struct s1ap_decode_error err;
    (void)arg;
    aper_arena_init(&a, arena_mem, sizeof(arena_mem));
    if (s1ap_decode(m->data, m->len, &pdu, &a, &err) == 0)
        s1ap_print_pdu(devnull, &pdu, m->len, &err);
    else
        s1ap_print_diagnostics(devnull, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    unsigned long skipped = 0;

    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        return 0;
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    s1ap_pcap_read(f, on_msg, NULL, devnull, &skipped, err, sizeof(err));
    fclose(f);
    return 0;
}
