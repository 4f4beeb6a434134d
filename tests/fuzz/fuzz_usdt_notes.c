/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the .note.stapsdt reader: arbitrary bytes as an
 * ELF image, read from memory as btctrace reads a binary's notes (ELF
 * header, program headers, sections, notes, address translation and each
 * argument spec). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "runtime/usdt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static FILE *quiet;
	if (!getenv("FUZZ_VERBOSE") && (quiet = fopen("/dev/null", "w")))
		diag_set_stream(quiet);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libelf may write into the image; the fuzzer's bytes are read-only. */
	char *image = malloc(size ? size : 1);
	if (!image)
		return 0;
	memcpy(image, data, size);
	struct usdt_binary bin;
	if (!usdt_read_memory("fuzz.elf", image, size, &bin)) {
		for (int i = 0; i < bin.nprobes; i++)
			usdt_find_probe(&bin, bin.probes[i].provider, bin.probes[i].name);
		usdt_free_binary(&bin);
	}
	free(image);
	return 0;
}
