/* The problem registry: one row per refusal a client can receive.
 * X(name, http_status, slug, title) — the slug is the stable part of the RFC 9457
 * `type` URI (urn:aidreg:problem:<slug>) and must never change once released.
 * Titles are Chinese / English. Add rows at the end of their group. */
#define AIDREG_PROBLEMS(X) \
  X(MALFORMED_JSON,     400, "malformed-json",     "请求不是有效的 JSON / Body is not valid JSON") \
  X(DUPLICATE_KEY,      400, "duplicate-key",      "JSON 中有重复的键 / Duplicate key in JSON") \
  X(INVALID_UTF8,       400, "invalid-utf8",       "文本不是有效的 UTF-8 / Text is not valid UTF-8") \
  X(UNKNOWN_FIELD,      400, "unknown-field",      "未知字段 / Unknown field") \
  X(MISSING_FIELD,      400, "missing-field",      "缺少字段 / Missing field") \
  X(INVALID_FIELD,      400, "invalid-field",      "字段类型或格式错误 / Field has the wrong type or format") \
  X(INVALID_BASE64,     400, "invalid-base64",     "base64 编码错误 / Invalid base64") \
  X(INVALID_TIME,       400, "invalid-time",       "时间格式错误 / Not an RFC 3339 instant") \
  X(INVALID_QUERY,      400, "invalid-query",      "查询参数错误 / Invalid query parameter") \
  X(INVALID_PATH,       400, "invalid-path",       "路径含不允许的转义 / Path holds a forbidden percent-escape") \
  X(MALFORMED_REQUEST,  400, "malformed-request",  "HTTP 请求格式错误 / Malformed HTTP request") \
  X(NO_SIGNATURE,       401, "no-signature",       "没有签名 / Envelope carries no signature") \
  X(BAD_SIGNATURE,      401, "bad-signature",      "签名无效 / A signature does not verify") \
  X(BAD_TOKEN,          401, "bad-token",          "操作员令牌无效 / Missing or wrong operator token") \
  X(KEY_NOT_ENROLLED,   403, "key-not-enrolled",   "签名密钥未登记 / Signing key is not enrolled") \
  X(KEY_REVOKED,        403, "key-revoked",        "签名密钥已注销 / Signing key has been revoked") \
  X(ROLE_NOT_ALLOWED,   403, "role-not-allowed",   "该角色无权签署此类事件 / Role may not sign this event type") \
  X(OUT_OF_SCOPE,       403, "out-of-scope",       "超出密钥的管辖范围 / Subject lies outside the key's scope") \
  X(UNKNOWN_LEDGER,     404, "unknown-ledger",     "台账不存在 / No such ledger") \
  X(NOT_FOUND,          404, "not-found",          "未找到 / Not found") \
  X(METHOD_NOT_ALLOWED, 405, "method-not-allowed", "不支持该方法 / Method not allowed") \
  X(REQUEST_TIMEOUT,    408, "request-timeout",    "请求超时 / Request not received in time") \
  X(STALE_PREV,         409, "stale-prev",         "prev 已过时 / prev is not the subject's current head") \
  X(LEDGER_EXISTS,      409, "ledger-exists",      "台账已存在 / Ledger already exists") \
  X(TOO_LARGE,          413, "too-large",          "请求过大 / Request or envelope too large") \
  X(CONTENT_TYPE,       415, "unsupported-content-type", "内容类型不支持 / Unsupported Content-Type") \
  X(PAYLOAD_TYPE,       415, "unsupported-payload-type", "payloadType 不支持 / Unsupported DSSE payloadType") \
  X(UNKNOWN_EVENT_TYPE, 422, "unknown-event-type", "未知事件类型 / Event type not in the catalogue") \
  X(WRONG_LEDGER,       422, "wrong-ledger",       "事件不属于本台账 / Event is bound to another ledger") \
  X(TIME_IN_FUTURE,     422, "time-in-future",     "签名时间晚于服务器时间 / Event time is ahead of the server clock") \
  X(NOT_FIRST_ENTRY,    422, "ledger-create-not-first", "ledger.create 只能是第一条 / ledger.create must be the first entry") \
  X(KEY_ALREADY_ENROLLED, 422, "key-already-enrolled", "密钥已登记 / Key is already enrolled") \
  X(KEY_NOT_FOUND,      422, "key-unknown",        "密钥不存在 / Key is not enrolled in this ledger") \
  X(KEY_ALREADY_REVOKED, 422, "key-already-revoked", "密钥已注销 / Key is already revoked") \
  X(ROOT_REVOKE,        422, "root-revoke-refused", "根密钥只能由自身注销且须另有县级密钥 / Root key is revoked only by itself once another county key exists") \
  X(SUBJECT_MISMATCH,   422, "subject-mismatch",   "主体与正文不一致 / Subject does not match the body") \
  X(INTERNAL,           500, "internal",           "服务器内部错误 / Internal error") \
  X(UNAVAILABLE,        503, "unavailable",        "服务暂不可用 / Service unavailable, retry") \
  X(TOO_MANY_REQUESTS,  429, "too-many-requests",  "请求过于频繁 / Too many requests, retry after the time given") \
  X(EXPIRED,            422, "expired",            "事件已过期 / The event's expires time has passed")
