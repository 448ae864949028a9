#ifndef AIDREG_API_H_REPORTS_H
#define AIDREG_API_H_REPORTS_H
/* GET /v1/ledgers/{code}/reports/{name}?format=json|csv|html&village=&year= (h_reports.c);
 * same contract as httpd.h's handlers. */
#include "httpd.h"

enum MHD_Result h_reports(httpd_request *rq);

#endif
