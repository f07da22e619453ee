/* enbsim: counters, latency percentiles and the result lines.
 *
 * Machine-readable: one "enbsim: <key> <value>" line per figure (the keys
 * are documented in docs/enbsim.md); a human summary goes to stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enbsim_ctx.h"

uint64_t enbsim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void enbsim_stat_ok(struct enbsim *x, enum enbsim_proc p, uint64_t t_start_ns)
{
    struct enbsim_stats *s = &x->st;
    s->ok[p]++;
    if (!t_start_ns)
        return;
    uint64_t us = (enbsim_now_ns() - t_start_ns) / 1000;
    if (s->n_lat[p] == s->cap_lat[p]) {
        size_t cap = s->cap_lat[p] ? s->cap_lat[p] * 2 : 1024;
        uint32_t *n = realloc(s->lat_us[p], cap * sizeof(*n));
        if (!n)
            return; /* the figure loses a sample, the run goes on */
        s->lat_us[p] = n;
        s->cap_lat[p] = cap;
    }
    s->lat_us[p][s->n_lat[p]++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

void enbsim_stat_fail(struct enbsim *x, enum enbsim_proc p, const char *cause)
{
    struct enbsim_stats *s = &x->st;
    char name[48];
    s->fail[p]++;
    snprintf(name, sizeof(name), "%s:%s", enbsim_proc_str(p), cause ? cause : "unknown");
    for (unsigned i = 0; i < s->n_causes; i++)
        if (!strcmp(s->causes[i].name, name)) {
            s->causes[i].n++;
            return;
        }
    if (s->n_causes < ENBSIM_CAUSES_MAX) {
        snprintf(s->causes[s->n_causes].name, sizeof(s->causes[0].name), "%s", name);
        s->causes[s->n_causes++].n = 1;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, size_t n, unsigned p)
{
    /* nearest rank */
    size_t r = (n * p + 99) / 100;
    return v[r ? r - 1 : 0];
}

void enbsim_report(struct enbsim *x, FILE *out)
{
    struct enbsim_stats *s = &x->st;
    unsigned enbs_up = 0, attached = 0, failed = 0;
    for (unsigned i = 0; i < x->n_enbs; i++) {
        enbs_up += x->enbs[i].setup_done;
        if (x->enbs[i].setup_failed)
            fprintf(out, "enbsim: s1_setup_failure_cause %s\n", x->enbs[i].fail_cause);
    }
    for (unsigned i = 0; i < x->n_ues; i++) {
        attached += x->ues[i].attaches > 0;
        failed += x->ext[i].failed;
    }
    fprintf(out, "enbsim: enbs %u\n", x->n_enbs);
    fprintf(out, "enbsim: enbs_setup %u\n", enbs_up);
    unsigned rec = 0;
    for (unsigned i = 0; i < x->n_enbs; i++)
        rec += x->enbs[i].reconnects;
    fprintf(out, "enbsim: s1_reconnects %u\n", rec);
    fprintf(out, "enbsim: ues %u\n", x->n_ues);
    fprintf(out, "enbsim: attached %u\n", attached);
    fprintf(out, "enbsim: failed %u\n", failed);
    for (unsigned i = 0; i < s->n_causes; i++)
        fprintf(out, "enbsim: failed_cause %s %llu\n", s->causes[i].name,
                (unsigned long long)s->causes[i].n);
    for (int p = 0; p < PROC__COUNT; p++) {
        if (!s->ok[p] && !s->fail[p])
            continue;
        const char *n = enbsim_proc_str((enum enbsim_proc)p);
        fprintf(out, "enbsim: %s_ok %llu\n", n, (unsigned long long)s->ok[p]);
        fprintf(out, "enbsim: %s_failed %llu\n", n, (unsigned long long)s->fail[p]);
        if (s->n_lat[p]) {
            qsort(s->lat_us[p], s->n_lat[p], sizeof(uint32_t), cmp_u32);
            fprintf(out, "enbsim: %s_p50_us %u\n", n, pct(s->lat_us[p], s->n_lat[p], 50));
            fprintf(out, "enbsim: %s_p90_us %u\n", n, pct(s->lat_us[p], s->n_lat[p], 90));
            fprintf(out, "enbsim: %s_p99_us %u\n", n, pct(s->lat_us[p], s->n_lat[p], 99));
        }
    }
    double secs = s->t_last_attach > s->t_first_attach
                      ? (double)(s->t_last_attach - s->t_first_attach) / 1e9 : 0;
    /* every completed attach, over the time from the start of the first
     * to the completion of the last */
    double rate = secs > 0 ? (double)s->ok[PROC_ATTACH] / secs : 0;
    fprintf(out, "enbsim: attaches_per_s %.1f\n", rate);
    fprintf(out, "enbsim: max_in_flight %u\n", s->max_in_flight);
    fprintf(out, "enbsim: cut_by_duration %llu\n", (unsigned long long)s->cut_by_duration);
    fprintf(out, "enbsim: sctp_send_waits %llu\n", (unsigned long long)s->send_waits);
    fprintf(out, "enbsim: kenb_mismatch %llu\n", (unsigned long long)s->kenb_mismatch);
    fprintf(out, "enbsim: nw_detaches %llu\n", (unsigned long long)s->nw_detach);
    fprintf(out, "enbsim: error_indications %llu\n", (unsigned long long)s->error_ind);
    fprintf(out, "enbsim: s1ap_decode_errors %llu\n", (unsigned long long)s->decode_errors);
    /* idle mode and mobility (mobility.c) */
    double cs = s->t_last_cycle > s->t_first_cycle
                    ? (double)(s->t_last_cycle - s->t_first_cycle) / 1e9 : 0;
    fprintf(out, "enbsim: cycles_per_s %.1f\n", cs > 0 ? (double)s->ok[PROC_SERVICE] / cs : 0);
    double hs = s->t_last_ho > s->t_first_ho ? (double)(s->t_last_ho - s->t_first_ho) / 1e9 : 0;
    fprintf(out, "enbsim: handovers_per_s %.1f\n",
            hs > 0 ? (double)(s->ok[PROC_X2HO] + s->ok[PROC_S1HO]) / hs : 0);
    fprintf(out, "enbsim: pagings %llu\n", (unsigned long long)s->pagings);
    fprintf(out, "enbsim: paging_ignored %llu\n", (unsigned long long)s->paging_ignored);
    fprintf(out, "enbsim: paging_imsi %llu\n", (unsigned long long)s->paging_imsi);
    fprintf(out, "enbsim: nh_mismatch %llu\n", (unsigned long long)s->nh_mismatch);
    fprintf(out, "enbsim: nas_non_delivery_tx %llu\n", (unsigned long long)s->nas_non_delivery_tx);
    fprintf(out, "enbsim: generic_nas_rx %llu\n", (unsigned long long)s->generic_nas_rx);
    fprintf(out, "enbsim: s1_ho_request_unknown %llu\n", (unsigned long long)s->ho_request_unknown);
    fprintf(out, "enbsim: s1_ho_unexpected %llu\n", (unsigned long long)s->ho_unexpected);
    fprintf(out, "enbsim: s1_ho_release_cause_other %llu\n",
            (unsigned long long)s->ho_release_cause_other);
    fprintf(out, "enbsim: s1_resets_received %llu\n", (unsigned long long)s->resets_rx);
    fprintf(out, "enbsim: dedicated_ul_pkts %llu\n", (unsigned long long)s->dedicated_ul);
    fprintf(out, "enbsim: dedicated_dl_pkts %llu\n", (unsigned long long)s->dedicated_dl);
    fprintf(out, "enbsim: dedicated_rejected %llu\n", (unsigned long long)s->dedicated_rejected);
    fprintf(out, "enbsim: dedicated_ue_rejected %llu\n",
            (unsigned long long)s->dedicated_ue_rejected);
    fprintf(out, "enbsim: default_modified %llu\n", (unsigned long long)s->default_modified);
    fprintf(out, "enbsim: default_modify_rejected %llu\n",
            (unsigned long long)s->default_modify_rejected);
    fprintf(out, "enbsim: default_modify_erab_failed %llu\n",
            (unsigned long long)s->default_modify_erab_failed);
    /* the values of the last modification a UE accepted */
    fprintf(out, "enbsim: default_modified_last_qci %u\n", s->default_last_qci);
    fprintf(out, "enbsim: default_modified_last_apn_ambr_kbps %llu/%llu\n",
            (unsigned long long)s->default_last_ambr_ul,
            (unsigned long long)s->default_last_ambr_dl);
    fprintf(out, "enbsim: exit %d\n", enbsim_exit_code(x));
    fflush(out);

    fprintf(stderr, "enbsim: %u/%u eNBs set up, %u/%u UEs attached, %u failed", enbs_up,
            x->n_enbs, attached, x->n_ues, failed);
    if (s->n_lat[PROC_ATTACH])
        fprintf(stderr, "; attach p50 %.1f ms p99 %.1f ms, %.1f attaches/s",
                pct(s->lat_us[PROC_ATTACH], s->n_lat[PROC_ATTACH], 50) / 1000.0,
                pct(s->lat_us[PROC_ATTACH], s->n_lat[PROC_ATTACH], 99) / 1000.0, rate);
    fprintf(stderr, "\n");
}

int enbsim_ue_report(struct enbsim *x, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "# imsi ip ul_teid dl_teid state enb enb_ue_id mme_ue_id dns mtu dns6 pcscf6\n");
    for (unsigned i = 0; i < x->n_ues; i++) {
        struct enbsim_ue *u = &x->ues[i];
        const struct ue_bearer *b = NULL;
        for (int k = 0; k < ENBSIM_MAX_BEARERS && !b; k++)
            if (u->bearer[k].active)
                b = &u->bearer[k];
        char ip[INET_ADDRSTRLEN] = "-", dns[INET_ADDRSTRLEN] = "-";
        if (b)
            inet_ntop(AF_INET, &b->ue_addr, ip, sizeof(ip));
        if (b && b->dns.s_addr)
            inet_ntop(AF_INET, &b->dns, dns, sizeof(dns));
        char dns6[INET6_ADDRSTRLEN] = "-", pcscf6[INET6_ADDRSTRLEN] = "-";
        if (b && !IN6_IS_ADDR_UNSPECIFIED(&b->dns6))
            inet_ntop(AF_INET6, &b->dns6, dns6, sizeof(dns6));
        if (b && !IN6_IS_ADDR_UNSPECIFIED(&b->pcscf6))
            inet_ntop(AF_INET6, &b->pcscf6, pcscf6, sizeof(pcscf6));
        const char *state = x->ext[i].failed ? "failed"
                            : x->ext[i].cut  ? "cut"
                                             : ue_state_str(u->state);
        fprintf(f, "%s %s 0x%08x 0x%08x %s %u %u %u %s %u %s %s\n", u->usim.sub.imsi, ip,
                b ? b->ul_teid : 0, b ? b->dl_teid : 0, state, u->enb, u->enb_ue_id,
                u->mme_ue_id, dns, b ? b->mtu : 0, dns6, pcscf6);
    }
    int err = ferror(f) ? -EIO : 0;
    if (fclose(f) && !err)
        err = -errno;
    return err;
}

void enbsim_stats_free(struct enbsim *x)
{
    for (int p = 0; p < PROC__COUNT; p++)
        free(x->st.lat_us[p]);
    memset(&x->st, 0, sizeof(x->st));
}

int enbsim_exit_code(const struct enbsim *x)
{
    if (x->setup_error)
        return 2;
    for (unsigned i = 0; i < x->n_enbs; i++)
        if (!x->enbs[i].setup_done)
            return 1;
    for (unsigned i = 0; i < x->n_ues; i++)
        if (x->ext[i].failed || !x->ext[i].finished)
            return 1;
    for (int p = 0; p < PROC__COUNT; p++)
        if (x->st.fail[p])
            return 1;
    /* cut by --duration is not a failure, but a run that completed no
     * attach at all is not a success either */
    if (x->st.cut_by_duration && !x->st.ok[PROC_ATTACH])
        return 1;
    return 0;
}
