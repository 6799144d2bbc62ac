// The credential authority module's transaction kinds (module_id::authority, kinds 50-54; 55
// kept for it): credential groups and their public keys, issuance records, revocation lists,
// payments bound to a handshake by their payment tag, and the member records of a consortium
// chain. Rules chains/authority/authority_state; codec chains/state/authority_codec.hpp; JSON
// protocols/authority_json (docs/membership-proofs.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

/// Creates a credential group: its name and its public key Y (33 bytes compressed). The group's
/// id is tagged_hash("bfd/ush/group", Y); the sender becomes its authority. The secret x never
/// goes on chain.
struct ush_group_create_tx {
  static constexpr tx_kind kind_number{50};
  static constexpr module_id module = module_id::authority;
  static constexpr std::string_view name = "ush_group_create";
  static constexpr bool spend_required = false;

  std::string group_name;
  fixed_bytes<33> key;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ush_group_create_tx&, const ush_group_create_tx&) = default;
};

/// Records that the group's authority issued `count` credentials to `member`, who must hold `join`
/// on the group's scope. The pseudonyms are not recorded.
struct ush_issue_tx {
  static constexpr tx_kind kind_number{51};
  static constexpr module_id module = module_id::authority;
  static constexpr std::string_view name = "ush_issue";
  static constexpr bool spend_required = false;

  hash256 group;
  address member;
  std::uint64_t count = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ush_issue_tx&, const ush_issue_tx&) = default;
};

/// Adds pseudonyms (1 to 64) to the group's revocation list; only its authority may.
struct ush_revoke_tx {
  static constexpr tx_kind kind_number{52};
  static constexpr module_id module = module_id::authority;
  static constexpr std::string_view name = "ush_revoke";
  static constexpr bool spend_required = false;

  hash256 group;
  std::vector<hash256> pseudonyms;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const ush_revoke_tx&, const ush_revoke_tx&) = default;
};

/// A transfer bound to a handshake: `value` to `to`, carrying the handshake's payment tag, valid
/// from height `since` (when the payer saw the handshake complete) to since + tag window. A tag
/// is accepted once on the chain.
struct tagged_transfer_tx {
  static constexpr tx_kind kind_number{53};
  static constexpr module_id module = module_id::authority;
  static constexpr std::string_view name = "tagged_transfer";
  static constexpr bool spend_required = true;

  address to;
  amount value = 0;
  hash256 tag;
  std::uint64_t since = 0;

  amount spend() const noexcept { return value; }
  friend bool operator==(const tagged_transfer_tx&, const tagged_transfer_tx&) = default;
};

/// A member's record on a consortium chain (1 to 256 bytes of service-usage data): the sender
/// must hold `join` on the chain's sidechain scope (admitted members only).
struct member_record_tx {
  static constexpr tx_kind kind_number{54};
  static constexpr module_id module = module_id::authority;
  static constexpr std::string_view name = "member_record";
  static constexpr bool spend_required = false;

  bytes data;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const member_record_tx&, const member_record_tx&) = default;
};

/// The authority module's kinds.
using authority_payloads = type_list<ush_group_create_tx, ush_issue_tx, ush_revoke_tx, tagged_transfer_tx, member_record_tx>;

} // namespace bfd
