/* Internals shared by the dp library's files; not for other modules. */
#ifndef XEPC_DP_INT_H
#define XEPC_DP_INT_H

#include <linux/bpf.h>

#include "dp/dp.h"

enum dp_map {
    DP_MAP_CONFIG,
    DP_MAP_SESSIONS,
    DP_MAP_UE,
    DP_MAP_UE_DIRECT,
    DP_MAP_USAGE,
    DP_MAP_RULESETS,
    DP_MAP_METERS,
    DP_MAP_CHARGING,
    DP_MAP_STATS,
    DP_MAP_EVENTS,
    DP_MAP_PKTBUF,
    DP_MAP__MAX,
};

#define DP_STATE_MAP "xepc_dp_state"
#define DP_STATE_MAGIC 0x78657063u /* "xepc" */

/* Value of the library's own state map (one entry). */
struct dp_state {
    uint32_t magic;
    uint32_t mode;
    uint32_t s1u_ifindex;
    uint32_t sgi_ifindex;           /* 0 in NAT mode */
    uint32_t ue_ifindex;            /* NAT mode: tc_ue egress device */
    uint32_t tc_clsact;             /* 1: tc_ue on clsact, no link */
    uint32_t xdp_flags;
    uint32_t pad;
};
#define DP_STATE_SIZE ((uint32_t)sizeof(struct dp_state))

/* What a map pin must be (dp_pin.c). */
struct dp_pin_spec {
    const char *name;
    uint32_t type;                  /* enum bpf_map_type */
    uint32_t key_size, value_size;
    uint32_t max_entries;           /* 0 = set from configuration */
    uint32_t flags;                 /* map_flags that must be set */
    const char *btf_value;          /* BTF name of the value type; NULL: none */
};

struct ring_buffer;
struct bpf_object;
struct dp_bufq;
struct dp_path;
struct dp_frag;

struct dp_ctx {
    char pin_dir[256];
    char err[512];
    char note[512];                 /* what an operation that succeeded left */
    int map_fd[DP_MAP__MAX];
    uint32_t max_entries[DP_MAP__MAX];
    uint32_t max_sessions;          /* session ids are 1 .. max_sessions - 1 */
    uint32_t session_bank;          /* xepc_config.session_bank: 0 = one bank */
    struct xepc_charge *charging;   /* mmap of xepc_charging */
    size_t charging_len;
    struct bpf_object *own_obj;     /* dp_own_btf(): the embedded xdp_s1u,
                                     * opened (not loaded) for its BTF */
    struct xepc_usage *usage;       /* mmap of xepc_usage */
    size_t usage_len;
    struct xepc_ue_direct *ue_direct; /* mmap of xepc_ue_direct */
    size_t ue_direct_len;
    int ncpus;
    /* events */
    struct ring_buffer *rb;
    dp_event_fn ev_fn;
    void *ev_arg;
    struct dp_events_opts ev_opts;
    int ev_count;
    int udp_fd;                     /* GTP-U socket for Error Indication/flush */
    uint16_t gtpu_seq;
    struct dp_bufq *bufq;
    struct dp_event_stats ev_stats;
    /* maps added after the first pinned layouts: -1 when a datapath
     * pinned before them is adopted (dp_upgrade() pins them) */
    int teid_ev_fd;                 /* xepc_teid_ev: unknown-TEID events */
    int rl_fd;                      /* xepc_rl: rate limits */
    int ue6_fd;                     /* xepc_ue6: IPv6 /64 -> sid */
    int sess6_fd;                   /* xepc_sess6: a session's IPv6 prefix */
    int s1u6_fd;                    /* xepc_s1u6: IPv6 S1-U addresses */
    int udp6_fd;                    /* GTP-U over IPv6 (dp_s1u6.c), -1 when
                                     * the datapath has no IPv6 S1-U address */
    struct dp_path *path;           /* GTP-U path management, if started */
    struct dp_frag *frag;           /* reassembled uplink G-PDUs (dp_frag.c) */
    int raw_fd;                     /* raw IPv4, outer fragments (dp_frag.c) */
    uint16_t ip_id;                 /* their IPv4 identification */
    int ev_epfd;                    /* what dp_events_open() returns: the
                                     * rings' epoll fd and the frag socket */
    int lock_fd;                    /* the pin directory, flock()ed by writers */
    int events_lock_fd;             /* held while this process follows the events */
    uint32_t meter_hint;            /* next-fit cursor of the meter allocator */
    uint64_t meter_reads;           /* meter entries it read (test_dp_meters) */
    uint32_t charge_hint;           /* next-fit cursor of the charging slots */
    uint64_t charge_reads;          /* slots it read (test_dp_meters) */
    uint64_t charging_full;         /* allocations refused: no free slots */
    struct dp_rs_index *rs_index;   /* what is in xepc_rulesets (dp_ruleset.c) */
    int rs_refs_fd;                 /* xepc_rs_refs, -1: a datapath pinned
                                     * before it (the sessions are scanned) */
    uint32_t *rs_refs;              /* its mmap */
    size_t rs_refs_len;
    uint32_t rs_refs_epoch;         /* lock_epoch when last looked for */
    int unch_fd;                    /* xepc_uncharged, -1: a datapath pinned
                                     * before it (what a final-unit action
                                     * lets through is then in the slot's
                                     * counters, as its programs count it) */
    struct xepc_uncharged *unch;    /* its mmap, beside ctx->charging */
    size_t unch_len;
    uint32_t unch_epoch;            /* lock_epoch when last looked for */
    uint32_t lock_epoch;            /* outermost dp_lock()s taken */
    uint64_t ruleset_reads;         /* rulesets it read (test_dp_rulesets) */
    uint64_t ruleset_ref_reads;     /* "still used?" answered by the count */
    uint64_t ruleset_ref_scans;     /* ... by a scan of the sessions */
    int lock_depth;
};

extern const char *const dp_map_names[DP_MAP__MAX];

int dp_set_error(struct dp_ctx *ctx, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opens the pinned maps of ctx->pin_dir into ctx (used by adopt and up). */
int dp_maps_open(struct dp_ctx *ctx);
int dp_config_read(struct dp_ctx *ctx, struct xepc_config *cfg);
/* Slots of xepc_ue_direct for a datapath of max_sessions: a power of 2,
 * twice max_sessions rounded up, so that two pools of that size fit. */
uint32_t dp_ue_direct_slots(uint32_t max_sessions);
/* Puts a UE in its direct slot when the slot is free or holds the same
 * address (an orphan; the UE must be in xepc_ue already), or takes it out
 * of its slot when the slot holds (ue_addr, sid). */
void dp_ue_direct_claim(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t sid);
void dp_ue_direct_release(struct dp_ctx *ctx, uint32_t ue_addr, uint32_t sid);
/* dp_pin.c: trust in the pin directory and its pins. */
extern const struct dp_pin_spec dp_pin_maps[];
extern const size_t dp_pin_n_maps;
extern const char *const dp_pin_others[];
extern const size_t dp_pin_n_others;
const struct dp_pin_spec *dp_pin_spec_of(const char *name);
/* A name this library pins (maps, state map, links). */
bool dp_pin_is_ours(const char *name);
/* The pin directory and its parents on the bpffs: see dp_pin.c. */
int dp_pin_dir_check(struct dp_ctx *ctx);
/* The parents alone (before the directory is created). */
int dp_pin_parents_check(struct dp_ctx *ctx);
/* A pin: no symlink, owner, mode; -ENOENT (without a message) if absent. */
int dp_pin_stat(struct dp_ctx *ctx, const char *name);
int dp_pin_map_verify(struct dp_ctx *ctx, int fd, const struct dp_pin_spec *p,
                      uint32_t *max_entries);
/* dp_btf.c: 0 when type got_id of got has the layout of this build's type
 * `name` in want (members' names, bit offsets and sizes, nested structs and
 * arrays); -EPROTO with the first difference in why, -ENOENT when want has
 * no such type. */
struct btf;
int dp_btf_layout_cmp(const struct btf *want, const char *name, const struct btf *got,
                      uint32_t got_id, char *why, size_t len);
/* dp_load.c: the BTF of the programs embedded in this build (opened once
 * per context), or NULL with errno set. */
const struct btf *dp_own_btf(struct dp_ctx *ctx);
/* Opens and verifies a map pin; returns its fd or a negative errno. */
int dp_pin_map_open(struct dp_ctx *ctx, const char *name, uint32_t *max_entries);
/* A map added after the first layout, mmapped when pinned: 0 with *fd_out,
 * *mem, *len_out set, or 0 leaving them alone when it is not pinned (a
 * datapath pinned before it: `dp upgrade` adds it); a negative errno when
 * it has not `want` entries like the map `like` or cannot be mapped. */
int dp_pin_map_mmap_opt(struct dp_ctx *ctx, const char *name, const char *like, uint32_t want,
                        size_t elem, int *fd_out, void **mem, size_t *len_out);
/* Opens a link pin whose program must be named prog (NULL: any); returns
 * its fd, -ENOENT (no message) if absent, or a negative errno. */
int dp_pin_link_open(struct dp_ctx *ctx, const char *name, const char *prog,
                     struct bpf_link_info *info);
/* The live copy of session sid (xepc_dp.h: two banks and gen); returns 0
 * or a negative errno (no message). */
int dp_session_read(struct dp_ctx *ctx, uint32_t sid, struct xepc_session *s);
/* Writes session sid so that no reader sees half of it: the other bank,
 * then gen + 1 (one bank: in place), in xepc_sessions and then in the
 * packets' copy (dp_session_mirror()).  Caller holds the writers' lock. */
int dp_session_write(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *s);
/* Writes only the packets' copy of session sid: the two banks in its
 * xepc_usage value, through the mmapped map (xepc_dp.h, struct
 * xepc_usage).  Caller holds the writers' lock. */
void dp_session_mirror(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *s);
/* The packets' copy of session sid, whole (gen = its sess.gen). */
int dp_session_mirror_read(struct dp_ctx *ctx, uint32_t sid, struct xepc_session *s);
/* Calls fn(sid, live copy) for every session id, in order. */
int dp_sessions_scan(struct dp_ctx *ctx,
                     int (*fn)(uint32_t sid, const void *val, void *arg), void *arg);
/* Walks an array map in chunks (batched lookups); calls fn(idx, value)
 * until it returns non-zero.  Returns fn's value, 0 at the end, or a
 * negative errno. */
int dp_array_scan(struct dp_ctx *ctx, enum dp_map m, size_t vsize,
                  int (*fn)(uint32_t idx, const void *val, void *arg), void *arg);
/* dp_ruleset.c: an identical ruleset to share (*same, when share) or
 * else a free id (*free_id; 0 when the table is full), with few reads of
 * the table; the writers keep the index in step: written after a ruleset
 * is written, cleared after it is emptied.  0 or a negative errno. */
int dp_ruleset_find(struct dp_ctx *ctx, const struct xepc_ruleset *want, bool share,
                    uint32_t *same, uint32_t *free_id);
void dp_ruleset_written(struct dp_ctx *ctx, uint32_t id, const struct xepc_ruleset *rs);
void dp_ruleset_cleared(struct dp_ctx *ctx, uint32_t id);
void dp_ruleset_index_free(struct dp_ctx *ctx);
/* The sessions' references to rulesets (xepc_rs_refs, xepc_dp.h).
 * refs_open maps the pinned counts if there are (again: a datapath
 * upgraded meanwhile gets them); refs_ready returns true when they can be
 * used, counting them from the sessions first if nobody has (writers'
 * lock held); refs_add adds delta to id's count; ruleset_unused says
 * whether no active session points to id (the count, or a scan of the
 * sessions without counts). */
int dp_ruleset_refs_open(struct dp_ctx *ctx);
/* xepc_uncharged (dp_session.c), when pinned: 0 also without it. */
int dp_uncharged_open(struct dp_ctx *ctx);
void dp_ruleset_refs_close(struct dp_ctx *ctx);
bool dp_ruleset_refs_ready(struct dp_ctx *ctx);
void dp_ruleset_refs_add(struct dp_ctx *ctx, uint32_t id, int32_t delta);
bool dp_ruleset_unused(struct dp_ctx *ctx, uint32_t id, uint32_t except_sid);
/* Sets every count to what counts[] says (dp check --repair) and marks
 * them exact. */
void dp_ruleset_refs_set(struct dp_ctx *ctx, const uint32_t *counts);

/* The writers' lock (flock on the pin directory); nests. */
int dp_lock(struct dp_ctx *ctx);
void dp_unlock(struct dp_ctx *ctx);

/* dp_session6.c: the IPv6 /64 of session sid (xepc_sess6 + xepc_ue6).
 * Link refuses a prefix another active session owns; unlink removes the
 * entries of sid only; get returns 1 with the prefix when sid has one
 * written under cookie, else 0. */
int dp_ue6_link(struct dp_ctx *ctx, const uint8_t prefix[8], uint32_t sid, uint32_t cookie);
void dp_ue6_unlink(struct dp_ctx *ctx, uint32_t sid);
int dp_ue6_get(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, uint8_t prefix[8]);
/* The active session whose /64 prefix is (its xepc_ue6 entry), or 0. */
uint32_t dp_ue6_owner(struct dp_ctx *ctx, const uint8_t prefix[8]);
/* xepc_sess6[sid] alone, without the xepc_ue6 entry: what a dedicated
 * bearer of an IPv6 PDN connection has (the /64 is its default bearer's,
 * whose session the downlink finds): the source check of its IPv6 uplink,
 * and what tells an IPv6-only UE's bearers from another's. */
int dp_sess6_write(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, const uint8_t prefix[8]);
/* The IPv6 side of dp_session_add_bulk(): check refuses a /64 that appears
 * twice in s[0..n) or that an active session owns (an eNB on IPv6 needs
 * xepc_s1u6); link writes the /64s (xepc_sess6, then xepc_ue6) and the
 * eNBs' IPv6 addresses (xepc_s1u6) of a chunk, sids[i] and cookies[i]
 * being s[i]'s, with batched updates before the chunk is published;
 * unlink takes them out again (a chunk that was not published). */
int dp_bulk6_check(struct dp_ctx *ctx, const struct dp_session_spec *s, size_t n);
int dp_bulk6_link(struct dp_ctx *ctx, const struct dp_session_spec *s, const uint32_t *sids,
                  const uint32_t *cookies, uint32_t cnt);
void dp_bulk6_unlink(struct dp_ctx *ctx, const struct dp_session_spec *s, const uint32_t *sids,
                     uint32_t cnt);

/* dp_s1u6.c: GTP-U over IPv6 (xepc_s1u6).  The eNB's IPv6 address of
 * session sid (with its cookie): written before the session is published,
 * cleared after it is gone; dp_enb6_get() returns 1 when there is one. */
int dp_enb6_link(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, const struct in6_addr *enb);
void dp_enb6_unlink(struct dp_ctx *ctx, uint32_t sid);
int dp_enb6_get(struct dp_ctx *ctx, uint32_t sid, uint32_t cookie, struct in6_addr *enb);
/* The follower's IPv6 GTP-U socket, when the datapath has an IPv6 S1-U
 * address (0 without one). */
int dp_udp6_open(struct dp_ctx *ctx);
/* A G-PDU with tpdu into the tunnel of session sid (s: its entry), over
 * IPv4 or IPv6 as its eNB is; 0 or a negative errno. */
int dp_tunnel_send(struct dp_ctx *ctx, uint32_t sid, const struct xepc_session *s,
                   const uint8_t *tpdu, uint32_t len);
void dp_send_error_indication6(struct dp_ctx *ctx, const struct xepc_ev_unknown_teid6 *ev);

void dp_bufq_free(struct dp_bufq *q);
void dp_path_free(struct dp_path *p);
int dp_path_poll(struct dp_ctx *ctx);
uint64_t dp_path_rx_ignored(const struct dp_path *p);
/* dp_offload.c: 0, or -EOPNOTSUPP with a message naming the receive
 * offloads on ifname (SGi in NAT mode) that tc_ue cannot work with and the
 * ethtool command that turns them off. */
int dp_offload_check_nat(struct dp_ctx *ctx, const char *ifname);
/* dp_frag.c: the GTP-U socket on port 2152 of local that takes the G-PDUs
 * the kernel reassembled and runs them through xdp_s1u. */
int dp_frag_open(struct dp_ctx *ctx, struct in_addr local);
int dp_frag_fd(const struct dp_ctx *ctx);
/* Runs what is waiting on the socket; returns how many were run. */
int dp_frag_poll(struct dp_ctx *ctx);
void dp_frag_free(struct dp_frag *f);
/* Sends a downlink packet that is over xepc_config.s1u_mtu once
 * encapsulated as outer fragments into the tunnel of s; 0 or -errno. */
int dp_oversize_send(struct dp_ctx *ctx, const struct xepc_ev_buffered *b,
                     const struct xepc_session *s);

#endif
