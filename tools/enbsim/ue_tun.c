/* enbsim: the user plane — a TUN device per attached UE and a GTP-U
 * endpoint per eNB, on tools/gtpu-ue's library (gtpu_ue_lib). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enbsim_ctx.h"

static struct gtpu_ue *lookup_dl(void *arg, uint32_t dl_teid)
{
    struct enbsim *x = arg;
    /* DL TEID = handover generation << 26 | (UE index + 1) << 4 | EPS
     * bearer identity (load.c) */
    uint32_t u = (dl_teid & 0x03ffffffu) >> 4;
    if (u == 0 || u - 1 >= x->n_ues)
        return NULL;
    struct enbsim_ue_ext *ext = &x->ext[u - 1];
    struct enbsim_ue *ue = &x->ues[u - 1];
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        if (ext->tun_used[i] && ext->tun[i].dl_teid == dl_teid) {
            ext->last_active = enbsim_now_ns();
            return &ext->tun[i];
        }
    /* a dedicated bearer's packets go to its PDN connection's device */
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++) {
        struct ue_bearer *b = &ue->bearer[i];
        if (!b->active || !b->dedicated || b->dl_teid != dl_teid)
            continue;
        for (int k = 0; k < ENBSIM_MAX_BEARERS; k++)
            if (ext->tun_used[k] && ue->bearer[k].active && !ue->bearer[k].dedicated &&
                ue->bearer[k].ebi == b->linked_ebi) {
                x->st.dedicated_dl++;
                ext->last_active = enbsim_now_ns();
                return &ext->tun[k];
            }
    }
    return NULL;
}

static void on_gtpu(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct enbsim_enb *e = w->data;
    struct enbsim *x = (struct enbsim *)((char *)(e - e->idx) - offsetof(struct enbsim, enbs));
    gtpu_ep_downlink(e->gtpu, lookup_dl, x);
}

int enbsim_gtpu_open(struct enbsim *x, struct enbsim_enb *e)
{
    static struct gtpu_ep eps[ENBSIM_MAX_ENBS]; /* large buffers: not on the heap per run */
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr = e->cfg.s1u_addr};
    struct sockaddr_in6 local6 = {.sin6_family = AF_INET6, .sin6_addr = e->cfg.s1u_addr6};
    e->gtpu = &eps[e->idx];
    memset(e->gtpu, 0, sizeof(*e->gtpu));
    e->gtpu->log_name = "enbsim";
    e->gtpu->verbose = x->o.verbose;
    /* GTP-U over IPv6 (TS 29.281 4.4.1) with --s1u-addr6 */
    int rc = e->cfg.has_s1u6 ? gtpu_ep_open6(e->gtpu, &local6) : gtpu_ep_open(e->gtpu, &local);
    if (rc) {
        e->gtpu = NULL;
        return rc;
    }
    ev_io_init(&e->gtpu_io, on_gtpu, e->gtpu->udp_fd, EV_READ);
    e->gtpu_io.data = e;
    ev_io_start(x->loop, &e->gtpu_io);
    return 0;
}

void enbsim_gtpu_close(struct enbsim *x, struct enbsim_enb *e)
{
    if (!e->gtpu)
        return;
    ev_io_stop(x->loop, &e->gtpu_io);
    gtpu_ep_close(e->gtpu);
    e->gtpu = NULL;
}

static void on_tun(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct enbsim *x = w->data;
    /* the watcher's place in x->ext[].tun_io[] names the UE and bearer */
    size_t ui = (size_t)((char *)w - (char *)x->ext) / sizeof(*x->ext);
    if (ui >= x->n_ues)
        return;
    struct enbsim_ue_ext *ext = &x->ext[ui];
    struct enbsim_ue *ue = &x->ues[ui];
    int bi = (int)(w - ext->tun_io);
    struct enbsim_enb *e = &x->enbs[ue->enb];
    if (bi < 0 || bi >= ENBSIM_MAX_BEARERS || !e->gtpu)
        return;
    if (ue->state == UE_ATTACHED &&
        ((!ue->s1_connected && !ext->up_kept) || ue->t_start[PROC_SERVICE])) {
        /* ECM-IDLE: the packets wait in the device's queue while the UE
         * asks for its bearers (TS 23.401 5.3.4.1) */
        enbsim_tun_pause(x, ue, true);
        enbsim_mob_uplink_pending(x, ue);
        return;
    }
    ext->last_active = enbsim_now_ns();
    bool tft = false;
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        tft |= ue->bearer[i].active && ue->bearer[i].dedicated &&
               ue->bearer[i].linked_ebi == ue->bearer[bi].ebi;
    if (!tft) {
        gtpu_ep_uplink(e->gtpu, &ext->tun[bi]);
        return;
    }
    /* the uplink TFTs of the dedicated bearers choose the tunnel of each
     * packet (TS 23.401 5.4.1) */
    static uint8_t pkt[GTPU_BUF];
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(ext->tun[bi].tun_fd, pkt, sizeof(pkt) - 64);
        if (n <= 0)
            return;
        struct ue_bearer *b = ue_tft_select(ue, ue->bearer[bi].ebi, pkt, (size_t)n);
        if (!b || b == &ue->bearer[bi] || !b->ul_teid) {
            gtpu_ep_send_tpdu(e->gtpu, &ext->tun[bi], pkt, (size_t)n);
            continue;
        }
        struct gtpu_ue via = ext->tun[bi];
        via.ul_teid = b->ul_teid;
        via.peer.sin_addr = b->gw_addr;
        via.peer6.sin6_addr = b->gw_addr6;
        if (gtpu_ep_send_tpdu(e->gtpu, &via, pkt, (size_t)n) == 0)
            x->st.dedicated_ul++;
    }
}

void enbsim_tun_pause(struct enbsim *x, struct enbsim_ue *ue, bool pause)
{
    struct enbsim_ue_ext *ext = &x->ext[ue->idx];
    if (ext->tun_paused == pause)
        return;
    ext->tun_paused = pause;
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++) {
        if (!ext->tun_used[i] || ext->tun[i].tun_fd < 0)
            continue;
        if (pause)
            ev_io_stop(x->loop, &ext->tun_io[i]);
        else
            ev_io_start(x->loop, &ext->tun_io[i]);
    }
}

static int tun_up(struct enbsim *x, struct enbsim_ue *ue, int bi)
{
    struct ue_bearer *b = &ue->bearer[bi];
    struct enbsim_ue_ext *ext = &x->ext[ue->idx];
    struct gtpu_ue *t = &ext->tun[bi];
    memset(t, 0, sizeof(*t));
    t->addr = b->ue_addr;
    t->has6 = b->pdn_type == NAS_PDN_IPV6 || b->pdn_type == NAS_PDN_IPV4V6;
    memcpy(t->iid6, b->iid6, sizeof(t->iid6));
    t->ul_teid = b->ul_teid;
    t->dl_teid = b->dl_teid;
    t->peer.sin_family = AF_INET;
    t->peer.sin_addr = b->gw_addr;
    t->peer.sin_port = htons(GTPU_PORT);
    if (x->enbs[ue->enb].cfg.has_s1u6 && b->gw6) {
        /* an eNB on IPv6: to the gateway's IPv6 address */
        t->peer6.sin6_family = AF_INET6;
        t->peer6.sin6_addr = b->gw_addr6;
        t->peer6.sin6_port = htons(GTPU_PORT);
    }
    t->tun_fd = -1;
    ext->tun_used[bi] = true;
    if (!x->o.tun)
        return 0;
    /* "ue<N>" for the default bearer, "ue<N>p<EBI>" for more PDN connections */
    if (bi == 0)
        snprintf(t->ifname, sizeof(t->ifname), "ue%u", ue->idx);
    else
        snprintf(t->ifname, sizeof(t->ifname), "ue%up%u", ue->idx, b->ebi);
    int rc = gtpu_ue_tun_open(t, (int)x->o.mtu);
    if (rc)
        return rc;
    ev_io *w = &ext->tun_io[bi];
    ev_io_init(w, on_tun, t->tun_fd, EV_READ);
    w->data = x;
    if (!ext->tun_paused)
        ev_io_start(x->loop, w);
    return 0;
}

static void tun_down(struct enbsim *x, struct enbsim_ue *ue, int bi)
{
    struct enbsim_ue_ext *ext = &x->ext[ue->idx];
    if (!ext->tun_used[bi])
        return;
    if (ext->tun[bi].tun_fd >= 0) {
        ev_io_stop(x->loop, &ext->tun_io[bi]);  /* stopping a stopped watcher is a no-op */
        gtpu_ue_tun_close(&ext->tun[bi]);
    }
    ext->tun_used[bi] = false;
}

int enbsim_tun_sync(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = &x->ext[ue->idx];
    int err = 0;
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++) {
        struct ue_bearer *b = &ue->bearer[i];
        /* a dedicated bearer shares its PDN connection's device */
        bool want = b->active && b->ul_teid && !b->dedicated;
        if (ext->tun_used[i] && want && ext->tun[i].addr.s_addr == b->ue_addr.s_addr) {
            /* new tunnel end points (service request, handover): the
             * device and what is bound to it stay */
            ext->tun[i].ul_teid = b->ul_teid;
            ext->tun[i].dl_teid = b->dl_teid;
            ext->tun[i].peer.sin_addr = b->gw_addr;
            ext->tun[i].peer6.sin6_addr = b->gw_addr6;
            /* the new eNB's family (a handover between IPv4 and IPv6) */
            ext->tun[i].peer6.sin6_family =
                x->enbs[ue->enb].cfg.has_s1u6 && b->gw6 ? AF_INET6 : 0;
            ext->tun[i].peer6.sin6_port = htons(GTPU_PORT);
            continue;
        }
        if (ext->tun_used[i] && (!want || ext->tun[i].dl_teid != b->dl_teid))
            tun_down(x, ue, i);
        if (want && !ext->tun_used[i]) {
            int rc = tun_up(x, ue, i);
            if (rc && !err)
                err = rc;
        }
    }
    return err;
}

void enbsim_tun_all_down(struct enbsim *x, struct enbsim_ue *ue)
{
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
        tun_down(x, ue, i);
    x->ext[ue->idx].tun_paused = false;
}
