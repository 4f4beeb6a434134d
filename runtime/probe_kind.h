/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A probe kind: what BEGIN, END, interval and USDT blocks each do at run
 * time, behind one set of hooks (ply's model).  The compile driver and
 * the session call the hooks; nothing else names a kind.  Adding a kind is
 * one file here, its syntax in lang/attach.c and a line in
 * probe_kind_of(). */
#ifndef BTCTRACE_PROBE_KIND_H
#define BTCTRACE_PROBE_KIND_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/ast.h"
#include "runtime/attach.h"

struct session;
struct usdt_location;
struct attached_probe;

/* One program to compile for an attach point: USDT locations whose
 * arguments are read the same way share one; other kinds have one. */
struct probe_variant {
	const struct usdt_location *loc;	/* the layout compiled; NULL if none */
	const char *path;			/* the binary attached to */
	struct uprobe_loc *locs;		/* where it is attached */
	int nlocs;
};

/* Hooks marked "may be NULL" do nothing when they are. */
struct probe_kind {
	const char *name;
	/* How its programs are loaded (may depend on the kernel). */
	enum prog_kind (*prog)(void);
	/* The kernel runs the programs of one location newest first: kinds
	 * with this set are attached last block first, so that they run in
	 * script order. */
	bool attach_reversed;
	/* Instances the user may list and detach by id (the REPL). */
	bool detachable;

	/* Reads what the target says about ap: its arguments (ap->sig), or
	 * nothing for kinds without.  Opens the target's binary; never starts
	 * a process.  0 or -errno after a diag. */
	int (*resolve)(struct session *s, struct attach_point *ap);
	/* The programs to compile for ap: *out is malloc'd (free it and each
	 * element's locs).  Returns how many, or -errno after a diag. */
	int (*variants)(struct session *s, const struct attach_point *ap,
			struct probe_variant **out);
	/* Takes a loaded program (a->prog_fd): attaches it, or keeps it for
	 * later.  0 or -errno after a diag.  May be NULL. */
	int (*load)(struct session *s, struct attached_probe *a, const struct attach_point *ap,
		    const struct probe_variant *v);
	/* Tracing starts (BEGIN runs, timers start).  Returns 1 when the
	 * instance is done and can be dropped, 0, or -errno.  May be NULL. */
	int (*start)(struct session *s, struct attached_probe *a);
	/* A file descriptor to poll while tracing, or -1.  May be NULL. */
	int (*fd)(const struct attached_probe *a);
	/* Its fd became readable (kinds with an fd). */
	void (*ready)(struct session *s, struct attached_probe *a);
	/* Tracing ends (END runs).  0 or -errno.  May be NULL. */
	int (*stop)(struct session *s, struct attached_probe *a);
	/* Detaches and frees what load() and start() made. */
	void (*close)(struct attached_probe *a);
};

const struct probe_kind *probe_kind_of(enum attach_kind kind);

/* Frees what a variants hook made (n is its return; nothing when < 0). */
void probe_variants_free(struct probe_variant *v, int n);

extern const struct probe_kind probe_kind_begin;
extern const struct probe_kind probe_kind_end;
extern const struct probe_kind probe_kind_interval;
extern const struct probe_kind probe_kind_usdt;

/* For kinds whose programs run in btctrace itself (BEGIN, END,
 * interval): one variant, no location.  Hook helpers they share. */
int probe_variant_single(struct session *s, const struct attach_point *ap,
			 struct probe_variant **out);
int probe_resolve_nothing(struct session *s, struct attach_point *ap);
enum prog_kind probe_prog_run_once(void);

#endif
