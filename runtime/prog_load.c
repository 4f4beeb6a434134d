/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading BPF programs, running the ones btctrace runs itself (BEGIN,
 * END, interval), and their run counts. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "runtime/attach.h"

#define ROOT_HINT "run it with sudo"
#define BUG_HINT "this is a btctrace bug if the script type-checked; " \
	"please report it with the script"
#define LOG_TAIL_LINES 40
#define LOG_START_SIZE (1u << 20)
#define LOG_MAX_SIZE (16u << 20)


/* The kernel refuses program names with anything but [A-Za-z0-9_.] and
 * keeps 15 characters; "usdt:net:inbound_message" must still load. */
static void kernel_prog_name(const char *name, char out[BPF_OBJ_NAME_LEN])
{
	size_t i = 0;
	for (; name[i] && i < BPF_OBJ_NAME_LEN - 1; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

static enum bpf_prog_type prog_type(enum prog_kind kind)
{
	return kind == PROG_RUN_ONCE ? BPF_PROG_TYPE_RAW_TRACEPOINT
				     : BPF_PROG_TYPE_KPROBE;
}

/* A program's functions: the program itself at 0, then the bodies of its
 * for loops (codegen/loops.c), each where an instruction takes its
 * address, and the library functions it calls (codegen/library.c).
 * Returns their number, starts sorted; *addressed says whether any
 * function's address is taken. */
#define MAX_FUNCS 64

static void add_start(uint32_t starts[MAX_FUNCS], int *nf, uint32_t at)
{
	int j = *nf;
	while (j > 0 && starts[j - 1] > at)
		j--;
	if ((j > 0 && starts[j - 1] == at) || *nf == MAX_FUNCS)
		return;
	memmove(&starts[j + 1], &starts[j], (*nf - j) * sizeof(starts[0]));
	starts[j] = at;
	(*nf)++;
}

static int func_starts(const struct bpf_insn *insns, size_t n, uint32_t starts[MAX_FUNCS],
		       bool *addressed)
{
	int nf = 1;
	starts[0] = 0;
	*addressed = false;
	for (size_t i = 0; i < n; i++) {
		bool func = insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    insns[i].src_reg == BPF_PSEUDO_FUNC && i + 1 < n;
		bool call = insns[i].code == (BPF_JMP | BPF_CALL) &&
			    insns[i].src_reg == BPF_PSEUDO_CALL;
		if (func || call)
			add_start(starts, &nf, (uint32_t)((long)i + 1 + insns[i].imm));
		*addressed |= func;
	}
	return nf;
}

/* The kernel takes a function's address (bpf_loop's callback) only in a
 * program that describes its functions in BTF: one prototype, the
 * program global, the loops' bodies static.  The verifier types their
 * arguments itself. */
static struct btf *funcs_btf(int nf, const uint32_t *starts, struct bpf_func_info *info)
{
	struct btf *btf = btf__new_empty();
	if (!btf)
		return NULL;
	int word = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	int proto = btf__add_func_proto(btf, word);
	const char *params[] = { "a", "b", "c", "d" };
	for (int i = 0; i < 4; i++)
		btf__add_func_param(btf, params[i], word);
	for (int i = 0; i < nf; i++) {
		char name[32];
		snprintf(name, sizeof(name), i ? "func%d" : "prog", i);
		info[i].insn_off = starts[i];
		info[i].type_id = btf__add_func(btf, name, i ? BTF_FUNC_STATIC : BTF_FUNC_GLOBAL,
						proto);
	}
	if (word < 0 || proto < 0 || (int)info[nf - 1].type_id < 0 ||
	    btf__load_into_kernel(btf)) {
		btf__free(btf);
		return NULL;
	}
	return btf;
}

static int load(enum prog_kind kind, const char *kname,
		const struct bpf_insn *insns, size_t ninsns,
		char *log, uint32_t log_size)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		.log_level = log ? 1 : 0,
		.log_buf = log,
		.log_size = log ? log_size : 0);
	if (kind == PROG_UPROBE_MULTI)
		opts.expected_attach_type =
			(enum bpf_attach_type)ATTACH_UPROBE_MULTI;
	uint32_t starts[MAX_FUNCS];
	struct bpf_func_info info[MAX_FUNCS];
	struct btf *btf = NULL;
	bool addressed;
	int nf = func_starts(insns, ninsns, starts, &addressed);
	/* Calls alone need no BTF; an address taken needs it for every
	 * function.  The BTF costs a load of its own. */
	if (addressed) {
		btf = funcs_btf(nf, starts, info);
		if (!btf)
			return -errno ? -errno : -EINVAL;
		opts.prog_btf_fd = btf__fd(btf);
		opts.func_info = info;
		opts.func_info_cnt = nf;
		opts.func_info_rec_size = sizeof(info[0]);
	}
	int fd = bpf_prog_load(prog_type(kind), kname, "GPL", insns, ninsns, &opts);
	btf__free(btf);
	return fd;
}

/* Reloads with the verifier log on, growing the buffer while the kernel
 * says it was too small.  Kernels 6.4+ keep the log's tail when it does
 * not fit, older ones its head; the tail is what explains the failure.
 * Returns the log (caller frees; may be NULL) and, in *fd, the result of
 * the last load, which can succeed if the first failure was transient. */
static char *load_with_log(enum prog_kind kind, const char *kname,
			   const struct bpf_insn *insns, size_t ninsns, int *fd)
{
	char *log = NULL;
	for (uint32_t size = LOG_START_SIZE; size <= LOG_MAX_SIZE; size *= 2) {
		char *bigger = realloc(log, size);
		if (!bigger)
			break;
		log = bigger;
		log[0] = '\0';
		*fd = load(kind, kname, insns, ninsns, log, size);
		if (*fd != -ENOSPC)
			break;
	}
	return log;
}

/* The last `lines` lines of text, without the final newline. */
static const char *tail_lines(char *text, int lines)
{
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	const char *p = text + n;
	while (p > text && lines > 0)
		if (*--p == '\n' && --lines == 0)
			return p + 1;
	return text;
}

/* A program with loops on a kernel without the helpers they call:
 * said as such, not as a verifier failure.  Whether the program calls
 * each helper does not matter: a kernel without bpf_loop (5.17) lacks
 * the others too, or has them all. */
static bool loops_unsupported(const char *name, const struct bpf_insn *insns, size_t ninsns)
{
	uint32_t starts[MAX_FUNCS];
	bool addressed;
	func_starts(insns, ninsns, starts, &addressed);
	if (!addressed)
		return false;
	static const struct { int id; const char *name, *since; } helpers[] = {
		{ BPF_FUNC_loop, "bpf_loop", "5.17" },
		{ BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem", "5.13" },
		{ BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem", "5.19" },
	};
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, helpers[i].id, NULL) == 0) {
			diag_error(NULL, "repeat a block with unroll(N) { ... } instead",
				   "the program for %s has loops (for, while), which need the kernel "
				   "helper %s (Linux %s); this kernel has none", name,
				   helpers[i].name, helpers[i].since);
			return true;
		}
	return false;
}

/* A keyless map's delete() and len() read every CPU's value of its array
 * (codegen/arrays.c) with a helper of Linux 5.19, loops or not. */
static bool percpu_lookup_unsupported(const char *name, const struct bpf_insn *insns,
				      size_t ninsns)
{
	bool calls = false;
	for (size_t i = 0; i < ninsns && !calls; i++)
		calls = insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0 &&
			insns[i].imm == BPF_FUNC_map_lookup_percpu_elem;
	if (!calls || libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE,
					      BPF_FUNC_map_lookup_percpu_elem, NULL) != 0)
		return false;
	diag_error(NULL, "give the map a key, e.g. @m[0], or use clear(@m)",
		   "the program for %s deletes or counts the entry of a map without keys "
		   "(delete(), len()), which needs the kernel helper "
		   "bpf_map_lookup_percpu_elem (Linux 5.19); this kernel has none", name);
	return true;
}

static int report_load_error(enum prog_kind kind, const char *name,
			     const char *kname, const struct bpf_insn *insns,
			     size_t ninsns, int err)
{
	if (err == -EPERM) {
		diag_error(NULL, ROOT_HINT,
			   "loading the BPF program for %s: %s; btctrace needs "
			   "root (or CAP_BPF and CAP_PERFMON)", name, strerror(-err));
		return err;
	}
	if (err == -EMFILE || err == -ENFILE) {
		/* Not the verifier's doing: each program and map is a file. */
		diag_error(NULL, "merge blocks that attach to the same probe, or raise "
			   "the limit with `ulimit -n`",
			   "cannot load the BPF program for %s: %s (btctrace holds one "
			   "file descriptor per program and per map)", name, strerror(-err));
		return err;
	}
	if (loops_unsupported(name, insns, ninsns) ||
	    percpu_lookup_unsupported(name, insns, ninsns))
		return err;
	int fd = -1;
	char *log = load_with_log(kind, kname, insns, ninsns, &fd);
	if (fd >= 0) {
		free(log);
		return fd;
	}
	const char *text = log ? tail_lines(log, LOG_TAIL_LINES) : "";
	if (strstr(text, "maps per program"))	/* the script's doing, not a bug */
		diag_error(NULL, "keep related values in one map with a key, e.g. "
			   "@v[\"name\"], or split the block",
			   "the block for %s uses more maps than the kernel lets one "
			   "program use (64, two of them btctrace's own)", name);
	else if (*text)
		diag_error(NULL, BUG_HINT,
			   "the kernel's verifier rejected the program for %s: %s\n%s",
			   name, strerror(-err), text);
	else
		diag_error(NULL, BUG_HINT,
			   "the kernel refused the program for %s: %s",
			   name, strerror(-err));
	free(log);
	return err;
}

int prog_load(enum prog_kind kind, const char *name,
	      const struct bpf_insn *insns, size_t ninsns)
{
	if (!name)
		name = "(unnamed)";
	char kname[BPF_OBJ_NAME_LEN];
	kernel_prog_name(name, kname);
	/* Fast path without a log: the verifier runs faster without one and
	 * a correct program never needs it. */
	int fd = load(kind, kname, insns, ninsns, NULL, 0);
	if (fd >= 0)
		return fd;
	return report_load_error(kind, name, kname, insns, ninsns, fd);
}

int prog_run_once(int prog_fd)
{
	/* raw_tp test runs take an empty context (BEGIN/END programs never
	 * read it) and run on the calling CPU unless a CPU flag is given. */
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err < 0)
		diag_error(NULL, err == -EPERM ? ROOT_HINT : BUG_HINT,
			   "running a BEGIN/END program in the kernel: %s",
			   strerror(-err));
	return err < 0 ? err : 0;
}

int prog_load_quiet(enum prog_kind kind, const char *name, const struct bpf_insn *insns,
		    size_t ninsns)
{
	char kname[BPF_OBJ_NAME_LEN];
	kernel_prog_name(name, kname);
	int fd = load(kind, kname, insns, ninsns, NULL, 0);
	return fd < 0 ? -errno : fd;
}

/* ---- run counts ---- */

int prog_stats_enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return fd < 0 ? -errno : fd;
}

bool prog_run_count(int prog_fd, uint64_t *runs)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	*runs = 0;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	*runs = info.run_cnt;
	return true;
}
