/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --metrics-file PATH: the maps in Prometheus's text format (what
 * node_exporter's textfile collector reads), written by a thread of its
 * own every interval and once more at the end.  Each write goes to
 * PATH.tmp and is renamed over PATH, so a reader sees a whole file. */
#include "runtime/metrics_internal.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct metrics_file {
	struct metrics *mx;
	char *path, *tmp;
	unsigned interval_ms;
	int stop_fd;		/* an eventfd: readable when the writer is to stop */
	pthread_t thread;
	bool warned;		/* a failed write is reported once */
};

/* 0 or -errno. */
static int write_once(struct metrics_file *w)
{
	char *text;
	size_t len;
	int rc = metrics_render(w->mx, FMT_PROMETHEUS, &text, &len);
	FILE *f;

	if (rc)
		return rc;
	f = fopen(w->tmp, "w");
	if (!f) {
		rc = -errno;
	} else {
		bool ok;

		errno = 0;
		ok = fwrite(text, 1, len, f) == len;

		rc = fclose(f) || !ok ? -(errno ? errno : EIO) : 0;
		if (!rc && rename(w->tmp, w->path))
			rc = -errno;
		if (rc)
			unlink(w->tmp);
	}
	free(text);
	return rc;
}

static void write_or_warn(struct metrics_file *w)
{
	int rc = write_once(w);

	if (rc && !w->warned) {
		w->warned = true;
		diag_warn(NULL, NULL, "cannot write the metrics file %s: %s", w->path,
			  strerror(-rc));
	}
}

static void *writer(void *arg)
{
	struct metrics_file *w = arg;
	struct pollfd p = { .fd = w->stop_fd, .events = POLLIN };

	for (;;) {
		int n = poll(&p, 1, (int)w->interval_ms);

		if (n == 0)
			write_or_warn(w);
		else if (n > 0 || errno != EINTR)
			return NULL;
	}
}

int metrics_file_start(struct metrics *mx, const char *path, unsigned interval_ms)
{
	struct metrics_file *w = calloc(1, sizeof(*w));
	int rc;

	if (!w || !(w->path = strdup(path)) || asprintf(&w->tmp, "%s.tmp", path) < 0) {
		if (w)
			free(w->path);
		free(w);
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	}
	w->mx = mx;
	w->interval_ms = interval_ms;
	/* The first write here: a path that cannot be written is an error
	 * before tracing starts, not a warning later. */
	if ((rc = write_once(w))) {
		diag_errno(rc, NULL, "give a path in a directory btctrace can write to",
			   "cannot write the metrics file %s: %s", path, strerror(-rc));
	} else if ((w->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		rc = diag_errno(-errno, NULL, NULL, "eventfd: %s", strerror(errno));
	} else if ((rc = -pthread_create(&w->thread, NULL, writer, w))) {
		close(w->stop_fd);
		diag_errno(rc, NULL, NULL, "cannot start the metrics file writer: %s",
			   strerror(-rc));
	}
	if (rc) {
		free(w->path);
		free(w->tmp);
		free(w);
		return rc;
	}
	mx->file = w;
	return 0;
}

void metrics_file_stop(struct metrics_file *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (write(w->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(w->thread, NULL);
	close(w->stop_fd);
	write_or_warn(w);	/* the values at the end */
	free(w->path);
	free(w->tmp);
	free(w);
}
