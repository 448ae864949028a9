#ifndef AIDREG_NATIONAL_ID_H
#define AIDREG_NATIONAL_ID_H
/* The ledger is public: a 居民身份证号码 (GB 11643, 18 characters: a 6-digit area code, the
 * birth date YYYYMMDD, a 3-digit sequence and a check digit or X) must never be written
 * into it. */
#include <stdbool.h>

/* Whether s holds an 18-character run that looks like one: 17 digits and a digit or X/x,
 * not part of a longer run of digits or letters, whose characters 7 to 14 are a real
 * date between 1900 and 2099 (so that most 18-digit account numbers do not match). The
 * check digit is not required: a mistyped number is still a person's number. */
bool ar_has_national_id(const char *s);

#endif
