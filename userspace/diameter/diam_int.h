/* userspace/diameter internals: the AVP table (diam_dict.c) and the small
 * helpers the typed codecs use to add and read AVPs. */
#ifndef XEPC_DIAM_INT_H
#define XEPC_DIAM_INT_H

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "diameter/diam.h"

enum da_type { DT_U32, DT_U64, DT_I32, DT_OS, DT_UTF8, DT_GRP };

/* Every AVP the codecs use: id, name, code, vendor, type.  The names are
 * those of the specs (and of Debian's dictionaries, which define most of
 * them); diam_dict.c defines those the loaded dictionaries lack and checks
 * that those they have agree with this table. */
#define V3 DIAM_VENDOR_3GPP
#define DIAM_AVPS(X) \
    /* RFC 6733 */ \
    X(SESSION_ID, "Session-Id", 263, 0, DT_UTF8) \
    X(ORIGIN_HOST, "Origin-Host", 264, 0, DT_OS) \
    X(ORIGIN_REALM, "Origin-Realm", 296, 0, DT_OS) \
    X(DEST_HOST, "Destination-Host", 293, 0, DT_OS) \
    X(DEST_REALM, "Destination-Realm", 283, 0, DT_OS) \
    X(RESULT_CODE, "Result-Code", 268, 0, DT_U32) \
    X(EXP_RESULT, "Experimental-Result", 297, 0, DT_GRP) \
    X(EXP_RESULT_CODE, "Experimental-Result-Code", 298, 0, DT_U32) \
    X(VENDOR_ID, "Vendor-Id", 266, 0, DT_U32) \
    X(AUTH_APP_ID, "Auth-Application-Id", 258, 0, DT_U32) \
    X(AUTH_SESSION_STATE, "Auth-Session-State", 277, 0, DT_I32) \
    X(VSAI, "Vendor-Specific-Application-Id", 260, 0, DT_GRP) \
    X(USER_NAME, "User-Name", 1, 0, DT_UTF8) \
    X(RE_AUTH_REQUEST_TYPE, "Re-Auth-Request-Type", 285, 0, DT_I32) \
    X(TERMINATION_CAUSE, "Termination-Cause", 295, 0, DT_I32) \
    /* RFC 7155 (NASREQ) */ \
    X(FILTER_ID, "Filter-Id", 11, 0, DT_UTF8) \
    X(FRAMED_IP_ADDRESS, "Framed-IP-Address", 8, 0, DT_OS) \
    X(FRAMED_IPV6_PREFIX, "Framed-IPv6-Prefix", 97, 0, DT_OS) \
    X(CALLED_STATION_ID, "Called-Station-Id", 30, 0, DT_UTF8) \
    /* RFC 5778 */ \
    X(SERVICE_SELECTION, "Service-Selection", 493, 0, DT_UTF8) \
    /* RFC 4006 */ \
    X(CC_REQUEST_TYPE, "CC-Request-Type", 416, 0, DT_I32) \
    X(CC_REQUEST_NUMBER, "CC-Request-Number", 415, 0, DT_U32) \
    X(SERVICE_CONTEXT_ID, "Service-Context-Id", 461, 0, DT_UTF8) \
    X(SUBSCRIPTION_ID, "Subscription-Id", 443, 0, DT_GRP) \
    X(SUBSCRIPTION_ID_TYPE, "Subscription-Id-Type", 450, 0, DT_I32) \
    X(SUBSCRIPTION_ID_DATA, "Subscription-Id-Data", 444, 0, DT_UTF8) \
    X(MSI, "Multiple-Services-Indicator", 455, 0, DT_I32) \
    X(MSCC, "Multiple-Services-Credit-Control", 456, 0, DT_GRP) \
    X(RSU, "Requested-Service-Unit", 437, 0, DT_GRP) \
    X(GSU, "Granted-Service-Unit", 431, 0, DT_GRP) \
    X(USU, "Used-Service-Unit", 446, 0, DT_GRP) \
    X(CC_TIME, "CC-Time", 420, 0, DT_U32) \
    X(CC_TOTAL_OCTETS, "CC-Total-Octets", 421, 0, DT_U64) \
    X(CC_INPUT_OCTETS, "CC-Input-Octets", 412, 0, DT_U64) \
    X(CC_OUTPUT_OCTETS, "CC-Output-Octets", 414, 0, DT_U64) \
    X(RATING_GROUP, "Rating-Group", 432, 0, DT_U32) \
    X(SERVICE_IDENTIFIER, "Service-Identifier", 439, 0, DT_U32) \
    X(VALIDITY_TIME, "Validity-Time", 448, 0, DT_U32) \
    X(FUI, "Final-Unit-Indication", 430, 0, DT_GRP) \
    X(FUA, "Final-Unit-Action", 449, 0, DT_I32) \
    X(RESTRICTION_FILTER_RULE, "Restriction-Filter-Rule", 438, 0, DT_OS) \
    X(REDIRECT_SERVER, "Redirect-Server", 434, 0, DT_GRP) \
    X(REDIRECT_ADDRESS_TYPE, "Redirect-Address-Type", 433, 0, DT_I32) \
    X(REDIRECT_SERVER_ADDRESS, "Redirect-Server-Address", 435, 0, DT_UTF8) \
    X(CCFH, "Credit-Control-Failure-Handling", 427, 0, DT_I32) \
    /* TS 32.299 / TS 29.061 */ \
    X(REPORTING_REASON, "Reporting-Reason", 872, V3, DT_I32) \
    X(VOLUME_QUOTA_THRESHOLD, "Volume-Quota-Threshold", 869, V3, DT_U32) \
    X(TIME_QUOTA_THRESHOLD, "Time-Quota-Threshold", 868, V3, DT_U32) \
    X(TGPP_USER_LOCATION_INFO, "3GPP-User-Location-Info", 22, V3, DT_OS) \
    X(SERVICE_INFORMATION, "Service-Information", 873, V3, DT_GRP) \
    X(PS_INFORMATION, "PS-Information", 874, V3, DT_GRP) \
    X(PDP_ADDRESS, "PDP-Address", 1227, V3, DT_OS) \
    X(PDP_ADDRESS_PREFIX_LENGTH, "PDP-Address-Prefix-Length", 2606, V3, DT_U32) \
    /* TS 29.212 (Gx) and TS 29.214 */ \
    X(CR_INSTALL, "Charging-Rule-Install", 1001, V3, DT_GRP) \
    X(CR_REMOVE, "Charging-Rule-Remove", 1002, V3, DT_GRP) \
    X(CR_DEFINITION, "Charging-Rule-Definition", 1003, V3, DT_GRP) \
    X(CR_BASE_NAME, "Charging-Rule-Base-Name", 1004, V3, DT_UTF8) \
    X(CR_NAME, "Charging-Rule-Name", 1005, V3, DT_OS) \
    X(EVENT_TRIGGER, "Event-Trigger", 1006, V3, DT_I32) \
    X(METERING_METHOD, "Metering-Method", 1007, V3, DT_I32) \
    X(OFFLINE, "Offline", 1008, V3, DT_I32) \
    X(ONLINE, "Online", 1009, V3, DT_I32) \
    X(PRECEDENCE, "Precedence", 1010, V3, DT_U32) \
    X(CR_REPORT, "Charging-Rule-Report", 1018, V3, DT_GRP) \
    X(PCC_RULE_STATUS, "PCC-Rule-Status", 1019, V3, DT_I32) \
    X(QOS_INFORMATION, "QoS-Information", 1016, V3, DT_GRP) \
    X(GBR_DL, "Guaranteed-Bitrate-DL", 1025, V3, DT_U32) \
    X(GBR_UL, "Guaranteed-Bitrate-UL", 1026, V3, DT_U32) \
    X(IP_CAN_TYPE, "IP-CAN-Type", 1027, V3, DT_I32) \
    X(QCI, "QoS-Class-Identifier", 1028, V3, DT_I32) \
    X(RULE_FAILURE_CODE, "Rule-Failure-Code", 1031, V3, DT_I32) \
    X(RAT_TYPE, "RAT-Type", 1032, V3, DT_I32) \
    X(ARP, "Allocation-Retention-Priority", 1034, V3, DT_GRP) \
    X(APN_AMBR_DL, "APN-Aggregate-Max-Bitrate-DL", 1040, V3, DT_U32) \
    X(APN_AMBR_UL, "APN-Aggregate-Max-Bitrate-UL", 1041, V3, DT_U32) \
    X(SESSION_RELEASE_CAUSE, "Session-Release-Cause", 1045, V3, DT_I32) \
    X(PRIORITY_LEVEL, "Priority-Level", 1046, V3, DT_U32) \
    X(PEC, "Pre-emption-Capability", 1047, V3, DT_I32) \
    X(PEV, "Pre-emption-Vulnerability", 1048, V3, DT_I32) \
    X(DEFAULT_EPS_BEARER_QOS, "Default-EPS-Bearer-QoS", 1049, V3, DT_GRP) \
    X(FLOW_INFORMATION, "Flow-Information", 1058, V3, DT_GRP) \
    X(MONITORING_KEY, "Monitoring-Key", 1066, V3, DT_OS) \
    X(UMI, "Usage-Monitoring-Information", 1067, V3, DT_GRP) \
    X(USAGE_MONITORING_LEVEL, "Usage-Monitoring-Level", 1068, V3, DT_I32) \
    X(USAGE_MONITORING_REPORT, "Usage-Monitoring-Report", 1069, V3, DT_I32) \
    X(FLOW_DIRECTION, "Flow-Direction", 1080, V3, DT_I32) \
    X(MBR_DL, "Max-Requested-Bandwidth-DL", 515, V3, DT_U32) \
    X(MBR_UL, "Max-Requested-Bandwidth-UL", 516, V3, DT_U32) \
    X(FLOW_DESCRIPTION, "Flow-Description", 507, V3, DT_OS) \
    X(FLOW_STATUS, "Flow-Status", 511, V3, DT_I32) \
    /* TS 29.229 */ \
    X(SUPPORTED_FEATURES, "Supported-Features", 628, V3, DT_GRP) \
    X(FEATURE_LIST_ID, "Feature-List-ID", 629, V3, DT_U32) \
    X(FEATURE_LIST, "Feature-List", 630, V3, DT_U32) \
    /* TS 29.329 */ \
    X(MSISDN, "MSISDN", 701, V3, DT_OS) \
    /* TS 29.272 (S6a) */ \
    X(SUBSCRIPTION_DATA, "Subscription-Data", 1400, V3, DT_GRP) \
    X(ULR_FLAGS, "ULR-Flags", 1405, V3, DT_U32) \
    X(ULA_FLAGS, "ULA-Flags", 1406, V3, DT_U32) \
    X(VISITED_PLMN_ID, "Visited-PLMN-Id", 1407, V3, DT_OS) \
    X(REQ_EUTRAN_AUTH_INFO, "Requested-EUTRAN-Authentication-Info", 1408, V3, DT_GRP) \
    X(NUM_REQ_VECTORS, "Number-Of-Requested-Vectors", 1410, V3, DT_U32) \
    X(RESYNC_INFO, "Re-Synchronization-Info", 1411, V3, DT_OS) \
    X(IMMEDIATE_RESPONSE_PREF, "Immediate-Response-Preferred", 1412, V3, DT_U32) \
    X(AUTH_INFO, "Authentication-Info", 1413, V3, DT_GRP) \
    X(EUTRAN_VECTOR, "E-UTRAN-Vector", 1414, V3, DT_GRP) \
    X(NETWORK_ACCESS_MODE, "Network-Access-Mode", 1417, V3, DT_I32) \
    X(ITEM_NUMBER, "Item-Number", 1419, V3, DT_U32) \
    X(CANCELLATION_TYPE, "Cancellation-Type", 1420, V3, DT_I32) \
    X(CONTEXT_IDENTIFIER, "Context-Identifier", 1423, V3, DT_U32) \
    X(SUBSCRIBER_STATUS, "Subscriber-Status", 1424, V3, DT_I32) \
    X(ALL_APN_INCLUDED, "All-APN-Configurations-Included-Indicator", 1428, V3, DT_I32) \
    X(APN_CONFIG_PROFILE, "APN-Configuration-Profile", 1429, V3, DT_GRP) \
    X(APN_CONFIG, "APN-Configuration", 1430, V3, DT_GRP) \
    X(EPS_SUBSCRIBED_QOS, "EPS-Subscribed-QoS-Profile", 1431, V3, DT_GRP) \
    X(AMBR, "AMBR", 1435, V3, DT_GRP) \
    X(IDA_FLAGS, "IDA-Flags", 1441, V3, DT_U32) \
    X(PUA_FLAGS, "PUA-Flags", 1442, V3, DT_U32) \
    X(RAND, "RAND", 1447, V3, DT_OS) \
    X(XRES, "XRES", 1448, V3, DT_OS) \
    X(AUTN, "AUTN", 1449, V3, DT_OS) \
    X(KASME, "KASME", 1450, V3, DT_OS) \
    X(PDN_TYPE, "PDN-Type", 1456, V3, DT_I32) \
    X(IDR_FLAGS, "IDR-Flags", 1490, V3, DT_U32) \
    X(PUR_FLAGS, "PUR-Flags", 1635, V3, DT_U32) \
    X(CLR_FLAGS, "CLR-Flags", 1638, V3, DT_U32)

enum da_id {
#define X(id, name, code, vendor, type) DA_##id,
    DIAM_AVPS(X)
#undef X
    DA__COUNT
};

struct da_def {
    const char *name;
    uint32_t code;
    uint32_t vendor;
    enum da_type type;
};
extern const struct da_def diam_avp_tab[DA__COUNT];
extern struct dict_object *diam_avp_obj[DA__COUNT];

/* Command codes (RFC 6733 3.1, RFC 4006 3, TS 29.272 7.2.1). */
enum {
    DIAM_CMD_RAR = 258,
    DIAM_CMD_CCR = 272,
    DIAM_CMD_ULR = 316,
    DIAM_CMD_CLR = 317,
    DIAM_CMD_AIR = 318,
    DIAM_CMD_IDR = 319,
    DIAM_CMD_PUR = 321,
};

/* diam_dict.c */
int diam_dict_setup(void);      /* after the extensions are loaded */
struct dict_object *diam_dict_cmd(uint32_t code, bool request);
struct dict_object *diam_dict_app(uint32_t app_id);
struct dict_object *diam_dict_vendor3gpp(void);

/* diam_avp.c: building */
int da_add_u32(msg_or_avp *parent, enum da_id id, uint32_t v);
int da_add_u64(msg_or_avp *parent, enum da_id id, uint64_t v);
int da_add_i32(msg_or_avp *parent, enum da_id id, int32_t v);
int da_add_os(msg_or_avp *parent, enum da_id id, const void *p, size_t len);
int da_add_str(msg_or_avp *parent, enum da_id id, const char *s);
int da_add_grp(msg_or_avp *parent, enum da_id id, struct avp **out);
int da_add_units(msg_or_avp *parent, enum da_id id, const struct diam_units *u);
int da_add_qos(msg_or_avp *parent, enum da_id id, const struct diam_qos *q);
int da_add_arp(msg_or_avp *parent, const struct diam_arp *a);

/* A new request of `cmd` in application `app` with Session-Id (first),
 * Origin-Host/Realm, Destination-Realm/Host from h. */
int da_request_new(uint32_t app, uint32_t cmd, const struct diam_header_info *h,
                   struct msg **out);
/* Turn *req into its answer with a Result-Code (or an
 * Experimental-Result when h->exp_result_code != 0). */
int da_answer_new(struct msg **req, const struct diam_header_info *h,
                  struct msg **out);
/* Vendor-Specific-Application-Id { Vendor-Id 10415, Auth-Application-Id } */
int da_add_vsai(msg_or_avp *parent, uint32_t app);

/* diam_avp.c: reading.  The walk visits the direct children of a message
 * or grouped AVP. */
struct avp *da_first(msg_or_avp *parent);
struct avp *da_next(struct avp *a);
/* The id of a, or DA__COUNT when it is not in the table. */
enum da_id da_which(struct avp *a, struct avp_hdr **hdr);
int da_u32(struct avp_hdr *h, uint32_t *v);
int da_u64(struct avp_hdr *h, uint64_t *v);
int da_i32(struct avp_hdr *h, int32_t *v);
int da_i32u(struct avp_hdr *h, uint32_t *v);       /* Enumerated >= 0 */
int da_str(struct avp_hdr *h, char *buf, size_t len);  /* copies, NUL */
int da_os(struct avp_hdr *h, uint8_t *buf, size_t cap, size_t *len);
int da_units(struct avp *grp, struct diam_units *u);
int da_qos(struct avp *grp, struct diam_qos *q);
int da_arp(struct avp *grp, struct diam_arp *a);
/* Session-Id, Origin-Host, Destination-*, Result-Code,
 * Experimental-Result of any message. */
int da_header(struct msg *m, struct diam_header_info *h);
int da_check_cmd(struct msg *m, uint32_t cmd, bool request);

/* diam_gx.c, shared with Gy: Subscription-Id (RFC 4006 8.46) and the
 * per-subscriber AVPs of a CCR; reading one top-level AVP into s (1 when
 * it was one of them, 0 when not, <0 on error). */
int da_add_subscriber(struct msg *m, const struct diam_subscriber *s, bool gx);
int da_read_subscriber(struct avp *a, enum da_id id, struct avp_hdr *h,
                       struct diam_subscriber *s);

#endif
