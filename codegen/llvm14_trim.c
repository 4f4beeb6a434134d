/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keeping LLVM 14's optimiser out of the binary.
 *
 * BPFTargetMachine::adjustPassManager() hooks BPF's passes into the
 * legacy PassManagerBuilder, and its one call to addExtension() is what
 * makes a static link pull in PassManagerBuilder.cpp.o, which names every
 * IPO, vectoriser, instrumentation and coroutine pass: 160 more archive
 * members and 90 more static constructors (LLVM's cl::opt registrations),
 * about 3 ms at every start, `btctrace --help` included.
 *
 * btctrace only emits code through the target machine and never builds a
 * PassManagerBuilder.  Nothing can: its constructor lives in that same
 * object file, so a call to it anywhere would pull the file in and make
 * the link fail with addExtension() defined twice.  adjustPassManager()
 * is therefore never reached, and this definition, which the link takes
 * instead of LLVM's, only says so if it ever were.
 *
 * CMake links it (with -u, before LLVM's archives) for static LLVM 14
 * alone; LLVM 17 and later have no PassManagerBuilder. */
#include <stdio.h>
#include <stdlib.h>

void llvm14_pmb_add_extension(void) __asm__(
	"_ZN4llvm18PassManagerBuilder12addExtensionENS0_16ExtensionPointTy"
	"ESt8functionIFvRKS0_RNS_6legacy15PassManagerBaseEEE");

void llvm14_pmb_add_extension(void)
{
	fputs("btctrace: internal error: LLVM's PassManagerBuilder was called, "
	      "and this build leaves it out (codegen/llvm14_trim.c)\n", stderr);
	abort();
}
