/* SPDX-License-Identifier: GPL-3.0-or-later */
/* btctrace --version: what a bug report needs to know. */
#include "btctrace_version.h"
#include "cli/version.h"
#include "codegen/compile.h"
#include "runtime/features.h"

void print_version(FILE *f)
{
	struct runtime_features rf;

	runtime_features(&rf);
	fprintf(f, "btctrace %s\n", BTCTRACE_VERSION);
	fprintf(f, "LLVM %s, libbpf %u.%u\n", codegen_llvm_version(), rf.libbpf_major,
		rf.libbpf_minor);
	fprintf(f, "kernel %s: uprobe_multi %s, ref_ctr_offset %s\n", rf.kernel,
		feature_state_name(rf.uprobe_multi), feature_state_name(rf.ref_ctr));
}
