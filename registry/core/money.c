/* Money: amounts are integer fen everywhere; yuan is only how people read them. */
#include <inttypes.h>
#include <stdio.h>

#include "aidreg/state.h"

void aidreg_fen_to_yuan(int64_t fen, char out[32]) {
  uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
  snprintf(out, 32, "%s%" PRIu64 ".%02u", fen < 0 ? "-" : "", a / 100, (unsigned)(a % 100));
}
