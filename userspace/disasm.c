// SPDX-License-Identifier: GPL-2.0
/*
 * disasm.c - a wrapper of libcapstone (disasm.h).
 */
#include <stdio.h>
#include <capstone/capstone.h>

#include "disasm.h"

#define CR0_PE		(1ULL << 0)
#define EFER_LMA	(1ULL << 10)
#define RFLAGS_VM	(1ULL << 17)
#define AR_L		(1u << 13)
#define AR_DB		(1u << 14)

int hv_code_bits(const struct hvlab_sregs *sregs, uint64_t rflags)
{
	if (!(sregs->cr0 & CR0_PE) || (rflags & RFLAGS_VM))
		return 16;
	if ((sregs->efer & EFER_LMA) && (sregs->cs.access_rights & AR_L))
		return 64;
	return sregs->cs.access_rights & AR_DB ? 32 : 16;
}

const char *hv_cpu_mode_name(const struct hvlab_sregs *sregs, uint64_t rflags)
{
	if (!(sregs->cr0 & CR0_PE))
		return "real mode";
	if (sregs->efer & EFER_LMA)
		return sregs->cs.access_rights & AR_L ? "64-bit mode" : "compatibility mode";
	return rflags & RFLAGS_VM ? "virtual-8086 mode" : "protected mode";
}

unsigned int hv_disasm(const uint8_t *code, size_t len, uint64_t addr, int bits,
		       char *buf, size_t buflen)
{
	static csh handles[3];
	static int opened[3];
	int i = bits == 64 ? 2 : bits == 32 ? 1 : 0;
	cs_insn *insn;
	unsigned int size;

	if (buflen)
		buf[0] = 0;
	if (!opened[i]) {
		if (cs_open(CS_ARCH_X86, i == 2 ? CS_MODE_64 : i == 1 ? CS_MODE_32 : CS_MODE_16,
			    &handles[i]) != CS_ERR_OK) {
			snprintf(buf, buflen, "(capstone cannot disassemble)");
			return 0;
		}
		opened[i] = 1;
	}
	if (cs_disasm(handles[i], code, len, addr, 1, &insn) != 1)
		return 0;
	snprintf(buf, buflen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
	size = insn->size;
	cs_free(insn, 1);
	return size;
}
