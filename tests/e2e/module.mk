# tests/e2e: end-to-end datapath tests in network namespaces (root; TAP),
# and the command-line checks of xepcctl's datapath commands and gtpu-ue.
SCRIPT_TESTS += tests/e2e/cli_usage.sh tests/e2e/routed.sh tests/e2e/nat.sh \
                tests/e2e/policy.sh tests/e2e/adopt_upgrade.sh tests/e2e/pin_trust.sh \
                tests/e2e/echo_path.sh tests/e2e/stale_events.sh \
                tests/e2e/crash_safety.sh tests/e2e/writers.sh tests/e2e/errind.sh \
                tests/e2e/frag_ttl.sh tests/e2e/ambr.sh \
                tests/e2e/bulk.sh
# issue 13 section 3 and 6 (dpflow)
SCRIPT_TESTS += tests/e2e/dl_mtu.sh tests/e2e/nat_offload.sh tests/e2e/dl_no_neigh.sh
# issue 13 section 4 (ipv6)
SCRIPT_TESTS += tests/e2e/ipv6.sh tests/e2e/outer6.sh
DEBIAN_PACKAGES += xdp-tools ethtool iputils-ping strace
# xepc-agwd with enbsim (tests/e2e/agw_lib.sh), and the main job itself.
SCRIPT_TESTS += tests/e2e/agw_attach.sh tests/e2e/agw_reject.sh tests/e2e/agw_tshark.sh \
                tests/e2e/agw_gx.sh tests/e2e/agw_s6a.sh tests/e2e/agw_gx_rules.sh tests/e2e/agw_gy.sh tests/e2e/agw_gx_gy.sh tests/e2e/agw_policy.sh tests/e2e/agw_gx_usage.sh tests/e2e/agw_gx_events.sh tests/e2e/agw_gy_bearer.sh tests/e2e/agw_gy_bearer_redirect.sh tests/e2e/agw_gx_rule_fail.sh tests/e2e/agw_gy_full.sh tests/e2e/agw_gx_monitor.sh tests/e2e/agw_gy_crash.sh tests/e2e/agw_gy_rg.sh tests/e2e/agw_gy_merge.sh tests/e2e/agw_gy_rg_crash.sh tests/e2e/agw_gy_edge.sh tests/e2e/agw_gx_crash.sh tests/e2e/agw_gx_fail.sh tests/e2e/agw_gx_state.sh tests/e2e/agw_gx_ccau.sh tests/e2e/agw_gx_retry.sh tests/e2e/agw_gy_retry.sh tests/e2e/agw_gy_retry_restart.sh tests/e2e/agw_gy_ccfh.sh tests/e2e/agw_gx_restart.sh tests/e2e/agw_gx_rule_refused.sh \
                tests/e2e/agw_demo.sh tests/e2e/agw_enb_stop.sh tests/e2e/agw_idle.sh tests/e2e/agw_paging.sh \
                tests/e2e/agw_bearer.sh tests/e2e/agw_bearer_mob.sh tests/e2e/agw_gx_bearer.sh \
                tests/e2e/agw_ipv6.sh tests/e2e/agw_outer6.sh tests/e2e/agw_nat6.sh
DEBIAN_PACKAGES += curl sqlite3
# issue 11: the default bearer's QoS/APN-AMBR modified toward the UE and the eNB
SCRIPT_TESTS += tests/e2e/agw_default_qos.sh tests/e2e/agw_gx_dqos.sh tests/e2e/agw_s6a_dqos.sh
# issue 12, handover and resets (docs/agw.md "Procedures")
SCRIPT_TESTS += tests/e2e/agw_handover.sh tests/e2e/agw_s1_handover.sh tests/e2e/agw_nas_transport.sh
# issue 10: orcd + two gateways (bootstrap, mTLS, sync, orcd away and back);
# orcd's policies, APN values and usage enforced/reported by one gateway
SCRIPT_TESTS += tests/e2e/agw_orc.sh tests/e2e/agw_orc_policy.sh
# orcd's APNs and pools, network PLMN/TACs, redirect and big rules, final usage
SCRIPT_TESTS += tests/e2e/agw_orc_apn.sh tests/e2e/agw_orc_network.sh tests/e2e/agw_orc_rules.sh \
                tests/e2e/agw_orc_usage.sh
# xepc-agwd stops on SIGTERM in the middle of Diameter traffic (freeDiameter's
# shutdown bounded, docs/charging.md "Stopping")
SCRIPT_TESTS += tests/e2e/agw_diam_stop.sh tests/e2e/agw_diam_tls.sh
# issue 11: the local policy per APN (docs/charging.md "Local policy")
SCRIPT_TESTS += tests/e2e/agw_policy_apn.sh
SCRIPT_TESTS += tests/e2e/agw_policy_quota.sh tests/e2e/agw_policy_final.sh
