/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --metrics [ADDR:]PORT: /metrics served by libmicrohttpd from its own
 * thread.  GET (and HEAD) of /metrics only, nothing else is served;
 * requests are bounded in size, connections in number and time.  The
 * scraper's Accept header chooses OpenMetrics or Prometheus 0.0.4. */
#include "runtime/metrics_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_BYTES_MAX (16 * 1024)	/* headers and all: a scrape needs ~300 */
#define CONNECTIONS_MAX 16
#define IDLE_SECONDS_MAX 10

struct metrics_http {
	struct MHD_Daemon *daemon;
	int fd;
};

static const char om_type[] = "application/openmetrics-text; version=1.0.0; charset=utf-8";
static const char prom_type[] = "text/plain; version=0.0.4; charset=utf-8";

int metrics_split_listen(const char *listen, char *buf, size_t len, const char **addr,
			 unsigned *port)
{
	const char *colon = strrchr(listen, ':');
	const char *digits = colon ? colon + 1 : listen;
	char *end;
	unsigned long p;

	*addr = NULL;
	if (*digits < '0' || *digits > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(digits, &end, 10);
	if (*end || errno || p > 65535)
		return -EINVAL;
	*port = (unsigned)p;
	if (!colon)
		return 0;
	size_t n = (size_t)(colon - listen);
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {	/* [::1]:9000 */
		listen++;
		n -= 2;
	}
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(buf, listen, n);
	buf[n] = 0;
	*addr = buf;
	return 0;
}

int metrics_check_listen(const char *listen)
{
	char buf[256];
	const char *addr;
	unsigned port;

	if (metrics_split_listen(listen, buf, sizeof(buf), &addr, &port))
		return diag_error(NULL, "e.g. --metrics 9435 (loopback) or --metrics "
				  "0.0.0.0:9435", "--metrics takes [ADDR:]PORT, not '%s'", listen);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body,
			     size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
								  MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *body = strdup(msg);

	return body ? reply(c, status, body, strlen(body), "text/plain; charset=utf-8")
		    : MHD_NO;
}

/* One request: answered on its first call, a body (if any) ignored. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **state)
{
	struct metrics *mx = cls;
	const char *accept;
	enum out_format fmt;
	char *text;
	size_t len;

	(void)version, (void)upload, (void)state;
	if (*upload_size)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "a scrape has no body\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "btctrace serves /metrics only\n");
	accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	fmt = accept && strstr(accept, "application/openmetrics-text") ? FMT_OPENMETRICS
								    : FMT_PROMETHEUS;
	if (metrics_render(mx, fmt, &text, &len))
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	return reply(c, MHD_HTTP_OK, text, len, fmt == FMT_OPENMETRICS ? om_type : prom_type);
}

/* The listening socket, bound here so that a port in use is reported
 * with its reason before tracing starts. */
static int listen_socket(const char *spec)
{
	char buf[256], port_text[8];
	const char *addr;
	unsigned port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd, on = 1, rc;

	if (metrics_split_listen(spec, buf, sizeof(buf), &addr, &port))
		return metrics_check_listen(spec);
	snprintf(port_text, sizeof(port_text), "%u", port);
	if ((rc = getaddrinfo(addr ? addr : "127.0.0.1", port_text, &hints, &ai)))
		return diag_error(NULL, "give an address of this host, e.g. 127.0.0.1",
				  "--metrics %s: %s", spec, gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		rc = diag_errno(-errno, NULL, errno == EADDRINUSE ? "choose another port" : NULL,
				"cannot serve metrics on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = rc;
	}
	freeaddrinfo(ai);
	return fd;
}

static void say_where(int fd, bool quiet)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char host[INET6_ADDRSTRLEN + 2], port[8];

	if (quiet || getsockname(fd, (struct sockaddr *)&sa, &len) ||
	    getnameinfo((struct sockaddr *)&sa, len, host + 1, sizeof(host) - 2, port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV))
		return;
	host[0] = '[';
	if (sa.ss_family == AF_INET6)
		strcat(host, "]");
	diag_note(NULL, "metrics at http://%s:%s/metrics",
		  sa.ss_family == AF_INET6 ? host : host + 1, port);
}

int metrics_http_start(struct metrics *mx, const char *listen, bool quiet)
{
	struct metrics_http *h = calloc(1, sizeof(*h));

	if (!h)
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	if ((h->fd = listen_socket(listen)) < 0) {
		int rc = h->fd;

		free(h);
		return rc;
	}
	h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL,
				     NULL, on_request, mx,
				     MHD_OPTION_LISTEN_SOCKET, h->fd,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)REQUEST_BYTES_MAX,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_SECONDS_MAX,
				     MHD_OPTION_END);
	if (!h->daemon) {
		close(h->fd);
		free(h);
		return diag_errno(-EIO, NULL, NULL, "cannot start the metrics server on %s",
				  listen);
	}
	say_where(h->fd, quiet);
	mx->http = h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	close(h->fd);
	free(h);
}
