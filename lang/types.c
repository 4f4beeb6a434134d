/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Type names as messages show them. */
#include <pwd.h>
#include <stdio.h>

#include "types.h"

const char *type_name(const struct type *t, char *buf, int len)
{
	switch (t->kind) {
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
