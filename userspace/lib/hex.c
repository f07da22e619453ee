#include "lib/hex.h"

#include <errno.h>

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_separator(char c)
{
    return c == ' ' || c == ':' || c == '-' || c == '\t' || c == '\n';
}

int hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;

    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;
    while (*hex) {
        if (is_separator(*hex)) {
            hex++;
            continue;
        }
        int hi = nibble(hex[0]);
        int lo = hi < 0 ? -1 : nibble(hex[1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        if (n == cap)
            return -ENOSPC;
        out[n++] = (uint8_t)(hi << 4 | lo);
        hex += 2;
    }
    return (int)n;
}

int hex_decode_exact(const char *hex, uint8_t *out, size_t len)
{
    int n = hex_decode(hex, out, len);

    if (n == -ENOSPC || (n >= 0 && (size_t)n != len))
        return -EINVAL;
    return n < 0 ? n : 0;
}

void hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}
