/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a program's values live: small ones in stack slots, strings,
 * buffers, big keys and values in the per-CPU scratch entry (abi.h), as
 * the kernel gives a BPF program only 512 bytes of stack.  Copies and
 * zeroing of big buffers are helper calls: LLVM's BPF backend expands
 * memcpy and memset inline only up to 128 stores, then fails. */
#include "cg.h"

#include <string.h>

/* Values from this size on go to scratch space: a string, a hash, a
 * payload; integers, comm and small keys stay on the stack. */
#define SCRATCH_FROM 32

/* Copies and zeroing up to this many bytes are inline instructions. */
#define INLINE_BYTES 64

static int round8(int n)
{
	return (n + 7) / 8 * 8;
}

/* Stack slots live in the entry block so the verifier sees fixed offsets. */
LLVMValueRef cg_new_slot(struct cg *cg, int size, const char *name)
{
	LLVMBuilderRef eb = LLVMCreateBuilderInContext(cg->ctx);
	LLVMPositionBuilderBefore(eb, LLVMGetBasicBlockTerminator(cg->entry));
	LLVMValueRef a = LLVMBuildAlloca(eb, LLVMArrayType(cg->i8, size), name);
	LLVMSetAlignment(a, 8);
	LLVMValueRef p = LLVMBuildBitCast(eb, a, cg->i8p, "");
	LLVMDisposeBuilder(eb);
	cg->stack_used += round8(size);
	cg_stack_check(cg);
	return p;
}

/* The kernel counts the stack of a call chain: the frames of the program
 * and of the loop bodies running inside one another, each rounded up to
 * 32 bytes.  A frame grows after its loops were made, so the deepest
 * chain below it is kept and added. */
int cg_frame_bytes(int used)
{
	return (used + 31) / 32 * 32;
}

void cg_stack_check(struct cg *cg)
{
	int total = cg->stack_base + (cg->stack_base || cg->stack_deepest
				      ? cg_frame_bytes(cg->stack_used) : cg->stack_used) +
		    cg->stack_deepest;
	if (total > BPF_STACK && !cg->stack_over && !cg->stack_over_pred) {
		cg->stack_over = cg->stmt;
		cg->stack_over_pred = !cg->stmt;
		cg->stack_over_used = total;
	}
}

/* The scratch entry is looked up once, at the program's start.  Its busy
 * flag makes reuse safe: a uprobe program may be preempted (it runs with
 * migration, not preemption, disabled) by a task that fires a probe on
 * the same CPU, and BEGIN/END/interval programs run in btctrace's own
 * task.  Whichever program finds the flag set leaves at once, counted as
 * a lost event, instead of writing over the strings of the one it
 * interrupted; the flag is cleared on the way out (cg_finish). */
static void scratch_guard(struct cg *cg, LLVMValueRef base, LLVMBasicBlockRef start)
{
	LLVMBasicBlockRef check = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "scratch_check");
	LLVMBasicBlockRef busy = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "scratch_busy");
	LLVMBasicBlockRef none = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "scratch_none");
	LLVMBasicBlockRef claim = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "scratch_claim");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, base, ""), none, check);
	LLVMPositionBuilderAtEnd(cg->b, none);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, check);
	LLVMValueRef flag = cg_ptr_to(cg, base, cg->i64);
	LLVMValueRef held = LLVMBuildLoad2(cg->b, cg->i64, flag, "");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, held, cg_const(cg, 0), ""),
			busy, claim);
	LLVMPositionBuilderAtEnd(cg->b, busy);
	cg_error_count(cg, ERR_SLOT_LOST_EVENTS);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, claim);
	LLVMBuildStore(cg->b, cg_const(cg, 1), flag);
	LLVMBuildBr(cg->b, start);
	cg->scratch_bb = claim;
}

/* Makes the scratch base pointer, on first need, at the end of the entry
 * block: it then dominates every use. */
static void ensure_scratch(struct cg *cg)
{
	if (cg->scratch)
		return;
	LLVMValueRef term = LLVMGetBasicBlockTerminator(cg->entry);
	LLVMBasicBlockRef start = LLVMGetSuccessor(term, 0);
	LLVMValueRef key = cg_new_slot(cg, 4, "scratch_key");
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMPositionBuilderBefore(cg->b, term);
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, 0, 0), cg_ptr_to(cg, key, cg->i32));
	LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->scratch_fd), key };
	LLVMValueRef base = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, args, 2);
	LLVMInstructionEraseFromParent(term);
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	cg->scratch = base;
	scratch_guard(cg, base, start);
	LLVMPositionBuilderAtEnd(cg->b, here);
}

LLVMValueRef cg_scratch_base(struct cg *cg)
{
	ensure_scratch(cg);
	return cg->scratch;
}

/* Bytes [off, off + size) of the scratch entry for this program; going
 * past SCRATCH_SIZE is named at the statement (codegen_check). */
static int scratch_region(struct cg *cg, int size)
{
	ensure_scratch(cg);
	int off = SCRATCH_BUSY_BYTES + cg->scratch_used;
	cg->scratch_used += round8(size);
	if (SCRATCH_BUSY_BYTES + cg->scratch_used > SCRATCH_SIZE && !cg->scratch_over &&
	    !cg->scratch_over_pred) {
		cg->scratch_over = cg->stmt;
		cg->scratch_over_pred = !cg->stmt;
		cg->scratch_over_used = SCRATCH_BUSY_BYTES + cg->scratch_used;
	}
	/* Past the end, the pointer stays in bounds: the error is reported
	 * before anything is loaded. */
	return SCRATCH_BUSY_BYTES + cg->scratch_used > SCRATCH_SIZE ? SCRATCH_BUSY_BYTES : off;
}

static LLVMValueRef new_temp(struct cg *cg, int size, const char *name, int *off)
{
	*off = 0;
	if (size < SCRATCH_FROM)
		return cg_new_slot(cg, size, name);
	*off = scratch_region(cg, size);
	return NULL;
}

/* Temporaries are reused statement after statement; a scratch one is
 * addressed from the base where it is used, so it needs no dominating
 * definition of its own. */
LLVMValueRef cg_alloca(struct cg *cg, int size, const char *name)
{
	int i = 0;
	while (i < cg->ntemps && (cg->temps[i].busy || cg->temps[i].size != size))
		i++;
	if (i == cg->ntemps) {
		int off;
		LLVMValueRef p = new_temp(cg, size, name, &off);
		if (cg->ntemps == (int)(sizeof(cg->temps) / sizeof(cg->temps[0])))
			return p ? p : cg_gep(cg, cg->scratch, off);
		cg->temps[i].p = p;
		cg->temps[i].off = off;
		cg->temps[i].size = size;
		cg->ntemps++;
	}
	cg->temps[i].busy = true;
	return cg->temps[i].p ? cg->temps[i].p : cg_gep(cg, cg->scratch, cg->temps[i].off);
}

void cg_release_temps(struct cg *cg)
{
	for (int i = 0; i < cg->ntemps; i++)
		cg->temps[i].busy = false;
}

LLVMValueRef cg_alloca_zero(struct cg *cg, int size, const char *name)
{
	LLVMValueRef p = cg_alloca(cg, size, name);
	cg_zero(cg, p, size, 8);
	return p;
}

/* A variable's home for the whole program, zeroed before the body runs
 * (in the entry block, or after the scratch guard), so a read on a path
 * that skipped the assignment sees 0, not what another program left. */
LLVMValueRef cg_var_home(struct cg *cg, int size)
{
	int off;
	LLVMValueRef p = new_temp(cg, size, "var", &off);
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef bb = p ? cg->entry : cg->scratch_bb;
	LLVMPositionBuilderBefore(cg->b, LLVMGetBasicBlockTerminator(bb));
	if (!p)
		p = cg_gep(cg, cg->scratch, off);
	cg_zero(cg, p, size, 8);
	LLVMPositionBuilderAtEnd(cg->b, here);
	return p;
}

/* bpf_probe_read_kernel() zeroes its destination when the read fails,
 * as one from address 0 does: one call clears a buffer of any size. */
void cg_zero(struct cg *cg, LLVMValueRef dst, int size, unsigned align)
{
	if (size <= INLINE_BYTES) {
		LLVMBuildMemSet(cg->b, dst, LLVMConstInt(cg->i8, 0, 0),
				LLVMConstInt(cg->i64, size, 0), align);
		return;
	}
	LLVMValueRef args[3] = { dst, LLVMConstInt(cg->i32, size, 0), LLVMConstNull(cg->i8p) };
	cg_helper(cg, BPF_FUNC_probe_read_kernel, cg->i64, args, 3);
}

/* Kernel memory (stack, scratch, map values) read with the helper. */
void cg_copy(struct cg *cg, LLVMValueRef dst, LLVMValueRef src, int size)
{
	if (size <= INLINE_BYTES) {
		LLVMBuildMemCpy(cg->b, dst, 1, src, 1, LLVMConstInt(cg->i64, size, 0));
		return;
	}
	LLVMValueRef args[3] = { dst, LLVMConstInt(cg->i32, size, 0), src };
	cg_helper(cg, BPF_FUNC_probe_read_kernel, cg->i64, args, 3);
}

void cg_return(struct cg *cg)
{
	if (cg->loop_ctx)
		cg_loop_leave(cg);
	else
		LLVMBuildBr(cg->b, cg->ret_bb);
}

void cg_dead_block(struct cg *cg, const char *name)
{
	LLVMPositionBuilderAtEnd(cg->b, LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, name));
}

/* Every way out of the body passes here: the scratch entry is let go. */
void cg_finish(struct cg *cg)
{
	if (!cg->scratch)
		return;
	LLVMPositionBuilderBefore(cg->b, LLVMGetBasicBlockTerminator(cg->ret_bb));
	LLVMBuildStore(cg->b, cg_const(cg, 0), cg_ptr_to(cg, cg->scratch, cg->i64));
}
