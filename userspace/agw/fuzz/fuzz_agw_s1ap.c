/* libFuzzer target: xepc-agwd's S1AP and NAS handling, whole.
 *
 * The input is a sequence of S1AP PDUs from up to three eNB associations:
 * records of [stream << 4 | association 0..2][length, 2 octets big
 * endian][PDU].  Each
 * run connects the three associations, feeds the records through the same
 * entry point the SCTP path uses (s1ap_handle_pdu), commits, then takes
 * the associations down, which must leave no eNB, no UE and no address or
 * TEID behind (checked).  The daemon runs without SCTP and datapath; its
 * store is a real SQLite file with one subscriber (IMSI 001010000000001),
 * so that attaches get as far as authentication.
 *
 * What it finds: crashes, sanitizer reports, leaks and broken invariants
 * on anything an eNB or a UE can send (the design brief: peers misbehave,
 * the daemon does not die).  Seeds: S1 Setup and attach sequences in
 * fuzz_agw_s1ap.corpus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/hss.h"

static const char config_yaml[] =
    "logger: { level: error }\n"
    "mme:\n"
    "  gummei: { plmn: { mcc: \"001\", mnc: \"01\" }, mme_gid: 1, mme_code: 1 }\n"
    "  tai: [ { plmn: { mcc: \"001\", mnc: \"01\" }, tac: [1, 2, 12345] } ]\n"
    "gtpu: { address: 127.0.0.1 }\n"
    "datapath: { s1u: lo, sgi: lo }\n"
    "apns:\n"
    "  - { name: internet, pool: 10.45.0.0/24 }\n"
    "  - { name: ims, pool: 10.46.0.0/30, ims: true, pcscf: [10.46.0.1] }\n"
    "control: { socket: /nonexistent/agwd.sock }\n"
    "metrics: { port: 0 }\n";

static struct agw_ctx ctx;
static struct agw_config cfg;
static struct agw_db db;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_agw_s1ap: %s\n", what);
    abort();
}

static void setup(void)
{
    static char errbuf[4096], path[] = "/tmp/fuzz_agw_s1ap.XXXXXX";
    if (agw_config_load_string("fuzz.yaml", config_yaml, sizeof(config_yaml) - 1, &cfg, errbuf,
                               sizeof(errbuf)) < 0) {
        fputs(errbuf, stderr);
        die("config");
    }
    int fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp");
    close(fd);
    unlink(path);
    if (agw_db_open(path, &db, errbuf, sizeof(errbuf)) < 0)
        die(errbuf);
    struct hss h;
    struct hss_subscriber s;
    hss_init(&h, &db);
    hss_subscriber_init(&s);
    snprintf(s.imsi, sizeof(s.imsi), "001010000000001");
    memset(s.k, 0x46, 16);
    memset(s.opc, 0xcd, 16);
    if (hss_add(&h, &s) != HSS_OK)
        die("subscriber");
    ctx.cfg = &cfg;
    ctx.db = &db;
    ctx.no_datapath = true;
    FILE *devnull = fopen("/dev/null", "w");
    agw_log_init(&ctx.log, AGW_LOG_DEBUG, true, devnull);   /* every log line formatted */
    ctx.loop = ev_default_loop(0);
    if (agw_hash_init(&ctx.enb_by_assoc, 16) || agw_hash_init(&ctx.enb_by_global, 16) ||
        agw_hash_init(&ctx.ue_by_id, 64) || agw_hash_init(&ctx.ue_by_imsi, 64) ||
        agw_hash_init(&ctx.ue_by_tmsi, 64) || agw_hash_init(&ctx.ue_by_enb, 64))
        die("hash");
    ctx.rx_pdu = malloc(sizeof(*ctx.rx_pdu));
    ctx.rx_arena = malloc(AGW_RX_ARENA_SIZE);
    if (!ctx.rx_pdu || !ctx.rx_arena || pgw_init(&ctx) < 0 || ue_store_open(&ctx) < 0 ||
        s1ap_txq_init(&ctx) < 0)
        die("init");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(36412) };
    for (uint32_t a = 1; a <= 3; a++) {
        peer.sin_addr.s_addr = htonl(0x0a000000 + a);
        s1ap_enb_connected(&ctx, a, &peer, 4, 4);
    }
    while (size >= 3) {
        uint32_t assoc = 1 + (data[0] & 0x0f) % 3;
        uint16_t stream = (uint16_t)(data[0] >> 4 & 3);
        size_t len = (size_t)data[1] << 8 | data[2];
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        s1ap_handle_pdu(&ctx, assoc, stream, data, len);
        data += len;
        size -= len;
        agw_commit(&ctx);
    }
    for (uint32_t a = 1; a <= 3; a++)
        s1ap_enb_disconnected(&ctx, a, "fuzz");
    agw_commit(&ctx);
    /* UEs released while their release was pending are freed by a timer
     * in the daemon; here the association went, so nothing may be left */
    if (ctx.enb_by_assoc.count || ctx.enb_by_global.count)
        die("an eNB outlived its association");
    if (ctx.ue_by_id.count || ctx.ue_by_enb.count)
        die("a UE outlived its S1 connection without being registered");
    if (ctx.teids.used != 1)
        die("a TEID outlived its UE");
    for (size_t i = 0; i < cfg.n_apns; i++)
        if (ctx.pools[i].used != 3)
            die("an address outlived its UE");
    return 0;
}
