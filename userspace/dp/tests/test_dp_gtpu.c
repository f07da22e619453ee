#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dp/dp_gtpu.h"

/* TS 29.281 7.3.1 with the UDP Port extension header (5.2.2.1). */
static void test_error_indication_bytes_with_udp_port(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct in_addr own;
    inet_pton(AF_INET, "10.200.1.1", &own);
    int n = dp_gtpu_build_error_indication(buf, sizeof(buf), 0xdeadbeef, own, 40000, 7);
    static const uint8_t want[] = {
        0x36, 26, 0x00, 0x14, 0, 0, 0, 0,     /* v1 PT E S, type 26, len 20, TEID 0 */
        0x00, 0x07, 0x00, 0x40,               /* seq 7, N-PDU 0, next ext = UDP Port */
        0x01, 0x9c, 0x40, 0x00,               /* len 1, port 40000, no next */
        16, 0xde, 0xad, 0xbe, 0xef,           /* TEID Data I */
        133, 0x00, 0x04, 10, 200, 1, 1,       /* GTP-U Peer Address */
    };
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

static void test_error_indication_bytes_without_port(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct in_addr own;
    inet_pton(AF_INET, "192.0.2.9", &own);
    int n = dp_gtpu_build_error_indication(buf, sizeof(buf), 5, own, 0, 0x0102);
    static const uint8_t want[] = {
        0x32, 26, 0x00, 0x10, 0, 0, 0, 0,
        0x01, 0x02, 0x00, 0x00,
        16, 0, 0, 0, 5,
        133, 0x00, 0x04, 192, 0, 2, 9,
    };
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(dp_gtpu_build_error_indication(buf, 20, 5, own, 0, 0), -ENOSPC);
}

/* TS 29.281 8.4: from an IPv6 S1-U address the Peer Address IE carries
 * its 16 octets */
static void test_error_indication_ipv6_peer_address(void **state)
{
    (void)state;
    uint8_t buf[80];
    struct in6_addr own;
    inet_pton(AF_INET6, "2001:db8:1::1", &own);
    int n = dp_gtpu_build_error_indication6(buf, sizeof(buf), 5, &own, 0, 0x0102);
    static const uint8_t want[] = {
        0x32, 26, 0x00, 0x1c, 0, 0, 0, 0,     /* length 28: 4 + 5 + 3 + 16 */
        0x01, 0x02, 0x00, 0x00,
        16, 0, 0, 0, 5,
        133, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    };
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_int_equal(dp_gtpu_build_error_indication6(buf, 30, 5, &own, 0, 0), -ENOSPC);
}

static void test_gpdu_header_and_echo(void **state)
{
    (void)state;
    uint8_t buf[16];
    assert_int_equal(dp_gtpu_build_gpdu_header(buf, sizeof(buf), 0x01020304, 84), 8);
    static const uint8_t gpdu[] = {0x30, 0xff, 0x00, 84, 1, 2, 3, 4};
    assert_memory_equal(buf, gpdu, sizeof(gpdu));
    assert_int_equal(dp_gtpu_build_gpdu_header(buf, sizeof(buf), 1, 70000), -EINVAL);
    assert_int_equal(dp_gtpu_build_echo_request(buf, sizeof(buf), 0xabcd), 12);
    static const uint8_t echo[] = {0x32, 1, 0, 4, 0, 0, 0, 0, 0xab, 0xcd, 0, 0};
    assert_memory_equal(buf, echo, sizeof(echo));
}

/* TS 29.281 7.3.2: End Marker, version 1, PT 1, no optional fields,
 * length 0, the TEID of the tunnel it ends. */
static void test_end_marker_bytes(void **state)
{
    (void)state;
    uint8_t buf[16];
    assert_int_equal(dp_gtpu_build_end_marker(buf, sizeof(buf), 0x0a0b0c0d), 8);
    static const uint8_t em[] = {0x30, 0xfe, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d};
    assert_memory_equal(buf, em, sizeof(em));
    assert_int_equal(dp_gtpu_build_end_marker(buf, 7, 1), -ENOSPC);
}

/* What path management takes from an Echo Response (TS 29.281 7.2.2). */
static void test_echo_response_parse(void **state)
{
    (void)state;
    uint16_t seq = 0;
    int rec = 0;
    uint8_t rsp[14] = {0x32, 2, 0, 6, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 14, 7};
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, sizeof(rsp), &seq, &rec), 0);
    assert_int_equal(seq, 0x1234);
    assert_int_equal(rec, 7);
    /* without a Recovery IE (length 4: the optional fields only) */
    rsp[3] = 4;
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, 12, &seq, &rec), 0);
    assert_int_equal(rec, -1);
    /* a length field beyond the datagram: truncated */
    rsp[3] = 6;
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, 12, &seq, &rec), -EBADMSG);
    /* a request, no S flag, version 2, too short: not a response */
    rsp[1] = 1;
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, sizeof(rsp), &seq, &rec), -EBADMSG);
    rsp[1] = 2;
    rsp[0] = 0x30;
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, sizeof(rsp), &seq, &rec), -EBADMSG);
    rsp[0] = 0x52;
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, sizeof(rsp), &seq, &rec), -EBADMSG);
    rsp[0] = 0x32;
    assert_int_equal(dp_gtpu_parse_echo_response(rsp, 11, &seq, &rec), -EBADMSG);
}

/* issue 8: the Recovery IE is found after an extension-header chain and a
 * Private Extension; malformed responses are refused */
static void test_echo_response_after_extension_headers(void **state)
{
    (void)state;
    uint16_t seq = 0;
    int rec = 0;
    /* plain: flags S, length 6 = 4 optional + Recovery */
    const uint8_t plain[] = {0x32, 2, 0, 6, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 14, 7};
    assert_int_equal(dp_gtpu_parse_echo_response(plain, sizeof(plain), &seq, &rec), 0);
    assert_int_equal(seq, 0x1234);
    assert_int_equal(rec, 7);
    /* E and S: a UDP Port extension header (4 octets, next 0x85), a PDU
     * Session Container (4 octets, next 0), then Recovery 9 and a Private
     * Extension (type 255, length 3) */
    const uint8_t ext[] = {0x36, 2,    0,    20,  0,    0,    0, 0, 0x00, 0x05, 0, 0x40,
                           1,    0x08, 0x68, 0x85, 1, 0x00, 0x01, 0,   14,   9,    255, 0,
                           3,    1,    2,    3};
    assert_int_equal(dp_gtpu_parse_echo_response(ext, sizeof(ext), &seq, &rec), 0);
    assert_int_equal(seq, 5);
    assert_int_equal(rec, 9);
    /* without Recovery */
    const uint8_t norec[] = {0x32, 2, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0};
    assert_int_equal(dp_gtpu_parse_echo_response(norec, sizeof(norec), &seq, &rec), 0);
    assert_int_equal(rec, -1);
    /* malformed: extension length 0, chain past the end, length field
     * disagreeing, no S flag, an Echo Request, a truncated TLV */
    uint8_t bad[sizeof(ext)];
    memcpy(bad, ext, sizeof(ext));
    bad[12] = 0;
    assert_int_equal(dp_gtpu_parse_echo_response(bad, sizeof(bad), &seq, &rec), -EBADMSG);
    memcpy(bad, ext, sizeof(ext));
    bad[16] = 8;
    assert_int_equal(dp_gtpu_parse_echo_response(bad, sizeof(bad), &seq, &rec), -EBADMSG);
    assert_int_equal(dp_gtpu_parse_echo_response(ext, sizeof(ext) - 1, &seq, &rec), -EBADMSG);
    memcpy(bad, plain, sizeof(plain));
    bad[0] = 0x30;
    assert_int_equal(dp_gtpu_parse_echo_response(bad, sizeof(plain), &seq, &rec), -EBADMSG);
    bad[0] = 0x32;
    bad[1] = 1;
    assert_int_equal(dp_gtpu_parse_echo_response(bad, sizeof(plain), &seq, &rec), -EBADMSG);
    memcpy(bad, ext, sizeof(ext));
    bad[26] = 9; /* private extension length past the end */
    bad[23] = 0;
    bad[24] = 9;
    assert_int_equal(dp_gtpu_parse_echo_response(bad, sizeof(bad), &seq, &rec), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_indication_bytes_with_udp_port),
        cmocka_unit_test(test_error_indication_bytes_without_port),
        cmocka_unit_test(test_error_indication_ipv6_peer_address),
        cmocka_unit_test(test_gpdu_header_and_echo),
        cmocka_unit_test(test_end_marker_bytes),
        cmocka_unit_test(test_echo_response_parse),
        cmocka_unit_test(test_echo_response_after_extension_headers),
    };
    return cmocka_run_group_tests_name("dp_gtpu", tests, NULL, NULL);
}
