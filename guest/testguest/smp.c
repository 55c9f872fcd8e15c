/*
 * Tern test guest: starting the second CPU (APIC id 1).
 *
 * The BSP copies the real-mode trampoline (boot.S) below 1 MiB and sends
 * INIT, SIPI, SIPI through its local APIC.  Writing the ICR is privileged,
 * so each IPI is one SVC_IPI kernel service; the delays in between run
 * here in user mode on the calibrated TSC.  The AP goes real mode -> 32-bit
 * -> long mode along the BSP's path and drops to user mode in ap_main().
 *
 * A 1-vCPU machine has no APIC id 1: nobody answers and we give up after
 * AP_TIMEOUT_US.  The AP's check-in and the BSP's giving up are one
 * compare-and-swap each, so an AP that shows up late parks itself instead
 * of running alongside a BSP that has planned for one CPU.
 */
#include "user.h"

#define ICR_INIT      0x4500    /* INIT, level assert */
#define ICR_SIPI      0x4600    /* start-up, vector = page number */
#define AP_APIC_ID    1
#define AP_TIMEOUT_US 100000

#define AP_WAITING    0
#define AP_ALIVE      1
#define AP_ABANDONED  2

static volatile uint32_t ap_state;

static void send_ipi(uint32_t apic_id, uint32_t icr)
{
	svc(SVC_IPI, (uint64_t)apic_id << 32 | icr);
}

static int ap_alive_within(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000;

	while (ap_state != AP_ALIVE && (int64_t)(rdtsc() - end) < 0)
		cpu_relax();
	return ap_state == AP_ALIVE;
}

int start_ap(void)
{
	void *dst = (void *)(uintptr_t)TRAMPOLINE_ADDR;

	__asm__("" : "+r"(dst));        /* a plain address, not an object to bounds-check */
	memcpy(dst, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start));

	send_ipi(AP_APIC_ID, ICR_INIT);
	delay_us(10000);
	send_ipi(AP_APIC_ID, ICR_SIPI | TRAMPOLINE_ADDR >> 12);
	if (!ap_alive_within(200)) {
		send_ipi(AP_APIC_ID, ICR_SIPI | TRAMPOLINE_ADDR >> 12);
		ap_alive_within(AP_TIMEOUT_US);
	}
	if (cmpxchg32(&ap_state, AP_WAITING, AP_ABANDONED) == AP_WAITING)
		return 1;
	return 2;
}

void ap_main(void)
{
	if (cmpxchg32(&ap_state, AP_WAITING, AP_ALIVE) != AP_WAITING)
		svc_halt();             /* too late: the BSP runs alone */
	while (!ap_go)
		cpu_relax();
	barrier();                      /* read ap_work only after ap_go */
	if (ap_go == AP_GO_PARK)
		svc_halt();
	dirty_forever(&ap_work);
}
