/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attach points as written: BEGIN, END, interval:UNIT:N and the USDT
 * forms context:event and usdt:PATH:context:event.  Splitting them is the
 * language's business; what each kind does at run time is the runtime's
 * (runtime/probe_kind.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"


/* interval:s:N, interval:ms:N, interval:us:N (bpftrace's units). */
static int split_interval(struct attach_point *ap, const char *unit, const char *count)
{
	static const struct { const char *name; uint64_t ns; } units[] = {
		{ "s", 1000000000ull }, { "ms", 1000000ull }, { "us", 1000ull }, { "hz", 0 },
	};
	ap->kind = ATTACH_INTERVAL;
	char *end;
	errno = 0;
	unsigned long long n = count ? strtoull(count, &end, 10) : 0;
	if (errno == ERANGE)
		n = UINT64_MAX;	/* overflows in every unit */
	for (size_t i = 0; unit && n && !*end && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strncmp(unit, units[i].name, strlen(units[i].name)) ||
		    unit[strlen(units[i].name)] != ':')
			continue;
		if (units[i].ns && n > UINT64_MAX / units[i].ns)
			return diag_error(&ap->loc, "use a period below 2^64 nanoseconds "
					  "(about 584 years)", "interval period of '%s' overflows",
					  ap->spec);
		ap->period_ns = units[i].ns ? units[i].ns * n : 1000000000ull / n;
		if (ap->period_ns >= 1000000)
			return 0;
		break;
	}
	return diag_error(&ap->loc, "write interval:s:N, interval:ms:N or interval:hz:N; "
			  "periods start at 1 ms", "bad interval probe '%s'", ap->spec);
}

/* bpftrace's probe types by their long names and the short ones its
 * parser accepts (`U:` for usdt, `i:` for interval).  Types btctrace
 * lacks are listed so that their error names them. */
static const struct { const char *name, *alias; bool supported; } probe_types[] = {
	{ "usdt", "U", true }, { "interval", "i", true },
	{ "kprobe", "k", false }, { "kretprobe", "kr", false }, { "uprobe", "u", false },
	{ "uretprobe", "ur", false }, { "tracepoint", "t", false }, { "profile", "p", false },
	{ "software", "s", false }, { "hardware", "h", false }, { "watchpoint", "w", false },
	{ "asyncwatchpoint", "aw", false }, { "kfunc", "f", false }, { "kretfunc", "fr", false },
	{ "iter", "it", false }, { "rawtracepoint", "rt", false },
};

/* The probe type a first part of len bytes names, or -1 (a USDT context). */
static int probe_type(const char *part, int len)
{
	for (int i = 0; i < (int)(sizeof(probe_types) / sizeof(probe_types[0])); i++) {
		const char *name = probe_types[i].name, *alias = probe_types[i].alias;
		if (((int)strlen(name) == len && !strncmp(part, name, len)) ||
		    ((int)strlen(alias) == len && !strncmp(part, alias, len)))
			return i;
	}
	return -1;
}

/* Splits spec at ':' into at most 4 parts (the last keeps any ':'). */
static int split_parts(char *spec, char *parts[4], int len[4])
{
	int n = 0;
	for (char *p = spec; n < 4; n++) {
		parts[n] = p;
		p = strchr(p, ':');
		if (!p) {
			n++;
			break;
		}
		p++;
	}
	for (int i = 0; i < n; i++)
		len[i] = (int)(i + 1 < n ? parts[i + 1] - parts[i] - 1 : (int)strlen(parts[i]));
	return n;
}

static int split_usdt(struct attach_point *ap, int n, char *parts[4], const int len[4])
{
	if (n == 4) {
		ap->path = strndup(parts[1], len[1]);
		ap->provider = strndup(parts[2], len[2]);
		ap->event = strndup(parts[3], len[3]);
		return 0;
	}
	if (n == 2) {
		ap->provider = strndup(parts[0], len[0]);
		ap->event = strndup(parts[1], len[1]);
		return 0;
	}
	return diag_error(&ap->loc, "write usdt:PATH:context:event, e.g. "
			  "usdt:./bitcoind:utxocache:add, or just utxocache:add",
			  "probe '%s' names no context", ap->spec);
}

int attach_split(struct attach_point *ap)
{
	char *s = ap->spec;
	if (!strcmp(s, "BEGIN") || !strcmp(s, "END")) {
		ap->kind = s[0] == 'B' ? ATTACH_BEGIN : ATTACH_END;
		return (ap->full_name = strdup(s)) ? 0 : -ENOMEM;
	}
	ap->kind = ATTACH_USDT;
	char *parts[4] = { 0 };
	int len[4];
	int n = split_parts(s, parts, len);
	int type = n > 1 ? probe_type(parts[0], len[0]) : -1;
	if (type < 0 && n == 2)
		return split_usdt(ap, n, parts, len);
	if (type == 0)
		return split_usdt(ap, n, parts, len);
	if (type == 1) {
		int rc = split_interval(ap, n == 3 ? parts[1] : NULL, n == 3 ? parts[2] : NULL);
		/* bpftrace names `i:ms:100` by its long type: interval:ms:100. */
		if (!rc && asprintf(&ap->full_name, "interval:%s", parts[1]) < 0)
			rc = -ENOMEM;
		return rc;
	}
	if (type > 1)
		return diag_error(&ap->loc, DIAG_HINT_UNSUPPORTED, "%s probes are a bpftrace feature btctrace "
				  "does not support", probe_types[type].name);
	return diag_error(&ap->loc, "btctrace traces Bitcoin Core's USDT probes: write "
			  "context:event (e.g. utxocache:add), usdt:PATH:context:event, "
			  "BEGIN, END or interval:s:N", "unsupported probe '%s'", s);
}

int attach_split_all(struct program *prog)
{
	int rc = 0;
	for (struct probe *p = prog->probes; p; p = p->next)
		for (struct attach_point *ap = p->points; ap; ap = ap->next)
			if (attach_split(ap))
				rc = -EINVAL;
	return rc;
}

bool attach_is_pattern(const struct attach_point *ap)
{
	return ap->kind == ATTACH_USDT &&
	       (strpbrk(ap->provider, "*?[") || strpbrk(ap->event, "*?["));
}

int attach_set_probe(struct attach_point *ap, const char *provider, const char *event)
{
	char *p = strdup(provider), *e = strdup(event), *spec = NULL;
	int rc = ap->path ? asprintf(&spec, "usdt:%s:%s:%s", ap->path, provider, event)
			  : asprintf(&spec, "%s:%s", provider, event);
	if (!p || !e || rc < 0) {
		free(p);
		free(e);
		return -ENOMEM;
	}
	free(ap->provider);
	free(ap->event);
	free(ap->spec);
	ap->provider = p;
	ap->event = e;
	ap->spec = spec;
	return 0;
}

struct attach_point *attach_insert_match(struct attach_point *ap, const char *provider,
					 const char *event)
{
	struct attach_point *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->kind = ap->kind;
	m->loc = ap->loc;
	if ((ap->path && !(m->path = strdup(ap->path))) || attach_set_probe(m, provider, event)) {
		free(m->path);
		free(m);
		return NULL;
	}
	m->next = ap->next;
	ap->next = m;
	return m;
}

int attach_name_usdt(struct attach_point *ap, const char *path)
{
	free(ap->full_name);
	ap->full_name = NULL;
	return asprintf(&ap->full_name, "usdt:%s:%s:%s", path, ap->provider, ap->event) < 0 ?
	       -ENOMEM : 0;
}
