/* Printing a decoded S1AP PDU IE by IE, driven by the generated
 * descriptors (struct aper_type), so that every IE of every message prints
 * without a line of code per type. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "s1ap_print.h"

static void pad(FILE *f, int indent)
{
    fprintf(f, "%*s", indent, "");
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

static const char *crit_name(unsigned c)
{
    return c == APER_CRIT_REJECT ? "reject" : c == APER_CRIT_IGNORE ? "ignore"
         : c == APER_CRIT_NOTIFY ? "notify" : "?";
}

/* TS 23.003 / TS 36.413 9.2.3.8: MCC digit 2 | digit 1, MNC digit 3 | MCC
 * digit 3, MNC digit 2 | digit 1; filler F for a two-digit MNC. */
static void print_plmn(FILE *f, const uint8_t *p)
{
    unsigned d[6] = { p[0] & 15u, p[0] >> 4, p[1] & 15u, p[2] & 15u, p[2] >> 4, p[1] >> 4 };
    hex(f, p, 3);
    fprintf(f, " (MCC %u%u%u, MNC %u%u", d[0], d[1], d[2], d[3], d[4]);
    if (d[5] != 15)
        fprintf(f, "%u", d[5]);
    fputc(')', f);
}

static void print_integer(FILE *f, const struct aper_type *t, const void *v)
{
    switch (t->repr) {
    case APER_R_U8:  fprintf(f, "%u", *(const uint8_t *)v); break;
    case APER_R_U16: fprintf(f, "%u", *(const uint16_t *)v); break;
    case APER_R_U32: fprintf(f, "%u", *(const uint32_t *)v); break;
    case APER_R_U64: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)v); break;
    case APER_R_I32: fprintf(f, "%d", *(const int32_t *)v); break;
    case APER_R_I64: fprintf(f, "%lld", (long long)*(const int64_t *)v); break;
    default:         fprintf(f, "(integer)"); break;
    }
}

static void print_bits(FILE *f, const struct aper_type *t, const void *v)
{
    if (t->repr == APER_R_BITS_U32) {
        fprintf(f, "0x%x (%u bits)", *(const uint32_t *)v, (unsigned)t->c.ub);
        return;
    }
    if (t->repr == APER_R_BITS_U64) {
        fprintf(f, "0x%llx (%u bits)", (unsigned long long)*(const uint64_t *)v,
                (unsigned)t->c.ub);
        return;
    }
    const struct aper_bits *b = v;
    hex(f, b->buf, (b->nbits + 7) / 8);
    fprintf(f, " (%u bits)", b->nbits);
    if (!strcmp(t->name, "TransportLayerAddress")) {
        /* TS 36.414 5.3: IPv4 (32), IPv6 (128) or both (160) */
        char s[INET6_ADDRSTRLEN];
        if (b->nbits == 32 || b->nbits == 160) {
            inet_ntop(AF_INET, b->buf, s, sizeof(s));
            fprintf(f, " IPv4 %s", s);
        }
        if (b->nbits == 128 || b->nbits == 160) {
            inet_ntop(AF_INET6, b->buf + (b->nbits == 160 ? 4 : 0), s, sizeof(s));
            fprintf(f, " IPv6 %s", s);
        }
    }
}

static void print_octets(FILE *f, const struct aper_type *t, const void *v)
{
    if (t->repr == APER_R_ARRAY) {
        if (!strcmp(t->name, "TBCD-STRING") && t->c.ub == 3) {
            print_plmn(f, v);
            return;
        }
        hex(f, v, (size_t)t->c.ub);
        if (t->c.ub == 2 && !strcmp(t->name, "TAC"))
            fprintf(f, " (%u)", ((const uint8_t *)v)[0] << 8 | ((const uint8_t *)v)[1]);
        return;
    }
    const struct aper_octets *o = v;
    fprintf(f, "%u bytes", o->len);
    if (o->len) {
        fputc(' ', f);
        hex(f, o->buf, o->len);
    }
}

static void print_chars(FILE *f, const void *v)
{
    const struct aper_octets *o = v;
    fputc('"', f);
    for (uint32_t i = 0; i < o->len; i++) {
        uint8_t c = o->buf[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
    fputc('"', f);
}

static void print_value(FILE *f, const struct aper_type *t, const void *v, int indent);

static bool listed_missing(const struct s1ap_decode_error *err, uint16_t id)
{
    for (unsigned i = 0; err && i < err->n_ies; i++)
        if (err->ies[i].id == id && err->ies[i].type_of_error == APER_IE_MISSING)
            return true;
    return false;
}

/* err (may be NULL): mandatory IEs it lists as missing print as such
 * rather than as their zero value */
static void print_ies(FILE *f, const struct aper_type *t, const void *v, int indent,
                      const struct s1ap_decode_error *err)
{
    for (unsigned i = 0; i < t->n_ies; i++) {
        const struct aper_ie *ie = &t->ies[i];
        if (ie->present_offset >= 0 && !*(const bool *)((const uint8_t *)v + ie->present_offset))
            continue;
        pad(f, indent);
        fprintf(f, "%s (%u) %s: ", ie->name, ie->id, crit_name(ie->criticality));
        if (ie->present_offset < 0 && listed_missing(err, ie->id)) {
            fprintf(f, "(missing)\n");
            continue;
        }
        print_value(f, ie->type, (const uint8_t *)v + ie->offset, indent);
    }
}

static void print_container(FILE *f, const struct aper_type *t, const void *v, int indent)
{
    print_ies(f, t, v, indent, NULL);
}

/* Prints the value (after a label already written) and the newline;
 * constructed values go on the following lines, indented. */
static void print_value(FILE *f, const struct aper_type *t, const void *v, int indent)
{
    switch (t->kind) {
    case APER_INTEGER:
        print_integer(f, t, v);
        fputc('\n', f);
        return;
    case APER_ENUMERATED: {
        int idx = *(const int *)v;
        if (idx >= 0 && idx < t->n_items && t->enum_names)
            fprintf(f, "%s (%d)\n", t->enum_names[idx], idx);
        else
            fprintf(f, "(%d)\n", idx);
        return;
    }
    case APER_BOOLEAN:
        fprintf(f, "%s\n", *(const bool *)v ? "true" : "false");
        return;
    case APER_NULL:
        fprintf(f, "NULL\n");
        return;
    case APER_BIT_STRING:
        print_bits(f, t, v);
        fputc('\n', f);
        return;
    case APER_OCTET_STRING:
        print_octets(f, t, v);
        fputc('\n', f);
        return;
    case APER_CHAR_STRING:
        print_chars(f, v);
        fputc('\n', f);
        return;
    case APER_SEQUENCE:
        fprintf(f, "%s\n", t->name);
        for (unsigned i = 0; i < t->n_items; i++) {
            const struct aper_member *m = &t->members[i];
            if (m->offset < 0)
                continue;
            if (m->optional && m->present_offset >= 0 &&
                !*(const bool *)((const uint8_t *)v + m->present_offset))
                continue;
            if (m->type->kind == APER_IE_CONTAINER) {
                /* iE-Extensions / protocolIEs: print the IEs in line */
                print_container(f, m->type, (const uint8_t *)v + m->offset, indent + 2);
                continue;
            }
            pad(f, indent + 2);
            fprintf(f, "%s: ", m->name);
            print_value(f, m->type, (const uint8_t *)v + m->offset, indent + 2);
        }
        return;
    case APER_CHOICE: {
        uint32_t p = ((const struct aper_choice_hdr *)v)->present;
        if (p == 0 || p > t->n_items) {
            fprintf(f, "(no alternative)\n");
            return;
        }
        const struct aper_member *m = &t->members[p - 1];
        fprintf(f, "%s: ", m->name);
        print_value(f, m->type, (const uint8_t *)v + m->offset, indent);
        return;
    }
    case APER_SEQUENCE_OF: {
        const struct aper_seqof *so = v;
        fprintf(f, "%u item%s\n", so->count, so->count == 1 ? "" : "s");
        for (uint32_t i = 0; i < so->count; i++) {
            pad(f, indent + 2);
            fprintf(f, "[%u] ", i);
            print_value(f, t->elem, (const uint8_t *)so->items + (size_t)i * t->elem->c_size,
                        indent + 2);
        }
        return;
    }
    case APER_IE_CONTAINER:
        fputc('\n', f);
        print_container(f, t, v, indent + 2);
        return;
    case APER_IE_SINGLE:
        if (!t->n_ies) {
            fprintf(f, "(empty)\n");
            return;
        }
        fprintf(f, "%s (%u) %s: ", t->ies[0].name, t->ies[0].id, crit_name(t->ies[0].criticality));
        print_value(f, t->ies[0].type, v, indent);
        return;
    }
    fprintf(f, "(unknown descriptor kind %u)\n", t->kind);
}

static const char *const pdu_type_names[] = { "initiatingMessage", "successfulOutcome",
                                              "unsuccessfulOutcome" };

const char *s1ap_print_procedure_name(uint8_t code)
{
    for (unsigned i = 0; i < S1AP_N_PROCEDURES; i++)
        if (s1ap_procedures[i].code == code)
            return s1ap_procedures[i].name;
    return "unknown procedure";
}

void s1ap_print_pdu(FILE *f, const struct s1ap_pdu *pdu, size_t len,
                    const struct s1ap_decode_error *err)
{
    const void *msg = s1ap_pdu_msg_const(pdu);

    fprintf(f, "%s, %zu bytes\n", s1ap_msg_name(pdu->kind), len);
    fprintf(f, "  %s, procedureCode %s (%u), criticality %s\n",
            (unsigned)pdu->type < 3 ? pdu_type_names[pdu->type] : "?",
            s1ap_print_procedure_name(pdu->procedure_code), pdu->procedure_code,
            crit_name(pdu->criticality));
    if (!msg)
        return;
    const struct aper_type *t = s1ap_msgs[pdu->kind].desc;
    /* the message: SEQUENCE { protocolIEs ProtocolIE-Container, ... } */
    if (t->kind == APER_SEQUENCE && t->n_items >= 1 && t->members[0].type->kind == APER_IE_CONTAINER)
        print_ies(f, t->members[0].type, (const uint8_t *)msg + t->members[0].offset, 2, err);
    else {
        fprintf(f, "  ");
        print_value(f, t, msg, 2);
    }
}

void s1ap_print_diagnostics(FILE *f, const struct s1ap_decode_error *err)
{
    for (unsigned i = 0; i < err->n_ies; i++)
        fprintf(f, "  IE id %u (criticality %s): %s\n", err->ies[i].id,
                crit_name(err->ies[i].criticality),
                err->ies[i].type_of_error == APER_IE_MISSING ? "missing" : "not understood");
    if (err->ies_truncated)
        fprintf(f, "  (more IEs than fit in the diagnostics)\n");
}
