/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Expressions and statements to LLVM IR.  Integers are i64; strings are
 * pointers to zeroed stack buffers of their type's size. */
#include "cg.h"

#include <errno.h>
#include <string.h>

#include "lang/builtin.h"

LLVMValueRef cg_const(struct cg *cg, int64_t v)
{
	return LLVMConstInt(cg->i64, (unsigned long long)v, 1);
}

LLVMValueRef cg_event_type(struct cg *cg, enum event_type type)
{
	bool in_end = cg->probe && cg->probe->points && cg->probe->points->kind == ATTACH_END;
	return cg_const(cg, (int64_t)(type | (in_end ? EVENT_FROM_END : 0)));
}

/* Helpers are called through a constant address: the BPF backend turns
 * inttoptr(id) calls into `call id`. */
LLVMValueRef cg_helper(struct cg *cg, int id, LLVMTypeRef ret, LLVMValueRef *args, int nargs)
{
	LLVMTypeRef params[8];
	for (int i = 0; i < nargs; i++)
		params[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, params, nargs, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(LLVMConstInt(cg->i64, id, 0), LLVMPointerType(fty, 0));
	return LLVMBuildCall2(cg->b, fty, fp, args, nargs, "");
}

/* A map's fd is a 64-bit immediate the loader understands as a map
 * (BPF_PSEUDO_MAP_FD), so programs carry no relocations. */
LLVMValueRef cg_map_ptr(struct cg *cg, int fd)
{
	LLVMTypeRef params[2] = { cg->i64, cg->i64 };
	LLVMTypeRef fty = LLVMFunctionType(cg->i64, params, 2, 0);
	LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, "llvm.bpf.pseudo");
	if (!fn)
		fn = LLVMAddFunction(cg->mod, "llvm.bpf.pseudo", fty);
	LLVMValueRef args[2] = { LLVMConstInt(cg->i64, 1, 0), LLVMConstInt(cg->i64, fd, 0) };
	LLVMValueRef v = LLVMBuildCall2(cg->b, fty, fn, args, 2, "");
	return LLVMBuildIntToPtr(cg->b, v, cg->i8p, "map");
}

LLVMValueRef cg_gep(struct cg *cg, LLVMValueRef base, int off)
{
	LLVMValueRef idx = LLVMConstInt(cg->i64, off, 0);
	return LLVMBuildInBoundsGEP2(cg->b, cg->i8, base, &idx, 1, "");
}

LLVMValueRef cg_ptr_to(struct cg *cg, LLVMValueRef p, LLVMTypeRef elem)
{
	return LLVMBuildBitCast(cg->b, p, LLVMPointerType(elem, 0), "");
}

static LLVMValueRef load64(struct cg *cg, LLVMValueRef p)
{
	return LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg, p, cg->i64), "");
}

static void store64(struct cg *cg, LLVMValueRef v, LLVMValueRef p)
{
	LLVMBuildStore(cg->b, v, cg_ptr_to(cg, p, cg->i64));
}

void cg_store64(struct cg *cg, LLVMValueRef v, LLVMValueRef p)
{
	store64(cg, v, p);
}

/* Map values and their u64 fields are 8-byte aligned (abi/abi.h's
 * structs; the kernel aligns values to 8).  LLVM's default layout aligns
 * an i64 to 4, and the BPF backend splits such an access in two 32-bit
 * halves.  Stack slots keep the default: written whole, the verifier
 * tracks them as exact values, and loops' states stop merging. */
LLVMValueRef cg_load_field64(struct cg *cg, LLVMValueRef p)
{
	LLVMValueRef v = load64(cg, p);
	LLVMSetAlignment(v, 8);
	return v;
}

void cg_store_field64(struct cg *cg, LLVMValueRef v, LLVMValueRef p)
{
	LLVMSetAlignment(LLVMBuildStore(cg->b, v, cg_ptr_to(cg, p, cg->i64)), 8);
}

void cg_error_count(struct cg *cg, int slot)
{
	LLVMValueRef key = cg_alloca(cg, 4, "errkey");
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i32, slot, 0), cg_ptr_to(cg, key, cg->i32));
	LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->errors_fd), key };
	LLVMValueRef p = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, args, 2);
	LLVMBasicBlockRef bump = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "errbump");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "errdone");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), done, bump);
	LLVMPositionBuilderAtEnd(cg->b, bump);
	store64(cg, LLVMBuildAdd(cg->b, load64(cg, p), cg_const(cg, 1), ""), p);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* ---- probe arguments ---- */

static LLVMValueRef extend(struct cg *cg, LLVMValueRef v, int size, bool is_signed)
{
	if (size >= 8)
		return v;
	LLVMTypeRef t = LLVMIntTypeInContext(cg->ctx, size * 8);
	v = LLVMBuildTrunc(cg->b, v, t, "");
	return is_signed ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

static LLVMValueRef ctx_reg(struct cg *cg, int off)
{
	return load64(cg, cg_gep(cg, cg->ctxp, off));
}

static LLVMValueRef cg_usdt_arg(struct cg *cg, const struct usdt_arg *a)
{
	switch (a->kind) {
	case USDT_ARG_CONST:
		return extend(cg, cg_const(cg, a->value), a->size, a->is_signed);
	case USDT_ARG_REG:
		return extend(cg, ctx_reg(cg, a->reg_off), a->size, a->is_signed);
	case USDT_ARG_MEM: {
		LLVMValueRef addr = LLVMBuildAdd(cg->b, ctx_reg(cg, a->reg_off),
						 cg_const(cg, a->value), "");
		if (a->index_off >= 0)
			addr = LLVMBuildAdd(cg->b, addr, LLVMBuildMul(cg->b, ctx_reg(cg, a->index_off),
						cg_const(cg, a->scale), ""), "");
		LLVMValueRef slot = cg_alloca(cg, 8, "argmem");
		store64(cg, cg_const(cg, 0), slot);
		LLVMValueRef args[3] = { slot, LLVMConstInt(cg->i32, a->size, 0),
					 LLVMBuildIntToPtr(cg->b, addr, cg->i8p, "") };
		cg_helper(cg, BPF_FUNC_probe_read_user, cg->i64, args, 3);
		return extend(cg, load64(cg, slot), a->size, a->is_signed);
	}
	}
	return cg_const(cg, 0);
}

/* A helper's negative return (failed read, full map, full ring buffer)
 * bumps one error counter. */
void cg_count_if_negative(struct cg *cg, LLVMValueRef rc, int slot)
{
	LLVMBasicBlockRef bad = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "failed");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "ok");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, rc, cg_const(cg, 0), ""), bad, done);
	LLVMPositionBuilderAtEnd(cg->b, bad);
	cg_error_count(cg, slot);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void count_failed_read(struct cg *cg, LLVMValueRef rc)
{
	cg_count_if_negative(cg, rc, cg->maps->read_err_slot);
}

/* Stores *val under key in plain map m; a full map is counted. */
static void cg_map_store(struct cg *cg, const struct map_info *m, LLVMValueRef key,
			 LLVMValueRef val)
{
	LLVMValueRef args[4] = { cg_map_ptr(cg, cg->maps->map_fds[m->id]), key, val,
				 cg_const(cg, 0 /* BPF_ANY */) };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_map_update_elem, cg->i64, args, 4);
	cg_count_if_negative(cg, rc, ERR_SLOT_MAP_FULL(m->id));
}

/* A C string argument: read max_chars + 1 bytes so that a longer string
 * is seen as longer, and marked "..." rather than cut silently.  A failed
 * read is counted and shows as "(unreadable)", never as "". */
LLVMValueRef cg_read_str(struct cg *cg, LLVMValueRef ptr, int size)
{
	int max_chars = size - 4;
	LLVMValueRef buf = cg_alloca_zero(cg, size, "argstr");
	LLVMValueRef args[3] = { buf, LLVMConstInt(cg->i32, max_chars + 2, 0),
				 LLVMBuildIntToPtr(cg->b, ptr, cg->i8p, "") };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_probe_read_user_str, cg->i64, args, 3);
	LLVMBasicBlockRef bad = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "strfail");
	LLVMBasicBlockRef chk = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "strlen");
	LLVMBasicBlockRef cut = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "strcut");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "strdone");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, rc, cg_const(cg, 0), ""), bad, chk);
	LLVMPositionBuilderAtEnd(cg->b, bad);
	cg_error_count(cg, cg->maps->read_err_slot);
	static const char unreadable[] = "(unreadable)";
	for (int i = 0; i < (int)sizeof(unreadable) && i < size; i++)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, unreadable[i], 0), cg_gep(cg, buf, i));
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, chk);
	LLVMValueRef longer = LLVMBuildICmp(cg->b, LLVMIntEQ, rc, cg_const(cg, max_chars + 2), "");
	LLVMBuildCondBr(cg->b, longer, cut, done);
	LLVMPositionBuilderAtEnd(cg->b, cut);
	static const char dots[] = "...";
	for (int i = 0; i < 4; i++)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, dots[i], 0), cg_gep(cg, buf, max_chars + i));
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return buf;
}

static LLVMValueRef cg_read_hash(struct cg *cg, LLVMValueRef ptr)
{
	LLVMValueRef buf = cg_alloca_zero(cg, 32, "hash");
	LLVMValueRef args[3] = { buf, LLVMConstInt(cg->i32, 32, 0),
				 LLVMBuildIntToPtr(cg->b, ptr, cg->i8p, "") };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_probe_read_user, cg->i64, args, 3);
	count_failed_read(cg, rc);
	return buf;
}

/* A bytes[LEN] argument: LEN, then up to BYTES_MAX bytes of the buffer. */
static LLVMValueRef cg_read_bytes(struct cg *cg, struct node *n, LLVMValueRef ptr)
{
	LLVMValueRef len = cg_usdt_arg(cg, &cg->loc->args[n->len_index]);
	LLVMValueRef buf = cg_alloca_zero(cg, BYTES_VALUE_SIZE, "bytes");
	store64(cg, len, buf);
	LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, len, cg_const(cg, BYTES_MAX), "");
	LLVMValueRef size = LLVMBuildSelect(cg->b, big, cg_const(cg, BYTES_MAX), len, "");
	/* The verifier needs the size's bound on the register itself. */
	size = LLVMBuildAnd(cg->b, size, cg_const(cg, 2 * BYTES_MAX - 1), "");
	LLVMValueRef args[3] = { cg_gep(cg, buf, 8), LLVMBuildTrunc(cg->b, size, cg->i32, ""),
				 LLVMBuildIntToPtr(cg->b, ptr, cg->i8p, "") };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_probe_read_user, cg->i64, args, 3);
	count_failed_read(cg, rc);
	return buf;
}

static LLVMValueRef cg_arg(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_usdt_arg(cg, &cg->loc->args[n->ival]);
	if (!n->typed)
		return v;
	switch (n->type.kind) {
	case T_STR: return cg_read_str(cg, v, n->type.size);
	case T_HASH: return cg_read_hash(cg, v);
	case T_BYTES: return cg_read_bytes(cg, n, v);
	default: return v;
	}
}

/* ---- expressions ---- */

static LLVMValueRef cg_string_literal(struct cg *cg, struct node *n)
{
	LLVMValueRef buf = cg_alloca_zero(cg, n->type.size, "str");
	/* Byte stores rather than a global: programs stay free of .rodata. */
	for (int i = 0; i < n->slen; i++)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, (unsigned char)n->str[i], 0),
			       cg_gep(cg, buf, i));
	return buf;
}

static LLVMValueRef to_bool(struct cg *cg, LLVMValueRef v)
{
	return LLVMBuildICmp(cg->b, LLVMIntNE, v, cg_const(cg, 0), "");
}

static LLVMValueRef zext_bool(struct cg *cg, LLVMValueRef b)
{
	return LLVMBuildZExt(cg->b, b, cg->i64, "");
}

/* Buffers are compared 8 bytes at a time (every buffer starts 8-byte
 * aligned), leaving at the first difference: one xor of all the bytes
 * would have LLVM load them all at once and spill past the stack. */
static LLVMValueRef cg_str_eq(struct cg *cg, struct node *n)
{
	LLVMValueRef a = cg_expr(cg, n->lhs), b = cg_expr(cg, n->rhs);
	int len = n->lhs->type.size < n->rhs->type.size ? n->lhs->type.size : n->rhs->type.size;
	LLVMValueRef same = cg_alloca(cg, 8, "streq");
	store64(cg, cg_const(cg, 0), same);
	LLVMBasicBlockRef differ = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "streq_differ");
	for (int i = 0; i < len; i += 8) {
		LLVMTypeRef t = len - i >= 8 ? cg->i64 : LLVMIntTypeInContext(cg->ctx, 8 * (len - i));
		if (len - i < 8 && (len - i) & (len - i - 1))
			t = cg->i8;	/* 3, 5, 6, 7 left: a byte at a time */
		int step = (int)(LLVMGetIntTypeWidth(t) / 8);
		for (int j = 0; j < 8 && i + j < len; j += step) {
			LLVMValueRef x = LLVMBuildLoad2(cg->b, t, cg_ptr_to(cg, cg_gep(cg, a, i + j), t), "");
			LLVMValueRef y = LLVMBuildLoad2(cg->b, t, cg_ptr_to(cg, cg_gep(cg, b, i + j), t), "");
			LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "streq_next");
			LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, x, y, ""), differ, next);
			LLVMPositionBuilderAtEnd(cg->b, next);
		}
	}
	store64(cg, cg_const(cg, 1), same);
	LLVMBuildBr(cg->b, differ);
	LLVMPositionBuilderAtEnd(cg->b, differ);
	LLVMValueRef eq = load64(cg, same);
	return n->op == OP_EQ ? eq : LLVMBuildXor(cg->b, eq, cg_const(cg, 1), "");
}

static LLVMValueRef cg_compare(struct cg *cg, struct node *n, LLVMValueRef a, LLVMValueRef b)
{
	bool sgn = n->lhs->type.is_signed && n->rhs->type.is_signed;
	LLVMIntPredicate p;
	switch (n->op) {
	case OP_EQ: p = LLVMIntEQ; break;
	case OP_NE: p = LLVMIntNE; break;
	case OP_LT: p = sgn ? LLVMIntSLT : LLVMIntULT; break;
	case OP_LE: p = sgn ? LLVMIntSLE : LLVMIntULE; break;
	case OP_GT: p = sgn ? LLVMIntSGT : LLVMIntUGT; break;
	default: p = sgn ? LLVMIntSGE : LLVMIntUGE; break;
	}
	return zext_bool(cg, LLVMBuildICmp(cg->b, p, a, b, ""));
}

static bool is_buffer(const struct type *t)
{
	return cg_is_buffer(t);
}

/* p + n and p - n move by n pointees, as in C. */
static void scale_pointer_operand(struct cg *cg, struct node *n, LLVMValueRef *a, LLVMValueRef *b)
{
	if (n->type.kind != T_PTR || n->type.size <= 1)
		return;
	LLVMValueRef size = cg_const(cg, n->type.size);
	if (n->lhs->type.kind == T_PTR)
		*b = LLVMBuildMul(cg->b, *b, size, "");
	else
		*a = LLVMBuildMul(cg->b, *a, size, "");
}

/* x / 0 and x % 0 are 1, as in bpftrace; LLVM would make them undefined
 * (and fold a constant one to garbage). */
static LLVMValueRef cg_divide(struct cg *cg, enum op op, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef zero = LLVMBuildICmp(cg->b, LLVMIntEQ, b, cg_const(cg, 0), "");
	LLVMValueRef d = LLVMBuildSelect(cg->b, zero, cg_const(cg, 1), b, "");
	LLVMValueRef q = op == OP_DIV ? LLVMBuildUDiv(cg->b, a, d, "") : LLVMBuildURem(cg->b, a, d, "");
	return LLVMBuildSelect(cg->b, zero, cg_const(cg, 1), q, "");
}

/* A shift by 64 or more moves every bit out: 0, or the sign for >> of a
 * signed value (LLVM leaves it undefined). */
static LLVMValueRef cg_shift(struct cg *cg, enum op op, bool sgn, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef wide = LLVMBuildICmp(cg->b, LLVMIntUGE, b, cg_const(cg, 64), "");
	LLVMValueRef n = LLVMBuildSelect(cg->b, wide, cg_const(cg, 63), b, "");
	if (op == OP_SHR && sgn)
		return LLVMBuildAShr(cg->b, a, n, "");
	LLVMValueRef v = op == OP_SHL ? LLVMBuildShl(cg->b, a, n, "") : LLVMBuildLShr(cg->b, a, n, "");
	return LLVMBuildSelect(cg->b, wide, cg_const(cg, 0), v, "");
}

static LLVMValueRef cg_binary(struct cg *cg, struct node *n)
{
	if (is_buffer(&n->lhs->type))
		return cg_str_eq(cg, n);
	LLVMValueRef a = cg_expr(cg, n->lhs), b = cg_expr(cg, n->rhs);
	bool sgn = n->type.is_signed;
	scale_pointer_operand(cg, n, &a, &b);
	switch (n->op) {
	case OP_ADD: return LLVMBuildAdd(cg->b, a, b, "");
	case OP_SUB: return LLVMBuildSub(cg->b, a, b, "");
	case OP_MUL: return LLVMBuildMul(cg->b, a, b, "");
	/* BPF has only unsigned division; signed operands divide by magnitude. */
	case OP_DIV: case OP_MOD: return cg_divide(cg, n->op, a, b);
	case OP_AND: return LLVMBuildAnd(cg->b, a, b, "");
	case OP_OR: return LLVMBuildOr(cg->b, a, b, "");
	case OP_XOR: return LLVMBuildXor(cg->b, a, b, "");
	case OP_SHL: case OP_SHR: return cg_shift(cg, n->op, sgn, a, b);
	case OP_LAND: return zext_bool(cg, LLVMBuildAnd(cg->b, to_bool(cg, a), to_bool(cg, b), ""));
	case OP_LOR: return zext_bool(cg, LLVMBuildOr(cg->b, to_bool(cg, a), to_bool(cg, b), ""));
	default: return cg_compare(cg, n, a, b);
	}
}

static LLVMValueRef cg_unary(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_expr(cg, n->lhs);
	switch (n->op) {
	case OP_NEG: return LLVMBuildNeg(cg->b, v, "");
	case OP_BNOT: return LLVMBuildNot(cg->b, v, "");
	default: return zext_bool(cg, LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_const(cg, 0), ""));
	}
}

static LLVMValueRef cg_ternary(struct cg *cg, struct node *n)
{
	LLVMValueRef c = to_bool(cg, cg_expr(cg, n->cond));
	LLVMValueRef a = cg_expr(cg, n->then), b = cg_expr(cg, n->els);
	if (!is_buffer(&n->type))
		return LLVMBuildSelect(cg->b, c, a, b, "");
	/* Strings: copy the chosen branch into a buffer of the result's size. */
	LLVMValueRef out = cg_alloca_zero(cg, n->type.size, "tern");
	LLVMBasicBlockRef bt = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "tthen");
	LLVMBasicBlockRef be = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "telse");
	LLVMBasicBlockRef bd = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "tdone");
	LLVMBuildCondBr(cg->b, c, bt, be);
	LLVMPositionBuilderAtEnd(cg->b, bt);
	cg_store_as(cg, out, &n->type, a, &n->then->type);
	LLVMBuildBr(cg->b, bd);
	LLVMPositionBuilderAtEnd(cg->b, be);
	cg_store_as(cg, out, &n->type, b, &n->els->type);
	LLVMBuildBr(cg->b, bd);
	LLVMPositionBuilderAtEnd(cg->b, bd);
	return out;
}

/* A tuple variable's slot is laid out as its last type (its strings the
 * longest assigned): read as the type it has here. */
static LLVMValueRef cg_var(struct cg *cg, struct node *n)
{
	LLVMValueRef slot = cg->vars[n->var_slot];
	if (!is_buffer(&n->type))
		return load64(cg, slot);
	return cg_convert(cg, slot, &cg->probe->var_types[n->var_slot], &n->type);
}

static LLVMValueRef cg_cast(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_expr(cg, n->lhs);
	if (n->type.kind == T_PTR)
		return v;
	return extend(cg, v, n->type.size, n->type.is_signed);
}

/* *(uintN *)p: N/8 bytes of user memory; a failed read counts and gives 0. */
static LLVMValueRef cg_deref(struct cg *cg, struct node *n)
{
	LLVMValueRef addr = cg_expr(cg, n->lhs);
	LLVMValueRef slot = cg_alloca(cg, 8, "deref");
	store64(cg, cg_const(cg, 0), slot);
	LLVMValueRef args[3] = { slot, LLVMConstInt(cg->i32, n->type.size, 0),
				 LLVMBuildIntToPtr(cg->b, addr, cg->i8p, "") };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_probe_read_user, cg->i64, args, 3);
	count_failed_read(cg, rc);
	return extend(cg, load64(cg, slot), n->type.size, n->type.is_signed);
}

LLVMValueRef cg_lookup_found(struct cg *cg, const struct map_info *m, LLVMValueRef key,
			     LLVMBasicBlockRef *done)
{
	LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->map_fds[m->id]), key };
	LLVMValueRef p = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, args, 2);
	LLVMBasicBlockRef found = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "found");
	*done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "done");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), *done, found);
	LLVMPositionBuilderAtEnd(cg->b, found);
	return p;
}

/* @m[k] read in an expression: its value, or zero when the key is absent. */
static LLVMValueRef cg_map_read(struct cg *cg, struct node *n)
{
	const struct map_info *m = n->mapinfo;
	int size = is_buffer(&m->value) ? m->value.size : 8;
	LLVMValueRef out = cg_alloca_zero(cg, size, "mread");
	LLVMBasicBlockRef done;
	LLVMValueRef p = cg_lookup_found(cg, m, cg_map_key(cg, n), &done);
	cg_copy(cg, out, p, size);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return is_buffer(&m->value) ? cg_convert(cg, out, &m->value, &n->type) : load64(cg, out);
}


/* x++ / ++x: x is updated, the old or the new value is the result. */
static LLVMValueRef cg_incdec(struct cg *cg, struct node *n)
{
	struct node *t = n->lhs;
	LLVMValueRef old, slot = NULL, key = NULL, found = NULL;
	if (t->kind == N_VAR) {
		slot = cg_var_slot(cg, t->var_slot, 8);
		old = load64(cg, slot);
	} else {
		key = cg_map_key(cg, t);
		LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->map_fds[t->mapinfo->id]), key };
		found = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, args, 2);
		slot = cg_alloca(cg, 8, "incdec");
		store64(cg, cg_const(cg, 0), slot);
		LLVMBasicBlockRef have = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "idhave");
		LLVMBasicBlockRef go = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "idgo");
		LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, found, ""), go, have);
		LLVMPositionBuilderAtEnd(cg->b, have);
		store64(cg, load64(cg, found), slot);
		LLVMBuildBr(cg->b, go);
		LLVMPositionBuilderAtEnd(cg->b, go);
		old = load64(cg, slot);
	}
	/* A pointer steps by its pointee, as p + 1 does. */
	LLVMValueRef one = cg_const(cg, t->type.kind == T_PTR ? t->type.size : 1);
	LLVMValueRef now = n->op == OP_ADD ? LLVMBuildAdd(cg->b, old, one, "")
					   : LLVMBuildSub(cg->b, old, one, "");
	store64(cg, now, slot);
	if (t->kind == N_MAP)
		cg_map_store(cg, t->mapinfo, key, slot);
	return n->ival ? old : now;
}

LLVMValueRef cg_expr(struct cg *cg, struct node *n)
{
	switch (n->kind) {
	case N_INT: return cg_const(cg, n->ival);
	case N_STR: return cg_string_literal(cg, n);
	case N_VAR: return cg_var(cg, n);
	case N_ARG: return cg_arg(cg, n);
	case N_BUILTIN:
	case N_CALL: return n->builtin->codegen(cg, n, NULL);
	case N_BINARY: return cg_binary(cg, n);
	case N_UNARY: return cg_unary(cg, n);
	case N_TERNARY: return cg_ternary(cg, n);
	case N_CAST: return cg_cast(cg, n);
	case N_DEREF: return cg_deref(cg, n);
	case N_MAP: return cg_map_read(cg, n);
	case N_INCDEC: return cg_incdec(cg, n);
	case N_TUPLE: return cg_tuple(cg, n);
	case N_TUPLE_INDEX: return cg_tuple_index(cg, n);
	default: return cg_const(cg, 0);
	}
}

/* ---- maps ---- */

LLVMValueRef cg_map_key(struct cg *cg, struct node *map)
{
	const struct map_info *m = map->mapinfo;
	LLVMValueRef key = cg_alloca_zero(cg, map_kernel_key_size(m), "key");
	int i = 0;
	for (struct node *k = map->args; k; k = k->next, i++) {
		LLVMValueRef dst = cg_gep(cg, key, map_key_offset(m, i));
		LLVMValueRef v = cg_expr(cg, k);
		if (is_buffer(&k->type))
			cg_copy(cg, dst, v, k->type.size);
		else
			store64(cg, v, dst);
	}
	return key;
}

void cg_agg_update(struct cg *cg, const struct map_info *m, LLVMValueRef key,
		   void (*apply)(struct cg *cg, LLVMValueRef val, void *arg), void *arg)
{
	if (map_is_array(m)) {
		cg_array_update(cg, m, key, apply, arg);
		return;
	}
	int fd = cg->maps->map_fds[m->id];
	LLVMValueRef largs[2] = { cg_map_ptr(cg, fd), key };
	LLVMValueRef p = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, largs, 2);
	LLVMBasicBlockRef found = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "found");
	LLVMBasicBlockRef insert = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "insert");
	LLVMBasicBlockRef full = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "full");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "done");
	LLVMBasicBlockRef start = LLVMGetInsertBlock(cg->b);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), insert, found);

	/* Insert a zero value, then look it up again: whoever inserted it, this
	 * CPU's slot is then updated in place like any other. */
	LLVMPositionBuilderAtEnd(cg->b, insert);
	LLVMValueRef zero = cg_alloca_zero(cg, (int)m->agg->value_size, "zero");
	LLVMValueRef uargs[4] = { cg_map_ptr(cg, fd), key, zero, cg_const(cg, 1 /* BPF_NOEXIST */) };
	cg_helper(cg, BPF_FUNC_map_update_elem, cg->i64, uargs, 4);
	LLVMValueRef largs2[2] = { cg_map_ptr(cg, fd), key };
	LLVMValueRef p2 = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, largs2, 2);
	LLVMBasicBlockRef insert_end = LLVMGetInsertBlock(cg->b);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p2, ""), full, found);

	LLVMPositionBuilderAtEnd(cg->b, full);
	cg_error_count(cg, ERR_SLOT_MAP_FULL(m->id));
	LLVMBuildBr(cg->b, done);

	LLVMPositionBuilderAtEnd(cg->b, found);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i8p, "val");
	LLVMValueRef vals[2] = { p, p2 };
	LLVMBasicBlockRef from[2] = { start, insert_end };
	LLVMAddIncoming(phi, vals, from, 2);
	apply(cg, phi, arg);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* ---- statements ---- */


static void cg_assign_plain(struct cg *cg, struct node *st)
{
	const struct map_info *m = st->map->mapinfo;
	LLVMValueRef key = cg_map_key(cg, st->map);
	LLVMValueRef v = cg_expr(cg, st->rhs);
	LLVMValueRef val;
	if (is_buffer(&m->value)) {
		val = cg_alloca_zero(cg, m->value.size, "mval");
		cg_store_as(cg, val, &m->value, v, &st->rhs->type);
	} else {
		val = cg_alloca(cg, 8, "mval");
		store64(cg, v, val);
	}
	cg_map_store(cg, m, key, val);
}

LLVMValueRef cg_var_slot(struct cg *cg, int slot, int size)
{
	if (cg->vars[slot])
		return cg->vars[slot];
	if (cg->var_sizes && cg->var_sizes[slot] > size)
		size = cg->var_sizes[slot];
	cg->vars[slot] = cg_var_home(cg, size);
	return cg->vars[slot];
}

static void cg_assign_var(struct cg *cg, struct node *st)
{
	int size = is_buffer(&st->type) ? st->type.size : 8;
	LLVMValueRef slot = cg_var_slot(cg, st->var_slot, size);
	LLVMValueRef v = cg_expr(cg, st->rhs);
	if (st->type.kind == T_TUPLE) {
		const struct type *home = &cg->probe->var_types[st->var_slot];
		cg_zero(cg, slot, home->size, 1);
		cg_store_as(cg, slot, home, v, &st->rhs->type);
	} else if (is_buffer(&st->type)) {
		cg_zero(cg, slot, st->type.size, 1);
		cg_copy(cg, slot, v, st->rhs->type.size);
	} else {
		store64(cg, v, slot);
	}
}

static void cg_if(struct cg *cg, struct node *st)
{
	LLVMValueRef c = to_bool(cg, cg_expr(cg, st->cond));
	LLVMBasicBlockRef bt = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "then");
	LLVMBasicBlockRef be = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "else");
	LLVMBasicBlockRef bd = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "endif");
	LLVMBuildCondBr(cg->b, c, bt, be);
	LLVMPositionBuilderAtEnd(cg->b, bt);
	cg_stmts(cg, st->then);
	LLVMBuildBr(cg->b, bd);
	LLVMPositionBuilderAtEnd(cg->b, be);
	cg_stmts(cg, st->els);
	LLVMBuildBr(cg->b, bd);
	LLVMPositionBuilderAtEnd(cg->b, bd);
}

static void cg_stmt(struct cg *cg, struct node *st)
{
	switch (st->kind) {
	case N_ASSIGN_MAP:
		if (st->map->mapinfo->agg)
			st->map->mapinfo->agg->codegen(cg, st->rhs, st->map);
		else
			cg_assign_plain(cg, st);
		break;
	case N_ASSIGN_VAR:
		cg_assign_var(cg, st);
		break;
	case N_IF:
		cg_if(cg, st);
		break;
	case N_UNROLL:
		for (int i = 0; i < st->ival; i++)
			cg_stmts(cg, st->then);
		break;
	case N_EXPR_STMT:
		cg_expr(cg, st->lhs);
		break;
	case N_FOR:
		cg_for(cg, st);
		break;
	case N_WHILE:
		cg_while(cg, st);
		break;
	case N_BREAK:
	case N_CONTINUE:
		cg_loop_jump(cg, st);
		break;
	default:
		break;
	}
}

void cg_stmts(struct cg *cg, struct node *n)
{
	for (; n; n = n->next) {
		cg->stmt = n;
		cg_stmt(cg, n);
		cg_release_temps(cg);
	}
}

void cg_probe_body(struct cg *cg, const struct probe *p)
{
	cg->var_sizes = p->var_sizes;
	if (p->pred) {
		LLVMValueRef c = to_bool(cg, cg_expr(cg, p->pred));
		LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "body");
		LLVMBasicBlockRef out = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "filtered");
		LLVMBuildCondBr(cg->b, c, body, out);
		cg_release_temps(cg);
		LLVMPositionBuilderAtEnd(cg->b, out);
		cg_return(cg);
		LLVMPositionBuilderAtEnd(cg->b, body);
	}
	cg_stmts(cg, p->body);
	cg_return(cg);
	cg_finish(cg);
}
