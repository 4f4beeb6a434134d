/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runtime/attach.c against the real kernel: this binary carries its own
 * USDT probes with semaphores and attaches a counting program to them,
 * once through uprobe_multi and once through per-location perf events. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include "runtime/attach.h"
#include "lang/diag.h"
#include "tests/unit/check.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Kept in .probes like Bitcoin Core's: the kernel raises them through
 * ref_ctr_offset while a tracer is attached. */
unsigned short btctest_hit_semaphore __attribute__((section(".probes")));
unsigned short btctest_more_semaphore __attribute__((section(".probes")));

static unsigned sem(const unsigned short *s)
{
	return *(const volatile unsigned short *)s;
}

/* A clone of a probe function would carry a second copy of its probe. */
#ifdef __clang__
#define PROBE_FN __attribute__((noinline))
#else
#define PROBE_FN __attribute__((noipa))
#endif

static PROBE_FN void hit(int x, int force)
{
	if (sem(&btctest_hit_semaphore) || force)
		STAP_PROBE1(btctest, hit, x);
}

/* Four more locations of one probe, as an inlined probe would have. */
static PROBE_FN void more(int x)
{
	if (sem(&btctest_more_semaphore)) {
		STAP_PROBE1(btctest, more, x);
		STAP_PROBE1(btctest, more, x + 1);
		STAP_PROBE1(btctest, more, x + 2);
		STAP_PROBE1(btctest, more, x + 3);
	}
}

/* ---- a small .note.stapsdt reader ------------------------------------ */

struct probe_locs {
	struct uprobe_loc hit;
	struct uprobe_loc more[4];
	int nmore;
};

static uint64_t vaddr_to_offset(Elf *elf, uint64_t vaddr)
{
	size_t n;
	if (elf_getphdrnum(elf, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

static Elf_Scn *find_section(Elf *elf, const char *want, GElf_Shdr *sh)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		const char *name = gelf_getshdr(scn, sh) ?
			elf_strptr(elf, shstrndx, sh->sh_name) : NULL;
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

static void add_note(Elf *elf, struct probe_locs *p, const char *desc,
		     uint64_t base_fix)
{
	uint64_t w[3];
	memcpy(w, desc, sizeof(w));
	const char *provider = desc + sizeof(w);
	const char *name = provider + strlen(provider) + 1;
	if (strcmp(provider, "btctest"))
		return;
	struct uprobe_loc loc = {
		.offset = vaddr_to_offset(elf, w[0] + base_fix),
		.ref_ctr_offset = vaddr_to_offset(elf, w[2]),
	};
	if (!strcmp(name, "hit"))
		p->hit = loc;
	else if (!strcmp(name, "more") && p->nmore < 4)
		p->more[p->nmore++] = loc;
}

static int read_probes(const char *path, struct probe_locs *p)
{
	memset(p, 0, sizeof(*p));
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY);
	Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	GElf_Shdr sh, base_sh;
	Elf_Scn *notes = elf ? find_section(elf, ".note.stapsdt", &sh) : NULL;
	Elf_Scn *base = elf ? find_section(elf, ".stapsdt.base", &base_sh) : NULL;
	Elf_Data *data = notes ? elf_getdata(notes, NULL) : NULL;
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;
	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
		const char *d = data->d_buf;
		if (nh.n_type != 3 || strcmp(d + name_off, "stapsdt"))
			continue;
		uint64_t sdt_base;
		memcpy(&sdt_base, d + desc_off + 8, 8);
		add_note(elf, p, d + desc_off, base ? base_sh.sh_addr - sdt_base : 0);
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return p->hit.offset && p->nmore == 4 ? 0 : -1;
}

/* ---- a counting BPF program ------------------------------------------ */

/* map[0] += 1; return 0.  The same bytes serve every program kind. */
static int counter_prog(enum prog_kind kind, int map_fd)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ .code = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_0, .off = 2 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_DW | BPF_ATOMIC, .dst_reg = BPF_REG_0,
		  .src_reg = BPF_REG_1, .imm = BPF_ADD },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	return prog_load(kind, "test:counter", insns, sizeof(insns) / sizeof(insns[0]));
}

static long long counter(int map_fd)
{
	uint32_t key = 0;
	uint64_t v = 0;
	return bpf_map_lookup_elem(map_fd, &key, &v) ? -1 : (long long)v;
}

static void reset(int map_fd)
{
	uint32_t key = 0;
	uint64_t v = 0;
	bpf_map_update_elem(map_fd, &key, &v, BPF_ANY);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What was written to f so far (caller frees). */
static char *captured(FILE *f)
{
	long n = ftell(f);
	char *s = calloc(1, n > 0 ? (size_t)n + 1 : 1);
	rewind(f);
	if (n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	return s;
}

/* ---- tests ------------------------------------------------------------- */

static void test_bad_programs(void)
{
	const struct bpf_insn uninit_r2[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_0,
		  .src_reg = BPF_REG_2 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const struct bpf_insn no_exit[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
	};
	FILE *f = tmpfile();
	diag_set_stream(f);
	int fd = prog_load(PROG_UPROBE, "usdt:test:uninit", uninit_r2, 2);
	CHECK(fd < 0 && fd != -EINVAL);	/* the verifier's EACCES, not diag's */
	CHECK_INT(fd, -EACCES);
	int fd2 = prog_load(PROG_RUN_ONCE, "BEGIN", no_exit, 1);
	CHECK(fd2 < 0);
	diag_set_stream(NULL);
	char *out = captured(f);
	fclose(f);
	CHECK(strstr(out, "verifier rejected the program for usdt:test:uninit"));
	CHECK(strstr(out, "R2 !read_ok"));
	CHECK(strstr(out, "program for BEGIN"));
	CHECK(strstr(out, "hint: this is a btctrace bug"));
	fprintf(stderr, "--- captured verifier report ---\n%s", out);
	free(out);
}

/* An unprivileged process gets EPERM and the hint to use sudo. */
static void test_eperm(int map_fd)
{
	pid_t child = fork();
	if (child == 0) {
		FILE *f = tmpfile();
		diag_set_stream(f);
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		int fd = counter_prog(PROG_UPROBE, map_fd);
		char *out = captured(f);
		_exit(fd == -EPERM && strstr(out, "hint: run it with sudo") ? 0 : 1);
	}
	int status = 0;
	waitpid(child, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_run_once(int map_fd)
{
	int fd = counter_prog(PROG_RUN_ONCE, map_fd);
	CHECK(fd >= 0);
	reset(map_fd);
	CHECK_INT(prog_run_once(fd), 0);
	CHECK_INT(prog_run_once(fd), 0);
	CHECK_INT(counter(map_fd), 2);
	close(fd);
}

struct ctx {
	const char *mode;
	const char *exe;
	int prog_fd, map_fd;
	const struct probe_locs *locs;
};

static double timed_detach(struct attachment *a)
{
	double t0 = now_ms();
	detach_uprobes(a);
	return now_ms() - t0;
}

/* One location, every process: the semaphore follows attach and detach,
 * and every hit counts. */
static void test_one_location(const struct ctx *c)
{
	struct attachment *a = NULL;
	reset(c->map_fd);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
	double t0 = now_ms();
	CHECK_INT(attach_uprobes(c->prog_fd, c->exe, -1, &c->locs->hit, 1, &a), 0);
	double t_attach = now_ms() - t0;
	CHECK(a != NULL);
	CHECK(sem(&btctest_hit_semaphore) > 0);
	for (int i = 0; i < 10; i++)
		hit(i, 0);
	CHECK_INT(counter(c->map_fd), 10);
	double t_detach = timed_detach(a);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
	for (int i = 0; i < 5; i++)
		hit(i, 1);
	CHECK_INT(counter(c->map_fd), 10);
	printf("timing %-8s 1 location:  attach %6.2f ms, detach %7.2f ms\n",
	       c->mode, t_attach, t_detach);
}

static void test_five_locations(const struct ctx *c)
{
	struct uprobe_loc locs[5] = { c->locs->hit };
	memcpy(locs + 1, c->locs->more, sizeof(c->locs->more));
	struct attachment *a = NULL;
	reset(c->map_fd);
	double t0 = now_ms();
	CHECK_INT(attach_uprobes(c->prog_fd, c->exe, -1, locs, 5, &a), 0);
	double t_attach = now_ms() - t0;
	CHECK(sem(&btctest_hit_semaphore) > 0);
	CHECK(sem(&btctest_more_semaphore) > 0);
	for (int i = 0; i < 3; i++)
		hit(i, 0);
	more(1);
	more(2);
	CHECK_INT(counter(c->map_fd), 3 + 2 * 4);
	double t_detach = timed_detach(a);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
	CHECK_INT(sem(&btctest_more_semaphore), 0);
	hit(0, 1);
	CHECK_INT(counter(c->map_fd), 11);
	printf("timing %-8s 5 locations: attach %6.2f ms, detach %7.2f ms\n",
	       c->mode, t_attach, t_detach);
}

static void test_own_pid(const struct ctx *c)
{
	struct attachment *a = NULL;
	reset(c->map_fd);
	CHECK_INT(attach_uprobes(c->prog_fd, c->exe, getpid(), &c->locs->hit, 1, &a), 0);
	CHECK(sem(&btctest_hit_semaphore) > 0);
	for (int i = 0; i < 7; i++)
		hit(i, 0);
	CHECK_INT(counter(c->map_fd), 7);
	detach_uprobes(a);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
}

static long child_semaphore(pid_t pid)
{
	unsigned short v = 0;
	struct iovec local = { &v, sizeof(v) };
	struct iovec remote = { &btctest_hit_semaphore, sizeof(v) };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof(v) ? v : -1;
}

/* Filtered to another process: only that process's semaphore goes up,
 * and this process's hits (forced past its semaphore) are not counted. */
static void test_other_pid(const struct ctx *c)
{
	int pipefd[2];
	CHECK_INT(pipe(pipefd), 0);
	pid_t child = fork();
	if (child == 0) {
		char ch;
		close(pipefd[1]);
		while (read(pipefd[0], &ch, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	struct attachment *a = NULL;
	reset(c->map_fd);
	CHECK_INT(attach_uprobes(c->prog_fd, c->exe, child, &c->locs->hit, 1, &a), 0);
	CHECK(child_semaphore(child) > 0);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
	for (int i = 0; i < 5; i++)
		hit(i, 1);
	CHECK_INT(counter(c->map_fd), 0);
	detach_uprobes(a);
	CHECK_INT(child_semaphore(child), 0);
	close(pipefd[1]);
	waitpid(child, NULL, 0);
}

/* A failed attach leaves nothing behind and says where it failed. */
static void test_errors(const struct ctx *c)
{
	struct uprobe_loc locs[2] = { c->locs->hit, { .offset = 1ull << 40 } };
	struct attachment *a = (struct attachment *)&a;
	FILE *f = tmpfile();
	diag_set_stream(f);
	CHECK_INT(attach_uprobes(c->prog_fd, "/nonexistent/bitcoind", -1, locs, 1, &a),
		  -ENOENT);
	CHECK(a == NULL);
	int err = attach_uprobes(c->prog_fd, c->exe, -1, locs, 2, &a);
	CHECK(err < 0);
	CHECK(a == NULL);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	CHECK_INT(attach_uprobes(c->prog_fd, c->exe, gone, locs, 1, &a), -ESRCH);
	CHECK(a == NULL);
	diag_set_stream(NULL);
	char *out = captured(f);
	fclose(f);
	CHECK(strstr(out, "/nonexistent/bitcoind at offset 0x"));
	CHECK(strstr(out, "hint: the binary is gone"));
	CHECK(strstr(out, "0x10000000000"));
	CHECK(strstr(out, "exited while btctrace was attaching its probes"));
	fprintf(stderr, "--- captured attach errors (%s) ---\n%s", c->mode, out);
	free(out);
}

/* Two programs in one batch (one shared uprobe_multi link when the kernel
 * has it): both count; detaching one leaves the other running; the last
 * detach lowers the semaphores. */
static void test_batch(const struct ctx *c)
{
	enum prog_kind kind = attach_have_uprobe_multi() ? PROG_UPROBE_MULTI : PROG_UPROBE;
	int other = counter_prog(kind, c->map_fd);
	CHECK(other >= 0);
	struct attachment *a = NULL, *b = NULL;
	reset(c->map_fd);
	struct attach_batch *batch = attach_batch_begin();
	CHECK(batch != NULL);
	CHECK_INT(attach_uprobes_batched(batch, c->prog_fd, c->exe, -1, &c->locs->hit, 1, &a), 0);
	CHECK_INT(attach_uprobes_batched(batch, other, c->exe, -1, c->locs->more, 4, &b), 0);
	CHECK_INT(attach_batch_commit(batch), 0);
	CHECK(sem(&btctest_hit_semaphore) > 0);
	CHECK(sem(&btctest_more_semaphore) > 0);
	hit(0, 0);
	hit(1, 0);
	more(1);
	CHECK_INT(counter(c->map_fd), 2 + 4);
	detach_uprobes(a);
	hit(2, 1);
	more(2);
	CHECK_INT(counter(c->map_fd), 2 + 4 + 4);
	CHECK(sem(&btctest_more_semaphore) > 0);
	detach_uprobes(b);
	CHECK_INT(sem(&btctest_hit_semaphore), 0);
	CHECK_INT(sem(&btctest_more_semaphore), 0);
	more(3);
	CHECK_INT(counter(c->map_fd), 10);
	/* An aborted batch attaches nothing. */
	batch = attach_batch_begin();
	CHECK_INT(attach_uprobes_batched(batch, other, c->exe, -1, &c->locs->hit, 1, &a), 0);
	attach_batch_abort(batch);
	if (attach_have_uprobe_multi()) {
		hit(3, 1);
		CHECK_INT(counter(c->map_fd), 10);
	}
	detach_uprobes(a);
	close(other);
}

static void run_attach_tests(const char *mode, const char *exe, int map_fd,
			     const struct probe_locs *locs)
{
	enum prog_kind kind = attach_have_uprobe_multi() ? PROG_UPROBE_MULTI : PROG_UPROBE;
	struct ctx c = { mode, exe, counter_prog(kind, map_fd), map_fd, locs };
	CHECK(c.prog_fd >= 0);
	if (c.prog_fd < 0)
		return;
	test_one_location(&c);
	test_five_locations(&c);
	test_own_pid(&c);
	test_other_pid(&c);
	test_errors(&c);
	test_batch(&c);
	close(c.prog_fd);
}

int main(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(n > 0);
	exe[n > 0 ? n : 0] = '\0';
	struct probe_locs locs;
	CHECK_INT(read_probes(exe, &locs), 0);
	CHECK(locs.hit.ref_ctr_offset != 0);
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "btctest", 4, 8, 1, NULL);
	CHECK(map_fd >= 0);
	if (map_fd < 0 || !locs.hit.offset)
		return CHECK_DONE();

	test_bad_programs();
	test_eperm(map_fd);
	test_run_once(map_fd);
	if (attach_have_uprobe_multi())
		run_attach_tests("multi", exe, map_fd, &locs);
	else
		printf("note: no uprobe_multi here; testing the fallback only\n");
	attach_disable_uprobe_multi();
	CHECK(!attach_have_uprobe_multi());
	run_attach_tests("perf", exe, map_fd, &locs);
	close(map_fd);
	return CHECK_DONE();
}
