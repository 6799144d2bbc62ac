// `bfd-cli acl grant|revoke|role|level|show|check`: access control (docs/access-control.md) from
// the command line. Changes are signed transactions of kinds 20-23; reads go through the access
// routes, signed with --key when the node protects them (docs/http.md, "Signed requests").
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chains/core/hex.hpp"
#include "chains/state/access_tx.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/client/submission.hpp"

namespace bfd::cli {

namespace {

struct acl_tx_options : tx_options {
  acl_tx_options() {
    fee_text = "0";
    timeout_text = "60";
  }
};

struct holding_options : acl_tx_options {
  std::string scope_text;
  std::string account_text;
  std::string permissions_text;
  std::string role;
};

struct role_options : acl_tx_options {
  std::string scope_text;
  std::string name;
  std::string permissions_text;
};

struct level_options : acl_tx_options {
  std::string group_text;
  std::string account_text;
  std::string level_text;
};

struct show_options {
  network_options net;
  std::optional<std::string> scope_text;
  std::optional<std::string> account_text;
  std::optional<std::string> key_file;
  bool json_out = false;
};

struct check_options {
  network_options net;
  std::string account_text;
  std::string scope_text;
  std::string permission_text;
  std::string min_level_text = "0";
  std::optional<std::string> key_file;
};

result<acl::scope> parse_scope_option(const std::string& text) {
  auto s = acl::parse_scope_text(text);
  if (!s)
    return make_error(errc::invalid_argument,
                      fmt::format("--scope: '{}' is not global, fund_group:ID, service:ID, sidechain:ID or ush_group:ID", text));
  return *s;
}

result<address> parse_account_option(const std::string& text) {
  auto a = parse_address(text);
  if (!a)
    return make_error(a.error().code, "--account: " + a.error().detail);
  return *a;
}

// "read,trade" (names of docs/access-control.md), or "none" / "" for no permission.
result<acl::permission_mask> parse_permissions(const std::string& text) {
  acl::permission_mask m = 0;
  if (text.empty() || text == "none")
    return m;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const auto name = std::string_view(text).substr(start, end - start);
    auto p = acl::parse_permission(name);
    if (!p)
      return make_error(errc::invalid_argument,
                        fmt::format("--permissions: '{}' is not a permission (admin, read, write, trade, issue, "
                                    "liquidate, join, deploy, register_service, upgrade_service, sidechain_admin)",
                                    name));
    m |= acl::bit(*p);
    start = end + 1;
  }
  return m;
}

// Signs `payload` with the key file's key for the chain --chain names (nonce and expiry from the
// node), submits it and, unless --no-wait, waits for finality.
command_result send_acl_tx(const acl_tx_options& o, tx_payload payload, const std::string& what) {
  auto signed_or = sign_for_chain(o, std::move(payload));
  if (auto* failed = std::get_if<command_result>(&signed_or))
    return *failed;
  const auto& [at, tx, keys, timeout] = std::get<signed_tx>(signed_or);
  return submit(at, tx, fmt::format("{} {}, nonce {}, expiry {}", payload_name(tx.payload), what, tx.nonce, tx.expiry),
                o.no_wait, timeout);
}

template <class Tx>
command_result run_holding(const holding_options& o) {
  auto s = parse_scope_option(o.scope_text);
  if (!s)
    return to_command_result(s.error());
  auto a = parse_account_option(o.account_text);
  if (!a)
    return to_command_result(a.error());
  auto m = parse_permissions(o.permissions_text);
  if (!m)
    return to_command_result(m.error());
  if (*m == 0 && o.role.empty())
    return command_failure("invalid_argument", "name --permissions, --role or both");
  return send_acl_tx(o, Tx{*s, *a, *m, o.role},
                     fmt::format("of {} in {}", o.account_text, acl::scope_text(*s)));
}

command_result run_role(const role_options& o) {
  auto s = parse_scope_option(o.scope_text);
  if (!s)
    return to_command_result(s.error());
  auto m = parse_permissions(o.permissions_text);
  if (!m)
    return to_command_result(m.error());
  return send_acl_tx(o, acl_role_define_tx{*s, o.name, *m},
                     fmt::format("of role {} in {}", o.name, acl::scope_text(*s)));
}

command_result run_level(const level_options& o) {
  auto group = parse_uint("--group", o.group_text, UINT64_MAX);
  if (!group)
    return to_command_result(group.error());
  auto a = parse_account_option(o.account_text);
  if (!a)
    return to_command_result(a.error());
  auto level = parse_uint("--level", o.level_text, acl::max_level);
  if (!level)
    return to_command_result(level.error());
  return send_acl_tx(o, acl_set_level_tx{*group, *a, static_cast<acl::service_level>(*level)},
                     fmt::format("of {} in fund_group:{}", o.account_text, *group));
}

std::string names(const json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& n : list)
      if (n.is_string())
        out += (out.empty() ? "" : ",") + n.get<std::string>();
  return out.empty() ? "-" : out;
}

command_result run_show(const show_options& o) {
  if (o.scope_text.has_value() == o.account_text.has_value())
    return command_failure("invalid_argument", "name a SCOPE or --account ADDRESS (one of them)");
  std::string route;
  if (o.scope_text) {
    auto s = parse_scope_option(*o.scope_text);
    if (!s)
      return to_command_result(s.error());
    route = "/access/scopes/" + acl::scope_text(*s);
  } else {
    auto a = parse_account_option(*o.account_text);
    if (!a)
      return to_command_result(a.error());
    route = "/access/accounts/" + format_address(*a);
  }
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  auto reply = read_chain_route(at, route, o.key_file);
  if (auto* failed = std::get_if<command_result>(&reply))
    return explain_unauthenticated(*failed, o.key_file);
  const json& body = std::get<node_answer>(reply).body;
  if (o.json_out) {
    fmt::print("{}\n", body.dump(2));
    return {};
  }
  const auto& holdings = body.contains("holdings") && body["holdings"].is_array() ? body["holdings"] : json::array();
  if (o.scope_text) {
    std::vector<std::vector<std::string>> rows{{"ACCOUNT", "PERMISSIONS", "ROLES", "EFFECTIVE"}};
    for (const auto& h : holdings)
      rows.push_back({text_field(h, "account"), names(h.value("permissions", json())), names(h.value("roles", json())),
                      names(h.value("effective", json()))});
    print_table(rows, {false, false, false, false});
    if (auto roles = body.find("roles"); roles != body.end() && roles->is_array() && !roles->empty()) {
      std::vector<std::vector<std::string>> rrows{{"ROLE", "PERMISSIONS", "HOLDERS"}};
      for (const auto& r : *roles)
        rrows.push_back({text_field(r, "name"), names(r.value("permissions", json())),
                         std::to_string(number_field(r, "holders"))});
      print_table(rrows, {false, false, true});
    }
    if (auto levels = body.find("levels"); levels != body.end() && levels->is_array() && !levels->empty()) {
      std::vector<std::vector<std::string>> lrows{{"ACCOUNT", "LEVEL"}};
      for (const auto& l : *levels)
        lrows.push_back({text_field(l, "account"), std::to_string(number_field(l, "level"))});
      print_table(lrows, {false, true});
    }
    fmt::print("{} holding{} in {} at height {}\n", holdings.size(), holdings.size() == 1 ? "" : "s",
               *o.scope_text, number_field(body, "height"));
  } else {
    std::vector<std::vector<std::string>> rows{{"SCOPE", "PERMISSIONS", "ROLES", "EFFECTIVE"}};
    for (const auto& h : holdings) {
      const auto kind = text_field(h, "scope");
      rows.push_back({kind == "global" ? kind : fmt::format("{}:{}", kind, number_field(h, "scope_id")),
                      names(h.value("permissions", json())), names(h.value("roles", json())),
                      names(h.value("effective", json()))});
    }
    print_table(rows, {false, false, false, false});
    if (auto levels = body.find("levels"); levels != body.end() && levels->is_array())
      for (const auto& l : *levels)
        fmt::print("level in fund_group:{}: {}\n", number_field(l, "group"), number_field(l, "level"));
    fmt::print("{} scope{} for {} at height {}\n", holdings.size(), holdings.size() == 1 ? "" : "s",
               *o.account_text, number_field(body, "height"));
  }
  if (body.value("more", false))
    fmt::print("(cut at the node's bound; --json shows the same list)\n");
  return {};
}

command_result run_check(const check_options& o) {
  auto a = parse_account_option(o.account_text);
  if (!a)
    return to_command_result(a.error());
  auto s = parse_scope_option(o.scope_text);
  if (!s)
    return to_command_result(s.error());
  auto p = acl::parse_permission(o.permission_text);
  if (!p)
    return command_failure("invalid_argument", fmt::format("--permission: '{}' is not a permission", o.permission_text));
  auto level = parse_uint("--min-level", o.min_level_text, acl::max_level);
  if (!level)
    return to_command_result(level.error());
  auto opened = open_chain_endpoint(o.net);
  if (auto* failed = std::get_if<command_result>(&opened))
    return *failed;
  const auto& at = std::get<chain_endpoint>(opened);
  std::string route = fmt::format("/access/check/{}/{}/{}", format_address(*a), acl::scope_text(*s),
                                  acl::to_string(*p));
  if (*level > 0)
    route += fmt::format("?min_level={}", *level);
  auto reply = read_chain_route(at, route, o.key_file);
  if (auto* failed = std::get_if<command_result>(&reply))
    return explain_unauthenticated(*failed, o.key_file);
  const json& body = std::get<node_answer>(reply).body;
  const bool allowed = body.value("allowed", false);
  fmt::print("allowed: {}\nheight: {}\n", allowed ? "true" : "false", number_field(body, "height"));
  if (allowed)
    return {};
  const json& reason = object_field(body, "reason");
  return command_failure(text_field(reason, "code", "access_denied"), text_field(reason, "detail", "not allowed"));
}

void add_tx_options(CLI::App& cmd, acl_tx_options& o, network_options& net) {
  bfd::cli::add_tx_options(cmd, o, "Key file of the sender: an admin of the scope or of global "
                                   "(keys/registry.json of a dev node)");
  add_network_options(cmd, net);
}

void add_holding_command(CLI::App& group, const char* name, const char* help, bool grant,
                         std::optional<command_result>& outcome, network_options& net) {
  auto o = std::make_shared<holding_options>();
  auto* cmd = group.add_subcommand(name, help);
  cmd->add_option("--scope", o->scope_text, "global, fund_group:ID, service:ID, sidechain:ID or ush_group:ID")
    ->type_name("SCOPE")
    ->required();
  cmd->add_option("--account", o->account_text, "The account (bfd…)")->type_name("ADDRESS")->required();
  cmd->add_option("--permissions", o->permissions_text, "Permission names, comma-separated (e.g. read,trade)")
    ->type_name("LIST");
  cmd->add_option("--role", o->role, "A role of the scope (see acl role)")->type_name("NAME");
  add_tx_options(*cmd, *o, net);
  cmd->callback([o, grant, &outcome, &net] {
    o->net = net;
    outcome = grant ? run_holding<acl_grant_tx>(*o) : run_holding<acl_revoke_tx>(*o);
  });
}

} // namespace

void add_acl_commands(CLI::App& app, std::optional<command_result>& outcome, network_options& net) {
  auto* group = app.add_subcommand(
    "acl", "Access control (docs/access-control.md): grant, revoke, define roles, set levels; show and check");

  add_holding_command(*group, "grant", "Grant permissions and/or a role in a scope (an admin only), then wait until final",
                      true, outcome, net);
  add_holding_command(*group, "revoke", "Revoke permissions and/or a role in a scope (an admin only), then wait until final",
                      false, outcome, net);

  auto r = std::make_shared<role_options>();
  auto* role = group->add_subcommand("role", "Define or redefine a role of a scope; --permissions none deletes it");
  role->add_option("--scope", r->scope_text, "global, fund_group:ID, service:ID, sidechain:ID or ush_group:ID")
    ->type_name("SCOPE")
    ->required();
  role->add_option("--name", r->name, "Role name: 1-32 of a-z, 0-9, _")->type_name("NAME")->required();
  role->add_option("--permissions", r->permissions_text, "Permission names, comma-separated, or none")
    ->type_name("LIST")
    ->required();
  add_tx_options(*role, *r, net);
  role->callback([r, &outcome, &net] {
    r->net = net;
    outcome = run_role(*r);
  });

  auto l = std::make_shared<level_options>();
  auto* level = group->add_subcommand("level", "Set an account's service level (0-3) in a fund group");
  level->add_option("--group", l->group_text, "Fund group id")->type_name("ID")->required();
  level->add_option("--account", l->account_text, "The account (bfd…)")->type_name("ADDRESS")->required();
  level->add_option("--level", l->level_text, "0 to 3")->type_name("N")->required();
  add_tx_options(*level, *l, net);
  level->callback([l, &outcome, &net] {
    l->net = net;
    outcome = run_level(*l);
  });

  auto s = std::make_shared<show_options>();
  auto* show = group->add_subcommand(
    "show", "Show a scope's holdings, roles and levels, or (--account) what an account holds; protected reads "
            "are signed with --key");
  show->add_option("scope", s->scope_text, "global, fund_group:ID, service:ID, sidechain:ID or ush_group:ID")->type_name("SCOPE");
  show->add_option("--account", s->account_text, "Show what this account holds instead")->type_name("ADDRESS");
  show->add_option("--key", s->key_file, "Sign the read with this key file (needed for every scope but global)")
    ->type_name("FILE");
  show->add_flag("--json", s->json_out, "Print the node's JSON answer");
  add_network_options(*show, net);
  show->callback([s, &outcome, &net] {
    s->net = net;
    outcome = run_show(*s);
  });

  auto c = std::make_shared<check_options>();
  auto* check = group->add_subcommand(
    "check", "Ask whether an account holds a permission in a scope (exit code 1 with access_denied if not)");
  check->add_option("--account", c->account_text, "The account (bfd…)")->type_name("ADDRESS")->required();
  check->add_option("--scope", c->scope_text, "global, fund_group:ID, service:ID, sidechain:ID or ush_group:ID")
    ->type_name("SCOPE")
    ->required();
  check->add_option("--permission", c->permission_text, "One permission name")->type_name("NAME")->required();
  check->add_option("--min-level", c->min_level_text, "Service level required too (fund groups), 0 to 3")
    ->type_name("N")
    ->capture_default_str();
  check->add_option("--key", c->key_file, "Sign the read with this key file (needed for every scope but global)")
    ->type_name("FILE");
  add_network_options(*check, net);
  check->callback([c, &outcome, &net] {
    c->net = net;
    outcome = run_check(*c);
  });
}

} // namespace bfd::cli
