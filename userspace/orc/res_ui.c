/* The web UI (NMS): its static files and its sessions.
 *
 * Files: GET /ui/ and GET /ui/{file} serve the plain HTML/CSS/JS under
 * ui.root (installed by `make install`).  One flat directory: the name is
 * one path segment of [A-Za-z0-9_.-], not starting with '.', with a known
 * extension, opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
 * relative to the root, so that neither "..", its encoded forms (MHD
 * decodes %2e%2e%2f before routing, which then makes several segments
 * that match no route) nor a symbolic link leading out of the root reach
 * another file.  orc_http.c adds the Content-Security-Policy and the
 * other security headers to every answer.
 *
 * Sessions: POST /v1/session {"token": "xo_..."} checks the API token
 * (counted by the brute-force limit like any bad token) and answers with
 * a session cookie (HttpOnly, Secure, SameSite=Strict: the page's script
 * never sees the token nor the session) and a CSRF token, which every
 * write made with the cookie must repeat in X-CSRF-Token (orc_http.c
 * checks it; requests with Authorization: Bearer are unaffected).  The
 * store keeps sessions as objects of kind "ui_session" keyed by the
 * SHA-256 of the cookie's secret, so several orcd on one PostgreSQL
 * share them; a session ends at ui.session_lifetime, at sign-out, or
 * when its token is revoked or expires. */
#include "orc/orc_res.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "lib/hex.h"

#define UI_MAX_FILE (4u << 20)
#define SESSION_KIND "ui_session"

/* ------------------------------------------------------------- files ---- */

static const struct {
    const char *ext, *type;
} ui_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* The Content-Type for a file name, or NULL when it is not served. */
const char *orc_ui_file_type(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 64 || name[0] == '.' ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
        return NULL;
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(ui_types) / sizeof(ui_types[0]); i++)
        if (!strcmp(dot, ui_types[i].ext))
            return ui_types[i].type;
    return NULL;
}

/* Opens name inside root without leaving it: -ENOENT for anything that
 * is not a regular file beneath root (a link out of it, a directory). */
static int ui_open(const char *root, const char *name)
{
    int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how));
    int err = fd < 0 ? errno : 0;
    close(dfd);
    if (fd < 0)
        return err == EXDEV || err == ELOOP ? -ENOENT : -err;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    return fd;
}

static void ui_file(struct orc_req *r)
{
    const char *name = r->n_param ? r->param[0] : "index.html";
    const char *type = orc_ui_file_type(name);
    r->ui = true;
    if (!type) {
        orc_reply_error(r, 404, "no such file");
        return;
    }
    int fd = ui_open(r->ctx->cfg.ui.root, name);
    if (fd < 0) {
        orc_reply_error(r, 404, "no such file");
        return;
    }
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &st) == 0 && st.st_size <= UI_MAX_FILE && (buf = malloc((size_t)st.st_size + 1))) {
        while (got < (size_t)st.st_size) {
            ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
            if (k <= 0)
                break;
            got += (size_t)k;
        }
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        orc_reply_error(r, 500, "cannot read the file");
        return;
    }
    buf[got] = 0;
    r->text = buf;
    r->text_len = got;
    r->text_type = type;
    orc_reply(r, 200, NULL);
}

/* /ui and / lead to the UI. */
static void ui_redirect(struct orc_req *r)
{
    r->ui = true;
    snprintf(r->location, sizeof(r->location), "/ui/");
    orc_reply(r, 308, NULL);
}

/* ---------------------------------------------------------- sessions ---- */

static void sha256_hex(const char *s, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
    uint8_t d[SHA256_DIGEST_LENGTH];
    SHA256((const uint8_t *)s, strlen(s), d);
    hex_encode(d, sizeof(d), out);
}

static int random_hex(char *out, size_t bytes)
{
    uint8_t b[32];
    if (bytes > sizeof(b) || RAND_bytes(b, (int)bytes) != 1)
        return -EIO;
    hex_encode(b, bytes, out);
    OPENSSL_cleanse(b, sizeof(b));
    return 0;
}

int orc_session_auth(struct orc_req *r, struct orc_conn *c, const char *cookie)
{
    if (strlen(cookie) != 64 || strspn(cookie, "0123456789abcdef") != 64)
        return -EACCES;
    char key[2 * SHA256_DIGEST_LENGTH + 1];
    sha256_hex(cookie, key);
    struct orc_obj o;
    int rc = orc_obj_get(c, SESSION_KIND, "", key, &o);
    if (rc == -ENOENT)
        return -EACCES;
    if (rc < 0)
        return -EIO;
    json_t *j = json_loads(o.body, 0, NULL);
    orc_obj_free(&o);
    const char *tid = json_string_value(json_object_get(j, "token_id"));
    const char *csrf = json_string_value(json_object_get(j, "csrf"));
    int64_t exp = json_integer_value(json_object_get(j, "expires_at"));
    rc = -EACCES;
    if (tid && csrf && strlen(tid) < sizeof(r->token_id) && strlen(csrf) < sizeof(r->csrf) &&
        time(NULL) < exp) {
        rc = orc_token_valid_id(c, tid, &r->scope);
        if (rc == 0) {
            snprintf(r->token_id, sizeof(r->token_id), "%s", tid);
            snprintf(r->csrf, sizeof(r->csrf), "%s", csrf);
            snprintf(r->session_key, sizeof(r->session_key), "%s", key);
            r->session_expires = exp;
        }
    }
    json_decref(j);
    return rc;
}

static json_t *session_json(struct orc_req *r)
{
    return json_pack("{s:s,s:s,s:s,s:I}", "csrf_token", r->csrf, "token_id", r->token_id,
                     "scope", orc_scope_str(r->scope), "expires_at",
                     (json_int_t)r->session_expires);
}

static void session_create(struct orc_req *r)
{
    struct orc_ctx *ctx = r->ctx;
    json_t *tokv = json_object_get(r->json, "token");
    if (!json_is_string(tokv) || json_object_size(r->json) != 1) {
        json_t *errs = json_array();
        orc_field_error(errs, "token", "required: an API token (xo_...), and nothing else");
        orc_reply_invalid(r, errs);
        return;
    }
    int64_t now = orc_now_ms(), retry;
    if (orc_rl_locked(ctx, ORC_RL_TOKEN, r->client, now, &retry)) {
        snprintf(r->retry_after, sizeof(r->retry_after), "%lld", (long long)(retry + 999) / 1000);
        orc_reply_error(r, 429, "too many failed authentications from this address");
        return;
    }
    char tid[32];
    int rc = orc_token_check(r->db, json_string_value(tokv), &r->scope, tid, sizeof(tid));
    if (rc == -EACCES) {
        atomic_fetch_add(&ctx->stats.auth_failures, 1);
        orc_rl_failure(ctx, ORC_RL_TOKEN, r->client, now);
        orc_reply_error(r, 401, "invalid API token");
        return;
    }
    if (rc < 0) {
        orc_reply_store_error(r, -EIO);
        return;
    }
    orc_rl_success(ctx, ORC_RL_TOKEN, r->client);
    char secret[65], key[2 * SHA256_DIGEST_LENGTH + 1];
    if (random_hex(secret, 32) < 0 || random_hex(r->csrf, 32) < 0) {
        orc_reply_error(r, 500, "no randomness");
        return;
    }
    sha256_hex(secret, key);
    time_t t = time(NULL);
    uint64_t life_s = ctx->cfg.ui.session_lifetime_ms / 1000;
    r->session_expires = (int64_t)t + (int64_t)life_s;
    /* Sessions past their lifetime are dropped as new ones are made. */
    struct orc_val p[] = {ORC_S(SESSION_KIND), ORC_I((int64_t)t - (int64_t)life_s)};
    if ((rc = orc_q(r->db, "DELETE FROM objects WHERE kind = ? AND network = '' AND created_at < ?",
                    2, p, NULL, NULL)) < 0) {
        orc_reply_store_error(r, rc);
        return;
    }
    json_t *body = json_pack("{s:s,s:s,s:I}", "token_id", tid, "csrf", r->csrf, "expires_at",
                             (json_int_t)r->session_expires);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    rc = text ? orc_obj_create(r->db, SESSION_KIND, "", key, text, (int64_t)t) : -ENOMEM;
    free(text);
    if (rc < 0) {
        OPENSSL_cleanse(secret, sizeof(secret));
        orc_reply_store_error(r, rc);
        return;
    }
    snprintf(r->token_id, sizeof(r->token_id), "%s", tid); /* audited: who signed in */
    snprintf(r->audit_detail, sizeof(r->audit_detail), "signed in (web UI session)");
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "%s=%s; Path=/; Max-Age=%" PRIu64 "; HttpOnly; Secure; SameSite=Strict",
             ORC_SESSION_COOKIE, secret, life_s);
    OPENSSL_cleanse(secret, sizeof(secret));
    orc_reply(r, 201, session_json(r));
}

static void session_get(struct orc_req *r)
{
    if (!r->session_key[0]) {
        orc_reply_error(r, 404, "no session: this request was made with a bearer token");
        return;
    }
    orc_reply(r, 200, session_json(r));
}

static void session_delete(struct orc_req *r)
{
    if (!r->session_key[0]) {
        orc_reply_error(r, 404, "no session: this request was made with a bearer token");
        return;
    }
    int rc = orc_obj_delete(r->db, SESSION_KIND, "", r->session_key, -1);
    if (rc < 0 && rc != -ENOENT) {
        orc_reply_store_error(r, rc);
        return;
    }
    snprintf(r->audit_detail, sizeof(r->audit_detail), "signed out (web UI session)");
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "%s=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict", ORC_SESSION_COOKIE);
    orc_reply(r, 204, NULL);
}

const struct orc_route orc_routes_ui[] = {
    {"GET", "/", ORC_SCOPE_PUBLIC, ORC_BODY_NONE, ui_redirect, NULL},
    {"GET", "/ui", ORC_SCOPE_PUBLIC, ORC_BODY_NONE, ui_redirect, NULL},
    {"GET", "/ui/", ORC_SCOPE_PUBLIC, ORC_BODY_NONE, ui_file, NULL},
    {"GET", "/ui/{file}", ORC_SCOPE_PUBLIC, ORC_BODY_NONE, ui_file, NULL},
    {"POST", "/v1/session", ORC_SCOPE_PUBLIC, ORC_BODY_JSON, session_create, NULL},
    {"GET", "/v1/session", ORC_SCOPE_READ, ORC_BODY_NONE, session_get, NULL},
    {"DELETE", "/v1/session", ORC_SCOPE_READ, ORC_BODY_NONE, session_delete, NULL},
    {0}};
