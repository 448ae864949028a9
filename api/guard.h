#ifndef AIDREG_API_GUARD_H
#define AIDREG_API_GUARD_H
/* Deadlines per connection, which libmicrohttpd 0.9.75 does not have (its timeout is an
 * idle timeout, reset by every byte). Each connection is tracked from accept to close:
 *
 *   headers  from the connection's start, or the end of its previous request, the request
 *            line and headers must be in within header_timeout seconds;
 *   body     the whole request (headers and body) within request_timeout seconds of the
 *            same start;
 *   handler  no deadline: the request is complete (a submission may wait for its group
 *            commit; the response is sent under the idle timeout).
 *
 * A reaper thread closes a connection past its deadline: it writes a 408 problem document
 * when the request line was read (a silent close otherwise: an idle keep-alive connection
 * may cross the client's next request), then shuts the socket down, which libmicrohttpd
 * sees as the client's end. */
#include <microhttpd.h>
#include <stdbool.h>

#include "aidreg/problem.h"

/* Start the reaper; 0 seconds = that deadline is off. Returns 0, or -1 (no thread). */
int guard_start(unsigned header_timeout, unsigned request_timeout);
void guard_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION callback. */
void guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe);

/* The request line was read (the URI log callback). */
void guard_request_line(struct MHD_Connection *conn);
/* The headers are in: the body deadline applies. */
void guard_headers_done(struct MHD_Connection *conn);
/* The body is in: no more deadline. false when the reaper closed the connection already
 * (then do not answer). */
bool guard_body_done(struct MHD_Connection *conn);
/* The request is over (completed callback): the next request's header deadline starts. */
void guard_request_done(struct MHD_Connection *conn);

/* Connections closed since the start: by the reaper past a deadline, and mid-body past a
 * limit (guard_write_problem). For /metrics. */
void guard_closed(unsigned long *deadline, unsigned long *limit);

/* Write a problem response straight to the connection's socket and shut its writing
 * side, for a refusal libmicrohttpd cannot queue (mid-body). Then return MHD_NO. */
void guard_write_problem(struct MHD_Connection *conn, aidreg_code code, const char *detail);

#endif
