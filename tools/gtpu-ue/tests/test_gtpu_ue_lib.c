/* Unit tests of gtpu_ue_lib: G-PDU header building and parsing, the UE
 * spec parser, and a loopback exchange between two endpoints (no TUN
 * device: the library's --no-tun path counts and drops). */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/gtpu-ue/gtpu_ue_lib.h"

static void test_push_plain_then_offset(void **state)
{
    (void)state;
    struct gtpu_ep ep = {0};
    uint8_t pkt[16 + 20];
    size_t hl = gtpu_push(&ep, pkt, 0x01020304, 20);
    assert_int_equal(hl, GTPU_HDR_LEN);
    assert_int_equal(pkt[0], GTPU_F_VER1 | GTPU_F_PT);
    assert_int_equal(pkt[1], GTPU_GPDU);
    assert_int_equal((pkt[2] << 8) | pkt[3], 20);
    assert_memory_equal(pkt + 4, "\x01\x02\x03\x04", 4);
    memset(pkt + hl, 0x45, 20);
    assert_int_equal(gtpu_payload_offset(pkt, hl + 20), GTPU_HDR_LEN);
}

static void test_push_ext_hdr_walks(void **state)
{
    (void)state;
    struct gtpu_ep ep = {.ext_hdr = true};
    uint8_t pkt[16 + 10] = {0};
    size_t hl = gtpu_push(&ep, pkt, 7, 10);
    assert_int_equal(hl, 16);
    assert_int_equal(pkt[11], GTPU_EXT_PDU_SESSION);
    assert_int_equal(gtpu_payload_offset(pkt, hl + 10), 16);
    /* a sequence number that grows */
    gtpu_push(&ep, pkt, 7, 10);
    assert_int_equal((pkt[8] << 8) | pkt[9], 1);
}

static void test_offset_rejects_malformed(void **state)
{
    (void)state;
    uint8_t p[32] = {GTPU_F_VER1 | GTPU_F_PT, GTPU_GPDU, 0, 4};
    assert_int_equal(gtpu_payload_offset(p, 7), -1);     /* short */
    assert_int_equal(gtpu_payload_offset(p, 13), -1);    /* length mismatch */
    assert_int_equal(gtpu_payload_offset(p, 12), 8);
    p[0] = 0x10 | GTPU_F_PT;                             /* version 0 */
    assert_int_equal(gtpu_payload_offset(p, 12), -1);
    /* extension header of length 0 */
    uint8_t e[16] = {GTPU_F_VER1 | GTPU_F_PT | GTPU_F_E, GTPU_GPDU, 0, 8, 0, 0, 0, 1,
                     0, 0, 0, GTPU_EXT_PDU_SESSION, 0, 0, 0, 0};
    assert_int_equal(gtpu_payload_offset(e, 16), -1);
    /* extension header running past the end */
    e[12] = 2;
    assert_int_equal(gtpu_payload_offset(e, 16), -1);
}

/* TS 29.281 5.1: S set, E clear: the Next Extension Header Type octet is
 * there but not interpreted, so a non-zero value there starts no chain
 * (found by fuzz_gtpu_ue against the datapath's parser). */
static void test_offset_ignores_next_type_without_e(void **state)
{
    (void)state;
    uint8_t p[16] = {GTPU_F_VER1 | GTPU_F_PT | GTPU_F_S, GTPU_GPDU, 0, 8, 0, 0, 0, 1,
                     0, 7, 0, GTPU_EXT_PDU_SESSION, 0x45, 0, 0, 0};
    assert_int_equal(gtpu_payload_offset(p, 16), 12);
    p[11] = 0x0c;
    assert_int_equal(gtpu_payload_offset(p, 16), 12);
}

static void test_parse_spec(void **state)
{
    (void)state;
    struct gtpu_ue ue;
    assert_int_equal(gtpu_ue_parse_spec("ue0,10.45.0.2,0x101,2305", &ue), 0);
    assert_string_equal(ue.ifname, "ue0");
    assert_int_equal(ue.ul_teid, 0x101);
    assert_int_equal(ue.dl_teid, 2305);
    assert_int_equal(ue.tun_fd, -1);
    assert_int_equal(ue.addr.s_addr, inet_addr("10.45.0.2"));
    assert_int_equal(gtpu_ue_parse_spec("ue0,10.45.0.2,0x101", &ue), -EINVAL);
    assert_int_equal(gtpu_ue_parse_spec("ue0,10.45.0.300,1,2", &ue), -EINVAL);
    assert_int_equal(gtpu_ue_parse_spec("ue0,10.45.0.2,1,0x100000000", &ue), -EINVAL);
    assert_int_equal(gtpu_ue_parse_spec("averyveryverylongname,10.45.0.2,1,2", &ue), -EINVAL);
    assert_int_equal(gtpu_ue_parse_spec("a,10.45.0.2,1,2,3", &ue), -EINVAL);
}

static struct gtpu_ue *the_ue;

static struct gtpu_ue *lookup(void *arg, uint32_t teid)
{
    (void)arg;
    return the_ue && the_ue->dl_teid == teid ? the_ue : NULL;
}

static int wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 2000);
}

static void test_loopback_gpdu_and_echo(void **state)
{
    (void)state;
    static struct gtpu_ep a, b;
    struct sockaddr_in la = {.sin_family = AF_INET, .sin_port = 0};
    la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* ephemeral ports: bind 0 is mapped to 2152 by gtpu_ep_open, so pick
     * two high ports derived from the pid */
    la.sin_port = htons((uint16_t)(40000 + getpid() % 10000));
    struct sockaddr_in lb = la;
    lb.sin_port = htons(ntohs(la.sin_port) + 1);
    assert_int_equal(gtpu_ep_open(&a, &la), 0);
    assert_int_equal(gtpu_ep_open(&b, &lb), 0);

    struct gtpu_ue ue_a = {.ul_teid = 0x55, .tun_fd = -1, .peer = lb};
    struct gtpu_ue ue_b = {.dl_teid = 0x55, .tun_fd = -1};
    uint8_t ip[28] = {0x45};
    assert_int_equal(gtpu_ep_send_tpdu(&a, &ue_a, ip, sizeof(ip)), 0);
    assert_int_equal(ue_a.ul_pkts, 1);
    assert_true(wait_readable(b.udp_fd) > 0);
    the_ue = &ue_b;
    gtpu_ep_downlink(&b, lookup, NULL);
    assert_int_equal(ue_b.dl_pkts, 1);

    /* unknown TEID: counted */
    ue_a.ul_teid = 0x56;
    assert_int_equal(gtpu_ep_send_tpdu(&a, &ue_a, ip, sizeof(ip)), 0);
    assert_true(wait_readable(b.udp_fd) > 0);
    gtpu_ep_downlink(&b, lookup, NULL);
    assert_int_equal(b.unknown_teid, 1);

    /* TS 29.281 7.2.2: the echo response carries the request's sequence */
    uint8_t echo[12] = {GTPU_F_VER1 | GTPU_F_PT | GTPU_F_S, GTPU_ECHO_REQ, 0, 4, 0, 0, 0, 0,
                        0x12, 0x34, 0, 0};
    assert_int_equal(sendto(a.udp_fd, echo, sizeof(echo), 0, (struct sockaddr *)&lb,
                            sizeof(lb)), (ssize_t)sizeof(echo));
    assert_true(wait_readable(b.udp_fd) > 0);
    gtpu_ep_downlink(&b, lookup, NULL);
    assert_true(wait_readable(a.udp_fd) > 0);
    uint8_t rsp[64];
    ssize_t n = recv(a.udp_fd, rsp, sizeof(rsp), 0);
    assert_int_equal(n, 14);
    assert_int_equal(rsp[1], GTPU_ECHO_RSP);
    assert_int_equal(rsp[8], 0x12);
    assert_int_equal(rsp[9], 0x34);
    gtpu_ep_close(&a);
    gtpu_ep_close(&b);
}

/* RFC 4861 4.2/4.6.2: the /64 of an RA's Prefix Information option with A
 * set; anything else, or a truncated packet, gives none. */
static size_t build_ra(uint8_t *p, uint8_t flags, uint8_t plen)
{
    memset(p, 0, 40 + 16 + 8 + 32);
    p[0] = 0x60;
    size_t pl = 16 + 8 + 32;                 /* RA body, MTU option, PIO */
    p[4] = 0;
    p[5] = (uint8_t)pl;
    p[6] = 58;
    p[7] = 255;
    p[8] = 0xfe, p[9] = 0x80, p[23] = 1;     /* from fe80::1 */
    p[24] = 0xff, p[25] = 0x02, p[39] = 1;   /* to ff02::1 */
    uint8_t *icmp = p + 40;
    icmp[0] = 134;
    icmp[16] = 5, icmp[17] = 1;              /* MTU option first */
    uint8_t *pio = icmp + 24;
    pio[0] = 3, pio[1] = 4, pio[2] = plen, pio[3] = flags;
    static const uint8_t pfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0x45, 0, 0, 7};
    memcpy(pio + 16, pfx, 8);
    return 40 + pl;
}

static void test_ra_prefix(void **state)
{
    (void)state;
    uint8_t p[128], pfx[8];
    size_t n = build_ra(p, 0x40, 64);
    assert_int_equal(gtpu_ra_prefix(p, n, pfx), 1);
    assert_memory_equal(pfx, ((uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0x45, 0, 0, 7}), 8);
    /* A clear, another length, truncated, not hop limit 255, not an RA,
     * an option of length 0 */
    assert_int_equal(gtpu_ra_prefix(p, build_ra(p, 0x80, 64), pfx), 0);
    assert_int_equal(gtpu_ra_prefix(p, build_ra(p, 0x40, 48), pfx), 0);
    n = build_ra(p, 0x40, 64);
    assert_int_equal(gtpu_ra_prefix(p, n - 1, pfx), 0);
    p[7] = 64;
    assert_int_equal(gtpu_ra_prefix(p, n, pfx), 0);
    n = build_ra(p, 0x40, 64);
    p[40] = 135;
    assert_int_equal(gtpu_ra_prefix(p, n, pfx), 0);
    n = build_ra(p, 0x40, 64);
    p[40 + 17] = 0;
    assert_int_equal(gtpu_ra_prefix(p, n, pfx), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_plain_then_offset),
        cmocka_unit_test(test_push_ext_hdr_walks),
        cmocka_unit_test(test_offset_rejects_malformed),
        cmocka_unit_test(test_offset_ignores_next_type_without_e),
        cmocka_unit_test(test_parse_spec),
        cmocka_unit_test(test_ra_prefix),
        cmocka_unit_test(test_loopback_gpdu_and_echo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
