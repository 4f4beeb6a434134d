/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USDT (systemtap SDT) probes of an ELF binary: the .note.stapsdt reader
 * and the x86-64 argument-spec parser.  Pure user space: no BPF here. */
#ifndef BTCTRACE_USDT_H
#define BTCTRACE_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/usdt_args.h"

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
/* The same on an ELF image in memory (the fuzz harness): NAME stands for
 * the file in messages.  libelf may write into IMAGE; OUT keeps copies of
 * what it needs, so IMAGE may be freed after the call. */
int usdt_read_memory(const char *name, char *image, size_t size, struct usdt_binary *out);
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
