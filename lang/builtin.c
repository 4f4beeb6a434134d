/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Looking up a builtin in the table the CLI registered. */
#include "builtin.h"

#include <stdio.h>
#include <string.h>

#include "sema.h"
#include "suggest.h"

const struct builtin *builtin_find(const struct builtin_table *t, const char *name)
{
	for (int i = 0; t && i < t->n; i++)
		if (!strcmp(t->entries[i].name, name))
			return &t->entries[i];
	return NULL;
}

const char *builtin_suggest(const struct builtin_table *t, const char *name)
{
	const char *best = NULL;
	int bestd = 3;
	for (int i = 0; t && i < t->n; i++) {
		int d = edit_distance(name, t->entries[i].name);
		if (d < bestd) {
			bestd = d;
			best = t->entries[i].name;
		}
	}
	return best;
}

/* Appends " word" (no space before the first) while it fits. */
static size_t add_word(char *buf, size_t len, size_t off, bool first, const char *word)
{
	int n = snprintf(buf + off, len - off, "%s%s", first ? "" : " ", word);
	return n < 0 || (size_t)n >= len - off ? off : off + n;
}

const char *builtin_hint(const struct builtin_table *t, unsigned classes, const char *what,
			 const char *tail, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s are ", what);
	size_t head = n < 0 || (size_t)n >= len ? 0 : (size_t)n, off = head;
	for (int i = 0; t && i < t->n; i++)
		if (classes & (1u << t->entries[i].cls))
			off = add_word(buf, len, off, off == head, t->entries[i].name);
	if (tail && *tail)
		off = add_word(buf, len, off, off == head, tail);
	/* The table is the only list: an empty one says so rather than
	 * offering nothing after "are". */
	if (off == head)
		snprintf(buf, len, "no %s are registered", what);
	return buf;
}

void builtin_describe_map(const struct map_info *m, char *buf, size_t len)
{
	if (m->agg)
		m->agg->describe(m, buf, len);
	else
		type_name(&m->value, buf, (int)len);
}
