/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvctl.h - what hvctl's commands (userspace/commands/, one file each)
 * share: the session (one VM, how it is run, the platform of devices
 * around it: session.c) and the exit statuses.
 */
#ifndef HVCTL_H
#define HVCTL_H

#include <signal.h>
#include <stdio.h>

#include "lib/libhvlab.h"
#include "platform/platform.h"
#include "step.h"
#include "lib/vcpu_events.h"

struct hv_tracer;

/* Exit statuses. Odd numbers belong to the guest's port 0xf4 writes. */
#define STATUS_HALTED		0
#define STATUS_USAGE		2
#define STATUS_SETUP		4	/* no device, no VM, bad guest file */
#define STATUS_GUEST_CRASHED	6	/* triple fault, failed entry, unhandled exit */
#define STATUS_STRICT		8	/* --strict: an access nothing claims */
#define STATUS_MAX_EXITS	10	/* --max-exits: the guest had not ended */
#define STATUS_RESET		12	/* the guest asked for a reset (i8042, 0xcf9) */
#define STATUS_TIMEOUT		14	/* --timeout: the guest had not ended */
#define STATUS_INTERRUPTED	130

/* The long option every command that prints the guest's console takes */
#define OPT_RAW_CONSOLE		0x100

/* The commands: hvctl COMMAND's argv from COMMAND on; each returns an exit status */
enum run_mode { MODE_RUN, MODE_STEP, MODE_TRACE };
int hvctl_cmd_run(int argc, char **argv, enum run_mode mode);	/* run.c: run, step, trace */
int hvctl_cmd_vmcs(int argc, char **argv);			/* vmcs.c */
int hvctl_cmd_ept(int argc, char **argv);			/* ept.c */
/* explain.c: hv_cmd_explain(); gdb.c: hv_gdb_main() */
/* hvctl --help (hvctl.c) */
void hvctl_usage(FILE *out);

struct session {
	struct hv_vm vm;
	FILE *trace;		/* --trace-json */
	int strict;
	int step;		/* console: gather lines between the exits step prints */
	struct step_config step_cfg;
	int done;
	int status;
	char console[256];	/* step: the guest's current console line */
	size_t console_len;
	int console_midline;	/* run: the console's last byte was not a newline */
	int raw_console;	/* --raw-console: its bytes to the terminal unescaped */
	int json_stdout;	/* run, trace, vmcs: stdout carries JSON, the console goes to stderr */
	struct hv_tracer *tracer;	/* hvctl trace */
	long stop_after;	/* vmcs --exits N: stop after N exits */
	long max_exits;		/* run, trace --max-exits N: give up after N exits */
	double timeout;		/* run, trace --timeout SECONDS: give up after that long */
	uint64_t timeout_at;	/* ... at this CLOCK_MONOTONIC ns, over every --reboot */
	struct hv_platform platform;	/* the PC's devices (userspace/platform/) */
	int platform_ready;
	struct hv_events events;	/* run, trace: timers, input, interrupts (vcpu_events.h) */
};

/*
 * Create a VM with @mem bytes of RAM on @backend and load @guest into it
 * (NULL: load nothing). On failure say why on stderr, as "PROG: ...",
 * close the VM and return STATUS_SETUP; else 0.
 */
int hvctl_open_guest(struct hv_vm *vm, enum hv_backend backend, const struct hv_mem_config *mem,
		     const char *guest, enum hv_guest_format *format, const char *prog);
/* The same for an operating system's kernel, with its loader's arguments */
int hvctl_open_os(struct hv_vm *vm, enum hv_backend backend, const struct hv_mem_config *mem,
		  const char *guest, const struct hv_boot_args *args,
		  enum hv_guest_format *format, const char *prog);
/* Give the vCPU hvctl's local APIC: 1 yes, 0 no, -1 unless a boot sector; 0 or -errno (said) */
int hvctl_set_lapic(struct hv_vm *vm, enum hv_guest_format format, int want, const char *prog);
/*
 * Before a VM is made for @guest: the OS loader's options it takes
 * (--initrd: Linux; --append: Linux, multiboot; --module: multiboot), and
 * a kernel's RAM unless --mem was given (Linux 256M, multiboot 128M, as
 * QEMU). 0, or STATUS_USAGE after saying why.
 */
int hvctl_check_kernel(const char *guest, const struct hv_boot_args *boot, int mem_given,
		       struct hv_mem_config *mem, const char *prog);
/* --module FILE[,ARGS]: add it to @boot (up to HV_MULTIBOOT_MAX_MODULES), or STATUS_USAGE */
int hvctl_add_module(struct hv_boot_args *boot, const char *spec, const char *prog);
/* --mem: the size in bytes, or -1 after saying what a good one is. */
int64_t hvctl_parse_mem(const char *text, const char *prog);

/* Set by SIGINT and SIGTERM, through hvctl_on_sigint(). */
extern volatile sig_atomic_t interrupted;
void hvctl_on_sigint(int sig);

/* Run the session's VM until it ends (step: step's loop); its exit status */
int hvctl_run_loop(struct session *s);
/* run, trace, vmcs: where the guest's console goes as it prints */
FILE *hvctl_console_stream(const struct session *s);
/* --exits N of vmcs and ept into s->stop_after: 0, or -1 after saying what to give */
int hvctl_parse_exits(const char *arg, struct session *s);
/*
 * vmcs and ept: load @guest, and run it for s->stop_after exits if asked
 * (with JSON on stdout, the console goes to stderr). Its status so far,
 * or -1 if it could not be loaded.
 */
int hvctl_load_and_run_exits(struct session *s, const char *guest, int json);

/* Consume the kernel's exit records (and write them to --trace-json). */
void drain_trace(struct session *s);
/* Print the guest's console line gathered so far (step). */
void console_flush(struct session *s);
/* Act on why HVLAB_RUN returned, as the PC would; sets s->done at the end. */
void handle_exit(struct session *s);
/* The session's platform of devices, built at the first use */
struct hv_platform *hvctl_platform(struct session *s);
/* The accesses nothing on the bus claimed, summed up on stderr (if any) */
void hvctl_report_unclaimed(struct session *s);

#endif
