/*
 * sctp_echo — the program both sides of the SCTP namespace tests run.
 *
 *   sctp_echo server -b BACKEND -l ADDR:PORT [options]
 *	listens and echoes every message on its stream with its PPID; prints
 *	one line per event ("up ID ADDR:PORT OS IS", "restart ID ...",
 *	"down ID REASON"); SIGUSR1 shuts every association down gracefully,
 *	SIGUSR2 aborts them;
 *	SIGTERM prints "stats ..." and exits.
 *   sctp_echo probe -b BACKEND
 *	opens and closes an endpoint on 127.0.0.1; exit 0 if the backend
 *	works here, 3 (and why, on stdout) if it is not supported (no kernel
 *	SCTP), 1 on another error.
 *   sctp_echo client -b BACKEND -l ADDR[:PORT] [-l ...] -p ADDR:PORT [options]
 *	one endpoint per -l, each connects to the peer and sends -n messages
 *	of -s bytes, message i on stream i % ostreams with PPID -P (18), and
 *	checks that each comes back intact on the same stream and PPID.
 *	Then: shut down (default), --abort, or --hold (stay up, print "down"
 *	when the association goes down and exit 0).
 *
 * Options: -u UDP_PORT -U UDP_REMOTE_PORT --hb MS --rto MIN:MAX
 *	    --retrans N -t SECONDS (give up: exit 1) -v (print each message)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "sctp/sctp_path.h"

#define MAX_EPS 16

struct cli_ep {
	struct sctp_ep *ep;
	uint32_t assoc;
	bool up, down;
	uint16_t ostreams;
	unsigned got;
	uint8_t *seen;
	int idx;
};

static struct {
	bool server, verbose, hold, abort;
	unsigned count, size;
	uint32_t ppid;
	struct ev_loop *loop;
	struct sctp_ep *sep;
	struct cli_ep eps[MAX_EPS];
	int n_eps;
	int done, failed;
	uint32_t ids[1024];
	int n_ids;
} g = { .count = 10, .size = 200, .ppid = SCTP_PPID_S1AP };

static int parse_addr(const char *s, struct sockaddr_in *sa, bool need_port)
{
	char buf[64];
	const char *colon = strrchr(s, ':');

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (colon) {
		buf[colon - s] = 0;
		sa->sin_port = htons((uint16_t)atoi(colon + 1));
	} else if (need_port) {
		return -1;
	}
	return inet_pton(AF_INET, buf, &sa->sin_addr) == 1 ? 0 : -1;
}

static uint8_t pattern(unsigned idx, unsigned msg, unsigned off)
{
	return (uint8_t)(idx * 31 + msg * 7 + off);
}

static void fill(uint8_t *b, int idx, unsigned msg)
{
	memcpy(b, &msg, 4);
	for (unsigned i = 4; i < g.size; i++)
		b[i] = pattern((unsigned)idx, msg, i);
}

static void finish_one(void)
{
	if (++g.done >= g.n_eps)
		ev_break(g.loop, EVBREAK_ALL);
}

/* ------------------------------------------------------------ server -- */

static void s_up(void *arg, const struct sctp_assoc_info *a)
{
	(void)arg;
	printf("up %u %s:%u %u %u\n", a->id, inet_ntoa(a->peer.sin_addr), ntohs(a->peer.sin_port),
	       a->ostreams, a->istreams);
	if (g.n_ids < 1024)
		g.ids[g.n_ids++] = a->id;
}

static void s_restart(void *arg, const struct sctp_assoc_info *a)
{
	(void)arg;
	printf("restart %u %s:%u %u %u\n", a->id, inet_ntoa(a->peer.sin_addr),
	       ntohs(a->peer.sin_port), a->ostreams, a->istreams);
}

static void s_down(void *arg, uint32_t id, enum sctp_down_reason why)
{
	(void)arg;
	printf("down %u %s\n", id, sctp_down_reason_str(why));
	for (int i = 0; i < g.n_ids; i++)
		if (g.ids[i] == id)
			g.ids[i] = g.ids[--g.n_ids];
}

static void s_data(void *arg, uint32_t id, uint16_t stream, uint32_t ppid, const uint8_t *buf,
		   size_t len)
{
	(void)arg;
	if (g.verbose)
		printf("data %u stream %u ppid %u len %zu\n", id, stream, ppid, len);
	int rc = sctp_ep_send(g.sep, id, stream, ppid, buf, len);

	if (rc < 0)
		printf("send-error %u %s\n", id, strerror(-rc));
}

static void sig_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	if (w->signum == SIGUSR1 || w->signum == SIGUSR2) {
		for (int i = 0; i < g.n_ids; i++) {
			if (w->signum == SIGUSR1)
				sctp_ep_shutdown(g.sep, g.ids[i]);
			else
				sctp_ep_abort(g.sep, g.ids[i]);
		}
		return;
	}
	ev_break(loop, EVBREAK_ALL);
}

/* ------------------------------------------------------------ client -- */

static void c_up(void *arg, const struct sctp_assoc_info *a)
{
	struct cli_ep *c = arg;

	printf("up %d %u %s:%u %u %u\n", c->idx, a->id, inet_ntoa(a->peer.sin_addr),
	       ntohs(a->peer.sin_port), a->ostreams, a->istreams);
	c->up = true;
	c->ostreams = a->ostreams;
	uint8_t *b = malloc(g.size);

	for (unsigned i = 0; i < g.count; i++) {
		fill(b, c->idx, i);
		int rc = sctp_ep_send(c->ep, c->assoc, (uint16_t)(i % c->ostreams), g.ppid, b, g.size);

		if (rc < 0) {
			printf("FAIL %d send %u of %u: %s\n", c->idx, i, g.count, strerror(-rc));
			g.failed = 1;
			ev_break(g.loop, EVBREAK_ALL);
			break;
		}
	}
	free(b);
}

static void c_restart(void *arg, const struct sctp_assoc_info *a)
{
	struct cli_ep *c = arg;

	printf("restart %d %u\n", c->idx, a->id);
}

static void c_down(void *arg, uint32_t id, enum sctp_down_reason why)
{
	struct cli_ep *c = arg;

	printf("down %d %u %s\n", c->idx, id, sctp_down_reason_str(why));
	c->down = true;
	if (c->got < g.count && !g.hold) {
		printf("FAIL %d down after %u of %u echoes\n", c->idx, c->got, g.count);
		g.failed = 1;
	}
	finish_one();
}

static void c_data(void *arg, uint32_t id, uint16_t stream, uint32_t ppid, const uint8_t *buf,
		   size_t len)
{
	struct cli_ep *c = arg;
	unsigned msg;

	if (g.verbose)
		printf("data %d %u stream %u ppid %u len %zu\n", c->idx, id, stream, ppid, len);
	if (len != g.size || len < 4) {
		printf("FAIL %d echo of %zu bytes, sent %u\n", c->idx, len, g.size);
		g.failed = 1;
		return;
	}
	memcpy(&msg, buf, 4);
	bool ok = msg < g.count && ppid == g.ppid && stream == msg % c->ostreams && !c->seen[msg];

	for (unsigned i = 4; ok && i < len; i++)
		ok = buf[i] == pattern((unsigned)c->idx, msg, i);
	if (!ok) {
		printf("FAIL %d bad echo: msg %u stream %u ppid %u\n", c->idx, msg, stream, ppid);
		g.failed = 1;
		return;
	}
	c->seen[msg] = 1;
	if (++c->got < g.count)
		return;
	printf("echoed %d %u messages on %u streams\n", c->idx, c->got,
	       c->ostreams < g.count ? c->ostreams : g.count);
	fflush(stdout);
	if (g.hold)
		return;
	int rc = g.abort ? sctp_ep_abort(c->ep, c->assoc) : sctp_ep_shutdown(c->ep, c->assoc);

	if (rc < 0) {
		printf("FAIL %d %s: %s\n", c->idx, g.abort ? "abort" : "shutdown", sctp_ep_error(c->ep));
		g.failed = 1;
	}
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	printf("FAIL timeout\n");
	g.failed = 1;
	ev_break(loop, EVBREAK_ALL);
}

static void usage(void)
{
	fprintf(stderr, "usage: sctp_echo server|client -b BACKEND -l ADDR[:PORT] [-p ADDR:PORT]\n"
			"       [-n COUNT] [-s SIZE] [-P PPID] [-u UDP_PORT] [-U UDP_REMOTE_PORT]\n"
			"       [--hb MS] [--rto MIN:MAX] [--retrans N] [-t SECONDS] [--hold|--abort] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hb", required_argument, NULL, 'H' }, { "rto", required_argument, NULL, 'R' },
		{ "retrans", required_argument, NULL, 'r' }, { "hold", no_argument, NULL, 'h' },
		{ "abort", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 },
	};
	struct sctp_cfg cfg;
	struct sockaddr_in locals[MAX_EPS], peer = { 0 };
	int n_locals = 0, opt;
	double timeout = 20;

	if (argc < 2)
		usage();
	g.server = strcmp(argv[1], "server") == 0;
	bool probe = strcmp(argv[1], "probe") == 0;

	if (!g.server && !probe && strcmp(argv[1], "client") != 0)
		usage();
	sctp_cfg_init(&cfg, SCTP_BACKEND_USRSCTP_RAW);
	optind = 2;
	while ((opt = getopt_long(argc, argv, "b:l:p:n:s:P:u:U:t:v", lo, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (sctp_backend_parse(optarg, &cfg.backend) < 0)
				usage();
			break;
		case 'l':
			if (n_locals == MAX_EPS || parse_addr(optarg, &locals[n_locals++], false) < 0)
				usage();
			break;
		case 'p':
			if (parse_addr(optarg, &peer, true) < 0)
				usage();
			break;
		case 'n': g.count = (unsigned)atoi(optarg); break;
		case 's': g.size = (unsigned)atoi(optarg); break;
		case 'P': g.ppid = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'u': cfg.udp_port = (uint16_t)atoi(optarg); break;
		case 'U': cfg.udp_remote_port = (uint16_t)atoi(optarg); break;
		case 't': timeout = atof(optarg); break;
		case 'v': g.verbose = true; break;
		case 'H': cfg.hb_interval_ms = (uint32_t)atoi(optarg); break;
		case 'R':
			if (sscanf(optarg, "%u:%u", &cfg.rto_min_ms, &cfg.rto_max_ms) != 2)
				usage();
			cfg.rto_initial_ms = cfg.rto_min_ms;
			break;
		case 'r': cfg.max_retrans = (uint16_t)atoi(optarg); break;
		case 'h': g.hold = true; break;
		case 'a': g.abort = true; break;
		default: usage();
		}
	}
	if (probe) {
		static const struct sctp_ops none;
		struct ev_loop *loop = ev_loop_new(0);
		struct sctp_ep *ep = NULL;

		cfg.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		int rc = sctp_ep_open(loop, &cfg, &none, NULL, &ep);

		if (rc < 0)
			printf("%s\n", sctp_ep_error(ep));
		sctp_ep_close(ep);
		ev_loop_destroy(loop);
		return rc == 0 ? 0 : (rc == -EPROTONOSUPPORT || rc == -ESOCKTNOSUPPORT) ? 3 : 1;
	}
	if (n_locals == 0 || g.size < 4 || (!g.server && peer.sin_port == 0))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	g.loop = ev_default_loop(0);

	ev_signal sterm, sint, susr1, susr2;
	ev_timer tmo;

	ev_signal_init(&sterm, sig_cb, SIGTERM);
	ev_signal_start(g.loop, &sterm);
	ev_signal_init(&sint, sig_cb, SIGINT);
	ev_signal_start(g.loop, &sint);
	ev_signal_init(&susr1, sig_cb, SIGUSR1);
	ev_signal_start(g.loop, &susr1);
	ev_signal_init(&susr2, sig_cb, SIGUSR2);
	ev_signal_start(g.loop, &susr2);

	int rc = 0;

	if (g.server) {
		static const struct sctp_ops ops = { s_up, s_restart, s_down, s_data };

		cfg.local = locals[0];
		rc = sctp_ep_open(g.loop, &cfg, &ops, NULL, &g.sep);
		if (rc == 0)
			rc = sctp_ep_listen(g.sep);
		if (rc < 0) {
			fprintf(stderr, "sctp_echo: %s\n", sctp_ep_error(g.sep));
			sctp_ep_close(g.sep);
			return 1;
		}
		printf("listening %s:%u %s\n", inet_ntoa(cfg.local.sin_addr), ntohs(cfg.local.sin_port),
		       sctp_backend_str(cfg.backend));
		ev_run(g.loop, 0);
		struct sctp_ep_stats st;

		sctp_ep_stats_get(g.sep, &st);
		printf("stats up %lu down %lu in %lu out %lu bytes_in %lu send_errors %lu filtered %lu\n",
		       (unsigned long)st.assocs_up, (unsigned long)st.assocs_down,
		       (unsigned long)st.msgs_in, (unsigned long)st.msgs_out,
		       (unsigned long)st.bytes_in, (unsigned long)st.send_errors,
		       (unsigned long)st.pkts_filtered);
		sctp_ep_close(g.sep);
		ev_loop_destroy(g.loop);
		return 0;
	}

	static const struct sctp_ops cops = { c_up, c_restart, c_down, c_data };

	ev_timer_init(&tmo, timeout_cb, timeout, 0);
	ev_timer_start(g.loop, &tmo);
	for (int i = 0; i < n_locals; i++) {
		struct cli_ep *c = &g.eps[i];

		c->idx = i;
		c->seen = calloc(g.count ? g.count : 1, 1);
		cfg.local = locals[i];
		rc = sctp_ep_open(g.loop, &cfg, &cops, c, &c->ep);
		if (rc == 0)
			rc = sctp_ep_connect(c->ep, &peer, &c->assoc);
		if (rc < 0) {
			fprintf(stderr, "sctp_echo: endpoint %d: %s\n", i, sctp_ep_error(c->ep));
			g.failed = 1;
		}
		g.n_eps++;
	}
	if (!g.failed)
		ev_run(g.loop, 0);
	for (int i = 0; i < g.n_eps; i++) {
		if (!g.eps[i].down && !g.failed && !g.hold) {
			printf("FAIL %d never went down\n", i);
			g.failed = 1;
		}
		sctp_ep_close(g.eps[i].ep);
		free(g.eps[i].seen);
	}
	ev_loop_destroy(g.loop);
	return g.failed ? 1 : 0;
}
