# userspace/agw: the access gateway.  agwcore is what xepc-agwd and xepcctl
# share: the configuration (agw_config.c), the SQLite state store with its
# migrations (agw_db.c, schema/agw/*.sql embedded at build time) and the
# local HSS (hss.c).  Users link `agwcore sec xepc` and -lyaml -lsqlite3
# -lcrypto.
LIBRARIES += agwcore
agwcore_SRCS := userspace/agw/agw_config.c userspace/agw/agw_policy.c userspace/agw/agw_db.c userspace/agw/hss.c \
                $(BUILD)/gen/agw_schema.c

# schema/agw/NNNN_name.sql embedded as agw_migrations[] (agw_db.h): adding a
# migration is adding a file there.
AGW_SCHEMA_SQL := $(sort $(wildcard schema/agw/*.sql))
# The list of files is a prerequisite too, rewritten only when it changes,
# so that removing or renaming a file also regenerates.
AGW_SCHEMA_LIST := $(BUILD)/gen/agw_schema.list
$(shell mkdir -p $(BUILD)/gen && (echo '$(AGW_SCHEMA_SQL)' | cmp -s - $(AGW_SCHEMA_LIST) || \
        echo '$(AGW_SCHEMA_SQL)' > $(AGW_SCHEMA_LIST)))
$(BUILD)/gen/agw_schema.c: $(AGW_SCHEMA_SQL) $(AGW_SCHEMA_LIST) tools/gen_schema.sh
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)tools/gen_schema.sh $@ $(AGW_SCHEMA_SQL)
DEBIAN_PACKAGES += libyaml-dev libsqlite3-dev sqlite3

UNIT_TESTS += test_agw_config
test_agw_config_SRCS := userspace/agw/tests/test_agw_config.c
test_agw_config_LIBS := agwcore sec xepc
test_agw_config_LDLIBS := -lcmocka -lyaml -lsqlite3 -lcrypto

# xepcctl config check and xepcctl subscriber (need build/bin/xepcctl from
# `make all`).
SCRIPT_TESTS += userspace/agw/tests/test_xepcctl_config.sh \
                userspace/agw/tests/test_xepcctl_subscriber.sh

UNIT_TESTS += test_agw_db test_hss
test_agw_db_SRCS := userspace/agw/tests/test_agw_db.c
test_agw_db_LIBS := agwcore sec xepc
test_agw_db_LDLIBS := -lcmocka -lyaml -lsqlite3 -lcrypto
test_hss_SRCS := userspace/agw/tests/test_hss.c
test_hss_LIBS := agwcore sec xepc
test_hss_LDLIBS := -lcmocka -lyaml -lsqlite3 -lcrypto

# make bench: 100k-subscriber CSV import, vectors/s.
BENCHES += bench_hss
bench_hss_SRCS := userspace/agw/tests/bench_hss.c
bench_hss_LIBS := agwcore sec xepc
bench_hss_LDLIBS := -lyaml -lsqlite3 -lcrypto

# libFuzzer: the YAML configuration parser and the APN spec parser; seeds in
# fuzz_agw_config.corpus/.
FUZZERS += fuzz_agw_config
fuzz_agw_config_SRCS := userspace/agw/tests/fuzz_agw_config.c
fuzz_agw_config_LIBS := agwcore sec xepc
fuzz_agw_config_LDLIBS := -lyaml -lsqlite3 -lcrypto

# xepc-agwd: the daemon (docs/agw.md).  Its own files are a library too, so
# that the unit tests and the fuzzers of its handlers link the same code.
LIBRARIES += agwd
agwd_SRCS := $(addprefix userspace/agw/, agw_ctl.c agw_diam_stats.c agw_hash.c agw_hss.c agw_log.c \
               agw_metrics.c agw_stats.c emm_build.c emm_handler.c emm_paging.c emm_service.c emm_sm.c emm_transport.c esm_build.c \
               esm_handler.c pgw_session.c pgw_ipv6.c s1ap_build.c s1ap_handler.c s1ap_path.c \
               ue_context.c ue_store.c gx_build.c gx_monitor.c gx_event.c gx_handler.c gx_path.c \
               s6a_build.c s6a_handler.c gx_policy.c local_quota.c \
               s1ap_handover.c s1ap_handover_build.c s1ap_reset.c s1ap_ue_mod.c \
               gy_build.c gy_handler.c gy_path.c gy_store.c ccr_journal.c \
               orc_client.c orc_path.c orc_apply.c orc_identity.c orc_policy.c orc_usage.c orc_apn.c \
               orc_network.c pgw_pool.c esm_dqos.c esm_dqos_build.c \
               esm_bearer.c esm_bearer_ctl.c esm_bearer_pcc.c esm_tft.c s1ap_build_bearer.c)
PROGRAMS += xepc-agwd
xepc-agwd_SRCS := userspace/agw/agw_main.c
xepc-agwd_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
xepc-agwd_LDLIBS := -lbpf -lelf -lz -lyaml -lsqlite3 -lcrypto -lusrsctp -lsctp -lev \
                    -lmicrohttpd -lfdcore -lfdproto -lpthread -lcurl -ljansson -lssl
DEBIAN_PACKAGES += libmicrohttpd-dev libev-dev libusrsctp-dev libsctp-dev
# the orchestrator client (agw_orc.h): libcurl (GnuTLS, as xepcctl), jansson, OpenSSL
DEBIAN_PACKAGES += libcurl4-gnutls-dev libjansson-dev libssl-dev

# gx_policy.c: Flow-Descriptions and PCC rules into datapath rules.
UNIT_TESTS += test_gx_policy
test_gx_policy_SRCS := userspace/agw/tests/test_gx_policy.c
test_gx_policy_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_gx_policy_LDLIBS := -lcmocka $(xepc-agwd_LDLIBS)

# gy_build.c: the MSCCs of a CCR from each rating group's books.
UNIT_TESTS += test_gy
test_gy_SRCS := userspace/agw/tests/test_gy.c
test_gy_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_gy_LDLIBS := -lcmocka $(xepc-agwd_LDLIBS)

# Dedicated bearers' packet filters (esm_tft.c) and PCC rules (esm_bearer_pcc.c).
UNIT_TESTS += test_esm_bearer
test_esm_bearer_SRCS := userspace/agw/tests/test_esm_bearer.c
test_esm_bearer_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_esm_bearer_LDLIBS := -lcmocka $(xepc-agwd_LDLIBS)

# The daemon's S1AP/NAS handling under random input from three eNBs.
FUZZERS += fuzz_agw_s1ap
fuzz_agw_s1ap_SRCS := userspace/agw/fuzz/fuzz_agw_s1ap.c
fuzz_agw_s1ap_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
fuzz_agw_s1ap_LDLIBS := $(xepc-agwd_LDLIBS)

# The handover procedures (s1ap_handover.c) through s1ap_handle_pdu, with
# what the daemon sends caught by wrapping sctp_ep_send().
UNIT_TESTS += test_esm_dqos
test_esm_dqos_SRCS := userspace/agw/tests/test_esm_dqos.c
test_esm_dqos_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_esm_dqos_LDLIBS := -Wl,--wrap=sctp_ep_send -lcmocka $(xepc-agwd_LDLIBS)

UNIT_TESTS += test_agw_handover
# its Error Indications with Criticality Diagnostics, judged by tshark
SCRIPT_TESTS += userspace/agw/tests/agw_errind_tshark.sh
test_agw_handover_SRCS := userspace/agw/tests/test_agw_handover.c
test_agw_handover_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_agw_handover_LDLIBS := -Wl,--wrap=sctp_ep_send -Wl,--wrap=ue_foreach -lcmocka \
                            $(xepc-agwd_LDLIBS)

# The orchestrator client (agw_orc.h) against a real xepc-orcd, in a private
# network namespace: identity, bootstrap, mTLS check-in, renewal, sync into
# SQLite, orcd away and back, full resync.
SCRIPT_TESTS += userspace/agw/tests/test_orc_client.py

# orc_apply.c: the orchestrator's configuration into SQLite (sanitizers).
# orc_apn.c, pgw_pool.c: orcd's APNs and pools on the gateway.
UNIT_TESTS += test_orc_apn
test_orc_apn_SRCS := userspace/agw/tests/test_orc_apn.c
test_orc_apn_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_orc_apn_LDLIBS := -lcmocka $(xepc-agwd_LDLIBS)

UNIT_TESTS += test_orc_apply
test_orc_apply_SRCS := userspace/agw/tests/test_orc_apply.c
test_orc_apply_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_orc_apply_LDLIBS := -lcmocka $(xepc-agwd_LDLIBS)

# PDN types IPv6 and IPv4v6 (pgw_ipv6.c): the type granted per APN with
# ESM #50/#51, the session's /64 and interface identifier, the encoded
# PDN Address IE.
UNIT_TESTS += test_pgw_ipv6
test_pgw_ipv6_SRCS := userspace/agw/tests/test_pgw_ipv6.c
test_pgw_ipv6_LIBS := agwd agwcore dp sctp s1ap nas diameter sec xepc
test_pgw_ipv6_LDLIBS := -lcmocka $(xepc-agwd_LDLIBS)
