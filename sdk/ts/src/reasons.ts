// The node's reason codes (docs/formats.md section 12, and the HTTP edge's own in docs/http.md):
// stable names and numbers, as BfdApiError.code and .reasonCode carry them.

/** Every reason code by name. */
export const REASON_CODES = {
  ok: 0, malformed: 100, non_canonical: 101, trailing_bytes: 102, too_deep: 103, too_large: 104,
  unsupported_version: 105, unknown_kind: 106, bad_hex: 107, bad_amount: 108, bad_address: 109,
  bad_signature: 200, wrong_chain: 201, nonce_reused: 202, nonce_gap: 203, insufficient_funds: 204,
  overflow: 205, expired: 206, bad_public_key: 207, zero_amount: 208, kind_not_enabled: 209,
  bad_merkle_root: 300, bad_state_root: 301, bad_parent: 302, bad_height: 303, supply_mismatch: 304,
  storage_io: 400, storage_corrupt: 401, not_found: 402, bad_secret_key: 500, io: 501,
  invalid_argument: 502, bad_category: 600, bid_too_low: 601, category_full: 602, unknown_vm: 603,
  insufficient_stake: 604, already_slashed: 605, bad_evidence: 606, wrong_producer: 607,
  wrong_slot: 608, bad_reveal: 609, insufficient_work: 610, too_many_txs: 611, slot_full: 612,
  bad_block_signature: 613, bad_confirmation: 614, not_final: 615, bad_proof: 616, stale: 617,
  mempool_full: 700, replacement_underpriced: 701, duplicate: 702, unauthorized: 800,
  unknown_chain: 801, wrong_status: 802, already_exists: 803, bad_validator_set: 804, locked: 805,
  access_denied: 900, last_admin: 901, unknown_role: 902, not_held: 903, already_held: 904,
  acl_limit: 905, role_in_use: 906, template_refused: 910, template_exists: 911,
  unknown_template: 912, unknown_contract: 913, bad_parameters: 914, bad_entry_point: 915,
  fuel_fee: 916, contract_limit: 917, fee_function_refused: 918, fee_function_failed: 919,
  slot_refused: 920, unknown_service: 930, service_exists: 931, bad_service: 932,
  service_not_active: 933, rollout_in_progress: 934, no_rollout: 935, service_limit: 936,
  not_deployed: 937, unknown_version: 938, bad_status_change: 939, commission_unpaid: 946,
  ds_no_org: 950, ds_not_active: 951, ds_bad_transition: 952, ds_member_exists: 953,
  ds_unknown_member: 954, ds_bad_key: 955, ds_rate_fixed: 956, ds_bad_terms: 957,
  ds_raise_closed: 958, ds_over_raise: 959, ds_no_raise: 960, ds_duplicate_request: 961,
  ds_limit: 962, ds_no_change: 963, ds_bad_operation: 964, ush_bad_state: 970, ush_batch_size: 971,
  ush_bad_credential: 972, ush_tag_reused: 973, ush_tag_expired: 974, ush_tag_mismatch: 975,
  ush_tag_registry_full: 976, ush_unknown_group: 977, ush_group_exists: 978, ush_not_authority: 979,
  funds_no_terms: 980, funds_not_eligible: 981, funds_raise_closed: 982, funds_wrong_mode: 983,
  funds_too_small: 984, funds_not_liquidating: 985, funds_nothing_pending: 986,
  funds_transfer_refused: 987, funds_short_escrow: 988, funds_limit: 989,
  template_not_permitted: 990, ush_limit: 995, ush_already_revoked: 996, ush_mailbox_full: 997,
  ush_session_gone: 998, rate_limited: 1000, timeout: 1001, unavailable: 1002,
  method_not_allowed: 1003, unsupported_media_type: 1004, internal: 1005, unauthenticated: 1006,
  too_many_connections: 1007, too_many_client_connections: 1008, busy: 1009, header_too_large: 1010,
  request_timeout: 1011,
} as const;

/** A reason code's name, e.g. "nonce_reused". */
export type ReasonName = keyof typeof REASON_CODES;
