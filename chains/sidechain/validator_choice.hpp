// A sidechain's validator-set rule against the mainchain's active cluster: the check the
// registry runs at registration and the default choice dev and topology tools build entries
// with. Pure.
#pragma once

#include <span>
#include <vector>

#include "chains/consensus/cluster.hpp"
#include "chains/core/error.hpp"
#include "chains/sidechain/chain_spec.hpp"

namespace bfd {

/// The default validators for `rule`: per category i, the `per_category[i]` members of
/// `active` with category i and the most power (ties: smaller key first). Returned in category
/// order, strongest first within a category. errc::bad_validator_set when a category has fewer
/// members than the rule asks for.
result<std::vector<cluster_member>> choose_validators(const cluster& active, const validator_rule& rule);

/// Whether `validators` satisfy `rule` against `active`, the mainchain's active cluster:
/// `rule` has one count per mainchain category (`category_count`) and asks for at least one
/// validator; keys are distinct; each key is a member of `active` with the same category; the
/// number of validators of category i is exactly `per_category[i]`.
status check_validator_rule(std::span<const genesis_vm> validators, const validator_rule& rule,
                            const cluster& active, std::size_t category_count);

} // namespace bfd
