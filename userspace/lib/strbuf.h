/* A growing text buffer for answers built piece by piece (the daemon's
 * control socket, the metrics page). */
#ifndef XEPC_LIB_STRBUF_H
#define XEPC_LIB_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
    char *buf;      /* NUL-terminated once anything was written */
    size_t len, cap;
    bool oom;       /* an allocation failed: the text is cut short */
};

/* Appends formatted text; on allocation failure sets oom and keeps what
 * it had. */
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_free(struct strbuf *b);

#endif
