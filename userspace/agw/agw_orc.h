/* xepc-agwd's client of the orchestrator xepc-orcd (docs/orchestrator.md,
 * "The gateway's side"):
 *
 *   orc_identity.c  the gateway's ECDSA P-256 key (made at first start,
 *                   0600), its hardware id, the challenge signature, the CSR
 *                   and the client certificate's lifetime
 *   orc_path.c      HTTPS to orcd with libcurl: bootstrap calls without a
 *                   client certificate, the rest over mutual TLS
 *   orc_apply.c     the configuration sync applied to agwd's SQLite (the
 *                   local HSS's tables and the orc_object copy)
 *   orc_policy.c    the synced policies, rating groups and APN values mapped
 *                   onto what agwd enforces (the effective `policy` and APNs)
 *   orc_apn.c       orcd's own APNs created and removed on the gateway, and
 *                   the APNs' pools (pgw_pool.c)
 *   orc_network.c   orcd's network: the served PLMN and TACs
 *   orc_usage.c     the check-in's traffic counters (gateway and per
 *                   subscriber, from the datapath) and eNB ids
 *   orc_client.c    the worker thread that runs the calls, its schedule
 *                   (check-in, sync, renewal, backoff) and the hand-over
 *                   to the libev loop (ev_async)
 *
 * Nothing runs unless the configuration has an `orchestrator:` section. */
#ifndef XEPC_AGW_ORC_H
#define XEPC_AGW_ORC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <netinet/in.h>

struct agw_ctx;
struct agw_config;
struct agw_orc_config;
struct agw_db;

/* Starts the worker when cfg->orchestrator is set; 0 also when it is not.
 * Logs the identity (hardware id, public key) at start. */
int orc_client_open(struct agw_ctx *ctx);
/* Stops the worker (a request in flight is aborted) and frees it. */
void orc_client_close(struct agw_ctx *ctx);

/* `xepc-agwd --print-identity`: makes the key if there is none yet and
 * prints a gateway object for `xepcctl orc create gateway -n NET -`
 * ({"id", "hardware_id", "public_key"}).  0 or a negative errno (a line
 * on stderr says why). */
int orc_identity_print(const struct agw_orc_config *oc, FILE *out);

/* ---- orc_identity.c ---- */
struct orc_identity {
    char key_path[300], cert_path[300];
    char hardware_id[129];
    char *pubkey_pem;   /* SubjectPublicKeyInfo, PEM (malloc) */
    void *pkey;         /* EVP_PKEY */
    bool created;       /* the key was made by this load */
};
/* Loads oc->dir/gateway.key, or makes it (ECDSA P-256, file mode 0600,
 * directory 0700) when there is none.  0 or a negative errno; why says it. */
int orc_identity_load(const struct agw_orc_config *oc, struct orc_identity *id, char *why,
                      size_t whylen);
void orc_identity_free(struct orc_identity *id);
/* ECDSA-with-SHA-256 over text, the DER signature as lowercase hex
 * (malloc); NULL on failure. */
char *orc_identity_sign_hex(const struct orc_identity *id, const char *text);
/* A PKCS#10 CSR for the key, subject CN=cn, PEM (malloc); NULL on failure. */
char *orc_identity_csr(const struct orc_identity *id, const char *cn);
/* notBefore/notAfter of the PEM certificate at path: 0, -ENOENT, -EINVAL. */
int orc_cert_times(const char *path, time_t *not_before, time_t *not_after);
/* When a certificate valid [nb, na], received at got, is renewed: two
 * thirds into its lifetime counted from got (orcd backdates notBefore for
 * clock skew, so nb may be long before got). */
time_t orc_cert_renew_at(time_t nb, time_t na, time_t got);

/* ---- orc_path.c ---- */
struct orc_http {
    void *pub, *mtls;           /* CURL easy handles (keep-alive) */
    const struct agw_orc_config *oc;
    const struct orc_identity *id;
    volatile int *abort_flag;   /* non-zero: a transfer in flight is aborted */
    char err[256];              /* the last transport error */
    int64_t last_us;            /* the last call's duration */
    char pin_path[320];         /* oc->dir/orcd-ca.pem */
    bool pinned;                /* it exists: the only CA trusted */
    char *chain_top;            /* the topmost certificate orcd presented on
                                 * the bootstrap handle's last new
                                 * connection (PEM, malloc) */
};
struct orc_resp {
    long status;                /* HTTP status; 0: no answer (err says why) */
    char *body;                 /* NUL-terminated (malloc), may be NULL */
    size_t len;
};
int orc_http_init(struct orc_http *h, const struct agw_orc_config *oc,
                  const struct orc_identity *id, volatile int *abort_flag);
void orc_http_fini(struct orc_http *h);
/* Pins the CA that verified orcd on the last bootstrap call (the topmost
 * certificate of its chain) in pin_path; from then on only it is trusted.
 * 0 (also when already pinned) or a negative errno (err says why). */
int orc_http_pin(struct orc_http *h);
/* Drops the mutual-TLS connection (after a new certificate). */
void orc_http_reset_mtls(struct orc_http *h);
/* method "GET" or "POST" (body: JSON), path from the URL's root. */
int orc_http_call(struct orc_http *h, bool mtls, const char *method, const char *path,
                  const char *body, struct orc_resp *r);
void orc_resp_free(struct orc_resp *r);

/* ---- orc_apply.c ---- */
struct orc_apply_stats {
    unsigned puts, deletes, rejected;   /* items of this call */
};
/* What the loop must do after an apply: subscribers that lost service
 * (deleted, or no longer active) while they may be attached. */
struct orc_imsi_list {
    char (*imsi)[16];
    size_t n, cap;
};
void orc_imsi_list_free(struct orc_imsi_list *l);
/* The stored sync version ("" before the first full sync). */
int orc_apply_version(struct agw_db *db, char *version, size_t cap);
/* Begins a full sync: returns its generation (>0) or a negative errno. */
int64_t orc_apply_full_begin(struct agw_db *db);
/* Applies one page or delta (a JSON array of items, text) in one
 * transaction; gen > 0 during a full sync, 0 for a delta.  Items that the
 * gateway cannot hold (an IMSI that is not 15 digits, a static address
 * taken) are skipped, counted and logged through why (one line each, at
 * most whylen bytes in all).  0 or a negative errno (nothing applied). */
int orc_apply_items(struct agw_db *db, const void *items_json, int64_t gen,
                    struct orc_apply_stats *st, struct orc_imsi_list *lost, char *why,
                    size_t whylen);
/* Ends a full sync of generation gen: objects (and subscribers) orcd did
 * not send are deleted, the version stored.  0 or a negative errno. */
int orc_apply_full_end(struct agw_db *db, int64_t gen, const char *version,
                       struct orc_apply_stats *st, struct orc_imsi_list *lost);
/* Stores the version reached by deltas. */
int orc_apply_set_version(struct agw_db *db, const char *version);

/* ---- orc_policy.c ---- */
struct agw_policy;
struct agw_apn;
struct agw_pcc_rule;
struct orc_policy_yaml;
/* The effective policy: yaml (the file's `policy`) with orcd's policy,
 * base_name and rating_group objects from orc_object on top, by name.
 * Returns how many objects could not be mapped (why says which, "; "
 * separated) or a negative errno (then *out is the yaml one). */
int orc_policy_build(struct agw_db *db, const struct agw_policy *yaml, struct agw_policy *out,
                     char *why, size_t whylen);
/* The same, with the portal of orcd's redirect rules: the host of the
 * first one's redirect.url when it is an IPv4 address, else
 * fallback_portal (diameter.gy.portal); 0 when there is no redirect rule.
 * A redirect rule without a portal, or to another one, is not enforced. */
int orc_policy_build_portal(struct agw_db *db, const struct agw_policy *yaml,
                            struct in_addr fallback_portal, struct agw_policy *out,
                            struct in_addr *portal, char *why, size_t whylen);
/* The host of a redirect URL as an IPv4 address: 0 or -EINVAL. */
int orc_redirect_portal(const char *url, struct in_addr *portal);
/* The rule name of p and its further parts ("name/2" ..., an orcd rule of
 * more than 4 flows): how many, at most max, in order. */
unsigned orc_rule_parts(const struct agw_policy *p, const char *name,
                        const struct agw_pcc_rule **out, unsigned max);
/* The APN yaml with the values of orcd's APN of that name (AMBR, QCI, ARP,
 * MTU, DNS or the network's DNS): 1 when orcd has it, 0 when not (*out is
 * yaml).  The pools are orc_apn.c's. */
int orc_apn_build(struct agw_db *db, const struct agw_apn *yaml, struct agw_apn *out, char *why,
                  size_t whylen);
/* A copy of the file's policy and APNs, the fallback of every reload. */
struct orc_policy_yaml *orc_policy_save(const struct agw_config *cfg);
void orc_policy_free(struct orc_policy_yaml *y);
/* Rebuilds ctx->cfg->policy and ctx->cfg->apns[] (on the loop). */
void orc_policy_reload(struct agw_ctx *ctx, const struct orc_policy_yaml *y);
/* The rules of the effective policy that the subscriber's orcd object
 * lists in `policies` (at most max, in its order); 0 without orchestrator. */
unsigned orc_policy_subscriber_rules(struct agw_ctx *ctx, const char *imsi,
                                     const struct agw_pcc_rule **out, unsigned max);

/* ---- orc_apn.c ---- */
struct pgw_prefix;
/* Before pgw_init(): appends to ctx->cfg->apns the orchestrator's APNs the
 * file does not define (as last synced) and those stored sessions name,
 * so that the sessions on them are restored.  0 or -EIO. */
int orc_apn_preload(struct agw_ctx *ctx);
/* "A.B.C.D/N" (N 8..30, the network address) into *out: 0, -EINVAL (not
 * a prefix), -ERANGE (length), -EDOM (host bits set). */
int orc_pool_parse(const char *text, struct pgw_prefix *out);
/* -EEXIST when two prefixes of pf overlap (why says which), else 0. */
int orc_pool_check(const struct pgw_prefix *pf, size_t n, char *why, size_t whylen);
/* ctx->cfg->apns[] from orc_object: the file's n_yaml APNs (yaml) with
 * orcd's values, orcd's own created, updated or marked removed, then every
 * APN's pools (refused sets logged and counted).  Returns how many APNs
 * have orcd's values.  On the loop. */
unsigned orc_apn_sync(struct agw_ctx *ctx, const struct agw_apn *yaml, size_t n_yaml);

/* ---- orc_network.c ---- */
struct agw_plmn;
struct agw_tai;
/* orcd's network object (JSON text): its PLMN, and the TAI entry of that
 * PLMN with its TACs.  0 or -EINVAL. */
int orc_network_of(const char *body, struct agw_plmn *plmn, struct agw_tai *tai);
/* mme.gummei.plmn and mme.tai from orcd's network when there is one, else
 * the file's (yaml_*); logged when they change.  On the loop. */
void orc_network_sync(struct agw_ctx *ctx, const struct agw_plmn *yaml_plmn,
                      const struct agw_tai *yaml_tai, size_t yaml_n_tai);

/* ---- orc_usage.c ---- */
struct orc_usage;
/* One session's datapath counters at a report. */
struct orc_usage_sample {
    uint32_t ul_teid;
    char imsi[16];
    uint64_t ul_bytes, dl_bytes;
};
struct orc_usage *orc_usage_new(void);
void orc_usage_free(struct orc_usage *u);
/* Adds what the sessions' counters grew since the last step (a session
 * not seen before: all of it, except at the first step, which only takes
 * the baseline); 0 or -ENOMEM. */
int orc_usage_step(struct orc_usage *u, const struct orc_usage_sample *s, size_t n);
/* A session ends with its datapath counters ul/dl: what it carried since
 * the last step (all of it if it began after) in dul and ddl, and it leaves
 * the step's memory.  -EAGAIN (nothing) before the first step: the
 * session was adopted and its baseline is not known. */
int orc_usage_end(struct orc_usage *u, uint32_t ul_teid, const char *imsi, uint64_t ul,
                  uint64_t dl, uint64_t *dul, uint64_t *ddl);
/* The ended session's last bytes kept in orc_usage_final until a check-in
 * that carries them is acknowledged.  0 or -EIO. */
int orc_usage_final_put(struct agw_db *db, uint32_t ul_teid, const char *imsi, uint64_t ul,
                        uint64_t dl, uint64_t ended_ns);
/* "final": [{key, imsi, ul_bytes, dl_bytes}] into the report (a json_t
 * object) from orc_usage_final, at most 1000, oldest first; returns the
 * last row's id (0: none) for orc_usage_final_ack, or -EIO. */
int64_t orc_usage_final_report(struct agw_db *db, void *report);
/* Deletes the rows up to id upto (a check-in that carried them was
 * acknowledged).  0 or -EIO. */
int orc_usage_final_ack(struct agw_db *db, int64_t upto);
/* pgw_pdn_release's hook: a default bearer's session ends (orc_client.c). */
struct agw_ue;
struct agw_pdn;
void orc_session_end(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);
/* The gateway's totals since the first step (they never go down). */
void orc_usage_totals(const struct orc_usage *u, uint64_t *ul, uint64_t *dl);
/* The i-th subscriber with a session at the last step (by IMSI): returns
 * how many there are, 0 past the end. */
size_t orc_usage_subscriber(const struct orc_usage *u, size_t i, const char **imsi, uint64_t *ul,
                            uint64_t *dl);
/* ul_bytes, dl_bytes, subscribers and enb_ids into the report (a json_t
 * object), from the datapath's counters (on the loop). */
void orc_usage_report(struct agw_ctx *ctx, struct orc_usage *u, void *report);

#endif
