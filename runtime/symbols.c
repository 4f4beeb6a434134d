/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Addresses of traced processes to names, through libdwfl: one Dwfl per
 * process, reported from /proc/PID/maps when first asked and kept, so
 * that the stacks of a -c child that already exited still print. */
#include "runtime/symbols.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* libstdc++'s abi::__cxa_demangle, callable from C by its symbol. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct sym_proc {
	pid_t pid;
	Dwfl *dwfl;		/* NULL: the process could not be read */
	bool refreshed;		/* re-read once after a miss (a dlopen since) */
};

/* The metric threads read maps while the event loop prints: the cache
 * is shared, so every call holds the lock. */
struct symbolizer {
	pthread_mutex_t lock;
	struct sym_proc *procs;
	int n, cap;
};

/* Symbols come from the files the process maps; no separate debug info
 * is looked for, so nothing is fetched from a debuginfod server. */
static int no_debuginfo(Dwfl_Module *mod, void **user, const char *name, Dwarf_Addr base,
			const char *file, const char *debuglink, GElf_Word crc, char **path)
{
	(void)mod, (void)user, (void)name, (void)base, (void)file, (void)debuglink, (void)crc;
	(void)path;
	return -1;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = no_debuginfo,
};

int symbolizer_new(struct symbolizer **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	pthread_mutex_init(&(*out)->lock, NULL);
	return 0;
}

void symbolizer_free(struct symbolizer *sy)
{
	if (!sy)
		return;
	for (int i = 0; i < sy->n; i++)
		if (sy->procs[i].dwfl)
			dwfl_end(sy->procs[i].dwfl);
	free(sy->procs);
	pthread_mutex_destroy(&sy->lock);
	free(sy);
}

static Dwfl *report(pid_t pid)
{
	Dwfl *d = dwfl_begin(&proc_callbacks);
	if (!d)
		return NULL;
	dwfl_report_begin(d);
	int rc = dwfl_linux_proc_report(d, pid);
	if (dwfl_report_end(d, NULL, NULL) || rc) {
		dwfl_end(d);
		return NULL;
	}
	return d;
}

static struct sym_proc *proc_of(struct symbolizer *sy, pid_t pid)
{
	for (int i = 0; i < sy->n; i++)
		if (sy->procs[i].pid == pid)
			return &sy->procs[i];
	if (sy->n == sy->cap) {
		int cap = sy->cap ? sy->cap * 2 : 8;
		struct sym_proc *p = realloc(sy->procs, cap * sizeof(*p));
		if (!p)
			return NULL;
		sy->procs = p;
		sy->cap = cap;
	}
	struct sym_proc *p = &sy->procs[sy->n++];
	*p = (struct sym_proc){ .pid = pid, .dwfl = report(pid) };
	return p;
}

/* Read while the process execs, its mappings may not make sense yet
 * (ENOEXEC): tried again for up to 50 ms. */
void symbolizer_prime(struct symbolizer *sy, pid_t pid)
{
	pthread_mutex_lock(&sy->lock);
	struct sym_proc *p = proc_of(sy, pid);
	for (int i = 0; p && !p->dwfl && i < 50 && kill(pid, 0) == 0; i++) {
		usleep(1000);
		p->dwfl = report(pid);
	}
	pthread_mutex_unlock(&sy->lock);
}

static int found_module(Dwfl_Module *mod, void **user, const char *name, Dwarf_Addr start,
			void *found)
{
	(void)mod, (void)user, (void)name, (void)start;
	*(bool *)found = true;
	return DWARF_CB_ABORT;
}

/* A zombie's or an exiting process's maps are empty: reading them again
 * must not forget what was read while it ran. */
static bool has_modules(Dwfl *d)
{
	bool found = false;
	dwfl_getmodules(d, found_module, &found, 0);
	return found;
}

static Dwfl_Module *module_of(struct symbolizer *sy, pid_t pid, uint64_t addr)
{
	struct sym_proc *p = proc_of(sy, pid);
	if (!p)
		return NULL;
	Dwfl_Module *mod = p->dwfl ? dwfl_addrmodule(p->dwfl, addr) : NULL;
	if (!mod && !p->refreshed) {
		/* Not mapped when first read (a dlopen since): read once more. */
		p->refreshed = true;
		Dwfl *now = report(pid);
		if (now && has_modules(now)) {
			if (p->dwfl)
				dwfl_end(p->dwfl);
			p->dwfl = now;
			mod = dwfl_addrmodule(p->dwfl, addr);
		} else if (now) {
			dwfl_end(now);
		}
	}
	return mod;
}

static void name_locked(struct symbolizer *sy, pid_t pid, uint64_t addr, bool offset,
			char *buf, size_t len, char *module, size_t module_len)
{
	Dwfl_Module *mod = module_of(sy, pid, addr);
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = mod ? dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL)
			       : NULL;
	if (module) {
		const char *file = mod ? dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL,
							  NULL) : NULL;
		snprintf(module, module_len, "%s", file ? file : "");
	}
	int type = name ? GELF_ST_TYPE(sym.st_info) : STT_NOTYPE;
	if (type != STT_FUNC && type != STT_GNU_IFUNC) {
		/* bpftrace prints an unnamed address in hex with its base, but
		 * the null address as "0" (as C++'s showbase does). */
		snprintf(buf, len, addr ? "0x%llx" : "0", (unsigned long long)addr);
		return;
	}
	int status;
	char *plain = __cxa_demangle(name, NULL, NULL, &status);
	if (offset)
		snprintf(buf, len, "%s+%llu", plain ? plain : name, (unsigned long long)off);
	else
		snprintf(buf, len, "%s", plain ? plain : name);
	free(plain);
}

void symbolizer_name(struct symbolizer *sy, pid_t pid, uint64_t addr, bool offset,
		     char *buf, size_t len, char *module, size_t module_len)
{
	pthread_mutex_lock(&sy->lock);
	name_locked(sy, pid, addr, offset, buf, len, module, module_len);
	pthread_mutex_unlock(&sy->lock);
}
