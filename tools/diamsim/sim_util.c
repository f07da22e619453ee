#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_util.h"

int sim_split(const char *s, struct sim_line *l)
{
    size_t o = 0;
    l->n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (!*s || *s == '#')
            break;
        if (l->n >= SIM_MAX_TOK)
            return -EINVAL;
        l->tok[l->n++] = &l->buf[o];
        bool q = false;
        while (*s && (q || (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r'))) {
            if (*s == '"') {
                q = !q;
                s++;
                continue;
            }
            if (o + 2 >= sizeof(l->buf))
                return -EINVAL;
            l->buf[o++] = *s++;
        }
        if (q)
            return -EINVAL;
        l->buf[o++] = 0;
    }
    return 0;
}

const char *sim_kv(const struct sim_line *l, int from, const char *key, int nth)
{
    size_t kl = strlen(key);
    for (int i = from; i < l->n; i++)
        if (!strncmp(l->tok[i], key, kl) && l->tok[i][kl] == '=' && nth-- == 0)
            return l->tok[i] + kl + 1;
    return NULL;
}

bool sim_u64(const char *s, uint64_t *v)
{
    char *e;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long x = strtoull(s, &e, 0);
    if (errno || *e)
        return false;
    *v = x;
    return true;
}

bool sim_u32(const char *s, uint32_t *v)
{
    uint64_t x;
    if (!sim_u64(s, &x) || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

void sim_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void units(FILE *f, const char *name, const struct diam_units *u)
{
    if (!u->present)
        return;
    fprintf(f, ",\"%s\":{", name);
    const char *sep = "";
    if (u->has_total) {
        fprintf(f, "%s\"total\":%llu", sep, (unsigned long long)u->total);
        sep = ",";
    }
    if (u->has_input) {
        fprintf(f, "%s\"input\":%llu", sep, (unsigned long long)u->input);
        sep = ",";
    }
    if (u->has_output) {
        fprintf(f, "%s\"output\":%llu", sep, (unsigned long long)u->output);
        sep = ",";
    }
    if (u->has_time)
        fprintf(f, "%s\"time\":%u", sep, u->time);
    fputc('}', f);
}

static void mscc_list(FILE *f, unsigned n, const struct diam_mscc *c)
{
    fputs(",\"mscc\":[", f);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s{\"rg\":%d", i ? "," : "",
                c[i].has_rating_group ? (int)c[i].rating_group : -1);
        units(f, "rsu", &c[i].requested);
        units(f, "gsu", &c[i].granted);
        units(f, "usu", &c[i].used);
        if (c[i].has_reporting_reason)
            fprintf(f, ",\"reason\":%u", c[i].reporting_reason);
        if (c[i].validity_time)
            fprintf(f, ",\"validity\":%u", c[i].validity_time);
        if (c[i].has_volume_threshold)
            fprintf(f, ",\"volume_threshold\":%u", c[i].volume_threshold);
        if (c[i].result_code)
            fprintf(f, ",\"result\":%u", c[i].result_code);
        if (c[i].fui.action != DIAM_FUA_NONE) {
            fprintf(f, ",\"fua\":%d", c[i].fui.action);
            if (c[i].fui.redirect_addr[0]) {
                fputs(",\"redirect\":", f);
                sim_json_str(f, c[i].fui.redirect_addr);
            }
            if (c[i].fui.n_filter_ids) {
                fputs(",\"filter_id\":", f);
                sim_json_str(f, c[i].fui.filter_ids[0]);
            }
        }
        fputc('}', f);
    }
    fputc(']', f);
}

static void names(FILE *f, const char *key, unsigned n, char (*a)[DIAM_STR_MAX])
{
    if (!n)
        return;
    fprintf(f, ",\"%s\":[", key);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        sim_json_str(f, a[i]);
    }
    fputc(']', f);
}

static void rules(FILE *f, const struct diam_rules *r)
{
    names(f, "install", r->n_install_names, (char (*)[DIAM_STR_MAX])r->install_names);
    names(f, "install_base", r->n_install_bases, (char (*)[DIAM_STR_MAX])r->install_bases);
    names(f, "remove", r->n_remove_names, (char (*)[DIAM_STR_MAX])r->remove_names);
    if (r->n_defs) {
        fputs(",\"defs\":[", f);
        for (unsigned i = 0; i < r->n_defs; i++) {
            fprintf(f, "%s{\"name\":", i ? "," : "");
            sim_json_str(f, r->defs[i].name);
            if (r->defs[i].has_rating_group)
                fprintf(f, ",\"rg\":%u", r->defs[i].rating_group);
            fprintf(f, ",\"precedence\":%u,\"flows\":%u}", r->defs[i].precedence,
                    r->defs[i].n_flows);
        }
        fputc(']', f);
    }
}

static void monitors(FILE *f, unsigned n, const struct diam_usage_monitor *m)
{
    if (!n)
        return;
    fputs(",\"monitors\":[", f);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s{\"key\":", i ? "," : "");
        sim_json_str(f, m[i].key);
        units(f, "gsu", &m[i].granted);
        units(f, "usu", &m[i].used);
        fputc('}', f);
    }
    fputc(']', f);
}

static void reports(FILE *f, unsigned n, const struct diam_rule_report *r)
{
    if (!n)
        return;
    fputs(",\"reports\":[", f);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s{\"name\":", i ? "," : "");
        sim_json_str(f, r[i].name);
        if (r[i].base)
            fputs(",\"base\":true", f);
        fprintf(f, ",\"status\":%u,\"failure\":%u}", r[i].status, r[i].failure_code);
    }
    fputc(']', f);
}

static void triggers(FILE *f, unsigned n, const uint32_t *t)
{
    fputs(",\"triggers\":[", f);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%s%u", i ? "," : "", t[i]);
    fputc(']', f);
}

static void hdr(FILE *f, const struct diam_header_info *h)
{
    fputs(",\"sid\":", f);
    sim_json_str(f, h->session_id);
    fputs(",\"origin\":", f);
    sim_json_str(f, h->origin_host);
    if (h->result_code)
        fprintf(f, ",\"result\":%u", h->result_code);
    if (h->exp_result_code)
        fprintf(f, ",\"exp_result\":%u", h->exp_result_code);
}

static const char *cmd_name(uint32_t cmd, bool req)
{
    switch (cmd) {
    case 258: return req ? "RAR" : "RAA";
    case 272: return req ? "CCR" : "CCA";
    case 316: return req ? "ULR" : "ULA";
    case 317: return req ? "CLR" : "CLA";
    case 318: return req ? "AIR" : "AIA";
    case 319: return req ? "IDR" : "IDA";
    case 321: return req ? "PUR" : "PUA";
    }
    return "?";
}

void sim_json_msg(FILE *f, struct msg *m)
{
    uint32_t app = 0, cmd = 0;
    bool req = false;
    int r = 0;
    diam_msg_info(m, &app, &cmd, &req);
    const char *an = app == DIAM_APPID_S6A ? "s6a" : app == DIAM_APPID_GX ? "gx"
                     : app == DIAM_APPID_GY ? "gy" : "base";
    fprintf(f, "{\"app\":\"%s\",\"cmd\":\"%s\"", an, cmd_name(cmd, req));
    /* one decoder per (application, command, direction) */
    union {
        struct diam_s6a_air air; struct diam_s6a_aia aia; struct diam_s6a_ulr ulr;
        struct diam_s6a_ula ula; struct diam_s6a_pur pur; struct diam_s6a_pua pua;
        struct diam_s6a_clr clr; struct diam_s6a_idr idr;
        struct diam_s6a_simple_answer sa; struct diam_gx_ccr gccr;
        struct diam_gx_cca gcca; struct diam_gx_rar grar; struct diam_raa raa;
        struct diam_gy_ccr yccr; struct diam_gy_cca ycca; struct diam_gy_rar yrar;
    } *u = calloc(1, sizeof(*u));
    if (!u) {
        fputs(",\"error\":\"ENOMEM\"}", f);
        return;
    }
    if (app == DIAM_APPID_S6A && cmd == 318 && req) {
        if (!(r = diam_s6a_air_decode(m, &u->air))) {
            hdr(f, &u->air.h);
            fputs(",\"imsi\":", f);
            sim_json_str(f, u->air.imsi);
            fprintf(f, ",\"vectors\":%u,\"resync\":%s", u->air.n_vectors,
                    u->air.resync ? "true" : "false");
        }
    } else if (app == DIAM_APPID_S6A && cmd == 318) {
        if (!(r = diam_s6a_aia_decode(m, &u->aia))) {
            hdr(f, &u->aia.h);
            fprintf(f, ",\"vectors\":%u", u->aia.n_vectors);
        }
    } else if (app == DIAM_APPID_S6A && cmd == 316 && req) {
        if (!(r = diam_s6a_ulr_decode(m, &u->ulr))) {
            hdr(f, &u->ulr.h);
            fputs(",\"imsi\":", f);
            sim_json_str(f, u->ulr.imsi);
            fprintf(f, ",\"rat\":%u,\"flags\":%u", u->ulr.rat_type, u->ulr.ulr_flags);
        }
    } else if (app == DIAM_APPID_S6A && cmd == 316) {
        if (!(r = diam_s6a_ula_decode(m, &u->ula))) {
            hdr(f, &u->ula.h);
            fputs(",\"msisdn\":", f);
            sim_json_str(f, u->ula.sub.msisdn);
            fprintf(f, ",\"ambr_ul\":%u,\"ambr_dl\":%u,\"apns\":[", u->ula.sub.ambr_ul,
                    u->ula.sub.ambr_dl);
            for (unsigned i = 0; i < u->ula.sub.n_apn; i++) {
                if (i)
                    fputc(',', f);
                sim_json_str(f, u->ula.sub.apn[i].apn);
            }
            fputc(']', f);
        }
    } else if (app == DIAM_APPID_S6A && cmd == 321 && req) {
        if (!(r = diam_s6a_pur_decode(m, &u->pur))) {
            hdr(f, &u->pur.h);
            fputs(",\"imsi\":", f);
            sim_json_str(f, u->pur.imsi);
        }
    } else if (app == DIAM_APPID_S6A && cmd == 321) {
        if (!(r = diam_s6a_pua_decode(m, &u->pua)))
            hdr(f, &u->pua.h);
    } else if (app == DIAM_APPID_S6A && cmd == 317 && req) {
        if (!(r = diam_s6a_clr_decode(m, &u->clr))) {
            hdr(f, &u->clr.h);
            fputs(",\"imsi\":", f);
            sim_json_str(f, u->clr.imsi);
            fprintf(f, ",\"type\":%u", u->clr.cancellation_type);
        }
    } else if (app == DIAM_APPID_S6A && cmd == 319 && req) {
        if (!(r = diam_s6a_idr_decode(m, &u->idr))) {
            hdr(f, &u->idr.h);
            fputs(",\"imsi\":", f);
            sim_json_str(f, u->idr.imsi);
            fprintf(f, ",\"ambr_ul\":%u,\"ambr_dl\":%u", u->idr.sub.ambr_ul,
                    u->idr.sub.ambr_dl);
        }
    } else if (app == DIAM_APPID_S6A && (cmd == 317 || cmd == 319)) {
        if (!(r = diam_s6a_simple_answer_decode(m, &u->sa)))
            hdr(f, &u->sa.h);
    } else if (app == DIAM_APPID_GX && cmd == 272 && req) {
        if (!(r = diam_gx_ccr_decode(m, &u->gccr))) {
            struct diam_gx_ccr *c = &u->gccr;
            char ip[INET_ADDRSTRLEN] = "";
            hdr(f, &c->h);
            inet_ntop(AF_INET, &c->sub.ue_ipv4, ip, sizeof(ip));
            fprintf(f, ",\"cc_type\":%u,\"cc_number\":%u,\"imsi\":", c->cc_request_type,
                    c->cc_request_number);
            sim_json_str(f, c->sub.imsi);
            fputs(",\"apn\":", f);
            sim_json_str(f, c->sub.apn);
            fprintf(f, ",\"ue_ip\":\"%s\",\"rat\":%u,\"qci\":%u,\"apn_ambr_ul\":%u,"
                    "\"apn_ambr_dl\":%u,\"uli_len\":%u", c->sub.ue_ipv4 ? ip : "",
                    c->sub.rat_type, c->default_qos.qci, c->default_qos.apn_ambr_ul,
                    c->default_qos.apn_ambr_dl, c->sub.user_location_len);
            fputs(",\"uli\":\"", f);
            for (unsigned i = 0; i < c->sub.user_location_len; i++)
                fprintf(f, "%02x", c->sub.user_location[i]);
            fprintf(f, "\",\"arp\":%u", c->default_qos.has_arp ? c->default_qos.arp.priority : 0);
            triggers(f, c->n_triggers, c->triggers);
            monitors(f, c->n_monitors, c->monitors);
            reports(f, c->n_reports, c->reports);
            if (c->termination_cause)
                fprintf(f, ",\"termination_cause\":%u", c->termination_cause);
        }
    } else if (app == DIAM_APPID_GX && cmd == 272) {
        if (!(r = diam_gx_cca_decode(m, &u->gcca))) {
            hdr(f, &u->gcca.h);
            fprintf(f, ",\"cc_type\":%u", u->gcca.cc_request_type);
            rules(f, &u->gcca.rules);
            triggers(f, u->gcca.n_triggers, u->gcca.triggers);
            monitors(f, u->gcca.n_monitors, u->gcca.monitors);
            if (u->gcca.qos.present)
                fprintf(f, ",\"apn_ambr_ul\":%u,\"apn_ambr_dl\":%u", u->gcca.qos.apn_ambr_ul,
                        u->gcca.qos.apn_ambr_dl);
        }
    } else if (app == DIAM_APPID_GX && cmd == 258 && req) {
        if (!(r = diam_gx_rar_decode(m, &u->grar))) {
            hdr(f, &u->grar.h);
            rules(f, &u->grar.rules);
            triggers(f, u->grar.n_triggers, u->grar.triggers);
        }
    } else if (app == DIAM_APPID_GY && cmd == 272 && req) {
        if (!(r = diam_gy_ccr_decode(m, &u->yccr))) {
            hdr(f, &u->yccr.h);
            fprintf(f, ",\"cc_type\":%u,\"cc_number\":%u,\"imsi\":", u->yccr.cc_request_type,
                    u->yccr.cc_request_number);
            sim_json_str(f, u->yccr.sub.imsi);
            mscc_list(f, u->yccr.n_mscc, u->yccr.mscc);
        }
    } else if (app == DIAM_APPID_GY && cmd == 272) {
        if (!(r = diam_gy_cca_decode(m, &u->ycca))) {
            hdr(f, &u->ycca.h);
            fprintf(f, ",\"cc_type\":%u", u->ycca.cc_request_type);
            if (u->ycca.has_ccfh)
                fprintf(f, ",\"ccfh\":%u", u->ycca.ccfh);
            mscc_list(f, u->ycca.n_mscc, u->ycca.mscc);
        }
    } else if (app == DIAM_APPID_GY && cmd == 258 && req) {
        if (!(r = diam_gy_rar_decode(m, &u->yrar))) {
            hdr(f, &u->yrar.h);
            if (u->yrar.has_rating_group)
                fprintf(f, ",\"rg\":%u", u->yrar.rating_group);
        }
    } else if (cmd == 258 && !req) {
        if (!(r = diam_raa_decode(m, &u->raa))) {
            hdr(f, &u->raa.h);
            reports(f, u->raa.n_reports, u->raa.reports);
        }
    } else {
        struct diam_raa any;    /* any answer: its header */
        if (!req && !diam_msg_session_id(m, any.h.session_id, sizeof(any.h.session_id)))
            fputs(",\"sid\":", f), sim_json_str(f, any.h.session_id);
    }
    if (r)
        fprintf(f, ",\"decode_error\":%d", r);
    fputc('}', f);
    free(u);
}
