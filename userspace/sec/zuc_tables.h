/* The ZUC S-boxes S0 and S1 (ZUC specification 3.4.2), defined in zuc.c
 * and shared with the multi-buffer code (zuc_mb.c), which loads them into
 * registers. */
#ifndef XEPC_SEC_ZUC_TABLES_H
#define XEPC_SEC_ZUC_TABLES_H

#include <stdint.h>

extern const uint8_t sec_zuc_s0[256];
extern const uint8_t sec_zuc_s1[256];

#endif
