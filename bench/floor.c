/* SPDX-License-Identifier: GPL-3.0-or-later */
/* floor: what the kernel alone costs to trace one USDT probe, for
 * bench/run.sh to set btctrace's start beside.  It loads the smallest
 * program there is (r0 = 0; exit), attaches it as a uprobe on one
 * location of a running process with the probe's semaphore (the kernel
 * raises it), and waits for SIGINT; then detaches and exits.
 *
 *   floor BINARY PID LOCATION_VADDR SEMAPHORE_VADDR
 *
 * The addresses are the link-time ones of the stapsdt note (readelf -n);
 * the uprobe wants file offsets, found through the program headers.
 * bench/run.sh times it exactly as the tracers: start to the semaphore
 * raised, SIGINT to exit. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Link-time address -> file offset, by the loadable segment holding it. */
static long file_offset(const char *path, uint64_t vaddr)
{
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	size_t n = 0;
	long off = -1;
	if (elf && !elf_getphdrnum(elf, &n))
		for (size_t i = 0; i < n && off < 0; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
			    vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
				off = (long)(vaddr - ph.p_vaddr + ph.p_offset);
		}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return off;
}

static int uprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int type = -1;
	if (f && fscanf(f, "%d", &type) != 1)
		type = -1;
	if (f)
		fclose(f);
	return type;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: floor BINARY PID LOCATION_VADDR SEMAPHORE_VADDR\n");
		return 2;
	}
	long loc = file_offset(argv[1], strtoull(argv[3], NULL, 0));
	long sem = file_offset(argv[1], strtoull(argv[4], NULL, 0));
	if (loc < 0 || sem < 0)
		return fail("addresses outside the binary's segments");
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog_fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "floor", "GPL", prog, 2, NULL);
	if (prog_fd < 0)
		return fail("loading the program");
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = (uint32_t)uprobe_pmu_type(),
		.config = (uint64_t)sem << 32,	/* the semaphore the kernel raises */
		.config1 = (uint64_t)(uintptr_t)argv[1],
		.config2 = (uint64_t)loc,
	};
	int pfd = (int)syscall(SYS_perf_event_open, &attr, atoi(argv[2]), -1, -1,
			       PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return fail("opening the uprobe");
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) || ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		return fail("attaching the program");
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sig;
	sigwait(&set, &sig);
	close(pfd);
	close(prog_fd);
	return 0;
}
