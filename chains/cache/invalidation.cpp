#include "chains/cache/invalidation.hpp"

#include <charconv>
#include <set>

#include "chains/contracts/contract_module.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/services/services_module.hpp"
#include "chains/state/contract_tx.hpp"

namespace bfd::cache {

std::string chain_tag(std::uint32_t chain, read_stage stage) {
  std::string out = "c" + std::to_string(chain) + ":";
  out += static_cast<char>(stage);
  return out;
}

std::optional<std::pair<std::uint32_t, read_stage>> tag_chain(std::string_view tag) {
  const auto colon = tag.find(':');
  if (tag.size() < 4 || tag.front() != 'c' || colon == std::string_view::npos || colon + 1 >= tag.size())
    return std::nullopt;
  std::uint32_t chain = 0;
  const auto [p, ec] = std::from_chars(tag.data() + 1, tag.data() + colon, chain);
  if (ec != std::errc{} || p != tag.data() + colon)
    return std::nullopt;
  const char stage = tag[colon + 1];
  if (stage != static_cast<char>(read_stage::head) && stage != static_cast<char>(read_stage::final))
    return std::nullopt;
  if (colon + 2 < tag.size() && tag[colon + 2] != '/')
    return std::nullopt;
  return std::pair{chain, static_cast<read_stage>(stage)};
}

std::string module_tag(std::uint32_t chain, read_stage stage, module_id module) {
  return chain_tag(chain, stage) + "/" + std::string(to_string(module));
}

std::string object_tag(std::uint32_t chain, read_stage stage, module_id module, std::string_view object) {
  return module_tag(chain, stage, module) + "/" + std::string(object);
}

std::vector<std::string> read_tags(std::uint32_t chain, read_stage stage, module_id module,
                                   std::optional<std::string_view> object) {
  std::vector<std::string> out{chain_tag(chain, stage), module_tag(chain, stage, module)};
  if (object)
    out.push_back(object_tag(chain, stage, module, *object));
  return out;
}

commit_watch::roots commit_watch::roots_of(const chain_state& s) {
  roots out;
  for (const auto& m : s.state_modules())
    out[m->id()] = m->root();
  return out;
}

namespace {

/// The contracts a block's transactions change directly, or nothing when one of them changes
/// contracts it does not name (a deploy or a template publication: the module's reads go).
std::optional<std::set<address>> named_contracts(const chain_state& head, const std::vector<validated_ptr>& applied) {
  std::set<address> out;
  const auto* m = find_contracts(head);
  for (const auto& b : applied)
    for (const auto& tx : b->txs()) {
      const address* target = nullptr;
      if (const auto* call = std::get_if<contract_call_tx>(&tx.payload))
        target = &call->contract;
      else if (const auto* slot = std::get_if<contract_set_slot_tx>(&tx.payload))
        target = &slot->contract;
      else if (std::holds_alternative<contract_deploy_tx>(tx.payload)
               || std::holds_alternative<contract_publish_tx>(tx.payload))
        return std::nullopt;
      if (!target)
        continue;
      out.insert(*target);
      // A call may run the contract's slot client, which writes that client's state too.
      if (m)
        if (auto c = m->find_contract(*target); c && c->slot)
          out.insert(*c->slot);
    }
  if (out.empty())
    return std::nullopt;  // the module changed without a call naming a contract
  return out;
}

/// Whether a service's scheduled version switch takes effect in (from, to].
bool switch_between(const chain_state& s, std::uint64_t from, std::uint64_t to) {
  const auto* reg = find_services(s);
  if (!reg || to <= from)
    return false;
  for (std::uint64_t id = 1; id <= reg->count();) {
    const auto page = reg->list(id, 256);
    if (page.empty())
      break;
    for (const auto& svc : page)
      for (const auto& e : svc.schedule)
        if (e.height > from && e.height <= to)
          return true;
    id = page.back().id + 1;
  }
  return false;
}

} // namespace

std::vector<std::string> commit_watch::on_head(const chain_state& head, const std::vector<validated_ptr>& applied) {
  std::vector<std::string> out;
  auto now = roots_of(head);
  const bool first = !head_seen_;
  const bool reorg = !first && !applied.empty() && applied.front()->header().parent != head_hash_;
  head_hash_ = applied.empty() ? header_hash(head.head()) : applied.back()->hash;
  head_seen_ = true;
  if (first || reorg) {
    head_roots_ = std::move(now);
    out.push_back(chain_tag(chain_, read_stage::head));
    return out;
  }
  for (const auto& [id, root] : now) {
    auto before = head_roots_.find(id);
    if (before != head_roots_.end() && before->second == root)
      continue;
    if (id == module_id::contracts && before != head_roots_.end()) {
      if (auto named = named_contracts(head, applied)) {
        for (const auto& a : *named)
          out.push_back(object_tag(chain_, read_stage::head, id, format_address(a)));
        continue;
      }
    }
    out.push_back(module_tag(chain_, read_stage::head, id));
  }
  head_roots_ = std::move(now);
  return out;
}

std::vector<std::string> commit_watch::on_final(const chain_state& final_state, std::uint64_t final_height) {
  std::vector<std::string> out;
  auto now = roots_of(final_state);
  if (!final_seen_) {
    final_seen_ = true;
    final_roots_ = std::move(now);
    final_height_ = final_height;
    out.push_back(chain_tag(chain_, read_stage::final));
    return out;
  }
  for (const auto& [id, root] : now) {
    auto before = final_roots_.find(id);
    const bool changed = before == final_roots_.end() || before->second != root;
    if (changed || (id == module_id::services && switch_between(final_state, final_height_, final_height)))
      out.push_back(module_tag(chain_, read_stage::final, id));
  }
  final_roots_ = std::move(now);
  final_height_ = final_height;
  return out;
}

} // namespace bfd::cache
