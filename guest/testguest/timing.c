/*
 * Tern test guest: TSC calibration against the PIT, from user mode.
 *
 * PIT channel 2 (gated through port 0x61, so no interrupt is involved)
 * counts down from 0xFFFF in mode 0.  We take (TSC, count) pairs at the
 * start and after ~CAL_MS, latching the count with rdtsc just before and
 * after the latch command; the latch happened within that bracket.
 *
 * On kvm-pvm each port access is a ~50 us trap, and on a busy host the vCPU
 * may be descheduled for milliseconds at any point.  So at each end we keep
 * the sample with the narrowest bracket of a few (a preempted one is wide),
 * use the bracket's middle, and check OUT2 (port 0x61 bit 5, set when the
 * count passed zero) to reject a run in which the counter wrapped.
 */
#include "user.h"

#define PIT_HZ        1193182
#define PIT_CH2       0x42
#define PIT_MODE      0x43
#define PORT_B        0x61      /* bit 0: ch2 gate, bit 1: speaker, bit 5: OUT2 */
#define CAL_MS        40        /* + margin for the end samples < 65536 ticks */
#define CAL_TICKS     (PIT_HZ * CAL_MS / 1000)
#define END_SAMPLES   5
#define TRIES         3
#define GIVE_UP       10000000000ull    /* cycles: seconds at any plausible rate */

uint64_t tsc_hz;

struct sample {
	uint64_t tsc;           /* middle of the bracket */
	uint64_t width;         /* bracket width in cycles */
	uint16_t count;
};

static void pit_sample(struct sample *s)
{
	uint64_t before = rdtsc();
	outb(PIT_MODE, 0x80);           /* counter latch, channel 2 */
	uint64_t after = rdtsc();
	uint8_t lo = inb(PIT_CH2);
	uint8_t hi = inb(PIT_CH2);

	s->tsc = before + (after - before) / 2;
	s->width = after - before;
	s->count = (uint16_t)(hi << 8 | lo);
}

/* Of s and n further samples, keep the narrowest in s. */
static void narrowest(struct sample *s, int n)
{
	struct sample t;

	while (n--) {
		pit_sample(&t);
		if (t.width < s->width)
			*s = t;
	}
}

/* One calibration run; 0 if it has to be repeated. */
static uint64_t calibrate_once(void)
{
	struct sample a, b;

	outb(PIT_MODE, 0xB0);           /* ch2, lo/hi byte, mode 0, binary; OUT2 low */
	outb(PIT_CH2, 0xFF);
	outb(PIT_CH2, 0xFF);

	pit_sample(&a);                 /* may precede loading the count: dropped */
	pit_sample(&a);
	narrowest(&a, END_SAMPLES - 1);
	do {
		pit_sample(&b);
		if (b.tsc - a.tsc > GIVE_UP)
			return 0;
	} while ((uint16_t)(a.count - b.count) < CAL_TICKS);
	narrowest(&b, END_SAMPLES - 1);
	if (inb(PORT_B) & 0x20)
		return 0;               /* wrapped through zero: the difference lies */
	return (b.tsc - a.tsc) * PIT_HZ / (uint16_t)(a.count - b.count);
}

void calibrate_tsc(void)
{
	uint8_t portb = inb(PORT_B);

	outb(PORT_B, (uint8_t)((portb & ~0x02) | 0x01));  /* gate on, speaker off */
	for (int i = 0; i < TRIES && !tsc_hz; i++)
		tsc_hz = calibrate_once();
	outb(PORT_B, portb);

	if (!tsc_hz) {
		tsc_hz = 1000000000;
		put_str("testguest: warning: PIT calibration failed; assuming a 1 GHz TSC\n");
	}
}

void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
