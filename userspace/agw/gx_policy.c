/* Gx enforcement (TS 29.212 4.5.2): the PCC rules the PCRF installs with
 * full Charging-Rule-Definitions (CCA, RAR) become the session's datapath
 * rules (userspace/dp: SDF filters with precedence, pass/drop, per-rule MBR
 * meter, rating group), and the authorised APN-AMBR (QoS-Information)
 * becomes its AMBR meters.  The Gx sessions are found by their Session-Id
 * "<identity>;<boot>;<ul_teid>" (gx_build.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "agw/agw.h"
#include "agw/agw_db.h"
#include "agw/agw_gx.h"
#include "diameter/diam.h"
#include "dp/dp.h"

/* ------------------------------------------------ IPFilterRule ---- */

static const char *tok(const char **p, char *buf, size_t cap)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    if (n == 0 || n >= cap)
        return NULL;
    memcpy(buf, s, n);
    buf[n] = 0;
    *p = s + n;
    return buf;
}

/* An address of RFC 6733 4.3: "any", "assigned" (the UE's address), or
 * ipno[/bits]. */
static int ipf_addr(const char *t, struct in_addr *a, uint8_t *plen, bool *assigned)
{
    *assigned = false;
    if (!strcmp(t, "any")) {
        a->s_addr = 0;
        *plen = 0;
        return 0;
    }
    if (!strcmp(t, "assigned")) {
        *assigned = true;
        return 0;
    }
    char buf[INET_ADDRSTRLEN + 4];
    snprintf(buf, sizeof(buf), "%s", t);
    char *slash = strchr(buf, '/');
    uint32_t bits = 32;
    if (slash) {
        *slash = 0;
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (*end || end == slash + 1 || v > 32)
            return -EINVAL;
        bits = (uint32_t)v;
    }
    if (inet_pton(AF_INET, buf, a) != 1)
        return -EINVAL;
    /* RFC 6733 4.3: the mask applies; host bits are cleared, not refused */
    uint32_t mask = bits ? htonl(~0u << (32 - bits)) : 0;
    a->s_addr &= mask;
    *plen = (uint8_t)bits;
    return 0;
}

/* "80" or "1000-2000" (a list with commas is not supported) */
static int ipf_ports(const char *t, uint16_t *lo, uint16_t *hi)
{
    char *end;
    unsigned long a = strtoul(t, &end, 10);
    if (end == t || a > 65535)
        return -EINVAL;
    unsigned long b = a;
    if (*end == '-') {
        const char *s = end + 1;
        b = strtoul(s, &end, 10);
        if (end == s || b > 65535 || b < a)
            return -EINVAL;
    }
    if (*end)
        return -EINVAL;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

static bool is_port(const char *t)
{
    return isdigit((unsigned char)t[0]);
}

int gx_ipfilter_parse(const char *text, uint32_t flow_direction, struct dp_rule_spec *r)
{
    char b[64], src_t[64], dst_t[64];
    const char *p = text;
    struct in_addr src = {0}, dst = {0};
    uint8_t src_plen = 0, dst_plen = 0;
    uint16_t sp_lo = 0, sp_hi = 65535, dp_lo = 0, dp_hi = 65535;
    bool src_ue, dst_ue;

    memset(r, 0, sizeof(*r));
    /* RFC 6733 4.3: action dir proto from src [ports] to dst [ports] */
    if (!tok(&p, b, sizeof(b)) || strcmp(b, "permit"))
        return -EINVAL;         /* TS 29.212 5.3.8: only "permit" */
    if (!tok(&p, b, sizeof(b)) || strcmp(b, "out"))
        return -EINVAL;         /* 5.3.8: only "out" */
    if (!tok(&p, b, sizeof(b)))
        return -EINVAL;
    if (!strcmp(b, "ip"))
        r->proto = 0;
    else if (!strcmp(b, "tcp"))
        r->proto = 6;
    else if (!strcmp(b, "udp"))
        r->proto = 17;
    else if (!strcmp(b, "icmp"))
        r->proto = 1;
    else {
        char *end;
        unsigned long v = strtoul(b, &end, 10);
        if (*end || v > 255)
            return -EINVAL;
        r->proto = (uint8_t)v;
    }
    if (!tok(&p, b, sizeof(b)) || strcmp(b, "from") || !tok(&p, src_t, sizeof(src_t)) ||
        ipf_addr(src_t, &src, &src_plen, &src_ue) < 0)
        return -EINVAL;
    if (!tok(&p, b, sizeof(b)))
        return -EINVAL;
    if (is_port(b)) {
        if (ipf_ports(b, &sp_lo, &sp_hi) < 0 || !tok(&p, b, sizeof(b)))
            return -EINVAL;
    }
    if (strcmp(b, "to") || !tok(&p, dst_t, sizeof(dst_t)) ||
        ipf_addr(dst_t, &dst, &dst_plen, &dst_ue) < 0)
        return -EINVAL;
    if (tok(&p, b, sizeof(b))) {
        if (!is_port(b) || ipf_ports(b, &dp_lo, &dp_hi) < 0)
            return -EINVAL;
        if (tok(&p, b, sizeof(b)))
            return -EINVAL;     /* options (frag, established ...) are not supported */
    }
    if (r->proto != 6 && r->proto != 17 && r->proto != 132 &&
        (sp_lo != 0 || sp_hi != 65535 || dp_lo != 0 || dp_hi != 65535))
        return -EINVAL;         /* ports without a protocol that has them */
    /* TS 29.212 5.4.2: for an uplink flow (Flow-Direction UPLINK) the
     * source is the UE; otherwise the filter is written for the downlink:
     * the destination is the UE.  dp rules are written as the uplink flow
     * (src = the UE side). */
    bool ul = flow_direction == 2;
    if (ul) {
        r->src = src_ue ? (struct in_addr){0} : src;
        r->src_plen = src_ue ? 0 : src_plen;
        r->sport_lo = sp_lo, r->sport_hi = sp_hi;
        r->dst = dst, r->dst_plen = dst_plen;
        r->dport_lo = dp_lo, r->dport_hi = dp_hi;
    } else {
        r->src = dst_ue ? (struct in_addr){0} : dst;
        r->src_plen = dst_ue ? 0 : dst_plen;
        r->sport_lo = dp_lo, r->sport_hi = dp_hi;
        r->dst = src, r->dst_plen = src_plen;
        r->dport_lo = sp_lo, r->dport_hi = sp_hi;
    }
    /* 5.3.65 Flow-Direction: 1 DOWNLINK, 2 UPLINK, 3 BIDIRECTIONAL, 0
     * UNSPECIFIED (both) */
    r->dir = flow_direction == 1 ? DP_DIR_DL : flow_direction == 2 ? DP_DIR_UL : DP_DIR_BOTH;
    return 0;
}

/* --------------------------------------------- rules of a session ---- */

/* The datapath rules of the installed definitions, in precedence order
 * (TS 29.212 4.5.2: the lowest Precedence first).  Each flow of a rule is
 * one dp rule; dp precedences must be distinct, so a rule's precedence P
 * becomes 4P + flow index.  Returns how many or -E2BIG/-EINVAL with
 * *bad the name of the rule that did not fit. */
int gx_rules_to_dp(const struct diam_rule_def *defs, unsigned n_defs, struct dp_rule_spec *out,
                   unsigned cap, const char **bad)
{
    unsigned n = 0;
    for (unsigned i = 0; i < n_defs; i++) {
        const struct diam_rule_def *d = &defs[i];
        *bad = d->name;
        uint32_t prec = d->precedence ? d->precedence : 16383;
        if (prec > 16383)
            prec = 16383;
        /* 5.3.48 Flow-Status: 0 ENABLED-UPLINK 1 ENABLED-DOWNLINK 2 ENABLED
         * 3 DISABLED (4 REMOVED: 29.214 only) */
        uint32_t fs = d->has_flow_status ? d->flow_status : 2;
        if (fs > 3)
            return -EINVAL;
        for (unsigned f = 0; f < d->n_flows; f++) {
            struct dp_rule_spec r;
            if (gx_ipfilter_parse(d->flows[f].description, d->flows[f].direction, &r) < 0)
                return -EINVAL;
            r.precedence = (uint16_t)(prec * 4 + f);
            r.action = fs == 3 ? DP_ACTION_DROP : DP_ACTION_PASS;
            if ((fs == 0 && r.dir == DP_DIR_DL) || (fs == 1 && r.dir == DP_DIR_UL))
                r.action = DP_ACTION_DROP;
            if (d->has_rating_group)
                r.rating_group = d->rating_group;
            if (d->qos.present && r.action == DP_ACTION_PASS) {
                /* 5.3.16: the rule's MBR; one meter per dp rule, so the
                 * direction the flow has (the larger for both) */
                uint32_t mbr = r.dir == DP_DIR_UL ? d->qos.mbr_ul
                               : r.dir == DP_DIR_DL ? d->qos.mbr_dl
                               : (d->qos.mbr_ul > d->qos.mbr_dl ? d->qos.mbr_ul : d->qos.mbr_dl);
                r.mbr_bps = mbr;
            }
            if (fs == 0 || fs == 1) {
                if (r.dir == DP_DIR_BOTH) {
                    /* enabled one way: the other way is a drop rule */
                    if (n + 2 > cap)
                        return -E2BIG;
                    struct dp_rule_spec other = r;
                    r.dir = fs == 0 ? DP_DIR_UL : DP_DIR_DL;
                    other.dir = fs == 0 ? DP_DIR_DL : DP_DIR_UL;
                    other.action = DP_ACTION_DROP;
                    other.mbr_bps = 0;
                    /* a distinct precedence, after every flow of the rule */
                    other.precedence = (uint16_t)(prec * 4 + 3);
                    if (f == 3 || d->n_flows > 3)
                        return -E2BIG;
                    out[n++] = r;
                    out[n++] = other;
                    continue;
                }
            }
            if (n >= cap)
                return -E2BIG;
            out[n++] = r;
        }
    }
    /* distinct precedences (dp_session_spec_check) */
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (out[i].precedence == out[j].precedence)
                return -EINVAL;
    *bad = NULL;
    return (int)n;
}

/* ------------------------------------------------ Gx sessions ---- */

struct gx_sess {
    struct agw_hnode by_teid;
    uint32_t ul_teid;
    char sid[DIAM_ID_MAX + 64];
    char imsi[16];
    uint8_t ebi;
    uint32_t cc_number;             /* of the last CCR sent */
    unsigned n_defs;
    struct diam_rule_def defs[DIAM_MAX_RULES];
};

static struct gx_sess *sess_of(struct agw_hnode *n)
{
    return n ? agw_container_of(n, struct gx_sess, by_teid) : NULL;
}

struct gx_sess *gx_sess_find(struct agw_ctx *ctx, uint32_t ul_teid)
{
    struct agw_hash *h = gx_sessions(ctx);
    return h ? sess_of(agw_hash_find(h, ul_teid)) : NULL;
}

/* The Session-Id is "<identity>;<boot>;<ul_teid>" (gx_build.c). */
struct gx_sess *gx_sess_by_sid(struct agw_ctx *ctx, const char *sid)
{
    const char *semi = strrchr(sid, ';');
    if (!semi)
        return NULL;
    char *end;
    unsigned long teid = strtoul(semi + 1, &end, 10);
    if (*end || end == semi + 1 || teid > UINT32_MAX)
        return NULL;
    struct gx_sess *s = gx_sess_find(ctx, (uint32_t)teid);
    return s && !strcmp(s->sid, sid) ? s : NULL;
}

const char *gx_sess_sid(const struct gx_sess *s)
{
    return s->sid;
}

uint32_t gx_sess_next_number(struct gx_sess *s)
{
    return ++s->cc_number;
}

/* SQLite: schema/agw/0003_gx_sessions.sql.  Written in the loop
 * iteration's transaction (group commit, ue_store.c). */
static int sess_store(struct agw_ctx *ctx, const struct gx_sess *s)
{
    sqlite3 *db = ctx->db->db;
    sqlite3_stmt *st;
    if (agw_txn_open(ctx) < 0)
        return -EIO;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO gx_session (ul_teid, session_id, imsi, ebi, "
                           "cc_number, rule_size, rules) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_bind_int64(st, 1, s->ul_teid);
    sqlite3_bind_text(st, 2, s->sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, s->ebi);
    sqlite3_bind_int64(st, 5, s->cc_number);
    sqlite3_bind_int(st, 6, (int)sizeof(struct diam_rule_def));
    sqlite3_bind_blob(st, 7, s->defs, (int)(s->n_defs * sizeof(s->defs[0])), SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
    sqlite3_finalize(st);
    return rc;
}

static void sess_unstore(struct agw_ctx *ctx, uint32_t ul_teid)
{
    sqlite3_stmt *st;
    if (agw_txn_open(ctx) < 0 ||
        sqlite3_prepare_v2(ctx->db->db, "DELETE FROM gx_session WHERE ul_teid = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, ul_teid);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

struct gx_sess *gx_sess_new(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p,
                            const char *sid)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (!h)
        return NULL;
    struct gx_sess *old = gx_sess_find(ctx, p->ul_teid);
    if (old)
        gx_sess_free(ctx, old);
    struct gx_sess *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ul_teid = p->ul_teid;
    snprintf(s->sid, sizeof(s->sid), "%s", sid);
    snprintf(s->imsi, sizeof(s->imsi), "%s", ue->imsi);
    s->ebi = p->ebi;
    if (agw_hash_add(h, &s->by_teid, s->ul_teid) < 0) {
        free(s);
        return NULL;
    }
    sess_store(ctx, s);
    return s;
}

void gx_sess_free(struct agw_ctx *ctx, struct gx_sess *s)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (h)
        agw_hash_del(h, &s->by_teid);
    if (!ctx->stopping)
        sess_unstore(ctx, s->ul_teid);
    free(s);
}

void gx_sessions_free_all(struct agw_ctx *ctx)
{
    struct agw_hash *h = gx_sessions(ctx);
    if (!h || !h->buckets)
        return;
    for (size_t i = 0; i <= h->mask; i++)
        while (h->buckets[i]) {
            struct gx_sess *s = sess_of(h->buckets[i]);
            agw_hash_del(h, &s->by_teid);
            free(s);
        }
}

/* After a restart: the Gx sessions of the PDN connections restored from
 * the store (their rules are still in the pinned datapath maps). */
int gx_sessions_load(struct agw_ctx *ctx)
{
    struct agw_hash *h = gx_sessions(ctx);
    sqlite3_stmt *st;
    int n = 0;
    if (!h)
        return 0;
    if (sqlite3_prepare_v2(ctx->db->db,
                           "SELECT ul_teid, session_id, imsi, ebi, cc_number, rule_size, rules "
                           "FROM gx_session", -1, &st, NULL) != SQLITE_OK)
        return -EIO;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct gx_sess *s = calloc(1, sizeof(*s));
        if (!s)
            break;
        s->ul_teid = (uint32_t)sqlite3_column_int64(st, 0);
        snprintf(s->sid, sizeof(s->sid), "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(s->imsi, sizeof(s->imsi), "%s", (const char *)sqlite3_column_text(st, 2));
        s->ebi = (uint8_t)sqlite3_column_int(st, 3);
        s->cc_number = (uint32_t)sqlite3_column_int64(st, 4);
        int size = sqlite3_column_int(st, 5);
        int bytes = sqlite3_column_bytes(st, 6);
        const void *blob = sqlite3_column_blob(st, 6);
        /* the rules are the structs of this binary; another layout (an
         * upgrade that changed them) is not read */
        if (size == (int)sizeof(struct diam_rule_def) && blob && bytes % size == 0 &&
            bytes / size <= DIAM_MAX_RULES) {
            s->n_defs = (unsigned)(bytes / size);
            memcpy(s->defs, blob, (size_t)bytes);
            for (unsigned i = 0; i < s->n_defs; i++)
                s->defs[i].name[DIAM_STR_MAX - 1] = 0;
        }
        if (agw_hash_add(h, &s->by_teid, s->ul_teid) < 0) {
            free(s);
            continue;
        }
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

/* ------------------------------------------------------- apply ---- */

static int def_index(const struct gx_sess *s, const char *name)
{
    for (unsigned i = 0; i < s->n_defs; i++)
        if (!strcmp(s->defs[i].name, name))
            return (int)i;
    return -1;
}

static void def_remove(struct gx_sess *s, unsigned i)
{
    memmove(&s->defs[i], &s->defs[i + 1], (s->n_defs - i - 1) * sizeof(s->defs[0]));
    s->n_defs--;
}

/* TS 29.212 4.5.2 (provisioning of PCC rules), 4.5.5 (QoS): Charging-Rule-
 * Remove, then Charging-Rule-Install, then the authorised APN-AMBR, into
 * the session's datapath rules and meters.  Returns 0 when everything was
 * applied, or a negative errno with a sentence in why (then nothing of the
 * message was applied: the rules stay as they were). */
int gx_policy_apply(struct agw_ctx *ctx, struct gx_sess *s, const struct diam_rules *rl,
                    const struct diam_qos *qos, char *why, size_t whylen)
{
    struct gx_sess next = *s;
    char b[20];
    why[0] = 0;
    struct agw_ue *ue = ue_find_imsi(ctx, s->imsi);
    struct agw_pdn *p = ue ? pgw_pdn_by_ebi(ue, s->ebi) : NULL;
    if (!p || p->ul_teid != s->ul_teid) {
        snprintf(why, whylen, "the PDN connection is gone");
        return -ENOENT;
    }
    for (unsigned i = 0; i < rl->n_remove_names; i++) {
        int k = def_index(&next, rl->remove_names[i]);
        if (k >= 0)
            def_remove(&next, (unsigned)k);
    }
    /* rules by name or base name would be predefined rules of the gateway
     * (TS 29.212 4.5.2.1): there are none yet, so they are unknown and
     * skipped (no Charging-Rule-Report is sent, docs/charging.md) */
    unsigned unknown = rl->n_install_names + rl->n_install_bases + rl->n_remove_bases;
    if (unknown) {
        snprintf(why, whylen, "predefined rule \"%s\" unknown",
                 rl->n_install_names ? rl->install_names[0]
                 : rl->n_install_bases ? rl->install_bases[0] : rl->remove_bases[0]);
        LOG_WARN(ctx, "gx", "ue %s: %u rule name(s) not installed: %s", ue_imsi_log(ctx, ue, b),
                 unknown, why);
        if (!rl->n_defs && !rl->n_remove_names && !(qos && qos->present))
            return -ENOENT;
    }
    for (unsigned i = 0; i < rl->n_defs; i++) {
        int k = def_index(&next, rl->defs[i].name);
        if (k >= 0) {
            next.defs[k] = rl->defs[i];     /* 4.5.2.2: a new definition replaces */
        } else if (next.n_defs < DIAM_MAX_RULES) {
            next.defs[next.n_defs++] = rl->defs[i];
        } else {
            snprintf(why, whylen, "more than %u rules", DIAM_MAX_RULES);
            return -E2BIG;
        }
    }
    struct dp_session_spec spec;
    pgw_pdn_spec(ue, p, &spec);
    const char *bad = NULL;
    int n = gx_rules_to_dp(next.defs, next.n_defs, spec.rules, DP_MAX_RULES, &bad);
    if (n < 0) {
        snprintf(why, whylen, "rule \"%s\": %s", bad ? bad : "?",
                 n == -E2BIG ? "too many flows for the datapath" : "flow not supported");
        return n;
    }
    spec.n_rules = (uint32_t)n;
    unsigned what = DP_MOD_POLICY;
    if (qos && qos->present && (qos->apn_ambr_ul || qos->apn_ambr_dl)) {
        /* 4.5.5.7 (APN-AMBR authorised by the PCRF) */
        spec.ul_ambr_bps = qos->apn_ambr_ul;
        spec.dl_ambr_bps = qos->apn_ambr_dl;
        what |= DP_MOD_AMBR;
    }
    if (ctx->dp && p->dp_installed) {
        int rc = dp_session_modify(ctx->dp, &spec, XEPC_ACT_PASS, what);
        if (rc < 0) {
            ctx->stats.dp_errors++;
            snprintf(why, whylen, "datapath: %s", dp_ctx_error(ctx->dp));
            return rc;
        }
    }
    if (what & DP_MOD_AMBR) {
        p->ambr_ul_bps = spec.ul_ambr_bps;
        p->ambr_dl_bps = spec.dl_ambr_bps;
        ue_store_mark(ctx, ue);
    }
    *s = next;
    sess_store(ctx, s);
    why[0] = 0;
    LOG_INFO(ctx, "gx", "ue %s: ebi %u: %u PCC rule(s) in force, %d datapath rule(s)%s",
             ue_imsi_log(ctx, ue, b), s->ebi, s->n_defs, n,
             (what & DP_MOD_AMBR) ? ", APN-AMBR from the PCRF" : "");
    return 0;
}
