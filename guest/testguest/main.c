/*
 * Tern test guest: user-mode main program (runs at CPL 3, natively).
 *
 * BSP: parse the Multiboot command line, set up COM1, calibrate the TSC,
 * print "tern-guest: ready", start the AP, print "cpus <n>", then run the
 * dirty-page workload interleaved with tick output and console echo.
 */
#include "user.h"

#define PAGE_SIZE     4096
#define PAGES_PER_MIB 256
#define BATCH         256       /* page writes between clock checks */
#define MAX_RATE      1000000   /* MiB/s; keeps the pacing arithmetic in range */

enum fault { FAULT_NONE, FAULT_UD, FAULT_TRIPLE, FAULT_HLT };

struct config {
	uint64_t dirty_mib;     /* 0: no workload */
	uint64_t rate;          /* MiB/s, 0: as fast as possible */
	uint64_t tick_ms;
	uint64_t stop;          /* ticks before reset, 0: never */
	enum fault fault;
	int iopl0;
};

/* Multiboot information, as much of it as we read. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
};

struct mb_mmap_entry {
	uint32_t size;          /* of the rest of the entry */
	uint64_t base, len;
	uint32_t type;          /* 1: available RAM */
} __attribute__((packed));

static struct worker bsp_work;
struct worker ap_work;
volatile uint32_t ap_go;

static char cmdline[1024];
static const char *bad_tokens[16];
static unsigned n_bad_tokens;

static const struct multiboot_info *multiboot_info(void)
{
	if (mb_magic != MB_BOOT_MAGIC)
		return 0;
	return (const struct multiboot_info *)(uintptr_t)mb_info;
}

/* Copy the command line out of the loader's memory before anything (the AP
 * trampoline, the dirty region) might overwrite it. */
static void copy_cmdline(const struct multiboot_info *mbi)
{
	if (!mbi || !(mbi->flags & MBI_FLAG_CMDLINE))
		return;
	const char *s = (const char *)(uintptr_t)mbi->cmdline;
	for (size_t i = 0; i < sizeof cmdline - 1 && s[i]; i++)
		cmdline[i] = s[i];
}

static int token_is(const char *tok, const char *key, const char **val)
{
	while (*key)
		if (*tok++ != *key++)
			return 0;
	*val = tok;
	return 1;
}

static int value_end(const char *p)
{
	return *p == 0;
}

static int parse_token(const char *tok, struct config *cfg)
{
	const char *v, *end;
	uint64_t a, b = 0;

	if (token_is(tok, "dirty=", &v)) {
		if (!parse_u64(v, &end, &a))
			return 0;
		if (*end == ',' && !parse_u64(end + 1, &end, &b))
			return 0;
		if (!value_end(end) || b > MAX_RATE)
			return 0;
		cfg->dirty_mib = a;
		cfg->rate = b;
	} else if (token_is(tok, "tick=", &v)) {
		if (!parse_u64(v, &end, &a) || !value_end(end) || a < 1 || a > 1000)
			return 0;
		cfg->tick_ms = a;
	} else if (token_is(tok, "stop=", &v)) {
		if (!parse_u64(v, &end, &a) || !value_end(end))
			return 0;
		cfg->stop = a;
	} else if (token_is(tok, "fault=", &v)) {
		if (token_is(v, "ud", &end) && value_end(end))
			cfg->fault = FAULT_UD;
		else if (token_is(v, "triple", &end) && value_end(end))
			cfg->fault = FAULT_TRIPLE;
		else if (token_is(v, "hlt", &end) && value_end(end))
			cfg->fault = FAULT_HLT;
		else
			return 0;
	} else if (token_is(tok, "iopl=0", &v) && value_end(v)) {
		cfg->iopl0 = 1;
	}
	/* Anything else (e.g. the kernel file name QEMU puts first) is not ours. */
	return 1;
}

/* Split cmdline in place at blanks and apply each token. */
static void parse_cmdline(struct config *cfg)
{
	char *p = cmdline;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		int more = *p != 0;
		*p = 0;
		if (!parse_token(tok, cfg) && n_bad_tokens < sizeof bad_tokens / sizeof bad_tokens[0])
			bad_tokens[n_bad_tokens++] = tok;
		if (!more)
			break;
		p++;
	}
}

/* End of the usable RAM that continues without a gap from addr (0 if addr
 * is not in RAM), clipped to what the kernel identity-mapped. */
static uint64_t ram_end_from(const struct multiboot_info *mbi, uint64_t addr)
{
	uint64_t end = 0;

	if (!mbi)
		return 0;
	if (mbi->flags & MBI_FLAG_MMAP) {
		/* Entries may be split or unordered: extend until nothing
		 * adjoins the end any more. */
		end = addr;
		for (int grew = 1; grew;) {
			grew = 0;
			uintptr_t p = mbi->mmap_addr, lim = p + mbi->mmap_length;
			while (p < lim) {
				const struct mb_mmap_entry *e = (const void *)p;
				if (e->type == 1 && e->base <= end && e->base + e->len > end) {
					end = e->base + e->len;
					grew = 1;
				}
				p += e->size + 4;
			}
		}
		if (end == addr)
			end = 0;
	} else if ((mbi->flags & MBI_FLAG_MEM) && addr >= 0x100000) {
		end = 0x100000 + (uint64_t)mbi->mem_upper * 1024;
		if (end <= addr)
			end = 0;
	}
	return end < mapped_limit ? end : mapped_limit;
}

/* pages per TSC cycle as 24.40 fixed point, without 128-bit division */
static uint64_t pace_mult(uint64_t pages_per_s)
{
	uint64_t x = pages_per_s << 32;         /* pages_per_s < 2^28 */
	uint64_t q = x / tsc_hz, r = x % tsc_hz;
	uint64_t m = (q << 8) + (r << 8) / tsc_hz;

	return m ? m : 1;
}

static void setup_worker(struct worker *w, uint64_t first_page, uint64_t npages,
			 uint64_t total_pages, uint64_t rate)
{
	w->base = (volatile uint8_t *)(uintptr_t)(DIRTY_BASE + first_page * PAGE_SIZE);
	w->npages = npages;
	w->idx = 0;
	w->val = 1;
	/* This CPU's share of the rate, in proportion to its pages. */
	w->mult = rate && npages ? pace_mult(rate * PAGES_PER_MIB * npages / total_pages) : 0;
	w->backlog = rate && npages ? rate * PAGES_PER_MIB * npages / total_pages / 100 + 1 : 0;
	w->dropped = 0;
}

/* Write up to BATCH pages, or fewer if pacing says so.  One byte per page,
 * page after page; the value changes every round (1..255, never 0) so each
 * write really changes the page.  Returns 0 if there was nothing to do. */
static int dirty_step(struct worker *w)
{
	uint64_t done = w->done, target = done + BATCH;

	if (w->mult) {
		uint64_t due = (uint64_t)(((unsigned __int128)(rdtsc() - w->t0) * w->mult) >> 40) - w->dropped;
		/* Time the CPU was taken away (a pause, a throttled vCPU) is not
		 * made up afterwards in a burst: like a real workload, the guest
		 * just did less. At most 10 ms worth of writes stays owed. */
		if (due > done + w->backlog) {
			w->dropped += due - done - w->backlog;
			due = done + w->backlog;
		}
		if (due < target)
			target = due;
		if (target <= done)
			return 0;
	}
	uint64_t idx = w->idx;
	uint8_t val = w->val;
	for (uint64_t n = done; n < target; n++) {
		w->base[idx * PAGE_SIZE] = val;
		if (++idx == w->npages) {
			idx = 0;
			val = val == 255 ? 1 : val + 1;
		}
	}
	w->idx = idx;
	w->val = val;
	w->done = target;
	return 1;
}

void dirty_forever(struct worker *w)
{
	for (;;)
		if (!dirty_step(w))
			cpu_relax();
}

static NORETURN void reset_machine(void)
{
	outb(0x64, 0xFE);               /* keyboard controller: pulse reset */
	delay_us(10000);                /* let the VMM act on it */
	svc(SVC_TRIPLE, 0);             /* it did not: shut down the hard way */
	svc_halt();
}

static void print_config(const struct config *cfg, const struct multiboot_info *mbi,
			 int ncpu, uint64_t ready_tsc)
{
	put_str("testguest: boot_us=");
	put_u64((ready_tsc - entry_tsc) / (tsc_hz / 1000000));
	put_str(" tsc_khz=");
	put_u64(tsc_hz / 1000);
	put_str(" ram_end=0x");
	put_hex(ram_end_from(mbi, 0x100000));
	put_str(" dirty_mib=");
	put_u64(cfg->dirty_mib);
	put_str(" rate=");
	put_u64(cfg->rate);
	put_str(" tick=");
	put_u64(cfg->tick_ms);
	put_str(" stop=");
	put_u64(cfg->stop);
	put_str(" cpus=");
	put_u64((uint64_t)ncpu);
	put_char('\n');
}

void bsp_main(void)
{
	struct config cfg = { .tick_ms = 100 };
	const struct multiboot_info *mbi = multiboot_info();

	copy_cmdline(mbi);
	parse_cmdline(&cfg);
	if (cfg.iopl0)
		svc(SVC_IOPL0, 0);      /* all further port I/O goes through #GP */
	console_init();
	if (!mbi)
		put_str("testguest: error: no Multiboot magic; no command line, no RAM size\n");
	for (unsigned i = 0; i < n_bad_tokens; i++) {
		put_str("testguest: error: ignoring bad token ");
		put_str(bad_tokens[i]);
		put_char('\n');
	}

	calibrate_tsc();
	put_str("tern-guest: ready\n");
	uint64_t ready_tsc = rdtsc();

	if (cfg.dirty_mib) {
		uint64_t end = ram_end_from(mbi, DIRTY_BASE);
		if (end < DIRTY_BASE || (end - DIRTY_BASE) >> 20 < cfg.dirty_mib) {
			put_str("testguest: error: dirty=");
			put_u64(cfg.dirty_mib);
			put_str(" MiB does not fit: usable RAM from 16 MiB is ");
			put_u64(end > DIRTY_BASE ? (end - DIRTY_BASE) >> 20 : 0);
			put_str(" MiB; running without the dirty workload\n");
			cfg.dirty_mib = 0;
		}
	}

	int ncpu = start_ap();
	put_str("cpus ");
	put_u64((uint64_t)ncpu);
	put_char('\n');
	print_config(&cfg, mbi, ncpu, ready_tsc);

	uint64_t pages = cfg.dirty_mib * PAGES_PER_MIB;
	uint64_t bsp_pages = ncpu == 2 ? pages / 2 : pages;
	setup_worker(&bsp_work, 0, bsp_pages, pages, cfg.rate);
	setup_worker(&ap_work, bsp_pages, pages - bsp_pages, pages, cfg.rate);

	if (cfg.fault != FAULT_NONE) {
		ap_go = AP_GO_PARK;     /* keep the AP out of the way (it may be absent) */
		if (cfg.fault == FAULT_UD)
			__asm__ volatile("ud2");
		if (cfg.fault == FAULT_TRIPLE)
			svc(SVC_TRIPLE, 0);
		svc_halt();             /* FAULT_HLT */
	}

	uint64_t t0 = rdtsc();
	bsp_work.t0 = ap_work.t0 = t0;
	barrier();                      /* ap_work complete before the AP may look */
	ap_go = ap_work.npages ? AP_GO_RUN : AP_GO_PARK;

	uint64_t period = cfg.tick_ms * tsc_hz / 1000;
	uint64_t next_tick = t0 + period;
	uint64_t ticks = 0;
	for (;;) {
		int busy = bsp_work.npages && dirty_step(&bsp_work);
		uint64_t now = rdtsc();
		if ((int64_t)(now - next_tick) >= 0) {
			/* Ticks missed while the guest was not running (a pause,
			 * a migration) are dropped, not printed in a burst: each
			 * tick line then marks real progress, and the gap before
			 * the first line after a pause shows the pause. */
			next_tick += period;
			if ((int64_t)(now - next_tick) >= 0)
				next_tick = now + period;
			ticks++;
			put_str("tick ");
			put_u64((now - t0) * 1000 / tsc_hz);
			put_char(' ');
			put_u64(bsp_work.done + ap_work.done);
			put_char('\n');
			if (cfg.stop && ticks >= cfg.stop)
				reset_machine();
		}
		console_poll();
		if (!busy)
			cpu_relax();
	}
}
