#ifndef AIDREG_API_H_DESK_H
#define AIDREG_API_H_DESK_H
/* Handlers of the county's desk (h_desk.c): a township's figures, keys, settings, income
 * reports, notices and findings. Same contract as httpd.h's. */
#include "httpd.h"

/* GET /v1/ledgers/{code}/townships/{township}/summary */
enum MHD_Result h_desk_township_summary(httpd_request *rq);
/* GET /v1/ledgers/{code}/keys */
enum MHD_Result h_desk_keys(httpd_request *rq);
/* GET /v1/ledgers/{code}/settings */
enum MHD_Result h_desk_settings(httpd_request *rq);
/* GET /v1/ledgers/{code}/incomes?village=&asset=&year=&from=&limit= */
enum MHD_Result h_desk_incomes(httpd_request *rq);
/* GET /v1/ledgers/{code}/notices */
enum MHD_Result h_desk_notices(httpd_request *rq);
/* GET /v1/ledgers/{code}/findings */
enum MHD_Result h_desk_findings(httpd_request *rq);

#endif
