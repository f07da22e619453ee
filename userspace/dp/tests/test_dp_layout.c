/* test_dp_layout: a pinned map whose value type has this build's name and
 * size but another layout is refused, not adopted.
 *
 * Issue 13's cold-session layout moves fields between the maps' values;
 * a move that keeps a struct's size kept its BTF name and size too, and
 * dp_open_pinned() adopted such a map and read every entry wrongly.  Here
 * a datapath is brought up with dp_up() (NAT mode on the loopback device
 * of a private network namespace, pins on a private bpffs), and its
 * xepc_sessions pin is replaced by a map whose BTF is this build's struct
 * xepc_session member for member, once as it is (adopted) and once with
 * the offsets of ue_addr and enb_addr swapped (refused, naming the
 * member).
 *
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp/dp.h"
#include "dp/dp_int.h"
#include "dp_test_env.h"

/* A map in place of the pinned xepc_sessions with max_entries max: the
 * value type built from this build's struct xepc_session, each member an
 * integer of its size at its offset, with the first two members (of the
 * same size) exchanged when swap.  Returns 0 or a negative errno. */
static int replace_sessions(const char *pin_dir, const struct btf *own, uint32_t max, bool swap)
{
    int32_t sid = btf__find_by_name_kind(own, "xepc_session", BTF_KIND_STRUCT);
    if (sid < 0)
        return -ENOENT;
    const struct btf_type *t = btf__type_by_id(own, sid);
    uint16_t n = btf_vlen(t);
    const struct btf_member *m = btf_members(t);
    struct btf *b = btf__new_empty();
    if (!b || n > 32)
        return -ENOMEM;
    int ids[32], key = btf__add_int(b, "__u32", 4, 0), rc = 0;
    for (uint16_t i = 0; i < n; i++) {
        uint32_t tid = m[i].type;
        long sz = btf__resolve_size(own, tid);
        char name[32];
        snprintf(name, sizeof(name), "int%ld", sz);
        ids[i] = btf__add_int(b, name, (size_t)sz, 0);
    }
    int st = btf__add_struct(b, "xepc_session", t->size);
    /* BTF keeps members in offset order: exchanging two fields of one
     * size is exchanging their names */
    for (uint16_t i = 0; i < n && st > 0; i++) {
        uint16_t j = swap && i < 2 ? 1 - i : i;
        if (btf__add_field(b, btf__name_by_offset(own, m[j].name_off), ids[i],
                           btf_member_bit_offset(t, i), 0))
            rc = -EINVAL;
    }
    if (st <= 0 || key <= 0 || rc || btf__load_into_kernel(b)) {
        btf__free(b);
        return rc ? rc : -EINVAL;
    }
    LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(b), .btf_key_type_id = key,
                .btf_value_type_id = st);
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, XEPC_MAP_SESSIONS, 4, t->size, max, &o);
    btf__free(b);
    if (fd < 0)
        return -errno;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", pin_dir, XEPC_MAP_SESSIONS);
    rc = unlink(path) || bpf_obj_pin(fd, path) ? -errno : 0;
    close(fd);
    return rc;
}

static int run(const char *pin_root)
{
    char pin_dir[256];
    snprintf(pin_dir, sizeof(pin_dir), "%s/xepc", pin_root);
    struct dp_config cfg;
    struct dp_ctx *ctx = NULL, *c2 = NULL;
    dp_config_init(&cfg);
    snprintf(cfg.s1u_ifname, sizeof(cfg.s1u_ifname), "lo");
    cfg.mode = XEPC_MODE_NAT;
    cfg.xdp_generic = true;
    cfg.max_sessions = 1024;
    inet_pton(AF_INET, "192.0.2.1", &cfg.gtpu_addr);
    snprintf(cfg.pin_dir, sizeof(cfg.pin_dir), "%s", pin_dir);
    int rc = dp_up(&cfg, &ctx);
    tap(!rc, "dp up on lo (NAT mode): %s", rc ? dp_ctx_error(ctx) : "ok");
    if (rc) {
        dp_close(ctx);
        return 1;
    }
    uint32_t max = ctx->max_entries[DP_MAP_SESSIONS];
    const struct btf *own = dp_own_btf(ctx);
    tap(own != NULL, "this build's BTF is readable");
    if (!own) {
        dp_close(ctx);
        return 1;
    }

    rc = dp_open_pinned(pin_dir, &c2);
    tap(!rc, "the datapath this build pinned is adopted: %s", rc ? dp_ctx_error(c2) : "ok");
    dp_close(c2);

    rc = replace_sessions(pin_dir, own, max, false);
    tap(!rc, "xepc_sessions replaced by a map of the same layout: %s", rc ? strerror(-rc) : "ok");
    c2 = NULL;
    rc = dp_open_pinned(pin_dir, &c2);
    tap(!rc, "a map of this build's layout is adopted: %s", rc ? dp_ctx_error(c2) : "ok");
    dp_close(c2);

    rc = replace_sessions(pin_dir, own, max, true);
    tap(!rc, "xepc_sessions replaced by a map with ue_addr and enb_addr exchanged: %s",
        rc ? strerror(-rc) : "ok");
    c2 = NULL;
    rc = dp_open_pinned(pin_dir, &c2);
    const char *err = rc ? dp_ctx_error(c2) : "";
    tap(rc == -EPROTO && strstr(err, "value layout differs") &&
            strstr(err, "xepc_session: member 0 is 'enb_addr', expected 'ue_addr'"),
        "a map of the same name, size and BTF name but another layout is refused "
        "(rc %d: %s)", rc, rc ? err : "adopted");
    dp_close(c2);

    rc = dp_down(ctx);
    tap(!rc, "dp down: %s", rc ? dp_ctx_error(ctx) : "ok");
    dp_close(ctx);
    return 0;
}

int main(void)
{
    char root[] = "/tmp/xepc-layout.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..8\n");
    run(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
