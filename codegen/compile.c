/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compile driver: one LLVM module per probe block and argument
 * layout, emitted as a BPF ELF object in memory, from which the program's
 * instructions are taken as they are. */
#include "cg.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <stdlib.h>
#include <string.h>

#define PROG_SECTION "btctrace_prog"

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

#define STACK_HINT "use fewer or shorter strings in one statement or block: a smaller " \
	"N in str(x, N), a lower BPFTRACE_STRLEN, or split a printf in two"

/* The stack slots counted as they were made (new_slot): the statement
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

/* LLVM reports some backend errors (stack overflow) through the context's
 * handler instead of failing the emit: they become diagnostics here. */
static void on_llvm_diag(LLVMDiagnosticInfoRef info, void *arg)
{
	if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
		return;
	struct cg *cg = arg;
	char *msg = LLVMGetDiagInfoDescription(info);
	/* Spills may add to the stack slots codegen counted (stack_check). */
	if (!cg->llvm_error && strstr(msg, "stack limit"))
		diag_error(&cg->probe->loc, STACK_HINT, "this block needs more than the %d bytes "
			   "of stack the kernel gives a BPF program", BPF_STACK);
	else if (!cg->llvm_error)
		diag_error(NULL, "this is a btctrace bug; please report the script",
			   "internal error from LLVM: %s", msg);
	cg->llvm_error = true;
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
static void cg_function(struct cg *cg)
{
	LLVMTypeRef fty = LLVMFunctionType(cg->i64, &cg->i8p, 1, 0);
	cg->fn = LLVMAddFunction(cg->mod, "prog", fty);
	LLVMSetSection(cg->fn, PROG_SECTION);
	cg->ctxp = LLVMGetParam(cg->fn, 0);
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "entry");
	LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "start");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	LLVMBuildBr(cg->b, start);
	LLVMPositionBuilderAtEnd(cg->b, start);
}

static int find_section(Elf *elf, const char *name, Elf_Data **data)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOEXEC;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			*data = elf_getdata(scn, NULL);
			return 0;
		}
	}
	return -ENOENT;
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

static int extract_program(const char *obj, size_t size, const char *name,
			   struct bpf_insn **insns, size_t *ninsns)
{
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory((char *)obj, size);
	Elf_Data *text = NULL, *rel = NULL;
	int rc = -ENOEXEC;
	if (!elf)
		goto out;
	if (find_section(elf, ".rel" PROG_SECTION, &rel) == 0) {
		rc = diag_error(NULL, "this is a btctrace bug; please report the script",
				"internal error: the program for %s needs relocations", name);
		goto out;
	}
	if (find_section(elf, PROG_SECTION, &text) || !text || !text->d_size)
		goto out;
	*insns = malloc(text->d_size);
	memcpy(*insns, text->d_buf, text->d_size);
	*ninsns = text->d_size / 8;
	mark_kfunc_calls(*insns, *ninsns);
	rc = 0;
out:
	if (elf)
		elf_end(elf);
	if (rc == -ENOEXEC)
		diag_error(NULL, NULL, "internal error: no BPF code emitted for %s", name);
	return rc;
}

static int emit(struct compiler *c, LLVMModuleRef mod, const char *name,
		struct bpf_insn **insns, size_t *ninsns)
{
	char *err = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &err)) {
		int rc = diag_error(NULL, "this is a btctrace bug; please report the script",
				    "internal error: invalid IR for %s: %s", name, err);
		LLVMDisposeMessage(err);
		return rc;
	}
	LLVMDisposeMessage(err);
	LLVMMemoryBufferRef buf;
	if (LLVMTargetMachineEmitToMemoryBuffer(c->tm, mod, LLVMObjectFile, &err, &buf)) {
		int rc = diag_error(NULL, NULL, "LLVM could not compile %s: %s", name, err);
		LLVMDisposeMessage(err);
		return rc;
	}
	int rc = extract_program(LLVMGetBufferStart(buf), LLVMGetBufferSize(buf), name,
				 insns, ninsns);
	LLVMDisposeMemoryBuffer(buf);
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

int compile_probe(struct compiler *c, const struct symtab *syms, const struct cg_maps *maps,
		  const struct probe *p, const struct usdt_location *loc,
		  const char *name, struct bpf_insn **insns, size_t *ninsns)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext(name, ctx);
	LLVMSetTarget(mod, "bpfel");
	struct cg cg = { .syms = syms, .maps = maps, .loc = loc, .probe = p };
	cg_init(&cg, ctx, mod);
	LLVMContextSetDiagnosticHandler(ctx, on_llvm_diag, &cg);
	cg_function(&cg);
	cg_probe_body(&cg, p);

	free(c->last_ir);
	c->last_ir = LLVMPrintModuleToString(mod);
	int rc = stack_check(&cg, p);
	if (!rc)
		rc = emit(c, mod, name, insns, ninsns);
	if (!rc && (cg.llvm_error || check_jumps(p, name, *insns, *ninsns))) {
		free(*insns);
		*insns = NULL;
		rc = -EINVAL;
	}
	LLVMDisposeBuilder(cg.b);
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	return rc;
}

const char *codegen_llvm_version(void)
{
	return BTCTRACE_LLVM_VERSION;
}
