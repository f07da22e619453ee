/* See strbuf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/strbuf.h"

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (b->buf && b->len + (size_t)n < b->cap) {
        b->len += (size_t)n;
        return;
    }
    size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n + 1;
    char *p = realloc(b->buf, cap);
    if (!p) {
        b->oom = true;
        return;
    }
    b->buf = p;
    b->cap = cap;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void strbuf_free(struct strbuf *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}
