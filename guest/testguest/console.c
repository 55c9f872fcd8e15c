/*
 * Tern test guest: COM1 (16550A at 0x3F8, IRQ 4) from user mode.
 *
 * Output is buffered per line and written to THR 16 bytes at a time after
 * one LSR check (THRE with the FIFO on means the 16-byte TX FIFO is empty),
 * because on kvm-pvm every port access is a ~50 us trap.
 *
 * Input is interrupt driven: isr_irq4 (traps.S) moves received bytes into
 * rx_ring; console_poll() turns them into "echo <line>" output.
 */
#include "user.h"

#define UART_RBR 0      /* DLAB=0 */
#define UART_THR 0
#define UART_DLL 0      /* DLAB=1 */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20
#define FIFO_SIZE 16

static char out_buf[160];
static unsigned out_len;

static char in_buf[128];
static unsigned in_len;
static int in_after_cr;

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);    /* DLAB: divisor follows */
	outb(COM1 + UART_DLL, 0x01);    /* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);    /* 8N1 */
	outb(COM1 + UART_FCR, 0x07);    /* FIFOs on and cleared, RX trigger 1 byte */
	outb(COM1 + UART_MCR, 0x0B);    /* DTR, RTS, OUT2 (gates the IRQ on PCs) */
	/* Last: "data available" interrupts.  Bytes already waiting raise
	 * the interrupt at once and are picked up by isr_irq4. */
	outb(COM1 + UART_IER, 0x01);
}

static void flush(void)
{
	for (unsigned i = 0; i < out_len; i += FIFO_SIZE) {
		/* Bounded: a missing UART reads 0xFF (THRE set) anyway. */
		for (int spin = 0; spin < 1000; spin++)
			if (inb(COM1 + UART_LSR) & LSR_THRE)
				break;
		for (unsigned j = i; j < out_len && j < i + FIFO_SIZE; j++)
			outb(COM1 + UART_THR, (uint8_t)out_buf[j]);
	}
	out_len = 0;
}

void put_char(char c)
{
	out_buf[out_len++] = c;
	if (c == '\n' || out_len == sizeof out_buf)
		flush();
}

void put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

void put_u64(uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(tmp[--n]);
}

void put_hex(uint64_t v)
{
	int shift = 60;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		put_char("0123456789abcdef"[(v >> shift) & 15]);
}

void console_poll(void)
{
	while (rx_tail != rx_head) {
		uint8_t c = rx_ring[rx_tail & (RX_RING_SIZE - 1)];
		rx_tail = rx_tail + 1;          /* frees the slot for isr_irq4 */

		if (c == '\r' || c == '\n') {
			/* "\r\n" is one line end, not two. */
			if (c == '\n' && in_after_cr) {
				in_after_cr = 0;
				continue;
			}
			in_after_cr = c == '\r';
			put_str("echo ");
			for (unsigned i = 0; i < in_len; i++)
				put_char(in_buf[i]);
			put_char('\n');
			in_len = 0;
		} else {
			in_after_cr = 0;
			if (in_len < sizeof in_buf)     /* longer lines are truncated */
				in_buf[in_len++] = (char)c;
		}
	}
}
