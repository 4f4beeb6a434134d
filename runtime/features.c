/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The libbpf version and the kernel features btctrace relies on. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/attach.h"
#include "runtime/features.h"

/* The uprobe PMU's format lists ref_ctr_offset when the kernel can raise
 * a USDT semaphore itself (perf_event_attr.config bits 32-63). */
#define REF_CTR_FORMAT "/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset"

void runtime_features(struct runtime_features *f)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	f->libbpf_major = libbpf_major_version();
	f->libbpf_minor = libbpf_minor_version();
	if (uname(&u) == 0)
		snprintf(f->kernel, sizeof(f->kernel), "%s", u.release);
	else
		snprintf(f->kernel, sizeof(f->kernel), "?");
	f->ref_ctr = access(REF_CTR_FORMAT, F_OK) == 0 ? FEATURE_YES : FEATURE_NO;
	/* Probing loads a tiny program: without root the answer says
	 * nothing about the kernel. */
	if (attach_have_uprobe_multi())
		f->uprobe_multi = FEATURE_YES;
	else
		f->uprobe_multi = geteuid() == 0 ? FEATURE_NO : FEATURE_UNKNOWN;
}

int runtime_kfunc_btf_id(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC);
	btf__free(vmlinux);
	return id;
}

const char *feature_state_name(enum feature_state s)
{
	return s == FEATURE_YES ? "yes" : s == FEATURE_NO ? "no" : "unknown";
}
