// SPDX-License-Identifier: GPL-2.0
/* decode.c - host-side tests of hvctl's exit decoding (SDM 28.2.1). */
#include <string.h>

#include "kselftest_harness.h"
#include "decode.h"
#include "../../include/uapi/hvlab_exit_reasons.h"

TEST(exit_names)
{
	EXPECT_STREQ("CPUID", hv_exit_name(10));
	EXPECT_STREQ("EPT violation", hv_exit_name(48));
	EXPECT_STREQ("IO_INSTRUCTION", hv_exit_id(30));
	EXPECT_STREQ("TRIPLE_FAULT", hv_exit_id(2));
	/* bit 31 (failed entry) does not change the basic reason */
	EXPECT_STREQ("VM-entry failure: invalid guest state",
		     hv_exit_name(33 | HVLAB_VMX_EXIT_FAILED_ENTRY));
	EXPECT_EQ(NULL, hv_exit_name(35));	/* reserved */
	EXPECT_EQ(NULL, hv_exit_name(1000));
	EXPECT_EQ(30, hv_exit_parse("io"));
	EXPECT_EQ(48, hv_exit_parse("ept_violation"));
	EXPECT_EQ(12, hv_exit_parse("12"));
	EXPECT_EQ(-1, hv_exit_parse("35"));
	EXPECT_EQ(-1, hv_exit_parse("nonsense"));
	EXPECT_STREQ("MMIO", hv_run_exit_name(HVLAB_EXIT_MMIO));
	EXPECT_STREQ("?", hv_run_exit_name(999));
}

/* Table 28-5: size-1 in 2:0, direction 3, string 4, REP 5, immediate 6, port 31:16 */
TEST(io_qualification)
{
	struct hv_io_qual q;

	hv_decode_io(0x00e90040ULL, &q);	/* out %al, $0xe9 */
	EXPECT_EQ(1, q.size);
	EXPECT_EQ(0, q.in);
	EXPECT_EQ(1, q.immediate);
	EXPECT_EQ(0xe9, q.port);
	hv_decode_io(0x03f80033ULL, &q);	/* rep outsl to DX */
	EXPECT_EQ(4, q.size);
	EXPECT_EQ(0, q.in);
	EXPECT_EQ(1, q.string);
	EXPECT_EQ(1, q.rep);
	EXPECT_EQ(0, q.immediate);
	EXPECT_EQ(0x3f8, q.port);
	hv_decode_io(0xffff0009ULL, &q);	/* in %dx, %ax */
	EXPECT_EQ(2, q.size);
	EXPECT_EQ(1, q.in);
	EXPECT_EQ(0xffff, q.port);
}

/* The mnemonic names the string forms by element size, with REP */
TEST(io_mnemonic)
{
	struct hvlab_exit_record rec = { .seq = 5, .reason = 30, .rip = 0x7c10 };
	struct hv_io_qual q;
	char insn[16], buf[256];

	hv_decode_io(0x00e90040ULL, &q);
	EXPECT_STREQ("out", hv_io_mnemonic(&q, insn, sizeof(insn)));
	hv_decode_io(0x03f80033ULL, &q);
	EXPECT_STREQ("rep outsd", hv_io_mnemonic(&q, insn, sizeof(insn)));
	hv_decode_io(0x00800019ULL, &q);
	EXPECT_STREQ("insw", hv_io_mnemonic(&q, insn, sizeof(insn)));

	rec.qualification = 0x00e90030ULL;	/* rep outsb to DX */
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#5 I/O instruction (30) at rip 0x7c10: rep outsb port 0xe9, 1 byte, port in DX", buf);
	rec.qualification = 0x00800019ULL;	/* insw from DX */
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#5 I/O instruction (30) at rip 0x7c10: insw port 0x80, 2 bytes, port in DX", buf);
}

/* Table 28-7 */
TEST(ept_qualification)
{
	struct hv_ept_qual q;

	hv_decode_ept(0x182, &q);		/* write, linear valid, translated */
	EXPECT_EQ(0, q.read);
	EXPECT_EQ(1, q.write);
	EXPECT_EQ(0, q.fetch);
	EXPECT_EQ(0, q.readable | q.writable | q.executable);
	EXPECT_EQ(1, q.linear_valid);
	EXPECT_EQ(1, q.translated);
	EXPECT_STREQ("write", hv_ept_access(&q));
	hv_decode_ept(0x0c, &q);		/* fetch from a read-only page */
	EXPECT_STREQ("fetch", hv_ept_access(&q));
	EXPECT_EQ(1, q.readable);
	EXPECT_EQ(0, q.writable);
	hv_decode_ept(0x1, &q);
	EXPECT_STREQ("read", hv_ept_access(&q));
}

/* Table 28-3: CR number 3:0, access type 5:4, LMSW operand 6, GPR 11:8, LMSW data 31:16 */
TEST(cr_qualification)
{
	struct hvlab_exit_record mov = { .seq = 1, .reason = 28, .qualification = 0x304,
					 .rip = 0x7c67 };
	struct hvlab_exit_record lmsw = { .seq = 2, .reason = 28, .qualification = 0x00090070 };
	struct hv_cr_qual cr;
	char buf[512];

	hv_decode_cr(0x304, &cr);		/* mov %rbx, %cr4 */
	EXPECT_EQ(4, cr.cr);
	EXPECT_EQ(0, cr.access);
	EXPECT_EQ(3, cr.gpr);
	EXPECT_STREQ("rbx", hv_gpr_name(cr.gpr));
	hv_decode_cr(0xf18, &cr);		/* mov %cr8, %r15 */
	EXPECT_EQ(8, cr.cr);
	EXPECT_STREQ("mov_from_cr", hv_cr_access(cr.access));
	EXPECT_STREQ("r15", hv_gpr_name(cr.gpr));
	hv_decode_cr(0x00090070, &cr);		/* lmsw from memory, data 9 */
	EXPECT_STREQ("lmsw", hv_cr_access(cr.access));
	EXPECT_EQ(1, cr.lmsw_memory);
	EXPECT_EQ(9, cr.lmsw_data);
	hv_format_exit(&mov, buf, sizeof(buf));
	EXPECT_STREQ("#1 control-register access (28) at rip 0x7c67: mov to cr4 from rbx", buf);
	hv_format_exit_json(&mov, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"cr\":4,\"access\":\"mov_to_cr\",\"gpr\":\"rbx\"}"));
	hv_format_exit_json(&lmsw, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"access\":\"lmsw\",\"lmsw_data\":9}"));
}

TEST(trace_json)
{
	struct hvlab_exit_record io = { .seq = 7, .reason = 30, .qualification = 0x00e90040,
					.rip = 0x7c05, .instruction_length = 2 };
	struct hvlab_exit_record ept = { .seq = 8, .reason = 48, .qualification = 0x182,
					 .rip = 0x7c10, .gpa = 0xb8000 };
	struct hvlab_exit_record fail = { .seq = 9, .reason = 33 | HVLAB_VMX_EXIT_FAILED_ENTRY };
	char buf[512];

	hv_format_exit_json(&io, buf, sizeof(buf));
	/* addresses as hex strings, as everywhere in hvctl's JSON */
	EXPECT_STREQ("{\"seq\":7,\"reason\":30,\"name\":\"IO_INSTRUCTION\",\"rip\":\"0x7c05\","
		     "\"qualification\":15269952,\"instruction_length\":2,\"tsc\":0,\"cost\":0,\"port\":233,\"size\":1,"
		     "\"direction\":\"out\",\"string\":false,\"rep\":false}", buf);
	hv_format_exit_json(&ept, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"rip\":\"0x7c10\","));
	EXPECT_NE(NULL, strstr(buf, "\"gpa\":\"0xb8000\",\"access\":\"write\"}"));
	EXPECT_NE(NULL, strstr(buf, "\"name\":\"EPT_VIOLATION\""));
	hv_format_exit_json(&fail, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"reason\":33,"));
	EXPECT_NE(NULL, strstr(buf, "\"failed_entry\":true"));
	/* a short buffer is never overrun */
	EXPECT_LT(0, hv_format_exit_json(&io, buf, 10));
	EXPECT_EQ(9, strlen(buf));
}

TEST(human_text)
{
	struct hvlab_exit_record io = { .seq = 3, .reason = 30, .qualification = 0x00e90040,
					.rip = 0x7c05 };
	struct hvlab_exit_record ept = { .seq = 4, .reason = 48, .qualification = 0x181,
					 .rip = 0x7c10, .gpa = 0xb8002 };
	char buf[512];

	hv_format_exit(&io, buf, sizeof(buf));
	EXPECT_STREQ("#3 I/O instruction (30) at rip 0x7c05: out port 0xe9, 1 byte, port in immediate", buf);
	hv_format_exit(&ept, buf, sizeof(buf));
	EXPECT_STREQ("#4 EPT violation (48) at rip 0x7c10: read of gpa 0xb8002; entry allows --- (not present)", buf);
	EXPECT_STREQ("VM entry with invalid control field(s)", hv_vm_instruction_error(7));
	EXPECT_STREQ("unknown VM-instruction error", hv_vm_instruction_error(99));
}

TEST(task_switch_and_dr)
{
	struct hvlab_exit_record rec = { .seq = 1, .reason = 9, .rip = 0x1005aa,
					 .qualification = (2ULL << 30) | 0x30 };
	char buf[512];

	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#1 task switch (9) at rip 0x1005aa: jmp to TSS selector 0x30", buf);
	hv_format_exit_json(&rec, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"selector\":48,\"source\":\"jmp\""));

	/* MOV from DR6 to RCX (SDM Table 28-4) */
	rec = (struct hvlab_exit_record){ .seq = 2, .reason = 29, .rip = 0x7c10,
					  .qualification = 6 | (1 << 4) | (1 << 8) };
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#2 MOV DR (29) at rip 0x7c10: mov from dr6 to rcx", buf);
	hv_format_exit_json(&rec, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"dr\":6,\"access\":\"mov_from_dr\",\"gpr\":\"rcx\""));
}

/* Exits decoded from the interruption and instruction information too. */
TEST(info_decoders)
{
	struct hvlab_exit_record rec = { .seq = 1, .reason = 0, .rip = 0x100,
					 .qualification = 0x100000000ULL, .intr_info = 0x80000b0e };
	char buf[512];

	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#1 exception or NMI (0) at rip 0x100: #PF (hardware exception, error code), address 0x100000000",
		     buf);
	rec.intr_info = 0x80000603;	/* INT3 */
	rec.qualification = 0;
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#1 exception or NMI (0) at rip 0x100: #BP (software exception), vector 3", buf);
	hv_format_exit_json(&rec, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "\"vector\":3,\"type\":\"software exception\""));
	/* #DB: DR6's bits from the qualification (a data breakpoint on DR1; a single step) */
	rec.intr_info = 0x80000301;
	rec.qualification = 0x2;
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#1 exception or NMI (0) at rip 0x100: #DB (hardware exception), vector 1, DR6 bits B1",
		     buf);
	rec.qualification = 0x4000;
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#1 exception or NMI (0) at rip 0x100: #DB (hardware exception), vector 1, DR6 bits BS",
		     buf);

	/* APIC access: write at offset 0xb0 (SDM Table 28-6) */
	rec = (struct hvlab_exit_record){ .seq = 2, .reason = 44, .rip = 0x200, .qualification = 0x10b0 };
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#2 APIC access (44) at rip 0x200: write at APIC offset 0xb0", buf);

	/* LGDT 0x12(%rsp) as the instruction information gives it: base rsp (4), no index */
	rec = (struct hvlab_exit_record){ .seq = 3, .reason = 46, .rip = 0x300, .qualification = 0x12,
					  .instruction_info = (2u << 28) | (4u << 23) | (1u << 22) |
							      (3u << 15) | (2u << 7) };
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#3 GDTR or IDTR access (46) at rip 0x300: lgdt ds:[rsp+0x12]", buf);
	/* LLDT %ax: register form */
	rec = (struct hvlab_exit_record){ .seq = 4, .reason = 47, .rip = 0x400,
					  .instruction_info = (2u << 28) | (1u << 10) };
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#4 LDTR or TR access (47) at rip 0x400: lldt register rax", buf);
	/* RDRAND %ecx */
	rec = (struct hvlab_exit_record){ .seq = 5, .reason = 57, .rip = 0x500,
					  .instruction_info = (1u << 3) | (1u << 11) };
	hv_format_exit(&rec, buf, sizeof(buf));
	EXPECT_STREQ("#5 RDRAND (57) at rip 0x500: rdrand into rcx, 32-bit", buf);
}

TEST_HARNESS_MAIN
