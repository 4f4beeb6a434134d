/* SPDX-License-Identifier: GPL-3.0-or-later */
/* first_calls BINARY LIST -- COMMAND [ARG...]
 *
 * Runs COMMAND with a uprobe on the entry of every function of BINARY
 * and writes to the file LIST, one per line, the address (as in BINARY's
 * symbol table, in hex) of each function that ran, in the order each
 * first ran.
 *
 * scripts/hot-text.sh uses it to lay btctrace's startup code out
 * together, and tests/e2e/hot_text.sh to check that the layout still
 * covers what runs.  One uprobe_multi link carries every entry, with the
 * function's index as its cookie; the program keeps the time of the
 * first call in an array indexed by that cookie. */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Kernel 6.6's ABI, spelled out: libbpf 1.1's headers predate it. */
#define ATTACH_UPROBE_MULTI 48
#define HELPER_GET_ATTACH_COOKIE 174

struct link_create_uprobe_multi {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, uprobe_flags, pid, pad;
};

struct functions {
	uint64_t *addr;		/* symbol value */
	uint64_t *offset;	/* file offset: where the uprobe goes */
	uint64_t *cookie;
	uint32_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Every sized function symbol in an executable section, once per address
 * (aliases share one entry). */
static int read_functions(const char *path, struct functions *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			GElf_Shdr ts;
			if (!gelf_getsym(d, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    !s.st_size || s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE ||
			    !gelf_getshdr(elf_getscn(e, s.st_shndx), &ts) ||
			    !(ts.sh_flags & SHF_EXECINSTR))
				continue;
			if (f->n == cap) {
				cap = cap ? 2 * cap : 4096;
				f->addr = realloc(f->addr, cap * sizeof(*f->addr));
				if (!f->addr)
					return -ENOMEM;
			}
			f->addr[f->n++] = s.st_value;
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	if (!f->n)
		return -ENOENT;
	qsort(f->addr, f->n, sizeof(*f->addr), cmp_u64);
	uint32_t u = 0;
	for (uint32_t i = 0; i < f->n; i++)
		if (!u || f->addr[u - 1] != f->addr[i])
			f->addr[u++] = f->addr[i];
	f->n = u;
	f->offset = calloc(u, sizeof(uint64_t));
	f->cookie = calloc(u, sizeof(uint64_t));
	if (!f->offset || !f->cookie)
		return -ENOMEM;
	return 0;
}

/* Symbol values are virtual addresses; uprobes want file offsets. */
static int to_offsets(const char *path, struct functions *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t nph = 0;
	if (!e || elf_getphdrnum(e, &nph))
		return -EINVAL;
	for (uint32_t i = 0; i < f->n; i++) {
		f->cookie[i] = i;
		for (size_t p = 0; p < nph; p++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)p, &ph) && ph.p_type == PT_LOAD &&
			    (ph.p_flags & PF_X) && f->addr[i] >= ph.p_vaddr &&
			    f->addr[i] < ph.p_vaddr + ph.p_filesz)
				f->offset[i] = f->addr[i] - ph.p_vaddr + ph.p_offset;
		}
	}
	elf_end(e);
	close(fd);
	return 0;
}

/* first[cookie] = bpf_ktime_get_ns() if it is still 0. */
static int load_program(int map_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = HELPER_GET_ATTACH_COOKIE },
		{ .code = BPF_STX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .src_reg = BPF_REG_0, .off = -4 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_0, .off = 5 },
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_1, .off = 3 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_ktime_get_ns },
		{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = ATTACH_UPROBE_MULTI);
	return bpf_prog_load(BPF_PROG_TYPE_KPROBE, "first_calls", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

static int attach(int prog_fd, const char *path, const struct functions *f)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	struct link_create_uprobe_multi *l = (void *)&attr.link_create;
	l->prog_fd = (uint32_t)prog_fd;
	l->attach_type = ATTACH_UPROBE_MULTI;
	l->path = (uintptr_t)path;
	l->offsets = (uintptr_t)f->offset;
	l->cookies = (uintptr_t)f->cookie;
	l->cnt = f->n;
	int fd = (int)syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

struct hit {
	uint64_t when, addr;
};

static int cmp_hit(const void *a, const void *b)
{
	return cmp_u64(a, b);
}

static int write_hits(const char *path, int map_fd, const struct functions *f)
{
	FILE *out = fopen(path, "we");
	if (!out)
		return -errno;
	struct hit *h = calloc(f->n, sizeof(*h));
	uint32_t n = 0;
	if (!h) {
		fclose(out);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < f->n; i++) {
		uint64_t when = 0;
		if (!bpf_map_lookup_elem(map_fd, &i, &when) && when)
			h[n++] = (struct hit){ when, f->addr[i] };
	}
	qsort(h, n, sizeof(*h), cmp_hit);
	for (uint32_t i = 0; i < n; i++)
		fprintf(out, "%llx\n", (unsigned long long)h[i].addr);
	free(h);
	return fclose(out) ? -errno : 0;
}

int main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: first_calls BINARY LIST -- COMMAND [ARG...]\n");
		return 2;
	}
	struct functions f = { 0 };
	int rc = read_functions(argv[1], &f);
	if (!rc)
		rc = to_offsets(argv[1], &f);
	if (rc) {
		fprintf(stderr, "first_calls: %s: no function symbols read: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	int map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "first_calls", 4, 8, f.n, NULL);
	int prog_fd = map_fd < 0 ? map_fd : load_program(map_fd);
	int link_fd = prog_fd < 0 ? prog_fd : attach(prog_fd, argv[1], &f);
	if (link_fd < 0) {
		fprintf(stderr, "first_calls: cannot trace %s: %s\n", argv[1], strerror(-link_fd));
		return 1;
	}
	pid_t child = fork();
	if (child == 0) {
		execvp(argv[4], argv + 4);
		fprintf(stderr, "first_calls: %s: %s\n", argv[4], strerror(errno));
		_exit(127);
	}
	int status = 0;
	if (child < 0 || waitpid(child, &status, 0) < 0) {
		perror("first_calls");
		return 1;
	}
	close(link_fd);
	if ((rc = write_hits(argv[2], map_fd, &f))) {
		fprintf(stderr, "first_calls: %s: %s\n", argv[2], strerror(-rc));
		return 1;
	}
	/* The command's own failure is the caller's to see. */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
