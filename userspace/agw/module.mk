# userspace/agw: the access gateway.  agwcore is what xepc-agwd and xepcctl
# share: the configuration (agw_config.c), the SQLite state store with its
# migrations (agw_db.c, schema/agw/*.sql embedded at build time) and the
# local HSS (hss.c).  Users link `agwcore sec xepc` and -lyaml -lsqlite3
# -lcrypto.
LIBRARIES += agwcore
agwcore_SRCS := userspace/agw/agw_config.c
DEBIAN_PACKAGES += libyaml-dev libsqlite3-dev

UNIT_TESTS += test_agw_config
test_agw_config_SRCS := userspace/agw/tests/test_agw_config.c
test_agw_config_LIBS := agwcore sec xepc
test_agw_config_LDLIBS := -lcmocka -lyaml -lsqlite3 -lcrypto

# xepcctl config check (needs build/bin/xepcctl from `make all`).
SCRIPT_TESTS += userspace/agw/tests/test_xepcctl_config.sh
