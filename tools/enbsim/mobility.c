/* enbsim: idle mode and mobility — the eNB and UE sides of
 *   S1 release to ECM-IDLE on inactivity (TS 36.413 8.3.2, TS 23.401 5.3.5),
 *   Service Request / Extended Service Request and paging (TS 24.301 5.6.1,
 *   5.6.2; TS 36.413 8.5, 8.6.2.1; TS 23.401 5.3.4),
 *   periodic and normal Tracking Area Update (TS 24.301 5.5.3),
 *   X2 handover's Path Switch (TS 36.413 8.4.4, TS 33.401 7.2.8 NH/NCC),
 *   S1 handover between two simulated eNBs (TS 36.413 8.4.1-8.4.3,
 *   8.4.5-8.4.7; TS 23.401 5.5.1.2.2), with Handover Cancel,
 *   S1 Reset in both directions (TS 36.413 8.7.1),
 *   dedicated bearers (E-RAB Modify here; E-RAB Setup in load.c) and the
 *   UE-requested bearer resource allocation (TS 24.301 6.5.3).
 * What a held UE does when is decided in enbsim_mob_tick(), called by the
 * 100 ms sweep of load.c for every held UE. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "enbsim_ctx.h"

static uint8_t tx[4096];

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

static uint64_t secs_ns(double s)
{
    return (uint64_t)(s * 1e9);
}

int enbsim_mob_init(struct enbsim *x)
{
    unsigned n = 64;
    while (n < 2 * x->n_ues)
        n <<= 1;
    x->tmsi_hash = calloc(n, sizeof(*x->tmsi_hash));
    if (!x->tmsi_hash)
        return -ENOMEM;
    x->tmsi_mask = n - 1;
    return 0;
}

void enbsim_mob_free(struct enbsim *x)
{
    free(x->tmsi_hash);
    x->tmsi_hash = NULL;
}

/* The UE that holds this M-TMSI (a cache in front of a scan: GUTIs change
 * with every attach, TAU and GUTI reallocation). */
static struct enbsim_ue *ue_by_tmsi(struct enbsim *x, uint32_t tmsi)
{
    unsigned h = (tmsi * 2654435761u) & x->tmsi_mask;
    struct enbsim_ue *u = x->tmsi_hash ? x->tmsi_hash[h] : NULL;
    if (u && u->have_guti && u->guti.m_tmsi == tmsi)
        return u;
    for (unsigned i = 0; i < x->n_ues; i++) {
        u = &x->ues[i];
        if (u->have_guti && u->guti.m_tmsi == tmsi) {
            if (x->tmsi_hash)
                x->tmsi_hash[h] = u;
            return u;
        }
    }
    return NULL;
}

bool enbsim_mob_running(const struct enbsim_ue *ue)
{
    return ue->t_start[PROC_SERVICE] || ue->t_start[PROC_TAU] || ue->t_start[PROC_X2HO] ||
           ue->t_start[PROC_S1HO] ||
           ue->t_start[PROC_IDLE] || ue->t_start[PROC_PAGING];
}

/* --concurrency also bounds the load's own mobility procedures */
static bool may_start(struct enbsim *x)
{
    return !x->o.concurrency || x->mob_in_flight < x->o.concurrency;
}

static void mob_begin(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (!ext->mob_busy) {
        ext->mob_busy = true;
        x->mob_in_flight++;
    }
}

static void mob_end(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ext->mob_busy) {
        ext->mob_busy = false;
        x->mob_in_flight--;
    }
}

/* A NAS message from an ECM-IDLE UE opens a connection: Initial UE
 * Message with a new eNB UE S1AP ID, the RRC establishment cause and the
 * S-TMSI the UE gave in RRC (TS 36.413 8.6.2.1, TS 36.331 5.3.3.3). */
static int send_initial_ex(struct enbsim *x, struct enbsim_ue *ue, const uint8_t *nas,
                           size_t len, unsigned rrc_cause)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    struct enb_stmsi st = {.mmec = ue->guti.mmec, .m_tmsi = ue->guti.m_tmsi};
    ue->enb_ue_id = enbsim_new_enb_ue_id(x, e, ue);
    ue->mme_ue_id_known = false;
    ue->s1_connected = true;
    int m = enb_build_initial_ue_ex(&e->cfg, ue->enb_ue_id, nas, len, rrc_cause,
                                    ue->have_guti ? &st : NULL, tx, sizeof(tx));
    return m < 0 ? m : enbsim_send(x, e, ue->stream, tx, (size_t)m);
}

/* Service Request (TS 24.301 5.6.1.2) or, with --ext-service, Extended
 * Service Request for packet services; mo-Data for the UE's own data,
 * mt-Access for a paging answer. */
static void start_service(struct enbsim *x, struct enbsim_ue *ue, unsigned rrc_cause)
{
    uint8_t nas[ENBSIM_NAS_MAX];
    if (ue->t_start[PROC_SERVICE] || ue->t_start[PROC_TAU] || !x->enbs[ue->enb].s1_ready)
        return;
    int n = x->o.ext_service ? ue_nas_ext_service_request(ue, nas, sizeof(nas))
                             : ue_nas_service_request(ue, nas, sizeof(nas));
    ue->t_start[PROC_SERVICE] = enbsim_now_ns();
    ue->kenb_checked = false;
    ext_of(x, ue)->idle_since = 0;
    mob_begin(x, ue);
    enbsim_arm(x, ue);
    if (n < 0 || send_initial_ex(x, ue, nas, (size_t)n, rrc_cause)) {
        enbsim_ue_fail(x, ue, PROC_SERVICE, n < 0 ? "nas-encode" : "send", 0);
        return;
    }
    log_ue(x, ue, x->o.ext_service ? "extended service request" : "service request");
}

/* The eNB's inactivity timer: UE Context Release Request (TS 36.413
 * 8.3.2) with the configured radio network cause. */
static void start_release(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    uint64_t now = enbsim_now_ns();
    int m = enb_build_ue_ctx_release_request_cause(ue->mme_ue_id, ue->enb_ue_id,
                                                   x->o.release_cause, tx, sizeof(tx));
    ue->t_start[PROC_IDLE] = now;
    if (!x->st.t_first_cycle)
        x->st.t_first_cycle = now;
    enbsim_arm(x, ue);
    if (m < 0 || enbsim_send(x, e, ue->stream, tx, (size_t)m)) {
        enbsim_ue_fail(x, ue, PROC_IDLE, "send", 0);
        return;
    }
    log_ue(x, ue, "UE context release request");
}

/* Tracking Area Update (TS 24.301 5.5.3.2.2): type 3 periodic, from
 * ECM-IDLE; with --tau-active the active flag asks for the bearers. */
static void start_tau(struct enbsim *x, struct enbsim_ue *ue, uint8_t type)
{
    uint8_t nas[ENBSIM_NAS_MAX];
    int n = ue_nas_tau_request(ue, enbsim_cfg_for(x, ue), type, x->o.tau_active, nas,
                               sizeof(nas));
    ue->t_start[PROC_TAU] = enbsim_now_ns();
    ue->kenb_checked = false;
    ext_of(x, ue)->idle_since = 0;
    mob_begin(x, ue);
    enbsim_arm(x, ue);
    if (n < 0 || send_initial_ex(x, ue, nas, (size_t)n,
                                 S1AP_RRC_Establishment_Cause_mo_Signalling)) {
        enbsim_ue_fail(x, ue, PROC_TAU, n < 0 ? "nas-encode" : "send", 0);
        return;
    }
    log_ue(x, ue, type == 3 ? "periodic TAU" : "TAU");
}

static uint32_t dl_teid_for(struct enbsim *x, struct enbsim_ue *ue, uint8_t ebi)
{
    /* as load.c's enbsim_bind_erabs: generation, UE index + 1, EBI */
    return ((uint32_t)(ext_of(x, ue)->teid_gen & 63) << 26) |
           ((uint32_t)(ue->idx + 1) << 4) | ebi;
}

/* X2 handover to the next eNB that is set up: the target eNB asks the MME
 * to switch the downlink path (Path Switch Request, TS 36.413 8.4.4.2)
 * with its own S1-U address and new downlink TEIDs.  (The X2AP part
 * between the two eNBs is internal to the simulator.) */
static void start_x2(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    struct enbsim_enb *te = NULL;
    for (unsigned k = 1; k < x->n_enbs && !te; k++) {
        struct enbsim_enb *c = &x->enbs[(ue->enb + k) % x->n_enbs];
        if (c->s1_ready)
            te = c;
    }
    if (!te)
        return;
    struct enb_erab er[ENB_ERAB_MAX];
    unsigned n = 0;
    unsigned gen = ext->teid_gen + 1;
    for (int i = 0; i < ENBSIM_MAX_BEARERS && n < ENB_ERAB_MAX; i++) {
        struct ue_bearer *b = &ue->bearer[i];
        if (!b->active || !b->ul_teid)
            continue;
        er[n] = (struct enb_erab){0};           /* has6 read by put_tla() */
        er[n].id = b->ebi;
        er[n].addr = te->cfg.s1u_addr;
        if (te->cfg.has_s1u6) {
            /* a target on IPv6: a 128-bit address (TS 36.413 9.2.2.1) */
            er[n].addr.s_addr = 0;
            er[n].has6 = true;
            er[n].addr6 = te->cfg.s1u_addr6;
        }
        er[n].teid = ((uint32_t)(gen & 63) << 26) | ((uint32_t)(ue->idx + 1) << 4) | b->ebi;
        er[n].nas = NULL;
        er[n].nas_len = 0;
        n++;
    }
    if (!n)
        return;
    ext->ho_pending = true;
    ext->ho_enb = te->idx;
    ext->ho_enb_ue_id = enbsim_new_enb_ue_id(x, te, ue);
    /* UE security capabilities (TS 36.413 9.2.1.40): what the UE offered
     * in NAS (EEA1-3, EIA1-3), bits 0-2 of the 16-bit maps */
    int m = enb_build_path_switch_request(&te->cfg, ext->ho_enb_ue_id, ue->mme_ue_id, er, n,
                                          0xe000, 0xe000, tx, sizeof(tx));
    uint64_t now = enbsim_now_ns();
    ue->t_start[PROC_X2HO] = now;
    if (!x->st.t_first_ho)
        x->st.t_first_ho = now;
    mob_begin(x, ue);
    enbsim_arm(x, ue);
    if (m < 0 || enbsim_send(x, te, ue->stream, tx, (size_t)m)) {
        enbsim_ue_fail(x, ue, PROC_X2HO, "send", 0);
        return;
    }
    log_ue(x, ue, "X2 handover: path switch request");
}

static void on_path_switch_ack(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    uint64_t now = enbsim_now_ns();
    /* the UE is now served by the target eNB */
    ue->enb = ext->ho_enb;
    ue->enb_ue_id = ext->ho_enb_ue_id;
    ue->mme_ue_id = dl->mme_ue_id;
    ue->mme_ue_id_known = true;
    ue->s1_connected = true;
    ext->ho_pending = false;
    ext->teid_gen++;
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++) {
        struct ue_bearer *b = &ue->bearer[i];
        if (!b->active || !b->ul_teid)
            continue;
        b->dl_teid = dl_teid_for(x, ue, b->ebi);
        /* TS 36.413 8.4.4.2: E-RABs To Be Switched in Uplink, when the
         * gateway moved the uplink end too */
        for (unsigned k = 0; k < dl->n_erab; k++)
            if (dl->erab[k].id == b->ebi) {
                b->ul_teid = dl->erab[k].teid;
                b->gw_addr = dl->erab[k].addr;
                b->gw6 = dl->erab[k].has6;
                b->gw_addr6 = dl->erab[k].addr6;
            }
    }
    /* the user plane follows: uplink from the new eNB's GTP-U endpoint,
     * downlink on the new TEIDs (the TUN devices stay) */
    enbsim_tun_sync(x, ue);
    if (dl->has_nh) {
        /* TS 33.401 7.2.8.4.2: the {NH, NCC} pair the MME sends must be
         * the one the UE computes from KASME along the NH chain */
        uint8_t nh[32];
        if (ue_nas_nh(ue, dl->ncc, nh) || CRYPTO_memcmp(nh, dl->nh, 32)) {
            x->st.nh_mismatch++;
        } else {
            memcpy(ue->nh, nh, 32);
            ue->nh_ncc = dl->ncc;
        }
        OPENSSL_cleanse(nh, sizeof(nh));
    } else {
        x->st.nh_mismatch++; /* Security Context is mandatory (9.1.5.9) */
    }
    enbsim_stat_ok(x, PROC_X2HO, ue->t_start[PROC_X2HO]);
    ue->t_start[PROC_X2HO] = 0;
    x->st.t_last_ho = now;
    ext->hos_done++;
    ext->in_cell_since = now;
    ext->last_active = now;
    ext->deadline = 0;
    mob_end(x, ue);
    log_ue(x, ue, "X2 handover done");
}

/* ------------------------------------------------------- S1 handover -- */

/* Phases of an S1 handover (TS 23.401 5.5.1.2.2 without MME/SGW
 * relocation), ext->ho_phase while ho_pending && ho_s1:
 *   REQUIRED   source sent Handover Required; the target awaits Handover
 *              Request
 *   ADMITTED   target answered Handover Request Acknowledge
 *   EXECUTING  source got Handover Command, sent eNB Status Transfer
 *   CANCELLING source sent Handover Cancel (--s1-handover-cancel)
 * After the target's Handover Notify the UE is the target's (ho_pending
 * false) and ho_src_wait until the source's UE Context Release Command
 * (successful-handover) ends the procedure. */
enum { S1HO_REQUIRED = 1, S1HO_ADMITTED, S1HO_EXECUTING, S1HO_CANCELLING };

static struct enbsim_enb *next_enb(struct enbsim *x, struct enbsim_ue *ue)
{
    for (unsigned k = 1; k < x->n_enbs; k++) {
        struct enbsim_enb *c = &x->enbs[(ue->enb + k) % x->n_enbs];
        if (c->s1_ready)
            return c;
    }
    return NULL;
}

static void s1ho_end(struct enbsim *x, struct enbsim_ue *ue, bool ok, enum enbsim_proc p,
                     const char *why)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    uint64_t now = enbsim_now_ns();
    if (ue->t_start[PROC_S1HO]) {
        if (ok)
            enbsim_stat_ok(x, p, ue->t_start[PROC_S1HO]);
        else
            enbsim_stat_fail(x, p, why);
    }
    ue->t_start[PROC_S1HO] = 0;
    ext->ho_pending = ext->ho_s1 = ext->ho_src_wait = false;
    ext->ho_phase = 0;
    ext->ho_notify_at = 0;
    ext->deadline = 0;
    ext->in_cell_since = now;
    ext->last_active = now;
    /* --handovers counts attempts: a UE whose handovers fail goes on */
    ext->hos_done++;
    if (ok)
        x->st.t_last_ho = now;
    mob_end(x, ue);
    log_ue(x, ue, ok ? (p == PROC_S1HO ? "S1 handover done" : "S1 handover cancelled")
                     : why);
}

/* TS 36.413 8.4.1.2: the source decides on a handover to the next eNB */
static void start_s1(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    struct enbsim_enb *se = &x->enbs[ue->enb], *te = next_enb(x, ue);
    if (!te || !ue->mme_ue_id_known)
        return;
    ext->ho_pending = ext->ho_s1 = true;
    ext->ho_phase = S1HO_REQUIRED;
    ext->ho_enb = te->idx;
    ext->ho_enb_ue_id = 0;
    ext->ho_n_ul = 0;
    ext->ho_nh_ok = false;
    ext->ho_notify_at = 0;
    int m = enb_build_ho_required(&se->cfg, &te->cfg, ue->mme_ue_id, ue->enb_ue_id, tx,
                                  sizeof(tx));
    uint64_t now = enbsim_now_ns();
    ue->t_start[PROC_S1HO] = now;
    if (!x->st.t_first_ho)
        x->st.t_first_ho = now;
    mob_begin(x, ue);
    enbsim_arm(x, ue);
    if (m < 0 || enbsim_send(x, se, ue->stream, tx, (size_t)m)) {
        enbsim_ue_fail(x, ue, PROC_S1HO, "send", 0);
        return;
    }
    log_ue(x, ue, "S1 handover: handover required");
}

/* TS 36.413 8.6.2.3: the eNB does not deliver a NAS PDU (--nas-non-delivery:
 * the first of the chosen EMM type for each UE) and says so with the PDU.
 * With S1 handovers on, it is because it hands the UE over now. */
bool enbsim_mob_nas_non_delivery(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue,
                                 const struct enb_dl *dl)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (x->o.nnd_type < 0 || ext->nnd_done || e->idx != ue->enb ||
        ue_nas_peek_type(ue, dl->nas, dl->nas_len) != x->o.nnd_type)
        return false;
    ext->nnd_done = true;
    bool ho = x->o.s1_after >= 0 && x->n_enbs > 1 && !enbsim_mob_running(ue) && next_enb(x, ue);
    if (ho)
        start_s1(x, ue);
    int m = enb_build_nas_non_delivery(ue->mme_ue_id, ue->enb_ue_id, dl->nas, dl->nas_len,
                                       ho ? S1AP_CauseRadioNetwork_s1_intra_system_handover_triggered
                                          : S1AP_CauseRadioNetwork_radio_connection_with_ue_lost,
                                       tx, sizeof(tx));
    if (m < 0 || enbsim_send(x, e, ue->stream, tx, (size_t)m))
        return false;
    x->st.nas_non_delivery_tx++;
    log_ue(x, ue, ho ? "NAS Non Delivery Indication: S1 handover" : "NAS Non Delivery Indication");
    return true;
}

/* TS 36.413 8.4.2.2: the target admits every E-RAB of the Handover
 * Request with its own S1-U address and new downlink TEIDs; the {NH, NCC}
 * must be the one the UE computes along its chain (TS 33.401 7.2.8.4.3) */
static void on_ho_request(struct enbsim *x, struct enbsim_enb *e, const struct enb_dl *dl)
{
    struct enbsim_ue *ue = NULL;
    for (unsigned i = 0; i < x->n_ues && !ue; i++) {
        struct enbsim_ue *u = &x->ues[i];
        struct enbsim_ue_ext *xe = ext_of(x, u);
        if (xe->ho_pending && xe->ho_s1 && xe->ho_phase == S1HO_REQUIRED &&
            xe->ho_enb == e->idx && u->mme_ue_id_known && u->mme_ue_id == dl->mme_ue_id)
            ue = u;
    }
    if (!ue) {
        x->st.ho_request_unknown++;
        return;
    }
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    uint8_t nh[32];
    if (!dl->has_nh || ue_nas_nh(ue, dl->ncc, nh) || CRYPTO_memcmp(nh, dl->nh, 32)) {
        x->st.nh_mismatch++;
    } else {
        memcpy(ext->ho_nh, nh, 32);
        ext->ho_ncc = dl->ncc;
        ext->ho_nh_ok = true;
    }
    OPENSSL_cleanse(nh, sizeof(nh));
    struct enb_erab adm[ENB_ERAB_MAX];
    unsigned n = 0, gen = ext->teid_gen + 1;
    ext->ho_n_ul = 0;
    for (unsigned k = 0; k < dl->n_erab && n < ENB_ERAB_MAX; k++) {
        bool known = false;
        for (int i = 0; i < ENBSIM_MAX_BEARERS; i++)
            known |= ue->bearer[i].active && ue->bearer[i].ebi == dl->erab[k].id;
        if (!known)
            continue;
        ext->ho_ul[ext->ho_n_ul++] = dl->erab[k];
        adm[n] = (struct enb_erab){0};          /* has6 read by put_tla() */
        adm[n].id = dl->erab[k].id;
        adm[n].addr = e->cfg.s1u_addr;
        if (e->cfg.has_s1u6) {
            adm[n].addr.s_addr = 0;
            adm[n].has6 = true;
            adm[n].addr6 = e->cfg.s1u_addr6;
        }
        adm[n].teid = ((uint32_t)(gen & 63) << 26) | ((uint32_t)(ue->idx + 1) << 4) |
                      dl->erab[k].id;
        adm[n].nas = NULL;
        adm[n].nas_len = 0;
        n++;
    }
    ext->ho_enb_ue_id = enbsim_new_enb_ue_id(x, e, ue);
    int m = n ? enb_build_ho_request_ack(dl->mme_ue_id, ext->ho_enb_ue_id, adm, n, tx,
                                         sizeof(tx))
              : -EINVAL;
    if (m < 0 || enbsim_send(x, e, ue->stream, tx, (size_t)m)) {
        ext->ho_pending = false;   /* the MME's TS1RELOCprep ends it on its side */
        s1ho_end(x, ue, false, PROC_S1HO, n ? "send" : "ho-request-no-erab");
        return;
    }
    ext->ho_phase = S1HO_ADMITTED;
    log_ue(x, ue, "S1 handover: target admitted the UE");
}

/* TS 36.413 8.4.1.2: Handover Command at the source: the UE is told to
 * go; the source sends its PDCP state (eNB Status Transfer, 8.4.6) — or,
 * with --s1-handover-cancel, cancels the handover (8.4.5) */
static void on_ho_command(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    int m;
    if (x->o.s1_cancel) {
        m = enb_build_ho_cancel(ue->mme_ue_id, ue->enb_ue_id, tx, sizeof(tx));
        ext->ho_phase = S1HO_CANCELLING;
    } else {
        uint8_t ebis[ENB_ERAB_MAX];
        unsigned n = 0;
        for (int i = 0; i < ENBSIM_MAX_BEARERS && n < ENB_ERAB_MAX; i++)
            if (ue->bearer[i].active && ue->bearer[i].ul_teid)
                ebis[n++] = ue->bearer[i].ebi;
        m = enb_build_enb_status_transfer(ue->mme_ue_id, ue->enb_ue_id, ebis, n, tx, sizeof(tx));
        ext->ho_phase = S1HO_EXECUTING;
    }
    if (m < 0 || enbsim_send(x, e, ue->stream, tx, (size_t)m)) {
        enbsim_ue_fail(x, ue, PROC_S1HO, "send", 0);
        return;
    }
    log_ue(x, ue, x->o.s1_cancel ? "S1 handover: cancel" : "S1 handover: status transfer");
}

/* The UE arrived in the target cell: Handover Notify (TS 36.413 8.4.3);
 * from now on it is the target's, its user plane too (uplink to the
 * tunnel ends of the Handover Request, downlink on the target's TEIDs) */
static void send_notify(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    struct enbsim_enb *te = &x->enbs[ext->ho_enb];
    ext->ho_notify_at = 0;
    int m = enb_build_ho_notify(&te->cfg, ue->mme_ue_id, ext->ho_enb_ue_id, tx, sizeof(tx));
    if (m < 0 || enbsim_send(x, te, ue->stream, tx, (size_t)m)) {
        enbsim_ue_fail(x, ue, PROC_S1HO, "send", 0);
        return;
    }
    ext->ho_src_wait = true;
    ext->ho_src_enb = ue->enb;
    ext->ho_src_enb_ue_id = ue->enb_ue_id;
    ext->ho_pending = false;
    ue->enb = ext->ho_enb;
    ue->enb_ue_id = ext->ho_enb_ue_id;
    ue->s1_connected = true;
    ext->teid_gen++;
    for (int i = 0; i < ENBSIM_MAX_BEARERS; i++) {
        struct ue_bearer *b = &ue->bearer[i];
        if (!b->active || !b->ul_teid)
            continue;
        b->dl_teid = dl_teid_for(x, ue, b->ebi);
        for (unsigned k = 0; k < ext->ho_n_ul; k++)
            if (ext->ho_ul[k].id == b->ebi) {
                b->ul_teid = ext->ho_ul[k].teid;
                b->gw_addr = ext->ho_ul[k].addr;
                b->gw6 = ext->ho_ul[k].has6;
                b->gw_addr6 = ext->ho_ul[k].addr6;
            }
    }
    if (ext->ho_nh_ok) {
        /* TS 33.401 7.2.8.4.3: KeNB* from this NH; the chain goes on */
        memcpy(ue->nh, ext->ho_nh, 32);
        ue->nh_ncc = ext->ho_ncc;
        OPENSSL_cleanse(ext->ho_nh, sizeof(ext->ho_nh));
    }
    enbsim_tun_sync(x, ue);
    log_ue(x, ue, "S1 handover: handover notify");
}

/* The source's UE Context Release Command for a UE that left by S1
 * handover (TS 23.401 5.5.1.2.2 step 19): Release Complete; done. */
static bool on_src_release(struct enbsim *x, struct enbsim_enb *e, const struct enb_dl *dl)
{
    if (!dl->has_enb_ue_id)
        return false;
    uint32_t idx = dl->enb_ue_id & ((1u << x->id_bits) - 1);
    if (idx >= x->n_ues)
        return false;
    struct enbsim_ue *ue = &x->ues[idx];
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (!ext->ho_src_wait || ext->ho_src_enb != e->idx || ext->ho_src_enb_ue_id != dl->enb_ue_id)
        return false;
    int m = enb_build_ue_ctx_release_complete(dl->mme_ue_id, dl->enb_ue_id, tx, sizeof(tx));
    if (m > 0)
        enbsim_send(x, e, ue->stream, tx, (size_t)m);
    if (strcmp(dl->cause, "radioNetwork/successful-handover"))
        x->st.ho_release_cause_other++;
    s1ho_end(x, ue, true, PROC_S1HO, NULL);
    return true;
}

static bool s1ho_on_s1ap(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue,
                         const struct enb_dl *dl)
{
    struct enbsim_ue_ext *ext = ue ? ext_of(x, ue) : NULL;
    bool src = ue && ext->ho_pending && ext->ho_s1 && ue->enb == e->idx;
    bool tgt = ue && ext->ho_pending && ext->ho_s1 && ext->ho_enb == e->idx &&
               ue->enb != e->idx;
    switch (dl->kind) {
    case S1AP_MSG_HandoverRequest:
        on_ho_request(x, e, dl);
        return true;
    case S1AP_MSG_HandoverCommand:
        if (src && ext->ho_phase == S1HO_ADMITTED)
            on_ho_command(x, e, ue);
        else
            x->st.ho_unexpected++;
        return true;
    case S1AP_MSG_HandoverPreparationFailure:
        /* TS 36.413 8.4.1.3: the UE stays with the source */
        if (src)
            s1ho_end(x, ue, false, PROC_S1HO, dl->cause);
        return true;
    case S1AP_MSG_MMEStatusTransfer:
        /* 8.4.7: the target has the PDCP state; the UE synchronises to it
         * (after --s1-notify-delay) and the target notifies the MME */
        if (tgt && ext->ho_phase == S1HO_EXECUTING) {
            if (x->o.s1_notify_delay > 0)
                ext->ho_notify_at = enbsim_now_ns() + secs_ns(x->o.s1_notify_delay);
            else
                send_notify(x, ue);
        } else {
            x->st.ho_unexpected++;
        }
        return true;
    case S1AP_MSG_HandoverCancelAcknowledge:
        if (src && ext->ho_phase == S1HO_CANCELLING)
            s1ho_end(x, ue, true, PROC_S1HO_CANCEL, NULL);
        return true;
    case S1AP_MSG_UEContextReleaseCommand:
        if (tgt) {
            /* the MME releases the target's connection (cancel, or its
             * TS1RELOCoverall ran out): Release Complete; the UE stays
             * with the source */
            int m = enb_build_ue_ctx_release_complete(dl->mme_ue_id, dl->enb_ue_id, tx,
                                                      sizeof(tx));
            if (m > 0)
                enbsim_send(x, e, ue->stream, tx, (size_t)m);
            if (ext->ho_phase != S1HO_CANCELLING)
                s1ho_end(x, ue, false, PROC_S1HO, dl->cause);
            return true;
        }
        return !ue && on_src_release(x, e, dl);
    default:
        return false;
    }
}

void enbsim_mob_set_kenb(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    uint8_t k[32];
    if (!ue->sec_valid || ue_nas_kenb(ue, k))
        return;
    if (dl->has_kenb && !ue->kenb_checked) {
        ue->kenb_checked = true;
        if (CRYPTO_memcmp(k, dl->kenb, 32)) {
            x->st.kenb_mismatch++;
            fprintf(stderr, "enbsim: UE %u (IMSI %s): KeNB mismatch: ours from COUNT %u (%s), "
                    "next uplink COUNT %u, MME UE S1AP ID %u, state %d, service %d tau %d\n",
                    ue->idx, ue->usim.sub.imsi,
                    ue->kenb_count_fixed ? ue->kenb_count : ue->last_ul_count,
                    ue->kenb_count_fixed ? "fixed" : "last", ue->sec.ul_count, dl->mme_ue_id,
                    ue->state, ue->t_start[PROC_SERVICE] != 0, ue->t_start[PROC_TAU] != 0);
        }
    }
    /* TS 33.401 7.2.8.1.1: the KeNB is the virtual NH of NCC 0 */
    memcpy(ue->nh, k, 32);
    ue->nh_ncc = 0;
    ue->nh_valid = true;
    OPENSSL_cleanse(k, sizeof(k));
}

void enbsim_mob_connected(struct enbsim *x, struct enbsim_ue *ue)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    uint64_t now = enbsim_now_ns();
    ext->last_active = now;
    ext->idle_since = 0;
    ext->up_kept = false;
    if (!ext->in_cell_since)
        ext->in_cell_since = now;
    enbsim_tun_pause(x, ue, false);
    if (x->o.bearer_qci && !ext->bearer_alloc_done && ue->bearer[0].active) {
        /* --bearer-alloc: once, right after the attach */
        uint8_t nas[ENBSIM_NAS_MAX];
        ext->bearer_alloc_done = true;
        int n = ue_nas_bearer_alloc(ue, ue->bearer[0].ebi, (uint8_t)x->o.bearer_qci,
                                    x->o.bearer_port, nas, sizeof(nas));
        ue->t_start[PROC_DEDICATED] = now;
        if (n < 0 || enbsim_send_ul_nas(x, ue, nas, (size_t)n)) {
            enbsim_stat_fail(x, PROC_DEDICATED, "send");
            ue->t_start[PROC_DEDICATED] = 0;
        }
    }
}

void enbsim_mob_released(struct enbsim *x, struct enbsim_ue *ue, const char *why)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    bool normal = !strcmp(why, "released");
    if (ue->t_start[PROC_IDLE]) {
        if (normal)
            enbsim_stat_ok(x, PROC_IDLE, ue->t_start[PROC_IDLE]);
        else
            enbsim_stat_fail(x, PROC_IDLE, why);
        ue->t_start[PROC_IDLE] = 0;
    }
    /* TS 36.413 8.3.3, 8.7.1: whatever ran on the connection is over */
    static const enum enbsim_proc ps[] = {PROC_SERVICE, PROC_PAGING, PROC_TAU, PROC_X2HO,
                                          PROC_S1HO};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        if (ue->t_start[ps[i]]) {
            enbsim_stat_fail(x, ps[i], why);
            ue->t_start[ps[i]] = 0;
        }
    ext->ho_pending = ext->ho_s1 = ext->ho_src_wait = false;
    ext->ho_phase = 0;
    ext->ho_notify_at = 0;
    ext->up_kept = false;
    mob_end(x, ue);
    ue->s1_connected = false;
    ext->deadline = 0;
    ext->idle_since = enbsim_now_ns();
    log_ue(x, ue, "ECM-IDLE");
}

void enbsim_mob_uplink_pending(struct enbsim *x, struct enbsim_ue *ue)
{
    /* TS 24.301 5.6.1.1: uplink user data pending in ECM-IDLE */
    if (ext_of(x, ue)->finished || ue->state != UE_ATTACHED || ue->s1_connected ||
        enbsim_mob_running(ue))
        return;
    start_service(x, ue, S1AP_RRC_Establishment_Cause_mo_Data);
}

void enbsim_mob_ics(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    struct enbsim_enb *e = &x->enbs[ue->enb];
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    struct enb_erab res[ENB_ERAB_MAX];
    uint64_t now = enbsim_now_ns();
    enum enbsim_proc p = ue->t_start[PROC_TAU] ? PROC_TAU : PROC_SERVICE;
    /* TS 33.401 7.2.6.2: KeNB from the COUNT of the Service Request (or
     * TAU Request) */
    enbsim_mob_set_kenb(x, ue, dl);
    /* TS 23.401 5.3.4.1 step 4: every E-RAB of the UE set up again */
    unsigned n = enbsim_bind_erabs(x, ue, dl, res);
    if (!n) {
        enbsim_ue_fail(x, ue, p, "ics-no-erab", 0);
        return;
    }
    int m = enb_build_ics_response(ue->mme_ue_id, ue->enb_ue_id, res, n, tx, sizeof(tx));
    if (m < 0 || enbsim_send(x, e, ue->stream, tx, (size_t)m)) {
        enbsim_ue_fail(x, ue, p, "send", 0);
        return;
    }
    if (enbsim_tun_sync(x, ue)) {
        enbsim_ue_fail(x, ue, p, "tun", 0);
        return;
    }
    if (ue->t_start[PROC_SERVICE]) {
        enbsim_stat_ok(x, PROC_SERVICE, ue->t_start[PROC_SERVICE]);
        ue->t_start[PROC_SERVICE] = 0;
        ext->cycles_done++;
        x->st.t_last_cycle = now;
    }
    if (ue->t_start[PROC_PAGING]) {
        enbsim_stat_ok(x, PROC_PAGING, ue->t_start[PROC_PAGING]);
        ue->t_start[PROC_PAGING] = 0;
    }
    if (!ue->t_start[PROC_TAU]) {
        ext->deadline = 0;
        mob_end(x, ue);
    }
    enbsim_mob_connected(x, ue);
    log_ue(x, ue, "connected again (initial context setup)");
}

bool enbsim_mob_nas_result(struct enbsim *x, struct enbsim_ue *ue, const struct ue_nas_out *o)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (o->service_rejected) {
        /* TS 24.301 5.6.1.5: counted with its cause; the UE is done */
        ue->t_start[PROC_PAGING] = 0;
        enbsim_ue_fail(x, ue, PROC_SERVICE, "service-reject", o->cause);
        return true;
    }
    if (o->tau_rejected) {
        enbsim_ue_fail(x, ue, PROC_TAU, "tau-reject", o->cause);
        return true;
    }
    if (o->tau_done) {
        if (ue->t_start[PROC_TAU]) {
            enbsim_stat_ok(x, PROC_TAU, ue->t_start[PROC_TAU]);
            ue->t_start[PROC_TAU] = 0;
            ext->taus_done++;
        }
        /* without the active flag the network releases the connection
         * (TS 24.301 5.5.3.2.4); with it an Initial Context Setup follows */
        if (!x->o.tau_active) {
            ext->deadline = 0;
            mob_end(x, ue);
        }
        return true;
    }
    if (o->fail && (!strcmp(o->fail, "bearer-alloc-reject") ||
                    !strcmp(o->fail, "bearer-modify-reject"))) {
        char c[48];
        snprintf(c, sizeof(c), "%s-%u", o->fail, o->cause);
        enbsim_stat_fail(x, PROC_DEDICATED, c);
        ue->t_start[PROC_DEDICATED] = 0;
        return true;
    }
    return false;
}

void enbsim_mob_tick(struct enbsim *x, struct enbsim_ue *ue, uint64_t now)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ext->finished || x->stopping || !x->enbs[ue->enb].s1_ready)
        return;
    if (ext->ho_notify_at && now >= ext->ho_notify_at && ext->ho_pending && ext->ho_s1) {
        send_notify(x, ue);
        return;
    }
    if (enbsim_mob_running(ue) || ue->t_start[PROC_PDN_CONNECT] ||
        ue->t_start[PROC_PDN_DISCONNECT] || ue->t_start[PROC_ATTACH] || ue->t_start[PROC_DETACH])
        return;
    bool cycles_left = !x->o.cycles || ext->cycles_done < x->o.cycles;
    bool hos_left = !x->o.handovers || ext->hos_done < x->o.handovers;
    bool ho_mode = x->o.x2_after >= 0 || x->o.s1_after >= 0;
    /* the hold is over: nothing new unless a --cycles / --handovers count
     * is still to be reached (the UE detaches or finishes once idle) */
    bool counted = (x->o.cycles && ext->cycles_done < x->o.cycles) ||
                   (x->o.handovers && ext->hos_done < x->o.handovers);
    if (ext->hold_until && now >= ext->hold_until && !counted)
        return;
    if (ue->s1_connected) {
        if (x->o.x2_after >= 0 && x->n_enbs > 1 && hos_left &&
            now - ext->in_cell_since >= secs_ns(x->o.x2_after)) {
            if (may_start(x))
                start_x2(x, ue);
            return;
        }
        if (x->o.s1_after >= 0 && x->n_enbs > 1 && hos_left &&
            now - ext->in_cell_since >= secs_ns(x->o.s1_after)) {
            if (may_start(x))
                start_s1(x, ue);
            return;
        }
        if (x->o.idle_after >= 0 && cycles_left &&
            now - ext->last_active >= secs_ns(x->o.idle_after))
            start_release(x, ue);
        return;
    }
    if (!ext->idle_since)
        return;
    if (x->o.tau_period >= 0 && now - ext->idle_since >= secs_ns(x->o.tau_period)) {
        if (may_start(x))
            start_tau(x, ue, 3);
        return;
    }
    if (x->o.active_after >= 0 && (cycles_left || (ho_mode && hos_left)) &&
        now - ext->idle_since >= secs_ns(x->o.active_after) && may_start(x))
        start_service(x, ue, S1AP_RRC_Establishment_Cause_mo_Data);
}

/* The UE-associated connections of eNB e named by a Reset (all when ids
 * is NULL) are gone (TS 36.413 8.7.1.2): attached UEs are ECM-IDLE, UEs in
 * an attach or detach have lost it. */
static void reset_ue(struct enbsim *x, struct enbsim_ue *ue, const char *why)
{
    struct enbsim_ue_ext *ext = ext_of(x, ue);
    if (ext->finished)
        return;
    if (ue->state == UE_ATTACHED) {
        if (ue->s1_connected || enbsim_mob_running(ue))
            enbsim_mob_released(x, ue, why);
    } else if (ue->state == UE_ATTACHING) {
        ue->s1_connected = false;
        enbsim_ue_fail(x, ue, PROC_ATTACH, why, 0);
    } else if (ue->state == UE_DETACHING) {
        ue->s1_connected = false;
        enbsim_ue_fail(x, ue, PROC_DETACH, why, 0);
    }
}

static struct enbsim_ue *ue_on_enb(struct enbsim *x, struct enbsim_enb *e,
                                   const struct enb_reset_id *r)
{
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_ue *u = &x->ues[i];
        if (u->enb != e->idx || !u->s1_connected)
            continue;
        if (r->has_enb && u->enb_ue_id == r->enb)
            return u;
        if (!r->has_enb && r->has_mme && u->mme_ue_id_known && u->mme_ue_id == r->mme)
            return u;
    }
    return NULL;
}

static void reset_all(struct enbsim *x, struct enbsim_enb *e, const char *why)
{
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_ue *u = &x->ues[i];
        struct enbsim_ue_ext *ext = ext_of(x, u);
        if (ext->ho_pending && ext->ho_enb == e->idx)
            enbsim_mob_released(x, u, why);
        else if (u->enb == e->idx && (u->s1_connected || u->state == UE_ATTACHING))
            reset_ue(x, u, why);
    }
}

void enbsim_mob_sweep_enb(struct enbsim *x, struct enbsim_enb *e, uint64_t now)
{
    if (x->o.reset_after < 0 || e->reset_sent || !e->s1_ready || x->stopping ||
        now - e->t_s1_ready < secs_ns(x->o.reset_after))
        return;
    /* --reset-after: the eNB resets its whole S1 interface (TS 36.413
     * 8.7.1.2.2), as after a failure that lost its UE contexts */
    int m = enb_build_reset(NULL, 0, tx, sizeof(tx));
    e->reset_sent = true;
    e->t_reset = now;
    if (m < 0 || enbsim_send(x, e, 0, tx, (size_t)m)) {
        enbsim_stat_fail(x, PROC_RESET, "send");
        e->t_reset = 0;
        return;
    }
    if (x->o.verbose)
        fprintf(stderr, "enbsim: eNB %u: S1 Reset (all)\n", e->idx);
    reset_all(x, e, "s1-reset");
}

static void on_reset(struct enbsim *x, struct enbsim_enb *e, const struct enb_dl *dl)
{
    /* TS 36.413 8.7.1.2.1: the MME reset the whole interface or some
     * connections; answer with Reset Acknowledge (naming the same
     * connections for a partial reset) */
    x->st.resets_rx++;
    if (x->o.verbose)
        fprintf(stderr, "enbsim: eNB %u: S1 Reset from the MME (%s, %s)\n", e->idx,
                dl->reset_all ? "all" : "partial", dl->cause);
    if (dl->reset_all) {
        reset_all(x, e, "mme-reset");
    } else {
        for (unsigned i = 0; i < dl->n_reset; i++) {
            struct enbsim_ue *u = ue_on_enb(x, e, &dl->reset[i]);
            if (u)
                reset_ue(x, u, "mme-reset");
        }
    }
    int m = enb_build_reset_ack(dl->reset, dl->reset_all ? 0 : dl->n_reset, tx, sizeof(tx));
    if (m > 0)
        enbsim_send(x, e, 0, tx, (size_t)m);
}

static void on_paging(struct enbsim *x, struct enbsim_enb *e, const struct enb_dl *dl)
{
    x->st.pagings++;
    if (dl->page_cs) {
        x->st.paging_ignored++; /* CS fallback is not simulated */
        return;
    }
    if (!dl->page_stmsi) {
        /* TS 24.301 5.6.2.2.2: paged with the IMSI (the network lost the
         * UE's context): local detach, then an attach with the IMSI */
        struct enbsim_ue *u = NULL;
        for (unsigned i = 0; i < x->n_ues && !u; i++)
            if (!strcmp(x->ues[i].usim.sub.imsi, dl->page_imsi))
                u = &x->ues[i];
        if (u && u->enb != e->idx)
            return; /* it camps on another eNB */
        if (!u || ext_of(x, u)->finished || u->state != UE_ATTACHED || u->s1_connected ||
            enbsim_mob_running(u) || x->stopping) {
            x->st.paging_ignored++;
            return;
        }
        x->st.paging_imsi++;
        log_ue(x, u, "paged by IMSI: attach again");
        mob_end(x, u);
        enbsim_reattach(x, u);
        return;
    }
    struct enbsim_ue *ue = ue_by_tmsi(x, dl->page_mtmsi);
    if (!ue || ue->guti.mmec != dl->page_mmec) {
        x->st.paging_ignored++;
        return;
    }
    /* the MME pages in every eNB of the UE's TAI list; the UE answers in
     * the cell it camps on (its last eNB), once (T3413 repeats are
     * ignored while its Service Request runs) */
    if (ue->enb != e->idx)
        return;
    if (ext_of(x, ue)->finished || ue->state != UE_ATTACHED || ue->s1_connected) {
        x->st.paging_ignored++;
        return;
    }
    if (!ue->t_start[PROC_PAGING])
        ue->t_start[PROC_PAGING] = enbsim_now_ns();
    log_ue(x, ue, "paged");
    if (x->o.paging_tau) {
        /* TS 24.301 5.6.2.2.1: a UE that must update its TA answers the
         * paging with a TAU (here without the active flag) */
        start_tau(x, ue, 0);
        return;
    }
    start_service(x, ue, S1AP_RRC_Establishment_Cause_mt_Access);
}

static void on_erab_modify(struct enbsim *x, struct enbsim_ue *ue, const struct enb_dl *dl)
{
    static struct ue_nas_out o[ENB_ERAB_MAX];
    uint8_t ids[ENB_ERAB_MAX], failed[ENB_ERAB_MAX];
    unsigned n = 0, n_failed = 0;
    /* TS 36.413 8.2.2: each E-RAB's NAS-PDU is a MODIFY EPS BEARER
     * CONTEXT REQUEST (TS 24.301 6.4.3) */
    for (unsigned i = 0; i < dl->n_erab; i++) {
        memset(&o[i], 0, sizeof(o[i]));
        bool dflt = false;
        for (int k = 0; k < ENBSIM_MAX_BEARERS; k++)
            dflt |= ue->bearer[k].active && !ue->bearer[k].dedicated &&
                    ue->bearer[k].ebi == dl->erab[i].id;
        if (dflt && x->o.modify_reject >= 0) {
            /* --modify-reject erab: TS 36.413 8.2.2.3, the E-RAB in the
             * Failed to Modify List, its NAS-PDU not passed to the UE */
            failed[n_failed++] = dl->erab[i].id;
            x->st.default_modify_erab_failed++;
            log_ue(x, ue, "default bearer's E-RAB failed to modify (--modify-reject erab)");
            continue;
        }
        if (dl->erab[i].nas)
            ue_nas_handle_dl(ue, enbsim_cfg_for(x, ue), dl->erab[i].nas, dl->erab[i].nas_len,
                             &o[i]);
        ids[n++] = dl->erab[i].id;
    }
    int m = enb_build_erab_modify_response_failed(ue->mme_ue_id, ue->enb_ue_id, ids, n, failed,
                                                  n_failed, (unsigned)x->o.modify_reject, tx,
                                                  sizeof(tx));
    if (m > 0)
        enbsim_send(x, &x->enbs[ue->enb], ue->stream, tx, (size_t)m);
    for (unsigned i = 0; i < dl->n_erab && !ext_of(x, ue)->finished; i++)
        enbsim_send_outs(x, ue, &o[i]);
}

bool enbsim_mob_on_s1ap(struct enbsim *x, struct enbsim_enb *e, struct enbsim_ue *ue,
                        const struct enb_dl *dl)
{
    struct enbsim_ue_ext *ext = ue ? ext_of(x, ue) : NULL;
    if (s1ho_on_s1ap(x, e, ue, dl))
        return true;
    switch (dl->kind) {
    case S1AP_MSG_Paging:
        on_paging(x, e, dl);
        return true;
    case S1AP_MSG_Reset:
        on_reset(x, e, dl);
        return true;
    case S1AP_MSG_ResetAcknowledge:
        if (e->t_reset) {
            enbsim_stat_ok(x, PROC_RESET, e->t_reset);
            e->t_reset = 0;
        }
        return true;
    case S1AP_MSG_PathSwitchRequestAcknowledge:
        if (ue && ext->ho_pending && ext->ho_enb == e->idx)
            on_path_switch_ack(x, ue, dl);
        return true;
    case S1AP_MSG_ErrorIndication:
        /* an Error Indication about the target side of a handover in
         * progress (an MME that does not run Path Switch answers so, TS
         * 36.413 10.3.4.1): the handover failed, as below */
        if (!ue || !ext->ho_pending || ext->ho_enb != e->idx || ue->enb == e->idx)
            return false;
        x->st.error_ind++;
        /* fall through */
    case S1AP_MSG_PathSwitchRequestFailure:
        if (ue && ext->ho_pending && ext->ho_enb == e->idx) {
            /* TS 36.413 8.4.4.3: the path stays; the UE stays with the
             * source eNB here */
            ext->ho_pending = false;
            enbsim_stat_fail(x, PROC_X2HO, dl->kind == S1AP_MSG_ErrorIndication
                                               ? "error-indication"
                                               : dl->cause);
            ue->t_start[PROC_X2HO] = 0;
            ext->deadline = 0;
            ext->in_cell_since = enbsim_now_ns();
            mob_end(x, ue);
        }
        return true;
    case S1AP_MSG_E_RABModifyRequest:
        if (ue && !ext->finished)
            on_erab_modify(x, ue, dl);
        return true;
    default:
        /* a message for the target side of a handover in progress is not
         * the source's business */
        return ue && ext->ho_pending && ext->ho_enb == e->idx && ue->enb != e->idx;
    }
}
