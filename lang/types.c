/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Type names as messages show them. */
#include <pwd.h>
#include <stdio.h>

#include "types.h"

void tuple_layout(struct tuple_type *tt)
{
	int at = 0;
	for (int i = 0; i < tt->n; i++) {
		tt->offset[i] = at;
		at += type_stored_size(&tt->elem[i]);
	}
	tt->size = at;
}

bool type_equal(const struct type *a, const struct type *b)
{
	return a->kind == b->kind && a->size == b->size && a->is_signed == b->is_signed &&
	       a->tuple == b->tuple &&
	       a->stack_frames == b->stack_frames && a->stack_mode == b->stack_mode &&
	       a->scale == b->scale;
}

/* "(int64, string[4])": each element's name, cut where buf ends. */
static void tuple_name(const struct tuple_type *tt, char *buf, int len)
{
	int at = snprintf(buf, len, "(");
	for (int i = 0; i < tt->n && at < len; i++) {
		char elem[128];
		type_name(&tt->elem[i], elem, sizeof(elem));
		at += snprintf(buf + at, len - at, "%s%s", i ? ", " : "", elem);
	}
	if (at < len)
		snprintf(buf + at, len - at, ")");
}

const char *type_name(const struct type *t, char *buf, int len)
{
	switch (t->kind) {
	case T_TUPLE:
		tuple_name(t->tuple, buf, len);
		break;
	case T_INT:
		snprintf(buf, len, "%sint%d", t->is_signed ? "" : "u", t->size * 8);
		break;
	case T_STR:
		snprintf(buf, len, "string[%d]", t->size);
		break;
	case T_AGG:
		snprintf(buf, len, "aggregation");
		break;
	case T_HASH:
		snprintf(buf, len, "hash");
		break;
	case T_BYTES:
		snprintf(buf, len, "bytes");
		break;
	case T_TIME:
		snprintf(buf, len, "timestamp");
		break;
	case T_BUF:
		snprintf(buf, len, "buffer[%d]", t->size - 8);
		break;
	case T_DEC:
		snprintf(buf, len, "decimal(%d places)", t->scale);
		break;
	case T_USER:
		snprintf(buf, len, "username");
		break;
	case T_USTACK:
		snprintf(buf, len, "ustack(%d)", t->stack_frames);
		break;
	case T_USYM:
		snprintf(buf, len, "usym");
		break;
	case T_PTR:
		snprintf(buf, len, "%sint%d *", t->is_signed ? "" : "u", t->size * 8);
		break;
	default:
		snprintf(buf, len, "nothing");
	}
	return buf;
}

const char *user_name(uint64_t uid, char *buf, int len)
{
	struct passwd pw, *found = NULL;
	char scratch[1024];
	if (getpwuid_r((uid_t)uid, &pw, scratch, sizeof(scratch), &found) == 0 && found)
		snprintf(buf, len, "%s", found->pw_name);
	else
		snprintf(buf, len, "%llu", (unsigned long long)uid);
	return buf;
}
