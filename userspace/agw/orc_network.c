/* The orchestrator's network (its PLMN and TACs) on the gateway
 * (docs/orchestrator.md "The network's PLMN and TACs").
 *
 * orcd's network object, once synced, replaces the file's mme.gummei.plmn
 * and mme.tai: the PLMN is the served GUMMEI's (S1 Setup Response, TS
 * 36.413 9.1.8.5; the GUTIs given from then on, TS 23.003 2.8) and the
 * tracking areas served are that PLMN with orcd's TACs.  Like the file's,
 * they are read when they are used: an S1 Setup (an eNB none of whose TAs
 * is served is refused, TS 36.413 8.7.3.4), an attach's TAI list and a TAU
 * (#12 for a TA not served, TS 24.301 5.5.3.2.5).  eNBs already set up
 * keep their association.  The MME group id and code stay the file's.
 * Without an orcd network (or with one the gateway cannot read) the
 * file's values apply. */
#include "agw/agw_orc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"

int orc_network_of(const char *body, struct agw_plmn *plmn, struct agw_tai *tai)
{
    json_t *j = json_loads(body ? body : "", 0, NULL);
    json_t *p = json_object_get(j, "plmn"), *tacs = json_object_get(j, "tacs"), *v;
    int rc = -EINVAL;
    size_t i;
    memset(tai, 0, sizeof(*tai));
    if (agw_plmn_parse(json_string_value(json_object_get(p, "mcc")) ?: "",
                       json_string_value(json_object_get(p, "mnc")) ?: "", plmn) < 0)
        goto out;
    if (!json_array_size(tacs) || json_array_size(tacs) > AGW_MAX_TACS)
        goto out;
    json_array_foreach(tacs, i, v) {
        json_int_t t = json_integer_value(v);
        if (!json_is_integer(v) || t < 0 || t > 65535)
            goto out;
        tai->tacs[tai->n_tacs++] = (uint16_t)t;
    }
    tai->plmn = *plmn;
    rc = 0;
out:
    json_decref(j);
    return rc;
}

static void tai_str(const struct agw_tai *t, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < t[i].n_tacs && used + 8 < cap; k++)
            used += (size_t)snprintf(out + used, cap - used, "%s%u", used ? " " : "",
                                     t[i].tacs[k]);
}

void orc_network_sync(struct agw_ctx *ctx, const struct agw_plmn *yaml_plmn,
                      const struct agw_tai *yaml_tai, size_t yaml_n_tai)
{
    struct agw_config *cfg = ctx->cfg;
    struct agw_plmn plmn = *yaml_plmn;
    static struct agw_tai tai;      /* 520 bytes: not on the loop's stack */
    const struct agw_tai *want = yaml_tai;
    size_t n = yaml_n_tai;
    const char *from = "the file's";
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(ctx->db->db, "SELECT id, body FROM orc_object WHERE kind = 'network' "
                           "ORDER BY id LIMIT 1", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        if (orc_network_of((const char *)sqlite3_column_text(s, 1), &plmn, &tai) == 0) {
            want = &tai;
            n = 1;
            from = "the orchestrator's";
        } else {
            plmn = cfg->mme.gummei.plmn;    /* the last good values stay */
            want = cfg->mme.tai;
            n = cfg->mme.n_tai;
            LOG_WARN(ctx, "orc", "network '%s': no usable PLMN/TACs: the PLMN and TACs in use "
                     "stay", (const char *)sqlite3_column_text(s, 0));
        }
    }
    sqlite3_finalize(s);
    bool same = agw_plmn_equal(&plmn, &cfg->mme.gummei.plmn) && n == cfg->mme.n_tai;
    for (size_t i = 0; same && i < n; i++)
        same = agw_plmn_equal(&want[i].plmn, &cfg->mme.tai[i].plmn) &&
               want[i].n_tacs == cfg->mme.tai[i].n_tacs &&
               !memcmp(want[i].tacs, cfg->mme.tai[i].tacs, want[i].n_tacs * sizeof(uint16_t));
    if (same)
        return;
    if (want != cfg->mme.tai) {
        memmove(cfg->mme.tai, want, n * sizeof(*want));
        cfg->mme.n_tai = n;
    }
    cfg->mme.gummei.plmn = plmn;
    char tacs[512];
    tai_str(cfg->mme.tai, cfg->mme.n_tai, tacs, sizeof(tacs));
    LOG_INFO(ctx, "orc", "network: %s PLMN %s/%s and TACs %s for new S1 Setups, attaches and "
             "TAUs; %u eNB(s) set up keep their association", from, plmn.mcc, plmn.mnc, tacs,
             ctx->n_enbs_setup);
}
