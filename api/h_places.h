#ifndef AIDREG_API_H_PLACES_H
#define AIDREG_API_H_PLACES_H
/* The handler of GET /v1/ledgers/{code}/places (h_places.c); same contract as httpd.h's. */
#include "httpd.h"

enum MHD_Result h_places(httpd_request *rq);

#endif
