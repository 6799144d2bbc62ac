// A sidechain entry for a dev network, built as `bfd-cli sidechain entry` does (validators from
// the node's active cluster, hash-chain tips from the dev keys), shared with `bfd-cli fund create`.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "chains/sidechain/chain_spec.hpp"
#include "tools/bfd-cli/commands.hpp"

namespace bfd::cli {

/// What the entry is made of; `per_category` empty: one validator per mainchain category.
struct dev_entry_request {
  std::string node_url;
  std::string dev_data;
  chain_id id = 0;
  chain_kind kind = chain_kind::daos;
  std::string name;
  std::string symbol;
  std::uint64_t anchor_interval = 10;
  std::uint64_t start_in_s = 10;
  std::vector<std::uint32_t> per_category;
};

/// The entry (its token allocated to every dev account, 1,000,000 each; the caller may replace
/// the allocations), or why not: a data directory without genesis.json, a node that does not
/// answer, too few cluster members for the rule (`bad_validator_set`), a name or symbol the
/// registry would refuse.
std::variant<sidechain_entry, command_result> build_dev_entry(const dev_entry_request& r);

} // namespace bfd::cli
