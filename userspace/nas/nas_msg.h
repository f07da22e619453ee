/* EPS NAS messages (TS 24.301 clause 8): one X-macro list per message
 * gives, in transmission order, every IE of the message:
 *
 *   X(S, presence, IEI, format, field, C type, codec, min, max)
 *
 * presence  M mandatory, O optional (conditional IEs are O and checked
 *           after decoding, see nas_codec.c)
 * IEI       0 for mandatory IEs; the high nibble for type 1 (TV1) IEs
 * format    V, VH (half octet: the first of a pair is bits 1-4), LV, LVE,
 *           TV1, TV, TLV, TLVE (TS 24.007 11.2)
 * min, max  length of the value part in octets (for V/TV the fixed length)
 *
 * From each list nas.h generates `struct nas_<message>` with one member per
 * IE and a `bool has_<field>` before every optional one, and the codec
 * generates its tables, so a field is declared exactly once. */
#ifndef XEPC_NAS_MSG_H
#define XEPC_NAS_MSG_H

#include "nas/nas_ie.h"

typedef uint8_t nas_bytes2[2];

/* TS 24.301 9.9.3.19 KSI and sequence number (service request) */
struct nas_ksi_seq {
    uint8_t ksi;  /* 3 bits */
    uint8_t seq;  /* 5 bits: the 5 LSBs of the NAS COUNT */
};

/* ------------------------------------------------------------------ EMM */

/* TS 24.301 8.2.4 */
#define NAS_IES_ATTACH_REQUEST(X, S) \
    X(S, M, 0, VH, eps_attach_type, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, nas_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, M, 0, LV, eps_mobile_id, struct nas_mobile_id, EPS_ID, 4, 11) \
    X(S, M, 0, LV, ue_net_cap, struct nas_ue_net_cap, UENC, 2, 13) \
    X(S, M, 0, LVE, esm_container, struct nas_container, CONT, 3, NAS_CONTAINER_MAX) \
    X(S, O, 0x19, TV, old_ptmsi_sig, nas_bytes3, BYTES, 3, 3) \
    X(S, O, 0x50, TLV, additional_guti, struct nas_mobile_id, EPS_ID, 11, 11) \
    X(S, O, 0x52, TV, last_visited_tai, struct nas_tai, TAI, 5, 5) \
    X(S, O, 0x5c, TV, drx, struct nas_drx, DRX, 2, 2) \
    X(S, O, 0x31, TLV, ms_net_cap, struct nas_oct8, OCT, 2, 8) \
    X(S, O, 0x13, TV, old_lai, struct nas_lai, LAI, 5, 5) \
    X(S, O, 0x90, TV1, tmsi_status, uint8_t, U8, 1, 1) \
    X(S, O, 0x11, TLV, ms_classmark2, struct nas_oct4, OCT, 3, 3) \
    X(S, O, 0x20, TLV, ms_classmark3, struct nas_oct32, OCT, 0, 32) \
    X(S, O, 0x40, TLV, supported_codecs, struct nas_oct256, OCT, 3, 255) \
    X(S, O, 0xf0, TV1, additional_update_type, uint8_t, U8, 1, 1) \
    X(S, O, 0x5d, TLV, voice_domain_pref, uint8_t, U8, 1, 1) \
    X(S, O, 0xd0, TV1, device_properties, uint8_t, U8, 1, 1) \
    X(S, O, 0xe0, TV1, old_guti_type, uint8_t, U8, 1, 1) \
    X(S, O, 0xc0, TV1, ms_net_feature_support, uint8_t, U8, 1, 1) \
    X(S, O, 0x10, TLV, tmsi_nri_container, struct nas_oct2, OCT, 2, 2) \
    X(S, O, 0x6a, TLV, t3324, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x5e, TLV, t3412_ext, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x6e, TLV, edrx, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0x6f, TLV, ue_add_sec_cap, struct nas_oct4, OCT, 4, 4) \
    X(S, O, 0x6d, TLV, ue_status, uint8_t, U8, 1, 1) \
    X(S, O, 0x17, TV, additional_info_req, uint8_t, U8, 1, 1) \
    X(S, O, 0x32, TLV, n1_ue_net_cap, struct nas_oct16, OCT, 1, 13)

/* TS 24.301 8.2.1 */
#define NAS_IES_ATTACH_ACCEPT(X, S) \
    X(S, M, 0, VH, eps_attach_result, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, M, 0, V, t3412, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, M, 0, LV, tai_list, struct nas_tai_list, TAI_LIST, 6, 96) \
    X(S, M, 0, LVE, esm_container, struct nas_container, CONT, 3, NAS_CONTAINER_MAX) \
    X(S, O, 0x50, TLV, guti, struct nas_mobile_id, EPS_ID, 11, 11) \
    X(S, O, 0x13, TV, lai, struct nas_lai, LAI, 5, 5) \
    X(S, O, 0x23, TLV, ms_identity, struct nas_mobile_id, MOBILE_ID, 5, 8) \
    X(S, O, 0x53, TV, emm_cause, uint8_t, U8, 1, 1) \
    X(S, O, 0x17, TV, t3402, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x59, TV, t3423, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x4a, TLV, equivalent_plmns, struct nas_plmn_list, PLMN_LIST, 3, 45) \
    X(S, O, 0x34, TLV, emergency_numbers, struct nas_oct64, OCT, 3, 48) \
    X(S, O, 0x64, TLV, eps_nfs, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0xf0, TV1, additional_update_result, uint8_t, U8, 1, 1) \
    X(S, O, 0x5e, TLV, t3412_ext, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x6a, TLV, t3324, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x6e, TLV, edrx, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0x65, TLV, dcn_id, struct nas_oct2, OCT, 2, 2) \
    X(S, O, 0xe0, TV1, sms_services_status, uint8_t, U8, 1, 1) \
    X(S, O, 0xd0, TV1, non3gpp_nw_policies, uint8_t, U8, 1, 1) \
    X(S, O, 0x6b, TLV, t3448, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0xc0, TV1, network_policy, uint8_t, U8, 1, 1) \
    X(S, O, 0x6c, TLV, t3447, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x7a, TLVE, ext_emergency_numbers, struct nas_container, CONT, 4, NAS_CONTAINER_MAX) \
    X(S, O, 0x7c, TLVE, ciphering_key_data, struct nas_container, CONT, 32, NAS_CONTAINER_MAX)

/* TS 24.301 8.2.2 */
#define NAS_IES_ATTACH_COMPLETE(X, S) \
    X(S, M, 0, LVE, esm_container, struct nas_container, CONT, 3, NAS_CONTAINER_MAX)

/* TS 24.301 8.2.3 */
#define NAS_IES_ATTACH_REJECT(X, S) \
    X(S, M, 0, V, emm_cause, uint8_t, U8, 1, 1) \
    X(S, O, 0x78, TLVE, esm_container, struct nas_container, CONT, 3, NAS_CONTAINER_MAX) \
    X(S, O, 0x5f, TLV, t3346, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x16, TLV, t3402, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0xa0, TV1, extended_emm_cause, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.11.1 (UE originating detach) */
#define NAS_IES_DETACH_REQUEST_UE(X, S) \
    X(S, M, 0, VH, detach_type, struct nas_detach_type, DETACH, 1, 1) \
    X(S, M, 0, VH, nas_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, M, 0, LV, eps_mobile_id, struct nas_mobile_id, EPS_ID, 4, 11)

/* TS 24.301 8.2.11.2 (UE terminated detach) */
#define NAS_IES_DETACH_REQUEST_NW(X, S) \
    X(S, M, 0, VH, detach_type, struct nas_detach_type, DETACH_NW, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, O, 0x53, TV, emm_cause, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.10 */
#define NAS_IES_DETACH_ACCEPT(X, S)

/* TS 24.301 8.2.29 */
#define NAS_IES_TAU_REQUEST(X, S) \
    X(S, M, 0, VH, eps_update_type, struct nas_update_type, UPDATE, 1, 1) \
    X(S, M, 0, VH, nas_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, M, 0, LV, old_guti, struct nas_mobile_id, EPS_ID, 4, 11) \
    X(S, O, 0xb0, TV1, non_current_native_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, O, 0x80, TV1, gprs_cksn, uint8_t, U8, 1, 1) \
    X(S, O, 0x19, TV, old_ptmsi_sig, nas_bytes3, BYTES, 3, 3) \
    X(S, O, 0x50, TLV, additional_guti, struct nas_mobile_id, EPS_ID, 11, 11) \
    X(S, O, 0x55, TV, nonce_ue, nas_bytes4, BYTES, 4, 4) \
    X(S, O, 0x58, TLV, ue_net_cap, struct nas_ue_net_cap, UENC, 2, 13) \
    X(S, O, 0x52, TV, last_visited_tai, struct nas_tai, TAI, 5, 5) \
    X(S, O, 0x5c, TV, drx, struct nas_drx, DRX, 2, 2) \
    X(S, O, 0xa0, TV1, ue_radio_cap_update, uint8_t, U8, 1, 1) \
    X(S, O, 0x57, TLV, eps_bearer_status, uint16_t, EBCS, 2, 2) \
    X(S, O, 0x31, TLV, ms_net_cap, struct nas_oct8, OCT, 2, 8) \
    X(S, O, 0x13, TV, old_lai, struct nas_lai, LAI, 5, 5) \
    X(S, O, 0x90, TV1, tmsi_status, uint8_t, U8, 1, 1) \
    X(S, O, 0x11, TLV, ms_classmark2, struct nas_oct4, OCT, 3, 3) \
    X(S, O, 0x20, TLV, ms_classmark3, struct nas_oct32, OCT, 0, 32) \
    X(S, O, 0x40, TLV, supported_codecs, struct nas_oct256, OCT, 3, 255) \
    X(S, O, 0xf0, TV1, additional_update_type, uint8_t, U8, 1, 1) \
    X(S, O, 0x5d, TLV, voice_domain_pref, uint8_t, U8, 1, 1) \
    X(S, O, 0xe0, TV1, old_guti_type, uint8_t, U8, 1, 1) \
    X(S, O, 0xd0, TV1, device_properties, uint8_t, U8, 1, 1) \
    X(S, O, 0xc0, TV1, ms_net_feature_support, uint8_t, U8, 1, 1) \
    X(S, O, 0x10, TLV, tmsi_nri_container, struct nas_oct2, OCT, 2, 2) \
    X(S, O, 0x6a, TLV, t3324, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x5e, TLV, t3412_ext, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x6e, TLV, edrx, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0x6f, TLV, ue_add_sec_cap, struct nas_oct4, OCT, 4, 4) \
    X(S, O, 0x6d, TLV, ue_status, uint8_t, U8, 1, 1) \
    X(S, O, 0x17, TV, additional_info_req, uint8_t, U8, 1, 1) \
    X(S, O, 0x32, TLV, n1_ue_net_cap, struct nas_oct16, OCT, 1, 13)

/* TS 24.301 8.2.26 */
#define NAS_IES_TAU_ACCEPT(X, S) \
    X(S, M, 0, VH, eps_update_result, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, O, 0x5a, TV, t3412, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x50, TLV, guti, struct nas_mobile_id, EPS_ID, 11, 11) \
    X(S, O, 0x54, TLV, tai_list, struct nas_tai_list, TAI_LIST, 6, 96) \
    X(S, O, 0x57, TLV, eps_bearer_status, uint16_t, EBCS, 2, 2) \
    X(S, O, 0x13, TV, lai, struct nas_lai, LAI, 5, 5) \
    X(S, O, 0x23, TLV, ms_identity, struct nas_mobile_id, MOBILE_ID, 5, 8) \
    X(S, O, 0x53, TV, emm_cause, uint8_t, U8, 1, 1) \
    X(S, O, 0x17, TV, t3402, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x59, TV, t3423, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x4a, TLV, equivalent_plmns, struct nas_plmn_list, PLMN_LIST, 3, 45) \
    X(S, O, 0x34, TLV, emergency_numbers, struct nas_oct64, OCT, 3, 48) \
    X(S, O, 0x64, TLV, eps_nfs, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0xf0, TV1, additional_update_result, uint8_t, U8, 1, 1) \
    X(S, O, 0x5e, TLV, t3412_ext, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x6a, TLV, t3324, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x6e, TLV, edrx, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0x68, TLV, hc_config_status, struct nas_oct2, OCT, 2, 2) \
    X(S, O, 0x65, TLV, dcn_id, struct nas_oct2, OCT, 2, 2) \
    X(S, O, 0xe0, TV1, sms_services_status, uint8_t, U8, 1, 1) \
    X(S, O, 0xd0, TV1, non3gpp_nw_policies, uint8_t, U8, 1, 1) \
    X(S, O, 0x6b, TLV, t3448, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0xc0, TV1, network_policy, uint8_t, U8, 1, 1) \
    X(S, O, 0x6c, TLV, t3447, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x7a, TLVE, ext_emergency_numbers, struct nas_container, CONT, 4, NAS_CONTAINER_MAX) \
    X(S, O, 0x7c, TLVE, ciphering_key_data, struct nas_container, CONT, 32, NAS_CONTAINER_MAX)

/* TS 24.301 8.2.27 */
#define NAS_IES_TAU_COMPLETE(X, S)

/* TS 24.301 8.2.28 */
#define NAS_IES_TAU_REJECT(X, S) \
    X(S, M, 0, V, emm_cause, uint8_t, U8, 1, 1) \
    X(S, O, 0x5f, TLV, t3346, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0xa0, TV1, extended_emm_cause, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.25: security header type 1100, no message type octet;
 * the short MAC is computed by the security layer (nas_security.h). */
#define NAS_IES_SERVICE_REQUEST(X, S) \
    X(S, M, 0, V, ksi_seq, struct nas_ksi_seq, KSI_SEQ, 1, 1) \
    X(S, M, 0, V, short_mac, nas_bytes2, BYTES, 2, 2)

/* TS 24.301 8.2.15 */
#define NAS_IES_EXT_SERVICE_REQUEST(X, S) \
    X(S, M, 0, VH, service_type, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, nas_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, M, 0, LV, m_tmsi, struct nas_mobile_id, MOBILE_ID, 5, 5) \
    X(S, O, 0xb0, TV1, csfb_response, uint8_t, U8, 1, 1) \
    X(S, O, 0x57, TLV, eps_bearer_status, uint16_t, EBCS, 2, 2) \
    X(S, O, 0xd0, TV1, device_properties, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.24 */
#define NAS_IES_SERVICE_REJECT(X, S) \
    X(S, M, 0, V, emm_cause, uint8_t, U8, 1, 1) \
    X(S, O, 0x5b, TV, t3442, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x5f, TLV, t3346, struct nas_gprs_timer, TIMER, 1, 1) \
    X(S, O, 0x6b, TLV, t3448, struct nas_gprs_timer, TIMER, 1, 1)

/* TS 24.301 8.2.16 */
#define NAS_IES_GUTI_REALLOC_COMMAND(X, S) \
    X(S, M, 0, LV, guti, struct nas_mobile_id, EPS_ID, 11, 11) \
    X(S, O, 0x54, TLV, tai_list, struct nas_tai_list, TAI_LIST, 6, 96) \
    X(S, O, 0x65, TLV, dcn_id, struct nas_oct2, OCT, 2, 2)

/* TS 24.301 8.2.17 */
#define NAS_IES_GUTI_REALLOC_COMPLETE(X, S)

/* TS 24.301 8.2.7 */
#define NAS_IES_AUTH_REQUEST(X, S) \
    X(S, M, 0, VH, nas_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, M, 0, V, rand, nas_bytes16, BYTES, 16, 16) \
    X(S, M, 0, LV, autn, nas_bytes16, BYTES, 16, 16)

/* TS 24.301 8.2.8 */
#define NAS_IES_AUTH_RESPONSE(X, S) \
    X(S, M, 0, LV, res, struct nas_oct16, OCT, 4, 16)

/* TS 24.301 8.2.6 */
#define NAS_IES_AUTH_REJECT(X, S)

/* TS 24.301 8.2.5: auts is conditional (present iff cause #21) */
#define NAS_IES_AUTH_FAILURE(X, S) \
    X(S, M, 0, V, emm_cause, uint8_t, U8, 1, 1) \
    X(S, O, 0x30, TLV, auts, nas_bytes14, BYTES, 14, 14)

/* TS 24.301 8.2.18 */
#define NAS_IES_IDENTITY_REQUEST(X, S) \
    X(S, M, 0, VH, identity_type, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1)

/* TS 24.301 8.2.19 */
#define NAS_IES_IDENTITY_RESPONSE(X, S) \
    X(S, M, 0, LV, mobile_id, struct nas_mobile_id, MOBILE_ID, 1, 9)

/* TS 24.301 8.2.20 */
#define NAS_IES_SECURITY_MODE_COMMAND(X, S) \
    X(S, M, 0, V, selected_algs, struct nas_sec_algs, ALGS, 1, 1) \
    X(S, M, 0, VH, nas_ksi, struct nas_ksi, KSI, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, M, 0, LV, replayed_ue_sec_cap, struct nas_ue_sec_cap, UESC, 2, 5) \
    X(S, O, 0xc0, TV1, imeisv_request, uint8_t, U8, 1, 1) \
    X(S, O, 0x55, TV, replayed_nonce_ue, nas_bytes4, BYTES, 4, 4) \
    X(S, O, 0x56, TV, nonce_mme, nas_bytes4, BYTES, 4, 4) \
    X(S, O, 0x4f, TLV, hash_mme, nas_bytes8, BYTES, 8, 8) \
    X(S, O, 0x6f, TLV, replayed_ue_add_sec_cap, struct nas_oct4, OCT, 4, 4)

/* TS 24.301 8.2.21 */
#define NAS_IES_SECURITY_MODE_COMPLETE(X, S) \
    X(S, O, 0x23, TLV, imeisv, struct nas_mobile_id, MOBILE_ID, 9, 9) \
    X(S, O, 0x79, TLVE, replayed_nas_msg, struct nas_container, CONT, 1, NAS_CONTAINER_MAX)

/* TS 24.301 8.2.22 */
#define NAS_IES_SECURITY_MODE_REJECT(X, S) \
    X(S, M, 0, V, emm_cause, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.13 */
#define NAS_IES_EMM_INFORMATION(X, S) \
    X(S, O, 0x43, TLV, full_name, struct nas_network_name, NETNAME, 1, NAS_NETWORK_NAME_MAX + 1) \
    X(S, O, 0x45, TLV, short_name, struct nas_network_name, NETNAME, 1, NAS_NETWORK_NAME_MAX + 1) \
    X(S, O, 0x46, TV, local_tz, uint8_t, U8, 1, 1) \
    X(S, O, 0x47, TV, universal_time, struct nas_tz_time, TZTIME, 7, 7) \
    X(S, O, 0x49, TLV, dst, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.14 */
#define NAS_IES_EMM_STATUS(X, S) \
    X(S, M, 0, V, emm_cause, uint8_t, U8, 1, 1)

/* TS 24.301 8.2.12 */
#define NAS_IES_DL_NAS_TRANSPORT(X, S) \
    X(S, M, 0, LV, nas_container, struct nas_oct256, OCT, 2, 252)

/* TS 24.301 8.2.30 */
#define NAS_IES_UL_NAS_TRANSPORT(X, S) \
    X(S, M, 0, LV, nas_container, struct nas_oct256, OCT, 2, 252)

/* TS 24.301 8.2.31, 8.2.32: the container's content (LPP, LCS ...) is
 * another protocol's; the codec carries it as octets. */
#define NAS_IES_DL_GENERIC_NAS_TRANSPORT(X, S) \
    X(S, M, 0, V, generic_msg_container_type, uint8_t, U8, 1, 1) \
    X(S, M, 0, LVE, generic_msg_container, struct nas_container, CONT, 1, NAS_CONTAINER_MAX) \
    X(S, O, 0x65, TLV, additional_info, struct nas_oct256, OCT, 1, 255)
#define NAS_IES_UL_GENERIC_NAS_TRANSPORT(X, S) NAS_IES_DL_GENERIC_NAS_TRANSPORT(X, S)

/* ------------------------------------------------------------------ ESM */

#define NAS_IE_PCO(X, S) \
    X(S, O, 0x27, TLV, pco, struct nas_pco, PCO, 1, 251)
#define NAS_IE_EPCO(X, S) \
    X(S, O, 0x7b, TLVE, epco, struct nas_pco, PCO, 1, NAS_PCO_DATA_MAX)
#define NAS_IE_NBIFOM(X, S) \
    X(S, O, 0x33, TLV, nbifom, struct nas_oct256, OCT, 1, 255)
#define NAS_IE_HC_CONFIG(X, S) \
    X(S, O, 0x66, TLV, hc_config, struct nas_oct256, OCT, 3, 255)
#define NAS_IE_EXT_EPS_QOS(X, S) \
    X(S, O, 0x5c, TLV, ext_eps_qos, struct nas_oct16, OCT, 10, 10)
#define NAS_IE_BACKOFF(X, S) \
    X(S, O, 0x37, TLV, backoff_timer, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0x6b, TLV, reattempt_ind, uint8_t, U8, 1, 1)

/* TS 24.301 8.3.6 */
#define NAS_IES_ACT_DEFAULT_REQUEST(X, S) \
    X(S, M, 0, LV, eps_qos, struct nas_eps_qos, QOS, 1, 13) \
    X(S, M, 0, LV, apn, struct nas_apn, APN, 1, NAS_APN_MAX) \
    X(S, M, 0, LV, pdn_addr, struct nas_pdn_addr, PDN_ADDR, 5, 13) \
    X(S, O, 0x5d, TLV, transaction_id, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0x30, TLV, negotiated_qos, struct nas_oct32, OCT, 12, 20) \
    X(S, O, 0x32, TV, llc_sapi, uint8_t, U8, 1, 1) \
    X(S, O, 0x80, TV1, radio_priority, uint8_t, U8, 1, 1) \
    X(S, O, 0x34, TLV, packet_flow_id, uint8_t, U8, 1, 1) \
    X(S, O, 0x5e, TLV, apn_ambr, struct nas_apn_ambr, AMBR, 2, 6) \
    X(S, O, 0x58, TV, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0xb0, TV1, connectivity_type, uint8_t, U8, 1, 1) \
    X(S, O, 0xc0, TV1, wlan_offload, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) \
    NAS_IE_HC_CONFIG(X, S) \
    X(S, O, 0x90, TV1, cp_only, uint8_t, U8, 1, 1) \
    NAS_IE_EPCO(X, S) \
    X(S, O, 0x6e, TLV, serving_plmn_rate_control, struct nas_oct2, OCT, 2, 2) \
    X(S, O, 0x5f, TLV, ext_apn_ambr, struct nas_oct8, OCT, 6, 6)

/* TS 24.301 8.3.4, 8.3.5 */
#define NAS_IES_ACT_DEFAULT_ACCEPT(X, S) NAS_IE_PCO(X, S) NAS_IE_EPCO(X, S)
#define NAS_IES_ACT_DEFAULT_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.3 */
#define NAS_IES_ACT_DEDICATED_REQUEST(X, S) \
    X(S, M, 0, VH, linked_ebi, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, M, 0, LV, eps_qos, struct nas_eps_qos, QOS, 1, 13) \
    X(S, M, 0, LV, tft, struct nas_tft, TFT, 1, 255) \
    X(S, O, 0x5d, TLV, transaction_id, struct nas_oct2, OCT, 1, 2) \
    X(S, O, 0x30, TLV, negotiated_qos, struct nas_oct32, OCT, 12, 20) \
    X(S, O, 0x32, TV, llc_sapi, uint8_t, U8, 1, 1) \
    X(S, O, 0x80, TV1, radio_priority, uint8_t, U8, 1, 1) \
    X(S, O, 0x34, TLV, packet_flow_id, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0xc0, TV1, wlan_offload, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) \
    NAS_IE_EPCO(X, S) \
    NAS_IE_EXT_EPS_QOS(X, S)

/* TS 24.301 8.3.1, 8.3.2 */
#define NAS_IES_ACT_DEDICATED_ACCEPT(X, S) \
    NAS_IE_PCO(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)
#define NAS_IES_ACT_DEDICATED_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.18 */
#define NAS_IES_MODIFY_REQUEST(X, S) \
    X(S, O, 0x5b, TLV, new_eps_qos, struct nas_eps_qos, QOS, 1, 13) \
    X(S, O, 0x36, TLV, tft, struct nas_tft, TFT, 1, 255) \
    X(S, O, 0x30, TLV, new_qos, struct nas_oct32, OCT, 12, 20) \
    X(S, O, 0x32, TV, llc_sapi, uint8_t, U8, 1, 1) \
    X(S, O, 0x80, TV1, radio_priority, uint8_t, U8, 1, 1) \
    X(S, O, 0x34, TLV, packet_flow_id, uint8_t, U8, 1, 1) \
    X(S, O, 0x5e, TLV, apn_ambr, struct nas_apn_ambr, AMBR, 2, 6) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0xc0, TV1, wlan_offload, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) \
    NAS_IE_HC_CONFIG(X, S) \
    NAS_IE_EPCO(X, S) \
    X(S, O, 0x5f, TLV, ext_apn_ambr, struct nas_oct8, OCT, 6, 6) \
    NAS_IE_EXT_EPS_QOS(X, S)

/* TS 24.301 8.3.16, 8.3.17 */
#define NAS_IES_MODIFY_ACCEPT(X, S) \
    NAS_IE_PCO(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)
#define NAS_IES_MODIFY_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.12, 8.3.11 */
#define NAS_IES_DEACT_REQUEST(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0x37, TLV, t3396, struct nas_gprs_timer, TIMER3, 1, 1) \
    X(S, O, 0xc0, TV1, wlan_offload, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) \
    NAS_IE_EPCO(X, S)
#define NAS_IES_DEACT_ACCEPT(X, S) NAS_IE_PCO(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.20 */
#define NAS_IES_PDN_CONN_REQUEST(X, S) \
    X(S, M, 0, VH, request_type, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, pdn_type, uint8_t, U8, 1, 1) \
    X(S, O, 0xd0, TV1, esm_info_transfer_flag, uint8_t, U8, 1, 1) \
    X(S, O, 0x28, TLV, apn, struct nas_apn, APN, 1, NAS_APN_MAX) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0xc0, TV1, device_properties, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) \
    NAS_IE_HC_CONFIG(X, S) \
    NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.19 */
#define NAS_IES_PDN_CONN_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_BACKOFF(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.22, 8.3.21 */
#define NAS_IES_PDN_DISC_REQUEST(X, S) \
    X(S, M, 0, VH, linked_ebi, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_EPCO(X, S)
#define NAS_IES_PDN_DISC_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.8, 8.3.7 */
#define NAS_IES_BR_ALLOC_REQUEST(X, S) \
    X(S, M, 0, VH, linked_ebi, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, M, 0, LV, tfa, struct nas_tft, TFT, 1, 255) \
    X(S, M, 0, LV, required_qos, struct nas_eps_qos, QOS, 1, 13) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0xc0, TV1, device_properties, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S) NAS_IE_EXT_EPS_QOS(X, S)
#define NAS_IES_BR_ALLOC_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_BACKOFF(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.10, 8.3.9 */
#define NAS_IES_BR_MODIFY_REQUEST(X, S) \
    X(S, M, 0, VH, ebi_for_pf, uint8_t, U8, 1, 1) \
    X(S, M, 0, VH, spare, uint8_t, SPARE, 1, 1) \
    X(S, M, 0, LV, tfa, struct nas_tft, TFT, 1, 255) \
    X(S, O, 0x5b, TLV, required_qos, struct nas_eps_qos, QOS, 1, 13) \
    X(S, O, 0x58, TV, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) \
    X(S, O, 0xc0, TV1, device_properties, uint8_t, U8, 1, 1) \
    NAS_IE_NBIFOM(X, S) NAS_IE_HC_CONFIG(X, S) NAS_IE_EPCO(X, S) NAS_IE_EXT_EPS_QOS(X, S)
#define NAS_IES_BR_MODIFY_REJECT(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1) \
    NAS_IE_PCO(X, S) NAS_IE_BACKOFF(X, S) NAS_IE_NBIFOM(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.13, 8.3.14 */
#define NAS_IES_ESM_INFO_REQUEST(X, S)
#define NAS_IES_ESM_INFO_RESPONSE(X, S) \
    X(S, O, 0x28, TLV, apn, struct nas_apn, APN, 1, NAS_APN_MAX) \
    NAS_IE_PCO(X, S) NAS_IE_EPCO(X, S)

/* TS 24.301 8.3.15 */
#define NAS_IES_ESM_STATUS(X, S) \
    X(S, M, 0, V, esm_cause, uint8_t, U8, 1, 1)

/* Every message: X(ID, member, protocol discriminator, message type, name).
 * TS 24.301 9.8 tables 9.8.1 and 9.8.2. */
#define NAS_MESSAGES(X) \
    X(ATTACH_REQUEST, attach_request, NAS_PD_EMM, 0x41, "Attach request") \
    X(ATTACH_ACCEPT, attach_accept, NAS_PD_EMM, 0x42, "Attach accept") \
    X(ATTACH_COMPLETE, attach_complete, NAS_PD_EMM, 0x43, "Attach complete") \
    X(ATTACH_REJECT, attach_reject, NAS_PD_EMM, 0x44, "Attach reject") \
    X(DETACH_REQUEST_UE, detach_request_ue, NAS_PD_EMM, 0x45, "Detach request (UE originating)") \
    X(DETACH_REQUEST_NW, detach_request_nw, NAS_PD_EMM, 0x45, "Detach request (UE terminated)") \
    X(DETACH_ACCEPT, detach_accept, NAS_PD_EMM, 0x46, "Detach accept") \
    X(TAU_REQUEST, tau_request, NAS_PD_EMM, 0x48, "Tracking area update request") \
    X(TAU_ACCEPT, tau_accept, NAS_PD_EMM, 0x49, "Tracking area update accept") \
    X(TAU_COMPLETE, tau_complete, NAS_PD_EMM, 0x4a, "Tracking area update complete") \
    X(TAU_REJECT, tau_reject, NAS_PD_EMM, 0x4b, "Tracking area update reject") \
    X(EXT_SERVICE_REQUEST, ext_service_request, NAS_PD_EMM, 0x4c, "Extended service request") \
    X(SERVICE_REJECT, service_reject, NAS_PD_EMM, 0x4e, "Service reject") \
    X(GUTI_REALLOC_COMMAND, guti_realloc_command, NAS_PD_EMM, 0x50, "GUTI reallocation command") \
    X(GUTI_REALLOC_COMPLETE, guti_realloc_complete, NAS_PD_EMM, 0x51, "GUTI reallocation complete") \
    X(AUTH_REQUEST, auth_request, NAS_PD_EMM, 0x52, "Authentication request") \
    X(AUTH_RESPONSE, auth_response, NAS_PD_EMM, 0x53, "Authentication response") \
    X(AUTH_REJECT, auth_reject, NAS_PD_EMM, 0x54, "Authentication reject") \
    X(IDENTITY_REQUEST, identity_request, NAS_PD_EMM, 0x55, "Identity request") \
    X(IDENTITY_RESPONSE, identity_response, NAS_PD_EMM, 0x56, "Identity response") \
    X(AUTH_FAILURE, auth_failure, NAS_PD_EMM, 0x5c, "Authentication failure") \
    X(SECURITY_MODE_COMMAND, security_mode_command, NAS_PD_EMM, 0x5d, "Security mode command") \
    X(SECURITY_MODE_COMPLETE, security_mode_complete, NAS_PD_EMM, 0x5e, "Security mode complete") \
    X(SECURITY_MODE_REJECT, security_mode_reject, NAS_PD_EMM, 0x5f, "Security mode reject") \
    X(EMM_STATUS, emm_status, NAS_PD_EMM, 0x60, "EMM status") \
    X(EMM_INFORMATION, emm_information, NAS_PD_EMM, 0x61, "EMM information") \
    X(DL_NAS_TRANSPORT, dl_nas_transport, NAS_PD_EMM, 0x62, "Downlink NAS transport") \
    X(UL_NAS_TRANSPORT, ul_nas_transport, NAS_PD_EMM, 0x63, "Uplink NAS transport") \
    X(DL_GENERIC_NAS_TRANSPORT, dl_generic_nas_transport, NAS_PD_EMM, 0x68, "Downlink generic NAS transport") \
    X(UL_GENERIC_NAS_TRANSPORT, ul_generic_nas_transport, NAS_PD_EMM, 0x69, "Uplink generic NAS transport") \
    X(SERVICE_REQUEST, service_request, NAS_PD_EMM, 0x00, "Service request") \
    X(ACT_DEFAULT_REQUEST, act_default_request, NAS_PD_ESM, 0xc1, "Activate default EPS bearer context request") \
    X(ACT_DEFAULT_ACCEPT, act_default_accept, NAS_PD_ESM, 0xc2, "Activate default EPS bearer context accept") \
    X(ACT_DEFAULT_REJECT, act_default_reject, NAS_PD_ESM, 0xc3, "Activate default EPS bearer context reject") \
    X(ACT_DEDICATED_REQUEST, act_dedicated_request, NAS_PD_ESM, 0xc5, "Activate dedicated EPS bearer context request") \
    X(ACT_DEDICATED_ACCEPT, act_dedicated_accept, NAS_PD_ESM, 0xc6, "Activate dedicated EPS bearer context accept") \
    X(ACT_DEDICATED_REJECT, act_dedicated_reject, NAS_PD_ESM, 0xc7, "Activate dedicated EPS bearer context reject") \
    X(MODIFY_REQUEST, modify_request, NAS_PD_ESM, 0xc9, "Modify EPS bearer context request") \
    X(MODIFY_ACCEPT, modify_accept, NAS_PD_ESM, 0xca, "Modify EPS bearer context accept") \
    X(MODIFY_REJECT, modify_reject, NAS_PD_ESM, 0xcb, "Modify EPS bearer context reject") \
    X(DEACT_REQUEST, deact_request, NAS_PD_ESM, 0xcd, "Deactivate EPS bearer context request") \
    X(DEACT_ACCEPT, deact_accept, NAS_PD_ESM, 0xce, "Deactivate EPS bearer context accept") \
    X(PDN_CONN_REQUEST, pdn_conn_request, NAS_PD_ESM, 0xd0, "PDN connectivity request") \
    X(PDN_CONN_REJECT, pdn_conn_reject, NAS_PD_ESM, 0xd1, "PDN connectivity reject") \
    X(PDN_DISC_REQUEST, pdn_disc_request, NAS_PD_ESM, 0xd2, "PDN disconnect request") \
    X(PDN_DISC_REJECT, pdn_disc_reject, NAS_PD_ESM, 0xd3, "PDN disconnect reject") \
    X(BR_ALLOC_REQUEST, br_alloc_request, NAS_PD_ESM, 0xd4, "Bearer resource allocation request") \
    X(BR_ALLOC_REJECT, br_alloc_reject, NAS_PD_ESM, 0xd5, "Bearer resource allocation reject") \
    X(BR_MODIFY_REQUEST, br_modify_request, NAS_PD_ESM, 0xd6, "Bearer resource modification request") \
    X(BR_MODIFY_REJECT, br_modify_reject, NAS_PD_ESM, 0xd7, "Bearer resource modification reject") \
    X(ESM_INFO_REQUEST, esm_info_request, NAS_PD_ESM, 0xd9, "ESM information request") \
    X(ESM_INFO_RESPONSE, esm_info_response, NAS_PD_ESM, 0xda, "ESM information response") \
    X(ESM_STATUS, esm_status, NAS_PD_ESM, 0xe8, "ESM status")

/* The structs, one per message. */
#define NAS_FIELD_M_(NAME, TYPE) TYPE NAME;
#define NAS_FIELD_O_(NAME, TYPE) bool has_##NAME; TYPE NAME;
#define NAS_FIELD_(S, P, IEI, FMT, NAME, TYPE, CODEC, MIN, MAX) NAS_FIELD_##P##_(NAME, TYPE)
#define NAS_STRUCT_(ID, MEMBER, PD, TYPE, NAME) \
    struct nas_##MEMBER { NAS_IES_##ID(NAS_FIELD_, ) };
NAS_MESSAGES(NAS_STRUCT_)
#undef NAS_STRUCT_

enum nas_msg_id {
    NAS_MSG_NONE = 0,
#define NAS_ENUM_(ID, MEMBER, PD, TYPE, NAME) NAS_MSG_##ID,
    NAS_MESSAGES(NAS_ENUM_)
#undef NAS_ENUM_
    NAS_MSG_COUNT
};

#endif
