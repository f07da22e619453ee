/* diamc: a Diameter client on userspace/diameter for tests — connects to
 * one peer, runs the commands given as arguments in order, and prints
 * every answer (or timeout) and every request it receives as one JSON line.
 * See `diamc --help`. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diameter/diam.h"
#include "lib/hex.h"
#include "sim_util.h"

struct cli {
    struct diam_node *node;
    char realm[DIAM_ID_MAX];
    char peer[DIAM_ID_MAX];
    unsigned timeout_ms;
    char gx_sid[DIAM_ID_MAX + 64], gy_sid[DIAM_ID_MAX + 64];
    char imsi[16];
    uint32_t gx_num, gy_num;
    uint32_t ue_ip;
    char apn[DIAM_STR_MAX];
    int failures;
};

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void print_event(const struct diam_event *ev)
{
    if (ev->type == DIAM_EV_TIMEOUT) {
        printf("{\"timeout\":true,\"cookie\":%llu}\n", (unsigned long long)ev->cookie);
    } else {
        printf("{\"%s\":", ev->type == DIAM_EV_REQUEST ? "request" : "answer");
        sim_json_msg(stdout, ev->msg);
        printf("}\n");
    }
    fflush(stdout);
}

/* Answer what a PCRF/OCS/HSS may send us: RAR, CLR, IDR (success). */
static void answer_request(struct cli *c, struct diam_event *ev)
{
    struct msg *m = ev->msg;
    ev->msg = NULL;
    if (ev->cmd_code == 258) {
        struct diam_raa raa = { .h.result_code = DIAM_SUCCESS };
        diam_raa_answer(&m, &raa);
    } else if (ev->cmd_code == 317 || ev->cmd_code == 319) {
        struct diam_s6a_simple_answer a = { .h.result_code = DIAM_SUCCESS };
        diam_s6a_simple_answer(&m, &a);
    } else {
        diam_answer_result(&m, 3001);
    }
    if (m)
        diam_send_answer(c->node, &m);
}

/* Wait for the answer to `cookie`, printing other events. */
static int wait_answer(struct cli *c, uint64_t cookie)
{
    uint64_t end = mono_ms() + c->timeout_ms + 2000;
    struct pollfd p = { .fd = diam_node_fd(c->node), .events = POLLIN };
    while (mono_ms() < end) {
        poll(&p, 1, 50);
        struct diam_event ev;
        while (diam_node_next(c->node, &ev)) {
            print_event(&ev);
            bool done = ev.cookie == cookie && ev.type != DIAM_EV_REQUEST;
            if (ev.type == DIAM_EV_REQUEST)
                answer_request(c, &ev);
            diam_event_done(&ev);
            if (done)
                return 0;
        }
    }
    fprintf(stderr, "diamc: no answer and no timeout for request %llu\n",
            (unsigned long long)cookie);
    return -ETIMEDOUT;
}

static void serve(struct cli *c, unsigned ms)
{
    uint64_t end = mono_ms() + ms;
    struct pollfd p = { .fd = diam_node_fd(c->node), .events = POLLIN };
    while (mono_ms() < end) {
        poll(&p, 1, 50);
        struct diam_event ev;
        while (diam_node_next(c->node, &ev)) {
            print_event(&ev);
            if (ev.type == DIAM_EV_REQUEST)
                answer_request(c, &ev);
            diam_event_done(&ev);
        }
    }
}

static void hdr(struct cli *c, struct diam_header_info *h, const char *sid)
{
    memset(h, 0, sizeof(*h));
    if (sid)
        snprintf(h->session_id, sizeof(h->session_id), "%s", sid);
    else
        diam_session_id_new(diam_node_identity(c->node), h->session_id,
                            sizeof(h->session_id));
    snprintf(h->dest_realm, sizeof(h->dest_realm), "%s", c->realm);
    snprintf(h->dest_host, sizeof(h->dest_host), "%s", c->peer);
}

static int parse_mscc(const struct sim_line *l, struct diam_mscc *out, unsigned *n,
                      bool rsu)
{
    const char *v;
    *n = 0;
    for (int i = 0; i < DIAM_MAX_MSCC && (v = sim_kv(l, 1, "rg", i)); i++) {
        struct diam_mscc *m = &out[(*n)++];
        diam_mscc_init(m);
        m->has_rating_group = true;
        if (!sim_u32(v, &m->rating_group))
            return -EINVAL;
        m->requested.present = rsu;
        if ((v = sim_kv(l, 1, "used", i))) {
            m->used.present = true;
            m->used.has_total = true;
            if (!sim_u64(v, &m->used.total))
                return -EINVAL;
        }
        if ((v = sim_kv(l, 1, "reason", i))) {
            m->has_reporting_reason = true;
            if (!sim_u32(v, &m->reporting_reason))
                return -EINVAL;
        }
    }
    return 0;
}

static int run(struct cli *c, const char *text, uint64_t cookie)
{
    struct sim_line l;
    struct msg *m = NULL;
    const char *v;
    int r;
    if (sim_split(text, &l) || l.n == 0)
        return -EINVAL;
    const char *cmd = l.tok[0];
    /* every command but sleep may name the IMSI first; later ones reuse it */
    const char *imsi = c->imsi;
    if (strcmp(cmd, "sleep") && l.n > 1 && !strchr(l.tok[1], '=')) {
        if (strlen(l.tok[1]) > 15)
            return -EINVAL;
        snprintf(c->imsi, sizeof(c->imsi), "%s", l.tok[1]);
    }

    if (!strcmp(cmd, "sleep")) {
        uint32_t ms;
        if (l.n < 2 || !sim_u32(l.tok[1], &ms))
            return -EINVAL;
        serve(c, ms);
        return 0;
    } else if (!strcmp(cmd, "air")) {
        struct diam_s6a_air air = { .n_vectors = 1 };
        hdr(c, &air.h, NULL);
        snprintf(air.imsi, sizeof(air.imsi), "%s", imsi);
        memcpy(air.visited_plmn, "\x00\xf1\x10", 3);
        if ((v = sim_kv(&l, 1, "n", 0)) && !sim_u32(v, &air.n_vectors))
            return -EINVAL;
        if ((v = sim_kv(&l, 1, "resync", 0))) {
            if (hex_decode_exact(v, air.resync_info, 30))
                return -EINVAL;
            air.resync = true;
        }
        r = diam_s6a_air_encode(&air, &m);
    } else if (!strcmp(cmd, "ulr")) {
        struct diam_s6a_ulr ulr = { .rat_type = 1004, .ulr_flags = 0x22 };
        hdr(c, &ulr.h, NULL);
        snprintf(ulr.imsi, sizeof(ulr.imsi), "%s", imsi);
        memcpy(ulr.visited_plmn, "\x00\xf1\x10", 3);
        r = diam_s6a_ulr_encode(&ulr, &m);
    } else if (!strcmp(cmd, "pur")) {
        struct diam_s6a_pur pur = { 0 };
        hdr(c, &pur.h, NULL);
        snprintf(pur.imsi, sizeof(pur.imsi), "%s", imsi);
        r = diam_s6a_pur_encode(&pur, &m);
    } else if (!strncmp(cmd, "gx-", 3)) {
        struct diam_gx_ccr ccr;
        memset(&ccr, 0, sizeof(ccr));
        char t = cmd[3];
        if (t == 'i') {
            hdr(c, &ccr.h, NULL);
            snprintf(c->gx_sid, sizeof(c->gx_sid), "%s", ccr.h.session_id);
            c->gx_num = 0;
            ccr.cc_request_type = DIAM_CC_INITIAL;
            ccr.ip_can_type = 5;                /* 3GPP-EPS */
            ccr.supported_features = 0;
            ccr.default_qos = (struct diam_qos){ .present = true, .qci = 9, .has_arp = true,
                                                 .arp = { 15, 1, 1 },
                                                 .apn_ambr_ul = 50000000,
                                                 .apn_ambr_dl = 100000000 };
        } else {
            hdr(c, &ccr.h, c->gx_sid);
            ccr.cc_request_type = t == 'u' ? DIAM_CC_UPDATE : DIAM_CC_TERMINATION;
            if (t == 't')
                ccr.termination_cause = 1;      /* DIAMETER_LOGOUT */
        }
        ccr.cc_request_number = c->gx_num++;
        snprintf(ccr.sub.imsi, sizeof(ccr.sub.imsi), "%s", c->imsi);
        snprintf(ccr.sub.apn, sizeof(ccr.sub.apn), "%s",
                 (v = sim_kv(&l, 1, "apn", 0)) ? v : "internet");
        if ((v = sim_kv(&l, 1, "ip", 0)) && inet_pton(AF_INET, v, &ccr.sub.ue_ipv4) != 1)
            return -EINVAL;
        ccr.sub.rat_type = 1004;
        /* TAI + ECGI (TS 29.061 16.4.7.2, type 130) */
        ccr.sub.user_location_len = 13;
        memcpy(ccr.sub.user_location, "\x82\x00\xf1\x10\x00\x01\x00\xf1\x10\x00\x00\x01\x01",
               13);
        if ((v = sim_kv(&l, 1, "usage", 0))) {
            ccr.n_monitors = 1;
            snprintf(ccr.monitors[0].key, sizeof(ccr.monitors[0].key), "%s",
                     sim_kv(&l, 1, "key", 0) ? sim_kv(&l, 1, "key", 0) : "mk1");
            ccr.monitors[0].used = (struct diam_units){ .present = true, .has_total = true };
            if (!sim_u64(v, &ccr.monitors[0].used.total))
                return -EINVAL;
            ccr.n_triggers = 1;
            ccr.triggers[0] = DIAM_ET_USAGE_REPORT;
        }
        r = diam_gx_ccr_encode(&ccr, &m);
    } else if (!strncmp(cmd, "gy-", 3)) {
        struct diam_gy_ccr ccr;
        memset(&ccr, 0, sizeof(ccr));
        char t = cmd[3];
        if (t == 'i') {
            hdr(c, &ccr.h, NULL);
            snprintf(c->gy_sid, sizeof(c->gy_sid), "%s", ccr.h.session_id);
            c->gy_num = 0;
            ccr.cc_request_type = DIAM_CC_INITIAL;
        } else {
            hdr(c, &ccr.h, c->gy_sid);
            ccr.cc_request_type = t == 'u' ? DIAM_CC_UPDATE : DIAM_CC_TERMINATION;
            if (t == 't')
                ccr.termination_cause = 1;
        }
        ccr.cc_request_number = c->gy_num++;
        snprintf(ccr.sub.imsi, sizeof(ccr.sub.imsi), "%s", c->imsi);
        if (parse_mscc(&l, ccr.mscc, &ccr.n_mscc, t != 't'))
            return -EINVAL;
        r = diam_gy_ccr_encode(&ccr, &m);
    } else {
        return -EINVAL;
    }
    if (r)
        return r;
    if ((r = diam_send(c->node, &m, c->timeout_ms, cookie)))
        return r;
    return wait_answer(c, cookie);
}

static void usage(FILE *f)
{
    fputs("usage: diamc [options] COMMAND...\n"
          "Connects to one Diameter peer and runs each COMMAND (one argument each)\n"
          "in order; prints every answer, timeout and received request as JSON.\n\n"
          "  --identity ID   our Origin-Host (default diamc.localdomain)\n"
          "  --realm R       our realm and the Destination-Realm (default localdomain)\n"
          "  --listen A      our address (default 127.0.0.1)\n"
          "  --port N        our listening port (default 3869)\n"
          "  --peer ID       the peer's identity (default diamsim.localdomain)\n"
          "  --peer-addr A   its address (default 127.0.0.1)\n"
          "  --peer-port N   its port (default 3868)\n"
          "  --tls           connect with TLS; with --tls-cert/--tls-key/--tls-ca\n"
          "  --timeout MS    Tx timer per request (default 3000)\n\n"
          "Commands:\n"
          "  air IMSI [n=N] [resync=HEX(RAND||AUTS)]   ulr IMSI   pur IMSI\n"
          "  gx-i IMSI [apn=A] [ip=IPv4]   gx-u [usage=BYTES] [key=K]   gx-t\n"
          "  gy-i IMSI rg=N...   gy-u rg=N used=B [reason=N]...   gy-t rg=N used=B...\n"
          "  sleep MS   (answering RAR/CLR/IDR meanwhile)\n", f);
}

int main(int argc, char **argv)
{
    static struct cli c;
    struct diam_cfg cfg;
    static const struct option opts[] = {
        { "identity", 1, 0, 'i' }, { "realm", 1, 0, 'r' }, { "port", 1, 0, 'p' },
        { "listen", 1, 0, 'l' },
        { "peer", 1, 0, 'P' }, { "peer-addr", 1, 0, 'a' }, { "peer-port", 1, 0, 'q' },
        { "tls", 0, 0, 't' }, { "tls-cert", 1, 0, 'C' }, { "tls-key", 1, 0, 'K' },
        { "tls-ca", 1, 0, 'A' }, { "timeout", 1, 0, 'T' }, { "log-level", 1, 0, 'L' },
        { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
    };
    int o;
    uint32_t v;

    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.identity, sizeof(cfg.identity), "diamc.localdomain");
    snprintf(cfg.realm, sizeof(cfg.realm), "localdomain");
    cfg.port = 3869;
    cfg.apps = DIAM_APP_S6A | DIAM_APP_GX | DIAM_APP_GY;
    cfg.n_peers = 1;
    cfg.tc_timer_s = 1;
    snprintf(cfg.peers[0].identity, sizeof(cfg.peers[0].identity), "diamsim.localdomain");
    snprintf(cfg.peers[0].addr, sizeof(cfg.peers[0].addr), "127.0.0.1");
    c.timeout_ms = 3000;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'i': snprintf(cfg.identity, sizeof(cfg.identity), "%s", optarg); break;
        case 'r': snprintf(cfg.realm, sizeof(cfg.realm), "%s", optarg); break;
        case 'l': snprintf(cfg.listen_addr, sizeof(cfg.listen_addr), "%s", optarg); break;
        case 'P':
            snprintf(cfg.peers[0].identity, sizeof(cfg.peers[0].identity), "%s", optarg);
            break;
        case 'a': snprintf(cfg.peers[0].addr, sizeof(cfg.peers[0].addr), "%s", optarg); break;
        case 'p':
        case 'q':
            if (!sim_u32(optarg, &v) || !v || v > 65535)
                return 2;
            if (o == 'p')
                cfg.port = (uint16_t)v;
            else
                cfg.peers[0].port = (uint16_t)v;
            break;
        case 't': cfg.peers[0].tls = true; break;
        case 'C': snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", optarg); break;
        case 'K': snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", optarg); break;
        case 'A': snprintf(cfg.tls_ca, sizeof(cfg.tls_ca), "%s", optarg); break;
        case 'T':
            if (!sim_u32(optarg, &c.timeout_ms))
                return 2;
            break;
        case 'L':
            if (!sim_u32(optarg, &v) || v > 6)
                return 2;
            cfg.log_level = (int)v;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    snprintf(c.realm, sizeof(c.realm), "%s", cfg.realm);
    snprintf(c.peer, sizeof(c.peer), "%s", cfg.peers[0].identity);
    int r = diam_node_start(&cfg, &c.node);
    if (r) {
        fprintf(stderr, "diamc: cannot start the Diameter node: %s\n", strerror(-r));
        return 1;
    }
    if (diam_node_wait_peer(c.node, c.peer, 5000)) {
        fprintf(stderr, "diamc: peer %s not connected after 5 s\n", c.peer);
        diam_node_stop(c.node);
        return 1;
    }
    for (int i = optind; i < argc; i++) {
        r = run(&c, argv[i], (uint64_t)i);
        if (r) {
            fprintf(stderr, "diamc: %s: %s\n", argv[i], strerror(-r));
            c.failures++;
        }
    }
    diam_node_stop(c.node);
    return c.failures ? 1 : 0;
}
