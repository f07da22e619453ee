/* TEST DOUBLE knobs of fake_sctp.c (the in-process sctp_path.h).  Weak
 * here, so that a test built against the real userspace/sctp links too and
 * finds them NULL. */
#ifndef ENBSIM_FAKE_SCTP_H
#define ENBSIM_FAKE_SCTP_H

#include <stdint.h>

/* client endpoints: sctp_ep_send returns -EAGAIN while this many of the
 * endpoint's messages are undelivered (0: no limit); counted */
extern unsigned fake_sctp_sndbuf_msgs __attribute__((weak));
extern uint64_t fake_sctp_eagains __attribute__((weak));

#endif
