/*
 * test_sctp_path — the backend-neutral API, and one usrsctp-udp exchange
 * inside one process over 127.0.0.1 (no root, no namespace: UDP only).
 * The namespace tests (sctp_usrsctp_raw.sh, sctp_usrsctp_udp.sh) cover the
 * rest.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "sctp/sctp_path.h"
#include "sctp/sctp_int.h"   /* ep->msg_max, for the oversized-message test */

static void test_backend_names_round_trip(void **state)
{
	(void)state;
	for (int b = SCTP_BACKEND_KERNEL; b <= SCTP_BACKEND_USRSCTP_UDP; b++) {
		enum sctp_backend out = SCTP_BACKEND_KERNEL;

		assert_int_equal(sctp_backend_parse(sctp_backend_str((enum sctp_backend)b), &out), 0);
		assert_int_equal(out, b);
	}
	assert_string_equal(sctp_backend_str(SCTP_BACKEND_USRSCTP_RAW), "usrsctp-raw");
	assert_string_equal(sctp_down_reason_str(SCTP_DOWN_CANT_START), "cant-start");
}

static void test_backend_parse_rejects_unknown(void **state)
{
	(void)state;
	enum sctp_backend out;

	assert_int_equal(sctp_backend_parse("usrsctp", &out), -EINVAL);
	assert_int_equal(sctp_backend_parse("", &out), -EINVAL);
	assert_int_equal(sctp_backend_parse(NULL, &out), -EINVAL);
}

static void test_cfg_init_fills_defaults(void **state)
{
	(void)state;
	struct sctp_cfg c;

	memset(&c, 0xa5, sizeof(c));
	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_UDP);
	assert_int_equal(c.backend, SCTP_BACKEND_USRSCTP_UDP);
	assert_int_equal(c.local.sin_family, AF_INET);
	assert_int_equal(c.local.sin_port, 0);
	assert_int_equal(c.udp_port, 9899);
	assert_int_equal(c.udp_remote_port, 9899);
	assert_int_equal(c.ostreams, 8);
	assert_int_equal(c.istreams, 8);
	assert_int_equal(c.hb_interval_ms, 5000);
	assert_int_equal(c.max_retrans, 0);
}

static const struct sctp_ops no_ops;

static void test_open_rejects_bad_cfg_with_reason(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_loop_new(0);
	struct sctp_cfg c;
	struct sctp_ep *ep;

	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_UDP);
	c.ostreams = 0;
	assert_int_equal(sctp_ep_open(loop, &c, &no_ops, NULL, &ep), -EINVAL);
	assert_non_null(strstr(sctp_ep_error(ep), "ostreams"));
	sctp_ep_close(ep);

	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_RAW);
	c.local.sin_family = AF_INET6;
	assert_int_equal(sctp_ep_open(loop, &c, &no_ops, NULL, &ep), -EAFNOSUPPORT);
	assert_non_null(strstr(sctp_ep_error(ep), "IPv4"));
	sctp_ep_close(ep);
	sctp_ep_close(NULL);
	ev_loop_destroy(loop);
}

/* ---------------------------------------- one exchange over 127.0.0.1 -- */

struct side {
	struct sctp_ep *ep;
	uint32_t id;
	int ups, downs, msgs;
	enum sctp_down_reason why;
	uint16_t stream, ostreams;
	uint32_t ppid;
	size_t len;
	uint8_t last[16384];
};

static struct side srv, cli;
static struct ev_loop *xloop;

static void x_up(void *arg, const struct sctp_assoc_info *a)
{
	struct side *s = arg;

	s->ups++;
	s->id = a->id;
	s->ostreams = a->ostreams;
	ev_break(xloop, EVBREAK_ONE);
}

static void x_down(void *arg, uint32_t id, enum sctp_down_reason why)
{
	struct side *s = arg;

	assert_int_equal(id, s->id);
	s->downs++;
	s->why = why;
	ev_break(xloop, EVBREAK_ONE);
}

static void x_data(void *arg, uint32_t id, uint16_t stream, uint32_t ppid, const uint8_t *buf,
		   size_t len)
{
	struct side *s = arg;

	assert_int_equal(id, s->id);
	s->msgs++;
	s->stream = stream;
	s->ppid = ppid;
	s->len = len;
	memcpy(s->last, buf, len < sizeof(s->last) ? len : sizeof(s->last));
	if (s == &srv)   /* echo */
		assert_int_equal(sctp_ep_send(srv.ep, id, stream, ppid, buf, len), 0);
	ev_break(xloop, EVBREAK_ONE);
}

static const struct sctp_ops x_ops = { x_up, NULL, x_down, x_data };

/* Run the loop until cond holds (at most ~3 s). */
#define RUN_UNTIL(cond)                                                           \
	do {                                                                      \
		for (int i_ = 0; i_ < 300 && !(cond); i_++) {                     \
			ev_timer t_;                                              \
			ev_timer_init(&t_, tick_break, 0.01, 0);                  \
			ev_timer_start(xloop, &t_);                               \
			ev_run(xloop, EVRUN_ONCE);                                \
			ev_timer_stop(xloop, &t_);                                \
		}                                                                 \
		assert_true(cond);                                                \
	} while (0)

static void tick_break(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void test_udp_loopback_exchange(void **state)
{
	(void)state;
	struct sctp_cfg c;
	/* A UDP port of our own, so that parallel runs do not collide. */
	uint16_t uport = (uint16_t)(20000 + getpid() % 20000);

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	xloop = ev_loop_new(0);
	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_UDP);
	c.udp_port = c.udp_remote_port = uport;
	c.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.local.sin_port = htons(36412);
	assert_int_equal(sctp_ep_open(xloop, &c, &x_ops, &srv, &srv.ep), 0);
	assert_int_equal(sctp_ep_listen(srv.ep), 0);

	c.local.sin_port = 0;
	c.ostreams = 4;
	assert_int_equal(sctp_ep_open(xloop, &c, &x_ops, &cli, &cli.ep), 0);
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(36412),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	assert_int_equal(sctp_ep_connect(cli.ep, &peer, &cli.id), 0);
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 0, 18, "x", 1), -ENOTCONN);
	RUN_UNTIL(cli.ups == 1 && srv.ups == 1);
	assert_int_equal(cli.ostreams, 4);

	/* A stream beyond the negotiated count is refused, not sent. */
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 4, 18, "x", 1), -EINVAL);
	assert_int_equal(sctp_ep_send(cli.ep, cli.id + 100, 0, 18, "x", 1), -ENOTCONN);

	/* 10 kB on stream 3 with PPID 18, echoed. */
	static uint8_t big[10240];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13);
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 3, SCTP_PPID_S1AP, big, sizeof(big)), 0);
	RUN_UNTIL(cli.msgs == 1);
	assert_int_equal(srv.stream, 3);
	assert_int_equal(cli.stream, 3);
	assert_int_equal(cli.ppid, 18);
	assert_int_equal(cli.len, sizeof(big));
	assert_memory_equal(cli.last, big, sizeof(big));

	struct sctp_ep_stats st;

	sctp_ep_stats_get(cli.ep, &st);
	assert_int_equal(st.assocs_up, 1);
	assert_int_equal(st.msgs_out, 1);
	assert_int_equal(st.msgs_in, 1);
	assert_int_equal(st.bytes_in, sizeof(big));

	/* The client aborts: it hears "local", the server "abort". */
	assert_int_equal(sctp_ep_abort(cli.ep, cli.id), 0);
	RUN_UNTIL(cli.downs == 1 && srv.downs == 1);
	assert_int_equal(cli.why, SCTP_DOWN_LOCAL);
	assert_int_equal(srv.why, SCTP_DOWN_ABORT);
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 0, 18, "x", 1), -ENOTCONN);

	sctp_ep_close(cli.ep);
	sctp_ep_close(srv.ep);
	ev_loop_destroy(xloop);
}

/* A peer sending a message above the receiver's limit: the receiver drops
 * it whole and aborts that association (reported LOCAL; the peer hears
 * ABORT) — never a truncated message, never a crash.  The limit is lowered
 * to 4 kB here instead of sending 256 kB. */
static void test_oversized_message_aborts_association(void **state)
{
	(void)state;
	struct sctp_cfg c;
	uint16_t uport = (uint16_t)(20000 + (getpid() + 21) % 20000);

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	xloop = ev_loop_new(0);
	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_UDP);
	c.udp_port = c.udp_remote_port = uport;
	c.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.local.sin_port = htons(36412);
	assert_int_equal(sctp_ep_open(xloop, &c, &x_ops, &srv, &srv.ep), 0);
	assert_int_equal(sctp_ep_listen(srv.ep), 0);
	srv.ep->msg_max = 4096;
	c.local.sin_port = 0;
	assert_int_equal(sctp_ep_open(xloop, &c, &x_ops, &cli, &cli.ep), 0);
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(36412),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	assert_int_equal(sctp_ep_connect(cli.ep, &peer, &cli.id), 0);
	RUN_UNTIL(cli.ups == 1 && srv.ups == 1);
	static uint8_t big[10240];

	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 1, 18, big, sizeof(big)), 0);
	RUN_UNTIL(cli.downs == 1 && srv.downs == 1);
	assert_int_equal(srv.msgs, 0);
	assert_int_equal(srv.why, SCTP_DOWN_LOCAL);
	assert_int_equal(cli.why, SCTP_DOWN_ABORT);
	sctp_ep_close(cli.ep);
	sctp_ep_close(srv.ep);
	ev_loop_destroy(xloop);
}

/* An INIT nobody answers (nothing on the peer's UDP port): after the
 * configured attempts the client hears CANT_START (RFC 9260 5.1, T1-init). */
static void test_connect_unanswered_reports_cant_start(void **state)
{
	(void)state;
	struct sctp_cfg c;

	memset(&cli, 0, sizeof(cli));
	xloop = ev_loop_new(0);
	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_UDP);
	c.udp_port = (uint16_t)(20000 + (getpid() + 13) % 20000);
	c.udp_remote_port = (uint16_t)(c.udp_port + 1);
	c.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.rto_initial_ms = c.rto_min_ms = 50;
	c.rto_max_ms = 100;
	c.max_retrans = 1;
	assert_int_equal(sctp_ep_open(xloop, &c, &x_ops, &cli, &cli.ep), 0);
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(36412),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	assert_int_equal(sctp_ep_connect(cli.ep, &peer, &cli.id), 0);
	RUN_UNTIL(cli.downs == 1);
	assert_int_equal(cli.ups, 0);
	assert_int_equal(cli.why, SCTP_DOWN_CANT_START);
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 0, 18, "x", 1), -ENOTCONN);
	sctp_ep_close(cli.ep);
	ev_loop_destroy(xloop);
}

/* The kernel backend opens where the kernel has SCTP, and otherwise says
 * which call failed and what to do (the namespace test skips then). */
static void test_kernel_open_works_or_says_why(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_loop_new(0);
	struct sctp_cfg c;
	struct sctp_ep *ep;

	sctp_cfg_init(&c, SCTP_BACKEND_KERNEL);
	c.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int rc = sctp_ep_open(loop, &c, &no_ops, NULL, &ep);

	if (rc == 0) {
		assert_int_equal(sctp_ep_listen(ep), 0);
	} else {
		assert_true(rc == -EPROTONOSUPPORT || rc == -ESOCKTNOSUPPORT);
		assert_non_null(strstr(sctp_ep_error(ep), "IPPROTO_SCTP"));
		assert_non_null(strstr(sctp_ep_error(ep), "usrsctp-raw"));
	}
	sctp_ep_close(ep);
	ev_loop_destroy(loop);
}

/* An endpoint closed from inside its own callback: no callback after
 * that, no use after free (ASan), and the peer hears the abort. */
static void close_on_data(void *arg, uint32_t id, uint16_t stream, uint32_t ppid,
			  const uint8_t *buf, size_t len)
{
	struct side *s = arg;

	(void)id; (void)stream; (void)ppid; (void)buf; (void)len;
	s->msgs++;
	sctp_ep_close(s->ep);
	s->ep = NULL;
}

static void fail_down(void *arg, uint32_t id, enum sctp_down_reason why)
{
	(void)arg; (void)id; (void)why;
	fail_msg("assoc_down ran on an endpoint closed in its callback");
}

static void test_close_inside_callback(void **state)
{
	(void)state;
	static const struct sctp_ops close_ops = { x_up, NULL, fail_down, close_on_data };
	struct sctp_cfg c;
	uint16_t uport = (uint16_t)(20000 + (getpid() + 7) % 20000);

	memset(&srv, 0, sizeof(srv));
	memset(&cli, 0, sizeof(cli));
	xloop = ev_loop_new(0);
	sctp_cfg_init(&c, SCTP_BACKEND_USRSCTP_UDP);
	c.udp_port = c.udp_remote_port = uport;
	c.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.local.sin_port = htons(36412);
	assert_int_equal(sctp_ep_open(xloop, &c, &x_ops, &srv, &srv.ep), 0);
	assert_int_equal(sctp_ep_listen(srv.ep), 0);
	c.local.sin_port = 0;
	assert_int_equal(sctp_ep_open(xloop, &c, &close_ops, &cli, &cli.ep), 0);
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(36412),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	assert_int_equal(sctp_ep_connect(cli.ep, &peer, &cli.id), 0);
	RUN_UNTIL(cli.ups == 1 && srv.ups == 1);
	/* Two messages: the second must not reach the closed endpoint. */
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 0, 18, "ab", 2), 0);
	assert_int_equal(sctp_ep_send(cli.ep, cli.id, 1, 18, "cd", 2), 0);
	RUN_UNTIL(cli.msgs == 1 && srv.downs == 1);
	assert_null(cli.ep);
	assert_int_equal(srv.why, SCTP_DOWN_ABORT);
	sctp_ep_close(srv.ep);
	ev_loop_destroy(xloop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_names_round_trip),
		cmocka_unit_test(test_backend_parse_rejects_unknown),
		cmocka_unit_test(test_cfg_init_fills_defaults),
		cmocka_unit_test(test_open_rejects_bad_cfg_with_reason),
		cmocka_unit_test(test_udp_loopback_exchange),
		cmocka_unit_test(test_close_inside_callback),
		cmocka_unit_test(test_connect_unanswered_reports_cant_start),
		cmocka_unit_test(test_oversized_message_aborts_association),
		cmocka_unit_test(test_kernel_open_works_or_says_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
