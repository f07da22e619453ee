/* Field-by-field printing of decoded NAS messages (nas-decode, logs) and
 * the cause names of TS 24.301 9.9.3.9 and 9.9.4.4. */
#include "nas/nas_internal.h"

void nas_print_body(FILE *f, const struct nas_message *m, int indent)
{
    const struct nas_msg_spec *s;
    const uint8_t *body = (const uint8_t *)m + offsetof(struct nas_message, attach_request);

    if (m->id <= NAS_MSG_NONE || m->id >= NAS_MSG_COUNT)
        return;
    s = &nas_msg_specs[m->id];
    if (m->pd == NAS_PD_ESM) {
        nas_indent(f, indent);
        fprintf(f, "eps_bearer_identity: %u\n", m->ebi);
        nas_indent(f, indent);
        fprintf(f, "procedure_transaction_identity: %u\n", m->pti);
    }
    for (unsigned i = 0; i < s->n_ies; i++) {
        const struct nas_ie_desc *d = &s->ies[i];
        const struct nas_codec_ops *ops = nas_codecs[d->codec];

        if (!ops->print || (d->has_off != NAS_NO_FLAG && !body[d->has_off]))
            continue;
        nas_indent(f, indent);
        if (d->iei)
            fprintf(f, "%s (0x%02x): ", d->name, d->iei);
        else
            fprintf(f, "%s: ", d->name);
        ops->print(f, d, body + d->off, indent);
    }
}

void nas_print(FILE *f, const struct nas_message *m)
{
    if (m->id == NAS_MSG_SERVICE_REQUEST)
        fprintf(f, "%s (EMM, security header type 12)\n", nas_msg_name(m->id));
    else
        fprintf(f, "%s (%s 0x%02x)\n", nas_msg_name(m->id), m->pd == NAS_PD_ESM ? "ESM" : "EMM",
                m->msg_type);
    nas_print_body(f, m, 2);
}

const char *nas_emm_cause_str(uint8_t c)
{
    switch (c) {
    case 2: return "IMSI unknown in HSS";
    case 3: return "Illegal UE";
    case 5: return "IMEI not accepted";
    case 6: return "Illegal ME";
    case 7: return "EPS services not allowed";
    case 8: return "EPS services and non-EPS services not allowed";
    case 9: return "UE identity cannot be derived by the network";
    case 10: return "Implicitly detached";
    case 11: return "PLMN not allowed";
    case 12: return "Tracking area not allowed";
    case 13: return "Roaming not allowed in this tracking area";
    case 14: return "EPS services not allowed in this PLMN";
    case 15: return "No suitable cells in tracking area";
    case 16: return "MSC temporarily not reachable";
    case 17: return "Network failure";
    case 18: return "CS domain not available";
    case 19: return "ESM failure";
    case 20: return "MAC failure";
    case 21: return "Synch failure";
    case 22: return "Congestion";
    case 23: return "UE security capabilities mismatch";
    case 24: return "Security mode rejected, unspecified";
    case 25: return "Not authorized for this CSG";
    case 26: return "Non-EPS authentication unacceptable";
    case 31: return "Redirection to 5GCN required";
    case 35: return "Requested service option not authorized in this PLMN";
    case 39: return "CS service temporarily not available";
    case 40: return "No EPS bearer context activated";
    case 42: return "Severe network failure";
    case 78: return "PLMN not allowed to operate at the present UE location";
    case 95: return "Semantically incorrect message";
    case 96: return "Invalid mandatory information";
    case 97: return "Message type non-existent or not implemented";
    case 98: return "Message type not compatible with the protocol state";
    case 99: return "Information element non-existent or not implemented";
    case 100: return "Conditional IE error";
    case 101: return "Message not compatible with the protocol state";
    case 111: return "Protocol error, unspecified";
    default: return "unknown cause";
    }
}

const char *nas_esm_cause_str(uint8_t c)
{
    switch (c) {
    case 8: return "Operator determined barring";
    case 26: return "Insufficient resources";
    case 27: return "Missing or unknown APN";
    case 28: return "Unknown PDN type";
    case 29: return "User authentication failed";
    case 30: return "Request rejected by Serving GW or PDN GW";
    case 31: return "Request rejected, unspecified";
    case 32: return "Service option not supported";
    case 33: return "Requested service option not subscribed";
    case 34: return "Service option temporarily out of order";
    case 35: return "PTI already in use";
    case 36: return "Regular deactivation";
    case 37: return "EPS QoS not accepted";
    case 38: return "Network failure";
    case 39: return "Reactivation requested";
    case 41: return "Semantic error in the TFT operation";
    case 42: return "Syntactical error in the TFT operation";
    case 43: return "Invalid EPS bearer identity";
    case 44: return "Semantic errors in packet filter(s)";
    case 45: return "Syntactical errors in packet filter(s)";
    case 47: return "PTI mismatch";
    case 49: return "Last PDN disconnection not allowed";
    case 50: return "PDN type IPv4 only allowed";
    case 51: return "PDN type IPv6 only allowed";
    case 52: return "Single address bearers only allowed";
    case 53: return "ESM information not received";
    case 54: return "PDN connection does not exist";
    case 55: return "Multiple PDN connections for a given APN not allowed";
    case 56: return "Collision with network initiated request";
    case 57: return "PDN type IPv4v6 only allowed";
    case 58: return "PDN type non IP only allowed";
    case 59: return "Unsupported QCI value";
    case 60: return "Bearer handling not supported";
    case 65: return "Maximum number of EPS bearers reached";
    case 66: return "Requested APN not supported in current RAT and PLMN combination";
    case 81: return "Invalid PTI value";
    case 95: return "Semantically incorrect message";
    case 96: return "Invalid mandatory information";
    case 97: return "Message type non-existent or not implemented";
    case 98: return "Message type not compatible with the protocol state";
    case 99: return "Information element non-existent or not implemented";
    case 100: return "Conditional IE error";
    case 101: return "Message not compatible with the protocol state";
    case 111: return "Protocol error, unspecified";
    case 112: return "APN restriction value incompatible with active EPS bearer context";
    case 113: return "Multiple accesses to a PDN connection not allowed";
    default: return "unknown cause";
    }
}
