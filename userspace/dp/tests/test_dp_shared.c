/* test_dp_shared: a dedicated bearer's uplink is charged against its default
 * bearer's quota (dp_session_spec.policy_teid, XEPC_SF_SHARED_POLICY).
 *
 * TS 29.212 4.5.2 / TS 32.299 5.1: the OCS grants one quota per (session,
 * rating group), whatever bearer carries the traffic.  The downlink of a
 * dedicated bearer goes through its default bearer's rules (and slots)
 * already; its uplink arrives on its own TEID, i.e. its own datapath
 * session, which had no charging slot of that quota: it passed uncharged.
 * Now the bearer's session takes its default bearer's ruleset and charging
 * slots, keeps them when the default's policy is rebuilt (new slots: the
 * old ones are freed only once no bearer points to them), and drops them
 * when the default goes; the quota events its packets raise are handed on
 * as the default's (the quota is the default's).  The bearers of an
 * IPv6-only UE (address 0.0.0.0) with no policy at all are told from
 * another UE's by their /64 (xepc_sess6), which also lets their IPv6
 * uplink pass its source check.  A rebuild whose quota has `keep` goes
 * on from the old slot (counters and remainder).
 *
 * A datapath is brought up with dp_up() on the loopback device of a private
 * network namespace; xdp_s1u runs on uplink G-PDUs with BPF_PROG_TEST_RUN.
 * Needs root (netns, bpffs, BPF); prints "1..0 # SKIP" otherwise.  TAP.
 */
#include <inttypes.h>
#include <stdint.h>

#include "dp/dp_int.h"
#include "dp_test_env.h"

#define UE "10.45.0.9"
#define DEF_TEID 0x01000010u
#define BEARER_TEID 0x01000011u
#define RG 7u
#define INNER_LEN 100u          /* bytes charged per uplink packet */

/* Ethernet + IPv4 + UDP 2152 + GTP-U (TEID) + inner IPv4/UDP from the UE
 * to 203.0.113.7:4000, INNER_LEN bytes of inner packet (write it at 2 mod
 * 4 so that the IPv4 headers are aligned). */
static size_t uplink_frame(uint8_t *f, uint32_t teid)
{
    size_t outer = sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr) + 8;
    size_t len = outer + INNER_LEN;
    memset(f, 0, len);
    struct ethhdr *eth = (struct ethhdr *)f;
    eth->h_proto = htons(ETH_P_IP);
    struct iphdr *ip = (struct iphdr *)(eth + 1);
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons((uint16_t)(len - sizeof(*eth)));
    inet_pton(AF_INET, "192.0.2.50", &ip->saddr);
    inet_pton(AF_INET, "192.0.2.1", &ip->daddr);
    struct udphdr *uh = (struct udphdr *)(ip + 1);
    uh->source = htons(2152);
    uh->dest = htons(2152);
    uh->len = htons((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
    uint8_t *g = (uint8_t *)(uh + 1);
    g[0] = 0x30;                /* version 1, PT 1 */
    g[1] = 0xff;                /* G-PDU */
    g[2] = (uint8_t)(INNER_LEN >> 8);
    g[3] = (uint8_t)INNER_LEN;
    g[4] = (uint8_t)(teid >> 24);
    g[5] = (uint8_t)(teid >> 16);
    g[6] = (uint8_t)(teid >> 8);
    g[7] = (uint8_t)teid;
    struct iphdr *in = (struct iphdr *)(g + 8);
    in->version = 4;
    in->ihl = 5;
    in->ttl = 64;
    in->protocol = IPPROTO_UDP;
    in->tot_len = htons(INNER_LEN);
    inet_pton(AF_INET, UE, &in->saddr);
    inet_pton(AF_INET, "203.0.113.7", &in->daddr);
    struct udphdr *iu = (struct udphdr *)(in + 1);
    iu->source = htons(5001);
    iu->dest = htons(4000);
    iu->len = htons(INNER_LEN - sizeof(*in));
    return len;
}

/* xdp_s1u's verdict for one uplink G-PDU of teid, or -1. */
static int uplink(int pfd, uint32_t teid)
{
    uint8_t buf[256] __attribute__((aligned(8))), out[512];
    uint8_t *f = buf + 2;
    size_t len = uplink_frame(f, teid);
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
                .data_out = out, .data_size_out = sizeof(out));
    if (bpf_prog_test_run_opts(pfd, &o))
        return -1;
    return (int)o.retval;
}

static int prog_of_link(const char *pin_dir, const char *link, int *lfd)
{
    char path[320];
    struct bpf_link_info li = {0};
    uint32_t len = sizeof(li);
    snprintf(path, sizeof(path), "%s/%s", pin_dir, link);
    *lfd = bpf_obj_get(path);
    return *lfd >= 0 && !bpf_obj_get_info_by_fd(*lfd, &li, &len) ?
           bpf_prog_get_fd_by_id(li.prog_id) : -1;
}

static void default_spec(struct dp_session_spec *s, uint64_t quota)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = DEF_TEID;
    inet_pton(AF_INET, UE, &s->ue_addr);
    s->has_tunnel = true;
    inet_pton(AF_INET, "192.0.2.50", &s->enb_addr);
    s->dl_teid = 0x0a0b0c0d;
    /* the bearer's TFT: its downlink into the bearer, both ways its rating group */
    s->n_rules = 1;
    s->rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_BOTH,
                                        .proto = IPPROTO_UDP, .sport_lo = 5001,
                                        .sport_hi = 5001, .dport_hi = 65535,
                                        .action = DP_ACTION_BEARER, .rating_group = RG,
                                        .bearer_teid = BEARER_TEID};
    s->n_quotas = 1;
    s->quotas[0] = (struct dp_quota_spec){.rating_group = RG, .bytes = quota};
}

static void bearer_spec(struct dp_session_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = BEARER_TEID;
    inet_pton(AF_INET, UE, &s->ue_addr);
    s->bearer = true;
    s->has_tunnel = true;
    inet_pton(AF_INET, "192.0.2.50", &s->enb_addr);
    s->dl_teid = 0x0a0b0c0e;
    s->policy_teid = DEF_TEID;
}

static bool refs_equal(struct dp_ctx *ctx)
{
    struct xepc_session d, b;
    return !dp_session_read(ctx, XEPC_TEID_SID(DEF_TEID), &d) &&
           !dp_session_read(ctx, XEPC_TEID_SID(BEARER_TEID), &b) &&
           (b.flags & XEPC_SF_SHARED_POLICY) && d.charge_base && b.charge_base == d.charge_base &&
           b.n_charge == d.n_charge && b.ruleset_id == d.ruleset_id &&
           b.default_slot == d.default_slot;
}

/* The default's slot of RG: remaining and uplink bytes. */
static int rg_slot(struct dp_ctx *ctx, int64_t *remaining, uint64_t *ul_bytes, uint32_t *idx)
{
    struct xepc_session d;
    if (dp_session_read(ctx, XEPC_TEID_SID(DEF_TEID), &d))
        return -1;
    for (uint32_t i = 0; i < d.n_charge; i++) {
        const struct xepc_charge *c = &ctx->charging[d.charge_base + i];
        if (c->rating_group == RG && (c->flags & XEPC_CF_VALID)) {
            *remaining = c->remaining;
            *ul_bytes = c->ul_bytes;
            if (idx)
                *idx = d.charge_base + i;
            return 0;
        }
    }
    return -1;
}

struct seen {
    uint32_t quota_events, teid_local;
    int64_t remaining;
};

static void on_event(const struct dp_event *ev, void *arg)
{
    struct seen *s = arg;
    if (ev->type == XEPC_EV_QUOTA_EXHAUSTED) {
        s->quota_events++;
        s->teid_local = ev->u.quota.hdr.teid_local;
        s->remaining = ev->u.quota.remaining;
    }
}

static void run(const char *pin_root)
{
    char pin_dir[256];
    struct dp_ctx *ctx = dp_test_up_lo(pin_root, pin_dir, sizeof(pin_dir));
    if (!ctx)
        return;
    int rc;
    struct dp_session_spec d, b;
    default_spec(&d, 350);
    bearer_spec(&b);
    /* the bearer first: its default bearer's session must be there */
    rc = dp_session_add(ctx, &b, XEPC_ACT_PASS);
    tap(rc == -ENOENT, "a bearer sharing a policy that is not there is refused: %s",
        dp_ctx_error(ctx));
    tap(!dp_session_add(ctx, &d, XEPC_ACT_PASS), "the default bearer's session: rule of "
        "rating group %u, quota of 350 bytes", RG);
    struct xepc_session ds;
    tap(!dp_session_read(ctx, XEPC_TEID_SID(DEF_TEID), &ds) &&
        !(ds.flags & XEPC_SF_POLICY_SHARERS),
        "no bearer shares its policy yet: not marked (its delete scans no session)");
    rc = dp_session_add(ctx, &b, XEPC_ACT_PASS);
    tap(!rc && refs_equal(ctx), "the dedicated bearer takes its ruleset and charging slots "
        "(XEPC_SF_SHARED_POLICY): %s", rc ? dp_ctx_error(ctx) : "ok");
    tap(!dp_session_read(ctx, XEPC_TEID_SID(DEF_TEID), &ds) &&
        (ds.flags & XEPC_SF_POLICY_SHARERS),
        "the default bearer's session is marked XEPC_SF_POLICY_SHARERS");
    struct dp_session_spec other = b;
    other.ul_teid = 0x01000012;
    inet_pton(AF_INET, "10.45.0.10", &other.ue_addr);
    tap(dp_session_add(ctx, &other, XEPC_ACT_PASS) == -EINVAL,
        "a bearer of another UE cannot share it: %s", dp_ctx_error(ctx));

    struct seen seen = {0};
    int efd = dp_events_open(ctx, &(struct dp_events_opts){0}, on_event, &seen);
    int lfd = -1, pfd = prog_of_link(pin_dir, XEPC_LINK_XDP_S1U, &lfd);
    tap(efd >= 0 && pfd >= 0, "events open, xdp_s1u found through its pinned link");

    /* 350 bytes: 3 packets of 100 pass, the 4th does not fit */
    int64_t left = -1;
    uint64_t ul = 0;
    uint32_t idx = 0;
    int v[4];
    for (int i = 0; i < 4; i++)
        v[i] = uplink(pfd, BEARER_TEID);
    rc = rg_slot(ctx, &left, &ul, &idx);
    (void)idx;
    tap(!rc && v[0] != XDP_DROP && v[1] != XDP_DROP && v[2] != XDP_DROP && v[3] == XDP_DROP &&
        ul == 3 * INNER_LEN && left == 350 - 3 * INNER_LEN,
        "the bearer's uplink is charged to the default's quota: 3 of 4 packets of %u bytes "
        "pass, rating group %u counted %" PRIu64 " bytes up, %" PRId64 " left (verdicts %d %d "
        "%d %d)", INNER_LEN, RG, ul, left, v[0], v[1], v[2], v[3]);
    dp_events_poll(ctx, 100);
    tap(seen.quota_events == 1 && seen.teid_local == DEF_TEID,
        "the exhaustion it raised is handed on as the default bearer's (TEID 0x%08x, "
        "wanted 0x%08x; %u events)", seen.teid_local, DEF_TEID, seen.quota_events);

    /* the default's policy rebuilt: new slots, the bearer follows them */
    uint32_t old_base = 0;
    struct xepc_session ks;
    if (!dp_session_read(ctx, XEPC_TEID_SID(DEF_TEID), &ks))
        old_base = ks.charge_base;
    default_spec(&d, 1000);
    rc = dp_session_modify(ctx, &d, XEPC_ACT_PASS, DP_MOD_POLICY | DP_MOD_QUOTAS);
    bool follows = !rc && refs_equal(ctx);
    rc = dp_session_read(ctx, XEPC_TEID_SID(DEF_TEID), &ks);
    tap(follows && !rc && ks.charge_base != old_base &&
        !(ctx->charging[old_base].flags & XEPC_CF_VALID),
        "a rebuild of the default's policy: the bearer follows to the new slots, the old "
        "ones are freed (%u -> %u)", old_base, ks.charge_base);
    for (int i = 0; i < 2; i++)
        uplink(pfd, BEARER_TEID);
    rc = rg_slot(ctx, &left, &ul, NULL);
    tap(!rc && ul == 2 * INNER_LEN && left == 1000 - 2 * INNER_LEN,
        "then its uplink is charged to the new quota (%" PRIu64 " bytes, %" PRId64 " left)",
        ul, left);
    /* dp_quota_spec.keep (online charging): the next rebuild's slot goes on
     * from the old one, whatever `bytes` says */
    default_spec(&d, 5);
    d.quotas[0].keep = true;
    rc = dp_session_modify(ctx, &d, XEPC_ACT_PASS, DP_MOD_POLICY | DP_MOD_QUOTAS);
    follows = !rc && refs_equal(ctx);
    rc = rg_slot(ctx, &left, &ul, NULL);
    tap(follows && !rc && ul == 2 * INNER_LEN && left == 1000 - 2 * INNER_LEN,
        "a rebuild with keep: the new slot goes on from the old one (%" PRIu64 " bytes, %"
        PRId64 " left), the bearer follows", ul, left);
    for (int i = 0; i < 3; i++)
        uplink(pfd, BEARER_TEID);
    rc = rg_slot(ctx, &left, &ul, NULL);
    tap(!rc && ul == 5 * INNER_LEN && left == 1000 - 5 * INNER_LEN,
        "and counts on from there (%" PRIu64 " bytes, %" PRId64 " left)", ul, left);
    /* a modify of the bearer alone (its tunnel) keeps the sharing */
    b.dl_teid = 0x0a0b0c0f;
    tap(!dp_session_modify(ctx, &b, XEPC_ACT_PASS, 0) && refs_equal(ctx),
        "a modify of the bearer's tunnel keeps the default's policy");

    struct dp_session_info info;
    rc = dp_session_get(ctx, BEARER_TEID, &info);
    tap(!rc && info.spec.policy_teid == DEF_TEID && info.spec.n_rules == 0 &&
        info.spec.n_quotas == 0, "read back: policy_teid 0x%08x, no rules or quotas of its own",
        info.spec.policy_teid);
    struct dp_check_report r;
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && !r.dangling && !r.charging_leaks && !r.ruleset_leaks,
        "dp check: nothing dangling or leaked (dangling %u, charging leaks %u, ruleset "
        "leaks %u)", r.dangling, r.charging_leaks, r.ruleset_leaks);

    /* the default goes first: the bearer keeps no reference to freed slots */
    uint32_t base = ks.charge_base;
    rc = dp_session_del(ctx, DEF_TEID);
    tap(!rc && !dp_session_read(ctx, XEPC_TEID_SID(BEARER_TEID), &ks) && !ks.charge_base &&
        !ks.ruleset_id && !(ctx->charging[base].flags & XEPC_CF_VALID),
        "the default deleted: the bearer lets go of its slots, which are freed");
    tap(!dp_session_del(ctx, BEARER_TEID), "the bearer deleted");
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && !r.dangling && !r.charging_leaks && !r.ruleset_leaks && !r.meter_leaks,
        "dp check: nothing left behind");
    if (pfd >= 0)
        close(pfd);
    if (lfd >= 0)
        close(lfd);
    tap(!dp_down(ctx), "dp down");
    dp_close(ctx);
}

/* ------------------------------------------- IPv6-only PDN connections --- */

#define V6_DEF(u) (0x01000020u + 2 * (u))       /* UE u's default bearer */
#define V6_BEARER(u) (0x01000021u + 2 * (u))    /* and its dedicated bearer */

/* UE u's /64: 2001:db8:45:u::/64 */
static void v6_prefix(int u, uint8_t p[8])
{
    static const uint8_t base[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x45, 0x00, 0x00};
    memcpy(p, base, 8);
    p[7] = (uint8_t)(u + 1);
}

static void v6_spec(struct dp_session_spec *s, int u, bool bearer)
{
    memset(s, 0, sizeof(*s));
    s->ul_teid = bearer ? V6_BEARER(u) : V6_DEF(u);
    s->has_ue6 = true;      /* PDN type IPv6: UE address 0.0.0.0 */
    v6_prefix(u, s->ue6_prefix);
    s->has_tunnel = true;
    inet_pton(AF_INET, "192.0.2.50", &s->enb_addr);
    s->dl_teid = 0x0b000000u + s->ul_teid;
    s->bearer = bearer;
    s->policy_teid = bearer ? V6_DEF(u) : 0;
}

/* An uplink G-PDU of teid whose T-PDU is IPv6/UDP from UE u's /64 (::9)
 * to 2001:db8:ffff::7, INNER_LEN bytes. */
static size_t uplink6_frame(uint8_t *f, uint32_t teid, int u)
{
    size_t len = uplink_frame(f, teid);
    uint8_t *in = f + sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr) + 8;
    memset(in, 0, INNER_LEN);
    in[0] = 0x60;
    in[4] = 0;
    in[5] = INNER_LEN - 40;
    in[6] = IPPROTO_UDP;
    in[7] = 64;
    v6_prefix(u, in + 8);
    in[23] = 9;
    static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 7};
    memcpy(in + 24, dst, 16);
    struct udphdr *uh = (struct udphdr *)(in + 40);
    uh->source = htons(5001);
    uh->dest = htons(4000);
    uh->len = htons(INNER_LEN - 40);
    return len;
}

static int uplink6(int pfd, uint32_t teid, int u)
{
    uint8_t buf[256] __attribute__((aligned(8))), out[512];
    uint8_t *f = buf + 2;
    size_t len = uplink6_frame(f, teid, u);
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len,
                .data_out = out, .data_size_out = sizeof(out));
    if (bpf_prog_test_run_opts(pfd, &o))
        return -1;
    return (int)o.retval;
}

static bool v6_refs(struct dp_ctx *ctx, int u, uint32_t *base)
{
    struct xepc_session d, b;
    if (dp_session_read(ctx, XEPC_TEID_SID(V6_DEF(u)), &d) ||
        dp_session_read(ctx, XEPC_TEID_SID(V6_BEARER(u)), &b))
        return false;
    *base = b.charge_base;
    return b.charge_base == d.charge_base && b.n_charge == d.n_charge &&
           b.ruleset_id == d.ruleset_id && b.default_slot == d.default_slot;
}

/* Two IPv6-only UEs with no policy at all, each with a dedicated bearer:
 * every reference the bearers took is 0, and their UE address is 0.0.0.0;
 * their /64 (xepc_sess6, no xepc_ue6 entry) tells them apart. */
static void run6(const char *pin_root)
{
    char pin_dir[256];
    struct dp_ctx *ctx = dp_test_up_lo(pin_root, pin_dir, sizeof(pin_dir));
    if (!ctx)
        return;
    struct dp_session_spec d[2], b[2];
    bool ok = true;
    for (int u = 0; u < 2; u++) {
        v6_spec(&d[u], u, false);
        v6_spec(&b[u], u, true);
        ok = ok && !dp_session_add(ctx, &d[u], XEPC_ACT_PASS) &&
             !dp_session_add(ctx, &b[u], XEPC_ACT_PASS);
    }
    uint32_t base0 = 1, base1 = 1;
    tap(ok && v6_refs(ctx, 0, &base0) && v6_refs(ctx, 1, &base1) && !base0 && !base1,
        "IPv6-only: two UEs without policy, each with a bearer sharing it (nothing to share "
        "yet): %s", ok ? "ok" : dp_ctx_error(ctx));
    struct dp_session_spec wrong = b[0];
    wrong.ul_teid = 0x01000030u;
    v6_prefix(1, wrong.ue6_prefix);
    tap(dp_session_add(ctx, &wrong, XEPC_ACT_PASS) == -EINVAL,
        "IPv6-only: a bearer with another UE's /64 cannot share UE 0's policy: %s",
        dp_ctx_error(ctx));
    uint8_t p6[8], want[8];
    struct xepc_session k;
    v6_prefix(0, want);
    tap(!dp_session_read(ctx, XEPC_TEID_SID(V6_BEARER(0)), &k) &&
        dp_ue6_get(ctx, XEPC_TEID_SID(V6_BEARER(0)), k.cookie, p6) == 1 &&
        !memcmp(p6, want, 8) && dp_ue6_owner(ctx, want) == XEPC_TEID_SID(V6_DEF(0)),
        "IPv6-only: the bearer has its UE's /64 (xepc_sess6); the downlink's key stays the "
        "default bearer's");

    int lfd = -1, pfd = prog_of_link(pin_dir, XEPC_LINK_XDP_S1U, &lfd);
    int v = uplink6(pfd, V6_BEARER(0), 0), spoof = uplink6(pfd, V6_BEARER(0), 1);
    tap(pfd >= 0 && v != XDP_DROP && v != -1 && spoof == XDP_DROP,
        "IPv6-only: the bearer's IPv6 uplink passes its source check (verdict %d; before: "
        "NO_IPV6), another /64 is spoofed (verdict %d)", v, spoof);

    /* UE 0's policy rebuilt with a quota: its bearer follows, UE 1's not */
    d[0].n_rules = 1;
    d[0].rules[0] = (struct dp_rule_spec){.precedence = 10, .dir = DP_DIR_BOTH,
                                          .dport_hi = 65535, .sport_hi = 65535,
                                          .action = DP_ACTION_PASS, .rating_group = RG};
    d[0].n_quotas = 1;
    d[0].quotas[0] = (struct dp_quota_spec){.rating_group = RG, .bytes = 1000};
    int rc = dp_session_modify(ctx, &d[0], XEPC_ACT_PASS, DP_MOD_POLICY | DP_MOD_QUOTAS);
    bool f0 = v6_refs(ctx, 0, &base0), f1 = v6_refs(ctx, 1, &base1);
    tap(!rc && f0 && base0 && f1 && !base1,
        "IPv6-only: a rebuild of UE 0's policy (a rule, a quota) moves its bearer to the new slot %u, UE 1's "
        "bearer keeps none (%u): %s", base0, base1, rc ? dp_ctx_error(ctx) : "ok");
    struct dp_check_report r;
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(!rc && !r.dangling && !r.charging_leaks && !r.ruleset_leaks,
        "IPv6-only: dp check finds nothing dangling or leaked");
    rc = dp_session_del(ctx, V6_DEF(0));
    tap(!rc && !dp_session_read(ctx, XEPC_TEID_SID(V6_BEARER(0)), &k) && !k.charge_base &&
        !(ctx->charging[base0].flags & XEPC_CF_VALID),
        "IPv6-only: UE 0's default deleted first: its bearer lets go of the slot, which is "
        "freed");
    ok = !dp_session_del(ctx, V6_BEARER(0)) && !dp_session_del(ctx, V6_BEARER(1)) &&
         !dp_session_del(ctx, V6_DEF(1));
    rc = dp_check(ctx, false, &r, NULL, NULL);
    tap(ok && !rc && !r.dangling && !r.charging_leaks && !r.ruleset_leaks &&
        dp_ue6_owner(ctx, want) == 0, "IPv6-only: all deleted, nothing left behind");
    if (pfd >= 0)
        close(pfd);
    if (lfd >= 0)
        close(lfd);
    tap(!dp_down(ctx), "dp down");
    dp_close(ctx);
}

int main(void)
{
    char root[] = "/tmp/xepc-shared.XXXXXX";
    if (!dp_test_env_enter(root))
        return 0;
    printf("1..31\n");
    run(root);
    run6(root);
    dp_test_env_leave(root);
    return n_failed ? 1 : 0;
}
