/* Looking up a builtin in the table the CLI registered. */
#include "builtin.h"

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

void builtin_describe_map(const struct map_info *m, char *buf, size_t len)
{
	if (m->agg)
		m->agg->describe(m, buf, len);
	else
		type_name(&m->value, buf, (int)len);
}
