/*
 * Tern test guest: Multiboot entry, switch to long mode, drop to user mode.
 *
 * On the kvm-pvm host this project runs on, every instruction executed in
 * guest kernel mode (and in real/protected mode) is emulated by KVM at
 * roughly 1-7 us each, while user mode (CPL 3) runs natively.  So this file
 * does as little as possible: everything that can be computed at build time
 * (page tables, GDT, TSS stack pointers) is, and the few boot-time loops are
 * short.  All real work happens in user mode (main.c and friends).
 */
#include "guest.h"

#define CR0_BITS   0x80000033          /* PG | NE | ET | MP | PE */
#define CR4_BITS   0x00000620          /* OSXMMEXCPT | OSFXSR | PAE; TSD clear: user rdtsc */
#define MSR_EFER   0xC0000080
#define EFER_LME   0x100

/* Page-table entry bits.  A and D are preset so that neither the CPU nor a
 * shadow MMU ever has to write to the page tables (keeps them out of dirty
 * logs and saves emulated work). */
#define PTE_TABLE  0x27                /* P | RW | US | A: user may use all of RAM */
#define PDE_RAM    0xE7                /* P | RW | US | A | D | PS (2 MiB) */
#define PDE_MMIO   0xFB                /* P | RW | PWT | PCD | A | D | PS, kernel only */

#define TSS_STRIDE 128                 /* 104-byte TSS, padded */

/* ---------------------------------------------------------------------- */
/* Multiboot v1 header: must be in the first 8 KiB of the file, 4-aligned. */
/* ---------------------------------------------------------------------- */
	.section .multiboot, "a"
	.balign 4
	.globl mb_header
mb_header:
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long (0 - (MB_HEADER_MAGIC + MB_HEADER_FLAGS)) & 0xFFFFFFFF
	/* Address fields (flag bit 16).  The image is one contiguous block in
	 * the file starting with this header, so header_addr == load_addr. */
	.long mb_header                 /* header_addr */
	.long __image_start             /* load_addr */
	.long __load_end                /* load_end_addr: end of initialised data */
	.long __bss_end                 /* bss_end_addr: loader zeroes up to here */
	.long _start32                  /* entry_addr */

/* ---------------------------------------------------------------------- */
/* 32-bit protected-mode entry (BSP from the loader, AP from trampoline).  */
/* ---------------------------------------------------------------------- */
	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	/* Multiboot: EAX = magic, EBX = info pointer, flat segments, no stack.
	 * Saved for user mode, which parses the info block natively. */
	cli
	mov	%eax, mb_magic
	mov	%ebx, mb_info
	rdtsc                           /* for the boot-time report (boot_us) */
	mov	%eax, entry_tsc
	mov	%edx, entry_tsc + 4
	xor	%ebp, %ebp              /* EBP = CPU index across the mode switch */
	jmp	enter_long_mode

	.globl ap_start32
ap_start32:
	/* Arrived from the trampoline with our GDT loaded but DS still holding
	 * a real-mode segment (base 0x8000): reload before any memory access. */
	mov	$SEL_KDATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	$1, %ebp

enter_long_mode:
	lgdt	gdt_ptr
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$CR4_BITS, %eax
	mov	%eax, %cr4
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	$CR0_BITS, %eax         /* paging on => long mode active */
	mov	%eax, %cr0
	ljmp	$SEL_KCODE, $start64

/* ---------------------------------------------------------------------- */
/* 64-bit kernel mode                                                      */
/* ---------------------------------------------------------------------- */
	.code64
start64:
	mov	$SEL_KDATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	lidt	idt_ptr(%rip)

	/* This CPU's kernel stack; the same top is in its TSS.RSP0, so traps
	 * from user mode reuse it from the top. */
	mov	%ebp, %eax
	inc	%eax
	shl	$14, %rax               /* * KSTACK_SIZE */
	lea	kstacks(%rip), %rsp
	add	%rax, %rsp

	test	%ebp, %ebp
	jnz	1f
	call	bsp_kernel_init
1:
	mov	%ebp, %eax
	shl	$4, %eax
	add	$SEL_TSS0, %eax
	ltr	%ax

	/* iretq frame for CPL 3: user stack top minus 8, as after a call. */
	mov	%ebp, %eax
	inc	%eax
	shl	$16, %rax               /* * USTACK_SIZE */
	lea	ustacks-8(%rip), %rdx
	add	%rax, %rdx
	lea	bsp_main(%rip), %rcx
	lea	ap_main(%rip), %rax
	test	%ebp, %ebp
	cmovnz	%rax, %rcx
	pushq	$SEL_UDATA
	push	%rdx
	pushq	$USER_RFLAGS
	pushq	$SEL_UCODE
	push	%rcx
	mov	%ebp, %edi              /* first argument: CPU index */
	iretq

/*
 * One-time setup on the BSP: TSS descriptors, IDT, identity map above
 * 4 GiB (only if RAM reaches there), 8259 PIC and the local APIC's LINT0.
 */
bsp_kernel_init:
	/* TSS descriptors: the base is split over several fields, which the
	 * assembler cannot do with a relocatable symbol, so do it here. */
	lea	tss(%rip), %rax
	lea	gdt+SEL_TSS0(%rip), %rdi
	mov	$MAX_CPUS, %r8d
1:	mov	%rax, %rdx
	shl	$16, %rdx
	mov	$0xFFFFFF0000, %rcx     /* base[23:0] -> bits 16..39 */
	and	%rcx, %rdx
	mov	%rax, %rcx
	shr	$24, %rcx
	shl	$56, %rcx               /* base[31:24] -> bits 56..63 */
	or	%rcx, %rdx
	mov	$0x0000890000000067, %rcx  /* present, 64-bit TSS, limit 103 */
	or	%rcx, %rdx
	mov	%rdx, (%rdi)
	mov	%rax, %rdx
	shr	$32, %rdx
	mov	%rdx, 8(%rdi)
	add	$TSS_STRIDE, %rax
	add	$16, %rdi
	dec	%r8d
	jnz	1b

	/* IDT: interrupt gates (IF cleared on entry) to the stubs in traps.S. */
	lea	isr_table(%rip), %rsi
	lea	idt(%rip), %rdi
	mov	$IDT_ENTRIES, %r8d
	mov	$0x00008E0000000000 | (SEL_KCODE << 16), %r9
2:	mov	(%rsi), %rax
	movzwl	%ax, %edx
	or	%r9, %rdx
	mov	%rax, %rcx
	shr	$16, %rcx
	shl	$48, %rcx
	or	%rcx, %rdx
	mov	%rdx, (%rdi)
	shr	$32, %rax
	mov	%rax, 8(%rdi)
	add	$8, %rsi
	add	$16, %rdi
	dec	%r8d
	jnz	2b
	movb	$1, idt+8*16+4(%rip)    /* #DF on IST1: survives a broken stack */

	call	map_high_ram

	/* 8259 PIC: vectors 0x20/0x28 (off the exception range), all masked
	 * but IRQ4 (COM1).  The UART itself keeps IER=0 until user mode has
	 * set it up, so nothing arrives before then. */
	mov	$0x11, %al              /* ICW1: edge, cascade, ICW4 follows */
	out	%al, $PIC1_CMD
	out	%al, $PIC2_CMD
	mov	$VEC_PIC_BASE, %al      /* ICW2 */
	out	%al, $PIC1_DATA
	mov	$VEC_PIC2_BASE, %al
	out	%al, $PIC2_DATA
	mov	$4, %al                 /* ICW3: slave on IRQ2 */
	out	%al, $PIC1_DATA
	mov	$2, %al
	out	%al, $PIC2_DATA
	mov	$1, %al                 /* ICW4: 8086 mode */
	out	%al, $PIC1_DATA
	out	%al, $PIC2_DATA
	mov	$0xEF, %al              /* OCW1: only IRQ4 unmasked */
	out	%al, $PIC1_DATA
	mov	$0xFF, %al
	out	%al, $PIC2_DATA

	/* Local APIC: the PIC's INTR reaches the BSP through LINT0 in ExtINT
	 * mode.  That is the reset state on KVM and QEMU, but firmware may have
	 * changed it, so set it explicitly (LVT writes need the APIC software
	 * enabled first).  The AP's LINT0 stays masked: IRQs go to the BSP. */
	mov	$LAPIC_BASE, %esi
	movl	$0x100 | VEC_SPURIOUS, 0xF0(%rsi)   /* SVR: enable */
	movl	$0x700, 0x350(%rsi)     /* LVT LINT0: ExtINT, unmasked */
	movl	$0x400, 0x360(%rsi)     /* LVT LINT1: NMI */
	ret

/*
 * Extend the identity map beyond the static 4 GiB when the Multiboot memory
 * map shows RAM above it (capped at MAX_MAP_GIB).  Small VMs skip the loop.
 */
map_high_ram:
	mov	mb_info(%rip), %esi
	cmpl	$MB_BOOT_MAGIC, mb_magic(%rip)
	jne	9f
	testl	$MBI_FLAG_MMAP, (%rsi)
	jz	9f
	mov	44(%rsi), %ecx          /* mmap_length */
	mov	48(%rsi), %esi          /* mmap_addr */
	lea	(%rsi,%rcx), %r8
	xor	%r9d, %r9d              /* highest end of usable RAM */
1:	cmp	%r8, %rsi
	jae	2f
	cmpl	$1, 20(%rsi)            /* type 1 = available RAM */
	jne	3f
	mov	4(%rsi), %rax
	add	12(%rsi), %rax
	cmp	%r9, %rax
	cmova	%rax, %r9
3:	mov	(%rsi), %eax            /* entry size, excluding the size field */
	lea	4(%rsi,%rax), %rsi
	jmp	1b
2:	add	$(1 << 30) - 1, %r9
	shr	$30, %r9                /* GiB to map, rounded up */
	cmp	$MAX_MAP_GIB, %r9
	jbe	4f
	mov	$MAX_MAP_GIB, %r9d
4:	cmp	$STATIC_MAP_GIB, %r9
	jbe	9f
	mov	%r9, %rax
	shl	$30, %rax
	mov	%rax, mapped_limit(%rip)
	lea	pd_high(%rip), %rdi
	mov	$STATIC_MAP_GIB, %ecx
	mov	$(STATIC_MAP_GIB << 30) | PDE_RAM, %rax
5:	lea	PTE_TABLE(%rdi), %rdx
	lea	pdpt(%rip), %rsi
	mov	%rdx, (%rsi,%rcx,8)
	mov	$512, %edx
6:	mov	%rax, (%rdi)
	add	$8, %rdi
	add	$0x200000, %rax
	dec	%edx
	jnz	6b
	inc	%ecx
	cmp	%r9, %rcx
	jb	5b
9:	ret

/* ---------------------------------------------------------------------- */
/* AP trampoline: copied to TRAMPOLINE_ADDR by user mode before the SIPI.  */
/* Position independent (CS = TRAMPOLINE_ADDR >> 4, IP = 0).               */
/* ---------------------------------------------------------------------- */
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	ap_gdt_ptr - ap_trampoline_start
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_KCODE32, $ap_start32
	.balign 4
ap_gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_trampoline_end:
	.code64

/* ---------------------------------------------------------------------- */
/* Data                                                                    */
/* ---------------------------------------------------------------------- */
	.data
	.globl mb_magic, mb_info, mapped_limit, entry_tsc
	.balign 8
mb_magic:	.long 0
mb_info:	.long 0
entry_tsc:	.quad 0
mapped_limit:	.quad STATIC_MAP_GIB << 30   /* bytes identity-mapped for user mode */

	/* Accessed bits preset: the CPU would otherwise write them on load. */
	.balign 16
gdt:
	.quad 0
	.quad 0x00AF9B000000FFFF        /* 0x08 kernel code, 64-bit */
	.quad 0x00CF93000000FFFF        /* 0x10 kernel data */
	.quad 0x00CF9B000000FFFF        /* 0x18 kernel code, 32-bit (AP start) */
	.quad 0x00CFF3000000FFFF        /* 0x20 user data, DPL 3 */
	.quad 0x00AFFB000000FFFF        /* 0x28 user code, 64-bit, DPL 3 */
	.fill MAX_CPUS * 2, 8, 0        /* 0x30, 0x40: TSS descriptors (boot) */
gdt_end:
	.balign 8
gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt

	.balign 8
idt_ptr:
	.word	IDT_ENTRIES * 16 - 1
	.quad	idt

	.globl null_idt_ptr
null_idt_ptr:                           /* used to force a triple fault */
	.word	0
	.quad	0

/* 64-bit TSS per CPU.  Only RSP0 (trap stack) and IST1 (#DF stack) matter;
 * no I/O bitmap, so user port access depends on IOPL alone. */
	.balign TSS_STRIDE
tss:
	.irp cpu, 0, 1
	.long	0
	.quad	kstacks + (\cpu + 1) * KSTACK_SIZE      /* RSP0 */
	.quad	0, 0, 0
	.quad	istacks + (\cpu + 1) * ISTACK_SIZE      /* IST1 */
	.quad	0, 0, 0, 0, 0, 0, 0
	.word	0
	.word	104                                     /* I/O map base: none */
	.balign	TSS_STRIDE
	.endr

/* Identity map of the first 4 GiB with 2 MiB pages, generated here so the
 * emulated kernel never loops over 2048 entries.  RAM pages are user
 * accessible; the IOAPIC (0xFEC00000) and LAPIC (0xFEE00000) pages are
 * kernel-only and uncached. */
	.balign 4096
pml4:
	.quad	pdpt + PTE_TABLE
	.fill	511, 8, 0
pdpt:
	.set	gib, 0
	.rept	STATIC_MAP_GIB
	.quad	pd_low + gib * 4096 + PTE_TABLE
	.set	gib, gib + 1
	.endr
	.fill	512 - STATIC_MAP_GIB, 8, 0
pd_low:
	.set	i, 0
	.rept	STATIC_MAP_GIB * 512
	.if	(i == (0xFEC00000 >> 21)) || (i == (LAPIC_BASE >> 21))
	.quad	(i << 21) | PDE_MMIO
	.else
	.quad	(i << 21) | PDE_RAM
	.endif
	.set	i, i + 1
	.endr

/* ---------------------------------------------------------------------- */
/* BSS (zeroed by the loader, as Multiboot requires)                       */
/* ---------------------------------------------------------------------- */
	.bss
	.balign 4096
pd_high:	.skip (MAX_MAP_GIB - STATIC_MAP_GIB) * 4096
	.globl idt
idt:		.skip IDT_ENTRIES * 16
	.balign 16
kstacks:	.skip MAX_CPUS * KSTACK_SIZE
istacks:	.skip MAX_CPUS * ISTACK_SIZE
ustacks:	.skip MAX_CPUS * USTACK_SIZE
