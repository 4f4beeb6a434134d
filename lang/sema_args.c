/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Probe arguments in a block: argN by position, args.NAME by the
 * catalog's names.  A block may hold several probes (a list, a wildcard)
 * and each gets its own program, but an expression has one type: every
 * probe of the block must have the argument, with a type that reads and
 * prints alike.  args.NAME may sit at another position in each probe
 * (sema_bind_args points it there before each program is compiled). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sema.h"
#include "suggest.h"

static const char *closest_arg(const struct tp_decl *d, const char *name)
{
	const char *best = NULL;
	int bestd = 4;
	for (int i = 0; i < d->nargs; i++) {
		int dist = edit_distance(name, d->args[i].name);
		/* A prefix or suffix match ("value" for "val") counts as close. */
		if (strstr(d->args[i].name, name) || strstr(name, d->args[i].name))
			dist = dist < 2 ? dist : 2;
		if (dist < bestd) {
			bestd = dist;
			best = d->args[i].name;
		}
	}
	return best;
}

/* args.NAME of one probe: its index and type in *out, or an error naming
 * the probe when it lacks the argument. */
static int named_arg_of(const struct attach_point *ap, const struct node *n,
			const struct decl_arg **out)
{
	const struct tp_decl *d = ap->sig->decl;
	if (!d)
		return diag_error(&n->loc, "use arg0..arg11 for this probe",
				  "args.%s: %s", n->name, ap->sig->no_decl_why[0] ?
				  ap->sig->no_decl_why : "the catalog does not describe this probe");
	for (int i = 0; i < d->nargs; i++)
		if (!strcmp(d->args[i].name, n->name)) {
			*out = &d->args[i];
			return 0;
		}
	char hint[256];
	const char *near = closest_arg(d, n->name);
	size_t off = near ? snprintf(hint, sizeof(hint), "did you mean args.%s? ", near) : 0;
	off += snprintf(hint + off, sizeof(hint) - off, "%s:%s has", d->provider, d->event);
	for (int i = 0; i < d->nargs && off < sizeof(hint); i++)
		off += snprintf(hint + off, sizeof(hint) - off, " %s", d->args[i].name);
	return diag_error(&n->loc, hint, "%s:%s has no argument '%s'", d->provider, d->event,
			  n->name);
}

/* Whether two probes' argument types read and print alike: the same
 * kind (and sign); strings may differ in length (the longest is read). */
static bool compatible(const struct decl_arg *a, const struct decl_arg *b)
{
	if (a->type.kind != b->type.kind || a->type.is_signed != b->type.is_signed)
		return false;
	return a->type.kind == T_STR || a->type.size == b->type.size;
}

/* Each probe of the block gets its own program, so args.NAME may sit at
 * another position in each (sema_bind_args); its type must read and print
 * alike in all of them. */
static int sema_named_arg(struct sema *s, struct node *n)
{
	const struct decl_arg *first = NULL, *a = NULL;
	const struct attach_point *first_ap = NULL;
	for (const struct attach_point *ap = s->probe->points; ap; ap = ap->next) {
		if (!ap->sig)
			continue;
		if (named_arg_of(ap, n, &a))
			return -EINVAL;
		char ta[32], tb[32];
		if (first && !compatible(first, a))
			return diag_error(&n->loc, "give these probes blocks of their own",
					  "args.%s is %s in %s:%s but %s in %s:%s", n->name,
					  type_name(&first->type, ta, sizeof(ta)),
					  first_ap->provider, first_ap->event,
					  type_name(&a->type, tb, sizeof(tb)), ap->provider, ap->event);
		if (!first) {
			first = a;
			first_ap = ap;
			n->ival = a - ap->sig->decl->args;
			n->len_index = a->len_index;
			n->typed = true;
			n->type = a->type;
		} else if (a->type.size > n->type.size) {
			n->type.size = a->type.size;
		}
	}
	return 0;
}

static void bind_nodes(struct node *n, const struct tp_decl *d)
{
	for (; n; n = n->next) {
		for (int i = 0; n->kind == N_ARG && n->typed && n->name && i < d->nargs; i++)
			if (!strcmp(d->args[i].name, n->name)) {
				n->ival = i;
				n->len_index = d->args[i].len_index;
			}
		struct node *kids[] = { n->lhs, n->rhs, n->cond, n->then, n->els, n->args, n->map };
		for (size_t k = 0; k < sizeof(kids) / sizeof(kids[0]); k++)
			bind_nodes(kids[k], d);
	}
}

void sema_bind_args(const struct probe *p, const struct attach_point *ap)
{
	const struct tp_decl *d = ap->sig ? ap->sig->decl : NULL;
	if (!d)
		return;	/* no args.NAME passed analysis here */
	bind_nodes(p->pred, d);
	bind_nodes(p->body, d);
}

/* argN where the block's probes disagree: the one that lacks it or reads
 * it otherwise, by name. */
static int positional_error(struct sema *s, struct node *n)
{
	const struct attach_point *first = NULL;
	int i = (int)n->ival;
	char ta[32], tb[32], hint[160];
	for (const struct attach_point *ap = s->probe->points; ap; ap = ap->next) {
		if (!ap->sig)
			continue;
		if (i >= ap->sig->nargs) {
			snprintf(hint, sizeof(hint), "%s:%s has %d argument%s", ap->provider,
				 ap->event, ap->sig->nargs, ap->sig->nargs == 1 ? "" : "s");
			return diag_error(&n->loc, hint, "arg%d does not exist in %s:%s", i,
					  ap->provider, ap->event);
		}
		const struct type *a = &ap->sig->args[i], *f = first ? &first->sig->args[i] : a;
		if (a->size != f->size || a->is_signed != f->is_signed)
			return diag_error(&n->loc, "give these probes blocks of their own",
					  "arg%d is %s in %s:%s but %s in %s:%s", i,
					  type_name(f, ta, sizeof(ta)), first->provider, first->event,
					  type_name(a, tb, sizeof(tb)), ap->provider, ap->event);
		first = first ? first : ap;
	}
	return diag_error(&n->loc, NULL, "arg%d cannot be read here", i);
}

int sema_arg(struct sema *s, struct node *n)
{
	if (n->str && strcmp(n->str, "args"))
		return diag_error(&n->loc, "probe arguments are args.NAME or arg0..arg11",
				  "unknown name '%s'", n->str);
	if (!s->has_sig)
		return diag_error(&n->loc, "BEGIN and END have no arguments",
				  "probe arguments are only available in USDT probes");
	if (n->ival < 0)
		return sema_named_arg(s, n);
	bool several = s->probe->points && s->probe->points->next;
	if (n->ival >= s->sig.nargs && !several) {
		char hint[96];
		snprintf(hint, sizeof(hint), "this probe has %d argument%s (arg0..arg%d)",
			 s->sig.nargs, s->sig.nargs == 1 ? "" : "s", s->sig.nargs - 1);
		return diag_error(&n->loc, s->sig.nargs ? hint : "this probe has no arguments",
				  "arg%d does not exist here", (int)n->ival);
	}
	if (n->ival >= s->sig.nargs || s->sig.args[n->ival].kind == T_NONE)
		return positional_error(s, n);
	n->type = s->sig.args[n->ival];
	return 0;
}
