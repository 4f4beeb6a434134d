/* USDT (systemtap SDT) probes of an ELF binary: the .note.stapsdt reader
 * and the x86-64 argument-spec parser.  Pure user space: no BPF here. */
#ifndef BTCTRACE_USDT_H
#define BTCTRACE_USDT_H

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

struct usdt_probe {
	char *provider;		/* "utxocache" */
	char *name;		/* "add" */
	int nlocs;
	struct usdt_location *locs;
};

struct usdt_binary {
	char *path;
	int nprobes;
	struct usdt_probe *probes;	/* in note order, grouped by name */
};

/* Reads every stapsdt note of PATH.  Returns 0 or -errno; on error a
 * message naming the file (and the probe/spec at fault) has been printed
 * through diag_error().  A binary without notes is not an error: nprobes
 * is 0.  A semaphore that is not file-backed (.bss) is an error naming
 * the probe. */
int usdt_read_binary(const char *path, struct usdt_binary *out);
void usdt_free_binary(struct usdt_binary *bin);

/* Finds provider:name; NULL when absent. */
const struct usdt_probe *usdt_find_probe(const struct usdt_binary *bin,
					 const char *provider, const char *name);

/* Parses one spec such as "-4@%eax", "8@24(%rcx)", "-4@$5",
 * "1@-96(%rbp,%rax,8)".  Returns 0 or -EINVAL (no message printed: the
 * caller names the probe). */
int usdt_parse_arg(const char *spec, struct usdt_arg *out);

/* Offset of a register (any width: rax eax ax al, r8 r8d r8w r8b, ...) in
 * the x86-64 struct pt_regs, or -1. */
int usdt_reg_offset(const char *reg);

#endif
