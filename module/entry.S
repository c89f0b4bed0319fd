/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - the only place where the host becomes the guest and back.
 *
 * int hvlab_vmx_enter(u64 *gprs, bool launched)
 *
 * VMLAUNCH/VMRESUME switch RSP, RIP, RFLAGS, control registers and
 * segments from the VMCS, but not the general registers: we load the
 * guest's from gprs[] before entry and save them back after the exit
 * (SDM 28.1: "VM exits do not save or load general registers").
 *
 * One landing serves three outcomes: a VM exit (HOST_RIP points here, and
 * an exit clears RFLAGS), VMfailValid (ZF=1) and VMfailInvalid (CF=1),
 * both of which fall through from the instruction (SDM 31.2). Until the
 * flags are tested, only MOV, PUSH, POP and LEA run: none change flags.
 *
 * Returns 0 after a VM exit, 1 for VMfailValid, 2 for VMfailInvalid, and
 * 3 only in lab 2's handout, whose stubs here enter nothing.
 *
 * The speculation barriers (spec.c) are the kernel's own macros, patched
 * in at load where the host's mitigations say this CPU needs them: VERW
 * last before entry, and after an exit the RSB fill and branch-history
 * clear, before any RET that the guest's return addresses could steer.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define HOST_RSP	0x6c14

/* Offsets in gprs[], in x86 register-number order (enum hvlab_gpr). */
#define RAX	(0 * 8)
#define RCX	(1 * 8)
#define RDX	(2 * 8)
#define RBX	(3 * 8)
#define RBP	(5 * 8)
#define RSI	(6 * 8)
#define RDI	(7 * 8)
#define R8	(8 * 8)
#define R9	(9 * 8)
#define R10	(10 * 8)
#define R11	(11 * 8)
#define R12	(12 * 8)
#define R13	(13 * 8)
#define R14	(14 * 8)
#define R15	(15 * 8)

	.text
SYM_FUNC_START(hvlab_vmx_enter)
	/* The C calling convention wants these preserved. */
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* Keep gprs on the stack: after an exit RSP = HOST_RSP points at it. */
	push %rdi
	/* LAB 2 HINT: after the BT below, only instructions that keep CF (MOV, not XOR) */
	/* LAB 2 BEGIN hvlab_vmx_enter: HOST_RSP, the guest's registers, VMLAUNCH or VMRESUME (SDM 31.3) */
	mov $HOST_RSP, %eax
	vmwrite %rsp, %rax

	bt $0, %esi		/* launched? CF survives the MOVs and VERW below */

	mov RAX(%rdi), %rax
	mov RCX(%rdi), %rcx
	mov RDX(%rdi), %rdx
	mov RBX(%rdi), %rbx
	mov RBP(%rdi), %rbp
	mov RSI(%rdi), %rsi
	mov R8(%rdi), %r8
	mov R9(%rdi), %r9
	mov R10(%rdi), %r10
	mov R11(%rdi), %r11
	mov R12(%rdi), %r12
	mov R13(%rdi), %r13
	mov R14(%rdi), %r14
	mov R15(%rdi), %r15
	mov RDI(%rdi), %rdi	/* last: it was the pointer */

	/* Clear the CPU buffers of host data (MDS, TAA). Clobbers ZF only. */
	VM_CLEAR_CPU_BUFFERS
	jc .Lresume
	vmlaunch		/* first entry since VMCLEAR */
	jmp hvlab_vmx_exit_landing
.Lresume:
	vmresume
	/* LAB 2 END */
	/* LAB 2 STUB: none */

SYM_INNER_LABEL(hvlab_vmx_exit_landing, SYM_L_GLOBAL)
	ENDBR
	/* LAB 2 BEGIN hvlab_vmx_exit_landing: save the guest's registers; 0, 1 or 2 in EBX (SDM 28.1, 31.2) */
	/* RSP is back at the saved gprs pointer; the guest's RDI is live. */
	push %rdi
	mov 8(%rsp), %rdi
	mov %rax, RAX(%rdi)
	mov %rcx, RCX(%rdi)
	mov %rdx, RDX(%rdi)
	mov %rbx, RBX(%rdi)
	mov %rbp, RBP(%rdi)
	mov %rsi, RSI(%rdi)
	mov %r8, R8(%rdi)
	mov %r9, R9(%rdi)
	mov %r10, R10(%rdi)
	mov %r11, R11(%rdi)
	mov %r12, R12(%rdi)
	mov %r13, R13(%rdi)
	mov %r14, R14(%rdi)
	mov %r15, R15(%rdi)
	pop RDI(%rdi)
	lea 8(%rsp), %rsp	/* drop the gprs pointer, flags untouched */

	/* The result in EBX (the guest's is saved): the barriers use EAX, ECX. */
	mov $2, %ebx
	jc .Lout		/* VMfailInvalid: no current VMCS */
	mov $1, %ebx
	jz .Lout		/* VMfailValid: see VM_INSTRUCTION_ERROR */
	xor %ebx, %ebx		/* a VM exit */
	/* LAB 2 END */
	/* LAB 2 STUB: mov $3, %ebx; lea 8(%rsp), %rsp */
.Lout:
	/*
	 * Before the first RET: overwrite the return stack buffer the guest
	 * may have trained, then the branch history where the CPU needs it.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT
	mov %ebx, %eax
	/* Leave no guest values in the scratch registers. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(hvlab_vmx_enter)

/*
 * void hvlab_spec_barriers(void): the barriers above and nothing else, so
 * that spec.c can measure what they cost on this CPU.
 */
SYM_FUNC_START(hvlab_spec_barriers)
	VM_CLEAR_CPU_BUFFERS
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT
	RET
SYM_FUNC_END(hvlab_spec_barriers)
