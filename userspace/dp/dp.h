/* The datapath controller: loads and attaches the BPF programs of bpf/,
 * adopts a datapath that is already pinned, upgrades the programs in place,
 * programs sessions into the maps of bpf/xepc_dp.h, reads the counters and
 * consumes the ring-buffer events.
 *
 * Lifetime: the datapath lives in bpffs, not in this process.  dp_up()
 * loads, attaches and pins everything (maps and bpf_links) under the pin
 * directory; dp_close() releases this process's handles and leaves the
 * datapath running; dp_open_pinned() adopts it again; dp_down() detaches
 * and unpins.  All functions return 0 or a negative errno, and fill
 * dp_ctx_error() with a sentence for the operator. */
#ifndef XEPC_DP_DP_H
#define XEPC_DP_DP_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp/dp_spec.h"
#include "xepc_dp.h"

#define DP_PIN_DIR_DEFAULT XEPC_PIN_ROOT_DEFAULT

/* Rate limits of what peers can make the kernel do (bpf/xepc_dp.h struct
 * xepc_rl, docs/datapath.md "events under a flood"), per second; 0 = the
 * default, XEPC_RL_UNLIMITED = none. */
struct dp_rate_limits {
    uint64_t teid_ev_per_s;        /* unknown-TEID events, in total */
    uint64_t teid_ev_peer_per_s;   /* ... per peer address */
    uint64_t echo_per_s;           /* Echo Requests answered, in total */
    uint64_t echo_peer_per_s;      /* ... per peer address */
};

struct dp_config {
    char s1u_ifname[IF_NAMESIZE];  /* S1-U (eNB side) device: xdp_s1u */
    char sgi_ifname[IF_NAMESIZE];  /* SGi device: xdp_sgi (routed mode) */
    char ue_ifname[IF_NAMESIZE];   /* device the UE pool is routed to, tc_ue
                                    * on its egress: NAT mode (default S1-U),
                                    * routed mode when given */
    uint32_t mode;                 /* enum xepc_mode */
    struct in_addr gtpu_addr;      /* local S1-U address */
    struct in6_addr gtpu_addr6;    /* local IPv6 S1-U address, :: = none
                                    * (no GTP-U over IPv6) */
    struct in_addr portal_addr;    /* redirect target, 0 = none */
    uint32_t max_sessions;         /* 0 = XEPC_DEF_MAX_SESSIONS */
    uint32_t max_rulesets;         /* 0 = XEPC_DEF_MAX_RULESETS */
    uint32_t max_meters;           /* 0 = 2 x max_sessions */
    uint32_t max_charging;         /* 0 = max_sessions */
    uint32_t idle_buffer_max;      /* packets per idle UE (dp_config_init: 16) */
    uint32_t s1u_mtu;              /* xepc_config.s1u_mtu: 0 = the device's */
    uint8_t recovery;              /* restart counter in Echo Responses
                                    * (TS 29.281 7.2.2, TS 23.007 20) */
    bool xdp_generic;              /* SKB mode instead of native (driverless) */
    struct dp_rate_limits limits;  /* zeroes: the defaults */
    char pin_dir[256];             /* "" = DP_PIN_DIR_DEFAULT */
    char bpf_dir[256];             /* "" = programs embedded in this build */
};

/* Fills cfg with defaults; returns 0. */
int dp_config_init(struct dp_config *cfg);

struct dp_ctx;

/* What is attached where, as found in the pins. */
struct dp_status {
    uint32_t mode;
    char s1u_ifname[IF_NAMESIZE];
    char sgi_ifname[IF_NAMESIZE];
    char ue_ifname[IF_NAMESIZE];
    uint32_t s1u_prog_id, sgi_prog_id, tc_prog_id;
    uint32_t s1u_link_id, sgi_link_id, tc_link_id; /* 0 = not a link */
    bool tc_clsact;                /* tc_ue attached through clsact, no link */
    struct xepc_config config;
    uint32_t max_sessions, max_rulesets, max_meters, max_charging;
    uint32_t n_sessions;
    /* UEs found by the downlink in their direct slot (xepc_ue_direct), of
     * ue_direct_slots; the other n_sessions - ue_direct_used are found
     * through the UE hash, because their slot was taken */
    uint32_t ue_direct_slots, ue_direct_used;
};

int dp_up(const struct dp_config *cfg, struct dp_ctx **out);
int dp_open_pinned(const char *pin_dir, struct dp_ctx **out);
/* Loads the programs again (from cfg bpf_dir or the embedded build) with
 * the pinned maps, and swaps every link to the new program in place. */
int dp_upgrade(struct dp_ctx *ctx, const char *bpf_dir);
/* Detaches and unpins what this library pinned under the pin directory
 * (its known pin names only), then removes the directory if nothing else
 * is in it; dp_ctx_note() then names what was left.  -ENOENT when the
 * directory does not exist. */
int dp_down(struct dp_ctx *ctx);
void dp_close(struct dp_ctx *ctx);

/* A context that failed to open still carries its error: dp_up() and
 * dp_open_pinned() return one in *out on error too; read it with this, then
 * dp_close() it. */
const char *dp_ctx_error(const struct dp_ctx *ctx);
const char *dp_ctx_pin_dir(const struct dp_ctx *ctx);
/* What an operation that succeeded wants the operator to know ("" if
 * nothing), e.g. foreign pins dp_down() left in place. */
const char *dp_ctx_note(const struct dp_ctx *ctx);
int dp_status_get(struct dp_ctx *ctx, struct dp_status *st);
/* Session adds and modifies this process saw refused for want of free
 * charging slots (xepc_charging full: raise its size, max_charging). */
uint64_t dp_charging_full(const struct dp_ctx *ctx);
const char *dp_mode_str(uint32_t mode);
/* Writes the rate limits (the kernel applies them at once), or reads them
 * with the defaults filled in. */
int dp_rate_limits_set(struct dp_ctx *ctx, const struct dp_rate_limits *l);
int dp_rate_limits_get(struct dp_ctx *ctx, struct dp_rate_limits *l);

/* ------------------------------------------------------------ sessions -- */

struct dp_session_info {
    uint32_t sid;
    struct dp_session_spec spec;
    uint8_t default_action;          /* enum xepc_action */
    uint32_t ruleset_id, ul_meter_id, dl_meter_id, charge_base;
    struct xepc_usage usage;
    struct xepc_charge charges[XEPC_MAX_CHARGE_SLOTS];
    struct xepc_uncharged uncharged[XEPC_MAX_CHARGE_SLOTS]; /* beside each
                                     * slot: what its final-unit action let
                                     * through without quota (not in its
                                     * counters); zero on a datapath pinned
                                     * before xepc_uncharged */
    uint32_t n_charges;
};

/* Installs a session (its TEID's session id must be free, its UE address
 * unused).  default_action applies to packets matching no rule. */
int dp_session_add(struct dp_ctx *ctx, const struct dp_session_spec *s, uint8_t default_action);
/* Installs many sessions in batches (the bulk path), each with its AMBR,
 * rules and quotas (full policy) as dp_session_add() with XEPC_ACT_PASS
 * would; identical rulesets are shared; rules with an MBR meter are
 * refused (-EINVAL: add those sessions one by one).  Every session id and
 * UE address is checked first (nothing is installed if one is taken);
 * a failure later leaves the chunks installed before it and frees the
 * meters and charging slots of the one that failed.  Returns the number
 * installed or a negative errno. */
int dp_session_add_bulk(struct dp_ctx *ctx, const struct dp_session_spec *s, size_t n);
/* What dp_session_modify() changes besides the tunnel (always taken from
 * s: set, or cleared for an idle UE). */
enum {
    DP_MOD_AMBR = 1 << 0,   /* UL/DL APN-AMBR meters (new, full buckets) */
    DP_MOD_POLICY = 1 << 1, /* rules, quotas and default action; the
                             * per-rating-group counters start again */
    DP_MOD_QUOTAS = 1 << 2, /* with DP_MOD_POLICY: the quotas are new ones
                             * (each must have a rule of its rating group,
                             * dp_session_quotas_check()) */
};
/* Changes the session of s->ul_teid in one map update, keeping its usage
 * counters; flushes packets buffered for it if the tunnel is now set. */
int dp_session_modify(struct dp_ctx *ctx, const struct dp_session_spec *s, uint8_t default_action,
                      unsigned what);
int dp_session_del(struct dp_ctx *ctx, uint32_t ul_teid);
int dp_session_get(struct dp_ctx *ctx, uint32_t ul_teid, struct dp_session_info *info);
int dp_session_find_by_ue(struct dp_ctx *ctx, struct in_addr ue, uint32_t *ul_teid);
/* Calls fn for every active session in session-id order; stops when fn
 * returns non-zero and returns that value. */
int dp_session_foreach(struct dp_ctx *ctx,
                       int (*fn)(const struct dp_session_info *info, void *arg), void *arg);
/* Adds `bytes` to the quota of (session, rating group) atomically and
 * clears its threshold/exhausted state (TS 32.299 re-authorisation).  The
 * sum saturates at XEPC_QUOTA_MAX: then DP_REFILL_SATURATED is returned
 * (and dp_ctx_error() says so); otherwise 0 or a negative errno. */
#define DP_REFILL_SATURATED 1
int dp_quota_refill(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t rating_group, uint64_t bytes,
                    uint8_t threshold_pct);

/* Online charging's re-grant (agwd's Gy, docs/charging.md): adds `delta`
 * bytes (may be negative: a grant smaller than what is left) to the quota
 * of (session, rating group) with an atomic compare-and-swap saturating at
 * XEPC_QUOTA_MAX, sets its threshold to `threshold` bytes left (0 = none)
 * and, when fua >= 0, its final-unit action (enum dp_fua); then clears the
 * exhausted state if bytes are left and the threshold state if more than
 * the threshold is left.  *left (may be NULL) gets the new remainder.
 * 0 or a negative errno. */
int dp_quota_adjust(struct dp_ctx *ctx, uint32_t ul_teid, uint32_t rating_group, int64_t delta,
                    uint64_t threshold, int fua, int64_t *left);

/* Sends an unsolicited Router Advertisement (RFC 4861 6.2.4) with the
 * session's IPv6 /64 into its tunnel, as TS 29.061 11.2.1.3.4 asks once a
 * bearer of an IPv6 PDN connection is up: from the events' GTP-U socket
 * when open, else from a socket of its own.  -EINVAL without a prefix,
 * -ENOTCONN without a tunnel, or the negative errno of the send. */
int dp_ra_send(struct dp_ctx *ctx, uint32_t ul_teid);

/* Whether the datapath counts what an online rating group lets through
 * without quota (its final-unit action, always-allowed rules) apart from
 * the group's usage, in xepc_uncharged (dp_session_info.uncharged); false
 * for a datapath pinned before that map, until `dp upgrade`. */
bool dp_counts_uncharged(struct dp_ctx *ctx);

/* Sets the redirect portal (xepc_config.portal_addr) of a running
 * datapath: where REDIRECT rules and final-unit actions send uplink
 * packets.  0 or a negative errno. */
int dp_portal_set(struct dp_ctx *ctx, struct in_addr portal);

/* ----------------------------------------------------- consistency -- */

/* What dp_check() found (docs/datapath.md "Crashes and concurrent
 * writers"). */
struct dp_check_report {
    uint32_t ue_orphans;            /* UE entries whose session is not active
                                     * or has another address */
    uint32_t direct_orphans;        /* such direct slots */
    uint32_t sessions_without_ue;   /* active sessions the downlink misses */
    uint32_t ue_conflicts;          /* active sessions sharing a UE address */
    uint32_t meter_leaks, ruleset_leaks, charging_leaks; /* referenced by none */
    uint32_t meter_owner;           /* meters whose recorded owner is wrong */
    uint32_t dangling;              /* sessions pointing to a free slot */
    uint32_t shared_meters;         /* meters two sessions point to */
    uint32_t bank_odd;              /* slots left with bank 1 live (a writer
                                     * killed between its updates) */
    uint32_t copy_stale;            /* sessions whose packets' copy (in
                                     * xepc_usage) differs from xepc_sessions
                                     * (a writer killed between the two) */
    uint32_t ruleset_counts;        /* rulesets whose count of users
                                     * (xepc_rs_refs) is not the sessions' */
    uint32_t repairable, unrepairable, repaired;
};

/* Called once per finding: a sentence, whether repair mends it, whether
 * it was mended now. */
typedef void (*dp_check_fn)(const char *finding, bool repairable, bool repaired, void *arg);

/* Checks the maps for what a killed writer leaves (orphan UE entries and
 * direct slots, sessions without UE entry, meters, rulesets and charging
 * slots nobody references) and for what no writer should leave (dangling
 * or shared references); with repair, mends what it can (removes orphans,
 * frees leaks, adds a missing UE entry).  Holds the writers' lock.
 * Returns 0 (see r) or a negative errno. */
int dp_check(struct dp_ctx *ctx, bool repair, struct dp_check_report *r, dp_check_fn fn,
             void *arg);

/* ------------------------------------------------------------ counters -- */

struct dp_stats {
    struct xepc_stat drops[XEPC_DROP__MAX];
    struct xepc_stat counters[XEPC_CNT__MAX];
};

int dp_stats_read(struct dp_ctx *ctx, struct dp_stats *st);
/* Zeroes every per-CPU counter. */
int dp_stats_reset(struct dp_ctx *ctx);

/* -------------------------------------------------------------- events -- */

/* One decoded event.  `buffered` packets are kept by the library (bounded:
 * DP_BUF_PER_UE per UE, DP_BUF_TOTAL in all) and re-sent when the UE's
 * session gets its tunnel; the callback sees them too. */
struct dp_event {
    uint16_t type;                  /* enum xepc_event_type */
    uint32_t session_id;
    uint64_t ts_ns;
    union {
        struct xepc_ev_ddn ddn;
        struct xepc_ev_unknown_teid unknown_teid;
        struct xepc_ev_unknown_teid6 unknown_teid6;
        struct xepc_ev_quota quota;
    } u;
    const struct xepc_ev_buffered *buffered; /* type BUFFERED only */
};

#define DP_BUF_PER_UE 64
#define DP_BUF_TOTAL 4096

typedef void (*dp_event_fn)(const struct dp_event *ev, void *arg);

struct dp_events_opts {
    bool send_error_indication;     /* answer unknown TEIDs (TS 29.281 7.3.1) */
    bool keep_buffered;             /* keep idle-UE packets and flush them */
    bool gtpu_socket;               /* open the GTP-U socket anyway (path
                                     * management) */
    bool uplink_fragments;          /* own the GTP-U socket on port 2152 of
                                     * the S1-U address: G-PDUs fragmented
                                     * on the outer IPv4 header, which the
                                     * kernel reassembles for it, are run
                                     * through xdp_s1u (dp_frag.c) */
    uint32_t teid_ev_max_age_ms;    /* unknown-TEID events older than this
                                     * when read are not answered (they
                                     * waited in the ring, e.g. before the
                                     * follower started); 0 = the default
                                     * DP_TEID_EV_MAX_AGE_MS */
};

/* An Error Indication is the answer to a G-PDU just received (TS 29.281
 * 7.3.1); one sent seconds later reaches a peer that may have set the TEID
 * up meanwhile, or is only noise. */
#define DP_TEID_EV_MAX_AGE_MS 2000

/* Opens the ring buffers; returns an fd to poll (epoll), or < 0. */
int dp_events_open(struct dp_ctx *ctx, const struct dp_events_opts *opts, dp_event_fn fn,
                   void *arg);
/* Consumes what is ready (waits up to timeout_ms), sends Error Indications,
 * flushes buffered packets of sessions that got a tunnel.  Returns the
 * number of events or a negative errno. */
int dp_events_poll(struct dp_ctx *ctx, int timeout_ms);
/* Sends the packets kept for the session of ul_teid if it has a tunnel;
 * returns how many were sent. */
int dp_buffer_flush(struct dp_ctx *ctx, uint32_t ul_teid);
size_t dp_buffer_count(const struct dp_ctx *ctx);
/* Sends a GTP-U End Marker (TS 29.281 7.3.2) with `teid` to `peer`'s port
 * 2152 from the GTP-U socket: after a handover moved a session's downlink
 * tunnel, the old eNB learns that nothing more comes on the old path (TS
 * 23.401 5.5.1.1.2, 5.5.1.2.2).  0, -ENOTCONN without the socket (events
 * not opened), or the negative errno of sendto(). */
int dp_end_marker_send(struct dp_ctx *ctx, struct in_addr peer, uint32_t teid);
/* The same to an eNB on IPv6 (docs/datapath.md "IPv6 on S1-U"). */
int dp_end_marker_send6(struct dp_ctx *ctx, const struct in6_addr *peer, uint32_t teid);

/* The gateway's IPv6 S1-U address (xepc_s1u6[0]): GTP-U over IPv6 is
 * taken for it and sent from it; NULL or :: removes it.  -EINVAL for an
 * address that cannot be one (dp_s1u6_addr_check()).  _get: 1 and *addr,
 * or 0 without one. */
int dp_gtpu_addr6_set(struct dp_ctx *ctx, const struct in6_addr *addr);
int dp_gtpu_addr6_get(struct dp_ctx *ctx, struct in6_addr *addr);


/* What this process's event consumer did, since dp_events_open(). */
struct dp_event_stats {
    uint64_t buf_held;          /* idle-UE packets kept now */
    uint64_t buf_sent;          /* sent into their session's tunnel */
    uint64_t buf_dropped_full;  /* over DP_BUF_PER_UE / DP_BUF_TOTAL, or no memory */
    uint64_t buf_dropped_gone;  /* their session was deleted */
    uint64_t buf_dropped_stale; /* their session id now holds another session
                                 * (another TEID, cookie or UE address) */
    uint64_t buf_send_failed;   /* sendmsg() failed */
    uint64_t ev_dropped_stale;  /* downlink-data and quota events about a
                                 * session that was deleted or replaced */
    uint64_t teid_ev_aged;      /* unknown-TEID events older than
                                 * teid_ev_max_age_ms when read: not answered,
                                 * not handed on */
    uint64_t frag_reassembled;  /* uplink G-PDUs the kernel reassembled from
                                 * outer fragments, run through xdp_s1u */
    uint64_t frag_ignored;      /* datagrams on port 2152 that were not a
                                 * reassembled G-PDU (or too large) */
    uint64_t frag_failed;       /* BPF_PROG_TEST_RUN refused the frame */
    uint64_t oversize_sent;     /* downlink packets over s1u_mtu sent as outer
                                 * fragments */
    uint64_t oversize_dropped;  /* ... not sent: session gone or replaced, no
                                 * tunnel, or the send failed */
    uint64_t to_stack_sent;     /* downlink packets whose eNB had no neighbour
                                 * entry (or over the route MTU), sent as
                                 * G-PDUs through the kernel */
    uint64_t to_stack_dropped;  /* ... not sent (no GTP-U socket: events
                                 * opened without one; session gone) */
    uint64_t path_rx_ignored;   /* datagrams on the GTP-U socket that were not
                                 * an Echo Response from a peer's port 2152
                                 * (path management) */
};
int dp_event_stats_get(const struct dp_ctx *ctx, struct dp_event_stats *st);

const char *dp_event_type_str(uint16_t type);

/* ------------------------------------------------------- path management -- */

/* GTP-U path management (TS 29.281 7.2, TS 23.007 20): once started,
 * dp_events_poll() sends an Echo Request to every eNB with a tunnel each
 * interval and reports when a path comes up, goes down (max_missed requests
 * in a row unanswered) or the peer restarted (its Recovery counter
 * changed: its tunnels are gone). */
enum dp_path_state { DP_PATH_UNKNOWN = 0, DP_PATH_UP = 1, DP_PATH_DOWN = 2, DP_PATH_RESTART = 3 };

struct dp_path_opts {
    int interval_ms;                /* between Echo Requests to one peer */
    int max_missed;                 /* unanswered in a row -> down */
};

struct dp_path_event {
    int type;                       /* DP_PATH_UP, DP_PATH_DOWN, DP_PATH_RESTART */
    struct in_addr peer;            /* the eNB's IPv4 S1-U address, or */
    bool peer_is6;                  /* an eNB reached over IPv6 (XEPC_SF_ENB6): */
    struct in6_addr peer6;          /* its IPv6 S1-U address */
    unsigned missed;
    int old_recovery, recovery;     /* restart counters, -1 = unknown */
};

typedef void (*dp_path_fn)(const struct dp_path_event *ev, void *arg);

/* Needs dp_events_open() with send_error_indication, keep_buffered or
 * gtpu_socket (the socket the requests leave from). */
int dp_path_start(struct dp_ctx *ctx, const struct dp_path_opts *opts, dp_path_fn fn, void *arg);
const char *dp_path_event_str(int ev);
/* The peer's address of ev as text (IPv4 or IPv6) in buf. */
const char *dp_path_peer_str(const struct dp_path_event *ev, char *buf, size_t cap);

#endif
