/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How a USDT location's arguments are read: the operands the note's
 * argument specs name (a constant, a register, or memory at a register
 * plus a displacement).  The runtime reads them from the ELF notes and code
 * generation emits the loads from struct pt_regs. */
#ifndef BTCTRACE_USDT_ARGS_H
#define BTCTRACE_USDT_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#define USDT_MAX_ARGS 12

enum usdt_arg_kind {
	USDT_ARG_CONST,		/* $imm                          */
	USDT_ARG_REG,		/* %reg                          */
	USDT_ARG_MEM,		/* disp(%base) or disp(%base,%index,scale) */
};

/* One argument as the note describes it, e.g. "-8@-1064(%rbp)". */
struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;		/* bytes: 1, 2, 4 or 8 */
	bool is_signed;		/* negative size in the spec */
	int64_t value;		/* CONST: the immediate; MEM: displacement */
	int reg_off;		/* REG/MEM base: offset in struct pt_regs */
	int index_off;		/* MEM with index: pt_regs offset, else -1 */
	int scale;		/* MEM with index: 1, 2, 4 or 8 */
};

/* One note: a probe may have several locations (inlined call sites), each
 * its own note with the same provider and name. */
struct usdt_location {
	uint64_t pc_vaddr;	/* probe address, prelink-adjusted */
	uint64_t pc_offset;	/* file offset of the probe nop */
	uint64_t sem_vaddr;	/* 0 when the probe has no semaphore */
	uint64_t sem_offset;	/* file offset of the semaphore, 0 if none */
	int nargs;
	struct usdt_arg args[USDT_MAX_ARGS];
	char *arg_specs;	/* the raw space-separated spec string */
};

#endif
