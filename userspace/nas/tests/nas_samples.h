/* Sample NAS messages for the tests, the tshark check, the fuzz seeds and
 * the benchmark: every IE of every message filled with a valid value. */
#ifndef XEPC_NAS_SAMPLES_H
#define XEPC_NAS_SAMPLES_H

#include "nas/nas.h"

/* Fills m as message id with its mandatory IEs and, when full, every
 * optional IE too.  Values are canonical: encode/decode round-trips them
 * exactly. */
void nas_sample_fill(struct nas_message *m, enum nas_msg_id id, bool full);

/* The Attach Request with a PDN Connectivity Request inside that the
 * benchmark and several tests use (IMSI 001010123456789, APN "internet"). */
void nas_sample_attach_request(struct nas_message *m);

#define NAS_SAMPLE_IMSI "001010123456789"
#define NAS_SAMPLE_IMEISV "3534900698733019"
#define NAS_SAMPLE_APN "internet.mnc001.mcc001.gprs"

#endif
