#ifndef AIDREG_API_H_AUDIT_H
#define AIDREG_API_H_AUDIT_H
/* The handler of GET /v1/ledgers/{code}/audit (h_audit.c); same contract as httpd.h's. */
#include "httpd.h"

enum MHD_Result h_audit(httpd_request *rq);

#endif
