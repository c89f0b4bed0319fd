/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode - turn VM-exit information into words: exit-reason names and
 * exit qualifications split into named fields, following the SDM's
 * tables (Vol. 3, 28.2.1). Pure functions, unit-tested on the host.
 */
#ifndef HVCTL_DECODE_H
#define HVCTL_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "../include/uapi/hvlab.h"

/* "CPUID", "I/O instruction", ... or NULL for an unknown number. */
const char *hv_exit_name(uint32_t reason);
/* Short upper-case identifier: "CPUID", "IO_INSTRUCTION", ... or NULL. */
const char *hv_exit_id(uint32_t reason);
/* Parse a reason given as a number or identifier; -1 if unknown. */
int hv_exit_parse(const char *text);

/* The enum hvlab_exit name: "IO", "MMIO", ... */
const char *hv_run_exit_name(uint32_t exit_reason);

/* I/O instruction qualification, SDM Table 28-5 */
struct hv_io_qual {
	unsigned int size;	/* 1, 2 or 4 */
	int in;			/* 1 = IN/INS, 0 = OUT/OUTS */
	int string;		/* INS/OUTS */
	int rep;		/* REP prefix */
	int immediate;		/* port was an immediate, else DX */
	unsigned int port;
};
void hv_decode_io(uint64_t qual, struct hv_io_qual *io);
/* The instruction, as written: "in", "out", "insb", "rep outsw", ... */
const char *hv_io_mnemonic(const struct hv_io_qual *io, char *buf, size_t len);

/* EPT violation qualification, SDM Table 28-7 */
struct hv_ept_qual {
	int read, write, fetch;			/* the access that faulted */
	int readable, writable, executable;	/* what the EPT entry allowed */
	int linear_valid;			/* guest linear address valid */
	int translated;				/* access was to a translated linear address */
	int nmi_unblocking;			/* NMI unblocking due to IRET */
};
void hv_decode_ept(uint64_t qual, struct hv_ept_qual *ept);
/* "read", "write" or "fetch" */
const char *hv_ept_access(const struct hv_ept_qual *ept);

/* Control-register access qualification, SDM Table 28-3 */
struct hv_cr_qual {
	unsigned int cr;	/* 0, 3, 4 or 8 */
	unsigned int access;	/* 0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW */
	unsigned int gpr;	/* register number for MOV (0 = RAX ... 15 = R15) */
	int lmsw_memory;	/* LMSW operand was in memory */
	unsigned int lmsw_data;	/* LMSW source data */
};
void hv_decode_cr(uint64_t qual, struct hv_cr_qual *cr);
/* "mov_to_cr", "mov_from_cr", "clts", "lmsw" */
const char *hv_cr_access(unsigned int access);
/* "rax", "rcx", ... "r15" */
const char *hv_gpr_name(unsigned int gpr);

/* Task switch qualification, SDM Table 28-2 */
struct hv_task_switch_qual {
	unsigned int selector;	/* the new task's TSS selector */
	unsigned int source;	/* 0 CALL, 1 IRET, 2 JMP, 3 task gate in the IDT */
};
void hv_decode_task_switch(uint64_t qual, struct hv_task_switch_qual *ts);
const char *hv_task_switch_source(unsigned int source);

/* VM-exit interruption information, SDM 25.9.2 (Table 25-19) */
struct hv_intr_info {
	unsigned int vector;
	unsigned int type;		/* 0 external interrupt ... 6 software exception */
	unsigned int error_code_valid;
	unsigned int valid;
};
void hv_decode_intr_info(uint32_t info, struct hv_intr_info *ii);
const char *hv_intr_type_name(unsigned int type);
/* "#PF", "#GP", ... for vectors 0-31, NULL otherwise */
const char *hv_exception_name(unsigned int vector);

/* APIC-access qualification, SDM Table 28-6 */
struct hv_apic_access_qual {
	unsigned int offset;
	unsigned int type;	/* 0 read, 1 write, 2 fetch, 3 event delivery, ... */
};
void hv_decode_apic_access(uint64_t qual, struct hv_apic_access_qual *aa);
const char *hv_apic_access_type(unsigned int type);

/*
 * The memory or register operand named by the VM-exit instruction
 * information of exits 46, 47 and 58 (SDM Tables 28-10, 28-11, 28-13):
 * "register rax", or "ds:[rbx+rsi*4+0x10]".
 */
int hv_format_operand(uint32_t info, uint64_t displacement, int register_form,
		      unsigned int reg, char *buf, size_t len);
/* The instruction of a descriptor-table exit: "sgdt", ..., "ltr" */
const char *hv_descriptor_table_insn(unsigned int reason, uint32_t info);

/* MOV DR qualification, SDM Table 28-4 */
struct hv_dr_qual {
	unsigned int dr;	/* 0-7 */
	unsigned int from_dr;	/* 1: MOV from DR, 0: MOV to DR */
	unsigned int gpr;
};
void hv_decode_dr(uint64_t qual, struct hv_dr_qual *dr);

/* Human text for one exit ("I/O instruction: out port 0xe9, 1 byte"). */
int hv_format_exit(const struct hvlab_exit_record *rec, char *buf, size_t len);
/* One JSON object (no newline), the --trace-json record. */
int hv_format_exit_json(const struct hvlab_exit_record *rec, char *buf, size_t len);

/* VM-instruction error numbers, SDM 31.4 */
const char *hv_vm_instruction_error(uint32_t err);

#endif
