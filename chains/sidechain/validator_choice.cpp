#include "chains/sidechain/validator_choice.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "chains/core/hex.hpp"

namespace bfd {

result<std::vector<cluster_member>> choose_validators(const cluster& active, const validator_rule& rule) {
  std::vector<cluster_member> out;
  for (std::uint32_t c = 0; c < rule.per_category.size(); ++c) {
    std::vector<cluster_member> pool;
    for (const auto& m : active.members)
      if (m.category == c)
        pool.push_back(m);
    if (pool.size() < rule.per_category[c])
      return make_error(errc::bad_validator_set,
                        "category " + std::to_string(c) + ": the rule asks for " + std::to_string(rule.per_category[c])
                          + " validators, the active cluster has " + std::to_string(pool.size()));
    std::sort(pool.begin(), pool.end(), [](const cluster_member& a, const cluster_member& b) {
      return a.power != b.power ? a.power > b.power : a.key < b.key;
    });
    out.insert(out.end(), pool.begin(), pool.begin() + rule.per_category[c]);
  }
  return out;
}

status check_validator_rule(std::span<const genesis_vm> validators, const validator_rule& rule,
                            const cluster& active, std::size_t category_count) {
  if (rule.per_category.size() != category_count)
    return make_error(errc::bad_validator_set, "the rule has " + std::to_string(rule.per_category.size())
                                                 + " category counts, the mainchain has "
                                                 + std::to_string(category_count) + " categories");
  std::uint64_t wanted = 0;
  for (auto n : rule.per_category)
    wanted += n;
  if (wanted == 0)
    return make_error(errc::bad_validator_set, "the rule asks for no validator");
  std::vector<std::uint64_t> counts(category_count, 0);
  std::set<public_key> seen;
  for (const auto& v : validators) {
    if (!seen.insert(v.key).second)
      return make_error(errc::bad_validator_set, "validator " + to_hex(v.key.view()).substr(0, 16) + " listed twice");
    const auto* m = active.find(v.key);
    if (!m)
      return make_error(errc::bad_validator_set,
                        "validator " + to_hex(v.key.view()).substr(0, 16) + " is not in the mainchain's active cluster");
    if (m->category != v.category)
      return make_error(errc::bad_validator_set, "validator " + to_hex(v.key.view()).substr(0, 16) + " has category "
                                                   + std::to_string(m->category) + " on the mainchain, not "
                                                   + std::to_string(v.category));
    if (v.category >= category_count)
      return make_error(errc::bad_validator_set, "validator " + to_hex(v.key.view()).substr(0, 16)
                                                   + ": no category " + std::to_string(v.category));
    ++counts[v.category];
  }
  for (std::size_t c = 0; c < category_count; ++c)
    if (counts[c] != rule.per_category[c])
      return make_error(errc::bad_validator_set, "category " + std::to_string(c) + ": " + std::to_string(counts[c])
                                                   + " validators, the rule asks for "
                                                   + std::to_string(rule.per_category[c]));
  return {};
}

} // namespace bfd
