# userspace/orc: the orchestrator xepc-orcd (docs/orchestrator.md).  Its
# files are the library orcd (so that the tests link the same code) and
# the program's main.  schema/orc/NNNN_name.sql are embedded as
# orc_migrations[] (orc_store.h).
ORC_LDLIBS := -lmicrohttpd -lgnutls -ljansson -lyaml -lsqlite3 -lpq -lcrypto -lpthread
LIBRARIES += orcd
orcd_SRCS := $(filter-out userspace/orc/orc_main.c,$(wildcard userspace/orc/*.c)) \
             $(BUILD)/gen/orc_schema.c

ORC_SCHEMA_SQL := $(sort $(wildcard schema/orc/*.sql))
ORC_SCHEMA_LIST := $(BUILD)/gen/orc_schema.list
$(shell mkdir -p $(BUILD)/gen && (echo '$(ORC_SCHEMA_SQL)' | cmp -s - $(ORC_SCHEMA_LIST) || \
        echo '$(ORC_SCHEMA_SQL)' > $(ORC_SCHEMA_LIST)))
$(BUILD)/gen/orc_schema.c: $(ORC_SCHEMA_SQL) $(ORC_SCHEMA_LIST) tools/gen_schema.sh
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)tools/gen_schema.sh -p orc -i orc/orc_store.h $@ $(ORC_SCHEMA_SQL)

PROGRAMS += xepc-orcd
xepc-orcd_SRCS := userspace/orc/orc_main.c
xepc-orcd_LIBS := orcd xepc
xepc-orcd_LDLIBS := $(ORC_LDLIBS)

DEBIAN_PACKAGES += libmicrohttpd-dev libgnutls28-dev libjansson-dev libyaml-dev libsqlite3-dev libpq-dev \
                   postgresql libcurl4-gnutls-dev openssl curl python3

UNIT_TESTS += test_orc_config
test_orc_config_SRCS := userspace/orc/tests/test_orc_config.c
test_orc_config_LIBS := orcd xepc
test_orc_config_LDLIBS := -lcmocka $(ORC_LDLIBS)

UNIT_TESTS += test_orc_gwca
test_orc_gwca_SRCS := userspace/orc/tests/test_orc_gwca.c
test_orc_gwca_LIBS := orcd xepc
test_orc_gwca_LDLIBS := -lcmocka $(ORC_LDLIBS)

# The REST API against SQLite and a private PostgreSQL, and two orcd on one
# PostgreSQL (needs build/bin/xepc-orcd from `make all`; root for runuser).
SCRIPT_TESTS += userspace/orc/tests/test_orc_api.py
# The server against schema/orc/openapi.json both ways; bad input, limits,
# brute force, graceful shutdown.
SCRIPT_TESTS += userspace/orc/tests/test_orc_openapi.py userspace/orc/tests/test_orc_badinput.py
SCRIPT_TESTS += userspace/orc/tests/test_xepcctl_orc.py
# PATCH with ETags, token lifetimes, unique hardware ids (both stores).
SCRIPT_TESTS += userspace/orc/tests/test_orc_patch.py

# make bench: CSV import of 1M subscribers, subscriber reads and writes per
# second, on SQLite and PostgreSQL (docs/PERFORMANCE.md, "Orchestrator").
BENCH_SCRIPTS += userspace/orc/tests/bench_orc.py

# The gateway API: bootstrap (challenge + CSR -> certificate from orcd's
# CA) and check-in over mutual TLS, each refusal, on SQLite and PostgreSQL.
SCRIPT_TESTS += userspace/orc/tests/test_orc_gateway.py

# The resource handlers under arbitrary routes, path parameters and JSON
# bodies, on a private SQLite store (every request rolled back).
FUZZERS += fuzz_orc_api
fuzz_orc_api_SRCS := userspace/orc/fuzz/fuzz_orc_api.c
fuzz_orc_api_LIBS := orcd xepc
fuzz_orc_api_LDLIBS := $(ORC_LDLIBS)

# The web UI (userspace/orc/ui/: plain HTML, CSS and JavaScript, no build
# step, nothing fetched at run time), served by res_ui.c from ui.root.
ORC_UI_FILES := $(wildcard userspace/orc/ui/*)
INSTALL_HOOKS += install-orc-ui
.PHONY: install-orc-ui
install-orc-ui:
	install -d $(DESTDIR)$(PREFIX)/share/xepc/ui
	install -m 0644 $(ORC_UI_FILES) $(DESTDIR)$(PREFIX)/share/xepc/ui/

# Its browser test: Debian's chromium driven by playwright-core (npm, a
# version for the Node 20 of the machine image); no browser is downloaded.
DEBIAN_PACKAGES += chromium nodejs
NPM_PACKAGES += playwright-core@1.65.1
SCRIPT_TESTS += userspace/orc/tests/test_orc_ui.py

# Config sync (GET /v1/gw/config: full sync in pages, 304 when unchanged,
# deltas from the change log), fleet health and /metrics, on SQLite and
# PostgreSQL.
SCRIPT_TESTS += userspace/orc/tests/test_orc_sync.py

# Usage history and gateway events from check-ins (/usage routes, events,
# the stale sweep, retention), on SQLite and PostgreSQL.
SCRIPT_TESTS += userspace/orc/tests/test_orc_usage.py
