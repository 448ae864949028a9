#ifndef AIDREG_API_H_STATE_H
#define AIDREG_API_H_STATE_H
/* Handlers of the state read API (h_state.c) and of GET /openapi.json (openapi.c),
 * declared apart from httpd.h so that their route rows are the only change they need
 * elsewhere. Same contract as the handlers of httpd.h: called once, on the last
 * access-handler call; each queues exactly one response. */
#include "httpd.h"

/* GET /v1/ledgers/{code}/projects?q=&year=&from=&limit= */
enum MHD_Result h_state_projects(httpd_request *rq);
/* GET /v1/ledgers/{code}/projects/{id} */
enum MHD_Result h_state_project(httpd_request *rq);
/* GET /v1/ledgers/{code}/assets?village=&township=&class=&status=&q=&from=&limit= */
enum MHD_Result h_state_assets(httpd_request *rq);
/* GET /v1/ledgers/{code}/assets/{id} */
enum MHD_Result h_state_asset(httpd_request *rq);
/* GET /v1/ledgers/{code}/plans?village=&year=&status=&from=&limit= */
enum MHD_Result h_state_plans(httpd_request *rq);
/* GET /v1/ledgers/{code}/plans/{id} */
enum MHD_Result h_state_plan(httpd_request *rq);
/* GET /v1/ledgers/{code}/villages/{village}/summary */
enum MHD_Result h_state_village_summary(httpd_request *rq);
/* GET /v1/ledgers/{code}/summary */
enum MHD_Result h_state_summary(httpd_request *rq);

/* GET /openapi.json: api/www/openapi.json with the problem registry merged in. */
enum MHD_Result h_openapi(httpd_request *rq);

#endif
