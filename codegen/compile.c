/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Compiling probe blocks: every program of a script is one function of
 * one LLVM module, in a section of its own, emitted once as a BPF ELF
 * object in memory; each program's instructions are taken from its
 * section as they are.  One context, pass pipeline and emission for the
 * whole script is what makes a block cost little more than its code. */
#include "cg.h"
#include "subprogs.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG_SECTION "btctrace_prog_"

struct compiler {
	LLVMTargetMachineRef tm;
	char *last_ir;
};

int compiler_new(struct compiler **out)
{
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	LLVMTargetRef target;
	char *err = NULL;
	if (LLVMGetTargetFromTriple("bpfel", &target, &err)) {
		int rc = diag_error(NULL, "this LLVM was built without the BPF target",
				    "cannot find LLVM's BPF target: %s", err);
		LLVMDisposeMessage(err);
		return rc;
	}
	struct compiler *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->tm = LLVMCreateTargetMachine(target, "bpfel", "v3", "", LLVMCodeGenLevelDefault,
					LLVMRelocDefault, LLVMCodeModelDefault);
	*out = c;
	return 0;
}

void compiler_free(struct compiler *c)
{
	if (!c)
		return;
	LLVMDisposeTargetMachine(c->tm);
	free(c->last_ir);
	free(c);
}

char *compiler_last_ir(struct compiler *c)
{
	return c->last_ir;
}

/* Strings and buffers are in scratch space: what fills the stack is
 * integers (variables, temporaries), comm and small keys. */
#define STACK_HINT "use fewer values at once: fewer variables, or fewer arguments in " \
	"one statement, or split the work between blocks"

/* The stack slots counted as they were made (cg_new_slot): the statement
 * that takes them past the kernel's 512 bytes is named, and nothing is
 * left for LLVM to fail on with no location. */
static int stack_check(const struct cg *cg, const struct probe *p)
{
	if (cg->stack_over_pred)
		return diag_error(p->pred ? &p->pred->loc : &p->loc, STACK_HINT,
				  "this predicate needs %d bytes of stack; a BPF program has "
				  "%d", cg->stack_over_used, BPF_STACK);
	if (cg->stack_over)
		return diag_error(&cg->stack_over->loc, STACK_HINT, "this statement takes the "
				  "block's stack to %d bytes; a BPF program has %d",
				  cg->stack_over_used, BPF_STACK);
	return 0;
}

#define SCRATCH_HINT "use fewer or shorter strings and payloads in one block: a smaller " \
	"N in str(x, N), a lower BPFTRACE_STRLEN, or split the work between blocks"

/* Strings and buffers of a block share SCRATCH_SIZE bytes of scratch
 * space; a printf's record has to fit the ring buffer. */
static int space_check(const struct cg *cg, const struct probe *p)
{
	if (cg->scratch_over_pred)
		return diag_error(p->pred ? &p->pred->loc : &p->loc, SCRATCH_HINT,
				  "this predicate needs %d bytes of scratch space for its "
				  "strings; a block has %d", cg->scratch_over_used, SCRATCH_SIZE);
	if (cg->scratch_over)
		return diag_error(&cg->scratch_over->loc, SCRATCH_HINT, "this statement takes "
				  "the block's scratch space for strings and buffers to %d "
				  "bytes; a block has %d", cg->scratch_over_used, SCRATCH_SIZE);
	if (cg->record_over)
		return diag_error(&cg->record_over->loc, "print fewer or shorter strings and "
				  "payloads at once, or split the printf in two", "this sends a "
				  "record of %d bytes; a record is at most %d",
				  cg->record_over_size, EVENT_RECORD_MAX);
	return stack_check(cg, p);
}

/* One program of a batch: where it came from and, after the emission,
 * its instructions. */
struct batch_prog {
	const struct probe *probe;
	char *name;
	char *ir;		/* its function's IR, when the batch keeps it */
	struct bpf_insn *insns;
	size_t ninsns;
};

struct compile_batch {
	struct compiler *c;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	struct batch_prog *progs;
	int nprogs, cap;
	bool quiet;		/* LLVM's errors are left to a retry alone */
	bool keep_ir;		/* each program's IR, for the REPL's .ir */
	bool llvm_error;
	const struct probe *building;	/* for LLVM's errors, alone */
	/* What emit_object() made or met, for finish() to report. */
	LLVMMemoryBufferRef obj;
	char *invalid_ir, *emit_err;
};

/* LLVM reports some backend errors (stack overflow) through the context's
 * handler instead of failing the emit.  Alone, a block's error becomes a
 * diagnostic at its place; in a batch LLVM does not say which function
 * failed, so the batch fails quietly and each block is compiled alone. */
static void on_llvm_diag(LLVMDiagnosticInfoRef info, void *arg)
{
	if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
		return;
	struct compile_batch *b = arg;
	char *msg = LLVMGetDiagInfoDescription(info);
	/* Spills may add to the stack slots codegen counted (stack_check). */
	if (b->quiet || b->llvm_error)
		;
	else if (strstr(msg, "stack limit"))
		diag_error(&b->building->loc, STACK_HINT, "this block needs more than the %d "
			   "bytes of stack the kernel gives a BPF program", BPF_STACK);
	else
		diag_error(NULL, "this is a btctrace bug; please report the script",
			   "internal error from LLVM: %s", msg);
	b->llvm_error = true;
	LLVMDisposeMessage(msg);
}

static void cg_init(struct cg *cg, LLVMContextRef ctx, LLVMModuleRef mod)
{
	cg->ctx = ctx;
	cg->mod = mod;
	cg->b = LLVMCreateBuilderInContext(ctx);
	cg->i8 = LLVMInt8TypeInContext(ctx);
	cg->i16 = LLVMInt16TypeInContext(ctx);
	cg->i32 = LLVMInt32TypeInContext(ctx);
	cg->i64 = LLVMInt64TypeInContext(ctx);
	cg->i8p = LLVMPointerType(cg->i8, 0);
	cg->i64p = LLVMPointerType(cg->i64, 0);
}

/* The entry block holds stack slots and their zeroing, then jumps on. */
static void cg_function(struct cg *cg, int index)
{
	char fname[32], section[48];
	snprintf(fname, sizeof(fname), "prog_%d", index);
	snprintf(section, sizeof(section), PROG_SECTION "%d", index);
	LLVMTypeRef fty = LLVMFunctionType(cg->i64, &cg->i8p, 1, 0);
	cg->fn = LLVMAddFunction(cg->mod, fname, fty);
	LLVMSetSection(cg->fn, section);
	cg->ctxp = LLVMGetParam(cg->fn, 0);
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "entry");
	LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "start");
	cg->ret_bb = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "out");
	LLVMPositionBuilderAtEnd(cg->b, cg->ret_bb);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	LLVMBuildBr(cg->b, start);
	LLVMPositionBuilderAtEnd(cg->b, start);
}

/* A program's section in the object: its code, and its relocations when
 * its loops' bodies are named in it (codegen/loops.c). */
struct prog_scn {
	Elf_Data *text;
	size_t shndx;
	Elf_Scn *rel;
};

/* The sections named PROG_SECTION<i> and .rel<those>, by i, and the
 * library's: one pass over the object. */
static int find_programs(Elf *elf, struct prog_scn *progs, int n, Elf_Scn **symtab,
			 struct prog_scn *lib)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOEXEC;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB)
			*symtab = scn;
		bool rel = name && !strncmp(name, ".rel", 4);
		if (rel)
			name += 4;
		if (name && !strcmp(name, LIBRARY_SECTION)) {
			if (rel)
				lib->rel = scn;
			lib->text = rel ? lib->text : elf_getdata(scn, NULL);
			lib->shndx = rel ? lib->shndx : elf_ndxscn(scn);
			continue;
		}
		if (!name || strncmp(name, PROG_SECTION, strlen(PROG_SECTION)))
			continue;
		int i = atoi(name + strlen(PROG_SECTION));
		if (i < 0 || i >= n)
			continue;
		if (rel) {
			progs[i].rel = scn;
		} else {
			progs[i].text = elf_getdata(scn, NULL);
			progs[i].shndx = elf_ndxscn(scn);
		}
	}
	return 0;
}

#define RELOC_BUG(what) diag_error(NULL, "this is a btctrace bug; please report the script", \
				   "internal error: a program needs a relocation (%s)", what)

/* A call to a library function: marked, for cg_link_library() once the
 * program's dead functions are cut.  As libbpf reads it, the callee is
 * the symbol's instruction plus imm + 1. */
static int mark_library_call(const GElf_Sym *sym, struct bpf_insn *call)
{
	int64_t target = (int64_t)(GELF_ST_TYPE(sym->st_info) == STT_SECTION ? 0 : sym->st_value) / 8 +
			 call->imm + 1;
	if (target < 0 || target > INT32_MAX)
		return RELOC_BUG("a call outside the library");
	call->src_reg = BPF_PSEUDO_CALL;
	call->off = LIBRARY_CALL_MARK;
	call->imm = (int32_t)target;
	return 0;
}

/* The relocations a program may carry: the address of one of its loops'
 * bodies, a function of the same section, as a 64-bit immediate (what
 * bpf_loop takes), which the kernel reads as an instruction offset marked
 * BPF_PSEUDO_FUNC, as libbpf would write it; and calls to library
 * functions. */
static int apply_relocs(Elf *elf, const struct prog_scn *ps, size_t lib_shndx,
			struct bpf_insn *insns, size_t n)
{
	GElf_Shdr rsh;
	gelf_getshdr(ps->rel, &rsh);
	Elf_Data *rels = elf_getdata(ps->rel, NULL);
	Elf_Data *syms = elf_getdata(elf_getscn(elf, rsh.sh_link), NULL);
	for (size_t r = 0; rels && syms && r < rsh.sh_size / sizeof(GElf_Rel); r++) {
		GElf_Rel rel;
		GElf_Sym sym;
		if (!gelf_getrel(rels, (int)r, &rel) ||
		    !gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym))
			return RELOC_BUG("unreadable");
		size_t at = rel.r_offset / 8;
		if (at < n && insns[at].code == (BPF_JMP | BPF_CALL) && lib_shndx &&
		    sym.st_shndx == lib_shndx) {
			if (mark_library_call(&sym, &insns[at]))
				return -ENOEXEC;
			continue;
		}
		if (at + 1 >= n || insns[at].code != (BPF_LD | BPF_IMM | BPF_DW) ||
		    sym.st_shndx != ps->shndx)
			return RELOC_BUG("not a loop's body");
		uint64_t target = (GELF_ST_TYPE(sym.st_info) == STT_SECTION ? 0 : sym.st_value) +
				  (uint32_t)insns[at].imm;
		if (target % 8 || target / 8 >= n)
			return RELOC_BUG("outside the program");
		insns[at].src_reg = BPF_PSEUDO_FUNC;
		insns[at].imm = (int32_t)(target / 8 - at - 1);
		insns[at + 1].imm = 0;
	}
	return rels && syms ? 0 : RELOC_BUG("unreadable");
}

/* Loop bodies no live code takes the address of: cut (codegen/subprogs.c). */
static int prune(Elf_Scn *symtab, const struct prog_scn *ps, struct bpf_insn *insns,
		 size_t *ninsns)
{
	GElf_Shdr ssh;
	Elf_Data *syms = symtab ? elf_getdata(symtab, NULL) : NULL;
	if (!syms || !gelf_getshdr(symtab, &ssh) || !ssh.sh_entsize)
		return 0;	/* no symbols: no functions but the program */
	return cg_prune_subprogs(syms, ssh.sh_size / ssh.sh_entsize, ps->shndx, insns, ninsns);
}

/* Code calls a kernel function as a helper whose id is the function's BTF
 * id (builtins/gen_maps.c); helper ids stay below __BPF_FUNC_MAX_ID, so a
 * larger one is a kernel function's. */
static void mark_kfunc_calls(struct bpf_insn *insns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0 &&
		    insns[i].imm >= __BPF_FUNC_MAX_ID)
			insns[i].src_reg = BPF_PSEUDO_KFUNC_CALL;
}

/* The library as cg_link_library() reads it; a library function's own
 * relocations would be calls or addresses this linking does not make. */
static int library_of(Elf_Scn *symtab, const struct prog_scn *ls, struct library *lib)
{
	GElf_Shdr ssh;
	*lib = (struct library){ 0 };
	if (!ls->text)
		return 0;
	if (ls->rel || !symtab || !gelf_getshdr(symtab, &ssh) || !ssh.sh_entsize)
		return RELOC_BUG("in the library");
	*lib = (struct library){ .insns = ls->text->d_buf, .ninsns = ls->text->d_size / 8,
				 .shndx = ls->shndx };
	lib->nfns = cg_read_spans(elf_getdata(symtab, NULL), ssh.sh_size / ssh.sh_entsize,
				  ls->shndx, lib->ninsns, lib->fns);
	return 0;
}

static int extract_programs(struct compile_batch *b, const char *obj, size_t size)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory((char *)obj, size);
	struct prog_scn *ps = calloc(b->nprogs, sizeof(*ps));
	struct prog_scn ls = { 0 };
	Elf_Scn *symtab = NULL;
	struct library lib;
	int rc = !elf || !ps ? -ENOMEM : find_programs(elf, ps, b->nprogs, &symtab, &ls);
	if (!rc)
		rc = library_of(symtab, &ls, &lib);
	for (int i = 0; i < b->nprogs && !rc; i++) {
		struct batch_prog *bp = &b->progs[i];
		if (!ps[i].text || !ps[i].text->d_size) {
			rc = diag_error(NULL, NULL, "internal error: no BPF code emitted for %s",
					bp->name);
			break;
		}
		bp->insns = malloc(ps[i].text->d_size);
		if (!bp->insns) {
			rc = -ENOMEM;
			break;
		}
		memcpy(bp->insns, ps[i].text->d_buf, ps[i].text->d_size);
		bp->ninsns = ps[i].text->d_size / 8;
		if (ps[i].rel)
			rc = apply_relocs(elf, &ps[i], lib.shndx, bp->insns, bp->ninsns);
		if (!rc)
			rc = prune(symtab, &ps[i], bp->insns, &bp->ninsns);
		if (!rc && (rc = cg_link_library(&bp->insns, &bp->ninsns, &lib)) == -ENOEXEC)
			rc = RELOC_BUG("a library call");
		mark_kfunc_calls(bp->insns, bp->ninsns);
	}
	free(ps);
	if (elf)
		elf_end(elf);
	return rc;
}

void cg_probe_body(struct cg *cg, const struct probe *p);

/* A jump's offset is 16 bits: past this many instructions LLVM may emit
 * one that wraps (LLVM 14 does so silently).  Sema's limits keep programs
 * far below it; this check is the safety net. */
#define JUMP_REACH 32767

/* Every jump lands inside the program, and the program is small enough
 * that no jump can have wrapped: else wrong code would be loaded. */
static int check_jumps(const struct probe *p, const char *name, const struct bpf_insn *insns,
		       size_t n)
{
	if (n > JUMP_REACH)
		return diag_error(&p->loc, "unroll fewer times, or split the work between "
				  "blocks", "this block compiles to %zu BPF instructions for %s; "
				  "at most %d fit, as a jump reaches %d instructions",
				  n, name, JUMP_REACH, JUMP_REACH);
	for (size_t i = 0; i < n; i++) {
		uint8_t cls = BPF_CLASS(insns[i].code), op = BPF_OP(insns[i].code);
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
			i++;	/* a 64-bit constant takes two instructions */
			continue;
		}
		if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL || op == BPF_EXIT)
			continue;
		long long to = (long long)i + 1 + insns[i].off;
		if (to < 0 || to >= (long long)n)
			return diag_error(&p->loc, "this is a btctrace bug; please report the script",
					  "internal error: instruction %zu of %s jumps to %lld, "
					  "outside its %zu instructions", i, name, to, n);
	}
	return 0;
}

static void print_function(FILE *f, LLVMValueRef fn)
{
	char *text = LLVMPrintValueToString(fn);
	fputs(text, f);
	LLVMDisposeMessage(text);
}

/* A program's IR: its function, then its loops' bodies, the functions of
 * its section made after it, then the library's functions so far. */
static char *program_ir(LLVMValueRef fn)
{
	const char *section = LLVMGetSection(fn);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	for (LLVMValueRef g = fn; g; g = LLVMGetNextFunction(g)) {
		const char *s = LLVMGetSection(g);
		if (g == fn || (s && !strcmp(s, section)))
			print_function(f, g);
	}
	for (LLVMValueRef g = LLVMGetFirstFunction(LLVMGetGlobalParent(fn)); g;
	     g = LLVMGetNextFunction(g)) {
		const char *s = LLVMGetSection(g);
		if (s && !strcmp(s, LIBRARY_SECTION))
			print_function(f, g);
	}
	fclose(f);
	return out;
}

int compile_batch_new(struct compiler *c, bool quiet, bool keep_ir, struct compile_batch **out)
{
	struct compile_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->c = c;
	b->quiet = quiet;
	b->keep_ir = keep_ir;
	b->ctx = LLVMContextCreate();
	b->mod = LLVMModuleCreateWithNameInContext("btctrace", b->ctx);
	LLVMSetTarget(b->mod, "bpfel");
	LLVMContextSetDiagnosticHandler(b->ctx, on_llvm_diag, b);
	*out = b;
	return 0;
}

void compile_batch_free(struct compile_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->nprogs; i++) {
		free(b->progs[i].name);
		free(b->progs[i].ir);
		free(b->progs[i].insns);
	}
	free(b->progs);
	if (b->obj)
		LLVMDisposeMemoryBuffer(b->obj);
	LLVMDisposeMessage(b->invalid_ir);
	LLVMDisposeMessage(b->emit_err);
	LLVMDisposeModule(b->mod);
	LLVMContextDispose(b->ctx);
	free(b);
}

int compile_batch_add(struct compile_batch *b, const struct symtab *syms,
		      const struct cg_maps *maps, const struct probe *p,
		      const struct usdt_location *loc, const char *name)
{
	if (b->nprogs == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;
		struct batch_prog *v = realloc(b->progs, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->progs = v;
		b->cap = cap;
	}
	struct cg cg = { .syms = syms, .maps = maps, .loc = loc, .probe = p };
	cg_init(&cg, b->ctx, b->mod);
	cg_function(&cg, b->nprogs);
	cg_probe_body(&cg, p);
	LLVMDisposeBuilder(cg.b);
	int rc = cg.failed ? -EINVAL : space_check(&cg, p);
	if (rc)
		return rc;
	b->building = p;
	/* Printed now: emitting rewrites the IR (CodeGenPrepare). */
	char *ir = b->keep_ir ? program_ir(cg.fn) : NULL;
	b->progs[b->nprogs++] = (struct batch_prog){ .probe = p, .name = strdup(name), .ir = ir };
	return b->nprogs - 1;
}

/* Verifies and emits the module: LLVM's work alone, printing nothing, so
 * that another thread may do it; finish() reports what it met. */
void compile_batch_emit_object(struct compile_batch *b)
{
	char *err = NULL;
	if (LLVMVerifyModule(b->mod, LLVMReturnStatusAction, &err)) {
		b->invalid_ir = err;
		return;
	}
	LLVMDisposeMessage(err);
	if (LLVMTargetMachineEmitToMemoryBuffer(b->c->tm, b->mod, LLVMObjectFile, &err, &b->obj))
		b->emit_err = err;
}

/* The emitted object split into programs, each checked. */
int compile_batch_finish(struct compile_batch *b)
{
	int rc;
	if (b->invalid_ir)
		return diag_error(NULL, "this is a btctrace bug; please report the script",
				  "internal error: invalid IR: %s", b->invalid_ir);
	if (b->emit_err)
		return diag_error(NULL, NULL, "LLVM could not compile the script: %s",
				  b->emit_err);
	rc = b->llvm_error ? -EAGAIN
			   : extract_programs(b, LLVMGetBufferStart(b->obj), LLVMGetBufferSize(b->obj));
	for (int i = 0; i < b->nprogs && !rc; i++)
		rc = check_jumps(b->progs[i].probe, b->progs[i].name, b->progs[i].insns,
				 b->progs[i].ninsns);
	return rc;
}

/* Verifies and emits the module once, then splits it into programs. */
int compile_batch_emit(struct compile_batch *b)
{
	compile_batch_emit_object(b);
	return compile_batch_finish(b);
}

const struct bpf_insn *compile_batch_program(const struct compile_batch *b, int i, size_t *n)
{
	*n = b->progs[i].ninsns;
	return b->progs[i].insns;
}

const char *compile_batch_ir(const struct compile_batch *b, int i)
{
	return b->progs[i].ir;
}

int compile_probe(struct compiler *c, const struct symtab *syms, const struct cg_maps *maps,
		  const struct probe *p, const struct usdt_location *loc,
		  const char *name, struct bpf_insn **insns, size_t *ninsns)
{
	struct compile_batch *b;
	int rc = compile_batch_new(c, false, false, &b);
	if (rc)
		return rc;
	/* Alone, the module is named after the probe, as its IR shows. */
	LLVMSetModuleIdentifier(b->mod, name, strlen(name));
	rc = compile_batch_add(b, syms, maps, p, loc, name);
	free(c->last_ir);
	c->last_ir = LLVMPrintModuleToString(b->mod);
	if (rc >= 0)
		rc = compile_batch_emit(b);
	if (!rc) {
		*insns = b->progs[0].insns;
		*ninsns = b->progs[0].ninsns;
		b->progs[0].insns = NULL;
	}
	compile_batch_free(b);
	return rc == -EAGAIN ? -EINVAL : rc;
}

const char *codegen_llvm_version(void)
{
	return BTCTRACE_LLVM_VERSION;
}
