/* xepcctl for dedicated bearers: `ue bearer add|modify|delete` on the
 * control socket, and their lines in `ue show` (docs/cli.md). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "agw/agw.h"
#include "dp/dp.h"
#include "lib/strbuf.h"

/* ------------------------------------------------------------ xepcctl -- */

static const char *state_str(enum agw_bearer_state s)
{
    switch (s) {
    case BEARER_FREE: return "free";
    case BEARER_PENDING: return "activating";
    case BEARER_ACTIVE: return "active";
    case BEARER_MODIFYING: return "modifying";
    case BEARER_RELEASING: return "deactivating";
    }
    return "?";
}

/* "ue show" lines, one per dedicated bearer and one per filter */
void esm_bearer_show(struct agw_ctx *ctx, struct agw_ue *ue, struct strbuf *o)
{
    for (unsigned k = 0; k < AGW_MAX_DED; k++) {
        const struct agw_bearer *b = &ue->ded[k];
        char enb[INET6_ADDRSTRLEN];
        if (b->state == BEARER_FREE)
            continue;
        pgw_enb_str(b->enb_addr, &b->enb6, enb, sizeof(enb));
        strbuf_printf(o, "bearer ebi %u linked %u state %s qci %u mbr ul %llu dl %llu gbr ul %llu "
                      "dl %llu ul_teid 0x%08x dl_teid 0x%08x enb %s\n", b->ebi, b->linked_ebi,
                      state_str(b->state), b->qci, (unsigned long long)b->mbr_ul,
                      (unsigned long long)b->mbr_dl, (unsigned long long)b->gbr_ul,
                      (unsigned long long)b->gbr_dl, b->ul_teid, b->dl_teid, enb);
        if (ctx->dp && b->dp_installed) {
            struct dp_session_info info;
            if (dp_session_get(ctx->dp, b->ul_teid, &info) == 0)
                strbuf_printf(o, "bearer ebi %u usage ul_pkts %llu ul_bytes %llu dl_pkts %llu "
                              "dl_bytes %llu ul_drops %llu dl_drops %llu\n", b->ebi,
                              (unsigned long long)info.usage.ul_pkts,
                              (unsigned long long)info.usage.ul_bytes,
                              (unsigned long long)info.usage.dl_pkts,
                              (unsigned long long)info.usage.dl_bytes,
                              (unsigned long long)info.usage.ul_drops,
                              (unsigned long long)info.usage.dl_drops);
        }
        for (unsigned j = 0; j < b->n_pf; j++) {
            char t[160];
            agw_pf_format(&b->pf[j], t, sizeof(t));
            strbuf_printf(o, "bearer ebi %u filter %u prec %u dir %s %s\n", b->ebi, b->pf[j].id,
                          b->pf[j].prec,
                          b->pf[j].dir == NAS_PF_DIR_DL   ? "dl"
                          : b->pf[j].dir == NAS_PF_DIR_UL ? "ul"
                                                          : "both",
                          t);
        }
    }
}

static bool rate_arg(const char *v, uint64_t *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || d < 0)
        return false;
    double mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1e3, end++;
    else if (*end == 'M')
        mul = 1e6, end++;
    else if (*end == 'G')
        mul = 1e9, end++;
    if (*end)
        return false;
    *out = (uint64_t)(d * mul);
    return true;
}

/* "ue bearer add IMSI k=v ... tft=FILTER ..." where the filters' spaces
 * are sent as '+' (xepcctl does it); "ue bearer modify IMSI ebi=N ...";
 * "ue bearer delete IMSI ebi=N". */
void esm_bearer_ctl(struct agw_ctx *ctx, const char *verb, char *rest, struct strbuf *o)
{
    char *save = NULL, err[256] = "";
    char *imsi = strtok_r(rest, " \t\r\n", &save);
    struct agw_bearer_req req;
    unsigned ebi = 0;
    memset(&req, 0, sizeof(req));
    if (!verb || !imsi) {
        strbuf_printf(o, "error: ue bearer add|modify|delete IMSI ...\n");
        return;
    }
    for (char *t = strtok_r(NULL, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) {
            strbuf_printf(o, "error: '%s' is not KEY=VALUE\n", t);
            return;
        }
        *eq = 0;
        const char *k = t, *v = eq + 1;
        uint64_t u;
        bool ok = true;
        if (!strcmp(k, "apn"))
            snprintf(req.apn, sizeof(req.apn), "%s", v);
        else if (!strcmp(k, "ebi"))
            ok = rate_arg(v, &u) && u >= 5 && u <= 15 && (ebi = (unsigned)u);
        else if (!strcmp(k, "qci"))
            ok = rate_arg(v, &u) && u <= 255 && (req.qci = (uint8_t)u, true);
        else if (!strcmp(k, "arp"))
            ok = rate_arg(v, &u) && u >= 1 && u <= 15 && (req.arp_prio = (uint8_t)u, true);
        else if (!strcmp(k, "mbr_ul"))
            ok = rate_arg(v, &req.mbr_ul);
        else if (!strcmp(k, "mbr_dl"))
            ok = rate_arg(v, &req.mbr_dl);
        else if (!strcmp(k, "gbr_ul"))
            ok = rate_arg(v, &req.gbr_ul);
        else if (!strcmp(k, "gbr_dl"))
            ok = rate_arg(v, &req.gbr_dl);
        else if (!strcmp(k, "tft")) {
            char f[256];
            snprintf(f, sizeof(f), "%s", v);
            for (char *c = f; *c; c++)
                if (*c == '+')
                    *c = ' ';
            if (req.n_pf >= AGW_TFT_MAX) {
                strbuf_printf(o, "error: at most %d filters\n", AGW_TFT_MAX);
                return;
            }
            if (agw_pf_parse(f, &req.pf[req.n_pf], err, sizeof(err)) < 0) {
                strbuf_printf(o, "error: filter \"%s\": %s\n", f, err);
                return;
            }
            /* precedence in the order given (TS 24.008 10.5.6.12) */
            req.pf[req.n_pf].prec = (uint8_t)(req.n_pf + 1);
            req.n_pf++;
        } else {
            strbuf_printf(o, "error: unknown key '%s'\n", k);
            return;
        }
        if (!ok) {
            strbuf_printf(o, "error: bad value for %s: '%s'\n", k, v);
            return;
        }
    }
    int rc;
    if (!strcmp(verb, "add")) {
        rc = agw_bearer_activate(ctx, imsi, &req, err, sizeof(err));
    } else if (!strcmp(verb, "modify") || !strcmp(verb, "delete")) {
        if (!ebi) {
            strbuf_printf(o, "error: give the bearer: ebi=5..15\n");
            return;
        }
        rc = verb[0] == 'm' ? agw_bearer_modify(ctx, imsi, (uint8_t)ebi, &req, err, sizeof(err))
                            : agw_bearer_deactivate(ctx, imsi, (uint8_t)ebi, err, sizeof(err));
    } else {
        strbuf_printf(o, "error: ue bearer add|modify|delete, not '%s'\n", verb);
        return;
    }
    if (rc < 0) {
        strbuf_printf(o, "error: %s\n", err[0] ? err : strerror(-rc));
        return;
    }
    strbuf_printf(o, "ok\nebi %d\n", rc);
    struct agw_ue *ue = ue_find_imsi(ctx, imsi);
    struct agw_bearer *b = ue && rc > 0 ? esm_bearer_by_ebi(ue, (uint8_t)rc) : NULL;
    if (b && b->deferred)
        strbuf_printf(o, "waiting for the UE: %s\n",
                      ue->s1 ? "its connection is being set up" : "ECM-IDLE, paged");
}
