/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Static types of expressions.  Integers are computed in 64 bits as in
 * bpftrace; `size` keeps the declared width for display and loads. */
#ifndef BTCTRACE_TYPES_H
#define BTCTRACE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

enum type_kind {
	T_NONE,		/* not yet typed / statements */
	T_VOID,		/* calls that return nothing: exit() */
	T_INT,
	T_STR,		/* NUL-padded char buffer of `size` bytes */
	T_HASH,		/* 32 bytes in Bitcoin's internal order; prints reversed */
	T_BYTES,	/* a buffer whose length is another argument */
	T_PTR,		/* a user-space address; size/is_signed: the pointee's */
	T_AGG,		/* the result of count(), hist(), ...: only assignable to a map */
	T_USER,		/* a user id as a 64-bit word; prints as the user's name */
	T_TIME,		/* strftime(): nanoseconds of CLOCK_MONOTONIC, printed as a date */
	T_BUF,		/* buf(): its length (u64), then size - 8 bytes; prints \xNN escaped */
	T_USTACK,	/* ustack: stack id (low 32 bits) and pid (high 32); prints as
			 * the frames, symbolised in the process (runtime/stacks.c) */
	T_USYM,		/* usym(): an address and the pid it belongs to (u64 each);
			 * prints as the symbol, or the address in hex */
	T_DEC,		/* dec(): a 64-bit integer printed with `scale` decimal places */
	T_TUPLE,	/* (a, b, ...): `tuple` says its elements and where each
			 * lies; size: all of them, each padded to 8 bytes */
};

struct tuple_type;

/* How a user stack prints (bpftrace's ustack modes). */
enum stack_mode { STACK_BPFTRACE, STACK_PERF };

struct type {
	enum type_kind kind;
	int size;		/* bytes: 1,2,4,8 for T_INT; buffer size for T_STR */
	bool is_signed;
	short stack_frames;	/* T_USTACK: frames kept, 1..STACK_FRAMES_MAX */
	unsigned char stack_mode;	/* T_USTACK: enum stack_mode */
	int scale;		/* T_DEC: digits after the decimal point */
	const struct tuple_type *tuple;	/* T_TUPLE: its elements; owned by the
					 * symtab, which makes equal ones one
					 * (symtab_tuple): same pointer, same type */
};

/* Elements a tuple holds at most: each is a field of the records and
 * map values that carry it. */
#define TUPLE_ELEMS_MAX 16

/* Bytes a tuple takes at most.  It is built in the scratch space, one
 * per-CPU array value, which the kernel holds to 32 KiB
 * (PCPU_MIN_UNIT_SIZE), and may be copied once more there (into a map
 * value, or widened): half of it. */
#define TUPLE_SIZE_MAX (16 << 10)

/* A tuple's elements, each kept as a map value keeps it (an integer or
 * a pointer as a 64-bit word), one after the other from offset 0, each
 * padded to 8 bytes: the same layout in scratch space, variables, map
 * values and event records. */
struct tuple_type {
	int n;
	struct type elem[TUPLE_ELEMS_MAX];
	int offset[TUPLE_ELEMS_MAX];
	int size;
	struct tuple_type *next;	/* the symtab's list */
};

/* Frames a user stack keeps at most and by default, as bpftrace 0.17
 * (the kernel's perf_event_max_stack default). */
#define STACK_FRAMES_MAX 127

static inline struct type type_int(int size, bool is_signed)
{
	return (struct type){ .kind = T_INT, .size = size, .is_signed = is_signed };
}

static inline struct type type_str(int size)
{
	return (struct type){ .kind = T_STR, .size = size };
}

static inline struct type type_ptr(int size, bool is_signed)
{
	return (struct type){ .kind = T_PTR, .size = size, .is_signed = is_signed };
}

static inline struct type type_hash(void)
{
	return (struct type){ .kind = T_HASH, .size = 32 };
}

/* An integer or a pointer: a 64-bit word wherever it is kept. */
static inline bool type_is_word(const struct type *t)
{
	return t->kind == T_INT || t->kind == T_PTR;
}

/* Whether a word prints and compares as signed: a pointer's is_signed is
 * its pointee's, the address itself is unsigned. */
static inline bool type_word_signed(const struct type *t)
{
	return t->kind == T_INT && t->is_signed;
}

/* A value whose buffer may hold a shorter one of its kind (a string up
 * to its NUL, buf() up to its length): a slot grows to the longest. */
static inline bool type_grows(const struct type *t)
{
	return t->kind == T_STR || t->kind == T_BUF;
}

/* Bytes kept of a bytes[] argument (a P2P message read whole up to 4 KiB). The
 * value is the buffer's full length (u64), then its first BYTES_MAX bytes. */
#define BYTES_MAX 4096
#define BYTES_VALUE_SIZE (8 + BYTES_MAX)

/* string[N] keeps N characters, "..." when cut, and the NUL. */
static inline int str_buffer_size(int max_chars)
{
	return max_chars + 4;
}

/* Bytes a value of type t takes in a record, a variable or a map value:
 * a word is 8, a buffer its size rounded up to 8. */
static inline int type_stored_size(const struct type *t)
{
	if (type_is_word(t))
		return 8;
	return (t->size + 7) & ~7;
}

/* Sets tt's offsets and size from its n elements. */
void tuple_layout(struct tuple_type *tt);

/* Whether a and b are one type: a string's size and an integer's
 * width and sign count (they print differently). */
bool type_equal(const struct type *a, const struct type *b);

/* Names "(int64, string[4])" as bpftrace's messages do, cut to len. */
const char *type_name(const struct type *t, char *buf, int len);

/* The name the passwd database gives user `uid`, or the number when it
 * has none: username is resolved when printed, in user space. */
const char *user_name(uint64_t uid, char *buf, int len);

#endif
