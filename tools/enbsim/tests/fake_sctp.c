/* TEST DOUBLE — an in-process stand-in for userspace/sctp (the agreed
 * sctp_path.h API), so that enbsim's program logic and the scripted MME of
 * test_enbsim_flow.c can talk within one process and one libev loop
 * without any SCTP stack.  Endpoints find each other by address and port
 * in a process-wide list; every callback is delivered from the loop (an
 * ev_idle draining a queue), never from inside sctp_ep_send, as the real
 * library promises.  Not linked into any program.
 *
 * A knob for the tests (fake_sctp.h): a send buffer of a few messages on
 * client endpoints (sctp_ep_send -EAGAIN while that many of its messages
 * are undelivered). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sctp/sctp_path.h"
#include "fake_sctp.h"

unsigned fake_sctp_sndbuf_msgs;
uint64_t fake_sctp_eagains;

enum ev_kind { EVK_UP, EVK_DATA, EVK_DOWN };

struct fake_event {
    struct fake_event *next;
    struct sctp_ep *to;
    struct sctp_ep *from;     /* EVK_DATA: the sender (its send buffer) */
    enum ev_kind kind;
    struct sctp_assoc_info info;
    uint32_t assoc;
    enum sctp_down_reason why;
    uint16_t stream;
    uint32_t ppid;
    size_t len;
    uint8_t buf[];
};

struct fake_assoc {
    uint32_t id;              /* this side's id */
    struct sctp_ep *peer;
    uint32_t peer_id;
    bool up;
};

#define FAKE_ASSOCS 64

struct sctp_ep {
    struct sctp_ep *next;
    struct ev_loop *loop;
    struct sctp_cfg cfg;
    struct sctp_ops ops;
    void *arg;
    bool listening;
    struct fake_assoc assoc[FAKE_ASSOCS];
    unsigned n_assoc;
    struct sctp_ep_stats st;
    unsigned unsent;          /* its messages not yet delivered */
    char err[64];
};

static struct sctp_ep *eps;
static struct fake_event *q_head, *q_tail;
static ev_idle q_idle;
static struct ev_loop *q_loop;

const char *sctp_backend_str(enum sctp_backend b)
{
    switch (b) {
    case SCTP_BACKEND_KERNEL: return "kernel";
    case SCTP_BACKEND_USRSCTP_RAW: return "usrsctp-raw";
    case SCTP_BACKEND_USRSCTP_UDP: return "usrsctp-udp";
    }
    return "?";
}

int sctp_backend_parse(const char *s, enum sctp_backend *out)
{
    for (int b = SCTP_BACKEND_KERNEL; b <= SCTP_BACKEND_USRSCTP_UDP; b++)
        if (!strcmp(s, sctp_backend_str((enum sctp_backend)b))) {
            *out = (enum sctp_backend)b;
            return 0;
        }
    return -EINVAL;
}

const char *sctp_down_reason_str(enum sctp_down_reason r)
{
    switch (r) {
    case SCTP_DOWN_SHUTDOWN: return "shutdown";
    case SCTP_DOWN_ABORT: return "abort";
    case SCTP_DOWN_LOST: return "lost";
    case SCTP_DOWN_CANT_START: return "cant-start";
    case SCTP_DOWN_LOCAL: return "local";
    }
    return "?";
}

void sctp_cfg_init(struct sctp_cfg *cfg, enum sctp_backend b)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->backend = b;
    cfg->udp_port = cfg->udp_remote_port = 9899;
    cfg->ostreams = cfg->istreams = 8;
    cfg->hb_interval_ms = 5000;
}

static void drain(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)revents;
    /* only what was queued before this round: events posted meanwhile
     * wait for the next one, so that timers run between rounds even
     * when the two ends keep talking (a sustained load) */
    struct fake_event *last = q_tail;
    bool more = true;
    while (q_head && more) {
        struct fake_event *e = q_head;
        more = e != last;
        q_head = e->next;
        if (!q_head)
            q_tail = NULL;
        struct sctp_ep *to = e->to;
        bool alive = false;
        for (struct sctp_ep *p = eps; p; p = p->next) {
            alive |= p == to;
            if (e->kind == EVK_DATA && p == e->from && p->unsent)
                p->unsent--;
        }
        if (alive) {
            switch (e->kind) {
            case EVK_UP:
                to->st.assocs_up++;
                to->ops.assoc_up(to->arg, &e->info);
                break;
            case EVK_DATA:
                to->st.msgs_in++;
                to->st.bytes_in += e->len;
                to->ops.data(to->arg, e->assoc, e->stream, e->ppid, e->buf, e->len);
                break;
            case EVK_DOWN:
                to->st.assocs_down++;
                to->ops.assoc_down(to->arg, e->assoc, e->why);
                break;
            }
        }
        free(e);
    }
    if (!q_head)
        ev_idle_stop(loop, w);
}

static struct fake_event *post(struct sctp_ep *to, enum ev_kind kind, size_t len)
{
    struct fake_event *e = calloc(1, sizeof(*e) + len);
    if (!e)
        return NULL;
    e->to = to;
    e->kind = kind;
    e->len = len;
    if (q_tail)
        q_tail->next = e;
    else
        q_head = e;
    q_tail = e;
    if (!q_loop) {
        q_loop = to->loop;
        ev_idle_init(&q_idle, drain);
    }
    ev_idle_start(q_loop, &q_idle);
    return e;
}

int sctp_ep_open(struct ev_loop *loop, const struct sctp_cfg *cfg, const struct sctp_ops *ops,
                 void *arg, struct sctp_ep **out)
{
    *out = NULL;
    for (struct sctp_ep *p = eps; p; p = p->next)
        if (cfg->local.sin_port && p->cfg.local.sin_port == cfg->local.sin_port &&
            p->cfg.local.sin_addr.s_addr == cfg->local.sin_addr.s_addr)
            return -EADDRINUSE;
    struct sctp_ep *ep = calloc(1, sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    ep->loop = loop;
    ep->cfg = *cfg;
    ep->ops = *ops;
    ep->arg = arg;
    ep->next = eps;
    eps = ep;
    *out = ep;
    return 0;
}

int sctp_ep_listen(struct sctp_ep *ep)
{
    ep->listening = true;
    return 0;
}

static struct fake_assoc *new_assoc(struct sctp_ep *ep)
{
    if (ep->n_assoc == FAKE_ASSOCS)
        return NULL;
    struct fake_assoc *a = &ep->assoc[ep->n_assoc];
    a->id = ++ep->n_assoc;
    return a;
}

static struct fake_assoc *find(struct sctp_ep *ep, uint32_t id)
{
    return id && id <= ep->n_assoc && ep->assoc[id - 1].up ? &ep->assoc[id - 1] : NULL;
}

int sctp_ep_connect(struct sctp_ep *ep, const struct sockaddr_in *peer, uint32_t *assoc_id)
{
    struct sctp_ep *srv = NULL;
    for (struct sctp_ep *p = eps; p; p = p->next)
        if (p->listening && p->cfg.local.sin_port == peer->sin_port &&
            p->cfg.local.sin_addr.s_addr == peer->sin_addr.s_addr)
            srv = p;
    struct fake_assoc *a = new_assoc(ep);
    if (!a)
        return -ENOMEM;
    *assoc_id = a->id;
    if (!srv) {
        /* the real library tells this through assoc_down as well */
        struct fake_event *e = post(ep, EVK_DOWN, 0);
        if (e) {
            e->assoc = a->id;
            e->why = SCTP_DOWN_CANT_START;
        }
        return 0;
    }
    struct fake_assoc *b = new_assoc(srv);
    if (!b)
        return -ENOMEM;
    a->peer = srv;
    a->peer_id = b->id;
    b->peer = ep;
    b->peer_id = a->id;
    a->up = b->up = true;
    uint16_t os = ep->cfg.ostreams < srv->cfg.istreams ? ep->cfg.ostreams : srv->cfg.istreams;
    uint16_t is = ep->cfg.istreams < srv->cfg.ostreams ? ep->cfg.istreams : srv->cfg.ostreams;
    struct fake_event *e = post(srv, EVK_UP, 0);
    if (e) {
        e->info = (struct sctp_assoc_info){.id = b->id, .peer = ep->cfg.local, .ostreams = is,
                                           .istreams = os};
    }
    e = post(ep, EVK_UP, 0);
    if (e)
        e->info = (struct sctp_assoc_info){.id = a->id, .peer = *peer, .ostreams = os,
                                           .istreams = is};
    return 0;
}

int sctp_ep_send(struct sctp_ep *ep, uint32_t assoc_id, uint16_t stream, uint32_t ppid,
                 const void *buf, size_t len)
{
    struct fake_assoc *a = find(ep, assoc_id);
    if (!a) {
        ep->st.send_errors++;
        return -ENOTCONN;
    }
    if (stream >= ep->cfg.ostreams)
        return -EINVAL;
    if (fake_sctp_sndbuf_msgs && !ep->listening && ep->unsent >= fake_sctp_sndbuf_msgs) {
        fake_sctp_eagains++;
        return -EAGAIN;
    }
    struct fake_event *e = post(a->peer, EVK_DATA, len);
    if (!e)
        return -EAGAIN;
    e->from = ep;
    ep->unsent++;
    e->assoc = a->peer_id;
    e->stream = stream;
    e->ppid = ppid;
    memcpy(e->buf, buf, len);
    ep->st.msgs_out++;
    ep->st.bytes_out += len;
    return 0;
}

static int take_down(struct sctp_ep *ep, uint32_t assoc_id, enum sctp_down_reason peer_why,
                     enum sctp_down_reason own_why)
{
    struct fake_assoc *a = find(ep, assoc_id);
    if (!a)
        return -ENOTCONN;
    struct fake_assoc *b = find(a->peer, a->peer_id);
    a->up = false;
    if (b) {
        b->up = false;
        struct fake_event *e = post(a->peer, EVK_DOWN, 0);
        if (e) {
            e->assoc = a->peer_id;
            e->why = peer_why;
        }
    }
    struct fake_event *e = post(ep, EVK_DOWN, 0);
    if (e) {
        e->assoc = assoc_id;
        e->why = own_why;
    }
    return 0;
}

int sctp_ep_shutdown(struct sctp_ep *ep, uint32_t assoc_id)
{
    return take_down(ep, assoc_id, SCTP_DOWN_SHUTDOWN, SCTP_DOWN_SHUTDOWN);
}

int sctp_ep_abort(struct sctp_ep *ep, uint32_t assoc_id)
{
    return take_down(ep, assoc_id, SCTP_DOWN_ABORT, SCTP_DOWN_LOCAL);
}

void sctp_ep_close(struct sctp_ep *ep)
{
    if (!ep)
        return;
    for (unsigned i = 0; i < ep->n_assoc; i++)
        if (ep->assoc[i].up)
            take_down(ep, ep->assoc[i].id, SCTP_DOWN_ABORT, SCTP_DOWN_LOCAL);
    for (struct sctp_ep **pp = &eps; *pp; pp = &(*pp)->next)
        if (*pp == ep) {
            *pp = ep->next;
            break;
        }
    free(ep);
}

const char *sctp_ep_error(const struct sctp_ep *ep)
{
    return ep ? ep->err : "no endpoint";
}

void sctp_ep_stats_get(const struct sctp_ep *ep, struct sctp_ep_stats *st)
{
    *st = ep->st;
}
