/* Loading, attaching, adopting, upgrading and removing the datapath.
 *
 * Every program is attached through a bpf_link pinned next to the maps:
 * XDP links on S1-U and SGi, a TCX egress link (Linux >= 6.6) for tc_ue.
 * libbpf 1.1 has no TCX API, so the link is made with bpf_link_create() and
 * the attach type's number; on kernels without TCX, tc_ue goes on a clsact
 * qdisc instead (which survives the process as well, but is replaced with
 * BPF_TC_F_REPLACE rather than a link update).
 *
 * Besides the maps of bpf/xepc_dp.h the pin directory holds one map of this
 * library, "xepc_dp_state", that records the mode and the devices, so that a
 * later process can report, upgrade and remove what an earlier one set up.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "dp/dp_int.h"
#include "tc_ue.skel.h"
#include "xdp_s1u.skel.h"
#include "xdp_sgi.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* enum bpf_attach_type values newer than the installed UAPI headers. */
#define DP_BPF_TCX_EGRESS 47

const char *const dp_map_names[DP_MAP__MAX] = {
    [DP_MAP_CONFIG] = XEPC_MAP_CONFIG,
    [DP_MAP_SESSIONS] = XEPC_MAP_SESSIONS,
    [DP_MAP_UE] = XEPC_MAP_UE,
    [DP_MAP_UE_DIRECT] = XEPC_MAP_UE_DIRECT,
    [DP_MAP_USAGE] = XEPC_MAP_USAGE,
    [DP_MAP_RULESETS] = XEPC_MAP_RULESETS,
    [DP_MAP_METERS] = XEPC_MAP_METERS,
    [DP_MAP_CHARGING] = XEPC_MAP_CHARGING,
    [DP_MAP_STATS] = XEPC_MAP_STATS,
    [DP_MAP_EVENTS] = XEPC_MAP_EVENTS,
    [DP_MAP_PKTBUF] = XEPC_MAP_PKTBUF,
};

enum dp_prog { DP_PROG_S1U, DP_PROG_SGI, DP_PROG_TC, DP_PROG__MAX };

struct dp_prog_desc {
    const char *object;             /* build/bpf/<object>.bpf.o */
    const char *prog;               /* program (function) name */
    const char *link;               /* pin name of its link */
    const void *(*elf_bytes)(size_t *sz);
};

static const struct dp_prog_desc progs[DP_PROG__MAX] = {
    [DP_PROG_S1U] = {"xdp_s1u", XEPC_PROG_XDP_S1U, XEPC_LINK_XDP_S1U, xdp_s1u__elf_bytes},
    [DP_PROG_SGI] = {"xdp_sgi", XEPC_PROG_XDP_SGI, XEPC_LINK_XDP_SGI, xdp_sgi__elf_bytes},
    [DP_PROG_TC] = {"tc_ue", XEPC_PROG_TC_UE, XEPC_LINK_TC_UE, tc_ue__elf_bytes},
};

int dp_set_error(struct dp_ctx *ctx, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
    va_end(ap);
    return rc;
}

const char *dp_ctx_error(const struct dp_ctx *ctx)
{
    return ctx ? ctx->err : "out of memory";
}

const char *dp_ctx_pin_dir(const struct dp_ctx *ctx)
{
    return ctx->pin_dir;
}

const char *dp_mode_str(uint32_t mode)
{
    return mode == XEPC_MODE_NAT ? "nat" : mode == XEPC_MODE_ROUTED ? "routed" : "?";
}

int dp_config_init(struct dp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = XEPC_MODE_ROUTED;
    cfg->max_sessions = XEPC_DEF_MAX_SESSIONS;
    cfg->max_rulesets = XEPC_DEF_MAX_RULESETS;
    cfg->idle_buffer_max = 16;
    snprintf(cfg->pin_dir, sizeof(cfg->pin_dir), "%s", DP_PIN_DIR_DEFAULT);
    return 0;
}

static struct dp_ctx *ctx_new(const char *pin_dir)
{
    struct dp_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    for (int i = 0; i < DP_MAP__MAX; i++)
        ctx->map_fd[i] = -1;
    ctx->udp_fd = -1;
    ctx->lock_fd = -1;
    ctx->events_lock_fd = -1;
    ctx->ev_epfd = -1;
    ctx->raw_fd = -1;
    ctx->teid_ev_fd = ctx->rl_fd = -1;
    ctx->ue6_fd = ctx->sess6_fd = ctx->s1u6_fd = ctx->udp6_fd = -1;
    ctx->rs_refs_fd = -1;
    ctx->unch_fd = -1;
    snprintf(ctx->pin_dir, sizeof(ctx->pin_dir), "%s",
             pin_dir && *pin_dir ? pin_dir : DP_PIN_DIR_DEFAULT);
    ctx->ncpus = libbpf_num_possible_cpus();
    return ctx;
}

static void pin_path(const struct dp_ctx *ctx, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", ctx->pin_dir, name);
}

/* Maps that userspace must update field by field while the kernel adds to
 * other fields of the same entry (quotas, usage) are BPF_F_MMAPABLE and
 * written through a shared mapping with atomic operations. */
static int map_mmap(struct dp_ctx *ctx, int map, size_t elem, void **out, size_t *out_len)
{
    size_t len = (size_t)ctx->max_entries[map] * elem;
    long page = sysconf(_SC_PAGESIZE);
    len = (len + (size_t)page - 1) / (size_t)page * (size_t)page;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->map_fd[map], 0);
    if (m == MAP_FAILED)
        return dp_set_error(ctx, -errno, "cannot mmap %s (BPF_F_MMAPABLE expected): %s",
                            dp_map_names[map], strerror(errno));
    *out = m;
    *out_len = len;
    return 0;
}


int dp_maps_open(struct dp_ctx *ctx)
{
    for (int i = 0; i < DP_MAP__MAX; i++) {
        int fd = dp_pin_map_open(ctx, dp_map_names[i], &ctx->max_entries[i]);
        if (fd < 0)
            return fd;
        ctx->map_fd[i] = fd;
    }
    /* The maps only the programs open (libbpf reuses them on upgrade). */
    static const char *const others[] = {XEPC_MAP_ERR_RL, XEPC_MAP_ROUTES};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        int fd = dp_pin_map_open(ctx, others[i], NULL);
        if (fd < 0)
            return fd;
        close(fd);
    }
    /* Maps added later: optional, so that a datapath pinned before them
     * can still be adopted and upgraded (the upgrade's load pins them). */
    const char *const later[] = {XEPC_MAP_TEID_EV, XEPC_MAP_RL, XEPC_MAP_PEER_RL,
                                 XEPC_MAP_UE6, XEPC_MAP_SESS6, XEPC_MAP_S1U6};
    int *later_fd[] = {&ctx->teid_ev_fd, &ctx->rl_fd, NULL, &ctx->ue6_fd, &ctx->sess6_fd,
                       &ctx->s1u6_fd};
    uint32_t later_max[sizeof(later) / sizeof(later[0])] = {0};
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
        if (dp_pin_stat(ctx, later[i]) == -ENOENT)
            continue;
        int fd = dp_pin_map_open(ctx, later[i], &later_max[i]);
        if (fd < 0)
            return fd;
        if (later_fd[i]) {
            if (*later_fd[i] >= 0)
                close(*later_fd[i]);
            *later_fd[i] = fd;
        } else {
            close(fd);
        }
    }
    /* Sizes that must agree with each other (dp_up() sets them so). */
    struct xepc_config xc;
    uint32_t k0 = 0;
    if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_CONFIG], &k0, &xc))
        return dp_set_error(ctx, -errno, "cannot read %s: %s", XEPC_MAP_CONFIG, strerror(errno));
    uint32_t n = xc.session_bank ? xc.session_bank : ctx->max_entries[DP_MAP_SESSIONS];
    if (xc.session_bank && ctx->max_entries[DP_MAP_SESSIONS] != 2 * (uint64_t)xc.session_bank)
        return dp_set_error(ctx, -EPROTO, "%s has %u entries, not two banks of %u: refused",
                            XEPC_MAP_SESSIONS, ctx->max_entries[DP_MAP_SESSIONS],
                            xc.session_bank);
    ctx->max_sessions = n;
    ctx->session_bank = xc.session_bank;
    /* the IPv6 maps are sized like the sessions (prog_load()) */
    for (size_t i = 3; i < sizeof(later) / sizeof(later[0]); i++)
        if (later_max[i] && later_max[i] != n)
            return dp_set_error(ctx, -EPROTO, "%s has %u entries, not %u like the sessions: "
                                "refused", later[i], later_max[i], n);
    if (ctx->max_entries[DP_MAP_UE] != n || ctx->max_entries[DP_MAP_USAGE] != n ||
        ctx->max_entries[DP_MAP_UE_DIRECT] != dp_ue_direct_slots(n))
        return dp_set_error(ctx, -EPROTO, "the maps under %s disagree in size (%s %u, %s %u, "
                            "%s %u, %s %u): refused", ctx->pin_dir, "sessions", n,
                            XEPC_MAP_UE, ctx->max_entries[DP_MAP_UE], XEPC_MAP_USAGE,
                            ctx->max_entries[DP_MAP_USAGE], XEPC_MAP_UE_DIRECT,
                            ctx->max_entries[DP_MAP_UE_DIRECT]);
    int rc = map_mmap(ctx, DP_MAP_CHARGING, sizeof(struct xepc_charge),
                      (void **)&ctx->charging, &ctx->charging_len);
    if (rc)
        return rc;
    /* the rulesets' counts (optional too: a datapath pinned before them
     * is scanned instead) */
    rc = dp_ruleset_refs_open(ctx);
    if (rc)
        return rc;
    /* what final-unit actions let through (optional too: a datapath
     * pinned before it counts that in the slots) */
    rc = dp_uncharged_open(ctx);
    if (rc)
        return rc;
    rc = map_mmap(ctx, DP_MAP_UE_DIRECT, sizeof(struct xepc_ue_direct),
                  (void **)&ctx->ue_direct, &ctx->ue_direct_len);
    if (rc)
        return rc;
    return map_mmap(ctx, DP_MAP_USAGE, sizeof(struct xepc_usage), (void **)&ctx->usage,
                    &ctx->usage_len);
}

uint32_t dp_ue_direct_slots(uint32_t max_sessions)
{
    uint32_t n = 2;
    while (n < 2 * (uint64_t)max_sessions)
        n <<= 1;
    return n;
}

int dp_config_read(struct dp_ctx *ctx, struct xepc_config *cfg)
{
    uint32_t k = 0;
    if (bpf_map_lookup_elem(ctx->map_fd[DP_MAP_CONFIG], &k, cfg))
        return dp_set_error(ctx, -errno, "cannot read %s: %s", XEPC_MAP_CONFIG, strerror(errno));
    return 0;
}

int dp_portal_set(struct dp_ctx *ctx, struct in_addr portal)
{
    struct xepc_config cfg;
    uint32_t k = 0;
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = dp_config_read(ctx, &cfg);
    if (!rc) {
        cfg.portal_addr = portal.s_addr;
        if (bpf_map_update_elem(ctx->map_fd[DP_MAP_CONFIG], &k, &cfg, BPF_EXIST))
            rc = dp_set_error(ctx, -errno, "cannot write %s: %s", XEPC_MAP_CONFIG,
                              strerror(errno));
    }
    dp_unlock(ctx);
    return rc;
}

static int state_read(struct dp_ctx *ctx, struct dp_state *st)
{
    char path[512];
    uint32_t k = 0;
    int rc = dp_pin_dir_check(ctx);
    if (rc)
        return rc;
    pin_path(ctx, DP_STATE_MAP, path, sizeof(path));
    rc = dp_pin_stat(ctx, DP_STATE_MAP);
    if (rc == -ENOENT)
        return dp_set_error(ctx, rc, "no datapath is pinned under %s (no %s); bring it up "
                            "with 'xepcctl dp up'", ctx->pin_dir, DP_STATE_MAP);
    if (rc)
        return rc;
    int fd = dp_pin_map_open(ctx, DP_STATE_MAP, NULL);
    if (fd < 0)
        return fd;
    rc = bpf_map_lookup_elem(fd, &k, st) ? -errno : 0;
    close(fd);
    if (rc || st->magic != DP_STATE_MAGIC)
        return dp_set_error(ctx, rc ? rc : -EPROTO, "%s is not an xepc datapath state map",
                            path);
    return 0;
}

static int state_write(struct dp_ctx *ctx, const struct dp_state *st)
{
    char path[512];
    uint32_t k = 0;
    LIBBPF_OPTS(bpf_map_create_opts, o);
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, DP_STATE_MAP, sizeof(k), sizeof(*st), 1, &o);
    if (fd < 0)
        return dp_set_error(ctx, -errno, "cannot create the state map: %s", strerror(errno));
    int rc = bpf_map_update_elem(fd, &k, st, 0) ? -errno : 0;
    pin_path(ctx, DP_STATE_MAP, path, sizeof(path));
    if (!rc && bpf_obj_pin(fd, path))
        rc = -errno;
    close(fd);
    if (rc)
        return dp_set_error(ctx, rc, "cannot pin %s: %s", path, strerror(-rc));
    return 0;
}

/* The pin directory must be on a bpffs; create it if its parent is one. */
static int pin_dir_prepare(struct dp_ctx *ctx)
{
    char parent[256];
    struct statfs fs;
    snprintf(parent, sizeof(parent), "%s", ctx->pin_dir);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent)
        return dp_set_error(ctx, -EINVAL, "pin directory '%s' must be an absolute path below "
                            "a bpffs mount", ctx->pin_dir);
    *slash = 0;
    if (statfs(parent, &fs) || fs.f_type != BPF_FS_MAGIC)
        return dp_set_error(ctx, -ENOTDIR, "%s is not a bpffs; mount one with "
                            "'mount -t bpf -o mode=0700 bpf %s' or choose --pin-dir", parent,
                            parent);
    int rc = dp_pin_parents_check(ctx);
    if (rc)
        return rc;
    if (mkdir(ctx->pin_dir, 0700) && errno != EEXIST)
        return dp_set_error(ctx, -errno, "cannot create %s: %s%s", ctx->pin_dir,
                            strerror(errno), errno == EACCES || errno == EPERM ?
                            " (run this as root)" : "");
    /* Created now or found: it must be ours either way. */
    return dp_pin_dir_check(ctx);
}

/* Opens one program object, sizes its maps, loads it (pinned maps of the
 * same name under the pin directory are reused by libbpf). */
static int prog_load(struct dp_ctx *ctx, enum dp_prog which, const char *bpf_dir,
                     const uint32_t max[DP_MAP__MAX], struct bpf_object **out, int *prog_fd)
{
    const struct dp_prog_desc *d = &progs[which];
    LIBBPF_OPTS(bpf_object_open_opts, o, .pin_root_path = ctx->pin_dir);
    struct bpf_object *obj;
    char path[512];

    if (bpf_dir && *bpf_dir) {
        snprintf(path, sizeof(path), "%s/%s.bpf.o", bpf_dir, d->object);
        obj = bpf_object__open_file(path, &o);
    } else {
        size_t sz;
        const void *bytes = d->elf_bytes(&sz);
        snprintf(path, sizeof(path), "%s (built in)", d->object);
        o.object_name = d->object;
        obj = bpf_object__open_mem(bytes, sz, &o);
    }
    if (!obj)
        return dp_set_error(ctx, -errno, "cannot open BPF object %s: %s", path, strerror(errno));

    struct bpf_map *map;
    bpf_object__for_each_map(map, obj) {
        for (int i = 0; i < DP_MAP__MAX; i++)
            if (max[i] && !strcmp(bpf_map__name(map), dp_map_names[i]))
                bpf_map__set_max_entries(map, max[i]);
        /* the IPv6 UE maps: one entry per session, like xepc_ue */
        if (max[DP_MAP_UE] && (!strcmp(bpf_map__name(map), XEPC_MAP_UE6) ||
                               !strcmp(bpf_map__name(map), XEPC_MAP_SESS6) ||
                               !strcmp(bpf_map__name(map), XEPC_MAP_S1U6)))
            bpf_map__set_max_entries(map, max[DP_MAP_UE]);
        /* the rulesets' counts: one per ruleset */
        if (max[DP_MAP_RULESETS] && !strcmp(bpf_map__name(map), XEPC_MAP_RS_REFS))
            bpf_map__set_max_entries(map, max[DP_MAP_RULESETS]);
        /* what each charging slot let through uncharged: one per slot */
        if (max[DP_MAP_CHARGING] && !strcmp(bpf_map__name(map), XEPC_MAP_UNCHARGED))
            bpf_map__set_max_entries(map, max[DP_MAP_CHARGING]);
    }
    int rc = bpf_object__load(obj);
    if (rc) {
        bpf_object__close(obj);
        return dp_set_error(ctx, rc, "cannot load %s: %s (the verifier log is above; a map "
                            "of another layout pinned under %s also fails here)",
                            path, strerror(-rc), ctx->pin_dir);
    }
    struct bpf_program *p = bpf_object__find_program_by_name(obj, d->prog);
    if (!p) {
        bpf_object__close(obj);
        return dp_set_error(ctx, -ENOENT, "%s has no program %s", path, d->prog);
    }
    /* The IPv6 half of xdp_s1u and xdp_sgi (<prog>_ipv6), tail-called
     * through the pinned xepc_tail6 (docs/datapath.md "IPv6 UEs"). */
    struct bpf_map *tail = bpf_object__find_map_by_name(obj, XEPC_MAP_TAIL6);
    if (tail && which != DP_PROG_TC) {
        char name[64];
        snprintf(name, sizeof(name), "%s_ipv6", d->prog);
        struct bpf_program *p6 = bpf_object__find_program_by_name(obj, name);
        uint32_t k = which == DP_PROG_S1U ? XEPC_TAIL6_S1U : XEPC_TAIL6_SGI;
        int fd6 = p6 ? bpf_program__fd(p6) : -1;
        if (fd6 < 0 || bpf_map_update_elem(bpf_map__fd(tail), &k, &fd6, 0)) {
            int e = fd6 < 0 ? ENOENT : errno;
            bpf_object__close(obj);
            return dp_set_error(ctx, -e, "%s: cannot put %s in %s: %s", path, name,
                                XEPC_MAP_TAIL6, strerror(e));
        }
    }
    *out = obj;
    *prog_fd = bpf_program__fd(p);
    return 0;
}

static int link_pin(struct dp_ctx *ctx, int link_fd, const char *name)
{
    char path[512];
    pin_path(ctx, name, path, sizeof(path));
    if (bpf_obj_pin(link_fd, path))
        return dp_set_error(ctx, -errno, "cannot pin link %s: %s", path, strerror(errno));
    return 0;
}

static int attach_xdp(struct dp_ctx *ctx, int prog_fd, unsigned ifindex, uint32_t flags,
                      const char *ifname, const char *link_name)
{
    LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
    int fd = bpf_link_create(prog_fd, (int)ifindex, BPF_XDP, &lo);
    if (fd < 0) {
        int e = errno;
        return dp_set_error(ctx, -e, "cannot attach XDP (%s mode) to %s: %s%s",
                            flags & XDP_FLAGS_SKB_MODE ? "generic" : "native", ifname,
                            strerror(e), e == EBUSY || e == EEXIST ?
                            " (another XDP program is attached; 'ip link set dev IF xdp off')" :
                            e == EOPNOTSUPP ? " (try --xdp-generic)" : "");
    }
    int rc = link_pin(ctx, fd, link_name);
    close(fd);
    return rc;
}

static int attach_tc(struct dp_ctx *ctx, int prog_fd, unsigned ifindex, const char *ifname,
                     bool *clsact)
{
    int fd = bpf_link_create(prog_fd, (int)ifindex, DP_BPF_TCX_EGRESS, NULL);
    if (fd >= 0) {
        int rc = link_pin(ctx, fd, XEPC_LINK_TC_UE);
        close(fd);
        *clsact = false;
        return rc;
    }
    /* No TCX on this kernel: clsact egress, priority 1, handle 1. */
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1, .prog_fd = prog_fd);
    int rc = bpf_tc_hook_create(&hook);
    if (rc && rc != -EEXIST)
        return dp_set_error(ctx, rc, "cannot create clsact on %s: %s", ifname, strerror(-rc));
    rc = bpf_tc_attach(&hook, &to);
    if (rc)
        return dp_set_error(ctx, rc, "cannot attach tc_ue to %s egress: %s", ifname,
                            strerror(-rc));
    *clsact = true;
    return 0;
}

static unsigned ifindex_of(struct dp_ctx *ctx, const char *name, const char *what, int *rc)
{
    unsigned i = name[0] ? if_nametoindex(name) : 0;
    if (!i)
        *rc = dp_set_error(ctx, -ENODEV, "%s device '%s' does not exist in this network "
                           "namespace", what, name);
    return i;
}

static void remove_pins(struct dp_ctx *ctx);

int dp_up(const struct dp_config *cfg, struct dp_ctx **out)
{
    struct dp_ctx *ctx = ctx_new(cfg->pin_dir);
    struct bpf_object *objs[DP_PROG__MAX] = {0};
    struct dp_state st = {.magic = DP_STATE_MAGIC, .mode = cfg->mode};
    bool pinned = false;
    int rc = 0;

    *out = ctx;
    if (!ctx)
        return -ENOMEM;
    if (cfg->mode != XEPC_MODE_ROUTED && cfg->mode != XEPC_MODE_NAT)
        return dp_set_error(ctx, -EINVAL, "mode must be routed or nat");
    if (!cfg->gtpu_addr.s_addr)
        return dp_set_error(ctx, -EINVAL, "the S1-U GTP-U address is required");
    st.s1u_ifindex = ifindex_of(ctx, cfg->s1u_ifname, "S1-U", &rc);
    if (rc)
        return rc;
    if (cfg->mode == XEPC_MODE_ROUTED) {
        st.sgi_ifindex = ifindex_of(ctx, cfg->sgi_ifname, "SGi", &rc);
        if (rc)
            return rc;
        if (st.sgi_ifindex == st.s1u_ifindex)
            return dp_set_error(ctx, -EINVAL, "routed mode needs distinct S1-U and SGi devices");
    }
    /* NAT mode: downlink comes through the stack; what GRO aggregated on
     * SGi cannot be encapsulated (dp_offload.c) */
    if (cfg->mode == XEPC_MODE_NAT && cfg->sgi_ifname[0] && if_nametoindex(cfg->sgi_ifname)) {
        rc = dp_offload_check_nat(ctx, cfg->sgi_ifname);
        if (rc)
            return rc;
    }
    /* tc_ue: always in NAT mode (default device: S1-U); in routed mode on
     * request, for what the stack routes to UEs after an XDP_PASS. */
    bool want_tc = cfg->mode == XEPC_MODE_NAT || cfg->ue_ifname[0];
    const char *ue_ifname = cfg->ue_ifname[0] ? cfg->ue_ifname : cfg->s1u_ifname;
    if (want_tc) {
        st.ue_ifindex = ifindex_of(ctx, ue_ifname, "UE-pool", &rc);
        if (rc)
            return rc;
    }
    uint32_t sessions = cfg->max_sessions ? cfg->max_sessions : XEPC_DEF_MAX_SESSIONS;
    if (sessions < 2 || sessions > XEPC_TEID_SID_MASK + 1)
        return dp_set_error(ctx, -EINVAL, "max sessions must be 2..%u (session id = low 24 "
                            "bits of the TEID)", XEPC_TEID_SID_MASK + 1);
    uint32_t max[DP_MAP__MAX] = {
        [DP_MAP_SESSIONS] = 2 * sessions, /* two banks (xepc_config.session_bank) */
        [DP_MAP_UE] = sessions,
        [DP_MAP_UE_DIRECT] = dp_ue_direct_slots(sessions),
        [DP_MAP_USAGE] = sessions,
        [DP_MAP_RULESETS] = cfg->max_rulesets ? cfg->max_rulesets : XEPC_DEF_MAX_RULESETS,
        [DP_MAP_METERS] = cfg->max_meters ? cfg->max_meters : 2 * sessions,
        [DP_MAP_CHARGING] = cfg->max_charging ? cfg->max_charging : sessions,
    };

    rc = pin_dir_prepare(ctx);
    if (rc)
        return rc;
    char path[512];
    struct stat pst;
    pin_path(ctx, DP_STATE_MAP, path, sizeof(path));
    if (!fstatat(AT_FDCWD, path, &pst, AT_SYMLINK_NOFOLLOW))
        return dp_set_error(ctx, -EEXIST, "a datapath is already pinned under %s; "
                            "'xepcctl dp status' shows it, 'xepcctl dp down' removes it",
                            ctx->pin_dir);
    /* libbpf would reuse any map pinned under our names: none may be left. */
    for (size_t i = 0; i < dp_pin_n_maps + dp_pin_n_others; i++) {
        const char *n = i < dp_pin_n_maps ? dp_pin_maps[i].name : dp_pin_others[i - dp_pin_n_maps];
        pin_path(ctx, n, path, sizeof(path));
        if (!fstatat(AT_FDCWD, path, &pst, AT_SYMLINK_NOFOLLOW))
            return dp_set_error(ctx, -EEXIST, "%s from an earlier datapath is pinned without "
                                "its state; remove it with 'xepcctl dp down --force'", path);
    }

    pinned = true;
    int fds[DP_PROG__MAX] = {-1, -1, -1};
    for (int i = 0; i < DP_PROG__MAX; i++) {
        if (i == DP_PROG_SGI && cfg->mode != XEPC_MODE_ROUTED)
            continue;
        if (i == DP_PROG_TC && !want_tc)
            continue;
        rc = prog_load(ctx, i, cfg->bpf_dir, max, &objs[i], &fds[i]);
        if (rc)
            goto fail;
    }
    /* Configuration before attaching, so that no packet sees an empty one
     * (written through the loaded object: dp_maps_open() reads it). */
    {
        int cfd = bpf_object__find_map_fd_by_name(objs[DP_PROG_S1U], XEPC_MAP_CONFIG);
        struct xepc_config xc0 = {.session_bank = sessions, .mode = cfg->mode};
        uint32_t k0 = 0;
        if (cfd < 0 || bpf_map_update_elem(cfd, &k0, &xc0, 0)) {
            rc = dp_set_error(ctx, -errno, "cannot write %s: %s", XEPC_MAP_CONFIG,
                              strerror(errno));
            goto fail;
        }
    }
    rc = dp_maps_open(ctx);
    if (rc)
        goto fail;

    struct xepc_config xc = {
        .gtpu_addr = cfg->gtpu_addr.s_addr,
        .portal_addr = cfg->portal_addr.s_addr,
        .mode = cfg->mode,
        .idle_buffer_max = cfg->idle_buffer_max,
        .s1u_mtu = cfg->s1u_mtu,
        .recovery = cfg->recovery,
        .outer_ttl = 64,
        .ddn_interval_ns = XEPC_NS_PER_SEC,
        .errind_interval_ns = XEPC_NS_PER_SEC,
        .ue_direct_mask = ctx->max_entries[DP_MAP_UE_DIRECT] - 1,
        .session_bank = sessions,
    };
    uint32_t k = 0;
    if (bpf_map_update_elem(ctx->map_fd[DP_MAP_CONFIG], &k, &xc, 0)) {
        rc = dp_set_error(ctx, -errno, "cannot write %s: %s", XEPC_MAP_CONFIG, strerror(errno));
        goto fail;
    }
    rc = dp_rate_limits_set(ctx, &cfg->limits);
    if (rc)
        goto fail;
    if (!IN6_IS_ADDR_UNSPECIFIED(&cfg->gtpu_addr6)) {
        rc = dp_gtpu_addr6_set(ctx, &cfg->gtpu_addr6);
        if (rc)
            goto fail;
    }

    st.xdp_flags = cfg->xdp_generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
    if (want_tc) {
        bool clsact = false;
        rc = attach_tc(ctx, fds[DP_PROG_TC], st.ue_ifindex, ue_ifname, &clsact);
        if (rc)
            goto fail;
        st.tc_clsact = clsact;
    }
    if (cfg->mode == XEPC_MODE_ROUTED) {
        rc = attach_xdp(ctx, fds[DP_PROG_SGI], st.sgi_ifindex, st.xdp_flags, cfg->sgi_ifname,
                        XEPC_LINK_XDP_SGI);
        if (rc)
            goto fail;
    }
    rc = attach_xdp(ctx, fds[DP_PROG_S1U], st.s1u_ifindex, st.xdp_flags, cfg->s1u_ifname,
                    XEPC_LINK_XDP_S1U);
    if (rc)
        goto fail;
    rc = state_write(ctx, &st);
    if (rc)
        goto fail;
    for (int i = 0; i < DP_PROG__MAX; i++)
        bpf_object__close(objs[i]);
    return 0;

fail:
    for (int i = 0; i < DP_PROG__MAX; i++)
        bpf_object__close(objs[i]);
    if (pinned) {
        /* Keep the first error message. */
        char saved[sizeof(ctx->err)];
        memcpy(saved, ctx->err, sizeof(saved));
        if (st.tc_clsact) {
            LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)st.ue_ifindex,
                        .attach_point = BPF_TC_EGRESS);
            LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1);
            bpf_tc_detach(&hook, &to);
        }
        remove_pins(ctx);
        memcpy(ctx->err, saved, sizeof(saved));
    }
    return rc;
}

int dp_open_pinned(const char *pin_dir, struct dp_ctx **out)
{
    struct dp_ctx *ctx = ctx_new(pin_dir);
    struct dp_state st;
    *out = ctx;
    if (!ctx)
        return -ENOMEM;
    int rc = state_read(ctx, &st);
    if (rc)
        return rc;
    return dp_maps_open(ctx);
}

/* A link pin of ours: a bpf_link to the program of that hook. */
static int link_open(struct dp_ctx *ctx, enum dp_prog which, struct bpf_link_info *info)
{
    return dp_pin_link_open(ctx, progs[which].link, progs[which].prog, info);
}

/* Whether the datapath of st attaches `which` through a pinned link. */
static bool link_expected(const struct dp_state *st, enum dp_prog which)
{
    switch (which) {
    case DP_PROG_S1U:
        return true;
    case DP_PROG_SGI:
        return st->mode == XEPC_MODE_ROUTED;
    case DP_PROG_TC:
        return st->ue_ifindex && !st->tc_clsact;
    default:
        return false;
    }
}

static int link_missing(struct dp_ctx *ctx, enum dp_prog which, int rc)
{
    if (rc != -ENOENT)
        return rc;
    return dp_set_error(ctx, -ENOLINK, "the link pin %s/%s is missing: %s is detached (someone "
                        "removed the pin); 'xepcctl dp down' and 'xepcctl dp up' again",
                        ctx->pin_dir, progs[which].link, progs[which].prog);
}

static int upgrade(struct dp_ctx *ctx, const char *bpf_dir);

int dp_upgrade(struct dp_ctx *ctx, const char *bpf_dir)
{
    int rc = dp_lock(ctx);
    if (rc)
        return rc;
    rc = upgrade(ctx, bpf_dir);
    dp_unlock(ctx);
    return rc;
}

static int upgrade(struct dp_ctx *ctx, const char *bpf_dir)
{
    struct dp_state st;
    int rc = state_read(ctx, &st);
    if (rc)
        return rc;
    uint32_t max[DP_MAP__MAX];
    memcpy(max, ctx->max_entries, sizeof(max));
    max[DP_MAP_EVENTS] = max[DP_MAP_PKTBUF] = 0; /* ringbuf sizes come with the maps */

    for (int i = 0; i < DP_PROG__MAX; i++) {
        struct bpf_link_info info;
        struct bpf_object *obj = NULL;
        int prog_fd, link_fd = -1;

        if (i == DP_PROG_TC && st.ue_ifindex && st.tc_clsact) {
            rc = prog_load(ctx, i, bpf_dir, max, &obj, &prog_fd);
            if (rc)
                return rc;
            LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)st.ue_ifindex,
                        .attach_point = BPF_TC_EGRESS);
            LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1, .prog_fd = prog_fd,
                        .flags = BPF_TC_F_REPLACE);
            rc = bpf_tc_attach(&hook, &to);
            bpf_object__close(obj);
            if (rc)
                return dp_set_error(ctx, rc, "cannot replace tc_ue: %s", strerror(-rc));
            continue;
        }
        if (!link_expected(&st, i))
            continue; /* not used in this mode */
        link_fd = link_open(ctx, i, &info);
        if (link_fd < 0)
            return link_missing(ctx, i, link_fd);
        rc = prog_load(ctx, i, bpf_dir, max, &obj, &prog_fd);
        if (rc) {
            close(link_fd);
            return rc;
        }
        /* The link stays attached; only its program changes, atomically
         * for the packets (no detach, no gap). */
        LIBBPF_OPTS(bpf_link_update_opts, uo, .old_prog_fd = 0);
        if (bpf_link_update(link_fd, prog_fd, &uo))
            rc = dp_set_error(ctx, -errno, "cannot update link %s to the new %s: %s",
                              progs[i].link, progs[i].prog, strerror(errno));
        bpf_object__close(obj);
        close(link_fd);
        if (rc)
            return rc;
    }
    return 0;
}

/* Unlinks what this library pins (the names it knows), never another
 * program's pins that happen to share the directory, then the directory if
 * nothing else is left in it.  Foreign pins are listed in ctx->note. */
static void remove_pins(struct dp_ctx *ctx)
{
    char path[512];
    for (size_t i = 0; i < dp_pin_n_maps + dp_pin_n_others; i++) {
        const char *n = i < dp_pin_n_maps ? dp_pin_maps[i].name : dp_pin_others[i - dp_pin_n_maps];
        pin_path(ctx, n, path, sizeof(path));
        unlink(path);
    }
    DIR *d = opendir(ctx->pin_dir);
    if (!d)
        return;
    char names[256] = "";
    size_t len = 0, n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (len < sizeof(names))
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", n > 1 ? ", " : "",
                                    e->d_name);
    }
    closedir(d);
    if (n) {
        snprintf(ctx->note, sizeof(ctx->note), "left %zu pin%s that xepc did not make in %s: "
                 "%.150s", n, n > 1 ? "s" : "", ctx->pin_dir, names);
        return;
    }
    rmdir(ctx->pin_dir);
}

int dp_down(struct dp_ctx *ctx)
{
    struct dp_state st;
    struct stat dst;
    if (lstat(ctx->pin_dir, &dst) && errno == ENOENT)
        return dp_set_error(ctx, -ENOENT, "%s does not exist: no datapath is pinned there, "
                            "nothing was removed", ctx->pin_dir);
    int rc = dp_pin_dir_check(ctx);
    if (rc)
        return rc;
    rc = dp_lock(ctx);
    if (rc)
        return rc;
    bool have_state = state_read(ctx, &st) == 0;
    for (int i = 0; i < DP_PROG__MAX; i++) {
        struct bpf_link_info info;
        int fd = link_open(ctx, i, &info);
        if (fd == -ENOENT)
            continue;
        if (fd < 0) {
            dp_unlock(ctx);
            return fd; /* a foreign object under our name: leave everything */
        }
        if (bpf_link_detach(fd) && errno != EINVAL)
            fprintf(stderr, "dp: detaching %s: %s\n", progs[i].link, strerror(errno));
        close(fd);
    }
    if (have_state && st.tc_clsact) {
        LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)st.ue_ifindex,
                    .attach_point = BPF_TC_EGRESS);
        LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1);
        bpf_tc_detach(&hook, &to);
    }
    ctx->err[0] = 0;
    remove_pins(ctx);
    dp_unlock(ctx);
    for (size_t i = 0; i < dp_pin_n_maps + dp_pin_n_others; i++) {
        char path[512];
        struct stat pst;
        const char *n = i < dp_pin_n_maps ? dp_pin_maps[i].name : dp_pin_others[i - dp_pin_n_maps];
        pin_path(ctx, n, path, sizeof(path));
        if (!fstatat(AT_FDCWD, path, &pst, AT_SYMLINK_NOFOLLOW))
            return dp_set_error(ctx, -EBUSY, "%s could not be removed", path);
    }
    return 0;
}

const char *dp_ctx_note(const struct dp_ctx *ctx)
{
    return ctx ? ctx->note : "";
}

const struct btf *dp_own_btf(struct dp_ctx *ctx)
{
    if (!ctx->own_obj) {
        const struct dp_prog_desc *d = &progs[DP_PROG_S1U];
        LIBBPF_OPTS(bpf_object_open_opts, o, .object_name = d->object);
        size_t sz;
        const void *bytes = d->elf_bytes(&sz);
        ctx->own_obj = bpf_object__open_mem(bytes, sz, &o);
        if (!ctx->own_obj)
            return NULL;
    }
    const struct btf *b = bpf_object__btf(ctx->own_obj);
    if (!b)
        errno = ENOENT;
    return b;
}

void dp_close(struct dp_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->own_obj)
        bpf_object__close(ctx->own_obj);
    if (ctx->rb)
        ring_buffer__free(ctx->rb);
    if (ctx->charging)
        munmap(ctx->charging, ctx->charging_len);
    if (ctx->usage)
        munmap(ctx->usage, ctx->usage_len);
    if (ctx->ue_direct)
        munmap(ctx->ue_direct, ctx->ue_direct_len);
    for (int i = 0; i < DP_MAP__MAX; i++)
        if (ctx->map_fd[i] >= 0)
            close(ctx->map_fd[i]);
    if (ctx->teid_ev_fd >= 0)
        close(ctx->teid_ev_fd);
    if (ctx->rl_fd >= 0)
        close(ctx->rl_fd);
    if (ctx->ue6_fd >= 0)
        close(ctx->ue6_fd);
    if (ctx->sess6_fd >= 0)
        close(ctx->sess6_fd);
    if (ctx->s1u6_fd >= 0)
        close(ctx->s1u6_fd);
    if (ctx->udp6_fd >= 0)
        close(ctx->udp6_fd);
    if (ctx->udp_fd >= 0)
        close(ctx->udp_fd);
    if (ctx->lock_fd >= 0)
        close(ctx->lock_fd);
    if (ctx->events_lock_fd >= 0)
        close(ctx->events_lock_fd);
    dp_bufq_free(ctx->bufq);
    dp_path_free(ctx->path);
    dp_frag_free(ctx->frag);
    dp_ruleset_index_free(ctx);
    dp_ruleset_refs_close(ctx);
    if (ctx->unch)
        munmap(ctx->unch, ctx->unch_len);
    if (ctx->unch_fd >= 0)
        close(ctx->unch_fd);
    if (ctx->ev_epfd >= 0)
        close(ctx->ev_epfd);
    if (ctx->raw_fd >= 0)
        close(ctx->raw_fd);
    free(ctx);
}

static int link_status(struct dp_ctx *ctx, const struct dp_state *st, enum dp_prog which,
                       uint32_t *link_id, uint32_t *prog_id)
{
    struct bpf_link_info info;
    if (!link_expected(st, which))
        return 0;
    int fd = link_open(ctx, which, &info);
    if (fd < 0)
        return link_missing(ctx, which, fd);
    *link_id = info.id;
    *prog_id = info.prog_id;
    close(fd);
    return 0;
}

static int count_pdn_fn(uint32_t sid, const void *val, void *arg)
{
    const struct xepc_session *k = val;
    (void)sid;
    if ((k->flags & XEPC_SF_ACTIVE) && !(k->flags & XEPC_SF_BEARER))
        (*(uint32_t *)arg)++;
    return 0;
}

int dp_status_get(struct dp_ctx *ctx, struct dp_status *s)
{
    struct dp_state st;
    memset(s, 0, sizeof(*s));
    int rc = state_read(ctx, &st);
    if (rc)
        return rc;
    s->mode = st.mode;
    if (st.s1u_ifindex && !if_indextoname(st.s1u_ifindex, s->s1u_ifname))
        snprintf(s->s1u_ifname, sizeof(s->s1u_ifname), "#%u", st.s1u_ifindex);
    if (st.sgi_ifindex && !if_indextoname(st.sgi_ifindex, s->sgi_ifname))
        snprintf(s->sgi_ifname, sizeof(s->sgi_ifname), "#%u", st.sgi_ifindex);
    if (st.ue_ifindex && !if_indextoname(st.ue_ifindex, s->ue_ifname))
        snprintf(s->ue_ifname, sizeof(s->ue_ifname), "#%u", st.ue_ifindex);
    s->tc_clsact = st.tc_clsact;
    rc = link_status(ctx, &st, DP_PROG_S1U, &s->s1u_link_id, &s->s1u_prog_id);
    if (!rc)
        rc = link_status(ctx, &st, DP_PROG_SGI, &s->sgi_link_id, &s->sgi_prog_id);
    if (!rc)
        rc = link_status(ctx, &st, DP_PROG_TC, &s->tc_link_id, &s->tc_prog_id);
    if (rc)
        return rc;
    if (st.tc_clsact) {
        LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)st.ue_ifindex,
                    .attach_point = BPF_TC_EGRESS);
        LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1);
        if (!bpf_tc_query(&hook, &to))
            s->tc_prog_id = to.prog_id;
    }
    rc = dp_config_read(ctx, &s->config);
    if (rc)
        return rc;
    s->max_sessions = ctx->max_sessions;
    s->max_rulesets = ctx->max_entries[DP_MAP_RULESETS];
    s->max_meters = ctx->max_entries[DP_MAP_METERS];
    s->max_charging = ctx->max_entries[DP_MAP_CHARGING];
    /* PDN connections: the active sessions but dedicated bearers, an
     * IPv6-only one included (it has no entry in the UE map, which this
     * counted before) */
    uint32_t n = 0;
    rc = dp_sessions_scan(ctx, count_pdn_fn, &n);
    if (rc < 0)
        return dp_set_error(ctx, rc, "cannot scan %s: %s", XEPC_MAP_SESSIONS, strerror(-rc));
    s->n_sessions = n;
    s->ue_direct_slots = ctx->max_entries[DP_MAP_UE_DIRECT];
    s->ue_direct_used = 0;
    for (uint32_t i = 0; ctx->ue_direct && i < s->ue_direct_slots; i++)
        if (__atomic_load_n(&ctx->ue_direct[i].ue_addr, __ATOMIC_RELAXED))
            s->ue_direct_used++;
    return 0;
}

int dp_rate_limits_set(struct dp_ctx *ctx, const struct dp_rate_limits *l)
{
    const uint64_t v[XEPC_RL__MAX][2] = {
        [XEPC_RL_TEID_EV] = {l->teid_ev_per_s, l->teid_ev_peer_per_s},
        [XEPC_RL_ECHO] = {l->echo_per_s, l->echo_peer_per_s},
    };
    if (ctx->rl_fd < 0)
        return dp_set_error(ctx, -ENOENT, "this datapath has no %s map (pinned by an older "
                            "xepc); run 'xepcctl dp upgrade' first", XEPC_MAP_RL);
    for (uint32_t k = 0; k < XEPC_RL__MAX; k++) {
        struct xepc_rl rl = {.total_per_s = v[k][0], .peer_per_s = v[k][1]};
        if (bpf_map_update_elem(ctx->rl_fd, &k, &rl, 0))
            return dp_set_error(ctx, -errno, "cannot write %s: %s", XEPC_MAP_RL, strerror(errno));
    }
    return 0;
}

int dp_rate_limits_get(struct dp_ctx *ctx, struct dp_rate_limits *l)
{
    struct xepc_rl rl[2];
    memset(l, 0, sizeof(*l));
    if (ctx->rl_fd < 0)
        return dp_set_error(ctx, -ENOENT, "this datapath has no %s map", XEPC_MAP_RL);
    for (uint32_t k = 0; k < 2; k++)
        if (bpf_map_lookup_elem(ctx->rl_fd, &k, &rl[k]))
            return dp_set_error(ctx, -errno, "cannot read %s: %s", XEPC_MAP_RL, strerror(errno));
    l->teid_ev_per_s = rl[XEPC_RL_TEID_EV].total_per_s ?: XEPC_DEF_TEID_EV_PER_S;
    l->teid_ev_peer_per_s = rl[XEPC_RL_TEID_EV].peer_per_s ?: XEPC_DEF_TEID_EV_PEER_PER_S;
    l->echo_per_s = rl[XEPC_RL_ECHO].total_per_s ?: XEPC_DEF_ECHO_PER_S;
    l->echo_peer_per_s = rl[XEPC_RL_ECHO].peer_per_s ?: XEPC_DEF_ECHO_PEER_PER_S;
    return 0;
}
