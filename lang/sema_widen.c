/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Variables whose type widens: a longer string or a wider tuple assigned
 * later in a block than a read of the variable. */
#include <string.h>

#include "diag.h"
#include "sema.h"
#include "types.h"

/* A new variable starts at the width the block's first check ended it
 * with (floors), so that a read before a longer assignment, on an
 * earlier round of a loop, reads the whole slot. */
void sema_start_at_floor(struct sema *s, int i)
{
	struct type *t = &s->vars[i].type;
	for (int f = 0; f < s->nfloors; f++) {
		const struct type *fl = &s->floors[f].type;
		if (strcmp(s->floors[f].name, s->vars[i].name))
			continue;
		if (t->kind == T_TUPLE && fl->kind == T_TUPLE)
			tuple_merge(s->syms, t, fl, t);
		else if (t->kind == fl->kind && type_grows(t) && fl->size > t->size)
			t->size = fl->size;
		return;
	}
}

/* A variable that a longer string (or a wider tuple) widened after it
 * was read: in a loop or unroll, that read runs again after the
 * assignment, and at the narrower type it cut the string ("abc" of
 * "abcdefgh", where bpftrace prints it whole).  The block is checked
 * again with every variable starting at its final width; the first
 * check said all there was to say, so the second's messages are
 * dropped unless it fails. */
int sema_check_body_widened(struct sema *s, struct probe *p)
{
	s->nfloors = 0;
	int rc = sema_check_body(s, p);
	if (rc || !s->widened)
		return rc;
	for (int i = 0; i < s->nvars; i++)
		s->floors[s->nfloors++] = (struct sema_floor){ s->vars[i].name, s->vars[i].type };
	diag_hold();
	rc = sema_check_body(s, p);
	diag_release(rc != 0);
	s->nfloors = 0;
	return rc;
}

