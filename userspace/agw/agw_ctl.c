/* The control socket of xepc-agwd: xepcctl's way in (enb list, ue list /
 * show / detach, stats).  A Unix stream socket, mode 0660, owned by root and
 * the configured group; one request line per connection, answered with
 * "ok" or "error: why" on the first line, then the result, then EOF.
 * Served on the loop, non-blocking: requests touch only memory. */
#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agw/agw.h"
#include "agw/agw_gx.h"
#include "lib/strbuf.h"
#include "dp/dp.h"

#define CTL_MAX_REQ 2048

struct agw_ctl {
    int fd;
    ev_io io;
    char path[108];
    unsigned clients;
};

static const char *pdn_state_str(enum agw_pdn_state s)
{
    switch (s) {
    case PDN_FREE: return "free";
    case PDN_PENDING: return "pending";
    case PDN_ACTIVE: return "active";
    case PDN_RELEASING: return "releasing";
    }
    return "?";
}

static void cmd_enb_list(struct agw_ctx *ctx, struct strbuf *o)
{
    struct agw_hash *h = &ctx->enb_by_assoc;
    strbuf_printf(o, "ok\n%-8s %-10s %-24s %-21s %-5s %s\n", "ASSOC", "ENB-ID", "NAME", "ADDRESS",
         "UES", "TACS");
    for (size_t i = 0; i <= h->mask; i++)
        for (struct agw_hnode *n = h->buckets[i]; n; n = n->next) {
            const struct agw_enb *e = agw_container_of(n, struct agw_enb, by_assoc);
            char a[INET_ADDRSTRLEN], tacs[128] = "";
            size_t tl = 0;
            for (unsigned t = 0; t < e->n_tais && tl < sizeof(tacs) - 8; t++)
                tl += (size_t)snprintf(tacs + tl, sizeof(tacs) - tl, "%s%u", t ? "," : "",
                                       e->tais[t].tac);
            inet_ntop(AF_INET, &e->addr.sin_addr, a, sizeof(a));
            strbuf_printf(o, "%-8u %-10u %-24s %s:%-5u %-5u %s%s\n", e->assoc_id, e->enb_id,
                 e->name[0] ? e->name : "-", a, ntohs(e->addr.sin_port), e->n_ues,
                 e->setup ? tacs : "(no S1 Setup)", e->name_lenient ? " (name not PrintableString)" : "");
        }
}

/* enb reset ENB-ID|#ASSOC: TS 36.413 8.7.1.2.1, MME-initiated Reset */
static void cmd_enb_reset(struct agw_ctx *ctx, struct strbuf *o, const char *arg)
{
    struct agw_enb *enb = NULL;
    char *end = NULL;
    unsigned long v = arg ? strtoul(arg[0] == '#' ? arg + 1 : arg, &end, 0) : 0;
    if (arg && end && !*end && end != arg) {
        if (arg[0] == '#') {
            enb = enb_find_assoc(ctx, (uint32_t)v);
        } else {
            struct agw_hash *h = &ctx->enb_by_assoc;
            for (size_t i = 0; i <= h->mask && !enb; i++)
                for (struct agw_hnode *n = h->buckets[i]; n && !enb; n = n->next) {
                    struct agw_enb *e = agw_container_of(n, struct agw_enb, by_assoc);
                    if (e->setup && e->enb_id == v)
                        enb = e;
                }
        }
    }
    if (!enb) {
        strbuf_printf(o, "error: no set-up eNB %s (give its eNB ID or #ASSOC, see enb list)\n",
                      arg ? arg : "");
        return;
    }
    unsigned n = 0;
    int rc = s1ap_mme_reset(ctx, enb, &n);
    if (rc < 0)
        strbuf_printf(o, "error: reset failed: %s\n", strerror(-rc));
    else
        strbuf_printf(o, "ok\nreset sent to eNB %u (assoc %u): %u UE connections released\n",
                      enb->enb_id, enb->assoc_id, n);
}

static void ue_line(struct agw_ctx *ctx, struct agw_ue *ue, void *arg)
{
    struct strbuf *o = arg;
    char b[20], ip[INET_ADDRSTRLEN] = "-";
    for (unsigned i = 0; i < AGW_MAX_PDN; i++)
        if (ue->pdn[i].state != PDN_FREE) {
            inet_ntop(AF_INET, &ue->pdn[i].ue_ip, ip, sizeof(ip));
            break;
        }
    strbuf_printf(o, "%-16s %-10u %-22s %-10s %-15s %08x\n", ue_imsi_log(ctx, ue, b), ue->id,
         emm_state_str(ue->emm), ue->s1 ? "connected" : "idle", ip, ue->m_tmsi);
}

static void cmd_ue_list(struct agw_ctx *ctx, struct strbuf *o)
{
    strbuf_printf(o, "ok\n%-16s %-10s %-22s %-10s %-15s %s\n", "IMSI", "MME-UE-ID", "EMM", "ECM", "IP",
         "M-TMSI");
    ue_foreach(ctx, ue_line, o);
}

static void cmd_ue_show(struct agw_ctx *ctx, struct strbuf *o, struct agw_ue *ue)
{
    char b[20];
    strbuf_printf(o, "ok\nimsi %s\nmme_ue_s1ap_id %u\nemm %s\necm %s\nm_tmsi %08x\n",
         ue_imsi_log(ctx, ue, b), ue->id, emm_state_str(ue->emm), ue->s1 ? "connected" : "idle",
         ue->m_tmsi);
    if (ue->s1)
        strbuf_printf(o, "enb_assoc %u\nenb_ue_s1ap_id %u\ntac %u\ncell %07x\n", ue->assoc_id,
             ue->enb_ue_id, ue->tac, ue->cell_id);
    if (ue->sec_valid)
        strbuf_printf(o, "security ksi %u %s %s ul_count %u dl_count %u\n", ue->ksi,
             sec_eea_name(ue->sec.eea), sec_eia_name(ue->sec.eia), ue->sec.ul_count,
             ue->sec.dl_count);
    strbuf_printf(o, "ue_ambr ul %llu dl %llu\n", (unsigned long long)ue->ue_ambr_ul,
         (unsigned long long)ue->ue_ambr_dl);
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct agw_pdn *p = &ue->pdn[i];
        char ip[INET_ADDRSTRLEN], enb[INET6_ADDRSTRLEN];
        if (p->state == PDN_FREE)
            continue;
        inet_ntop(AF_INET, &p->ue_ip, ip, sizeof(ip));
        if (!p->enb_addr.s_addr && !IN6_IS_ADDR_UNSPECIFIED(&p->enb6))
            inet_ntop(AF_INET6, &p->enb6, enb, sizeof(enb));    /* GTP-U over IPv6 */
        else
            inet_ntop(AF_INET, &p->enb_addr, enb, sizeof(enb));
        strbuf_printf(o, "pdn ebi %u apn %s ip %s state %s ul_teid 0x%08x dl_teid 0x%08x enb %s qci %u "
             "ambr ul %llu dl %llu\n", p->ebi, ctx->cfg->apns[p->apn_idx].name, ip,
             pdn_state_str(p->state), p->ul_teid, p->dl_teid, enb, p->qci,
             (unsigned long long)p->ambr_ul_bps, (unsigned long long)p->ambr_dl_bps);
        if (pgw_pdn_has_v6(p)) {
            /* PDN type IPv6/IPv4v6: the /64 (docs/agw.md "PDN types") */
            uint8_t a6[16] = {0};
            char s6[INET6_ADDRSTRLEN];
            memcpy(a6, p->ue6_prefix, 8);
            inet_ntop(AF_INET6, a6, s6, sizeof(s6));
            strbuf_printf(o, "pdn ebi %u ipv6 %s/64\n", p->ebi, s6);
        }
    }
    esm_bearer_show(ctx, ue, o);
    esm_dqos_show(ctx, ue, o);      /* esm_dqos.c */
}

static void cmd_stats(struct agw_ctx *ctx, struct strbuf *o)
{
    strbuf_printf(o, "ok\n");
#define AGW_CNT_PRINT(n, h) strbuf_printf(o, "%s %llu\n", #n, (unsigned long long)ctx->stats.n);
    AGW_COUNTERS(AGW_CNT_PRINT)
#undef AGW_CNT_PRINT
    unsigned attached = 0, connected = 0;
    struct agw_hash *h = &ctx->ue_by_id;
    for (size_t i = 0; i <= h->mask; i++)
        for (struct agw_hnode *n = h->buckets[i]; n; n = n->next) {
            const struct agw_ue *ue = agw_container_of(n, struct agw_ue, by_id);
            attached += ue->emm == EMM_REGISTERED;
            connected += ue->s1;
        }
    strbuf_printf(o, "enbs_connected %zu\nenbs_setup %u\nues_attached %u\nues_connected %u\n",
         ctx->enb_by_assoc.count, ctx->n_enbs_setup, attached, connected);
    agw_diam_stats_render(ctx, o, false);   /* s6a_*, gx_*, gy_* (agw_gx.h) */
}

static struct agw_ue *find_ue_arg(struct agw_ctx *ctx, const char *arg)
{
    /* an IMSI (digits, 6..15) or an MME UE S1AP ID prefixed with '#' */
    if (arg[0] == '#')
        return ue_find_id(ctx, (uint32_t)strtoul(arg + 1, NULL, 10));
    size_t n = strlen(arg);
    if (n < 6 || n > 15 || strspn(arg, "0123456789") != n)
        return NULL;
    return ue_find_imsi(ctx, arg);
}

/* "0a1B.." -> octets; -1 on odd length or a non-hex digit */
static int hex_arg(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        char d[3] = {s[2 * i], s[2 * i + 1], 0}, *e = NULL;
        if (!isxdigit((unsigned char)d[0]) || !isxdigit((unsigned char)d[1]))
            return -1;
        out[i] = (uint8_t)strtoul(d, &e, 16);
    }
    return (int)(n / 2);
}

/* ue generic-nas ID TYPE HEX [INFO-HEX] (TS 24.301 5.6.4.2) */
static void cmd_generic_nas(struct agw_ctx *ctx, struct strbuf *o, const char *id, char *save)
{
    char *type = strtok_r(NULL, " \t\r\n", &save);
    char *data = type ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    char *info = data ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    static uint8_t c[512], a[255];  /* fits a CTL_MAX_REQ line in hex */
    struct agw_ue *ue = id ? find_ue_arg(ctx, id) : NULL;
    char *e = NULL;
    unsigned long t = type ? strtoul(type, &e, 10) : 0;
    int n = data ? hex_arg(data, c, sizeof(c)) : -1, k = info ? hex_arg(info, a, sizeof(a)) : 0;
    int rc = !ue ? -ENOENT : (!e || *e || t < 1 || t > 255 || n < 1 || k < 0)
                 ? -EINVAL : emm_send_dl_generic(ctx, ue, (uint8_t)t, c, (size_t)n, a, (size_t)k);
    if (rc < 0)
        strbuf_printf(o, "error: generic-nas %s: %s\n", id ? id : "",
                      rc == -ENOENT ? "no such UE (give an IMSI or #MME-UE-S1AP-ID)"
                      : rc == -EINVAL ? "give a container type 1..255 and 1..512 octets in hex "
                                        "(additional information: up to 255)"
                      : rc == -ENOTCONN ? "the UE is idle (no S1 connection)"
                      : rc == -EAGAIN ? "the UE is not registered"
                      : strerror(-rc));
    else
        strbuf_printf(o, "ok\n");
}

static void handle_request(struct agw_ctx *ctx, char *req, struct strbuf *o)
{
    char *save = NULL;
    char *w1 = strtok_r(req, " \t\r\n", &save);
    char *w2 = w1 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    char *w3 = w2 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    if (!w1) {
        strbuf_printf(o, "error: empty request\n");
    } else if (!strcmp(w1, "enb") && w2 && !strcmp(w2, "list")) {
        cmd_enb_list(ctx, o);
    } else if (!strcmp(w1, "enb") && w2 && !strcmp(w2, "reset")) {
        cmd_enb_reset(ctx, o, w3);
    } else if (!strcmp(w1, "ue") && w2 && !strcmp(w2, "list")) {
        cmd_ue_list(ctx, o);
    } else if (!strcmp(w1, "ue") && w2 && (!strcmp(w2, "release") || !strcmp(w2, "guti-realloc"))) {
        struct agw_ue *ue = w3 ? find_ue_arg(ctx, w3) : NULL;
        int rc = !ue ? -ENOENT : !strcmp(w2, "release") ? emm_release_ue(ctx, ue)
                                                         : emm_guti_realloc_start(ctx, ue);
        if (rc < 0)
            strbuf_printf(o, "error: %s %s: %s\n", w2, w3 ? w3 : "",
                          rc == -ENOENT ? "no such UE (give an IMSI or #MME-UE-S1AP-ID)"
                          : rc == -ENOTCONN ? "the UE is idle (no S1 connection)"
                          : rc == -EBUSY ? "another procedure is running"
                          : strerror(-rc));
        else
            strbuf_printf(o, "ok\n");
    } else if (!strcmp(w1, "ue") && w2 && (!strcmp(w2, "show") || !strcmp(w2, "detach"))) {
        struct agw_ue *ue = w3 ? find_ue_arg(ctx, w3) : NULL;
        if (!ue) {
            strbuf_printf(o, "error: no UE %s (give an IMSI or #MME-UE-S1AP-ID)\n", w3 ? w3 : "");
        } else if (!strcmp(w2, "show")) {
            cmd_ue_show(ctx, o, ue);
        } else {
            uint64_t paged = ctx->stats.detach_paged;
            int rc = emm_detach_ue(ctx, ue, false);     /* ue may be freed */
            if (rc < 0)
                strbuf_printf(o, "error: detach failed: %s\n", strerror(-rc));
            else if (ctx->stats.detach_paged != paged)
                strbuf_printf(o, "ok\nthe UE is idle and paged; it is detached when it answers, "
                                 "or locally when it does not\n");
            else
                strbuf_printf(o, "ok\n");
        }
    } else if (!strcmp(w1, "ue") && w2 && !strcmp(w2, "modify")) {
        /* ue modify ID UL_BPS DL_BPS */
        char *w4 = w3 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
        char *w5 = w4 ? strtok_r(NULL, " \t\r\n", &save) : NULL;
        struct agw_ue *ue = w3 ? find_ue_arg(ctx, w3) : NULL;
        char *e1 = NULL, *e2 = NULL;
        unsigned long long ul = w4 ? strtoull(w4, &e1, 10) : 0;
        unsigned long long dl = w5 ? strtoull(w5, &e2, 10) : 0;
        int rc = !ue ? -ENOENT : (!e1 || *e1 || !e2 || *e2) ? -EINVAL
                                                           : s1ap_ue_modify_ambr(ctx, ue, ul, dl);
        if (rc == -ENOENT)
            strbuf_printf(o, "error: no UE %s (give an IMSI or #MME-UE-S1AP-ID)\n", w3 ? w3 : "");
        else if (rc == -EINVAL || rc == -ERANGE)
            strbuf_printf(o, "error: UE-AMBR must be two bit rates, 1 bit/s .. 4 Tbit/s\n");
        else if (rc == -EAGAIN)
            strbuf_printf(o, "error: the UE is not registered\n");
        else if (rc < 0)
            strbuf_printf(o, "error: modification failed: %s\n", strerror(-rc));
        else
            strbuf_printf(o, "ok\nUE-AMBR ul %llu dl %llu bit/s%s\n", ul, dl,
                          ue->s1 ? " sent to the eNB (UE Context Modification)"
                                 : " stored (the UE is idle: sent with its next Initial Context Setup)");
    } else if (!strcmp(w1, "ue") && w2 && !strcmp(w2, "generic-nas")) {
        cmd_generic_nas(ctx, o, w3, save);
    } else if (!strcmp(w1, "ue") && w2 && !strcmp(w2, "bearer")) {
        esm_bearer_ctl(ctx, w3, save, o);   /* esm_bearer.c */
    } else if (!strcmp(w1, "ue") && w2 && !strcmp(w2, "qos")) {
        esm_dqos_ctl(ctx, w3, save, o);     /* esm_dqos.c */
    } else if (!strcmp(w1, "stats")) {
        cmd_stats(ctx, o);
    } else {
        strbuf_printf(o, "error: unknown request \"%s\" (enb list, enb reset ID, ue list, ue show ID, "
             "ue detach ID, ue release ID, ue guti-realloc ID, ue generic-nas ID TYPE HEX, stats)\n", w1);
    }
}

/* One client: its request is read and its answer written as the socket
 * allows, on the loop, so that a slow or stuck client never stalls the
 * gateway; a client that says nothing for CTL_IDLE_S is dropped. */
#define CTL_IDLE_S 5.0
#define CTL_MAX_CLIENTS 32

struct ctl_client {
    struct agw_ctx *ctx;
    int fd;
    ev_io io;
    ev_timer idle;
    char req[CTL_MAX_REQ];
    size_t req_len;
    struct strbuf out;
    size_t sent;
};

static void client_close(struct ctl_client *c)
{
    struct agw_ctx *ctx = c->ctx;
    ev_io_stop(ctx->loop, &c->io);
    ev_timer_stop(ctx->loop, &c->idle);
    close(c->fd);
    strbuf_free(&c->out);
    ctx->ctl->clients--;
    free(c);
}

static void client_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct ctl_client *c = w->data;
    (void)revents;
    if (!c->out.buf) {
        ssize_t n = recv(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0 && c->req_len == 0) {
            client_close(c);
            return;
        }
        if (n > 0)
            c->req_len += (size_t)n;
        c->req[c->req_len] = 0;
        /* a request is one line; EOF or a full buffer ends it too */
        if (n > 0 && !strchr(c->req, '\n') && c->req_len < sizeof(c->req) - 1)
            return;
        handle_request(c->ctx, c->req, &c->out);
        if (!c->out.buf) {
            client_close(c);
            return;
        }
        ev_io_stop(loop, &c->io);
        ev_io_set(&c->io, c->fd, EV_WRITE);
        ev_io_start(loop, &c->io);
        return;
    }
    while (c->sent < c->out.len) {
        ssize_t k = send(c->fd, c->out.buf + c->sent, c->out.len - c->sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (k <= 0)
            break;
        c->sent += (size_t)k;
        ev_timer_again(loop, &c->idle);
    }
    client_close(c);
}

static void client_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    client_close(w->data);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)revents;
    int fd = accept4(ctx->ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ctl_client *c = ctx->ctl->clients < CTL_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
    if (!c) {
        close(fd);
        return;
    }
    ctx->ctl->clients++;
    c->ctx = ctx;
    c->fd = fd;
    ev_io_init(&c->io, client_io, fd, EV_READ);
    c->io.data = c;
    ev_io_start(loop, &c->io);
    ev_init(&c->idle, client_idle);
    c->idle.repeat = CTL_IDLE_S;
    c->idle.data = c;
    ev_timer_again(loop, &c->idle);
}

int agw_ctl_open(struct agw_ctx *ctx)
{
    const char *path = ctx->cfg->control.socket;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!path[0])
        return 0;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        LOG_ERR(ctx, "ctl", "control.socket path too long: %s", path);
        return -ENAMETOOLONG;
    }
    struct agw_ctl *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    /* the length was checked above (memcpy: the sanitizer build's
     * -Wformat-truncation cannot see that) */
    memcpy(c->path, path, strlen(path) + 1);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        free(c);
        return -errno;
    }
    unlink(path);   /* a stale socket of a previous run */
    mode_t old = umask(0117);
    int rc = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || listen(c->fd, 16) < 0) {
        LOG_ERR(ctx, "ctl", "control socket %s: %s (does its directory exist?)", path,
                strerror(errno));
        close(c->fd);
        free(c);
        return -errno;
    }
    if (ctx->cfg->control.group[0]) {
        struct group *g = getgrnam(ctx->cfg->control.group);
        if (!g || chown(path, 0, g->gr_gid) < 0)
            LOG_WARN(ctx, "ctl", "control socket: group %s not applied", ctx->cfg->control.group);
    }
    ctx->ctl = c;
    ev_io_init(&c->io, on_accept, c->fd, EV_READ);
    c->io.data = ctx;
    ev_io_start(ctx->loop, &c->io);
    return 0;
}

void agw_ctl_close(struct agw_ctx *ctx)
{
    struct agw_ctl *c = ctx->ctl;
    if (!c)
        return;
    ev_io_stop(ctx->loop, &c->io);
    close(c->fd);
    unlink(c->path);
    free(c);
    ctx->ctl = NULL;
}
