/* Receive offloads that NAT mode cannot work with (issue 13, section 6).
 *
 * In NAT mode downlink packets come from the PDN through the kernel's stack
 * (conntrack undoes the masquerade) and tc_ue encapsulates them on the
 * UE-pool device's egress.  A packet that GRO (or LRO, or hardware GRO)
 * aggregated on the way in is one skb for many TCP segments: its GTP-U
 * header would be copied to every segment with the length of the whole,
 * so tc_ue drops it (drop reason GSO), and TCP through the gateway
 * collapses.  No helper lets a BPF program segment an skb, so dp up checks
 * the device the downlink comes in on (--sgi) and refuses, saying which
 * offload is on and the command that turns it off, instead of a datapath
 * that silently drops the bulk of every download. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp/dp_int.h"

static int ethtool(int fd, const char *ifname, void *data)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = data;
    return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* Whether the feature named `name` (ethtool -k) is active: 1, 0, or < 0
 * when the device does not say. */
static int feature_active(int fd, const char *ifname, const char *name)
{
    /* struct ethtool_sset_info and the one count it returns */
    struct ethtool_sset_info *ss = calloc(1, sizeof(*ss) + sizeof(uint32_t));
    if (!ss)
        return -ENOMEM;
    ss->cmd = ETHTOOL_GSSET_INFO;
    ss->sset_mask = 1ull << ETH_SS_FEATURES;
    int rc = ethtool(fd, ifname, ss);
    uint32_t n = rc || !(ss->sset_mask & (1ull << ETH_SS_FEATURES)) ? 0 : ss->data[0];
    free(ss);
    if (rc)
        return rc;
    if (!n || n > 4096)
        return -ENOTSUP;
    uint32_t idx = n;
    struct ethtool_gstrings *gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
    uint32_t blocks = (n + 31) / 32;
    struct ethtool_gfeatures *gf =
        calloc(1, sizeof(*gf) + blocks * sizeof(struct ethtool_get_features_block));
    if (!gs || !gf) {
        rc = -ENOMEM;
        goto out;
    }
    gs->cmd = ETHTOOL_GSTRINGS;
    gs->string_set = ETH_SS_FEATURES;
    gs->len = n;
    rc = ethtool(fd, ifname, gs);
    if (rc)
        goto out;
    for (uint32_t i = 0; i < n && idx == n; i++)
        if (!strncmp((const char *)gs->data + (size_t)i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN))
            idx = i;
    if (idx == n) {
        rc = -ENOENT;
        goto out;
    }
    gf->cmd = ETHTOOL_GFEATURES;
    gf->size = blocks;
    rc = ethtool(fd, ifname, gf);
    if (!rc)
        rc = !!(gf->features[idx / 32].active & (1u << (idx % 32)));
out:
    free(gs);
    free(gf);
    return rc;
}

int dp_offload_check_nat(struct dp_ctx *ctx, const char *ifname)
{
    static const struct {
        const char *feature, *knob;
    } bad[] = {
        {"rx-gro", "gro"},              /* generic-receive-offload */
        {"rx-lro", "lro"},              /* large-receive-offload */
        {"rx-gro-hw", "rx-gro-hw"},
        {"rx-gro-list", "rx-gro-list"},
        {"rx-udp-gro-forwarding", "rx-udp-gro-forwarding"},
    };
    char on[160] = "", knobs[160] = "";
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return dp_set_error(ctx, -errno, "socket: %s", strerror(errno));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* a device that does not report a feature does not have it */
        if (feature_active(fd, ifname, bad[i].feature) != 1)
            continue;
        size_t l = strlen(on), k = strlen(knobs);
        snprintf(on + l, sizeof(on) - l, "%s%s", l ? ", " : "", bad[i].feature);
        snprintf(knobs + k, sizeof(knobs) - k, " %s off", bad[i].knob);
    }
    close(fd);
    if (!on[0])
        return 0;
    return dp_set_error(ctx, -EOPNOTSUPP,
                        "NAT mode: %s is on on %s (SGi): tc_ue cannot encapsulate packets the "
                        "kernel aggregated on the way in (they would be dropped, drop reason "
                        "GSO); turn it off with: ethtool -K %s%s", on, ifname, ifname, knobs);
}
