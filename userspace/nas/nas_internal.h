/* Private to userspace/nas: the IE descriptor tables and the IE codecs
 * that the generic message coder (nas_codec.c) drives. */
#ifndef XEPC_NAS_INTERNAL_H
#define XEPC_NAS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nas/nas.h"

/* TS 24.007 11.2.1 IE formats */
enum nas_fmt {
    NAS_F_V, NAS_F_VH, NAS_F_LV, NAS_F_LVE,
    NAS_F_TV1, NAS_F_TV, NAS_F_TLV, NAS_F_TLVE,
};

enum nas_codec {
    NAS_C_U8, NAS_C_SPARE, NAS_C_KSI, NAS_C_DETACH, NAS_C_DETACH_NW, NAS_C_UPDATE, NAS_C_KSI_SEQ,
    NAS_C_BYTES, NAS_C_OCT, NAS_C_CONT,
    NAS_C_EPS_ID, NAS_C_MOBILE_ID, NAS_C_TAI, NAS_C_TAI_LIST, NAS_C_LAI, NAS_C_PLMN_LIST,
    NAS_C_UENC, NAS_C_UESC, NAS_C_ALGS, NAS_C_DRX, NAS_C_TIMER, NAS_C_TIMER3,
    NAS_C_NETNAME, NAS_C_TZTIME, NAS_C_EBCS,
    NAS_C_QOS, NAS_C_APN, NAS_C_AMBR, NAS_C_PDN_ADDR, NAS_C_PCO, NAS_C_TFT,
    NAS_C__COUNT
};

#define NAS_NO_FLAG 0xffff

struct nas_ie_desc {
    uint8_t iei;
    uint8_t fmt;     /* enum nas_fmt */
    uint8_t codec;   /* enum nas_codec */
    uint16_t min, max;
    uint16_t off;    /* of the field in its message struct */
    uint16_t has_off;/* of the has_ flag, NAS_NO_FLAG for mandatory IEs */
    uint16_t size;   /* sizeof the field */
    const char *name;
};

/* One IE codec.  dec() gets the value part (for half-octet IEs one octet
 * holding the nibble) and returns 0 or -NAS_ERR_*; -NAS_ERR_MANDATORY_INVALID
 * means "this value is wrong", which the caller maps to the right error
 * for a mandatory or an optional IE.  enc() writes the value part and
 * returns its length or -NAS_ERR_*. */
struct nas_codec_ops {
    int (*dec)(const struct nas_ie_desc *d, const uint8_t *p, size_t len, void *field);
    int (*enc)(const struct nas_ie_desc *d, const void *field, uint8_t *p, size_t cap);
    void (*print)(FILE *f, const struct nas_ie_desc *d, const void *field, int indent);
    size_t size;  /* expected sizeof of the field, 0 = any (checked by a test) */
};

/* Indexed by enum nas_codec (nas_codec.c). */
extern const struct nas_codec_ops *const nas_codecs[NAS_C__COUNT];

/* nas_ie_emm.c */
extern const struct nas_codec_ops nas_ops_u8, nas_ops_spare, nas_ops_ksi, nas_ops_detach,
    nas_ops_detach_nw,
    nas_ops_update, nas_ops_ksi_seq, nas_ops_bytes, nas_ops_oct, nas_ops_cont,
    nas_ops_eps_id, nas_ops_mobile_id, nas_ops_tai, nas_ops_tai_list, nas_ops_lai,
    nas_ops_plmn_list, nas_ops_uenc, nas_ops_uesc, nas_ops_algs, nas_ops_drx,
    nas_ops_timer, nas_ops_timer3, nas_ops_netname, nas_ops_tztime, nas_ops_ebcs;
/* nas_ie_esm.c */
extern const struct nas_codec_ops nas_ops_qos, nas_ops_apn, nas_ops_ambr, nas_ops_pdn_addr,
    nas_ops_pco, nas_ops_tft;

struct nas_msg_spec {
    enum nas_msg_id id;
    uint8_t pd;
    uint8_t type;
    const char *name;
    const struct nas_ie_desc *ies;
    uint8_t n_ies;
    uint16_t size;  /* sizeof the message struct */
};
extern const struct nas_msg_spec nas_msg_specs[NAS_MSG_COUNT];

/* Helpers shared by the IE files. */
static inline uint16_t nas_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void nas_put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline uint32_t nas_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void nas_put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

int nas_plmn_dec(const uint8_t *p, struct nas_plmn *plmn);
int nas_plmn_enc(const struct nas_plmn *plmn, uint8_t *p);
void nas_plmn_str(const struct nas_plmn *plmn, char *out, size_t cap);
void nas_print_hex(FILE *f, const uint8_t *p, size_t len);
void nas_indent(FILE *f, int indent);
/* nas_print.c: the IEs of a message, one per line */
void nas_print_body(FILE *f, const struct nas_message *m, int indent);

#endif
