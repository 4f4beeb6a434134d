/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BTCTRACE_SUGGEST_H
#define BTCTRACE_SUGGEST_H

int edit_distance(const char *a, const char *b);

#endif
