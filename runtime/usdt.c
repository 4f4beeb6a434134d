/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USDT notes (.note.stapsdt) and x86-64 argument specs.
 *
 * The uprobe interface wants file offsets, not virtual addresses, for both
 * the probe and its semaphore, so every address of a note is translated
 * here through the PT_LOAD segment that holds it. */
#include "runtime/usdt.h"
#include "diag.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NT_STAPSDT 3
#define SPEC_HINT "btctrace understands %reg, disp(%reg), " \
	"disp(%reg,%reg,scale) and $imm on x86-64"

/* ---- registers --------------------------------------------------------- */

struct reg_name {
	const char *name;
	int off;
};

/* Every width of a register shares the 64-bit pt_regs slot: the argument
 * size truncates.  ah/bh/ch/dh are absent on purpose: bits 8-15 of a
 * slot cannot be expressed as an offset. */
static const struct reg_name regs[] = {
	{ "r15", 0 },   { "r15d", 0 },   { "r15w", 0 },   { "r15b", 0 },
	{ "r14", 8 },   { "r14d", 8 },   { "r14w", 8 },   { "r14b", 8 },
	{ "r13", 16 },  { "r13d", 16 },  { "r13w", 16 },  { "r13b", 16 },
	{ "r12", 24 },  { "r12d", 24 },  { "r12w", 24 },  { "r12b", 24 },
	{ "rbp", 32 },  { "ebp", 32 },   { "bp", 32 },    { "bpl", 32 },
	{ "rbx", 40 },  { "ebx", 40 },   { "bx", 40 },    { "bl", 40 },
	{ "r11", 48 },  { "r11d", 48 },  { "r11w", 48 },  { "r11b", 48 },
	{ "r10", 56 },  { "r10d", 56 },  { "r10w", 56 },  { "r10b", 56 },
	{ "r9", 64 },   { "r9d", 64 },   { "r9w", 64 },   { "r9b", 64 },
	{ "r8", 72 },   { "r8d", 72 },   { "r8w", 72 },   { "r8b", 72 },
	{ "rax", 80 },  { "eax", 80 },   { "ax", 80 },    { "al", 80 },
	{ "rcx", 88 },  { "ecx", 88 },   { "cx", 88 },    { "cl", 88 },
	{ "rdx", 96 },  { "edx", 96 },   { "dx", 96 },    { "dl", 96 },
	{ "rsi", 104 }, { "esi", 104 },  { "si", 104 },   { "sil", 104 },
	{ "rdi", 112 }, { "edi", 112 },  { "di", 112 },   { "dil", 112 },
	{ "rip", 128 },
	{ "rsp", 152 }, { "esp", 152 },  { "sp", 152 },   { "spl", 152 },
};

#define RIP_OFF 128

int usdt_reg_offset(const char *reg)
{
	if (!reg)
		return -1;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (!strcmp(regs[i].name, reg))
			return regs[i].off;
	return -1;
}

/* ---- argument specs ---------------------------------------------------- */

/* "%name" at *p; advances past it.  *why explains a failure. */
static int parse_reg(const char **p, const char **why)
{
	const char *s = *p;
	char name[8];
	size_t n = 0;

	if (*s != '%') {
		*why = "expected a register such as %rax";
		return -1;
	}
	s++;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9'))
		n++;
	if (n == 0 || n >= sizeof(name)) {
		*why = "bad register name";
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	int off = usdt_reg_offset(name);
	if (off < 0) {
		*why = (n == 2 && name[1] == 'h' && strchr("abcd", name[0])) ?
			"high-byte registers (%ah, %bh, %ch, %dh) are not supported" :
			"unknown register";
		return -1;
	}
	*p = s + n;
	return off;
}

/* A decimal or 0x-hex integer, optionally negative, at *p.  Unsigned
 * magnitudes up to 2^64-1 are taken too: gas prints some 64-bit constants
 * that way, and the bits are what matters. */
static int parse_int(const char **p, int64_t *val, const char **why)
{
	const char *s = *p;
	bool neg = false;
	uint64_t v = 0;
	int base = 10, ndig = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, ndig++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
			*why = "number out of range";
			return -1;
		}
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (ndig == 0) {
		*why = "expected a number";
		return -1;
	}
	if (neg && v > (uint64_t)INT64_MAX + 1) {
		*why = "number out of range";
		return -1;
	}
	*val = neg ? (int64_t)(0 - v) : (int64_t)v;
	*p = s;
	return 0;
}

/* "(%base)", "(%base,%index)" or "(%base,%index,scale)" at *p. */
static int parse_mem(const char **p, struct usdt_arg *out, const char **why)
{
	const char *s = *p + 1;
	int64_t scale;

	if (*s == ',') {
		*why = "a memory operand without base register is not supported";
		return -1;
	}
	out->reg_off = parse_reg(&s, why);
	if (out->reg_off < 0)
		return -1;
	if (*s == ',') {
		s++;
		out->index_off = parse_reg(&s, why);
		if (out->index_off < 0)
			return -1;
		if (out->index_off == RIP_OFF) {
			*why = "%rip cannot be an index register";
			return -1;
		}
		if (*s == ',') {
			s++;
			if (parse_int(&s, &scale, why))
				return -1;
			if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
				*why = "scale must be 1, 2, 4 or 8";
				return -1;
			}
			out->scale = (int)scale;
		}
	}
	if (*s != ')') {
		*why = "expected ')'";
		return -1;
	}
	*p = s + 1;
	return 0;
}

/* The operand after "N@": %reg, $imm, disp(...) or (...). */
static int parse_operand(const char *s, struct usdt_arg *out, const char **why)
{
	if (*s == '%') {
		out->kind = USDT_ARG_REG;
		out->reg_off = parse_reg(&s, why);
		if (out->reg_off < 0)
			return -1;
	} else if (*s == '$') {
		s++;
		out->kind = USDT_ARG_CONST;
		if (parse_int(&s, &out->value, why))
			return -1;
	} else {
		out->kind = USDT_ARG_MEM;
		if (*s != '(' && parse_int(&s, &out->value, why)) {
			*why = "expected %reg, $imm or a memory operand "
			       "(symbolic displacements are not supported)";
			return -1;
		}
		if (*s != '(') {
			*why = "expected '(' after the displacement";
			return -1;
		}
		if (parse_mem(&s, out, why))
			return -1;
	}
	if (*s) {
		*why = "unexpected text after the operand";
		return -1;
	}
	return 0;
}

/* The optional "N@" prefix.  Old sdt notes have none: their operands are
 * taken as 8 bytes unsigned, as systemtap does. */
static int parse_size(const char **p, struct usdt_arg *out, const char **why)
{
	const char *s = *p;
	bool neg = *s == '-';
	int n = 0;

	if (neg)
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n < 100 ? n * 10 + (*s - '0') : n;	/* saturates: invalid anyway */
	if (*s != '@' || s == *p + neg) {
		out->size = 8;
		out->is_signed = false;
		return 0;
	}
	if (n != 1 && n != 2 && n != 4 && n != 8) {
		*why = "size must be 1, 2, 4 or 8 bytes";
		return -1;
	}
	out->size = n;
	out->is_signed = neg;
	*p = s + 1;
	return 0;
}

static int parse_arg(const char *spec, struct usdt_arg *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	out->reg_off = -1;
	out->index_off = -1;
	out->scale = 1;
	*why = "empty spec";
	if (!spec || !*spec)
		return -EINVAL;
	if (parse_size(&spec, out, why) || parse_operand(spec, out, why))
		return -EINVAL;
	return 0;
}

int usdt_parse_arg(const char *spec, struct usdt_arg *out)
{
	const char *why;
	struct usdt_arg a;
	int err = parse_arg(spec, &a, &why);

	if (!err)
		*out = a;
	return err;
}

/* ---- probes ------------------------------------------------------------ */

static void free_probe(struct usdt_probe *p)
{
	for (int i = 0; i < p->nlocs; i++)
		free(p->locs[i].arg_specs);
	free(p->locs);
	free(p->provider);
	free(p->name);
}

void usdt_free_binary(struct usdt_binary *bin)
{
	if (!bin)
		return;
	for (int i = 0; i < bin->nprobes; i++)
		free_probe(&bin->probes[i]);
	free(bin->probes);
	free(bin->path);
	memset(bin, 0, sizeof(*bin));
}

const struct usdt_probe *usdt_find_probe(const struct usdt_binary *bin,
					 const char *provider, const char *name)
{
	if (!bin)
		return NULL;
	for (int i = 0; i < bin->nprobes; i++) {
		const struct usdt_probe *p = &bin->probes[i];
		if (!strcmp(p->provider, provider) && !strcmp(p->name, name))
			return p;
	}
	return NULL;
}

/* ---- ELF --------------------------------------------------------------- */

/* What one reading pass needs besides the result. */
struct reader {
	const char *path;
	Elf *elf;
	size_t nphdrs;
	GElf_Phdr *phdrs;
	bool have_base;
	uint64_t base_addr;	/* sh_addr of .stapsdt.base */
};

/* One decoded note, pointing into the section data. */
struct note {
	uint64_t pc, base, sem;
	const char *provider, *name, *args;
};

static const GElf_Phdr *find_load(const struct reader *r, uint64_t vaddr,
				  bool exec)
{
	for (size_t i = 0; i < r->nphdrs; i++) {
		const GElf_Phdr *ph = &r->phdrs[i];
		if (ph->p_type != PT_LOAD || (exec && !(ph->p_flags & PF_X)))
			continue;
		if (vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr < ph->p_memsz)
			return ph;
	}
	return NULL;
}

static int pc_to_offset(const struct reader *r, const struct note *n,
			uint64_t pc, uint64_t *off)
{
	const GElf_Phdr *ph = find_load(r, pc, true);

	if (!ph || pc - ph->p_vaddr >= ph->p_filesz) {
		diag_error(NULL, "the binary's notes do not match its segments; "
			   "is it corrupt or prelinked by an unknown tool?",
			   "probe %s:%s in %s: probe address 0x%" PRIx64
			   " is in no executable segment",
			   n->provider, n->name, r->path, pc);
		return -ENOEXEC;
	}
	*off = pc - ph->p_vaddr + ph->p_offset;
	return 0;
}

/* The kernel counts attached tracers in the semaphore through the file
 * mapping (ref_ctr_offset), so it must lie in file-backed memory. */
static int sem_to_offset(const struct reader *r, const struct note *n,
			 uint64_t sem, uint64_t *off)
{
	const GElf_Phdr *ph = find_load(r, sem, false);

	if (!ph) {
		diag_error(NULL, "the binary's notes do not match its segments",
			   "probe %s:%s in %s: semaphore address 0x%" PRIx64
			   " is in no loadable segment",
			   n->provider, n->name, r->path, sem);
		return -ENOEXEC;
	}
	if (sem - ph->p_vaddr + 2 > ph->p_filesz) {
		diag_error(NULL, "the semaphore must be an initialised variable "
			   "(Bitcoin Core puts them in section .probes)",
			   "probe %s:%s in %s: semaphore at 0x%" PRIx64
			   " is not backed by the file (it is in .bss)",
			   n->provider, n->name, r->path, sem);
		return -ENOEXEC;
	}
	*off = sem - ph->p_vaddr + ph->p_offset;
	return 0;
}

/* Specs are split on blanks into a bounded copy: the longest real one is
 * about 20 characters. */
static int parse_args(const struct reader *r, const struct note *n,
		      struct usdt_location *loc)
{
	const char *s = n->args;

	for (;;) {
		char spec[128];
		const char *why = "spec too long";
		int idx = loc->nargs;
		size_t len;

		s += strspn(s, " \t");
		if (!*s)
			return 0;
		len = strcspn(s, " \t");
		if (idx == USDT_MAX_ARGS) {
			diag_error(NULL, NULL, "probe %s:%s in %s: more than %d "
				   "arguments", n->provider, n->name, r->path,
				   USDT_MAX_ARGS);
			return -EINVAL;
		}
		if (len < sizeof(spec)) {
			memcpy(spec, s, len);
			spec[len] = '\0';
		}
		if (len >= sizeof(spec) || parse_arg(spec, &loc->args[idx], &why)) {
			diag_error(NULL, SPEC_HINT, "probe %s:%s in %s: cannot read "
				   "argument %d spec '%.*s': %s", n->provider,
				   n->name, r->path, idx, (int)len, s, why);
			return -EINVAL;
		}
		loc->nargs++;
		s += len;
	}
}

static struct usdt_probe *get_probe(struct usdt_binary *bin,
				    const struct note *n)
{
	struct usdt_probe *p;

	for (int i = 0; i < bin->nprobes; i++) {
		p = &bin->probes[i];
		if (!strcmp(p->provider, n->provider) && !strcmp(p->name, n->name))
			return p;
	}
	/* Capacity is 8, then doubles at each power of two: the count alone
	 * tells when to grow. */
	int cnt = bin->nprobes;
	if (cnt == 0 || (cnt >= 8 && (cnt & (cnt - 1)) == 0)) {
		p = realloc(bin->probes, sizeof(*p) * (size_t)(cnt ? 2 * cnt : 8));
		if (!p)
			return NULL;
		bin->probes = p;
	}
	p = &bin->probes[cnt];
	memset(p, 0, sizeof(*p));
	p->provider = strdup(n->provider);
	p->name = strdup(n->name);
	bin->nprobes++;		/* counted even half-built: freeing copes */
	if (!p->provider || !p->name)
		return NULL;
	return p;
}

static int add_location(struct usdt_binary *bin, const struct reader *r,
			const struct note *n)
{
	struct usdt_location loc = { 0 };
	uint64_t pc = n->pc, sem = n->sem;
	int err;

	/* Prelink moves sections but not the addresses in the notes: the
	 * distance .stapsdt.base moved tells how far. */
	if (r->have_base && n->base && r->base_addr != n->base) {
		pc += r->base_addr - n->base;
		if (sem)
			sem += r->base_addr - n->base;
	}
	loc.pc_vaddr = pc;
	loc.sem_vaddr = sem;
	err = pc_to_offset(r, n, pc, &loc.pc_offset);
	if (!err && sem)
		err = sem_to_offset(r, n, sem, &loc.sem_offset);
	if (!err)
		err = parse_args(r, n, &loc);
	if (err)
		return err;

	struct usdt_probe *p = get_probe(bin, n);
	if (!p)
		return -ENOMEM;
	struct usdt_location *locs = realloc(p->locs, sizeof(*locs) *
					     (size_t)(p->nlocs + 1));
	if (!locs)
		return -ENOMEM;
	p->locs = locs;
	loc.arg_specs = strdup(n->args);
	if (!loc.arg_specs)
		return -ENOMEM;
	locs[p->nlocs++] = loc;
	return 0;
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* Splits a note's descriptor; the strings must end inside it. */
static int decode_note(const struct reader *r, const unsigned char *desc,
		       size_t size, struct note *n)
{
	const char *end = (const char *)desc + size;
	const char **fields[3] = { &n->provider, &n->name, &n->args };
	const char *s;

	if (size < 24)
		goto bad;
	s = (const char *)desc + 24;
	n->pc = get_le64(desc);
	n->base = get_le64(desc + 8);
	n->sem = get_le64(desc + 16);
	for (int i = 0; i < 3; i++) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul)
			goto bad;
		*fields[i] = s;
		s = nul + 1;
	}
	return 0;
bad:
	diag_error(NULL, "the binary may be corrupt",
		   "%s: malformed stapsdt note in .note.stapsdt", r->path);
	return -ENOEXEC;
}

/* A note header that cannot be read stops gelf_getnote() early: what is
 * left must be alignment, or the section is corrupt and the probes after
 * it would go missing unseen ("no USDT probes" would mislead). */
static bool only_padding(const Elf_Data *data, size_t off)
{
	const unsigned char *buf = data->d_buf;
	for (size_t i = off; i < data->d_size; i++)
		if (!buf || buf[i])
			return false;
	return true;
}

static int malformed_notes(const struct reader *r)
{
	diag_error(NULL, "the binary may be corrupt or truncated; rebuild it or "
		   "check it with `readelf -n`",
		   "%s: malformed stapsdt note in .note.stapsdt", r->path);
	return -ENOEXEC;
}

static int read_notes(struct usdt_binary *bin, const struct reader *r,
		      Elf_Scn *scn)
{
	Elf_Data *data = NULL;

	elf_errno();	/* clears the last error */

	while ((data = elf_getdata(scn, data))) {
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off, next;

		while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
			const unsigned char *buf = data->d_buf;
			struct note n;
			int err;

			off = next;
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp(buf + name_off, "stapsdt", 8))
				continue;
			err = decode_note(r, buf + desc_off, nh.n_descsz, &n);
			if (!err)
				err = add_location(bin, r, &n);
			if (err)
				return err;
		}
		if (!only_padding(data, off))
			return malformed_notes(r);
		elf_errno();	/* gelf_getnote() sets one at the end */
	}
	/* NULL ends the sections' data, or says libelf could not read it. */
	if (elf_errno())
		return malformed_notes(r);
	return 0;
}

static int elf_fail(const char *path, const char *what)
{
	diag_error(NULL, "is the file truncated or corrupt?", "%s: %s: %s",
		   path, what, elf_errmsg(-1));
	return -ENOEXEC;
}

/* Finds .stapsdt.base and reads every .note.stapsdt section. */
static int read_sections(struct usdt_binary *bin, struct reader *r)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int err;

	if (elf_getshdrstrndx(r->elf, &shstrndx))
		return elf_fail(r->path, "cannot read section names");
	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return elf_fail(r->path, "cannot read a section header");
		name = elf_strptr(r->elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".stapsdt.base")) {
			r->have_base = true;
			r->base_addr = sh.sh_addr;
		}
	}
	/* A second pass: the base may come after the notes. */
	while ((scn = elf_nextscn(r->elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(r->elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".note.stapsdt"))
			continue;
		err = read_notes(bin, r, scn);
		if (err)
			return err;
	}
	return 0;
}

static int read_phdrs(struct reader *r)
{
	if (elf_getphdrnum(r->elf, &r->nphdrs))
		return elf_fail(r->path, "cannot read program headers");
	r->phdrs = calloc(r->nphdrs ? r->nphdrs : 1, sizeof(*r->phdrs));
	if (!r->phdrs)
		return -ENOMEM;
	for (size_t i = 0; i < r->nphdrs; i++)
		if (!gelf_getphdr(r->elf, (int)i, &r->phdrs[i]))
			return elf_fail(r->path, "cannot read program headers");
	return 0;
}

/* The argument parser and pt_regs offsets are x86-64 only. */
static int check_header(const struct reader *r)
{
	GElf_Ehdr eh;

	if (elf_kind(r->elf) != ELF_K_ELF) {
		diag_error(NULL, "give the path of an executable or shared library",
			   "%s: not an ELF file", r->path);
		return -ENOEXEC;
	}
	if (gelf_getclass(r->elf) != ELFCLASS64) {
		diag_error(NULL, "btctrace traces 64-bit x86-64 binaries only",
			   "%s: 32-bit ELF files are not supported", r->path);
		return -ENOEXEC;
	}
	if (!gelf_getehdr(r->elf, &eh))
		return elf_fail(r->path, "cannot read the ELF header");
	if (eh.e_machine != EM_X86_64) {
		diag_error(NULL, "btctrace traces 64-bit x86-64 binaries only",
			   "%s: not an x86-64 binary (ELF machine %u)", r->path,
			   (unsigned)eh.e_machine);
		return -ENOEXEC;
	}
	return 0;
}

static int open_file(const char *path)
{
	struct stat st;
	int fd, err;

	/* O_NONBLOCK: a FIFO given by mistake must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = S_ISDIR(st.st_mode) ? EISDIR : ENOEXEC;
	}
	if (fd < 0) {
		err = errno;
		diag_error(NULL, "check the path; -p PID or -c CMD find the "
			   "binary for you", "cannot open %s: %s", path,
			   err == ENOEXEC ? "not a regular file" : strerror(err));
		return -err;
	}
	return fd;
}

/* r->elf is open, on a file or on memory. */
static int read_binary(struct usdt_binary *bin, struct reader *r)
{
	int err;

	if (!r->elf)
		return elf_fail(r->path, "cannot read ELF");
	err = check_header(r);
	if (!err)
		err = read_phdrs(r);
	if (!err)
		err = read_sections(bin, r);
	return err;
}

static int elf_init(void)
{
	static bool elf_ready;

	if (!elf_ready) {
		if (elf_version(EV_CURRENT) == EV_NONE) {
			diag_error(NULL, NULL, "libelf is too old: %s",
				   elf_errmsg(-1));
			return -ENOSYS;
		}
		elf_ready = true;
	}
	return 0;
}

/* Reads the notes once r->elf is set (or NULL after libelf failed). */
static int read_into(struct usdt_binary *out, struct reader *r)
{
	out->path = strdup(r->path);
	int err = out->path ? read_binary(out, r) : -ENOMEM;
	if (err == -ENOMEM)
		diag_error(NULL, NULL, "%s: out of memory reading USDT notes", r->path);
	free(r->phdrs);
	elf_end(r->elf);
	if (err)
		usdt_free_binary(out);
	return err;
}

int usdt_read_binary(const char *path, struct usdt_binary *out)
{
	struct reader r = { .path = path };
	int fd, err;

	memset(out, 0, sizeof(*out));
	if ((err = elf_init()))
		return err;
	fd = open_file(path);
	if (fd < 0)
		return fd;
	r.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	err = read_into(out, &r);
	close(fd);
	return err;
}

int usdt_read_memory(const char *name, char *image, size_t size, struct usdt_binary *out)
{
	struct reader r = { .path = name };
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = elf_init()))
		return err;
	r.elf = elf_memory(image, size);
	return read_into(out, &r);
}
