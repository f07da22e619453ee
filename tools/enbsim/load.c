/* enbsim: the run — which UE starts when (rate, concurrency), and the
 * procedures of every UE driven by what the MME sends (TS 23.401 5.3.2
 * attach, 5.3.8 detach, 5.10 PDN connections; TS 36.413 8.3, 8.6).
 *
 * A UE goes through, as the options ask:
 *   attach [-> PDN connect on --pdn APN -> PDN disconnect] [-> hold]
 *   [-> detach (normal or switch-off)] ... --attaches times, then done.
 * Every step has a deadline (--timeout); a sweep timer checks them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enbsim_ctx.h"

static uint8_t tx[4096]; /* one message is built and sent at a time */

static struct enbsim_ue_ext *ext_of(struct enbsim *x, struct enbsim_ue *ue)
{
    return &x->ext[ue->idx];
}

static void log_ue(struct enbsim *x, struct enbsim_ue *ue, const char *what)
{
    if (x->o.verbose)
        fprintf(stderr, "enbsim: UE %u (IMSI %s, eNB %u, eNB-UE-ID %u): %s\n", ue->idx,
                ue->usim.sub.imsi, ue->enb, ue->enb_ue_id, what);
}

static void arm(struct enbsim *x, struct enbsim_ue *ue)
{
    ext_of(x, ue)->deadline = enbsim_now_ns() + (uint64_t)(x->o.timeout * 1e9);
}

void enbsim_arm(struct enbsim *x, struct enbsim_ue *ue)
{
    arm(x, ue);
}

/* The UE-side NAS configuration for this UE: its APN is --apn, else its
 * subscriber's first APN. */
static const struct ue_nas_cfg *cfg_for(struct enbsim *x, struct enbsim_ue *ue)
{
    x->nas.apn = x->o.apn ? x->o.apn : ue->usim.sub.apn;
    x->nas.tac = x->enbs[ue->enb].cfg.tac;
    return &x->nas;
}

const struct ue_nas_cfg *enbsim_cfg_for(struct enbsim *x, struct enbsim_ue *ue)
{
    return cfg_for(x, ue);
}

static uint16_t ue_stream(struct enbsim *x, struct enbsim_ue *ue)
{
    (void)x;
    return ue->stream;
}

static int send_ul_nas(struct enbsim *x, struct enbsim_ue *ue, const uint8_t *nas, size_t len)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    int n = enb_build_ul_nas(&e->cfg, ue->mme_ue_id, ue->enb_ue_id, nas, len, tx, sizeof(tx));
    if (n < 0)
        return n;
    x->st.nas_out++;
    return enbsim_send(x, e, ue_stream(x, ue), tx, (size_t)n);
}

int enbsim_send_ul_nas(struct enbsim *x, struct enbsim_ue *ue, const uint8_t *nas, size_t len)
{
    return send_ul_nas(x, ue, nas, len);
}

/* --ready-file: once every UE has attached or failed, the UE report is
 * written and then the ready file, so that a test can start its traffic. */
static void settle(struct enbsim *x, struct enbsim_ue *ue)
{
    if (x->ext[ue->idx].settled || (!ue->attaches && !x->ext[ue->idx].finished))
        return;
    x->ext[ue->idx].settled = true;
    if (++x->settled < x->n_ues || x->ready_written || !x->o.ready_file)
        return;
    x->ready_written = true;
    if (x->o.ue_report)
        enbsim_ue_report(x, x->o.ue_report);
    FILE *f = fopen(x->o.ready_file, "w");
    if (f) {
        fprintf(f, "%u\n", (unsigned)getpid());
        fclose(f);
    } else {
        fprintf(stderr, "enbsim: cannot write %s: %s\n", x->o.ready_file, strerror(errno));
    }
}

/* The UE is finished: counted once, its slot freed for the load. */
static void ue_finish(struct enbsim *x, struct enbsim_ue *ue, bool failed)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ext->finished)
        return;
    ext->finished = true;
    ext->failed = failed;
    ext->deadline = 0;
    ext->hold_until = 0;
    if (ue->state == UE_ATTACHING && x->in_flight)
        x->in_flight--;
    if (failed || !ue->attaches)
        ue->state = failed ? UE_DONE : ue->state;
    x->finished++;
    settle(x, ue);
    enbsim_maybe_done(x);
}

static void ue_fail(struct enbsim *x, struct enbsim_ue *ue, enum enbsim_proc p, const char *why,
                    uint8_t cause)
{
    char c[48];
    if (cause)
        snprintf(c, sizeof(c), "%s-%u", why, cause);
    else
        snprintf(c, sizeof(c), "%s", why);
    ue->last_fail = why;
    ue->last_fail_cause = cause;
    enbsim_stat_fail(x, p, c);
    log_ue(x, ue, c);
    enbsim_tun_all_down(x, ue);
    ue_finish(x, ue, true);
}

void enbsim_ue_fail(struct enbsim *x, struct enbsim_ue *ue, enum enbsim_proc p, const char *why,
                    uint8_t cause)
{
    ue_fail(x, ue, p, why, cause);
}

static enum enbsim_proc running_proc(struct enbsim_ue *ue)
{
    static const enum enbsim_proc mob[] = {PROC_X2HO, PROC_S1HO, PROC_TAU, PROC_SERVICE, PROC_IDLE,
                                           PROC_DEDICATED};
    for (size_t i = 0; i < sizeof(mob) / sizeof(mob[0]); i++)
        if (ue->t_start[mob[i]])
            return mob[i];
    for (int p = PROC_PDN_DISCONNECT; p >= PROC_ATTACH; p--)
        if (ue->t_start[p])
            return (enum enbsim_proc)p;
    if (ue->t_start[PROC_DETACH])
        return PROC_DETACH;
    return PROC_ATTACH;
}

/* eNB UE S1AP ID (TS 36.413 9.2.3.4): gen << id_bits | UE index, unique
 * in the eNB at any time (a UE that moves keeps its index, so every eNB
 * can name it); a new one per connection. */
static uint32_t new_enb_ue_id(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue)
{
    e->gen = (e->gen + 1) & ((1u << (24 - x->id_bits)) - 1);
    return (e->gen << x->id_bits) | ue->idx;
}

uint32_t enbsim_new_enb_ue_id(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue)
{
    return new_enb_ue_id(x, e, ue);
}

/* The UE whose connection on eNB e has this eNB UE S1AP ID: its current
 * one, or the target side of an X2 handover in progress. */
static struct enbsim_ue *ue_by_enb_id(struct enbsim *x, struct enbsim_enb *e, uint32_t id)
{
    uint32_t idx = id & ((1u << x->id_bits) - 1);
    if (idx >= x->n_ues)
        return NULL;
    struct enbsim_ue *ue = &x->ues[idx];
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ue->enb == e->idx && ue->s1_connected && ue->enb_ue_id == id)
        return ue;
    if (ext->ho_pending && ext->ho_enb == e->idx && ext->ho_enb_ue_id == id)
        return ue;
    return NULL;
}

static void pump(struct enbsim *x);

/* A UE that attaches again (--attaches) waits its turn within
 * --concurrency and --rate, behind those that were ready before it. */
static void rq_push(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ext->queued || !x->rq)
        return;
    ext->queued = true;
    x->rq[(x->rq_head + x->rq_n++) % x->n_ues] = ue->idx;
}

/* Paged by IMSI (TS 24.301 5.6.2.2.2): the UE deletes its GUTI, keys and
 * bearers locally and attaches again, within --concurrency and --rate. */
void enbsim_reattach(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    enbsim_tun_all_down(x, ue);
    ue_nas_reset(ue, false);
    memset(ue->t_start, 0, sizeof(ue->t_start));
    ue->state = UE_IDLE;
    ue->s1_connected = false;
    ext->hold_until = 0;
    ext->deadline = 0;
    ext->pdn_phase_done = false;
    ext->attaches_left++;
    rq_push(x, ue);
    pump(x);
}

static void start_attach(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    uint8_t nas[ENBSIM_NAS_MAX];
    unsigned slot = ue->idx / x->n_enbs;
    int n = ue_nas_attach_request(ue, cfg_for(x, ue), nas, sizeof(nas));
    ue->state = UE_ATTACHING;
    ue->auth_rounds = 0;
    ue->kenb_checked = false;
    ue->kenb_count_fixed = false;
    memset(ue->t_start, 0, sizeof(ue->t_start));
    ue->t_start[PROC_ATTACH] = enbsim_now_ns();
    ue->enb_ue_id = new_enb_ue_id(x, e, ue);
    ue->mme_ue_id_known = false;
    ue->s1_connected = true;
    /* UE-associated signalling on streams 1.., spread by UE (TS 36.412 7) */
    ue->stream = (uint16_t)(1 + slot % (x->o.streams > 1 ? x->o.streams - 1u : 1u));
    x->in_flight++;
    if (x->in_flight > x->st.max_in_flight)
        x->st.max_in_flight = x->in_flight;
    if (!x->st.t_first_attach)
        x->st.t_first_attach = ue->t_start[PROC_ATTACH];
    arm(x, ue);
    if (n < 0) {
        ue_fail(x, ue, PROC_ATTACH, "nas-encode", 0);
        return;
    }
    int m = enb_build_initial_ue(&e->cfg, ue->enb_ue_id, nas, (size_t)n, tx, sizeof(tx));
    if (m > 0 && x->o.misbehave == ENBSIM_MB_S1AP_TRUNCATED) {
        m = m > 12 ? m - 12 : m; /* TS 36.413 10.2: a transfer syntax error */
        ue->misbehaved++;
    } else if (m > 0 && x->o.misbehave == ENBSIM_MB_S1AP_UNKNOWN_IE) {
        m = enb_add_unknown_ie(tx, (size_t)m, sizeof(tx));
        ue->misbehaved++;
    }
    if (m < 0 || enbsim_send(x, e, ue_stream(x, ue), tx, (size_t)m)) {
        ue_fail(x, ue, PROC_ATTACH, "send", 0);
        return;
    }
    log_ue(x, ue, ue->have_guti ? "GUTI attach" : "IMSI attach");
}

/* A NAS message from a UE without an S1 connection (ECM-IDLE) opens one:
 * Initial UE Message with a new eNB UE S1AP ID (TS 36.413 8.6.2.1). */
static int send_initial(struct enbsim *x, struct enbsim_ue *ue, const uint8_t *nas, size_t len)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    ue->enb_ue_id = new_enb_ue_id(x, e, ue);
    ue->mme_ue_id_known = false;
    ue->s1_connected = true;
    int m = enb_build_initial_ue(&e->cfg, ue->enb_ue_id, nas, len, tx, sizeof(tx));
    return m < 0 ? m : enbsim_send(x, e, ue_stream(x, ue), tx, (size_t)m);
}

static void start_detach(struct enbsim *x, struct enbsim_ue *ue)
{
    uint8_t nas[ENBSIM_NAS_MAX];
    int n = ue_nas_detach_request(ue, cfg_for(x, ue), x->o.switch_off, nas, sizeof(nas));
    ue->state = UE_DETACHING;
    ue->t_start[PROC_DETACH] = enbsim_now_ns();
    arm(x, ue);
    /* TS 24.301 5.5.2.2.1: from ECM-IDLE the Detach Request is the initial
     * NAS message of a new connection */
    if (n < 0 || (ue->s1_connected ? send_ul_nas(x, ue, nas, (size_t)n)
                                   : send_initial(x, ue, nas, (size_t)n))) {
        ue_fail(x, ue, PROC_DETACH, "send", 0);
        return;
    }
    log_ue(x, ue, x->o.switch_off ? "detach (switch off)" : "detach");
    if (x->o.switch_off) {
        /* TS 24.301 5.5.2.2.2: no Detach Accept for a switch-off; the
         * network releases the S1 connection */
        enbsim_stat_ok(x, PROC_DETACH, ue->t_start[PROC_DETACH]);
        ue->t_start[PROC_DETACH] = 0;
        ue->t_start[PROC_CTX_RELEASE] = enbsim_now_ns();
    }
}

/* What comes after a finished step. */
static void next_step(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    uint8_t nas[ENBSIM_NAS_MAX];
    if (ue->state != UE_ATTACHED || ext->finished)
        return;
    if (x->o.pdn_apn && !ext->pdn_phase_done && !ue->t_start[PROC_PDN_CONNECT] &&
        !ue->t_start[PROC_PDN_DISCONNECT]) {
        int n = ue_nas_pdn_connect(ue, cfg_for(x, ue), x->o.pdn_apn, nas, sizeof(nas));
        ue->t_start[PROC_PDN_CONNECT] = enbsim_now_ns();
        arm(x, ue);
        if (n < 0 || send_ul_nas(x, ue, nas, (size_t)n))
            ue_fail(x, ue, PROC_PDN_CONNECT, "send", 0);
        return;
    }
    if (ue->t_start[PROC_PDN_CONNECT] || ue->t_start[PROC_PDN_DISCONNECT])
        return;
    ext->deadline = 0;
    if (x->o.hold > 0 && !ext->hold_until) {
        ext->hold_until = enbsim_now_ns() + (uint64_t)(x->o.hold * 1e9);
        return;
    }
    if (x->o.hold > 0 && enbsim_now_ns() < ext->hold_until)
        return;
    /* --cycles / --handovers: held until they are done; a mobility
     * procedure in progress ends first */
    bool goals = (x->o.cycles && ext->cycles_done < x->o.cycles) ||
                 (x->o.handovers && ext->hos_done < x->o.handovers);
    if (!x->stopping && (goals || enbsim_mob_running(ue))) {
        ext->hold_until = enbsim_now_ns() + 100000000ull;
        return;
    }
    if (enbsim_mob_running(ue)) {
        ext->hold_until = enbsim_now_ns() + 100000000ull;
        return;
    }
    if (x->o.detach && !x->enbs[ue->enb].s1_ready && !x->enbs[ue->enb].down) {
        /* its eNB is setting S1 up again: detach when it is back, but after
         * a stop signal not longer than one procedure timeout (the MME may
         * never come back; enbsim must end) */
        if (x->stopping && x->t_stop &&
            enbsim_now_ns() - x->t_stop > (uint64_t)(x->o.timeout * 1e9)) {
            ue_fail(x, ue, PROC_DETACH, "enb-not-back", 0);
            return;
        }
        ext->hold_until = enbsim_now_ns() + 100000000ull;
        return;
    }
    ext->hold_until = 0;
    if (x->o.detach)
        start_detach(x, ue);
    else
        ue_finish(x, ue, false);
}

void enbsim_next_step(struct enbsim *x, struct enbsim_ue *ue)
{
    next_step(x, ue);
}

static void after_detach(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    ue->state = UE_IDLE;
    ue->t_start[PROC_DETACH] = 0;
    enbsim_tun_all_down(x, ue);
    if (ext->attaches_left > 0) {
        ext->pdn_phase_done = false;
        /* the next attach waits for the S1 release (a new connection) */
        return;
    }
    ue->state = UE_DONE;
}

static void on_nas(struct enbsim *x, struct enbsim_ue *ue, const uint8_t *nas, size_t len,
                   struct ue_nas_out *o)
{
    ue_nas_handle_dl(ue, cfg_for(x, ue), nas, len, o);
}

/* What the UE did with a bearer procedure: counted, shown (--verbose) */
static void note_esm(struct enbsim *x, struct enbsim_ue *ue, const struct ue_nas_out *o)
{
    char what[160];
    if (o->default_modified) {
        const struct ue_bearer *b = NULL;
        for (int k = 0; k < ENBSIM_MAX_BEARERS && !b; k++)
            if (ue->bearer[k].active && ue->bearer[k].ebi == o->modified_ebi)
                b = &ue->bearer[k];
        x->st.default_modified++;
        x->st.default_last_qci = b ? b->qci : 0;
        x->st.default_last_ambr_ul = b ? b->ambr_ul_kbps : 0;
        x->st.default_last_ambr_dl = b ? b->ambr_dl_kbps : 0;
        snprintf(what, sizeof(what), "default bearer EBI %u modified: QCI %u, APN-AMBR "
                 "%llu/%llu kbit/s", o->modified_ebi, b ? b->qci : 0,
                 b ? (unsigned long long)b->ambr_ul_kbps : 0ull,
                 b ? (unsigned long long)b->ambr_dl_kbps : 0ull);
        log_ue(x, ue, what);
    }
    if (o->modify_rejected) {
        x->st.default_modify_rejected++;
        log_ue(x, ue, "default bearer modification rejected (--modify-reject ue)");
    }
    if (o->dedicated_rejected) {
        x->st.dedicated_ue_rejected++;
        log_ue(x, ue, "dedicated bearer rejected by the UE (--bearer-reject ue)");
    }
}

static void send_outs(struct enbsim *x, struct enbsim_ue *ue, const struct ue_nas_out *o)
{
    note_esm(x, ue, o);
    for (unsigned i = 0; i < o->n; i++)
        if (send_ul_nas(x, ue, o->msg[i].buf, o->msg[i].len)) {
            ue_fail(x, ue, running_proc(ue), "send", 0);
            return;
        }
}

void enbsim_send_outs(struct enbsim *x, struct enbsim_ue *ue, const struct ue_nas_out *o)
{
    send_outs(x, ue, o);
}

static void handle_nas_result(struct enbsim *x, struct enbsim_ue *ue, struct ue_nas_out *o)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    if (o->abort_sctp) {
        send_outs(x, ue, o);
        log_ue(x, ue, "misbehave: SCTP ABORT mid-attach");
        sctp_ep_abort(e->ep, e->assoc);
        return;
    }
    send_outs(x, ue, o);
    x->st.generic_nas_rx += o->generic_rx;
    if (ext_of(x, ue)->finished)
        return;
    if (enbsim_mob_nas_result(x, ue, o))
        return;
    if (o->attach_failed) {
        ue_fail(x, ue, PROC_ATTACH, o->fail ? o->fail : "attach", o->cause);
        return;
    }
    if (o->fail && !o->attach_done) {
        if (!strncmp(o->fail, "smc", 3)) {
            ue_fail(x, ue, PROC_ATTACH, o->fail, o->cause);
        } else if (!strncmp(o->fail, "pdn-connectivity", 16)) {
            ue->t_start[PROC_PDN_CONNECT] = 0;
            ext_of(x, ue)->pdn_phase_done = true;
            ue_fail(x, ue, PROC_PDN_CONNECT, o->fail, o->cause);
        } else if (!strncmp(o->fail, "pdn-disconnect", 14)) {
            ue->t_start[PROC_PDN_DISCONNECT] = 0;
            ue_fail(x, ue, PROC_PDN_DISCONNECT, o->fail, o->cause);
        }
        return;
    }
    if (o->detach_done) {
        if (ue->state == UE_DETACHING)
            enbsim_stat_ok(x, PROC_DETACH, ue->t_start[PROC_DETACH]);
        else {
            /* TS 24.301 5.5.2.3: network-initiated, answered with Detach Accept */
            x->st.nw_detach++;
            log_ue(x, ue, "network-initiated detach answered");
        }
        ue->t_start[PROC_CTX_RELEASE] = enbsim_now_ns();
        after_detach(x, ue);
        arm(x, ue);
    }
}

/* Sets our side of the tunnel for E-RABs the MME set up. */
unsigned enbsim_bind_erabs(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl,
                           struct enb_erab *res)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    unsigned n = 0;
    for (unsigned i = 0; i < dl->n_erab; i++) {
        for (int k = 0; k < ENBSIM_MAX_BEARERS; k++) {
            struct ue_bearer *b = &ue->bearer[k];
            if (!b->active || b->ebi != dl->erab[i].id)
                continue;
            b->ul_teid = dl->erab[i].teid;
            b->gw_addr = dl->erab[i].addr;
            b->gw6 = dl->erab[i].has6;
            b->gw_addr6 = dl->erab[i].addr6;
            /* our DL TEID names the UE and the bearer (ue_tun.c), and
             * changes with every handover (the generation in bits 31-26) */
            b->dl_teid = ((uint32_t)(ext_of(x, ue)->teid_gen & 63) << 26) |
                         ((uint32_t)(ue->idx + 1) << 4) | b->ebi;
            res[n] = (struct enb_erab){0};     /* has6 read by put_tla() */
            res[n].id = b->ebi;
            res[n].teid = b->dl_teid;
            res[n].addr = e->cfg.s1u_addr;
            if (e->cfg.has_s1u6) {
                /* an eNB on IPv6 (--s1u-addr6): a 128-bit address */
                res[n].addr.s_addr = 0;
                res[n].has6 = true;
                res[n].addr6 = e->cfg.s1u_addr6;
            }
            n++;
        }
    }
    return n;
}

static void on_ics_request(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    struct ue_nas_out o;
    struct enb_erab res[ENB_ERAB_MAX];
    memset(&o, 0, sizeof(o));
    if (ue->state == UE_ATTACHED) {
        /* a Service Request, a paging answer or a TAU with the active flag */
        enbsim_mob_ics(x, ue, dl);
        return;
    }
    /* TS 33.401 7.2.6.1, A.3: the KeNB the UE derives (from the uplink
     * NAS COUNT of its last message before this one) must be the one the
     * MME gave the eNB; counted, the attach goes on.  It starts the NH
     * chain of later handovers. */
    enbsim_mob_set_kenb(x, ue, dl);
    /* the Attach Accept rides in the first E-RAB's NAS-PDU (TS 23.401 5.3.2.1 step 17) */
    for (unsigned i = 0; i < dl->n_erab; i++)
        if (dl->erab[i].nas) {
            on_nas(x, ue, dl->erab[i].nas, dl->erab[i].nas_len, &o);
            break;
        }
    unsigned n = enbsim_bind_erabs(x, ue, dl, res);
    if (!n) {
        ue_fail(x, ue, PROC_ATTACH, "ics-no-erab", 0);
        return;
    }
    int m = enb_build_ics_response(ue->mme_ue_id, ue->enb_ue_id, res, n, tx, sizeof(tx));
    if (m < 0 || enbsim_send(x, e, ue_stream(x, ue), tx, (size_t)m)) {
        ue_fail(x, ue, PROC_ATTACH, "send", 0);
        return;
    }
    if (enbsim_tun_sync(x, ue)) {
        send_outs(x, ue, &o);
        ue_fail(x, ue, PROC_ATTACH, "tun", 0);
        return;
    }
    handle_nas_result(x, ue, &o);
    if (ext_of(x, ue)->finished)
        return;
    if (o.attach_done) {
        struct enbsim_ue_ext *ext = ext_of(x, ue);
        ue->state = UE_ATTACHED;
        ue->attaches++;
        if (ext->attaches_left)
            ext->attaches_left--;
        if (x->in_flight)
            x->in_flight--;
        enbsim_stat_ok(x, PROC_ATTACH, ue->t_start[PROC_ATTACH]);
        x->st.t_last_attach = enbsim_now_ns();
        ue->t_start[PROC_ATTACH] = 0;
        log_ue(x, ue, "attached");
        enbsim_mob_connected(x, ue);
        settle(x, ue);
        next_step(x, ue);
    }
}

static void on_erab_setup(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    static struct ue_nas_out o[ENB_ERAB_MAX];
    struct enb_erab res[ENB_ERAB_MAX];
    bool pdn_done = false, dedicated = false;
    uint8_t failed[ENB_ERAB_MAX];
    unsigned n_failed = 0;
    /* TS 36.413 8.2.1.2: one NAS-PDU per E-RAB (a default bearer of a new
     * PDN connection, or a dedicated bearer, TS 24.301 6.4.2) */
    for (unsigned i = 0; i < dl->n_erab; i++) {
        memset(&o[i], 0, sizeof(o[i]));
        /* --bearer-reject: TS 36.413 8.2.1.3, an E-RAB the eNB cannot set
         * up goes into the Failed to Setup List and its NAS-PDU is not
         * passed to the UE */
        if (x->o.bearer_reject >= 0 && dl->erab[i].nas && n_failed < ENB_ERAB_MAX &&
            ue_nas_peek_esm_type(ue, dl->erab[i].nas, dl->erab[i].nas_len) ==
                0xc5 /* TS 24.301 9.8: ACTIVATE DEDICATED EPS BEARER CONTEXT REQUEST */) {
            failed[n_failed++] = dl->erab[i].id;
            x->st.dedicated_rejected++;
            log_ue(x, ue, "dedicated bearer's E-RAB failed to set up (--bearer-reject)");
            continue;
        }
        if (dl->erab[i].nas)
            on_nas(x, ue, dl->erab[i].nas, dl->erab[i].nas_len, &o[i]);
        pdn_done |= o[i].pdn_done;
        dedicated |= o[i].dedicated_done;
    }
    unsigned n = enbsim_bind_erabs(x, ue, dl, res);
    /* --bearer-reject ue: the eNB set the E-RAB up (its radio bearer and
     * tunnel end), the UE refused the bearer (TS 24.301 6.4.2.4): the
     * E-RAB is in the response all the same; the MME releases it */
    for (unsigned i = 0; i < dl->n_erab && n < ENB_ERAB_MAX; i++) {
        if (!o[i].dedicated_rejected)
            continue;
        res[n] = (struct enb_erab){0};
        res[n].id = dl->erab[i].id;
        res[n].teid = ((uint32_t)(ext_of(x, ue)->teid_gen & 63) << 26) |
                      ((uint32_t)(ue->idx + 1) << 4) | (dl->erab[i].id & 15);
        res[n].addr = e->cfg.s1u_addr;
        if (e->cfg.has_s1u6) {
            res[n].addr.s_addr = 0;
            res[n].has6 = true;
            res[n].addr6 = e->cfg.s1u_addr6;
        }
        n++;
    }
    int m = n || n_failed
                ? enb_build_erab_setup_response_failed(ue->mme_ue_id, ue->enb_ue_id, res, n,
                                                       failed, n_failed,
                                                       (unsigned)x->o.bearer_reject, tx,
                                                       sizeof(tx))
                : -EINVAL;
    if (m < 0 || enbsim_send(x, e, ue_stream(x, ue), tx, (size_t)m)) {
        ue_fail(x, ue, dedicated ? PROC_DEDICATED : PROC_PDN_CONNECT,
                n ? "send" : "erab-setup-no-bearer", 0);
        return;
    }
    enbsim_tun_sync(x, ue);
    for (unsigned i = 0; i < dl->n_erab && !ext_of(x, ue)->finished; i++)
        handle_nas_result(x, ue, &o[i]);
    if (ext_of(x, ue)->finished)
        return;
    for (unsigned i = 0; i < dl->n_erab; i++)
        if (o[i].dedicated_done) {
            /* UE-requested (--bearer-alloc) timed from the request, else
             * network-initiated: counted */
            enbsim_stat_ok(x, PROC_DEDICATED, ue->t_start[PROC_DEDICATED]);
            ue->t_start[PROC_DEDICATED] = 0;
            log_ue(x, ue, "dedicated bearer active");
        }
    if (pdn_done && ue->t_start[PROC_PDN_CONNECT]) {
        enbsim_stat_ok(x, PROC_PDN_CONNECT, ue->t_start[PROC_PDN_CONNECT]);
        ue->t_start[PROC_PDN_CONNECT] = 0;
        /* and take it down again: PDN disconnect of the bearer just made */
        uint8_t ebi = 0;
        for (int k = ENBSIM_MAX_BEARERS - 1; k > 0 && !ebi; k--)
            if (ue->bearer[k].active && !ue->bearer[k].dedicated)
                ebi = ue->bearer[k].ebi;
        uint8_t nas[ENBSIM_NAS_MAX];
        int nn = ebi ? ue_nas_pdn_disconnect(ue, cfg_for(x, ue), ebi, nas, sizeof(nas)) : -ENOENT;
        ue->t_start[PROC_PDN_DISCONNECT] = enbsim_now_ns();
        arm(x, ue);
        if (nn < 0 || send_ul_nas(x, ue, nas, (size_t)nn))
            ue_fail(x, ue, PROC_PDN_DISCONNECT, "send", 0);
    }
}

static void on_erab_release(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    struct ue_nas_out o;
    uint8_t ids[ENB_ERAB_MAX];
    memset(&o, 0, sizeof(o));
    if (dl->nas)
        on_nas(x, ue, dl->nas, dl->nas_len, &o);
    for (unsigned i = 0; i < dl->n_erab; i++) {
        ids[i] = dl->erab[i].id;
        for (int k = 0; k < ENBSIM_MAX_BEARERS; k++)
            if (ue->bearer[k].active && ue->bearer[k].ebi == ids[i] && !dl->nas)
                ue->bearer[k].active = false;
    }
    int m = enb_build_erab_release_response(ue->mme_ue_id, ue->enb_ue_id, ids, dl->n_erab, tx,
                                            sizeof(tx));
    if (m < 0 || enbsim_send(x, e, ue_stream(x, ue), tx, (size_t)m)) {
        ue_fail(x, ue, PROC_PDN_DISCONNECT, "send", 0);
        return;
    }
    enbsim_tun_sync(x, ue);
    handle_nas_result(x, ue, &o);
    if (ext_of(x, ue)->finished)
        return;
    if (ue->t_start[PROC_PDN_DISCONNECT]) {
        enbsim_stat_ok(x, PROC_PDN_DISCONNECT, ue->t_start[PROC_PDN_DISCONNECT]);
        ue->t_start[PROC_PDN_DISCONNECT] = 0;
        ext_of(x, ue)->pdn_phase_done = true;
        next_step(x, ue);
    }
}

static void on_release_command(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue,
                               const struct enb_dl *dl)
{
    int m = enb_build_ue_ctx_release_complete(dl->mme_ue_id, ue ? ue->enb_ue_id : dl->enb_ue_id,
                                              tx, sizeof(tx));
    if (m > 0)
        enbsim_send(x, e, ue ? ue_stream(x, ue) : 1, tx, (size_t)m);
    if (!ue)
        return;
    ue->s1_connected = false;
    log_ue(x, ue, "UE context released");
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ue->t_start[PROC_CTX_RELEASE]) {
        enbsim_stat_ok(x, PROC_CTX_RELEASE, ue->t_start[PROC_CTX_RELEASE]);
        ue->t_start[PROC_CTX_RELEASE] = 0;
    }
    if (ue->state == UE_ATTACHING) {
        ue_fail(x, ue, PROC_ATTACH, "released", 0);
    } else if (ue->state == UE_ATTACHED) {
        /* TS 23.401 5.3.5: S1 release, the UE is ECM-IDLE */
        enbsim_mob_released(x, ue, "released");
        return;
    } else if (ue->state == UE_DETACHING) {
        /* released before the Detach Accept: the detach is done as far as
         * the network is concerned (TS 24.301 5.5.2.2.4) */
        if (ue->t_start[PROC_DETACH])
            enbsim_stat_ok(x, PROC_DETACH, ue->t_start[PROC_DETACH]);
        after_detach(x, ue);
    }
    if (ue->state == UE_IDLE && ext->attaches_left > 0 && !x->stopping) {
        /* GUTI attach in the same run, when --concurrency lets it */
        ext->deadline = 0;
        rq_push(x, ue);
        pump(x);
        return;
    }
    if (ue->state == UE_IDLE || ue->state == UE_DONE) {
        ue->state = UE_DONE;
        ue_finish(x, ue, false);
    }
}

void enbsim_on_s1ap(struct enbsim *x, struct enbsim_enb *e, uint16_t stream,
                    const uint8_t *buf, size_t len)
{
    static uint8_t arena[65536];
    struct enb_dl dl;
    (void)stream;
    if (enb_parse_dl(buf, len, &dl, arena, sizeof(arena)) < 0) {
        x->st.decode_errors++;
        return;
    }
    struct enbsim_ue *ue = NULL;
    if (dl.has_ids && dl.has_enb_ue_id)
        ue = ue_by_enb_id(x, e, dl.enb_ue_id);
    else if (dl.has_ids)
        for (unsigned i = 0; i < x->n_ues && !ue; i++) {
            struct enbsim_ue *u = &x->ues[i];
            if (u->enb == e->idx && u->s1_connected && u->mme_ue_id_known &&
                u->mme_ue_id == dl.mme_ue_id)
                ue = u;
        }
    if (enbsim_mob_on_s1ap(x, e, ue, &dl))
        return;
    if (ue && dl.has_ids && dl.kind != S1AP_MSG_ErrorIndication) {
        ue->mme_ue_id = dl.mme_ue_id;
        ue->mme_ue_id_known = true;
    }
    struct ue_nas_out o;
    switch (dl.kind) {
    case S1AP_MSG_S1SetupResponse:
        e->s1_ready = true;
        e->t_s1_ready = enbsim_now_ns();
        if (e->setup_done && e->t_setup) {
            /* again, on a new association */
            enbsim_stat_ok(x, PROC_S1_SETUP, e->t_setup);
            e->t_setup = 0;
            if (x->o.verbose)
                fprintf(stderr, "enbsim: eNB %u: S1 set up again\n", e->idx);
        }
        if (!e->setup_done) {
            e->setup_done = true;
            enbsim_stat_ok(x, PROC_S1_SETUP, e->t_setup);
            e->t_setup = 0;
            if (x->o.verbose)
                fprintf(stderr, "enbsim: eNB %u: S1 Setup Response from %s\n", e->idx,
                        dl.mme_name[0] ? dl.mme_name : "the MME");
            enbsim_load_start(x);
        }
        break;
    case S1AP_MSG_S1SetupFailure:
        /* TS 36.413 8.7.3.3: reported with its cause; no retry here */
        e->s1_ready = false;
        e->setup_failed = true;
        snprintf(e->fail_cause, sizeof(e->fail_cause), "%s", dl.cause);
        enbsim_stat_fail(x, PROC_S1_SETUP, dl.cause);
        fprintf(stderr, "enbsim: eNB %u: S1 Setup Failure, cause %s", e->idx, dl.cause);
        if (dl.time_to_wait_s >= 0)
            fprintf(stderr, ", time to wait %d s", dl.time_to_wait_s);
        fprintf(stderr, "\n");
        enbsim_on_enb_down(x, e, "s1-setup-failure");
        break;
    case S1AP_MSG_DownlinkNASTransport:
        if (!ue || enbsim_mob_nas_non_delivery(x, e, ue, &dl))
            break;
        on_nas(x, ue, dl.nas, dl.nas_len, &o);
        if (ue->state == UE_ATTACHING || ue->state == UE_DETACHING || o.n)
            arm(x, ue);
        handle_nas_result(x, ue, &o);
        break;
    case S1AP_MSG_InitialContextSetupRequest:
        if (ue)
            on_ics_request(x, ue, &dl);
        break;
    case S1AP_MSG_E_RABSetupRequest:
        if (ue)
            on_erab_setup(x, ue, &dl);
        break;
    case S1AP_MSG_E_RABReleaseCommand:
        if (ue)
            on_erab_release(x, ue, &dl);
        break;
    case S1AP_MSG_UEContextReleaseCommand:
        on_release_command(x, e, ue, &dl);
        break;
    case S1AP_MSG_ErrorIndication:
        x->st.error_ind++;
        if (x->o.verbose)
            fprintf(stderr, "enbsim: eNB %u: Error Indication (%s)\n", e->idx,
                    dl.cause[0] ? dl.cause : "no cause");
        /* TS 36.413 8.7.4: about a UE of ours that is attaching: that
         * attach is over (the MME rejected what it got) */
        if (ue && ue->state == UE_ATTACHING && !ext_of(x, ue)->finished)
            ue_fail(x, ue, PROC_ATTACH, "error-indication", 0);
        break;
    default:
        break;
    }
}

void enbsim_on_enb_down(struct enbsim *x, struct enbsim_enb *e, const char *why)
{
    e->down = true;
    e->up = false;
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_ue *ue = &x->ues[i];
        if (ue->enb != e->idx)
            continue;
        if (!ext_of(x, ue)->finished && (ue->state != UE_IDLE || ue->s1_connected))
            ue_fail(x, ue, running_proc(ue), why, 0);
        else if (!ext_of(x, ue)->finished)
            ue_fail(x, ue, PROC_ATTACH, why, 0);
    }
    enbsim_maybe_done(x);
}

void enbsim_on_enb_lost(struct enbsim *x, struct enbsim_enb *e, const char *why)
{
    e->s1_ready = false;
    e->t_reset = 0;
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_ue *ue = &x->ues[i];
        struct enbsim_ue_ext *ext = ext_of(x, ue);
        if (ext->ho_pending && ext->ho_enb == e->idx && !ext->finished) {
            /* the target of its handover went: the UE stays where it is */
            enbsim_mob_released(x, ue, why);
            continue;
        }
        if (ue->enb != e->idx)
            continue;
        if (ext->finished || (!ue->s1_connected && ue->state != UE_ATTACHING))
            continue;
        if (ue->state == UE_ATTACHED && enbsim_mob_running(ue)) {
            /* a service request, TAU or handover lost its connection */
            enbsim_mob_released(x, ue, why);
            continue;
        }
        ue->s1_connected = false;
        /* TS 36.413 8.7.1: the UE-associated connections are gone; a UE
         * in the middle of a procedure has lost it, an attached one is
         * now ECM-IDLE (its next NAS message opens a connection) */
        if (ue->state == UE_ATTACHED && !ue->t_start[PROC_PDN_CONNECT] &&
            !ue->t_start[PROC_PDN_DISCONNECT]) {
            log_ue(x, ue, "S1 connection lost, attached and idle");
            enbsim_mob_released(x, ue, why);
            /* the eNB keeps the radio bearers and its S1-U tunnels (the
             * gateway's datapath keeps its side): traffic goes on while
             * the MME is away, no Service Request for it */
            ext->up_kept = true;
            continue;
        }
        if (ue->state != UE_IDLE)
            ue_fail(x, ue, running_proc(ue), why, 0);
    }
    enbsim_maybe_done(x);
}

/* Starts as many UEs as rate and concurrency allow. */
static void pump(struct enbsim *x)
{
    uint64_t now = enbsim_now_ns();
    /* first the UEs that attach again, in the order they became ready */
    for (unsigned n = x->rq_n; n > 0 && !x->stopping; n--) {
        if (x->o.concurrency && x->in_flight >= x->o.concurrency)
            return;
        if (x->o.rate > 0 && (double)x->started > (double)(now - x->t_start) / 1e9 * x->o.rate)
            return;
        struct enbsim_ue *ue = &x->ues[x->rq[x->rq_head]];
        x->rq_head = (x->rq_head + 1) % x->n_ues;
        x->rq_n--;
        ext_of(x, ue)->queued = false;
        if (ext_of(x, ue)->finished)
            continue;
        if (!x->enbs[ue->enb].s1_ready) {
            rq_push(x, ue); /* its eNB is being set up again */
            continue;
        }
        x->started++;
        start_attach(x, ue);
    }
    while (x->next_ue < x->n_ues && !x->stopping) {
        if (x->o.concurrency && x->in_flight >= x->o.concurrency)
            return;
        if (x->o.rate > 0) {
            /* attach k (in start order) starts k / rate seconds after the first */
            double due = (double)(now - x->t_start) / 1e9 * x->o.rate;
            if ((double)x->started > due)
                return;
        }
        struct enbsim_ue *ue = &x->ues[x->next_ue++];
        struct enbsim_enb *e = &x->enbs[ue->enb];
        if (!e->s1_ready) {
            if (e->setup_failed || e->down)
                ue_fail(x, ue, PROC_ATTACH, "enb-not-set-up", 0);
            else
                x->next_ue--; /* its eNB is not ready yet */
            if (!e->setup_failed && !e->down)
                return;
            continue;
        }
        x->started++;
        start_attach(x, ue);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    pump(w->data);
}

static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct enbsim *x = w->data;
    uint64_t now = enbsim_now_ns();
    for (unsigned i = 0; i < x->n_enbs; i++)
        enbsim_mob_sweep_enb(x, &x->enbs[i], now);
    for (unsigned i = 0; i < x->n_enbs; i++) {
        struct enbsim_enb *e = &x->enbs[i];
        if (e->setup_done || e->setup_failed || e->down ||
            now - x->t_open < (uint64_t)(x->o.timeout * 1e9))
            continue;
        /* no association or no answer to S1 Setup in time */
        e->setup_failed = true;
        snprintf(e->fail_cause, sizeof(e->fail_cause), "%s",
                 e->up ? "s1-setup-timeout" : "sctp-timeout");
        enbsim_stat_fail(x, PROC_S1_SETUP, e->fail_cause);
        fprintf(stderr, "enbsim: eNB %u: %s\n", e->idx,
                e->up ? "no answer to S1 Setup" : "no SCTP association with the MME");
        enbsim_on_enb_down(x, e, e->fail_cause);
    }
    for (unsigned i = 0; i < x->next_ue && i < x->n_ues; i++) {
        struct enbsim_ue *ue = &x->ues[i];
        struct enbsim_ue_ext *ext = &x->ext[i];
        if (ext->finished)
            continue;
        if (ext->deadline && now > ext->deadline) {
            char why[32];
            snprintf(why, sizeof(why), "timeout-%s", ue_state_str(ue->state));
            ue_fail(x, ue, running_proc(ue), why, 0);
        } else if (ext->hold_until) {
            /* held: idle/active cycles, TAU, handovers; then the hold's end */
            if (ue->state == UE_ATTACHED)
                enbsim_mob_tick(x, ue, now);
            if (!ext->finished && ext->hold_until && now >= ext->hold_until)
                next_step(x, ue);
        }
    }
    if (x->o.duration > 0 && now - x->t_open > (uint64_t)(x->o.duration * 1e9) && !x->stopping) {
        /* --duration: the run ends now.  A UE attached and held without
         * --detach is done; any other UE (in a procedure, waiting to
         * attach again, not started) is cut: counted in cut_by_duration,
         * not failed, its unfinished procedure neither ok nor failed */
        x->stopping = true;
        for (unsigned i = 0; i < x->n_ues; i++)
            if (!x->ext[i].finished) {
                if (!(x->ues[i].state == UE_ATTACHED && !x->o.detach)) {
                    x->ext[i].cut = true;
                    x->st.cut_by_duration++;
                }
                ue_finish(x, &x->ues[i], false);
            }
    }
    enbsim_maybe_done(x);
}

void enbsim_load_start(struct enbsim *x)
{
    if (!ev_is_active(&x->tick)) {
        x->t_start = enbsim_now_ns();
        ev_timer_init(&x->tick, on_tick, 0.001, 0.001);
        x->tick.data = x;
        ev_timer_start(x->loop, &x->tick);
    }
    pump(x);
}

void enbsim_sweep_start(struct enbsim *x)
{
    x->t_open = enbsim_now_ns();
    ev_timer_init(&x->sweep, on_sweep, 0.1, 0.1);
    x->sweep.data = x;
    ev_timer_start(x->loop, &x->sweep);
}

void enbsim_maybe_done(struct enbsim *x)
{
    bool enbs_done = true;
    for (unsigned i = 0; i < x->n_enbs; i++)
        if (!x->enbs[i].setup_done && !x->enbs[i].setup_failed && !x->enbs[i].down)
            enbs_done = false;
    if (enbs_done && x->finished >= x->n_ues)
        ev_break(x->loop, EVBREAK_ALL);
}
