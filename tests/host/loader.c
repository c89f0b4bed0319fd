// SPDX-License-Identifier: GPL-2.0
/* loader.c - host-side tests of hvctl's argument parsing and memory map. */
#include "kselftest_harness.h"
#include "libhvlab.h"

TEST(parse_size)
{
	EXPECT_EQ(4096, hv_parse_size("4096"));
	EXPECT_EQ(4096, hv_parse_size("4K"));
	EXPECT_EQ(4 << 20, hv_parse_size("4M"));
	EXPECT_EQ(4 << 20, hv_parse_size("4MiB"));
	EXPECT_EQ(1LL << 30, hv_parse_size("1g"));
	EXPECT_EQ(0x100000, hv_parse_size("0x100000"));
	EXPECT_EQ(-1, hv_parse_size(""));
	EXPECT_EQ(-1, hv_parse_size("-4M"));
	EXPECT_EQ(-1, hv_parse_size("4X"));
	EXPECT_EQ(-1, hv_parse_size("4MM"));
	EXPECT_EQ(-1, hv_parse_size("M"));
	EXPECT_EQ(-1, hv_parse_size("99999999999999999999"));
	EXPECT_EQ(-1, hv_parse_size("17179869184G"));	/* overflows */
	EXPECT_EQ(-1, hv_parse_size(NULL));
}

TEST(pc_memory_map)
{
	struct hv_vm vm = { .mem_size = 4 << 20 };

	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0, 4096));
	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0x7c00, 512));
	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0x9f000, 0x1000));
	EXPECT_FALSE(hv_gpa_is_ram(&vm, 0x9f000, 0x1001));	/* runs into the hole */
	EXPECT_FALSE(hv_gpa_is_ram(&vm, 0xb8000, 2));		/* VGA */
	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0x100000, 4096));
	EXPECT_TRUE(hv_gpa_is_ram(&vm, (4 << 20) - 1, 1));
	EXPECT_FALSE(hv_gpa_is_ram(&vm, 4 << 20, 1));
	EXPECT_FALSE(hv_gpa_is_ram(&vm, ~0ULL, 2));		/* wraps */
}

/* Loading needs a vCPU; without /dev/hvlab, check what fails before it. */
TEST(load_refuses_oversized_images)
{
	static unsigned char big[0xa0000];
	struct hv_vm vm = { .vcpu_fd = -1 };
	unsigned char mem[16];

	vm.mem = mem;
	EXPECT_EQ(-EFBIG, hv_load_raw(&vm, big, sizeof(big)));
	EXPECT_EQ(-EINVAL, hv_load_raw(&vm, big, 0));
	EXPECT_EQ(-ENOENT, hv_load_raw_file(&vm, "/nonexistent/guest.bin"));
}

TEST_HARNESS_MAIN
