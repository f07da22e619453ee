/* The Diameter node: freeDiameter configured from struct diam_cfg, and the
 * bridge from freeDiameter's threads to the owner's event loop.
 *
 * freeDiameter reads its configuration from a file only: the node writes
 * one from the struct into a private temporary directory, together with a
 * throw-away self-signed certificate when none is configured (its
 * TLS_Cred is mandatory even when no peer uses TLS), parses it and removes
 * both (GnuTLS has read the credentials by then).
 *
 * Every callback freeDiameter makes (dispatch of a received request, the
 * answer to one of our requests, the expiry of its timeout) runs in one of
 * freeDiameter's threads: it only appends an event to a mutex-protected
 * queue and bumps an eventfd; the owner drains the queue from its loop. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "diameter/diam_int.h"

struct qev {
    struct diam_event ev;
    struct qev *next;
};

struct diam_node {
    struct diam_cfg cfg;
    int efd;
    pthread_mutex_t lock;
    struct qev *head, *tail;
    struct disp_hdl *disp[3];
    unsigned inflight;          /* our requests not yet answered or expired
                                 * (atomic: freeDiameter's threads end them) */
};

/* freeDiameter's state is per process: so is ours. */
static int fd_state;            /* 0 none, 1 initialised (dict), 2 started */
static struct diam_node *the_node;
static int log_level = FD_LOG_ERROR;

static void diam_logger(int level, const char *fmt, va_list ap)
{
    if (level < log_level)
        return;
    fputs("diam: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* freeDiameter's default for a hook type that nobody registered is to dump
 * each message into a string under one global mutex, and then to let the
 * log level throw the string away: a tenth of xepc-agwd's CPU at attach
 * time with S6a, Gx and Gy (perf on tools/bench/diam_bench.sh).  This hook
 * replaces the default for the types every message goes through; the
 * summary is still logged when debug was asked for.  The rare types
 * (failover, errors, drops, peer connections) keep freeDiameter's own. */
/* A peer's connection settling (RFC 3539 3.4.1): a server that saw our
 * previous connection fail (we were killed, say) puts the new one in REOPEN
 * until three DWR/DWA exchanges passed, sending its DWRs right after the
 * CEA; the answers to requests it gets meanwhile are dropped by its
 * freeDiameter ("closed peer").  So we note when each peer's connection
 * opened and how many DWRs it sent since (diam_node_peer_ready). */
#define PEER_TRACK_MAX 16
#define PEER_QUIET_MS 1000          /* no DWR this long after the CEA: no REOPEN */
#define PEER_SETTLE_MAX_MS 10000    /* ready by then whatever was seen */
#define PEER_DWA_MS 200             /* after the third DWR: our DWA is out */
static struct peer_track {
    char id[DIAM_ID_MAX];
    uint64_t open_ms, dwr_ms;
    unsigned dwr;
} peer_tracks[PEER_TRACK_MAX];
static pthread_mutex_t peer_track_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t now_ms(void);

static struct peer_track *peer_track(const char *id, bool add)
{
    struct peer_track *free_slot = NULL;
    for (unsigned i = 0; i < PEER_TRACK_MAX; i++) {
        if (!strcmp(peer_tracks[i].id, id))
            return &peer_tracks[i];
        if (!peer_tracks[i].id[0] && !free_slot)
            free_slot = &peer_tracks[i];
    }
    if (add && free_slot)
        snprintf(free_slot->id, sizeof(free_slot->id), "%s", id);
    return add ? free_slot : NULL;
}

static void peer_hook(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                      void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
    (void)msg;
    (void)other;
    (void)pmd;
    (void)regdata;
    if (type != HOOK_PEER_CONNECT_SUCCESS || !peer || !peer->info.pi_diamid)
        return;
    pthread_mutex_lock(&peer_track_lock);
    struct peer_track *t = peer_track(peer->info.pi_diamid, true);
    if (t) {
        t->open_ms = now_ms();
        t->dwr = 0;
    }
    pthread_mutex_unlock(&peer_track_lock);
    /* this hook replaces freeDiameter's own line for it */
    if (log_level <= FD_LOG_NOTICE)
        fprintf(stderr, "diam: connected to peer %s\n", peer->info.pi_diamid);
}

static void msg_hook(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                     void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
    (void)other;
    (void)pmd;
    (void)regdata;
    struct msg_hdr *hdr;
    if (type == HOOK_MESSAGE_RECEIVED && msg && peer && peer->info.pi_diamid &&
        fd_msg_hdr(msg, &hdr) == 0 && hdr->msg_code == 280 &&
        (hdr->msg_flags & CMD_FLAG_REQUEST)) {
        pthread_mutex_lock(&peer_track_lock);
        struct peer_track *t = peer_track(peer->info.pi_diamid, false);
        if (t) {
            t->dwr++;
            t->dwr_ms = now_ms();
        }
        pthread_mutex_unlock(&peer_track_lock);
    }
    if (log_level > FD_LOG_DEBUG || !msg)
        return;
    char *buf = NULL;
    size_t len = 0;
    if (fd_msg_dump_summary(&buf, &len, NULL, msg, NULL, 0, 1))
        fprintf(stderr, "diam: hook %d, peer %s: %s\n", (int)type,
                peer && peer->info.pi_diamid ? peer->info.pi_diamid : "-", buf);
    free(buf);
}

static struct fd_hook_hdl *msg_hook_hdl, *peer_hook_hdl;

#define MSG_HOOKS HOOK_MASK(HOOK_MESSAGE_RECEIVED, HOOK_MESSAGE_LOCAL, HOOK_MESSAGE_SENDING, \
                            HOOK_MESSAGE_SENT, HOOK_MESSAGE_ROUTING_FORWARD,             \
                            HOOK_MESSAGE_ROUTING_LOCAL)

/* ------------------------------------------------- configuration ---- */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* A self-signed P-256 certificate with CN = identity, valid one day. */
static int make_self_signed(const char *identity, const char *cert_path,
                            const char *key_path)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    FILE *f = NULL;
    int r = -EIO;

    if (!pk || !x)
        goto out;
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pk);
    X509_NAME *nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
                               (const unsigned char *)identity, -1, -1, 0);
    X509_set_issuer_name(x, nm);
    if (!X509_sign(x, pk, EVP_sha256()))
        goto out;
    if (!(f = fopen(key_path, "w")) || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL))
        goto out;
    fclose(f);
    if (!(f = fopen(cert_path, "w")) || !PEM_write_X509(f, x))
        goto out;
    r = 0;
out:
    if (f)
        fclose(f);
    X509_free(x);
    EVP_PKEY_free(pk);
    return r;
}

static bool safe_str(const char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '\n' || (unsigned char)*s < 0x20)
            return false;
    return true;
}

static int write_conf(const struct diam_cfg *c, const char *dir, const char *path)
{
    char cert[DIAM_PATH_MAX + 32], key[DIAM_PATH_MAX + 32];
    const char *ca;
    const char *ddir = c->dict_dir[0] ? c->dict_dir : "/usr/lib/freeDiameter";

    if (!c->identity[0] || !c->realm[0] || !safe_str(c->identity) ||
        !safe_str(c->realm) || !safe_str(c->listen_addr) || !safe_str(ddir) ||
        !safe_str(c->tls_cert) || !safe_str(c->tls_key) || !safe_str(c->tls_ca))
        return -EINVAL;
    if (c->tls_cert[0] && c->tls_key[0]) {
        snprintf(cert, sizeof(cert), "%s", c->tls_cert);
        snprintf(key, sizeof(key), "%s", c->tls_key);
        ca = c->tls_ca[0] ? c->tls_ca : c->tls_cert;
    } else {
        snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
        snprintf(key, sizeof(key), "%s/key.pem", dir);
        int r = make_self_signed(c->identity, cert, key);
        if (r)
            return r;
        ca = cert;
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "Identity = \"%s\";\nRealm = \"%s\";\n", c->identity, c->realm);
    fprintf(f, "Port = %u;\nSecPort = %u;\n", c->port ? c->port : 3868, c->tls_port);
    fprintf(f, "ListenOn = \"%s\";\n", c->listen_addr[0] ? c->listen_addr : "127.0.0.1");
    if (!c->sctp)
        fputs("No_SCTP;\n", f);
    fputs("NoRelay;\nAppServThreads = 2;\n", f);
    fprintf(f, "TcTimer = %u;\nTwTimer = %u;\n", c->tc_timer_s ? c->tc_timer_s : 30,
            c->tw_timer_s ? c->tw_timer_s : 30);
    fprintf(f, "TLS_Cred = \"%s\", \"%s\";\nTLS_CA = \"%s\";\n", cert, key, ca);
    /* Debian's dictionaries, in dependency order; diam_dict.c adds ours. */
    fprintf(f, "LoadExtension = \"%s/dict_nasreq.fdx\";\n", ddir);
    fprintf(f, "LoadExtension = \"%s/dict_dcca.fdx\";\n", ddir);
    fprintf(f, "LoadExtension = \"%s/dict_dcca_3gpp.fdx\";\n", ddir);
    for (unsigned i = 0; i < c->n_peers && i < DIAM_MAX_PEERS; i++) {
        const struct diam_peer_cfg *p = &c->peers[i];
        if (!p->identity[0] || !safe_str(p->identity) || !safe_str(p->addr) ||
            !safe_str(p->realm)) {
            fclose(f);
            return -EINVAL;
        }
        fprintf(f, "ConnectPeer = \"%s\" { ConnectTo = \"%s\"; ", p->identity,
                p->addr[0] ? p->addr : "127.0.0.1");
        if (p->port)
            fprintf(f, "Port = %u; ", p->port);
        if (!p->tls)
            fputs("No_TLS; ", f);
        fputs(p->transport == DIAM_SCTP ? "No_TCP; " : "No_SCTP; ", f);
        if (p->realm[0])
            fprintf(f, "Realm = \"%s\"; ", p->realm);
        fputs("};\n", f);
    }
    if (fclose(f))
        return -EIO;
    return 0;
}

static int init_core(const struct diam_cfg *c)
{
    char dir[] = "/tmp/xepc-diam-XXXXXX";
    char path[64];
    int r;

    if (fd_state)
        return -EALREADY;
    if (!mkdtemp(dir))
        return -errno;
    snprintf(path, sizeof(path), "%s/fd.conf", dir);
    if ((r = write_conf(c, dir, path)))
        goto out;
    log_level = c->log_level ? c->log_level : FD_LOG_ERROR;
    fd_log_handler_register(diam_logger);
    fd_g_debug_lvl = log_level;
    if ((r = fd_core_initialize())) {
        r = -r;
        goto out;
    }
    if ((r = fd_hook_register(MSG_HOOKS, msg_hook, NULL, NULL, &msg_hook_hdl)) ||
        (r = fd_hook_register(HOOK_MASK(HOOK_PEER_CONNECT_SUCCESS), peer_hook, NULL, NULL,
                              &peer_hook_hdl))) {
        r = -r;
        goto out;
    }
    if ((r = fd_core_parseconf(path))) {
        r = r > 0 ? -r : -EINVAL;
        goto out;
    }
    if ((r = diam_dict_setup()))
        goto out;
    fd_state = 1;
out:
    rm_tree(dir);
    return r;
}

int diam_dict_only_init(void)
{
    struct diam_cfg c = { 0 };
    if (fd_state)
        return 0;
    snprintf(c.identity, sizeof(c.identity), "codec.localdomain");
    snprintf(c.realm, sizeof(c.realm), "localdomain");
    c.port = 1;         /* never started */
    return init_core(&c);
}

/* ---------------------------------------------------------- queue ---- */

static void push(struct diam_node *n, const struct diam_event *ev)
{
    struct qev *q = calloc(1, sizeof(*q));
    if (!q) {
        /* nothing to hand over: the message is lost, as if not received */
        if (ev->msg)
            fd_msg_free(ev->msg);
        return;
    }
    q->ev = *ev;
    pthread_mutex_lock(&n->lock);
    if (n->tail)
        n->tail->next = q;
    else
        n->head = q;
    n->tail = q;
    pthread_mutex_unlock(&n->lock);
    uint64_t one = 1;
    ssize_t w = write(n->efd, &one, sizeof(one));
    (void)w;            /* EAGAIN only when the counter is saturated */
}

static struct qev *pop(struct diam_node *n)
{
    pthread_mutex_lock(&n->lock);
    struct qev *q = n->head;
    if (q) {
        n->head = q->next;
        if (!n->head)
            n->tail = NULL;
    }
    pthread_mutex_unlock(&n->lock);
    return q;
}

int diam_node_next(struct diam_node *n, struct diam_event *ev)
{
    struct qev *q = pop(n);
    if (!q) {
        uint64_t v;
        ssize_t rd = read(n->efd, &v, sizeof(v));
        (void)rd;
        /* a push between the empty pop and the read: not lost */
        q = pop(n);
        if (!q)
            return 0;
    }
    *ev = q->ev;
    free(q);
    return 1;
}

void diam_event_done(struct diam_event *ev)
{
    if (ev->msg)
        fd_msg_free(ev->msg);
    ev->msg = NULL;
}

static void fill_hdr(struct diam_event *ev, struct msg *m)
{
    struct msg_hdr *h;
    if (m && fd_msg_hdr(m, &h) == 0) {
        ev->app_id = h->msg_appl;
        ev->cmd_code = h->msg_code;
    }
}

/* freeDiameter dispatch thread: a request for one of our applications. */
static int on_request(struct msg **m, struct avp *avp, struct session *sess,
                      void *opaque, enum disp_action *act)
{
    (void)avp; (void)sess;
    struct diam_node *n = opaque;
    struct msg_hdr *h;
    *act = DISP_ACT_CONT;
    if (fd_msg_hdr(*m, &h) || !(h->msg_flags & CMD_FLAG_REQUEST))
        return 0;               /* answers come through on_answer */
    struct diam_event ev = { .type = DIAM_EV_REQUEST, .msg = *m };
    fill_hdr(&ev, *m);
    *m = NULL;                  /* ours now; answered later by the owner */
    push(n, &ev);
    return 0;
}

struct send_ctx {
    struct diam_node *n;
    uint64_t cookie;
};

static void on_answer(void *data, struct msg **m)
{
    struct send_ctx *c = data;
    struct diam_event ev = { .type = DIAM_EV_ANSWER, .cookie = c->cookie, .msg = *m };
    fill_hdr(&ev, *m);
    *m = NULL;
    push(c->n, &ev);
    __atomic_sub_fetch(&c->n->inflight, 1, __ATOMIC_RELEASE);
    free(c);
}

static void on_expire(void *data, DiamId_t to, size_t tolen, struct msg **req)
{
    (void)to; (void)tolen;
    struct send_ctx *c = data;
    struct diam_event ev = { .type = DIAM_EV_TIMEOUT, .cookie = c->cookie };
    fill_hdr(&ev, *req);
    push(c->n, &ev);
    fd_msg_free(*req);  /* disposed of here: no "discarded" log */
    *req = NULL;
    __atomic_sub_fetch(&c->n->inflight, 1, __ATOMIC_RELEASE);
    free(c);
}

/* Incoming connection from a peer not in the configuration. */
static int validate_peer(struct peer_info *info, int *auth, int (**cb2)(struct peer_info *))
{
    (void)cb2;
    if (!the_node || !the_node->cfg.accept_any)
        return 0;               /* no decision: freeDiameter rejects */
    *auth = 1;
    /* RFC 6733 13: no TLS required from it (loopback tests, IPsec) */
    info->config.pic_flags.sec |= PI_SEC_NONE;
    return 0;
}

/* -------------------------------------------------------------- api ---- */

int diam_node_start(const struct diam_cfg *cfg, struct diam_node **out)
{
    struct diam_node *n;
    int r;

    if (fd_state == 2 || the_node)
        return -EALREADY;
    if (fd_state == 1)
        return -EBUSY;          /* diam_dict_only_init was used */
    n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->cfg = *cfg;
    pthread_mutex_init(&n->lock, NULL);
    n->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (n->efd < 0) {
        r = -errno;
        free(n);
        return r;
    }
    if ((r = init_core(cfg)))
        goto fail;
    the_node = n;
    static const uint32_t ids[3] = { DIAM_APPID_S6A, DIAM_APPID_GX, DIAM_APPID_GY };
    for (int i = 0; i < 3; i++) {
        if (!(cfg->apps & (1u << i)))
            continue;
        struct dict_object *app = diam_dict_app(ids[i]);
        struct disp_when w = { .app = app };
        /* RFC 6733 5.3: advertised as an Auth-Application-Id (S6a and Gx
         * inside Vendor-Specific-Application-Id) */
        if ((r = fd_disp_app_support(app, ids[i] == DIAM_APPID_GY ? NULL
                                     : diam_dict_vendor3gpp(), 1, 0)) ||
            (r = fd_disp_register(on_request, DISP_HOW_APPID, &w, n, &n->disp[i]))) {
            r = -r;
            goto fail;
        }
    }
    if ((r = fd_peer_validate_register(validate_peer))) {
        r = -r;
        goto fail;
    }
    if ((r = fd_core_start()) || (r = fd_core_waitstartcomplete())) {
        r = -r;
        goto fail;
    }
    fd_state = 2;
    *out = n;
    return 0;
fail:
    the_node = NULL;
    close(n->efd);
    free(n);
    return r < 0 ? r : -EINVAL;
}

/* How long the stop waits for freeDiameter's shutdown (DPR/DPA with the
 * peers, then its threads).  A daemon that does not stop on SIGTERM is
 * worse than one that skips a DPR. */
#define DIAM_STOP_WAIT_S 5
/* How long the stop waits for the answers to our requests in flight. */
#define DIAM_DRAIN_MS 2000
/* How long it waits for the routing and dispatch threads to leave their
 * queues: they notice the stop when their 1 s wait on the queue ends. */
#define DIAM_QUIESCE_MIN_MS 1050
#define DIAM_QUIESCE_MAX_MS 4000

/* libfdcore 1.2.1's own (fdcore-internal.h): exported by the library but
 * not declared in its public header.  fd_rtdisp_cleanstop() is the first
 * step of its shutdown; the queues are those of its routing and dispatch
 * threads. */
extern struct fifo *fd_g_incoming, *fd_g_outgoing, *fd_g_local;
int fd_rtdisp_cleanstop(void);

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Threads blocked waiting on q, from freeDiameter's dump of it (no other
 * interface gives the count); -1 when it cannot be read. */
static int fifo_waiters(struct fifo *q)
{
    char *buf = NULL;
    size_t len = 0;
    int thrs = -1;
    if (!q)
        return 0;               /* already gone */
    if (fd_fifo_dump(&buf, &len, NULL, "q", q, NULL) && buf) {
        const char *t = strstr(buf, "threads:");
        if (!t || sscanf(t, "threads:%d", &thrs) != 1)
            thrs = -1;
    }
    free(buf);
    return thrs;
}

/* libfdcore 1.2.1's shutdown deletes the queues of its routing and
 * dispatch threads (fd_rtdisp_fini) while those threads may still wait on
 * them, and fd_fifo_del() gives the waiters 20 rounds of 1 ms to leave
 * before it asserts (fifo.c: "++loops < 20"): on a loaded machine a woken
 * thread can wait longer than that for a CPU, and the process aborts
 * (SIGABRT, exit status 134; tests/e2e/agw_diam_stop.sh, 2 of 3 runs of six
 * stops at load 20).  So the stop first asks those threads to stop as the
 * shutdown would (fd_rtdisp_cleanstop), and waits until none can be
 * waiting: past the 1 s wait each was in, and no waiter counted on any of
 * the three queues.  The shutdown then finds them gone. */
static void quiesce_threads(void)
{
    uint64_t t0 = now_ms();
    fd_rtdisp_cleanstop();
    for (;;) {
        uint64_t t = now_ms() - t0;
        if (t >= DIAM_QUIESCE_MIN_MS && fifo_waiters(fd_g_incoming) == 0 &&
            fifo_waiters(fd_g_outgoing) == 0 && fifo_waiters(fd_g_local) == 0)
            return;
        if (t >= DIAM_QUIESCE_MAX_MS) {
            fprintf(stderr, "diam: freeDiameter's routing threads still wait on their "
                    "queues after %d ms; shutting down anyway\n", DIAM_QUIESCE_MAX_MS);
            return;
        }
        sleep_ms(10);
    }
}

struct stop_wait {
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    bool done;
};

static void *stop_waiter(void *arg)
{
    struct stop_wait *w = arg;
    fd_core_wait_shutdown_complete();
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->done_cv);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* fd_core_wait_shutdown_complete() within DIAM_STOP_WAIT_S: true when it
 * returned.  On false its thread still runs and owns w (never freed). */
static bool shutdown_bounded(void)
{
    struct stop_wait *w = calloc(1, sizeof(*w));
    pthread_t t;
    if (!w) {
        fd_core_wait_shutdown_complete();
        return true;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    if (pthread_create(&t, NULL, stop_waiter, w)) {
        fd_core_wait_shutdown_complete();
        free(w);
        return true;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DIAM_STOP_WAIT_S;
    pthread_mutex_lock(&w->lock);
    while (!w->done && pthread_cond_timedwait(&w->done_cv, &w->lock, &until) == 0)
        ;
    bool done = w->done;
    pthread_mutex_unlock(&w->lock);
    if (!done) {
        pthread_detach(t);
        return false;
    }
    pthread_join(t, NULL);
    pthread_cond_destroy(&w->done_cv);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return true;
}

void diam_node_stop(struct diam_node *n)
{
    if (!n)
        return;
    /* The answers to our requests in flight first (the owner's loop has
     * stopped: they are dropped below, the owner's journal has the
     * requests).  Answers that came after the routing threads stopped
     * would fill freeDiameter's incoming queue (20 messages), block the
     * peer's state machine behind it, and with it the DPA: the shutdown
     * then hung until DIAM_STOP_WAIT_S at most stops under attach load. */
    uint64_t t0 = now_ms();
    while (__atomic_load_n(&n->inflight, __ATOMIC_ACQUIRE) && now_ms() - t0 < DIAM_DRAIN_MS)
        sleep_ms(5);
    quiesce_threads();
    fd_core_shutdown();
    if (!shutdown_bounded()) {
        /* its threads may still hold the node: leave it to the exit */
        fprintf(stderr, "diam: freeDiameter did not shut down within %d s (peers not "
                "closed cleanly); stopping without it\n", DIAM_STOP_WAIT_S);
        return;
    }
    struct diam_event ev;
    while (diam_node_next(n, &ev))
        diam_event_done(&ev);
    close(n->efd);
    pthread_mutex_destroy(&n->lock);
    the_node = NULL;
    free(n);
}

int diam_node_fd(const struct diam_node *n)
{
    return n->efd;
}

const char *diam_node_identity(const struct diam_node *n)
{
    return n->cfg.identity;
}

int diam_node_peers_open(const struct diam_node *n)
{
    (void)n;
    int count = 0;
    if (pthread_rwlock_rdlock(&fd_g_peers_rw))
        return -EIO;
    for (struct fd_list *li = fd_g_peers.next; li != &fd_g_peers; li = li->next) {
        struct peer_hdr *p = (struct peer_hdr *)li->o;
        if (fd_peer_get_state(p) == STATE_OPEN)
            count++;
    }
    pthread_rwlock_unlock(&fd_g_peers_rw);
    return count;
}

/* id's connection settled: open, and its REOPEN over if it had one */
static bool peer_settled(const char *id)
{
    bool ok = false;                /* not seen connecting yet: wait */
    uint64_t now = now_ms();
    pthread_mutex_lock(&peer_track_lock);
    const struct peer_track *t = peer_track(id, false);
    if (t)
        ok = (t->dwr >= 3 && now - t->dwr_ms >= PEER_DWA_MS) ||
             (t->dwr == 0 && now - t->open_ms >= PEER_QUIET_MS) ||
             now - t->open_ms >= PEER_SETTLE_MAX_MS;
    pthread_mutex_unlock(&peer_track_lock);
    return ok;
}

bool diam_node_peer_ready(const struct diam_node *n, const char *id)
{
    if (id)
        return diam_node_peer_open(n, id) && peer_settled(id);
    bool ok = true;
    if (pthread_rwlock_rdlock(&fd_g_peers_rw))
        return false;
    for (struct fd_list *li = fd_g_peers.next; li != &fd_g_peers; li = li->next) {
        struct peer_hdr *p = (struct peer_hdr *)li->o;
        if (fd_peer_get_state(p) == STATE_OPEN && p->info.pi_diamid &&
            !peer_settled(p->info.pi_diamid))
            ok = false;
    }
    pthread_rwlock_unlock(&fd_g_peers_rw);
    return ok;
}

bool diam_node_peer_open(const struct diam_node *n, const char *id)
{
    (void)n;
    struct peer_hdr *p = NULL;
    return fd_peer_getbyid((DiamId_t)id, strlen(id), 1, &p) == 0 && p &&
           fd_peer_get_state(p) == STATE_OPEN;
}

int diam_node_wait_peer(const struct diam_node *n, const char *id, unsigned ms)
{
    (void)n;
    for (unsigned t = 0; t <= ms; t += 10) {
        struct peer_hdr *p = NULL;
        if (fd_peer_getbyid((DiamId_t)id, strlen(id), 1, &p) == 0 && p &&
            fd_peer_get_state(p) == STATE_OPEN)
            return 0;
        usleep(10000);
    }
    return -ETIMEDOUT;
}

int diam_send(struct diam_node *n, struct msg **req, unsigned timeout_ms, uint64_t cookie)
{
    struct send_ctx *c;
    int r;

    if (!req || !*req)
        return -EINVAL;
    c = malloc(sizeof(*c));
    if (!c) {
        fd_msg_free(*req);
        *req = NULL;
        return -ENOMEM;
    }
    c->n = n;
    c->cookie = cookie;
    /* counted before the send: the answer may come before it returns */
    __atomic_add_fetch(&n->inflight, 1, __ATOMIC_RELAXED);
    if (timeout_ms) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);     /* freeDiameter's clock */
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        r = fd_msg_send_timeout(req, on_answer, c, on_expire, &ts);
    } else {
        r = fd_msg_send(req, on_answer, c);
    }
    if (r) {
        if (*req)
            fd_msg_free(*req);
        *req = NULL;
        __atomic_sub_fetch(&n->inflight, 1, __ATOMIC_RELAXED);
        free(c);
        return -r;
    }
    return 0;
}

int diam_send_answer(struct diam_node *n, struct msg **ans)
{
    (void)n;
    if (!ans || !*ans)
        return -EINVAL;
    int r = fd_msg_send(ans, NULL, NULL);
    if (r && *ans) {
        fd_msg_free(*ans);
        *ans = NULL;
    }
    return -r;
}

void diam_msg_free(struct msg *m)
{
    if (m)
        fd_msg_free(m);
}

int diam_msg_to_bytes(struct msg *m, uint8_t **buf, size_t *len)
{
    uint8_t *b = NULL;
    size_t l = 0;
    if (fd_msg_bufferize(m, &b, &l))
        return -EINVAL;
    *buf = b;
    *len = l;
    return 0;
}

int diam_msg_from_bytes(const uint8_t *buf, size_t len, struct msg **out)
{
    struct msg *m = NULL;
    struct fd_pei pei;
    /* RFC 6733 3: 20-byte header; the length field must match */
    if (len < 20 || len > (1u << 24))
        return -EBADMSG;
    if (((size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3]) != len)
        return -EBADMSG;
    uint8_t *copy = malloc(len);       /* fd_msg_parse_buffer takes it */
    if (!copy)
        return -ENOMEM;
    memcpy(copy, buf, len);
    if (fd_msg_parse_buffer(&copy, len, &m)) {
        free(copy);
        return -EBADMSG;
    }
    memset(&pei, 0, sizeof(pei));
    if (fd_msg_parse_dict(m, fd_g_config->cnf_dict, &pei)) {
        if (pei.pei_avp_free && pei.pei_avp)
            fd_msg_free(pei.pei_avp);
        fd_msg_free(m);
        return -EBADMSG;
    }
    *out = m;
    return 0;
}

int diam_msg_info(struct msg *m, uint32_t *app, uint32_t *cmd, bool *request)
{
    struct msg_hdr *h;
    if (!m || fd_msg_hdr(m, &h))
        return -EINVAL;
    if (app)
        *app = h->msg_appl;
    if (cmd)
        *cmd = h->msg_code;
    if (request)
        *request = !!(h->msg_flags & CMD_FLAG_REQUEST);
    return 0;
}

int diam_msg_ids(struct msg *m, uint32_t *end_to_end, bool *retransmit)
{
    struct msg_hdr *h;
    if (!m || fd_msg_hdr(m, &h))
        return -EINVAL;
    if (end_to_end)
        *end_to_end = h->msg_eteid;
    if (retransmit)
        *retransmit = !!(h->msg_flags & CMD_FLAG_RETRANSMIT);
    return 0;
}

int diam_msg_set_retransmit(struct msg *m)
{
    struct msg_hdr *h;
    if (!m || fd_msg_hdr(m, &h) || !(h->msg_flags & CMD_FLAG_REQUEST))
        return -EINVAL;
    h->msg_flags |= CMD_FLAG_RETRANSMIT;
    return 0;
}

void diam_node_post_timeout(struct diam_node *n, uint32_t app, uint32_t cmd, uint64_t cookie)
{
    struct diam_event ev = { .type = DIAM_EV_TIMEOUT, .app_id = app, .cmd_code = cmd,
                             .cookie = cookie };
    push(n, &ev);
}

int diam_msg_session_id(struct msg *m, char *buf, size_t len)
{
    struct avp_hdr *h;
    for (struct avp *a = da_first(m); a; a = da_next(a))
        if (da_which(a, &h) == DA_SESSION_ID)
            return da_str(h, buf, len);
    return -ENOENT;
}

int diam_msg_set_dest_host(struct msg *m, const char *host)
{
    struct avp_hdr *h;
    bool request = false;
    if (diam_msg_info(m, NULL, NULL, &request) < 0 || !request)
        return -EINVAL;
    for (struct avp *a = da_first(m); a; a = da_next(a))
        if (da_which(a, &h) == DA_DEST_HOST) {
            fd_msg_free(a);             /* unlinked from the message first */
            break;
        }
    return da_add_str(m, DA_DEST_HOST, host);
}

int diam_msg_dest_host(struct msg *m, char *buf, size_t len)
{
    struct avp_hdr *h;
    if (!len)
        return -EINVAL;
    buf[0] = 0;
    for (struct avp *a = da_first(m); a; a = da_next(a))
        if (da_which(a, &h) == DA_DEST_HOST)
            return da_str(h, buf, len);
    return 0;
}

void diam_session_id_new(const char *identity, char *buf, size_t len)
{
    static uint32_t lo;
    uint32_t hi = (uint32_t)time(NULL), r = 0;
    if (!lo && getrandom(&r, sizeof(r), 0) == sizeof(r))
        lo = r;
    /* RFC 6733 8.8: <DiameterIdentity>;<high 32 bits>;<low 32 bits> */
    snprintf(buf, len, "%s;%u;%u", identity, hi, __atomic_add_fetch(&lo, 1, __ATOMIC_RELAXED));
}
