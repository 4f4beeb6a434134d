/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generation's public face: a probe block -> BPF instructions, in
 * memory, through the LLVM C API.  No LLVM type appears here, so the
 * runtime and the CLI can call it without including llvm-c. */
#ifndef BTCTRACE_COMPILE_H
#define BTCTRACE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/ast.h"
#include "lang/sema.h"

struct bpf_insn;
struct usdt_location;

/* The kernel objects a program refers to, created before codegen so their
 * fds can be embedded as constants (no relocations in the object). */
struct cg_maps {
	const int *map_fds;	/* by map_info id */
	int errors_fd;		/* per-CPU array of u64 counters, see ERR_SLOT_* */
	int events_fd;		/* ring buffer: exit(), printf() */
	int scratch_fd;		/* per-CPU array, one SCRATCH_SIZE entry */
	int read_err_slot;	/* errors-map slot counting failed reads of
				 * this program's string/hash arguments */
	uint64_t start_ns;	/* CLOCK_MONOTONIC at start, for elapsed */
	/* The kernel's BTF id of kernel function `name` (len() calls
	 * bpf_map_sum_elem_count), looked up when a program first needs it:
	 * > 0, or -errno when the kernel lacks it. */
	int (*kfunc_id)(void *owner, const char *name);
	void *kfunc_owner;
	/* The fd of the stack-trace map keeping `frames` user frames per
	 * stack (ustack), created when a program first needs it; -errno. */
	int (*stack_map)(void *owner, int frames);
	void *stack_owner;
	const char *probe_name;	/* the `probe` builtin's value: the attach
				 * point's full name (ap->full_name) */
	int ncpus;		/* possible CPUs: a per-CPU map's values */
};

/* One compiler instance: LLVM initialised once, reused for every probe
 * (the REPL compiles many blocks in one session). */
struct compiler;

int compiler_new(struct compiler **out);
void compiler_free(struct compiler *c);

/* Compiles one probe block for one argument layout (loc NULL for
 * BEGIN/END).  *insns is malloc'd.  0 or -errno after a diag. */
int compile_probe(struct compiler *c, const struct symtab *syms, const struct cg_maps *maps,
		  const struct probe *p, const struct usdt_location *loc,
		  const char *name, struct bpf_insn **insns, size_t *ninsns);

/* A script's programs compiled together: one LLVM module, one emission.
 * add() builds one program and returns its index (or -errno after a
 * diag); emit() makes every program's instructions, readable with
 * program(i) until free().  A quiet batch reports no LLVM backend error:
 * emit() returns -EAGAIN and each block compiled alone with
 * compile_probe() says where the error is.  With keep_ir, ir(i) is the
 * program's function as LLVM IR (the REPL's .ir). */
struct compile_batch;

int compile_batch_new(struct compiler *c, bool quiet, bool keep_ir,
		      struct compile_batch **out);
int compile_batch_add(struct compile_batch *b, const struct symtab *syms,
		      const struct cg_maps *maps, const struct probe *p,
		      const struct usdt_location *loc, const char *name);
int compile_batch_emit(struct compile_batch *b);
/* emit() in two steps: emit_object() is LLVM's work and prints nothing
 * (a batch's, in a thread of its own, with a compiler of its own while
 * no other thread uses that compiler); finish() then reports its errors
 * and splits the object into programs, as emit() does. */
void compile_batch_emit_object(struct compile_batch *b);
int compile_batch_finish(struct compile_batch *b);
const struct bpf_insn *compile_batch_program(const struct compile_batch *b, int i, size_t *n);
const char *compile_batch_ir(const struct compile_batch *b, int i);
void compile_batch_free(struct compile_batch *b);

/* Textual IR of the last compiled probe, for the curious (REPL). */
char *compiler_last_ir(struct compiler *c);

/* The LLVM version btctrace was built with ("14.0.6"), for --version:
 * LLVM 14's C API has no call for it, so the build passes llvm-config's. */
const char *codegen_llvm_version(void);

#endif
