/* UE contexts and sessions in SQLite (schema/agw/0002_ue_contexts.sql),
 * written by group commit: handlers mark UEs whose state changed; before
 * the loop sleeps, one transaction writes them all and only then are the
 * queued S1AP messages sent (s1ap_path.c).  So nothing a peer was told is
 * lost by a crash, and an attach costs a fraction of a transaction under
 * load.  On start, ue_store_load() brings every stored UE back and
 * reconciles the datapath with it. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agw/agw.h"
#include "agw/agw_ccr.h"
#include "agw/agw_db.h"
#include "dp/dp.h"

struct ue_store {
    uint32_t *dirty;            /* UE ids */
    size_t n_dirty, cap_dirty;
    char (*forget)[16];         /* IMSIs whose rows go */
    size_t n_forget, cap_forget;
    sqlite3_stmt *upsert_ue, *del_ue, *del_pdn, *ins_pdn, *ups_pdn, *del_stale_pdn;
};

static struct ue_store *store(struct agw_ctx *ctx)
{
    return ctx->store;
}

static sqlite3 *db_of(struct agw_ctx *ctx)
{
    return ctx->db->db;
}

static void commit_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct agw_ctx *ctx = w->data;
    (void)loop;
    (void)revents;
    if (ctx->commit_pending)
        agw_commit(ctx);
}

int ue_store_open(struct agw_ctx *ctx)
{
    struct ue_store *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    ctx->store = s;
    sqlite3 *db = db_of(ctx);
    static const char upsert[] =
        "INSERT INTO ue_context (imsi, m_tmsi, emm_state, ksi, kasme, eea, eia, ul_count, "
        "dl_count, ue_net_cap, ue_ambr_ul, ue_ambr_dl, msisdn, tai_plmn, tac, updated) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16) "
        "ON CONFLICT(imsi) DO UPDATE SET m_tmsi=?2, emm_state=?3, ksi=?4, kasme=?5, eea=?6, "
        "eia=?7, ul_count=?8, dl_count=?9, ue_net_cap=?10, ue_ambr_ul=?11, ue_ambr_dl=?12, "
        "msisdn=?13, tai_plmn=?14, tac=?15, updated=?16";
    static const char ins_pdn[] =
        "INSERT INTO pdn_session (imsi, ebi, pti, apn, ue_ipv4, static_ip, ul_teid, dl_teid, "
        "enb_ipv4, ambr_ul, ambr_dl, qci, arp_prio, arp_cap, arp_vul, state, pdn_type) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)";
    /* The same row, written only when a column differs: a UE's sessions
     * mostly stay as they are while its NAS COUNTs move (each idle->active
     * cycle writes the UE twice), and a row left alone costs no page
     * write nor the upkeep of its three indexes (docs/PERFORMANCE.md) */
    static const char ups_pdn[] =
        "INSERT INTO pdn_session (imsi, ebi, pti, apn, ue_ipv4, static_ip, ul_teid, dl_teid, "
        "enb_ipv4, ambr_ul, ambr_dl, qci, arp_prio, arp_cap, arp_vul, state, pdn_type) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17) "
        "ON CONFLICT(imsi, ebi) DO UPDATE SET pti=?3, apn=?4, ue_ipv4=?5, static_ip=?6, "
        "ul_teid=?7, dl_teid=?8, enb_ipv4=?9, ambr_ul=?10, ambr_dl=?11, qci=?12, arp_prio=?13, "
        "arp_cap=?14, arp_vul=?15, state=?16, pdn_type=?17 "
        "WHERE pti IS NOT ?3 OR apn IS NOT ?4 OR ue_ipv4 IS NOT ?5 OR static_ip IS NOT ?6 OR "
        "ul_teid IS NOT ?7 OR dl_teid IS NOT ?8 OR enb_ipv4 IS NOT ?9 OR ambr_ul IS NOT ?10 OR "
        "ambr_dl IS NOT ?11 OR qci IS NOT ?12 OR arp_prio IS NOT ?13 OR arp_cap IS NOT ?14 OR "
        "arp_vul IS NOT ?15 OR state IS NOT ?16 OR pdn_type IS NOT ?17";
    if (sqlite3_prepare_v2(db, upsert, -1, &s->upsert_ue, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM ue_context WHERE imsi = ?1", -1, &s->del_ue,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM pdn_session WHERE imsi = ?1", -1, &s->del_pdn,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, ins_pdn, -1, &s->ins_pdn, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, ups_pdn, -1, &s->ups_pdn, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "DELETE FROM pdn_session WHERE imsi = ?1 AND ((?2 >> ebi) & 1) = 0",
                           -1, &s->del_stale_pdn, NULL) != SQLITE_OK) {
        LOG_ERR(ctx, "store", "preparing statements: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    ev_prepare_init(&ctx->commit_watcher, commit_cb);
    ctx->commit_watcher.data = ctx;
    ev_prepare_start(ctx->loop, &ctx->commit_watcher);
    return 0;
}

void ue_store_close(struct agw_ctx *ctx)
{
    struct ue_store *s = store(ctx);
    if (!s)
        return;
    ev_prepare_stop(ctx->loop, &ctx->commit_watcher);
    sqlite3_finalize(s->upsert_ue);
    sqlite3_finalize(s->del_ue);
    sqlite3_finalize(s->del_pdn);
    sqlite3_finalize(s->ins_pdn);
    sqlite3_finalize(s->ups_pdn);
    sqlite3_finalize(s->del_stale_pdn);
    free(s->dirty);
    free(s->forget);
    free(s);
    ctx->store = NULL;
}

void agw_commit_request(struct agw_ctx *ctx)
{
    ctx->commit_pending = true;
}

void ue_store_mark(struct agw_ctx *ctx, struct agw_ue *ue)
{
    struct ue_store *s = store(ctx);
    agw_commit_request(ctx);
    if (!s || ue->dirty)
        return;
    if (s->n_dirty == s->cap_dirty) {
        size_t cap = s->cap_dirty ? s->cap_dirty * 2 : 256;
        uint32_t *d = realloc(s->dirty, cap * sizeof(*d));
        if (!d)
            return;
        s->dirty = d;
        s->cap_dirty = cap;
    }
    s->dirty[s->n_dirty++] = ue->id;
    ue->dirty = true;
}

void ue_store_forget(struct agw_ctx *ctx, const struct agw_ue *ue)
{
    struct ue_store *s = store(ctx);
    agw_commit_request(ctx);
    if (!s)
        return;
    if (s->n_forget == s->cap_forget) {
        size_t cap = s->cap_forget ? s->cap_forget * 2 : 64;
        char(*f)[16] = realloc(s->forget, cap * sizeof(*f));
        if (!f)
            return;
        s->forget = f;
        s->cap_forget = cap;
    }
    memcpy(s->forget[s->n_forget++], ue->imsi, 16);
}

static bool stored_state(const struct agw_ue *ue)
{
    return ue->imsi[0] && ue->sec_valid &&
           (ue->emm == EMM_REGISTERED_INIT || ue->emm == EMM_REGISTERED ||
            ue->emm == EMM_DEREGISTERED_INIT);
}

static int step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -EIO;
}

static int delete_ue(struct ue_store *s, const char *imsi)
{
    sqlite3_bind_text(s->del_pdn, 1, imsi, -1, SQLITE_STATIC);
    int rc = step(s->del_pdn);
    sqlite3_bind_text(s->del_ue, 1, imsi, -1, SQLITE_STATIC);
    return rc | step(s->del_ue);
}

static int write_pdns(struct agw_ctx *ctx, struct ue_store *s, struct agw_ue *ue, bool in_place);

static int write_ue(struct agw_ctx *ctx, struct ue_store *s, struct agw_ue *ue)
{
    sqlite3_stmt *st = s->upsert_ue;
    sqlite3_bind_text(st, 1, ue->imsi, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ue->m_tmsi);
    /* a network detach waiting for the paged UE is stored as started:
     * ue_store_load() pages the UE again */
    sqlite3_bind_int(st, 3, ue->detach_wait ? EMM_DEREGISTERED_INIT : ue->emm);
    sqlite3_bind_int(st, 4, ue->ksi);
    sqlite3_bind_blob(st, 5, ue->kasme, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, ue->sec.eea);
    sqlite3_bind_int(st, 7, ue->sec.eia);
    sqlite3_bind_int64(st, 8, ue->sec.ul_count);
    sqlite3_bind_int64(st, 9, ue->sec.dl_count);
    sqlite3_bind_blob(st, 10, &ue->ue_net_cap, sizeof(ue->ue_net_cap), SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)ue->ue_ambr_ul);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)ue->ue_ambr_dl);
    sqlite3_bind_text(st, 13, ue->msisdn, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 14, ue->tai_plmn, 3, SQLITE_STATIC);
    sqlite3_bind_int(st, 15, ue->tac);
    sqlite3_bind_int64(st, 16, (sqlite3_int64)time(NULL));
    if (step(st) < 0)
        return -EIO;
    int rc = write_pdns(ctx, s, ue, true);
    if (rc == -EEXIST)
        rc = write_pdns(ctx, s, ue, false);
    if (rc < 0)
        return rc;
    rc = esm_bearer_store(ctx, ue);     /* dedicated bearers */
    return rc < 0 ? rc : esm_dqos_store(ctx, ue);  /* default bearer modifications */
}

/* The UE's pdn_session rows.  In place (fast): rows of bearers gone are
 * deleted, the others inserted or updated where they differ; -EEXIST when
 * that meets a uniqueness constraint (another row of the UE still holds
 * the TEID or the address, e.g. two sessions that swapped them): then
 * rewritten (all rows deleted, inserted again). */
static int write_pdns(struct agw_ctx *ctx, struct ue_store *s, struct agw_ue *ue, bool in_place)
{
    sqlite3_stmt *st;
    if (in_place) {
        sqlite3_int64 live = 0;
        for (unsigned i = 0; i < AGW_MAX_PDN; i++)
            if (ue->pdn[i].state != PDN_FREE && !ue->pdn[i].gx_wait && ue->pdn[i].ebi < 63)
                live |= (sqlite3_int64)1 << ue->pdn[i].ebi;
        sqlite3_bind_text(s->del_stale_pdn, 1, ue->imsi, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s->del_stale_pdn, 2, live);
        if (step(s->del_stale_pdn) < 0)
            return -EIO;
    } else {
        sqlite3_bind_text(s->del_pdn, 1, ue->imsi, -1, SQLITE_STATIC);
        if (step(s->del_pdn) < 0)
            return -EIO;
    }
    for (unsigned i = 0; i < AGW_MAX_PDN; i++) {
        const struct agw_pdn *p = &ue->pdn[i];
        char ip[INET_ADDRSTRLEN], enb[INET6_ADDRSTRLEN];
        /* one waiting for its CCA-I is not stored: the UE has nothing of
         * it yet and asks again after a restart (its datapath session is
         * then an orphan, its Gx session ended: gx_sessions_load) */
        if (p->state == PDN_FREE || p->gx_wait)
            continue;
        inet_ntop(AF_INET, &p->ue_ip, ip, sizeof(ip));
        /* the column holds the eNB's IPv4 address, or its IPv6 one */
        if (!p->enb_addr.s_addr && !IN6_IS_ADDR_UNSPECIFIED(&p->enb6))
            inet_ntop(AF_INET6, &p->enb6, enb, sizeof(enb));
        else
            inet_ntop(AF_INET, &p->enb_addr, enb, sizeof(enb));
        st = in_place ? s->ups_pdn : s->ins_pdn;
        sqlite3_bind_text(st, 1, ue->imsi, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, p->ebi);
        sqlite3_bind_int(st, 3, p->pti);
        sqlite3_bind_text(st, 4, ctx->cfg->apns[p->apn_idx].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 6, p->static_ip);
        sqlite3_bind_int64(st, 7, p->ul_teid);
        sqlite3_bind_int64(st, 8, p->dl_teid);
        sqlite3_bind_text(st, 9, enb, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)p->ambr_ul_bps);
        sqlite3_bind_int64(st, 11, (sqlite3_int64)p->ambr_dl_bps);
        sqlite3_bind_int(st, 12, p->qci);
        sqlite3_bind_int(st, 13, p->arp_prio);
        sqlite3_bind_int(st, 17, p->pdn_type ? p->pdn_type : NAS_PDN_IPV4);
        sqlite3_bind_int(st, 14, p->arp_cap);
        sqlite3_bind_int(st, 15, p->arp_vul);
        sqlite3_bind_int(st, 16, p->state);
        int r = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if ((r & 0xff) == SQLITE_CONSTRAINT && in_place)
            return -EEXIST;
        if (r != SQLITE_DONE)
            return -EIO;
    }
    return 0;
}

/* The loop iteration's transaction: opened by the first write of the
 * iteration (the HSS's SQN, a UE's state), committed by agw_commit(). */
int agw_txn_open(struct agw_ctx *ctx)
{
    agw_commit_request(ctx);
    if (ctx->db->depth > 0)
        return 0;
    int rc = agw_db_begin(ctx->db);
    if (rc < 0) {
        ctx->stats.db_errors++;
        LOG_ERR(ctx, "store", "cannot begin a transaction: %s", sqlite3_errmsg(db_of(ctx)));
    }
    return rc;
}

int agw_commit(struct agw_ctx *ctx)
{
    struct ue_store *s = store(ctx);
    int rc = 0;
    ctx->commit_pending = false;
    if (s && (s->n_dirty || s->n_forget || ctx->db->depth > 0)) {
        rc = agw_txn_open(ctx);
        ctx->commit_pending = false;
        for (size_t i = 0; !rc && i < s->n_forget; i++)
            rc = delete_ue(s, s->forget[i]);
        for (size_t i = 0; !rc && i < s->n_dirty; i++) {
            struct agw_ue *ue = ue_find_id(ctx, s->dirty[i]);
            if (!ue)
                continue;
            ue->dirty = false;
            rc = stored_state(ue) ? write_ue(ctx, s, ue) : (ue->imsi[0] ? delete_ue(s, ue->imsi) : 0);
        }
        if (!rc)
            rc = agw_db_commit(ctx->db);
        if (rc) {
            /* The state could not be made durable: do not tell the peers.
             * Messages are dropped (the UEs retransmit, the procedures time
             * out cleanly) and the error is counted and logged. */
            ctx->stats.db_errors++;
            LOG_ERR(ctx, "store", "commit failed: %s; queued messages dropped",
                    sqlite3_errmsg(db_of(ctx)));
            agw_db_rollback(ctx->db);
            for (size_t i = 0; i < s->n_dirty; i++) {
                struct agw_ue *ue = ue_find_id(ctx, s->dirty[i]);
                if (ue)
                    ue->dirty = false;
            }
            s->n_dirty = s->n_forget = 0;
            s1ap_path_drop_all(ctx);
            ccr_drop(ctx);
            return rc;
        }
        ctx->stats.db_commits++;
        s->n_dirty = s->n_forget = 0;
    }
    s1ap_path_flush(ctx);
    ccr_flush(ctx);     /* Gx/Gy requests, journalled first (agw_ccr.h) */
    return rc;
}

/* ------------------------------------------------------------ reload -- */

static int load_pdns(struct agw_ctx *ctx, struct agw_ue *ue, sqlite3_stmt *st)
{
    int n = 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, ue->imsi, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && n < AGW_MAX_PDN) {
        struct agw_pdn *p = &ue->pdn[n];
        memset(p, 0, sizeof(*p));
        p->ebi = (uint8_t)sqlite3_column_int(st, 0);
        p->pti = (uint8_t)sqlite3_column_int(st, 1);
        const struct agw_apn *apn =
            agw_config_apn(ctx->cfg, (const char *)sqlite3_column_text(st, 2));
        if (!apn) {
            /* the APN left the configuration: its sessions go with it */
            LOG_WARN(ctx, "store", "stored session on APN \"%s\", no longer configured: dropped",
                     (const char *)sqlite3_column_text(st, 2));
            continue;
        }
        p->apn_idx = (uint8_t)(apn - ctx->cfg->apns);
        inet_pton(AF_INET, (const char *)sqlite3_column_text(st, 3), &p->ue_ip);
        p->static_ip = sqlite3_column_int(st, 4);
        p->ul_teid = (uint32_t)sqlite3_column_int64(st, 5);
        p->dl_teid = (uint32_t)sqlite3_column_int64(st, 6);
        const char *enb = (const char *)sqlite3_column_text(st, 7);
        if (enb && inet_pton(AF_INET, enb, &p->enb_addr) != 1)
            inet_pton(AF_INET6, enb, &p->enb6);     /* an eNB on IPv6 */
        p->ambr_ul_bps = (uint64_t)sqlite3_column_int64(st, 8);
        p->ambr_dl_bps = (uint64_t)sqlite3_column_int64(st, 9);
        p->qci = (uint8_t)sqlite3_column_int(st, 10);
        p->arp_prio = (uint8_t)sqlite3_column_int(st, 11);
        p->arp_cap = sqlite3_column_int(st, 12);
        p->arp_vul = sqlite3_column_int(st, 13);
        p->state = (enum agw_pdn_state)sqlite3_column_int(st, 14);
        p->pdn_type = (uint8_t)sqlite3_column_int(st, 15);  /* 0008_pdn_type.sql */
        if (p->state == PDN_PENDING || p->state == PDN_RELEASING)
            p->state = PDN_ACTIVE;  /* the UE has it or will ask again */
        if (pgw_pdn_adopt(ctx, ue, p) < 0) {
            LOG_ERR(ctx, "store", "stored session 0x%08x collides; dropped", p->ul_teid);
            memset(p, 0, sizeof(*p));
            continue;
        }
        /* the datapath kept running while we were away: adopt the pinned
         * session if it is there, install it again if not */
        struct dp_session_info info;
        if (ctx->dp && dp_session_get(ctx->dp, p->ul_teid, &info) == 0) {
            p->dp_installed = true;
            /* the eNB address too: after a handover the target may use
             * the same TEID value as the source did */
            if (info.spec.dl_teid != p->dl_teid || info.spec.ue_addr.s_addr != p->ue_ip.s_addr ||
                (p->dl_teid && (info.spec.enb_addr.s_addr != p->enb_addr.s_addr ||
                                memcmp(&info.spec.enb6_addr, &p->enb6, 16))))
                pgw_pdn_program(ctx, ue, p);
        } else {
            pgw_pdn_program(ctx, ue, p);
        }
        n++;
    }
    sqlite3_reset(st);
    return n;
}

/* Datapath sessions nobody stored (a crash between installing a session
 * and committing it) are removed. */
static int collect_orphan(const struct dp_session_info *info, void *arg)
{
    struct agw_ctx *ctx = arg;
    uint32_t sid = info->spec.ul_teid & 0xffffff;
    struct agw_teids *t = &ctx->teids;
    bool known = sid < t->max && (t->bits[sid >> 3] & (1u << (sid & 7))) &&
                 t->gen[sid] == (uint8_t)(info->spec.ul_teid >> 24);
    if (!known) {
        LOG_INFO(ctx, "store", "datapath session 0x%08x has no stored owner: removed",
                 info->spec.ul_teid);
        dp_session_del(ctx->dp, info->spec.ul_teid);
    }
    return 0;
}

static void dp_finding(const char *finding, bool repairable, bool repaired, void *arg)
{
    struct agw_ctx *ctx = arg;
    LOG_WARN(ctx, "dp", "%s%s", finding,
             repaired ? " (repaired)" : repairable ? "" : " (not repairable)");
}

int ue_store_load(struct agw_ctx *ctx)
{
    sqlite3 *db = db_of(ctx);
    sqlite3_stmt *st, *pdn_st, *ded_st = NULL, *dqos_st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT ebi, pti, apn, ue_ipv4, static_ip, ul_teid, dl_teid, enb_ipv4, "
                           "ambr_ul, ambr_dl, qci, arp_prio, arp_cap, arp_vul, state, "
                           "pdn_type FROM pdn_session WHERE imsi = ?1 ORDER BY ebi",
                           -1, &pdn_st, NULL) != SQLITE_OK) {
        LOG_ERR(ctx, "store", "reading sessions: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT imsi, m_tmsi, emm_state, ksi, kasme, eea, eia, ul_count, "
                           "dl_count, ue_net_cap, ue_ambr_ul, ue_ambr_dl, msisdn, tai_plmn, tac "
                           "FROM ue_context",
                           -1, &st, NULL) != SQLITE_OK) {
        LOG_ERR(ctx, "store", "reading UE contexts: %s", sqlite3_errmsg(db));
        sqlite3_finalize(pdn_st);
        return -EIO;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct agw_ue *ue = ue_new(ctx);
        if (!ue)
            break;
        const char *imsi = (const char *)sqlite3_column_text(st, 0);
        if (!imsi || ue_set_imsi(ctx, ue, imsi) < 0) {
            ue_free(ctx, ue);
            continue;
        }
        ue->m_tmsi = (uint32_t)sqlite3_column_int64(st, 1);
        if (ue->m_tmsi)
            agw_hash_add(&ctx->ue_by_tmsi, &ue->by_tmsi, ue->m_tmsi);
        ue->guti_sent = true;
        ue->emm = EMM_REGISTERED;
        ue->ksi = (uint8_t)sqlite3_column_int(st, 3);
        if (sqlite3_column_bytes(st, 4) == 32)
            memcpy(ue->kasme, sqlite3_column_blob(st, 4), 32);
        /* the keys are derived when the UE next talks (ue_sec_ready) */
        ue->sec.role = NAS_SEC_ROLE_NETWORK;
        ue->sec.ksi = ue->ksi;
        ue->sec.eea = (uint8_t)sqlite3_column_int(st, 5);
        ue->sec.eia = (uint8_t)sqlite3_column_int(st, 6);
        ue->sec.ul_count = (uint32_t)sqlite3_column_int64(st, 7);
        ue->sec.dl_count = (uint32_t)sqlite3_column_int64(st, 8);
        ue->sec_valid = ue->sec.eea <= 3 && ue->sec.eia <= 3;
        ue->sec_lazy = ue->sec_valid;
        if (sqlite3_column_bytes(st, 9) == (int)sizeof(ue->ue_net_cap))
            memcpy(&ue->ue_net_cap, sqlite3_column_blob(st, 9), sizeof(ue->ue_net_cap));
        ue->ue_ambr_ul = (uint64_t)sqlite3_column_int64(st, 10);
        ue->ue_ambr_dl = (uint64_t)sqlite3_column_int64(st, 11);
        const char *msisdn = (const char *)sqlite3_column_text(st, 12);
        snprintf(ue->msisdn, sizeof(ue->msisdn), "%s", msisdn ? msisdn : "");
        if (sqlite3_column_bytes(st, 13) == 3)
            memcpy(ue->tai_plmn, sqlite3_column_blob(st, 13), 3);
        ue->tac = (uint16_t)sqlite3_column_int(st, 14);
        load_pdns(ctx, ue, pdn_st);
        esm_bearer_load(ctx, ue, &ded_st);
        emm_idle_enter(ctx, ue);    /* reachability timers start again */
        esm_dqos_load(ctx, ue, &dqos_st);   /* a modification under way pages the UE */
        if (sqlite3_column_int(st, 2) == EMM_DEREGISTERED_INIT) {
            /* a network detach was under way (its re-attach flag is not
             * kept): the UE is paged for it again, and detached locally
             * if it does not answer (emm_sm.c) */
            emm_detach_ue(ctx, ue, false);
        }
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(pdn_st);
    sqlite3_finalize(ded_st);
    sqlite3_finalize(dqos_st);
    if (ctx->dp) {
        dp_session_foreach(ctx->dp, collect_orphan, ctx);
        /* what a writer killed between two map updates may have left
         * (docs/datapath.md "Crashes and concurrent writers") */
        struct dp_check_report r;
        if (dp_check(ctx->dp, true, &r, dp_finding, ctx) == 0 && (r.repaired || r.unrepairable))
            LOG_WARN(ctx, "dp", "datapath check at start: %u repaired, %u not repairable",
                     r.repaired, r.unrepairable);
    }
    return n;
}
