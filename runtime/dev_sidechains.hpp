// The sidechains of the --dev network: the five system-service sidechains, the ecosystem
// sidechain and one example DAOS sidechain, each with its own token allocated to the dev accounts
// and validators drawn per category from the mainchain's genesis VMs. Their specs are kept in the
// data directory (sidechains.json and sidechains/chain-<id>.json) so a restart reopens them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "chains/sidechain/chain_spec.hpp"
#include "runtime/chain_unit.hpp"
#include "runtime/dev_network.hpp"

namespace bfd::runtime {

/// The mainchain VMs that validate a sidechain under `rule`: per category i, the
/// `rule.per_category[i]` VMs of that category with the largest bids (ties: smaller key first).
/// Deterministic. (A stand-in until the registry's own chooser in chains/sidechain/ is used.)
std::vector<genesis_vm> choose_validators(const genesis_config& mainchain, const validator_rule& rule);

/// The entry of one dev-network sidechain (the one home of the dev sidechains' shape): its own
/// token `symbol` with 1,000,000 allocated to every dev account, the mainchain's slot and block
/// parameters, the rule "one validator per mainchain category", and `validators` (mainchain VMs,
/// one per category, chosen by the caller) each bidding the mainchain's minimum with the tip of
/// its dev key's hash chain for `id`. A validator that is not a dev delegate is an
/// invalid_argument error (only the key's holder can compute its tip).
result<sidechain_entry> dev_sidechain_entry(const dev_network& net, chain_id id, chain_kind kind, std::string name,
                                            std::string symbol, const std::vector<genesis_vm>& validators);

/// The dev sidechains' registry entries, derived from the dev network (ids 2..8; validators one
/// per category, each with the hash-chain tip of its key on that chain; every dev account holds
/// 1,000,000 of each token).
std::vector<sidechain_entry> dev_sidechain_entries(const dev_network& net);

/// Loads the sidechain specs kept in `data_dir`, or derives them from `net` and writes them
/// there when the data directory has none (a new network, or one made before sidechains).
result<std::vector<chain_spec>> prepare_dev_sidechains(const std::string& data_dir, const dev_network& net);

/// Everything a --dev node hosts: the mainchain with every delegate, then each sidechain with the
/// delegates of its validators (their hash chains derived for that chain).
std::vector<hosted_chain> dev_hosted_chains(const dev_network& net, const std::vector<chain_spec>& sidechains);

/// Which sidechains of the mainchain's registry a `bfd-node --dev --sidechains N` hosts: every
/// sidechain registered while it runs, whatever its id, and of the dev sidechains its genesis
/// registry holds only the first N (a data directory made with more keeps the others registered,
/// not hosted). Ids 2..8 are not reserved: with N = 1, a sidechain registered as 3 is hosted.
std::function<bool(chain_id)> dev_hosting(const genesis_config& mainchain, std::uint32_t sidechains);

} // namespace bfd::runtime
