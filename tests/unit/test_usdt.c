/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for runtime/usdt.c: the x86-64 argument-spec parser, the
 * pt_regs offsets, and the .note.stapsdt reader (on this very test binary,
 * which defines its own probes, and on small ELF files built here). */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

#include "runtime/usdt.h"
#include "diag.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- probes of this binary --------------------------------------------- */

/* Semaphores as Bitcoin Core declares them (2 bytes in .probes).  Distinct
 * initial values let the test recognise them in the file. */
unsigned short btctest_one_semaphore __attribute__((section(".probes"))) = 0x5a17;
unsigned short btctest_two_semaphore __attribute__((section(".probes"))) = 0x0203;
unsigned short btctest_consts_semaphore __attribute__((section(".probes")));

static volatile int sink;

static __attribute__((noinline)) void fire_one(long x)
{
	STAP_PROBE1(btctest, one, x);
}

/* Inlined into two functions: one probe, two notes. */
static inline __attribute__((always_inline)) void fire_two(int v)
{
	STAP_PROBE2(btctest, two, v, (long)v * 2);
}

/* The bodies differ so that identical-code folding keeps both. */
static __attribute__((noinline)) void site_a(int v)
{
	fire_two(v + 1);
	sink = 1;
}

static __attribute__((noinline)) void site_b(int v)
{
	fire_two(v * 3);
	sink = 2;
}

static __attribute__((noinline)) void fire_consts(void)
{
	STAP_PROBE3(btctest, consts, 7, -3, 100000);
}

/* ---- registers --------------------------------------------------------- */

static void test_reg_offsets(void)
{
	static const struct { const char *names; int off; } tab[] = {
		{ "r15 r15d r15w r15b", 0 },	{ "r14 r14d r14w r14b", 8 },
		{ "r13 r13d r13w r13b", 16 },	{ "r12 r12d r12w r12b", 24 },
		{ "rbp ebp bp bpl", 32 },	{ "rbx ebx bx bl", 40 },
		{ "r11 r11d r11w r11b", 48 },	{ "r10 r10d r10w r10b", 56 },
		{ "r9 r9d r9w r9b", 64 },	{ "r8 r8d r8w r8b", 72 },
		{ "rax eax ax al", 80 },	{ "rcx ecx cx cl", 88 },
		{ "rdx edx dx dl", 96 },	{ "rsi esi si sil", 104 },
		{ "rdi edi di dil", 112 },	{ "rip", 128 },
		{ "rsp esp sp spl", 152 },
	};
	static const char *const bad[] = {
		"ah", "bh", "ch", "dh", "", "%rax", "eip", "r16", "r7", "xmm0",
		"RAX", "rax ", "r8l", "fs",
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		char buf[64], *save, *name;

		snprintf(buf, sizeof(buf), "%s", tab[i].names);
		for (name = strtok_r(buf, " ", &save); name;
		     name = strtok_r(NULL, " ", &save), n++)
			CHECK_INT(usdt_reg_offset(name), tab[i].off);
	}
	CHECK_INT(n, 16 * 4 + 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(usdt_reg_offset(bad[i]), -1);
	CHECK_INT(usdt_reg_offset(NULL), -1);
}

/* ---- argument specs ---------------------------------------------------- */

struct exp_arg {
	int kind, size, reg;	/* size < 0: signed */
	long long disp;
};

#define R(sz, off)	{ USDT_ARG_REG, sz, off, 0 }
#define M(sz, off, d)	{ USDT_ARG_MEM, sz, off, d }

/* Every note of a real bitcoind (bitcoin-tracepoints.md, section 9). */
static const struct real_row {
	const char *probe, *specs;
	struct exp_arg args[USDT_MAX_ARGS];
} real_rows[] = {
	{ "net:evicted_inbound_connection", "-8@-384(%rbp) 8@%r14 8@%r15 4@%esi -8@%rdx",
	  { M(-8, 32, -384), R(8, 8), R(8, 0), R(4, 104), R(-8, 96) } },
	{ "net:closed_connection", "-8@%r13 8@%r14 8@%r15 4@%esi -8@%rdx",
	  { R(-8, 16), R(8, 8), R(8, 0), R(4, 104), R(-8, 96) } },
	{ "net:outbound_connection", "-8@%r12 8@%r13 8@%r14 4@%r15d 8@%rax",
	  { R(-8, 24), R(8, 16), R(8, 8), R(4, 0), R(8, 80) } },
	{ "net:inbound_connection", "-8@%r12 8@%r13 8@%r15 4@-736(%rbp) 8@%rax",
	  { R(-8, 24), R(8, 16), R(8, 0), M(4, 32, -736), R(8, 80) } },
	{ "net:outbound_message", "-8@%r13 8@%r14 8@-96(%rbp) 8@24(%rcx) 8@%rax 8@%rdx",
	  { R(-8, 16), R(8, 8), M(8, 32, -96), M(8, 88, 24), R(8, 80), R(8, 96) } },
	{ "net:misbehaving_connection", "-8@(%rbx) 8@(%rax)",
	  { M(-8, 40, 0), M(8, 80, 0) } },
	{ "net:inbound_message", "-8@-1064(%rbp) 8@-1024(%rbp) 8@-640(%rbp) 8@-336(%rbp) 8@%rax 8@%rdx",
	  { M(-8, 32, -1064), M(8, 32, -1024), M(8, 32, -640), M(8, 32, -336), R(8, 80), R(8, 96) } },
	{ "mempool:added", "8@%rbx -4@%eax -8@40(%r14)",
	  { R(8, 40), R(-4, 80), M(-8, 8, 40) } },
	{ "mempool:removed", "8@%rbx 8@%r13 -4@%eax -8@40(%r15) 8@64(%r15)",
	  { R(8, 40), R(8, 16), R(-4, 80), M(-8, 0, 40), M(8, 0, 64) } },
	{ "mempool:replaced", "8@%r13 -4@%eax -8@40(%rbx) 8@64(%rbx) 8@%rdx -4@168(%rsp) -8@160(%rsp) 1@%cl",
	  { R(8, 16), R(-4, 80), M(-8, 40, 40), M(8, 40, 64), R(8, 96), M(-4, 152, 168), M(-8, 152, 160), R(1, 88) } },
	{ "utxocache:flush", "-8@%rdx 4@%ecx 8@%rax 8@-1848(%rbp) 1@-1778(%rbp)",
	  { R(-8, 96), R(4, 88), R(8, 80), M(8, 32, -1848), M(1, 32, -1778) } },
	{ "mempool:rejected", "8@%r13 8@272(%rsp)",
	  { R(8, 16), M(8, 152, 272) } },
	{ "validation:block_connected", "8@-1736(%rbp) -4@24(%rcx) 8@%rax -4@-1660(%rbp) -8@-1624(%rbp) -8@%r13",
	  { M(8, 32, -1736), M(-4, 88, 24), R(8, 80), M(-4, 32, -1660), M(-8, 32, -1624), R(-8, 16) } },
	{ "coin_selection:selected_coins", "8@-4936(%rbp) 8@-4952(%rbp) -8@%r13 -8@-4864(%rbp) -8@%rax",
	  { M(8, 32, -4936), M(8, 32, -4952), R(-8, 16), M(-8, 32, -4864), R(-8, 80) } },
	{ "coin_selection:normal_create_tx_internal", "8@%rcx 1@%sil -8@%rax -4@%edx",
	  { R(8, 88), R(1, 104), R(-8, 80), R(-4, 96) } },
	{ "coin_selection:attempting_aps_create_tx", "8@200(%r12)",
	  { M(8, 24, 200) } },
	{ "coin_selection:aps_create_tx_internal", "8@%rsi 1@-1617(%rbp) 1@%al -8@%rcx -4@%edx",
	  { R(8, 104), M(1, 32, -1617), R(1, 80), R(-8, 88), R(-4, 96) } },
	{ "utxocache:uncache", "8@%rbp 4@32(%rbp) 4@%eax -8@72(%rsi) 1@%dl",
	  { R(8, 32), M(4, 32, 32), R(4, 80), M(-8, 104, 72), R(1, 96) } },
	{ "utxocache:add", "8@%rcx 4@32(%rcx) 4@%eax -8@72(%r15) 1@%dl",
	  { R(8, 88), M(4, 88, 32), R(4, 80), M(-8, 0, 72), R(1, 96) } },
	{ "utxocache:spent", "8@%r13 4@32(%r13) 4@%eax -8@72(%rbx) 1@%dl",
	  { R(8, 16), M(4, 16, 32), R(4, 80), M(-8, 40, 72), R(1, 96) } },
};

static void check_arg(const struct usdt_arg *a, const struct exp_arg *e,
		      const char *spec)
{
	if ((int)a->kind != e->kind || a->size != abs(e->size) ||
	    a->is_signed != (e->size < 0) || a->reg_off != e->reg ||
	    a->value != e->disp || a->index_off != -1)
		fprintf(stderr, "spec '%s':\n", spec);
	CHECK_INT(a->kind, e->kind);
	CHECK_INT(a->size, abs(e->size));
	CHECK_INT(a->is_signed, e->size < 0);
	CHECK_INT(a->reg_off, e->reg);
	CHECK_INT(a->value, e->disp);
	CHECK_INT(a->index_off, -1);
}

/* Splits a space-separated spec list as a note holds it. */
static int check_specs(const char *specs, const struct exp_arg *exp)
{
	char buf[256], *save, *spec;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", specs);
	for (spec = strtok_r(buf, " ", &save); spec;
	     spec = strtok_r(NULL, " ", &save), n++) {
		struct usdt_arg a = { 0 };

		CHECK(n < USDT_MAX_ARGS && exp[n].size != 0);
		if (n >= USDT_MAX_ARGS)
			break;
		CHECK_INT(usdt_parse_arg(spec, &a), 0);
		check_arg(&a, &exp[n], spec);
	}
	return n;
}

static int expected_nargs(const struct exp_arg *exp)
{
	int n = 0;

	while (n < USDT_MAX_ARGS && exp[n].size)
		n++;
	return n;
}

static void test_real_specs(void)
{
	int total = 0;

	CHECK_INT(sizeof(real_rows) / sizeof(real_rows[0]), 20);
	for (size_t i = 0; i < sizeof(real_rows) / sizeof(real_rows[0]); i++) {
		const struct real_row *r = &real_rows[i];
		int n = check_specs(r->specs, r->args);

		CHECK_INT(n, expected_nargs(r->args));
		total += n;
	}
	CHECK_INT(total, 93);
}

static void test_constants(void)
{
	static const struct { const char *spec; long long val; int size; } tab[] = {
		{ "8@$0", 0, 8 },	{ "-8@$-1", -1, -8 },
		{ "8@$0x10", 16, 8 },	{ "8@$0XfF", 255, 8 },
		{ "-4@$-2147483648", -2147483648LL, -4 },
		{ "8@$18446744073709551615", -1, 8 },
		{ "-8@$-9223372036854775808", INT64_MIN, -8 },
		{ "1@$+5", 5, 1 },	{ "2@$65535", 65535, 2 },
	};
	struct usdt_arg a = { 0 };

	/* test:twelve_args in test_bitcoin */
	for (int i = 1; i <= 12; i++) {
		char spec[16];

		snprintf(spec, sizeof(spec), "-4@$%d", i);
		CHECK_INT(usdt_parse_arg(spec, &a), 0);
		CHECK_INT(a.kind, USDT_ARG_CONST);
		CHECK_INT(a.size, 4);
		CHECK(a.is_signed);
		CHECK_INT(a.value, i);
		CHECK_INT(a.reg_off, -1);
		CHECK_INT(a.index_off, -1);
	}
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		CHECK_INT(usdt_parse_arg(tab[i].spec, &a), 0);
		CHECK_INT(a.kind, USDT_ARG_CONST);
		CHECK_INT(a.value, tab[i].val);
		CHECK_INT(a.size, abs(tab[i].size));
		CHECK_INT(a.is_signed, tab[i].size < 0);
	}
}

static void check_mem(const char *spec, int size, bool sign, int base,
		      long long disp, int index, int scale)
{
	struct usdt_arg a = { 0 };

	CHECK_INT(usdt_parse_arg(spec, &a), 0);
	CHECK_INT(a.kind, USDT_ARG_MEM);
	CHECK_INT(a.size, size);
	CHECK_INT(a.is_signed, sign);
	CHECK_INT(a.reg_off, base);
	CHECK_INT(a.value, disp);
	CHECK_INT(a.index_off, index);
	CHECK_INT(a.scale, scale);
}

static void test_other_forms(void)
{
	struct usdt_arg a = { 0 };

	check_mem("1@-96(%rbp,%rax,8)", 1, false, 32, -96, 80, 8);
	check_mem("-8@(%rbx,%rcx,4)", 8, true, 40, 0, 88, 4);
	check_mem("8@0x10(%r8,%r9d)", 8, false, 72, 16, 64, 1);
	check_mem("2@-0x8(%rsp,%rsi,2)", 2, false, 152, -8, 104, 2);
	check_mem("8@16(%rip)", 8, false, 128, 16, -1, 1);
	check_mem("4@(%r12)", 4, false, 24, 0, -1, 1);
	/* old sdt: no size, taken as 8 bytes unsigned */
	check_mem("-4(%rbp)", 8, false, 32, -4, -1, 1);

	CHECK_INT(usdt_parse_arg("%rdi", &a), 0);
	CHECK_INT(a.kind, USDT_ARG_REG);
	CHECK_INT(a.size, 8);
	CHECK(!a.is_signed);
	CHECK_INT(a.reg_off, 112);
	CHECK_INT(usdt_parse_arg("$42", &a), 0);
	CHECK_INT(a.kind, USDT_ARG_CONST);
	CHECK_INT(a.value, 42);
	CHECK_INT(a.size, 8);

	CHECK_INT(usdt_parse_arg("-2@%r9w", &a), 0);
	CHECK_INT(a.kind, USDT_ARG_REG);
	CHECK_INT(a.size, 2);
	CHECK(a.is_signed);
	CHECK_INT(a.reg_off, 64);
	CHECK_INT(usdt_parse_arg("1@%bpl", &a), 0);
	CHECK_INT(a.reg_off, 32);
	CHECK_INT(usdt_parse_arg("8@%rip", &a), 0);
	CHECK_INT(a.reg_off, 128);
	CHECK_INT(usdt_parse_arg("1@%spl", &a), 0);
	CHECK_INT(a.reg_off, 152);
}

static void test_bad_specs(void)
{
	static const char *const bad[] = {
		"", "8@", "@%rax", "3@%rax", "0@%rax", "16@%rax", "-16@%rax",
		"100000000000@%rax", "8@%ah", "-1@%bh", "1@%ch", "1@%dh",
		"8@%foo", "8@%", "8@rax", "8@%rax,", "8@%rax ", " 8@%rax",
		"8@%rax%rbx", "8@foo(%rip)", "8@sym+8(%rip)", "8@(%rax",
		"8@(%rax))", "8@()", "8@(%rax,%rbx,3)", "8@(%rax,%rbx,0)",
		"8@(%rax,%rbx,)", "8@(%rax,)", "8@(,%rax,8)", "8@(%rax,%rip,1)",
		"8@$", "8@$abc", "8@$5x", "8@$-", "8@$0x", "8@-8", "8@0x10",
		"8@-8(%rbp)x", "8@(%rax)(%rbx)", "8@$99999999999999999999",
		"8@$-9223372036854775809", "8@%fs:8", "8@8(%xmm0)", "4@%RAX",
		"x@%rax", "8@@%rax",
	};
	struct usdt_arg a = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* a failed parse leaves the output alone */
		memset(&a, 0x5c, sizeof(a));
		int err = usdt_parse_arg(bad[i], &a);
		if (err != -EINVAL)
			fprintf(stderr, "spec '%s' accepted\n", bad[i]);
		CHECK_INT(err, -EINVAL);
		CHECK_INT(a.size, 0x5c5c5c5c);
	}
}

/* ---- diagnostics capture ----------------------------------------------- */

static FILE *diag_f;
static char *diag_buf;
static size_t diag_len;

static void capture_begin(void)
{
	diag_f = open_memstream(&diag_buf, &diag_len);
	diag_set_stream(diag_f);
}

/* Returns what was printed; the caller frees it. */
static char *capture_end(void)
{
	diag_set_stream(NULL);
	fclose(diag_f);
	return diag_buf;
}

/* A failed read must leave the binary empty and freeable. */
static void check_empty(struct usdt_binary *bin)
{
	CHECK_INT(bin->nprobes, 0);
	CHECK(bin->probes == NULL);
	CHECK(bin->path == NULL);
	usdt_free_binary(bin);
}

/* ---- notes of this test binary ----------------------------------------- */

static uintptr_t load_base;

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	load_base = info->dlpi_addr;
	return 1;	/* the first object is the executable */
}

/* The kernel's view: the file offset of a mapped address per
 * /proc/self/maps, or -1. */
static long long maps_offset(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	long long res = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;

		if (sscanf(line, "%llx-%llx %*s %llx", &start, &end, &off) == 3 &&
		    addr >= start && addr < end) {
			res = (long long)(addr - start + off);
			break;
		}
	}
	fclose(f);
	return res;
}

static unsigned file_u16(int fd, uint64_t off)
{
	unsigned char b[2] = { 0xff, 0xff };

	CHECK_INT(pread(fd, b, 2, (off_t)off), 2);
	return b[0] | (unsigned)b[1] << 8;
}

static unsigned file_u8(int fd, uint64_t off)
{
	unsigned char b = 0;

	CHECK_INT(pread(fd, &b, 1, (off_t)off), 1);
	return b;
}

/* A location must be a nop inside FN (within LEN bytes), in the file and in
 * memory, at the offset the kernel's mapping gives. */
static void check_site(int fd, const struct usdt_location *loc, void (*fn)(void),
		       size_t len)
{
	uintptr_t addr = load_base + loc->pc_vaddr;

	CHECK(loc->pc_offset > 0);
	CHECK_INT(file_u8(fd, loc->pc_offset), 0x90);
	CHECK(addr >= (uintptr_t)fn && addr < (uintptr_t)fn + len);
	CHECK_INT(*(const volatile unsigned char *)addr, 0x90);
	CHECK_INT(maps_offset(addr), loc->pc_offset);
}

/* Of site_a and site_b, the one whose code holds the location: the
 * nearest function start at or below it. */
static void (*site_of(const struct usdt_location *loc))(void)
{
	uintptr_t addr = load_base + loc->pc_vaddr;
	uintptr_t a = (uintptr_t)site_a, b = (uintptr_t)site_b;

	if (addr >= a && (addr < b || a > b))
		return (void (*)(void))site_a;
	return (void (*)(void))site_b;
}

static void check_sem(int fd, const struct usdt_location *loc,
		      const unsigned short *sem)
{
	CHECK(loc->sem_offset != 0);
	CHECK_INT(load_base + loc->sem_vaddr, (uintptr_t)sem);
	CHECK_INT(file_u16(fd, loc->sem_offset), *sem);
	CHECK_INT(maps_offset((uintptr_t)sem), loc->sem_offset);
}

static void test_self(void)
{
	struct usdt_binary bin;
	const struct usdt_probe *p;
	char exe[4096];
	ssize_t n;
	int fd;

	/* Keep the probes alive (they are nops). */
	fire_one(1);
	site_a(2);
	site_b(3);
	fire_consts();

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(n > 0);
	if (n <= 0)
		return;
	exe[n] = '\0';
	dl_iterate_phdr(first_object, NULL);
	fd = open(exe, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_INT(usdt_read_binary(exe, &bin), 0);
	CHECK_STR(bin.path, exe);
	CHECK_INT(bin.nprobes, 3);
	CHECK_INT(btctest_one_semaphore, 0x5a17);

	p = usdt_find_probe(&bin, "btctest", "one");
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->provider, "btctest");
		CHECK_STR(p->name, "one");
		CHECK_INT(p->nlocs, 1);
		CHECK_INT(p->locs[0].nargs, 1);
		CHECK_INT(p->locs[0].args[0].size, 8);
		CHECK(p->locs[0].args[0].is_signed);
		check_site(fd, &p->locs[0], (void (*)(void))fire_one, 64);
		check_sem(fd, &p->locs[0], &btctest_one_semaphore);
	}

	p = usdt_find_probe(&bin, "btctest", "two");
	CHECK(p != NULL);
	if (p) {
		CHECK_INT(p->nlocs, 2);
		for (int i = 0; i < p->nlocs && i < 2; i++) {
			const struct usdt_location *l = &p->locs[i];

			CHECK_INT(l->nargs, 2);
			CHECK_INT(l->args[0].size, 4);
			CHECK_INT(l->args[1].size, 8);
			check_site(fd, l, site_of(l), 64);
			check_sem(fd, l, &btctest_two_semaphore);
		}
		/* one location in each function */
		if (p->nlocs == 2)
			CHECK(site_of(&p->locs[0]) != site_of(&p->locs[1]));
	}

	p = usdt_find_probe(&bin, "btctest", "consts");
	CHECK(p != NULL);
	if (p) {
		const struct usdt_location *l = &p->locs[0];
		static const int vals[] = { 7, -3, 100000 };

		CHECK_INT(p->nlocs, 1);
		CHECK_INT(l->nargs, 3);
		CHECK_STR(l->arg_specs, "-4@$7 -4@$-3 -4@$100000");
		for (int i = 0; i < 3; i++) {
			CHECK_INT(l->args[i].kind, USDT_ARG_CONST);
			CHECK_INT(l->args[i].value, vals[i]);
			CHECK_INT(l->args[i].size, 4);
			CHECK(l->args[i].is_signed);
		}
		check_site(fd, l, (void (*)(void))fire_consts, 64);
		check_sem(fd, l, &btctest_consts_semaphore);
	}
	CHECK(usdt_find_probe(&bin, "btctest", "none") == NULL);
	CHECK(usdt_find_probe(&bin, "other", "one") == NULL);
	usdt_free_binary(&bin);
	CHECK_INT(bin.nprobes, 0);
	usdt_free_binary(&bin);		/* twice is fine */
	if (fd >= 0)
		close(fd);
}

/* ---- synthetic ELF files ----------------------------------------------- */

/* Layout of the files built here: text at vaddr 0x10000 (file 0), data at
 * vaddr 0x31000 (file 0x1000) with 0x100 bytes in the file and the rest
 * .bss, .stapsdt.base at 0x10800, notes at file offset 0x2000. */
#define TEXT_VADDR	0x10000
#define DATA_VADDR	0x31000
#define DATA_OFF	0x1000
#define BASE_ADDR	0x10800
#define NOTE_OFF	0x2000
#define NOTE_MAX	0x2000
#define STR_OFF		0x4000
#define SHDR_OFF	0x4100
#define FILE_SIZE	(SHDR_OFF + 4 * sizeof(Elf64_Shdr))

struct fake_note {
	uint64_t pc, base, sem;
	const char *provider, *name, *args;
	const char *owner;	/* NULL: "stapsdt" */
	size_t cut;		/* nonzero: truncate the descriptor */
};

struct fake_elf {
	const struct fake_note *notes;
	int nnotes;
	bool no_base;		/* no .stapsdt.base section */
	int machine;		/* 0: EM_X86_64 */
};

static char tmp_dir[] = "/tmp/test_usdt.XXXXXX";
static int tmp_count;

/* Writes LEN bytes to a new file in tmp_dir; returns its malloc'd path. */
static char *write_tmp(const void *buf, size_t len)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/f%d", tmp_dir, tmp_count++) < 0)
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, buf, len), len);
	close(fd);
	return path;
}

static size_t put_note(unsigned char *p, const struct fake_note *n)
{
	const char *owner = n->owner ? n->owner : "stapsdt";
	size_t namesz = strlen(owner) + 1;
	size_t lp = strlen(n->provider) + 1, ln = strlen(n->name) + 1;
	size_t la = strlen(n->args) + 1;
	Elf64_Nhdr nh = {
		.n_namesz = (Elf64_Word)namesz,
		.n_descsz = (Elf64_Word)(n->cut ? n->cut : 24 + lp + ln + la),
		.n_type = 3,
	};
	size_t off = 0;

	memcpy(p, &nh, sizeof(nh));
	off = sizeof(nh);
	memcpy(p + off, owner, namesz);
	off = (off + namesz + 3) & ~(size_t)3;
	memcpy(p + off, &n->pc, 8);
	memcpy(p + off + 8, &n->base, 8);
	memcpy(p + off + 16, &n->sem, 8);
	memcpy(p + off + 24, n->provider, lp);
	memcpy(p + off + 24 + lp, n->name, ln);
	memcpy(p + off + 24 + lp + ln, n->args, la);
	return (off + nh.n_descsz + 3) & ~(size_t)3;
}

static void put_shdr(unsigned char *img, int i, Elf64_Word name, Elf64_Word type,
		     uint64_t flags, uint64_t addr, uint64_t off, uint64_t size)
{
	Elf64_Shdr sh = {
		.sh_name = name, .sh_type = type, .sh_flags = flags,
		.sh_addr = addr, .sh_offset = off, .sh_size = size,
		.sh_addralign = type == SHT_NOTE ? 4 : 1,
	};

	memcpy(img + SHDR_OFF + (size_t)i * sizeof(sh), &sh, sizeof(sh));
}

/* Builds an x86-64 ELF executable holding the given notes. */
static char *make_elf(const struct fake_elf *fe)
{
	static const char strtab[] = "\0.stapsdt.base\0.note.stapsdt\0.shstrtab";
	unsigned char *img = calloc(1, FILE_SIZE);
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_DYN, .e_machine = fe->machine ? fe->machine : EM_X86_64,
		.e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
		.e_shoff = SHDR_OFF, .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2,
		.e_shentsize = sizeof(Elf64_Shdr), .e_shnum = 4, .e_shstrndx = 3,
	};
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
		  .p_vaddr = TEXT_VADDR, .p_paddr = TEXT_VADDR,
		  .p_filesz = 0x1000, .p_memsz = 0x1000, .p_align = 0x1000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = DATA_OFF,
		  .p_vaddr = DATA_VADDR, .p_paddr = DATA_VADDR,
		  .p_filesz = 0x100, .p_memsz = 0x1000, .p_align = 0x1000 },
	};
	size_t nsize = 0;
	char *path;

	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), ph, sizeof(ph));
	for (int i = 0; i < fe->nnotes; i++) {
		nsize += put_note(img + NOTE_OFF + nsize, &fe->notes[i]);
		if (nsize > NOTE_MAX - 256)
			abort();
	}
	memcpy(img + STR_OFF, strtab, sizeof(strtab));
	/* Without a base section its header slot is an unnamed one. */
	if (fe->no_base)
		put_shdr(img, 1, 0, SHT_PROGBITS, SHF_ALLOC, BASE_ADDR, 0x800, 1);
	else
		put_shdr(img, 1, 1, SHT_PROGBITS, SHF_ALLOC, BASE_ADDR, 0x800, 1);
	put_shdr(img, 2, 15, SHT_NOTE, 0, 0, NOTE_OFF, nsize);
	put_shdr(img, 3, 29, SHT_STRTAB, 0, 0, STR_OFF, sizeof(strtab));
	path = write_tmp(img, FILE_SIZE);
	free(img);
	return path;
}

/* Reads a synthetic file expecting ERR; checks the message mentions WANT
 * (and WANT2 unless NULL). */
static void expect_read_error(const struct fake_elf *fe, int err,
			      const char *want, const char *want2)
{
	struct usdt_binary bin;
	char *path = make_elf(fe);
	char *msg;

	capture_begin();
	CHECK_INT(usdt_read_binary(path, &bin), err);
	msg = capture_end();
	CHECK(strstr(msg, path) != NULL);
	if (!strstr(msg, want) || (want2 && !strstr(msg, want2)))
		fprintf(stderr, "message lacks '%s'/'%s':\n%s", want,
			want2 ? want2 : "", msg);
	CHECK(strstr(msg, want) != NULL);
	CHECK(!want2 || strstr(msg, want2) != NULL);
	check_empty(&bin);
	free(msg);
	unlink(path);
	free(path);
}

#define NOTE(pc, sem, prov, nm, args) \
	{ (pc), BASE_ADDR, (sem), (prov), (nm), (args), NULL, 0 }

static void test_fake_good(void)
{
	static const struct fake_note notes[] = {
		NOTE(0x10100, 0x31010, "a", "x", "8@%rax -4@8(%rbp)"),
		NOTE(0x10200, 0x31012, "a", "y", ""),
		{ 0x10280, BASE_ADDR, 0, "GNU", "other", "", "GNU", 0 },
		NOTE(0x10300, 0x31010, "a", "x", "8@%rbx  -4@16(%rbp) "),
		NOTE(0x10400, 0, "b", "nosem", "-4@$1"),
	};
	struct fake_elf fe = { notes, 5, false, 0 };
	struct usdt_binary bin;
	const struct usdt_probe *p;
	char *path = make_elf(&fe);

	CHECK_INT(usdt_read_binary(path, &bin), 0);
	CHECK_INT(bin.nprobes, 3);
	if (bin.nprobes == 3) {
		CHECK_STR(bin.probes[0].name, "x");
		CHECK_STR(bin.probes[1].name, "y");
		CHECK_STR(bin.probes[2].name, "nosem");
	}
	p = usdt_find_probe(&bin, "a", "x");
	CHECK(p != NULL);
	if (p && p->nlocs == 2) {
		CHECK_INT(p->locs[0].pc_vaddr, 0x10100);
		CHECK_INT(p->locs[0].pc_offset, 0x100);
		CHECK_INT(p->locs[1].pc_offset, 0x300);
		CHECK_INT(p->locs[0].sem_vaddr, 0x31010);
		CHECK_INT(p->locs[0].sem_offset, 0x1010);
		CHECK_INT(p->locs[1].sem_offset, 0x1010);
		CHECK_INT(p->locs[0].args[0].reg_off, 80);
		CHECK_INT(p->locs[1].args[0].reg_off, 40);
		CHECK_INT(p->locs[1].nargs, 2);
		CHECK_INT(p->locs[1].args[1].value, 16);
		CHECK_STR(p->locs[1].arg_specs, "8@%rbx  -4@16(%rbp) ");
	} else {
		CHECK(0);
	}
	p = usdt_find_probe(&bin, "a", "y");
	CHECK(p && p->nlocs == 1 && p->locs[0].nargs == 0);
	CHECK(p && !strcmp(p->locs[0].arg_specs, ""));
	CHECK(p && p->locs[0].sem_offset == 0x1012);
	p = usdt_find_probe(&bin, "b", "nosem");
	CHECK(p && p->locs[0].sem_vaddr == 0 && p->locs[0].sem_offset == 0);
	CHECK(p && p->locs[0].pc_offset == 0x400);
	CHECK(usdt_find_probe(&bin, "GNU", "other") == NULL);
	usdt_free_binary(&bin);
	unlink(path);
	free(path);
}

/* prelink moved .stapsdt.base (and everything) by 0x100 after linking */
static void test_fake_prelink(void)
{
	static const struct fake_note notes[] = {
		{ 0x10000, BASE_ADDR - 0x100, 0x30f10, "p", "moved", "8@%rax",
		  NULL, 0 },
	};
	struct fake_elf fe = { notes, 1, false, 0 };
	struct usdt_binary bin;
	char *path = make_elf(&fe);

	CHECK_INT(usdt_read_binary(path, &bin), 0);
	CHECK_INT(bin.nprobes, 1);
	if (bin.nprobes == 1) {
		const struct usdt_location *l = &bin.probes[0].locs[0];

		CHECK_INT(l->pc_vaddr, 0x10100);
		CHECK_INT(l->pc_offset, 0x100);
		CHECK_INT(l->sem_vaddr, 0x31010);
		CHECK_INT(l->sem_offset, 0x1010);
	}
	usdt_free_binary(&bin);
	unlink(path);
	free(path);

	/* Without the base section nothing can be adjusted. */
	static const struct fake_note notes2[] = {
		{ 0x10100, 0x12345, 0x31010, "p", "kept", "", NULL, 0 },
	};
	struct fake_elf fe2 = { notes2, 1, true, 0 };

	path = make_elf(&fe2);
	CHECK_INT(usdt_read_binary(path, &bin), 0);
	CHECK_INT(bin.nprobes, 1);
	if (bin.nprobes == 1) {
		CHECK_INT(bin.probes[0].locs[0].pc_offset, 0x100);
		CHECK_INT(bin.probes[0].locs[0].sem_offset, 0x1010);
	}
	usdt_free_binary(&bin);
	unlink(path);
	free(path);
}

/* All 20 bitcoind notes, with their real specs, through the reader. */
static void test_fake_bitcoind(void)
{
	enum { N = sizeof(real_rows) / sizeof(real_rows[0]) };
	struct fake_note notes[N];
	char names[N][64];
	struct fake_elf fe = { notes, N, false, 0 };
	struct usdt_binary bin;
	char *path;

	for (int i = 0; i < N; i++) {
		char *colon;

		snprintf(names[i], sizeof(names[i]), "%s", real_rows[i].probe);
		colon = strchr(names[i], ':');
		*colon = '\0';
		notes[i] = (struct fake_note){ 0x10100 + 16 * i, BASE_ADDR,
			0x31000 + 2 * i, names[i], colon + 1,
			real_rows[i].specs, NULL, 0 };
	}
	path = make_elf(&fe);
	CHECK_INT(usdt_read_binary(path, &bin), 0);
	CHECK_INT(bin.nprobes, N);
	for (int i = 0; i < N && i < bin.nprobes; i++) {
		const struct usdt_probe *p = &bin.probes[i];
		const struct usdt_location *l = &p->locs[0];

		CHECK_STR(p->provider, notes[i].provider);
		CHECK_STR(p->name, notes[i].name);
		CHECK_INT(p->nlocs, 1);
		CHECK_INT(l->pc_offset, 0x100 + 16 * i);
		CHECK_INT(l->sem_offset, DATA_OFF + 2 * i);
		CHECK_STR(l->arg_specs, real_rows[i].specs);
		CHECK_INT(l->nargs, expected_nargs(real_rows[i].args));
		for (int j = 0; j < l->nargs; j++)
			check_arg(&l->args[j], &real_rows[i].args[j],
				  real_rows[i].specs);
	}
	usdt_free_binary(&bin);
	unlink(path);
	free(path);
}

/* More probes than the first allocation, each at two sites. */
static void test_fake_many(void)
{
	enum { N = 20 };
	struct fake_note notes[2 * N];
	char names[N][8];
	struct fake_elf fe = { notes, 2 * N, false, 0 };
	struct usdt_binary bin;
	char *path;

	for (int i = 0; i < 2 * N; i++) {
		snprintf(names[i % N], sizeof(names[0]), "p%d", i % N);
		notes[i] = (struct fake_note){ 0x10000 + 8 * i, BASE_ADDR, 0,
			"m", names[i % N], "8@%rdi", NULL, 0 };
	}
	path = make_elf(&fe);
	CHECK_INT(usdt_read_binary(path, &bin), 0);
	CHECK_INT(bin.nprobes, N);
	for (int i = 0; i < N && i < bin.nprobes; i++) {
		CHECK_STR(bin.probes[i].name, names[i]);
		CHECK_INT(bin.probes[i].nlocs, 2);
		CHECK_INT(bin.probes[i].locs[1].pc_offset, 8 * (i + N));
	}
	usdt_free_binary(&bin);
	unlink(path);
	free(path);
}

static void test_fake_errors(void)
{
	static const struct fake_note bss[] = {
		NOTE(0x10100, 0x31200, "utxocache", "add", "8@%rax"),
	};
	static const struct fake_note bss_edge[] = {	/* 1 byte in the file */
		NOTE(0x10100, 0x310ff, "a", "edge", ""),
	};
	static const struct fake_note nowhere[] = {
		NOTE(0x10100, 0x50000, "a", "lost", ""),
	};
	static const struct fake_note pc_data[] = {
		NOTE(0x31020, 0, "a", "data", ""),
	};
	static const struct fake_note pc_none[] = {
		NOTE(0x90000, 0, "a", "far", ""),
	};
	static const struct fake_note spec[] = {
		NOTE(0x10100, 0, "a", "ok", "8@%rax"),
		NOTE(0x10200, 0x31010, "utxocache", "add",
		     "8@%rcx 4@32(%rcx) 4@%eax -8@72(%r15) 1@%ah"),
	};
	static const struct fake_note many[] = {
		NOTE(0x10100, 0, "a", "many",
		     "8@$1 8@$2 8@$3 8@$4 8@$5 8@$6 8@$7 8@$8 8@$9 8@$10 8@$11 8@$12 8@$13"),
	};
	static const struct fake_note shortdesc[] = {
		{ 0x10100, BASE_ADDR, 0, "a", "b", "", NULL, 20 },
	};
	static const struct fake_note unterminated[] = {
		{ 0x10100, BASE_ADDR, 0, "a", "bcdef", "", NULL, 24 + 2 + 3 },
	};
	struct fake_elf fe = { 0 };

#define ERR(arr, err, w1, w2) do { fe.notes = arr; \
	fe.nnotes = sizeof(arr) / sizeof(arr[0]); \
	expect_read_error(&fe, err, w1, w2); } while (0)
	ERR(bss, -ENOEXEC, "utxocache:add", "0x31200");
	ERR(bss_edge, -ENOEXEC, "a:edge", "0x310ff");
	ERR(nowhere, -ENOEXEC, "a:lost", "0x50000");
	ERR(pc_data, -ENOEXEC, "a:data", "0x31020");
	ERR(pc_none, -ENOEXEC, "a:far", "0x90000");
	ERR(spec, -EINVAL, "cannot read argument 4 spec '1@%ah'",
	    "hint: btctrace understands %reg, disp(%reg), "
	    "disp(%reg,%reg,scale) and $imm on x86-64");
	ERR(many, -EINVAL, "a:many", "12");
	ERR(shortdesc, -ENOEXEC, "malformed", NULL);
	ERR(unterminated, -ENOEXEC, "malformed", NULL);
	fe.machine = EM_AARCH64;
	ERR(spec, -ENOEXEC, "x86-64", NULL);
#undef ERR
}

/* The exact wording of the spec error, as a user sees it. */
static void test_spec_message(void)
{
	static const struct fake_note spec[] = {
		NOTE(0x10100, 0x31010, "utxocache", "add", "8@%rcx 8@foo(%rip)"),
	};
	struct fake_elf fe = { spec, 1, false, 0 };
	struct usdt_binary bin;
	char *path = make_elf(&fe), *msg, *want;

	capture_begin();
	CHECK_INT(usdt_read_binary(path, &bin), -EINVAL);
	msg = capture_end();
	if (asprintf(&want, "btctrace: error: probe utxocache:add in %s: cannot "
		     "read argument 1 spec '8@foo(%%rip)': expected %%reg, $imm or "
		     "a memory operand (symbolic displacements are not supported)\n"
		     "hint: btctrace understands %%reg, disp(%%reg), "
		     "disp(%%reg,%%reg,scale) and $imm on x86-64\n", path) < 0)
		abort();
	CHECK_STR(msg, want);
	check_empty(&bin);
	free(want);
	free(msg);
	unlink(path);
	free(path);
}

static void test_elf32(void)
{
	Elf32_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
		.e_ehsize = sizeof(Elf32_Ehdr),
	};
	struct usdt_binary bin;
	char *path = write_tmp(&eh, sizeof(eh)), *msg;

	capture_begin();
	CHECK_INT(usdt_read_binary(path, &bin), -ENOEXEC);
	msg = capture_end();
	CHECK(strstr(msg, "32-bit") != NULL);
	check_empty(&bin);
	free(msg);
	unlink(path);
	free(path);
}

/* ---- files that are not what they should be --------------------------- */

static void expect_path_error(const char *path, int err, const char *want)
{
	struct usdt_binary bin;
	char *msg;

	capture_begin();
	CHECK_INT(usdt_read_binary(path, &bin), err);
	msg = capture_end();
	CHECK(strstr(msg, path) != NULL);
	if (!strstr(msg, want))
		fprintf(stderr, "message lacks '%s':\n%s", want, msg);
	CHECK(strstr(msg, want) != NULL);
	CHECK(strstr(msg, "hint: ") != NULL);
	check_empty(&bin);
	free(msg);
}

static void test_paths(void)
{
	struct usdt_binary bin;
	char *text = write_tmp("#!/bin/sh\necho hello\n", 21);
	char *empty = write_tmp("", 0);

	expect_path_error("/nonexistent/bitcoind", -ENOENT,
			  "No such file or directory");
	expect_path_error(text, -ENOEXEC, "not an ELF file");
	expect_path_error(empty, -ENOEXEC, "not an ELF file");
	expect_path_error(tmp_dir, -EISDIR, "Is a directory");
	if (geteuid() != 0) {	/* root reads anything */
		chmod(text, 0);
		expect_path_error(text, -EACCES, "Permission denied");
	}

	/* A real binary without notes is fine. */
	CHECK_INT(usdt_read_binary("/bin/true", &bin), 0);
	CHECK_INT(bin.nprobes, 0);
	CHECK_STR(bin.path, "/bin/true");
	usdt_free_binary(&bin);
	usdt_free_binary(NULL);
	CHECK(usdt_find_probe(NULL, "a", "b") == NULL);

	unlink(text);
	unlink(empty);
	free(text);
	free(empty);
}

int main(void)
{
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_reg_offsets();
	test_real_specs();
	test_constants();
	test_other_forms();
	test_bad_specs();
	test_self();
	test_fake_good();
	test_fake_prelink();
	test_fake_bitcoind();
	test_fake_many();
	test_fake_errors();
	test_spec_message();
	test_elf32();
	test_paths();
	rmdir(tmp_dir);
	return CHECK_DONE();
}
