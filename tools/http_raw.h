#ifndef AIDREG_TOOLS_HTTP_RAW_H
#define AIDREG_TOOLS_HTTP_RAW_H
/* A bare keep-alive HTTP/1.1 connection for the benchmark's load: POST of JSON to a plain
 * http://host:port server, the request line, headers and body in one sendmsg, the answer
 * read into a buffer the connection keeps. No allocation per request, no URL parsing per
 * request: the load generator shares the cores with the server it measures, so what it
 * spends the server does not get (docs/benchmark.md). libcurl (http_client.h) spent about
 * 60 us of CPU a request here. Use one connection per thread. */
#include <stddef.h>

typedef struct aidreg_http_raw aidreg_http_raw;

/* base: "http://host:port" (a trailing '/' allowed; an IPv4/IPv6 literal or a name). The
 * connection opens at the first request. NULL (with why in err) for another scheme. */
aidreg_http_raw *aidreg_http_raw_new(const char *base, char *err, size_t cap);
void aidreg_http_raw_free(aidreg_http_raw *c);

/* POST body to url, which must begin with the base given to aidreg_http_raw_new. Returns 0
 * when an answer arrived: *status, and *resp (NUL-terminated, *resp_len bytes, valid until
 * the next call on c); -1 with why in err when none did. A connection the server closed
 * while idle is opened again once (submission is idempotent). */
int aidreg_http_raw_post(aidreg_http_raw *c, const char *url, const char *body, size_t len, long *status,
                         const char **resp, size_t *resp_len, char *err, size_t cap);

#endif
