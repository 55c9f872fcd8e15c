/*
 * User-mode (CPL 3) side of the Tern test guest: shared declarations.
 * Everything in the C files runs in user mode, natively even on kvm-pvm.
 */
#ifndef TESTGUEST_USER_H
#define TESTGUEST_USER_H

#include <stdint.h>
#include <stddef.h>
#include "guest.h"

#define NORETURN __attribute__((noreturn))

/* ---- Port I/O ----------------------------------------------------------
 * With IOPL 3 these execute directly (QEMU, VT-x/SVM KVM); on kvm-pvm they
 * trap to the #GP handler in traps.S, which performs them (~50 us each
 * there).  Only the byte forms are used. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Compiler barrier: plain stores before it are not moved after it (x86
 * keeps stores in order between CPUs by itself). */
static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/* Kernel service call: `hlt` traps (#GP) at CPL 3; see traps.S. */
static inline void svc(uint64_t nr, uint64_t arg)
{
	__asm__ volatile("hlt" : : "a"(nr), "d"(arg) : "memory");
}

static inline NORETURN void svc_halt(void)
{
	for (;;)
		svc(SVC_HALT, 0);
}

static inline uint32_t cmpxchg32(volatile uint32_t *p, uint32_t old, uint32_t new)
{
	__asm__ volatile("lock cmpxchgl %2, %1"
			 : "+a"(old), "+m"(*p) : "r"(new) : "memory");
	return old;     /* the value found */
}

/* ---- Symbols from the kernel-mode assembly ----------------------------- */
extern uint32_t mb_magic, mb_info;
extern uint64_t mapped_limit;
extern uint64_t entry_tsc;      /* TSC at the Multiboot entry */
extern volatile uint8_t rx_ring[RX_RING_SIZE];
extern volatile uint32_t rx_head, rx_tail;
extern const char ap_trampoline_start[], ap_trampoline_end[];

/* ---- lib.c ------------------------------------------------------------- */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int parse_u64(const char *s, const char **end, uint64_t *out);

/* ---- console.c: COM1 ---------------------------------------------------- */
void console_init(void);
void put_str(const char *s);
void put_char(char c);          /* a '\n' sends the buffered line */
void put_u64(uint64_t v);
void put_hex(uint64_t v);
void console_poll(void);        /* echo completed input lines */

/* ---- timing.c ---------------------------------------------------------- */
extern uint64_t tsc_hz;
void calibrate_tsc(void);
void delay_us(uint64_t us);

/* ---- smp.c ------------------------------------------------------------- */
int start_ap(void);             /* returns the number of CPUs (1 or 2) */

/* ---- workload (main.c) -------------------------------------------------- */
struct worker {
	volatile uint8_t *base; /* first page of this CPU's share */
	uint64_t npages;        /* 0: nothing to do */
	uint64_t mult;          /* pages per TSC cycle, << 40; 0: unpaced */
	uint64_t t0;            /* TSC at workload start */
	uint64_t backlog;       /* most writes owed at once (10 ms at the rate) */
	uint64_t dropped;       /* writes owed but dropped after the CPU was taken away */
	uint64_t idx;           /* next page */
	uint8_t val;            /* byte written this round, 1..255 */
	volatile uint64_t done; /* page writes so far (read by the BSP) */
} __attribute__((aligned(64)));

#define AP_GO_RUN  1
#define AP_GO_PARK 2
extern struct worker ap_work;
extern volatile uint32_t ap_go;
NORETURN void dirty_forever(struct worker *w);

NORETURN void bsp_main(void);
NORETURN void ap_main(void);

#endif
