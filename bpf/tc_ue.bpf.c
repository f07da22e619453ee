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
 *     -> idle UE: downlink-data event + packet kept in xepc_pktbuf
 *     -> encapsulate IPv4/UDP/GTP-U (bpf_skb_adjust_room)
 *     -> bpf_fib_lookup + bpf_redirect to the eNB side
 *        (no neighbour yet: bpf_redirect_neigh lets the kernel resolve it)
 *   anything else -> TC_ACT_OK
 */
#include "dp_common.h"
#include "dp_mtu.h"
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
	return oversize_end(rec, bpf_skb_load_bytes(skb, off, rec->data, buf_len(len)));
}

/* Returns a drop reason (> 0) or -(tc action) - 1. */
static __always_inline int downlink(struct __sk_buff *skb,
				    const struct xepc_config *cfg, __u32 *sid_out)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct route_req rq = {};
	struct route_res rt;
	struct xepc_session *s, scopy, bcopy;
	struct verdict v = {};
	struct flow f = {};
	struct l2_info l2 = {};
	struct iphdr *iph = NULL;
	__u32 sid = 0, ihl, len, l3;
	struct ethhdr *eth;
	__be32 daddr;
	__u8 tos;
	int rc;

	rc = parse_eth(data, end, &l2);
	if (rc || l2.proto != ETH_P_IP)
		return -TC_ACT_OK - 1;
	l3 = l2.len;
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

	rc = dp_policy(cfg, s, &f, len, &v, &bcopy);
	if (rc) {
		/* a bearer's MBR drop counts on the bearer */
		if (v.bearer_sid)
			*sid_out = v.bearer_sid;
		return rc;
	}
	/* a dedicated bearer's TFT took it: that bearer's session from here
	 * on (usage, tunnel, buffering), the default bearer's otherwise */
	if (v.bearer_sid) {
		__builtin_memcpy(&scopy, &bcopy, sizeof(scopy));
		s = &scopy;
		sid = v.bearer_sid;
		*sid_out = sid;
	}

	/* counted now, taken out again if it is dropped below */
	count_usage(sid, &v, XEPC_DIR_DL, len);

	if (!(s->flags & XEPC_SF_TUNNEL)) {
		rc = buffer_packet(skb, cfg, sid, s, l3, len);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_IDLE_BUFFERED, len);
		return -TC_ACT_SHOT - 1;	/* consumed: userspace holds it */
	}
	if (s->flags & XEPC_SF_ENB6) {
		/* the eNB is on IPv6 (docs/datapath.md "IPv6 on S1-U"): NAT
		 * mode sends it from userspace, a G-PDU through the
		 * follower's IPv6 socket (XEPC_EV_TO_STACK) */
		if (skb->gso_segs > 1) {
			rc = XEPC_DROP_GSO;
			goto undo;
		}
		rc = oversize_to_user(skb, cfg, sid, s, l3, len, XEPC_EV_TO_STACK);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_DL_ENB6_USER, len);
		return -TC_ACT_SHOT - 1;
	}

	/* Over the S1-U MTU once encapsulated (the stack routed it here
	 * with the UE device's MTU): DF set is dropped (MTU; in NAT mode give
	 * the UE-pool route the MTU s1u_mtu - 36 so that the kernel answers
	 * with its own ICMP, through conntrack), DF clear goes to userspace,
	 * which sends it as outer fragments */
	if (over_s1u_mtu(cfg, len) && skb->gso_segs <= 1) {
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		if (data + l3 + sizeof(*iph) > end) {
			rc = XEPC_DROP_IP_TRUNC;
			goto undo;
		}
		if (((struct iphdr *)(data + l3))->frag_off & bpf_htons(0x4000)) {
			rc = XEPC_DROP_MTU;
			goto undo;
		}
		rc = oversize_to_user(skb, cfg, sid, s, l3, len, XEPC_EV_OVERSIZE);
		if (rc)
			goto undo;
		stat_cnt(XEPC_CNT_DL_FRAG_USER, len);
		return -TC_ACT_SHOT - 1;	/* consumed: userspace sends it */
	}

	/* The GTP-U length is per packet: a GSO skb would be segmented with
	 * one header copied to every segment.  NAT mode runs with GRO off on
	 * SGi and TSO/GSO off on the UE device (docs/datapath.md). */
	if (skb->gso_segs > 1) {
		rc = XEPC_DROP_GSO;
		goto undo;
	}

	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data + l3 + sizeof(*iph) > end) {
		rc = XEPC_DROP_IP_TRUNC;
		goto undo;
	}
	tos = ((struct iphdr *)(data + l3))->tos;

	if (skb->len > l3 + len && bpf_skb_change_tail(skb, l3 + len, 0)) {
		rc = XEPC_DROP_ADJUST;
		goto undo;
	}
	if (bpf_skb_adjust_room(skb, 36, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 |
				BPF_F_ADJ_ROOM_ENCAP_L4_UDP)) {
		rc = XEPC_DROP_ADJUST;
		goto undo;
	}
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) + 36 > end) {
		rc = XEPC_DROP_ADJUST;
		goto undo;
	}
	if (l3 != sizeof(*eth)) {
		/* a VLAN tag on the UE device is not carried to the eNB side */
		rc = XEPC_DROP_ADJUST;
		goto undo;
	}
	eth->h_proto = bpf_htons(ETH_P_IP);
	gtpu_encap_hdrs((void *)(eth + 1), cfg, s, len, tos);

	rq.ifindex = skb->ifindex;
	rq.src = cfg->gtpu_addr;
	rq.dst = s->enb_addr;
	rq.tot_len = len + 36;
	rq.tos = tos;
	rq.l4_protocol = IPPROTO_UDP;
	rq.sport = bpf_htons(XEPC_GTPU_PORT);
	rq.dport = bpf_htons(XEPC_GTPU_PORT);
	rc = route_lookup(skb, cfg, &rq, XEPC_DIR_DL, 1, &rt);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
		eth = data;
		if ((void *)(eth + 1) > end) {
			rc = XEPC_DROP_ADJUST;
			goto undo;
		}
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
	if (rc < 0) {
		rc = XEPC_DROP_FIB_OTHER;
		goto undo;
	}
	rc = fib_drop_reason(rc);
undo:
	uncount_usage(sid, &v, XEPC_DIR_DL, len);
	return rc;
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
	rc = downlink(skb, cfg, &sid);
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
