/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The results stream (cli/results.h).  A stdio stream of its own over
 * the fd keeps the errno of the first failed write: stdio only keeps a
 * flag, and a line-buffered stream has written and failed long before
 * the final flush. */
#include "cli/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/diag.h"

struct sink {
	int fd;
	int err;	/* errno of the first failed write or close, or 0 */
	char *name;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct sink *k = cookie;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(k->fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!k->err)
				k->err = n < 0 ? errno : EIO;
			/* Consumed all the same: stdio would retry it forever. */
			return (ssize_t)len;
		}
		done += (size_t)n;
	}
	return (ssize_t)len;
}

static int sink_close(void *cookie)
{
	struct sink *k = cookie;
	if (close(k->fd) < 0 && !k->err && errno != EINTR)
		k->err = errno;
	int rc = 0;
	if (k->err) {
		diag_error(NULL, NULL, "cannot write results to %s: %s", k->name,
			   strerror(k->err));
		rc = -1;
	}
	free(k->name);
	free(k);
	return rc;
}

/* O_NOFOLLOW: root writing to a name in /tmp must not be led by a
 * symlink to overwrite another file.  O_CLOEXEC: the -c command does not
 * get the results file. */
static int open_path(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0)
		return fd;
	struct stat st;
	if (errno == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return diag_error(NULL, "give -o the file itself, or remove the link",
				  "cannot write %s: it is a symbolic link, which -o does not "
				  "follow", path);
	return diag_error(NULL, NULL, "cannot write %s: %s", path, strerror(errno));
}

FILE *results_open(const char *path)
{
	int fd = path ? open_path(path) : fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return NULL;
	struct sink *k = calloc(1, sizeof(*k));
	cookie_io_functions_t io = { .write = sink_write, .close = sink_close };
	FILE *f = k ? fopencookie(k, "w", io) : NULL;
	if (!f) {
		free(k);
		close(fd);
		diag_error(NULL, NULL, "cannot open the results stream: %s", strerror(ENOMEM));
		return NULL;
	}
	k->fd = fd;
	k->name = strdup(path ? path : "standard output");
	return f;
}

int results_close(FILE *f)
{
	return fclose(f) ? -1 : 0;
}
