/* s1ap-decode: printing decoded S1AP PDUs IE by IE. */
#ifndef XEPC_TOOLS_S1AP_PRINT_H
#define XEPC_TOOLS_S1AP_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "s1ap.h"

/* Header line (message, length), procedure line, then one line per IE:
 * "  id-eNB-UE-S1AP-ID (8) reject: 1", constructed values indented below.
 * err (may be NULL) is the decode's report: the mandatory IEs it lists as
 * missing print as "(missing)" instead of a zero value. */
void s1ap_print_pdu(FILE *f, const struct s1ap_pdu *pdu, size_t len,
                    const struct s1ap_decode_error *err);

/* The IEs of err (not understood / missing), one per line. */
void s1ap_print_diagnostics(FILE *f, const struct s1ap_decode_error *err);

const char *s1ap_print_procedure_name(uint8_t code);

#endif
