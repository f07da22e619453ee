/* Trust in the pin directory and in what is pinned there.
 *
 * Whoever can write the pin directory can detach the datapath (unlink a
 * link pin) or make this library write into a map of their choosing
 * (replace a map pin).  So before the library uses a pin it checks:
 *
 *  - the directory: on a bpffs, not a symlink (O_NOFOLLOW), owned by root
 *    (or by the user running this process), not writable by group or
 *    others; its parents on the same bpffs up to the mount: no symlink,
 *    owned by root, not writable by group/others unless sticky (a bpffs
 *    mounted without mode= is 1777, where the sticky bit keeps others from
 *    renaming our directory; they could only pre-create it, which the
 *    owner check refuses);
 *  - every pin: not a symlink (fstatat AT_SYMLINK_NOFOLLOW), a bpffs object
 *    owned by root (or us), not writable by group/others;
 *  - every map: type, key and value size, flags, name, BTF value type name
 *    and, where they are fixed, max_entries, against what bpf/maps.h
 *    declares (bpf_obj_get_info_by_fd), so that a map pinned in the place
 *    of ours is refused instead of written;
 *  - every link: a bpf_link whose program has our program's name.
 *
 * The directory is trusted once checked: only root can change entries in
 * it afterwards, so the checks and the later bpf_obj_get() do not race
 * with an unprivileged user.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "dp/dp_int.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* What each map pin must be (bpf/maps.h). */
const struct dp_pin_spec dp_pin_maps[] = {
    {XEPC_MAP_CONFIG, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_config), 1, 0, "xepc_config"},
    {XEPC_MAP_SESSIONS, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_session), 0, 0,
     "xepc_session"},
    {XEPC_MAP_UE, BPF_MAP_TYPE_HASH, 4, 4, 0, 0, "__u32"},
    {XEPC_MAP_UE_DIRECT, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_ue_direct), 0,
     BPF_F_MMAPABLE, "xepc_ue_direct"},
    {XEPC_MAP_USAGE, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_usage), 0, BPF_F_MMAPABLE,
     "xepc_usage"},
    {XEPC_MAP_RULESETS, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_ruleset), 0, 0,
     "xepc_ruleset"},
    {XEPC_MAP_METERS, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_meter), 0, 0, "xepc_meter"},
    {XEPC_MAP_CHARGING, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_charge), 0, BPF_F_MMAPABLE,
     "xepc_charge"},
    {XEPC_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct xepc_stat), XEPC_STATS_MAX, 0,
     "xepc_stat"},
    {XEPC_MAP_EVENTS, BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0, NULL},
    {XEPC_MAP_PKTBUF, BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0, NULL},
    {XEPC_MAP_ERR_RL, BPF_MAP_TYPE_LRU_HASH, sizeof(struct xepc_err_rl_key), 8, 0, 0, "__u64"},
    {XEPC_MAP_ROUTES, BPF_MAP_TYPE_PERCPU_ARRAY, 4, sizeof(struct xepc_route), XEPC_ROUTE_SLOTS,
     0, "xepc_route"},
    {XEPC_MAP_TEID_EV, BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0, NULL},
    {XEPC_MAP_RL, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_rl), XEPC_RL__MAX, 0, "xepc_rl"},
    {XEPC_MAP_PEER_RL, BPF_MAP_TYPE_LRU_HASH, sizeof(struct xepc_peer_rl_key),
     sizeof(struct xepc_rl_win), 0, 0, "xepc_rl_win"},
    {XEPC_MAP_UE6, BPF_MAP_TYPE_HASH, 8, 4, 0, 0, "__u32"},
    {XEPC_MAP_SESS6, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_session6), 0, 0,
     "xepc_session6"},
    {XEPC_MAP_S1U6, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_s1u6), 0, 0, "xepc_s1u6"},
    {XEPC_MAP_TAIL6, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, XEPC_TAIL6__MAX, 0, NULL},
    {XEPC_MAP_RS_REFS, BPF_MAP_TYPE_ARRAY, 4, 4, 0, BPF_F_MMAPABLE, "__u32"},
    {XEPC_MAP_UNCHARGED, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct xepc_uncharged), 0,
     BPF_F_MMAPABLE, "xepc_uncharged"},
    {DP_STATE_MAP, BPF_MAP_TYPE_ARRAY, 4, DP_STATE_SIZE, 1, 0, NULL},
};
const size_t dp_pin_n_maps = sizeof(dp_pin_maps) / sizeof(dp_pin_maps[0]);

/* Every name this library pins beside the maps: the links. */
const char *const dp_pin_others[] = {
    XEPC_LINK_XDP_S1U, XEPC_LINK_XDP_SGI, XEPC_LINK_TC_UE,
};
const size_t dp_pin_n_others = sizeof(dp_pin_others) / sizeof(dp_pin_others[0]);

const struct dp_pin_spec *dp_pin_spec_of(const char *name)
{
    for (size_t i = 0; i < dp_pin_n_maps; i++)
        if (!strcmp(dp_pin_maps[i].name, name))
            return &dp_pin_maps[i];
    return NULL;
}

bool dp_pin_is_ours(const char *name)
{
    if (dp_pin_spec_of(name))
        return true;
    for (size_t i = 0; i < dp_pin_n_others; i++)
        if (!strcmp(dp_pin_others[i], name))
            return true;
    return false;
}

static bool owner_ok(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

static const char *const safe_mount = "mount -t bpf -o mode=0700 bpf";

/* A parent of the pin directory on the same bpffs. */
static int parent_check(struct dp_ctx *ctx, const char *path)
{
    struct stat st;
    struct statfs fs;
    if (lstat(path, &st))
        return dp_set_error(ctx, -errno, "cannot stat %s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return dp_set_error(ctx, -ELOOP, "%s is a symbolic link; the pin directory's path "
                            "must not go through one", path);
    if (statfs(path, &fs) || fs.f_type != BPF_FS_MAGIC)
        return 1; /* above the bpffs mount: not ours to judge */
    if (!owner_ok(st.st_uid))
        return dp_set_error(ctx, -EPERM, "%s is owned by uid %u, not root: refused (anyone "
                            "owning it can replace the datapath's pins)", path,
                            (unsigned)st.st_uid);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return dp_set_error(ctx, -EPERM, "%s is writable by group or others (mode %04o): "
                            "refused; remount it with '%s %s'", path,
                            (unsigned)(st.st_mode & 07777), safe_mount, path);
    return 0;
}

int dp_pin_dir_check(struct dp_ctx *ctx)
{
    struct stat st;
    struct statfs fs;
    if (ctx->pin_dir[0] != '/')
        return dp_set_error(ctx, -EINVAL, "pin directory '%s' must be an absolute path below "
                            "a bpffs mount", ctx->pin_dir);
    int fd = open(ctx->pin_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return dp_set_error(ctx, -ENOENT, "no datapath is pinned under %s (it does not "
                                "exist); bring one up with 'xepcctl dp up'", ctx->pin_dir);
        if (e == EACCES || e == EPERM)
            return dp_set_error(ctx, -e, "permission denied on %s: the datapath's pins belong "
                                "to root; run this as root", ctx->pin_dir);
        if (e == ELOOP || e == ENOTDIR) {
            if (!lstat(ctx->pin_dir, &st) && S_ISLNK(st.st_mode))
                return dp_set_error(ctx, -ELOOP, "%s is a symbolic link: refused (a pin "
                                    "directory is never followed through a link)",
                                    ctx->pin_dir);
            return dp_set_error(ctx, -ENOTDIR, "%s is not a directory", ctx->pin_dir);
        }
        return dp_set_error(ctx, -e, "cannot open %s: %s", ctx->pin_dir, strerror(e));
    }
    int rc = 0;
    if (fstatfs(fd, &fs) || fs.f_type != BPF_FS_MAGIC)
        rc = dp_set_error(ctx, -ENOTDIR, "%s is not on a bpffs", ctx->pin_dir);
    else if (fstat(fd, &st))
        rc = dp_set_error(ctx, -errno, "cannot stat %s: %s", ctx->pin_dir, strerror(errno));
    else if (!owner_ok(st.st_uid))
        rc = dp_set_error(ctx, -EPERM, "%s is owned by uid %u, not root: refused (its owner "
                          "could unlink or replace the datapath's pins); remove it and bring "
                          "the datapath up again", ctx->pin_dir, (unsigned)st.st_uid);
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        rc = dp_set_error(ctx, -EPERM, "%s is writable by group or others (mode %04o): "
                          "refused; 'chmod 0700 %s' if you trust what is in it",
                          ctx->pin_dir, (unsigned)(st.st_mode & 07777), ctx->pin_dir);
    close(fd);
    if (rc)
        return rc;

    return dp_pin_parents_check(ctx);
}

int dp_pin_parents_check(struct dp_ctx *ctx)
{
    char p[sizeof(ctx->pin_dir)];
    int rc;
    snprintf(p, sizeof(p), "%s", ctx->pin_dir);
    for (char *slash; (slash = strrchr(p, '/')) && slash != p;) {
        *slash = 0;
        rc = parent_check(ctx, p);
        if (rc < 0)
            return rc;
        if (rc > 0)
            break;
    }
    return 0;
}

int dp_pin_stat(struct dp_ctx *ctx, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", ctx->pin_dir, name);
    if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW)) {
        int e = errno;
        if (e == EACCES || e == EPERM)
            return dp_set_error(ctx, -e, "permission denied on %s: the datapath's pins belong "
                                "to root; run this as root", path);
        return -e; /* ENOENT: the caller says what is missing */
    }
    if (S_ISLNK(st.st_mode))
        return dp_set_error(ctx, -ELOOP, "%s is a symbolic link: refused (pins are never "
                            "followed through a link)", path);
    if (!S_ISREG(st.st_mode))
        return dp_set_error(ctx, -EBADF, "%s is not a pinned BPF object", path);
    if (!owner_ok(st.st_uid))
        return dp_set_error(ctx, -EPERM, "%s is owned by uid %u, not root: refused", path,
                            (unsigned)st.st_uid);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return dp_set_error(ctx, -EPERM, "%s is writable by group or others (mode %04o): "
                            "refused", path, (unsigned)(st.st_mode & 07777));
    return 0;
}

static const char *map_type_str(uint32_t t)
{
    const char *s = libbpf_bpf_map_type_str(t);
    return s ? s : "?";
}

/* The name of the BTF type of the map's values, or "" without BTF; *out
 * (may be NULL) keeps the map's BTF for the caller to free. */
static void btf_value_name(const struct bpf_map_info *info, char *buf, size_t len,
                           struct btf **out)
{
    buf[0] = 0;
    if (out)
        *out = NULL;
    if (!info->btf_id || !info->btf_value_type_id)
        return;
    struct btf *btf = btf__load_from_kernel_by_id(info->btf_id);
    if (!btf)
        return;
    const struct btf_type *t = btf__type_by_id(btf, info->btf_value_type_id);
    const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
    snprintf(buf, len, "%s", n ? n : "");
    if (out)
        *out = btf;
    else
        btf__free(btf);
}

int dp_pin_map_verify(struct dp_ctx *ctx, int fd, const struct dp_pin_spec *p,
                      uint32_t *max_entries)
{
    struct bpf_map_info info = {0};
    uint32_t len = sizeof(info);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", ctx->pin_dir, p->name);
    if (bpf_obj_get_info_by_fd(fd, &info, &len))
        return dp_set_error(ctx, -errno, "%s is not a BPF map (%s): refused", path,
                            strerror(errno));
    const char *what = NULL;
    char want[64] = "", got[64] = "";
    if (info.type != p->type) {
        what = "type";
        snprintf(want, sizeof(want), "%s", map_type_str(p->type));
        snprintf(got, sizeof(got), "%s", map_type_str(info.type));
    } else if (info.key_size != p->key_size) {
        what = "key size";
        snprintf(want, sizeof(want), "%u", p->key_size);
        snprintf(got, sizeof(got), "%u", info.key_size);
    } else if (info.value_size != p->value_size) {
        what = "value size";
        snprintf(want, sizeof(want), "%u", p->value_size);
        snprintf(got, sizeof(got), "%u", info.value_size);
    } else if (p->max_entries && info.max_entries != p->max_entries) {
        what = "max_entries";
        snprintf(want, sizeof(want), "%u", p->max_entries);
        snprintf(got, sizeof(got), "%u", info.max_entries);
    } else if ((info.map_flags & p->flags) != p->flags) {
        what = "flags";
        snprintf(want, sizeof(want), "0x%x", p->flags);
        snprintf(got, sizeof(got), "0x%x", info.map_flags);
    } else if (strncmp(info.name, p->name, sizeof(info.name) - 1)) {
        what = "name";
        snprintf(want, sizeof(want), "%.15s", p->name);
        snprintf(got, sizeof(got), "%s", info.name);
    } else if (p->btf_value) {
        struct btf *mb = NULL;
        btf_value_name(&info, got, sizeof(got), &mb);
        if (strcmp(got, p->btf_value)) {
            what = "BTF value type";
            snprintf(want, sizeof(want), "%s", p->btf_value);
            if (!got[0])
                snprintf(got, sizeof(got), "none");
        } else if (mb) {
            /* same name and size, but the members may have moved: the
             * layout of this build's struct, member by member (dp_btf.c) */
            const struct btf *own = dp_own_btf(ctx);
            char why[256];
            int rc = own ? dp_btf_layout_cmp(own, p->btf_value, mb, info.btf_value_type_id, why,
                                             sizeof(why))
                         : (errno ? -errno : -ENOENT);
            btf__free(mb);
            if (!own)
                return dp_set_error(ctx, rc, "cannot read this build's BTF to check %s: %s",
                                    path, strerror(-rc));
            if (rc)
                return dp_set_error(ctx, -EPROTO, "%s is not the map this datapath declares: "
                                    "value layout differs (%s); refused (a build with another "
                                    "layout of bpf/xepc_dp.h pinned it: dp down + dp up, then "
                                    "install the sessions again)", path, why);
        }
        if (mb && what)
            btf__free(mb);
    }
    if (what)
        return dp_set_error(ctx, -EPROTO, "%s is not the map this datapath declares: %s %s, "
                            "expected %s; refused (another map was pinned in its place, or an "
                            "incompatible build pinned it)", path, what, got, want);
    if (max_entries)
        *max_entries = info.max_entries;
    return 0;
}

int dp_pin_map_open(struct dp_ctx *ctx, const char *name, uint32_t *max_entries)
{
    const struct dp_pin_spec *p = dp_pin_spec_of(name);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", ctx->pin_dir, name);
    int rc = dp_pin_stat(ctx, name);
    if (rc == -ENOENT)
        return dp_set_error(ctx, rc, "cannot open pinned map %s: %s", path, strerror(-rc));
    if (rc)
        return rc;
    int fd = bpf_obj_get(path);
    if (fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM)
            return dp_set_error(ctx, -e, "permission denied on %s: run this as root", path);
        return dp_set_error(ctx, -e, "cannot open pinned map %s: %s", path, strerror(e));
    }
    if (p) {
        rc = dp_pin_map_verify(ctx, fd, p, max_entries);
        if (rc) {
            close(fd);
            return rc;
        }
    }
    return fd;
}

int dp_pin_map_mmap_opt(struct dp_ctx *ctx, const char *name, const char *like, uint32_t want,
                        size_t elem, int *fd_out, void **mem, size_t *len_out)
{
    uint32_t max = 0;
    if (dp_pin_stat(ctx, name) == -ENOENT)
        return 0;
    int fd = dp_pin_map_open(ctx, name, &max);
    if (fd < 0)
        return fd;
    if (max != want) {
        close(fd);
        return dp_set_error(ctx, -EPROTO, "%s has %u entries, not %u like %s: refused", name,
                            max, want, like);
    }
    long page = sysconf(_SC_PAGESIZE);
    size_t len = ((size_t)max * elem + (size_t)page - 1) / (size_t)page * (size_t)page;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        int e = errno;
        close(fd);
        return dp_set_error(ctx, -e, "cannot mmap %s: %s", name, strerror(e));
    }
    *fd_out = fd;
    *mem = m;
    *len_out = len;
    return 0;
}

/* The kernel says what kind of object an fd is in its fdinfo. */
static int fdinfo_u32(int fd, const char *key, uint32_t *out)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int rc = -ENOENT;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, klen) && line[klen] == ':') {
            *out = (uint32_t)strtoul(line + klen + 1, NULL, 10);
            rc = 0;
            break;
        }
    fclose(f);
    return rc;
}

int dp_pin_link_open(struct dp_ctx *ctx, const char *name, const char *prog,
                     struct bpf_link_info *info)
{
    char path[512];
    uint32_t len = sizeof(*info), link_id;
    snprintf(path, sizeof(path), "%s/%s", ctx->pin_dir, name);
    int rc = dp_pin_stat(ctx, name);
    if (rc)
        return rc;
    int fd = bpf_obj_get(path);
    if (fd < 0)
        return dp_set_error(ctx, -errno, "cannot open link %s: %s", path, strerror(errno));
    memset(info, 0, sizeof(*info));
    if (fdinfo_u32(fd, "link_id", &link_id) || bpf_obj_get_info_by_fd(fd, info, &len)) {
        close(fd);
        return dp_set_error(ctx, -EPROTO, "%s is not a bpf_link: refused", path);
    }
    if (prog) {
        struct bpf_prog_info pi = {0};
        uint32_t plen = sizeof(pi);
        int pfd = bpf_prog_get_fd_by_id(info->prog_id);
        rc = pfd < 0 || bpf_obj_get_info_by_fd(pfd, &pi, &plen) ? -EPROTO : 0;
        if (pfd >= 0)
            close(pfd);
        if (!rc && strncmp(pi.name, prog, sizeof(pi.name) - 1))
            rc = -EPROTO;
        if (rc) {
            close(fd);
            return dp_set_error(ctx, rc, "%s is a link to program '%s', not %s: refused", path,
                                pi.name, prog);
        }
    }
    return fd;
}

/* ---------------------------------------------------------------- lock -- */

int dp_lock(struct dp_ctx *ctx)
{
    if (ctx->lock_depth++)
        return 0;
    /* bpffs holds no regular files, so the lock is the pin directory
     * itself: flock() works on any open file, directories included. */
    int fd = open(ctx->pin_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        ctx->lock_depth = 0;
        return dp_set_error(ctx, -errno, "cannot open %s to lock it: %s", ctx->pin_dir,
                            strerror(errno));
    }
    while (flock(fd, LOCK_EX)) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(fd);
        ctx->lock_depth = 0;
        return dp_set_error(ctx, -e, "cannot lock %s: %s", ctx->pin_dir, strerror(e));
    }
    ctx->lock_fd = fd;
    ctx->lock_epoch++;
    return 0;
}

void dp_unlock(struct dp_ctx *ctx)
{
    if (!ctx->lock_depth || --ctx->lock_depth)
        return;
    if (ctx->lock_fd >= 0) {
        flock(ctx->lock_fd, LOCK_UN);
        close(ctx->lock_fd);
    }
    ctx->lock_fd = -1;
}
