#ifndef AIDREG_API_H_STATIC_H
#define AIDREG_API_H_STATIC_H
/* The web app's static files (h_static.c); same contract as httpd.h's handlers. */
#include "httpd.h"

/* GET / and GET /app: a redirect to /app/. */
enum MHD_Result h_static_redirect(httpd_request *rq);
/* GET /app/ and GET /app/{rest}: a file under AIDREG_WWW_DIR/app. */
enum MHD_Result h_static(httpd_request *rq);

#endif
