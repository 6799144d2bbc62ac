#include "protocols/access_views.hpp"

#include <caf/actor_system_config.hpp>

namespace bfd {

namespace {

access_holding_item holding_item(const acl::access_state& state, const acl::scope& s, const address& a,
                                 const acl::holding& h) {
  return {static_cast<std::uint8_t>(s.kind), s.id, a, h.direct, h.roles, state.permissions_in(a, s)};
}

} // namespace

access_answer answer_access_query(const acl::access_state* state, std::uint64_t height, const access_query& q) {
  access_answer out;
  out.height = height;
  if (!state) {
    out.code = static_cast<std::uint16_t>(errc::not_found);
    out.detail = "this chain has no access control module";
    return out;
  }
  const acl::scope s{static_cast<acl::scope_kind>(q.scope_kind), q.scope_id};
  const auto kind = static_cast<access_query_kind>(q.what);
  if (kind != access_query_kind::account && (q.scope_kind >= acl::scope_kind_count || !s.valid())) {
    out.code = static_cast<std::uint16_t>(errc::invalid_argument);
    out.detail = "not a scope";
    return out;
  }
  switch (kind) {
    case access_query_kind::scope: {
      state->for_each_holding_in(s, [&](const address& a, const acl::holding& h) {
        if (out.holdings.size() == max_access_items)
          return !(out.more = true);
        out.holdings.push_back(holding_item(*state, s, a, h));
        return true;
      });
      state->for_each_role_in(s, [&](const std::string& name, const acl::role_def& r) {
        if (out.roles.size() == max_access_items)
          return !(out.more = true);
        out.roles.push_back({name, r.permissions, r.holders});
        return true;
      });
      if (s.kind == acl::scope_kind::fund_group)
        state->for_each_level(s.id, [&](std::uint64_t g, const address& a, acl::service_level l) {
          if (out.levels.size() == max_access_items)
            return !(out.more = true);
          out.levels.push_back({g, a, l});
          return true;
        });
      return out;
    }
    case access_query_kind::account: {
      // A walk over every holding: the state keeps no index by account (docs/access-control.md).
      state->for_each_holding([&](const acl::scope& hs, const address& a, const acl::holding& h) {
        if (a != q.account)
          return true;
        if (out.holdings.size() == max_access_items)
          return !(out.more = true);
        out.holdings.push_back(holding_item(*state, hs, a, h));
        return true;
      });
      state->for_each_level(std::nullopt, [&](std::uint64_t g, const address& a, acl::service_level l) {
        if (a != q.account)
          return true;
        if (out.levels.size() == max_access_items)
          return !(out.more = true);
        out.levels.push_back({g, a, l});
        return true;
      });
      return out;
    }
    case access_query_kind::check:
    case access_query_kind::read: {
      if (kind == access_query_kind::check && q.permission >= acl::permission_count) {
        out.code = static_cast<std::uint16_t>(errc::invalid_argument);
        out.detail = "not a permission";
        return out;
      }
      const auto st = kind == access_query_kind::read
                        ? state->check_read(q.account, s)
                        : state->check(q.account, s, static_cast<acl::permission>(q.permission), q.min_level);
      out.decision = static_cast<std::uint16_t>(st.ok() ? errc::ok : st.error().code);
      if (!st.ok())
        out.decision_detail = st.error().detail;
      return out;
    }
  }
  out.code = static_cast<std::uint16_t>(errc::invalid_argument);
  out.detail = "not an access query";
  return out;
}

void register_access_views(caf::actor_system_config& cfg) {
  cfg.add_message_type<access_query>("bfd::access_query");
  cfg.add_message_type<access_answer>("bfd::access_answer");
  cfg.add_message_type<access_holding_item>("bfd::access_holding_item");
  cfg.add_message_type<access_role_item>("bfd::access_role_item");
  cfg.add_message_type<access_level_item>("bfd::access_level_item");
}

} // namespace bfd
