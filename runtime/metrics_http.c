/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --metrics [ADDR:]PORT: /metrics served by libmicrohttpd from its own
 * thread.  GET (and HEAD) of /metrics only, nothing else is served;
 * requests are bounded in size, connections in number and time.  The
 * scraper's Accept header chooses OpenMetrics or Prometheus 0.0.4.
 *
 * libmicrohttpd is opened with dlopen() only when --metrics is given:
 * linked, it and the TLS stack it needs (gnutls, p11-kit, nettle, ...)
 * cost every run ~15 ms of loading and library constructors. */
#include "runtime/metrics_internal.h"

#include <arpa/inet.h>
#include <dlfcn.h>
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

#define MHD_LIBRARY "libmicrohttpd.so.12"	/* Debian's libmicrohttpd12 */

/* The calls made into the library, found by dlsym(). */
struct mhd_api {
	void *lib;
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *daemon);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
					       const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r);
	void (*destroy_response)(struct MHD_Response *r);
	const char *(*lookup_connection_value)(struct MHD_Connection *c,
					       enum MHD_ValueKind kind, const char *key);
};

struct metrics_http {
	struct mhd_api mhd;
	struct metrics *mx;
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

/* 0, or -ENOENT after a message when the library or a call is missing. */
static int mhd_open(struct mhd_api *m)
{
	static const char hint[] = "install Debian's libmicrohttpd12 package";
	void **calls[] = { (void **)&m->start_daemon, (void **)&m->stop_daemon,
			   (void **)&m->create_response_from_buffer,
			   (void **)&m->add_response_header, (void **)&m->queue_response,
			   (void **)&m->destroy_response, (void **)&m->lookup_connection_value };
	static const char *const names[] = { "MHD_start_daemon", "MHD_stop_daemon",
		"MHD_create_response_from_buffer", "MHD_add_response_header",
		"MHD_queue_response", "MHD_destroy_response", "MHD_lookup_connection_value" };

	m->lib = dlopen(MHD_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (!m->lib)
		return diag_errno(-ENOENT, NULL, hint, "--metrics needs %s: %s", MHD_LIBRARY,
				  dlerror());
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!(*calls[i] = dlsym(m->lib, names[i]))) {
			dlclose(m->lib);
			return diag_errno(-ENOENT, NULL, hint, "--metrics needs %s: %s",
					  MHD_LIBRARY, "a call is missing");
		}
	return 0;
}

static enum MHD_Result reply(const struct mhd_api *m, struct MHD_Connection *c,
			     unsigned status, char *body, size_t len, const char *type)
{
	struct MHD_Response *r = m->create_response_from_buffer(len, body,
								MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	m->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		m->add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ok = m->queue_response(c, status, r);
	m->destroy_response(r);
	return ok;
}

static enum MHD_Result reply_text(const struct mhd_api *m, struct MHD_Connection *c,
				  unsigned status, const char *msg)
{
	char *body = strdup(msg);

	return body ? reply(m, c, status, body, strlen(body), "text/plain; charset=utf-8")
		    : MHD_NO;
}

/* One request: answered on its first call, a body (if any) ignored. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **state)
{
	const struct metrics_http *h = cls;
	const struct mhd_api *m = &h->mhd;
	const char *accept;
	enum out_format fmt;
	char *text;
	size_t len;

	(void)version, (void)upload, (void)state;
	if (*upload_size)
		return reply_text(m, c, MHD_HTTP_BAD_REQUEST, "a scrape has no body\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(m, c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply_text(m, c, MHD_HTTP_NOT_FOUND, "btctrace serves /metrics only\n");
	accept = m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	fmt = accept && strstr(accept, "application/openmetrics-text") ? FMT_OPENMETRICS
								    : FMT_PROMETHEUS;
	if (metrics_render(h->mx, fmt, &text, &len))
		return reply_text(m, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	return reply(m, c, MHD_HTTP_OK, text, len, fmt == FMT_OPENMETRICS ? om_type : prom_type);
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
	int rc;

	if (!h)
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	h->mx = mx;
	if ((rc = mhd_open(&h->mhd))) {
		free(h);
		return rc;
	}
	if ((h->fd = listen_socket(listen)) < 0) {
		rc = h->fd;
		dlclose(h->mhd.lib);
		free(h);
		return rc;
	}
	h->daemon = h->mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0,
					NULL, NULL, on_request, h,
					MHD_OPTION_LISTEN_SOCKET, h->fd,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					(size_t)REQUEST_BYTES_MAX,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_SECONDS_MAX,
					MHD_OPTION_END);
	if (!h->daemon) {
		close(h->fd);
		dlclose(h->mhd.lib);
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
	h->mhd.stop_daemon(h->daemon);
	close(h->fd);
	dlclose(h->mhd.lib);
	free(h);
}
