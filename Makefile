# xepc — one entry point: deps, all, test, bench, demo, install, fuzz, clean.
#
# Each component declares what it builds in its own `module.mk` (found by the
# wildcard below), with these variables:
#
#   LIBRARIES    += name          name_SRCS := a.c b.c
#   PROGRAMS     += name          name_SRCS, name_LIBS (library names, most
#                                 dependent first), name_LDLIBS (-lfoo ...)
#   UNIT_TESTS   += name          same keys; built with ASan+UBSan into
#                                 build/test/, run by `make test` (TAP)
#   BENCHES      += name          same keys; built -O2 into build/bench/,
#                                 run by `make bench`
#   FUZZERS      += name          same keys; clang libFuzzer+ASan+UBSan into
#                                 build/fuzz/, run by `make fuzz` and briefly
#                                 by `make test`
#   SELFTEST_FUZZERS += name      same keys; built like fuzzers into
#   SELFTEST_SANS += name         build/fuzz-selftest/ and like unit tests into
#                                 build/test-selftest/: programs that must
#                                 fail, run only by their own self-test script
#   SCRIPT_TESTS += path/to/x.sh  TAP-emitting scripts run by `make test`
#                                 after the unit tests (root/netns tests)
#   BENCH_SCRIPTS+= path/to/x.sh  scripts run by `make bench`
#   DEBIAN_PACKAGES += pkg ...    what `make deps` installs
#   INSTALL_HOOKS += target        extra goals `make install` runs (data
#                                 files a module installs itself)
#   NPM_PACKAGES += name@version  npm packages `make deps` installs into
#                                 $(NPM_PREFIX) (test tools only; nothing
#                                 runs Node at run time)
#
# BPF: every bpf/*.bpf.c becomes build/bpf/NAME.bpf.o and a skeleton
# build/include/NAME.skel.h; selftests/progs/*.bpf.c likewise under
# build/bpf/selftests/ and build/include/selftests/.

V ?= 0
Q := $(if $(filter 1,$(V)),,@)

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

BUILD    := build
INCLUDES := -I. -Iuserspace -Iasn1 -Ibpf -I$(BUILD)/include
WARN     := -Wall -Wextra -Werror
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -g $(INCLUDES) -MMD -MP

CFLAGS_rel  := $(BASE_CFLAGS) -O2
# Every sanitizer report is fatal (-fno-sanitize-recover=all): a UBSan
# report ends the test or the fuzzer run with a failure instead of being
# printed and forgotten (tools/run-fuzzers-selftest.sh proves it).
CFLAGS_san  := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_san := -fsanitize=address,undefined
CFLAGS_fuzz := $(BASE_CFLAGS) -O1 -fno-omit-frame-pointer \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
               -DXEPC_FUZZING=1
LDFLAGS_fuzz := -fsanitize=fuzzer,address,undefined

BPF_CFLAGS := -target bpf -mcpu=v3 -O2 -g -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
              -I/usr/include/$(shell uname -m)-linux-gnu -Ibpf -I$(BUILD)/include

# Run time knobs.
FUZZ_SECONDS ?= 60      # per target, for `make fuzz`
FUZZ_TEST_SECONDS ?= 5  # per target, inside `make test`
TEST_JOBS ?= 2          # tests `make test` runs at a time (prove -j)

LIBRARIES :=
PROGRAMS :=
UNIT_TESTS :=
BENCHES :=
FUZZERS :=
SELFTEST_FUZZERS :=
SELFTEST_SANS :=
SCRIPT_TESTS :=
BENCH_SCRIPTS :=
NPM_PACKAGES :=
INSTALL_HOOKS :=
NPM_PREFIX ?= /usr/local/lib/xepc-npm
DEBIAN_PACKAGES := build-essential clang llvm pkg-config libbpf-dev bpftool \
                   libelf-dev zlib1g-dev libssl-dev libcmocka-dev \
                   libclang-rt-14-dev perl tshark python3-scapy iperf3 \
                   iproute2 nftables libc6-dev-i386

MODULES := $(sort $(wildcard */module.mk */*/module.mk */*/*/module.mk))
include $(MODULES)

.PHONY: all deps test unit-tests bench demo install clean fuzz fuzz-build \
        test-build check-scripts bench-build bpf help
.DEFAULT_GOAL := all

# ---------------------------------------------------------------- BPF ----
BPF_SRCS      := $(wildcard bpf/*.bpf.c)
BPF_OBJS      := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/include/%.skel.h,$(BPF_SRCS))
BPF_ST_SRCS   := $(wildcard selftests/progs/*.bpf.c)
BPF_ST_OBJS   := $(patsubst selftests/progs/%.bpf.c,$(BUILD)/bpf/selftests/%.bpf.o,$(BPF_ST_SRCS))
BPF_ST_SKELS  := $(patsubst selftests/progs/%.bpf.c,$(BUILD)/include/selftests/%.skel.h,$(BPF_ST_SRCS))
BPF_HDRS      := $(wildcard bpf/*.h)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/selftests/%.bpf.o: selftests/progs/%.bpf.c $(BPF_HDRS) $(wildcard selftests/progs/*.h)
	@mkdir -p $(@D)
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -Iselftests/progs -c $< -o $@

$(BUILD)/include/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(basename $(basename $(notdir $<))) > $@.tmp && mv $@.tmp $@

$(BUILD)/include/selftests/%.skel.h: $(BUILD)/bpf/selftests/%.bpf.o
	@mkdir -p $(@D)
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(basename $(basename $(notdir $<))) > $@.tmp && mv $@.tmp $@

bpf: $(BPF_OBJS) $(BPF_SKELS)

# ------------------------------------------------------------ userspace ---
# Objects per variant; every userspace object waits for the skeletons so that
# a source may include one.
$(BUILD)/obj/rel/%.o: %.c | $(BPF_SKELS) $(BPF_ST_SKELS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS_rel) -c $< -o $@

$(BUILD)/obj/san/%.o: %.c | $(BPF_SKELS) $(BPF_ST_SKELS)
	@mkdir -p $(@D)
	@echo "  CC[san] $@"
	$(Q)$(CC) $(CFLAGS_san) -c $< -o $@

$(BUILD)/obj/fuzz/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(@D)
	@echo "  CC[fuzz] $@"
	$(Q)$(CLANG) $(CFLAGS_fuzz) -Wno-unused-command-line-argument -c $< -o $@

objs = $(patsubst %.c,$(BUILD)/obj/$(1)/%.o,$(2))
libpath = $(foreach l,$(2),$(BUILD)/lib/$(1)/lib$(l).a)

define LIBRARY_template
$(BUILD)/lib/rel/lib$(1).a: $(call objs,rel,$($(1)_SRCS))
$(BUILD)/lib/san/lib$(1).a: $(call objs,san,$($(1)_SRCS))
$(BUILD)/lib/fuzz/lib$(1).a: $(call objs,fuzz,$($(1)_SRCS))
endef
$(foreach l,$(LIBRARIES),$(eval $(call LIBRARY_template,$(l))))

$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# $(1)=name $(2)=variant $(3)=output dir $(4)=linker $(5)=ldflags
define LINK_template
$(3)/$(1): $(call objs,$(2),$($(1)_SRCS)) $(call libpath,$(2),$($(1)_LIBS))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(4) $(5) -o $$@ $(call objs,$(2),$($(1)_SRCS)) $(call libpath,$(2),$($(1)_LIBS)) $($(1)_LDLIBS)
endef
$(foreach p,$(PROGRAMS),$(eval $(call LINK_template,$(p),rel,$(BUILD)/bin,$(CC),)))
$(foreach p,$(UNIT_TESTS),$(eval $(call LINK_template,$(p),san,$(BUILD)/test,$(CC),$(LDFLAGS_san))))
$(foreach p,$(BENCHES),$(eval $(call LINK_template,$(p),rel,$(BUILD)/bench,$(CC),)))
$(foreach p,$(FUZZERS),$(eval $(call LINK_template,$(p),fuzz,$(BUILD)/fuzz,$(CLANG),$(LDFLAGS_fuzz))))
$(foreach p,$(SELFTEST_FUZZERS),$(eval $(call LINK_template,$(p),fuzz,$(BUILD)/fuzz-selftest,$(CLANG),$(LDFLAGS_fuzz))))
$(foreach p,$(SELFTEST_SANS),$(eval $(call LINK_template,$(p),san,$(BUILD)/test-selftest,$(CC),$(LDFLAGS_san))))

BIN_PROGRAMS := $(addprefix $(BUILD)/bin/,$(PROGRAMS))
TEST_PROGRAMS := $(addprefix $(BUILD)/test/,$(UNIT_TESTS))
BENCH_PROGRAMS := $(addprefix $(BUILD)/bench/,$(BENCHES))
FUZZ_PROGRAMS := $(addprefix $(BUILD)/fuzz/,$(FUZZERS))
SELFTEST_PROGRAMS := $(addprefix $(BUILD)/fuzz-selftest/,$(SELFTEST_FUZZERS)) \
                     $(addprefix $(BUILD)/test-selftest/,$(SELFTEST_SANS))

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --------------------------------------------------------------- goals ----
all: bpf $(BPF_ST_OBJS) $(BPF_ST_SKELS) $(BIN_PROGRAMS)

deps:
	@missing=$$(for p in $(sort $(DEBIAN_PACKAGES)); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
	@missing=$$(for p in $(sort $(NPM_PACKAGES)); do n=$${p%@*}; v=$${p##*@}; \
	    grep -qs "\"version\": \"$$v\"" $(NPM_PREFIX)/node_modules/$$n/package.json || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing (npm) $$missing"; \
	    mkdir -p $(NPM_PREFIX) && npm install --prefix $(NPM_PREFIX) --no-save --no-audit \
	        --no-fund --loglevel=error $$missing >/dev/null || exit 1; \
	fi

test-build: all $(TEST_PROGRAMS) $(FUZZ_PROGRAMS) $(SELFTEST_PROGRAMS) check-scripts

# prove execs each script; a test added without its x bit would fail only at
# the end of the run (after every other test), so refuse it up front.
check-scripts:
	$(Q)bad=0; for t in $(SCRIPT_TESTS); do \
	    [ -x $$t ] || { echo "check-scripts: $$t is not executable (chmod +x, git add)"; bad=1; }; \
	done; exit $$bad

# The scripts that take longest (over a minute each, mostly waiting on
# protocol timers): started first, so that TEST_JOBS at a time end
# together rather than one of them running alone at the end.
SLOW_TESTS := tests/e2e/agw_gy_edge.sh tests/e2e/agw_gx_fail.sh tests/e2e/agw_gy_retry.sh \
              tests/e2e/agw_gy.sh tests/e2e/agw_gx_state.sh tests/e2e/agw_gy_rg_crash.sh \
              tests/e2e/agw_s6a.sh tests/e2e/agw_gx_restart.sh
# Every test speaks TAP; prove runs them all, TEST_JOBS at a time, and
# prints the summary.  Each test is self-contained (its own namespaces,
# bpffs, ports derived from its PID, temporary directory), so they can run
# side by side.  The slow scripts first, then the unit tests (fast, no
# privileges), the fuzzers briefly, the other scripts (BPF selftests,
# network namespaces).
test: test-build
	$(Q)mkdir -p $(BUILD)/test-vectors $(BUILD)/test-logs
	$(Q)CMOCKA_MESSAGE_OUTPUT=TAP FUZZ_TEST_SECONDS=$(FUZZ_TEST_SECONDS) \
	  prove -j$(TEST_JOBS) --exec '' --timer $(filter $(SLOW_TESTS),$(SCRIPT_TESTS)) \
	    $(TEST_PROGRAMS) $(if $(FUZZERS),tools/run-fuzzers.sh) \
	    $(filter-out $(SLOW_TESTS),$(SCRIPT_TESTS))

unit-tests: $(TEST_PROGRAMS)
	$(Q)CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(TEST_PROGRAMS)

bench-build: all $(BENCH_PROGRAMS)

bench: bench-build
	$(Q)set -e; for b in $(BENCH_PROGRAMS) $(BENCH_SCRIPTS); do \
	    echo "== $$b"; $$b; done

fuzz-build: $(FUZZ_PROGRAMS)

fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tools/run-fuzzers.sh --long

demo: all
	$(Q)DEMO_PCAP=$(DEMO_PCAP) tools/demo/demo.sh

PREFIX ?= /usr/local
install: all $(INSTALL_HOOKS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/xepc/bpf
	install -m 0755 $(BIN_PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BPF_OBJS) $(DESTDIR)$(PREFIX)/lib/xepc/bpf/
	install -d $(DESTDIR)/etc/systemd/system $(DESTDIR)$(PREFIX)/share/doc/xepc
	sed 's#/usr/local#$(PREFIX)#g' tools/systemd/xepc-agwd.service \
	    >$(DESTDIR)/etc/systemd/system/xepc-agwd.service
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/xepc/

clean:
	rm -rf $(BUILD)

help:
	@sed -n '1,/^$$/p' Makefile
	@echo "programs:   $(PROGRAMS)"; echo "unit tests: $(UNIT_TESTS)"
	@echo "benches:    $(BENCHES)"; echo "fuzzers:    $(FUZZERS)"
	@echo "scripts:    $(SCRIPT_TESTS)"

export BUILD FUZZ_PROGRAMS NPM_PREFIX
