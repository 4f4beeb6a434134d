/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attach points as written: BEGIN, END, interval:UNIT:N and the USDT
 * forms context:event and usdt:PATH:context:event.  Splitting them is the
 * language's business; what each kind does at run time is the runtime's
 * (runtime/probe_kind.h). */
#include <errno.h>
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

int attach_split(struct attach_point *ap)
{
	char *s = ap->spec;
	if (!strcmp(s, "BEGIN") || !strcmp(s, "END")) {
		ap->kind = s[0] == 'B' ? ATTACH_BEGIN : ATTACH_END;
		return 0;
	}
	ap->kind = ATTACH_USDT;
	char *parts[4] = { 0 };
	int n = 0;
	for (char *p = s; n < 4; n++) {
		parts[n] = p;
		p = strchr(p, ':');
		if (!p) {
			n++;
			break;
		}
		p++;
	}
	int len[4];
	for (int i = 0; i < n; i++)
		len[i] = (int)(i + 1 < n ? parts[i + 1] - parts[i] - 1 : (int)strlen(parts[i]));
	if (n == 4 && len[0] == 4 && !strncmp(parts[0], "usdt", 4)) {
		ap->path = strndup(parts[1], len[1]);
		ap->provider = strndup(parts[2], len[2]);
		ap->event = strndup(parts[3], len[3]);
		return 0;
	}
	if (len[0] == 8 && !strncmp(parts[0], "interval", 8))
		return split_interval(ap, n == 3 ? parts[1] : NULL, n == 3 ? parts[2] : NULL);
	if (n == 2 && !(len[0] == 4 && !strncmp(parts[0], "usdt", 4))) {
		static const char *const others[] = { "kprobe", "kretprobe", "uprobe",
			"uretprobe", "tracepoint", "profile", "software",
			"hardware", "kfunc", "kretfunc", NULL };
		for (int i = 0; others[i]; i++)
			if ((int)strlen(others[i]) == len[0] && !strncmp(parts[0], others[i], len[0]))
				goto unsupported;
		ap->provider = strndup(parts[0], len[0]);
		ap->event = strndup(parts[1], len[1]);
		return 0;
	}
	if (n == 3 && len[0] == 4 && !strncmp(parts[0], "usdt", 4))
		return diag_error(&ap->loc, "write usdt:PATH:context:event, e.g. "
				  "usdt:./bitcoind:utxocache:add, or just utxocache:add",
				  "probe '%s' names no context", s);
unsupported:
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
