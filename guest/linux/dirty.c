/*
 * tern-dirty: the dirty-memory workload of Tern's Linux guest, with the
 * test guest's output (docs/testguest.md, "The dirty workload"):
 *
 *   cpus <n>
 *   linuxguest: dirty_mib=<m> rate=<r> tick=<ms>
 *   tick <guest_ms> <pages_written_total>
 *
 * Usage: tern-dirty MIB RATE [TICK_MS]
 * Writes one byte per 4 KiB page of an MIB-MiB anonymous mapping, page
 * after page, at RATE MiB/s (0: as fast as it can), in batches of 256
 * pages.  The byte is 1 on the first pass, 2 on the next, ..., 255, then 1
 * again: never 0, so every write changes the page.  Ticks are never skipped:
 * tick k stands for k * TICK_MS ms of guest time.  Time is CLOCK_MONOTONIC
 * through the vDSO (kvm-clock), which costs no system call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define BATCH 256UL

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mib, rate, tick = 100;
	if (argc < 3 || parse(argv[1], 1UL << 20, &mib) || parse(argv[2], 1000000, &rate) ||
	    (argc > 3 && (parse(argv[3], 1000, &tick) || tick == 0))) {
		fprintf(stderr, "usage: tern-dirty MIB RATE [TICK_MS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("cpus %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("linuxguest: dirty_mib=%lu rate=%lu tick=%lu\n", mib, rate, tick);

	unsigned long pages = mib * 256;
	volatile uint8_t *region = NULL;
	if (pages) {
		region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region == MAP_FAILED) {
			printf("linuxguest: error: cannot map %lu MiB: %s\n", mib, strerror(errno));
			region = NULL;
			pages = 0;
		}
	}

	uint64_t t0 = now_ns(), next_tick = t0 + tick * 1000000ULL;
	unsigned long done = 0, ticks = 0, page = 0;
	uint8_t value = 1;
	for (;;) {
		uint64_t t = now_ns();
		unsigned long batch = pages ? BATCH : 0;
		if (pages && rate) {
			/* pages due so far: elapsed_ns * rate MiB/s * 256 pages/MiB / 1e9 */
			unsigned __int128 due = (unsigned __int128)(t - t0) * rate * 256 / 1000000000ULL;
			batch = due > done ? (unsigned long)(due - done) : 0;
			if (batch > BATCH)
				batch = BATCH;
		}
		for (unsigned long i = 0; i < batch; i++) {
			region[page * PAGE] = value;
			if (++page == pages) {
				page = 0;
				value = value == 255 ? 1 : value + 1;
			}
		}
		done += batch;
		while (t >= next_tick) {
			ticks++;
			printf("tick %lu %lu\n", ticks * tick, done);
			next_tick += tick * 1000000ULL;
		}
		if (!batch) {
			/* Nothing due: sleep to the next tick or the next page, whichever is sooner. */
			uint64_t wait = next_tick - t;
			if (rate) {
				uint64_t per_page = 1000000000ULL / (rate * 256) + 1;
				if (per_page < wait)
					wait = per_page;
			}
			if (wait > 1000000)
				usleep((useconds_t)(wait / 1000));
		}
	}
}
