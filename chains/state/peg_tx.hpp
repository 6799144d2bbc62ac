// The peg module's transaction kinds (module_id::peg, kinds 10-15): sending assets and metadata
// operations to another chain, delivering messages and acknowledgements with their proof
// bundles, refunding on timeout, and advancing a light client of a counterparty. The rules are
// chains/peg/peg_module; proof bundles are held by pointer so this header stays light.
// Codec: chains/state/peg_codec.hpp; JSON: protocols/peg_json.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

namespace peg {
struct delivery_bundle;
struct timeout_bundle;
} // namespace peg
struct sidechain_anchor_payload;

/// Sends `value` of `denom` to `receiver` on chain `destination` (the sender is the
/// transaction's). A native denom is escrowed (the ledger locks it as the spend); a voucher
/// going home is burned.
struct peg_send_tx {
  static constexpr tx_kind kind_number{10};
  static constexpr module_id module = module_id::peg;
  static constexpr std::string_view name = "peg_send";
  static constexpr bool spend_required = false;

  std::uint32_t destination = 0;
  address receiver;
  std::string denom;
  amount value = 0;
  std::uint64_t timeout_height = 0;  ///< the destination receives it only below this height

  /// `value` for a native denom (no "peg/" prefix): the ledger locks it; 0 for a voucher.
  amount spend() const noexcept;
  friend bool operator==(const peg_send_tx&, const peg_send_tx&) = default;
};

/// Sends a metadata operation (name, object keys it locks, opaque body) to chain `destination`.
struct peg_send_metadata_tx {
  static constexpr tx_kind kind_number{11};
  static constexpr module_id module = module_id::peg;
  static constexpr std::string_view name = "peg_send_metadata";
  static constexpr bool spend_required = false;

  std::uint32_t destination = 0;
  address receiver;
  std::string operation;
  std::vector<bytes> keys;
  bytes body;
  std::uint64_t timeout_height = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const peg_send_metadata_tx&, const peg_send_metadata_tx&) = default;
};

/// Delivers a message with its delivery bundle (anyone: a bridge). Never null once decoded.
struct peg_receive_tx {
  static constexpr tx_kind kind_number{12};
  static constexpr module_id module = module_id::peg;
  static constexpr std::string_view name = "peg_receive";
  static constexpr bool spend_required = false;

  std::shared_ptr<const peg::delivery_bundle> body;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const peg_receive_tx& a, const peg_receive_tx& b);
};

/// Delivers an acknowledgement with its delivery bundle (anyone). Never null once decoded.
struct peg_acknowledge_tx {
  static constexpr tx_kind kind_number{13};
  static constexpr module_id module = module_id::peg;
  static constexpr std::string_view name = "peg_acknowledge";
  static constexpr bool spend_required = false;

  std::shared_ptr<const peg::delivery_bundle> body;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const peg_acknowledge_tx& a, const peg_acknowledge_tx& b);
};

/// Refunds a message against a proof of non-receipt past its timeout (anyone). Never null once
/// decoded.
struct peg_timeout_tx {
  static constexpr tx_kind kind_number{14};
  static constexpr module_id module = module_id::peg;
  static constexpr std::string_view name = "peg_timeout";
  static constexpr bool spend_required = false;

  std::shared_ptr<const peg::timeout_bundle> body;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const peg_timeout_tx& a, const peg_timeout_tx& b);
};

/// Advances this chain's light client of a counterparty (anyone): a final header of it, its
/// certificate and, when its cluster changed, the header's state proof. The body has the layout
/// of the registry's anchor payload (kind 9), `id` naming the counterparty.
struct peg_client_update_tx {
  static constexpr tx_kind kind_number{15};
  static constexpr module_id module = module_id::peg;
  static constexpr std::string_view name = "peg_client_update";
  static constexpr bool spend_required = false;

  std::shared_ptr<const sidechain_anchor_payload> body;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const peg_client_update_tx& a, const peg_client_update_tx& b);
};

/// The peg module's kinds.
using peg_payloads = type_list<peg_send_tx, peg_send_metadata_tx, peg_receive_tx, peg_acknowledge_tx, peg_timeout_tx,
                               peg_client_update_tx>;

} // namespace bfd
