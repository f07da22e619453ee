/* Counters of xepc-agwd, exported in Prometheus text format
 * (agw_metrics.c) and shown by xepcctl. */
#ifndef XEPC_AGW_STATS_H
#define XEPC_AGW_STATS_H

#include <stdint.h>

/* X(name, help) */
#define AGW_COUNTERS(X) \
    X(s1_setup_success, "S1 Setup procedures answered with S1 Setup Response") \
    X(s1_setup_failure, "S1 Setup procedures answered with S1 Setup Failure") \
    X(s1ap_decode_errors, "S1AP PDUs that failed to decode (answered with Error Indication)") \
    X(s1ap_unexpected, "S1AP messages not expected in the eNB's or UE's state") \
    X(s1ap_error_indication_tx, "Error Indications sent") \
    X(s1ap_error_indication_rx, "Error Indications received") \
    X(s1ap_enb_name_lenient, "eNB names accepted with characters outside PrintableString") \
    X(sctp_assoc_up, "SCTP associations established") \
    X(sctp_assoc_down, "SCTP associations lost or shut down") \
    X(sctp_send_errors, "S1AP messages that could not be sent") \
    X(attach_request, "Attach requests received") \
    X(attach_success, "Attaches completed (ATTACH COMPLETE received)") \
    X(attach_reject, "Attach rejects sent") \
    X(auth_success, "Authentications with the right RES") \
    X(auth_mac_failure, "Authentication failures #20 (MAC failure) from UEs") \
    X(auth_synch_failure, "Authentication failures #21 (synch failure) from UEs") \
    X(auth_reject, "Authentication rejects sent") \
    X(smc_success, "Security mode procedures completed") \
    X(smc_reject, "Security mode rejects from UEs") \
    X(identity_request, "Identity requests sent") \
    X(detach_ue, "UE-initiated detaches") \
    X(detach_network, "Network-initiated detaches") \
    X(detach_paged, "Network-initiated detaches of idle UEs that paged them first") \
    X(detach_local, "Network-initiated detaches done locally (no S1 connection, paging unanswered)") \
    X(pdn_connect_success, "PDN connections established (default bearers accepted)") \
    X(pdn_connect_reject, "PDN connectivity requests rejected") \
    X(pdn_disconnect, "PDN disconnections") \
    X(bearer_activated, "Dedicated bearers activated (accepted by the UE)") \
    X(bearer_activate_failed, "Dedicated bearer activations rejected, failed or timed out") \
    X(bearer_modified, "Dedicated bearer modifications accepted") \
    X(bearer_modify_failed, "Dedicated bearer modifications rejected or timed out") \
    X(bearer_deactivated, "Dedicated bearers deactivated") \
    X(default_qos_modified, "Default bearer QoS/APN-AMBR modifications accepted by the UE") \
    X(default_qos_modify_failed, "Default bearer QoS/APN-AMBR modifications rejected, failed or timed out") \
    X(bearer_resource_reject, "UE bearer resource allocation/modification requests rejected") \
    X(nas_mac_failure, "Uplink NAS messages discarded for a wrong MAC") \
    X(nas_replay, "Uplink NAS messages discarded as replays") \
    X(nas_decode_errors, "Uplink NAS messages that failed to decode") \
    X(nas_unexpected, "NAS messages not expected in the UE's state") \
    X(emm_status_tx, "EMM STATUS messages sent") \
    X(nas_retransmissions, "NAS messages retransmitted on timer expiry") \
    X(nas_procedure_timeouts, "NAS procedures abandoned after the last retransmission") \
    X(ics_failure, "Initial Context Setup failures from eNBs") \
    X(ue_context_release, "UE context releases completed") \
    X(x2_handover_success, "X2 handovers: Path Switch Requests acknowledged") \
    X(x2_handover_failure, "X2 handovers: Path Switch Request Failures sent") \
    X(gtpu_end_marker_tx, "GTP-U End Markers sent on the old path after a handover") \
    X(s1_handover_success, "S1 handovers completed (Handover Notify)") \
    X(s1_handover_prep_failure, "S1 handovers refused: Handover Preparation Failures sent") \
    X(s1_handover_cancel, "S1 handovers cancelled by the source eNB") \
    X(s1_handover_timeout, "S1 handovers abandoned by the MME's guard timer") \
    X(s1_reset_tx, "S1 Resets sent (MME initiated, xepcctl enb reset)") \
    X(ue_ctx_modification_tx, "UE Context Modification Requests sent (new UE-AMBR)") \
    X(ue_ctx_modification_ok, "UE Context Modification Responses received") \
    X(ue_ctx_modification_failure, "UE Context Modification Failures received") \
    X(erab_modification_ind, "E-RAB Modification Indications answered with Confirm") \
    X(s1_reset_ack_rx, "Reset Acknowledges received from eNBs") \
    X(nas_non_delivery_rx, "NAS Non Delivery Indications received") \
    X(nas_non_delivery_resent, "Undelivered downlink NAS PDUs re-sent (after the handover, or at once)") \
    X(nas_non_delivery_dropped, "Undelivered downlink NAS PDUs given up (not delivered twice, connection gone, no handover end)") \
    X(nas_generic_dl_tx, "DOWNLINK GENERIC NAS TRANSPORT messages sent") \
    X(nas_generic_ul_rx, "UPLINK GENERIC NAS TRANSPORT messages received") \
    X(s1ap_error_indication_release, "UE connections released on a received Error Indication") \
    X(db_commits, "SQLite transactions committed") \
    X(db_errors, "SQLite errors") \
    X(dp_errors, "Datapath programming errors") \
    X(dp_charging_full, "Datapath sessions refused: no free charging slots (datapath.max_charging)") \
    X(dp_unknown_teid_events, "Datapath events: unknown TEID") \
    X(dp_ddn_events, "Datapath events: downlink data for an idle UE") \
    X(gtpu_path_down, "GTP-U paths to eNBs found dead (Echo Requests unanswered)") \
    X(gtpu_path_restart, "eNBs found restarted by their GTP-U Recovery counter") \
    X(service_request, "Service requests and extended service requests received") \
    X(service_accept, "Service requests accepted (bearers set up again)") \
    X(service_reject, "Service rejects sent") \
    X(tau_request, "Tracking area update requests received") \
    X(tau_accept, "Tracking area update accepts sent") \
    X(tau_reject, "Tracking area update rejects sent") \
    X(guti_realloc, "GUTI reallocation procedures started (GUTI REALLOCATION COMMAND)") \
    X(paging_started, "Idle UEs paged on downlink data") \
    X(paging_sent, "S1AP Paging messages sent (one per eNB)") \
    X(paging_retransmissions, "Paging repeated on T3413 expiry") \
    X(paging_success, "Paged UEs that came back") \
    X(paging_failure, "Paged UEs that did not answer") \
    X(paging_ddn_ignored, "Downlink-data events for a UE already being paged") \
    X(implicit_detach, "UEs implicitly detached (mobile reachable and implicit detach timers)") \
    X(orc_bootstrap_ok, "Orchestrator client certificates obtained (bootstrap or renewal)") \
    X(orc_bootstrap_failure, "Orchestrator bootstraps or renewals failed (retried with backoff)") \
    X(orc_checkin_ok, "Check-ins accepted by the orchestrator") \
    X(orc_checkin_failure, "Check-ins failed (orchestrator unreachable or refusing)") \
    X(orc_sync_ok, "Configuration syncs completed (304 included)") \
    X(orc_sync_failure, "Configuration syncs failed (the last good configuration stays)") \
    X(orc_sync_items, "Configuration objects applied from the orchestrator") \
    X(orc_sync_rejected, "Configuration objects from the orchestrator skipped (not applicable here)") \
    X(orc_policy_not_enforced, "Orchestrator policy objects not enforced at a reload (logged with the reason)") \
    X(orc_pool_refused, "APN pool sets from the orchestrator refused (invalid or overlapping; the pools in use stay)") \
    X(orc_subscriber_detached, "UEs detached because the orchestrator removed or suspended them") \
    X(local_quota_used, "Local policy finite rating groups whose quota ran out (their final_action applies)")

struct agw_stats {
#define AGW_CNT_FIELD(n, h) uint64_t n;
    AGW_COUNTERS(AGW_CNT_FIELD)
#undef AGW_CNT_FIELD
    /* attach latency histogram (request to complete), microseconds */
#define AGW_LAT_BUCKETS 12
    uint64_t attach_lat[AGW_LAT_BUCKETS + 1];  /* last: +Inf */
    uint64_t attach_lat_sum_us;
    uint64_t attach_lat_count;
    /* causes: EMM reject causes sent, by value */
    uint64_t emm_cause_tx[256];
    uint64_t esm_cause_tx[256];
};

extern const uint32_t agw_lat_bounds_us[AGW_LAT_BUCKETS];
void agw_stats_attach_latency(struct agw_stats *s, uint64_t us);

#endif
