# SPDX-License-Identifier: GPL-2.0
#
# hybrid: out-of-tree build, install and tests.
#
#   make                      build against the running kernel
#   make KDIR=/path/to/build  build against any configured headers tree
#   make OBJ=dir KDIR=...     build a copy of the sources in dir
#   make install              install-modules and install-tools
#   make install-modules      modules_install into /lib/modules/<kver>/updates
#   make tools                libhybridmigrate, hybrid-migrate, example, bench
#                             (user space only: no kernel headers needed)
#   make tools-static         hybrid-migrate-static, for busybox guests
#   make install-tools        library, headers, .pc, tool, man pages, udev
#                             rule, systemd unit (DESTDIR, PREFIX=/usr/local)
#   make uninstall-tools      remove them (the same DESTDIR and PREFIX)
#   make dkms-install         register, build and install with DKMS
#   make deb                  the Debian packages, into build/deb/ (root:
#                             built in the Debian 12 build root)
#   make deps                 install what the checks need (Debian 12, root)
#   make check                every test; ends with "N passed, N failed"
#   make unit | tools-check | checkpatch | matrix | dkms-check | rig
#                             one part of it (tools-check: part "tools")
#   make rig PROFILE=xen417 SCENARIO=migrate   one profile, one scenario
#   make rig-debug            the rig's Xen profiles on a guest booted from a
#                             debug kernel (KASAN, lockdep, kmemleak, UBSAN),
#                             built once; hours, not part of make check
#   make demo                 boot a Xen HVM guest and show hybrid at work
#   make bench-irq            VM exits of the interrupt path on Xen 4.17 and
#                             4.20, as the tables of docs/performance.md

KDIR ?= /lib/modules/$(shell uname -r)/build
OBJ ?=
HYBRID_CACHE ?= /var/cache/hybrid
export HYBRID_CACHE

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(TOP)/selftests/versions.env

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(TOP)/dkms.conf)
SOURCES := Kbuild drivers include

ifeq ($(OBJ),)
BUILD := $(TOP)
else
BUILD := $(abspath $(OBJ))
endif

.PHONY: all modules clean install install-modules dkms-install dkms-remove \
	deps check unit checkpatch matrix dkms-check packages rig rig-debug demo \
	deb tools tools-static \
	install-tools uninstall-tools clean-tools tools-check bench-irq

all: modules

modules:
ifneq ($(OBJ),)
	@mkdir -p $(BUILD)
	@cp -a $(addprefix $(TOP)/,$(SOURCES)) $(BUILD)/
endif
	$(MAKE) -C $(KDIR) M=$(BUILD) modules

clean: clean-tools
	$(MAKE) -C $(KDIR) M=$(BUILD) clean

install: install-modules install-tools

install-modules: modules
	$(MAKE) -C $(KDIR) M=$(BUILD) INSTALL_MOD_DIR=updates modules_install

# User space (tools/Makefile): PREFIX, DESTDIR, CC, CFLAGS pass through.
tools:
	$(MAKE) -C $(TOP)/tools

tools-static:
	$(MAKE) -C $(TOP)/tools static

install-tools:
	$(MAKE) -C $(TOP)/tools install

uninstall-tools:
	$(MAKE) -C $(TOP)/tools uninstall

clean-tools:
	$(MAKE) -C $(TOP)/tools clean

dkms-install:
	rm -rf /usr/src/hybrid-$(VERSION)
	mkdir -p /usr/src/hybrid-$(VERSION)
	cp -a $(addprefix $(TOP)/,$(SOURCES) dkms.conf Makefile LICENSE) \
		/usr/src/hybrid-$(VERSION)/
	mkdir -p /usr/src/hybrid-$(VERSION)/selftests
	cp $(TOP)/selftests/versions.env /usr/src/hybrid-$(VERSION)/selftests/
	dkms add hybrid/$(VERSION) 2>/dev/null || true
	dkms build hybrid/$(VERSION)
	dkms install hybrid/$(VERSION)

dkms-remove:
	dkms remove hybrid/$(VERSION) --all

deps:
	$(TOP)/selftests/deps.sh

deb:
	$(TOP)/selftests/build/deb.sh $(TOP)/build/deb

check:
	$(TOP)/selftests/check.sh

unit checkpatch matrix dkms-check packages rig rig-debug:
	PROFILE="$(PROFILE)" SCENARIO="$(SCENARIO)" $(TOP)/selftests/check.sh $@

tools-check:
	$(TOP)/selftests/check.sh tools

demo:
	$(TOP)/selftests/demo.sh

bench-irq:
	PROFILE="$(PROFILE)" $(TOP)/selftests/irq/bench.sh
