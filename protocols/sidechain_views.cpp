#include "protocols/sidechain_views.hpp"

#include <string>

namespace bfd {

sidechain_view make_sidechain_view(const sidechain_info& info) {
  sidechain_view v;
  v.id = info.entry.id;
  v.status = static_cast<std::uint8_t>(info.status);
  v.registered_height = info.registered_height;
  v.activated_height = info.activated_height.value_or(0);
  v.ceased_height = info.ceased_height.value_or(0);
  v.anchored_height = info.anchored_height;
  v.anchored_hash = info.anchored_hash;
  v.genesis_hash = info.genesis_hash;
  v.entry = codec::encode(sidechain_register_payload{info.entry});
  return v;
}

std::vector<sidechain_view> sidechain_views(const sidechain_registry& registry) {
  std::vector<sidechain_view> out;
  for (auto id : registry.ids())
    if (const auto* info = registry.find(id))
      out.push_back(make_sidechain_view(*info));
  return out;
}

result<sidechain_entry> view_entry(const sidechain_view& view) {
  auto p = codec::decode_sidechain_register(view.entry);
  if (!p)
    return p.error();
  if (p->entry.id != view.id)
    return make_error(errc::invalid_argument, "the view of sidechain " + std::to_string(view.id)
                                                + " carries the entry of chain " + std::to_string(p->entry.id));
  return std::move(p->entry);
}

std::optional<sidechain_status> view_status(const sidechain_view& view) {
  if (view.status > static_cast<std::uint8_t>(sidechain_status::ceased))
    return std::nullopt;
  return static_cast<sidechain_status>(view.status);
}

} // namespace bfd
