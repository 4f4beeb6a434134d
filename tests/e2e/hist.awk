# SPDX-License-Identifier: GPL-3.0-or-later
# Renders 66 log2 slot counts (btcsim's truth) in bpftrace's hist layout,
# independently of btctrace's printer: slot 0 negative, 1 zero, 2 one,
# k+2 = [2^k, 2^(k+1)).
function suffix(k,   units, u) {
	split("K M G T P E", units, " ")
	u = int(k / 10)
	return (2 ^ (k - 10 * u)) (u ? units[u] : "")
}
function label(s) {
	if (s == 0) return "(..., 0)"
	if (s == 1) return "[0]"
	if (s == 2) return "[1]"
	k = s - 2
	return "[" suffix(k) ", " suffix(k + 1) ")"
}
{
	n = split($0, c, "\t")
	first = -1; last = -1; max = 0
	for (i = 1; i <= n; i++) if (c[i] > 0) { if (first < 0) first = i; last = i; if (c[i] > max) max = c[i] }
	printf "%s: \n", name
	for (i = first; i <= last && first > 0; i++) {
		bar = ""
		w = int(c[i] * 52 / max)
		for (j = 0; j < w; j++) bar = bar "@"
		printf "%-16s%8d |%-52s|\n", label(i - 1), c[i], bar
	}
	print ""
}
