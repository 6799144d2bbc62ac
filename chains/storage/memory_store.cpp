#include "chains/storage/memory_store.hpp"

#include <algorithm>

namespace bfd {

status memory_store::ensure_space(std::string_view space) {
  std::lock_guard guard{mtx_};
  spaces_.try_emplace(std::string(space));
  return {};
}

result<std::optional<bytes>> memory_store::get(std::string_view space, byte_view key) {
  std::lock_guard guard{mtx_};
  auto s = spaces_.find(space);
  if (s == spaces_.end())
    return make_error(errc::not_found, "no space " + std::string(space));
  auto i = s->second.find(bytes(key.begin(), key.end()));
  if (i == s->second.end())
    return std::optional<bytes>{};
  return std::optional<bytes>{i->second};
}

status memory_store::write(const write_batch& batch) {
  std::lock_guard guard{mtx_};
  for (const auto& op : batch.ops())
    if (spaces_.find(op.space) == spaces_.end())
      return make_error(errc::not_found, "no space " + op.space);
  for (const auto& op : batch.ops()) {
    auto& s = spaces_.find(op.space)->second;
    if (op.value)
      s[op.key] = *op.value;
    else
      s.erase(op.key);
  }
  return {};
}

status memory_store::scan_prefix(std::string_view space, byte_view prefix,
                                 const std::function<bool(byte_view, byte_view)>& visit) {
  std::lock_guard guard{mtx_};
  auto s = spaces_.find(space);
  if (s == spaces_.end())
    return make_error(errc::not_found, "no space " + std::string(space));
  bytes start(prefix.begin(), prefix.end());
  for (auto i = s->second.lower_bound(start); i != s->second.end(); ++i) {
    if (i->first.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), i->first.begin()))
      break;
    if (!visit(i->first, i->second))
      break;
  }
  return {};
}

std::vector<std::string> memory_store::spaces() {
  std::lock_guard guard{mtx_};
  std::vector<std::string> out;
  for (const auto& [name, _] : spaces_)
    out.push_back(name);
  return out;
}

} // namespace bfd
