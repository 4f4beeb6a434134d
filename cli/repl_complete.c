/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tab completion: probe names of the target (and BEGIN, END) outside a
 * block; inside one, builtins, args.NAME of the probe being written,
 * argN and maps; @ map names; .commands, and their probe ids and names.
 * Whether the cursor is inside a block is the lexer's answer
 * (lex_progress), as for the prompt itself. */
#include <readline/readline.h>
#include <stdlib.h>
#include <string.h>

#include "cli/repl_internal.h"
#include "lang/builtin.h"
#include "runtime/probes.h"
#include "runtime/usdt.h"

static const char *const commands[] = { ".help", ".quit", ".probes", ".detach", ".list",
					".maps", ".ir", ".sleep", NULL };

static struct repl *R;	/* readline's callbacks take no argument */

/* ---- candidates ---- */

static char **cands;
static int ncands, capcands;

static void cand(const char *s)
{
	for (int i = 0; i < ncands; i++)
		if (!strcmp(cands[i], s))
			return;
	if (ncands + 1 >= capcands)
		cands = realloc(cands, (capcands = capcands ? capcands * 2 : 64) * sizeof(char *));
	cands[ncands++] = strdup(s);
}

static void cands_clear(void)
{
	for (int i = 0; i < ncands; i++)
		free(cands[i]);
	ncands = 0;
}

static char *cand_next(const char *text, int state)
{
	static int i;
	if (!state)
		i = 0;
	size_t len = strlen(text);
	while (i < ncands)
		if (!strncmp(cands[i++], text, len))
			return strdup(cands[i - 1]);
	return NULL;
}

static bool is_function(const struct builtin_table *t, const char *name)
{
	const struct builtin *b = builtin_find(t, name);
	if (b)
		return b->cls != B_VALUE;
	for (int i = 0; repl_map_functions[i]; i++)
		if (!strcmp(name, repl_map_functions[i]))
			return true;
	return false;
}

static void cand_probes(struct repl *r, bool with_begin_end)
{
	const struct usdt_binary *bin = session_target_binary(r->s);
	for (int i = 0; bin && i < bin->nprobes; i++) {
		char name[256];
		snprintf(name, sizeof(name), "%s:%s", bin->probes[i].provider, bin->probes[i].name);
		cand(name);
	}
	if (with_begin_end) {
		cand("BEGIN");
		cand("END");
	}
}

static void cand_maps(struct repl *r)
{
	for (const struct map_info *m = session_map_list(r->s); m; m = m->next)
		cand(m->name);
}

static void cand_probe_ids(struct repl *r)
{
	for (const struct attached_probe *a = session_probes(r->s); a; a = a->next) {
		if (!a->id)
			continue;
		char id[16];
		snprintf(id, sizeof(id), "%d", a->id);
		cand(id);
	}
}

/* The probe of the block being typed: the first attach point of the
 * block still open. */
static const struct usdt_probe *current_probe(struct repl *r, const struct lex_progress *p,
					      const char *text)
{
	if (p->header_at < 0)
		return NULL;
	char spec[256];
	snprintf(spec, sizeof(spec), "%.*s", p->header_len, text + p->header_at);
	char *event = strrchr(spec, ':');
	if (!event)
		return NULL;
	*event++ = 0;
	char *provider = strrchr(spec, ':');
	provider = provider ? provider + 1 : spec;
	const struct usdt_binary *bin = session_target_binary(r->s);
	return bin ? usdt_find_probe(bin, provider, event) : NULL;
}

/* args.NAME of the probe being typed, from the catalog's matching shape. */
static void cand_args(struct repl *r, const struct usdt_probe *p)
{
	const struct catalog *cat = p ? session_catalog_view(r->s) : NULL;
	if (!cat)
		return;
	char why[512];
	const struct tp_decl *d = shape_for(cat, p, why, sizeof(why));
	for (int i = 0; d && i < d->nargs; i++) {
		char name[128];
		snprintf(name, sizeof(name), "args.%s", d->args[i].name);
		cand(name);
	}
}

/* Inside a block: builtins, args, argN, maps. */
static void cand_block(struct repl *r, const struct lex_progress *lp, const char *before)
{
	const struct usdt_probe *p = current_probe(r, lp, before);
	const struct builtin_table *t = session_builtins(r->s);
	for (int i = 0; t && i < t->n; i++)
		cand(t->entries[i].name);
	cand_args(r, p);
	for (int i = 0; p && p->nlocs && i < p->locs[0].nargs; i++) {
		char name[16];
		snprintf(name, sizeof(name), "arg%d", i);
		cand(name);
	}
	cand_maps(r);
}

/* A .command's name, or what it takes. */
static void cand_command(struct repl *r, const char *line, bool first_word)
{
	if (first_word) {
		for (int i = 0; commands[i]; i++)
			cand(commands[i]);
	} else if (!strncmp(line, ".list", 5)) {
		cand_probes(r, false);
	} else if (!strncmp(line, ".detach", 7) || !strncmp(line, ".ir", 3)) {
		cand_probe_ids(r);
	}
}

/* The entry so far: earlier lines of an open block, then this line up to
 * the word completed (malloc'd). */
static char *entry_before(struct repl *r, int start)
{
	size_t plen = r->pending ? strlen(r->pending) + 1 : 0;
	char *before = malloc(plen + start + 1);
	if (r->pending) {
		memcpy(before, r->pending, plen - 1);
		before[plen - 1] = '\n';
	}
	memcpy(before + plen, rl_line_buffer, start);
	before[plen + start] = 0;
	return before;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	struct repl *r = R;
	rl_attempted_completion_over = 1;
	rl_completion_append_character = ' ';
	cands_clear();
	char *before = entry_before(r, start);
	const char *line = repl_skip_space(rl_line_buffer);
	bool first_word = !r->pending && !*repl_skip_space(before);
	struct lex_progress lp;
	lex_progress(before, &lp);
	if (!r->pending && *line == '.') {
		cand_command(r, line, first_word);
	} else if (text[0] == '@') {
		cand_maps(r);
	} else if (lp.opened && (lp.depth > 0 || lp.in_comment)) {
		cand_block(r, &lp, before);
	} else {
		cand_probes(r, true);
		if (first_word) {
			for (int i = 0; repl_map_functions[i]; i++)
				cand(repl_map_functions[i]);
			cand_maps(r);
		}
	}
	free(before);
	char **matches = rl_completion_matches(text, cand_next);
	if (matches && !matches[1] && is_function(session_builtins(r->s), matches[0]))
		rl_completion_append_character = '(';
	return matches;
}

void repl_complete_init(struct repl *r)
{
	R = r;
	rl_attempted_completion_function = complete;
	rl_basic_word_break_characters = " \t\n\"\\'`><=;|&{}()[],+-*/%!~?^";
}

void repl_complete_end(void)
{
	cands_clear();
	free(cands);
	cands = NULL;
	capcands = 0;
	R = NULL;
}
