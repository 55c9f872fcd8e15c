/*
 * Constants shared by the kernel-mode assembly (boot.S, traps.S) and the
 * user-mode C code of the Tern test guest.  Plain #defines only, so the file
 * can be included from both.
 */
#ifndef TESTGUEST_GUEST_H
#define TESTGUEST_GUEST_H

/* ---- Multiboot v1 ------------------------------------------------------ */
#define MB_HEADER_MAGIC   0x1BADB002
/* bit 0: align modules (harmless), bit 1: we want mem_* and the memory map,
 * bit 16: the header carries load addresses ("a.out kludge") so a loader
 * does not need to understand our ELF at all. */
#define MB_HEADER_FLAGS   0x00010003
#define MB_BOOT_MAGIC     0x2BADB002          /* in EAX at entry */

#define MBI_FLAG_MEM      (1 << 0)
#define MBI_FLAG_CMDLINE  (1 << 2)
#define MBI_FLAG_MMAP     (1 << 6)

/* ---- Memory layout ----------------------------------------------------- */
#define IMAGE_BASE        0x100000            /* load address: 1 MiB */
#define TRAMPOLINE_ADDR   0x8000              /* AP real-mode entry (SIPI vector 0x08) */
#define DIRTY_BASE        0x1000000           /* dirty region starts at 16 MiB */
#define KSTACK_SIZE       16384               /* per CPU, TSS.RSP0 */
#define ISTACK_SIZE       4096                /* per CPU, #DF stack (TSS.IST1) */
#define USTACK_SIZE       65536               /* per CPU, user mode */
#define MAX_CPUS          2
#define STATIC_MAP_GIB    4                   /* identity map built at assembly time */
#define MAX_MAP_GIB       64                  /* extended at boot from the memory map */

/* ---- GDT selectors ----------------------------------------------------- */
#define SEL_KCODE         0x08                /* 64-bit kernel code */
#define SEL_KDATA         0x10                /* kernel data (also used in 32-bit) */
#define SEL_KCODE32       0x18                /* 32-bit code, AP trampoline only */
#define SEL_UDATA         0x23                /* user data, RPL 3 */
#define SEL_UCODE         0x2B                /* 64-bit user code, RPL 3 */
#define SEL_TSS0          0x30                /* TSS of CPU n is SEL_TSS0 + 16*n */

/* User RFLAGS: IF=1, IOPL=3 (bits 12-13), reserved bit 1. */
#define USER_RFLAGS       0x3202

/* ---- Interrupt vectors ------------------------------------------------- */
#define VEC_PIC_BASE      0x20                /* 8259 master IRQ0..7 -> 0x20..0x27 */
#define VEC_PIC2_BASE     0x28                /* 8259 slave IRQ8..15 -> 0x28..0x2F */
#define VEC_SPURIOUS      0x27                /* LAPIC spurious shares PIC IRQ7's no-op */
#define IDT_ENTRIES       48

/* ---- Kernel services ----------------------------------------------------
 * User mode asks the kernel for the few privileged things it needs by
 * executing `hlt` (always #GP at CPL 3, whatever IOPL is) with the service
 * number in RAX and an argument in RDX.  The #GP handler recognises the
 * opcode and performs the service.  (`int n` is avoided: on kvm-pvm a
 * software interrupt from user mode does not reach the guest IDT.) */
#define SVC_HALT          1                   /* cli; hlt forever on this CPU */
#define SVC_TRIPLE        2                   /* empty IDT + exception */
#define SVC_IPI           3                   /* RDX = dest APIC id << 32 | ICR low */
#define SVC_IOPL0         4                   /* drop IOPL to 0: port I/O then traps */

/* ---- Devices ----------------------------------------------------------- */
#define LAPIC_BASE        0xFEE00000
#define COM1              0x3F8
#define PIC1_CMD          0x20
#define PIC1_DATA         0x21
#define PIC2_CMD          0xA0
#define PIC2_DATA         0xA1
#define PIC_EOI           0x20
#define RX_RING_SIZE      256                 /* power of two */

#endif
