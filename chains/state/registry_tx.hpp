// The registry module's transaction kinds (module_id::registry): registering, activating,
// ceasing and anchoring sidechains on the mainchain. The rules are sidechain_registry's
// (chains/sidechain/registry.hpp); the bodies of register and anchor are held by pointer, so this
// header stays light (the bodies include block headers and certificates, which include this
// header's users). Codec: chains/state/registry_codec.hpp; JSON: protocols/registry_json.
#pragma once

#include <cstdint>
#include <memory>

#include "chains/core/amount.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd {

struct sidechain_register_payload;
struct sidechain_anchor_payload;

/// Registers a sidechain (registry authority only). Never null once decoded.
struct sidechain_register_tx {
  static constexpr tx_kind kind_number{6};
  static constexpr module_id module = module_id::registry;
  static constexpr std::string_view name = "sidechain_register";
  static constexpr bool spend_required = false;

  std::shared_ptr<const sidechain_register_payload> body;

  amount spend() const noexcept { return 0; }
  /// Compares the bodies, not the pointers.
  friend bool operator==(const sidechain_register_tx& a, const sidechain_register_tx& b);
};

/// registered -> active (registry authority only).
struct sidechain_activate_tx {
  static constexpr tx_kind kind_number{7};
  static constexpr module_id module = module_id::registry;
  static constexpr std::string_view name = "sidechain_activate";
  static constexpr bool spend_required = false;

  std::uint32_t id = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const sidechain_activate_tx&, const sidechain_activate_tx&) = default;
};

/// registered or active -> ceased (registry authority only).
struct sidechain_cease_tx {
  static constexpr tx_kind kind_number{8};
  static constexpr module_id module = module_id::registry;
  static constexpr std::string_view name = "sidechain_cease";
  static constexpr bool spend_required = false;

  std::uint32_t id = 0;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const sidechain_cease_tx&, const sidechain_cease_tx&) = default;
};

/// Anchors a final sidechain header with its certificate (anyone). Never null once decoded.
struct sidechain_anchor_tx {
  static constexpr tx_kind kind_number{9};
  static constexpr module_id module = module_id::registry;
  static constexpr std::string_view name = "sidechain_anchor";
  static constexpr bool spend_required = false;

  std::shared_ptr<const sidechain_anchor_payload> body;

  amount spend() const noexcept { return 0; }
  friend bool operator==(const sidechain_anchor_tx& a, const sidechain_anchor_tx& b);
};

/// The registry module's kinds.
using registry_payloads = type_list<sidechain_register_tx, sidechain_activate_tx, sidechain_cease_tx, sidechain_anchor_tx>;

} // namespace bfd
