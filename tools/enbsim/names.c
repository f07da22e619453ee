/* enbsim: names of its enums, for the command line and the report. */
#include <errno.h>
#include <string.h>

#include "enbsim.h"

static const char *const misbehave_names[ENBSIM_MB__COUNT] = {
    [ENBSIM_MB_NONE] = "none",
    [ENBSIM_MB_WRONG_RES] = "wrong-res",
    [ENBSIM_MB_BAD_MAC] = "bad-mac",
    [ENBSIM_MB_REPLAY] = "replay",
    [ENBSIM_MB_TRUNCATED_IE] = "truncated-ie",
    [ENBSIM_MB_UNKNOWN_IE] = "unknown-ie",
    [ENBSIM_MB_SCTP_ABORT] = "sctp-abort-mid-attach",
    [ENBSIM_MB_SQN_AHEAD] = "sqn-ahead",
    [ENBSIM_MB_BAD_AUTN_MAC] = "autn-mac-failure",
    [ENBSIM_MB_NO_SMC_COMPLETE] = "no-smc-complete",
    [ENBSIM_MB_S1AP_TRUNCATED] = "s1ap-truncated",
    [ENBSIM_MB_S1AP_UNKNOWN_IE] = "s1ap-unknown-ie",
};

const char *enbsim_misbehave_str(enum enbsim_misbehave m)
{
    return (unsigned)m < ENBSIM_MB__COUNT ? misbehave_names[m] : "?";
}

int enbsim_misbehave_parse(const char *s, enum enbsim_misbehave *out)
{
    for (unsigned i = 0; i < ENBSIM_MB__COUNT; i++)
        if (!strcmp(s, misbehave_names[i])) {
            *out = (enum enbsim_misbehave)i;
            return 0;
        }
    return -EINVAL;
}

const char *ue_state_str(enum ue_state s)
{
    switch (s) {
    case UE_IDLE: return "idle";
    case UE_ATTACHING: return "attaching";
    case UE_ATTACHED: return "attached";
    case UE_DETACHING: return "detaching";
    case UE_DONE: return "done";
    }
    return "?";
}

const char *enbsim_proc_str(enum enbsim_proc p)
{
    switch (p) {
    case PROC_S1_SETUP: return "s1_setup";
    case PROC_ATTACH: return "attach";
    case PROC_AUTH: return "auth";
    case PROC_SMC: return "smc";
    case PROC_PDN_CONNECT: return "pdn_connect";
    case PROC_PDN_DISCONNECT: return "pdn_disconnect";
    case PROC_DETACH: return "detach";
    case PROC_CTX_RELEASE: return "ctx_release";
    case PROC_IDLE: return "idle";
    case PROC_SERVICE: return "service_request";
    case PROC_PAGING: return "paging";
    case PROC_TAU: return "tau";
    case PROC_X2HO: return "x2_handover";
    case PROC_S1HO: return "s1_handover";
    case PROC_S1HO_CANCEL: return "s1_handover_cancel";
    case PROC_RESET: return "reset";
    case PROC_DEDICATED: return "dedicated_bearer";
    case PROC__COUNT: break;
    }
    return "?";
}
