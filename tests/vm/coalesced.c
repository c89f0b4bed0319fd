// SPDX-License-Identifier: GPL-2.0
/*
 * coalesced.c - lab 9, part C: coalesced port output (module/coalesced.c,
 * HVLAB_SET_COALESCED_PORT). guests/elf/paravirt.c prints 4 KiB through
 * port 0xe9 (its "way 1") and times it; run once as ever and once with
 * 0xe9 coalesced, the text must arrive whole and in order both times, and
 * the fast path must turn 4096 exits to userspace into a handful and cost
 * well under a quarter of the ticks. The ring is shared with userspace,
 * which may lie in it: the kernel must not believe it.
 */
#include "hvtest.h"

#define PV_CONFIG_PORT	0x85	/* guests/elf/paravirt.c */
#define PV_SEED_PORT	0x86
#define PV_TICKS_PORT	0x90	/* way 1 at + 4 */
#define DEBUG_PORT	0xe9
#define TEXT_SIZE	4096

struct printout {
	char text[2 * TEXT_SIZE];
	size_t len;
	uint32_t ticks;		/* the guest's, for its 4096 OUTs */
	int user_exits;		/* returns from HVLAB_RUN */
	int ret;
};

static struct hvlab_coalesced_ring *ring_of(struct hv_vm *vm)
{
	return (struct hvlab_coalesced_ring *)((char *)vm->run + HVLAB_COALESCED_OFFSET);
}

static void take(struct printout *p, const char *bytes, size_t n)
{
	if (n > sizeof(p->text) - p->len)
		n = sizeof(p->text) - p->len;
	memcpy(p->text + p->len, bytes, n);
	p->len += n;
}

/* Run paravirt64.elf's way 1 with text @seed; drain the ring at every exit. */
static void print_4k(struct hv_vm *vm, uint32_t seed, struct printout *p)
{
	struct hvlab_run *run = vm->run;
	char buf[512];
	size_t n;

	memset(p, 0, sizeof(*p));
	run->request_flags = 0;
	for (;;) {
		p->ret = hv_run(vm);
		if (p->ret == -EINTR)
			continue;
		p->user_exits++;
		while ((n = hv_coalesced_drain(vm, buf, sizeof(buf))) > 0)
			take(p, buf, n);
		if (p->ret || run->exit_reason != HVLAB_EXIT_IO || p->user_exits > 3 * TEXT_SIZE)
			break;
		if (run->io.direction == HVLAB_IO_IN)
			run->io.data = run->io.port == PV_CONFIG_PORT ? 1 : /* way 1 only */
				       run->io.port == PV_SEED_PORT ? seed : 0;
		else if (run->io.port == DEBUG_PORT)
			take(p, (const char *)&run->io.data, 1);
		else if (run->io.port == PV_TICKS_PORT + 4)
			p->ticks = run->io.data;
	}
}

static void make_text(uint32_t seed, char *text)
{
	int i;

	for (i = 0; i < TEXT_SIZE; i++) {
		seed = seed * 1103515245 + 12345;
		text[i] = i % 64 == 63 ? '\n' : 'a' + (seed >> 16) % 26;
	}
}

static int load_paravirt(struct hv_vm *vm)
{
	enum hv_guest_format format;
	const char *why;
	int ret = hv_open(vm);

	if (!ret)
		ret = hv_create(vm, HV_DEFAULT_MEM);
	if (!ret)
		ret = hv_load_file(vm, "/guests/paravirt64.elf", &format, &why);
	return ret;
}

/*
 * The fast path: 4 KiB through port 0xe9, coalesced, is the same text in
 * at most 4 exits to userspace (the ring holds 4088 bytes: one byte
 * exits as an ordinary OUT, then the HLT, and the reads of the config
 * and the seed), and costs under a quarter of the ticks of 4096 exits.
 */
TEST(coalesced_port_prints_4k_in_a_few_exits)
{
	uint32_t seed = hvtest_grade_seed("coalesced text");
	static struct printout slow, fast;
	static char want[TEXT_SIZE];
	struct hv_vm vm;

	make_text(seed, want);
	ASSERT_EQ(0, load_paravirt(&vm));
	print_4k(&vm, seed, &slow);
	hv_close(&vm);
	ASSERT_EQ(0, load_paravirt(&vm));
	ASSERT_EQ(0, hv_set_coalesced_port(&vm, DEBUG_PORT));
	print_4k(&vm, seed, &fast);
	TH_LOG("4 KiB by OUT: %d exits to userspace, %u ticks; coalesced: %d exits, %u ticks, %llu bytes in the ring",
	       slow.user_exits, slow.ticks, fast.user_exits, fast.ticks,
	       (unsigned long long)hvtest_stat(vm.vcpu_fd, HVLAB_GET_VCPU_STATS, "coalesced_bytes"));
	hv_close(&vm);
	ASSERT_EQ(0, slow.ret);
	ASSERT_EQ(0, fast.ret);
	/* the same text, whole and in order, both ways */
	ASSERT_EQ(TEXT_SIZE, slow.len);
	EXPECT_EQ(0, memcmp(want, slow.text, TEXT_SIZE));
	ASSERT_EQ(TEXT_SIZE, fast.len);
	EXPECT_EQ(0, memcmp(want, fast.text, TEXT_SIZE));
	EXPECT_LE(TEXT_SIZE, slow.user_exits);
	EXPECT_GE(5, fast.user_exits);
	EXPECT_LT(0, fast.ticks);
	EXPECT_LT(4ull * fast.ticks, slow.ticks);
}

/*
 * Userspace owns the ring's memory and may write anything there. A tail
 * ahead of the kernel's head, or one more than a ring behind it, reads
 * as "full": the bytes exit as ordinary OUTs, the ring's data stays as
 * it was, and once the tail is sane again the ring takes bytes again.
 * A head scribbled over is rewritten from the kernel's own count.
 */
TEST(coalesced_ring_trusts_nothing_userspace_writes)
{
	/* 1: mov $'a',%al; out %al,$0xe9; inc %al; cmp $'z'+1,%al; jne 1b; hlt */
	static const uint8_t guest[] = { 0xb0, 'a', 0xe6, 0xe9, 0xfe, 0xc0, 0x3c, 'z' + 1,
					 0x75, 0xf8, 0xf4 };
	struct hvlab_coalesced_ring *ring;
	struct hv_vm vm;
	uint8_t before[64];
	int outs = 0, ret;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&vm, guest, sizeof(guest)));
	ASSERT_EQ(0, hv_set_coalesced_port(&vm, DEBUG_PORT));
	ring = ring_of(&vm);
	vm.run->request_flags = 0;
	/* a tail ahead of head: nothing may go into the ring */
	ring->tail = 1000;
	ring->head = 0x7fffffff;
	memcpy(before, ring->data, sizeof(before));
	for (;;) {
		ret = hv_run(&vm);
		if (ret || vm.run->exit_reason != HVLAB_EXIT_IO)
			break;
		outs++;
		if (outs == 10) {
			/* more than a ring behind: still full */
			ring->tail = -HVLAB_COALESCED_SIZE;
		} else if (outs == 20) {
			/* sane again: the kernel's head is 0, none appended */
			ring->tail = 0;
		}
	}
	ASSERT_EQ(0, ret);
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	/* 20 exits before the tail was sane, the last 6 letters in the ring */
	EXPECT_EQ(20, outs);
	EXPECT_EQ(0, memcmp(before + 6, ring->data + 6, sizeof(before) - 6));
	EXPECT_EQ(6, ring->head);
	EXPECT_EQ(0, memcmp("uvwxyz", ring->data, 6));
	hv_close(&vm);
}

/* Bad requests change nothing: flags, reserved bits, a bad pointer */
TEST(set_coalesced_port_refuses_bad_requests)
{
	struct hvlab_coalesced_port c = { .port = DEBUG_PORT, .flags = HVLAB_COALESCE_ON };
	struct hv_vm vm;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
	c.flags = 2;
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_COALESCED_PORT, &c));
	EXPECT_EQ(EINVAL, errno);
	c.flags = HVLAB_COALESCE_ON;
	c.reserved = 1;
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_COALESCED_PORT, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_COALESCED_PORT, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	c.reserved = 0;
	EXPECT_EQ(0, ioctl(vm.vcpu_fd, HVLAB_SET_COALESCED_PORT, &c));
	EXPECT_EQ(0, hv_set_coalesced_port(&vm, -1));
	/* the mapping has the third page */
	EXPECT_LE(HVLAB_COALESCED_OFFSET + (long)sizeof(struct hvlab_coalesced_ring),
		  (long)vm.run_size);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
