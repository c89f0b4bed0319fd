// SPDX-License-Identifier: GPL-2.0
/*
 * guest_fuzz - guests made of random bytes, in real, protected and long
 * mode (issue 9).
 *
 *   guest_fuzz [GUESTS [SEED]]      defaults: 2000 <time>
 *
 * Each guest is a fresh VM set up as guests/hello.bin, hello32.elf or
 * hello64.elf would be, whose code at the entry point, and the 16 KiB
 * after it, are then replaced by random bytes. Its memory is one of three
 * mappings (one per setup) that every guest of that setup reuses, so
 * that the kernel does not fault in and zero 1.25 MiB per guest: the
 * loader writes the image and page tables again, and the rest holds
 * what the guests before it left, which the seed also decides. It
 * runs one exit at a time, for at most BUDGET exits (of which MAX_SPINS
 * VMX-preemption timer exits, each after 2^20 ticks). It must end with an
 * exit hvlab defines (HLT, a shutdown, a stopped VM with its reason, an
 * entry failure, I/O or MMIO to answer, ...) or run out of its budget:
 * never an error from HVLAB_RUN, never a hang, never a line in the kernel
 * log (labs/vm/run checks), and with every VM closed no page is left
 * pinned or allocated (/sys/kernel/debug/hvlab/pages). Prints TAP, and a
 * tally of how the guests ended.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "lib/libhvlab.h"
#include "../../include/uapi/hvlab_exit_reasons.h"

#define BUDGET		64		/* exits per guest */
#define MAX_SPINS	1		/* of them, VMX-preemption timer exits */
#define PREEMPTION_TIMER 52		/* exit reason (SDM Appendix C) */
#define GUEST_MEM	(1280ULL << 10)	/* the ELF guests load at 1 MiB */
#define RANDOM_CODE	0x4000		/* bytes of it at the entry point */

static const char *const setups[] = {
	"/guests/hello.bin", "/guests/hello32.elf", "/guests/hello64.elf"
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/*
 * TSC ticks spent making VMs, filling them with random code, running them
 * and closing them: under Bochs a tick is an instruction, guest or host,
 * so this says where the fuzzer's time goes.
 */
enum { PHASE_CREATE, PHASE_FILL, PHASE_RUN, PHASE_CLOSE, PHASES };
static uint64_t phase_ticks[PHASES];

static void phase_done(int phase, uint64_t *start)
{
	uint64_t now = __builtin_ia32_rdtsc();

	phase_ticks[phase] += now - *start;
	*start = now;
}

/* How one guest ended; -1 for an error from the ABI (a test failure). */
static int run_random_guest(uint64_t *s, const char *setup, uint8_t *mem, unsigned int *exits)
{
	uint64_t t = __builtin_ia32_rdtsc();
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	enum hv_guest_format format;
	struct hvlab_regs regs;
	struct hvlab_run *run;
	const char *why;
	unsigned int spins = 0;
	uint64_t i;
	int ret = -1;

	if (hv_open(&vm) || hv_create_in(&vm, mem, GUEST_MEM) ||
	    hv_load_file(&vm, setup, &format, &why) || hv_get_regs(&vm, &regs))
		goto out;
	/*
	 * Random code at the entry point and in the 16 KiB after it. No REP
	 * prefixes (0xf2, 0xf3): Bochs runs a whole REP string instruction,
	 * up to 2^64 rounds, before its preemption timer counts again. Eight
	 * bytes a draw: under Bochs the filling costs as much as a guest.
	 */
	phase_done(PHASE_CREATE, &t);
	for (i = regs.rip; i < regs.rip + RANDOM_CODE && i + 8 <= GUEST_MEM; i += 8) {
		uint64_t r = next_rand(s), y, rep;

		/*
		 * Bytes 0xf2/0xf3 become 0x90 (NOP), eight at once: y has a
		 * zero byte where r has one of them, and the sum below sets a
		 * byte's top bit exactly where y's byte is not zero.
		 */
		y = (r ^ 0xf2f2f2f2f2f2f2f2ull) & 0xfefefefefefefefeull;
		rep = ~(((y & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | y |
			0x7f7f7f7f7f7f7f7full);
		rep = (rep >> 7) * 0xff;		/* whole bytes to replace */
		r = (r & ~rep) | (0x9090909090909090ull & rep);
		memcpy(vm.mem + i, &r, 8);
	}
	phase_done(PHASE_FILL, &t);
	run = vm.run;
	run->request_flags = HVLAB_RUN_STOP_EVERY_EXIT;
	for (*exits = 0; *exits < BUDGET; ++*exits) {
		int err = hv_run(&vm);

		if (err == -EINTR)
			continue;
		if (err) {
			printf("# %s: HVLAB_RUN failed: %s\n", setup, strerror(-err));
			goto out;
		}
		switch (run->exit_reason) {
		case HVLAB_EXIT_IO:
			if (run->io.direction == HVLAB_IO_IN)
				run->io.data = ~0u;
			continue;
		case HVLAB_EXIT_MMIO:
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			continue;
		case HVLAB_EXIT_HANDLED:
			/*
			 * A guest that spins without exits comes back only with
			 * the VMX-preemption timer, every 2^20 ticks: one of
			 * those ends its budget, or 2,000 guests take hours.
			 */
			if (HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason) == PREEMPTION_TIMER &&
			    ++spins >= MAX_SPINS)
				break;
			continue;
		case HVLAB_EXIT_STEP:
			continue;
		default:	/* HLT, SHUTDOWN, INTERNAL_ERROR, MEMORY_FAULT, ... */
			ret = run->exit_reason;
			goto out;
		}
		break;
	}
	ret = 0;	/* the budget ran out */
out:
	phase_done(PHASE_RUN, &t);
	hv_close(&vm);
	phase_done(PHASE_CLOSE, &t);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long guests = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	unsigned long ended[64] = { 0 }, i, bad = 0, total_exits = 0;
	uint64_t s = seed * 2 + 1;
	char pages[256] = "";
	uint8_t *mem[3];
	FILE *f;

	printf("TAP version 13\n1..2\n# seed %llu, %lu guests (guest_fuzz %lu %llu)\n",
	       (unsigned long long)seed, guests, guests, (unsigned long long)seed);
	fflush(stdout);
	for (i = 0; i < 3; i++) {
		mem[i] = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem[i] == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
	}
	for (i = 0; i < guests; i++) {
		unsigned int exits = 0;
		int how = run_random_guest(&s, setups[i % 3], mem[i % 3], &exits);

		total_exits += exits;
		if (how < 0)
			bad++;
		else
			ended[how < 64 ? how : 63]++;
	}
	printf("%sok 1 - %lu random guests in real, protected and long mode ended with a defined exit or their budget of %d exits (%lu exits in all)\n",
	       bad ? "not " : "", guests, BUDGET, total_exits);
	printf("# how they ended:");
	for (i = 0; i < 64; i++)
		if (ended[i])
			printf(" %s %lu", i ? hv_run_exit_name(i) : "budget", ended[i]);
	printf("\n");
	if (guests)
		printf("# TSC ticks per guest: create %llu, fill %llu, run %llu, close %llu\n",
		       (unsigned long long)(phase_ticks[PHASE_CREATE] / guests),
		       (unsigned long long)(phase_ticks[PHASE_FILL] / guests),
		       (unsigned long long)(phase_ticks[PHASE_RUN] / guests),
		       (unsigned long long)(phase_ticks[PHASE_CLOSE] / guests));
	f = fopen("/sys/kernel/debug/hvlab/pages", "r");
	if (f) {
		size_t n = fread(pages, 1, sizeof(pages) - 1, f);

		pages[n] = 0;
		fclose(f);
		printf("%sok 2 - no page left pinned or allocated\n",
		       strstr(pages, "pinned 0\n") && strstr(pages, "ept_tables 0\n") &&
		       strstr(pages, "vmcs 0\n") ? "" : "not ");
		printf("# pages after: %s", pages);
	} else {
		printf("ok 2 - no page left # SKIP no /sys/kernel/debug/hvlab/pages (debugfs)\n");
	}
	return bad != 0;
}
