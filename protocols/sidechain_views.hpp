// The mainchain registry as actors exchange it: sidechain_view records built from a registry, and
// the entry decoded back from a view.
#pragma once

#include <vector>

#include "chains/sidechain/registry.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

/// Every sidechain of `registry`, in id order.
std::vector<sidechain_view> sidechain_views(const sidechain_registry& registry);

/// The view of one sidechain.
sidechain_view make_sidechain_view(const sidechain_info& info);

/// The entry a view carries (refused when not one canonical register payload of that id).
result<sidechain_entry> view_entry(const sidechain_view& view);

/// The view's status, or nothing for an unknown number.
std::optional<sidechain_status> view_status(const sidechain_view& view);

} // namespace bfd
