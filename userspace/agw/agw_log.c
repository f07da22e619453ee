/* See agw_log.h. */
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "agw/agw_log.h"

void agw_log_init(struct agw_log *l, enum agw_log_level level, bool mask_imsi, FILE *out)
{
    l->level = level;
    l->mask_imsi = mask_imsi;
    l->out = out ? out : stderr;
}

static const char *const level_tag[] = { "error", "warn", "info", "debug" };

void agw_log_write(const struct agw_log *l, enum agw_log_level level, const char *comp,
                   const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char line[1024];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %-5s %-5s ", tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_tag[level], comp);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so that lines of concurrent processes do not mix. */
    fprintf(l->out, "%s\n", line);
    fflush(l->out);
}

const char *agw_log_imsi(const struct agw_log *l, const char *imsi, char buf[20])
{
    size_t n = strlen(imsi);
    if (!n)
        return "-";
    if (!l->mask_imsi || n < 10) {
        snprintf(buf, 20, "%s", imsi);
        return buf;
    }
    /* keep the PLMN (5 digits) and the last 4: enough to tell UEs apart in
     * a trace, not enough to identify a subscriber */
    snprintf(buf, 20, "%.5s%.*s%s", imsi, (int)(n - 9), "**********", imsi + n - 4);
    return buf;
}
