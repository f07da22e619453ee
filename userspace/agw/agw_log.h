/* Logging of xepc-agwd: one line per event, with time, level, component
 * and the identifiers of the eNB / UE concerned.  IMSIs are masked unless
 * the configuration says otherwise; keys are never logged. */
#ifndef XEPC_AGW_LOG_H
#define XEPC_AGW_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "agw/agw_config.h"

struct agw_log {
    enum agw_log_level level;
    bool mask_imsi;
    FILE *out;
};

void agw_log_init(struct agw_log *l, enum agw_log_level level, bool mask_imsi, FILE *out);
void agw_log_write(const struct agw_log *l, enum agw_log_level level, const char *comp,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* IMSI for a log line: "00101******0001" when masking, the digits otherwise. */
const char *agw_log_imsi(const struct agw_log *l, const char *imsi, char buf[20]);

#define AGW_LOG(ctx, lvl, comp, ...)                                        \
    do {                                                                    \
        if ((lvl) <= (ctx)->log.level)                                      \
            agw_log_write(&(ctx)->log, (lvl), (comp), __VA_ARGS__);         \
    } while (0)
#define LOG_ERR(ctx, comp, ...) AGW_LOG(ctx, AGW_LOG_ERROR, comp, __VA_ARGS__)
#define LOG_WARN(ctx, comp, ...) AGW_LOG(ctx, AGW_LOG_WARN, comp, __VA_ARGS__)
#define LOG_INFO(ctx, comp, ...) AGW_LOG(ctx, AGW_LOG_INFO, comp, __VA_ARGS__)
#define LOG_DBG(ctx, comp, ...) AGW_LOG(ctx, AGW_LOG_DEBUG, comp, __VA_ARGS__)

#endif
