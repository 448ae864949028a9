#ifndef AIDREG_API_H_BLOBS_H
#define AIDREG_API_H_BLOBS_H
/* Attachments (h_blobs.c, docs/api.md "Attachments"); same contract as httpd.h's handlers. */
#include "httpd.h"

/* PUT /v1/ledgers/{code}/blobs/{sha256}: store a file, signed by an enrolled key. */
enum MHD_Result h_blob_put(httpd_request *rq);
/* GET /v1/ledgers/{code}/blobs/{sha256}: the file, immutable. */
enum MHD_Result h_blob_get(httpd_request *rq);
/* GET /v1/ledgers/{code}/blobs: the names of every file (what `aidreg export` copies). */
enum MHD_Result h_blob_list(httpd_request *rq);

#endif
