#include "chains/core/error.hpp"

namespace bfd {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::malformed: return "malformed";
    case errc::non_canonical: return "non_canonical";
    case errc::trailing_bytes: return "trailing_bytes";
    case errc::too_deep: return "too_deep";
    case errc::too_large: return "too_large";
    case errc::unsupported_version: return "unsupported_version";
    case errc::unknown_kind: return "unknown_kind";
    case errc::bad_hex: return "bad_hex";
    case errc::bad_amount: return "bad_amount";
    case errc::bad_address: return "bad_address";
    case errc::bad_signature: return "bad_signature";
    case errc::wrong_chain: return "wrong_chain";
    case errc::nonce_reused: return "nonce_reused";
    case errc::nonce_gap: return "nonce_gap";
    case errc::insufficient_funds: return "insufficient_funds";
    case errc::overflow: return "overflow";
    case errc::expired: return "expired";
    case errc::bad_public_key: return "bad_public_key";
    case errc::zero_amount: return "zero_amount";
    case errc::kind_not_enabled: return "kind_not_enabled";
    case errc::bad_merkle_root: return "bad_merkle_root";
    case errc::bad_state_root: return "bad_state_root";
    case errc::bad_parent: return "bad_parent";
    case errc::bad_height: return "bad_height";
    case errc::supply_mismatch: return "supply_mismatch";
    case errc::bad_category: return "bad_category";
    case errc::bid_too_low: return "bid_too_low";
    case errc::category_full: return "category_full";
    case errc::unknown_vm: return "unknown_vm";
    case errc::insufficient_stake: return "insufficient_stake";
    case errc::already_slashed: return "already_slashed";
    case errc::bad_evidence: return "bad_evidence";
    case errc::wrong_producer: return "wrong_producer";
    case errc::wrong_slot: return "wrong_slot";
    case errc::bad_reveal: return "bad_reveal";
    case errc::insufficient_work: return "insufficient_work";
    case errc::too_many_txs: return "too_many_txs";
    case errc::slot_full: return "slot_full";
    case errc::bad_block_signature: return "bad_block_signature";
    case errc::bad_confirmation: return "bad_confirmation";
    case errc::not_final: return "not_final";
    case errc::bad_proof: return "bad_proof";
    case errc::stale: return "stale";
    case errc::mempool_full: return "mempool_full";
    case errc::replacement_underpriced: return "replacement_underpriced";
    case errc::duplicate: return "duplicate";
    case errc::access_denied: return "access_denied";
    case errc::last_admin: return "last_admin";
    case errc::unknown_role: return "unknown_role";
    case errc::not_held: return "not_held";
    case errc::already_held: return "already_held";
    case errc::acl_limit: return "acl_limit";
    case errc::role_in_use: return "role_in_use";
    case errc::template_refused: return "template_refused";
    case errc::template_exists: return "template_exists";
    case errc::unknown_template: return "unknown_template";
    case errc::unknown_contract: return "unknown_contract";
    case errc::bad_parameters: return "bad_parameters";
    case errc::bad_entry_point: return "bad_entry_point";
    case errc::fuel_fee: return "fuel_fee";
    case errc::contract_limit: return "contract_limit";
    case errc::fee_function_refused: return "fee_function_refused";
    case errc::fee_function_failed: return "fee_function_failed";
    case errc::slot_refused: return "slot_refused";
    case errc::unknown_service: return "unknown_service";
    case errc::service_exists: return "service_exists";
    case errc::bad_service: return "bad_service";
    case errc::service_not_active: return "service_not_active";
    case errc::rollout_in_progress: return "rollout_in_progress";
    case errc::no_rollout: return "no_rollout";
    case errc::service_limit: return "service_limit";
    case errc::not_deployed: return "not_deployed";
    case errc::unknown_version: return "unknown_version";
    case errc::bad_status_change: return "bad_status_change";
    case errc::commission_unpaid: return "commission_unpaid";
    case errc::template_not_permitted: return "template_not_permitted";
    case errc::ds_no_org: return "ds_no_org";
    case errc::ds_not_active: return "ds_not_active";
    case errc::ds_bad_transition: return "ds_bad_transition";
    case errc::ds_member_exists: return "ds_member_exists";
    case errc::ds_unknown_member: return "ds_unknown_member";
    case errc::ds_bad_key: return "ds_bad_key";
    case errc::ds_rate_fixed: return "ds_rate_fixed";
    case errc::ds_bad_terms: return "ds_bad_terms";
    case errc::ds_raise_closed: return "ds_raise_closed";
    case errc::ds_over_raise: return "ds_over_raise";
    case errc::ds_no_raise: return "ds_no_raise";
    case errc::ds_duplicate_request: return "ds_duplicate_request";
    case errc::ds_limit: return "ds_limit";
    case errc::ds_no_change: return "ds_no_change";
    case errc::ds_bad_operation: return "ds_bad_operation";
    case errc::ush_bad_state: return "ush_bad_state";
    case errc::ush_batch_size: return "ush_batch_size";
    case errc::ush_bad_credential: return "ush_bad_credential";
    case errc::ush_tag_reused: return "ush_tag_reused";
    case errc::ush_tag_expired: return "ush_tag_expired";
    case errc::ush_tag_mismatch: return "ush_tag_mismatch";
    case errc::ush_tag_registry_full: return "ush_tag_registry_full";
    case errc::funds_no_terms: return "funds_no_terms";
    case errc::funds_not_eligible: return "funds_not_eligible";
    case errc::funds_raise_closed: return "funds_raise_closed";
    case errc::funds_wrong_mode: return "funds_wrong_mode";
    case errc::funds_too_small: return "funds_too_small";
    case errc::funds_not_liquidating: return "funds_not_liquidating";
    case errc::funds_nothing_pending: return "funds_nothing_pending";
    case errc::funds_transfer_refused: return "funds_transfer_refused";
    case errc::funds_short_escrow: return "funds_short_escrow";
    case errc::funds_limit: return "funds_limit";
    case errc::ush_unknown_group: return "ush_unknown_group";
    case errc::ush_group_exists: return "ush_group_exists";
    case errc::ush_not_authority: return "ush_not_authority";
    case errc::ush_limit: return "ush_limit";
    case errc::ush_already_revoked: return "ush_already_revoked";
    case errc::ush_mailbox_full: return "ush_mailbox_full";
    case errc::ush_session_gone: return "ush_session_gone";
    case errc::storage_io: return "storage_io";
    case errc::storage_corrupt: return "storage_corrupt";
    case errc::not_found: return "not_found";
    case errc::bad_secret_key: return "bad_secret_key";
    case errc::io: return "io";
    case errc::invalid_argument: return "invalid_argument";
    case errc::unauthorized: return "unauthorized";
    case errc::unknown_chain: return "unknown_chain";
    case errc::wrong_status: return "wrong_status";
    case errc::already_exists: return "already_exists";
    case errc::bad_validator_set: return "bad_validator_set";
    case errc::locked: return "locked";
  }
  return "unknown";
}

std::string error::message() const {
  std::string out(to_string(code));
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

} // namespace bfd
