/* Hex strings <-> bytes, for CLIs, test vectors and logs. */
#ifndef XEPC_LIB_HEX_H
#define XEPC_LIB_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex digits into out[0..cap); spaces, ':' and '-' between byte
 * pairs are skipped and an optional leading "0x" is allowed.  Returns the
 * number of bytes written, or -EINVAL (odd count, bad digit) or -ENOSPC. */
int hex_decode(const char *hex, uint8_t *out, size_t cap);

/* Decodes exactly `len` bytes; -EINVAL if the string holds any other count. */
int hex_decode_exact(const char *hex, uint8_t *out, size_t len);

/* Writes 2*len lowercase digits and a NUL into out (cap >= 2*len+1). */
void hex_encode(const uint8_t *in, size_t len, char *out);

#endif
