/*
 * Tern test guest: kernel-mode trap handlers.
 *
 * Kernel mode is emulated instruction by instruction on kvm-pvm (~1-7 us per
 * instruction), so the hot paths here -- the #GP port-I/O emulation and the
 * COM1 receive interrupt -- are written to execute as few instructions as
 * possible.  Everything else is fatal: print one line on COM1, then halt
 * with interrupts off.
 */
#include "guest.h"

	.text
	.code64

/* ---------------------------------------------------------------------- */
/* Exceptions 0-31 (13 is isr_gp below).                                   */
/* Frame handed to exc_fatal: 0 vector, 8 error code, 16 rip, 24 cs, ...   */
/* ---------------------------------------------------------------------- */
.macro EXC vec, has_err
isr_exc_\vec:
	.if \has_err == 0
	pushq	$0                      /* uniform frame: dummy error code */
	.endif
	pushq	$\vec
	jmp	exc_fatal
.endm

	EXC 0, 0
	EXC 1, 0
	EXC 2, 0
	EXC 3, 0
	EXC 4, 0
	EXC 5, 0
	EXC 6, 0
	EXC 7, 0
	EXC 8, 1
	EXC 9, 0
	EXC 10, 1
	EXC 11, 1
	EXC 12, 1
	EXC 14, 1
	EXC 15, 0
	EXC 16, 0
	EXC 17, 1
	EXC 18, 0
	EXC 19, 0
	EXC 20, 0
	EXC 21, 1
	EXC 22, 0
	EXC 23, 0
	EXC 24, 0
	EXC 25, 0
	EXC 26, 0
	EXC 27, 0
	EXC 28, 0
	EXC 29, 1
	EXC 30, 1
	EXC 31, 0

/* ---------------------------------------------------------------------- */
/* #GP: port I/O and kernel services on behalf of user mode.               */
/*                                                                         */
/* kvm-pvm does not honour IOPL 3 for guest user mode, so a user `in`/`out` */
/* traps here.  We decode it, execute the very same instruction in kernel   */
/* mode and step over it.  AL/AX/EAX and DX are still the user's values, so */
/* the DX forms run with the user's registers untouched.  With IOPL 3       */
/* honoured (QEMU, real VT-x/SVM KVM) none of this runs for port I/O.       */
/*                                                                         */
/* User `hlt` (#GP at CPL 3 regardless of IOPL) is the service call:        */
/* RAX = SVC_* number, RDX = argument.                                     */
/*                                                                         */
/* Frame after the two pushes: 0 rsi, 8 rcx, 16 err, 24 rip, 32 cs, 40 rflags */
/* ---------------------------------------------------------------------- */
#define GP_ERR    16
#define GP_RIP    24
#define GP_CS     32
#define GP_RFLAGS 40

isr_exc_13:
isr_gp:
	push	%rcx
	push	%rsi
	testb	$3, GP_CS(%rsp)
	jz	gp_fatal                /* from kernel mode: a real bug */
	cmpq	$0, GP_ERR(%rsp)
	jne	gp_fatal                /* selector-related: not I/O or hlt */
	mov	GP_RIP(%rsp), %rsi
	movzbl	(%rsi), %ecx
	/* Most frequent first: printing (out dx,al), polling (in al,dx),
	 * PIT/KBC constant ports (imm8 forms). */
	cmp	$0xEE, %cl
	je	.Lout_dx_b
	cmp	$0xEC, %cl
	je	.Lin_dx_b
	cmp	$0xE6, %cl
	je	.Lout_imm_b
	cmp	$0xE4, %cl
	je	.Lin_imm_b
	cmp	$0xF4, %cl
	je	.Lservice
	cmp	$0x66, %cl
	je	.Lopsize
	cmp	$0xEF, %cl
	je	.Lout_dx_l
	cmp	$0xED, %cl
	je	.Lin_dx_l
	cmp	$0xE7, %cl
	je	.Lout_imm_l
	cmp	$0xE5, %cl
	je	.Lin_imm_l
	jmp	gp_fatal

.Lout_dx_b:
	outb	%al, %dx
	mov	$1, %ecx
	jmp	.Lstep
.Lin_dx_b:
	inb	%dx, %al
	mov	$1, %ecx
	jmp	.Lstep
.Lout_imm_b:
	push	%rdx
	movzbl	1(%rsi), %edx
	outb	%al, %dx
	pop	%rdx
	mov	$2, %ecx
	jmp	.Lstep
.Lin_imm_b:
	push	%rdx
	movzbl	1(%rsi), %edx
	inb	%dx, %al
	pop	%rdx
	mov	$2, %ecx
	jmp	.Lstep
.Lout_dx_l:
	outl	%eax, %dx
	mov	$1, %ecx
	jmp	.Lstep
.Lin_dx_l:
	inl	%dx, %eax               /* zero-extends into RAX, as the CPU would */
	mov	$1, %ecx
	jmp	.Lstep
.Lout_imm_l:
	push	%rdx
	movzbl	1(%rsi), %edx
	outl	%eax, %dx
	pop	%rdx
	mov	$2, %ecx
	jmp	.Lstep
.Lin_imm_l:
	push	%rdx
	movzbl	1(%rsi), %edx
	inl	%dx, %eax
	pop	%rdx
	mov	$2, %ecx
	jmp	.Lstep

.Lopsize:                               /* 0x66: 16-bit forms */
	movzbl	1(%rsi), %ecx
	cmp	$0xEF, %cl
	je	.Lout_dx_w
	cmp	$0xED, %cl
	je	.Lin_dx_w
	cmp	$0xE7, %cl
	je	.Lout_imm_w
	cmp	$0xE5, %cl
	je	.Lin_imm_w
	jmp	gp_fatal
.Lout_dx_w:
	outw	%ax, %dx
	mov	$2, %ecx
	jmp	.Lstep
.Lin_dx_w:
	inw	%dx, %ax
	mov	$2, %ecx
	jmp	.Lstep
.Lout_imm_w:
	push	%rdx
	movzbl	2(%rsi), %edx
	outw	%ax, %dx
	pop	%rdx
	mov	$3, %ecx
	jmp	.Lstep
.Lin_imm_w:
	push	%rdx
	movzbl	2(%rsi), %edx
	inw	%dx, %ax
	pop	%rdx
	mov	$3, %ecx
	/* fall through */

.Lstep:                                 /* RCX = instruction length */
	add	%rcx, GP_RIP(%rsp)
	pop	%rsi
	pop	%rcx
	add	$8, %rsp                /* error code */
	iretq

.Lservice:
	cmp	$SVC_IPI, %rax
	je	.Lsvc_ipi
	cmp	$SVC_IOPL0, %rax
	je	.Lsvc_iopl0
	cmp	$SVC_HALT, %rax
	je	halt_forever
	cmp	$SVC_TRIPLE, %rax
	je	.Lsvc_triple
	jmp	gp_fatal

.Lsvc_ipi:                              /* RDX = APIC id << 32 | ICR low */
	mov	$LAPIC_BASE, %esi
	mov	%rdx, %rcx
	shr	$32, %rcx
	shl	$24, %ecx
	mov	%ecx, 0x310(%rsi)       /* ICR high: destination */
	mov	%edx, 0x300(%rsi)       /* ICR low: writing it sends */
	mov	$1, %ecx
	jmp	.Lstep

.Lsvc_iopl0:                            /* test aid: force the trap path */
	andq	$~0x3000, GP_RFLAGS(%rsp)
	mov	$1, %ecx
	jmp	.Lstep

.Lsvc_triple:
	/* No IDT: the #GP from the non-canonical access cannot be delivered,
	 * neither can the resulting #DF => shutdown.  A plain load, so any
	 * instruction emulator (KVM's runs our kernel mode on kvm-pvm) raises
	 * the #GP itself. */
	lidt	null_idt_ptr(%rip)
	movabs	$0x8000000000000000, %rax
	mov	(%rax), %rax
	jmp	halt_forever

gp_fatal:
	pop	%rsi
	pop	%rcx
	pushq	$13
	jmp	exc_fatal

/* ---------------------------------------------------------------------- */
/* Fatal: "exception <vector> rip=<hex> err=<hex>" on COM1, then halt.     */
/* ---------------------------------------------------------------------- */
exc_fatal:
	lea	msg_exception(%rip), %rsi
	call	kputs
	mov	(%rsp), %rax
	call	kputdec
	lea	msg_rip(%rip), %rsi
	call	kputs
	mov	16(%rsp), %rax
	call	kputhex
	lea	msg_err(%rip), %rsi
	call	kputs
	mov	8(%rsp), %rax
	call	kputhex
	mov	$'\n', %al
	call	kputc
	/* fall through */

	.globl halt_forever
halt_forever:
	cli
	hlt
	jmp	halt_forever

/* kputc: AL = character.  Waits (bounded) for THR empty.
 * Clobbers RAX, RCX, RDX, R11. */
kputc:
	mov	%eax, %r11d
	mov	$COM1 + 5, %edx         /* LSR */
	mov	$10000, %ecx
1:	inb	%dx, %al
	test	$0x20, %al              /* THRE */
	jnz	2f
	dec	%ecx
	jnz	1b
2:	mov	$COM1, %edx
	mov	%r11d, %eax
	outb	%al, %dx
	ret

/* kputs: RSI = NUL-terminated string.  Clobbers RSI and kputc's. */
kputs:
1:	movzbl	(%rsi), %eax
	test	%al, %al
	jz	2f
	call	kputc
	inc	%rsi
	jmp	1b
2:	ret

/* kputhex: RAX, lowercase, no "0x", no leading zeros. */
kputhex:
	mov	%rax, %r8
	mov	$60, %r9d
	xor	%r10d, %r10d            /* nonzero once a digit was printed */
1:	mov	%r8, %rax
	mov	%r9d, %ecx
	shr	%cl, %rax
	and	$15, %eax
	or	%eax, %r10d
	jnz	2f
	test	%r9d, %r9d
	jnz	3f                      /* leading zero: skip (but not the last) */
2:	movzbl	hexdigits(%rax), %eax
	call	kputc
3:	sub	$4, %r9d
	jns	1b
	ret

/* kputdec: RAX, unsigned decimal. */
kputdec:
	sub	$24, %rsp
	lea	23(%rsp), %r8
	movb	$0, (%r8)
	mov	$10, %r10d
1:	xor	%edx, %edx
	div	%r10
	add	$'0', %dl
	dec	%r8
	mov	%dl, (%r8)
	test	%rax, %rax
	jnz	1b
	mov	%r8, %rsi
	call	kputs
	add	$24, %rsp
	ret

/* ---------------------------------------------------------------------- */
/* Hardware interrupts (8259 PIC, vectors 0x20-0x2F).                      */
/* ---------------------------------------------------------------------- */

/* COM1 receive: move every byte the UART holds into rx_ring (user mode
 * consumes it).  Reading RBR clears the UART's interrupt condition. */
isr_irq4:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	mov	$RX_RING_SIZE, %esi     /* bound: a broken UART must not hang us */
1:	mov	$COM1 + 5, %edx
	inb	%dx, %al
	test	$1, %al                 /* LSR.DR */
	jz	2f
	mov	$COM1, %edx
	inb	%dx, %al
	mov	rx_head(%rip), %ecx
	mov	%ecx, %edx
	sub	rx_tail(%rip), %edx
	cmp	$RX_RING_SIZE, %edx
	jae	3f                      /* ring full: drop the byte */
	mov	%ecx, %edx
	and	$RX_RING_SIZE - 1, %edx
	mov	%al, rx_ring(%rdx)
	inc	%ecx
	mov	%ecx, rx_head(%rip)
3:	dec	%esi
	jnz	1b
2:	mov	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq

/* Masked lines should never fire; if one does, acknowledge it. */
isr_irq_master:
	push	%rax
	mov	$PIC_EOI, %al
	outb	%al, $PIC1_CMD
	pop	%rax
	iretq

isr_irq_slave:
	push	%rax
	mov	$PIC_EOI, %al
	outb	%al, $PIC2_CMD
	outb	%al, $PIC1_CMD
	pop	%rax
	iretq

/* PIC spurious IRQ7 and the LAPIC spurious vector: no EOI by definition.
 * (A spurious IRQ15 only needs the master's EOI: isr_irq_master.) */
isr_spurious:
	iretq

/* ---------------------------------------------------------------------- */
	.section .rodata
	.balign 8
	.globl isr_table
isr_table:                              /* IDT_ENTRIES handlers, by vector */
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_exc_\v
	.endr
	.quad	isr_irq_master, isr_irq_master, isr_irq_master, isr_irq_master   /* 0x20-0x23 */
	.quad	isr_irq4, isr_irq_master, isr_irq_master, isr_spurious           /* 0x24-0x27 */
	.quad	isr_irq_slave, isr_irq_slave, isr_irq_slave, isr_irq_slave       /* 0x28-0x2B */
	.quad	isr_irq_slave, isr_irq_slave, isr_irq_slave, isr_irq_master      /* 0x2C-0x2F */

hexdigits:	.ascii "0123456789abcdef"
msg_exception:	.asciz "exception "
msg_rip:	.asciz " rip="
msg_err:	.asciz " err="

/* Receive ring shared with user mode (console.c): the IRQ handler is the
 * only writer of rx_head and the ring, user mode the only writer of rx_tail.
 * Both run on the BSP, so no locking. */
	.bss
	.balign 64
	.globl rx_ring, rx_head, rx_tail
rx_ring:	.skip RX_RING_SIZE
rx_head:	.skip 4
rx_tail:	.skip 4
