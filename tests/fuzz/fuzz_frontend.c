/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the front end: arbitrary bytes as a script go
 * through parse, attach-point resolution (against btcsim's notes and the
 * catalog), semantic checks and code generation to BPF instructions, all
 * in memory.  No map is created and nothing is loaded: the programs refer
 * to made-up map fds, which code generation only embeds as constants. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/builtins.h"
#include "codegen/compile.h"
#include "lang/diag.h"
#include "lang/sema.h"
#include "runtime/probe_kind.h"
#include "runtime/session.h"

/* A harness's state lives for the process: libFuzzer calls the entry
 * point once per input and gives it no context. */
static struct session session;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Thousands of inputs a second each print an error: not to the tty. */
	static FILE *quiet;
	if (!getenv("FUZZ_VERBOSE") && (quiet = fopen("/dev/null", "w")))
		diag_set_stream(quiet);
	const char *binary = getenv("FUZZ_BINARY");
	if (!binary)
		binary = FUZZ_DEFAULT_BINARY;
	struct session_opts opts = { .path = binary, .builtins = builtins_table(),
				     .quiet = true };
	if (session_open(&session, &opts) || compiler_new(&session.comp)) {
		fprintf(stderr, "fuzz_frontend: cannot set up a session\n");
		exit(1);
	}
	return 0;
}

static int resolve(struct program *prog)
{
	int rc = attach_split_all(prog);
	for (struct probe *p = prog->probes; p && !rc; p = p->next)
		for (struct attach_point *ap = p->points; ap && !rc; ap = ap->next)
			rc = probe_kind_of(ap->kind)->resolve(&session, ap);
	return rc;
}

/* Code generation for every variant of every attach point. */
static void compile_all(const struct program *prog)
{
	int fds[session.syms.nmaps ? session.syms.nmaps : 1];
	for (int i = 0; i < session.syms.nmaps; i++)
		fds[i] = 100 + i;
	struct cg_maps maps = { .map_fds = fds, .errors_fd = 98, .events_fd = 99 };
	for (const struct probe *p = prog->probes; p; p = p->next)
		for (const struct attach_point *ap = p->points; ap; ap = ap->next) {
			struct probe_variant *v;
			int n = probe_kind_of(ap->kind)->variants(&session, ap, &v);
			for (int i = 0; i < n; i++) {
				struct bpf_insn *insns;
				size_t ninsns;
				if (!compile_probe(session.comp, &session.syms, &maps, p, v[i].loc,
						   ap->spec, &insns, &ninsns))
					free(insns);
			}
			probe_variants_free(v, n);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The lexer reads a NUL-terminated text; len tells of NULs inside. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct source src = { .name = "fuzz.btc", .text = text, .len = size };
	struct program *prog;
	if (!parse_program(&src, &prog)) {
		session.cat.script = prog;
		struct sema_env env = { session.opts.builtins };
		session.syms.str_len = 64;
		if (!resolve(prog) && !sema_check(prog, &env, &session.syms))
			compile_all(prog);
		session.cat.script = NULL;
		program_free(prog);
		symtab_free(&session.syms);
		memset(&session.syms, 0, sizeof(session.syms));
	}
	free(text);
	return 0;
}
