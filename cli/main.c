/* SPDX-License-Identifier: GPL-3.0-or-later */
/* btctrace: the command line. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "builtins/builtins.h"
#include "runtime/probes.h"
#include "cli/driver.h"
#include "lang/diag.h"
#include "output/output.h"
#include "cli/repl.h"
#include "cli/results.h"
#include "cli/version.h"
#include "runtime/live.h"
#include "runtime/metrics.h"
#include "runtime/session.h"

static const char usage_text[] =
	"usage: btctrace [options] SCRIPT.btc [ARGS...]\n"
	"       btctrace [options] -e 'PROGRAM' [ARGS...]\n"
	"       btctrace [options] - [ARGS...]    (program from stdin)\n"
	"       btctrace [options] [-i]           (interactive: attach probe blocks one\n"
	"                                          by one; the default on a terminal)\n"
	"       btctrace -l[v] [--catalog] [PATTERN]\n"
	"\n"
	"Traces Bitcoin Core's USDT tracepoints with a bpftrace-style language.\n"
	"\n"
	"target (default: the running bitcoind, else bitcoind on PATH):\n"
	"  -p PID           trace this process (its executable's probes)\n"
	"  -c 'CMD ARGS'    start CMD, held until every probe is attached;\n"
	"                   tracing ends when it exits\n"
	"  -b BINARY        trace every process running this binary\n"
	"\n"
	"options:\n"
	"  -e PROGRAM       the program text\n"
	"  -i               the REPL, also from a pipe; a program given with it is\n"
	"                   attached first\n"
	"  -f text|json|openmetrics|prometheus\n"
	"                   output format (json: one object per line, also for -l;\n"
	"                   openmetrics, prometheus: the maps at exit as metrics)\n"
	"  -o FILE          write output (or -l's listing) to FILE\n"
	"  -q               no 'Attaching N probes...' line, no notes\n"
	"  -v               say what is traced (binary, pid, probe shapes and\n"
	"                   locations) and what btctrace waits for\n"
	"  -B none|line|full  output buffering (default: whole lines, written as soon\n"
	"                   as btctrace has read the events that printed them)\n"
	"  -l [PATTERN]     list the target's probes with their arguments\n"
	"                   (PATTERN: utxocache:*, or usdt:PATH:* for a binary);\n"
	"                   -lv adds each argument's description; without any\n"
	"                   target, the catalog's probes\n"
	"  --catalog        with -l: the probe catalog's documentation, no binary\n"
	"  --no-warnings    print no warnings (errors and notes still print)\n"
	"  --map-size N     entries per map, 1 to 16777216 (default 4096)\n"
	"  --emit-llvm, -d  print each block's LLVM IR and exit (nothing is attached)\n"
	"  --timings        at exit, the milliseconds each phase took (parse, codegen,\n"
	"                   verifier, attach, printing, detach, ...) on stderr\n"
	"  --ringbuf-size N MiB for printf and other events (a power of 2 up to 1024; default 8\n"
	"                   when the script prints or with -i, else 1/4)\n"
	"  --metrics [ADDR:]PORT  serve the maps at http://ADDR:PORT/metrics while\n"
	"                   tracing (OpenMetrics; ADDR defaults to 127.0.0.1)\n"
	"  --metrics-file PATH  write the maps to PATH every second (Prometheus text,\n"
	"                   for node_exporter's textfile collector)\n"
	"  --metrics-limit N  series per map exported at most (default 10000)\n"
	"  --live[=SECONDS] redraw the maps in place every SECONDS (default 2) on a\n"
	"                   terminal, sorted, with rates; else print them that often\n"
	"  -V, --version    the version, LLVM's and libbpf's, the kernel's features\n"
	"  -h, --help       this text\n"
	"\n"
	"environment:\n"
	"  BPFTRACE_STRLEN  str()'s default buffer size in bytes (default 64)\n"
	"  BPFTRACE_MAP_KEYS_MAX  entries per map, as --map-size (which wins)\n"
	"  PATH             where bitcoind and -c's command are looked for\n"
	"  HOME             the REPL keeps its history in ~/.btctrace_history\n"
	"  BTCTRACE_NO_UPROBE_MULTI=1  one uprobe link per location, not one\n"
	"                   uprobe_multi link per script\n"
	"\n"
	"examples:\n"
	"  btctrace -l --catalog 'mempool:*'\n"
	"      the mempool tracepoints and their arguments; no bitcoind needed\n"
	"  btctrace -lv 'utxocache:*'\n"
	"      the utxocache tracepoints of the running bitcoind (else of bitcoind on PATH)\n"
	"  btctrace -e 'utxocache:add { @coins[args.is_coinbase] = count(); }' -p \"$(pidof bitcoind)\"\n"
	"      coins added, coinbase or not, until Ctrl-C\n"
	"  btctrace -f json -e 'mempool:added { @vsize = hist(args.vsize); } interval:s:2 { exit(); }'\n"
	"      two seconds of mempool entries' sizes, as JSON\n"
	"\n"
	"exit status: 0 ok; 1 error; the traced command's status if it failed;\n"
	"the code given to exit(code); 3 if events or map updates were lost.\n"
	"\n"
	"The manual: man btctrace.\n";

struct cli {
	struct session_opts opts;
	const char *program;
	const char *file;
	const char *out_path;
	bool list, verbose;	/* -l, -lv */
	bool catalog;		/* -l --catalog: no binary */
	int buffering;		/* -B: _IONBF, _IOLBF or _IOFBF; 0 = default */
	bool repl;		/* -i, or a terminal and no program */
	bool emit_llvm;		/* --emit-llvm: print the IR, attach nothing */
	struct metrics_opts metrics;	/* --metrics, --metrics-file */
	unsigned live_ms;	/* --live: between redraws; 0 = no live view */
};

/* The whole stream; *len is the bytes read, so a NUL byte inside the
 * script can be reported rather than end it silently. */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static int load_source(struct cli *cli, struct source *src)
{
	if (cli->program) {
		src->name = "-e";
		src->text = strdup(cli->program);
		return 0;
	}
	if (!strcmp(cli->file, "-")) {
		src->name = "stdin";
		src->text = read_all(stdin, &src->len);
		return 0;
	}
	FILE *f = fopen(cli->file, "r");
	if (!f) {
		return diag_errno(-errno, NULL, NULL, "cannot open %s: %s", cli->file,
				  strerror(errno));
	}
	src->name = cli->file;
	src->text = read_all(f, &src->len);
	fclose(f);
	return 0;
}

static int parse_pid(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == 0 || *end || v <= 0 || v > 0x3fffffff) {
		return diag_error(NULL, NULL, "-p needs a process id, not '%s'", s);
	}
	return (int)v;
}

/* -B: setvbuf's mode, or -1. */
static int parse_buffering(const char *arg)
{
	if (!strcmp(arg, "none"))
		return _IONBF;
	if (!strcmp(arg, "line"))
		return _IOLBF;
	return strcmp(arg, "full") ? -1 : _IOFBF;
}

/* A decimal number from 1 to max, nothing else (no sign, no suffix). */
static bool parse_number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && !errno && *v >= 1 && *v <= max;
}

#define MAX_MAP_SIZE (1ul << 24)	/* entries; a histogram's kernel map has 8x */
#define MAX_RINGBUF_MIB 1024ul
#define MAX_SERIES 10000000ul	/* --metrics-limit: series per map */
#define MAX_LIVE_S 3600ul	/* --live: seconds between redraws */

/* --map-size N (entries) and --ringbuf-size N (MiB, a power of two). */
static int parse_size(int opt, const char *arg, struct session_opts *o)
{
	unsigned long v;
	if (opt == 'M') {
		if (!parse_number(arg, MAX_MAP_SIZE, &v))
			return diag_error(NULL, NULL, "--map-size takes a number of entries from 1 "
					  "to %lu, not '%s'", MAX_MAP_SIZE, arg);
		o->map_size = (uint32_t)v;
		return 0;
	}
	if (!parse_number(arg, MAX_RINGBUF_MIB, &v) || (v & (v - 1)))
		return diag_error(NULL, NULL, "--ringbuf-size takes a power of two from 1 to %lu "
				  "(MiB), not '%s'", MAX_RINGBUF_MIB, arg);
	o->ringbuf_size = (uint32_t)(v << 20);
	return 0;
}

/* bpftrace's -d, its debug dry run: the nearest here is the IR. */
static void debug_as_emit_llvm(struct cli *cli)
{
	if (!cli->emit_llvm)
		diag_note(NULL, "-d is bpftrace's debug output: btctrace prints each block's "
			  "LLVM IR (--emit-llvm) and attaches nothing");
	cli->emit_llvm = true;
}

/* Options whose value is checked: -f, --map-size, --ringbuf-size,
 * --metrics, --metrics-file, --metrics-limit. */
static int parse_valued(int opt, const char *arg, struct cli *cli)
{
	if (opt == 'f') {
		int fmt = output_format_by_name(arg);
		if (fmt < 0)
			return diag_error(NULL, NULL, "-f takes text, json, openmetrics or "
					  "prometheus");
		cli->opts.format = (enum out_format)fmt;
		return 0;
	}
	if (opt == 'P') {
		cli->metrics.listen = arg;
		return metrics_check_listen(arg);
	}
	if (opt == 'F') {
		cli->metrics.file = arg;
		return 0;
	}
	unsigned long v;
	if (opt == 'Z') {
		if (arg && !parse_number(arg, MAX_LIVE_S, &v))
			return diag_error(NULL, NULL, "--live takes whole seconds from 1 to %lu, "
					  "not '%s'", MAX_LIVE_S, arg);
		cli->live_ms = arg ? (unsigned)v * 1000 : 2000;
		return 0;
	}
	if (opt == 'S') {
		if (!parse_number(arg, MAX_SERIES, &v))
			return diag_error(NULL, NULL, "--metrics-limit takes a number of series "
					  "from 1 to %lu, not '%s'", MAX_SERIES, arg);
		cli->metrics.series_limit = (int)v;
		return 0;
	}
	return parse_size(opt, arg, &cli->opts);
}

static int parse_args(int argc, char **argv, struct cli *cli)
{
	static const struct option longs[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "map-size", required_argument, NULL, 'M' },
		{ "ringbuf-size", required_argument, NULL, 'R' },
		{ "emit-llvm", no_argument, NULL, 'L' },
		{ "timings", no_argument, NULL, 'T' },
		{ "catalog", no_argument, NULL, 'K' },
		{ "no-warnings", no_argument, NULL, 'W' },
		{ "metrics", required_argument, NULL, 'P' },
		{ "metrics-file", required_argument, NULL, 'F' },
		{ "metrics-limit", required_argument, NULL, 'S' },
		{ "live", optional_argument, NULL, 'Z' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "e:p:c:b:f:o:qhlviVB:d", longs, NULL)) != -1) {
		switch (c) {
		case 'e': cli->program = optarg; break;
		case 'p':
			if (cli->opts.pid > 0)
				return diag_error(NULL, "-p traces one process; -b BINARY traces "
						  "every process running a binary",
						  "-p given twice (%d and %s)", cli->opts.pid, optarg);
			if ((cli->opts.pid = parse_pid(optarg)) < 0)
				return -1;
			break;
		case 'c':
		case 'b':
			if (c == 'c' ? cli->opts.cmd != NULL : cli->opts.path != NULL)
				return diag_error(NULL, "give one target", "-%c given twice", c);
			*(c == 'c' ? &cli->opts.cmd : &cli->opts.path) = optarg;
			break;
		case 'o': cli->out_path = optarg; break;
		case 'q': cli->opts.quiet = true; break;
		case 'l': cli->list = true; break;
		case 'B':
			if ((cli->buffering = parse_buffering(optarg)) < 0)
				return diag_error(NULL, NULL, "-B takes none, line or full");
			break;
		case 'i': cli->repl = true; break;
		case 'v': cli->verbose = true; break;
		case 'f': case 'M': case 'R': case 'P': case 'F': case 'S': case 'Z':
			if (parse_valued(c, optarg, cli))
				return -1;
			break;
		case 'L': cli->emit_llvm = true; break;
		case 'T': cli->opts.timings = true; break;
		case 'd': debug_as_emit_llvm(cli); break;
		case 'K': cli->catalog = cli->list = true; break;
		case 'W': diag_set_warnings(false); break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case 'V': print_version(stdout); exit(0);
		default: fputs(usage_text, stderr); return -1;
		}
	}
	if (cli->opts.path && (cli->opts.pid > 0 || cli->opts.cmd))
		return diag_error(NULL, "-b traces every process running a binary, -p and -c "
				  "one process: give one of them",
				  "-b and %s exclude each other", cli->opts.cmd ? "-c" : "-p");
	if (cli->list) {
		cli->file = optind < argc ? argv[optind++] : NULL;
		return 0;
	}
	if (!cli->program && optind >= argc && (cli->repl || isatty(STDIN_FILENO))) {
		cli->repl = true;
	} else if (!cli->program) {
		if (optind >= argc) {
			fputs(usage_text, stderr);
			return -1;
		}
		cli->file = argv[optind++];
	}
	cli->opts.params = (const char *const *)argv + optind;
	cli->opts.nparams = argc - optind;
	return 0;
}

/* bpftrace's environment knobs: BPFTRACE_MAP_KEYS_MAX is --map-size
 * (which wins when given); BPFTRACE_PERF_RB_PAGES sizes per-CPU perf
 * buffers, which btctrace does not have. */
static int bpftrace_env(struct cli *cli)
{
	const char *keys = getenv("BPFTRACE_MAP_KEYS_MAX");
	unsigned long v;
	if (keys && !cli->opts.map_size) {
		if (!parse_number(keys, MAX_MAP_SIZE, &v))
			return diag_error(NULL, "or use --map-size N", "BPFTRACE_MAP_KEYS_MAX must "
					  "be a number of entries from 1 to %lu, not '%s'",
					  MAX_MAP_SIZE, keys);
		cli->opts.map_size = (uint32_t)v;
	}
	if (getenv("BPFTRACE_PERF_RB_PAGES") && !cli->opts.ringbuf_size)
		diag_warn(NULL, "size it with --ringbuf-size N (MiB, a power of two)",
			  "BPFTRACE_PERF_RB_PAGES is not used: btctrace has one ring buffer "
			  "for all CPUs, not perf buffers");
	return 0;
}

/* --live: a screen when the text results would reach a terminal, else
 * the maps printed every interval. */
static int start_live(struct cli *c, struct session *s, struct live **lv)
{
	struct live_opts o = { c->live_ms, false, c->out_path != NULL };

	if (!c->live_ms)
		return 0;
	o.screen = isatty(STDOUT_FILENO) && c->opts.format == FMT_TEXT;
	return live_start(s, &o, lv);
}

/* A script or -e program: compiled, attached, traced until it ends.
 * Returns the exit status. */
static int run_script(struct cli *c, struct source *src, uint64_t t0)
{
	/* Standard output too goes through a stream whose write errors are
	 * reported: results lost to a full disk are an error (exit 1). */
	if (!c->opts.out && !c->emit_llvm && !(c->opts.out = results_open(NULL)))
		return 1;
	/* As bpftrace, printf lines reach a pipe as they happen; but not one
	 * write(2) per line: by default lines are buffered and the session
	 * flushes them once per batch of events read, which is what lets the
	 * reader keep up with a flood (a write per line halves its rate).
	 * -B line/none/full are taken literally. */
	if (c->opts.out) {
		setvbuf(c->opts.out, NULL, c->buffering ? c->buffering : _IOFBF,
			c->buffering ? 0 : 1 << 16);
		c->opts.flush_batches = !c->buffering;
	}
	struct session s;
	session_open(&s, &c->opts);
	s.timings.start_ns = t0;
	timings_add(&s.timings, PH_SETUP, &t0);
	int status = 1;
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (c->emit_llvm) {
		status = driver_add(&s, src, stdout, NULL) ? 1 : 0;
	} else if (driver_add(&s, src, NULL, NULL) == 0) {
		/* From here SIGINT and SIGTERM only end tracing (session_run reads
		 * them): one while the maps print or the probes detach must not
		 * replace the exit status with 130 or 143, which would hide lost
		 * events and the command's status. */
		sigprocmask(SIG_BLOCK, &stop, NULL);
		/* Started with the signals blocked: its threads inherit that. */
		struct metrics *mx;
		struct live *lv = NULL;
		if (metrics_start(&s, &c->metrics, &mx) == 0 && start_live(c, &s, &lv) == 0)
			status = session_run(&s);
		live_free(lv);
		metrics_stop(mx);
	}
	/* A second Ctrl-C while detaching would leave the kernel to detach
	 * link by link at exit, which is slower: results are out, so wait. */
	sigprocmask(SIG_BLOCK, &stop, NULL);
	session_close(&s);
	if (c->opts.timings)
		timings_print(&s.timings);
	return status;
}

/* -l, into -o's file when one is given. */
static int list_to(const struct cli *cli)
{
	FILE *out = NULL;
	if (cli->out_path && !(out = results_open(cli->out_path)))
		return 1;
	struct list_request r = { cli->file, cli->verbose, cli->opts.format == FMT_JSON,
				  cli->catalog, cli->opts.pid, cli->opts.cmd, cli->opts.path, out };
	int rc = list_command(&r);
	if (out && results_close(out))
		return 1;
	return rc < 0 ? 1 : 0;
}

/* The heap's first pages, committed in one system call before anything
 * (LLVM's static constructors first) allocates.  A run grows the heap by
 * ~700 KB, a page at a time; on a virtual machine a page fault costs
 * ~15 us, and those faults were ~120 of a `BEGIN { exit(); }` run's ~460.
 * The thresholds keep this block, and blocks up to 2 MiB, in the heap
 * instead of mmap(): freed, they stay there for the next allocation. */
#define HEAP_PREFAULT (1u << 20)
__attribute__((constructor(101))) static void heap_prefault(void)
{
	mallopt(M_MMAP_THRESHOLD, 2 * HEAP_PREFAULT);
	mallopt(M_TRIM_THRESHOLD, 4 * HEAP_PREFAULT);
	char *p = malloc(HEAP_PREFAULT);
	if (!p)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	/* Best effort: a kernel before 5.14 has no MADV_POPULATE_WRITE. */
	(void)madvise((void *)start, HEAP_PREFAULT - page, MADV_POPULATE_WRITE);
	free(p);
}

int main(int argc, char **argv)
{
	uint64_t t0 = timings_now();
	struct cli cli = { 0 };
	cli.opts.builtins = builtins_table();	/* the front end's builtins */
	if (parse_args(argc, argv, &cli) || bpftrace_env(&cli))
		return 1;
	cli.opts.verbose = cli.verbose;	/* -v; -lv is the verbose listing */
	if (cli.list)
		return list_to(&cli);
	struct source src = { 0 };
	if (cli.repl && cli.file && !strcmp(cli.file, "-")) {
		diag_error(NULL, NULL, "-i reads its entries from stdin: give the program with "
			   "-e or a file");
		return 1;
	}
	if ((cli.program || cli.file) && load_source(&cli, &src))
		return 1;
	if (cli.out_path && !(cli.opts.out = results_open(cli.out_path))) {
		free((char *)src.text);
		return 1;
	}
	if (cli.repl && cli.live_ms) {
		diag_error(NULL, "run the script with -e or a file", "the REPL has no live view: "
			   "print maps with .maps or print(@m)");
		free((char *)src.text);
		return 1;
	}
	if (cli.repl && (cli.metrics.listen || cli.metrics.file)) {
		diag_error(NULL, "run the script with -e or a file", "the REPL does not export "
			   "metrics: its maps change while it runs");
		free((char *)src.text);
		return 1;
	}
	if (cli.repl) {
		cli.opts.interactive = true;
		int status = repl_main(&cli.opts, src.text ? &src : NULL);
		free((char *)src.text);
		if (cli.opts.out && results_close(cli.opts.out))
			return 1;
		return status;
	}
	/* bpftrace's knobs that Bitcoin Core's contrib/tracing README uses. */
	const char *strlen_env = getenv("BPFTRACE_STRLEN");
	if (strlen_env && (cli.opts.str_len = atoi(strlen_env)) < 2) {
		diag_error(NULL, NULL, "BPFTRACE_STRLEN must be at least 2");
		free((char *)src.text);
		return 1;
	}
	int status = run_script(&cli, &src, t0);
	free((char *)src.text);
	if (cli.opts.out && results_close(cli.opts.out))
		return 1;
	return status;
}
