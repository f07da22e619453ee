/* S1AP-PDU (TS 36.413 9.3.2) on top of the generated message descriptors:
 *   S1AP-PDU ::= CHOICE { initiatingMessage, successfulOutcome,
 *                         unsuccessfulOutcome, ... }
 *   each a SEQUENCE { procedureCode ProcedureCode (0..255),
 *                     criticality Criticality, value <open type> }
 * and the receiver rules of TS 36.413 clause 10. */
#include <errno.h>
#include <string.h>

#include "s1ap.h"

enum s1ap_msg_kind s1ap_msg_lookup(enum s1ap_pdu_type type, uint8_t code)
{
    for (unsigned i = 0; i < S1AP_N_PROCEDURES; i++)
        if (s1ap_procedures[i].code == code)
            return (unsigned)type <= S1AP_UNSUCCESSFUL_OUTCOME
                       ? (enum s1ap_msg_kind)s1ap_procedures[i].msgs[type]
                       : S1AP_MSG_NONE;
    return S1AP_MSG_NONE;
}

const char *s1ap_msg_name(enum s1ap_msg_kind kind)
{
    if ((unsigned)kind >= S1AP_MSG__COUNT || kind == S1AP_MSG_NONE)
        return "(none)";
    return s1ap_msgs[kind].name;
}

void *s1ap_pdu_msg(struct s1ap_pdu *pdu)
{
    if ((unsigned)pdu->kind >= S1AP_MSG__COUNT || !s1ap_msgs[pdu->kind].desc)
        return NULL;
    return (uint8_t *)&pdu->u + s1ap_msgs[pdu->kind].offset;
}

const void *s1ap_pdu_msg_const(const struct s1ap_pdu *pdu)
{
    return s1ap_pdu_msg((struct s1ap_pdu *)pdu);
}

int s1ap_pdu_init(struct s1ap_pdu *pdu, enum s1ap_msg_kind kind)
{
    memset(pdu, 0, sizeof(*pdu));
    if ((unsigned)kind >= S1AP_MSG__COUNT || kind == S1AP_MSG_NONE || !s1ap_msgs[kind].desc)
        return -EINVAL;
    pdu->kind = kind;
    pdu->type = s1ap_msgs[kind].pdu_type;
    pdu->procedure_code = s1ap_msgs[kind].procedure_code;
    pdu->criticality = s1ap_msgs[kind].criticality;
    return 0;
}

int s1ap_encode(const struct s1ap_pdu *pdu, uint8_t *buf, size_t cap)
{
    const struct s1ap_msg_info *mi;
    struct aper_writer w, inner;
    int rc;

    if ((unsigned)pdu->kind >= S1AP_MSG__COUNT || pdu->kind == S1AP_MSG_NONE)
        return -EINVAL;
    mi = &s1ap_msgs[pdu->kind];
    if (!mi->desc)
        return -EINVAL;
    aper_writer_init(&w, buf, cap);
    /* CHOICE: extension bit, index of 3 root alternatives (X.691 23) */
    if ((rc = aper_put_bits(&w, 0, 1)) || (rc = aper_put_cwn(&w, mi->pdu_type, 2)))
        return rc;
    /* procedureCode INTEGER (0..255): one aligned octet (X.691 11.5.7.2) */
    if ((rc = aper_put_cwn(&w, mi->procedure_code, 255)))
        return rc;
    if ((rc = aper_put_enumerated(&w, 3, false, mi->criticality)))
        return rc;
    if ((rc = aper_open_begin(&w, &inner)))
        return rc;
    if ((rc = aper_encode_type(&inner, mi->desc, (const uint8_t *)&pdu->u + mi->offset)))
        return rc;
    if ((rc = aper_open_end(&w, &inner)))
        return rc;
    return (int)aper_writer_len(&w);
}

static int fail(struct s1ap_decode_error *err, enum s1ap_decode_cause cause, int rc,
                const char *detail)
{
    err->cause = cause;
    if (!err->detail)
        err->detail = detail;
    return rc;
}

/* Reads the UE S1AP IDs from the message's top-level IE container by its
 * framing alone, so that they are known even when another IE made the
 * message fail: SEQUENCE { protocolIEs ProtocolIE-Container, ... }. */
static void scan_ue_ids(struct aper_reader r, struct s1ap_decode_error *err)
{
    uint64_t ext, n, id, v;
    unsigned crit;
    bool more;

    if (aper_get_bits(&r, 1, &ext) || aper_get_length(&r, 0, 65535, true, &n, &more))
        return;
    for (uint64_t i = 0; i < n; i++) {
        struct aper_reader val;
        if (aper_get_cwn(&r, 65535, &id) || aper_get_enumerated(&r, 3, false, 0, &crit) ||
            aper_open_get(&r, NULL, &val))
            return;                               /* NULL arena: no fragments */
        if (id == S1AP_id_MME_UE_S1AP_ID && !aper_get_cwn(&val, 0xffffffffu, &v)) {
            err->mme_ue_s1ap_id_present = true;   /* INTEGER (0..4294967295) */
            err->mme_ue_s1ap_id = (uint32_t)v;
        } else if (id == S1AP_id_eNB_UE_S1AP_ID && !aper_get_cwn(&val, 0xffffff, &v)) {
            err->enb_ue_s1ap_id_present = true;   /* INTEGER (0..16777215) */
            err->enb_ue_s1ap_id = (uint32_t)v;
        }
    }
}

int s1ap_decode(const uint8_t *buf, size_t len, struct s1ap_pdu *out,
                struct aper_arena *arena, struct s1ap_decode_error *err)
{
    struct aper_reader r, value;
    struct aper_diag diag;
    uint64_t ext, idx, code;
    unsigned crit;
    int rc;

    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out));
    aper_reader_init(&r, buf, len);
    if ((rc = aper_get_bits(&r, 1, &ext)) || (rc = aper_get_cwn(&r, 2, &idx)))
        return fail(err, S1AP_DECODE_TRANSFER_SYNTAX, -EBADMSG, "S1AP-PDU choice");
    if (ext) {
        /* an S1AP-PDU extension alternative we do not know: 10.3.4.1 */
        return fail(err, S1AP_DECODE_UNKNOWN_PROCEDURE, -EPROTO, "unknown S1AP-PDU alternative");
    }
    if ((rc = aper_get_cwn(&r, 255, &code)) || (rc = aper_get_enumerated(&r, 3, false, 0, &crit)))
        return fail(err, S1AP_DECODE_TRANSFER_SYNTAX, -EBADMSG, "message header");
    err->procedure_known = true;
    err->procedure_code = (uint8_t)code;
    err->triggering_message = (enum s1ap_pdu_type)idx;
    err->procedure_criticality = (enum s1ap_criticality)crit;
    out->type = (enum s1ap_pdu_type)idx;
    out->procedure_code = (uint8_t)code;
    out->criticality = (enum s1ap_criticality)crit;
    if ((rc = aper_open_get(&r, arena, &value)))
        return fail(err, rc == -ENOMEM ? S1AP_DECODE_NO_MEMORY : S1AP_DECODE_TRANSFER_SYNTAX,
                    rc == -ENOMEM ? -ENOMEM : -EBADMSG, "message value length");
    out->kind = s1ap_msg_lookup(out->type, out->procedure_code);
    if (out->kind == S1AP_MSG_NONE || !s1ap_msgs[out->kind].desc) {
        /* TS 36.413 10.3.4.1: a procedure code (or message type of it) not
         * comprehended is handled with the criticality of the message */
        out->kind = S1AP_MSG_NONE;
        return fail(err, S1AP_DECODE_UNKNOWN_PROCEDURE, -EPROTO, "procedure not comprehended");
    }
    scan_ue_ids(value, err);
    memset(&diag, 0, sizeof(diag));
    rc = aper_decode_type(&value, s1ap_msgs[out->kind].desc,
                          (uint8_t *)&out->u + s1ap_msgs[out->kind].offset, arena, &diag);
    err->n_ies = diag.n_ies;
    err->ies_truncated = diag.ies_truncated;
    memcpy(err->ies, diag.ies, sizeof(diag.ies));
    err->detail = diag.detail;
    err->type_name = diag.type_name;
    err->bit_offset = diag.bit_offset;
    err->n_warnings = diag.n_warnings;
    memcpy(err->warnings, diag.warnings, sizeof(diag.warnings));
    if (rc == -ENOMEM)
        return fail(err, S1AP_DECODE_NO_MEMORY, rc, "decode arena exhausted");
    /* TS 36.413 10.2: a message the receiver cannot decode is a transfer
     * syntax error, whatever the part decoded before the failure looked
     * like (e.g. an IE length one too long makes the next IE read as an
     * unknown one with criticality reject before the data runs out) */
    if (rc == -EBADMSG)
        return fail(err, S1AP_DECODE_TRANSFER_SYNTAX, -EBADMSG, "transfer syntax error");
    if (diag.falsely_constructed)
        return fail(err, S1AP_DECODE_FALSELY_CONSTRUCTED, -EPROTO, "falsely constructed message");
    if (diag.reject)
        return fail(err, S1AP_DECODE_ABSTRACT_REJECT, -EPROTO, "IE not comprehended or missing");
    if (rc)
        return fail(err, S1AP_DECODE_TRANSFER_SYNTAX, -EBADMSG, "transfer syntax error");
    if (diag.notify)
        err->cause = S1AP_DECODE_IGNORED_IES;
    return 0;
}

unsigned s1ap_criticality_diagnostics(const struct s1ap_decode_error *err,
                                      s1ap_CriticalityDiagnostics *cd,
                                      s1ap_CriticalityDiagnostics_IE_Item *items, unsigned cap)
{
    unsigned n = 0;

    memset(cd, 0, sizeof(*cd));
    if (err->procedure_known) {
        cd->procedureCode_present = true;
        cd->procedureCode = err->procedure_code;
        cd->triggeringMessage_present = true;
        cd->triggeringMessage = (s1ap_TriggeringMessage)err->triggering_message;
        cd->procedureCriticality_present = true;
        cd->procedureCriticality = (s1ap_Criticality)err->procedure_criticality;
    }
    for (unsigned i = 0; i < err->n_ies && n < cap; i++) {
        if (err->ies[i].criticality == S1AP_CRIT_IGNORE)
            continue;                 /* 10.3.4.1 / 10.3.5: not reported */
        items[n].iECriticality = (s1ap_Criticality)err->ies[i].criticality;
        items[n].iE_ID = err->ies[i].id;
        items[n].typeOfError = err->ies[i].type_of_error == APER_IE_MISSING
                                   ? S1AP_TypeOfError_missing
                                   : S1AP_TypeOfError_not_understood;
        n++;
    }
    if (n) {
        cd->iEsCriticalityDiagnostics_present = true;
        cd->iEsCriticalityDiagnostics.count = n;
        cd->iEsCriticalityDiagnostics.items = items;
    }
    return n;
}

int s1ap_error_indication(struct s1ap_pdu *pdu, const struct s1ap_decode_error *err,
                          s1ap_CriticalityDiagnostics_IE_Item items[S1AP_DIAG_MAX_IES])
{
    if (err->cause == S1AP_DECODE_OK || err->cause == S1AP_DECODE_NO_MEMORY)
        return -EINVAL;
    if (s1ap_pdu_init(pdu, S1AP_MSG_ErrorIndication))
        return -EINVAL;
    s1ap_ErrorIndication *m = &pdu->u.ErrorIndication;
    m->MME_UE_S1AP_ID_present = err->mme_ue_s1ap_id_present;
    m->MME_UE_S1AP_ID = err->mme_ue_s1ap_id;
    m->eNB_UE_S1AP_ID_present = err->enb_ue_s1ap_id_present;
    m->eNB_UE_S1AP_ID = err->enb_ue_s1ap_id;
    m->Cause_present = true;
    m->Cause.present = S1AP_Cause_PR_protocol;
    m->Cause.u.protocol = s1ap_decode_error_cause(err);
    s1ap_criticality_diagnostics(err, &m->CriticalityDiagnostics, items, S1AP_DIAG_MAX_IES);
    m->CriticalityDiagnostics_present = m->CriticalityDiagnostics.procedureCode_present ||
                                        m->CriticalityDiagnostics.iEsCriticalityDiagnostics_present;
    return 0;
}

const char *s1ap_decode_cause_str(enum s1ap_decode_cause cause)
{
    switch (cause) {
    case S1AP_DECODE_OK:                  return "ok";
    case S1AP_DECODE_IGNORED_IES:         return "IEs ignored (notify)";
    case S1AP_DECODE_TRANSFER_SYNTAX:     return "transfer syntax error";
    case S1AP_DECODE_ABSTRACT_REJECT:     return "abstract syntax error (reject)";
    case S1AP_DECODE_FALSELY_CONSTRUCTED: return "abstract syntax error (falsely constructed message)";
    case S1AP_DECODE_UNKNOWN_PROCEDURE:   return "procedure not comprehended";
    case S1AP_DECODE_NO_MEMORY:           return "decode arena exhausted";
    }
    return "unknown";
}

const char *s1ap_decode_warning_str(unsigned kind)
{
    switch (kind) {
    case APER_WARN_CHARSET: return "character outside the permitted alphabet, kept";
    }
    return "unknown";
}

s1ap_CauseProtocol s1ap_decode_error_cause(const struct s1ap_decode_error *err)
{
    switch (err->cause) {
    case S1AP_DECODE_TRANSFER_SYNTAX:
        return S1AP_CauseProtocol_transfer_syntax_error;
    case S1AP_DECODE_IGNORED_IES:
        return S1AP_CauseProtocol_abstract_syntax_error_ignore_and_notify;
    case S1AP_DECODE_FALSELY_CONSTRUCTED:
        return S1AP_CauseProtocol_abstract_syntax_error_falsely_constructed_message;
    case S1AP_DECODE_UNKNOWN_PROCEDURE:
        return err->procedure_criticality == S1AP_CRIT_NOTIFY
                   ? S1AP_CauseProtocol_abstract_syntax_error_ignore_and_notify
                   : S1AP_CauseProtocol_abstract_syntax_error_reject;
    case S1AP_DECODE_ABSTRACT_REJECT:
        return S1AP_CauseProtocol_abstract_syntax_error_reject;
    default:
        return S1AP_CauseProtocol_unspecified;
    }
}
