/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generation: AST -> LLVM IR -> BPF instructions, in memory. */
#ifndef BTCTRACE_CG_H
#define BTCTRACE_CG_H

#include <linux/bpf.h>
#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/ast.h"
#include "lang/sema.h"
#include "abi/abi.h"
#include "abi/usdt_args.h"
#include "codegen/compile.h"


/* ---- inside codegen/: the state of one function being built ---- */

struct cg {
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn, ctxp, exit_bb_ret;
	LLVMBasicBlockRef entry;
	LLVMTypeRef i8, i16, i32, i64, i8p, i64p;
	const struct symtab *syms;
	const struct cg_maps *maps;
	const struct usdt_location *loc;
	LLVMValueRef vars[64];
	const int *var_sizes;	/* of the probe being compiled */
	/* Temporaries (keys, values, strings) are reused statement after
	 * statement: BPF has 512 bytes of stack. */
	struct cg_temp { LLVMValueRef p; int off; int size; bool busy; } temps[64];
	int ntemps;
	bool failed;	/* a generator reported an error (at its place) */
	/* BPF stack: bytes of every slot made so far, and the statement being
	 * compiled (NULL in the predicate), so the one that goes past
	 * BPF_STACK is named at its location. */
	int stack_used;		/* of the function being built */
	int stack_base;		/* the frames that call it (loops' bodies) */
	int stack_deepest;	/* the deepest chain of loop bodies it calls */
	const struct node *stmt;
	const struct node *stack_over;	/* where the stack overflowed */
	int stack_over_used;
	bool stack_over_pred;
	const struct probe *probe;	/* being compiled */
	/* Scratch space (codegen/slots.c): the entry's address once looked
	 * up, the block after its guard, the bytes handed out, and where
	 * they first went past SCRATCH_SIZE. */
	LLVMValueRef scratch;
	LLVMBasicBlockRef scratch_bb;
	int scratch_used;
	const struct node *scratch_over;
	int scratch_over_used;
	bool scratch_over_pred;
	LLVMBasicBlockRef ret_bb;	/* every way out of the body */
	/* Inside a for loop's body, a function of its own (codegen/loops.c):
	 * the context its caller passed; NULL in the program's function. */
	LLVMValueRef loop_ctx;
	int nloops;	/* loop functions made for this program, for names */
	LLVMValueRef loop_slot;	/* the function's loops' context, and its words */
	int loop_slot_words;
	/* A ring-buffer record past EVENT_RECORD_MAX, and its size. */
	const struct node *record_over;
	int record_over_size;
};

/* The kernel's BPF stack, in bytes. */
#define BPF_STACK 512

/* Frees every temporary: called between statements. */
void cg_release_temps(struct cg *cg);

LLVMValueRef cg_expr(struct cg *cg, struct node *n);
/* Whether values of type t are handled by address (strings, tuples, ...)
 * rather than as an i64. */
bool cg_is_buffer(const struct type *t);
/* Tuples (codegen/tuples.c). */
LLVMValueRef cg_tuple(struct cg *cg, struct node *n);
LLVMValueRef cg_tuple_index(struct cg *cg, struct node *n);
void cg_store_as(struct cg *cg, LLVMValueRef dst, const struct type *dt, LLVMValueRef v,
		 const struct type *st);
LLVMValueRef cg_convert(struct cg *cg, LLVMValueRef v, const struct type *st,
			const struct type *dt);
LLVMValueRef cg_read_str(struct cg *cg, LLVMValueRef ptr, int size);
void cg_store64(struct cg *cg, LLVMValueRef v, LLVMValueRef p);
/* A u64 field of a map value at p, which is 8-byte aligned: one 64-bit
 * load or store, where the module's default layout would split it. */
LLVMValueRef cg_load_field64(struct cg *cg, LLVMValueRef p);
void cg_store_field64(struct cg *cg, LLVMValueRef v, LLVMValueRef p);
LLVMValueRef cg_helper(struct cg *cg, int id, LLVMTypeRef ret, LLVMValueRef *args, int nargs);
LLVMValueRef cg_map_ptr(struct cg *cg, int fd);
LLVMValueRef cg_alloca(struct cg *cg, int size, const char *name);
LLVMValueRef cg_alloca_zero(struct cg *cg, int size, const char *name);
/* Names the statement that takes a chain of frames past BPF_STACK. */
void cg_stack_check(struct cg *cg);
int cg_frame_bytes(int used);
/* A stack slot of its own in the entry block. */
LLVMValueRef cg_new_slot(struct cg *cg, int size, const char *name);
/* A variable's zeroed home for the whole program. */
LLVMValueRef cg_var_home(struct cg *cg, int size);
/* Zeroes or copies size bytes of kernel memory, whatever the size. */
void cg_zero(struct cg *cg, LLVMValueRef dst, int size, unsigned align);
void cg_copy(struct cg *cg, LLVMValueRef dst, LLVMValueRef src, int size);
/* Leaves the program (return 0), through its one way out; in a loop's
 * body, leaves the loop and has its caller leave too. */
void cg_return(struct cg *cg);
/* The scratch entry's address, looked up and claimed on first need. */
LLVMValueRef cg_scratch_base(struct cg *cg);
/* A variable's home (made in the program's function on first need). */
LLVMValueRef cg_var_slot(struct cg *cg, int slot, int size);
void cg_stmts(struct cg *cg, struct node *n);
/* for and while loops, break and continue (codegen/loops.c). */
void cg_for(struct cg *cg, struct node *st);
void cg_while(struct cg *cg, struct node *st);
void cg_loop_jump(struct cg *cg, struct node *st);
/* cg_return inside a loop's body. */
void cg_loop_leave(struct cg *cg);
/* Carries on building in a new block no branch reaches: what follows a
 * statement that leaves (exit, break, continue). */
void cg_dead_block(struct cg *cg, const char *name);
/* Ends the program: the way out lets the scratch space go. */
void cg_finish(struct cg *cg);
LLVMValueRef cg_gep(struct cg *cg, LLVMValueRef base, int off);
LLVMValueRef cg_ptr_to(struct cg *cg, LLVMValueRef p, LLVMTypeRef elem);
LLVMValueRef cg_const(struct cg *cg, int64_t v);
/* The type word of a ring-buffer record, marked when an END block sends it. */
LLVMValueRef cg_event_type(struct cg *cg, enum event_type type);
void cg_error_count(struct cg *cg, int slot);
void cg_count_if_negative(struct cg *cg, LLVMValueRef rc, int slot);
/* The kernel key of the N_MAP node's map filled from its key expressions;
 * a histogram's bucket slot (abi/abi.h) is left zero. */
LLVMValueRef cg_map_key(struct cg *cg, struct node *map);
/* Looks key up in m; the builder goes on in the block where the entry
 * was found, which must branch to *done, where both ways meet. */
LLVMValueRef cg_lookup_found(struct cg *cg, const struct map_info *m, LLVMValueRef key,
			     LLVMBasicBlockRef *done);
/* Finds or creates the entry of `key` in per-CPU map m; calls apply(p) on
 * this CPU's value; a full map bumps the map's error counter.  An array
 * map's entry is updated in place (cg_array_update). */
void cg_agg_update(struct cg *cg, const struct map_info *m, LLVMValueRef key,
		   void (*apply)(struct cg *cg, LLVMValueRef val, void *arg), void *arg);

/* Calls the library function `name` (codegen/library.c): nargs i64s in,
 * an i64 out, built by build() in the module's library section the first
 * time, with the builder of a struct cg of its own. */
LLVMValueRef cg_library_call(struct cg *cg, const char *name, LLVMValueRef *args, int nargs,
			     LLVMValueRef (*build)(struct cg *lib, LLVMValueRef *params));

/* Keyless aggregations in per-CPU arrays (codegen/arrays.c).  The key is
 * the u32 index (abi/abi.h). */
void cg_array_update(struct cg *cg, const struct map_info *m, LLVMValueRef key,
		     void (*apply)(struct cg *cg, LLVMValueRef val, void *arg), void *arg);
/* Loads this CPU's first entry of m and drops the value: the load is
 * for its address translation (arrays.c says why). */
void cg_array_warm(struct cg *cg, const struct map_info *m);
/* visit(p) on each possible CPU's value of key in per-CPU map m. */
void cg_each_cpu(struct cg *cg, const struct map_info *m, LLVMValueRef key,
		 void (*visit)(struct cg *cg, LLVMValueRef val, void *arg), void *arg);
/* *any |= the written flag of array value val. */
void cg_or_written(struct cg *cg, const struct map_info *m, LLVMValueRef val, LLVMValueRef any);
/* 1 when any CPU wrote the entry (an i64), else 0. */
LLVMValueRef cg_array_written(struct cg *cg, const struct map_info *m, LLVMValueRef key);
/* Zeroes every CPU's value of the entry: as if never written. */
void cg_array_clear(struct cg *cg, const struct map_info *m, LLVMValueRef key);


#endif
