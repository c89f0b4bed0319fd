// SPDX-License-Identifier: GPL-2.0
/* stop_cond.c - host-side tests of hvctl step's "until" conditions. */
#include <string.h>

#include "kselftest_harness.h"
#include "stop_cond.h"
#include "../../include/uapi/hvlab.h"

static const struct hv_exit_view out_e9 = {
	.vmx_reason = 30, .run_exit = HVLAB_EXIT_IO, .has_port = 1, .port = 0xe9, .rip = 0x7c19,
};
static const struct hv_exit_view out_3f8 = {
	.vmx_reason = 30, .run_exit = HVLAB_EXIT_IO, .has_port = 1, .port = 0x3f8, .rip = 0x7c20,
};
static const struct hv_exit_view cpuid = {
	.vmx_reason = 10, .run_exit = HVLAB_EXIT_HANDLED, .rip = 0x7c03,
};
static const struct hv_exit_view mmio = {
	.vmx_reason = 48, .run_exit = HVLAB_EXIT_MMIO, .has_gpa = 1, .gpa = 0xb8000, .rip = 0x7c05,
};

TEST(exit_and_port)
{
	struct hv_stop_cond c;
	char err[256];

	ASSERT_EQ(0, hv_stop_cond_parse("exit=IO,port=0x3f8", &c, err, sizeof(err)));
	EXPECT_EQ(HV_COND_EXIT | HV_COND_PORT, c.keys);
	EXPECT_EQ(30, c.vmx_reason);
	EXPECT_EQ(0x3f8, c.port);
	EXPECT_STREQ("exit=IO,port=0x3f8", c.text);
	EXPECT_EQ(1, hv_stop_cond_match(&c, &out_3f8));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &out_e9));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &cpuid));

	/* names are case-insensitive and may be the SDM's or a number */
	ASSERT_EQ(0, hv_stop_cond_parse("exit=cpuid", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &cpuid));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &out_e9));
	ASSERT_EQ(0, hv_stop_cond_parse("exit=10", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &cpuid));
	ASSERT_EQ(0, hv_stop_cond_parse("exit=IO_INSTRUCTION", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &out_e9));

	/* port alone: any I/O exit at that port */
	ASSERT_EQ(0, hv_stop_cond_parse("port=233", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &out_e9));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &cpuid));
}

TEST(hvlab_exits_gpa_rip)
{
	struct hv_stop_cond c;
	char err[256];

	/* not a VMX reason: hvlab's own exit kinds */
	ASSERT_EQ(0, hv_stop_cond_parse("exit=MMIO", &c, err, sizeof(err)));
	EXPECT_EQ(-1, c.vmx_reason);
	EXPECT_EQ(HVLAB_EXIT_MMIO, c.run_exit);
	EXPECT_EQ(1, hv_stop_cond_match(&c, &mmio));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &out_e9));
	ASSERT_EQ(0, hv_stop_cond_parse("exit=step", &c, err, sizeof(err)));
	EXPECT_EQ(HVLAB_EXIT_STEP, c.run_exit);

	ASSERT_EQ(0, hv_stop_cond_parse("gpa=0xb8000", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &mmio));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &cpuid));	/* no gpa at all */
	ASSERT_EQ(0, hv_stop_cond_parse("gpa=0xb8002", &c, err, sizeof(err)));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &mmio));

	ASSERT_EQ(0, hv_stop_cond_parse("rip=0x7c03", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &cpuid));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &out_e9));
	ASSERT_EQ(0, hv_stop_cond_parse("exit=IO,rip=0x7c19", &c, err, sizeof(err)));
	EXPECT_EQ(1, hv_stop_cond_match(&c, &out_e9));
	EXPECT_EQ(0, hv_stop_cond_match(&c, &out_3f8));
}

TEST(errors_say_what_to_write)
{
	struct hv_stop_cond c = { .keys = 0x55 };
	char err[256];

	EXPECT_EQ(-1, hv_stop_cond_parse("port=0x10000", &c, err, sizeof(err)));
	EXPECT_STREQ("port=0x10000: give a port number 0-0xffff", err);
	EXPECT_EQ(-1, hv_stop_cond_parse("exit=nonsense", &c, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "exit=nonsense: give an exit reason"));
	EXPECT_EQ(-1, hv_stop_cond_parse("foo=1", &c, err, sizeof(err)));
	EXPECT_STREQ("unknown key 'foo': the keys are exit, port, gpa and rip", err);
	EXPECT_EQ(-1, hv_stop_cond_parse("rip", &c, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "write KEY=VALUE"));
	EXPECT_EQ(-1, hv_stop_cond_parse("rip=", &c, err, sizeof(err)));
	EXPECT_EQ(-1, hv_stop_cond_parse("rip=7c00h", &c, err, sizeof(err)));
	EXPECT_STREQ("rip=7c00h: give an address, e.g. rip=0x7c10", err);
	EXPECT_EQ(-1, hv_stop_cond_parse("port=1,port=2", &c, err, sizeof(err)));
	EXPECT_STREQ("'port' is given twice", err);
	EXPECT_EQ(-1, hv_stop_cond_parse("", &c, err, sizeof(err)));
	EXPECT_EQ(-1, hv_stop_cond_parse(",", &c, err, sizeof(err)));
	EXPECT_EQ(-1, hv_stop_cond_parse("gpa=-1", &c, err, sizeof(err)));
	/* a refused condition leaves the old one alone */
	EXPECT_EQ(0x55, c.keys);
}

TEST_HARNESS_MAIN
