/* The local HSS on the state store (see hss.h). */
#include "agw/hss.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "lib/hex.h"
#include "sec/milenage.h"

static const char *const err_names[] = {
    [HSS_OK] = "ok",
    [HSS_ERR_NOT_FOUND] = "unknown subscriber",
    [HSS_ERR_INACTIVE] = "subscriber inactive",
    [HSS_ERR_BARRED] = "subscriber barred",
    [HSS_ERR_EXISTS] = "subscriber already exists",
    [HSS_ERR_INVALID] = "invalid input",
    [HSS_ERR_MAC_S] = "AUTS does not verify (MAC-S)",
    [HSS_ERR_SEQ_EXHAUSTED] = "SQN exhausted",
    [HSS_ERR_CRYPTO] = "crypto failure",
    [HSS_ERR_BUSY] = "database busy",
    [HSS_ERR_DB] = "database error",
    [HSS_ERR_NOMEM] = "out of memory",
};

const char *hss_err_str(enum hss_err e)
{
    return (unsigned)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "?";
}

static const char *const state_names[] = {"active", "inactive", "barred"};

const char *hss_state_str(enum hss_state s)
{
    return (unsigned)s < 3 ? state_names[s] : "?";
}

int hss_state_parse(const char *s, enum hss_state *out)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, state_names[i])) {
            *out = (enum hss_state)i;
            return 0;
        }
    return -EINVAL;
}

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t len, const char *fmt,
                                                      ...)
{
    if (!buf || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------ subscriber ---- */

void hss_subscriber_init(struct hss_subscriber *s)
{
    memset(s, 0, sizeof(*s));
    s->amf[0] = 0x80; /* TS 33.401 6.1.2: separation bit set for E-UTRAN */
    s->state = HSS_STATE_ACTIVE;
}

void hss_subscriber_wipe(struct hss_subscriber *s)
{
    OPENSSL_cleanse(s->k, sizeof(s->k));
    OPENSSL_cleanse(s->opc, sizeof(s->opc));
    OPENSSL_cleanse(s->op, sizeof(s->op));
}

static bool digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, "0123456789") == n;
}

/* TS 23.003 9.1: labels of letters, digits and hyphens. */
static bool apn_name_ok(const char *s)
{
    size_t label = 0;
    if (!*s || strlen(s) > HSS_APN_MAX)
        return false;
    for (; *s; s++) {
        if (*s == '.') {
            if (!label)
                return false;
            label = 0;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '-') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

enum hss_err hss_subscriber_check(const struct hss_subscriber *s, char *why, size_t len)
{
    /* TS 23.003 2.2: MCC 3 + MNC 2..3 + MSIN; 15 digits here. */
    if (!digits(s->imsi, HSS_IMSI_LEN, HSS_IMSI_LEN)) {
        say(why, len, "IMSI '%s' is not %d digits", s->imsi, HSS_IMSI_LEN);
        return HSS_ERR_INVALID;
    }
    if (s->msisdn[0] && !digits(s->msisdn, 1, HSS_MSISDN_MAX)) {
        say(why, len, "MSISDN '%s' is not 1..15 digits", s->msisdn);
        return HSS_ERR_INVALID;
    }
    if ((unsigned)s->state > HSS_STATE_BARRED) {
        say(why, len, "bad state");
        return HSS_ERR_INVALID;
    }
    if (s->sqn >= UINT64_C(1) << 48) {
        say(why, len, "SQN %llu does not fit 48 bits", (unsigned long long)s->sqn);
        return HSS_ERR_INVALID;
    }
    if (s->n_apns > HSS_MAX_APNS) {
        say(why, len, "%zu APNs, at most %d", s->n_apns, HSS_MAX_APNS);
        return HSS_ERR_INVALID;
    }
    for (size_t i = 0; i < s->n_apns; i++) {
        const struct hss_apn *a = &s->apns[i];
        if (!apn_name_ok(a->name)) {
            say(why, len, "'%s' is not an APN name", a->name);
            return HSS_ERR_INVALID;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcasecmp(s->apns[j].name, a->name)) {
                say(why, len, "APN '%s' appears twice", a->name);
                return HSS_ERR_INVALID;
            }
        if (a->qci && !((a->qci >= 1 && a->qci <= 9) || (a->qci >= 65 && a->qci <= 86))) {
            say(why, len, "APN '%s': QCI %u is not 1..9 or 65..86", a->name, a->qci);
            return HSS_ERR_INVALID;
        }
        if (a->arp_priority > 15) {
            say(why, len, "APN '%s': ARP priority %u is not 1..15", a->name, a->arp_priority);
            return HSS_ERR_INVALID;
        }
    }
    return HSS_OK;
}

/* "100Mbps" -> bit/s; -EINVAL. */
static int parse_rate(const char *s, size_t n, uint64_t *out)
{
    static const struct {
        const char *u;
        uint64_t mul;
    } units[] = {{"bps", 1},
                 {"kbps", 1000},
                 {"Mbps", 1000000},
                 {"Gbps", 1000000000},
                 {"Tbps", UINT64_C(1000000000000)}};
    size_t d = 0;
    uint64_t v = 0;
    while (d < n && s[d] >= '0' && s[d] <= '9') {
        if (v > UINT64_MAX / 10)
            return -EINVAL;
        v = v * 10 + (uint64_t)(s[d++] - '0');
    }
    if (!d)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (n - d == strlen(units[i].u) && !strncmp(s + d, units[i].u, n - d)) {
            if (v == 0 || v > UINT64_MAX / units[i].mul)
                return -EINVAL;
            *out = v * units[i].mul;
            return 0;
        }
    return -EINVAL;
}

static int parse_small(const char *s, unsigned min, unsigned max, unsigned *out)
{
    if (!digits(s, 1, 3))
        return -EINVAL;
    unsigned v = (unsigned)atoi(s);
    if (v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

int hss_apn_parse(const char *spec, struct hss_apn *a, char *why, size_t len)
{
    char buf[256];
    memset(a, 0, sizeof(*a));
    if (strlen(spec) >= sizeof(buf)) {
        say(why, len, "APN spec too long");
        return -EINVAL;
    }
    strcpy(buf, spec);
    char *save = NULL, *tok = strtok_r(buf, ":", &save);
    if (!tok || !apn_name_ok(tok)) {
        say(why, len, "'%s' is not an APN name (labels of A-Z a-z 0-9 -)", tok ? tok : "");
        return -EINVAL;
    }
    strcpy(a->name, tok);
    while ((tok = strtok_r(NULL, ":", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            say(why, len, "APN '%s': '%s' is not key=value", a->name, tok);
            return -EINVAL;
        }
        *eq = 0;
        const char *v = eq + 1;
        unsigned u;
        if (!strcmp(tok, "qci")) {
            if (parse_small(v, 1, 86, &u) || (u > 9 && u < 65)) {
                say(why, len, "APN '%s': qci '%s' is not 1..9 or 65..86", a->name, v);
                return -EINVAL;
            }
            a->qci = (uint8_t)u;
        } else if (!strcmp(tok, "arp")) {
            /* P or P/cap/vuln */
            char p[8] = "";
            unsigned cap = 0, vul = 1;
            const char *sl = strchr(v, '/');
            size_t pl = sl ? (size_t)(sl - v) : strlen(v);
            if (pl >= sizeof(p))
                pl = sizeof(p) - 1;
            memcpy(p, v, pl);
            p[pl] = 0;
            bool ok = !parse_small(p, 1, 15, &u);
            if (ok && sl)
                ok = strlen(sl) == 4 && (sl[1] == '0' || sl[1] == '1') && sl[2] == '/' &&
                     (sl[3] == '0' || sl[3] == '1');
            if (!ok) {
                say(why, len, "APN '%s': arp '%s' is not PRIORITY(1..15)[/CAP(0|1)/VULN(0|1)]",
                    a->name, v);
                return -EINVAL;
            }
            if (sl) {
                cap = (unsigned)(sl[1] - '0');
                vul = (unsigned)(sl[3] - '0');
            }
            a->arp_priority = (uint8_t)u;
            a->arp_capability = cap;
            a->arp_vulnerability = vul;
        } else if (!strcmp(tok, "ambr")) {
            const char *sl = strchr(v, '/');
            if (!sl || parse_rate(v, (size_t)(sl - v), &a->ambr_ul_bps) ||
                parse_rate(sl + 1, strlen(sl + 1), &a->ambr_dl_bps)) {
                say(why, len, "APN '%s': ambr '%s' is not UL/DL (e.g. 10Mbps/20Mbps)", a->name, v);
                return -EINVAL;
            }
        } else if (!strcmp(tok, "ip")) {
            if (inet_pton(AF_INET, v, &a->static_ipv4) != 1 || a->static_ipv4.s_addr == 0) {
                say(why, len, "APN '%s': ip '%s' is not an IPv4 address", a->name, v);
                return -EINVAL;
            }
        } else {
            say(why, len, "APN '%s': unknown key '%s' (qci, arp, ambr, ip)", a->name, tok);
            return -EINVAL;
        }
    }
    return 0;
}

/* ------------------------------------------------------------- db ---- */

void hss_init(struct hss *h, struct agw_db *db)
{
    h->db = db;
}

static enum hss_err db_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return HSS_ERR_BUSY;
    case SQLITE_NOMEM:
        return HSS_ERR_NOMEM;
    default:
        return HSS_ERR_DB;
    }
}

static enum hss_err begin(struct hss *h)
{
    int rc = agw_db_begin(h->db);
    return rc == 0 ? HSS_OK : rc == -EBUSY ? HSS_ERR_BUSY : HSS_ERR_DB;
}

static enum hss_err commit(struct hss *h)
{
    int rc = agw_db_commit(h->db);
    if (rc) {
        agw_db_rollback(h->db);
        return rc == -EBUSY ? HSS_ERR_BUSY : HSS_ERR_DB;
    }
    return HSS_OK;
}

/* The statements that write a subscriber (kept prepared for an import). */
enum put_mode { PUT_ADD, PUT_REPLACE, PUT_UPDATE, PUT_UPDATE_KEEP_SQN };

struct writer {
    sqlite3_stmt *ins, *ups, *upd, *del_apns, *ins_apn;
};

#define SUB_COLS                                                                             \
    "imsi, k, opc, op_derived, amf, sqn, msisdn, state, ue_ambr_ul, ue_ambr_dl, updated_at"

static int writer_open(sqlite3 *db, struct writer *w)
{
    memset(w, 0, sizeof(*w));
    const char *ins = "INSERT INTO subscribers (" SUB_COLS
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    const char *ups = "INSERT INTO subscribers (" SUB_COLS
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                      " ON CONFLICT (imsi) DO UPDATE SET k = excluded.k, opc = excluded.opc,"
                      " op_derived = excluded.op_derived, amf = excluded.amf, sqn = excluded.sqn,"
                      " msisdn = excluded.msisdn, state = excluded.state,"
                      " ue_ambr_ul = excluded.ue_ambr_ul, ue_ambr_dl = excluded.ue_ambr_dl,"
                      " updated_at = excluded.updated_at";
    const char *upd = "UPDATE subscribers SET k = ?2, opc = ?3, op_derived = ?4, amf = ?5,"
                      " sqn = CASE WHEN ?12 THEN sqn ELSE ?6 END, msisdn = ?7, state = ?8,"
                      " ue_ambr_ul = ?9, ue_ambr_dl = ?10, updated_at = ?11 WHERE imsi = ?1";
    int rc;
    if ((rc = sqlite3_prepare_v2(db, ins, -1, &w->ins, NULL)) ||
        (rc = sqlite3_prepare_v2(db, ups, -1, &w->ups, NULL)) ||
        (rc = sqlite3_prepare_v2(db, upd, -1, &w->upd, NULL)) ||
        (rc = sqlite3_prepare_v2(db, "DELETE FROM subscriber_apns WHERE imsi = ?", -1,
                                 &w->del_apns, NULL)) ||
        (rc = sqlite3_prepare_v2(db,
                                 "INSERT INTO subscriber_apns (imsi, position, apn, ambr_ul,"
                                 " ambr_dl, qci, arp_priority, arp_capability, arp_vulnerability,"
                                 " static_ipv4) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 -1, &w->ins_apn, NULL)))
        return rc;
    return SQLITE_OK;
}

static void writer_close(struct writer *w)
{
    sqlite3_finalize(w->ins);
    sqlite3_finalize(w->ups);
    sqlite3_finalize(w->upd);
    sqlite3_finalize(w->del_apns);
    sqlite3_finalize(w->ins_apn);
}

static void bind_opt(sqlite3_stmt *st, int i, uint64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, (sqlite3_int64)v);
    else
        sqlite3_bind_null(st, i);
}

/* Writes s (checked) inside the caller's transaction. */
static enum hss_err put(sqlite3 *db, struct writer *w, const struct hss_subscriber *s,
                        enum put_mode mode, char *why, size_t len)
{
    uint8_t opc[16];
    enum hss_err e = hss_subscriber_check(s, why, len);
    if (e)
        return e;
    if (s->use_op) {
        /* TS 35.206 4.1: OPc = E_K(OP) xor OP; only OPc is stored. */
        if (milenage_opc(s->k, s->op, opc)) {
            say(why, len, "cannot derive OPc");
            return HSS_ERR_CRYPTO;
        }
    } else {
        memcpy(opc, s->opc, 16);
    }
    sqlite3_stmt *st = mode == PUT_ADD ? w->ins : mode == PUT_REPLACE ? w->ups : w->upd;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_text(st, 1, s->imsi, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, s->k, 16, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, opc, 16, SQLITE_TRANSIENT);
    OPENSSL_cleanse(opc, sizeof(opc));
    sqlite3_bind_int(st, 4, s->use_op);
    sqlite3_bind_blob(st, 5, s->amf, 2, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)s->sqn);
    if (s->msisdn[0])
        sqlite3_bind_text(st, 7, s->msisdn, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_text(st, 8, hss_state_str(s->state), -1, SQLITE_STATIC);
    bind_opt(st, 9, s->ue_ambr_ul_bps);
    bind_opt(st, 10, s->ue_ambr_dl_bps);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)time(NULL));
    if (mode == PUT_UPDATE || mode == PUT_UPDATE_KEEP_SQN)
        sqlite3_bind_int(st, 12, mode == PUT_UPDATE_KEEP_SQN);
    int rc = sqlite3_step(st);
    /* The bound copies of the keys go with the reset. */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        if (mode == PUT_ADD && sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
            say(why, len, "IMSI %s already exists", s->imsi);
            return HSS_ERR_EXISTS;
        }
        say(why, len, "%s", sqlite3_errmsg(db));
        return db_err(rc);
    }
    if ((mode == PUT_UPDATE || mode == PUT_UPDATE_KEEP_SQN) && sqlite3_changes(db) == 0) {
        say(why, len, "IMSI %s not found", s->imsi);
        return HSS_ERR_NOT_FOUND;
    }
    if (mode != PUT_ADD) {
        sqlite3_reset(w->del_apns);
        sqlite3_bind_text(w->del_apns, 1, s->imsi, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(w->del_apns);
        sqlite3_reset(w->del_apns);
        if (rc != SQLITE_DONE) {
            say(why, len, "%s", sqlite3_errmsg(db));
            return db_err(rc);
        }
    }
    for (size_t i = 0; i < s->n_apns; i++) {
        const struct hss_apn *a = &s->apns[i];
        sqlite3_stmt *ia = w->ins_apn;
        char ip[INET_ADDRSTRLEN];
        sqlite3_reset(ia);
        sqlite3_clear_bindings(ia);
        sqlite3_bind_text(ia, 1, s->imsi, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ia, 2, (int)i);
        sqlite3_bind_text(ia, 3, a->name, -1, SQLITE_TRANSIENT);
        bind_opt(ia, 4, a->ambr_ul_bps);
        bind_opt(ia, 5, a->ambr_dl_bps);
        bind_opt(ia, 6, a->qci);
        if (a->arp_priority) {
            sqlite3_bind_int(ia, 7, a->arp_priority);
            sqlite3_bind_int(ia, 8, a->arp_capability);
            sqlite3_bind_int(ia, 9, a->arp_vulnerability);
        }
        if (a->static_ipv4.s_addr)
            sqlite3_bind_text(ia, 10, inet_ntop(AF_INET, &a->static_ipv4, ip, sizeof(ip)), -1,
                              SQLITE_TRANSIENT);
        rc = sqlite3_step(ia);
        sqlite3_reset(ia);
        if (rc != SQLITE_DONE) {
            if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE && a->static_ipv4.s_addr) {
                say(why, len, "static address %s on APN %s belongs to another subscriber",
                    inet_ntop(AF_INET, &a->static_ipv4, ip, sizeof(ip)), a->name);
                return HSS_ERR_EXISTS;
            }
            say(why, len, "%s", sqlite3_errmsg(db));
            return db_err(rc);
        }
    }
    return HSS_OK;
}

static enum hss_err put_one(struct hss *h, const struct hss_subscriber *s, enum put_mode mode)
{
    struct writer w;
    char why[256];
    enum hss_err e = begin(h);
    if (e)
        return e;
    int rc = writer_open(h->db->db, &w);
    if (rc != SQLITE_OK) {
        writer_close(&w);
        agw_db_rollback(h->db);
        return db_err(rc);
    }
    e = put(h->db->db, &w, s, mode, why, sizeof(why));
    writer_close(&w);
    if (e) {
        agw_db_rollback(h->db);
        return e;
    }
    return commit(h);
}

enum hss_err hss_add(struct hss *h, const struct hss_subscriber *s)
{
    return put_one(h, s, PUT_ADD);
}

enum hss_err hss_update(struct hss *h, const struct hss_subscriber *s, bool keep_sqn)
{
    return put_one(h, s, keep_sqn ? PUT_UPDATE_KEEP_SQN : PUT_UPDATE);
}

/* One statement with the IMSI as ?1, in autocommit. */
static enum hss_err exec_imsi(struct hss *h, const char *sql, const char *imsi, int state)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_TRANSIENT);
    if (state >= 0)
        sqlite3_bind_text(st, 2, hss_state_str((enum hss_state)state), -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_err(rc);
    return sqlite3_changes(h->db->db) ? HSS_OK : HSS_ERR_NOT_FOUND;
}

enum hss_err hss_delete(struct hss *h, const char *imsi)
{
    /* subscriber_apns rows go with it (ON DELETE CASCADE). */
    return exec_imsi(h, "DELETE FROM subscribers WHERE imsi = ?1", imsi, -1);
}

enum hss_err hss_set_state(struct hss *h, const char *imsi, enum hss_state st)
{
    if ((unsigned)st > HSS_STATE_BARRED)
        return HSS_ERR_INVALID;
    return exec_imsi(h, "UPDATE subscribers SET state = ?2, updated_at = unixepoch() WHERE imsi = ?1",
                     imsi, (int)st);
}

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", t ? t : "");
}

static enum hss_err read_apns(struct hss *h, struct hss_subscriber *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db->db,
                                "SELECT apn, ambr_ul, ambr_dl, qci, arp_priority, arp_capability,"
                                " arp_vulnerability, static_ipv4 FROM subscriber_apns"
                                " WHERE imsi = ? ORDER BY position",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    sqlite3_bind_text(st, 1, s->imsi, -1, SQLITE_TRANSIENT);
    s->n_apns = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && s->n_apns < HSS_MAX_APNS) {
        struct hss_apn *a = &s->apns[s->n_apns++];
        char ip[INET_ADDRSTRLEN + 1];
        memset(a, 0, sizeof(*a));
        col_text(st, 0, a->name, sizeof(a->name));
        a->ambr_ul_bps = (uint64_t)sqlite3_column_int64(st, 1);
        a->ambr_dl_bps = (uint64_t)sqlite3_column_int64(st, 2);
        a->qci = (uint8_t)sqlite3_column_int(st, 3);
        a->arp_priority = (uint8_t)sqlite3_column_int(st, 4);
        a->arp_capability = sqlite3_column_int(st, 5);
        a->arp_vulnerability = sqlite3_column_int(st, 6);
        col_text(st, 7, ip, sizeof(ip));
        if (ip[0])
            inet_pton(AF_INET, ip, &a->static_ipv4);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HSS_OK : db_err(rc);
}

#define SEL_COLS                                                                             \
    "imsi, op_derived, amf, sqn, msisdn, state, ue_ambr_ul, ue_ambr_dl"

static void read_row(sqlite3_stmt *st, struct hss_subscriber *s)
{
    char state[16];
    hss_subscriber_init(s);
    col_text(st, 0, s->imsi, sizeof(s->imsi));
    s->op_derived = sqlite3_column_int(st, 1);
    if (sqlite3_column_bytes(st, 2) == 2)
        memcpy(s->amf, sqlite3_column_blob(st, 2), 2);
    s->sqn = (uint64_t)sqlite3_column_int64(st, 3);
    col_text(st, 4, s->msisdn, sizeof(s->msisdn));
    col_text(st, 5, state, sizeof(state));
    if (hss_state_parse(state, &s->state))
        s->state = HSS_STATE_BARRED; /* cannot happen (CHECK); fail closed */
    s->ue_ambr_ul_bps = (uint64_t)sqlite3_column_int64(st, 6);
    s->ue_ambr_dl_bps = (uint64_t)sqlite3_column_int64(st, 7);
}

enum hss_err hss_get(struct hss *h, const char *imsi, struct hss_subscriber *s, bool with_keys)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db->db,
                                with_keys ? "SELECT " SEL_COLS ", k, opc FROM subscribers WHERE imsi = ?"
                                          : "SELECT " SEL_COLS " FROM subscribers WHERE imsi = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? HSS_ERR_NOT_FOUND : db_err(rc);
    }
    read_row(st, s);
    if (with_keys && sqlite3_column_bytes(st, 8) == 16 && sqlite3_column_bytes(st, 9) == 16) {
        memcpy(s->k, sqlite3_column_blob(st, 8), 16);
        memcpy(s->opc, sqlite3_column_blob(st, 9), 16);
    }
    sqlite3_finalize(st);
    return read_apns(h, s);
}

enum hss_err hss_list(struct hss *h, const char *after, struct hss_subscriber *out, size_t max,
                      size_t *n)
{
    sqlite3_stmt *st;
    *n = 0;
    int rc = sqlite3_prepare_v2(h->db->db,
                                "SELECT " SEL_COLS " FROM subscribers WHERE imsi > ?"
                                " ORDER BY imsi LIMIT ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    sqlite3_bind_text(st, 1, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        read_row(st, &out[(*n)++]);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(rc);
    for (size_t i = 0; i < *n; i++) {
        enum hss_err e = read_apns(h, &out[i]);
        if (e)
            return e;
    }
    return HSS_OK;
}

enum hss_err hss_count(struct hss *h, uint64_t *n)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db->db, "SELECT COUNT(*) FROM subscribers", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HSS_OK : db_err(rc);
}

/* ---------------------------------------------------- authentication ---- */

/* The stored SQN is the last one issued: SEQ_HE || IND; the HE state of
 * TS 33.102 C.3.2 keeps SEQ_HE and the IND of the *next* vector. */
static void sqn_to_he(uint64_t sqn, struct sec_sqn_he *he)
{
    he->seq_he = sqn >> SEC_SQN_IND_BITS;
    he->ind = (uint8_t)(((sqn & (SEC_SQN_IND_COUNT - 1)) + 1) % SEC_SQN_IND_COUNT);
}

static uint64_t he_to_sqn(const struct sec_sqn_he *he)
{
    return he->seq_he << SEC_SQN_IND_BITS |
           ((he->ind + SEC_SQN_IND_COUNT - 1) % SEC_SQN_IND_COUNT);
}

struct auth_row {
    uint8_t k[16], opc[16], amf[2];
    uint64_t sqn;
};

/* Inside a transaction: the subscriber's keys, AMF and SQN, or why not. */
static enum hss_err load_auth(struct hss *h, const char *imsi, struct auth_row *r)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db->db,
                                "SELECT k, opc, amf, sqn, state FROM subscribers WHERE imsi = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    sqlite3_bind_text(st, 1, imsi, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    enum hss_err e = HSS_OK;
    if (rc == SQLITE_DONE) {
        e = HSS_ERR_NOT_FOUND;
    } else if (rc != SQLITE_ROW) {
        e = db_err(rc);
    } else {
        const char *state = (const char *)sqlite3_column_text(st, 4);
        enum hss_state s = HSS_STATE_BARRED;
        if (state)
            hss_state_parse(state, &s);
        /* Only an active subscriber gets vectors (TS 29.272 7.2.5: the
         * HSS refuses an unknown or barred one). */
        if (s == HSS_STATE_INACTIVE)
            e = HSS_ERR_INACTIVE;
        else if (s != HSS_STATE_ACTIVE)
            e = HSS_ERR_BARRED;
        else if (sqlite3_column_bytes(st, 0) != 16 || sqlite3_column_bytes(st, 1) != 16 ||
                 sqlite3_column_bytes(st, 2) != 2)
            e = HSS_ERR_DB;
        else {
            memcpy(r->k, sqlite3_column_blob(st, 0), 16);
            memcpy(r->opc, sqlite3_column_blob(st, 1), 16);
            memcpy(r->amf, sqlite3_column_blob(st, 2), 2);
            r->sqn = (uint64_t)sqlite3_column_int64(st, 3);
        }
    }
    sqlite3_finalize(st);
    return e;
}

static enum hss_err store_sqn(struct hss *h, const char *imsi, uint64_t sqn)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h->db->db, "UPDATE subscribers SET sqn = ? WHERE imsi = ?", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return db_err(rc);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)sqn);
    sqlite3_bind_text(st, 2, imsi, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? HSS_OK : db_err(rc);
}

static enum hss_err auth_err(enum sec_auth_err e)
{
    switch (e) {
    case SEC_AUTH_OK:
        return HSS_OK;
    case SEC_AUTH_MAC_S_FAILURE:
        return HSS_ERR_MAC_S;
    case SEC_AUTH_SEQ_EXHAUSTED:
        return HSS_ERR_SEQ_EXHAUSTED;
    default:
        return HSS_ERR_CRYPTO;
    }
}

enum hss_err hss_auth_vector(struct hss *h, const char *imsi, const uint8_t plmn[3],
                             struct sec_eps_vector *vec)
{
    struct auth_row r;
    struct milenage m;
    struct sec_sqn_he he;
    /* IMMEDIATE: the read and the SQN update are one step; a concurrent
     * caller waits for our commit and reads the advanced SQN. */
    enum hss_err e = begin(h);
    if (e)
        return e;
    if ((e = load_auth(h, imsi, &r)))
        goto out;
    if (milenage_init(&m, r.k, r.opc)) {
        e = HSS_ERR_CRYPTO;
        goto out;
    }
    sqn_to_he(r.sqn, &he);
    /* TS 33.102 C.3.2: SEQ = SEQ_HE + 1, IND the next value (cyclic). */
    e = auth_err(sec_he_eps_vector(&m, &he, r.amf, plmn, vec));
    milenage_free(&m);
    if (e)
        goto out;
    if ((e = store_sqn(h, imsi, vec->sqn)))
        goto out;
    /* The SQN is durable before the vector leaves (synchronous=FULL). */
    e = commit(h);
out:
    OPENSSL_cleanse(&r, sizeof(r));
    if (e) {
        agw_db_rollback(h->db);
        OPENSSL_cleanse(vec, sizeof(*vec));
    }
    return e;
}

enum hss_err hss_resync(struct hss *h, const char *imsi, const uint8_t rand[16],
                        const uint8_t auts[14], uint64_t *sqn_ms)
{
    struct auth_row r;
    struct milenage m;
    struct sec_sqn_he he;
    uint64_t ms = 0;
    enum hss_err e = begin(h);
    if (e)
        return e;
    if ((e = load_auth(h, imsi, &r)))
        goto out;
    if (milenage_init(&m, r.k, r.opc)) {
        e = HSS_ERR_CRYPTO;
        goto out;
    }
    sqn_to_he(r.sqn, &he);
    /* TS 33.102 6.3.5: verify MAC-S (f1* with AMF 0000), take SQN_MS, and
     * set SEQ_HE from it when our next SEQ would not be accepted. */
    e = auth_err(sec_he_resync(&m, &he, rand, auts, &ms));
    milenage_free(&m);
    if (e)
        goto out;
    if ((e = store_sqn(h, imsi, he_to_sqn(&he))))
        goto out;
    e = commit(h);
    if (!e && sqn_ms)
        *sqn_ms = ms;
out:
    OPENSSL_cleanse(&r, sizeof(r));
    if (e)
        agw_db_rollback(h->db);
    return e;
}

/* ------------------------------------------------------------- CSV ---- */

#define CSV_HEADER "imsi,k,opc,op,amf,sqn,msisdn,state,apns,static_ipv4"
#define CSV_FIELDS 10

struct errlog {
    char *buf;
    size_t cap, used;
    size_t n, dropped;
};

__attribute__((format(printf, 2, 3))) static void logerr(struct errlog *l, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    l->n++;
    if (!l->buf || l->used + (size_t)n + 2 + 64 >= l->cap) {
        l->dropped++;
        return;
    }
    memcpy(l->buf + l->used, line, (size_t)n);
    l->used += (size_t)n;
    l->buf[l->used++] = '\n';
    l->buf[l->used] = 0;
}

static bool hexfield(const char *s, uint8_t *out, size_t n)
{
    return strlen(s) == 2 * n && hex_decode_exact(s, out, n) == 0;
}

/* One data line into *s; false with why set. */
static bool csv_row(char *line, struct hss_subscriber *s, char *why, size_t len)
{
    char *f[CSV_FIELDS];
    size_t nf = 0;
    char *p = line;
    hss_subscriber_init(s);
    for (;;) {
        char *c = strchr(p, ',');
        if (nf == CSV_FIELDS) {
            say(why, len, "more than %d fields", CSV_FIELDS);
            return false;
        }
        f[nf++] = p;
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    if (nf != CSV_FIELDS) {
        say(why, len, "%zu fields, %d expected (%s)", nf, CSV_FIELDS, CSV_HEADER);
        return false;
    }
    if (strchr(line, '"')) {
        say(why, len, "quotes are not allowed");
        return false;
    }
    if (!digits(f[0], HSS_IMSI_LEN, HSS_IMSI_LEN)) {
        say(why, len, "imsi '%s' is not 15 digits", f[0]);
        return false;
    }
    strcpy(s->imsi, f[0]);
    /* Keys are never echoed in a message. */
    if (!hexfield(f[1], s->k, 16)) {
        say(why, len, "k is not 32 hex digits");
        return false;
    }
    if (!!f[2][0] == !!f[3][0]) {
        say(why, len, "exactly one of opc and op must be given");
        return false;
    }
    if (f[2][0] && !hexfield(f[2], s->opc, 16)) {
        say(why, len, "opc is not 32 hex digits");
        return false;
    }
    if (f[3][0]) {
        if (!hexfield(f[3], s->op, 16)) {
            say(why, len, "op is not 32 hex digits");
            return false;
        }
        s->use_op = true;
    }
    if (f[4][0] && !hexfield(f[4], s->amf, 2)) {
        say(why, len, "amf '%s' is not 4 hex digits", f[4]);
        return false;
    }
    if (f[5][0]) {
        char *end;
        errno = 0;
        bool hex = !strncmp(f[5], "0x", 2) || !strncmp(f[5], "0X", 2);
        if (!(hex ? f[5][2] && strspn(f[5] + 2, "0123456789abcdefABCDEF") == strlen(f[5] + 2)
                  : strspn(f[5], "0123456789") == strlen(f[5]))) {
            say(why, len, "sqn '%s' is not a decimal or 0x-hex number", f[5]);
            return false;
        }
        unsigned long long v = strtoull(f[5], &end, hex ? 16 : 10);
        if (errno || v >= UINT64_C(1) << 48) {
            say(why, len, "sqn '%s' does not fit 48 bits", f[5]);
            return false;
        }
        s->sqn = v;
    }
    if (f[6][0]) {
        if (!digits(f[6], 1, HSS_MSISDN_MAX)) {
            say(why, len, "msisdn '%s' is not 1..15 digits", f[6]);
            return false;
        }
        strcpy(s->msisdn, f[6]);
    }
    if (f[7][0] && hss_state_parse(f[7], &s->state)) {
        say(why, len, "state '%s' is not active, inactive or barred", f[7]);
        return false;
    }
    if (f[8][0]) {
        char *save = NULL;
        for (char *a = strtok_r(f[8], ";", &save); a; a = strtok_r(NULL, ";", &save)) {
            if (s->n_apns == HSS_MAX_APNS) {
                say(why, len, "more than %d APNs", HSS_MAX_APNS);
                return false;
            }
            if (hss_apn_parse(a, &s->apns[s->n_apns], why, len))
                return false;
            s->n_apns++;
        }
    }
    if (f[9][0]) {
        char *save = NULL;
        for (char *a = strtok_r(f[9], ";", &save); a; a = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(a, '=');
            struct in_addr ip;
            if (!eq) {
                say(why, len, "static_ipv4 '%s' is not APN=ADDRESS", a);
                return false;
            }
            *eq = 0;
            if (inet_pton(AF_INET, eq + 1, &ip) != 1 || !ip.s_addr) {
                say(why, len, "static_ipv4 for %s: '%s' is not an IPv4 address", a, eq + 1);
                return false;
            }
            size_t i;
            for (i = 0; i < s->n_apns; i++)
                if (!strcasecmp(s->apns[i].name, a))
                    break;
            if (i == s->n_apns) {
                say(why, len, "static_ipv4 for APN '%s', which is not in apns", a);
                return false;
            }
            if (s->apns[i].static_ipv4.s_addr) {
                say(why, len, "two static addresses for APN '%s'", a);
                return false;
            }
            s->apns[i].static_ipv4 = ip;
        }
    }
    return hss_subscriber_check(s, why, len) == HSS_OK;
}

enum hss_err hss_import_csv(struct hss *h, FILE *f, const char *name, bool replace,
                            size_t *imported, char *errbuf, size_t errlen)
{
    struct errlog log = {.buf = errbuf, .cap = errlen};
    struct writer w;
    struct hss_subscriber s;
    char *line = NULL, why[256];
    size_t cap = 0, lineno = 0, count = 0;
    ssize_t n;
    enum hss_err e;

    if (errbuf && errlen)
        errbuf[0] = 0;
    if (imported)
        *imported = 0;
    /* A big file is one transaction: give it a page cache that holds it
     * (64 MiB, about 300k subscribers) so that SQLite does not spill pages
     * to the WAL before the commit. */
    sqlite3_exec(h->db->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    if ((e = begin(h)))
        goto restore;
    int rc = writer_open(h->db->db, &w);
    if (rc != SQLITE_OK) {
        writer_close(&w);
        agw_db_rollback(h->db);
        e = db_err(rc);
        goto restore;
    }
    /* A repeated IMSI (in the file or already in the database) fails its
     * insert on the primary key, and is reported with its line. */
    bool header = false;
    e = HSS_OK;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (!header) {
            if (strcmp(line, CSV_HEADER)) {
                logerr(&log, "%s:%zu: the first line must be the header " CSV_HEADER, name,
                       lineno);
                e = HSS_ERR_INVALID;
                break;
            }
            header = true;
            continue;
        }
        if (n == 0 || line[0] == '#')
            continue;
        if (!csv_row(line, &s, why, sizeof(why))) {
            logerr(&log, "%s:%zu: %s", name, lineno, why);
            hss_subscriber_wipe(&s);
            continue;
        }
        enum hss_err pe = put(h->db->db, &w, &s, replace ? PUT_REPLACE : PUT_ADD, why, sizeof(why));
        hss_subscriber_wipe(&s);
        if (pe == HSS_ERR_EXISTS || pe == HSS_ERR_INVALID) {
            logerr(&log, "%s:%zu: %s%s", name, lineno, why,
                   pe == HSS_ERR_EXISTS && !replace && strstr(why, "IMSI")
                       ? " (in the database or earlier in this file)"
                       : "");
            continue;
        }
        if (pe) {
            logerr(&log, "%s:%zu: %s", name, lineno, why);
            e = pe;
            break;
        }
        count++;
    }
    if (line)
        OPENSSL_cleanse(line, cap);
    free(line);
    if (ferror(f)) {
        logerr(&log, "%s: read error", name);
        if (!e)
            e = HSS_ERR_INVALID;
    }
    if (!header && !e) {
        logerr(&log, "%s: empty file (no header " CSV_HEADER ")", name);
        e = HSS_ERR_INVALID;
    }
    writer_close(&w);
    if (!e && log.n)
        e = HSS_ERR_INVALID;
    if (log.dropped && log.buf && log.cap > log.used)
        snprintf(log.buf + log.used, log.cap - log.used, "%s: %zu more errors not shown\n", name,
                 log.dropped);
    if (e) {
        /* A file is imported whole or not at all. */
        agw_db_rollback(h->db);
        goto restore;
    }
    if ((e = commit(h)))
        goto restore;
    if (imported)
        *imported = count;
restore:
    sqlite3_exec(h->db->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
    return e;
}
