// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc_ue — TC egress on the UE-pool device, NAT mode: downlink.
 *
 * In NAT mode the SGi traffic goes through the kernel (conntrack undoes the
 * masquerade) and is routed to the UE pool.  The pool is routed either to a
 * NOARP device (e.g. a dummy "xepc-ue") or, through a next hop with a
 * neighbour entry, to the S1-U device; this program runs on that egress:
 *   Ethernet / IPv4 to a UE address
 *     session by UE address -> portal reply restore -> policy
 *   Ethernet / IPv6 to a UE's /64 (routed by the stack, never translated)
 *     session by the /64 (xepc_ue6) -> policy
 *   then, for both (dl_tunnel()):
 *     -> idle UE: downlink-data event + packet kept in xepc_pktbuf
 *     -> encapsulate IPv4/UDP/GTP-U (bpf_skb_adjust_room)
 *     -> bpf_fib_lookup + bpf_redirect to the eNB side
 *        (no neighbour yet: bpf_redirect_neigh lets the kernel resolve it)
 *   anything else -> TC_ACT_OK
 */
#include "dp_common.h"
#include "dp_mtu.h"
#include "ipv6.h"
#include <linux/pkt_cls.h>

char LICENSE[] SEC("license") = "GPL";

#define IP_CSUM_OFF	offsetof(struct iphdr, check)
#define IP_SRC_OFF	offsetof(struct iphdr, saddr)

static __always_inline int restore_portal_src(struct __sk_buff *skb,
					      __u32 l3, struct iphdr *iph,
					      __u32 ihl, __be32 to)
{
	__be32 from = iph->saddr;
	__u8 proto = iph->protocol;
	int nonfirst = !!(iph->frag_off & bpf_htons(IP_OFFMASK_));

	/* helpers keep CHECKSUM_PARTIAL skbs right (pseudo header) */
	if (!nonfirst && proto == IPPROTO_TCP)
		bpf_l4_csum_replace(skb, l3 + ihl + offsetof(struct tcphdr, check),
				    from, to, BPF_F_PSEUDO_HDR | 4);
	else if (!nonfirst && proto == IPPROTO_UDP)
		bpf_l4_csum_replace(skb, l3 + ihl + offsetof(struct udphdr, check),
				    from, to, BPF_F_PSEUDO_HDR |
				    BPF_F_MARK_MANGLED_0 | 4);
	if (bpf_l3_csum_replace(skb, l3 + IP_CSUM_OFF, from, to, 4))
		return XEPC_DROP_ADJUST;
	if (bpf_skb_store_bytes(skb, l3 + IP_SRC_OFF, &to, 4, 0))
		return XEPC_DROP_ADJUST;
	return 0;
}

static __always_inline int buffer_packet(struct __sk_buff *skb,
					 const struct xepc_config *cfg,
					 __u32 sid, const struct xepc_session *s,
					 __u32 off, __u32 len)
{
	struct xepc_ev_buffered *rec = NULL;
	int rc;

	rc = idle_begin(cfg, sid, s, len, &rec);
	if (rc)
		return rc;
	if (len < 1 || len > XEPC_BUF_PKT_MAX)	/* bounds the copy */
		return idle_end(sid, rec, -1);
	/* hidden from the compiler after its range check, so that
	 * buf_len()'s mask stays in the code and the verifier bounds the
	 * copy by it (as buffer_packet() in xdp_sgi) */
	asm volatile("" : "+r"(len));
	return idle_end(sid, rec, bpf_skb_load_bytes(skb, off, rec->data, buf_len(len)));
}

/* The packet, over the S1-U MTU once encapsulated, to userspace, which
 * fragments the outer header (dp_mtu.h).  0 or a drop reason. */
static __always_inline int oversize_to_user(struct __sk_buff *skb,
					    const struct xepc_config *cfg,
					    __u32 sid, const struct xepc_session *s,
					    __u32 off, __u32 len, __u16 type)
{
	struct xepc_ev_buffered *rec = NULL;
	int rc;

	rc = oversize_begin(cfg, sid, s, len, &rec, type);
	if (rc)
		return rc;
	asm volatile("" : "+r"(len));	/* as in buffer_packet() */
	return oversize_end(rec, bpf_skb_load_bytes(skb, off, rec->data, buf_len(len)));
}

/*
 * The downlink's last steps for the inner packet of len bytes at l3 (IPv4,
 * or IPv6 with is6), its usage counted: the idle buffer, an eNB on IPv6,
 * the S1-U MTU, encapsulation in outer IPv4/UDP/GTP-U, and the route to
 * the eNB.  The same for both families but for the MTU: an IPv4 packet
 * with DF set is dropped there, an IPv6 packet (which routers do not
 * fragment, RFC 8200 5) goes to userspace for outer fragments, as one
 * with DF clear, and as in xdp_sgi_ipv6.  The hop limit / TTL is the
 * stack's, which forwarded the packet here.  Returns a drop reason (the
 * caller takes the packet out of the usage again) or -(tc action) - 1.
 */
static __always_inline int dl_tunnel(struct __sk_buff *skb,
				     const struct xepc_config *cfg,
				     const struct xepc_session *s, __u32 sid,
				     __u32 l3, __u32 len, __u8 tos, const int is6)
{
	void *data, *end;
	struct route_res rt;
	struct ethhdr *eth;
	int rc;

	if (!(s->flags & XEPC_SF_TUNNEL)) {
		rc = buffer_packet(skb, cfg, sid, s, l3, len);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_IDLE_BUFFERED, len);
		return -TC_ACT_SHOT - 1;	/* consumed: userspace holds it */
	}
	if (s->flags & XEPC_SF_ENB6) {
		/* the eNB is on IPv6 (docs/datapath.md "IPv6 on S1-U"): NAT
		 * mode sends it from userspace, a G-PDU through the
		 * follower's IPv6 socket (XEPC_EV_TO_STACK) */
		if (skb->gso_segs > 1)
			return XEPC_DROP_GSO;
		rc = oversize_to_user(skb, cfg, sid, s, l3, len, XEPC_EV_TO_STACK);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_ENB6_USER, len);
		return -TC_ACT_SHOT - 1;
	}

	/* Over the S1-U MTU once encapsulated (the stack routed it here
	 * with the UE device's MTU): IPv4 with DF set is dropped (MTU; in
	 * NAT mode give the UE-pool route the MTU s1u_mtu - 36 so that the
	 * kernel answers with its own ICMP, through conntrack), IPv4 with DF
	 * clear and IPv6 go to userspace, which sends them as outer
	 * fragments */
	if (over_s1u_mtu(cfg, len) && skb->gso_segs <= 1) {
		if (!is6) {
			data = (void *)(long)skb->data;
			end = (void *)(long)skb->data_end;
			if (data + l3 + sizeof(struct iphdr) > end)
				return XEPC_DROP_IP_TRUNC;
			if (((struct iphdr *)(data + l3))->frag_off & bpf_htons(0x4000))
				return XEPC_DROP_MTU;
		}
		rc = oversize_to_user(skb, cfg, sid, s, l3, len, XEPC_EV_OVERSIZE);
		if (rc)
			return rc;
		stat_cnt(XEPC_CNT_DL_FRAG_USER, len);
		return -TC_ACT_SHOT - 1;	/* consumed: userspace sends it */
	}

	/* The GTP-U length is per packet: a GSO skb would be segmented with
	 * one header copied to every segment.  NAT mode runs with GRO off on
	 * SGi and TSO/GSO off on the UE device (docs/datapath.md). */
	if (skb->gso_segs > 1)
		return XEPC_DROP_GSO;

	if (skb->len > l3 + len && bpf_skb_change_tail(skb, l3 + len, 0))
		return XEPC_DROP_ADJUST;
	/* the outer header is IPv4 either way: skb->protocol follows it */
	if (bpf_skb_adjust_room(skb, 36, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
				BPF_F_ADJ_ROOM_ENCAP_L4_UDP))
		return XEPC_DROP_ADJUST;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) + 36 > end)
		return XEPC_DROP_ADJUST;
	if (l3 != sizeof(*eth)) {
		/* a VLAN tag on the UE device is not carried to the eNB side */
		return XEPC_DROP_ADJUST;
	}
	eth->h_proto = bpf_htons(ETH_P_IP);
	gtpu_encap_hdrs((void *)(eth + 1), cfg, s, len, tos);

	rc = route_to_enb(skb, cfg, skb->ifindex, s, len, tos, &rt);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		eth = data;
		if ((void *)(eth + 1) > end)
			return XEPC_DROP_ADJUST;
		__builtin_memcpy(eth->h_dest, rt.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, rt.smac, ETH_ALEN);
		stat_cnt(XEPC_CNT_DL_TC_FWD, len);
		/* attached on the eNB-facing device itself: just carry on
		 * (a redirect to our own egress would run us a second time) */
		if (rt.ifindex == skb->ifindex)
			return -TC_ACT_OK - 1;
		return -(int)bpf_redirect(rt.ifindex, 0) - 1;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* the kernel's neighbour code resolves the eNB and sends */
		stat_cnt(XEPC_CNT_DL_NO_NEIGH_PASS, len);
		return -(int)bpf_redirect_neigh(rt.ifindex, NULL, 0, 0) - 1;
	}
	if (rc < 0)
		return XEPC_DROP_FIB_OTHER;
	return fib_drop_reason(rc);
}

/* IPv4 to a UE address.  Returns a drop reason (> 0) or -(tc action) - 1. */
static __always_inline int downlink(struct __sk_buff *skb,
				    const struct xepc_config *cfg, __u32 l3,
				    __u32 *sid_out)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct xepc_session *s, scopy;
	struct verdict v = {};
	struct flow f = {};
	struct iphdr *iph = NULL;
	__u32 sid = 0, ihl, len;
	__be32 daddr;
	__u8 tos;
	int rc;

	/* fragments are encapsulated as they are: no reassembly here */
	if (l3 > 18 || data + l3 + sizeof(*iph) > end)
		return -TC_ACT_OK - 1;
	iph = data + l3;
	if (iph->version != 4)
		return -TC_ACT_OK - 1;
	daddr = iph->daddr;
	s = ue_session(cfg, daddr, &sid, &scopy);
	if (!s)
		return -TC_ACT_OK - 1;
	*sid_out = sid;

	ihl = iph->ihl * 4;
	len = bpf_ntohs(iph->tot_len);
	if (ihl < sizeof(*iph) || (void *)iph + ihl > end)
		return XEPC_DROP_IP_HDR_LEN;
	if (len < ihl || l3 + len > skb->len)
		return XEPC_DROP_IP_TOT_LEN;
	stat_cnt(XEPC_CNT_DL_RX, len);

	f.ue_addr = daddr;
	f.remote_addr = iph->saddr;
	f.proto = iph->protocol;
	f.tos = iph->tos;
	f.dir = XEPC_DIR_DL;
	flow_ports(end, iph, ihl, &f.remote_port, &f.ue_port, &f.has_ports);
	if (cfg->portal_addr && iph->saddr == cfg->portal_addr) {
		struct xepc_usage *u = bpf_map_lookup_elem(&xepc_usage, &sid);

		f.from_portal = 1;
		if (u && u->redirect_orig) {
			f.remote_addr = u->redirect_orig;
			rc = restore_portal_src(skb, l3, iph, ihl, u->redirect_orig);
			if (rc)
				return rc;
			stat_cnt(XEPC_CNT_PORTAL_RESTORE, len);
		}
	}

	/* a dedicated bearer's TFT may take it (dl_policy()) */
	rc = dl_policy(cfg, &s, &scopy, &sid, sid_out, &f, len, &v);
	if (rc)
		return rc;

	/* counted now, taken out again if it is dropped below */
	count_usage(sid, &v, XEPC_DIR_DL, len);

	/* the helpers above may have moved the data */
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + l3 + sizeof(*iph) > end) {
		rc = XEPC_DROP_IP_TRUNC;
		goto undo;
	}
	tos = ((struct iphdr *)(data + l3))->tos;
	rc = dl_tunnel(skb, cfg, s, sid, l3, len, tos, 0);
	if (rc < 0)
		return rc;
undo:
	uncount_usage(sid, &v, XEPC_DIR_DL, len);
	return rc;
}

/*
 * IPv6 to a UE's /64 (docs/datapath.md "IPv6 UEs", "Downlink, NAT mode"):
 * the stack routed it here — IPv6 UEs are routed, not translated, in
 * either mode (no NAT66) — and it gets the walk of xdp_sgi_ipv6 but for
 * the hop limit, which the stack decremented: the session of the
 * destination's /64 (xepc_ue6), the rules, meters and quota, then
 * dl_tunnel(): the idle buffer and downlink-data event, or outer
 * IPv4/UDP/GTP-U to the eNB.  Returns a drop reason (> 0) or
 * -(tc action) - 1.
 */
static __always_inline int downlink6(struct __sk_buff *skb,
				     const struct xepc_config *cfg, __u32 l3,
				     __u32 *sid_out)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct xepc_session *s, scopy;
	struct verdict v = {};
	struct ip6_info pi;
	struct flow f = {};
	__u32 sid = 0, len, want;
	__u8 *h;
	int rc;

	if (l3 > 18)
		return -TC_ACT_OK - 1;
	/* the headers the walk reads in the linear part (a forwarded skb
	 * usually has them there already) */
	want = l3 + IP6_HLEN + 64;
	if (want > skb->len)
		want = skb->len;
	if (data + want > end) {
		if (bpf_skb_pull_data(skb, want))
			return XEPC_DROP_ADJUST;
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	h = data + l3;
	if ((void *)(h + IP6_HLEN) > end || h[0] >> 4 != 6)
		return -TC_ACT_OK - 1;
	s = ue6_session(cfg, ip6_pfx(h + 24), &sid, &scopy);
	if (!s)
		return -TC_ACT_OK - 1;
	*sid_out = sid;
	len = (__u32)(h[4] << 8 | h[5]) + IP6_HLEN;
	/* bounded like an IPv4 total length (the idle buffer's and the
	 * oversize copies' checks rely on it) */
	if (len > 0xffff || l3 + len > skb->len)
		return XEPC_DROP_IP_TOT_LEN;
	stat_cnt(XEPC_CNT_DL6_RX, len);
	rc = parse_ipv6(data, end, l3, len, &pi);
	if (rc)
		return rc;
	flow6(data, end, &pi, XEPC_DIR_DL, &f);

	/* a dedicated bearer's TFT may take it (dl_policy()) */
	rc = dl_policy(cfg, &s, &scopy, &sid, sid_out, &f, len, &v);
	if (rc)
		return rc;
	count_usage(sid, &v, XEPC_DIR_DL, len);
	rc = dl_tunnel(skb, cfg, s, sid, l3, len, pi.tclass, 1);
	if (rc < 0)
		return rc;
	uncount_usage(sid, &v, XEPC_DIR_DL, len);
	return rc;
}

/* Returns a drop reason (> 0) or -(tc action) - 1. */
static __always_inline int dl_dispatch(struct __sk_buff *skb,
				       const struct xepc_config *cfg, __u32 *sid_out)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct l2_info l2 = {};
	int rc;

	rc = parse_eth(data, end, &l2);
	if (rc)
		return -TC_ACT_OK - 1;
	if (l2.proto == ETH_P_IP)
		return downlink(skb, cfg, l2.len, sid_out);
	if (l2.proto == ETH_P_IPV6_)
		return downlink6(skb, cfg, l2.len, sid_out);
	return -TC_ACT_OK - 1;
}

SEC("tc")
int tc_ue(struct __sk_buff *skb)
{
	__u32 frame_len = skb->len, sid = 0;
	struct xepc_config *cfg;
	int rc;

	cfg = get_config();
	if (!cfg) {
		rc = XEPC_DROP_NO_CONFIG;
		goto drop;
	}
	rc = dl_dispatch(skb, cfg, &sid);
	if (rc < 0) {
		if (rc == -TC_ACT_OK - 1 && !sid)
			stat_cnt(XEPC_CNT_DL_NOT_UE_PASS, frame_len);
		return -rc - 1;
	}
	if (sid)
		count_session_drop(sid, XEPC_DIR_DL);
drop:
	stat_drop(rc, frame_len);
	return TC_ACT_SHOT;
}
