#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes the seeds of fuzz_usdt_notes (tests/fuzz/usdt_notes/): ELF files
# of a few hundred bytes whose .note.stapsdt has probes with and without a
# semaphore and with register, memory and constant arguments, as Bitcoin
# Core's are.  Tiny, so that the fuzzer mutates notes and headers rather
# than code.  Run from the source tree; the output is committed.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/probes.c" <<'C'
#include <sys/sdt.h>
#ifdef _SDT_HAS_SEMAPHORES
unsigned short seed_plain_semaphore __attribute__((section(".probes"))) = 0;
unsigned short seed_sem_semaphore __attribute__((section(".probes"))) = 0;
#else
#define seed_sem_semaphore counter
#endif
long counter = 7;
void _start(void)
{
	long local = counter;
	DTRACE_PROBE2(seed, plain, local, counter);
	if (seed_sem_semaphore)
		DTRACE_PROBE3(seed, sem, 5, &local, (int)local);
	for (;;)
		;
}
C
flags=(-Os -nostdlib -static -fno-asynchronous-unwind-tables -Wl,--build-id=none
	-Wl,-n -Wl,-z,max-page-size=16 -Wl,-z,norelro)
gcc "${flags[@]}" -o "$tmp/static" "$tmp/probes.c"
gcc "${flags[@]}" -D_SDT_HAS_SEMAPHORES=1 -o "$tmp/semaphores" "$tmp/probes.c"
gcc "${flags[@]/-static/-static-pie}" -fpie -D_SDT_HAS_SEMAPHORES=1 -o "$tmp/pie" "$tmp/probes.c"
for f in static semaphores pie; do
	strip -s -R .comment "$tmp/$f"
	cp "$tmp/$f" usdt_notes/seed_$f
done
ls -l usdt_notes
