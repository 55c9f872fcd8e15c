/* Tern test guest: the little of libc it needs (user mode). */
#include "user.h"

/* gcc may emit calls to these even in freestanding code (struct copies,
 * zeroing); -fno-tree-loop-distribute-patterns keeps it from turning these
 * very loops back into calls to themselves. */
void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

/* Decimal only.  Returns 1 and stores the value if at least one digit was
 * read and it did not overflow; *end points after the digits. */
int parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
		p++;
	}
	if (end)
		*end = p;
	if (p == s)
		return 0;
	*out = v;
	return 1;
}
