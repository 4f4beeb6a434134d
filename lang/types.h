/* Static types of expressions.  Integers are computed in 64 bits as in
 * bpftrace; `size` keeps the declared width for display and loads. */
#ifndef BTCTRACE_TYPES_H
#define BTCTRACE_TYPES_H

#include <stdbool.h>

enum type_kind {
	T_NONE,		/* not yet typed / statements */
	T_VOID,		/* calls that return nothing: exit() */
	T_INT,
	T_STR,		/* NUL-padded char buffer of `size` bytes */
	T_AGG,		/* the result of count(), hist(), ...: only assignable to a map */
};

struct type {
	enum type_kind kind;
	int size;		/* bytes: 1,2,4,8 for T_INT; buffer size for T_STR */
	bool is_signed;
};

static inline struct type type_int(int size, bool is_signed)
{
	return (struct type){ .kind = T_INT, .size = size, .is_signed = is_signed };
}

static inline struct type type_str(int size)
{
	return (struct type){ .kind = T_STR, .size = size };
}

const char *type_name(const struct type *t, char *buf, int len);

#endif
