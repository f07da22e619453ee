/* xepc-agwd's Gy (RFC 4006, TS 32.299) toward an OCS, on userspace/diameter
 * (docs/charging.md "Gy in xepc-agwd"):
 *
 *   gy_path.c     the sessions' table, the node's Gy peer, validity timers
 *   gy_build.c    CCR-I/U/T with MSCC and what goes into the datapath
 *   gy_handler.c  CCA, RAR, Tx timeouts, the kernel's quota events
 *
 * One credit-control session per PDN connection of an APN that has Gy
 * (diameter.gy, diameter.gy.apn), with one MSCC per online rating group:
 * diameter.gy.rating_group for the traffic no online rule claims (the
 * catch-all), and the rating group of each PCC rule charged online (the
 * Online AVP of a PCRF's rule, an `online` rating group of the local
 * policy).  Rules of one rating group share its quota.  The kernel
 * enforces each grant (docs/datapath.md "Charging"); this code keeps the
 * books of each (session, rating group):
 *
 *   charged(t) = off + ul_bytes + dl_bytes of the (session, rating group)
 *   granted    = what was put into the kernel's quota in all
 *   granted - charged(t) = the kernel's remainder, always
 *
 * A report (USU) is charged(now) - charged(last report); a new grant G in
 * the answer to a report made at charged = S replaces the old grant (RFC
 * 4006 5.1.2: the used units settle it), so granted becomes S + G and the
 * kernel's remainder moves by that difference (dp_quota_adjust), whatever
 * the traffic did meanwhile. */
#ifndef XEPC_AGW_GY_H
#define XEPC_AGW_GY_H

#include <stdbool.h>
#include <stdint.h>

struct agw_ctx;
struct agw_ue;
struct agw_pdn;
struct diam_cfg;
struct diam_event;
struct dp_session_spec;
struct diam_rule_def;

/* The bytes a policy rebuild carries over from each rating group's
 * replaced charging slot (gy_policy_add -> gy_policy_done). */
struct gy_carry {
    unsigned n;
    uint32_t rg[8];
    uint64_t bytes[8];
};

struct agw_gy_stats {
    uint64_t ccr_i, ccr_u, ccr_t, cca_ok, cca_failed, timeouts, rar;
    uint64_t fua_terminate, fua_redirect, fua_restrict, blocked;
    uint64_t ccfh_terminate, ccfh_continue;
    uint64_t retries;               /* CCRs sent again to the alternate OCS */
    uint64_t uncharged_bytes;       /* let through by final-unit actions,
                                     * not reported (gy_uncharged_note()) */
    uint64_t mscc_u;                /* rating-group reports (MSCCs with a
                                     * USU) in the CCR-Us sent */
    uint64_t early;                 /* of those, groups reported before
                                     * their Validity-Time ended, joining
                                     * another group's CCR-U */
};

/* gy_path.c */
void gy_node_cfg(struct agw_ctx *ctx, struct diam_cfg *dc);   /* adds the OCS */
int gy_open(struct agw_ctx *ctx);
void gy_close(struct agw_ctx *ctx);
const struct agw_gy_stats *gy_stats(const struct agw_ctx *ctx);

/* gy_build.c: hooks of pgw_session.c */
void gy_session_start(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);
/* Adds the catch-all rule and the online rating groups' quotas to a
 * session about to be added to the datapath. */
void gy_session_spec(struct agw_ctx *ctx, const struct agw_pdn *p, struct dp_session_spec *s);
/* Gy's rules and quotas (with the kernel's remainders) in a policy being
 * rebuilt from the PCC rules defs (their online rating groups join the
 * session, those no rule has any more leave it), and the counted bytes
 * carried over once it is written (gx_policy.c builds every policy
 * rebuild of a session).  gy_policy_done() after the datapath took it
 * (the new rating groups are asked for in a CCR-U, those gone reported). */
bool gy_policy_add(struct agw_ctx *ctx, const struct agw_pdn *p,
                   const struct diam_rule_def *defs, unsigned n_defs,
                   struct dp_session_spec *s, struct gy_carry *carry);
/* The catch-all rating group of p's credit-control session; 0 without one. */
uint32_t gy_rating_group(struct agw_ctx *ctx, uint32_t ul_teid);
void gy_policy_done(struct agw_ctx *ctx, const struct agw_pdn *p, const struct gy_carry *carry);
/* Whether a PCC rule is charged online (TS 29.212 5.3.4 Online). */
bool gy_rule_online(const struct diam_rule_def *d);
void gy_session_installed(struct agw_ctx *ctx, const struct agw_pdn *p);
void gy_session_stop(struct agw_ctx *ctx, const struct agw_ue *ue, const struct agw_pdn *p);

/* gy_build.c: the CCR-T of a journal row kept without its bytes (a row of
 * 0004's gy_unreported), for ccr_journal.c */
struct ccr_row;
struct msg;
int gy_build_stored(struct agw_ctx *ctx, const struct ccr_row *r, struct msg **m);

/* gy_handler.c */
void gy_handle_event(struct agw_ctx *ctx, struct diam_event *ev);
void gy_quota_event(struct agw_ctx *ctx, uint32_t ul_teid, uint32_t rating_group, bool exhausted);

#endif
