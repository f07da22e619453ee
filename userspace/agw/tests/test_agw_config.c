/* agw_config: the full example file, the defaults a minimal file gets, the
 * PLMN TBCD form, the accessors, and every rejected case with its file,
 * line, column, key path and reason (one table row per key and error
 * class). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "agw/agw_config.h"

#define ERRLEN 16384
static char errbuf[ERRLEN];

/* The example of docs/agw.md, every key set. */
static const char full_yaml[] =
    "logger:\n"
    "  level: debug\n"
    "  mask_imsi: false\n"
    "  file: \"/var/log/xepc/agwd.log\"\n"
    "mme:\n"
    "  name: xepc-mme-1\n"
    "  relative_capacity: 10\n"
    "  gummei:\n"
    "    plmn: { mcc: \"310\", mnc: \"410\" }\n"
    "    mme_gid: 32768\n"
    "    mme_code: 7\n"
    "  tai:\n"
    "    - plmn: { mcc: \"310\", mnc: \"410\" }\n"
    "      tac: [1, 2, 65535]\n"
    "    - plmn: { mcc: \"001\", mnc: \"01\" }\n"
    "      tac: [0]\n"
    "  s1ap:\n"
    "    backend: usrsctp-udp\n"
    "    address: 10.0.0.1\n"
    "    port: 36413\n"
    "    udp_port: 9900\n"
    "    streams: 16\n"
    "    heartbeat: 1500ms\n"
    "  security:\n"
    "    integrity: [EIA1, EIA2]\n"
    "    ciphering: [EEA0, EEA3]\n"
    "  network_name: { full: \"Example Net\", short: \"Ex\" }\n"
    "  time_zone: \"-03:30\"\n"
    "  t3412: 186m\n"
    "  t3402: 62s\n"
    "  t3450: 2s\n"
    "  t3460: 500ms\n"
    "  t3470: 1m\n"
    "  t3485: 3s\n"
    "  t3486: 4s\n"
    "  t3495: 5s\n"
    "  ue_ambr: { ul: 50Mbps, dl: 3Tbps }\n"
    "  t3413: 1500ms\n"
    "  paging_retries: 0\n"
    "  mobile_reachable: 2h\n"
    "  implicit_detach: 30s\n"
    "  ts1relocprep: 2s\n"
    "  ts1relocoverall: 1500ms\n"
    "gtpu:\n"
    "  address: 192.0.2.10\n"
    "  address6: 2001:db8:10::1\n"
    "  echo_interval: 90s\n"
    "  echo_misses: 5\n"
    "datapath:\n"
    "  s1u: eth1\n"
    "  sgi: eth2\n"
    "  mode: routed\n"
    "  ue_dev: pool0\n"
    "  pin_dir: /sys/fs/bpf/x\n"
    "  bpf_dir: /opt/xepc/bpf\n"
    "  max_sessions: 16777216\n"
    "  max_charging: 33554432\n"
    "  xdp_mode: generic\n"
    "apns:\n"
    "  - name: internet\n"
    "    pdn_type: ipv4\n"
    "    pool: 10.45.0.0/16\n"
    "    dns: [8.8.8.8, 1.1.1.1]\n"
    "    mtu: 1400\n"
    "    ambr: { ul: 100Mbps, dl: 200Mbps }\n"
    "    qci: 9\n"
    "    arp: { priority: 15, capability: false, vulnerability: true }\n"
    "    ims: false\n"
    "    pcscf: []\n"
    "  - name: IMS\n"
    "    pool: 10.46.0.0/24\n"
    "    qci: 5\n"
    "    arp: { priority: 1, capability: true, vulnerability: false }\n"
    "    ambr: { ul: 64kbps }\n"
    "    ims: true\n"
    "    pcscf: [10.46.0.1]\n"
    "    bearer_qcis: [1, 2, 65]\n"
    "database:\n"
    "  path: /tmp/agw.db\n"
    "control:\n"
    "  socket: /run/x.sock\n"
    "  group: xepc\n"
    "metrics:\n"
    "  address: 0.0.0.0\n"
    "  port: 0\n";

static uint32_t ip(const char *s)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, s, &a), 1);
    return a.s_addr;
}

static void test_full_file(void **state)
{
    (void)state;
    struct agw_config c;
    int rc = agw_config_load_string("full.yaml", full_yaml, strlen(full_yaml), &c, errbuf, ERRLEN);
    if (rc)
        fail_msg("full file rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.logger.level, AGW_LOG_DEBUG);
    assert_false(c.logger.mask_imsi);
    assert_string_equal(c.logger.file, "/var/log/xepc/agwd.log");
    assert_string_equal(c.mme.name, "xepc-mme-1");
    assert_int_equal(c.mme.relative_capacity, 10);
    assert_string_equal(c.mme.gummei.plmn.mcc, "310");
    assert_string_equal(c.mme.gummei.plmn.mnc, "410");
    assert_int_equal(c.mme.gummei.mme_gid, 32768);
    assert_int_equal(c.mme.gummei.mme_code, 7);
    assert_int_equal(c.mme.n_tai, 2);
    assert_int_equal(c.mme.tai[0].n_tacs, 3);
    assert_int_equal(c.mme.tai[0].tacs[2], 65535);
    assert_string_equal(c.mme.tai[1].plmn.mnc, "01");
    assert_int_equal(c.mme.tai[1].tacs[0], 0);
    assert_int_equal(c.mme.s1ap.backend, AGW_S1AP_USRSCTP_UDP);
    assert_int_equal(c.mme.s1ap.address.s_addr, ip("10.0.0.1"));
    assert_int_equal(c.mme.s1ap.port, 36413);
    assert_int_equal(c.mme.s1ap.udp_port, 9900);
    assert_int_equal(c.mme.s1ap.streams, 16);
    assert_int_equal(c.mme.s1ap.heartbeat_ms, 1500);
    assert_int_equal(c.mme.security.n_integrity, 2);
    assert_int_equal(c.mme.security.integrity[0], 1);
    assert_int_equal(c.mme.security.integrity[1], 2);
    assert_int_equal(c.mme.security.n_ciphering, 2);
    assert_int_equal(c.mme.security.ciphering[0], 0);
    assert_int_equal(c.mme.security.ciphering[1], 3);
    assert_string_equal(c.mme.network_name.full, "Example Net");
    assert_string_equal(c.mme.network_name.short_, "Ex");
    assert_int_equal(c.mme.time_zone, AGW_TZ_FIXED);
    assert_int_equal(c.mme.tz_offset_min, -210);
    assert_int_equal(c.mme.t3412_ms, 186 * 60000);
    assert_int_equal(c.mme.t3402_ms, 62000);
    assert_int_equal(c.mme.t3450_ms, 2000);
    assert_int_equal(c.mme.t3460_ms, 500);
    assert_int_equal(c.mme.t3470_ms, 60000);
    assert_int_equal(c.mme.t3413_ms, 1500);
    assert_int_equal(c.mme.paging_retries, 0);
    assert_int_equal(c.mme.ts1relocprep_ms, 2000);
    assert_int_equal(c.mme.ts1relocoverall_ms, 1500);
    assert_int_equal(c.mme.mobile_reachable_ms, 2 * 3600 * 1000);
    assert_int_equal(c.mme.implicit_detach_ms, 30000);
    assert_int_equal(c.mme.t3485_ms, 3000);
    assert_int_equal(c.mme.t3486_ms, 4000);
    assert_int_equal(c.mme.t3495_ms, 5000);
    assert_int_equal(c.mme.ue_ambr.ul_bps, 50000000);
    assert_int_equal(c.mme.ue_ambr.dl_bps, 3000000000000ULL);
    assert_int_equal(c.gtpu.address.s_addr, ip("192.0.2.10"));
    assert_int_equal(c.gtpu.echo_interval_ms, 90000);
    assert_int_equal(c.gtpu.echo_misses, 5);
    {
        /* TS 36.414 5.1: our Transport Layer Address, IPv4 then IPv6 */
        static const uint8_t tla[20] = {192, 0, 2, 10, 0x20, 0x01, 0x0d, 0xb8, 0, 0x10,
                                        0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        assert_int_equal(c.gtpu.tla_bits, 160);
        assert_memory_equal(c.gtpu.tla, tla, 20);
    }
    assert_string_equal(c.datapath.s1u, "eth1");
    assert_string_equal(c.datapath.sgi, "eth2");
    assert_int_equal(c.datapath.mode, AGW_DP_ROUTED);
    assert_string_equal(c.datapath.ue_dev, "pool0");
    assert_string_equal(c.datapath.pin_dir, "/sys/fs/bpf/x");
    assert_string_equal(c.datapath.bpf_dir, "/opt/xepc/bpf");
    assert_int_equal(c.datapath.max_sessions, 16777216);
    assert_int_equal(c.datapath.max_charging, 33554432);
    assert_int_equal(agw_config_max_charging(&c), 33554432);
    assert_int_equal(c.datapath.xdp_mode, AGW_XDP_GENERIC);
    assert_int_equal(c.n_apns, 2);
    const struct agw_apn *a = &c.apns[0];
    assert_string_equal(a->name, "internet");
    assert_int_equal(a->pool.s_addr, ip("10.45.0.0"));
    assert_int_equal(a->pool_prefix, 16);
    assert_int_equal(a->n_dns, 2);
    assert_int_equal(a->dns[1].s_addr, ip("1.1.1.1"));
    assert_int_equal(a->mtu, 1400);
    assert_int_equal(a->ambr.dl_bps, 200000000);
    assert_int_equal(a->qci, 9);
    assert_int_equal(a->arp.priority, 15);
    assert_false(a->ims);
    a = &c.apns[1];
    assert_string_equal(a->name, "IMS");
    assert_int_equal(a->qci, 5);
    assert_int_equal(a->arp.priority, 1);
    assert_true(a->arp.capability);
    assert_false(a->arp.vulnerability);
    assert_int_equal(a->ambr.ul_bps, 64000);
    assert_int_equal(a->ambr.dl_bps, 200000000); /* dl keeps its default */
    assert_true(a->ims);
    assert_int_equal(a->n_pcscf, 1);
    assert_int_equal(a->pcscf[0].s_addr, ip("10.46.0.1"));
    assert_int_equal(a->n_bearer_qcis, 3);
    assert_memory_equal(a->bearer_qcis, ((uint8_t[]){1, 2, 65}), 3);
    assert_int_equal(c.apns[0].n_bearer_qcis, 0);
    assert_string_equal(c.database.path, "/tmp/agw.db");
    assert_string_equal(c.control.socket, "/run/x.sock");
    assert_string_equal(c.control.group, "xepc");
    assert_int_equal(c.metrics.address.s_addr, ip("0.0.0.0"));
    assert_int_equal(c.metrics.port, 0);
    agw_config_free(&c);
}

/* The base of the rejected cases: the smallest valid file, with a slot
 * where each row's lines go. */
enum slot { S_MME, S_DP, S_APN, S_TOP, S_FULL };

static const char *const base_parts[] = {
    "mme:\n"
    "  tai:\n"
    "    - plmn: { mcc: \"001\", mnc: \"01\" }\n"
    "      tac: [1]\n",
    /* S_MME */
    "gtpu:\n"
    "  address: 192.0.2.10\n"
    "datapath:\n"
    "  s1u: eth1\n"
    "  sgi: eth2\n",
    /* S_DP */
    "apns:\n"
    "  - name: internet\n"
    "    pool: 10.45.0.0/16\n",
    /* S_APN */
    "",
    /* S_TOP */
};

static unsigned count_lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The file for a row and the line number its first line gets. */
static char *build(enum slot slot, const char *text, unsigned *first_line)
{
    size_t cap = strlen(text) + 1024;
    char *out = calloc(1, cap);
    assert_non_null(out);
    if (slot == S_FULL) {
        strcpy(out, text);
        *first_line = 1;
        return out;
    }
    for (int i = 0; i < 4; i++) {
        strcat(out, base_parts[i]);
        if ((int)slot == i) {
            *first_line = count_lines(out) + 1;
            strcat(out, text);
        }
    }
    return out;
}

static void test_minimal_file_defaults(void **state)
{
    (void)state;
    unsigned l;
    char *y = build(S_TOP, "", &l);
    struct agw_config c;
    int rc = agw_config_load_string("min.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("minimal file rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.logger.level, AGW_LOG_INFO);
    assert_true(c.logger.mask_imsi);
    assert_string_equal(c.logger.file, "");
    assert_string_equal(c.mme.name, "xepc-mme");
    assert_int_equal(c.mme.relative_capacity, 255);
    assert_string_equal(c.mme.gummei.plmn.mcc, "001");
    assert_string_equal(c.mme.gummei.plmn.mnc, "01");
    assert_int_equal(c.mme.gummei.mme_gid, 1);
    assert_int_equal(c.mme.gummei.mme_code, 1);
    assert_int_equal(c.mme.s1ap.backend, AGW_S1AP_USRSCTP_RAW);
    assert_int_equal(c.mme.s1ap.address.s_addr, ip("127.0.0.1"));
    assert_int_equal(c.mme.s1ap.port, 36412);
    assert_int_equal(c.mme.s1ap.udp_port, 9899);
    assert_int_equal(c.mme.s1ap.streams, 8);
    assert_int_equal(c.mme.s1ap.heartbeat_ms, 5000);
    assert_int_equal(c.mme.security.n_integrity, 3);
    assert_memory_equal(c.mme.security.integrity, ((uint8_t[]){2, 1, 3}), 3);
    assert_int_equal(c.mme.security.n_ciphering, 4);
    assert_memory_equal(c.mme.security.ciphering, ((uint8_t[]){2, 1, 3, 0}), 4);
    assert_string_equal(c.mme.network_name.full, "xepc");
    assert_string_equal(c.mme.network_name.short_, "xepc");
    assert_int_equal(c.mme.time_zone, AGW_TZ_AUTO);
    assert_int_equal(c.mme.t3412_ms, 54 * 60000);
    assert_int_equal(c.mme.t3402_ms, 12 * 60000);
    assert_int_equal(c.mme.t3450_ms, 6000);
    assert_int_equal(c.mme.t3460_ms, 6000);
    assert_int_equal(c.mme.t3470_ms, 6000);
    assert_int_equal(c.mme.t3413_ms, 2000);
    assert_int_equal(c.mme.paging_retries, 2);
    assert_int_equal(c.mme.mobile_reachable_ms, 0);   /* T3412 + 4 min */
    assert_int_equal(c.mme.ts1relocprep_ms, 10000);
    assert_int_equal(c.mme.ts1relocoverall_ms, 10000);
    assert_int_equal(c.mme.implicit_detach_ms, 4 * 60000);
    assert_int_equal(c.mme.t3485_ms, 8000);
    assert_int_equal(c.mme.t3486_ms, 8000);
    assert_int_equal(c.mme.t3495_ms, 8000);
    assert_int_equal(c.mme.ue_ambr.ul_bps, 1000000000);
    assert_int_equal(c.mme.ue_ambr.dl_bps, 2000000000);
    assert_int_equal(c.datapath.mode, AGW_DP_NAT);
    assert_string_equal(c.datapath.ue_dev, "xepc0");
    assert_string_equal(c.datapath.pin_dir, "/sys/fs/bpf/xepc");
    assert_string_equal(c.datapath.bpf_dir, "/usr/local/lib/xepc/bpf");
    assert_int_equal(c.datapath.max_sessions, 100000);
    assert_int_equal(c.gtpu.echo_interval_ms, 60000);   /* TS 29.281 7.2.1 */
    assert_int_equal(c.gtpu.echo_misses, 3);
    /* a Gy session takes two charging slots: every session can have one */
    assert_int_equal(c.datapath.max_charging, 0);
    assert_int_equal(agw_config_max_charging(&c), 200000);
    assert_int_equal(c.datapath.xdp_mode, AGW_XDP_NATIVE);
    assert_int_equal(c.n_apns, 1);
    assert_int_equal(c.apns[0].pdn_type, AGW_PDN_IPV4);
    assert_int_equal(c.apns[0].pool6_prefix, 0);
    assert_int_equal(c.apns[0].n_dns, 0);
    assert_int_equal(c.apns[0].mtu, 1400);
    assert_int_equal(c.apns[0].ambr.ul_bps, 100000000);
    assert_int_equal(c.apns[0].ambr.dl_bps, 200000000);
    assert_int_equal(c.apns[0].qci, 9);
    assert_int_equal(c.apns[0].arp.priority, 15);
    assert_false(c.apns[0].arp.capability);
    assert_true(c.apns[0].arp.vulnerability);
    assert_false(c.apns[0].ims);
    assert_string_equal(c.database.path, "/var/lib/xepc/agw.db");
    assert_string_equal(c.control.socket, "/run/xepc/agwd.sock");
    assert_string_equal(c.control.group, "");
    assert_int_equal(c.metrics.address.s_addr, ip("127.0.0.1"));
    assert_int_equal(c.metrics.port, 9101);
    agw_config_free(&c);
}

/* One rejected case: the text goes into the slot; the error must read
 * "bad.yaml:LINE:COL: EXPECT" with LINE counted from the slot's first
 * line (S_FULL: from the top of the file). */
struct bad_row {
    enum slot slot;
    const char *text;
    unsigned line, col;
    const char *expect;
};

static const struct bad_row bad_rows[] = {
    /* the file itself */
    {S_FULL, "", 1, 1, "the file is empty"},
    {S_FULL, "mme: [\n", 2, 1, "YAML syntax: did not find expected node content"},
    {S_FULL, "- a\n- b\n", 1, 1, "expected a mapping, got a list"},
    {S_TOP, "---\nlogger: {}\n", 2, 1, "a second YAML document"},
    {S_TOP, "bogus: 1\n", 1, 1, "bogus: unknown key"},
    {S_TOP, "mme: {}\n", 1, 1, "mme: duplicate key (first at line 1)"},
    {S_FULL, "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n", 1, 1, "mme: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "datapath: {s1u: a, sgi: b}\napns: [{name: x, pool: 10.0.0.0/8}]\n",
     1, 1, "gtpu: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\napns: [{name: x, pool: 10.0.0.0/8}]\n",
     1, 1, "datapath: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n",
     1, 1, "apns: required key missing"},
    /* gtpu.address6 (GTP-U over IPv6) */
    {S_FULL, "gtpu: {address: 1.2.3.4, address6: 10.0.0.1}\n", 1, 36,
     "gtpu.address6: '10.0.0.1' is not an IPv6 address"},
    {S_FULL, "gtpu: {address: 1.2.3.4, address6: fe80::1}\n", 1, 36,
     "gtpu.address6: 'fe80::1' is link-local (fe80::/10), not an S1-U address"},
    {S_FULL, "gtpu: {address: 1.2.3.4, address6: ff02::1}\n", 1, 36,
     "gtpu.address6: 'ff02::1' is multicast, not an S1-U address"},
    {S_FULL, "gtpu: {address: 1.2.3.4, address6: \"::\"}\n", 1, 36,
     "gtpu.address6: '::' is unspecified or loopback, not an S1-U address"},
    {S_FULL, "gtpu: {address: 1.2.3.4, address6: [2001:db8::1]}\n", 1, 36,
     "gtpu.address6: expected an IPv6 address, got a list"},
    {S_FULL, "gtpu: {address: 1.2.3.4, adress6: 2001:db8::1}\n", 1, 26,
     "gtpu.adress6: unknown key"},
    /* gtpu.echo_interval, echo_misses (path management, TS 29.281 7.2.1) */
    {S_FULL, "gtpu: {address: 1.2.3.4, echo_interval: 50ms}\n", 1, 41,
     "gtpu.echo_interval: 50ms is out of range 100ms..1h"},
    {S_FULL, "gtpu: {address: 1.2.3.4, echo_interval: 2h}\n", 1, 41,
     "gtpu.echo_interval: 2h is out of range 100ms..1h"},
    {S_FULL, "gtpu: {address: 1.2.3.4, echo_interval: 60}\n", 1, 41,
     "gtpu.echo_interval: '60' is not a duration"},
    {S_FULL, "gtpu: {address: 1.2.3.4, echo_misses: 0}\n", 1, 39,
     "gtpu.echo_misses: 0 is out of range 1..100"},
    {S_FULL, "gtpu: {address: 1.2.3.4, echo_misses: 101}\n", 1, 39,
     "gtpu.echo_misses: 101 is out of range 1..100"},
    {S_FULL, "gtpu: {address: 1.2.3.4, echo_misses: many}\n", 1, 39,
     "gtpu.echo_misses: 'many' is not"},

    /* logger */
    {S_TOP, "logger: 3\n", 1, 9, "logger: expected a mapping, got a scalar"},
    {S_TOP, "logger:\n  colour: red\n", 2, 3, "logger.colour: unknown key"},
    {S_TOP, "logger:\n  level: loud\n", 2, 10,
     "logger.level: 'loud' is not one of error | warn | info | debug"},
    {S_TOP, "logger:\n  level: [info]\n", 2, 10, "logger.level: expected a word, got a list"},
    {S_TOP, "logger:\n  mask_imsi: yes\n", 2, 14, "logger.mask_imsi: 'yes' is not true or false"},
    {S_TOP, "logger:\n  mask_imsi: \"true\"\n", 2, 14,
     "logger.mask_imsi: 'true' is not true or false"},
    {S_TOP, "logger:\n  file:\n", 2, 8, "logger.file: expected a string, got no value"},
    {S_TOP, "logger:\n  level: info\n  level: debug\n", 3, 3,
     "logger.level: duplicate key (first at line"},

    /* mme */
    {S_MME, "  name: \"\"\n", 1, 9, "mme.name: length 0 is out of range 1..150"},
    {S_MME, "  name: a_b\n", 1, 9, "mme.name: 'a_b' is not a PrintableString"},
    {S_MME, "  relative_capacity: 256\n", 1, 22,
     "mme.relative_capacity: 256 is out of range 0..255"},
    {S_MME, "  relative_capacity: -1\n", 1, 22, "mme.relative_capacity: -1 is out of range 0..255"},
    {S_MME, "  relative_capacity: 1.5\n", 1, 22, "mme.relative_capacity: '1.5' is not an integer"},
    {S_MME, "  relative_capacity: \"5\"\n", 1, 22, "mme.relative_capacity: '5' is not an integer"},
    {S_MME, "  gummei: {mme_gid: 65536}\n", 1, 21, "mme.gummei.mme_gid: 65536 is out of range 0..65535"},
    {S_MME, "  gummei: {mme_code: 256}\n", 1, 22, "mme.gummei.mme_code: 256 is out of range 0..255"},
    {S_MME, "  gummei: {mmec: 1}\n", 1, 12, "mme.gummei.mmec: unknown key"},
    {S_MME, "  gummei: {plmn: {mcc: \"01\", mnc: \"01\"}}\n", 1, 24,
     "mme.gummei.plmn.mcc: '01' is not 3 decimal digits"},
    {S_MME, "  gummei: {plmn: {mcc: \"001\", mnc: \"1\"}}\n", 1, 36,
     "mme.gummei.plmn.mnc: '1' is not 2 or 3 decimal digits"},
    {S_MME, "  gummei: {plmn: {mcc: \"0a1\", mnc: \"01\"}}\n", 1, 24,
     "mme.gummei.plmn.mcc: '0a1' is not 3 decimal digits"},
    {S_MME, "  gummei: {plmn: {mcc: 001, mnc: \"01\"}}\n", 1, 24,
     "mme.gummei.plmn.mcc: write the MCC quoted"},
    {S_MME, "  gummei: {plmn: {mcc: \"001\", mnc: 01}}\n", 1, 36,
     "mme.gummei.plmn.mnc: write the MNC quoted"},
    {S_MME, "  gummei: {plmn: {mcc: \"001\"}}\n", 1, 18, "mme.gummei.plmn.mnc: required key missing"},
    {S_FULL, "mme: {tai: []}\ngtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n", 1, 12, "mme.tai: at least one TAI is required"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: []}]}\ngtpu: {address: 1.2.3.4}\n"
             "datapath: {s1u: a, sgi: b}\napns: [{name: x, pool: 10.0.0.0/8}]\n",
     1, 50, "mme.tai[0].tac: at least one TAC is required"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1, 65536]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     1, 54, "mme.tai[0].tac[1]: 65536 is out of range 0..65535"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [7, 7]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     1, 54, "mme.tai[0].tac[1]: TAC 7 appears twice"},
    {S_FULL, "mme: {tai: [{tac: [1]}]}\ngtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n", 1, 13, "mme.tai[0].plmn: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}}]}\ngtpu: {address: 1.2.3.4}\n"
             "datapath: {s1u: a, sgi: b}\napns: [{name: x, pool: 10.0.0.0/8}]\n",
     1, 13, "mme.tai[0].tac: required key missing"},
    {S_FULL, "mme: {tai: 5}\ngtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n", 1, 12, "mme.tai: expected a list, got a scalar"},
    {S_MME, "    - plmn: { mcc: \"001\", mnc: \"01\" }\n      tac: [2, 1]\n", 1, 7,
     "mme.tai[1]: TAC 1 of PLMN 00101 is already in mme.tai[0]"},
    {S_MME, "  s1ap: {backend: sctp}\n", 1, 19,
     "mme.s1ap.backend: 'sctp' is not one of kernel | usrsctp-raw | usrsctp-udp"},
    {S_MME, "  s1ap: {address: localhost}\n", 1, 19,
     "mme.s1ap.address: 'localhost' is not an IPv4 address"},
    {S_MME, "  s1ap: {port: 0}\n", 1, 16, "mme.s1ap.port: 0 is out of range 1..65535"},
    {S_MME, "  s1ap: {udp_port: 70000}\n", 1, 20, "mme.s1ap.udp_port: 70000 is out of range 1..65535"},
    {S_MME, "  s1ap: {streams: 1}\n", 1, 19, "mme.s1ap.streams: 1 is out of range 2..65535"},
    {S_MME, "  s1ap: {heartbeat: 5}\n", 1, 21,
     "mme.s1ap.heartbeat: '5' is not a duration (integer with ms, s, m or h)"},
    {S_MME, "  s1ap: {heartbeat: 2h}\n", 1, 21, "mme.s1ap.heartbeat: 2h is out of range 100ms..1h"},
    {S_MME, "  s1ap: {heartbeat: 5S}\n", 1, 21, "mme.s1ap.heartbeat: '5S' is not a duration"},
    {S_MME, "  security: {integrity: [EIA0, EIA2]}\n", 1, 26,
     "mme.security.integrity[0]: EIA0 is not allowed"},
    {S_MME, "  security: {integrity: [EIA2, EIA2]}\n", 1, 32,
     "mme.security.integrity[1]: EIA2 appears twice"},
    {S_MME, "  security: {integrity: [EEA2]}\n", 1, 26,
     "mme.security.integrity[0]: 'EEA2' is not one of EIA0 | EIA1 | EIA2 | EIA3"},
    {S_MME, "  security: {integrity: []}\n", 1, 25,
     "mme.security.integrity: at least one algorithm is required"},
    {S_MME, "  security: {ciphering: [EEA4]}\n", 1, 26,
     "mme.security.ciphering[0]: 'EEA4' is not one of EEA0"},
    {S_MME, "  security: {ciphering: [EEA1, EEA2, EEA3, EEA0, EEA1]}\n", 1, 25,
     "mme.security.ciphering: 5 entries, at most 4 allowed"},
    {S_MME, "  network_name: {long: x}\n", 1, 18, "mme.network_name.long: unknown key"},
    {S_MME, "  network_name: {full: [a]}\n", 1, 24, "mme.network_name.full: expected a string, got a list"},
    {S_MME, "  time_zone: \"+1:00\"\n", 1, 14,
     "mme.time_zone: '+1:00' is not one of auto | none | +HH:MM | -HH:MM"},
    {S_MME, "  time_zone: \"+01:10\"\n", 1, 14,
     "mme.time_zone: '+01:10' is not a quarter-hour offset"},
    {S_MME, "  time_zone: \"+15:00\"\n", 1, 14,
     "mme.time_zone: '+15:00' is not a quarter-hour offset"},
    {S_MME, "  t3412: 55m\n", 1, 10, "mme.t3412: 55m cannot be sent in a GPRS timer"},
    {S_MME, "  t3412: 187m\n", 1, 10, "mme.t3412: 187m is out of range 0s..186m"},
    {S_MME, "  t3402: 63s\n", 1, 10, "mme.t3402: 63s cannot be sent in a GPRS timer"},
    {S_MME, "  t3402: 1500ms\n", 1, 10, "mme.t3402: 1500ms cannot be sent in a GPRS timer"},
    {S_MME, "  t3450: 61s\n", 1, 10, "mme.t3450: 61s is out of range 100ms..60s"},
    {S_MME, "  t3460: 0s\n", 1, 10, "mme.t3460: 0s is out of range 100ms..60s"},
    {S_MME, "  t3470: 6 s\n", 1, 10, "mme.t3470: '6 s' is not a duration"},
    {S_MME, "  t3413: 50ms\n", 1, 10, "mme.t3413: 50ms is out of range 100ms..60s"},
    {S_MME, "  paging_retries: 11\n", 1, 19, "mme.paging_retries: 11 is out of range 0..10"},
    {S_MME, "  mobile_reachable: 500ms\n", 1, 21,
     "mme.mobile_reachable: 500ms is out of range 1s..24h"},
    {S_MME, "  implicit_detach: 25h\n", 1, 20, "mme.implicit_detach: 25h is out of range 1s..24h"},
    {S_MME, "  ts1relocprep: 50ms\n", 1, 17, "mme.ts1relocprep: 50ms is out of range 100ms..60s"},
    {S_MME, "  ts1relocprep: 10\n", 1, 17,
     "mme.ts1relocprep: '10' is not a duration (integer with ms, s, m or h)"},
    {S_MME, "  ts1relocoverall: 61s\n", 1, 20,
     "mme.ts1relocoverall: 61s is out of range 100ms..60s"},
    {S_MME, "  ts1relocoverall: -1s\n", 1, 20, "mme.ts1relocoverall: '-1s' is not a duration"},
    {S_MME, "  t3485: 61s\n", 1, 10, "mme.t3485: 61s is out of range 100ms..60s"},
    {S_MME, "  t3486: 50ms\n", 1, 10, "mme.t3486: 50ms is out of range 100ms..60s"},
    {S_MME, "  t3495: 8\n", 1, 10, "mme.t3495: '8' is not a duration"},
    {S_MME, "  ue_ambr: {ul: 1Gbit}\n", 1, 17,
     "mme.ue_ambr.ul: '1Gbit' is not a bit rate (integer with bps, kbps, Mbps, Gbps or Tbps)"},
    {S_MME, "  ue_ambr: {dl: 5Tbps}\n", 1, 17, "mme.ue_ambr.dl: 5Tbps is out of range 1kbps..4Tbps"},
    {S_MME, "  ue_ambr: {dl: 999bps}\n", 1, 17, "mme.ue_ambr.dl: 999bps is out of range 1kbps..4Tbps"},
    {S_MME, "  ue_ambr: {dl: 99999999999999999999Gbps}\n", 1, 17, "mme.ue_ambr.dl: 99999999999999999999Gbps is out of range"},
    {S_MME, "  ue_ambr: {both: 1Gbps}\n", 1, 13, "mme.ue_ambr.both: unknown key"},
    {S_MME, "  t3414: 1s\n", 1, 3, "mme.t3414: unknown key"},

    /* gtpu */
    {S_TOP, "gtpu: {}\n", 1, 1, "gtpu: duplicate key"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\ngtpu: {}\n"
             "datapath: {s1u: a, sgi: b}\napns: [{name: x, pool: 10.0.0.0/8}]\n",
     2, 7, "gtpu.address: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     2, 17, "gtpu.address: '1.2.3' is not an IPv4 address"},

    /* datapath */
    {S_DP, "  mode: bridge\n", 1, 9, "datapath.mode: 'bridge' is not one of nat | routed"},
    {S_DP, "  mode: routed\n  s1u: eth2\n", 2, 3, "datapath.s1u: duplicate key"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: eth1, sgi: eth1, mode: routed}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     3, 28, "datapath.sgi: routed mode needs two interfaces"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: eth1}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     3, 11, "datapath.sgi: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: averyveryverylongname, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     3, 17, "datapath.s1u: length 21 is out of range 1..15"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: \"a/b\", sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/8}]\n",
     3, 17, "datapath.s1u: 'a/b' is not a valid interface name"},
    {S_DP, "  ue_dev: \"\"\n", 1, 11, "datapath.ue_dev: length 0 is out of range 1..15"},
    {S_DP, "  pin_dir: bpf/xepc\n", 1, 12, "datapath.pin_dir: 'bpf/xepc' is not an absolute path"},
    {S_DP, "  bpf_dir: \"\"\n", 1, 12, "datapath.bpf_dir: length 0 is out of range"},
    {S_DP, "  max_sessions: 0\n", 1, 17, "datapath.max_sessions: 0 is out of range 1..16777216"},
    {S_DP, "  max_sessions: 16777217\n", 1, 17,
     "datapath.max_sessions: 16777217 is out of range 1..16777216"},
    {S_DP, "  max_charging: 1\n", 1, 17, "datapath.max_charging: 1 is out of range 2..33554432"},
    {S_DP, "  max_charging: 33554433\n", 1, 17,
     "datapath.max_charging: 33554433 is out of range 2..33554432"},
    {S_DP, "  xdp_mode: skb\n", 1, 13, "datapath.xdp_mode: 'skb' is not one of native | generic"},
    {S_DP, "  ifname: x\n", 1, 3, "datapath.ifname: unknown key"},

    /* apns */
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\napns: []\n",
     4, 7, "apns: at least one APN is required"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\napns: {name: x}\n",
     4, 7, "apns: expected a list, got a mapping"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\napns: [{pool: 10.0.0.0/8}]\n",
     4, 8, "apns[0].name: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\napns: [{name: x}]\n",
     4, 8, "apns[0].pool: required key missing"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: \"in ternet\", pool: 10.0.0.0/8}]\n",
     4, 15, "apns[0].name: 'in ternet' is not an APN"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: \"a..b\", pool: 10.0.0.0/8}]\n",
     4, 15, "apns[0].name: 'a..b' is not an APN"},
    /* PDN types and the IPv6 pool (TS 23.401 5.3.1.1, a /64 per UE) */
    {S_APN, "    pdn_type: ipv5\n", 1, 15,
     "apns[0].pdn_type: 'ipv5' is not one of ipv4 | ipv6 | ipv4v6"},
    {S_APN, "    pool6: 2001:db8::/40\n", 1, 12,
     "apns[0].pool6: an IPv6 pool needs pdn_type ipv6 or ipv4v6"},
    /* (line 0 is the base's "pool:", -1 its "- name:") */
    {S_APN, "    pdn_type: ipv6\n", 0, 11,
     "apns[0].pool: an APN of pdn_type ipv6 has no IPv4 pool"},
    {S_APN, "    pdn_type: ipv4v6\n", (unsigned)-1, 5, "apns[0].pool6: required key missing"},
    {S_APN, "    pdn_type: ipv6\n", (unsigned)-1, 5, "apns[0].pool6: required key missing"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::1/40\n", 2, 12, "apns[0].pool6: '2001:db8::1/40' has host bits set"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/64\n", 2, 12,
     "apns[0].pool6: prefix length 64 is out of range 16..63 (a /64 per UE)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/8\n", 2, 12,
     "apns[0].pool6: prefix length 8 is out of range 16..63 (a /64 per UE)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: '2001:db8::'\n", 2, 12,
     "apns[0].pool6: '2001:db8::' is not an IPv6 prefix (2001:db8::/40)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/4x\n", 2, 12,
     "apns[0].pool6: '2001:db8::/4x' is not an IPv6 prefix (2001:db8::/40)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:zb8::/40\n", 2, 12,
     "apns[0].pool6: '2001:zb8::/40' is not an IPv6 prefix: bad address"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 10.0.0.0/40\n", 2, 12,
     "apns[0].pool6: '10.0.0.0/40' is not an IPv6 prefix: bad address"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: fe80::/48\n", 2, 12,
     "apns[0].pool6: 'fe80::/48' is link-local or multicast, not a UE prefix (RFC 4291 2.4)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: ff0e::/48\n", 2, 12,
     "apns[0].pool6: 'ff0e::/48' is link-local or multicast, not a UE prefix (RFC 4291 2.4)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: ::/40\n", 2, 12, "apns[0].pool6: '::/40' is not a UE prefix (::/40)"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: [2001:db8::/40]\n", 2, 12, "apns[0].pool6: expected an IPv6 prefix"},
    /* IPv6 DNS servers and P-CSCFs for the PCO (TS 24.008 10.5.6.3) */
    {S_APN, "    dns6: [2001:db8::53]\n", 1, 11,
     "apns[0].dns6: IPv6 DNS servers need pdn_type ipv6 or ipv4v6"},
    {S_APN, "    ims: true\n    pcscf: [10.0.0.1]\n    pcscf6: [2001:db8::1]\n", 3, 13,
     "apns[0].pcscf6: IPv6 P-CSCF addresses need pdn_type ipv6 or ipv4v6"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: [2001:db8::53, 2001:db8::zz]\n",
     3, 26, "apns[0].dns6[1]: '2001:db8::zz' is not an IPv6 address"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: [10.0.0.53]\n", 3, 12,
     "apns[0].dns6[0]: '10.0.0.53' is not an IPv6 address"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: ['fe80::53']\n", 3, 12,
     "apns[0].dns6[0]: 'fe80::53' is link-local (fe80::/10), not a server a UE can reach"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: ['ff02::fb']\n", 3, 12,
     "apns[0].dns6[0]: 'ff02::fb' is multicast, not a server a UE can reach"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: ['::']\n", 3, 12,
     "apns[0].dns6[0]: '::' is unspecified or loopback, not a server a UE can reach"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: ['::1']\n", 3, 12,
     "apns[0].dns6[0]: '::1' is unspecified or loopback, not a server a UE can reach"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: ['::ffff:10.0.0.53']\n", 3,
     12, "apns[0].dns6[0]: '::ffff:10.0.0.53' is IPv4-mapped, not a server a UE can reach"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n"
            "    dns6: ['2001:db8::1', '2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5']\n",
     3, 11, "apns[0].dns6: 5 entries, at most 4 allowed"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: 2001:db8::53\n", 3, 11,
     "apns[0].dns6: expected a list, got a scalar"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    dns6: [[2001:db8::53]]\n", 3, 12,
     "apns[0].dns6[0]: expected an IPv6 address"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    pcscf6: [2001:db8::5060]\n", 3,
     13, "apns[0].pcscf6: P-CSCF addresses are only sent on an APN with ims: true"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    ims: true\n"
            "    pcscf6: [2001:db8::5060, 'fe80::1']\n", 4, 30,
     "apns[0].pcscf6[1]: 'fe80::1' is link-local (fe80::/10), not a server a UE can reach"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n    ims: true\n"
            "    pcscf6: [2001:db8::1, 2001:db8::2, 2001:db8::3, 2001:db8::4, 2001:db8::5]\n",
     4, 13, "apns[0].pcscf6: 5 entries, at most 4 allowed"},
    /* the default datapath.max_sessions is 100000: a /56 holds 256 /64s */
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8:0:100::/56\n", 2, 12,
     "apns[0].pool6: /56 holds 256 /64s, fewer than datapath.max_sessions (100000): "
     "use a shorter prefix"},
    {S_APN, "    pdn_type: ipv4v6\n    pool6: 2001:db8::/40\n"
            "  - name: second\n"
            "    pdn_type: ipv6\n"
            "    pool6: 2001:db8:80::/44\n", 3, 5,
     "apns[1]: pool6 overlaps the pool6 of apns[0]"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.1/8}]\n",
     4, 24, "apns[0].pool: '10.0.0.1/8' has host bits set (the network is 10.0.0.0/8)"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0}]\n",
     4, 24, "apns[0].pool: '10.0.0.0' is not an IPv4 CIDR"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.0/31}]\n",
     4, 24, "apns[0].pool: prefix length 31 is out of range 8..30"},
    {S_FULL, "mme: {tai: [{plmn: {mcc: \"001\", mnc: \"01\"}, tac: [1]}]}\n"
             "gtpu: {address: 1.2.3.4}\ndatapath: {s1u: a, sgi: b}\n"
             "apns: [{name: x, pool: 10.0.0.256/24}]\n",
     4, 24, "apns[0].pool: '10.0.0.256/24' is not an IPv4 CIDR: bad address"},
    {S_APN, "    dns: [8.8.8.8, 8.8.4]\n", 1, 20, "apns[0].dns[1]: '8.8.4' is not an IPv4 address"},
    {S_APN, "    dns: [1.1.1.1, 1.1.1.2, 1.1.1.3, 1.1.1.4, 1.1.1.5]\n", 1, 10,
     "apns[0].dns: 5 entries, at most 4 allowed"},
    {S_APN, "    dns: 8.8.8.8\n", 1, 10, "apns[0].dns: expected a list, got a scalar"},
    {S_APN, "    mtu: 575\n", 1, 10, "apns[0].mtu: 575 is out of range 576..9000"},
    {S_APN, "    ambr: {ul: 0bps}\n", 1, 16, "apns[0].ambr.ul: 0bps is out of range 1kbps..4Tbps"},
    {S_APN, "    ambr: 100Mbps\n", 1, 11, "apns[0].ambr: expected a mapping, got a scalar"},
    {S_APN, "    qci: 0\n", 1, 10, "apns[0].qci: 0 is out of range 1..86"},
    {S_APN, "    qci: 10\n", 1, 10, "apns[0].qci: 10 is not a standardized QCI (1..9, 65..86)"},
    {S_APN, "    qci: 87\n", 1, 10, "apns[0].qci: 87 is out of range 1..86"},
    {S_APN, "    arp: {priority: 0}\n", 1, 21, "apns[0].arp.priority: 0 is out of range 1..15"},
    {S_APN, "    arp: {priority: 16}\n", 1, 21, "apns[0].arp.priority: 16 is out of range 1..15"},
    {S_APN, "    arp: {capability: 1}\n", 1, 23, "apns[0].arp.capability: '1' is not true or false"},
    {S_APN, "    arp: {vulnerability: no}\n", 1, 26,
     "apns[0].arp.vulnerability: 'no' is not true or false"},
    {S_APN, "    arp: {level: 1}\n", 1, 11, "apns[0].arp.level: unknown key"},
    {S_APN, "    ims: true\n", 1, 10,
     "apns[0].ims: an IMS APN needs at least one pcscf or pcscf6 address"},
    {S_APN, "    bearer_qcis: [1, 10]\n", 1, 22,
     "apns[0].bearer_qcis[1]: 10 is not a standardized QCI (1..9, 65..86)"},
    {S_APN, "    bearer_qcis: [1, 1]\n", 1, 22, "apns[0].bearer_qcis[1]: QCI 1 appears twice"},
    {S_APN, "    bearer_qcis: [0]\n", 1, 19, "apns[0].bearer_qcis[0]: 0 is out of range 1..86"},
    {S_APN, "    bearer_qcis: 1\n", 1, 18, "apns[0].bearer_qcis"},
    {S_APN, "    pcscf: [10.0.0.1]\n", 1, 12, "apns[0].pcscf: P-CSCF addresses are only sent"},
    {S_APN, "    ims: true\n    pcscf: [10.0.0.x]\n", 2, 13,
     "apns[0].pcscf[0]: '10.0.0.x' is not an IPv4 address"},
    {S_APN, "    apn_ambr: {ul: 1Mbps}\n", 1, 5, "apns[0].apn_ambr: unknown key"},
    {S_APN, "  - name: Internet\n    pool: 10.46.0.0/16\n", 1, 5,
     "apns[1]: APN 'Internet' is already defined in apns[0]"},
    {S_APN, "  - name: other\n    pool: 10.45.64.0/18\n", 1, 5,
     "apns[1]: pool overlaps the pool of apns[0]"},
    {S_APN, "  - name: other\n    pool: 10.0.0.0/8\n", 1, 5,
     "apns[1]: pool overlaps the pool of apns[0]"},
    {S_APN, "  - 5\n", 1, 5, "apns[1]: expected a mapping, got a scalar"},

    /* database, control, metrics */
    {S_TOP, "database: {path: \"\"}\n", 1, 18, "database.path: length 0 is out of range"},
    {S_TOP, "database: {file: x}\n", 1, 12, "database.file: unknown key"},
    {S_TOP, "control: {socket: run/x.sock}\n", 1, 19, "control.socket: 'run/x.sock' is not an absolute path"},
    {S_TOP, "control: {group: [a]}\n", 1, 18, "control.group: expected a string, got a list"},
    {S_TOP, "metrics: {address: \"::1\"}\n", 1, 20, "metrics.address: '::1' is not an IPv4 address"},
    {S_TOP, "metrics: {port: 65536}\n", 1, 17, "metrics.port: 65536 is out of range 0..65535"},
    {S_TOP, "metrics: {path: /metrics}\n", 1, 11, "metrics.path: unknown key"},

    /* diameter */
    {S_TOP, "diameter: {realm: x}\n", 1, 11, "diameter.identity: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {port: 1}}\n", 1, 39,
     "diameter.gx.peer: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p, tx_timeout: 5}}\n", 1, 61,
     "diameter.gx.tx_timeout: '5' is not a duration"},
    {S_TOP, "diameter: {identity: a, realm: b, reconnect: 500ms, gx: {peer: p}}\n", 1, 46,
     "diameter.reconnect: 500ms is out of range 1s..300s"},
    {S_TOP, "diameter: {identity: a, realm: b, reconnect: 6m, gx: {peer: p}}\n", 1, 46,
     "diameter.reconnect: "},
    {S_TOP, "diameter: {identity: a, realm: b, sctp: true}\n", 1, 35,
     "diameter.sctp: unknown key"},
    {S_TOP, "diameter: {identity: a, realm: b, s6a: {port: 1}}\n", 1, 40, "diameter.s6a.peer: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, s6a: {peer: h, tx_timeout: 50ms}}\n", 1, 62,
     "diameter.s6a.tx_timeout: 50ms is out of range 100ms..60s"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p}, s6a: {peer: p, port: 2}}\n", 1, 55,
     "diameter.s6a.peer: 'p' is also the Gx peer, at another address or port"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {port: 1}}\n", 1, 39,
     "diameter.gy.peer: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: p, failure_handling: retry}}\n", 1, 67,
     "diameter.gy.failure_handling: 'retry' is not one of"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p, failure_handling: retry}}\n", 1, 67,
     "diameter.gx.failure_handling: 'retry' is not one of"},
    {S_TOP, "diameter: {identity: a, realm: b, s6a: {peer: h, failure_handling: continue}}\n", 1,
     50, "diameter.s6a.failure_handling: unknown key"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p, alternate: {peer: p}}}\n", 1, 60,
     "diameter.gx.alternate.peer: 'p' is also the Gx, S6a or Gy peer"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p, alternate: {port: 1}}}\n", 1, 60,
     "diameter.gx.alternate.peer: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, s6a: {peer: h, alternate: {peer: q}}}\n", 1, 50,
     "diameter.s6a.alternate: unknown key"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: o, alternate: {peer: o}}}\n", 1, 60,
     "diameter.gy.alternate.peer: 'o' is also the Gy, Gx or S6a peer"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p}, gy: {peer: o, alternate: {peer: p}}}\n",
     1, 75, "diameter.gy.alternate.peer: 'p' is also the Gy, Gx or S6a peer"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: o, alternate: {port: 1}}}\n", 1, 60,
     "diameter.gy.alternate.peer: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: o, alternate: {peer: q, tls: true}}}\n",
     1, 70, "diameter.gy.alternate.tls: unknown key"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: o, alternate: {peer: q, port: 0}}}\n", 1,
     76, "diameter.gy.alternate.port: 0 is out of range"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p, alternate: {peer: q}},"
            " gy: {peer: o, alternate: {peer: q, port: 2}}}\n",
     1, 97, "diameter.gy.alternate.peer: 'q' is also the alternate PCRF, at another address"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: p, rating_group: 0}}\n", 1, 63,
     "diameter.gy.rating_group: 0 is out of range"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: p, apn: ims}}\n", 1, 54,
     "diameter.gy.apn: 'ims' is not a configured APN"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: p, tx_timeout: 50ms}}\n", 1, 61,
     "diameter.gy.tx_timeout: "},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p}, gy: {peer: p, port: 2}}\n", 1, 54,
     "diameter.gy.peer: 'p' is also the Gx or S6a peer, at another address or port"},
    {S_TOP, "diameter: {identity: a, realm: b, gx: {peer: p, tls: true}}\n", 1, 39,
     "diameter.gx: tls: true needs diameter.tls (cert, key, ca)"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: p, transport: udp}}\n", 1, 60,
     "diameter.gy.transport: 'udp' is not one of"},
    {S_TOP, "diameter: {identity: a, realm: b, s6a: {peer: p, tls: 1}}\n", 1, 55,
     "diameter.s6a.tls: "},
    {S_TOP, "diameter: {identity: a, realm: b, tls: {cert: /c, key: /k}}\n", 1, 40,
     "diameter.tls.ca: required key missing"},
    {S_TOP, "diameter: {identity: a, realm: b, tls: {cert: /c, key: /k, ca: /a, port: 0}}\n", 1, 74,
     "diameter.tls.port: 0 is out of range"},
    {S_TOP, "diameter: {identity: a, realm: b, tls: {cert: /c, key: /k, ca: /a},\n"
            "           gx: {peer: p, port: 5658}, gy: {peer: p, tls: true}}\n", 2, 43,
     "diameter.gy: 'p' is also the diameter.gx peer, with another tls or transport"},
    /* policy (agw_policy.c, docs/charging.md "Local policy") */
    {S_TOP, "policy: {bogus: 1}\n", 1, 10, "policy.bogus: unknown key"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 0, flows: [\"permit out ip from any to assigned\"]}\n",
     3, 29, "policy.rules[0].precedence: 0 is out of range"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, flows: [\"deny out ip from any to assigned\"]}\n",
     3, 40, "policy.rules[0].flows[0]: 'deny out ip from any to assigned' is not an IPFilterRule"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, flows: []}\n",
     3, 39, "policy.rules[0].flows: 0 flows, 1..4 allowed"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: a, precedence: 2, flows: [\"permit out ip from any to assigned\"]}\n",
     4, 7, "policy.rules[1]: rule 'a' is already defined"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, action: allow, flows: [\"permit out ip from any to assigned\"]}\n",
     3, 40, "policy.rules[0].action: 'allow' is not one of"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, mbr: {ul: 5Gbps}, flows: [\"permit out ip from any to assigned\"]}\n",
     3, 42, "policy.rules[0].mbr.ul: 5Gbps is out of range 1kbps..4Gbps"},
    {S_TOP, "policy:\n  base_names:\n    - {name: b, rules: [nope]}\n",
     3, 25, "policy.base_names[0].rules[0]: 'nope' is not a rule of policy.rules"},
    {S_TOP, "policy:\n  base_names:\n    - {name: b, rules: []}\n",
     3, 24, "policy.base_names[0].rules: a base name groups at least one rule"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite}\n",
     3, 7, "policy.rating_groups[0].quota: a finite rating group needs its quota"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: unmetered, quota: 100}\n",
     3, 39, "policy.rating_groups[0].quota: only a finite rating group has a quota"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: metered, period: daily}\n",
     3, 38, "policy.rating_groups[0].period: only a finite rating group has a period"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 1, period: weekly}\n",
     3, 47, "policy.rating_groups[0].period: 'weekly' is not one of"},
    /* final_action (docs/charging.md "Local policy") */
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: bounce}\n",
     3, 53, "policy.rating_groups[0].final_action: 'bounce' is not one of"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {bounce: {}}}\n",
     3, 54, "policy.rating_groups[0].final_action.bounce: unknown key"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: metered, final_action: drop}\n",
     3, 44, "policy.rating_groups[0].final_action: only a finite rating group has a final_action"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {redirect: {port: 80}}}\n",
     3, 64, "policy.rating_groups[0].final_action.redirect.address: required key missing"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {redirect: {address: 10.0.0.300}}}\n",
     3, 74, "policy.rating_groups[0].final_action.redirect.address: '10.0.0.300' is not an IPv4 address"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {redirect: {address: 10.0.0.1, port: 0}}}\n",
     3, 90, "policy.rating_groups[0].final_action.redirect.port: 0 is out of range"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {redirect: {address: 10.0.0.1}}}\n"
            "    - {id: 6, type: finite, quota: 9, final_action: {redirect: {address: 10.0.0.2}}}\n",
     4, 74, "policy.rating_groups[1].final_action.redirect.address: 10.0.0.2 is not rating group 5's portal (10.0.0.1)"},
    {S_TOP, "diameter: {identity: a, realm: b, gy: {peer: p, portal: 10.0.0.9}}\n"
            "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {redirect: {address: 10.0.0.1}}}\n",
     4, 74, "policy.rating_groups[0].final_action.redirect.address: 10.0.0.1 is not diameter.gy.portal (10.0.0.9)"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {restrict: {rules: [nope]}}}\n",
     3, 73, "policy.rating_groups[0].final_action.restrict.rules[0]: 'nope' is not a rule of policy.rules"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {restrict: {rules: []}}}\n",
     3, 72, "policy.rating_groups[0].final_action.restrict.rules: restrict names at least one rule"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: finite, quota: 9, final_action: {restrict: {}, redirect: {address: 10.0.0.1}}}\n",
     3, 53, "policy.rating_groups[0].final_action: one of drop, terminate, redirect or restrict"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: prepaid}\n",
     3, 21, "policy.rating_groups[0].type: 'prepaid' is not one of"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 0, type: metered}\n",
     3, 12, "policy.rating_groups[0].id: 0 is out of range"},
    {S_TOP, "policy:\n  rating_groups:\n    - {id: 5, type: metered}\n    - {id: 5, type: finite, quota: 1}\n",
     4, 7, "policy.rating_groups[1]: rating group 5 is already defined"},
    {S_TOP, "policy:\n  static: {base_names: [nope]}\n",
     2, 25, "policy.static.base_names[0]: 'nope' is not a base name of policy.base_names"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: b, precedence: 1, flows: [\"permit out ip from any to assigned\"]}\n"
            "  static: {rules: [a, b]}\n",
     5, 11, "policy.static: rules 'a' and 'b' have the same precedence 1"},
    /* policy.apns: the local policy of one APN */
    {S_TOP, "policy:\n  apns:\n    - {rules: []}\n",
     3, 7, "policy.apns[0].apn: required key missing"},
    {S_TOP, "policy:\n  apns:\n    - {apn: corp, rules: []}\n",
     3, 13, "policy.apns[0].apn: 'corp' is not a configured APN"},
    {S_TOP, "policy:\n  apns:\n    - {apn: internet, rules: [nope]}\n",
     3, 31, "policy.apns[0].rules[0]: 'nope' is not a rule of policy.rules"},
    {S_TOP, "policy:\n  apns:\n    - {apn: internet, base_names: [nope]}\n",
     3, 36, "policy.apns[0].base_names[0]: 'nope' is not a base name of policy.base_names"},
    {S_TOP, "policy:\n  apns:\n    - {apn: internet, static: true}\n",
     3, 23, "policy.apns[0].static: unknown key"},
    {S_TOP, "policy:\n  apns:\n    - {apn: internet}\n    - {apn: INTERNET}\n",
     4, 7, "policy.apns[1]: APN 'INTERNET' already has its policy in policy.apns[0]"},
    {S_TOP, "policy:\n  rules:\n    - {name: a, precedence: 1, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: b, precedence: 1, flows: [\"permit out ip from any to assigned\"]}\n"
            "  apns:\n    - {apn: internet, rules: [a, b]}\n",
     6, 7, "policy.apns[0]: rules 'a' and 'b' have the same precedence 1"},
    {S_TOP, "policy:\n  rules:\n"
            "    - {name: a, precedence: 1, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: b, precedence: 2, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: c, precedence: 3, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: d, precedence: 4, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: e, precedence: 5, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: f, precedence: 6, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: g, precedence: 7, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: h, precedence: 8, flows: [\"permit out ip from any to assigned\"]}\n"
            "    - {name: i, precedence: 9, flows: [\"permit out ip from any to assigned\"]}\n"
            "  base_names:\n    - {name: x, rules: [f, g, h, i]}\n"
            "  apns:\n    - {apn: internet, rules: [a, b, c, d, e], base_names: [x]}\n",
     15, 7, "policy.apns[0]: 9 rules in all, at most 8 fit a session"},
    {S_TOP, "policy:\n  apns:\n    - {apn: internet, rules: [a, a, a, a, a, a, a, a, a]}\n",
     3, 30, "policy.apns[0].rules: 9 entries, at most 8 allowed"},
    /* orchestrator */
    {S_TOP, "orchestrator: {network: n, gateway: g}\n", 1, 15,
     "orchestrator.url: required key missing"},
    {S_TOP, "orchestrator: {url: 'http://orc:9443', network: n, gateway: g}\n", 1, 21,
     "orchestrator.url: 'http://orc:9443' is not https://HOST[:PORT]"},
    {S_TOP, "orchestrator: {url: 'https://orc/v1', network: n, gateway: g}\n", 1, 21,
     "orchestrator.url: 'https://orc/v1' is not https://HOST[:PORT]"},
    {S_TOP, "orchestrator: {url: 'https://', network: n, gateway: g}\n", 1, 21,
     "orchestrator.url: 'https://' is not https://HOST[:PORT]"},
    {S_TOP, "orchestrator: {url: 'https://o', gateway: g}\n", 1, 15,
     "orchestrator.network: required key missing"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n}\n", 1, 15,
     "orchestrator.gateway: required key missing"},
    {S_TOP, "orchestrator: {url: 'https://o', network: 'a/b', gateway: g}\n", 1, 43,
     "orchestrator.network: 'a/b' is not an orchestrator id"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: .g}\n", 1, 55,
     "orchestrator.gateway: '.g' is not an orchestrator id"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, dir: rel}\n", 1, 63,
     "orchestrator.dir: 'rel' is not an absolute path"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, ca: x.pem}\n", 1, 62,
     "orchestrator.ca: 'x.pem' is not an absolute path"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, checkin_interval: 0s}\n",
     1, 76, "orchestrator.checkin_interval: 0s is out of range 1s..1h"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, sync_interval: 2h}\n",
     1, 73, "orchestrator.sync_interval: 2h is out of range 1s..1h"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, timeout: 100ms}\n",
     1, 67, "orchestrator.timeout: 100ms is out of range 500ms..10m"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, connect_timeout: 5}\n",
     1, 75, "orchestrator.connect_timeout: '5' is not a duration"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, backoff_max: 0s}\n",
     1, 71, "orchestrator.backoff_max: 0s is out of range 1s..1h"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, hardware_id: 'a\\tb'}\n",
     1, 71, "orchestrator.hardware_id: holds a quote, backslash or control character"},
    {S_TOP, "orchestrator: {url: 'https://o', network: n, gateway: g, token: x}\n", 1, 58,
     "orchestrator.token: unknown key"},
};

static bool check_row(const struct bad_row *r, size_t idx)
{
    unsigned first;
    char *y = build(r->slot, r->text, &first);
    struct agw_config c;
    int rc = agw_config_load_string("bad.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    agw_config_free(&c);
    char want[512];
    snprintf(want, sizeof(want), "bad.yaml:%u:%u: %s", first + r->line - 1, r->col, r->expect);
    bool ok = rc == -EINVAL && strstr(errbuf, want);
    if (!ok)
        print_error("# row %zu: rc %d (want -EINVAL), errors:\n%s# want a line with: %s\n# file:\n%s",
                    idx, rc, errbuf, want, y);
    free(y);
    return ok;
}

static void test_rejected_cases(void **state)
{
    (void)state;
    unsigned failed = 0;
    for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++)
        failed += !check_row(&bad_rows[i], i);
    if (failed)
        fail_msg("%u of %zu rejected cases not reported as expected", failed,
                 sizeof(bad_rows) / sizeof(bad_rows[0]));
}

/* Errors are all reported, in file order, not only the first. */
static void test_all_errors_reported_in_order(void **state)
{
    (void)state;
    static const char y[] = "logger:\n"
                            "  level: loud\n"
                            "  bogus: 1\n"
                            "mme:\n"
                            "  tai:\n"
                            "    - plmn: { mcc: \"001\", mnc: \"1\" }\n"
                            "      tac: [1, 70000]\n"
                            "gtpu:\n"
                            "  address: 300.1.1.1\n"
                            "datapath:\n"
                            "  s1u: eth1\n"
                            "  sgi: eth2\n"
                            "apns:\n"
                            "  - name: internet\n"
                            "    pool: 10.45.0.0/16\n"
                            "logger: {}\n";
    struct agw_config c;
    assert_int_equal(agw_config_load_string("m.yaml", y, strlen(y), &c, errbuf, ERRLEN), -EINVAL);
    agw_config_free(&c);
    const char *want[] = {"m.yaml:2:10: logger.level:", "m.yaml:3:3: logger.bogus:",
                          "m.yaml:6:32: mme.tai[0].plmn.mnc:", "m.yaml:7:16: mme.tai[0].tac[1]:",
                          "m.yaml:9:12: gtpu.address:", "m.yaml:16:1: logger: duplicate key"};
    const char *p = errbuf;
    for (size_t i = 0; i < 6; i++) {
        const char *q = strstr(p, want[i]);
        if (!q)
            fail_msg("error %zu '%s' missing or out of order in:\n%s", i, want[i], errbuf);
        p = q + 1;
    }
}

/* A small errbuf keeps whole lines and says how many did not fit. */
static void test_errbuf_truncation(void **state)
{
    (void)state;
    char small[200];
    static const char y[] = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n";
    struct agw_config c;
    assert_int_equal(agw_config_load_string("t.yaml", y, strlen(y), &c, small, sizeof(small)),
                     -EINVAL);
    agw_config_free(&c);
    assert_non_null(strstr(small, "t.yaml:1:1: a: unknown key\n"));
    assert_non_null(strstr(small, "more errors not shown\n"));
}

static void test_load_file_and_missing_file(void **state)
{
    (void)state;
    char path[] = "/tmp/xepc-cfg-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, full_yaml, strlen(full_yaml)), (ssize_t)strlen(full_yaml));
    close(fd);
    struct agw_config c;
    assert_int_equal(agw_config_load(path, &c, errbuf, ERRLEN), 0);
    assert_int_equal(c.n_apns, 2);
    agw_config_free(&c);
    unlink(path);
    assert_int_equal(agw_config_load(path, &c, errbuf, ERRLEN), -ENOENT);
    agw_config_free(&c);
    assert_non_null(strstr(errbuf, "No such file"));
}

/* TS 24.008 10.5.1.3, figure 10.5.3. */
/* The diameter section (docs/agw.md): absent = no Diameter; gx defaults. */
static void test_diameter_section(void **state)
{
    (void)state;
    unsigned l;
    struct agw_config c;
    char *y = build(S_TOP, "", &l);
    assert_int_equal(agw_config_load_string("d0.yaml", y, strlen(y), &c, errbuf, ERRLEN), 0);
    free(y);
    assert_false(c.diameter.enabled);
    assert_false(c.diameter.gx.enabled);
    agw_config_free(&c);
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n  port: 3870\n"
                     "  gx: {peer: pcrf.test, address: 10.0.0.9, tx_timeout: 500ms}\n", &l);
    int rc = agw_config_load_string("d1.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter section rejected (%d):\n%s", rc, errbuf);
    assert_true(c.diameter.enabled);
    assert_string_equal(c.diameter.identity, "agw.test");
    assert_string_equal(c.diameter.realm, "test");
    assert_int_equal(c.diameter.address.s_addr, ip("127.0.0.1"));
    assert_int_equal(c.diameter.port, 3870);
    assert_true(c.diameter.gx.enabled);
    assert_string_equal(c.diameter.gx.peer, "pcrf.test");
    assert_int_equal(c.diameter.gx.address.s_addr, ip("10.0.0.9"));
    assert_int_equal(c.diameter.gx.port, 3868);
    assert_int_equal(c.diameter.gx.tx_timeout_ms, 500);
    assert_int_equal(c.diameter.reconnect_ms, 5000);        /* the default */
    assert_int_equal(c.diameter.gx.ccfh, 0);    /* TERMINATE by default */
    assert_false(c.diameter.gy.enabled);
    assert_false(c.diameter.s6a.enabled);
    agw_config_free(&c);
    /* S6a instead of the local HSS: its peer and defaults */
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n  reconnect: 2s\n"
                     "  gx: {peer: hss.test, address: 10.0.0.9}\n"
                     "  s6a: {peer: hss.test, address: 10.0.0.9}\n", &l);
    rc = agw_config_load_string("d2.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.s6a rejected (%d):\n%s", rc, errbuf);
    assert_true(c.diameter.s6a.enabled);
    assert_string_equal(c.diameter.s6a.peer, "hss.test");
    assert_int_equal(c.diameter.s6a.address.s_addr, ip("10.0.0.9"));
    assert_int_equal(c.diameter.s6a.port, 3868);
    assert_int_equal(c.diameter.s6a.tx_timeout_ms, 2000);
    assert_int_equal(c.diameter.reconnect_ms, 2000);
    agw_config_free(&c);
    /* diameter.gx.failure_handling (Credit-Control-Failure-Handling) */
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n"
                     "  gx: {peer: pcrf.test, failure_handling: continue}\n", &l);
    rc = agw_config_load_string("d2b.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.gx.failure_handling rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.diameter.gx.ccfh, 1);
    assert_false(c.diameter.gx.alt.enabled);
    agw_config_free(&c);
    /* diameter.gx.alternate: a second PCRF for RETRY_AND_TERMINATE */
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n"
                     "  gx: {peer: pcrf.test, failure_handling: retry_and_terminate,\n"
                     "       alternate: {peer: pcrf2.test, address: 10.0.0.8, port: 3870}}\n", &l);
    rc = agw_config_load_string("d2c.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.gx.alternate rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.diameter.gx.ccfh, 2);
    assert_true(c.diameter.gx.alt.enabled);
    assert_string_equal(c.diameter.gx.alt.peer, "pcrf2.test");
    assert_int_equal(c.diameter.gx.alt.address.s_addr, ip("10.0.0.8"));
    assert_int_equal(c.diameter.gx.alt.port, 3870);
    agw_config_free(&c);
    /* diameter.gy.alternate: a second OCS for RETRY_AND_TERMINATE; the
     * alternate PCRF may be it (one server, one address) */
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n"
                     "  gx: {peer: pcrf.test, alternate: {peer: backup.test, port: 3870}}\n"
                     "  gy: {peer: ocs.test, failure_handling: retry_and_terminate,\n"
                     "       alternate: {peer: backup.test, port: 3870}}\n", &l);
    rc = agw_config_load_string("d2d.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.gy.alternate rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.diameter.gy.ccfh, 2);
    assert_true(c.diameter.gy.alt.enabled);
    assert_string_equal(c.diameter.gy.alt.peer, "backup.test");
    assert_int_equal(c.diameter.gy.alt.address.s_addr, ip("127.0.0.1"));
    assert_int_equal(c.diameter.gy.alt.port, 3870);
    agw_config_free(&c);
    /* diameter.gy: the OCS, its defaults and values */
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n"
                     "  gy: {peer: ocs.test}\n", &l);
    rc = agw_config_load_string("d2.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.gy rejected (%d):\n%s", rc, errbuf);
    assert_false(c.diameter.gx.enabled);
    assert_true(c.diameter.gy.enabled);
    assert_string_equal(c.diameter.gy.peer, "ocs.test");
    assert_int_equal(c.diameter.gy.address.s_addr, ip("127.0.0.1"));
    assert_int_equal(c.diameter.gy.port, 3868);
    assert_int_equal(c.diameter.gy.tx_timeout_ms, 2000);
    assert_int_equal(c.diameter.gy.ccfh, 0);
    assert_int_equal(c.diameter.gy.rating_group, 1);
    assert_string_equal(c.diameter.gy.apn, "");
    assert_int_equal(c.diameter.gy.portal.s_addr, 0);
    agw_config_free(&c);
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n"
                     "  gy: {peer: ocs.test, address: 10.0.0.8, port: 3869, tx_timeout: 1s,\n"
                     "       failure_handling: retry_and_terminate, rating_group: 100,\n"
                     "       apn: INTERNET, portal: 10.0.0.7}\n", &l);
    rc = agw_config_load_string("d3.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.gy rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.diameter.gy.address.s_addr, ip("10.0.0.8"));
    assert_int_equal(c.diameter.gy.port, 3869);
    assert_int_equal(c.diameter.gy.tx_timeout_ms, 1000);
    assert_int_equal(c.diameter.gy.ccfh, 2);
    assert_int_equal(c.diameter.gy.rating_group, 100);
    assert_string_equal(c.diameter.gy.apn, "INTERNET");
    assert_int_equal(c.diameter.gy.portal.s_addr, ip("10.0.0.7"));
    assert_false(c.diameter.gy.link.tls);
    assert_false(c.diameter.gy.link.sctp);
    agw_config_free(&c);
    /* TLS toward the HSS and the OCS (5658 unless a port is given), SCTP
     * toward the PCRF; our credentials and TLS listener */
    y = build(S_TOP, "diameter:\n  identity: agw.test\n  realm: test\n"
                     "  tls: {cert: /c.pem, key: /k.pem, ca: /ca.pem, port: 5659}\n"
                     "  s6a: {peer: hss.test, tls: true}\n"
                     "  gx: {peer: pcrf.test, transport: sctp, address: 10.0.0.9}\n"
                     "  gy: {peer: ocs.test, tls: true, port: 3999}\n", &l);
    rc = agw_config_load_string("d4.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("diameter.tls rejected (%d):\n%s", rc, errbuf);
    assert_string_equal(c.diameter.tls.cert, "/c.pem");
    assert_string_equal(c.diameter.tls.key, "/k.pem");
    assert_string_equal(c.diameter.tls.ca, "/ca.pem");
    assert_int_equal(c.diameter.tls.port, 5659);
    assert_true(c.diameter.s6a.link.tls);
    assert_false(c.diameter.s6a.link.sctp);
    assert_int_equal(c.diameter.s6a.port, 5658);
    assert_false(c.diameter.gx.link.tls);
    assert_true(c.diameter.gx.link.sctp);
    assert_int_equal(c.diameter.gx.port, 3868);
    assert_true(c.diameter.gy.link.tls);
    assert_int_equal(c.diameter.gy.port, 3999);
    agw_config_free(&c);
}

/* The policy section: predefined rules, base names, rating groups, the
 * static policy and an APN's own, with their defaults. */
static void test_policy_section(void **state)
{
    (void)state;
    unsigned l;
    struct agw_config c;
    char *y = build(S_TOP, "", &l);
    assert_int_equal(agw_config_load_string("p0.yaml", y, strlen(y), &c, errbuf, ERRLEN), 0);
    free(y);
    assert_int_equal(c.policy.n_rules, 0);
    assert_int_equal(c.policy.static_set.n_rules + c.policy.static_set.n_bases, 0);
    agw_config_free(&c);
    y = build(S_TOP, "policy:\n"
                     "  rules:\n"
                     "    - name: web\n"
                     "      precedence: 10\n"
                     "      flows: [\"permit out 6 from any 80 to assigned\", \"permit out 6 from any 443 to assigned\"]\n"
                     "      rating_group: 10\n"
                     "      mbr: { ul: 1Mbps, dl: 2Mbps }\n"
                     "    - name: block\n"
                     "      precedence: 20\n"
                     "      flows: [\"permit out ip from 192.0.2.0/24 to assigned\"]\n"
                     "      direction: downlink\n"
                     "      action: drop\n"
                     "      monitoring_key: mk1\n"
                     "  base_names:\n"
                     "    - { name: basic, rules: [web, block] }\n"
                     "  rating_groups:\n"
                     "    - { id: 10, type: finite, quota: 500000 }\n"
                     "    - { id: 20, type: unmetered }\n"
                     "    - { id: 30, type: finite, quota: 7, period: monthly,\n"
                     "        final_action: { restrict: { rules: [block] } } }\n"
                     "    - { id: 31, type: finite, quota: 7, period: daily,\n"
                     "        final_action: { redirect: { address: 192.0.2.80 } } }\n"
                     "    - { id: 32, type: finite, quota: 7,\n"
                     "        final_action: { redirect: { address: 192.0.2.80, port: 8080 } } }\n"
                     "    - { id: 33, type: finite, quota: 7, final_action: drop }\n"
                     "    - { id: 34, type: finite, quota: 7, final_action: terminate }\n"
                     "  static: { rules: [web], base_names: [basic] }\n"
                     "  apns:\n"
                     "    - { apn: INTERNET, rules: [block] }\n", &l);
    int rc = agw_config_load_string("p1.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("policy section rejected (%d):\n%s", rc, errbuf);
    const struct agw_policy *p = &c.policy;
    assert_int_equal(p->n_rules, 2);
    const struct agw_pcc_rule *w = agw_policy_rule(p, "web");
    assert_non_null(w);
    assert_int_equal(w->precedence, 10);
    assert_int_equal(w->n_flows, 2);
    assert_string_equal(w->flows[1], "permit out 6 from any 443 to assigned");
    assert_int_equal(w->direction, 3);              /* both (default) */
    assert_int_equal(w->action, AGW_PCC_PASS);      /* default */
    assert_int_equal(w->rating_group, 10);
    assert_int_equal(w->mbr_ul_bps, 1000000);
    assert_int_equal(w->mbr_dl_bps, 2000000);
    const struct agw_pcc_rule *b = agw_policy_rule(p, "block");
    assert_non_null(b);
    assert_int_equal(b->direction, 1);              /* Flow-Direction DOWNLINK */
    assert_int_equal(b->action, AGW_PCC_DROP);
    assert_string_equal(b->monitoring_key, "mk1");
    assert_null(agw_policy_rule(p, "nope"));
    const struct agw_base_name *bn = agw_policy_base(p, "basic");
    assert_non_null(bn);
    assert_int_equal(bn->n_rules, 2);
    assert_ptr_equal(&p->rules[bn->rules[1]], b);
    const struct agw_rating_group *g = agw_policy_rating_group(p, 10);
    assert_non_null(g);
    assert_int_equal(g->type, AGW_RG_FINITE);
    assert_int_equal(g->quota_bytes, 500000);
    assert_int_equal(g->period, AGW_RG_PER_CONNECTION);     /* default */
    assert_int_equal(agw_policy_rating_group(p, 20)->type, AGW_RG_UNMETERED);
    assert_int_equal(agw_policy_rating_group(p, 30)->period, AGW_RG_MONTHLY);
    assert_int_equal(g->final_action, AGW_RG_FINAL_DROP);                /* default */
    const struct agw_rating_group *g30 = agw_policy_rating_group(p, 30);
    assert_int_equal(g30->final_action, AGW_RG_FINAL_RESTRICT);
    assert_int_equal(g30->n_final_rules, 1);
    assert_string_equal(g30->final_rules[0], "block");
    const struct agw_rating_group *g31 = agw_policy_rating_group(p, 31);
    assert_int_equal(g31->final_action, AGW_RG_FINAL_REDIRECT);
    assert_int_equal(g31->final_portal.s_addr, inet_addr("192.0.2.80"));
    assert_int_equal(g31->final_port, 80);                                /* default */
    assert_int_equal(agw_policy_rating_group(p, 32)->final_port, 8080);
    assert_int_equal(agw_policy_rating_group(p, 33)->final_action, AGW_RG_FINAL_DROP);
    assert_int_equal(agw_policy_rating_group(p, 34)->final_action, AGW_RG_FINAL_TERMINATE);
    assert_null(agw_policy_rating_group(p, 40));
    assert_string_equal(agw_rg_type_str(AGW_RG_METERED), "metered");
    assert_int_equal(p->static_set.n_rules, 1);
    assert_int_equal(p->static_set.n_bases, 1);
    /* policy.apns: the APN's own set (names compared without case), else
     * policy.static */
    const struct agw_policy_set *ps = agw_policy_local(p, "internet");
    assert_ptr_equal(ps, &p->apns[0].set);
    assert_int_equal(ps->n_rules, 1);
    assert_ptr_equal(&p->rules[ps->rules[0]], b);
    assert_int_equal(ps->n_bases, 0);
    assert_ptr_equal(agw_policy_local(p, "ims"), &p->static_set);
    assert_ptr_equal(agw_policy_local(p, NULL), &p->static_set);
    agw_config_free(&c);
}

/* The orchestrator section: absent = no orchestrator; its defaults. */
static void test_orchestrator_section(void **state)
{
    (void)state;
    unsigned l;
    struct agw_config c;
    char *y = build(S_TOP, "", &l);
    int rc = agw_config_load_string("o0.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    assert_int_equal(rc, 0);
    assert_false(c.orchestrator.enabled);
    agw_config_free(&c);
    y = build(S_TOP, "orchestrator: {url: 'https://orc.example.net:9443', network: net1, gateway: gw1}\n",
              &l);
    rc = agw_config_load_string("o1.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("orchestrator rejected (%d):\n%s", rc, errbuf);
    assert_true(c.orchestrator.enabled);
    assert_string_equal(c.orchestrator.url, "https://orc.example.net:9443");
    assert_string_equal(c.orchestrator.network, "net1");
    assert_string_equal(c.orchestrator.gateway, "gw1");
    assert_string_equal(c.orchestrator.ca, "");
    assert_string_equal(c.orchestrator.dir, "/var/lib/xepc/orc");
    assert_string_equal(c.orchestrator.hardware_id, "");
    assert_int_equal(c.orchestrator.checkin_interval_ms, 60000);
    assert_int_equal(c.orchestrator.sync_interval_ms, 30000);
    assert_int_equal(c.orchestrator.connect_timeout_ms, 5000);
    assert_int_equal(c.orchestrator.timeout_ms, 30000);
    assert_int_equal(c.orchestrator.backoff_max_ms, 300000);
    agw_config_free(&c);
    y = build(S_TOP, "orchestrator:\n  url: https://10.0.0.1\n  ca: /etc/xepc/orc-ca.crt\n"
                     "  dir: /tmp/orc\n  network: n-1\n  gateway: gw_2\n  hardware_id: hw 7\n"
                     "  checkin_interval: 5s\n  sync_interval: 2s\n  connect_timeout: 1s\n"
                     "  timeout: 3s\n  backoff_max: 10s\n", &l);
    rc = agw_config_load_string("o2.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("orchestrator rejected (%d):\n%s", rc, errbuf);
    assert_string_equal(c.orchestrator.ca, "/etc/xepc/orc-ca.crt");
    assert_string_equal(c.orchestrator.dir, "/tmp/orc");
    assert_string_equal(c.orchestrator.hardware_id, "hw 7");
    assert_int_equal(c.orchestrator.checkin_interval_ms, 5000);
    assert_int_equal(c.orchestrator.sync_interval_ms, 2000);
    assert_int_equal(c.orchestrator.connect_timeout_ms, 1000);
    assert_int_equal(c.orchestrator.timeout_ms, 3000);
    assert_int_equal(c.orchestrator.backoff_max_ms, 10000);
    agw_config_free(&c);
}

static void test_plmn_tbcd(void **state)
{
    (void)state;
    struct agw_plmn p, q;
    uint8_t b[3];
    assert_int_equal(agw_plmn_parse("001", "01", &p), 0);
    agw_plmn_encode(&p, b);
    assert_memory_equal(b, ((uint8_t[]){0x00, 0xf1, 0x10}), 3);
    assert_int_equal(agw_plmn_parse("310", "410", &p), 0);
    agw_plmn_encode(&p, b);
    assert_memory_equal(b, ((uint8_t[]){0x13, 0x00, 0x14}), 3);
    assert_int_equal(agw_plmn_decode(b, &q), 0);
    assert_true(agw_plmn_equal(&p, &q));
    assert_int_equal(agw_plmn_parse("208", "93", &p), 0);
    agw_plmn_encode(&p, b);
    assert_memory_equal(b, ((uint8_t[]){0x02, 0xf8, 0x39}), 3);
    assert_int_equal(agw_plmn_decode(b, &q), 0);
    assert_string_equal(q.mnc, "93");
    assert_int_equal(agw_plmn_decode((uint8_t[]){0x0a, 0xf1, 0x10}, &q), -EINVAL);
    assert_int_equal(agw_plmn_decode((uint8_t[]){0x00, 0xe1, 0x10}, &q), -EINVAL);
    assert_int_equal(agw_plmn_parse("01", "01", &p), -EINVAL);
    assert_int_equal(agw_plmn_parse("001", "1", &p), -EINVAL);
    assert_int_equal(agw_plmn_parse("001", "0001", &p), -EINVAL);
    assert_int_equal(agw_plmn_parse("00a", "01", &p), -EINVAL);
}

static void test_accessors(void **state)
{
    (void)state;
    struct agw_config c;
    assert_int_equal(
        agw_config_load_string("full.yaml", full_yaml, strlen(full_yaml), &c, errbuf, ERRLEN), 0);
    assert_ptr_equal(agw_config_apn(&c, NULL), &c.apns[0]);
    assert_ptr_equal(agw_config_apn(&c, ""), &c.apns[0]);
    assert_ptr_equal(agw_config_apn(&c, "INTERNET"), &c.apns[0]);
    assert_ptr_equal(agw_config_apn(&c, "ims"), &c.apns[1]);
    assert_null(agw_config_apn(&c, "internet2"));
    const uint8_t p310[3] = {0x13, 0x00, 0x14}, p001[3] = {0x00, 0xf1, 0x10},
                  p999[3] = {0x99, 0xf9, 0x99};
    assert_true(agw_config_tai_served(&c, p310, 65535));
    assert_true(agw_config_tai_served(&c, p001, 0));
    assert_false(agw_config_tai_served(&c, p001, 1));
    assert_false(agw_config_tai_served(&c, p999, 1));
    assert_true(agw_config_plmn_served(&c, p310));
    assert_false(agw_config_plmn_served(&c, p999));
    agw_config_free(&c);
}

/* PDN types IPv6 and IPv4v6: the pools each needs (TS 23.401 5.3.1.1). */
static void test_pdn_types(void **state)
{
    (void)state;
    unsigned l;
    char *y = build(S_APN, "    pdn_type: ipv4v6\n"
                           "    pool6: 2001:db8:100::/40\n"
                           "  - name: v6only\n"
                           "    pdn_type: ipv6\n"
                           "    pool6: fd00:45::/32\n"
                           "    dns6: [2001:db8:53::1, 'fd00:53::2']\n"
                           "    ims: true\n"
                           "    pcscf6: [2001:db8:5060::1]\n", &l);
    struct agw_config c;
    int rc = agw_config_load_string("v6.yaml", y, strlen(y), &c, errbuf, ERRLEN);
    free(y);
    if (rc)
        fail_msg("IPv6 APNs rejected (%d):\n%s", rc, errbuf);
    assert_int_equal(c.n_apns, 2);
    assert_int_equal(c.apns[0].pdn_type, AGW_PDN_IPV4V6);
    assert_int_equal(c.apns[0].pool_prefix, 16);
    assert_int_equal(c.apns[0].pool6_prefix, 40);
    assert_memory_equal(c.apns[0].pool6, ((uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0}), 8);
    assert_int_equal(c.apns[1].pdn_type, AGW_PDN_IPV6);
    assert_int_equal(c.apns[1].pool_prefix, 0);
    assert_int_equal(c.apns[1].pool6_prefix, 32);
    assert_memory_equal(c.apns[1].pool6, ((uint8_t[]){0xfd, 0, 0, 0x45, 0, 0, 0, 0}), 8);
    /* the PCO's IPv6 DNS servers and P-CSCF (TS 24.008 10.5.6.3); an
     * IPv6-only IMS APN needs no IPv4 P-CSCF */
    assert_int_equal(c.apns[0].n_dns6, 0);
    assert_int_equal(c.apns[0].n_pcscf6, 0);
    assert_int_equal(c.apns[1].n_dns6, 2);
    assert_memory_equal(c.apns[1].dns6[0].s6_addr,
                        ((uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 16);
    assert_memory_equal(c.apns[1].dns6[1].s6_addr,
                        ((uint8_t[]){0xfd, 0, 0, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}), 16);
    assert_true(c.apns[1].ims);
    assert_int_equal(c.apns[1].n_pcscf, 0);
    assert_int_equal(c.apns[1].n_pcscf6, 1);
    assert_memory_equal(c.apns[1].pcscf6[0].s6_addr,
                        ((uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0x50, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 16);
    agw_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_minimal_file_defaults),
        cmocka_unit_test(test_pdn_types),
        cmocka_unit_test(test_rejected_cases),
        cmocka_unit_test(test_all_errors_reported_in_order),
        cmocka_unit_test(test_errbuf_truncation),
        cmocka_unit_test(test_load_file_and_missing_file),
        cmocka_unit_test(test_diameter_section),
        cmocka_unit_test(test_policy_section),
        cmocka_unit_test(test_orchestrator_section),
        cmocka_unit_test(test_plmn_tbcd),
        cmocka_unit_test(test_accessors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
