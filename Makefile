# SPDX-License-Identifier: GPL-2.0
#
# hvlab top-level Makefile.
#
#   make            build hvlab.ko (for the lab kernel), hvctl, guests, tests
#   make demo       set up, build, boot the lab VM and watch a guest's exits
#   make check      every test, host-side and in the lab VM; ends "N passed, N failed"
#   make fuzz       libFuzzer harnesses (tests/fuzz, FUZZ_SECONDS=300 each), then in
#                   the lab VM 200,000 random ioctls, 20,000 random guests and
#                   2,000 rmmod/insmod cycles
#   make handout LAB=N DEST=DIR    a student's handout of lab N (labs/README.md);
#                   ONTO=REPO instead of DEST brings a student's repository to lab N
#   make check-labs the course's markers, and every handout builds (CI runs it)
#   make grade LAB=N    build, boot the lab VM once, score lab N (labs/INSTRUCTORS.md)
#   make setup      install Debian packages (as root) and fetch the lab kernels
#   make install    hvctl and its man page into $(DESTDIR)$(PREFIX) (/usr/local)
#
# LAB_KERNEL=6.12 (default) or 6.1 picks the lab kernel; KDIR=/path builds
# the module against another kernel tree, e.g. KDIR=/lib/modules/$(uname -r)/build.

SHELL := /bin/bash
TOP := $(CURDIR)
B := $(TOP)/build
LAB_KERNEL ?= 6.12
KREL := $(shell . $(TOP)/scripts/kernels.sh && kernel_vars $(LAB_KERNEL) && echo $$KREL)
LAB_KDIR := $(B)/kernel/$(LAB_KERNEL)/root/usr/src/linux-headers-$(KREL)

ifeq ($(origin KDIR),undefined)
KDIR := $(LAB_KDIR)
KMOD := $(B)/kmod/$(LAB_KERNEL)
else
KMOD := $(B)/kmod/custom
endif

CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-unused-parameter
USER_CFLAGS := $(CFLAGS) $(WARN) -I$(TOP)/include -I$(TOP)/userspace
# Static binaries: the lab VM's initramfs has busybox and no libc.
STATIC := -static

MODULE_SRCS := $(wildcard module/*.c module/*.h module/*.S) Kbuild \
	       $(wildcard include/uapi/*.h)
LIB_SRCS := userspace/lib/libhvlab.c userspace/lib/kvm_backend.c userspace/decode.c userspace/vmcs_image.c \
	    userspace/entry_check.c userspace/lib/guest_mem.c userspace/json.c userspace/state.c \
	    userspace/stop_cond.c userspace/fpu_image.c userspace/ept_image.c userspace/walk2d.c \
	    userspace/loaders/raw.c userspace/loaders/elf.c userspace/loaders/linux.c \
	    userspace/loaders/flat.c userspace/loaders/file.c \
	    userspace/loaders/e820.c userspace/loaders/multiboot.c userspace/loaders/mptable.c
# compiled once into a static library that hvctl and every test links
LIBHVLAB := $(B)/lib/libhvlab.a
LIB_OBJS := $(patsubst userspace/%.c,$(B)/lib/%.o,$(LIB_SRCS))
# The PC around the guest: the bus and one file per device (docs/platform.md)
PLATFORM_SRCS := $(wildcard userspace/platform/*.c)
# hvctl's commands, one file each, and the session they share (userspace/commands/)
COMMAND_SRCS := $(wildcard userspace/commands/*.c)
HVCTL_SRCS := $(COMMAND_SRCS) userspace/caps.c userspace/vmcs_print.c userspace/gdbstub.c \
	      userspace/disasm.c userspace/console.c \
	      userspace/ept_print.c userspace/walk_print.c userspace/lib/vcpu_events.c $(PLATFORM_SRCS)
GUESTS := $(patsubst guests/%.S,$(B)/guests/%.bin,$(wildcard guests/*.S))
# C guests (guests/elf/NAME.c) are built for both protected and long mode,
# as NAME32.elf and NAME64.elf, except those that only make sense in one.
ELF_GUEST_NAMES := $(basename $(notdir $(wildcard guests/elf/*.c)))
ELF_GUESTS_64_ONLY := tpr invpcid tsc_aux syscall idt_fault nmi_iret cpu_truth
ELF_GUESTS_32_ONLY := task_switch mmio_paging slot_poll scan long_mode paging_modes dirty
ELF_GUESTS := $(foreach g,$(filter-out $(ELF_GUESTS_64_ONLY),$(ELF_GUEST_NAMES)),$(B)/guests/$(g)32.elf) \
	      $(foreach g,$(filter-out $(ELF_GUESTS_32_ONLY),$(ELF_GUEST_NAMES)),$(B)/guests/$(g)64.elf)
GUESTS += $(ELF_GUESTS)
# A bzImage that checks what the Linux loader promises (guests/bzimage/)
GUESTS += $(B)/guests/fake_linux.bin
# A multiboot kernel, as ELF and as a flat binary with the a.out kludge (guests/multiboot/)
GUESTS += $(B)/guests/multiboot.elf $(B)/guests/multiboot_aout.img
VM_TESTS := $(patsubst tests/vm/%.c,$(B)/tests/%,$(wildcard tests/vm/*.c))
# 32-bit, freestanding (the lab VM has no 32-bit C library): tests/vm32/NAME.c -> NAME32
VM_TESTS += $(patsubst tests/vm32/%.c,$(B)/tests/%32,$(wildcard tests/vm32/*.c))
HOST_TESTS := $(patsubst tests/host/%.c,$(B)/host-tests/%,$(wildcard tests/host/*.c))
# Host tests a lab's rubric grades, built static for the lab VM too, as
# /tests/host-NAME (lab 10: the 8259A's cases the test guests do not reach)
VM_TESTS += $(B)/tests/host-pic
# what host tests (and tests/fuzz) link besides the library: the parsers hvctl alone uses
HOST_TEST_SRCS := $(LIB_SRCS) module/insn.c userspace/gdbstub.c userspace/console.c $(PLATFORM_SRCS)
KSELFTEST := $(B)/kselftest/kselftest_harness.h

.PHONY: all module hvctl guests tests setup payload demo check clean help lint install fuzzers fuzz \
	handout check-labs grade
all: module hvctl guests tests

help:
	@sed -n '3,17p' Makefile

setup:
	@scripts/setup

$(B)/kernel/%/.unpacked:
	@scripts/setup --kernels $*

$(KSELFTEST):
	@scripts/setup --kernels ""

# Kbuild writes objects next to the sources, so each kernel gets its own
# tree of links to them: 6.1 and 6.12 builds never mix.
module: $(KMOD)/hvlab.ko
ifeq ($(KDIR),$(LAB_KDIR))
$(KMOD)/hvlab.ko: $(B)/kernel/$(LAB_KERNEL)/.unpacked
endif
$(KMOD)/hvlab.ko: $(MODULE_SRCS)
	@mkdir -p $(KMOD)/module $(KMOD)/include/uapi
	@ln -sf $(TOP)/Kbuild $(KMOD)/Kbuild
	@for f in $(wildcard module/*.c module/*.h module/*.S); do ln -sf $(TOP)/$$f $(KMOD)/$$f; done
	@for f in $(wildcard include/uapi/*.h); do ln -sf $(TOP)/$$f $(KMOD)/$$f; done
	@set -o pipefail; $(MAKE) -C $(KDIR) M=$(KMOD) W=1 modules 2>&1 | \
		{ grep -v "Skipping BTF generation" || true; }

hvctl: $(B)/bin/hvctl $(B)/bin/minicontainer $(B)/bin/crossings

PREFIX ?= /usr/local
install: $(B)/bin/hvctl
	install -D -m 0755 $(B)/bin/hvctl $(DESTDIR)$(PREFIX)/bin/hvctl
	install -D -m 0644 docs/hvctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/hvctl.1
$(B)/lib/%.o: userspace/%.c $(wildcard userspace/*.h userspace/lib/*.h userspace/loaders/*.h include/uapi/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<
$(LIBHVLAB): $(LIB_OBJS)
	@rm -f $@ && ar rcs $@ $^

$(B)/bin/hvctl: $(HVCTL_SRCS) $(LIBHVLAB) $(wildcard userspace/*.h userspace/lib/*.h userspace/platform/*.h userspace/loaders/*.h userspace/commands/*.h include/uapi/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(STATIC) -pthread -o $@ $(HVCTL_SRCS) $(LIBHVLAB) -lcapstone

# Lab 9's container: one file, no library of ours (userspace/minicontainer.c)
$(B)/bin/minicontainer: userspace/minicontainer.c userspace/lab.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(STATIC) -o $@ $<

# Lab 9's timing of the crossings into the host (userspace/crossings.c)
$(B)/bin/crossings: userspace/crossings.c $(LIBHVLAB) $(wildcard userspace/*.h userspace/lib/*.h include/uapi/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(STATIC) -o $@ $< $(LIBHVLAB)

# Guests: 16-bit code assembled into flat binaries that start at 0x7c00.
guests: $(GUESTS)
$(B)/guests/fake_linux.bin: guests/bzimage/fake_linux.S
	@mkdir -p $(dir $@)
	$(CC) -m64 -c -o $(B)/guests/fake_linux.o $<
	ld -m elf_x86_64 -Ttext=0 --oformat=binary -e start -o $@ $(B)/guests/fake_linux.o

$(B)/guests/%.bin: guests/%.S guests/guest.h include/uapi/hvlab_hypercall.h
	@mkdir -p $(dir $@)
	$(CC) -m32 -c -Iguests -Iinclude -o $(B)/guests/$*.o $<
	ld -m elf_i386 -Ttext=0x7c00 --oformat=binary -e start -o $@ $(B)/guests/$*.o

# C guests: freestanding, no SSE (the guest has not enabled it at start),
# no red zone, linked at 1 MiB by guests/lib/guest.ld; entry.S calls main().
GUEST_LIB_SRCS := guests/lib/entry.S guests/lib/lib.c guests/lib/pv_console.c
GUEST_CFLAGS := -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-mgeneral-regs-only $(WARN) -Iguests/lib -Iinclude
$(B)/guests/%32.elf: guests/elf/%.c $(GUEST_LIB_SRCS) guests/lib/hvguest.h include/uapi/hvlab_hypercall.h guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(CC) -m32 -march=i686 $(GUEST_CFLAGS) -nostdlib -static -Wl,-m,elf_i386 -Wl,--build-id=none \
		-T guests/lib/guest.ld -o $@ $(GUEST_LIB_SRCS) $<
$(B)/guests/%64.elf: guests/elf/%.c $(GUEST_LIB_SRCS) guests/lib/hvguest.h include/uapi/hvlab_hypercall.h guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(CC) -m64 -mno-red-zone $(GUEST_CFLAGS) -nostdlib -static -Wl,--build-id=none \
		-T guests/lib/guest.ld -o $@ $(GUEST_LIB_SRCS) $<

# The multiboot kernel: guests/lib's console, its own entry and link script
MB_SRCS := guests/multiboot/entry.S guests/multiboot/mbinfo.c guests/lib/lib.c
MB_DEPS := $(MB_SRCS) guests/multiboot/multiboot.ld guests/lib/hvguest.h
MB_BUILD = $(CC) -m32 -march=i686 $(GUEST_CFLAGS) -nostdlib -static -Wl,-m,elf_i386 \
	-Wl,--build-id=none -T guests/multiboot/multiboot.ld
$(B)/guests/multiboot.elf: $(MB_DEPS)
	@mkdir -p $(dir $@)
	$(MB_BUILD) -o $@ $(MB_SRCS)
$(B)/guests/multiboot_aout.img: $(MB_DEPS)
	@mkdir -p $(dir $@)
	$(MB_BUILD) -DAOUT_KLUDGE -o $(B)/guests/multiboot_aout.elf $(MB_SRCS)
	objcopy -O binary $(B)/guests/multiboot_aout.elf $@

tests: $(VM_TESTS) $(HOST_TESTS)
$(B)/tests/%: tests/vm/%.c tests/vm/hvtest.h $(LIBHVLAB) $(wildcard userspace/*.h userspace/lib/*.h include/uapi/*.h) | $(KSELFTEST)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wno-sign-compare -Wno-misleading-indentation -I$(B)/kselftest -Iuserspace $(STATIC) -pthread \
		-o $@ $< $(LIBHVLAB)

$(B)/tests/host-%: tests/host/%.c $(HOST_TEST_SRCS) $(LIBHVLAB) module/insn.h $(wildcard tests/host/*.h userspace/*.h userspace/lib/*.h userspace/platform/*.h userspace/commands/*.h) | $(KSELFTEST)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wno-sign-compare -Wno-misleading-indentation -I$(B)/kselftest -Iuserspace -Imodule $(STATIC) \
		-o $@ $< $(filter-out $(LIB_SRCS),$(HOST_TEST_SRCS)) $(LIBHVLAB)

$(B)/tests/%32: tests/vm32/%.c $(wildcard include/uapi/*.h)
	@mkdir -p $(dir $@)
	$(CC) -m32 -march=i686 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
		-fno-asynchronous-unwind-tables -mgeneral-regs-only $(WARN) \
		-idirafter /usr/include/x86_64-linux-gnu -nostdlib -static -Wl,-m,elf_i386 \
		-Wl,--build-id=none -o $@ $<

$(B)/host-tests/%: tests/host/%.c $(HOST_TEST_SRCS) $(LIBHVLAB) module/insn.h $(wildcard tests/host/*.h userspace/*.h userspace/lib/*.h userspace/platform/*.h userspace/commands/*.h) | $(KSELFTEST)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wno-sign-compare -Wno-misleading-indentation -I$(B)/kselftest -Iuserspace -Imodule \
		-o $@ $< $(filter-out $(LIB_SRCS),$(HOST_TEST_SRCS)) $(LIBHVLAB)

# gdb for the lab VM (tests/vm/gdb.sh): Debian's gdb-minimal, which
# scripts/setup unpacks into build/gdb-minimal, with the shared libraries
# it needs and their loader, since the initramfs has none. Gathered once
# into build/gdb-root. Without it, a gdb on the PATH that does not embed
# Python (it would not start without Python's library) will do; with
# neither the payload has no gdb and the test skips.
GDB_BIN := $(shell g=$(B)/gdb-minimal/usr/bin/gdb; [ -x $$g ] && echo $$g || \
	{ g=$$(command -v gdb) && ! ldd $$g | grep -q libpython && echo $$g; })
GDB_ROOT := $(B)/gdb-root
$(GDB_ROOT).stamp: $(GDB_BIN)
	@rm -rf $(GDB_ROOT) && mkdir -p $(GDB_ROOT)/usr/bin && cp $(GDB_BIN) $(GDB_ROOT)/usr/bin/gdb
	@for f in $$(ldd $(GDB_BIN) | awk '$$2 == "=>" && $$3 ~ /^\// { print $$3 } $$1 ~ /^\// { print $$1 }'); do \
		mkdir -p $(GDB_ROOT)$$(dirname $$f) && cp -L $$f $(GDB_ROOT)$$f || exit 1; done
	@touch $@

# What labs/vm/run puts into the lab VM's initramfs, laid out from /.
PAYLOAD := $(B)/payload/$(LAB_KERNEL)
payload: all $(if $(GDB_BIN),$(GDB_ROOT).stamp)
	@rm -rf $(PAYLOAD).tmp && mkdir -p $(PAYLOAD).tmp/hvlab $(PAYLOAD).tmp/usr/bin \
		$(PAYLOAD).tmp/guests $(PAYLOAD).tmp/tests
	@cp $(KMOD)/hvlab.ko $(PAYLOAD).tmp/hvlab/
	@cp $(B)/bin/hvctl $(B)/bin/minicontainer $(B)/bin/crossings $(PAYLOAD).tmp/usr/bin/
	@cp $(GUESTS) $(PAYLOAD).tmp/guests/
	@cp $(VM_TESTS) tests/vm/run-all tests/vm/run-smp tests/vm/fuzz-all tests/vm/*.sh $(PAYLOAD).tmp/tests/
	@$(if $(GDB_BIN),cp -a $(GDB_ROOT)/. $(PAYLOAD).tmp/)
	@# replace the old tree in one step: a lab VM being packed never sees half of one
	@rm -rf $(PAYLOAD).old && { ! test -d $(PAYLOAD) || mv $(PAYLOAD) $(PAYLOAD).old; } && \
		mv $(PAYLOAD).tmp $(PAYLOAD) && rm -rf $(PAYLOAD).old

# Kernel style: checkpatch (from linux-source) and sparse on the module.
# COMPLEX_MACRO flags the X-macro exit-reason list, which is on purpose.
lint: module
	@perl $(B)/checkpatch/checkpatch.pl --no-tree --terse -f \
		--ignore SPDX_LICENSE_TAG,COMPLEX_MACRO \
		module/*.c module/*.h module/*.S include/uapi/*.h | \
		{ grep -v "^total: 0 errors, 0 warnings" || true; } | tee $(B)/checkpatch.log
	@test ! -s $(B)/checkpatch.log
	@set -o pipefail; $(MAKE) -s -C $(KDIR) M=$(KMOD) C=2 CHECK=sparse modules 2>&1 | \
		{ grep -v "Skipping BTF generation" || true; } | tee $(B)/sparse.log
	@test ! -s $(B)/sparse.log
	@scripts/labs lint >$(B)/labs-lint.log || { cat $(B)/labs-lint.log; false; }

demo: setup
	@$(MAKE) --no-print-directory all
	@scripts/demo

check:
	@scripts/check

handout:
ifeq ($(LAB),)
	$(error make handout LAB=N DEST=DIR, or LAB=N ONTO=REPO: see labs/README.md)
endif
ifneq ($(ONTO),)
	@scripts/labs onto $(LAB) $(ONTO)
else ifneq ($(DEST),)
	@scripts/labs handout $(LAB) $(DEST)
else
	$(error make handout LAB=$(LAB) needs DEST=DIR (a new repository) or ONTO=REPO (a student's))
endif

check-labs:
	@scripts/check-labs

grade:
ifeq ($(LAB),)
	$(error make grade LAB=N [EXTRA=DIR] [STUDENT=REPO] [GRADE_SEED=S]: see labs/INSTRUCTORS.md)
endif
	@scripts/grade LAB=$(LAB) EXTRA=$(EXTRA) STUDENT=$(STUDENT) GRADE_SEED=$(GRADE_SEED) || \
	{ st=$$?; echo "grade: status $$st ($$([ $$st = 1 ] && echo 'below full marks' || echo 'the grading itself failed')); make reports any failure as 2: run scripts/grade LAB=$(LAB) for 0/1/2"; exit $$st; }

# libFuzzer harnesses for the parsers of what a guest or a user hands
# hvctl (tests/fuzz/README.md): clang with ASan and UBSan, the project's
# sources compiled unchanged into build/fuzz/obj. tests/fuzz/run builds
# them and runs each on a copy of its corpus.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS := -g -O2 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined $(WARN) -I$(TOP)/include -Iuserspace -Imodule
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS := $(patsubst %.c,$(B)/fuzz/obj/%.o,$(HOST_TEST_SRCS))
fuzzers: $(FUZZERS)
$(B)/fuzz/obj/%.o: %.c $(wildcard userspace/*.h userspace/lib/*.h userspace/commands/*.h include/uapi/*.h module/insn.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZERS): $(B)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS)
FUZZ_CALLS ?= 200000
FUZZ_GUESTS ?= 20000
FUZZ_CYCLES ?= 2000
FUZZ_SEED ?= $(shell date +%s)
fuzz: payload
	@tests/fuzz/run $(FUZZ_SECONDS)
	@labs/vm/run --timeout 7200 --payload $(PAYLOAD) -- /tests/fuzz-all $(FUZZ_CALLS) $(FUZZ_GUESTS) $(FUZZ_SEED) $(FUZZ_CYCLES)

clean:
	rm -rf $(B)/kmod $(B)/bin $(B)/lib $(B)/guests $(B)/tests $(B)/host-tests $(B)/payload \
	       $(B)/fuzz/obj $(FUZZERS)
