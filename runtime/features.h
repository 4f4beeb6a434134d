/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the runtime sees of its libraries and the kernel, for
 * btctrace --version: the libbpf it runs with and the kernel features
 * attaching depends on. */
#ifndef BTCTRACE_FEATURES_H
#define BTCTRACE_FEATURES_H

#include <stddef.h>

enum feature_state { FEATURE_NO, FEATURE_YES, FEATURE_UNKNOWN };

struct runtime_features {
	unsigned libbpf_major, libbpf_minor;	/* the libbpf loaded, not built against */
	char kernel[128];			/* uname's release */
	enum feature_state uprobe_multi;	/* one link for many uprobes (6.6+);
						 * UNKNOWN without the rights to probe */
	enum feature_state ref_ctr;		/* uprobes raise semaphores (4.20+) */
};

void runtime_features(struct runtime_features *f);

/* The BTF id of the kernel function `name` in the running kernel's BTF,
 * or -errno (-ENOENT: the kernel has no such function). */
int runtime_kfunc_btf_id(const char *name);

/* "yes", "no" or "unknown". */
const char *feature_state_name(enum feature_state s);

#endif
