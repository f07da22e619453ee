/* Gateways: /v1/networks/{network}/gateways[/{gateway}] (the registry the
 * operator fills: hardware id, public key, name, config overrides) and
 * what gateways report: .../state and .../events (read-only here; written
 * by the gateway-facing check-in, see docs/orchestrator.md). */
#include "orc/orc_res.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* Reported state is stale after gateways.stale_after without a check-in. */
#define GW_STALE_S orc_gw_stale_s(r)

static const char *hwid_check(const char *s)
{
    size_t n = strlen(s);
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._-") == n
               ? NULL
               : "may hold only letters, digits and : . _ -";
}

static const char *pubkey_check(const char *s)
{
    /* The gateway's ECDSA key (it generates it at first start): a PEM
     * SubjectPublicKeyInfo on P-256 or P-384. */
    BIO *b = BIO_new_mem_buf(s, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    const char *why = NULL;
    if (!k)
        why = "not a PEM public key (-----BEGIN PUBLIC KEY-----)";
    else if (EVP_PKEY_base_id(k) != EVP_PKEY_EC)
        why = "not an ECDSA key";
    else if (EVP_PKEY_bits(k) != 256 && EVP_PKEY_bits(k) != 384)
        why = "the curve must be P-256 or P-384";
    EVP_PKEY_free(k);
    BIO_free(b);
    return why;
}

static const struct orc_field gw_fields[] = {
    {.name = "id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 64,
     .check = orc_check_id},
    {.name = "name", .type = ORC_F_STR, .max = 100, .dflt = "\"\""},
    {.name = "description", .type = ORC_F_STR, .max = 1000, .dflt = "\"\""},
    {.name = "hardware_id", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 1, .max = 128,
     .check = hwid_check, .doc = "what the gateway prints at first start"},
    {.name = "public_key", .type = ORC_F_STR, .flags = ORC_F_REQUIRED, .min = 100, .max = 4096,
     .check = pubkey_check, .doc = "the gateway's ECDSA public key, PEM"},
    {.name = "overrides", .type = ORC_F_ANY, .dflt = "{}",
     .doc = "configuration keys that differ from the network's for this gateway"},
    {0}};

/* A hardware id belongs to one gateway in the whole fleet (the bootstrap
 * finds the gateway by it): an index object of kind "gw_hwid" (network
 * "", id = the hardware id, body naming the gateway) is kept in the same
 * transaction as the gateway, so that the store's unique key refuses a
 * duplicate even between two orcd on one PostgreSQL.  409 when taken. */
#define HWID_KIND "gw_hwid"

static char *hwid_owner(const char *net, const char *id)
{
    json_t *j = json_pack("{s:s,s:s}", "gateway", id, "network", net);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return s;
}

struct dup_acc {
    const char *hw, *net, *id;
    char found[160];
};

static int dup_row(void *arg, int ncol, char **cols)
{
    struct dup_acc *a = arg;
    if (ncol < 3 || !cols[0] || !cols[1] || !cols[2])
        return 0;
    json_t *j = json_loads(cols[2], 0, NULL);
    const char *h = json_string_value(json_object_get(j, "hardware_id"));
    if (h && !strcmp(h, a->hw) && (strcmp(cols[0], a->net) || strcmp(cols[1], a->id)))
        snprintf(a->found, sizeof(a->found), "%.70s/%.70s", cols[0], cols[1]);
    json_decref(j);
    return a->found[0] != 0;
}

static void gw_check(struct orc_req *r, const char *net, json_t *obj, json_t *errs)
{
    (void)errs;
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *hw = json_string_value(json_object_get(obj, "hardware_id"));
    if (!id || !hw)
        return;
    char *me = hwid_owner(net, id);
    if (!me) {
        orc_reply_error(r, 500, "out of memory");
        return;
    }
    struct orc_obj idx;
    int rc = orc_obj_get(r->db, HWID_KIND, "", hw, &idx);
    if (rc == 0) {
        bool mine = !strcmp(idx.body, me);
        json_t *o = mine ? NULL : json_loads(idx.body, 0, NULL);
        if (!mine)
            orc_reply_error(r, 409, "hardware id '%s' is already registered to gateway %s/%s", hw,
                            json_string_value(json_object_get(o, "network")) ?: "?",
                            json_string_value(json_object_get(o, "gateway")) ?: "?");
        json_decref(o);
        orc_obj_free(&idx);
        free(me);
        return;
    }
    struct dup_acc dup = {hw, net, id, ""};
    if (rc == -ENOENT) {
        /* Gateways registered before the index existed have no entry:
         * look at them too (a scan, but only when a hardware id is new). */
        struct orc_val g[] = {ORC_S("gateway")};
        rc = orc_q(r->db, "SELECT network, id, body FROM objects WHERE kind = ?", 1, g, dup_row,
                   &dup);
        if (rc >= 0 && dup.found[0]) {
            orc_reply_error(r, 409, "hardware id '%s' is already registered to gateway %s", hw,
                            dup.found);
            free(me);
            return;
        }
        rc = rc < 0 ? rc : -ENOENT;
    }
    if (rc == -ENOENT) {
        /* New, or this gateway's hardware id changes: drop its old entry. */
        struct orc_val p[] = {ORC_S(HWID_KIND), ORC_S(me)};
        rc = orc_q(r->db, "DELETE FROM objects WHERE kind = ? AND network = '' AND body = ?", 2, p,
                   NULL, NULL);
        if (rc >= 0)
            rc = orc_obj_create(r->db, HWID_KIND, "", hw, me, time(NULL));
        if (rc == -EEXIST)
            orc_reply_error(r, 409, "hardware id '%s' is already registered", hw);
    }
    if (rc < 0 && !r->answered)
        orc_reply_store_error(r, rc);
    free(me);
}

/* status: unknown (never checked in), healthy, stale. */
static void gw_render(struct orc_req *r, const char *net, json_t *obj)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    struct orc_obj st;
    const char *status = "unknown";
    json_t *last = json_null();
    if (id && orc_obj_get(r->db, "gateway_state", net, id, &st) == 0) {
        status = time(NULL) - st.updated_at > GW_STALE_S ? "stale" : "healthy";
        last = json_integer(st.updated_at);
        orc_obj_free(&st);
    }
    json_object_set_new(obj, "status", json_string(status));
    json_object_set_new(obj, "last_checkin", last);
}

/* A deleted gateway takes its state, events, certificate record (which
 * revokes its certificate) and pending challenge with it. */
static int gw_deleted(struct orc_req *r, const char *net, const char *id)
{
    static const char *const kinds[] = {"gateway_state", "gw_cert", "gw_challenge"};
    for (size_t i = 0; i < 3; i++) {
        int rc = orc_obj_delete(r->db, kinds[i], net, id, -1);
        if (rc < 0 && rc != -ENOENT)
            return rc;
    }
    char scope[160];
    snprintf(scope, sizeof(scope), "%s/%s", net, id);
    struct orc_val p[] = {ORC_S("gateway_event"), ORC_S(scope)};
    int rc = orc_q(r->db, "DELETE FROM objects WHERE kind = ? AND network = ?", 2, p, NULL, NULL);
    if (rc < 0)
        return rc;
    char *me = hwid_owner(net, id);
    if (!me)
        return -ENOMEM;
    struct orc_val q[] = {ORC_S(HWID_KIND), ORC_S(me)};
    rc = orc_q(r->db, "DELETE FROM objects WHERE kind = ? AND network = '' AND body = ?", 2, q,
               NULL, NULL);
    free(me);
    return rc < 0 ? rc : 0;
}

static const struct orc_resource gw_desc = {
    .kind = "gateway",
    .path = "gateways",
    .id_field = "id",
    .id_check = orc_check_id,
    .fields = gw_fields,
    .check = gw_check,
    .render = gw_render,
    .deleted = gw_deleted,
};

const char *orc_res_gateway(struct orc_req *r)
{
    const char *net = orc_res_network(r);
    if (!net)
        return NULL;
    const char *id = r->param[1];
    struct orc_obj o;
    int rc = orc_check_id(id) ? -ENOENT : orc_obj_get(r->db, "gateway", net, id, &o);
    if (rc < 0) {
        if (rc == -ENOENT)
            orc_reply_error(r, 404, "no gateway '%.64s'", id);
        else
            orc_reply_store_error(r, rc);
        return NULL;
    }
    orc_obj_free(&o);
    return id;
}

static void gw_state(struct orc_req *r)
{
    const char *id = orc_res_gateway(r);
    if (!id)
        return;
    struct orc_obj st;
    int rc = orc_obj_get(r->db, "gateway_state", r->param[0], id, &st);
    json_t *out;
    if (rc == -ENOENT) {
        out = json_pack("{s:s,s:s,s:n,s:{}}", "gateway", id, "status", "unknown",
                        "last_checkin", "reported");
    } else if (rc < 0) {
        orc_reply_store_error(r, rc);
        return;
    } else {
        json_t *rep = json_loads(st.body, 0, NULL);
        out = json_pack("{s:s,s:s,s:I,s:o}", "gateway", id, "status",
                        time(NULL) - st.updated_at > GW_STALE_S ? "stale" : "healthy",
                        "last_checkin", (json_int_t)st.updated_at, "reported",
                        rep ? rep : json_object());
        orc_obj_free(&st);
    }
    orc_reply(r, 200, out);
}

struct ev_acc {
    json_t *items;
    char last[80];
};

static int ev_row(void *arg, int ncol, char **cols)
{
    struct ev_acc *a = arg;
    (void)ncol;
    json_t *e = json_loads(cols[2], 0, NULL);
    json_array_append_new(a->items, e ? e : json_object());
    snprintf(a->last, sizeof(a->last), "%s", cols[0]);
    return 0;
}

static void gw_events(struct orc_req *r)
{
    const char *id = orc_res_gateway(r);
    if (!id)
        return;
    int limit;
    char after[80];
    if (!orc_paging(r, &limit, after, sizeof(after)))
        return;
    /* Events of gateway g of network n are kind "gateway_event" in
     * "network" n/g, ids ordered by time. */
    char scope[160];
    snprintf(scope, sizeof(scope), "%s/%s", r->param[0], id);
    struct ev_acc a = {json_array(), ""};
    int rc = orc_obj_list(r->db, "gateway_event", scope, after, limit + 1, ev_row, &a);
    if (rc < 0) {
        json_decref(a.items);
        orc_reply_store_error(r, rc);
        return;
    }
    bool more = rc > limit;
    if (more)
        json_array_remove(a.items, (size_t)limit);
    json_t *resp = json_pack("{s:o}", "items", a.items);
    orc_page_token(resp, a.last, more);
    orc_reply(r, 200, resp);
}

const struct orc_route orc_routes_gateway[] = {
    ORC_RES_ROUTES(gw_desc, "/v1/networks/{network}/gateways",
                   "/v1/networks/{network}/gateways/{gateway}"),
    {"GET", "/v1/networks/{network}/gateways/{gateway}/state", ORC_SCOPE_READ, ORC_BODY_NONE,
     gw_state, NULL},
    {"GET", "/v1/networks/{network}/gateways/{gateway}/events", ORC_SCOPE_READ, ORC_BODY_NONE,
     gw_events, NULL},
    {0}};
