/* Problems of attachments (include/aidreg/blob.h): rows as in problem_codes.h. */
#define AIDREG_PROBLEMS_BLOB(X) \
  X(BLOB_HASH_MISMATCH, 422, "blob-hash-mismatch", "文件内容与其 SHA-256 名称不符 / The body does not hash to the file's name")
